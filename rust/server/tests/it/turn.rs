//! The embedded TURN server (`[turn]`) through a real TURN client (webrtc-rs's `turn` crate) over UDP on 127.0.0.1:
//! login hands out working credentials, a relay carries packets both ways, and the rules hold — bad credentials, the
//! per-user allocation quota, and the peer rule that keeps relays off addresses the operator did not open.

use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::time::Duration;

use azstack_server::testkit::{TestServer, turn_client};
use azstack_server::turn::TurnConfig;
use serde_json::Value;
use tokio::net::UdpSocket;
use turn::client::Client;
use webrtc_util::Conn;

const DEADLINE: Duration = Duration::from_secs(10);

async fn server(tweak: impl FnOnce(&mut TurnConfig)) -> TestServer {
    let mut turn = TurnConfig::loopback();
    tweak(&mut turn);
    TestServer::sqlite_with(move |c| c.turn = Some(turn)).await
}

/// The TURN entry of a login's `ice_server`: (address, username, password).
fn turn_entry(reply: &Value) -> (String, String, String) {
    let entries = reply["ice_server"].as_array().expect("ice_server");
    let turn =
        entries.iter().find(|e| e["url"].as_str().is_some_and(|u| u.starts_with("turn:"))).expect("a turn: entry");
    let url = turn["url"].as_str().unwrap_or_default();
    let addr = url.trim_start_matches("turn:").trim_end_matches("?transport=udp").to_owned();
    (addr, turn["username"].as_str().unwrap_or_default().into(), turn["password"].as_str().unwrap_or_default().into())
}

async fn client(addr: &str, username: &str, password: &str) -> Client {
    turn_client(addr, username, password).await.unwrap()
}

#[tokio::test]
async fn login_hands_out_stun_and_turn_with_credentials_of_its_own() {
    let server = server(|_| {}).await;
    let alice = server.login("alice").await;
    let entries = alice.auth_reply["ice_server"].as_array().unwrap().clone();
    assert_eq!(entries.len(), 2, "{entries:?}");
    let port = server.server.hub.turn.as_ref().unwrap().public_addr.port();
    assert_eq!(entries[0]["url"], format!("stun:127.0.0.1:{port}"));
    let (addr, username, password) = turn_entry(&alice.auth_reply);
    assert_eq!(addr, format!("127.0.0.1:{port}"));
    assert!(username.ends_with(&format!(":{}", alice.user_id)), "{username}");
    assert!(!password.is_empty());
    // Another user's credentials differ.
    let bob = server.login("bob").await;
    assert_ne!(turn_entry(&bob.auth_reply).2, password);
    server.shutdown().await;
}

#[tokio::test]
async fn a_relay_carries_packets_both_ways() {
    let server = server(|_| {}).await;
    let alice = server.login("alice").await;
    let (addr, username, password) = turn_entry(&alice.auth_reply);
    let client = client(&addr, &username, &password).await;
    // The STUN side answers a Binding request with the client's address.
    let mapped = tokio::time::timeout(DEADLINE, client.send_binding_request()).await.unwrap().unwrap();
    assert_eq!(mapped.ip(), std::net::IpAddr::from([127, 0, 0, 1]));
    let relay = tokio::time::timeout(DEADLINE, client.allocate()).await.unwrap().unwrap();
    let relayed = relay.local_addr().unwrap();
    assert_eq!(relayed.ip(), std::net::IpAddr::from([127, 0, 0, 1]));
    assert!(relayed.port() >= 49152, "{relayed}");

    let peer = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    relay.send_to(b"to the peer", peer.local_addr().unwrap()).await.unwrap();
    let mut buf = [0u8; 64];
    let (n, from) = tokio::time::timeout(DEADLINE, peer.recv_from(&mut buf)).await.unwrap().unwrap();
    assert_eq!(&buf[..n], b"to the peer");
    assert_eq!(from, relayed, "the peer sees the relayed address, not the client's");
    peer.send_to(b"back", relayed).await.unwrap();
    let (n, from) = tokio::time::timeout(DEADLINE, relay.recv_from(&mut buf)).await.unwrap().unwrap();
    assert_eq!((&buf[..n], from), (&b"back"[..], peer.local_addr().unwrap()));
    let counters = &server.server.hub.turn.as_ref().unwrap().counters;
    assert_eq!(counters.allocations.load(Ordering::Relaxed), 1);
    assert!(counters.relayed_bytes.load(Ordering::Relaxed) >= 15);
    relay.close().await.unwrap();
    client.close().await.unwrap();
    server.shutdown().await;
}

#[tokio::test]
async fn a_wrong_password_or_an_expired_username_gets_no_allocation() {
    let server = server(|_| {}).await;
    let alice = server.login("alice").await;
    let (addr, username, password) = turn_entry(&alice.auth_reply);
    let wrong = client(&addr, &username, &format!("{password}x")).await;
    assert!(tokio::time::timeout(DEADLINE, wrong.allocate()).await.unwrap().is_err());
    let expired = client(&addr, &format!("1:{}", alice.user_id), &password).await;
    assert!(tokio::time::timeout(DEADLINE, expired.allocate()).await.unwrap().is_err());
    let counters = &server.server.hub.turn.as_ref().unwrap().counters;
    assert_eq!(counters.allocations.load(Ordering::Relaxed), 0);
    assert!(counters.refused_credentials.load(Ordering::Relaxed) >= 1);
    server.shutdown().await;
}

#[tokio::test]
async fn a_user_gets_at_most_max_allocations_per_user() {
    let server = server(|t| t.max_allocations_per_user = 2).await;
    let alice = server.login("alice").await;
    let (addr, username, password) = turn_entry(&alice.auth_reply);
    let mut held = Vec::new();
    for _ in 0..2 {
        let c = client(&addr, &username, &password).await;
        let relay = tokio::time::timeout(DEADLINE, c.allocate()).await.unwrap().unwrap();
        held.push((c, relay));
    }
    let third = client(&addr, &username, &password).await;
    assert!(tokio::time::timeout(DEADLINE, third.allocate()).await.unwrap().is_err());
    // Another user is not affected.
    let bob = server.login("bob").await;
    let (_, bob_name, bob_password) = turn_entry(&bob.auth_reply);
    let c = client(&addr, &bob_name, &bob_password).await;
    assert!(tokio::time::timeout(DEADLINE, c.allocate()).await.unwrap().is_ok());
    let counters = &server.server.hub.turn.as_ref().unwrap().counters;
    assert!(counters.refused_quota.load(Ordering::Relaxed) >= 1);
    server.shutdown().await;
}

#[tokio::test]
async fn a_relay_does_not_reach_addresses_the_operator_did_not_open() {
    // The production default: public addresses only. Loopback stands for the server's own network here.
    let server = server(|t| t.allowed_peers.clear()).await;
    let alice = server.login("alice").await;
    let (addr, username, password) = turn_entry(&alice.auth_reply);
    let client = client(&addr, &username, &password).await;
    let relay = tokio::time::timeout(DEADLINE, client.allocate()).await.unwrap().unwrap();
    let inside = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let target: SocketAddr = inside.local_addr().unwrap();
    let counters = server.server.hub.turn.as_ref().unwrap().counters.clone();
    relay.send_to(b"let me in", target).await.unwrap();
    let until = tokio::time::Instant::now() + DEADLINE;
    while counters.dropped_peer.load(Ordering::Relaxed) == 0 {
        assert!(tokio::time::Instant::now() < until, "the relay never refused the loopback peer");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let mut buf = [0u8; 64];
    assert!(
        inside.try_recv_from(&mut buf).is_err(),
        "the packet the relay refused must not have reached the loopback socket"
    );
    server.shutdown().await;
}
