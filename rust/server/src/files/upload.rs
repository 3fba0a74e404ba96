//! `POST /files?name=NAME`: an authenticated, streamed upload (see the module [`super`] for the protocol).
//!
//! The body goes to the object store as it arrives, in parts ([`super::FilesConfig::part_bytes`]: 5 MiB, S3's
//! smallest, or 1 MiB for a directory), at most [`PARTS_IN_FLIGHT`] being written at once, so an upload holds a few
//! parts in memory whatever its size. The limits are checked before a byte is read
//! when the client declares a `Content-Length`, and on every chunk otherwise; an upload stopped by a limit is
//! aborted in the store (no object is left). The first [`SNIFF_BYTES`] are kept to sniff the content type. The quota
//! is charged once the object is complete (`Store::add_file`, atomic): an upload that loses a race for the last
//! bytes of a quota is deleted and refused.

use std::sync::Arc;

use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::{Query, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::{Stream, StreamExt};
use object_store::path::Path;
use object_store::{ObjectStoreExt, WriteMultipart};
use serde::{Deserialize, Serialize};

use super::{Files, FilesState, Refusal};
use crate::admission::Conn;
use crate::store::Store;
use crate::store::files::FileRow;

/// Parts being written at once.
pub const PARTS_IN_FLIGHT: usize = 2;
/// Bytes kept from the start of the file for content sniffing.
pub const SNIFF_BYTES: usize = 8192;
/// Longest file name, in bytes.
const MAX_NAME_BYTES: usize = 255;
/// The `Authorization` scheme carrying the svc 179 token.
pub const AUTH_SCHEME: &str = "AZStack ";
/// The header naming the application.
pub const APP_ID_HEADER: &str = "azstack-app-id";

/// The reply to an upload.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Uploaded {
    /// The signed download link, for the file message.
    pub url: String,
    pub file_length: u64,
    /// The stored content type (sniffed when the bytes say what they are).
    pub mime_type: String,
    pub name: String,
}

#[derive(Deserialize)]
pub struct UploadQuery {
    name: Option<String>,
}

/// `POST /files?name=NAME`.
pub async fn upload(State(state): State<FilesState>, request: Request) -> Response {
    match receive(&state, request).await {
        Ok(uploaded) => Json(uploaded).into_response(),
        Err(refusal) => refusal.into_response(),
    }
}

async fn receive(state: &FilesState, request: Request) -> Result<Uploaded, Refusal> {
    let files = state.files.clone().ok_or_else(Refusal::disabled)?;
    let (parts, body) = request.into_parts();
    let user_id = authenticate(state, &parts.headers).await?;
    // Logged in by its token: the connection is no longer bound by the login deadline of sockets.
    if let Some(conn) = parts.extensions.get::<Arc<Conn>>() {
        state.admission.authenticated(conn);
    }
    let name = Query::<UploadQuery>::try_from_uri(&parts.uri).ok().and_then(|q| q.0.name).unwrap_or_default();
    check_name(&name)?;
    let claimed = parts.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let declared = parts.headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    let upload = Upload { user_id, name, claimed, declared };
    store_stream(&files, state.store.as_ref(), upload, Body::into_data_stream(body)).await
}

/// What is known of an upload before its bytes.
pub struct Upload {
    pub user_id: i64,
    pub name: String,
    pub claimed: Option<String>,
    pub declared: Option<u64>,
}

/// Stores the bytes of `stream` as a file of `upload.user_id` within the limits, and links to it.
pub async fn store_stream<S, E>(
    files: &Files,
    store: &dyn Store,
    upload: Upload,
    stream: S,
) -> Result<Uploaded, Refusal>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    let used = store.file_bytes_used(upload.user_id).await.map_err(Refusal::storage)?;
    let limits = Limits {
        max: files.config.max_file_bytes,
        remaining: files.config.quota_bytes_per_user.saturating_sub(u64::try_from(used).unwrap_or(u64::MAX)),
    };
    if let Some(length) = upload.declared {
        limits.check(length)?;
    }
    let id = format!("{:032x}", rand::random::<u128>());
    let path = Path::from(format!("files/{id}"));
    let multipart = files.objects.put_multipart(&path).await.map_err(Refusal::storage)?;
    let mut writer = WriteMultipart::new_with_chunk_size(multipart, files.config.part_bytes());
    let (length, head) = match pump(&mut writer, stream, &limits).await {
        Ok(read) => read,
        Err(refusal) => {
            if let Err(e) = writer.abort().await {
                tracing::warn!(error = %e, "aborting a refused upload failed");
            }
            return Err(refusal);
        }
    };
    writer.finish().await.map_err(Refusal::storage)?;
    let row = FileRow {
        id: id.clone(),
        user_id: upload.user_id,
        bytes: i64::try_from(length).unwrap_or(i64::MAX),
        mime_type: stored_type(upload.claimed.as_deref(), &head),
        name: upload.name,
        created: crate::store::now_ms(),
    };
    let quota = i64::try_from(files.config.quota_bytes_per_user).unwrap_or(i64::MAX);
    let recorded = store.add_file(&row, quota).await;
    if !matches!(recorded, Ok(true)) {
        if let Err(e) = files.objects.delete(&path).await {
            tracing::warn!(error = %e, "deleting a refused upload failed");
        }
        recorded.map_err(Refusal::storage)?;
        return Err(quota_exceeded());
    }
    Ok(Uploaded { url: files.link(&id), file_length: length, mime_type: row.mime_type, name: row.name })
}

struct Limits {
    max: u64,
    remaining: u64,
}

impl Limits {
    fn check(&self, length: u64) -> Result<(), Refusal> {
        if length > self.max {
            return Err(Refusal::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                format!("the file is larger than {} bytes", self.max),
            ));
        }
        if length > self.remaining {
            return Err(quota_exceeded());
        }
        Ok(())
    }
}

fn quota_exceeded() -> Refusal {
    Refusal::new(StatusCode::PAYLOAD_TOO_LARGE, "quota_exceeded", "the user's storage quota would be exceeded")
}

/// Moves the stream into the writer; its length and first bytes.
async fn pump<S, E>(writer: &mut WriteMultipart, mut stream: S, limits: &Limits) -> Result<(u64, Vec<u8>), Refusal>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    let mut length = 0u64;
    let mut head = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| {
            Refusal::new(StatusCode::BAD_REQUEST, "bad_request", format!("the upload was interrupted: {e}"))
        })?;
        length = length.saturating_add(chunk.len() as u64);
        limits.check(length)?;
        if head.len() < SNIFF_BYTES {
            let take = chunk.len().min(SNIFF_BYTES - head.len());
            head.extend_from_slice(&chunk[..take]);
        }
        writer.wait_for_capacity(PARTS_IN_FLIGHT).await.map_err(Refusal::storage)?;
        writer.put(chunk);
    }
    Ok((length, head))
}

/// The type to store: what the bytes are when their magic is known, else the claimed type when it is a well-formed
/// `type/subtype`, else `application/octet-stream`.
pub fn stored_type(claimed: Option<&str>, head: &[u8]) -> String {
    if let Some(kind) = infer::get(head) {
        return kind.mime_type().to_owned();
    }
    let claimed = claimed.map(|c| c.split(';').next().unwrap_or("").trim().to_ascii_lowercase());
    match claimed {
        Some(c) if is_media_type(&c) => c,
        _ => "application/octet-stream".to_owned(),
    }
}

fn is_media_type(text: &str) -> bool {
    let token = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$&-^_.+".contains(&b));
    text.split_once('/').is_some_and(|(t, s)| token(t) && token(s))
}

fn check_name(name: &str) -> Result<(), Refusal> {
    if name.is_empty() || name.len() > MAX_NAME_BYTES || name.chars().any(char::is_control) {
        return Err(Refusal::new(
            StatusCode::BAD_REQUEST,
            "bad_request",
            format!("`name` must be 1 to {MAX_NAME_BYTES} bytes without control characters"),
        ));
    }
    Ok(())
}

async fn authenticate(state: &FilesState, headers: &HeaderMap) -> Result<i64, Refusal> {
    let unauthorized = |m: String| Refusal::new(StatusCode::UNAUTHORIZED, "unauthorized", m);
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix(AUTH_SCHEME))
        .ok_or_else(|| unauthorized(format!("an `Authorization: {AUTH_SCHEME}TOKEN` header is required")))?;
    let app_id = headers
        .get(APP_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| unauthorized(format!("an `{APP_ID_HEADER}` header is required")))?;
    state.auth.user_for_token(app_id, token.trim()).await.map_err(unauthorized)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sniffed_type_wins_over_a_claim_and_bad_claims_are_octet_streams() {
        let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
        assert_eq!(stored_type(Some("text/plain"), png), "image/png");
        assert_eq!(stored_type(None, png), "image/png");
        assert_eq!(stored_type(Some("Text/Plain; charset=utf-8"), b"hello"), "text/plain");
        assert_eq!(stored_type(Some("nonsense"), b"hello"), "application/octet-stream");
        assert_eq!(stored_type(Some("text/html\r\nX: y"), b"hello"), "application/octet-stream");
        assert_eq!(stored_type(None, b""), "application/octet-stream");
    }

    #[test]
    fn names_are_bounded_and_printable() {
        assert!(check_name("photo.png").is_ok());
        assert!(check_name("ảnh chụp.jpg").is_ok());
        assert!(check_name("").is_err());
        assert!(check_name("a\nb").is_err());
        assert!(check_name(&"x".repeat(256)).is_err());
    }
}
