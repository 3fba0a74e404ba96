//! Files for file messages, and call recordings, on object storage (`[files]`): in place of the defunct AZStack
//! upload service of PROTOCOL.md §10.4.
//!
//! ## What a client does
//! `POST /files?name=NAME` with the file as the raw request body (any length up to `max_file_bytes`, streamed; the
//! `Content-Type` it claims), an `Authorization: AZStack TOKEN` header and an `AZStack-App-Id: APPID` header. The
//! reply is `{url, fileLength, mimeType, name}`; `url` is a signed download link that the client puts in a file
//! message (`file: {url, name, length, type}`). `GET` on the link streams the file back until the link expires.
//!
//! ## How the upload is authenticated, and why this way
//! TOKEN is the very token the client sends in svc 179 to log in: `base64(RSA(appPublicKey, {sdkVersion, namespace,
//! azStackUserID, userCredentials}))`. The server decrypts it with the application's private key and asks the
//! application's credential verifier about it — the same code path as a login ([`crate::gateway::login`]), under the
//! same limit on concurrent decryptions — and the upload belongs to the user the login would have bound. This needs
//! no service number (PROTOCOL.md defines none for an upload token, and none may be invented), no state shared
//! between the socket and the HTTP side (so it works on any node, and before, after or without a socket), and gives
//! an upload exactly the authority of a login: whoever holds the token could log in as that user anyway. Its
//! freshness is the credentials' own (an `hmac` verifier's credentials carry an expiry; a webhook decides). The cost
//! is one RSA decryption per upload, bounded by `max_concurrent_decrypts`. Over plain HTTP the token is as exposed as
//! it is on a plain-WebSocket login: deploy behind TLS.
//!
//! ## What is refused, and how
//! Every refusal is a JSON body `{"error": CODE, "message": TEXT}`: 401 `unauthorized` (no, or a bad, token), 400
//! `bad_request` (no or a bad name), 413 `too_large` (above `max_file_bytes`: from `Content-Length` before a byte of
//! the body is read, else as soon as the stream passes it), 413 `quota_exceeded` (the user's files would pass
//! `quota_bytes_per_user`), 500 `storage` (the object store failed), 404 `disabled` (no `[files]`). Download links
//! answer 403 `forbidden` when forged, altered or expired, 404 `not_found` for a file that is not stored.
//!
//! ## Modules
//! [`config`] (the `[files]` table), [`links`] (signed links), [`upload`] and [`download`] (the routes). The quota's
//! table is in [`crate::store::files`]. PROTOCOL.md §10.4's own endpoint (`/api/uploadmessagefile`, authenticated
//! by an MD5 of public values, which authenticates nothing) is not offered.

pub mod config;
pub mod download;
pub mod links;
pub mod upload;

use std::sync::Arc;

use async_trait::async_trait;
use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, PutMode, PutOptions};
use serde_json::json;

pub use config::FilesConfig;

use crate::admission::Admission;
use crate::store::Store;

/// Why the file store cannot be opened.
#[derive(Debug, thiserror::Error)]
pub enum FilesError {
    #[error("files: {0}")]
    Config(String),
    #[error("files: object store: {0}")]
    Store(#[from] object_store::Error),
}

/// Who an upload's token belongs to: the application's id and the token of svc 179, checked as a login would be.
#[async_trait]
pub trait Authenticator: Send + Sync {
    /// The user id the token logs in as, or why not.
    async fn user_for_token(&self, app_id: &str, token: &str) -> Result<i64, String>;
}

/// The object store with what the routes need around it.
pub struct Files {
    pub(crate) objects: Arc<dyn ObjectStore>,
    pub(crate) config: FilesConfig,
    pub(crate) links: links::Signer,
    /// `public_url` without its trailing slash.
    pub(crate) base_url: String,
}

/// Where the link key lives in the object store.
const KEY_OBJECT: &str = "keys/link-key";

impl Files {
    /// Opens the configured store and loads its link key, making one on first start (in the store itself, so every
    /// node sharing the store signs alike). `default_base` is used when `public_url` is not set.
    pub async fn open(config: &FilesConfig, default_base: String) -> Result<Files, FilesError> {
        let objects = config.open_store()?;
        let key = load_or_make_key(objects.as_ref()).await?;
        let base_url = config.public_url.clone().unwrap_or(default_base).trim_end_matches('/').to_owned();
        Ok(Files { objects, config: config.clone(), links: links::Signer::new(&key), base_url })
    }

    /// The object store (recordings are written there too).
    pub fn objects(&self) -> &Arc<dyn ObjectStore> {
        &self.objects
    }

    /// A signed link to stored file `id`, valid for `link_ttl_secs` from now.
    pub fn link(&self, id: &str) -> String {
        let path = format!("/files/{id}");
        let query = self.links.sign(&path, links::now_secs().saturating_add(self.config.link_ttl_secs));
        format!("{}{path}?{query}", self.base_url)
    }
}

/// Copies local file `from` into the store at `to`, in parts, never whole in memory; its length.
pub async fn copy_in(files: &Files, from: &std::path::Path, to: &Path) -> Result<u64, FilesError> {
    use tokio::io::AsyncReadExt;
    let io = |e: std::io::Error| FilesError::Config(format!("{}: {e}", from.display()));
    let mut file = tokio::fs::File::open(from).await.map_err(io)?;
    let mut writer = object_store::WriteMultipart::new_with_chunk_size(
        files.objects.put_multipart(to).await?,
        files.config.part_bytes(),
    );
    let mut length = 0u64;
    loop {
        let mut buffer = vec![0; 256 * 1024];
        let read = match file.read(&mut buffer).await {
            Ok(read) => read,
            Err(e) => {
                let _ = writer.abort().await;
                return Err(io(e));
            }
        };
        if read == 0 {
            break;
        }
        buffer.truncate(read);
        length += read as u64;
        writer.wait_for_capacity(upload::PARTS_IN_FLIGHT).await?;
        writer.put(buffer.into());
    }
    writer.finish().await?;
    Ok(length)
}

/// A stored object as a response body. A directory store's file is read in 256 KiB chunks (object_store's own
/// stream reads it 8 KiB at a time, each on a blocking thread: about a quarter of the speed).
pub fn body_of(object: object_store::GetResult) -> axum::body::Body {
    match object.payload {
        object_store::GetResultPayload::File(file, _) => {
            let file = tokio::fs::File::from_std(file);
            axum::body::Body::from_stream(tokio_util::io::ReaderStream::with_capacity(file, 256 * 1024))
        }
        object_store::GetResultPayload::Stream(stream) => axum::body::Body::from_stream(stream),
    }
}

async fn load_or_make_key(objects: &dyn ObjectStore) -> Result<Vec<u8>, FilesError> {
    let path = Path::from(KEY_OBJECT);
    let fresh: [u8; 32] = rand::random();
    let options = PutOptions { mode: PutMode::Create, ..PutOptions::default() };
    match objects.put_opts(&path, fresh.to_vec().into(), options).await {
        Ok(_) => return Ok(fresh.to_vec()),
        Err(object_store::Error::AlreadyExists { .. }) => {}
        Err(e) => return Err(e.into()),
    }
    let key = objects.get(&path).await?.bytes().await?;
    if key.len() != 32 {
        return Err(FilesError::Config(format!("{KEY_OBJECT}: {} bytes, not 32", key.len())));
    }
    Ok(key.to_vec())
}

/// The routes' shared state.
#[derive(Clone)]
pub struct FilesState {
    pub files: Option<Arc<Files>>,
    pub store: Arc<dyn Store>,
    pub auth: Arc<dyn Authenticator>,
    pub admission: Arc<Admission>,
}

/// A refusal: its status, code and text, as JSON.
#[derive(Debug)]
pub struct Refusal {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

impl Refusal {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Refusal {
        Refusal { status, code, message: message.into() }
    }

    pub(crate) fn disabled() -> Refusal {
        Refusal::new(StatusCode::NOT_FOUND, "disabled", "this server stores no files")
    }

    pub(crate) fn storage(e: impl std::fmt::Display) -> Refusal {
        tracing::error!(error = %e, "file storage failed");
        Refusal::new(StatusCode::INTERNAL_SERVER_ERROR, "storage", "the file could not be stored")
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        (self.status, Json(json!({"error": self.code, "message": self.message}))).into_response()
    }
}
