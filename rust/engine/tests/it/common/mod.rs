//! Shared helpers for the engine's integration tests: engines logged in to a real server on 127.0.0.1, events read
//! with deadlines, and a real `azstack-server dev` process that tests can stop, kill and restart.
#![allow(dead_code)]

use std::collections::VecDeque;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use azstack_engine::{ApiError, ChannelSink, Engine, Event};
use serde_json::{Value, json};
use tokio::sync::mpsc;

/// How long a test waits for something that should happen.
pub const DEADLINE: Duration = Duration::from_secs(10);

/// Where and as which application to connect.
#[derive(Clone, Debug)]
pub struct Target {
    pub url: String,
    pub app_id: String,
    pub public_key: String,
}

impl Target {
    pub fn of(server: &azstack_server::testkit::TestServer) -> Target {
        Target { url: server.url(), app_id: server.app.id.clone(), public_key: server.app.public_key.clone() }
    }

    /// Constructor options for `username`, merged with `extra`.
    pub fn options(&self, username: &str, extra: Value) -> Value {
        let mut options = json!({
            "masterSocketUri": self.url,
            "authenticatingData": {
                "appId": self.app_id, "publicKey": self.public_key, "azStackUserId": username,
                "userCredentials": "", "fullname": format!("{username} (test)"), "namespace": ""
            }
        });
        if let (Some(o), Value::Object(extra)) = (options.as_object_mut(), extra) {
            o.extend(extra);
        }
        options
    }
}

/// One engine and the events it reported.
pub struct Peer {
    pub engine: Engine,
    pub user_id: i64,
    events: mpsc::UnboundedReceiver<Event>,
    buffer: VecDeque<Event>,
    /// Every event received so far, in arrival order: `(delegate, error is set, when)`.
    pub history: Vec<(&'static str, bool, std::time::Instant)>,
}

impl Peer {
    /// An engine for `username` (not connected).
    pub fn new(target: &Target, username: &str, extra: Value) -> Peer {
        let (tx, events) = mpsc::unbounded_channel();
        let engine = Engine::from_json(&target.options(username, extra), Arc::new(ChannelSink(tx)));
        Peer { engine, user_id: 0, events, buffer: VecDeque::new(), history: Vec::new() }
    }

    /// A connected engine for `username`.
    pub async fn login(target: &Target, username: &str) -> Peer {
        Peer::login_with(target, username, json!({})).await
    }

    pub async fn login_with(target: &Target, username: &str, extra: Value) -> Peer {
        let mut peer = Peer::new(target, username, extra);
        let user = peer.ok("connect", Value::Null).await;
        peer.user_id = user["userId"].as_i64().expect("userId");
        peer
    }

    pub async fn call(&self, method: &str, params: Value) -> Result<Value, ApiError> {
        self.engine.dispatch(method, params).await
    }

    /// Calls `method` and expects success.
    pub async fn ok(&self, method: &str, params: Value) -> Value {
        match tokio::time::timeout(DEADLINE, self.call(method, params.clone())).await {
            Ok(Ok(v)) => v,
            Ok(Err(e)) => panic!("{method}({params}) failed: {e:?}"),
            Err(_) => panic!("{method}({params}) did not settle within {DEADLINE:?}"),
        }
    }

    /// Calls `method` and expects an error; returns `(code, message)`.
    pub async fn err(&self, method: &str, params: Value) -> (String, String) {
        match tokio::time::timeout(DEADLINE, self.call(method, params.clone())).await {
            Ok(Ok(v)) => panic!("{method}({params}) succeeded with {v}, expected an error"),
            Ok(Err(e)) => (e.code.as_str().to_owned(), e.message),
            Err(_) => panic!("{method}({params}) did not settle within {DEADLINE:?}"),
        }
    }

    /// The next event for `delegate` whose `(error, result)` satisfies `pred` (others stay buffered).
    pub async fn event_where(&mut self, delegate: &str, pred: impl Fn(&Value, &Value) -> bool) -> (Value, Value) {
        let matches = |e: &Event| {
            let (error, result) = e.payload();
            e.delegate() == delegate && pred(&error, &result)
        };
        if let Some(i) = self.buffer.iter().position(matches) {
            return self.buffer.remove(i).map(|e| e.payload()).unwrap_or_default();
        }
        let deadline = tokio::time::Instant::now() + DEADLINE;
        loop {
            let next = tokio::time::timeout_at(deadline, self.events.recv()).await;
            if let Ok(Some(e)) = &next {
                self.record(e);
            }
            match next {
                Ok(Some(e)) if matches(&e) => return e.payload(),
                Ok(Some(e)) => self.buffer.push_back(e),
                Ok(None) => panic!("event channel closed while waiting for {delegate}"),
                Err(_) => panic!("no {delegate} within {DEADLINE:?}; buffered: {:?}", self.delegates()),
            }
        }
    }

    /// The result of the next `delegate` event.
    pub async fn event(&mut self, delegate: &str) -> Value {
        self.event_where(delegate, |_, _| true).await.1
    }

    /// Delegate names of everything buffered so far (drains the channel into the buffer first).
    pub fn delegates(&mut self) -> Vec<&'static str> {
        while let Ok(e) = self.events.try_recv() {
            self.record(&e);
            self.buffer.push_back(e);
        }
        self.buffer.iter().map(Event::delegate).collect()
    }

    /// Buffered events of `delegate` (after draining the channel).
    pub fn buffered(&mut self, delegate: &str) -> Vec<Value> {
        self.delegates();
        self.buffer.iter().filter(|e| e.delegate() == delegate).map(|e| e.payload().1).collect()
    }

    fn record(&mut self, e: &Event) {
        self.history.push((e.delegate(), !e.payload().0.is_null(), std::time::Instant::now()));
    }

    /// The delegate names of [`Peer::history`], errors marked with a trailing `!`.
    pub fn history_names(&self) -> Vec<String> {
        self.history.iter().map(|(d, err, _)| if *err { format!("{d}!") } else { (*d).to_owned() }).collect()
    }

    pub fn clear(&mut self) {
        self.delegates();
        self.buffer.clear();
    }

    /// A round trip to the server: everything the server sent this engine before answering has arrived.
    pub async fn barrier(&self) {
        self.ok("getUsersInformation", json!({"userIds": [self.user_id]})).await;
    }
}

/// A real `azstack-server dev` process.
pub struct ServerProcess {
    child: Option<Child>,
    pub data: tempfile::TempDir,
    pub target: Target,
    pub port: u16,
}

/// The server binary: `AZSTACK_SERVER_BIN`, or `azstack-server` next to this test's target directory (built by
/// `cargo test --workspace` and by `scripts/test`).
pub fn server_binary() -> PathBuf {
    if let Some(bin) = std::env::var_os("AZSTACK_SERVER_BIN") {
        return PathBuf::from(bin);
    }
    let exe = std::env::current_exe().expect("test executable path");
    let dir = exe.parent().and_then(Path::parent).expect("target directory");
    let bin = dir.join("azstack-server");
    assert!(bin.exists(), "{} not found: run `cargo build -p azstack-server` first", bin.display());
    bin
}

impl ServerProcess {
    /// Starts a dev server on a free port.
    pub fn start() -> ServerProcess {
        let data = tempfile::tempdir().expect("temp dir");
        let (child, url) = spawn(0, data.path());
        let port = url.rsplit(':').next().and_then(|p| p.parse().ok()).expect("port in the server URL");
        let app: Value =
            serde_json::from_str(&std::fs::read_to_string(data.path().join("dev-app.json")).expect("dev-app.json"))
                .expect("dev-app.json is JSON");
        let target = Target {
            url,
            app_id: app["appId"].as_str().expect("appId").to_owned(),
            public_key: app["publicKey"].as_str().expect("publicKey").to_owned(),
        };
        ServerProcess { child: Some(child), data, target, port }
    }

    fn pid(&self) -> i32 {
        self.child.as_ref().map(|c| c.id() as i32).expect("server running")
    }

    /// SIGKILL: the process dies without closing anything.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// SIGSTOP / SIGCONT: the server stops answering while its sockets stay open. Returns once every thread of
    /// the process is stopped (the signal is asynchronous).
    pub fn pause(&self) {
        let pid = self.pid();
        signal(pid, "STOP");
        let deadline = std::time::Instant::now() + DEADLINE;
        while !all_threads_stopped(pid) {
            assert!(std::time::Instant::now() < deadline, "azstack-server did not stop");
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    pub fn resume(&self) {
        signal(self.pid(), "CONT");
    }

    /// Starts the server again on the same port and data directory (after [`ServerProcess::kill`]).
    pub fn restart(&mut self) {
        assert!(self.child.is_none(), "restart after kill");
        let (child, _) = spawn(self.port, self.data.path());
        self.child = Some(child);
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        if self.child.is_some() {
            self.resume();
        }
        self.kill();
    }
}

/// Whether every thread of `pid` is in state `T` (stopped), per `/proc/PID/task/*/stat`.
fn all_threads_stopped(pid: i32) -> bool {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else { return false };
    tasks.flatten().all(|task| {
        std::fs::read_to_string(task.path().join("stat"))
            .ok()
            .and_then(|stat| stat.rsplit_once(')').map(|(_, rest)| rest.trim_start().starts_with('T')))
            .unwrap_or(false)
    })
}

fn signal(pid: i32, name: &str) {
    let status = Command::new("kill").arg(format!("-{name}")).arg(pid.to_string()).status().expect("kill(1)");
    assert!(status.success(), "kill -{name} {pid} failed");
}

/// Spawns `azstack-server dev` and waits (bounded) for its `listening on URL` line.
fn spawn(port: u16, data: &Path) -> (Child, String) {
    let mut child = Command::new(server_binary())
        .args(["dev", "--port", &port.to_string(), "--data"])
        .arg(data)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start azstack-server");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(url) = line.strip_prefix("listening on ") {
                let _ = tx.send(url.trim().to_owned());
            }
        }
    });
    let url = rx.recv_timeout(Duration::from_secs(60)).expect("azstack-server printed no 'listening on' line");
    (child, url)
}
