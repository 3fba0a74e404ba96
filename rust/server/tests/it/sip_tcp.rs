//! SIP over TCP without SIPp: raw connections to the gateway's listener test the stream framing (two messages in
//! one write, one split across writes, keep-alives), what closes a connection (garbage, no Content-Length, an
//! over-size message, a message left half-sent) without disturbing UDP or other connections, and a raw TCP trunk
//! tests the callouts' connection reuse, re-opening, and the absence of retransmissions over TCP.

use crate::sip_support;

use std::net::SocketAddr;
use std::time::Duration;

use azstack_protocol::Service;
use azstack_sip::framing::{Frame, Framer};

use azstack_sip::message::Message;
use sip_support::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream, UdpSocket};

const TO: &str = "+84901234567";
const WAIT: Duration = Duration::from_secs(10);

/// One end of a TCP connection speaking SIP: writes raw bytes, reads framed messages.
struct Conn {
    stream: TcpStream,
    framer: Framer,
}

impl Conn {
    async fn to(addr: SocketAddr) -> Conn {
        let stream = TcpStream::connect(addr).await.expect("connect to the gateway");
        Conn::from(stream)
    }

    fn from(stream: TcpStream) -> Conn {
        stream.set_nodelay(true).expect("nodelay");
        Conn { stream, framer: Framer::new() }
    }

    async fn write(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).await.expect("write");
    }

    /// The next frame within `within`, `None` when the connection closed; panics on time-out.
    async fn frame_within(&mut self, within: Duration) -> Option<Frame> {
        let deadline = tokio::time::Instant::now() + within;
        let mut buf = [0u8; 4096];
        loop {
            if let Some(frame) = self.framer.next_frame().expect("the gateway's stream frames") {
                return Some(frame);
            }
            let read = tokio::time::timeout_at(deadline, self.stream.read(&mut buf)).await.expect("a frame in time");
            match read {
                Ok(0) | Err(_) => return None,
                Ok(n) => self.framer.push(&buf[..n]),
            }
        }
    }

    async fn message(&mut self) -> Message {
        match self.frame_within(WAIT).await {
            Some(Frame::Message(bytes)) => Message::parse(&bytes).expect("the gateway sends valid SIP"),
            other => panic!("expected a SIP message, got {other:?}"),
        }
    }

    /// Whether the gateway closes the connection within `WAIT` (nothing else arriving first).
    async fn closed(&mut self) -> bool {
        let mut buf = [0u8; 4096];
        matches!(tokio::time::timeout(WAIT, self.stream.read(&mut buf)).await, Ok(Ok(0) | Err(_)))
    }

    /// Nothing arrives for `quiet` (the connection stays open and silent).
    async fn silent_for(&mut self, quiet: Duration) -> bool {
        let mut buf = [0u8; 4096];
        tokio::time::timeout(quiet, self.stream.read(&mut buf)).await.is_err()
    }
}

fn options(cseq: u32) -> String {
    format!(
        "OPTIONS sip:gw SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:9;branch=z9hG4bKo{cseq}\r\nFrom: <sip:a@h>;tag=1\r\n\
         To: <sip:b@h>\r\nCall-ID: tcp-probe@h\r\nCSeq: {cseq} OPTIONS\r\nContent-Length: 0\r\n\r\n"
    )
}

async fn gateway_server(tweak: impl FnOnce(&mut azstack_sip::SipConfig)) -> azstack_server::testkit::TestServer {
    server_for("sip:127.0.0.1:9", tweak).await
}

fn gateway_addr(server: &azstack_server::testkit::TestServer) -> SocketAddr {
    server.server.hub.sip.as_ref().expect("gateway").local_addr()
}

/// OPTIONS over a fresh TCP connection is answered 200.
async fn tcp_alive(gw: SocketAddr) {
    let mut conn = Conn::to(gw).await;
    conn.write(options(90).as_bytes()).await;
    let reply = conn.message().await;
    assert_eq!((reply.code(), reply.cseq()), (Some(200), Some((90, "OPTIONS"))));
}

/// OPTIONS over UDP is answered 200.
async fn udp_alive(gw: SocketAddr) {
    let socket = UdpSocket::bind("127.0.0.1:0").await.expect("bind");
    let text = options(91).replace("SIP/2.0/TCP", "SIP/2.0/UDP");
    socket.send_to(text.as_bytes(), gw).await.expect("send");
    let mut buf = vec![0u8; 65_536];
    let (n, _) = tokio::time::timeout(WAIT, socket.recv_from(&mut buf)).await.expect("an answer").expect("recv");
    let reply = Message::parse(&buf[..n]).expect("valid SIP");
    assert_eq!((reply.code(), reply.cseq()), (Some(200), Some((91, "OPTIONS"))));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_are_framed_by_content_length() {
    let server = gateway_server(|_| {}).await;
    let gw = gateway_addr(&server);
    let mut conn = Conn::to(gw).await;
    // Two messages in one write: two answers, in order, on this connection.
    conn.write(format!("{}{}", options(1), options(2)).as_bytes()).await;
    for cseq in [1, 2] {
        let reply = conn.message().await;
        assert_eq!((reply.code(), reply.cseq()), (Some(200), Some((cseq, "OPTIONS"))));
        assert_eq!(reply.header("Via"), Some(format!("SIP/2.0/TCP 127.0.0.1:9;branch=z9hG4bKo{cseq}").as_str()));
    }
    // One message split across writes (the body too): no answer until its last byte.
    let body = "v=0\r\n";
    let text =
        options(3).replace("Content-Length: 0\r\n\r\n", &format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    let (head, tail) = text.split_at(text.len() - 3);
    let (first, middle) = head.split_at(20);
    conn.write(first.as_bytes()).await;
    conn.write(middle.as_bytes()).await;
    assert!(conn.silent_for(Duration::from_millis(300)).await, "no answer to a partial message");
    conn.write(tail.as_bytes()).await;
    assert_eq!(conn.message().await.cseq(), Some((3, "OPTIONS")));
    // A CRLF keep-alive gets a CRLF back (RFC 5626 pong); a lone CRLF between messages is skipped.
    conn.write(b"\r\n\r\n").await;
    let mut pong = [0u8; 2];
    tokio::time::timeout(WAIT, conn.stream.read_exact(&mut pong)).await.expect("a pong").expect("read");
    assert_eq!(&pong, b"\r\n");
    conn.write(format!("\r\n{}", options(4)).as_bytes()).await;
    assert_eq!(conn.message().await.cseq(), Some((4, "OPTIONS")));
    // A framed but malformed message is dropped; the connection stays.
    conn.write(b"NOT SIP AT ALL\r\nContent-Length: 0\r\n\r\n").await;
    conn.write(options(5).as_bytes()).await;
    assert_eq!(conn.message().await.cseq(), Some((5, "OPTIONS")));
    // A request for no dialog gets 481 on the same connection.
    conn.write(options(6).replace("OPTIONS", "BYE").as_bytes()).await;
    let reply = conn.message().await;
    assert_eq!((reply.code(), reply.cseq()), (Some(481), Some((6, "BYE"))));
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unframeable_streams_close_their_connection_only() {
    let server = gateway_server(|_| {}).await;
    let gw = gateway_addr(&server);
    let gateway = server.server.hub.sip.clone().expect("gateway");
    let mut bystander = Conn::to(gw).await;
    let mut big = options(7).replace("Content-Length: 0", "Content-Length: 70000").into_bytes();
    big.extend(vec![b'x'; 70_000]);
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("no Content-Length", options(8).replace("Content-Length: 0\r\n", "").into_bytes()),
        ("HTTP", b"GET / HTTP/1.1\r\nHost: gw\r\n\r\n".to_vec()),
        ("binary garbage", vec![0xff; 70_000]),
        ("over-size body", big),
        ("bad Content-Length", options(9).replace("Content-Length: 0", "Content-Length: x").into_bytes()),
    ];
    for (what, bytes) in cases {
        let before = gateway.malformed.load(std::sync::atomic::Ordering::Relaxed);
        let mut conn = Conn::to(gw).await;
        // The gateway may close while the bytes are still being written: a write error is the same outcome.
        let _ = conn.stream.write_all(&bytes).await;
        assert!(conn.closed().await, "{what}: the connection is closed");
        assert!(gateway.malformed.load(std::sync::atomic::Ordering::Relaxed) > before, "{what}: counted");
        udp_alive(gw).await;
        tcp_alive(gw).await;
    }
    // The connection opened before all that still works.
    bystander.write(options(10).as_bytes()).await;
    assert_eq!(bystander.message().await.cseq(), Some((10, "OPTIONS")));
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_or_stalled_peer_holds_nothing() {
    let server = gateway_server(|sip| sip.t1_ms = 20).await;
    let gw = gateway_addr(&server);
    // One peer connects and says nothing, another stops in the middle of a message.
    let mut silent = Conn::to(gw).await;
    let mut stalled = Conn::to(gw).await;
    stalled.write(&options(11).as_bytes()[..40]).await;
    udp_alive(gw).await;
    tcp_alive(gw).await;
    // A message unfinished after 64·T1 (1.28 s) closes its connection; an idle one stays open.
    assert!(stalled.closed().await, "the stalled connection is closed");
    silent.write(options(12).as_bytes()).await;
    assert_eq!(silent.message().await.cseq(), Some((12, "OPTIONS")));
    server.shutdown().await;
}

/// A raw TCP trunk: callouts go over one connection, reused, opened again once closed; nothing is retransmitted,
/// and Timer B still ends an unanswered INVITE.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn callouts_reuse_one_connection_and_reopen_it() {
    let trunk = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let uri = format!("sip:{};transport=tcp", trunk.local_addr().expect("addr"));
    let server = server_for(&uri, |sip| sip.t1_ms = 50).await;
    let gateway = server.server.hub.sip.clone().expect("gateway");
    let mut alice = server.login("alice").await;
    let accept = async || {
        let (stream, _) = tokio::time::timeout(WAIT, trunk.accept()).await.expect("a connection").expect("accept");
        Conn::from(stream)
    };

    start_callout(&mut alice, 61, TO).await;
    send_offer(&alice, 61, TO);
    let mut conn = accept().await;
    let invite = conn.message().await;
    assert_eq!(invite.method(), Some("INVITE"));
    let via = invite.header("Via").unwrap_or_default().to_owned();
    assert!(via.starts_with("SIP/2.0/TCP 127.0.0.1:"), "{via}");
    assert!(
        invite.header("Contact").unwrap_or_default().ends_with(";transport=tcp>"),
        "{:?}",
        invite.header("Contact")
    );
    // Timer A would have fired at 50, 150, 350 ms over UDP.
    assert!(conn.silent_for(Duration::from_millis(500)).await, "no INVITE retransmission over TCP");
    conn.write(&Message::response_to(&invite, 486, "Busy Here", Some("t1")).to_bytes()).await;
    let ack = conn.message().await;
    assert_eq!((ack.method(), ack.header("Via")), (Some("ACK"), Some(via.as_str())));
    assert_eq!(codes_until(&mut alice, 61, &[486]).await, [486]);

    // The next callout goes on the same connection.
    start_callout(&mut alice, 62, TO).await;
    send_offer(&alice, 62, TO);
    let invite = conn.message().await;
    assert_eq!(invite.method(), Some("INVITE"));
    assert_ne!(invite.call_id(), ack.call_id());
    conn.write(&Message::response_to(&invite, 486, "Busy Here", Some("t2")).to_bytes()).await;
    assert_eq!(conn.message().await.method(), Some("ACK"));
    assert_eq!(codes_until(&mut alice, 62, &[486]).await, [486]);
    assert_eq!(gateway.tcp_connections(), 1);

    // The trunk closes it: the next callout opens a new one. Unanswered, it ends by Timer B (64·T1 = 3.2 s) as 408,
    // with no retransmission meanwhile.
    drop(conn);
    let deadline = tokio::time::Instant::now() + WAIT;
    while gateway.tcp_connections() > 0 {
        assert!(tokio::time::Instant::now() < deadline, "the gateway never noticed the closed connection");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    start_callout(&mut alice, 63, TO).await;
    send_offer(&alice, 63, TO);
    let mut conn = accept().await;
    assert_eq!(conn.message().await.method(), Some("INVITE"));
    assert_eq!(codes_until(&mut alice, 63, &[408]).await, [408]);
    assert!(conn.silent_for(Duration::from_millis(100)).await, "nothing but the one INVITE");
    server.shutdown().await;
}

/// A trunk that refuses TCP connections: the INVITE is lost, and Timer B ends the callout as 408.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trunk_refusing_connections_times_out_as_408() {
    let port = TcpListener::bind("127.0.0.1:0").await.expect("bind").local_addr().expect("addr").port();
    let server = server_for(&format!("sip:127.0.0.1:{port};transport=tcp"), |sip| sip.t1_ms = 20).await;
    let mut alice = server.login("alice").await;
    start_callout(&mut alice, 64, TO).await;
    send_offer(&alice, 64, TO);
    assert_eq!(codes_until(&mut alice, 64, &[408]).await, [408]);
    assert_eq!(log_push(&mut alice, 64).await["status"], 2);
    server.shutdown().await;
}

/// A call-in over TCP whose 200 is never acknowledged: the 200 is sent once (no Timer G over TCP), and Timer H ends
/// the call with a BYE on the INVITE's connection.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_in_200_never_acknowledged_over_tcp_is_sent_once() {
    let server = gateway_server(|sip| {
        sip.t1_ms = 20;
        sip.callin.insert("+842873001234".into(), "bob".into());
    })
    .await;
    let mut bob = server.login("bob").await;
    let mut conn = Conn::to(gateway_addr(&server)).await;
    let me = conn.stream.local_addr().expect("addr");
    let offer = "v=0\r\nc=IN IP4 127.0.0.1\r\nm=audio 4000 RTP/AVP 0\r\n";
    let invite = format!(
        "INVITE sip:+842873001234@gw SIP/2.0\r\nVia: SIP/2.0/TCP {me};branch=z9hG4bKct\r\nFrom: <sip:+84909876543@{me}>;tag=c1\r\n\
         To: <sip:+842873001234@gw>\r\nCall-ID: unacked-tcp@h\r\nCSeq: 1 INVITE\r\nContact: <sip:carrier@{me};transport=tcp>\r\n\
         Content-Type: application/sdp\r\nContent-Length: {}\r\n\r\n{offer}",
        offer.len()
    );
    conn.write(invite.as_bytes()).await;
    let start = bob.recv(Service::CALLIN_START).await.expect("505");
    answer_callin_with(&bob, &start, APP_ANSWER);
    let mut codes = Vec::new();
    let bye = loop {
        let m = conn.message().await;
        match m.code() {
            Some(code) => codes.push(code),
            None => break m,
        }
    };
    assert_eq!(codes, [100, 180, 200], "the 200 is not retransmitted over TCP");
    assert_eq!(bye.method(), Some("BYE"));
    assert!(bye.header("Via").unwrap_or_default().starts_with("SIP/2.0/TCP "), "{:?}", bye.header("Via"));
    assert_eq!(bye.call_id(), Some("unacked-tcp@h"));
    assert_eq!(bob.recv(Service::CALLIN_STATUS_CHANGED).await.expect("506")["code"], 700);
    server.shutdown().await;
}
