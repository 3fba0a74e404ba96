//! `GET /files/{id}?expires=E&sig=S`: a signed download link ([`super::links`]) streamed from the object store.
//!
//! The stored type is served with `X-Content-Type-Options: nosniff` and `Content-Security-Policy: sandbox`, and only
//! images, audio, video and PDF are `inline`; anything else is an `attachment` — an uploaded HTML page never runs
//! as this server's origin.

use std::sync::Arc;

use axum::extract::{Path as UrlPath, Query, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use object_store::ObjectStoreExt;
use object_store::path::Path;
use serde::Deserialize;

use super::links::{LinkError, now_secs};
use super::{FilesState, Refusal};
use crate::admission::Conn;

#[derive(Deserialize)]
pub struct LinkQuery {
    expires: u64,
    sig: String,
}

/// `GET /files/{id}`.
pub async fn download(State(state): State<FilesState>, UrlPath(id): UrlPath<String>, request: Request) -> Response {
    let conn = request.extensions().get::<Arc<Conn>>().cloned();
    let link = Query::<LinkQuery>::try_from_uri(request.uri()).ok().map(|q| q.0);
    match open(&state, &id, link, conn).await {
        Ok(response) => response,
        Err(refusal) => refusal.into_response(),
    }
}

async fn open(
    state: &FilesState,
    id: &str,
    link: Option<LinkQuery>,
    conn: Option<Arc<Conn>>,
) -> Result<Response, Refusal> {
    let files = state.files.clone().ok_or_else(Refusal::disabled)?;
    let not_found = || Refusal::new(StatusCode::NOT_FOUND, "not_found", "no such file");
    if id.len() != 32 || !id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return Err(not_found());
    }
    let forbidden = |m: &str| Refusal::new(StatusCode::FORBIDDEN, "forbidden", m);
    let Some(link) = link else {
        return Err(forbidden("the link is not signed"));
    };
    match files.links.check(&format!("/files/{id}"), link.expires, &link.sig, now_secs()) {
        Ok(()) => {}
        Err(LinkError::BadSignature) => return Err(forbidden("the link is not valid")),
        Err(LinkError::Expired) => return Err(forbidden("the link has expired")),
    }
    // A genuine link is this connection's credential: it is no longer bound by the sockets' login deadline.
    if let Some(conn) = &conn {
        state.admission.authenticated(conn);
    }
    let row = state.store.file(id).await.map_err(Refusal::storage)?.ok_or_else(not_found)?;
    let object = match files.objects.get(&Path::from(format!("files/{id}"))).await {
        Ok(object) => object,
        Err(object_store::Error::NotFound { .. }) => return Err(not_found()),
        Err(e) => return Err(Refusal::storage(e)),
    };
    let length = object.meta.size;
    let inline = ["image/", "audio/", "video/", "application/pdf"].iter().any(|p| row.mime_type.starts_with(p));
    let disposition =
        format!("{}; filename*=UTF-8''{}", if inline { "inline" } else { "attachment" }, percent_encode(&row.name));
    Ok((
        [
            (header::CONTENT_TYPE, row.mime_type),
            (header::CONTENT_LENGTH, length.to_string()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
            (header::CONTENT_SECURITY_POLICY, "sandbox".to_owned()),
            (header::CACHE_CONTROL, "private, no-transform".to_owned()),
        ],
        super::body_of(object),
    )
        .into_response())
}

/// RFC 5987 `attr-char`s as they are, every other byte `%XX`.
fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn names_are_percent_encoded() {
        assert_eq!(super::percent_encode("ảnh 1.png"), "%E1%BA%A3nh%201.png");
        assert_eq!(super::percent_encode("a\"b;c"), "a%22b%3Bc");
    }
}
