//! `[cluster]` in the TOML: how this node finds the others (the Redis URL), what discovery hands out for it (its
//! public URL), and its name among them. Several nodes share one PostgreSQL database, so a configuration that has
//! `[cluster]` with any other store is refused at start-up ([`ClusterConfig::check`]).

use serde::{Deserialize, Serialize};

/// `[cluster]`: this node is one of several sharing one PostgreSQL database and one Redis.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterConfig {
    /// `redis://HOST:PORT[/DB]`, or `rediss://…` for TLS: presence, heartbeats and the cross-node fan-out.
    pub redis_url: String,
    /// With `rediss://`: the PEM file of the certificate authorities that Redis' certificate must chain to, in place
    /// of the system's (a private CA). Without it a `rediss://` Redis must present a certificate the system trusts.
    #[serde(default)]
    pub redis_ca_path: Option<std::path::PathBuf>,
    /// This node's public URL (`http://HOST:PORT` or `https://…`), which discovery (svc 29) hands out to clients.
    pub node_url: String,
    /// This node's name, unique in the cluster and kept across restarts (e.g. `node-1`).
    pub node_id: String,
    /// How long a SIGTERM's drain may take before the node exits anyway.
    #[serde(default = "default_drain_timeout_secs")]
    pub drain_timeout_secs: u64,
}

fn default_drain_timeout_secs() -> u64 {
    10
}

/// Why a `[cluster]` section cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    #[error("[cluster] needs a PostgreSQL database (database = \"postgres://…\"): every node shares it")]
    NotPostgres,
    #[error("[cluster] node_url {0:?} is not an http(s)://HOST:PORT URL")]
    NodeUrl(String),
    #[error("[cluster] node_id must be non-empty letters, digits, '-' or '_'")]
    NodeId,
    #[error("[cluster] Redis at {url}: {source}")]
    Redis { url: String, source: redis::RedisError },
    #[error("[cluster] redis_ca_path {path}: {source}")]
    RedisCa { path: String, source: std::io::Error },
    #[error("[cluster] redis_ca_path is set but redis_url is not rediss:// (TLS)")]
    CaWithoutTls,
}

impl ClusterConfig {
    /// Refuses a cluster on anything but PostgreSQL, and a node URL or id that cannot work.
    pub fn check(&self, database: &str) -> Result<(), ClusterError> {
        if !(database.starts_with("postgres://") || database.starts_with("postgresql://")) {
            return Err(ClusterError::NotPostgres);
        }
        self.public_addr()?;
        let id_ok =
            !self.node_id.is_empty() && self.node_id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !id_ok {
            return Err(ClusterError::NodeId);
        }
        if self.redis_ca_path.is_some() && !self.redis_url.starts_with("rediss://") {
            return Err(ClusterError::CaWithoutTls);
        }
        Ok(())
    }

    /// The Redis client of `redis_url`: over TLS for `rediss://`, trusting `redis_ca_path`'s authorities when set,
    /// the system's otherwise.
    pub fn redis_client(&self) -> Result<redis::Client, ClusterError> {
        let error = |source| ClusterError::Redis { url: self.redis_url.clone(), source };
        if self.redis_url.starts_with("rediss://") {
            // The redis crate builds its rustls configuration on the process' default provider, which rustls cannot
            // choose by itself when more than one is compiled in; a provider already installed stays.
            let _ = rustls::crypto::ring::default_provider().install_default();
        }
        let Some(path) = &self.redis_ca_path else {
            return redis::Client::open(self.redis_url.as_str()).map_err(error);
        };
        let root_cert =
            std::fs::read(path).map_err(|source| ClusterError::RedisCa { path: path.display().to_string(), source })?;
        let certificates = redis::TlsCertificates { client_tls: None, root_cert: Some(root_cert) };
        redis::Client::build_with_tls(self.redis_url.as_str(), certificates).map_err(error)
    }

    /// The host and port of `node_url`, as the discovery reply (svc 29) carries them.
    pub fn public_addr(&self) -> Result<(String, u16), ClusterError> {
        node_addr(&self.node_url).ok_or_else(|| ClusterError::NodeUrl(self.node_url.clone()))
    }
}

/// The host and port of a node URL (`http://HOST:PORT`, `https://HOST` → 443).
pub fn node_addr(url: &str) -> Option<(String, u16)> {
    let uri: http::Uri = url.parse().ok()?;
    let default = match uri.scheme_str()? {
        "http" => 80,
        "https" => 443,
        _ => return None,
    };
    let host = uri.host()?.trim_start_matches('[').trim_end_matches(']').to_owned();
    Some((host, uri.port_u16().unwrap_or(default)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(url: &str, id: &str) -> ClusterConfig {
        ClusterConfig {
            redis_url: "redis://127.0.0.1:6379".into(),
            node_url: url.into(),
            node_id: id.into(),
            drain_timeout_secs: 10,
            redis_ca_path: None,
        }
    }

    #[test]
    fn a_cluster_needs_postgres() {
        let c = config("http://10.0.0.1:9199", "n1");
        assert!(matches!(c.check("sqlite::memory:"), Err(ClusterError::NotPostgres)));
        assert!(c.check("postgres://u@db/azstack").is_ok());
    }

    #[test]
    fn node_urls_and_ids_are_checked() {
        assert_eq!(node_addr("http://10.0.0.1:9199"), Some(("10.0.0.1".into(), 9199)));
        assert_eq!(node_addr("https://chat.example.org"), Some(("chat.example.org".into(), 443)));
        assert_eq!(node_addr("ftp://x:1"), None);
        assert!(matches!(config("10.0.0.1:9199", "n1").check("postgres://db/a"), Err(ClusterError::NodeUrl(_))));
        assert!(matches!(config("http://a:1", "n 1").check("postgres://db/a"), Err(ClusterError::NodeId)));
        let mut plain_with_ca = config("http://a:1", "n1");
        plain_with_ca.redis_ca_path = Some("ca.pem".into());
        assert!(matches!(plain_with_ca.check("postgres://db/a"), Err(ClusterError::CaWithoutTls)));
    }
}
