//! Offers from the carrier inside an answered call: the re-INVITE and UPDATE (RFC 3311) that carriers send as
//! session-timer refreshes (RFC 4028) or keep-alives. Refusing them is not harmless: many carriers hang up a call
//! whose refresh failed, and a 481 obliges them to.
//!
//! The bridge cannot move mid-call, so the gateway accepts what keeps the media as it is and refuses the rest:
//!
//! * an offer naming the same RTP address and G.711 law as now: 200 with the gateway's current SDP, unchanged
//!   (same `o=` version, RFC 3264 §8);
//! * a re-INVITE without an offer: 200 offering the current SDP (the answer in the ACK is not applied);
//! * an UPDATE without an offer: 200 without a body;
//! * any other offer (hold, another address or codec): 488, which leaves the session as it was (RFC 3261 §14.2).
//!
//! The 200 carries no `Session-Expires`, so the carrier stops refreshing (RFC 4028 §9): the gateway ends dead calls
//! by RTP inactivity instead.

use super::message::Message;
use super::sdp::{self, CarrierMedia};

/// The response to an in-dialog INVITE or UPDATE `request`, given the carrier's media now, the gateway's SDP now
/// and the Contact for a 2xx.
pub(super) fn answer(request: &Message, carrier: &CarrierMedia, local_sdp: &str, contact: &str) -> Message {
    let offer = String::from_utf8_lossy(&request.body);
    let is_update = request.method().is_some_and(|m| m.eq_ignore_ascii_case("UPDATE"));
    let ok = || Message::response_to(request, 200, "OK", None).with("Contact", contact.to_owned());
    if offer.trim().is_empty() {
        return if is_update { ok() } else { ok().with_body("application/sdp", local_sdp.as_bytes().to_vec()) };
    }
    match sdp::carrier_media(&offer) {
        Some(media) if media == *carrier && !sdp::holds(&offer) => {
            ok().with_body("application/sdp", local_sdp.as_bytes().to_vec())
        }
        _ => Message::response_to(request, 488, "Not Acceptable Here", None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::g711::Law;

    fn request(method: &str, body: &str) -> Message {
        let mut m = Message::request(method, "sip:gw@127.0.0.1:5060")
            .with("Via", "SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKre1")
            .with("From", "<sip:carrier@127.0.0.1>;tag=c1")
            .with("To", "<sip:gw@127.0.0.1>;tag=g1")
            .with("Call-ID", "re@x")
            .with("CSeq", format!("2 {method}"));
        if !body.is_empty() {
            m = m.with_body("application/sdp", body.as_bytes().to_vec());
        }
        m
    }

    fn offer(port: u16, format: u8, direction: &str) -> String {
        format!(
            "v=0\r\no=c 1 2 IN IP4 127.0.0.1\r\ns=c\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio {port} RTP/AVP {format}\r\n{direction}"
        )
    }

    const LOCAL: &str = "v=0\r\no=azstack 7 7 IN IP4 127.0.0.1\r\n";

    #[test]
    fn a_refresh_that_keeps_the_media_is_accepted_and_the_rest_refused() {
        let carrier = CarrierMedia { address: "127.0.0.1:4000".parse().unwrap(), law: Law::Mu };
        let contact = "<sip:gw@127.0.0.1:5060>";
        let same = answer(&request("INVITE", &offer(4000, 0, "")), &carrier, LOCAL, contact);
        assert_eq!((same.code(), same.body.as_slice()), (Some(200), LOCAL.as_bytes()));
        assert_eq!(same.header("Contact"), Some(contact));
        assert_eq!(same.tag("To"), Some("g1"));
        assert_eq!(answer(&request("INVITE", ""), &carrier, LOCAL, contact).body, LOCAL.as_bytes(), "offerless");
        let update = answer(&request("UPDATE", ""), &carrier, LOCAL, contact);
        assert_eq!((update.code(), update.body.len()), (Some(200), 0));
        assert_eq!(answer(&request("UPDATE", &offer(4000, 0, "")), &carrier, LOCAL, contact).code(), Some(200));
        for changed in [offer(4002, 0, ""), offer(4000, 8, ""), offer(4000, 0, "a=sendonly\r\n"), "junk".into()] {
            let reply = answer(&request("INVITE", &changed), &carrier, LOCAL, contact);
            assert_eq!((reply.code(), reply.body.len()), (Some(488), 0), "{changed}");
        }
    }
}
