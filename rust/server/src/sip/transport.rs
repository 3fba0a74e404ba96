//! The UDP receive task: one datagram at a time, parsed and routed by Call-ID; stateless answers for what belongs
//! to no call (481, 400, OPTIONS 200); a new INVITE is a call-in ([`super::callin`]). It never waits on a call task.

use std::net::SocketAddr;
use std::sync::{Arc, Weak};

use super::message::{MAX_MESSAGE, Message, StartLine};
use super::{Event, Gateway};
use crate::hub::Hub;

pub(super) async fn receive(gw: Arc<Gateway>, hub: Weak<Hub>) {
    let mut buf = vec![0u8; MAX_MESSAGE + 1];
    loop {
        let got = tokio::select! {
            _ = gw.stop.notified() => break,
            got = gw.socket.recv_from(&mut buf) => got,
        };
        if hub.strong_count() == 0 {
            break;
        }
        match got {
            Ok((n, from)) => on_datagram(&gw, &hub, buf.get(..n).unwrap_or_default(), from).await,
            // ICMP port unreachable and the like surface here on some systems; the socket stays usable.
            Err(error) => tracing::debug!(%error, "SIP receive error"),
        }
    }
    tracing::info!(local = %gw.local, "SIP gateway stopped");
}

/// Handles one datagram from `from`.
pub(super) async fn on_datagram(gw: &Arc<Gateway>, hub: &Weak<Hub>, bytes: &[u8], from: SocketAddr) {
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return; // keep-alive
    }
    let message = match Message::parse(bytes) {
        Ok(m) => m,
        Err(error) => {
            gw.note_malformed();
            tracing::debug!(%from, %error, "malformed SIP datagram dropped");
            return;
        }
    };
    let method = match &message.start {
        StartLine::Response { .. } => {
            match message.call_id() {
                Some(id) if gw.route_sip(id, Event::Sip(message.clone())) => {}
                _ => tracing::debug!(%from, "SIP response for no call dropped"),
            }
            return;
        }
        StartLine::Request { method, .. } => method.clone(),
    };
    if !message.has_mandatory_headers() {
        gw.note_malformed();
        if message.header("Via").is_some() && method != "ACK" {
            gw.send(&Message::response_to(&message, 400, "Bad Request", None).to_bytes(), from).await;
        }
        return;
    }
    let call_id = message.call_id().unwrap_or_default().to_owned();
    if gw.route_sip(&call_id, Event::Sip(message.clone())) {
        return;
    }
    // An INVITE with a To tag belongs to a dialog; for no known one it gets 481 below.
    if method == "INVITE" && message.tag("To").is_none() {
        // Call-in: the lookups are short (config, one query); the call task takes over at once.
        match hub.upgrade() {
            Some(hub) => super::callin::incoming(gw, &hub, message, from).await,
            None => return,
        }
        return;
    }
    let reply = match method.as_str() {
        "ACK" => return,
        "OPTIONS" => Message::response_to(&message, 200, "OK", Some(&super::token()))
            .with("Allow", "INVITE, ACK, CANCEL, BYE, OPTIONS"),
        _ => Message::response_to(&message, 481, "Call/Transaction Does Not Exist", None),
    };
    gw.send(&reply.to_bytes(), from).await;
}
