//! The per-user limits that hold across the nodes (src/cluster/limits.rs): a user's call attempts spread over three
//! nodes are counted in one bucket (and, while Redis is down, in each node's own), and logins of one user spread over
//! the nodes beyond `max_sessions_per_user` close the user's oldest session in the cluster, wherever it is.

use std::time::Duration;

use azstack_protocol::Service;
use azstack_server::testkit::{ClientError, TestClient};
use serde_json::json;

use super::{Cluster, REDIS_ENV, wait_online};

/// Sends a callout (500) from `c` and returns its 610's `chargingError`: −4 (no SIP trunk: the attempt was
/// admitted) or −3 (over `call_attempts_per_min`).
async fn callout(c: &mut TestClient, call_id: i64) -> i64 {
    c.send(Service::CALLOUT_START_SEND, &json!({"callId": call_id, "to": "+84901234567"}));
    let reply = c.recv_where(Service::CALLOUT_START_INITIAL, |b| b["callId"] == call_id).await.expect("610");
    reply["chargingError"].as_i64().unwrap_or_else(|| panic!("610 without chargingError: {reply}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "cluster stage"]
async fn a_users_call_attempts_spread_over_three_nodes_share_one_budget() {
    // The users of the fresh database get the ids of a previous run's: forget that run's buckets.
    if std::env::var_os(REDIS_ENV).is_some() {
        redis::cmd("FLUSHDB").query_async::<()>(&mut connection(30).await).await.expect("FLUSHDB");
    }
    let extra = "[limits]\ncall_attempts_per_min = 3\n";
    let Some(cluster) = Cluster::start_with("lim-att", 30, &|_| extra.to_owned()).await else { return };
    let mut alice: Vec<TestClient> = Vec::new();
    for i in 0..3 {
        alice.push(cluster.login(i, "alice").await);
    }
    // One attempt on each node: the three of the minute (each node alone would allow three).
    for (i, c) in alice.iter_mut().enumerate() {
        assert_eq!(callout(c, 1 + i as i64).await, -4, "attempt {} (node {}) is admitted", i + 1, i + 1);
    }
    // The fourth is refused on every node.
    for (i, c) in alice.iter_mut().enumerate() {
        assert_eq!(callout(c, 10 + i as i64).await, -3, "over the limit on node {}", i + 1);
    }
    // Another user's budget is their own.
    let mut bob = cluster.login(1, "bob").await;
    assert_eq!(callout(&mut bob, 1).await, -4);
    drop(cluster);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "cluster stage"]
async fn while_redis_is_down_call_attempts_are_counted_on_each_node() {
    let extra = |_| "[limits]\ncall_attempts_per_min = 2\n".to_owned();
    let Some((cluster, mut redis)) = Cluster::start_on_own_redis("lim-down", &extra).await else { return };
    let mut a1 = cluster.login(0, "alice").await;
    let mut a2 = cluster.login(1, "alice").await;
    redis.kill().await;
    // Calls keep working: each node counts the attempts in its own bucket, and still refuses beyond it.
    for c in [&mut a1, &mut a2] {
        assert_eq!(callout(c, 1).await, -4, "admitted without Redis");
        assert_eq!(callout(c, 2).await, -4, "admitted without Redis");
        assert_eq!(callout(c, 3).await, -3, "over the node's own bucket");
    }
    drop(cluster);
}

/// A connection to database `db` of the stage's Redis.
async fn connection(db: u32) -> redis::aio::MultiplexedConnection {
    let url = format!("{}/{db}", std::env::var(REDIS_ENV).expect("redis url"));
    let client = redis::Client::open(url).expect("redis client");
    client.get_multiplexed_async_connection().await.expect("redis connection")
}

/// Waits until `c`'s socket is closed by the server; false when it is still open after a while.
async fn closed(c: &mut TestClient) -> bool {
    loop {
        match c.next_packet().await {
            Ok(_) => continue,
            Err(ClientError::Closed) => return true,
            Err(_) => return false,
        }
    }
}

/// The sessions of `user` the nodes `ids` store in Redis' presence hashes.
async fn stored_sessions(redis: &mut redis::aio::MultiplexedConnection, ids: &[String], user: i64) -> u64 {
    let mut total = 0;
    for id in ids {
        let entry: Option<String> = redis::cmd("HGET")
            .arg(format!("azstack:presence:{id}"))
            .arg(user)
            .query_async(redis)
            .await
            .expect("HGET presence");
        let sessions =
            entry.and_then(|e| serde_json::from_str::<serde_json::Value>(&e).ok()).map(|e| e["sessions"].clone());
        total += sessions.and_then(|s| s.as_u64()).unwrap_or(0);
    }
    total
}

/// Waits until the nodes store `want` sessions of `user` in Redis.
async fn wait_stored(redis: &mut redis::aio::MultiplexedConnection, ids: &[String], user: i64, want: u64) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let got = stored_sessions(redis, ids, user).await;
        if got == want {
            return;
        }
        assert!(tokio::time::Instant::now() < deadline, "the cluster stores {got} sessions of {user}, not {want}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Makes sure that `watcher`'s node has heard every presence change node `i` made so far: a new user logs in on
/// node `i` and `watcher` waits to see it online (one node's announcements arrive in the order it made them).
async fn fence(cluster: &Cluster, i: usize, watcher: &mut TestClient, name: &str) -> TestClient {
    let fence = cluster.login(i, name).await;
    wait_online(watcher, &[fence.user_id]).await;
    fence
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "cluster stage"]
async fn logins_over_the_cap_on_other_nodes_close_the_oldest_session_in_the_cluster() {
    let extra = "[limits]\nmax_sessions_per_user = 2\n";
    let Some(cluster) = Cluster::start_with("lim-cap", 31, &|_| extra.to_owned()).await else { return };
    let mut redis = connection(31).await;
    let ids: Vec<String> = (1..=3).map(|i| format!("lim-cap-{i}")).collect();
    let mut watch1 = cluster.login(0, "watch1").await;
    let mut watch3 = cluster.login(2, "watch3").await;

    // alice on node 1, then on node 2: two sessions, the cap.
    let mut s1 = cluster.login(0, "alice").await;
    let alice = s1.user_id;
    let mut s2 = cluster.login(1, "alice").await;
    wait_stored(&mut redis, &ids, alice, 2).await;
    let _f1 = fence(&cluster, 0, &mut watch3, "fence1").await;
    let _f2 = fence(&cluster, 1, &mut watch3, "fence2").await;

    // A third login, on node 3: the oldest session in the cluster (node 1's) is closed, the others stay.
    let mut s3 = cluster.login(2, "alice").await;
    assert!(closed(&mut s1).await, "the oldest session (node 1) was closed");
    wait_stored(&mut redis, &ids, alice, 2).await;
    s2.barrier().await;
    s3.barrier().await;

    // A fourth, on node 1 again: now node 2's session is the oldest, and goes.
    let _f3 = fence(&cluster, 2, &mut watch1, "fence3").await;
    let _f4 = fence(&cluster, 1, &mut watch1, "fence4").await;
    let mut s4 = cluster.login(0, "alice").await;
    assert!(closed(&mut s2).await, "the oldest session (node 2) was closed");
    wait_stored(&mut redis, &ids, alice, 2).await;
    s3.barrier().await;
    s4.barrier().await;
    // Both survivors still get alice's messages: a text from bob reaches each once.
    let mut bob = cluster.login(1, "bob").await;
    wait_online(&mut bob, &[alice]).await;
    super::text(&mut bob, alice, 7, "still there?").await;
    for s in [&mut s3, &mut s4] {
        let got = s.recv_where(Service::MESSAGE_HAS_NEW_WITH_USER_TYPE_TEXT, |b| b["msgId"] == 7).await;
        assert!(got.is_ok(), "a surviving session gets the text");
    }
    drop(cluster);
}
