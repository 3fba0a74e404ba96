//! The SIP gateway's parse entry point (`azstack_sip::message`), fed arbitrary datagrams. It must never panic, and
//! whatever it accepts must serialise into something it accepts again with the same meaning.
//!
//! `azstack-sip` is built without its `gateway` feature (the parser and the framing only: std and thiserror), so
//! this target does not build the media stack with sanitizers.
#![no_main]

use azstack_sip::message;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(m) = message::Message::parse(data) else { return };
    let _ = (m.call_id(), m.cseq(), m.tag("From"), m.tag("To"), m.has_mandatory_headers());
    if let Some(via) = m.header("Via") {
        let _ = message::param(via, "branch");
    }
    if let Some(contact) = m.header("Contact") {
        let _ = message::uri_of(contact);
    }
    let again = message::Message::parse(&m.to_bytes()).expect("a serialised message parses");
    assert_eq!(again.start, m.start);
    assert_eq!(again.body, m.body);
});
