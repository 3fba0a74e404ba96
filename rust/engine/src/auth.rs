//! The authentication token (PROTOCOL.md §2.2).
//!
//! The token is `base64(RSA-PKCS#1-v1.5-encrypt(appPublicKey, JSON))` where the JSON has exactly the keys
//! `sdkVersion`, `namespace`, `azStackUserID` (capital `ID`) and `userCredentials`, in that order. The public key is
//! the base64 body of a SubjectPublicKeyInfo DER (the form the seed README shows); PEM-armoured SPKI and PKCS#1
//! `RSAPublicKey` are accepted too. A plaintext longer than the key allows (k − 11 bytes) fails with the original's
//! `Cannot encrypt authenticating data`.

use azstack_protocol::errors::ApiError;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use rsa::PublicKey;
use rsa::pkcs1::DecodeRsaPublicKey;
use rsa::pkcs8::DecodePublicKey;
use serde::Serialize;

/// The token plaintext, field order as the original writes it.
#[derive(Serialize)]
struct TokenPlaintext<'a> {
    #[serde(rename = "sdkVersion")]
    sdk_version: &'a str,
    namespace: &'a str,
    #[serde(rename = "azStackUserID")]
    az_stack_user_id: &'a str,
    #[serde(rename = "userCredentials")]
    user_credentials: &'a str,
}

/// Why no token could be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("the public key is not a base64 RSA public key")]
    BadKey,
    #[error("the plaintext is too long for the key or encryption failed")]
    Encrypt,
}

/// Parses the application's public key: base64 SPKI DER, PEM SPKI, or PEM/base64 PKCS#1.
pub fn parse_public_key(key: &str) -> Result<PublicKey, TokenError> {
    let key = key.trim();
    if key.starts_with("-----BEGIN") {
        return PublicKey::from_public_key_pem(key)
            .or_else(|_| PublicKey::from_pkcs1_pem(key))
            .map_err(|_| TokenError::BadKey);
    }
    let compact: String = key.chars().filter(|c| !c.is_whitespace()).collect();
    let der = STANDARD.decode(compact).map_err(|_| TokenError::BadKey)?;
    PublicKey::from_public_key_der(&der).or_else(|_| PublicKey::from_pkcs1_der(&der)).map_err(|_| TokenError::BadKey)
}

/// Builds the encrypted token for svc 179.
pub fn make_token(
    public_key: &str,
    sdk_version: &str,
    namespace: &str,
    az_stack_user_id: &str,
    user_credentials: &str,
) -> Result<String, TokenError> {
    let key = parse_public_key(public_key)?;
    let plaintext = serde_json::to_vec(&TokenPlaintext { sdk_version, namespace, az_stack_user_id, user_credentials })
        .map_err(|_| TokenError::Encrypt)?;
    let cipher = key.pkcs1v15_encrypt(&plaintext).map_err(|_| TokenError::Encrypt)?;
    Ok(STANDARD.encode(cipher))
}

/// The svc 179 token of `data` (this engine's `sdkVersion`), which also authenticates an upload (`uploadFile`).
pub fn login_token(data: &crate::config::AuthenticatingData) -> Result<String, ApiError> {
    make_token(&data.public_key, crate::SDK_VERSION, &data.namespace, &data.az_stack_user_id, &data.user_credentials)
        .map_err(|_| ApiError::unexpected("Cannot encrypt authenticating data"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The seed README's example key (2048-bit, SPKI DER in base64).
    const SEED_KEY: &str = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAs1XFclMmD+l83OY3oOqN2a4JH4PkFvi9O/SOAnASmgfjXliWm7XeVMHeTfNKWKcEZKzWp8rFdwVlO5dXqKquLmcmnr4gb+yvakXNnRm6z135BQDQKCAvrDyEuzr31mmtk935+Yxms8Lfiuxmi5hWZszfTyJDBp2xokeOXbDLjqhunMO3wfxs+lao0qxWxfk4Eb0847/3sY+Zt7hMIceZEYhg7rwdnkl+zNJusPnWYFsf5povE1/qke+KCAL5z2Xte7xcpSv3b29Tl5W4iMfGOqh4ikytfRL/OTRXH3U0wuLuxSDsD7Lms0foAEPCdRJzbGnoNmsV/ongwKRrONitFQIDAQAB";

    #[test]
    fn seed_key_encrypts_to_a_full_block() {
        let token = make_token(SEED_KEY, "azstack-rs/0", "", "test_user_1", "").unwrap();
        assert_eq!(STANDARD.decode(token).unwrap().len(), 256);
    }

    #[test]
    fn bad_keys_and_long_plaintexts_fail() {
        assert_eq!(make_token("not a key", "v", "", "u", ""), Err(TokenError::BadKey));
        let long = "x".repeat(300);
        assert_eq!(make_token(SEED_KEY, "v", "", "u", &long), Err(TokenError::Encrypt));
    }
}
