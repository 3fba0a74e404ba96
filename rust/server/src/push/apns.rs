//! The APNs client: HTTP/2 `POST /3/device/<token>` with token-based authentication (an ES256 JWT signed with the
//! team's `.p8` key: header `kid` = key id, claims `iss` = team id and `iat`). The JWT is reused for 50 minutes
//! (Apple refuses one older than an hour and too frequent new ones). Answers map to outcomes as Apple documents
//! them: 200 sent; 410, or 400 `BadDeviceToken` / `DeviceTokenNotForTopic` / `Unregistered`, an invalid token;
//! 429 and 5xx retried (after `Retry-After` when given); 403 `ExpiredProviderToken` retried at once with a new JWT;
//! the rest failed (another 403 also drops the cached JWT).

use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::{Deserialize, Serialize};

use super::config::{ApnsConfig, PushConfigError, http_client, read};
use super::outcome::{self, Outcome};
use super::payload::ApnsRequest;

/// How long one provider token is used.
const TOKEN_LIFE: Duration = Duration::from_secs(50 * 60);

pub struct Apns {
    http: reqwest::Client,
    endpoint: String,
    key_id: String,
    team_id: String,
    key: EncodingKey,
    pub bundle_id: String,
    token: Mutex<Option<(String, Instant)>>,
}

#[derive(Serialize)]
struct Claims<'a> {
    iss: &'a str,
    iat: u64,
}

#[derive(Deserialize)]
struct Reason {
    #[serde(default)]
    reason: String,
}

/// Reasons that mean the token will never work again.
const INVALID_REASONS: [&str; 3] = ["BadDeviceToken", "DeviceTokenNotForTopic", "Unregistered"];

pub fn now_secs() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

impl Apns {
    pub fn new(config: &ApnsConfig) -> Result<Apns, PushConfigError> {
        let pem = read(&config.key_path)?;
        let key = EncodingKey::from_ec_pem(&pem)
            .map_err(|e| PushConfigError::Invalid { path: config.key_path.clone(), why: e.to_string() })?;
        Ok(Apns {
            http: http_client(config.ca_path.as_deref())?,
            endpoint: config.endpoint.trim_end_matches('/').to_owned(),
            key_id: config.key_id.clone(),
            team_id: config.team_id.clone(),
            key,
            bundle_id: config.bundle_id.clone(),
            token: Mutex::new(None),
        })
    }

    /// The provider token, made anew when the cached one is 50 minutes old.
    fn bearer(&self) -> Result<String, String> {
        let mut cached = self.token.lock().map_err(|_| "token cache poisoned".to_owned())?;
        if let Some((token, made)) = cached.as_ref()
            && made.elapsed() < TOKEN_LIFE
        {
            return Ok(token.clone());
        }
        let mut header = Header::new(Algorithm::ES256);
        header.kid = Some(self.key_id.clone());
        let claims = Claims { iss: &self.team_id, iat: now_secs() };
        let token = jsonwebtoken::encode(&header, &claims, &self.key).map_err(|e| e.to_string())?;
        *cached = Some((token.clone(), Instant::now()));
        Ok(token)
    }

    fn forget_token(&self) {
        if let Ok(mut cached) = self.token.lock() {
            *cached = None;
        }
    }

    /// One attempt to push `request` to `device_token`.
    pub async fn send(&self, device_token: &str, request: &ApnsRequest) -> Outcome {
        // Device tokens are hex; anything else cannot be one (and must not reach the URL path).
        if device_token.is_empty() || !device_token.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Outcome::InvalidToken("not a hex device token".to_owned());
        }
        let bearer = match self.bearer() {
            Ok(b) => b,
            Err(why) => return Outcome::Failed(format!("provider token: {why}")),
        };
        let mut builder = self
            .http
            .post(format!("{}/3/device/{device_token}", self.endpoint))
            .header(reqwest::header::AUTHORIZATION, format!("bearer {bearer}"))
            .header("apns-topic", &request.topic)
            .header("apns-push-type", request.push_type)
            .header("apns-priority", request.priority.to_string())
            .header("apns-expiration", request.expiration.to_string())
            .json(&request.body);
        if let Some(collapse) = &request.collapse_id {
            builder = builder.header("apns-collapse-id", collapse);
        }
        let response = match builder.send().await {
            Ok(r) => r,
            Err(e) => return outcome::network(&e),
        };
        let status = response.status();
        let after = outcome::retry_after(response.headers());
        if status.is_success() {
            return Outcome::Sent;
        }
        let reason = response.json::<Reason>().await.map(|r| r.reason).unwrap_or_default();
        let why = format!("{status} {reason}");
        if status == reqwest::StatusCode::GONE
            || (status == reqwest::StatusCode::BAD_REQUEST && INVALID_REASONS.contains(&reason.as_str()))
        {
            Outcome::InvalidToken(why)
        } else if outcome::retryable(status) {
            Outcome::Retry { after, why }
        } else if status == reqwest::StatusCode::FORBIDDEN && reason == "ExpiredProviderToken" {
            // Our token aged out (a clock step, say): the retry signs a new one.
            self.forget_token();
            Outcome::Retry { after: Some(std::time::Duration::ZERO), why }
        } else {
            if status == reqwest::StatusCode::FORBIDDEN {
                self.forget_token();
            }
            Outcome::Failed(why)
        }
    }
}
