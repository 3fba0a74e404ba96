//! The FCM client's access token: Google's OAuth2 JWT-bearer grant (RFC 7523) with a service account. An RS256
//! JWT (`iss` = `client_email`, `scope` = firebase.messaging, `aud` = `token_uri`, one hour) signed with the
//! account's private key is exchanged at `token_uri` for `{access_token, expires_in}`; the token is cached until a
//! minute before it expires, and dropped when FCM answers 401.

use std::time::{Duration, Instant};

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::{Deserialize, Serialize};
use tokio::sync::Mutex;

use super::apns::now_secs;
use super::config::{PushConfigError, ServiceAccount};
use super::outcome::{self, Outcome};

/// The scope FCM HTTP v1 needs.
pub const SCOPE: &str = "https://www.googleapis.com/auth/firebase.messaging";
/// The grant type of the exchange, form-encoded.
pub const GRANT_TYPE: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

/// A token is renewed this long before it expires.
const MARGIN: Duration = Duration::from_secs(60);

pub struct AccessTokens {
    http: reqwest::Client,
    account: ServiceAccount,
    key: EncodingKey,
    /// Held across the exchange, so concurrent sends wait for one exchange instead of making many.
    cached: Mutex<Option<(String, Instant)>>,
}

/// The claims of the grant's assertion.
#[derive(Debug, Serialize, Deserialize)]
pub struct GrantClaims {
    pub iss: String,
    pub scope: String,
    pub aud: String,
    pub iat: u64,
    pub exp: u64,
}

#[derive(Deserialize)]
struct TokenReply {
    access_token: String,
    expires_in: u64,
}

impl AccessTokens {
    pub fn new(
        http: reqwest::Client,
        account: ServiceAccount,
        path: &std::path::Path,
    ) -> Result<Self, PushConfigError> {
        let key = EncodingKey::from_rsa_pem(account.private_key.as_bytes())
            .map_err(|e| PushConfigError::Invalid { path: path.to_owned(), why: format!("private_key: {e}") })?;
        Ok(AccessTokens { http, account, key, cached: Mutex::new(None) })
    }

    pub fn project_id(&self) -> &str {
        &self.account.project_id
    }

    /// A valid access token, exchanged anew when the cached one is about to expire.
    pub async fn get(&self) -> Result<String, Outcome> {
        let mut cached = self.cached.lock().await;
        if let Some((token, until)) = cached.as_ref()
            && Instant::now() + MARGIN < *until
        {
            return Ok(token.clone());
        }
        let iat = now_secs();
        let claims = GrantClaims {
            iss: self.account.client_email.clone(),
            scope: SCOPE.to_owned(),
            aud: self.account.token_uri.clone(),
            iat,
            exp: iat + 3600,
        };
        let assertion = jsonwebtoken::encode(&Header::new(Algorithm::RS256), &claims, &self.key)
            .map_err(|e| Outcome::Failed(format!("service-account JWT: {e}")))?;
        // Both values are form-safe as written (the JWT is base64url and dots).
        let form = format!("grant_type={}&assertion={assertion}", GRANT_TYPE.replace(':', "%3A"));
        let response = self
            .http
            .post(&self.account.token_uri)
            .header(reqwest::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(form)
            .send()
            .await
            .map_err(|e| outcome::network(&e))?;
        let status = response.status();
        if !status.is_success() {
            let why = format!("token exchange: {status}");
            return Err(if outcome::retryable(status) {
                Outcome::Retry { after: outcome::retry_after(response.headers()), why }
            } else {
                Outcome::Failed(why)
            });
        }
        let reply: TokenReply =
            response.json().await.map_err(|e| Outcome::Failed(format!("token exchange reply: {e}")))?;
        let until = Instant::now() + Duration::from_secs(reply.expires_in);
        *cached = Some((reply.access_token.clone(), until));
        Ok(reply.access_token)
    }

    pub async fn forget(&self) {
        *self.cached.lock().await = None;
    }
}
