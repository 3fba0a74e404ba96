//! Signed download links: `PATH?expires=E&sig=S`, where E is a Unix time and S the base64url HMAC-SHA256 of
//! `PATH\nE` under the store's link key. A link works for exactly its path until E; checking it is a
//! constant-time comparison (`aws_lc_rs::hmac::verify`). Changing the key (deleting `keys/link-key` from the store)
//! revokes every link handed out.

use std::time::{SystemTime, UNIX_EPOCH};

use aws_lc_rs::hmac;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// Why a link is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkError {
    BadSignature,
    Expired,
}

/// Signs and checks links with one key.
pub struct Signer {
    key: hmac::Key,
}

impl Signer {
    pub fn new(key: &[u8]) -> Signer {
        Signer { key: hmac::Key::new(hmac::HMAC_SHA256, key) }
    }

    /// The query string `expires=E&sig=S` that makes `path` a link valid until `expires`.
    pub fn sign(&self, path: &str, expires: u64) -> String {
        let sig = URL_SAFE_NO_PAD.encode(hmac::sign(&self.key, signed_text(path, expires).as_bytes()));
        format!("expires={expires}&sig={sig}")
    }

    /// Whether `sig` signs `path` until `expires`, and `expires` is not before `now` (Unix seconds).
    pub fn check(&self, path: &str, expires: u64, sig: &str, now: u64) -> Result<(), LinkError> {
        let sig = URL_SAFE_NO_PAD.decode(sig).map_err(|_| LinkError::BadSignature)?;
        hmac::verify(&self.key, signed_text(path, expires).as_bytes(), &sig).map_err(|_| LinkError::BadSignature)?;
        if now > expires { Err(LinkError::Expired) } else { Ok(()) }
    }
}

fn signed_text(path: &str, expires: u64) -> String {
    format!("{path}\n{expires}")
}

/// Unix seconds now.
pub fn now_secs() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(query: &str) -> (u64, String) {
        let (expires, sig) = query.strip_prefix("expires=").unwrap().split_once("&sig=").unwrap();
        (expires.parse().unwrap(), sig.to_owned())
    }

    #[test]
    fn a_link_works_for_its_path_until_it_expires() {
        let signer = Signer::new(&[7; 32]);
        let (expires, sig) = parts(&signer.sign("/files/a", 100));
        assert_eq!(signer.check("/files/a", expires, &sig, 100), Ok(()));
        assert_eq!(signer.check("/files/a", expires, &sig, 101), Err(LinkError::Expired));
        assert_eq!(signer.check("/files/b", expires, &sig, 0), Err(LinkError::BadSignature));
        assert_eq!(signer.check("/files/a", expires + 1, &sig, 0), Err(LinkError::BadSignature));
        assert_eq!(signer.check("/files/a", expires, "!", 0), Err(LinkError::BadSignature));
        assert_eq!(Signer::new(&[8; 32]).check("/files/a", expires, &sig, 0), Err(LinkError::BadSignature));
    }
}
