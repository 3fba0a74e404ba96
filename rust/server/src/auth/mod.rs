//! Authentication (PROTOCOL.md §2): discovery (svc 29), the encrypted token, credential verifiers, and the
//! svc 179 → 162 exchange that binds a socket to a user.

pub mod keys;
pub mod verifier;

pub use keys::{AppKey, KeyError, encrypt_token};
pub use verifier::{Claim, Refusal, Verifier, hmac_credentials};

/// An application as the server knows it at run time.
#[derive(Debug)]
pub struct App {
    pub id: String,
    pub name: String,
    pub key: AppKey,
    /// `None`: no verifier configured, every login is refused.
    pub verifier: Option<Verifier>,
}
