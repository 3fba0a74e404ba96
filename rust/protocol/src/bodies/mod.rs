//! Typed packet bodies (PROTOCOL.md §2–§6, §10, §11.3).
//!
//! Every `WebPacket` carries a body that is JSON text inside a string (see [`crate::Envelope`]). This module gives
//! each distinct body one Rust struct, grouped by area: [`auth`], [`messages`], [`history`], [`users`], [`groups`],
//! [`calls`] and [`extensions`]. The structs are plain data: they derive `Serialize` and `Deserialize`, do no I/O and
//! hold no behaviour beyond a few accessors, so the server and the client engine can share them.
//!
//! # Naming
//!
//! A struct is named after what the body *is*, not after the service constant: `UserTextSend` is what a client sends
//! on service 72, `UserTextAck` is the server's sent-ack on the same number, `UserTextIncoming` is service 73. Every
//! struct's doc comment starts with its service number(s) and direction (C→S, S→C). Requests that share a number
//! with their reply are told apart by type, never by inspecting the JSON.
//!
//! # Field names and types
//!
//! Field names on the wire are exact and inconsistent across services (`msgId` vs `id`, `time` vs `created`,
//! `group` vs `groupId`, `leaveUser` vs `leaveUserId`; PROTOCOL.md Appendix B). Rust fields are snake_case and the
//! wire spelling is fixed with `#[serde(rename)]`/`rename_all`, so a struct's field list reads like the table in
//! PROTOCOL.md it was written from.
//!
//! Numbers stay JSON numbers: ids, times, statuses, `r`, `done` and `page` are `i64`; latitude and longitude are
//! `f64`; media dimensions and durations, which JavaScript may send as fractions, are [`JsNumber`]. A numeric
//! *string* where a number is expected is a decode error everywhere — the original client compares with `===`, so a
//! server that accepted and echoed `"72"` would break it silently.
//!
//! A field the original client *reads* is required; a field that the server adds for convenience (or that an older
//! client leaves out) is an `Option` that is omitted when absent. Unknown fields are always ignored on decode
//! (clients send extras), and never produced on encode.
//!
//! # Shapes that need more than a derive
//!
//! * [`messages::Content`] is the one-of text/sticker/file/location part of a message, flattened into the body and
//!   recognised by field presence in the order `msg` → `imgName` → `fileName` → `addr` (PROTOCOL.md §6.1).
//! * [`ReplyOrPush`] decodes the services whose reply and push share a number and differ only by the presence of
//!   `r` (153, 127, 151, 197; and 104/121/113 with the D6 ack).
//! * [`ErrorReply`] is the body of a failed reply: a non-success `r`, a `message`, and whatever correlation keys the
//!   request needs echoed (`purpose`, `requestId`, `group`, `msgId`, ...).
//! * [`Relayed`] wraps a call-signalling body the server forwards to the peer with `from` added.
//! * [`IntOrString`] covers the few fields that are an integer or a string (`port` in 29, `callType` in call-ins).
//! * [`groups::PrivateGroupsReply`] is a bare JSON array, the only non-object body.

use serde::de::{self, DeserializeOwned};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

pub mod auth;
pub mod calls;
pub mod extensions;
pub mod groups;
pub mod history;
pub mod messages;
pub mod users;

/// An empty object body, `{}`. Used where the protocol sends nothing but the envelope needs a body: svc 1 (ping),
/// the 147/198/509 requests and the 105 reply. Any fields present on decode are ignored.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Empty {}

/// A JavaScript number: integer or fractional, as the original client may send either (`width`, `height`,
/// `duration` of media). Encodes integral values without a fraction, like `JSON.stringify` does, so `300` stays
/// `300` and `12.5` stays `12.5`. A string never decodes.
#[derive(Clone, Copy, Debug, Default, PartialEq, PartialOrd)]
pub struct JsNumber(pub f64);

/// Largest integer a JavaScript number holds exactly (2^53 − 1).
const JS_MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

impl JsNumber {
    /// The value, as an `f64`.
    pub fn get(self) -> f64 {
        self.0
    }

    /// The value as an integer, if it is one.
    pub fn as_i64(self) -> Option<i64> {
        if self.0.is_finite() && self.0.fract() == 0.0 && self.0.abs() <= JS_MAX_SAFE_INTEGER {
            // Exact: integral and within ±2^53.
            Some(self.0 as i64)
        } else {
            None
        }
    }
}

impl From<i64> for JsNumber {
    fn from(v: i64) -> JsNumber {
        JsNumber(v as f64)
    }
}

impl From<f64> for JsNumber {
    fn from(v: f64) -> JsNumber {
        JsNumber(v)
    }
}

impl Serialize for JsNumber {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.as_i64() {
            Some(i) => s.serialize_i64(i),
            None => s.serialize_f64(self.0),
        }
    }
}

impl<'de> Deserialize<'de> for JsNumber {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl de::Visitor<'_> for V {
            type Value = JsNumber;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON number")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<JsNumber, E> {
                Ok(JsNumber::from(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<JsNumber, E> {
                Ok(JsNumber(v as f64))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<JsNumber, E> {
                Ok(JsNumber(v))
            }
        }
        d.deserialize_any(V)
    }
}

/// A value that is an integer or a string on the wire, kept as it came: svc 29 `port` and svc 179 `slavePort`,
/// call-in `callType` (opaque, echoed verbatim, OQ-23).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum IntOrString {
    Int(i64),
    String(String),
}

impl From<i64> for IntOrString {
    fn from(v: i64) -> IntOrString {
        IntOrString::Int(v)
    }
}

impl From<&str> for IntOrString {
    fn from(v: &str) -> IntOrString {
        IntOrString::String(v.to_owned())
    }
}

impl From<String> for IntOrString {
    fn from(v: String) -> IntOrString {
        IntOrString::String(v)
    }
}

/// A body on a service where the reply to my own request and a push about someone else's action share the number
/// and differ only in whether `r` is present (PROTOCOL.md §4.2, §4.3, §8): 153, 127, 151, 197, and under D6 the
/// 104/121/113 acks. Decoding looks at the key `r` (present, whatever its value, ⇒ [`ReplyOrPush::Reply`]); encoding
/// writes the inner body unchanged.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum ReplyOrPush<R, P> {
    Reply(R),
    Push(P),
}

impl<'de, R: DeserializeOwned, P: DeserializeOwned> Deserialize<'de> for ReplyOrPush<R, P> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let value = serde_json::Value::deserialize(d)?;
        let has_r = value
            .as_object()
            .map(|o| o.contains_key("r"))
            .ok_or_else(|| de::Error::custom("expected a JSON object"))?;
        if has_r {
            serde_json::from_value(value).map(ReplyOrPush::Reply).map_err(de::Error::custom)
        } else {
            serde_json::from_value(value).map(ReplyOrPush::Push).map_err(de::Error::custom)
        }
    }
}

/// S→C, any reply service: the body of a failed reply. `r` is a value that is not the service's success marker
/// (see [`crate::constants::reply_success`]; the server uses a negative or ≥ 2 integer), `message` says why (the
/// original client ignores it, the new engine surfaces it), and the correlation keys the request is routed by are
/// echoed: `purpose` for 164/165, `requestId` and `group` for 148, `msgId`/`id` and `type` for 153/127/151, `group`
/// and `msgId` for the group actions. Decoding it is also the cheap way to read `r` (and `message`) of any reply
/// before decoding the full success body.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorReply {
    pub r: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purpose: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub msg_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    /// Chat type, echoed by 153/127/151/168/171 replies.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub chat_type: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chat_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<i64>,
}

/// A call-signalling body as the server forwards it to the peer: the sender's body unchanged plus `from`, the
/// sender's user id (PROTOCOL.md §5.2). See the aliases in [`calls`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Relayed<T> {
    pub from: i64,
    #[serde(flatten)]
    pub body: T,
}

/// Serde helper for a field that may be a string, `null` or absent, and must round-trip as such (call-in `tags`,
/// PROTOCOL.md §3.14). Use on `Option<Option<String>>` together with `default` and
/// `skip_serializing_if = "Option::is_none"`: absent ⇒ `None`, `null` ⇒ `Some(None)`, `"x"` ⇒ `Some(Some("x"))`.
pub(crate) fn nullable<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}
