//! The SIP gateway without SIPp: the checks before dialling (610), the INVITE client transaction's timers against
//! a raw UDP socket playing a silent or slow trunk, and malformed or stray datagrams thrown at the listen socket.

use crate::sip_support;

use std::net::SocketAddr;
use std::time::Duration;

use azstack_protocol::Service;
use azstack_sip::message::Message;
use serde_json::json;
use sip_support::*;
use tokio::net::UdpSocket;

const TO: &str = "+84901234567";
const WAIT: Duration = Duration::from_secs(10);

/// A UDP socket standing in for the trunk.
async fn raw_trunk() -> (UdpSocket, String) {
    let socket = UdpSocket::bind("127.0.0.1:0").await.expect("bind");
    let uri = format!("sip:{}", socket.local_addr().expect("addr"));
    (socket, uri)
}

async fn recv_sip(socket: &UdpSocket) -> (Message, SocketAddr) {
    let mut buf = vec![0u8; 65_536];
    let (n, from) =
        tokio::time::timeout(WAIT, socket.recv_from(&mut buf)).await.expect("a SIP datagram").expect("recv");
    (Message::parse(&buf[..n]).expect("the gateway sends valid SIP"), from)
}

async fn reply(socket: &UdpSocket, to: SocketAddr, req: &Message, code: u16, reason: &str) {
    let bytes = Message::response_to(req, code, reason, Some("trunk1")).to_bytes();
    socket.send_to(&bytes, to).await.expect("send");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn numbers_and_balance_are_checked_before_dialling() {
    let (trunk, uri) = raw_trunk().await;
    let server = server_for(&uri, |sip| {
        sip.blocked_prefixes = vec!["+1900".into()];
    })
    .await;
    let mut alice = server.login("alice").await;
    let refused = |call_id: i64, status: i64, charging: i64| json!({"callId": call_id, "status": status, "chargingError": charging});
    assert_eq!(start_callout(&mut alice, 1, "12ab34").await, refused(1, 402, -5));
    assert_eq!(start_callout(&mut alice, 2, "+19005551234").await, refused(2, 402, -5));
    alice.send(Service::CALLOUT_START_SEND, &json!({"callId": 3, "to": TO, "from": "x1"}));
    assert_eq!(alice.recv(Service::CALLOUT_START_INITIAL).await.expect("610"), refused(3, 404, -6));
    server.shutdown().await;

    let server = server_for(&uri, |sip| sip.balance_seconds = Some(0)).await;
    let mut bob = server.login("bob").await;
    assert_eq!(start_callout(&mut bob, 4, TO).await, refused(4, 402, -4));
    // An offer for the refused call goes nowhere.
    send_offer(&bob, 4, TO);
    bob.barrier().await;
    assert!(bob.buffered(Service::CALLOUT_START_DONE).is_empty());
    let mut buf = [0u8; 2048];
    assert!(trunk.try_recv_from(&mut buf).is_err(), "nothing was sent to the trunk");
    assert!(paid_logs(&mut bob).await.is_empty());
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_invite_is_retransmitted_until_a_response_and_acked() {
    let (trunk, uri) = raw_trunk().await;
    let server = server_for(&uri, |sip| sip.t1_ms = 50).await;
    let mut alice = server.login("alice").await;
    start_callout(&mut alice, 7, TO).await;
    send_offer(&alice, 7, TO);
    let (first, gw) = recv_sip(&trunk).await;
    assert_eq!(first.method(), Some("INVITE"));
    assert!(String::from_utf8_lossy(&first.body).contains("a=rtpmap:0 PCMU/8000"));
    assert_eq!(first.header("Content-Type"), Some("application/sdp"));
    // Timer A: the same request again, unanswered.
    let (again, _) = recv_sip(&trunk).await;
    assert_eq!(again, first);
    reply(&trunk, gw, &first, 486, "Busy Here").await;
    let (ack, _) = recv_sip(&trunk).await;
    assert_eq!(ack.method(), Some("ACK"));
    assert_eq!(ack.cseq(), Some((1, "ACK")));
    assert_eq!(ack.header("Via"), first.header("Via"), "the ACK of a failure is in the INVITE's transaction");
    assert_eq!(ack.tag("To"), Some("trunk1"));
    assert_eq!(codes_until(&mut alice, 7, &[486]).await, [486]);
    assert_eq!(log_push(&mut alice, 7).await["status"], 1);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_trunk_times_out_as_408() {
    let (trunk, uri) = raw_trunk().await;
    let server = server_for(&uri, |sip| sip.t1_ms = 20).await;
    let mut alice = server.login("alice").await;
    start_callout(&mut alice, 8, TO).await;
    send_offer(&alice, 8, TO);
    let (first, _) = recv_sip(&trunk).await;
    assert_eq!(first.method(), Some("INVITE"));
    // Timer B is 64·T1 = 1.28 s.
    assert_eq!(codes_until(&mut alice, 8, &[408]).await, [408]);
    assert_eq!(log_push(&mut alice, 8).await["status"], 2);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_and_stray_datagrams_never_stop_the_gateway() {
    let (_trunk, uri) = raw_trunk().await;
    let server = server_for(&uri, |_| {}).await;
    let gw = server.server.hub.sip.clone().expect("gateway");
    let target = gw.local_addr();
    let peer = UdpSocket::bind("127.0.0.1:0").await.expect("bind");
    let invite = "INVITE sip:100@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKx\r\n\
        From: <sip:a@h>;tag=1\r\nTo: <sip:100@h>\r\nCall-ID: stray@h\r\nCSeq: 1 INVITE\r\nContent-Length: 3\r\n\r\nabc";
    let mut garbage: Vec<Vec<u8>> = vec![
        Vec::new(),
        b"\r\n\r\n".to_vec(),
        vec![0xff; 1500],
        b"SIP/2.0 200 OK\r\nCall-ID: nobody\r\nCSeq: 1 INVITE\r\n\r\n".to_vec(),
        b"INVITE sip:x SIP/2.0\r\nContent-Length: 99999\r\n\r\n".to_vec(),
        b"GET / HTTP/1.1\r\nHost: x\r\n\r\n".to_vec(),
    ];
    for n in (0..invite.len()).step_by(7) {
        garbage.push(invite.as_bytes()[..n].to_vec());
    }
    // Deterministic mutations: flip bytes of a valid request.
    let mut seed: u32 = 12345;
    for _ in 0..500 {
        let mut bytes = invite.as_bytes().to_vec();
        for _ in 0..4 {
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
            let i = (seed >> 8) as usize % bytes.len();
            bytes[i] = (seed >> 16) as u8;
        }
        garbage.push(bytes);
    }
    for bytes in &garbage {
        peer.send_to(bytes, target).await.expect("send");
    }
    // Still alive: OPTIONS is answered, a BYE for no dialog gets 481, a request without Call-ID gets 400, and an
    // INVITE for a number no user answers gets 404.
    // Probes come from another socket, so answers to mutated requests that still parsed do not get in the way. A
    // datagram may be lost while the gateway's receive queue is full of garbage, so a probe is sent again every
    // 200 ms (as a SIP client retransmits over UDP) until the answer with its CSeq arrives.
    let probe = UdpSocket::bind("127.0.0.1:0").await.expect("bind");
    let ask = |text: String| {
        let probe = &probe;
        async move {
            let wanted = Message::parse(text.as_bytes()).expect("probe").cseq().map(|(n, _)| n);
            let deadline = tokio::time::Instant::now() + WAIT;
            let mut buf = vec![0u8; 65_536];
            loop {
                assert!(tokio::time::Instant::now() < deadline, "no answer to {text}");
                probe.send_to(text.as_bytes(), target).await.expect("send");
                let Ok(Ok((n, _))) = tokio::time::timeout(Duration::from_millis(200), probe.recv_from(&mut buf)).await
                else {
                    continue;
                };
                let m = Message::parse(&buf[..n]).expect("the gateway sends valid SIP");
                if m.cseq().map(|(n, _)| n) == wanted {
                    return m;
                }
            }
        }
    };
    let headers = "Via: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKp\r\nFrom: <sip:a@h>;tag=1\r\nTo: <sip:b@h>\r\n";
    let options = ask(format!("OPTIONS sip:gw SIP/2.0\r\n{headers}Call-ID: probe@h\r\nCSeq: 1 OPTIONS\r\n\r\n")).await;
    assert_eq!(options.code(), Some(200));
    let bye = ask(format!("BYE sip:gw SIP/2.0\r\n{headers}Call-ID: probe@h\r\nCSeq: 2 BYE\r\n\r\n")).await;
    assert_eq!(bye.code(), Some(481));
    let bad = ask(format!("BYE sip:gw SIP/2.0\r\n{headers}CSeq: 3 BYE\r\n\r\n")).await;
    assert_eq!(bad.code(), Some(400));
    let call_in =
        ask(format!("INVITE sip:100@gw SIP/2.0\r\n{headers}Call-ID: probe@h\r\nCSeq: 4 INVITE\r\n\r\n")).await;
    assert_eq!(call_in.code(), Some(404));
    let headers_with_tag = headers.replace("To: <sip:b@h>", "To: <sip:b@h>;tag=gone");
    let re_invite =
        ask(format!("INVITE sip:100@gw SIP/2.0\r\n{headers_with_tag}Call-ID: probe@h\r\nCSeq: 5 INVITE\r\n\r\n")).await;
    assert_eq!(re_invite.code(), Some(481), "a re-INVITE for no dialog");
    assert!(gw.malformed.load(std::sync::atomic::Ordering::Relaxed) > 10);
    // And the Socket.IO side did not notice.
    let mut alice = server.login("alice").await;
    alice.barrier().await;
    server.shutdown().await;
}

/// The next request from the gateway other than a retransmitted INVITE.
async fn next_request(socket: &UdpSocket) -> Message {
    loop {
        let (m, _) = recv_sip(socket).await;
        if m.method() != Some("INVITE") {
            return m;
        }
    }
}

/// A 502 before any provisional response: no CANCEL until the first 1xx (RFC 3261 §9.1), then CANCEL, and the
/// 487 is acknowledged. When `cross` the trunk answers 200 instead of 487: the gateway ACKs it and sends BYE.
async fn stop_before_any_provisional(cross: bool) {
    let (trunk, uri) = raw_trunk().await;
    let server = server_for(&uri, |sip| sip.t1_ms = 50).await;
    let mut alice = server.login("alice").await;
    start_callout(&mut alice, 9, TO).await;
    send_offer(&alice, 9, TO);
    let (invite, gw) = recv_sip(&trunk).await;
    alice.send(Service::CALLOUT_STOP_SEND, &json!({"callId": 9, "to": TO}));
    alice.barrier().await;
    let mut buf = vec![0u8; 65_536];
    while let Ok((n, _)) = trunk.try_recv_from(&mut buf) {
        let m = Message::parse(&buf[..n]).expect("valid SIP");
        assert_eq!(m.method(), Some("INVITE"), "nothing but INVITE retransmissions before a provisional response");
    }
    reply(&trunk, gw, &invite, 180, "Ringing").await;
    let cancel = next_request(&trunk).await;
    assert_eq!(cancel.method(), Some("CANCEL"));
    assert_eq!(cancel.cseq(), Some((1, "CANCEL")));
    assert_eq!(cancel.header("Via"), invite.header("Via"), "CANCEL is in the INVITE's branch");
    reply(&trunk, gw, &cancel, 200, "OK").await;
    if cross {
        let ok = Message::response_to(&invite, 200, "OK", Some("trunk1")).with("Contact", format!("<{uri}>"));
        trunk.send_to(&ok.to_bytes(), gw).await.expect("send");
        let ack = next_request(&trunk).await;
        assert_eq!(ack.method(), Some("ACK"));
        assert_ne!(ack.header("Via"), invite.header("Via"), "the ACK of a 2xx is a transaction of its own");
        let bye = next_request(&trunk).await;
        assert_eq!(bye.method(), Some("BYE"));
        assert_eq!(bye.cseq(), Some((2, "BYE")));
        assert_eq!(bye.tag("To"), Some("trunk1"));
        reply(&trunk, gw, &bye, 200, "OK").await;
    } else {
        reply(&trunk, gw, &invite, 487, "Request Terminated").await;
        let ack = next_request(&trunk).await;
        assert_eq!(ack.method(), Some("ACK"));
        assert_eq!(ack.header("Via"), invite.header("Via"));
    }
    assert_eq!(log_push(&mut alice, 9).await["status"], 2);
    assert!(server.server.hub.sip.as_ref().expect("gateway").idle_within(WAIT).await);
    alice.barrier().await;
    assert!(alice.buffered(Service::CALLOUT_DATA_STATUS_CHANGED).is_empty(), "no 503 after the app's own 502");
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stop_before_any_provisional_cancels_on_the_first_one() {
    stop_before_any_provisional(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_200_crossing_the_cancel_is_acked_and_hung_up() {
    stop_before_any_provisional(true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_in_200_never_acknowledged_ends_with_bye() {
    let server = server_for("sip:127.0.0.1:9", |sip| {
        sip.t1_ms = 20;
        sip.callin.insert("+842873001234".into(), "bob".into());
    })
    .await;
    let mut bob = server.login("bob").await;
    let carrier = UdpSocket::bind("127.0.0.1:0").await.expect("bind");
    let me = carrier.local_addr().expect("addr");
    let offer = "v=0\r\nc=IN IP4 127.0.0.1\r\nm=audio 4000 RTP/AVP 0\r\n";
    let invite = format!(
        "INVITE sip:+842873001234@gw SIP/2.0\r\nVia: SIP/2.0/UDP {me};branch=z9hG4bKci\r\nFrom: <sip:+84909876543@{me}>;tag=c1\r\n\
         To: <sip:+842873001234@gw>\r\nCall-ID: unacked@h\r\nCSeq: 1 INVITE\r\nContact: <sip:carrier@{me}>\r\n\
         Content-Type: application/sdp\r\nContent-Length: {}\r\n\r\n{offer}",
        offer.len()
    );
    let gw = server.server.hub.sip.as_ref().expect("gateway").local_addr();
    carrier.send_to(invite.as_bytes(), gw).await.expect("send");
    let start = bob.recv(Service::CALLIN_START).await.expect("505");
    answer_callin_with(&bob, &start, APP_ANSWER);
    let mut codes = Vec::new();
    let bye = loop {
        let (m, _) = recv_sip(&carrier).await;
        match m.code() {
            Some(code) => codes.push(code),
            None => break m,
        }
    };
    assert_eq!(&codes[..3], &[100, 180, 200]);
    assert!(codes[3..].iter().all(|c| *c == 200), "200 retransmitted until given up: {codes:?}");
    assert!(codes.len() > 3, "{codes:?}");
    assert_eq!(bye.method(), Some("BYE"));
    assert_eq!(bye.tag("To"), Some("c1"));
    assert_eq!(bye.call_id(), Some("unacked@h"));
    let status = bob.recv(Service::CALLIN_STATUS_CHANGED).await.expect("506");
    assert_eq!(status["code"], 700);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retransmitted_200_is_acked_again_and_reported_once() {
    let (trunk, uri) = raw_trunk().await;
    let server = server_for(&uri, |_| {}).await;
    let mut alice = server.login("alice").await;
    start_callout(&mut alice, 10, TO).await;
    send_offer(&alice, 10, TO);
    let (invite, gw) = recv_sip(&trunk).await;
    let ok = Message::response_to(&invite, 200, "OK", Some("trunk1"))
        .with("Contact", format!("<{uri}>"))
        .with_body("application/sdp", b"v=0\r\nc=IN IP4 127.0.0.1\r\nm=audio 4000 RTP/AVP 0\r\n".to_vec());
    for _ in 0..2 {
        trunk.send_to(&ok.to_bytes(), gw).await.expect("send");
        let ack = next_request(&trunk).await;
        assert_eq!(ack.method(), Some("ACK"));
        assert_eq!(ack.cseq(), Some((1, "ACK")));
    }
    let answered = next_status(&mut alice, 10).await;
    assert_eq!(answered["code"], 200);
    assert!(is_gateway_webrtc_sdp(answered["sdp_candidate"].as_str().unwrap_or_default()), "{answered}");
    // The carrier hangs up.
    let bye = Message::request("BYE", invite.header("Contact").map(azstack_sip::message::uri_of).unwrap_or("sip:gw"))
        .with("Via", format!("SIP/2.0/UDP {};branch=z9hG4bKtb", trunk.local_addr().expect("addr")))
        .with("From", format!("{};tag=trunk1", invite.header("To").unwrap_or_default()))
        .with("To", invite.header("From").unwrap_or_default())
        .with("Call-ID", invite.call_id().unwrap_or_default())
        .with("CSeq", "1 BYE");
    trunk.send_to(&bye.to_bytes(), gw).await.expect("send");
    let (bye_ok, _) = recv_sip(&trunk).await;
    assert_eq!(bye_ok.code(), Some(200));
    assert_eq!(bye_ok.cseq(), Some((1, "BYE")));
    assert_eq!(next_status(&mut alice, 10).await["code"], 700);
    alice.barrier().await;
    assert!(
        alice.buffered(Service::CALLOUT_DATA_STATUS_CHANGED).is_empty(),
        "one 200, one 700: {:?}",
        alice.buffered(Service::CALLOUT_DATA_STATUS_CHANGED)
    );
    assert_eq!(log_push(&mut alice, 10).await["status"], 0);
    server.shutdown().await;
}

/// An offer the gateway's WebRTC leg cannot use ends the callout with 503 503 before anything reaches the trunk;
/// so does a carrier 200 without a G.711 stream, after a BYE.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unusable_sdp_on_either_side_ends_the_callout_as_no_signal() {
    let (trunk, uri) = raw_trunk().await;
    let server = server_for(&uri, |_| {}).await;
    let mut alice = server.login("alice").await;
    start_callout(&mut alice, 51, TO).await;
    alice.send(Service::CALLOUT_DATA_SEND, &json!({"callId": 51, "to": TO, "sdp_candidate": "v=0\r\nnot webrtc\r\n"}));
    assert_eq!(next_status(&mut alice, 51).await, json!({"callId": 51, "code": 503}));
    let mut buf = [0u8; 16];
    assert!(
        tokio::time::timeout(Duration::from_millis(300), trunk.recv_from(&mut buf)).await.is_err(),
        "nothing was sent to the trunk"
    );

    start_callout(&mut alice, 52, TO).await;
    send_offer(&alice, 52, TO);
    let (invite, gw) = recv_sip(&trunk).await;
    let ok = Message::response_to(&invite, 200, "OK", Some("trunk1"))
        .with("Contact", format!("<{uri}>"))
        .with_body("application/sdp", b"v=0\r\nc=IN IP4 127.0.0.1\r\nm=audio 4000 RTP/AVP 18\r\n".to_vec());
    trunk.send_to(&ok.to_bytes(), gw).await.expect("send");
    assert_eq!(recv_sip(&trunk).await.0.method(), Some("ACK"));
    assert_eq!(recv_sip(&trunk).await.0.method(), Some("BYE"));
    assert_eq!(next_status(&mut alice, 52).await, json!({"callId": 52, "code": 503}));
    assert_eq!(log_push(&mut alice, 52).await["status"], 2);
    server.shutdown().await;
}

/// A call-in whose offer has no G.711 stream (or no offer at all) is refused 488 and rings nobody.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_callin_without_g711_is_488() {
    let server = server_for("sip:127.0.0.1:9", |sip| {
        sip.callin.insert("+842873001234".into(), "bob".into());
    })
    .await;
    let mut bob = server.login("bob").await;
    let carrier = UdpSocket::bind("127.0.0.1:0").await.expect("bind");
    let me = carrier.local_addr().expect("addr");
    let gw = server.server.hub.sip.as_ref().expect("gateway").local_addr();
    for (i, offer) in ["v=0\r\nc=IN IP4 127.0.0.1\r\nm=audio 4000 RTP/AVP 18\r\n", ""].iter().enumerate() {
        let invite = format!(
            "INVITE sip:+842873001234@gw SIP/2.0\r\nVia: SIP/2.0/UDP {me};branch=z9hG4bKnc{i}\r\n\
             From: <sip:+84909876543@{me}>;tag=c{i}\r\nTo: <sip:+842873001234@gw>\r\nCall-ID: nocodec{i}@h\r\n\
             CSeq: 1 INVITE\r\nContact: <sip:carrier@{me}>\r\nContent-Type: application/sdp\r\n\
             Content-Length: {}\r\n\r\n{offer}",
            offer.len()
        );
        carrier.send_to(invite.as_bytes(), gw).await.expect("send");
        let (reply, _) = recv_sip(&carrier).await;
        assert_eq!(reply.code(), Some(488), "{offer:?}");
    }
    bob.barrier().await;
    assert!(bob.buffered(Service::CALLIN_START).is_empty());
    server.shutdown().await;
}
