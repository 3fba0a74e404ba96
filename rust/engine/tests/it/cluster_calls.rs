//! A free video call between engines on two nodes of a cluster connects with media: two in-process servers with
//! `[cluster]` on one PostgreSQL database and one Redis (`azstack_server::testkit`), alice's engine on the first,
//! bob's on the second (each handed its node by discovery, svc 29), real media on loopback both ways.
//!
//! `#[ignore = "cluster stage"]`: run by `scripts/test cluster`, which starts the throwaway PostgreSQL and Redis
//! (`AZSTACK_TEST_POSTGRES_URL`, `AZSTACK_TEST_REDIS_URL`); skipped when they are not set (outside CI).

use crate::calls::{Side, answer, hang_up, loud_audio, ring};
use crate::common::{DEADLINE, Target};

use azstack_engine::media::synthetic::VideoStats;
use azstack_server::cluster::ClusterConfig;
use azstack_server::config::Config;
use azstack_server::testkit::{POSTGRES_ENV, TestServer, fresh_postgres_database};

/// A node on `database` and `redis`, named `id`, listening on a port chosen now (its URL is what discovery hands
/// out).
async fn node(database: &str, redis: &str, id: &str) -> TestServer {
    let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a port").port();
    let dir = tempfile::tempdir().expect("temp dir");
    let mut config = Config::dev(port, dir.path());
    config.database = database.to_owned();
    config.cluster = Some(ClusterConfig {
        redis_url: redis.to_owned(),
        redis_ca_path: None,
        node_url: format!("http://127.0.0.1:{port}"),
        node_id: id.to_owned(),
        drain_timeout_secs: 10,
    });
    TestServer::start_on(config, Some(dir)).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "cluster stage"]
async fn a_video_call_between_nodes_connects_with_media() {
    let (Ok(postgres), Ok(redis)) = (std::env::var(POSTGRES_ENV), std::env::var("AZSTACK_TEST_REDIS_URL")) else {
        assert!(std::env::var_os("CI").is_none(), "the cluster stage's services must be set under CI");
        eprintln!("skipped: {POSTGRES_ENV} or AZSTACK_TEST_REDIS_URL is not set");
        return;
    };
    let database = fresh_postgres_database(&postgres).await;
    let redis = format!("{redis}/26");
    // Node "ecall-b" alone hands itself to alice; then "ecall-a", which knows both at its start, hands itself to bob
    // (the least loaded, and first by name on a tie).
    let first = node(&database, &redis, "ecall-b").await;
    let mut alice = Side::login(&Target::of(&first), "alice").await;
    let second = node(&database, &redis, "ecall-a").await;
    let mut bob = Side::login(&Target::of(&second), "bob").await;
    let hub = &first.server.hub;
    assert!(hub.sessions.is_online(alice.id()) && !hub.sessions.is_online(bob.id()), "alice on node 1, bob elsewhere");
    assert!(second.server.hub.sessions.is_online(bob.id()), "bob on node 2");
    // Node 1 has seen bob's session (the cluster's presence).
    let deadline = tokio::time::Instant::now() + DEADLINE;
    while !hub.services.fanout.is_online(bob.id()) {
        assert!(tokio::time::Instant::now() < deadline, "node 1 never saw bob");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }

    ring(&mut alice, &mut bob, 2).await;
    answer(&mut alice, &mut bob).await;
    let alice_remote = alice.peer.event("onRemoteStreamArrived").await;
    let bob_remote = bob.peer.event("onRemoteStreamArrived").await;
    let alice_sees = VideoStats::new();
    let bob_sees = VideoStats::new();
    assert!(
        alice.peer.engine.calls().attach_video_sink(alice_remote["stream"]["id"].as_str().unwrap(), alice_sees.clone())
    );
    assert!(bob.peer.engine.calls().attach_video_sink(bob_remote["stream"]["id"].as_str().unwrap(), bob_sees.clone()));
    for (who, stats) in [("alice", &alice_sees), ("bob", &bob_sees)] {
        let got = stats.wait_for(DEADLINE, |s| s.frames >= 20 && s.counted_frames >= 15).await;
        let s = got.unwrap_or_else(|s| panic!("{who} got too few frames: {s:?}"));
        assert_eq!((s.width, s.height), (320, 240), "{who}");
    }
    loud_audio(&alice, 10).await;
    loud_audio(&bob, 10).await;
    hang_up(&mut bob, &mut alice).await;
    first.shutdown().await;
    second.shutdown().await;
}
