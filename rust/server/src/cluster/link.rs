//! The node's three tasks on Redis: the publisher (deliveries to other nodes and this node's presence, in the order
//! they were made), the subscriber (deliveries for this node, the others' presence announcements) and the heartbeat
//! (this node's liveness and load; the live nodes and their presence when they appear).
//!
//! The publisher takes work from an unbounded queue so that the fan-out, which runs in the packet handlers, never
//! waits on Redis; one task publishes, so the packets one node sends to another arrive in the order they were sent
//! (Redis pub/sub keeps the order of one connection's publications). Commands go through `redis`' connection
//! manager, which reconnects by itself; the subscriber reconnects and resubscribes in a loop, then stores and
//! announces this node's users again (a restarted Redis has lost them) and reloads every node's presence (the
//! announcements published while it was away are lost). Pub/sub delivers at most once: a packet published while a
//! node is unreachable is lost for its sessions there — as for a session whose socket drops — and the client gets
//! it with its next sync from the shared store.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use redis::aio::ConnectionManager;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::Cluster;
use super::nodes::NodeInfo;
use super::presence::Entry;
use super::wire::{self, Announce, ForNode};

/// Work for the publisher.
pub enum Out {
    /// `message` for node `node`'s delivery channel: a packet for its sessions, or a session-drop request.
    ToNode { node: Arc<str>, message: ForNode },
    /// This node's sessions of `user` changed: store and announce what they are now.
    Presence { user: i64 },
    /// A call message (JSON) for node `node`'s call table.
    Call { node: Arc<str>, payload: Vec<u8> },
    /// Answered once everything queued before it is published (a clean stop waits for it before it leaves).
    Flush(tokio::sync::oneshot::Sender<()>),
}

pub type Outbox = mpsc::UnboundedSender<Out>;

/// Most queued items published in one pipeline.
pub const BATCH: usize = 256;

/// Publishes what the fan-out queued, in order, until the queue closes or the node stops. What has queued up while
/// the previous round trip was out goes in one pipeline (bench/RESULTS.md "Cluster: Redis pub/sub": one publication
/// per round trip caps a node at the inverse of Redis' latency).
pub async fn publisher(cluster: Arc<Cluster>, mut queue: mpsc::UnboundedReceiver<Out>, stop: CancellationToken) {
    let mut conn = cluster.conn.clone();
    let mut batch = Vec::with_capacity(BATCH);
    loop {
        let received = tokio::select! {
            _ = stop.cancelled() => return,
            received = queue.recv_many(&mut batch, BATCH) => received,
        };
        if received == 0 {
            return;
        }
        let mut pipe = redis::pipe();
        let mut flushed = Vec::new();
        for out in batch.drain(..) {
            match out {
                Out::ToNode { node, message } => match serde_json::to_vec(&message) {
                    Ok(payload) => {
                        pipe.cmd("PUBLISH").arg(wire::deliver_channel(&node)).arg(payload).ignore();
                    }
                    Err(error) => tracing::error!(%error, "cluster delivery not serialisable"),
                },
                Out::Presence { user } => add_presence(&cluster, &mut pipe, user),
                Out::Call { node, payload } => {
                    pipe.cmd("PUBLISH").arg(wire::calls_channel(&node)).arg(payload).ignore();
                }
                Out::Flush(done) => flushed.push(done),
            }
        }
        if let Err(error) = pipe.query_async::<()>(&mut conn).await {
            tracing::warn!(%error, "cluster publication failed");
        }
        for done in flushed {
            let _ = done.send(());
        }
    }
}

/// Adds to `pipe` the storing and announcing of this node's sessions of `user` as they are now.
fn add_presence(cluster: &Cluster, pipe: &mut redis::Pipeline, user: i64) {
    let entry = cluster.local_entry(user);
    let me = &cluster.config.node_id;
    let announce = Announce::User { node: me.clone(), user, entry: entry.clone() };
    let announce = serde_json::to_string(&announce).unwrap_or_default();
    match &entry {
        Some(entry) => pipe
            .cmd("HSET")
            .arg(wire::presence_key(me))
            .arg(user)
            .arg(serde_json::to_string(entry).unwrap_or_default())
            .ignore()
            .cmd("PEXPIRE")
            .arg(wire::presence_key(me))
            .arg(wire::NODE_TTL.as_millis() as u64)
            .ignore(),
        None => pipe.cmd("HDEL").arg(wire::presence_key(me)).arg(user).ignore(),
    };
    pipe.cmd("PUBLISH").arg(wire::PRESENCE_CHANNEL).arg(announce).ignore();
}

/// Subscribes to this node's deliveries and the presence announcements; delivers and mirrors them. Reconnects and
/// resubscribes when the connection is lost.
pub async fn subscriber(cluster: Arc<Cluster>, mut pubsub: redis::aio::PubSub, stop: CancellationToken) {
    loop {
        {
            let mut messages = pubsub.on_message();
            loop {
                let message = tokio::select! {
                    _ = stop.cancelled() => return,
                    message = messages.next() => match message { Some(m) => m, None => break },
                };
                cluster.received(message.get_channel_name(), message.get_payload_bytes());
            }
        }
        tracing::warn!("cluster subscription lost; resubscribing");
        pubsub = loop {
            tokio::select! {
                _ = stop.cancelled() => return,
                _ = tokio::time::sleep(Duration::from_millis(500)) => {}
            }
            match subscribe(&cluster.client, &cluster.config.node_id).await {
                Ok(pubsub) => break pubsub,
                Err(error) => tracing::warn!(%error, "cluster resubscription failed"),
            }
        };
        // Announcements were missed, and a restarted Redis has lost every hash: store and announce this node's
        // users again, and reload every node's presence at the next heartbeat.
        for user in cluster.registry.users() {
            let _ = cluster.outbox.send(Out::Presence { user });
        }
        cluster.forget_peers();
    }
}

/// A pub/sub connection subscribed to `node`'s deliveries and to the presence channel.
pub async fn subscribe(client: &redis::Client, node: &str) -> redis::RedisResult<redis::aio::PubSub> {
    let mut pubsub = client.get_async_pubsub().await?;
    pubsub.subscribe(wire::deliver_channel(node)).await?;
    pubsub.subscribe(wire::PRESENCE_CHANNEL).await?;
    pubsub.subscribe(wire::calls_channel(node)).await?;
    Ok(pubsub)
}

/// Refreshes this node's heartbeat and reads the others' every [`wire::HEARTBEAT`].
pub async fn heartbeat(cluster: Arc<Cluster>, stop: CancellationToken) {
    let mut conn = cluster.conn.clone();
    let mut tick = tokio::time::interval(wire::HEARTBEAT);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tick.tick() => {}
        }
        if let Err(error) = beat(&cluster, &mut conn).await {
            tracing::warn!(%error, "cluster heartbeat failed");
        }
    }
}

/// One heartbeat round: refresh this node's keys, read the live nodes, load the presence of those that appeared and
/// drop those that disappeared.
pub async fn beat(cluster: &Cluster, conn: &mut ConnectionManager) -> redis::RedisResult<()> {
    let me = &cluster.config.node_id;
    let ttl = wire::NODE_TTL.as_millis() as u64;
    let sessions = cluster.registry.session_count() as u64;
    let info = NodeInfo {
        url: cluster.config.node_url.clone(),
        sessions,
        at_ms: crate::store::now_ms(),
        draining: cluster.draining(),
    };
    redis::pipe()
        .cmd("SET")
        .arg(wire::node_key(me))
        .arg(serde_json::to_string(&info).unwrap_or_default())
        .arg("PX")
        .arg(ttl)
        .ignore()
        .cmd("SADD")
        .arg(wire::NODES)
        .arg(me)
        .ignore()
        .cmd("PEXPIRE")
        .arg(wire::presence_key(me))
        .arg(ttl)
        .ignore()
        .query_async::<()>(conn)
        .await?;
    let ids: Vec<String> = redis::cmd("SMEMBERS").arg(wire::NODES).query_async(conn).await?;
    let keys: Vec<String> = ids.iter().map(|id| wire::node_key(id)).collect();
    let values: Vec<Option<String>> =
        if keys.is_empty() { Vec::new() } else { redis::cmd("MGET").arg(&keys).query_async(conn).await? };
    let mut live = HashMap::new();
    let mut dead = Vec::new();
    for (id, value) in ids.into_iter().zip(values) {
        match value.and_then(|v| serde_json::from_str::<NodeInfo>(&v).ok()) {
            Some(info) => {
                live.insert(id, info);
            }
            None => dead.push(id),
        }
    }
    if !dead.is_empty() {
        redis::cmd("SREM").arg(wire::NODES).arg(&dead).query_async::<()>(conn).await?;
    }
    let peers: HashSet<String> = live.keys().filter(|id| *id != me).cloned().collect();
    // Discovery stops handing out a dead node no later than its users go offline.
    cluster.nodes.set_live(live);
    let (appeared, gone) = cluster.update_peers(&peers);
    for node in gone {
        cluster.node_gone(&node);
        cluster.presence.drop_node(&node);
    }
    for node in appeared {
        let hash: HashMap<i64, String> = redis::cmd("HGETALL").arg(wire::presence_key(&node)).query_async(conn).await?;
        let entries: HashMap<i64, Entry> =
            hash.into_iter().filter_map(|(user, e)| Some((user, serde_json::from_str::<Entry>(&e).ok()?))).collect();
        // The mirror may hold the node from before a lost subscription: sessions that went or came meanwhile are
        // told to the call table as an announcement would have.
        let mut users = cluster.presence.users_on(&node);
        users.extend(entries.keys().copied());
        users.sort_unstable();
        users.dedup();
        let (mut appeared, mut gone) = (Vec::new(), Vec::new());
        for user in users {
            let (a, g) = super::calls::changed_sessions(&cluster.presence, &node, user, entries.get(&user));
            appeared.extend(a);
            gone.extend(g);
        }
        cluster.presence.replace_node(&node, entries);
        cluster.sessions_changed((appeared, gone));
    }
    cluster.prune_aliases();
    Ok(())
}

/// Announces that `node` (re)started with no sessions, and clears what its previous run left.
pub async fn reset(conn: &mut ConnectionManager, node: &str) -> redis::RedisResult<()> {
    let announce = serde_json::to_string(&Announce::Reset { node: node.to_owned() }).unwrap_or_default();
    redis::pipe()
        .cmd("DEL")
        .arg(wire::presence_key(node))
        .ignore()
        .cmd("PUBLISH")
        .arg(wire::PRESENCE_CHANNEL)
        .arg(announce)
        .ignore()
        .query_async::<()>(conn)
        .await
}

/// Announces that `node` is draining, so that the others stop handing it out before its next heartbeat.
pub async fn announce_draining(conn: &mut ConnectionManager, node: &str) -> redis::RedisResult<()> {
    let announce = serde_json::to_string(&Announce::Draining { node: node.to_owned() }).unwrap_or_default();
    redis::cmd("PUBLISH").arg(wire::PRESENCE_CHANNEL).arg(announce).query_async::<()>(conn).await
}

/// Removes this node from the cluster at a clean stop: its heartbeat and presence go, the others forget its users.
pub async fn leave(conn: &mut ConnectionManager, node: &str) -> redis::RedisResult<()> {
    reset(conn, node).await?;
    redis::pipe()
        .cmd("DEL")
        .arg(wire::node_key(node))
        .ignore()
        .cmd("SREM")
        .arg(wire::NODES)
        .arg(node)
        .ignore()
        .query_async::<()>(conn)
        .await
}
