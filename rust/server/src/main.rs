//! `azstack-server`: `dev` (zero-setup local server), `serve --config FILE`, `app create`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use azstack_server::store::SqlStore;
use azstack_server::{Config, create_app, start};
use azstack_sip::{RecordingConfig, SipConfig};
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "azstack-server", version, about = "Self-hostable AZStack-compatible chat and call-signalling server")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Local development server: SQLite under --data, one application, every login accepted.
    Dev {
        /// Port on 127.0.0.1 (0 picks a free one).
        #[arg(long, default_value_t = 9199)]
        port: u16,
        /// Data directory.
        #[arg(long, default_value = ".azstack")]
        data: PathBuf,
        /// Free calls ringing longer than this many seconds end as not answered.
        #[arg(long, default_value_t = azstack_server::config::Limits::default().ring_timeout_secs,
              value_parser = clap::value_parser!(u64).range(1..))]
        ring_timeout: u64,
        /// SIP trunk where callouts go (`sip:HOST:PORT`, over TCP with `;transport=tcp`); turns the SIP gateway on.
        #[arg(long, value_name = "URI")]
        sip_trunk: Option<String>,
        /// UDP and TCP address of the SIP gateway (needs --sip-trunk).
        #[arg(long, value_name = "HOST:PORT", requires = "sip_trunk", default_value = "127.0.0.1:5060")]
        sip_listen: std::net::SocketAddr,
        /// A call-in number and the azStackUserId that answers it (repeatable; needs --sip-trunk).
        #[arg(long, value_name = "NUMBER=USER", requires = "sip_trunk", value_parser = parse_callin)]
        callin: Vec<(String, String)>,
        /// Talk minutes each user starts with (needs --sip-trunk); unlimited when absent.
        #[arg(long, value_name = "N", requires = "sip_trunk")]
        balance_minutes: Option<u64>,
        /// Record answered phone calls in DATA/recordings (needs --sip-trunk); logs carry a link to each.
        #[arg(long, requires = "sip_trunk")]
        record_calls: bool,
        /// Embedded STUN/TURN server on 127.0.0.1 (a free UDP port), relaying between loopback peers; logins get it
        /// with credentials in their ICE servers.
        #[arg(long)]
        turn: bool,
    },
    /// Production server from a TOML configuration file.
    Serve {
        #[arg(long)]
        config: PathBuf,
    },
    /// Manage applications.
    App {
        #[command(subcommand)]
        command: AppCommand,
    },
}

#[derive(Subcommand)]
enum AppCommand {
    /// Create an application and print its id and public key.
    Create {
        #[arg(long)]
        name: String,
        /// Configuration file naming the database.
        #[arg(long, conflicts_with = "data")]
        config: Option<PathBuf>,
        /// Or the data directory of a dev server.
        #[arg(long)]
        data: Option<PathBuf>,
        /// Also print the private key (base64 PKCS#8).
        #[arg(long)]
        show_private_key: bool,
    },
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn,turn=warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("azstack-server: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("azstack-server: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<(), String> {
    match cli.command {
        Command::Dev {
            port,
            data,
            ring_timeout,
            sip_trunk,
            sip_listen,
            callin,
            balance_minutes,
            record_calls,
            turn,
        } => {
            let sip = sip_trunk.map(|trunk| {
                let mut sip = SipConfig::new(&trunk, sip_listen);
                sip.callin = callin.into_iter().collect();
                sip.balance_seconds = balance_minutes.map(|m| m.saturating_mul(60));
                sip.recording = record_calls.then(|| RecordingConfig::in_dir(data.join("recordings")));
                sip
            });
            let turn = turn.then(azstack_server::turn::TurnConfig::loopback);
            dev(port, &data, ring_timeout, sip, turn).await
        }
        Command::Serve { config } => {
            let config = Config::from_file(&config)?;
            serve(config).await
        }
        Command::App { command: AppCommand::Create { name, config, data, show_private_key } } => {
            let url = match (config, data) {
                (Some(config), _) => Config::from_file(&config)?.database,
                (None, Some(data)) => Config::dev(0, &data).database,
                (None, None) => return Err("give --config FILE or --data DIR".into()),
            };
            let store = SqlStore::open(&url).await.map_err(|e| e.to_string())?;
            let app = create_app(&store, &name).await.map_err(|e| e.to_string())?;
            println!("appId: {}", app.id);
            println!("publicKey: {}", app.public_key);
            if show_private_key {
                println!("privateKey: {}", app.private_key);
            }
            store.close().await;
            Ok(())
        }
    }
}

fn parse_callin(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((number, user)) if !number.is_empty() && !user.is_empty() => Ok((number.to_owned(), user.to_owned())),
        _ => Err(format!("{s:?} is not NUMBER=azStackUserId")),
    }
}

async fn dev(
    port: u16,
    data: &Path,
    ring_timeout_secs: u64,
    sip: Option<SipConfig>,
    turn: Option<azstack_server::turn::TurnConfig>,
) -> Result<(), String> {
    std::fs::create_dir_all(data).map_err(|e| format!("cannot create {}: {e}", data.display()))?;
    let mut config = Config::dev(port, data);
    config.limits.ring_timeout_secs = ring_timeout_secs;
    config.sip = sip;
    config.turn = turn;
    let store = SqlStore::open(&config.database).await.map_err(|e| e.to_string())?;
    let app = match store.list_apps().await.map_err(|e| e.to_string())?.into_iter().next() {
        Some(app) => app,
        None => create_app(&store, "dev").await.map_err(|e| e.to_string())?,
    };
    let server = azstack_server::start_with_store(config, store).await.map_err(|e| e.to_string())?;
    let url = server.url();
    let info = serde_json::json!({"appId": app.id, "publicKey": app.public_key, "url": url});
    let path = data.join("dev-app.json");
    std::fs::write(&path, format!("{info:#}\n")).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    // One write, and no panic when whoever started the server has stopped reading (a closed pipe): a supervisor
    // may read only the first line.
    let mut banner = format!("listening on {url}\n");
    if let Some(metrics) = server.metrics_url() {
        banner.push_str(&format!("metrics on {metrics}\n"));
    }
    if let Some(turn) = &server.hub.turn {
        banner.push_str(&format!("turn on {}\n", turn.public_addr));
    }
    banner.push_str(&format!("application: {} (credentials in {})\n", app.id, path.display()));
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(banner.as_bytes());
    let _ = stdout.flush();
    drop(stdout);
    wait_for_signal().await;
    stop(server).await;
    Ok(())
}

async fn serve(config: Config) -> Result<(), String> {
    let server = start(config).await.map_err(|e| e.to_string())?;
    println!("listening on {}", server.url());
    if let Some(metrics) = server.metrics_url() {
        println!("metrics on {metrics}");
    }
    let _ = std::io::stdout().flush();
    wait_for_signal().await;
    stop(server).await;
    Ok(())
}

/// Stops `server` (a node of a cluster drains first), within its drain timeout.
async fn stop(server: azstack_server::RunningServer) {
    let timeout = server.drain_timeout();
    if tokio::time::timeout(timeout, server.shutdown()).await.is_err() {
        tracing::warn!(?timeout, "the stop did not finish within the drain timeout; exiting anyway");
    }
}

async fn wait_for_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(s) => s,
            Err(_) => {
                let _ = ctrl_c.await;
                return;
            }
        };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}
