//! The SIP gateway's parse entry point (`azstack_server::sip::message`), fed arbitrary datagrams. It must never
//! panic, and whatever it accepts must serialise into something it accepts again with the same meaning.
//!
//! The module is compiled in directly (it only needs std and thiserror), so this target does not build the whole
//! server with sanitizers.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../rust/server/src/sip/message.rs"]
#[allow(dead_code)]
mod message;

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
