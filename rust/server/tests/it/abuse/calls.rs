//! Abuse: calls. Offers are bounded three ways (PROTOCOL-facing rules in `calls`' module documentation): one outgoing
//! call per user, `limits.max_offers_per_callee` ringing for one callee, `limits.call_attempts_per_min` attempts
//! (186 and 500) per user. Before them, 3,520 offers to one offline user were all held for the ring timeout
//! (+262 MB) and all replayed to the victim's next session at login.

use std::collections::HashSet;

use azstack_protocol::Service;
use azstack_server::testkit::{TestClient, TestServer};
use serde_json::{Value, json};

fn offer(call_id: i64, to: i64) -> Value {
    json!({"callId": call_id, "mediaType": 2, "to": to, "sdp": {"type": "offer", "sdp": "v=0\r\n"}})
}

/// The 188 statuses `c` has received so far (after a barrier: everything answered).
async fn refusals(c: &mut TestClient) -> Vec<i64> {
    c.barrier().await;
    c.buffered(Service::FREE_CALL_STATUS_CHANGED).iter().filter_map(|b| b["status"].as_i64()).collect()
}

/// Logs `name` in and returns it with the callers of the offers it rang for at login (those arrive before the 162
/// session's first reply, so a barrier collects them all).
async fn login_and_count_offers(server: &TestServer, name: &str) -> (TestClient, Vec<i64>) {
    let mut c = server.login(name).await;
    c.barrier().await;
    let callers = c.buffered(Service::FREE_CALL_START).iter().filter_map(|b| b["from"].as_i64()).collect();
    (c, callers)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "abuse stage"]
async fn an_offer_flood_to_an_offline_user_is_refused_and_not_replayed_at_login() {
    let server = TestServer::sqlite().await;
    let victim = server.server.hub.store.upsert_user(&server.app.id, "", "victim", "Victim").await.unwrap().id;
    let mut attacker = server.login("attacker").await;
    const OFFERS: i64 = 500;
    for call_id in 1..=OFFERS {
        attacker.send(Service::FREE_CALL_START, &offer(call_id, victim));
    }
    let refused = refusals(&mut attacker).await;
    assert_eq!(refused.len() as i64, OFFERS - 1, "every offer but the first is refused at once");
    assert!(refused.iter().all(|s| *s == 600 || *s == 400), "{refused:?}");
    assert_eq!(server.server.hub.calls.active(), 1, "one call is held, not {OFFERS}");

    let (_victim, callers) = login_and_count_offers(&server, "victim").await;
    assert_eq!(callers, vec![attacker.user_id], "the victim rings once at login");
    let metrics = &server.server.hub.metrics;
    let counted = metrics.calls_refused_caller_busy.load(std::sync::atomic::Ordering::Relaxed)
        + metrics.calls_rate_limited.load(std::sync::atomic::Ordering::Relaxed);
    assert_eq!(counted as i64, OFFERS - 1);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "abuse stage"]
async fn many_callers_ring_one_callee_at_most_the_cap_once_each() {
    let server = TestServer::sqlite().await;
    let cap = server.server.hub.config.limits.max_offers_per_callee;
    let victim = server.server.hub.store.upsert_user(&server.app.id, "", "victim", "Victim").await.unwrap().id;
    let mut callers = Vec::new();
    for i in 0..cap + 3 {
        let mut c = server.login(&format!("caller{i}")).await;
        // Two offers each: the second is refused (one outgoing call per user).
        c.send(Service::FREE_CALL_START, &offer(1, victim));
        c.send(Service::FREE_CALL_START, &offer(2, victim));
        let refused = refusals(&mut c).await;
        callers.push((c, refused));
    }
    let ringing: HashSet<i64> = callers.iter().filter(|(_, r)| r.len() == 1).map(|(c, _)| c.user_id).collect();
    assert_eq!(ringing.len(), cap, "{cap} calls ring, the others are refused");
    assert!(callers.iter().filter(|(_, r)| r.len() == 2).all(|(_, r)| r == &[600, 600]));

    let (_victim, offered) = login_and_count_offers(&server, "victim").await;
    assert_eq!(offered.len(), cap);
    assert_eq!(offered.into_iter().collect::<HashSet<_>>(), ringing);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "abuse stage"]
async fn call_attempts_over_the_rate_are_refused_and_others_still_call() {
    let server = TestServer::sqlite().await;
    let per_min = i64::from(server.server.hub.config.limits.call_attempts_per_min);
    let mut attacker = server.login("attacker").await;
    // Callouts (500) without a trunk are answered 610 402/−4; over the rate, 610 402/−3.
    for call_id in 1..=per_min + 10 {
        attacker.send(Service::CALLOUT_START_SEND, &json!({"callId": call_id, "to": "+84901234567"}));
    }
    attacker.barrier().await;
    let errors: Vec<i64> =
        attacker.buffered(Service::CALLOUT_START_INITIAL).iter().filter_map(|b| b["chargingError"].as_i64()).collect();
    assert_eq!(errors.len() as i64, per_min + 10);
    assert_eq!(errors.iter().filter(|e| **e == -4).count() as i64, per_min);
    assert_eq!(errors.iter().filter(|e| **e == -3).count(), 10);
    // A free call by the same user is over the rate too: 188 400, and the callee does not ring.
    let mut bob = server.login("bob").await;
    attacker.send(Service::FREE_CALL_START, &offer(99, bob.user_id));
    assert_eq!(refusals(&mut attacker).await, vec![400]);
    bob.barrier().await;
    assert!(bob.buffered(Service::FREE_CALL_START).is_empty());
    // Another user is not limited by the attacker's attempts.
    let mut carol = server.login("carol").await;
    carol.send(Service::FREE_CALL_START, &offer(1, bob.user_id));
    bob.recv(Service::FREE_CALL_START).await.unwrap();
    assert!(refusals(&mut carol).await.is_empty());
    server.shutdown().await;
}
