//! `uploadFile({path | uri, name, mimeType})` (extension): a file streamed from disk to the server's file store,
//! for a file message. The result `{url, fileLength, mimeType, name}` gives what `newMessage`'s
//! `file: {url, name, length, type}` needs.
//!
//! The file goes as the raw body of `POST BASE/files?name=NAME`, where BASE is `masterSocketUri`'s scheme, host and
//! port (`ws` read as `http`, `wss` as `https`), with `Content-Length` and the claimed `Content-Type`. It is
//! authenticated by the svc 179 token this user logs in with (`Authorization: AZStack TOKEN`, `AZStack-App-Id`),
//! so it needs no socket: the server checks it as it checks a login. `https` uses the TLS configuration of every
//! other secure connection ([`crate::tls`]).
//!
//! The file is read in [`CHUNK`]s as the connection takes them, never whole. `onUploadFileProgress`
//! `{name, sent, total}` reports the bytes handed to the connection: at most about once per percent, and always once
//! with `sent == total` when the last byte has gone (before the server's reply). A refusal of the server (too large,
//! over quota, bad credentials) is `ERR_UNEXPECTED_RECEIVED_DATA` with the server's own message.

use std::path::PathBuf;

use azstack_protocol::errors::{ApiError, ErrorCode};
use bytes::Bytes;
use serde_json::Value;
use tokio::io::AsyncReadExt;

use crate::auth::login_token;
use crate::core::area_handle;
use crate::events::Event;
use crate::model::{UploadProgress, UploadedFile};
use crate::validate::{self, Kind, Rule, send_data_error};

/// Bytes read from the file at a time.
pub const CHUNK: usize = 64 * 1024;

/// `uploadFile`'s options.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UploadFileOptions {
    /// The file on this device.
    pub path: PathBuf,
    /// The name stored with it (defaults to the file's own name).
    pub name: String,
    /// The type claimed (defaults to `application/octet-stream`; the server sniffs the bytes anyway).
    pub mime_type: String,
}

impl UploadFileOptions {
    pub fn from_json(params: &Value) -> Result<Self, ApiError> {
        let o = validate::options(params, "Missing upload file params")?;
        Rule::field(o, "path").not_empty().kind(Kind::String).check()?;
        Rule::field(o, "uri").not_empty().kind(Kind::String).check()?;
        Rule::field(o, "name").not_empty().kind(Kind::String).check()?;
        Rule::field(o, "mimeType").not_empty().kind(Kind::String).check()?;
        let path = match (o.get("path").and_then(Value::as_str), o.get("uri").and_then(Value::as_str)) {
            (Some(path), _) => PathBuf::from(path),
            (None, Some(uri)) => path_of_uri(uri)?,
            (None, None) => return Err(send_data_error("path or uri is required")),
        };
        let name = match o.get("name").and_then(Value::as_str) {
            Some(name) => name.to_owned(),
            None => path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
        };
        let mime_type = o.get("mimeType").and_then(Value::as_str).unwrap_or("application/octet-stream").to_owned();
        Ok(UploadFileOptions { path, name, mime_type })
    }
}

/// The path of a `file://` URI (percent-decoded). Other schemes (`content://`) are the platform's to resolve.
fn path_of_uri(uri: &str) -> Result<PathBuf, ApiError> {
    let Some(rest) = uri.strip_prefix("file://") else {
        return Err(send_data_error("uri must be a file:// URI"));
    };
    let rest = rest.strip_prefix("localhost").unwrap_or(rest);
    let bytes = rest.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (bytes[i], bytes.get(i + 1).copied().and_then(hex), bytes.get(i + 2).copied().and_then(hex)) {
            (b'%', Some(hi), Some(lo)) => {
                out.push((hi * 16 + lo) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).map(PathBuf::from).map_err(|_| send_data_error("uri is not valid UTF-8"))
}

/// `http(s)://HOST:PORT` of `masterSocketUri`.
pub fn base_url(master_socket_uri: &str) -> Result<String, ApiError> {
    let (scheme, rest) =
        master_socket_uri.split_once("://").ok_or_else(|| ApiError::unexpected("masterSocketUri is not a URL"))?;
    let scheme = match scheme.to_ascii_lowercase().as_str() {
        "http" | "ws" => "http",
        "https" | "wss" => "https",
        _ => return Err(ApiError::unexpected("masterSocketUri is not an http(s) or ws(s) URL")),
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    Ok(format!("{scheme}://{authority}"))
}

fn refused(message: impl Into<String>) -> ApiError {
    ApiError::new(ErrorCode::UnexpectedReceivedData, message)
}

area_handle! {
    /// File uploads: `engine.uploads()`.
    Uploads {}
}

impl Uploads {
    /// Streams the file to the server's `/files` and returns its link.
    pub async fn upload_file(&self, o: UploadFileOptions) -> Result<UploadedFile, ApiError> {
        let config = self.config();
        let data = &config.authenticating_data;
        if data.app_id.is_empty() || data.public_key.is_empty() || data.az_stack_user_id.is_empty() {
            return Err(ApiError::unexpected("appId, publicKey and azStackUserId are required to upload a file"));
        }
        let token = login_token(data)?;
        let url = format!("{}/files?name={}", base_url(&config.master_socket_uri)?, query_encode(&o.name));
        let file = tokio::fs::File::open(&o.path)
            .await
            .map_err(|e| ApiError::unexpected(format!("Cannot open {}: {e}", o.path.display())))?;
        let total =
            file.metadata().await.map_err(|e| ApiError::unexpected(format!("Cannot read the file: {e}")))?.len();
        if total == 0 {
            // No chunk will report it: an empty file is sent as soon as it starts.
            self.emit(Event::UploadFileProgress(UploadProgress { name: o.name.clone(), sent: 0, total: 0 }));
        }
        let body = reqwest::Body::wrap_stream(self.chunks(file, o.name.clone(), total));
        let response = client(self.request_timeout())?
            .post(url)
            .header("authorization", format!("AZStack {token}"))
            .header("azstack-app-id", &data.app_id)
            .header("content-type", &o.mime_type)
            .header("content-length", total)
            .body(body)
            .send()
            .await
            .map_err(|e| ApiError::new(ErrorCode::SocketConnect, format!("Cannot upload the file: {e}")))?;
        let status = response.status();
        let reply = response.bytes().await.ok().and_then(|b| serde_json::from_slice::<Value>(&b).ok());
        let reply = reply.ok_or_else(|| refused("Server response with error, upload file fail"))?;
        if !status.is_success() {
            let message = reply.get("message").and_then(Value::as_str).unwrap_or("upload file fail");
            return Err(refused(format!("Server refused the file ({}): {message}", status.as_u16())));
        }
        serde_json::from_value(reply).map_err(|_| refused("Cannot parse received data, upload file fail"))
    }

    /// The file as a stream of chunks, reporting progress as the connection takes them.
    fn chunks(
        &self,
        file: tokio::fs::File,
        name: String,
        total: u64,
    ) -> impl futures_util::Stream<Item = std::io::Result<Bytes>> + Send + 'static {
        let core = self.core.clone();
        let step = (total / 100).max(CHUNK as u64);
        let state = (file, 0u64, 0u64, false);
        futures_util::stream::unfold(state, move |(mut file, sent, reported, done)| {
            let core = core.clone();
            let name = name.clone();
            async move {
                if done {
                    return None;
                }
                let mut buffer = vec![0; CHUNK];
                let read = match file.read(&mut buffer).await {
                    Ok(read) => read,
                    Err(e) => return Some((Err(e), (file, sent, reported, true))),
                };
                if read == 0 {
                    return None;
                }
                buffer.truncate(read);
                let sent = sent + read as u64;
                let mut reported = reported;
                if sent >= total || sent - reported >= step {
                    reported = sent;
                    core.emit(Event::UploadFileProgress(UploadProgress { name, sent, total }));
                }
                Some((Ok(Bytes::from(buffer)), (file, sent, reported, false)))
            }
        })
    }
}

/// The HTTP client: rustls with the engine's trust ([`crate::tls`]) when built with TLS; a connection must be made
/// within `requestTimeout` (the upload itself takes as long as the file needs).
fn client(connect_timeout: std::time::Duration) -> Result<reqwest::Client, ApiError> {
    let builder = reqwest::Client::builder().connect_timeout(connect_timeout);
    #[cfg(feature = "tls")]
    let builder = builder.tls_backend_preconfigured(
        (*crate::tls::client_config().map_err(|e| ApiError::unexpected(format!("TLS: {e}")))?.0).clone(),
    );
    builder.build().map_err(|e| ApiError::unexpected(format!("Cannot make an HTTP client: {e}")))
}

/// `name` percent-encoded for a query string.
fn query_encode(name: &str) -> String {
    name.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_base_url_follows_master_socket_uri() {
        assert_eq!(base_url("https://chat.example.org:9199").unwrap(), "https://chat.example.org:9199");
        assert_eq!(base_url("ws://127.0.0.1:9000/socket.io/?x=1").unwrap(), "http://127.0.0.1:9000");
        assert_eq!(base_url("WSS://h").unwrap(), "https://h");
        assert!(base_url("ftp://h").is_err());
        assert!(base_url("nothing").is_err());
    }

    #[test]
    fn options_take_a_path_or_a_file_uri() {
        let o = UploadFileOptions::from_json(&json!({"uri": "file:///data/my%20photo.png"})).unwrap();
        assert_eq!(o.path, PathBuf::from("/data/my photo.png"));
        assert_eq!((o.name.as_str(), o.mime_type.as_str()), ("my photo.png", "application/octet-stream"));
        let o = UploadFileOptions::from_json(&json!({"path": "/a/b.bin", "name": "c.bin", "mimeType": "x/y"})).unwrap();
        assert_eq!((o.path, o.name, o.mime_type), (PathBuf::from("/a/b.bin"), "c.bin".into(), "x/y".into()));
        assert!(UploadFileOptions::from_json(&json!({})).is_err());
        assert!(UploadFileOptions::from_json(&json!({"uri": "content://media/1"})).is_err());
        assert!(UploadFileOptions::from_json(&json!({"path": 3})).is_err());
        assert!(UploadFileOptions::from_json(&json!(null)).is_err());
        assert_eq!(query_encode("ảnh 1.png"), "%E1%BA%A3nh%201.png");
    }
}
