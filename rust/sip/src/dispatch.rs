//! What happens to a received message, whichever transport brought it ([`super::udp`], [`super::tcp`]): it is
//! parsed and routed by Call-ID to its call's task, together with the [`Peer`] it came from (a call answers a
//! request to where it came from); what belongs to no call gets a stateless answer (481, 400, OPTIONS 200); a new
//! INVITE is a call-in ([`super::callin`]). It never waits on a call task.

use std::sync::Arc;

use super::message::{Message, StartLine};
use super::transport::Peer;
use super::{Event, Gateway};

/// Handles one message (a datagram, or a message framed on a stream) from `from`.
pub(super) async fn on_message(gw: &Arc<Gateway>, bytes: &[u8], from: Peer) {
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return; // keep-alive
    }
    let message = match Message::parse(bytes) {
        Ok(m) => m,
        Err(error) => {
            gw.note_malformed();
            tracing::debug!(%from, %error, "malformed SIP message dropped");
            return;
        }
    };
    let method = match &message.start {
        StartLine::Response { .. } => {
            match message.call_id() {
                Some(id) if gw.route_sip(id, Event::Sip(message.clone(), from)) => {}
                _ => tracing::debug!(%from, "SIP response for no call dropped"),
            }
            return;
        }
        StartLine::Request { method, .. } => method.clone(),
    };
    if !message.has_mandatory_headers() {
        gw.note_malformed();
        if message.header("Via").is_some() && method != "ACK" {
            gw.send(&Message::response_to(&message, 400, "Bad Request", None).to_bytes(), &from).await;
        }
        return;
    }
    let call_id = message.call_id().unwrap_or_default().to_owned();
    if gw.route_sip(&call_id, Event::Sip(message.clone(), from)) {
        return;
    }
    // An INVITE with a To tag belongs to a dialog; for no known one it gets 481 below.
    if method == "INVITE" && message.tag("To").is_none() {
        // Call-in: the lookups are short (config, one query); the call task takes over at once.
        match gw.host() {
            Some(host) => super::callin::incoming(gw, &host, message, from).await,
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
    gw.send(&reply.to_bytes(), &from).await;
}
