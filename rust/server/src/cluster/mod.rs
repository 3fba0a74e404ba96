//! Several server nodes sharing one PostgreSQL database and one Redis (`[cluster]`).
//!
//! Each node keeps its own sessions in its [`Registry`] as a single server does; what crosses nodes goes through
//! Redis. [`Cluster`] is the [`Fanout`] of a node in a cluster: a push is delivered to the recipient's sessions on
//! this node as before, and published once to each other node that holds sessions of the recipient
//! (`azstack:deliver:{node}`, a pub/sub channel per node), which delivers it to its own sessions. Which nodes those
//! are, and whether the user is online, of which tenant, or in the foreground (the mobile-push rule), comes from the
//! cluster-wide presence: every node stores its users in a Redis hash and announces each change on one channel; every
//! node mirrors the others' in memory ([`presence`]), so the fan-out asks no question of Redis on the handlers' path.
//! Nodes heartbeat every second; a node whose heartbeat is five seconds old is dead: its users count as offline and
//! discovery no longer hands it out ([`nodes`]).
//!
//! **Calls.** A free call or a call-in with parties on several nodes is run by the node that owns it; the others
//! relay their sessions' packets to it through a calls channel per node (`azstack:calls:{node}`), and the presence
//! entries list the session ids so that an owner can ring, re-attach and address a remote session ([`calls`];
//! the design is in `crate::calls`, "Calls across nodes"). A node that dies or leaves is told to the call table.
//!
//! **Draining (SIGTERM).** [`Cluster::drain`] marks this node draining: in its own table, in its heartbeat, and at
//! once in an announcement on the presence channel, so every node stops handing it out by discovery. A draining
//! node refuses logins (svc 162 failure, gateway/login.rs), closes its sockets, lets the database work in flight finish
//! (server.rs), and then leaves ([`Cluster::shutdown`]): its presence goes and the others forget its users.
//!
//! **Limits.** What bounds a socket or the node's own resources stays per node; `call_attempts_per_min` and
//! `max_sessions_per_user` hold per user across the nodes ([`limits`], which has the table for every key).
//! `rediss://` reaches Redis over TLS, trusting `redis_ca_path` when set ([`config`]).
//!
//! **Why Redis pub/sub with a channel per node, through the `redis` crate.** A channel per node costs one
//! publication per remote node holding a recipient, whatever the number of users; a channel per user would need a
//! subscription per logged-in user on every node (SUBSCRIBE/UNSUBSCRIBE traffic at every login) for the same
//! deliveries. Streams would add persistence and replay, but the shared store already is the durable record that a
//! client resynchronises from (the same as for a socket that drops), so pub/sub's at-most-once delivery is enough
//! for pushes. socketioxide's Redis adapter broadcasts to Socket.IO rooms: it would need a room per user and routes
//! every broadcast through every node's adapter, while our [`Fanout`] addresses users and needs presence and
//! liveness the adapter does not keep. The `redis` crate (tokio connection manager that reconnects by itself, a
//! separate pub/sub connection) is the most used Redis client for Rust. Measured on this machine, loopback,
//! redis-server 7.0 (`azstack-bench cluster-redis`, bench/RESULTS.md "Cluster: Redis pub/sub"): a delivery's round
//! trip node → node → node takes 0.32 ms at the median; one PUBLISH per round trip carries ≈ 2,600 deliveries/s,
//! pipelining what queued meanwhile (as the publisher does, [`link`]) ≈ 50,000/s.
//!
//! [`Registry`]: crate::session::Registry
//! [`Fanout`]: crate::fanout::Fanout

mod calls;
pub mod config;
mod fanout;
pub mod limits;
mod link;
pub mod nodes;
pub mod presence;
pub mod wire;

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::Duration;

use redis::aio::ConnectionManager;
use tokio_util::sync::CancellationToken;

pub use config::{ClusterConfig, ClusterError};

use crate::session::Registry;
use link::{Out, Outbox};
use presence::{Entry, Held, Presence};
use wire::{Announce, Delivery, ForNode};

/// Longest a clean stop waits for the publisher to flush its queue.
const FLUSH_TIMEOUT: Duration = Duration::from_secs(2);

/// How long start-up waits for Redis.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// This node in the cluster: its Redis connections, the others' presence and the live nodes.
pub struct Cluster {
    config: ClusterConfig,
    client: redis::Client,
    conn: ConnectionManager,
    registry: Arc<Registry>,
    presence: Presence,
    nodes: nodes::Nodes,
    outbox: Outbox,
    /// The other live nodes whose presence is loaded.
    peers: Mutex<HashSet<String>>,
    /// SIGTERM: this node takes no more logins and is not handed out.
    draining: AtomicBool,
    stop: CancellationToken,
    /// This node's call table, which takes the other nodes' call messages ([`calls`]).
    calls: OnceLock<Weak<crate::calls::Calls>>,
    /// `config.node_id`, shared with the call messages.
    node_id: Arc<str>,
}

impl Cluster {
    /// Joins the cluster: connects to Redis, clears what a previous run of this node left, subscribes, reads the
    /// live nodes and their presence once, then runs the publisher, subscriber and heartbeat tasks.
    pub async fn start(config: &ClusterConfig, registry: Arc<Registry>) -> Result<Arc<Cluster>, ClusterError> {
        let error = |source| ClusterError::Redis { url: config.redis_url.clone(), source };
        let timed_out = || error(redis::RedisError::from((redis::ErrorKind::IoError, "no answer in time")));
        let client = config.redis_client()?;
        // One plain connection first, for its error: the connection manager retries a failed handshake (say, a
        // certificate the configured CA did not sign) until the timeout, which would only say "no answer in time".
        tokio::time::timeout(CONNECT_TIMEOUT, client.get_multiplexed_async_connection())
            .await
            .map_err(|_| timed_out())?
            .map_err(error)?;
        let mut conn = tokio::time::timeout(CONNECT_TIMEOUT, client.get_connection_manager())
            .await
            .map_err(|_| timed_out())?
            .map_err(error)?;
        link::reset(&mut conn, &config.node_id).await.map_err(error)?;
        let pubsub = tokio::time::timeout(CONNECT_TIMEOUT, link::subscribe(&client, &config.node_id))
            .await
            .map_err(|_| timed_out())?
            .map_err(error)?;
        let (outbox, queue) = tokio::sync::mpsc::unbounded_channel();
        let cluster = Arc::new(Cluster {
            config: config.clone(),
            client,
            conn: conn.clone(),
            registry,
            presence: Presence::default(),
            nodes: nodes::Nodes::default(),
            outbox,
            peers: Mutex::default(),
            draining: AtomicBool::new(false),
            stop: CancellationToken::new(),
            calls: OnceLock::new(),
            node_id: Arc::from(config.node_id.as_str()),
        });
        link::beat(&cluster, &mut conn).await.map_err(error)?;
        tokio::spawn(link::publisher(cluster.clone(), queue, cluster.stop.clone()));
        tokio::spawn(link::subscriber(cluster.clone(), pubsub, cluster.stop.clone()));
        tokio::spawn(link::heartbeat(cluster.clone(), cluster.stop.clone()));
        tracing::info!(node = %config.node_id, url = %config.node_url, "joined the cluster");
        Ok(cluster)
    }

    /// Starts draining: no more logins here, and discovery (here and, from the announcement on, everywhere) no
    /// longer hands this node out.
    pub async fn drain(&self) {
        self.draining.store(true, Ordering::Relaxed);
        self.nodes.mark_draining(&self.config.node_id);
        let mut conn = self.conn.clone();
        let announced = link::announce_draining(&mut conn, &self.config.node_id).await;
        if let Err(error) = announced.and(link::beat(self, &mut conn).await) {
            tracing::warn!(%error, "cluster: could not announce the drain (the others see it at the next heartbeat)");
        }
        tracing::info!(node = %self.config.node_id, "draining");
    }

    /// Whether this node is draining (it refuses logins).
    pub fn draining(&self) -> bool {
        self.draining.load(Ordering::Relaxed)
    }

    /// How long a drain may take before the node exits anyway (`drain_timeout_secs`).
    pub fn drain_timeout(&self) -> Duration {
        Duration::from_secs(self.config.drain_timeout_secs)
    }

    /// Leaves the cluster at a clean stop: what is queued is published first (for at most half the drain timeout,
    /// which bounds the whole stop, and 2 s: a Redis that does not answer must leave time to close the store), so
    /// that no call message of this node reaches another after its departure (a route bound to a departed owner
    /// would never end); then the tasks end, and the others forget this node at once.
    pub async fn shutdown(&self) {
        let (flushed, done) = tokio::sync::oneshot::channel();
        if self.outbox.send(Out::Flush(flushed)).is_ok()
            && tokio::time::timeout((self.drain_timeout() / 2).min(FLUSH_TIMEOUT), done).await.is_err()
        {
            tracing::warn!("cluster: queued publications not flushed in time");
        }
        self.stop.cancel();
        let mut conn = self.conn.clone();
        if let Err(error) = link::leave(&mut conn, &self.config.node_id).await {
            tracing::warn!(%error, "cluster: could not leave cleanly (the others drop this node when it expires)");
        }
    }

    /// Discovery (svc 29): the host and port of the least loaded live node; this node's when none is known.
    pub fn discovery_addr(&self) -> (String, u16) {
        self.nodes
            .pick(crate::store::now_ms())
            .and_then(|url| config::node_addr(&url))
            .or_else(|| self.config.public_addr().ok())
            .unwrap_or_default()
    }

    /// This node's sessions of `user` as the others see them.
    fn local_entry(&self, user: i64) -> Option<Entry> {
        let sessions = self.registry.sessions(user);
        let identity = sessions.first()?.identity()?.clone();
        let background = azstack_protocol::constants::application_state::APPLICATION_STATE_BACKGROUND;
        Some(Entry {
            sessions: sessions.len() as u32,
            foreground: sessions.iter().any(|s| s.app_state.load(std::sync::atomic::Ordering::Relaxed) != background),
            app: identity.app_id.to_string(),
            ns: identity.namespace.to_string(),
            held: sessions
                .iter()
                .map(|s| Held {
                    id: s.id,
                    engine: s.identity().is_some_and(|i| i.is_engine),
                    since_ms: s.authenticated_ms(),
                })
                .collect(),
        })
    }

    /// Queues `envelope` for `users`' sessions on `node`.
    fn publish(&self, node: Arc<str>, users: Vec<i64>, envelope: &azstack_protocol::Envelope) {
        let message = ForNode::Delivery(Delivery { users, envelope: envelope.clone() });
        let _ = self.outbox.send(Out::ToNode { node, message });
    }

    /// A message from the subscription: a delivery for this node's sessions, or another node's presence.
    fn received(&self, channel: &str, payload: &[u8]) {
        if channel == wire::PRESENCE_CHANNEL {
            match serde_json::from_slice::<Announce>(payload) {
                Ok(Announce::User { node, .. } | Announce::Reset { node }) if node == self.config.node_id => {}
                Ok(Announce::User { node, user, entry }) => {
                    let changed = calls::changed_sessions(&self.presence, &node, user, entry.as_ref());
                    self.presence.set(&node, user, entry);
                    self.sessions_changed(changed);
                }
                Ok(Announce::Reset { node }) => {
                    // The calls first: whoever sees the node's users offline sees its calls' parties lost.
                    self.node_gone(&node);
                    self.presence.drop_node(&node);
                }
                Ok(Announce::Draining { node }) => {
                    self.nodes.mark_draining(&node);
                    self.node_draining(&node);
                }
                Err(error) => tracing::warn!(%error, "cluster: unreadable presence announcement"),
            }
            return;
        }
        if channel.starts_with(wire::CALLS_CHANNEL_PREFIX) {
            self.call_message(payload);
            return;
        }
        match serde_json::from_slice::<ForNode>(payload) {
            Ok(ForNode::Delivery(delivery)) => self.registry.send_envelope(&delivery.users, None, &delivery.envelope),
            Ok(ForNode::DropSessions(request)) => self.drop_oldest(request.drop_oldest_of, request.count as usize),
            Err(error) => tracing::warn!(%error, "cluster: unreadable delivery"),
        }
    }

    /// Records the other live nodes; returns those that appeared and those that are gone since the last round.
    fn update_peers(&self, now: &HashSet<String>) -> (Vec<String>, Vec<String>) {
        let Ok(mut peers) = self.peers.lock() else { return (Vec::new(), Vec::new()) };
        let appeared = now.difference(&peers).cloned().collect();
        let gone = peers.difference(now).cloned().collect();
        *peers = now.clone();
        (appeared, gone)
    }

    /// Makes the next heartbeat reload every node's presence.
    fn forget_peers(&self) {
        if let Ok(mut peers) = self.peers.lock() {
            peers.clear();
        }
    }
}
