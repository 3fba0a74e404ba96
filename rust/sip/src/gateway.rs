//! The running gateway ([`Gateway`]): its sockets, the call table that routes SIP messages (by Call-ID) and app
//! events (by user and app call id) to the call tasks, and the [`Host`] it was given. The crate's docs describe
//! what it does; the call tasks are [`crate::callout`] and [`crate::callin`].

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::Duration;

use tokio::net::{TcpListener, UdpSocket};
use tokio::sync::{Notify, mpsc, watch};

use crate::config::{self, SipConfig};
use crate::host::Host;
use crate::media;
use crate::message::Message;
use crate::transport::{Peer, Transport};
use crate::{tcp, udp};

/// Why the gateway could not start.
#[derive(Debug, thiserror::Error)]
pub enum SipError {
    #[error("sip.trunk {0:?} is not sip:HOST[:PORT][;transport=udp|tcp]")]
    TrunkUri(String),
    #[error("sip.trunk {0}: cannot resolve: {1}")]
    Resolve(String, String),
    #[error("sip.listen {0}: {1}")]
    Bind(SocketAddr, std::io::Error),
}

/// What a call task is told.
#[derive(Debug)]
pub(crate) enum Event {
    /// A message of this call's dialog from the trunk, and where it came from.
    Sip(Message, Peer),
    /// svc 501: the app's SDP offer with its candidates.
    Offer(String),
    /// svc 502.
    Hangup,
    /// The session that started the call closed.
    SessionClosed,
    /// A session of the call-in's user closed (it is already out of the registry).
    CallinSessionClosed(u64),
    /// A session of the call-in's user authenticated (it is already in the registry).
    CallinSessionOpened(u64),
    /// svc 506 from a session of the call-in's user.
    Callin { session_id: u64, status: azstack_protocol::bodies::calls::CallinStatus },
    /// The call's media bridge ended on its own (the carrier went silent, the WebRTC connection failed).
    MediaEnded(media::bridge::BridgeEnd),
}

/// A callout as the app side knows it.
pub(crate) struct AppLeg {
    pub sip_call_id: String,
    pub session_id: u64,
}

#[derive(Default)]
struct Table {
    /// By SIP Call-ID.
    by_sip: HashMap<String, mpsc::UnboundedSender<Event>>,
    /// By (userId, app callId).
    by_app: HashMap<(i64, i64), AppLeg>,
}

/// The running gateway, shared by the server and the gateway's tasks.
pub struct Gateway {
    pub(crate) config: SipConfig,
    /// The chat server's side, given by [`Gateway::run`]; held weakly (the server holds the gateway), and the
    /// gateway's tasks end when it is gone.
    host: OnceLock<Weak<dyn Host>>,
    pub(crate) socket: UdpSocket,
    /// The TCP listener (same address as the socket) and connections.
    pub(crate) tcp: tcp::Connections,
    pub(crate) local: SocketAddr,
    pub(crate) advertise: IpAddr,
    /// Where callouts go, on the trunk URI's transport.
    pub(crate) trunk: Peer,
    /// `host:port` of the trunk, for Request-URIs.
    pub(crate) trunk_host: String,
    table: Mutex<Table>,
    /// Set once by [`Gateway::shutdown`]; the receive, accept and connection tasks watch it.
    pub(crate) stop: watch::Sender<bool>,
    /// Messages dropped as malformed, and TCP streams closed as unframeable.
    pub malformed: AtomicU64,
    /// Changes of the call table (a call starts or ends), for tests that wait for a condition.
    changed: Notify,
}

impl Gateway {
    /// Binds the listen socket and TCP listener (same address and port) and resolves the trunk.
    pub async fn bind(config: SipConfig) -> Result<Arc<Gateway>, SipError> {
        let bad_uri = || SipError::TrunkUri(config.trunk.clone());
        let (host, port) = config::trunk_host_port(&config.trunk).ok_or_else(bad_uri)?;
        let transport = config::trunk_transport(&config.trunk).ok_or_else(bad_uri)?;
        let trunk = tokio::net::lookup_host((host.as_str(), port))
            .await
            .map_err(|e| SipError::Resolve(config.trunk.clone(), e.to_string()))?
            .next()
            .ok_or_else(|| SipError::Resolve(config.trunk.clone(), "no address".into()))?;
        let (socket, listener) = bind_both(config.listen).await?;
        let local = socket.local_addr().map_err(|e| SipError::Bind(config.listen, e))?;
        let advertise = config.advertise.unwrap_or(if local.ip().is_unspecified() {
            IpAddr::V4(Ipv4Addr::LOCALHOST)
        } else {
            local.ip()
        });
        let trunk_host = if host.contains(':') { format!("[{host}]:{port}") } else { format!("{host}:{port}") };
        let trunk = Peer { transport, addr: trunk };
        tracing::info!(%local, %trunk, "SIP gateway listening (UDP and TCP)");
        Ok(Arc::new(Gateway {
            config,
            socket,
            tcp: tcp::Connections::new(listener),
            local,
            advertise,
            trunk,
            trunk_host,
            host: OnceLock::new(),
            table: Mutex::new(Table::default()),
            stop: watch::Sender::new(false),
            malformed: AtomicU64::new(0),
            changed: Notify::new(),
        }))
    }

    /// Hands the gateway its `host` and starts the UDP receive task and the TCP accept task. The gateway holds
    /// the host weakly: the caller keeps it, and the tasks end with [`Gateway::shutdown`] or when the host is
    /// gone. A second call changes nothing.
    pub fn run(self: &Arc<Gateway>, host: &Arc<dyn Host>) {
        if self.host.set(Arc::downgrade(host)).is_err() {
            return;
        }
        self.tcp.run(self);
        tokio::spawn(udp::receive(self.clone()));
    }

    /// The chat server's side, while it lives.
    pub(crate) fn host(&self) -> Option<Arc<dyn Host>> {
        self.host.get()?.upgrade()
    }

    /// Whether the host given to [`Gateway::run`] is gone (the server stopped).
    pub(crate) fn host_gone(&self) -> bool {
        self.host.get().is_none_or(|host| host.strong_count() == 0)
    }

    /// Stops the receive and accept tasks and closes the TCP connections; calls in progress end on their own
    /// timers.
    pub fn shutdown(&self) {
        self.stop.send_replace(true);
        self.tcp.close_all();
    }

    /// Resolves once [`Gateway::shutdown`] has been called (at once if it has).
    pub(crate) fn stopped(&self) -> impl Future<Output = ()> + Send + 'static {
        let mut stop = self.stop.subscribe();
        async move {
            let _ = stop.wait_for(|stopped| *stopped).await;
        }
    }

    /// Open TCP connections (accepted and opened).
    pub fn tcp_connections(&self) -> usize {
        self.tcp.count()
    }

    /// The bound address, the same for UDP and TCP.
    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }

    pub fn config(&self) -> &SipConfig {
        &self.config
    }

    /// Calls in progress.
    pub fn active(&self) -> usize {
        self.table.lock().map(|t| t.by_sip.len()).unwrap_or(0)
    }

    /// Waits until no call is in progress, or `within` passes; returns whether the table is empty.
    pub async fn idle_within(&self, within: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let changed = self.changed.notified();
            if self.active() == 0 {
                return true;
            }
            if tokio::time::timeout_at(deadline, changed).await.is_err() {
                return self.active() == 0;
            }
        }
    }

    pub(crate) fn t1(&self) -> Duration {
        Duration::from_millis(self.config.t1_ms.max(1))
    }

    pub(crate) async fn send_to_trunk(&self, message: &Message) {
        self.send(&message.to_bytes(), &self.trunk).await;
    }

    /// `host:port` the gateway writes in Via and Contact.
    pub(crate) fn local_hostport(&self) -> String {
        SocketAddr::new(self.advertise, self.local.port()).to_string()
    }

    /// The Via of a request of ours on `transport` (RFC 3261 §18.1.1: it names the transport).
    pub(crate) fn via(&self, transport: Transport, branch: &str) -> String {
        format!("SIP/2.0/{} {};branch=z9hG4bK{branch};rport", transport.via_name(), self.local_hostport())
    }

    /// A Contact URI of user `user` reachable on `transport` (`;transport=tcp` on TCP).
    pub(crate) fn contact_uri(&self, user: &str, transport: Transport) -> String {
        format!("sip:{user}@{}{}", self.local_hostport(), transport.uri_param())
    }

    /// Routes an event to the call of SIP Call-ID `call_id`; false when there is none.
    pub(crate) fn route_sip(&self, call_id: &str, event: Event) -> bool {
        let Ok(table) = self.table.lock() else { return false };
        table.by_sip.get(call_id).is_some_and(|tx| tx.send(event).is_ok())
    }

    /// Routes an app event to the callout `(user_id, call_id)`; false when there is none.
    pub(crate) fn route_app(&self, user_id: i64, call_id: i64, event: Event) -> bool {
        let Ok(table) = self.table.lock() else { return false };
        let Some(leg) = table.by_app.get(&(user_id, call_id)) else { return false };
        table.by_sip.get(&leg.sip_call_id).is_some_and(|tx| tx.send(event).is_ok())
    }

    /// The session `session_id` of `user_id` closed: its callouts hang up; the user's call-ins (legs with session
    /// 0) are told, and hang up if it was the answering session or the last one ringing.
    pub fn session_closed(&self, user_id: i64, session_id: u64) {
        let Ok(table) = self.table.lock() else { return };
        for ((user, _), leg) in &table.by_app {
            let event = if leg.session_id == session_id {
                Event::SessionClosed
            } else if leg.session_id == 0 && *user == user_id {
                Event::CallinSessionClosed(session_id)
            } else {
                continue;
            };
            if let Some(tx) = table.by_sip.get(&leg.sip_call_id) {
                let _ = tx.send(event);
            }
        }
    }

    /// A session `session_id` of `user_id` authenticated: the user's call-ins still ringing ring on it too (505).
    pub fn session_authenticated(&self, user_id: i64, session_id: u64) {
        let Ok(table) = self.table.lock() else { return };
        for ((user, _), leg) in &table.by_app {
            if leg.session_id == 0
                && *user == user_id
                && let Some(tx) = table.by_sip.get(&leg.sip_call_id)
            {
                let _ = tx.send(Event::CallinSessionOpened(session_id));
            }
        }
    }

    /// Registers a call; false if `(user_id, call_id)` already has one.
    pub(crate) fn register(&self, user_id: i64, call_id: i64, leg: AppLeg, tx: mpsc::UnboundedSender<Event>) -> bool {
        let Ok(mut table) = self.table.lock() else { return false };
        if table.by_app.contains_key(&(user_id, call_id)) {
            return false;
        }
        table.by_sip.insert(leg.sip_call_id.clone(), tx);
        table.by_app.insert((user_id, call_id), leg);
        drop(table);
        self.changed.notify_waiters();
        true
    }

    pub(crate) fn unregister(&self, user_id: i64, call_id: i64, sip_call_id: &str) {
        if let Ok(mut table) = self.table.lock() {
            table.by_sip.remove(sip_call_id);
            table.by_app.remove(&(user_id, call_id));
        }
        self.changed.notify_waiters();
    }

    pub(crate) fn note_malformed(&self) {
        self.malformed.fetch_add(1, Ordering::Relaxed);
    }
}

/// Binds UDP and TCP on `listen`. With port 0 the TCP listener takes the port the OS gave the UDP socket, and the
/// pair is tried again (a few times) if that port is taken for TCP.
async fn bind_both(listen: SocketAddr) -> Result<(UdpSocket, TcpListener), SipError> {
    let mut attempts = if listen.port() == 0 { 8 } else { 1 };
    loop {
        let socket = UdpSocket::bind(listen).await.map_err(|e| SipError::Bind(listen, e))?;
        let local = socket.local_addr().map_err(|e| SipError::Bind(listen, e))?;
        match TcpListener::bind(local).await {
            Ok(listener) => return Ok((socket, listener)),
            Err(error) => {
                attempts -= 1;
                if attempts == 0 {
                    return Err(SipError::Bind(local, error));
                }
            }
        }
    }
}

/// A random token for branches, tags and Call-IDs.
pub(crate) fn token() -> String {
    format!("{:016x}", rand::random::<u64>())
}
