//! Draining and death, proven directly: a node that got SIGTERM refuses logins with the D3 failure and, from its
//! announcement on, no other node hands it out by discovery (svc 29); a node killed with SIGKILL is skipped by
//! discovery on every surviving node.
//!
//! The drain window is made observable by holding Redis, not by sleeping. `CLIENT PAUSE WRITE` holds the draining
//! node at its announcement (a PUBLISH) after it has started refusing logins. A `maxmemory` below what Redis uses
//! makes every heartbeat fail (its SET is refused, so it never reads the live nodes), which freezes each node's table
//! of live nodes while announcements (PUBLISH, HDEL) still flow: the draining node stays "live" in the others'
//! tables however long it takes to leave, so only its draining mark can keep them from handing it out. Both are
//! undone when the test ends, however it ends.

use std::time::Duration;

use azstack_server::gateway::login::DRAINING;
use azstack_server::testkit::{Login, TestClient};
use futures_util::StreamExt;

use super::{Cluster, REDIS_ENV, discover, wait_status};

/// Hand-outs asked of each surviving node after the fact.
const ASKS: usize = 30;

/// A Redis held by the test: restores `maxmemory` and lifts any pause when dropped.
struct Hold {
    url: String,
    maxmemory: String,
}

impl Hold {
    async fn new(url: &str) -> Hold {
        let mut conn = connection(url).await;
        let got: Vec<String> =
            redis::cmd("CONFIG").arg("GET").arg("maxmemory").query_async(&mut conn).await.expect("CONFIG GET");
        Hold { url: url.to_owned(), maxmemory: got.get(1).cloned().unwrap_or_else(|| "0".to_owned()) }
    }
}

impl Drop for Hold {
    fn drop(&mut self) {
        let restored = redis::Client::open(self.url.as_str()).and_then(|c| c.get_connection()).and_then(|mut c| {
            redis::cmd("CLIENT").arg("UNPAUSE").query::<()>(&mut c)?;
            redis::cmd("CONFIG").arg("SET").arg("maxmemory").arg(&self.maxmemory).query::<()>(&mut c)
        });
        if let Err(error) = restored {
            eprintln!("could not restore Redis after the test: {error}");
        }
    }
}

async fn connection(url: &str) -> redis::aio::MultiplexedConnection {
    let client = redis::Client::open(url).expect("redis client");
    client.get_multiplexed_async_connection().await.expect("redis connection")
}

/// Asks node `url` for a node `n` times; returns the URLs handed out.
async fn ask(url: &str, who: &str, n: usize) -> Vec<String> {
    let mut handed = Vec::with_capacity(n);
    for i in 0..n {
        handed.push(discover(url, &format!("{who}{i}")).await.0);
    }
    handed
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "cluster stage"]
async fn a_draining_node_refuses_logins_and_is_not_handed_out_from_its_announcement_on() {
    let Some(mut cluster) = Cluster::start("lim-drain", 33).await else { return };
    let redis_url = format!("{}/33", std::env::var(REDIS_ENV).expect("redis url"));
    let hold = Hold::new(&redis_url).await;
    let mut control = connection(&redis_url).await;
    let client = redis::Client::open(redis_url.as_str()).expect("redis client");
    let mut announcements = client.get_async_pubsub().await.expect("pubsub");
    announcements.subscribe("azstack:presence").await.expect("subscribe");

    // An idle session on each node; everyone sees everyone.
    let [alice, mut bob, mut carol] = cluster.one_per_node(["alice", "bob", "carol"]).await;
    let (doomed, others) = (cluster.nodes[0].url.clone(), [cluster.nodes[1].url.clone(), cluster.nodes[2].url.clone()]);

    // Freeze every node's table of live nodes; node 1 is in the others' and handed out by them.
    redis::cmd("CONFIG").arg("SET").arg("maxmemory").arg(1).query_async::<()>(&mut control).await.expect("maxmemory");
    for url in &others {
        let handed = ask(url, "before", 6).await;
        assert!(handed.contains(&doomed), "{url} hands node 1 out before the drain: {handed:?}");
    }

    // (a) Hold the drain at its announcement, then SIGTERM node 1: a login there is refused with the D3 failure.
    redis::cmd("CLIENT").arg("PAUSE").arg(20_000).arg("WRITE").query_async::<()>(&mut control).await.expect("pause");
    let pid = cluster.nodes[0].child.id().expect("node 1 runs");
    let sent = std::process::Command::new("kill").arg("-TERM").arg(pid.to_string()).status();
    assert!(sent.is_ok_and(|s| s.success()), "kill -TERM {pid}");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let refusal = loop {
        assert!(tokio::time::Instant::now() < deadline, "node 1 never refused a login after SIGTERM");
        let mut dave = TestClient::connect(&doomed).await.expect("node 1 still takes sockets while it drains");
        let addr = serde_json::json!({"ip": "127.0.0.1", "port": 0});
        let reply = dave.authenticate(&cluster.app, &Login::engine("dave"), &addr).await.expect("162");
        if reply["r"] == -1 {
            break reply;
        }
        // The signal had not been handled yet: that login succeeded (the drain will close it).
        dave.close();
    };
    assert_eq!(refusal["message"], DRAINING, "the D3 failure of a draining node: {refusal}");

    // (b) Let the announcement go. Node 1 announces, closes alice's socket (announced after the drain, on the same
    // connection) and leaves; the others' tables stay frozen with node 1 in them.
    redis::cmd("CLIENT").arg("UNPAUSE").query_async::<()>(&mut control).await.expect("unpause");
    let mut messages = announcements.on_message();
    let announced = tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(message) = messages.next().await {
            let payload: String = message.get_payload().unwrap_or_default();
            if payload.contains("\"draining\"") && payload.contains("lim-drain-1") {
                return payload;
            }
        }
        panic!("the subscription ended");
    })
    .await
    .expect("node 1 announced its drain");
    eprintln!("announcement: {announced}");
    // Once a node sees alice offline it has handled the announcement before it.
    wait_status(&mut bob, &[alice.user_id], 0).await;
    wait_status(&mut carol, &[alice.user_id], 0).await;
    for url in &others {
        let handed = ask(url, "after", ASKS).await;
        assert!(!handed.contains(&doomed), "{url} handed out the draining node: {handed:?}");
    }
    drop(hold);
    let status = tokio::time::timeout(Duration::from_secs(20), cluster.nodes[0].child.wait()).await;
    assert!(status.expect("node 1 exits").expect("status").success(), "a drained node exits 0");
    drop(cluster);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "cluster stage"]
async fn a_killed_node_is_skipped_by_discovery_on_every_surviving_node() {
    let Some(mut cluster) = Cluster::start("lim-kill", 34).await else { return };
    let [alice, mut bob, mut carol] = cluster.one_per_node(["alice", "bob", "carol"]).await;
    let (dead, others) = (cluster.nodes[0].url.clone(), [cluster.nodes[1].url.clone(), cluster.nodes[2].url.clone()]);
    for url in &others {
        let handed = ask(url, "before", 6).await;
        assert!(handed.contains(&dead), "{url} hands node 1 out while it lives: {handed:?}");
    }
    cluster.nodes[0].child.start_kill().expect("kill -9 node 1");
    let _ = cluster.nodes[0].child.wait().await;
    // Each surviving node drops node 1 from its table no later than it sees node 1's users offline.
    for (c, url) in [(&mut bob, &others[0]), (&mut carol, &others[1])] {
        wait_status(c, &[alice.user_id], 0).await;
        let handed = ask(url, "after", ASKS).await;
        assert!(!handed.contains(&dead), "{url} handed out the dead node: {handed:?}");
    }
    drop(cluster);
}
