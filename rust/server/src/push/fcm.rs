//! The FCM client: HTTP v1 `POST <endpoint>/v1/projects/<project_id>/messages:send` with the service account's
//! access token ([`super::oauth`]). Answers map to outcomes as Google documents them: 200 sent; 404 `UNREGISTERED`
//! (the `status` or the `FcmError` detail's `errorCode`) and 400 `INVALID_ARGUMENT`, an invalid token; 429 and
//! 5xx retried (after `Retry-After` when given); 401 drops the cached access token; the rest failed.

use serde::Deserialize;
use serde_json::Value;

use super::config::{FcmConfig, PushConfigError, ServiceAccount, http_client};
use super::oauth::AccessTokens;
use super::outcome::{self, Outcome};

pub struct Fcm {
    http: reqwest::Client,
    url: String,
    tokens: AccessTokens,
}

#[derive(Deserialize, Default)]
struct ErrorReply {
    #[serde(default)]
    error: ErrorBody,
}

#[derive(Deserialize, Default)]
struct ErrorBody {
    #[serde(default)]
    status: String,
    #[serde(default)]
    details: Vec<Value>,
}

impl ErrorBody {
    /// `status`, and the `errorCode` of each detail.
    fn codes(&self) -> Vec<&str> {
        let details = self.details.iter().filter_map(|d| d.get("errorCode").and_then(Value::as_str));
        std::iter::once(self.status.as_str()).chain(details).collect()
    }
}

impl Fcm {
    pub fn new(config: &FcmConfig) -> Result<Fcm, PushConfigError> {
        let account = ServiceAccount::load(&config.service_account_path)?;
        let http = http_client(config.ca_path.as_deref())?;
        let url = format!("{}/v1/projects/{}/messages:send", config.endpoint.trim_end_matches('/'), account.project_id);
        let tokens = AccessTokens::new(http.clone(), account, &config.service_account_path)?;
        Ok(Fcm { http, url, tokens })
    }

    /// One attempt to send `message` (a `{"message": …}` body).
    pub async fn send(&self, message: &Value) -> Outcome {
        let token = match self.tokens.get().await {
            Ok(t) => t,
            Err(outcome) => return outcome,
        };
        let response = match self.http.post(&self.url).bearer_auth(token).json(message).send().await {
            Ok(r) => r,
            Err(e) => return outcome::network(&e),
        };
        let status = response.status();
        if status.is_success() {
            return Outcome::Sent;
        }
        let after = outcome::retry_after(response.headers());
        let body: ErrorReply = response.json().await.unwrap_or_default();
        let codes = body.error.codes();
        let why = format!("{status} {}", codes.join(" "));
        if (status == reqwest::StatusCode::NOT_FOUND && codes.contains(&"UNREGISTERED"))
            || (status == reqwest::StatusCode::BAD_REQUEST && codes.contains(&"INVALID_ARGUMENT"))
        {
            Outcome::InvalidToken(why)
        } else if outcome::retryable(status) {
            Outcome::Retry { after, why }
        } else {
            if status == reqwest::StatusCode::UNAUTHORIZED {
                self.tokens.forget().await;
            }
            Outcome::Failed(why)
        }
    }
}
