//! The `[files]` table: which object store holds files and recordings, the limits, and the download links.
//!
//! `store` is a URL: `file:///var/lib/azstack/files` (a local directory, created if missing; the default is
//! `file://` + `files` under the working directory) or `s3://BUCKET[/PREFIX]` (Amazon S3 or any S3-compatible
//! service). Every other key of the table is handed to object_store's S3 builder under its own name — `endpoint`,
//! `region`, `access_key_id`, `secret_access_key`, `session_token`, `allow_http`, `virtual_hosted_style_request`,
//! … (object_store's `AmazonS3ConfigKey` names, with or without their `aws_` prefix); a key it does not know is a
//! configuration error, as is any such key with a `file://` store.

use std::collections::BTreeMap;
use std::str::FromStr;
use std::sync::Arc;

use object_store::ObjectStore;
use object_store::aws::{AmazonS3Builder, AmazonS3ConfigKey};
use object_store::local::LocalFileSystem;
use object_store::prefix::PrefixStore;
use serde::{Deserialize, Serialize};

use super::FilesError;

/// `[files]`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct FilesConfig {
    /// `file:///DIR` or `s3://BUCKET[/PREFIX]`.
    #[serde(default = "default_store")]
    pub store: String,
    /// Largest file one upload may store, in bytes.
    #[serde(default = "default_max_file_bytes")]
    pub max_file_bytes: u64,
    /// Bytes of files one user may have stored in all.
    #[serde(default = "default_quota")]
    pub quota_bytes_per_user: u64,
    /// The base URL of download links (`https://files.example.org`); defaults to this server's own address.
    #[serde(default)]
    pub public_url: Option<String>,
    /// How long a download link works, in seconds. A file message carries its link for good, so this is how long
    /// a file stays reachable from the message that carries it.
    #[serde(default = "default_link_ttl")]
    pub link_ttl_secs: u64,
    /// The object store's own options (S3: `endpoint`, `region`, credentials, …).
    #[serde(flatten)]
    pub options: BTreeMap<String, toml::Value>,
}

fn default_store() -> String {
    "file://files".to_owned()
}
fn default_max_file_bytes() -> u64 {
    100 * 1024 * 1024
}
fn default_quota() -> u64 {
    1024 * 1024 * 1024
}
fn default_link_ttl() -> u64 {
    30 * 24 * 3600
}

impl Default for FilesConfig {
    fn default() -> FilesConfig {
        FilesConfig {
            store: default_store(),
            max_file_bytes: default_max_file_bytes(),
            quota_bytes_per_user: default_quota(),
            public_url: None,
            link_ttl_secs: default_link_ttl(),
            options: BTreeMap::new(),
        }
    }
}

impl FilesConfig {
    /// A local store in `dir`.
    pub fn in_dir(dir: &std::path::Path) -> FilesConfig {
        FilesConfig { store: format!("file://{}", dir.display()), ..FilesConfig::default() }
    }

    /// Bytes per part when streaming into the store: S3's smallest part (5 MiB), 1 MiB for a directory (which has
    /// no minimum), so an upload holds at most a few parts in memory.
    pub fn part_bytes(&self) -> usize {
        if self.store.starts_with("file://") { 1024 * 1024 } else { 5 * 1024 * 1024 }
    }

    /// Opens the object store `store` names.
    pub fn open_store(&self) -> Result<Arc<dyn ObjectStore>, FilesError> {
        let bad = |m: String| FilesError::Config(m);
        if let Some(dir) = self.store.strip_prefix("file://") {
            if let Some(key) = self.options.keys().next() {
                return Err(bad(format!("unknown key `{key}` (a local store takes no options)")));
            }
            if dir.is_empty() {
                return Err(bad("`store = \"file://\"` names no directory".to_owned()));
            }
            std::fs::create_dir_all(dir).map_err(|e| bad(format!("{dir}: {e}")))?;
            return Ok(Arc::new(LocalFileSystem::new_with_prefix(dir)?));
        }
        let Some(rest) = self.store.strip_prefix("s3://") else {
            return Err(bad(format!("store `{}`: only file:// and s3:// URLs are supported", self.store)));
        };
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        let mut builder = AmazonS3Builder::new().with_bucket_name(bucket);
        for (key, value) in &self.options {
            let parsed = AmazonS3ConfigKey::from_str(&key.to_ascii_lowercase())
                .map_err(|_| bad(format!("unknown key `{key}` (not an object_store S3 option)")))?;
            let value = match value {
                toml::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            builder = builder.with_config(parsed, value);
        }
        let s3 = builder.build()?;
        let prefix = prefix.trim_matches('/');
        Ok(if prefix.is_empty() { Arc::new(s3) } else { Arc::new(PrefixStore::new(s3, prefix)) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<FilesConfig, toml::de::Error> {
        toml::from_str(text)
    }

    #[test]
    fn s3_options_are_object_stores_own_and_typos_are_errors() {
        let config = parse(
            "store = \"s3://bucket/azstack\"\nendpoint = \"http://127.0.0.1:9000\"\nregion = \"eu-west-1\"\n\
             access_key_id = \"k\"\nsecret_access_key = \"s\"\nallow_http = true\n",
        )
        .unwrap();
        assert_eq!(config.max_file_bytes, 100 * 1024 * 1024);
        assert!(config.open_store().is_ok(), "an S3 store is built without touching the network");
        let typo = parse("store = \"s3://bucket\"\nendpont = \"http://x\"\n").unwrap();
        assert!(matches!(typo.open_store(), Err(FilesError::Config(m)) if m.contains("endpont")));
        let local = parse("store = \"file:///tmp/x\"\nregion = \"eu\"\n").unwrap();
        assert!(matches!(local.open_store(), Err(FilesError::Config(_))));
        let other = parse("store = \"gs://bucket\"\n").unwrap();
        assert!(matches!(other.open_store(), Err(FilesError::Config(_))));
    }

    #[test]
    fn a_local_store_is_created() {
        let dir = tempfile::tempdir().unwrap();
        let config = FilesConfig::in_dir(&dir.path().join("a/b"));
        assert!(config.open_store().is_ok());
        assert!(dir.path().join("a/b").is_dir());
    }
}
