//! The server under attack: the real `azstack-server` binary as a child process (`app create`, then `serve` with a
//! generated TOML whose `[limits]` are small), with its memory read from `/proc`, its counters from its admin
//! listener, and the legitimate users and raw sockets the attacks need.
//!
//! A child process, not an in-process server, because the attacks are about the process: its open-file limit (set
//! in the child before `exec`, see [`Server::start_with_nofile`]), its resident memory, whether it is still up.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use azstack_protocol::Service;
use azstack_server::store::apps::AppRow;
use azstack_server::testkit::{ClientError, Login, TestClient};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The generous bound on a legitimate user's message round trip while an attack runs.
pub const ROUND_TRIP_BOUND: Duration = Duration::from_secs(5);

/// A running `azstack-server serve` child, killed when dropped.
pub struct Server {
    child: Child,
    /// `http://127.0.0.1:PORT`, the clients' listener.
    pub url: String,
    /// `127.0.0.1:PORT`.
    pub addr: String,
    /// `http://127.0.0.1:PORT/metrics` on the admin listener.
    pub metrics_url: String,
    pub app: AppRow,
    _dir: tempfile::TempDir,
}

fn binary() -> &'static str {
    env!("CARGO_BIN_EXE_azstack-server")
}

impl Server {
    /// Starts a dev-mode server (every login accepted) whose `[limits]` table is `limits` (TOML lines).
    pub fn start(limits: &str) -> Server {
        Server::start_with_nofile(limits, None)
    }

    /// As [`Server::start`], with the child's open-file limit (soft and hard) set to `nofile` before it starts.
    pub fn start_with_nofile(limits: &str, nofile: Option<u64>) -> Server {
        let dir = tempfile::tempdir().expect("temp dir");
        let config = dir.path().join("azstack.toml");
        let db = dir.path().join("azstack.db");
        let text = format!(
            "listen = \"127.0.0.1:0\"\ndatabase = \"sqlite://{}\"\ndev = true\n\n[admin]\nlisten = \"127.0.0.1:0\"\n\n[limits]\n{limits}\n",
            db.display()
        );
        std::fs::write(&config, text).expect("write config");
        let created = Command::new(binary())
            .args(["app", "create", "--name", "abuse", "--show-private-key", "--config"])
            .arg(&config)
            .output()
            .expect("run app create");
        assert!(created.status.success(), "app create: {}", String::from_utf8_lossy(&created.stderr));
        let out = String::from_utf8_lossy(&created.stdout).to_string();
        let field = |name: &str| {
            out.lines().find_map(|l| l.strip_prefix(name)).map(|v| v.trim().to_owned()).expect("app create output")
        };
        let app = AppRow {
            id: field("appId:"),
            name: "abuse".into(),
            public_key: field("publicKey:"),
            private_key: field("privateKey:"),
        };
        let mut command = Command::new(binary());
        command
            .args(["serve", "--config"])
            .arg(&config)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::from(std::fs::File::create(dir.path().join("server.log")).expect("log file")));
        if let Some(n) = nofile {
            set_nofile(&mut command, n);
        }
        let mut child = command.spawn().expect("spawn azstack-server");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let (mut url, mut metrics_url) = (None, None);
        while url.is_none() || metrics_url.is_none() {
            let Some(Ok(line)) = lines.next() else { panic!("the server exited before listening") };
            if let Some(u) = line.strip_prefix("listening on ") {
                url = Some(u.to_owned());
            } else if let Some(m) = line.strip_prefix("metrics on ") {
                metrics_url = Some(m.to_owned());
            }
        }
        let url = url.unwrap_or_default();
        let addr = url.trim_start_matches("http://").to_owned();
        Server { child, url, addr, metrics_url: metrics_url.unwrap_or_default(), app, _dir: dir }
    }

    /// The child's resident memory, KiB (`VmRSS`).
    pub fn rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap_or_default();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    }

    /// Still running (not exited)?
    pub fn is_up(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// A counter or gauge from `/metrics` (0 when absent).
    pub async fn metric(&self, name: &str) -> u64 {
        let addr = self.metrics_url.trim_start_matches("http://").trim_end_matches("/metrics").to_owned();
        let text = http_get(&addr, "/metrics").await.unwrap_or_default();
        text.lines()
            .find_map(|l| l.strip_prefix(name).and_then(|rest| rest.strip_prefix(' ')))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0)
    }

    /// Waits until `name` reaches at least `at_least` (deadline 20 s); returns its last value.
    pub async fn wait_metric(&self, name: &str, at_least: u64) -> u64 {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let value = self.metric(name).await;
            if value >= at_least || Instant::now() > deadline {
                return value;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// `GET /healthz` on the clients' listener: the status line's code.
    pub async fn healthz(&self) -> Option<u16> {
        let response = http_get(&self.addr, "/healthz").await?;
        response.split_whitespace().nth(1).and_then(|c| c.parse().ok())
    }

    /// Logs `username` in (discovery, then authenticate on a second socket).
    pub async fn login(&self, username: &str) -> Result<TestClient, ClientError> {
        TestClient::login(&self.url, &self.app, &Login::engine(username)).await
    }

    /// A pair of legitimate users logged in before the attack, to chat during and after it.
    pub async fn chatters(&self) -> Chatters {
        let alice = self.login("legit-alice").await.expect("alice logs in");
        let bob = self.login("legit-bob").await.expect("bob logs in");
        Chatters { alice, bob, next: 1 }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[cfg(unix)]
fn set_nofile(command: &mut Command, n: u64) {
    use std::os::unix::process::CommandExt;
    // SAFETY: setrlimit is async-signal-safe; the closure allocates nothing.
    unsafe {
        command.pre_exec(move || {
            let limit = libc::rlimit { rlim_cur: n as libc::rlim_t, rlim_max: n as libc::rlim_t };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
}

/// Two legitimate users who keep chatting.
pub struct Chatters {
    pub alice: TestClient,
    pub bob: TestClient,
    next: i64,
}

impl Chatters {
    /// Alice sends Bob a text; returns the time until Bob has it (panics past [`ROUND_TRIP_BOUND`]).
    pub async fn round_trip(&mut self) -> Duration {
        let msg_id = 7_000_000 + self.next;
        self.next += 1;
        let start = Instant::now();
        self.alice.send(
            Service::MESSAGE_NEW_WITH_USER_TYPE_TEXT,
            &json!({"msgId": msg_id, "to": self.bob.user_id, "msg": "still here"}),
        );
        let got = self
            .bob
            .recv_where_within(Service::MESSAGE_HAS_NEW_WITH_USER_TYPE_TEXT, |b| b["msgId"] == msg_id, ROUND_TRIP_BOUND)
            .await;
        assert!(got.is_ok(), "the legitimate user's message did not arrive within {ROUND_TRIP_BOUND:?}: {got:?}");
        self.bob.clear();
        self.alice.clear();
        start.elapsed()
    }
}

/// A plain `GET path` with `Connection: close`; the whole response.
pub async fn http_get(addr: &str, path: &str) -> Option<String> {
    let fetch = async {
        let mut stream = TcpStream::connect(addr).await.ok()?;
        let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
        stream.write_all(request.as_bytes()).await.ok()?;
        let mut body = Vec::new();
        stream.read_to_end(&mut body).await.ok()?;
        Some(String::from_utf8_lossy(&body).into_owned())
    };
    tokio::time::timeout(Duration::from_secs(10), fetch).await.ok().flatten()
}

/// Waits until the server closes `stream` (a read returns end of file or an error) within `within`.
pub async fn closed_within(stream: &mut TcpStream, within: Duration) -> bool {
    let mut buf = [0u8; 4096];
    let deadline = tokio::time::Instant::now() + within;
    loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return true,
            Ok(Ok(_)) => continue,
            Err(_) => return false,
        }
    }
}

/// Waits until the server closes `client`'s socket within `within` (packets that arrive meanwhile are dropped).
pub async fn client_closed_within(client: &mut TestClient, within: Duration) -> bool {
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        match client.recv_within(Service::PING, Duration::from_millis(200)).await {
            Err(ClientError::Closed) => return true,
            _ => client.clear(),
        }
    }
    false
}

/// A WebSocket that has completed the Engine.IO 4 open and the Socket.IO connect and then logs in, and after that
/// never reads again: a consumer that stops reading.
///
/// A login on a fresh socket has been seen closed with an Engine.IO close and no 162, about once in six runs of the
/// stage, while other sessions of the same user sat stalled (cause not found yet): such an attempt is reported on
/// stderr and made again, at most three times.
pub async fn logged_in_non_reader(server: &Server, username: &str) -> TcpStream {
    let mut failures = Vec::new();
    for _ in 0..3 {
        match try_logged_in_non_reader(server, username).await {
            Ok(stream) => return stream,
            Err(seen) => {
                eprintln!("a non-reading session's login was closed before its 162; frames: {seen:?}");
                failures.push(seen);
            }
        }
    }
    panic!("no 162 for the non-reading session in three attempts; frames before each close: {failures:?}");
}

async fn try_logged_in_non_reader(server: &Server, username: &str) -> Result<TcpStream, Vec<String>> {
    let mut stream = TcpStream::connect(&server.addr).await.expect("connect");
    let key = "dGhlIHNhbXBsZSBub25jZQ==";
    let request = format!(
        "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: {}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n",
        server.addr
    );
    stream.write_all(request.as_bytes()).await.expect("upgrade request");
    read_until(&mut stream, b"\r\n\r\n").await;
    read_frame_text(&mut stream).await; // Engine.IO open `0{…}`
    write_text_frame(&mut stream, "40").await;
    read_frame_text(&mut stream).await; // Socket.IO connect `40{…}`
    let token = azstack_server::auth::encrypt_token(
        &server.app.public_key,
        &json!({"sdkVersion": "azstack-rs/test", "namespace": "", "azStackUserID": username, "userCredentials": ""})
            .to_string(),
    )
    .expect("token");
    let body = json!({"token": token, "fullname": username, "namespace": "", "appId": server.app.id,
        "sdkVersion": "azstack-rs/test", "platform": 1, "screenSize": "0x0"});
    let envelope = azstack_protocol::Envelope::new(Service::AUTHENTICATION_SEND_AUTHENTICATE, &body);
    let frame = format!("42{}", json!(["WebPacket", serde_json::to_value(&envelope).unwrap_or(Value::Null)]));
    write_text_frame(&mut stream, &frame).await;
    let mut seen = Vec::new();
    loop {
        let text = read_frame_text(&mut stream).await;
        if text.contains("\\\"userId\\\"") {
            return Ok(stream);
        }
        if text.is_empty() {
            return Err(seen);
        }
        seen.push(text);
    }
}

async fn read_until(stream: &mut TcpStream, end: &[u8]) {
    let mut got = Vec::new();
    let mut byte = [0u8; 1];
    while !got.ends_with(end) {
        match stream.read(&mut byte).await {
            Ok(1) => got.push(byte[0]),
            _ => return,
        }
    }
}

/// Reads one WebSocket frame (server frames are unmasked) and returns its payload as text.
async fn read_frame_text(stream: &mut TcpStream) -> String {
    let mut head = [0u8; 2];
    if stream.read_exact(&mut head).await.is_err() {
        return String::new();
    }
    let len = match head[1] & 0x7f {
        126 => {
            let mut b = [0u8; 2];
            let _ = stream.read_exact(&mut b).await;
            u64::from(u16::from_be_bytes(b))
        }
        127 => {
            let mut b = [0u8; 8];
            let _ = stream.read_exact(&mut b).await;
            u64::from_be_bytes(b)
        }
        n => u64::from(n),
    };
    let mut payload = vec![0u8; len as usize];
    let _ = stream.read_exact(&mut payload).await;
    String::from_utf8_lossy(&payload).into_owned()
}

/// Writes one masked WebSocket text frame.
pub async fn write_text_frame(stream: &mut TcpStream, text: &str) {
    write_frame(stream, 0x1, text.as_bytes()).await;
}

/// Writes one masked WebSocket frame of `opcode` (1 text, 2 binary).
pub async fn write_frame(stream: &mut TcpStream, opcode: u8, payload: &[u8]) {
    let mut frame = vec![0x80 | opcode];
    let len = payload.len();
    if len < 126 {
        frame.push(0x80 | len as u8);
    } else if len < 65536 {
        frame.push(0x80 | 126);
        frame.extend_from_slice(&(len as u16).to_be_bytes());
    } else {
        frame.push(0x80 | 127);
        frame.extend_from_slice(&(len as u64).to_be_bytes());
    }
    let mask = [0x12u8, 0x34, 0x56, 0x78];
    frame.extend_from_slice(&mask);
    frame.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
    let _ = stream.write_all(&frame).await;
}

/// A raw WebSocket that has completed the Engine.IO open and the Socket.IO connect, for sending crafted frames.
pub async fn raw_socket(server: &Server) -> TcpStream {
    let mut stream = TcpStream::connect(&server.addr).await.expect("connect");
    let request = format!(
        "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: {}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
        server.addr
    );
    stream.write_all(request.as_bytes()).await.expect("upgrade request");
    read_until(&mut stream, b"\r\n\r\n").await;
    read_frame_text(&mut stream).await;
    write_text_frame(&mut stream, "40").await;
    read_frame_text(&mut stream).await;
    stream
}
