//! Credential verifiers (PROTOCOL.md D4): who decides that `userCredentials` are good for `azStackUserId`.

use std::time::Duration;

use aws_lc_rs::{constant_time, hmac};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

/// How an application checks credentials. Configured per application.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Verifier {
    /// Everyone is who they say. Only allowed by `azstack-server dev`.
    AcceptAll,
    /// `userCredentials` = `<expiry epoch seconds>.<base64url HMAC-SHA256(secret, appId + "." + namespace + "." +
    /// azStackUserId + "." + expiry)>`. The namespace is covered, so credentials of one tenant never log in to another.
    Hmac { secret: String },
    /// POST `{appId, azStackUserId, userCredentials, namespace}` to `url`; any 2xx accepts.
    Webhook {
        url: String,
        #[serde(default = "default_webhook_timeout_ms")]
        timeout_ms: u64,
    },
}

fn default_webhook_timeout_ms() -> u64 {
    3000
}

/// What the verifier is asked about.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Claim<'a> {
    pub app_id: &'a str,
    pub az_stack_user_id: &'a str,
    pub user_credentials: &'a str,
    pub namespace: &'a str,
}

/// Why credentials were refused; the text goes into the 162 failure `message`.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum Refusal {
    #[error("credentials are malformed")]
    Malformed,
    #[error("credentials have expired")]
    Expired,
    #[error("credentials are not valid")]
    Invalid,
    #[error("credential check failed: {0}")]
    Unavailable(String),
}

impl Verifier {
    pub async fn verify(&self, claim: &Claim<'_>, http: &reqwest::Client, now_secs: i64) -> Result<(), Refusal> {
        match self {
            Verifier::AcceptAll => Ok(()),
            Verifier::Hmac { secret } => verify_hmac(secret, claim, now_secs),
            Verifier::Webhook { url, timeout_ms } => {
                let response = http
                    .post(url)
                    .timeout(Duration::from_millis(*timeout_ms))
                    .json(claim)
                    .send()
                    .await
                    .map_err(|e| Refusal::Unavailable(e.without_url().to_string()))?;
                if response.status().is_success() { Ok(()) } else { Err(Refusal::Invalid) }
            }
        }
    }
}

/// Makes credentials an `hmac` verifier accepts: what an application backend hands user `user` of namespace
/// `namespace` (`""` when the application has none).
pub fn hmac_credentials(secret: &str, app_id: &str, namespace: &str, user: &str, expiry_secs: i64) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret.as_bytes());
    let tag = hmac::sign(&key, format!("{app_id}.{namespace}.{user}.{expiry_secs}").as_bytes());
    format!("{expiry_secs}.{}", URL_SAFE_NO_PAD.encode(tag.as_ref()))
}

fn verify_hmac(secret: &str, claim: &Claim<'_>, now_secs: i64) -> Result<(), Refusal> {
    let (expiry, mac) = claim.user_credentials.split_once('.').ok_or(Refusal::Malformed)?;
    let expiry: i64 = expiry.parse().map_err(|_| Refusal::Malformed)?;
    let given = URL_SAFE_NO_PAD.decode(mac.trim_end_matches('=')).map_err(|_| Refusal::Malformed)?;
    let expected = hmac_credentials(secret, claim.app_id, claim.namespace, claim.az_stack_user_id, expiry);
    let expected =
        URL_SAFE_NO_PAD.decode(expected.split_once('.').map(|(_, m)| m).unwrap_or_default()).unwrap_or_default();
    constant_time::verify_slices_are_equal(&given, &expected).map_err(|_| Refusal::Invalid)?;
    if expiry < now_secs {
        return Err(Refusal::Expired);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claim(creds: &str) -> Claim<'_> {
        Claim { app_id: "app", az_stack_user_id: "alice", user_credentials: creds, namespace: "" }
    }

    #[test]
    fn hmac_covers_the_namespace() {
        let tenant_b = hmac_credentials("s3cret", "app", "tenantB", "alice", 2_000);
        assert_eq!(verify_hmac("s3cret", &claim(&tenant_b), 1_000), Err(Refusal::Invalid));
        let in_b = Claim { namespace: "tenantB", ..claim(&tenant_b) };
        assert_eq!(verify_hmac("s3cret", &in_b, 1_000), Ok(()));
        let default_ns = hmac_credentials("s3cret", "app", "", "alice", 2_000);
        assert_eq!(
            verify_hmac("s3cret", &Claim { namespace: "tenantB", ..claim(&default_ns) }, 1_000),
            Err(Refusal::Invalid)
        );
    }

    #[test]
    fn hmac_accepts_good_and_refuses_bad() {
        let good = hmac_credentials("s3cret", "app", "", "alice", 2_000);
        assert_eq!(verify_hmac("s3cret", &claim(&good), 1_000), Ok(()));
        assert_eq!(verify_hmac("s3cret", &claim(&good), 3_000), Err(Refusal::Expired));
        assert_eq!(verify_hmac("other", &claim(&good), 1_000), Err(Refusal::Invalid));
        let for_bob = hmac_credentials("s3cret", "app", "", "bob", 2_000);
        assert_eq!(verify_hmac("s3cret", &claim(&for_bob), 1_000), Err(Refusal::Invalid));
        assert_eq!(verify_hmac("s3cret", &claim("nonsense"), 1_000), Err(Refusal::Malformed));
        assert_eq!(verify_hmac("s3cret", &claim("x.y"), 1_000), Err(Refusal::Malformed));
        assert_eq!(verify_hmac("s3cret", &claim(""), 1_000), Err(Refusal::Malformed));
    }
}
