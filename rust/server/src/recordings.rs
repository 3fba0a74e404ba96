//! Recorded phone calls over HTTP: the signed, expiring links that paid call logs carry as `recordUrl`, and the
//! `GET /recordings/{file}` route that serves them.
//!
//! A recorded call (`azstack_sip::media::recorder`) leaves a WAV file named `CALLID-TOKEN.wav` in the recording
//! directory, where TOKEN is 128 random bits, and its log row stores that name. The name is never handed out
//! alone: whenever a log reaches an app (the 601 push, the 509 list) the name becomes a link
//! `BASE/recordings/NAME?expires=E&sig=S`, where E is a Unix time `link_secs` ahead and S is the base64url
//! HMAC-SHA256 of `NAME\nE` under the server's link key. So a link is unguessable twice over (the token and the
//! signature), stops working at E, and a fresh one comes with every listing — a log kept for years never holds
//! a dead link for longer than the app takes to list again.
//!
//! The key is 32 random bytes in `DIR/.link-key`, made on first start (mode 0600) and kept across restarts, so
//! links survive a restart; deleting the file revokes every link handed out.
//!
//! With `[files]`, recordings live in the object store beside the files (`recordings/NAME`): the recorder writes
//! the WAV to the directory as before, and once the call's media is released (the file complete) it is copied to
//! the store and removed from the directory, before the call's log is pushed — so the 601's link works on any
//! server that shares the store. A recording whose copy failed stays in the directory and is served from there;
//! recordings left in the directory (a copy failed, a crash) are copied at the next start.
//!
//! The route answers 404 for a name that is not a recording's, 403 for a bad or expired signature, 404 for a
//! recording that does not exist (yet: a link handed out while the file is still being completed), and otherwise
//! streams the file (`audio/wav`) from the store or the directory. Recordings are kept until an operator removes
//! them; there is no retention policy yet.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_lc_rs::hmac;
use axum::body::Body;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path as UrlPath, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;

use azstack_sip::RecordingConfig;
use object_store::ObjectStoreExt;
use object_store::path::Path as ObjectPath;

/// The link key's file in the recording directory.
const KEY_FILE: &str = ".link-key";
const KEY_BYTES: usize = 32;

/// Why recordings cannot be set up.
#[derive(Debug, thiserror::Error)]
pub enum RecordingsError {
    #[error("recording directory {0}: {1}")]
    Dir(PathBuf, std::io::Error),
    #[error("recording link key {0}: {1}")]
    Key(PathBuf, String),
}

/// Where recordings live and how their links are made.
pub struct Recordings {
    dir: PathBuf,
    key: hmac::Key,
    base_url: String,
    link_lifetime: Duration,
    /// The object store of `[files]`, when there is one.
    files: Option<Arc<crate::files::Files>>,
}

impl Recordings {
    /// Creates the directory if needed and loads (or makes) the link key. `default_base` is used when the
    /// configuration names no base URL; `files` is where complete recordings go, if anywhere.
    pub fn open(
        config: &RecordingConfig,
        default_base: String,
        files: Option<Arc<crate::files::Files>>,
    ) -> Result<Recordings, RecordingsError> {
        std::fs::create_dir_all(&config.dir).map_err(|e| RecordingsError::Dir(config.dir.clone(), e))?;
        let key = load_or_make_key(&config.dir.join(KEY_FILE))?;
        let base_url = config.base_url.clone().unwrap_or(default_base).trim_end_matches('/').to_owned();
        Ok(Recordings {
            dir: config.dir.clone(),
            key: hmac::Key::new(hmac::HMAC_SHA256, &key),
            base_url,
            link_lifetime: Duration::from_secs(config.link_secs),
            files,
        })
    }

    /// Moves the complete recording `name` from the directory to the object store (if there is one). A failure is
    /// logged and leaves the file where it is, served from there.
    pub async fn store(&self, name: &str) {
        let Some(files) = &self.files else { return };
        if !is_recording_name(name) {
            return;
        }
        let local = self.path(name);
        match crate::files::copy_in(files, &local, &object_path(name)).await {
            Ok(bytes) => {
                tracing::info!(recording = name, bytes, "recording stored");
                if let Err(e) = tokio::fs::remove_file(&local).await {
                    tracing::warn!(recording = name, error = %e, "stored recording not removed from the directory");
                }
            }
            Err(e) => tracing::error!(recording = name, error = %e, "recording not stored; kept in the directory"),
        }
    }

    /// Moves every complete recording left in the directory to the object store (at start).
    pub async fn store_leftovers(&self) {
        if self.files.is_none() {
            return;
        }
        let Ok(mut entries) = tokio::fs::read_dir(&self.dir).await else { return };
        while let Ok(Some(entry)) = entries.next_entry().await {
            if let Some(name) = entry.file_name().to_str().filter(|n| is_recording_name(n)) {
                self.store(name).await;
            }
        }
    }

    /// A fresh, unguessable file name for a recording of `call_id`.
    pub fn new_name(&self, call_id: i64) -> String {
        format!("{call_id}-{:032x}.wav", rand::random::<u128>())
    }

    /// A new recording of `call_id`: its file name (for the log) and path (for the recorder).
    pub fn new_recording(&self, call_id: i64) -> (String, PathBuf) {
        let name = self.new_name(call_id);
        let path = self.path(&name);
        (name, path)
    }

    /// Where the recording `name` is (or will be) stored.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// The link to recording `name`, valid for the configured lifetime from `now`; `""` for no recording.
    pub fn link(&self, name: &str, now: SystemTime) -> String {
        if name.is_empty() {
            return String::new();
        }
        let expires = unix_secs(now).saturating_add(self.link_lifetime.as_secs());
        let sig = URL_SAFE_NO_PAD.encode(hmac::sign(&self.key, signed_text(name, expires).as_bytes()));
        format!("{}/recordings/{name}?expires={expires}&sig={sig}", self.base_url)
    }

    /// The file a link's parts point at, if the link is genuine and not expired at `now`.
    pub fn check(&self, name: &str, expires: u64, sig: &str, now: SystemTime) -> Result<PathBuf, LinkError> {
        if !is_recording_name(name) {
            return Err(LinkError::NotARecording);
        }
        let sig = URL_SAFE_NO_PAD.decode(sig).map_err(|_| LinkError::BadSignature)?;
        hmac::verify(&self.key, signed_text(name, expires).as_bytes(), &sig).map_err(|_| LinkError::BadSignature)?;
        if unix_secs(now) > expires {
            return Err(LinkError::Expired);
        }
        Ok(self.path(name))
    }
}

/// The link to recording `name` (see [`Recordings::link`]), `""` when calls are not recorded.
pub fn link(recordings: Option<&Recordings>, name: &str, now: SystemTime) -> String {
    recordings.map_or_else(String::new, |r| r.link(name, now))
}

/// Why a link is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkError {
    NotARecording,
    BadSignature,
    Expired,
}

fn object_path(name: &str) -> ObjectPath {
    ObjectPath::from(format!("recordings/{name}"))
}

fn signed_text(name: &str, expires: u64) -> String {
    format!("{name}\n{expires}")
}

fn unix_secs(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// `CALLID-TOKEN.wav` as [`Recordings::new_name`] makes them (so no path can be smuggled in).
fn is_recording_name(name: &str) -> bool {
    let Some((call_id, token)) = name.strip_suffix(".wav").and_then(|s| s.split_once('-')) else { return false };
    !call_id.is_empty()
        && call_id.bytes().all(|b| b.is_ascii_digit())
        && token.len() == 32
        && token.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

fn load_or_make_key(path: &Path) -> Result<[u8; KEY_BYTES], RecordingsError> {
    let failed = |e: &dyn std::fmt::Display| RecordingsError::Key(path.to_owned(), e.to_string());
    match std::fs::File::open(path) {
        Ok(mut file) => {
            let mut bytes = Vec::new();
            file.read_to_end(&mut bytes).map_err(|e| failed(&e))?;
            bytes.try_into().map_err(|b: Vec<u8>| failed(&format!("{} bytes, not {KEY_BYTES}", b.len())))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            use std::io::Write;
            use std::os::unix::fs::OpenOptionsExt;
            let key: [u8; KEY_BYTES] = rand::random();
            let mut file = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(path)
                .map_err(|e| failed(&e))?;
            file.write_all(&key).and_then(|()| file.sync_all()).map_err(|e| failed(&e))?;
            Ok(key)
        }
        Err(e) => Err(failed(&e)),
    }
}

#[derive(Deserialize)]
pub struct LinkQuery {
    expires: u64,
    sig: String,
}

/// `GET /recordings/{file}?expires=E&sig=S`.
pub async fn serve(
    State(recordings): State<Option<Arc<Recordings>>>,
    UrlPath(name): UrlPath<String>,
    query: Result<Query<LinkQuery>, QueryRejection>,
) -> Response {
    let Some(recordings) = recordings else { return StatusCode::NOT_FOUND.into_response() };
    let Ok(Query(query)) = query else { return (StatusCode::FORBIDDEN, "no link signature").into_response() };
    let path = match recordings.check(&name, query.expires, &query.sig, SystemTime::now()) {
        Ok(path) => path,
        Err(LinkError::NotARecording) => return StatusCode::NOT_FOUND.into_response(),
        Err(LinkError::BadSignature) => return (StatusCode::FORBIDDEN, "invalid link").into_response(),
        Err(LinkError::Expired) => return (StatusCode::FORBIDDEN, "link expired").into_response(),
    };
    if let Some(files) = &recordings.files {
        match files.objects().get(&object_path(&name)).await {
            Ok(object) => return wav(object.meta.size, crate::files::body_of(object)),
            Err(object_store::Error::NotFound { .. }) => {} // not moved (yet): the directory may have it
            Err(e) => {
                tracing::error!(recording = %name, error = %e, "recording store failed");
                return StatusCode::INTERNAL_SERVER_ERROR.into_response();
            }
        }
    }
    let file = match tokio::fs::File::open(&path).await {
        Ok(file) => file,
        Err(_) => return StatusCode::NOT_FOUND.into_response(),
    };
    let length = match file.metadata().await {
        Ok(m) => m.len(),
        Err(_) => return StatusCode::NOT_FOUND.into_response(),
    };
    wav(length, Body::from_stream(tokio_util::io::ReaderStream::new(file)))
}

fn wav(length: u64, body: Body) -> Response {
    (
        [
            (header::CONTENT_TYPE, "audio/wav".to_owned()),
            (header::CONTENT_LENGTH, length.to_string()),
            (header::CACHE_CONTROL, "private, no-transform".to_owned()),
        ],
        body,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn recordings(dir: &Path) -> Recordings {
        let config =
            RecordingConfig { dir: dir.to_owned(), link_secs: 60, base_url: Some("https://x.example/".into()) };
        Recordings::open(&config, "http://unused".into(), None).unwrap()
    }

    fn parts(link: &str) -> (String, u64, String) {
        let rest = link.strip_prefix("https://x.example/recordings/").unwrap();
        let (name, query) = rest.split_once("?expires=").unwrap();
        let (expires, sig) = query.split_once("&sig=").unwrap();
        (name.to_owned(), expires.parse().unwrap(), sig.to_owned())
    }

    #[test]
    fn a_link_works_until_it_expires_and_only_for_its_file() {
        let dir = tempfile::tempdir().unwrap();
        let r = recordings(dir.path());
        let name = r.new_name(1795694231696);
        assert!(is_recording_name(&name), "{name}");
        let now = UNIX_EPOCH + Duration::from_secs(1_000_000);
        let (linked, expires, sig) = parts(&r.link(&name, now));
        assert_eq!((linked.as_str(), expires), (name.as_str(), 1_000_060));
        assert_eq!(r.check(&name, expires, &sig, now), Ok(dir.path().join(&name)));
        assert_eq!(r.check(&name, expires, &sig, now + Duration::from_secs(60)), Ok(dir.path().join(&name)));
        assert_eq!(r.check(&name, expires, &sig, now + Duration::from_secs(61)), Err(LinkError::Expired));
        assert_eq!(r.check(&name, expires + 3600, &sig, now), Err(LinkError::BadSignature), "a longer life");
        let other = r.new_name(1795694231696);
        assert_eq!(r.check(&other, expires, &sig, now), Err(LinkError::BadSignature), "another file");
        assert_eq!(r.check(&name, expires, "not base64!", now), Err(LinkError::BadSignature));
        assert_eq!(r.link("", now), "", "no recording, no link");
    }

    #[test]
    fn only_recording_names_are_served() {
        let dir = tempfile::tempdir().unwrap();
        let r = recordings(dir.path());
        for bad in ["../.link-key", ".link-key", "1-abc.wav", "x-00000000000000000000000000000000.wav", "", "-.wav"] {
            assert_eq!(r.check(bad, u64::MAX, "", UNIX_EPOCH), Err(LinkError::NotARecording), "{bad}");
        }
        let upper = format!("1-{}.wav", "A".repeat(32));
        assert_eq!(r.check(&upper, u64::MAX, "", UNIX_EPOCH), Err(LinkError::NotARecording));
    }

    #[test]
    fn the_key_survives_a_restart_and_a_damaged_key_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let name = recordings(dir.path()).new_name(7);
        let now = UNIX_EPOCH + Duration::from_secs(5);
        let (_, expires, sig) = parts(&recordings(dir.path()).link(&name, now));
        assert!(recordings(dir.path()).check(&name, expires, &sig, now).is_ok(), "a second start signs alike");
        std::fs::write(dir.path().join(KEY_FILE), b"short").unwrap();
        let config = RecordingConfig::in_dir(dir.path().to_owned());
        assert!(matches!(Recordings::open(&config, String::new(), None), Err(RecordingsError::Key(..))));
    }
}
