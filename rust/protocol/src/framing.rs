//! Engine.IO and Socket.IO text frames as this project uses them (PROTOCOL.md §1.1, §1.2). No I/O.
//!
//! Every WebSocket text message is one Engine.IO packet: a type digit, then its data. Socket.IO packets ride in
//! Engine.IO *message* packets (`4`), so they begin `4` plus their own type digit. The project needs these:
//!
//! ```text
//! 0{"sid":..,"pingInterval":..,"pingTimeout":..}   Engine.IO open (server to client)
//! 1                                                Engine.IO close
//! 2 / 3                                            Engine.IO ping / pong (EIO4: the server pings; EIO3: the client)
//! 40 / 40{"sid":".."}                              Socket.IO CONNECT to "/" (client) and its acknowledgement (server)
//! 41                                               Socket.IO DISCONNECT
//! 42["WebPacket",{"service":N,"body":"<json>"}]    Socket.IO EVENT: the one event, carrying an Envelope
//! 43<id>[...]                                      Socket.IO ACK (the protocol asks for none; read so it is ignored)
//! 44{"message":".."}                               Socket.IO CONNECT_ERROR: the namespace refused
//! ```
//!
//! [`parse`] names a frame; [`event`] writes the `WebPacket` event of an envelope and [`decode_event`] reads one.
//! The engine's transport, the server's test client and the bench client all frame through here.

use serde::Serialize;
use serde_json::Value;

use crate::{EVENT, Envelope};

/// Engine.IO ping.
pub const PING: &str = "2";
/// Engine.IO pong.
pub const PONG: &str = "3";
/// Socket.IO CONNECT to the default namespace, as a client sends it.
pub const CONNECT: &str = "40";
/// Socket.IO DISCONNECT from the default namespace.
pub const DISCONNECT: &str = "41";

/// What one text frame is; each variant borrows its data (the text after the type digits).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Frame<'a> {
    /// `0{…}`: the Engine.IO handshake, its JSON object.
    Open(&'a str),
    /// `1`: Engine.IO close.
    Close,
    /// `2`: Engine.IO ping.
    Ping,
    /// `3`: Engine.IO pong.
    Pong,
    /// `40…`: Socket.IO CONNECT (from a client, usually empty) or its acknowledgement (`{"sid":..}`).
    Connect(&'a str),
    /// `41…`: Socket.IO DISCONNECT.
    Disconnect,
    /// `42…`: a Socket.IO EVENT, its JSON array (see [`decode_event`]).
    Event(&'a str),
    /// `43…`: a Socket.IO ACK, its id and JSON array.
    Ack(&'a str),
    /// `44…`: Socket.IO CONNECT_ERROR, its JSON (the reason).
    ConnectError(&'a str),
    /// Anything else (an Engine.IO `2probe`, a noop, a namespace other than "/" …): ignored by everyone here.
    Other(&'a str),
}

/// Names one text frame.
pub fn parse(text: &str) -> Frame<'_> {
    match text {
        "1" => return Frame::Close,
        PING => return Frame::Ping,
        PONG => return Frame::Pong,
        _ => {}
    }
    if let Some(open) = text.strip_prefix('0').filter(|rest| rest.starts_with('{')) {
        return Frame::Open(open);
    }
    let Some(socket_io) = text.strip_prefix('4') else { return Frame::Other(text) };
    let mut chars = socket_io.chars();
    let kind = chars.next();
    let data = chars.as_str();
    match kind {
        Some('0') => Frame::Connect(data),
        Some('1') => Frame::Disconnect,
        Some('2') => Frame::Event(data),
        Some('3') => Frame::Ack(data),
        Some('4') => Frame::ConnectError(data),
        _ => Frame::Other(text),
    }
}

/// The `WebPacket` event frame with `arg` as its argument: `42["WebPacket",<arg>]`. With an [`Envelope`] this is
/// the protocol's packet; tests pass other values to send malformed ones.
pub fn event_with<T: Serialize + ?Sized>(arg: &T) -> String {
    let array = serde_json::to_string(&(EVENT, arg)).unwrap_or_else(|_| format!("[\"{EVENT}\"]"));
    format!("42{array}")
}

/// The `WebPacket` event frame of an envelope: `42["WebPacket",{"service":N,"body":"…"}]`.
pub fn event(envelope: &Envelope) -> String {
    event_with(envelope)
}

/// The envelope of an EVENT frame's array (the data of [`Frame::Event`]); `None` for another event name, a
/// malformed array or envelope.
pub fn decode_event(array: &str) -> Option<Envelope> {
    // A namespace other than "/" would appear as "/nsp,[...]"; only "/" is joined.
    let Ok(Value::Array(mut items)) = serde_json::from_str::<Value>(array) else { return None };
    if items.len() < 2 || items.first().and_then(Value::as_str) != Some(EVENT) {
        return None;
    }
    Envelope::from_value(items.swap_remove(1)).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Service;

    #[test]
    fn frames_of_the_handshake_and_heartbeat() {
        // As a socketioxide server sends them to the original SDK's socket.io-client 2 (EIO3) and to the engine.
        let open = r#"0{"sid":"aF8","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":100000}"#;
        assert_eq!(parse(open), Frame::Open(&open[1..]));
        assert_eq!(parse("40"), Frame::Connect(""));
        assert_eq!(parse(r#"40{"sid":"x1"}"#), Frame::Connect(r#"{"sid":"x1"}"#));
        assert_eq!(
            parse(r#"44{"message":"Invalid namespace"}"#),
            Frame::ConnectError(r#"{"message":"Invalid namespace"}"#)
        );
        assert_eq!(parse("2"), Frame::Ping);
        assert_eq!(parse("3"), Frame::Pong);
        assert_eq!(parse("41"), Frame::Disconnect);
        assert_eq!(parse("1"), Frame::Close);
        assert_eq!(parse("2probe"), Frame::Other("2probe"));
        assert_eq!(parse("0"), Frame::Other("0"));
        assert_eq!(parse("6"), Frame::Other("6"));
        assert_eq!(parse(r#"431["ok"]"#), Frame::Ack(r#"1["ok"]"#));
    }

    #[test]
    fn the_original_sdks_event_frames_read_and_write_alike() {
        // The original SDK's authenticate and ping packets, byte for byte (JSON.stringify of the body inside).
        let ping = r#"42["WebPacket",{"service":1,"body":"{}"}]"#;
        let Frame::Event(array) = parse(ping) else { panic!("not an event: {ping}") };
        let envelope = decode_event(array).expect("a WebPacket");
        assert_eq!(envelope, Envelope { service: 1, body: "{}".into() });
        assert_eq!(event(&envelope), ping);

        let text = r#"42["WebPacket",{"service":72,"body":"{\"msgId\":1,\"to\":2,\"msg\":\"a\\\"b\"}"}]"#;
        let Frame::Event(array) = parse(text) else { panic!("not an event") };
        let envelope = decode_event(array).expect("a WebPacket");
        assert_eq!(envelope.service().ok(), Some(Service::MESSAGE_NEW_WITH_USER_TYPE_TEXT));
        assert_eq!(envelope.body, r#"{"msgId":1,"to":2,"msg":"a\"b"}"#);
        assert_eq!(event(&envelope), text);
    }

    #[test]
    fn other_events_and_malformed_arrays_are_not_packets() {
        assert_eq!(decode_event(r#"["other",{"service":1,"body":"{}"}]"#), None);
        assert_eq!(decode_event(r#"["WebPacket"]"#), None);
        assert_eq!(decode_event(r#"["WebPacket",{"body":"{}"}]"#), None);
        assert_eq!(decode_event("not json"), None);
        assert_eq!(event_with(&serde_json::json!({"service": "x"})), r#"42["WebPacket",{"service":"x"}]"#);
    }
}
