//! Abuse: bounded queues. Sessions that stop reading, too many sessions of one user, floods of large packets.

use std::time::Duration;

use azstack_protocol::Service;
use serde_json::json;

use crate::abuse::support::{Server, client_closed_within, logged_in_non_reader, raw_socket, write_text_frame};

/// One user with 8 sessions that stop reading, sending large texts from a ninth (each echoed to the other eight):
/// the eight are disconnected as slow consumers and memory stays bounded.
#[tokio::test]
#[ignore = "abuse stage"]
async fn sessions_that_stop_reading_are_disconnected() {
    let mut server = Server::start("outbound_buffer_bytes = 1048576\npackets_per_sec = 1000\nburst = 1000");
    let mut chat = server.chatters().await;
    let mut stalled = Vec::new();
    for _ in 0..8 {
        stalled.push(logged_in_non_reader(&server, "hoarder").await);
    }
    let mut sender = server.login("hoarder").await.expect("the sender logs in");
    let victim = server.login("hoarder-peer").await.expect("the peer logs in");
    let before = server.rss_kib();
    let text = "x".repeat(60_000);
    for i in 0..400 {
        sender.send(
            Service::MESSAGE_NEW_WITH_USER_TYPE_TEXT,
            &json!({"msgId": 1000 + i, "to": victim.user_id, "msg": text}),
        );
        if i % 50 == 49 {
            sender.barrier().await;
            sender.clear();
        }
    }
    assert_eq!(server.wait_metric("azstack_slow_consumers_total", 8).await, 8, "the 8 stalled sessions are shed");
    let grown = server.rss_kib().saturating_sub(before);
    assert!(grown < 96 * 1024, "RSS grew by {grown} KiB (bound 96 MiB; 8 × 24 MB were echoed)");
    assert!(server.is_up());
    chat.round_trip().await;
    drop(stalled);
}

/// A user's sessions are capped: a login beyond the cap disconnects the oldest session.
#[tokio::test]
#[ignore = "abuse stage"]
async fn sessions_per_user_are_capped() {
    let mut server = Server::start("max_sessions_per_user = 3");
    let mut sessions = Vec::new();
    for _ in 0..5 {
        sessions.push(server.login("many").await.expect("login"));
    }
    for (i, s) in sessions.iter_mut().enumerate() {
        if i < 2 {
            assert!(client_closed_within(s, Duration::from_secs(5)).await, "session {i} (oldest) was kept");
        } else {
            s.barrier().await;
        }
    }
    assert_eq!(server.metric("azstack_sessions_over_cap_total").await, 2);
    assert_eq!(server.metric("azstack_sessions_authenticated").await, 3);
    assert!(server.is_up());
}

/// Sockets flooding large packets faster than the rate limit lets them through: the inbound queue is bounded in
/// bytes, so what waits stays small.
#[tokio::test]
#[ignore = "abuse stage"]
async fn inbound_queues_are_bounded_in_bytes() {
    let mut server =
        Server::start("packets_per_sec = 1\nburst = 1\ninbound_queue_bytes = 262144\nlogin_timeout_secs = 60");
    let mut chat = server.chatters().await;
    let before = server.rss_kib();
    let body = json!({"azStackUserId": "y".repeat(60_000)}).to_string();
    let envelope = json!({"service": Service::AUTHENTICATION_GET_SERVER_ADDR.number(), "body": body});
    let frame = format!("42{}", json!(["WebPacket", envelope]));
    let mut sockets = Vec::new();
    for _ in 0..8 {
        let mut s = raw_socket(&server).await;
        for _ in 0..200 {
            write_text_frame(&mut s, &frame).await;
        }
        sockets.push(s);
    }
    let dropped = server.wait_metric("azstack_inbound_queue_full_total", 8 * 150).await;
    assert!(dropped >= 8 * 150, "only {dropped} packets dropped at the byte bound");
    let grown = server.rss_kib().saturating_sub(before);
    assert!(grown < 48 * 1024, "RSS grew by {grown} KiB (bound 48 MiB; 8 × 200 × 60 KB were sent)");
    assert!(server.is_up());
    chat.round_trip().await;
    drop(sockets);
}
