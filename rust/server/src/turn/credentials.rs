//! Time-limited TURN credentials, handed out at login, and their check on every TURN request.
//!
//! The REST-API style every TURN server understands (draft-uberti-behave-turn-rest, coturn's `use-auth-secret`):
//! username `EXPIRY:USERID` (Unix seconds), password `base64(HMAC-SHA1(secret, username))`. The server keeps no
//! credential table: any node that knows the secret can check one, and a credential dies on its own at EXPIRY.
//!
//! The check also counts allocations per user. `turn`'s server asks the [`AuthHandler`] for the key of every
//! authenticated request but does not say which request it is; an ICE agent makes each allocation from its own local
//! socket, so the distinct client addresses a user authenticates from are its allocations. An address is forgotten
//! when its allocation closes (the server's close notice) or when it has sent nothing for `IDLE` (an allocation is
//! refreshed well within its 10-minute lifetime). A new address beyond `max_allocations_per_user` is refused.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use aws_lc_rs::hmac;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use turn::auth::{AuthHandler, generate_auth_key};

/// How long a client address counts after its last request when no close notice arrives.
const IDLE: Duration = Duration::from_secs(11 * 60);

/// Issues credentials.
pub struct Issuer {
    key: hmac::Key,
    ttl: Duration,
}

impl Issuer {
    pub fn new(secret: &[u8], ttl: Duration) -> Issuer {
        Issuer { key: hmac::Key::new(hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, secret), ttl }
    }

    /// `(username, password)` for `user_id`, valid for the configured time from now.
    pub fn issue(&self, user_id: i64) -> (String, String) {
        let expiry = unix_now().saturating_add(self.ttl.as_secs());
        let username = format!("{expiry}:{user_id}");
        let password = self.password(&username);
        (username, password)
    }

    fn password(&self, username: &str) -> String {
        STANDARD.encode(hmac::sign(&self.key, username.as_bytes()).as_ref())
    }
}

/// The [`AuthHandler`] of the embedded server: checks expiry and the allocation quota, returns the long-term key.
pub struct Checker {
    issuer: Issuer,
    max_allocations_per_user: usize,
    clients: Mutex<HashMap<i64, HashMap<SocketAddr, Instant>>>,
    counters: std::sync::Arc<super::Counters>,
}

impl Checker {
    pub fn new(issuer: Issuer, max_allocations_per_user: usize, counters: std::sync::Arc<super::Counters>) -> Checker {
        Checker { issuer, max_allocations_per_user, clients: Mutex::new(HashMap::new()), counters }
    }

    /// Credentials for `user_id` that this checker accepts ([`Issuer::issue`]).
    pub fn issue(&self, user_id: i64) -> (String, String) {
        self.issuer.issue(user_id)
    }

    /// An allocation closed: its client address no longer counts.
    pub fn closed(&self, username: &str, client: SocketAddr) {
        let Some((_, user_id)) = parse(username) else { return };
        if let Ok(mut clients) = self.clients.lock()
            && let Some(addrs) = clients.get_mut(&user_id)
        {
            addrs.remove(&client);
            if addrs.is_empty() {
                clients.remove(&user_id);
            }
        }
    }

    fn admit(&self, user_id: i64, client: SocketAddr) -> Result<(), turn::Error> {
        let now = Instant::now();
        let mut clients = self.clients.lock().map_err(|_| turn::Error::Other("allocation table poisoned".into()))?;
        let addrs = clients.entry(user_id).or_default();
        addrs.retain(|_, seen| now.duration_since(*seen) < IDLE);
        if !addrs.contains_key(&client) && addrs.len() >= self.max_allocations_per_user {
            self.counters.refused_quota.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            return Err(turn::Error::Other(format!("user {user_id}: allocation quota reached")));
        }
        addrs.insert(client, now);
        Ok(())
    }
}

impl AuthHandler for Checker {
    fn auth_handle(&self, username: &str, realm: &str, src_addr: SocketAddr) -> Result<Vec<u8>, turn::Error> {
        let refused = |why: &str| {
            self.counters.refused_credentials.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            Err(turn::Error::Other(format!("{why}: {username}")))
        };
        let Some((expiry, user_id)) = parse(username) else { return refused("not EXPIRY:USERID") };
        if expiry < unix_now() {
            return refused("expired");
        }
        self.admit(user_id, src_addr)?;
        Ok(generate_auth_key(username, realm, &self.issuer.password(username)))
    }
}

fn parse(username: &str) -> Option<(u64, i64)> {
    let (expiry, user_id) = username.split_once(':')?;
    Some((expiry.parse().ok()?, user_id.parse().ok()?))
}

fn unix_now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    fn checker(max: usize) -> Checker {
        Checker::new(Issuer::new(b"secret", Duration::from_secs(60)), max, Arc::default())
    }

    fn addr(port: u16) -> SocketAddr {
        SocketAddr::from(([198, 51, 100, 7], port))
    }

    #[test]
    fn an_issued_credential_gives_the_long_term_key_of_its_password() {
        let c = checker(4);
        let (username, password) = c.issuer.issue(42);
        assert!(username.ends_with(":42"));
        let key = c.auth_handle(&username, "azstack", addr(1)).unwrap();
        assert_eq!(key, generate_auth_key(&username, "azstack", &password));
    }

    #[test]
    fn expired_and_malformed_usernames_are_refused() {
        let c = checker(4);
        assert!(c.auth_handle("1:42", "azstack", addr(1)).is_err());
        assert!(c.auth_handle("42", "azstack", addr(1)).is_err());
        assert!(c.auth_handle("x:y", "azstack", addr(1)).is_err());
        assert_eq!(c.counters.refused_credentials.load(std::sync::atomic::Ordering::Relaxed), 3);
    }

    #[test]
    fn a_user_holds_at_most_the_quota_of_client_addresses_until_one_closes() {
        let c = checker(2);
        let (username, _) = c.issuer.issue(7);
        assert!(c.auth_handle(&username, "azstack", addr(1)).is_ok());
        assert!(c.auth_handle(&username, "azstack", addr(2)).is_ok());
        assert!(c.auth_handle(&username, "azstack", addr(1)).is_ok(), "a known address is not a new allocation");
        assert!(c.auth_handle(&username, "azstack", addr(3)).is_err());
        let (other, _) = c.issuer.issue(8);
        assert!(c.auth_handle(&other, "azstack", addr(3)).is_ok(), "the quota is per user");
        c.closed(&username, addr(2));
        assert!(c.auth_handle(&username, "azstack", addr(3)).is_ok());
    }
}
