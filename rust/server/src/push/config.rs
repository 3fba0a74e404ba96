//! `[apps.push]`: one application's push credentials, as the TOML gives them, and their loading at start (the
//! `.p8` key and the service-account JSON are read once; a missing or malformed file stops the start).
//!
//! ```toml
//! [[apps]]
//! id = "…"
//! verifier = { kind = "accept-all" }
//!
//! [apps.push]
//! hide_content = false            # true: no text preview in the notification
//!
//! [apps.push.apns]
//! key_id = "ABC123DEFG"           # the .p8 key's id (JWT `kid`)
//! team_id = "DEF123GHIJ"          # the developer team (JWT `iss`)
//! key_path = "/etc/azstack/AuthKey_ABC123DEFG.p8"
//! bundle_id = "com.example.chat"  # apns-topic of alert pushes; VoIP pushes go to "<bundle_id>.voip"
//! # endpoint = "https://api.push.apple.com"   (sandbox: https://api.sandbox.push.apple.com)
//! # ca_path = "/etc/azstack/proxy-ca.pem"     only this CA is trusted for the endpoint
//!
//! [apps.push.fcm]
//! service_account_path = "/etc/azstack/firebase-service-account.json"
//! # endpoint = "https://fcm.googleapis.com"
//! # ca_path = "/etc/azstack/proxy-ca.pem"     only this CA is trusted for the endpoint and the token URI
//! ```

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// `[apps.push]` of one application.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PushConfig {
    /// Send a generic text ("New message") instead of a preview of the message.
    #[serde(default)]
    pub hide_content: bool,
    #[serde(default)]
    pub apns: Option<ApnsConfig>,
    #[serde(default)]
    pub fcm: Option<FcmConfig>,
}

/// `[apps.push.apns]`: token-based (`.p8`) authentication.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApnsConfig {
    pub key_id: String,
    pub team_id: String,
    pub key_path: PathBuf,
    pub bundle_id: String,
    #[serde(default = "default_apns_endpoint")]
    pub endpoint: String,
    /// A PEM CA certificate: when set, the only root trusted for the endpoint.
    #[serde(default)]
    pub ca_path: Option<PathBuf>,
}

/// `[apps.push.fcm]`: FCM HTTP v1 with a service account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FcmConfig {
    pub service_account_path: PathBuf,
    #[serde(default = "default_fcm_endpoint")]
    pub endpoint: String,
    /// A PEM CA certificate: when set, the only root trusted for the endpoint and the token URI.
    #[serde(default)]
    pub ca_path: Option<PathBuf>,
}

fn default_apns_endpoint() -> String {
    "https://api.push.apple.com".to_owned()
}

fn default_fcm_endpoint() -> String {
    "https://fcm.googleapis.com".to_owned()
}

/// The fields of a Google service-account JSON file the FCM client uses.
#[derive(Clone, Debug, Deserialize)]
pub struct ServiceAccount {
    pub client_email: String,
    pub private_key: String,
    pub token_uri: String,
    pub project_id: String,
}

/// Why push could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum PushConfigError {
    #[error("cannot read {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{path}: {why}")]
    Invalid { path: PathBuf, why: String },
    #[error("http client: {0}")]
    Http(String),
}

/// Reads a file named by the configuration.
pub fn read(path: &Path) -> Result<Vec<u8>, PushConfigError> {
    std::fs::read(path).map_err(|source| PushConfigError::Read { path: path.to_owned(), source })
}

impl ServiceAccount {
    pub fn load(path: &Path) -> Result<ServiceAccount, PushConfigError> {
        serde_json::from_slice(&read(path)?)
            .map_err(|e| PushConfigError::Invalid { path: path.to_owned(), why: e.to_string() })
    }
}

/// An HTTP/2-capable client; with `ca_path`, trusting that CA only.
pub fn http_client(ca_path: Option<&Path>) -> Result<reqwest::Client, PushConfigError> {
    let mut builder = reqwest::Client::builder()
        .connect_timeout(std::time::Duration::from_secs(10))
        .timeout(std::time::Duration::from_secs(30));
    if let Some(path) = ca_path {
        let pem = read(path)?;
        let ca = reqwest::Certificate::from_pem(&pem)
            .map_err(|e| PushConfigError::Invalid { path: path.to_owned(), why: e.to_string() })?;
        builder = builder.tls_certs_only([ca]);
    }
    builder.build().map_err(|e| PushConfigError::Http(e.to_string()))
}
