//! The server under test: a child process `azstack-server` on 127.0.0.1 with a fresh data directory.
//!
//! Two ways to start it:
//! * `dev --port 0 --data DIR`: the zero-setup server, default limits (what `connections` uses);
//! * `app create` + `serve --config FILE` with a generated TOML (`dev = true`, so every login is accepted) whose
//!   `[limits]` are relaxed, because the default per-session rate limit (200 packets/s, burst 1000) would otherwise
//!   measure the limiter rather than the server (what `messages` and `fanout` use unless told otherwise).
//!
//! With [`ServerOptions::shared`], the `serve` configuration points at a shared PostgreSQL database instead of SQLite
//! in the data directory, with an application created beforehand ([`create_shared_app`]) and, for a node of a
//! cluster, a `[cluster]` section (`nodes.rs` starts several such nodes).
//!
//! The process is only ever signalled by its own pid, and killed when dropped.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt};
use tokio::process::{Child, Command};

/// How long the server gets to print `listening on`.
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// Limits written into the generated configuration.
#[derive(Clone, Copy, Debug)]
pub struct Relaxed {
    pub packets_per_sec: u32,
    pub burst: u32,
    pub max_list: usize,
}

/// How to start the server.
#[derive(Clone, Debug)]
pub struct ServerOptions {
    pub binary: PathBuf,
    /// `None`: `dev` with default limits. `Some`: `serve` with these limits.
    pub relaxed: Option<Relaxed>,
    /// `RUST_LOG` of the child (its log goes to a file in the data directory).
    pub log_filter: String,
    /// `None`: SQLite in the data directory (and a new application). `Some`: a shared database (needs `relaxed`).
    pub shared: Option<Shared>,
}

/// A store shared with other processes, and the application already created in it.
#[derive(Clone, Debug)]
pub struct Shared {
    /// `postgres://…`.
    pub database: String,
    pub app: App,
    /// This server's `[cluster]` section, when it is a node of a cluster.
    pub cluster: Option<ClusterNode>,
}

/// The `[cluster]` of one node.
#[derive(Clone, Debug)]
pub struct ClusterNode {
    pub redis_url: String,
    pub node_id: String,
}

/// The application the bench logs in to.
#[derive(Clone, Debug)]
pub struct App {
    pub id: String,
    pub public_key: String,
}

/// A running server process.
pub struct Server {
    child: Child,
    pub pid: u32,
    /// `http://127.0.0.1:P`.
    pub url: String,
    /// `127.0.0.1:P` of the admin listener serving `/metrics`.
    metrics_addr: Option<String>,
    pub app: App,
    /// How it was started, for the report.
    pub mode: String,
    log_path: PathBuf,
    _dir: tempfile::TempDir,
}

/// Starts a server, runs `measure` against it and stops it, showing the end of its log when it died meanwhile.
pub async fn around<T>(
    opts: &ServerOptions,
    measure: impl AsyncFnOnce(&Server) -> Result<T, String>,
) -> Result<T, String> {
    let mut server = Server::start(opts).await?;
    let result = measure(&server).await;
    if result.is_err() && !server.alive() {
        eprintln!("the server process has exited; log:\n{}", server.log_tail(15));
    }
    server.stop().await;
    result
}

impl Server {
    pub async fn start(opts: &ServerOptions) -> Result<Server, String> {
        if !opts.binary.is_file() {
            return Err(format!(
                "server binary {} not found (build it with `cargo build --release -p azstack-server`, or pass --server PATH)",
                opts.binary.display()
            ));
        }
        let dir = tempfile::Builder::new().prefix("azstack-bench-").tempdir().map_err(|e| format!("temp dir: {e}"))?;
        let log_path = dir.path().join("server.log");
        let (mut command, app_from, mode) = match opts.relaxed {
            None => {
                let mut c = Command::new(&opts.binary);
                c.arg("dev").arg("--port").arg("0").arg("--data").arg(dir.path());
                (c, AppFrom::DevJson(dir.path().join("dev-app.json")), "dev (default limits)".to_owned())
            }
            Some(relaxed) => {
                let config = write_config(dir.path(), relaxed, opts.shared.as_ref())?;
                let app = match &opts.shared {
                    Some(shared) => shared.app.clone(),
                    None => create_app(&opts.binary, &config).await?,
                };
                let mut c = Command::new(&opts.binary);
                c.arg("serve").arg("--config").arg(&config);
                let store = match &opts.shared {
                    None => "SQLite",
                    Some(Shared { cluster: None, .. }) => "PostgreSQL",
                    Some(Shared { cluster: Some(_), .. }) => "PostgreSQL + [cluster]",
                };
                let mode = format!(
                    "serve ({store}), dev = true, limits packets_per_sec = {}, burst = {}, max_list = {}",
                    relaxed.packets_per_sec, relaxed.burst, relaxed.max_list
                );
                (c, AppFrom::Known(app), mode)
            }
        };
        let log = std::fs::File::create(&log_path).map_err(|e| format!("cannot create the server log: {e}"))?;
        command
            .env("RUST_LOG", &opts.log_filter)
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log))
            .kill_on_drop(true);
        let mut child = command.spawn().map_err(|e| format!("cannot start {}: {e}", opts.binary.display()))?;
        let pid = child.id().ok_or("the server exited at once")?;
        let Some(stdout) = child.stdout.take() else { return Err("no stdout from the server".into()) };
        let mut lines = tokio::io::BufReader::new(stdout).lines();
        // `listening on URL`, then `metrics on URL/metrics` (dev, and serve with `[admin]`).
        let started = tokio::time::timeout(START_TIMEOUT, async {
            let mut url = None;
            while let Ok(Some(line)) = lines.next_line().await {
                if let Some(u) = line.strip_prefix("listening on ") {
                    url = Some(u.trim().to_owned());
                } else if let Some(m) = line.strip_prefix("metrics on ") {
                    let addr = m.trim().trim_start_matches("http://").trim_end_matches("/metrics").to_owned();
                    return url.map(|u| (u, addr));
                }
            }
            None
        })
        .await;
        let (url, metrics_addr) = match started {
            Ok(Some((url, metrics))) => (url, Some(metrics)),
            Ok(None) => return Err(format!("the server exited before listening; log:\n{}", tail(&log_path, 20))),
            Err(_) => return Err(format!("the server did not print `listening on` within {START_TIMEOUT:?}")),
        };
        // Keep draining stdout so the child never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        if !url.starts_with("http://127.0.0.1:") {
            return Err(format!("the server listens on {url}; the bench only targets 127.0.0.1"));
        }
        let app = match app_from {
            AppFrom::Known(app) => app,
            AppFrom::DevJson(path) => read_dev_app(&path)?,
        };
        Ok(Server { child, pid, url, metrics_addr, app, mode, log_path, _dir: dir })
    }

    /// Resident set size of the server process, in KiB (`VmRSS` of /proc/PID/status).
    pub fn rss_kb(&self) -> Option<u64> {
        rss_kb_of(&format!("/proc/{}/status", self.pid))
    }

    /// CPU time (user + system) the server process has used so far, in seconds.
    pub fn cpu_secs(&self) -> Option<f64> {
        cpu_secs_of(&format!("/proc/{}/stat", self.pid))
    }

    /// A value from the server's `/metrics` page (on its admin listener).
    pub async fn metric(&self, name: &str) -> Option<f64> {
        let text = self.metrics_text().await?;
        text.lines().find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.trim().parse().ok())
    }

    /// The server's `/metrics` page (on its admin listener).
    pub async fn metrics_text(&self) -> Option<String> {
        let addr = self.metrics_addr.clone()?;
        let fetch = async move {
            let mut stream = tokio::net::TcpStream::connect(&addr).await.ok()?;
            let request = format!("GET /metrics HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
            stream.write_all(request.as_bytes()).await.ok()?;
            let mut text = String::new();
            stream.read_to_string(&mut text).await.ok()?;
            Some(text)
        };
        tokio::time::timeout(Duration::from_secs(5), fetch).await.ok()?
    }

    /// The last lines of the server's log, for error messages.
    pub fn log_tail(&self, lines: usize) -> String {
        tail(&self.log_path, lines)
    }

    /// Whether the process is still running.
    pub fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// SIGTERM, then a kill after 10 s.
    pub async fn stop(mut self) {
        if let Ok(pid) = i32::try_from(self.pid) {
            // SAFETY: kill(2) on the pid of our own child; no memory is involved.
            unsafe {
                libc::kill(pid, libc::SIGTERM);
            }
        }
        if tokio::time::timeout(Duration::from_secs(10), self.child.wait()).await.is_err() {
            let _ = self.child.kill().await;
        }
    }
}

enum AppFrom {
    DevJson(PathBuf),
    Known(App),
}

/// Resident set size from a /proc status file, in KiB.
pub fn rss_kb_of(path: &str) -> Option<u64> {
    let text = std::fs::read_to_string(path).ok()?;
    text.lines().find_map(|l| l.strip_prefix("VmRSS:")?.trim().strip_suffix("kB")?.trim().parse().ok())
}

/// User + system CPU seconds from a /proc stat file (fields 14 and 15).
pub fn cpu_secs_of(path: &str) -> Option<f64> {
    let text = std::fs::read_to_string(path).ok()?;
    // The command name may contain spaces and parentheses: fields are counted after the last ')'.
    let rest = &text[text.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    // SAFETY: sysconf has no preconditions.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    (ticks > 0).then(|| (utime + stime) as f64 / ticks as f64)
}

/// A TOML basic string (a JSON string literal is one).
fn toml_string(s: &str) -> Result<String, String> {
    serde_json::to_string(s).map_err(|e| e.to_string())
}

fn write_config(dir: &Path, relaxed: Relaxed, shared: Option<&Shared>) -> Result<PathBuf, String> {
    let db = match shared {
        Some(shared) => shared.database.clone(),
        None => format!("sqlite://{}", dir.join("azstack.db").display()),
    };
    // A node of a cluster hands out its own URL (svc 29), so its port is chosen here rather than by the kernel.
    let (listen, cluster) = match shared.and_then(|s| s.cluster.as_ref()) {
        None => ("127.0.0.1:0".to_owned(), String::new()),
        Some(node) => {
            let port = free_port()?;
            let section = format!(
                "\n[cluster]\nredis_url = {}\nnode_url = \"http://127.0.0.1:{port}\"\nnode_id = {}\n",
                toml_string(&node.redis_url)?,
                toml_string(&node.node_id)?
            );
            (format!("127.0.0.1:{port}"), section)
        }
    };
    let text = format!(
        "# Generated by azstack-bench.\nlisten = \"{listen}\"\ndatabase = {}\ndev = true\n\n[admin]\nlisten = \"127.0.0.1:0\"\n\n\
         [limits]\npackets_per_sec = {}\nburst = {}\nmax_list = {}\n{cluster}",
        toml_string(&db)?,
        relaxed.packets_per_sec,
        relaxed.burst,
        relaxed.max_list
    );
    let path = dir.join("bench.toml");
    std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(path)
}

/// A port free now on 127.0.0.1 (the server binds it right after).
fn free_port() -> Result<u16, String> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| format!("cannot find a free port: {e}"))?;
    listener.local_addr().map(|a| a.port()).map_err(|e| format!("cannot find a free port: {e}"))
}

/// Creates the application every server on the shared `database` logs its users in to (`app create` on a minimal
/// configuration naming that database, which also creates the schema).
pub async fn create_shared_app(binary: &Path, database: &str) -> Result<App, String> {
    let dir = tempfile::Builder::new().prefix("azstack-bench-app-").tempdir().map_err(|e| format!("temp dir: {e}"))?;
    let path = dir.path().join("app.toml");
    let text = format!("listen = \"127.0.0.1:0\"\ndatabase = {}\n", toml_string(database)?);
    std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    create_app(binary, &path).await
}

async fn create_app(binary: &Path, config: &Path) -> Result<App, String> {
    let run = Command::new(binary)
        .arg("app")
        .arg("create")
        .arg("--name")
        .arg("bench")
        .arg("--config")
        .arg(config)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .kill_on_drop(true)
        .output();
    let out = tokio::time::timeout(START_TIMEOUT, run)
        .await
        .map_err(|_| "`azstack-server app create` did not finish in time".to_owned())?
        .map_err(|e| format!("cannot run `azstack-server app create`: {e}"))?;
    if !out.status.success() {
        return Err(format!("`azstack-server app create` failed: {}", String::from_utf8_lossy(&out.stderr).trim()));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let field = |name: &str| text.lines().find_map(|l| l.strip_prefix(name).map(|v| v.trim().to_owned()));
    match (field("appId:"), field("publicKey:")) {
        (Some(id), Some(public_key)) => Ok(App { id, public_key }),
        _ => Err(format!("unexpected `app create` output: {text}")),
    }
}

fn read_dev_app(path: &Path) -> Result<App, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let v: serde_json::Value = serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    let get = |k: &str| v.get(k).and_then(serde_json::Value::as_str).map(str::to_owned);
    match (get("appId"), get("publicKey")) {
        (Some(id), Some(public_key)) => Ok(App { id, public_key }),
        _ => Err(format!("{} lacks appId or publicKey", path.display())),
    }
}

fn tail(path: &Path, lines: usize) -> String {
    let Ok(file) = std::fs::File::open(path) else { return String::new() };
    let all: Vec<String> = BufReader::new(file).lines().map_while(Result::ok).collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}
