//! Which of `[limits]` hold per node and which across the cluster, and the two that must hold across it.
//!
//! A limit on what one connection, one socket or one address uses is about this node's memory, file descriptors
//! and CPU, and a client's connection is to one node: such limits stay per node, by nature. A limit on what one
//! *user* may do must hold across the nodes, or a client defeats it by spreading its sockets over them (discovery
//! hands a user's devices out to different nodes anyway):
//!
//! | `[limits]` key | Scope in a cluster | Why |
//! |---|---|---|
//! | `max_packet_bytes`, `max_list` | per packet | a bound on one request's size |
//! | `packets_per_sec`, `burst` | per session (node-local) | protects the node that reads the socket |
//! | `inbound_queue_packets`, `inbound_queue_bytes`, `outbound_buffer_packets`, `outbound_buffer_bytes` | per session (node-local) | this node's memory |
//! | `login_timeout_secs`, `http_header_timeout_secs`, `auth_failure_grace_ms` | per socket (node-local) | this node's sockets |
//! | `max_unauthenticated`, `max_unauthenticated_per_ip`, `fd_reserve` | per node | this node's file descriptors |
//! | `max_concurrent_decrypts` | per node | this node's CPU (RSA decryptions) |
//! | `log_interval_secs`, `log_field_bytes` | per node | this node's log |
//! | `ring_timeout_secs`, `call_grace_secs` | per call | timers of the node that holds the call |
//! | `max_offers_per_callee` | per callee | the call table's rules (calls/free.rs) |
//! | **`call_attempts_per_min`** | **per user, cluster-wide** | a token bucket in Redis ([`Cluster::take_attempt`]) |
//! | **`max_sessions_per_user`** | **per user, cluster-wide** | the cluster-wide presence ([`Cluster::cap_sessions`]) |
//!
//! **Call attempts.** Without `[cluster]` a user's bucket is in the process (calls/attempts.rs). In a cluster it is
//! one hash per user in Redis (`azstack:attempts:{user}`, expiring a minute after its last use), refilled and taken
//! by one Lua script, atomically, with Redis' clock (the nodes' clocks play no part): the same bucket as the
//! in-process one, shared. It costs the 186 and 500 paths one Redis round trip (≈ 0.3 ms on loopback here,
//! bench/RESULTS.md "Cluster: call attempts in Redis"). When Redis does not answer (within `calls::attempts::SHARED_TIMEOUT`) the
//! attempt is counted in this node's bucket instead, with a warning: calls keep working during a Redis outage, each
//! node then allowing the limit on its own.
//!
//! **Sessions per user.** A login first trims the user's sessions on its node to the cap, as a single server does
//! (`Registry::add`). Then the node counts the user's sessions on every node from the presence mirror, in which each
//! node's entry carries when each of its sessions authenticated; when the total is over the cap, the oldest sessions
//! in the cluster go: this node's at once, another node's through a [`DropSessions`] request on that node's channel,
//! which closes its oldest sessions of the user. The mirror lags a login elsewhere by a Redis round trip, so two
//! logins of one user on two nodes within that time may leave the user one session over the cap until the next
//! login (or, with a drop request still in flight, close one session too many); the authentication times are the
//! nodes' clocks, which only matters between logins closer together than the nodes' clock skew. The node of the
//! login counts every session it closed or asked another node to close in `azstack_sessions_over_cap_total`.
//!
//! [`DropSessions`]: super::wire::DropSessions

use std::collections::HashMap;
use std::sync::Arc;

use super::Cluster;
use super::link::Out;
use super::presence::Entry;
use super::wire;
use crate::session::Session;

/// A bucket refills completely within this time (ms), as the in-process one does.
const REFILL_MS: u64 = 60_000;

/// Refills `KEYS[1]`'s bucket of `ARGV[1]` tokens (full after `ARGV[2]` ms) by Redis' clock and takes a token: 1,
/// or 0 when it is empty.
const TAKE_ATTEMPT: &str = r"
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
local cap = tonumber(ARGV[1])
local refill = tonumber(ARGV[2])
local b = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(b[1])
local at = tonumber(b[2])
if tokens == nil or at == nil then
  tokens = cap
  at = now
end
tokens = math.min(cap, tokens + math.max(0, now - at) * cap / refill)
local ok = 0
if tokens >= 1 then
  tokens = tokens - 1
  ok = 1
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], refill)
return ok
";

/// When each of `entry`'s sessions authenticated, as far as a cap of `cap` sessions needs them. An entry without its
/// times (a node of an earlier version) counts its sessions as the oldest; its count comes from Redis, so more than
/// one over the cap is not materialised (a bad entry must not allocate gigabytes).
fn session_times(entry: &Entry, cap: usize) -> Vec<i64> {
    let mut since: Vec<i64> = entry.held.iter().map(|h| h.since_ms).collect();
    let count = usize::try_from(entry.sessions).unwrap_or(usize::MAX).min(since.len().max(cap.saturating_add(1)));
    since.resize(count, 0);
    since
}

/// The cluster-wide buckets of call attempts, for the call registry.
#[async_trait::async_trait]
impl crate::calls::SharedAttempts for Cluster {
    async fn take(&self, user: i64, per_min: u32) -> Result<bool, String> {
        self.take_attempt(user, per_min).await.map_err(|error| error.to_string())
    }
}

impl Cluster {
    /// Takes one of `user`'s `per_min` call attempts from the cluster-wide bucket: false when it is empty.
    pub async fn take_attempt(&self, user: i64, per_min: u32) -> redis::RedisResult<bool> {
        let mut conn = self.conn.clone();
        let taken: i64 = redis::cmd("EVAL")
            .arg(TAKE_ATTEMPT)
            .arg(1)
            .arg(wire::attempts_key(user))
            .arg(per_min)
            .arg(REFILL_MS)
            .query_async(&mut conn)
            .await?;
        Ok(taken == 1)
    }

    /// `user`'s session `new` has just logged in here (this node's sessions are already within `cap`): when the
    /// user's sessions over all nodes are more than `cap`, the oldest go. Asks the other nodes to close theirs and
    /// returns how many it asked for, and this node's, removed from the registry, for the caller to close.
    pub fn cap_sessions(&self, user: i64, new: u64, cap: usize) -> (u32, Vec<Arc<Session>>) {
        let local = self.registry.sessions(user);
        // (authenticated at, the node holding it: None for this one), oldest first.
        let mut all: Vec<(i64, Option<Arc<str>>)> =
            local.iter().filter(|s| s.id != new).map(|s| (s.authenticated_ms(), None)).collect();
        for (node, entry) in self.presence.entries(user) {
            all.extend(session_times(&entry, cap).into_iter().map(|at| (at, Some(node.clone()))));
        }
        let over = (all.len() + 1).saturating_sub(cap.max(1));
        if over == 0 {
            return (0, Vec::new());
        }
        all.sort_by_key(|(at, _)| *at);
        let mut local_over = 0;
        let mut remote: HashMap<Arc<str>, u32> = HashMap::new();
        for (_, node) in all.into_iter().take(over) {
            match node {
                None => local_over += 1,
                Some(node) => *remote.entry(node).or_default() += 1,
            }
        }
        let asked = remote.values().sum();
        for (node, count) in remote {
            tracing::info!(user, %node, count, "too many sessions in the cluster: asking their node to close the oldest");
            let message = wire::ForNode::DropSessions(wire::DropSessions { drop_oldest_of: user, count });
            let _ = self.outbox.send(Out::ToNode { node, message });
        }
        (asked, self.registry.take_oldest(user, local_over))
    }

    /// Another node's [`wire::DropSessions`]: closes this node's `count` oldest sessions of `user`.
    pub(super) fn drop_oldest(&self, user: i64, count: usize) {
        let dropped = self.registry.take_oldest(user, count);
        for session in &dropped {
            tracing::info!(session = session.id, user, "oldest session dropped: too many sessions in the cluster");
            session.disconnect();
        }
        if !dropped.is_empty() {
            let _ = self.outbox.send(Out::Presence { user });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::presence::Held;

    fn entry(sessions: u32, held: usize) -> Entry {
        let held = (0..held).map(|i| Held { id: i as u64, engine: true, since_ms: 10 + i as i64 }).collect();
        Entry { sessions, foreground: true, app: "a".into(), ns: String::new(), held }
    }

    #[test]
    fn a_bad_session_count_allocates_no_more_than_the_cap_needs() {
        assert_eq!(session_times(&entry(u32::MAX, 0), 3), vec![0; 4]);
        assert_eq!(session_times(&entry(u32::MAX, 2), 3), vec![10, 11, 0, 0]);
        assert_eq!(session_times(&entry(2, 2), 5), vec![10, 11]);
        assert_eq!(session_times(&entry(3, 0), 5), vec![0; 3]);
    }
}
