//! Call signalling: free calls between users, callout to and call-in from the phone network, paid call logs
//! (PROTOCOL.md §3.4–§3.18, §4.4, §5).
//!
//! # Free calls (186/187/188/199)
//!
//! The server is a relay. A client addresses the peer user in `to`; the server forwards the body to the peer's
//! sessions unchanged except for an added `from` (the sender). The forms as sent are [`FreeCallStart`],
//! [`FreeCallData`] and [`FreeCallStatus`]; as delivered they are [`Relayed`] around the same body
//! ([`FreeCallStartFromPeer`], [`FreeCallDataFromPeer`]) and, for 188, [`FreeCallStatusFromPeer`], whose `to` is
//! optional because the client reads only `callId`, `status` (and `from`). 199 ([`FreeCallStatusByMe`]) is generated
//! by the server for the user's other sessions.
//!
//! 187 `data` is an SDP answer for `type` 1 and an ICE candidate for `type` 2; [`CallData`] decodes either by shape
//! (a description has a string `type`). The candidate line travels under the key `sdp`, not `candidate`.
//!
//! # Callout (500–504, 610) and call-in (505/506/508)
//!
//! Phone numbers are strings; `sdp_candidate` (snake case on the wire) is an SDP with the gathered
//! `a=candidate` lines appended. Call-in `callType` is opaque (integer or string) and echoed verbatim. Call-in
//! `tags` may be a string, `null` (stopping while ringing) or absent, and round-trips as such.
//!
//! # Paid call logs (509, 601)
//!
//! The 509 list and the 601 push describe the same log entry with different keys: `url`/`userId` in 509,
//! `urlRecord`/`azUserId` in 601.

use serde::{Deserialize, Serialize};

use super::{Empty, IntOrString, Relayed, nullable};

// ---------------------------------------------------------------------------------------------------------------
// Free calls
// ---------------------------------------------------------------------------------------------------------------

/// A serialised `RTCSessionDescription`: `{type: "offer" | "answer", sdp}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SessionDescription {
    #[serde(rename = "type")]
    pub sdp_type: String,
    pub sdp: String,
}

/// An ICE candidate as 187 type 2 carries it: `{sdpMid, sdpMLineIndex, sdp: "candidate:…"}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IceCandidate {
    #[serde(rename = "sdpMid", default, skip_serializing_if = "Option::is_none")]
    pub sdp_mid: Option<String>,
    #[serde(rename = "sdpMLineIndex", default, skip_serializing_if = "Option::is_none")]
    pub sdp_m_line_index: Option<i64>,
    /// The candidate line.
    pub sdp: String,
}

/// 187 `data`: an SDP description (type 1) or an ICE candidate (type 2), decoded by shape.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum CallData {
    Description(SessionDescription),
    Candidate(IceCandidate),
}

/// svc 186, C→S (caller): start a free call to user `to` with an SDP offer. `mediaType` 1 audio, 2 video.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FreeCallStart {
    pub call_id: i64,
    pub media_type: i64,
    pub to: i64,
    pub sdp: SessionDescription,
}

/// svc 186, S→C (all callee sessions): [`FreeCallStart`] plus `from` = caller.
pub type FreeCallStartFromPeer = Relayed<FreeCallStart>;

/// svc 187, C→S (either side): SDP answer (`type` 1) or ICE candidate (`type` 2) for the peer `to`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FreeCallData {
    pub call_id: i64,
    pub to: i64,
    /// `call::CALL_WEBRTC_DATA_TYPE_*`.
    #[serde(rename = "type")]
    pub data_type: i64,
    pub data: CallData,
}

/// svc 187, S→C: [`FreeCallData`] plus `from`.
pub type FreeCallDataFromPeer = Relayed<FreeCallData>;

/// svc 188, C→S (either side): my status for the call with peer `to` (`call::CALL_STATUS_FREE_CALL_*`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FreeCallStatus {
    pub call_id: i64,
    pub to: i64,
    pub status: i64,
}

/// svc 188, S→C: the peer `from` changed the call's status (also the server's ring timeout, `status` 400).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FreeCallStatusFromPeer {
    pub call_id: i64,
    pub status: i64,
    pub from: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<i64>,
}

/// svc 199, S→C (my other sessions): another session of mine set the status (200, 603, 400 or 700).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FreeCallStatusByMe {
    pub call_id: i64,
    pub status: i64,
}

// ---------------------------------------------------------------------------------------------------------------
// Callout
// ---------------------------------------------------------------------------------------------------------------

/// svc 500, C→S: call phone number `to`, optionally showing caller id `from`, with free-form `tags`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CalloutStart {
    pub call_id: i64,
    pub to: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<String>,
}

/// svc 610, S→C: the callout's billing/initial result. Success `{status: 100, chargingError: 0}`; errors
/// `{status: 402, chargingError: -3|-4|-5}` or `{status: 404, chargingError: -6}` (§3.9).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CalloutInitial {
    pub call_id: i64,
    pub status: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub charging_error: Option<i64>,
}

/// svc 504, S→C: the callout may proceed; the client now builds its offer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CalloutStartDone {
    pub call_id: i64,
}

/// svc 501, C→S: the callout offer (SDP with appended candidate lines, non-trickle).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CalloutData {
    #[serde(rename = "callId")]
    pub call_id: i64,
    pub to: String,
    pub sdp_candidate: String,
}

/// svc 502, C→S: hang up the callout.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CalloutStop {
    pub call_id: i64,
    pub to: String,
}

/// svc 503, S→C: callout progress `code` (`call::CALL_STATUS_CALLOUT_STATUS_*`); with 200 `sdp_candidate` is the
/// answer SDP.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CalloutStatus {
    #[serde(rename = "callId")]
    pub call_id: i64,
    pub code: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sdp_candidate: Option<String>,
}

// ---------------------------------------------------------------------------------------------------------------
// Call-in
// ---------------------------------------------------------------------------------------------------------------

/// svc 505, S→C: an incoming phone call from number `from` to number `to`, with the offer SDP.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CallinStart {
    #[serde(rename = "callId")]
    pub call_id: i64,
    #[serde(rename = "callType")]
    pub call_type: IntOrString,
    pub from: String,
    pub to: String,
    pub sdp_candidate: String,
}

/// svc 506, C→S: my session's status for the call-in (`call::CALL_STATUS_CALLIN_STATUS_*`): 183 ringing, 486 busy,
/// 200 answered (with `sdp_candidate`), 702 rejected, 403 not answered, 700 stopped. `destination` is 505's `from`,
/// `phonenumber` 505's `to`. `tags` is a string, `null` or absent, kept as such.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CallinStatus {
    #[serde(rename = "callId")]
    pub call_id: i64,
    #[serde(rename = "callType")]
    pub call_type: IntOrString,
    pub destination: String,
    pub phonenumber: String,
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "Option::is_none")]
    pub tags: Option<Option<String>>,
    pub code: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sdp_candidate: Option<String>,
}

/// svc 506, S→C: the phone side ended the call-in: `code` 702 while ringing, 700 after answer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallinStatusPush {
    pub call_id: i64,
    pub code: i64,
}

/// svc 508, S→C (my other sessions): another session of mine acted on the ringing call-in.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallinStatusByMe {
    pub call_id: i64,
    pub code: i64,
}

// ---------------------------------------------------------------------------------------------------------------
// Paid call logs
// ---------------------------------------------------------------------------------------------------------------

/// svc 509, C→S: my paid call logs. Body `{}`.
pub type PaidCallLogsRequest = Empty;

/// svc 509, S→C: `r` 1 is success; all entries in one packet.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PaidCallLogsReply {
    pub r: i64,
    pub data: Vec<PaidCallLogItem>,
}

/// An entry of [`PaidCallLogsReply`]. `callType` 1 callout / 2 call-in; `status` 0 answered / 1 rejected / 2 not
/// answered; `duration` seconds; `recordTime` ms; `url` the recording.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaidCallLogItem {
    pub call_id: i64,
    pub from: String,
    pub to: String,
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "Option::is_none")]
    pub tags: Option<Option<String>>,
    pub duration: i64,
    pub record_time: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    pub user_id: i64,
    pub call_type: i64,
    pub status: i64,
}

/// svc 601, S→C: a paid call finished; `data` is its log entry.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PaidCallLogPush {
    pub data: PaidCallLogEntry,
}

/// The entry of [`PaidCallLogPush`]: as [`PaidCallLogItem`] but with **`urlRecord`** and **`azUserId`**.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaidCallLogEntry {
    pub call_id: i64,
    pub from: String,
    pub to: String,
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "Option::is_none")]
    pub tags: Option<Option<String>>,
    pub duration: i64,
    pub record_time: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url_record: Option<String>,
    pub az_user_id: i64,
    pub call_type: i64,
    pub status: i64,
}
