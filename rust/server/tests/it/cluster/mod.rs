//! The `cluster` stage of `scripts/test`: three `azstack-server serve` processes on 127.0.0.1 sharing one PostgreSQL
//! database and one Redis (`[cluster]`), driven by raw clients. Users on different nodes chat 1:1 and in a group,
//! exchange receipts and typing notices, a user with sessions on two nodes gets copies on both — each packet exactly
//! once — discovery (svc 29) spreads 300 logins over the three nodes, a node killed with SIGKILL is no longer
//! handed out and its users go offline, a node killed (SIGKILL) or drained (SIGTERM) in the middle of a stream of
//! acked messages both ways loses and duplicates none of them while its client moves to another node, and the nodes
//! survive a restart of Redis. The child modules: [`limits`] (call attempts and the session cap across nodes),
//! [`drain`] (the drain window and `kill -9` seen from every node), [`tls`] (`rediss://`).
//!
//! Every test is `#[ignore = "cluster stage"]` (the stage starts a throwaway redis-server and PostgreSQL and runs
//! `--ignored cluster::`); it needs `AZSTACK_TEST_POSTGRES_URL` and `AZSTACK_TEST_REDIS_URL`. Each test uses its own
//! Redis database number (the stage's redis-server has 64) and node ids, so the tests may run one after another on one
//! Redis. The tests of one area are a child module of this one and use its helpers.

use std::collections::HashMap;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

mod calls;
mod drain;
mod limits;
mod tls;

use azstack_protocol::Service;
use azstack_server::store::SqlStore;
use azstack_server::store::apps::AppRow;
use azstack_server::testkit::{Login, POSTGRES_ENV, TestClient, fresh_postgres_database};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

const REDIS_ENV: &str = "AZSTACK_TEST_REDIS_URL";

/// Three nodes of one cluster, each a child process (killed when dropped).
struct Cluster {
    nodes: Vec<Node>,
    app: AppRow,
    _dir: tempfile::TempDir,
}

struct Node {
    child: Child,
    url: String,
}

impl Cluster {
    /// Starts three nodes on a fresh database and Redis database `redis_db`, or `None` when the stage's services
    /// are not configured (which fails under CI).
    async fn start(name: &str, redis_db: u32) -> Option<Cluster> {
        Cluster::start_with(name, redis_db, &|_| String::new()).await
    }

    /// [`Cluster::start`] with `extra(i)` appended to node `i`'s configuration (0-based), after the `[cluster]` keys:
    /// more of them, then other tables such as `[limits]`.
    async fn start_with(name: &str, redis_db: u32, extra: &dyn Fn(usize) -> String) -> Option<Cluster> {
        let (Ok(postgres), Ok(redis)) = (std::env::var(POSTGRES_ENV), std::env::var(REDIS_ENV)) else {
            assert!(std::env::var_os("CI").is_none(), "{POSTGRES_ENV} and {REDIS_ENV} must be set under CI");
            eprintln!("skipped: {POSTGRES_ENV} or {REDIS_ENV} is not set");
            return None;
        };
        Some(Cluster::start_on(name, &postgres, &format!("{redis}/{redis_db}"), extra).await)
    }

    /// Starts three nodes on a fresh database of the PostgreSQL server `postgres` and the Redis at `redis`.
    async fn start_on(name: &str, postgres: &str, redis: &str, extra: &dyn Fn(usize) -> String) -> Cluster {
        let database = fresh_postgres_database(postgres).await;
        let store = SqlStore::open(&database).await.expect("open store");
        let app = azstack_server::create_app(&store, "cluster").await.expect("create app");
        store.close().await;
        let dir = tempfile::tempdir().expect("temp dir");
        let mut nodes = Vec::new();
        for i in 1..=3 {
            let port = free_port();
            let extra = extra(i - 1);
            let config = format!(
                "listen = \"127.0.0.1:{port}\"\ndatabase = \"{database}\"\ndev = true\n\n[cluster]\n\
                 redis_url = \"{redis}\"\nnode_url = \"http://127.0.0.1:{port}\"\nnode_id = \"{name}-{i}\"\n{extra}"
            );
            let path = dir.path().join(format!("node{i}.toml"));
            std::fs::write(&path, config).expect("write config");
            nodes.push(start_node(&path, &dir.path().join(format!("node{i}.log"))).await);
        }
        Cluster { nodes, app, _dir: dir }
    }

    /// The URL clients ask for a node (svc 29): the node started last, whose first heartbeat round, made before it
    /// listens, found the other two live.
    fn master(&self) -> String {
        self.nodes[2].url.clone()
    }

    /// Logs `names[i]` in on node `i`, and waits until each of them sees all three online: every node then knows
    /// the other two and their users.
    async fn one_per_node(&self, names: [&str; 3]) -> [TestClient; 3] {
        let mut clients = [self.login(0, names[0]).await, self.login(1, names[1]).await, self.login(2, names[2]).await];
        let ids = clients.each_ref().map(|c| c.user_id);
        for c in &mut clients {
            wait_online(c, &ids).await;
        }
        clients
    }

    /// Logs `username` in directly on node `i` (0-based).
    async fn login(&self, i: usize, username: &str) -> TestClient {
        TestClient::login(&self.nodes[i].url, &self.app, &Login::engine(username)).await.expect("login")
    }
}

/// A port free now on 127.0.0.1 (the node binds it right after).
fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("addr").port()
}

/// Starts `azstack-server serve --config CONFIG` and waits for its `listening on` line.
async fn start_node(config: &Path, log: &Path) -> Node {
    let mut child = Command::new(env!("CARGO_BIN_EXE_azstack-server"))
        .arg("serve")
        .arg("--config")
        .arg(config)
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(log).expect("log file"))
        .kill_on_drop(true)
        .spawn()
        .expect("spawn azstack-server");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let url = tokio::time::timeout(Duration::from_secs(60), async {
        while let Ok(Some(line)) = lines.next_line().await {
            if let Some(url) = line.strip_prefix("listening on ") {
                return url.trim().to_owned();
            }
        }
        panic!("azstack-server exited before listening: {}", std::fs::read_to_string(log).unwrap_or_default());
    })
    .await
    .expect("azstack-server did not start in time");
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    Node { child, url }
}

/// Waits until `c`'s node sees every user of `users` online (the cluster's presence has reached it).
async fn wait_online(c: &mut TestClient, users: &[i64]) {
    wait_status(c, users, 1).await;
}

/// Waits until `c`'s node sees every user of `users` with `status` (1 online, 0 offline).
async fn wait_status(c: &mut TestClient, users: &[i64], status: i64) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    for purpose in 1.. {
        c.send(Service::USER_GET_INFO_BY_IDS, &json!({"purpose": purpose, "userIdList": users}));
        let reply =
            c.recv_where(Service::USER_GET_INFO_BY_IDS, |b| b["purpose"] == purpose).await.expect("users information");
        let list = reply["userInfoList"].as_array().cloned().unwrap_or_default();
        if list.len() == users.len() && list.iter().all(|u| u["status"] == status) {
            return;
        }
        assert!(tokio::time::Instant::now() < deadline, "{} never saw {users:?} at {status}: {reply}", c.username);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Asserts that no packet of `services` is waiting for `c`.
fn assert_none(c: &mut TestClient, services: &[Service]) {
    for s in services {
        let got = c.buffered(*s);
        assert!(got.is_empty(), "{} got unexpected {s:?}: {got:?}", c.username);
    }
}

/// Sends a user text and returns its ack.
async fn text(c: &mut TestClient, to: i64, msg_id: i64, msg: &str) -> Value {
    c.send(Service::MESSAGE_NEW_WITH_USER_TYPE_TEXT, &json!({"msgId": msg_id, "to": to, "msg": msg}));
    c.recv_where(Service::MESSAGE_NEW_WITH_USER_TYPE_TEXT, |b| b["msgId"] == msg_id && b.get("r").is_some())
        .await
        .expect("ack")
}

/// Makes every packet `from`'s node published before now arrive: a text from `from` to `to` that `to` waits for
/// (one node publishes in order, so an earlier packet or a duplicate of it would be there first).
async fn flush(from: &mut TestClient, to: &mut TestClient, msg_id: i64) {
    text(from, to.user_id, msg_id, "flush").await;
    to.recv_where(Service::MESSAGE_HAS_NEW_WITH_USER_TYPE_TEXT, |b| b["msgId"] == msg_id).await.expect("flush");
    to.barrier().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "cluster stage"]
async fn users_on_different_nodes_chat_and_get_every_packet_once() {
    let Some(cluster) = Cluster::start("chat", 1).await else { return };
    use Service::*;
    let mut a1 = cluster.login(0, "alice").await;
    let mut a3 = cluster.login(2, "alice").await;
    let mut bob = cluster.login(1, "bob").await;
    let mut carol = cluster.login(2, "carol").await;
    let (alice, bob_id, carol_id) = (a1.user_id, bob.user_id, carol.user_id);
    for c in [&mut a1, &mut a3, &mut bob, &mut carol] {
        wait_online(c, &[alice, bob_id, carol_id]).await;
    }

    // 1:1 from node 1 to node 2; alice's session on node 3 gets the echo.
    let ack = text(&mut a1, bob_id, 1, "hello bob").await;
    let time = ack["time"].as_i64().expect("time");
    let incoming = json!({"from": alice, "to": bob_id, "msgId": 1, "msg": "hello bob", "time": time});
    assert_eq!(bob.recv(MESSAGE_HAS_NEW_WITH_USER_TYPE_TEXT).await.unwrap(), incoming);
    let echo = a3.recv(MESSAGE_FROM_ME_WITH_USER).await.unwrap();
    assert_eq!(echo, json!({"to": bob_id, "msgId": 1, "msg": "hello bob", "time": time}));

    // 1:1 to a user with sessions on nodes 1 and 3: a copy on each.
    let ack = text(&mut bob, alice, 2, "hello alice").await;
    let time = ack["time"].as_i64().expect("time");
    let incoming = json!({"from": bob_id, "to": alice, "msgId": 2, "msg": "hello alice", "time": time});
    for a in [&mut a1, &mut a3] {
        assert_eq!(a.recv(MESSAGE_HAS_NEW_WITH_USER_TYPE_TEXT).await.unwrap(), incoming);
    }

    // Receipts cross nodes: bob's delivered and seen reach both of alice's sessions.
    bob.send(MESSAGE_STATUS_CHANGE_DELIVERED_WITH_USER, &json!({"to": alice, "msgId": 1}));
    for a in [&mut a1, &mut a3] {
        let push = a.recv(MESSAGE_STATUS_CHANGE_DELIVERED_WITH_USER).await.unwrap();
        assert_eq!((push["from"].as_i64(), push["msgId"].as_i64()), (Some(bob_id), Some(1)));
    }
    bob.send(MESSAGE_STATUS_CHANGE_SEEN, &json!({"type": 1, "chatId": alice, "senderId": alice, "msgId": 1}));
    assert_eq!(bob.recv(MESSAGE_STATUS_CHANGE_SEEN).await.unwrap()["r"], 1);
    for a in [&mut a1, &mut a3] {
        let push = a.recv(MESSAGE_STATUS_CHANGE_SEEN).await.unwrap();
        assert_eq!(push, json!({"type": 1, "from": bob_id, "chatId": bob_id, "senderId": alice, "msgId": 1}));
    }

    // Typing crosses nodes.
    bob.send(MESSAGE_TYPING_WITH_USER, &json!({"to": alice}));
    for a in [&mut a1, &mut a3] {
        assert_eq!(a.recv(MESSAGE_TYPING_WITH_USER).await.unwrap(), json!({"from": bob_id}));
    }

    // A group over three nodes: the creation push and a message reach every member's sessions.
    a1.send(GROUP_CREATE, &json!({"msgId": 10, "type": 0, "name": "Team", "members": [bob_id, carol_id]}));
    let reply = a1.recv_where(GROUP_CREATE, |b| b.get("r").is_some()).await.unwrap();
    let group = reply["group"].as_i64().expect("group id");
    for c in [&mut a1, &mut a3, &mut bob, &mut carol] {
        let push = c.recv_where(ON_GROUP_CREATED, |b| b["msgId"] == 10).await.unwrap();
        assert_eq!(push["group"].as_i64(), Some(group), "{}", c.username);
    }
    bob.send(MESSAGE_NEW_WITH_GROUP, &json!({"msgId": 11, "group": group, "msg": "hi team"}));
    bob.recv_where(MESSAGE_NEW_WITH_GROUP, |b| b["msgId"] == 11).await.unwrap();
    for c in [&mut a1, &mut a3, &mut carol] {
        let push = c.recv(MESSAGE_HAS_NEW_WITH_GROUP).await.unwrap();
        assert_eq!((push["from"].as_i64(), push["msg"].as_str()), (Some(bob_id), Some("hi team")));
    }
    bob.send(MESSAGE_TYPING_WITH_GROUP, &json!({"group": group}));
    for c in [&mut a1, &mut a3, &mut carol] {
        assert_eq!(c.recv(MESSAGE_TYPING_WITH_GROUP).await.unwrap(), json!({"from": bob_id, "group": group}));
    }

    // Exactly once: after a later packet from each sending node has arrived, no copy of an earlier one is waiting.
    flush(&mut a1, &mut carol, 100).await;
    flush(&mut bob, &mut a1, 101).await;
    flush(&mut bob, &mut a3, 102).await;
    flush(&mut carol, &mut bob, 103).await;
    flush(&mut bob, &mut carol, 104).await;
    for c in [&mut a1, &mut a3] {
        // Both of alice's sessions get the flushes 101 and 102; each waited for one.
        assert_eq!(c.buffered(MESSAGE_HAS_NEW_WITH_USER_TYPE_TEXT).len(), 1, "{}: the other flush", c.username);
        let services = [
            MESSAGE_STATUS_CHANGE_DELIVERED_WITH_USER,
            MESSAGE_STATUS_CHANGE_SEEN,
            MESSAGE_TYPING_WITH_USER,
            MESSAGE_TYPING_WITH_GROUP,
            MESSAGE_HAS_NEW_WITH_GROUP,
            ON_GROUP_CREATED,
        ];
        assert_none(c, &services);
    }
    // alice's node-3 session holds the echo of her first flush, and nothing else from her.
    let echoes = a3.buffered(MESSAGE_FROM_ME_WITH_USER);
    assert_eq!(echoes.iter().map(|e| e["msgId"].as_i64()).collect::<Vec<_>>(), vec![Some(100)]);
    for c in [&mut bob, &mut carol] {
        let services = [MESSAGE_HAS_NEW_WITH_USER_TYPE_TEXT, MESSAGE_HAS_NEW_WITH_GROUP, MESSAGE_TYPING_WITH_GROUP];
        assert_none(c, &services);
        assert_none(c, &[ON_GROUP_CREATED, MESSAGE_STATUS_CHANGE_DELIVERED_WITH_USER, MESSAGE_STATUS_CHANGE_SEEN]);
    }
    drop(cluster);
}

/// Asks `master` for a node (svc 29) as `username` would: the node's URL and the reply.
async fn discover(master: &str, username: &str) -> (String, Value) {
    let mut discovery = TestClient::connect(master).await.expect("connect to the master");
    discovery.send(Service::AUTHENTICATION_GET_SERVER_ADDR, &json!({"azStackUserId": username}));
    let addr = discovery.recv(Service::AUTHENTICATION_GET_SERVER_ADDR).await.expect("discovery");
    discovery.close();
    (format!("http://{}:{}", addr["ip"].as_str().unwrap_or_default(), addr["port"]), addr)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "cluster stage"]
async fn discovery_spreads_logins_over_the_live_nodes() {
    let Some(cluster) = Cluster::start("spread", 2).await else { return };
    // Every node knows the other two before the first hand-out: a client logged in on each sees the others.
    let _probes = cluster.one_per_node(["probe0", "probe1", "probe2"]).await;
    let master = cluster.master();
    let mut logins = tokio::task::JoinSet::new();
    let mut clients = Vec::new();
    let mut by_node: HashMap<String, usize> = HashMap::new();
    for n in 0..300 {
        let (master, app) = (master.clone(), cluster.app.clone());
        logins.spawn(async move {
            let (url, addr) = discover(&master, &format!("u{n}")).await;
            let mut client = TestClient::connect(&url).await.expect("connect to the node");
            let reply = client.authenticate(&app, &Login::engine(&format!("u{n}")), &addr).await.expect("login");
            assert!(reply["userId"].as_i64().is_some(), "login refused: {reply}");
            (url, client)
        });
        // At most 20 logins at once.
        while logins.len() >= 20 {
            let (url, client) = logins.join_next().await.expect("a login").expect("login task");
            *by_node.entry(url).or_default() += 1;
            clients.push(client);
        }
    }
    while let Some(done) = logins.join_next().await {
        let (url, client) = done.expect("login task");
        *by_node.entry(url).or_default() += 1;
        clients.push(client);
    }
    eprintln!("logins per node (the master is {master}): {by_node:?}");
    assert_eq!(by_node.len(), 3, "every node got logins: {by_node:?}");
    for (url, count) in &by_node {
        assert!(cluster.nodes.iter().any(|n| &n.url == url), "{url} is not a node");
        assert!((80..=120).contains(count), "{url} got {count} of 300 logins: {by_node:?}");
    }
    drop(clients);
    drop(cluster);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "cluster stage"]
async fn a_killed_node_is_no_longer_handed_out_and_its_users_go_offline() {
    let Some(mut cluster) = Cluster::start("dead", 3).await else { return };
    let mut alice = cluster.login(2, "alice").await;
    let mut bob = cluster.login(0, "bob").await;
    let (alice_id, bob_id) = (alice.user_id, bob.user_id);
    wait_online(&mut alice, &[alice_id, bob_id]).await;
    wait_online(&mut bob, &[alice_id, bob_id]).await;
    let master = cluster.master();
    let dead = cluster.nodes[0].url.clone();
    let mut handed: Vec<String> = Vec::new();
    for n in 0..6 {
        handed.push(discover(&master, &format!("before{n}")).await.0);
    }
    assert!(handed.contains(&dead), "node 1 is handed out while alive: {handed:?}");

    // SIGKILL: node 1 says nothing; its heartbeat expires.
    cluster.nodes[0].child.start_kill().expect("kill node 1");
    let _ = cluster.nodes[0].child.wait().await;
    wait_status(&mut alice, &[bob_id], 0).await;
    for n in 0..30 {
        let (url, _) = discover(&master, &format!("after{n}")).await;
        assert_ne!(url, dead, "a dead node was handed out");
    }
    // The living nodes still serve: bob logs in again through discovery and alice sees him online.
    let (url, addr) = discover(&master, "bob").await;
    let mut bob = TestClient::connect(&url).await.expect("connect");
    let reply = bob.authenticate(&cluster.app, &Login::engine("bob"), &addr).await.expect("login");
    assert_eq!(reply["userId"].as_i64(), Some(bob_id));
    wait_online(&mut alice, &[bob_id]).await;
    drop(cluster);
}

/// A redis-server of the test's own on a free port (the test kills or restarts it), killed when dropped.
struct OwnRedis {
    child: Child,
    port: u16,
    dir: tempfile::TempDir,
}

impl OwnRedis {
    async fn start() -> OwnRedis {
        let (dir, port) = (tempfile::tempdir().expect("temp dir"), free_port());
        OwnRedis { child: redis_server(port, dir.path()).await, port, dir }
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Kills it (SIGKILL: everything it held is lost).
    async fn kill(&mut self) {
        self.child.start_kill().expect("kill redis-server");
        let _ = self.child.wait().await;
    }

    /// Kills it and starts an empty one on the same port.
    async fn restart(&mut self) {
        self.kill().await;
        self.child = redis_server(self.port, self.dir.path()).await;
    }
}

impl Cluster {
    /// Three nodes on the stage's PostgreSQL and a Redis of the test's own, with `extra` as for
    /// [`Cluster::start_with`]; `None` when PostgreSQL is not configured (which fails under CI).
    async fn start_on_own_redis(name: &str, extra: &dyn Fn(usize) -> String) -> Option<(Cluster, OwnRedis)> {
        let Ok(postgres) = std::env::var(POSTGRES_ENV) else {
            assert!(std::env::var_os("CI").is_none(), "{POSTGRES_ENV} must be set under CI");
            return None;
        };
        let redis = OwnRedis::start().await;
        Some((Cluster::start_on(name, &postgres, &redis.url(), extra).await, redis))
    }
}

/// Starts redis-server on `port` with `dir` as its directory, and waits until it listens.
async fn redis_server(port: u16, dir: &Path) -> Child {
    let child = Command::new("redis-server")
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
        .arg("--dir")
        .arg(dir)
        .stdout(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn redis-server");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_err() {
        assert!(tokio::time::Instant::now() < deadline, "redis-server did not listen on {port}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    child
}

/// Sends texts from `from` to `to` until one arrives (each given a second), within `within`; returns its msgId.
async fn text_until_delivered(from: &mut TestClient, to: &mut TestClient, first_id: i64, within: Duration) -> i64 {
    let deadline = tokio::time::Instant::now() + within;
    for msg_id in first_id.. {
        assert!(tokio::time::Instant::now() < deadline, "no text from {} reached {}", from.username, to.username);
        assert_eq!(text(from, to.user_id, msg_id, "anyone there?").await["r"], 1);
        let wanted = |b: &Value| b["msgId"] == msg_id;
        let got = to.recv_where_within(Service::MESSAGE_HAS_NEW_WITH_USER_TYPE_TEXT, wanted, Duration::from_secs(1));
        if got.await.is_ok() {
            return msg_id;
        }
    }
    unreachable!()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "cluster stage"]
async fn the_nodes_survive_a_redis_restart() {
    let Some((cluster, mut redis)) = Cluster::start_on_own_redis("restart", &|_| String::new()).await else { return };
    let mut alice = cluster.login(0, "alice").await;
    let mut bob = cluster.login(1, "bob").await;
    let ids = [alice.user_id, bob.user_id];
    wait_online(&mut alice, &ids).await;
    wait_online(&mut bob, &ids).await;
    text_until_delivered(&mut alice, &mut bob, 1, Duration::from_secs(5)).await;

    // Redis dies with everything it held (no persistence) and comes back empty on the same port.
    redis.restart().await;

    // The nodes reconnect and resubscribe: pushes cross nodes again, both ways, ...
    let last = text_until_delivered(&mut alice, &mut bob, 100, Duration::from_secs(20)).await;
    text_until_delivered(&mut bob, &mut alice, last + 1, Duration::from_secs(10)).await;
    // ... the users stored again are online for a node that logs in after the restart, and reach it.
    let mut carol = cluster.login(2, "carol").await;
    wait_online(&mut carol, &ids).await;
    text_until_delivered(&mut carol, &mut alice, 1000, Duration::from_secs(10)).await;
    drop(cluster);
}

/// How a node leaves in the middle of the stream.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Loss {
    /// SIGKILL: it says nothing, its heartbeat expires.
    Kill,
    /// SIGTERM: it drains.
    Term,
}

/// A client that sends numbered texts to one peer as the engine's outbox does: each until acked, reconnecting
/// through discovery when its node goes away and resending the unacked one with the same msgId (§12 D7).
struct Sender {
    client: TestClient,
    url: String,
    /// The msgIds of the texts received live, on every socket this user had.
    live: Vec<i64>,
}

impl Sender {
    /// Sends `msg_id` to `to` until it is acked; returns whether the client had to reconnect for it.
    async fn send_acked(&mut self, cluster: &Cluster, to: i64, msg_id: i64) -> bool {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        let mut reconnected = false;
        loop {
            assert!(tokio::time::Instant::now() < deadline, "{} never got msgId {msg_id} acked", self.client.username);
            let body = json!({"msgId": msg_id, "to": to, "msg": format!("m{msg_id}")});
            self.client.send(Service::MESSAGE_NEW_WITH_USER_TYPE_TEXT, &body);
            let acked = |b: &Value| b["msgId"] == msg_id && b.get("r").is_some();
            let ack =
                self.client.recv_where_within(Service::MESSAGE_NEW_WITH_USER_TYPE_TEXT, acked, Duration::from_secs(2));
            match ack.await {
                Ok(ack) => {
                    assert_eq!(ack["r"], 1, "{msg_id} refused: {ack}");
                    return reconnected;
                }
                Err(_) => {
                    self.reconnect(cluster).await;
                    reconnected = true;
                }
            }
        }
    }

    /// Keeps what the lost socket received live, then logs in again on the node discovery hands out.
    async fn reconnect(&mut self, cluster: &Cluster) {
        self.collect();
        let username = self.client.username.clone();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        loop {
            assert!(tokio::time::Instant::now() < deadline, "{username} could not log in again");
            let (url, addr) = discover(&cluster.master(), &username).await;
            if let Ok(mut client) = TestClient::connect(&url).await
                && let Ok(reply) = client.authenticate(&cluster.app, &Login::engine(&username), &addr).await
                && reply["userId"].as_i64().is_some()
            {
                self.client = client;
                self.url = url;
                return;
            }
            // The node handed out is gone (a SIGKILLed node stays in the table until its heartbeat expires).
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Moves the texts received live on the current socket into `live`.
    fn collect(&mut self) {
        let got = self.client.buffered(Service::MESSAGE_HAS_NEW_WITH_USER_TYPE_TEXT);
        self.live.extend(got.iter().filter_map(|b| b["msgId"].as_i64()));
        self.client.clear();
    }
}

/// The msgIds `sender` sent in `reader`'s 1:1 history with it, as the store holds them.
async fn stored_from(reader: &mut TestClient, sender: i64) -> Vec<i64> {
    let items = super::chat_support::full_history(reader, 1, sender).await;
    items.iter().filter(|m| m["senderId"] == sender).filter_map(|m| m["msgId"].as_i64()).collect()
}

/// Asserts that every msgId of `acked` is stored exactly once, and that nothing was received live twice.
fn assert_once(what: &str, acked: &[i64], stored: &[i64], live: &[i64]) {
    let mut counts: HashMap<i64, usize> = HashMap::new();
    for id in stored {
        *counts.entry(*id).or_default() += 1;
    }
    for id in acked {
        assert_eq!(counts.get(id), Some(&1), "{what}: acked msgId {id} stored {:?} times", counts.get(id));
    }
    assert!(counts.values().all(|n| *n == 1), "{what}: a duplicate in the store: {stored:?}");
    let mut seen = std::collections::HashSet::new();
    for id in live {
        assert!(seen.insert(*id), "{what}: msgId {id} delivered live twice");
        assert!(counts.contains_key(id), "{what}: msgId {id} delivered live but not stored");
    }
}

/// alice on node 1 and bob on node 2 exchange numbered acked texts; node 1 goes away (`loss`) in the middle; alice
/// rediscovers, logs in on another node and carries on. Every acked text is stored exactly once, none is received
/// live twice, and alice ends on another node.
async fn stream_across_a_node_loss(name: &str, redis_db: u32, loss: Loss) {
    let Some(mut cluster) = Cluster::start(name, redis_db).await else { return };
    let mut alice = Sender { client: cluster.login(0, "alice").await, url: cluster.nodes[0].url.clone(), live: vec![] };
    let mut bob = Sender { client: cluster.login(1, "bob").await, url: cluster.nodes[1].url.clone(), live: vec![] };
    let (alice_id, bob_id) = (alice.client.user_id, bob.client.user_id);
    wait_online(&mut alice.client, &[alice_id, bob_id]).await;
    wait_online(&mut bob.client, &[alice_id, bob_id]).await;
    const N: i64 = 40;
    let (mut from_alice, mut from_bob) = (Vec::new(), Vec::new());
    let mut alice_moved = false;
    for i in 1..=N {
        if i == N / 2 {
            let pid = cluster.nodes[0].child.id().expect("node 1 runs");
            let signal = if loss == Loss::Kill { "-KILL" } else { "-TERM" };
            let sent = std::process::Command::new("kill").arg(signal).arg(pid.to_string()).status();
            assert!(sent.is_ok_and(|s| s.success()), "kill {signal} {pid}");
            // In flight at the signal: alice's next text, sent without waiting.
        }
        alice_moved |= alice.send_acked(&cluster, bob_id, 1000 + i).await;
        from_alice.push(1000 + i);
        bob.send_acked(&cluster, alice_id, 2000 + i).await;
        from_bob.push(2000 + i);
    }
    let status = tokio::time::timeout(Duration::from_secs(20), cluster.nodes[0].child.wait()).await;
    let status = status.expect("node 1 exits").expect("node 1 status");
    if loss == Loss::Term {
        assert!(status.success(), "a drained node exits 0: {status}");
    }
    assert!(alice_moved, "alice's socket on node 1 was closed");
    assert_ne!(alice.url, cluster.nodes[0].url, "alice is on another node");
    assert!(cluster.nodes[1..].iter().any(|n| n.url == alice.url), "{} is a living node", alice.url);
    // Whatever the new nodes still had in flight has arrived once each has answered a later request.
    alice.client.barrier().await;
    bob.client.barrier().await;
    alice.collect();
    bob.collect();
    let stored = stored_from(&mut bob.client, alice_id).await;
    assert_once("alice → bob", &from_alice, &stored, &bob.live);
    let stored = stored_from(&mut alice.client, bob_id).await;
    assert_once("bob → alice", &from_bob, &stored, &alice.live);
    drop(cluster);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "cluster stage"]
async fn a_node_killed_mid_stream_loses_and_duplicates_no_acked_message() {
    stream_across_a_node_loss("kill9", 4, Loss::Kill).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "cluster stage"]
async fn a_sigterm_drains_the_node_mid_stream_losing_and_duplicating_nothing() {
    stream_across_a_node_loss("drain", 5, Loss::Term).await;
}
