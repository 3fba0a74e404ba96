//! Application key pairs and token decryption (PROTOCOL.md §2.2).
//!
//! The client encrypts its token with the application's RSA public key using PKCS#1 v1.5 padding. Decryption uses
//! aws-lc-rs, whose PKCS#1 decryption is constant-time (the pure-Rust `rsa` crate is still listed for the Marvin
//! timing attack). Two quirks of jsencrypt are absorbed here: a ciphertext one byte shorter than the modulus (left-pad
//! it) and characters outside the BMP written as CESU-8 surrogate pairs (decode leniently).

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::PublicEncryptingKey;
use aws_lc_rs::rsa::{KeySize, Pkcs1PrivateDecryptingKey, Pkcs1PublicEncryptingKey, PrivateDecryptingKey};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

/// Why a key or a token was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum KeyError {
    #[error("the private key is not a valid PKCS#8 RSA key")]
    BadPrivateKey,
    #[error("the public key is not a valid base64 SPKI RSA key")]
    BadPublicKey,
    #[error("could not generate a key pair")]
    Generate,
    #[error("the token is not base64")]
    TokenNotBase64,
    #[error("the token does not decrypt with this application's key")]
    TokenUndecryptable,
}

/// An application's RSA key pair.
pub struct AppKey {
    decrypting: Pkcs1PrivateDecryptingKey,
    /// Base64 PKCS#8 DER of the private key, as stored.
    pub private_pkcs8_b64: String,
    /// Base64 SPKI DER of the public key: the `publicKey` the SDK is configured with.
    pub public_spki_b64: String,
}

impl std::fmt::Debug for AppKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppKey").field("public_spki_b64", &self.public_spki_b64).finish_non_exhaustive()
    }
}

impl AppKey {
    /// A fresh 2048-bit key pair.
    pub fn generate() -> Result<AppKey, KeyError> {
        let key = PrivateDecryptingKey::generate(KeySize::Rsa2048).map_err(|_| KeyError::Generate)?;
        let pkcs8 = key.as_der().map_err(|_| KeyError::Generate)?;
        AppKey::from_pkcs8_b64(&STANDARD.encode(pkcs8.as_ref()))
    }

    /// Loads a stored key (base64 PKCS#8 DER, PEM armour and line breaks tolerated).
    pub fn from_pkcs8_b64(text: &str) -> Result<AppKey, KeyError> {
        let der = STANDARD.decode(strip_pem(text)).map_err(|_| KeyError::BadPrivateKey)?;
        let key = PrivateDecryptingKey::from_pkcs8(&der).map_err(|_| KeyError::BadPrivateKey)?;
        let public = key.public_key().as_der().map_err(|_| KeyError::BadPrivateKey)?;
        let public_spki_b64 = STANDARD.encode(public.as_ref());
        let decrypting = Pkcs1PrivateDecryptingKey::new(key).map_err(|_| KeyError::BadPrivateKey)?;
        Ok(AppKey { decrypting, private_pkcs8_b64: STANDARD.encode(&der), public_spki_b64 })
    }

    /// Decrypts a base64 token into its plaintext JSON text.
    pub fn decrypt_token(&self, token_b64: &str) -> Result<String, KeyError> {
        let mut cipher = STANDARD.decode(token_b64.trim()).map_err(|_| KeyError::TokenNotBase64)?;
        let k = self.decrypting.key_size_bytes();
        if cipher.is_empty() || cipher.len() > k {
            return Err(KeyError::TokenUndecryptable);
        }
        if cipher.len() < k {
            // jsencrypt 2.x drops leading zero bytes of the ciphertext.
            let mut padded = vec![0u8; k - cipher.len()];
            padded.append(&mut cipher);
            cipher = padded;
        }
        let mut out = vec![0u8; self.decrypting.min_output_size()];
        let plain = self.decrypting.decrypt(&cipher, &mut out).map_err(|_| KeyError::TokenUndecryptable)?;
        Ok(decode_cesu8_lenient(plain))
    }
}

/// Encrypts `plaintext` with a base64 SPKI public key, PKCS#1 v1.5 — what the SDK does. Used by tests and tools.
pub fn encrypt_token(public_spki_b64: &str, plaintext: &str) -> Result<String, KeyError> {
    let der = STANDARD.decode(strip_pem(public_spki_b64)).map_err(|_| KeyError::BadPublicKey)?;
    let key = PublicEncryptingKey::from_der(&der).map_err(|_| KeyError::BadPublicKey)?;
    let key = Pkcs1PublicEncryptingKey::new(key).map_err(|_| KeyError::BadPublicKey)?;
    let mut out = vec![0u8; key.ciphertext_size()];
    let cipher = key.encrypt(plaintext.as_bytes(), &mut out).map_err(|_| KeyError::TokenUndecryptable)?;
    Ok(STANDARD.encode(cipher))
}

fn strip_pem(text: &str) -> String {
    text.lines().filter(|l| !l.starts_with("-----")).flat_map(|l| l.chars()).filter(|c| !c.is_whitespace()).collect()
}

/// UTF-8 decoding that also accepts CESU-8 surrogate pairs (what jsencrypt writes for characters outside the BMP).
/// Invalid sequences become U+FFFD rather than failing the whole token. Hand-written because the `cesu8` crate has
/// no lenient mode: one invalid byte fails the whole string.
pub fn decode_cesu8_lenient(bytes: &[u8]) -> String {
    if let Ok(s) = std::str::from_utf8(bytes) {
        return s.to_owned();
    }
    let mut out = String::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        // A surrogate in CESU-8 is ED A0..BF xx (high) or ED B0..BF xx (low).
        if let (Some(hi), Some(lo)) = (surrogate_at(bytes, i), surrogate_at(bytes, i + 3))
            && (0xD800..0xDC00).contains(&hi)
            && (0xDC00..0xE000).contains(&lo)
        {
            let c = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
            out.push(char::from_u32(c).unwrap_or(char::REPLACEMENT_CHARACTER));
            i += 6;
            continue;
        }
        let len = utf8_len(bytes[i]);
        match bytes.get(i..i + len).and_then(|s| std::str::from_utf8(s).ok()) {
            Some(s) => {
                out.push_str(s);
                i += len;
            }
            None => {
                out.push(char::REPLACEMENT_CHARACTER);
                i += 1;
            }
        }
    }
    out
}

fn surrogate_at(bytes: &[u8], i: usize) -> Option<u32> {
    let b = bytes.get(i..i + 3)?;
    if b[0] == 0xED && (0xA0..=0xBF).contains(&b[1]) && (0x80..=0xBF).contains(&b[2]) {
        Some(0xD000 | (u32::from(b[1] & 0x3F) << 6) | u32::from(b[2] & 0x3F))
    } else {
        None
    }
}

fn utf8_len(first: u8) -> usize {
    match first {
        0xF0..=0xF7 => 4,
        0xE0..=0xEF => 3,
        0xC0..=0xDF => 2,
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encrypt_then_decrypt_round_trips() {
        let key = AppKey::generate().unwrap();
        let token = encrypt_token(&key.public_spki_b64, r#"{"azStackUserID":"u1"}"#).unwrap();
        assert_eq!(key.decrypt_token(&token).unwrap(), r#"{"azStackUserID":"u1"}"#);
        let again = AppKey::from_pkcs8_b64(&key.private_pkcs8_b64).unwrap();
        assert_eq!(again.public_spki_b64, key.public_spki_b64);
    }

    #[test]
    fn short_ciphertext_is_left_padded() {
        let key = AppKey::generate().unwrap();
        // Find a ciphertext with a leading zero byte, strip it, and check it still decrypts (what jsencrypt 2 sends).
        for _ in 0..2000 {
            let token = encrypt_token(&key.public_spki_b64, "x").unwrap();
            let raw = STANDARD.decode(&token).unwrap();
            if raw[0] == 0 {
                let short = STANDARD.encode(&raw[1..]);
                assert_eq!(key.decrypt_token(&short).unwrap(), "x");
                return;
            }
        }
        panic!("no ciphertext with a leading zero in 2000 tries");
    }

    #[test]
    fn garbage_tokens_are_errors() {
        let key = AppKey::generate().unwrap();
        assert_eq!(key.decrypt_token("%%%"), Err(KeyError::TokenNotBase64));
        assert_eq!(key.decrypt_token("AAAA"), Err(KeyError::TokenUndecryptable));
        assert_eq!(key.decrypt_token(""), Err(KeyError::TokenUndecryptable));
        let other = AppKey::generate().unwrap();
        let token = encrypt_token(&other.public_spki_b64, "x").unwrap();
        assert_eq!(key.decrypt_token(&token), Err(KeyError::TokenUndecryptable));
    }

    #[test]
    fn cesu8_surrogates_decode() {
        // U+1F600 as CESU-8: ED A0 BD ED B8 80.
        let bytes = [b'a', 0xED, 0xA0, 0xBD, 0xED, 0xB8, 0x80, b'b'];
        assert_eq!(decode_cesu8_lenient(&bytes), "a\u{1F600}b");
        assert_eq!(decode_cesu8_lenient(&[0xFF, b'a']), "\u{FFFD}a");
        assert_eq!(decode_cesu8_lenient("é".as_bytes()), "é");
    }
}
