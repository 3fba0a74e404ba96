//! Abuse: logs. The server binary runs as deployed (its log on stderr, to a file here) while clients that never
//! log in flood it: tiny pings beyond the socket's queue (before: one WARN per dropped packet, 24.5 MB in 3 s) and
//! packets whose `service` is a 60 KB string (before: each quoted in full, 120 MB). Client-caused warnings are now
//! written once per cause and interval, with untrusted strings clipped, so the log stays small.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use azstack_protocol::Service;
use azstack_server::testkit::{DEADLINE, TestClient};
use serde_json::json;

/// The whole log of the run must stay under this (it holds a few start-up lines and one line per cause).
const LOG_BOUND: u64 = 64 * 1024;

struct Spawned {
    child: Child,
    url: String,
}

impl Drop for Spawned {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `azstack-server dev` on a free port, its stderr (the log) in `log`.
fn spawn(dir: &std::path::Path, log: &std::path::Path) -> Spawned {
    let mut child = Command::new(env!("CARGO_BIN_EXE_azstack-server"))
        .args(["dev", "--port", "0", "--data"])
        .arg(dir)
        .env("RUST_LOG", "info,sqlx=warn")
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(log).unwrap())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let line = BufReader::new(stdout).lines().map_while(Result::ok).find(|l| l.starts_with("listening on "));
    let url = line.expect("the server says where it listens").trim_start_matches("listening on ").to_owned();
    Spawned { child, url }
}

/// Sends discovery until it is answered: everything the socket sent before has been taken off its queue.
async fn drained(c: &mut TestClient, which: &str) {
    // Generous: a loaded machine may take a while to read the flood off the socket.
    let deadline = tokio::time::Instant::now() + DEADLINE * 6;
    while tokio::time::Instant::now() < deadline {
        c.send(Service::AUTHENTICATION_GET_SERVER_ADDR, &json!({}));
        if c.recv_within(Service::AUTHENTICATION_GET_SERVER_ADDR, Duration::from_secs(1)).await.is_ok() {
            return;
        }
    }
    panic!("the {which} socket's queue never drained");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "abuse stage"]
async fn floods_before_login_leave_the_log_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("server.log");
    let server = spawn(dir.path(), &log);

    let mut pinger = TestClient::connect(&server.url).await.unwrap();
    // Five times the socket's queue: most are dropped, each drop once a WARN line before.
    for _ in 0..5_000 {
        pinger.send(Service::PING, &json!({}));
    }
    let mut long_service = TestClient::connect(&server.url).await.unwrap();
    let service = "9".repeat(60 * 1024);
    for _ in 0..100 {
        long_service.send_event(&json!({"service": service, "body": "{}"}));
        long_service.send_event(&json!({"service": 99_999, "body": service}));
    }
    drained(&mut pinger, "pinging").await;
    drained(&mut long_service, "long-service").await;

    let size = std::fs::metadata(&log).unwrap().len();
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(size < LOG_BOUND, "the log grew to {size} bytes:\n{}", &text[..text.len().min(4000)]);
    assert!(text.lines().all(|l| l.len() < 1024), "a log line quotes a client's string in full");
}
