//! Starting and stopping a server: storage, applications, the Socket.IO layer and the HTTP routes.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use socketioxide::{ParserConfig, SocketIo, TransportType};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::admission::{Admission, Bounds};
use crate::auth::{App, AppKey, Verifier};
use crate::calls::{CallLimits, Calls};
use crate::config::Config;
use crate::fanout::Fanout;
use crate::gateway;
use crate::handlers::Services;
use crate::hub::Hub;
use crate::listener::{self, Kind};
use crate::metrics::Metrics;
use crate::session::Registry;
use crate::store::SqlStore;
use crate::store::apps::{AppRow, new_app_id};
use crate::warnings::Warnings;

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("storage: {0}")]
    Store(#[from] crate::store::StoreError),
    #[error("cannot listen on {addr}: {source}")]
    Listen { addr: SocketAddr, source: std::io::Error },
    #[error("application {0}: stored key is not valid")]
    BadKey(String),
    #[error("application {0}: accept-all is only allowed in dev mode")]
    AcceptAllOutsideDev(String),
    #[error("http client: {0}")]
    Http(String),
    #[error("SIP gateway: {0}")]
    Sip(#[from] azstack_sip::SipError),
    #[error("TURN: {0}")]
    Turn(#[from] crate::turn::TurnError),
    #[error("call recordings: {0}")]
    Recordings(#[from] crate::recordings::RecordingsError),
    #[error("{0}")]
    Files(#[from] crate::files::FilesError),
    #[error("push: {0}")]
    Push(#[from] crate::push::PushConfigError),
    #[error("{0}")]
    Cluster(#[from] crate::cluster::ClusterError),
}

/// A running server.
pub struct RunningServer {
    pub addr: SocketAddr,
    /// Where `/metrics` is served (`[admin] listen`), when it is.
    pub admin_addr: Option<SocketAddr>,
    pub hub: Arc<Hub>,
    /// The SIP gateway's host ([`crate::sip_host`]), which the gateway holds weakly.
    _sip_host: Option<Arc<dyn azstack_sip::Host>>,
    io: SocketIo,
    stop: CancellationToken,
    task: JoinHandle<()>,
}

impl RunningServer {
    /// `http://ADDR`, the URL clients connect to.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `http://ADDR/metrics` on the admin listener, when there is one.
    pub fn metrics_url(&self) -> Option<String> {
        self.admin_addr.map(|a| format!("http://{a}/metrics"))
    }

    /// How long a stop may take before the process exits anyway: `[cluster] drain_timeout_secs`, or
    /// [`DRAIN_TIMEOUT`] for a single server.
    pub fn drain_timeout(&self) -> Duration {
        self.hub.cluster.as_ref().map_or(DRAIN_TIMEOUT, |c| c.drain_timeout())
    }

    /// Stops (SIGTERM, Ctrl-C): a node of a cluster first drains (no more logins, not handed out by discovery);
    /// then every socket is closed, and the store closes once the database work in flight has finished (the pool
    /// waits for its connections in use): each message is either stored and acknowledged, or stored too late for
    /// its acknowledgement to reach the closed socket (the client resends it with the same msgId, which §12 D7 makes
    /// idempotent), or not stored and not acknowledged. Then the node leaves the cluster (its presence goes). The
    /// caller bounds it with [`RunningServer::drain_timeout`].
    pub async fn shutdown(mut self) {
        if let Some(cluster) = &self.hub.cluster {
            cluster.drain().await;
        }
        if let Some(sip) = &self.hub.sip {
            sip.shutdown();
        }
        if let Some(turn) = &self.hub.turn {
            turn.shutdown().await;
        }
        self.io.close().await;
        if let Some(cluster) = &self.hub.cluster {
            cluster.shutdown().await;
        }
        self.stop.cancel();
        let _ = (&mut self.task).await;
        self.hub.store.close().await;
    }
}

/// How long a single server's stop may take.
pub const DRAIN_TIMEOUT: Duration = Duration::from_secs(10);

/// Creates an application with a fresh key pair and stores it.
pub async fn create_app(store: &SqlStore, name: &str) -> Result<AppRow, StartError> {
    let key = AppKey::generate().map_err(|_| StartError::BadKey(name.to_owned()))?;
    let row = AppRow {
        id: new_app_id(),
        name: name.to_owned(),
        public_key: key.public_spki_b64.clone(),
        private_key: key.private_pkcs8_b64.clone(),
    };
    store.insert_app(&row).await?;
    Ok(row)
}

/// Loads applications from the store and pairs them with the configured verifiers.
async fn load_apps(store: &SqlStore, config: &Config) -> Result<HashMap<String, Arc<App>>, StartError> {
    let mut apps = HashMap::new();
    for row in store.list_apps().await? {
        let key = AppKey::from_pkcs8_b64(&row.private_key).map_err(|_| StartError::BadKey(row.id.clone()))?;
        let configured = config.apps.iter().find(|a| a.id == row.id).map(|a| a.verifier.clone());
        let verifier = configured.or(if config.dev { Some(Verifier::AcceptAll) } else { None });
        if matches!(verifier, Some(Verifier::AcceptAll)) && !config.dev {
            return Err(StartError::AcceptAllOutsideDev(row.id));
        }
        apps.insert(row.id.clone(), Arc::new(App { id: row.id, name: row.name, key, verifier }));
    }
    Ok(apps)
}

/// Opens the store named by `config.database` and starts serving.
pub async fn start(config: Config) -> Result<RunningServer, StartError> {
    let store = SqlStore::open(&config.database).await?;
    start_with_store(config, store).await
}

/// Starts serving on an already opened store.
pub async fn start_with_store(config: Config, store: SqlStore) -> Result<RunningServer, StartError> {
    if config.dev {
        tracing::warn!("development mode: every application accepts every login (accept-all verifier)");
    }
    if let Some(cluster) = &config.cluster {
        cluster.check(&config.database)?;
    }
    let apps = load_apps(&store, &config).await?;
    let open_files = crate::fdlimit::raise();
    let listener = bind(config.listen).await?;
    let addr = listener.local_addr().map_err(|source| StartError::Listen { addr: config.listen, source })?;
    let admin = match &config.admin {
        Some(admin) => Some(bind(admin.listen).await?),
        None => None,
    };
    let admin_addr = match &admin {
        Some(l) => Some(l.local_addr().map_err(|source| StartError::Listen { addr: config.listen, source })?),
        None => None,
    };
    let mut config = config;
    config.listen = addr;
    let sip = match &config.sip {
        Some(sip) => Some(azstack_sip::Gateway::bind(sip.clone()).await?),
        None => None,
    };
    let files = match &config.files {
        Some(files) => Some(Arc::new(crate::files::Files::open(files, http_base(&config)).await?)),
        None => None,
    };
    let recordings = match config.sip.as_ref().and_then(|s| s.recording.as_ref()) {
        Some(recording) => {
            let recordings =
                Arc::new(crate::recordings::Recordings::open(recording, http_base(&config), files.clone())?);
            tokio::spawn({
                let recordings = recordings.clone();
                async move { recordings.store_leftovers().await }
            });
            Some(recordings)
        }
        None => None,
    };
    let turn = match &config.turn {
        Some(turn) => Some(crate::turn::Turn::start(turn).await?),
        None => None,
    };
    let http = reqwest::Client::builder().build().map_err(|e| StartError::Http(e.to_string()))?;
    let limits = config.limits.clone();
    // The largest Engine.IO message the protocol needs: a `WebPacket` whose body (a JSON string inside JSON) is at
    // most `max_packet_bytes`, escaped at worst to twice its size, plus the envelope.
    let max_payload = limits.max_packet_bytes.saturating_mul(2).max(4096);
    let in_use = crate::fdlimit::in_use().unwrap_or(32);
    let open_budget = match open_files {
        Some(limit) => (limit as usize).saturating_sub(in_use + limits.fd_reserve).max(1),
        None => usize::MAX,
    };
    tracing::info!(open_files = ?open_files, in_use, open_budget, "open-file limit");
    let admission = Arc::new(Admission::new(Bounds {
        login_timeout: Duration::from_secs(limits.login_timeout_secs),
        max_unauthenticated: limits.max_unauthenticated.max(1),
        max_per_ip: limits.max_unauthenticated_per_ip.max(1),
        open_budget,
    }));
    let store = Arc::new(store);
    let sessions = Arc::new(Registry::default());
    let counters = Arc::new(Metrics::default());
    let warnings = Arc::new(Warnings::new(
        Duration::from_secs(limits.log_interval_secs),
        limits.log_field_bytes,
        counters.clone(),
    ));
    let call_limits = CallLimits {
        ring_timeout_secs: limits.ring_timeout_secs,
        grace_secs: limits.call_grace_secs,
        max_offers_per_callee: limits.max_offers_per_callee,
        attempts_per_min: limits.call_attempts_per_min,
    };
    let cluster = match &config.cluster {
        Some(cluster) => Some(crate::cluster::Cluster::start(cluster, sessions.clone()).await?),
        None => None,
    };
    let fanout: Arc<dyn Fanout> = match &cluster {
        Some(cluster) => cluster.clone(),
        None => sessions.clone(),
    };
    let push = Arc::new(crate::push::Push::start(
        config.apps.iter().filter_map(|a| Some((a.id.as_str(), a.push.as_ref()?))),
        limits.ring_timeout_secs,
        store.clone(),
        fanout.clone(),
        counters.clone(),
        warnings.clone(),
    )?);
    let link = cluster.clone().map(|c| c as Arc<dyn crate::calls::CallLink>);
    let calls =
        Arc::new(Calls::new(sessions.clone(), store.clone(), counters.clone(), call_limits, push.clone(), link));
    if let Some(cluster) = &cluster {
        calls.share_attempts(cluster.clone());
        cluster.serve_calls(&calls);
    }
    if let Some(gateway) = &sip {
        calls.serve_sip(gateway);
    }
    let services = Arc::new(Services {
        store: store.clone(),
        fanout,
        calls: calls.clone(),
        limits: limits.clone(),
        stickers: config.stickers.clone(),
        metrics: counters.clone(),
        warnings: warnings.clone(),
        push: push.clone(),
    });
    let hub = Arc::new(Hub {
        config,
        store,
        sessions,
        apps: RwLock::new(apps),
        calls,
        services,
        sip,
        recordings,
        turn,
        push,
        metrics: counters,
        warnings,
        http,
        admission,
        decrypts: tokio::sync::Semaphore::new(limits.max_concurrent_decrypts.max(1)),
        cluster,
    });
    let (layer, io) = SocketIo::builder()
        // Packets queued per socket before an emit fails (and the session is shed as a slow consumer).
        // socketioxide's default of 128 is exceeded by ordinary bursts: a commit acknowledging a pipelining
        // client's messages, a busy group. The queue allocates as it fills, so a large bound costs nothing on idle
        // sockets; `outbound_buffer_bytes` bounds its bytes (session.rs).
        .max_buffer_size(limits.outbound_buffer_packets.max(1))
        .max_payload(max_payload as u64)
        .ws_max_message_size(max_payload)
        .ws_max_frame_size(max_payload)
        // Each socket keeps a read buffer of this size (socketioxide's default is 4 KiB); it grows for a larger
        // frame. Packets are small: 1 KiB holds several.
        .ws_read_buffer_size(1024)
        .transports([TransportType::Websocket])
        // An Engine.IO session must send its Socket.IO connect within the login deadline.
        .connect_timeout(Duration::from_secs(limits.login_timeout_secs.max(1)))
        // No binary attachments in this protocol: a packet announcing one closes the socket.
        .with_parser(
            ParserConfig::common()
                .max_incoming_binaries(0)
                .max_incoming_binary_buf_size(0)
                .packet_completion_timeout(Duration::from_secs(1)),
        )
        .build_layer();
    gateway::attach(&io, hub.clone());
    crate::admission::spawn_sweeper(Arc::downgrade(&hub.admission), hub.metrics.clone());
    let sip_host = hub.sip.as_ref().map(|sip| {
        let balance = sip.config().balance_seconds;
        let host: Arc<dyn azstack_sip::Host> = Arc::new(crate::sip_host::SipHost::new(Arc::downgrade(&hub), balance));
        sip.run(&host);
        host
    });
    let recordings = Router::new().route("/recordings/{file}", get(crate::recordings::serve));
    let files = crate::files::FilesState {
        files,
        store: hub.services.store.clone(),
        auth: hub.clone(),
        admission: hub.admission.clone(),
    };
    let files = Router::new()
        .route("/files", axum::routing::post(crate::files::upload::upload))
        .route("/files/{id}", get(crate::files::download::download))
        .with_state(files);
    let app = Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .with_state(hub.clone())
        .merge(recordings.with_state(hub.recordings.clone()))
        .merge(files)
        .layer(layer);
    let header_timeout = Duration::from_secs(limits.http_header_timeout_secs.max(1));
    let stop = CancellationToken::new();
    if let Some(admin) = admin {
        let router = Router::new()
            .route("/healthz", get(|| async { "ok" }))
            .route("/metrics", get(metrics))
            .with_state(hub.clone());
        tokio::spawn(listener::serve(admin, router, Kind::Admin, header_timeout, stop.clone()));
    }
    let task = tokio::spawn(listener::serve(
        listener,
        app,
        Kind::Clients { admission: hub.admission.clone(), metrics: hub.metrics.clone() },
        header_timeout,
        stop.clone(),
    ));
    Ok(RunningServer { addr, admin_addr, hub, _sip_host: sip_host, io, stop, task })
}

/// Binds `addr`, or says why not.
async fn bind(addr: SocketAddr) -> Result<TcpListener, StartError> {
    TcpListener::bind(addr).await.map_err(|source| StartError::Listen { addr, source })
}

/// `http://HOST:PORT` of this server as apps reach it: the public host and port, else the listen address.
fn http_base(config: &Config) -> String {
    let ip = config.listen.ip();
    let host = config.public_host.clone().unwrap_or_else(|| match ip {
        ip if ip.is_unspecified() => "127.0.0.1".to_owned(),
        std::net::IpAddr::V6(v6) => format!("[{v6}]"),
        std::net::IpAddr::V4(v4) => v4.to_string(),
    });
    format!("http://{host}:{}", config.public_port.unwrap_or(config.listen.port()))
}

async fn metrics(State(hub): State<Arc<Hub>>) -> String {
    let mut text = hub.metrics.render(hub.sessions.session_count());
    for (name, help, value) in [
        ("azstack_connections_open", "TCP connections open on the clients' listener.", hub.admission.open()),
        (
            "azstack_connections_unauthenticated",
            "Connections open that have not logged in.",
            hub.admission.unauthenticated(),
        ),
    ] {
        text.push_str(&format!("# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}\n"));
    }
    if let Some(turn) = &hub.turn {
        turn.render_metrics(&mut text);
    }
    text
}
