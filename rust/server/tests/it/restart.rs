//! Durability across a crash: the real `azstack-server dev` binary is killed with SIGKILL right after acknowledging
//! a burst of messages (while more are in flight), restarted on the same data directory, and every acknowledged
//! message must be there exactly once; resends after the restart are re-acknowledged with their original time and
//! never stored or delivered twice (D7).

use crate::chat_support;

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use azstack_protocol::Service;
use azstack_server::store::apps::AppRow;
use azstack_server::testkit::{Login, TestClient};
use chat_support::{full_history, msg_ids, text};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// A `dev` server running as a child process.
struct Dev {
    child: Child,
    url: String,
    app: AppRow,
}

/// Starts `azstack-server dev --port 0 --data DIR` and waits for its `listening on` line.
async fn start_dev(data: &Path) -> Dev {
    let mut child = Command::new(env!("CARGO_BIN_EXE_azstack-server"))
        .arg("dev")
        .args(["--port", "0", "--data"])
        .arg(data)
        .stdout(Stdio::piped())
        .stderr(std::fs::OpenOptions::new().create(true).append(true).open(data.join("server.log")).unwrap())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn azstack-server");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let url = tokio::time::timeout(Duration::from_secs(60), async {
        while let Some(line) = lines.next_line().await.expect("read stdout") {
            if let Some(url) = line.strip_prefix("listening on ") {
                return url.trim().to_owned();
            }
        }
        panic!("azstack-server exited before listening");
    })
    .await
    .expect("azstack-server did not start in time");
    // Keep draining stdout so the server never writes into a closed pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    let info: Value = serde_json::from_str(&std::fs::read_to_string(data.join("dev-app.json")).unwrap()).unwrap();
    let app = AppRow {
        id: info["appId"].as_str().unwrap().to_owned(),
        name: "dev".into(),
        public_key: info["publicKey"].as_str().unwrap().to_owned(),
        private_key: String::new(),
    };
    Dev { child, url, app }
}

/// What the server wrote to stderr (kept in its data directory).
fn server_log(data: &Path) -> String {
    std::fs::read_to_string(data.join("server.log")).unwrap_or_default()
}

async fn login(dev: &Dev, name: &str) -> TestClient {
    TestClient::login(&dev.url, &dev.app, &Login::engine(name)).await.expect("login")
}

fn send_text(c: &TestClient, to: i64, msg_id: i64) {
    c.send(Service::MESSAGE_NEW_WITH_USER_TYPE_TEXT, &json!({"msgId": msg_id, "to": to, "msg": format!("m{msg_id}")}));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_messages_survive_a_crash_exactly_once() {
    const ACKED: i64 = 300;
    const IN_FLIGHT: i64 = 50;
    let dir = tempfile::tempdir().unwrap();

    let mut dev = start_dev(dir.path()).await;
    let mut alice = login(&dev, "alice").await;
    let bob = login(&dev, "bob").await;
    let bob_id = bob.user_id;
    for msg_id in 1..=ACKED {
        send_text(&alice, bob_id, msg_id);
    }
    let mut times = HashMap::new();
    while times.len() < ACKED as usize {
        let ack = match alice.recv(Service::MESSAGE_NEW_WITH_USER_TYPE_TEXT).await {
            Ok(ack) => ack,
            Err(e) => panic!("ack {} missing: {e:?}; server log:\n{}", times.len(), server_log(dir.path())),
        };
        assert_eq!(ack["r"], 1, "{ack}");
        let previous = times.insert(ack["msgId"].as_i64().unwrap(), ack["time"].as_i64().unwrap());
        assert!(previous.is_none(), "acked twice: {ack}");
    }
    // More messages on their way while the process dies.
    for msg_id in ACKED + 1..=ACKED + IN_FLIGHT {
        send_text(&alice, bob_id, msg_id);
    }
    dev.child.kill().await.expect("SIGKILL");
    drop((alice, bob));

    let dev = start_dev(dir.path()).await;
    let mut alice = login(&dev, "alice").await;
    let mut bob = login(&dev, "bob").await;
    assert_eq!(bob.user_id, bob_id);

    let stored = full_history(&mut bob, 1, alice.user_id).await;
    let ids = msg_ids(&stored);
    let unique: HashSet<i64> = ids.iter().copied().collect();
    assert_eq!(unique.len(), ids.len(), "a message was stored twice");
    for (msg_id, time) in &times {
        let item = stored.iter().find(|m| m["msgId"] == *msg_id).unwrap_or_else(|| panic!("acked {msg_id} lost"));
        assert_eq!(item["created"], *time);
        assert_eq!(item["msg"], format!("m{msg_id}"));
    }
    assert!(ids.iter().all(|id| (1..=ACKED + IN_FLIGHT).contains(id)));

    // Resends: acknowledged ones get their original time back; the in-flight ones are stored now if they were not.
    for msg_id in [1, ACKED / 2, ACKED] {
        let ack = text(&mut alice, bob_id, msg_id, &format!("m{msg_id}")).await;
        assert_eq!(ack, json!({"r": 1, "msgId": msg_id, "from": bob_id, "to": bob_id, "time": times[&msg_id]}));
    }
    for msg_id in ACKED + 1..=ACKED + IN_FLIGHT {
        let ack = text(&mut alice, bob_id, msg_id, &format!("m{msg_id}")).await;
        assert_eq!(ack["r"], 1);
    }
    bob.barrier().await;
    let delivered: HashSet<i64> = bob
        .buffered(Service::MESSAGE_HAS_NEW_WITH_USER_TYPE_TEXT)
        .iter()
        .map(|b| b["msgId"].as_i64().unwrap())
        .collect();
    let expected_new: HashSet<i64> = (ACKED + 1..=ACKED + IN_FLIGHT).filter(|id| !unique.contains(id)).collect();
    assert_eq!(delivered, expected_new, "only messages stored for the first time are delivered");

    let after = msg_ids(&full_history(&mut bob, 1, alice.user_id).await);
    assert_eq!(after.len(), (ACKED + IN_FLIGHT) as usize);
    assert_eq!(after.iter().copied().collect::<HashSet<_>>().len(), after.len());
}
