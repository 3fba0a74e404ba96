//! Discovery (svc 29), authentication (179 → 162) and the end of a session (§2, §11.2).
//!
//! This is where a socket becomes a user's session, so it is part of the gateway and the one place besides it that
//! reaches into the [`Hub`]: a login touches the applications and their keys, the decryption limit, admission, the
//! session registry and the call registry at once.

use std::sync::Arc;
use std::time::Duration;

use azstack_protocol::bodies::IntOrString;
use azstack_protocol::bodies::auth::{
    AuthFailure, AuthSuccess, Authenticate, IceServer, ServerAddrReply, TokenPlaintext,
};
use azstack_protocol::{Envelope, Service};

use crate::auth::{Claim, Verifier};
use crate::hub::Hub;
use crate::metrics::Metrics;
use crate::session::{Identity, Session};
use crate::store::now_ms;

/// The `sdkVersion` prefix of the new engine (D6).
pub const ENGINE_SDK_PREFIX: &str = "azstack-rs/";

/// svc 29: a single server answers with its own address (§1.3); a node of a cluster with the least loaded live node.
pub fn discovery(hub: &Hub, session: &Session) {
    let listen = hub.config.listen;
    let (ip, port) = match &hub.cluster {
        Some(cluster) => cluster.discovery_addr(),
        None => (
            hub.config.public_host.clone().unwrap_or_else(|| listen.ip().to_string()),
            hub.config.public_port.unwrap_or(listen.port()),
        ),
    };
    session.send(
        Service::AUTHENTICATION_GET_SERVER_ADDR,
        &ServerAddrReply { ip, port: IntOrString::Int(i64::from(port)) },
    );
}

/// svc 179: decrypt the token, verify the credentials, bind the session, reply 162.
///
/// A socket gets one attempt: a second 179 (after a success or a refusal) is ignored and counted, so one socket
/// costs at most one decryption and one verifier call. A refusal answers 162 with the failure (D3), closes the
/// Engine.IO session right after it, and closes the TCP connection after `auth_failure_grace_ms` if the client has
/// not.
pub async fn authenticate(hub: &Arc<Hub>, session: &Arc<Session>, env: &Envelope) {
    if !session.first_login_attempt() {
        Metrics::inc(&hub.metrics.auth_repeated);
        crate::warn_limited!(hub.warnings, "second authenticate on one socket ignored", session = session.id);
        return;
    }
    match check(hub, env).await {
        Ok(identity) => {
            let user_id = identity.user_id;
            let reply = AuthSuccess {
                user_id,
                username: identity.username.clone(),
                fullname: identity.fullname.clone(),
                ice_server: hub
                    .config
                    .ice_servers
                    .iter()
                    .map(|s| IceServer {
                        url: s.url.clone(),
                        username: s.username.clone(),
                        password: s.password.clone(),
                    })
                    .chain(hub.turn.iter().flat_map(|turn| turn.ice_servers(user_id)))
                    .collect(),
                result_code: Some(0),
                r: Some(1),
            };
            if !session.bind(identity.clone()) {
                return;
            }
            if let Some(conn) = &session.conn {
                hub.admission.authenticated(conn);
            }
            let cap = hub.config.limits.max_sessions_per_user;
            let mut over = hub.sessions.add(user_id, session.clone(), cap);
            if let Some(cluster) = &hub.cluster {
                // Cluster-wide: the oldest sessions over all nodes go (cluster/limits.rs).
                let (elsewhere, here) = cluster.cap_sessions(user_id, session.id, cap);
                hub.metrics.sessions_over_cap.fetch_add(u64::from(elsewhere), std::sync::atomic::Ordering::Relaxed);
                over.extend(here);
            }
            for old in over {
                Metrics::inc(&hub.metrics.sessions_over_cap);
                tracing::info!(session = old.id, user_id, "oldest session dropped: too many sessions");
                old.disconnect();
            }
            Metrics::inc(&hub.metrics.auth_ok);
            session.send(Service::AUTHENTICATION_RECEIVE_AUTHENTICATE, &reply);
            hub.services.fanout.presence_changed(user_id);
            tracing::info!(session = session.id, user_id, "authenticated");
            hub.calls.session_authenticated(session, &identity);
            if let Some(sip) = &hub.sip {
                sip.session_authenticated(user_id, session.id);
            }
        }
        Err((result_code, message)) => {
            Metrics::inc(&hub.metrics.auth_failed);
            let why = hub.warnings.clip(&message);
            tracing::info!(session = session.id, %why, "authentication refused");
            session.send(
                Service::AUTHENTICATION_RECEIVE_AUTHENTICATE,
                &AuthFailure { result_code: Some(result_code), r: Some(-1), message: Some(message) },
            );
            session.disconnect();
            if let Some(conn) = session.conn.clone() {
                let grace = Duration::from_millis(hub.config.limits.auth_failure_grace_ms);
                tokio::spawn(async move {
                    tokio::time::sleep(grace).await;
                    conn.kill();
                });
            }
        }
    }
}

/// The failure message of a login on a draining node of a cluster. A refusal (D3) rather than a refused socket:
/// both SDKs treat it as a failed attempt at once (a refused or silent socket costs the connect timeout first), and
/// their next attempt starts with discovery (svc 29), which no longer hands this node out.
pub const DRAINING: &str = "this server node is shutting down: connect again to be given another node";

/// Failure result codes of 162.
mod code {
    pub const MALFORMED: i64 = 1;
    pub const UNKNOWN_APP: i64 = 2;
    pub const BAD_TOKEN: i64 = 3;
    pub const REFUSED: i64 = 4;
    pub const INTERNAL: i64 = 5;
}

async fn check(hub: &Hub, env: &Envelope) -> Result<Identity, (i64, String)> {
    if hub.cluster.as_ref().is_some_and(|c| c.draining()) {
        return Err((code::REFUSED, DRAINING.to_owned()));
    }
    let request: Authenticate = env.decode().map_err(|e| (code::MALFORMED, e.to_string()))?;
    verify_token(hub, &request.app_id, &request.token, &request.fullname, &request.sdk_version).await
}

/// The identity a svc 179 token of application `app_id` logs in as: the token decrypted (within the decryption
/// limit), its credentials verified, its user stored. A login and an HTTP upload ([`crate::files`]) both ask this.
async fn verify_token(
    hub: &Hub,
    app_id: &str,
    token: &str,
    fullname: &str,
    sdk_version: &str,
) -> Result<Identity, (i64, String)> {
    let app = hub.app(app_id).ok_or((code::UNKNOWN_APP, "Unknown application".to_owned()))?;
    let wait = Duration::from_secs(hub.config.limits.login_timeout_secs);
    let Ok(Ok(permit)) = tokio::time::timeout(wait, hub.decrypts.acquire()).await else {
        Metrics::inc(&hub.metrics.auth_busy);
        return Err((code::INTERNAL, "Server busy".to_owned()));
    };
    let plaintext = app.key.decrypt_token(token).map_err(|e| (code::BAD_TOKEN, e.to_string()));
    drop(permit);
    let plaintext = plaintext?;
    let claims: TokenPlaintext =
        serde_json::from_str(&plaintext).map_err(|_| (code::BAD_TOKEN, "The token is not valid".to_owned()))?;
    if claims.az_stack_user_id.is_empty() {
        return Err((code::BAD_TOKEN, "The token has no azStackUserID".to_owned()));
    }
    let verifier = app.verifier.as_ref().ok_or((code::REFUSED, "No credential verifier is configured".to_owned()))?;
    if matches!(verifier, Verifier::AcceptAll) && !hub.config.dev {
        return Err((code::REFUSED, "accept-all is only allowed in dev mode".to_owned()));
    }
    let claim = Claim {
        app_id: &app.id,
        az_stack_user_id: &claims.az_stack_user_id,
        user_credentials: &claims.user_credentials,
        namespace: &claims.namespace,
    };
    verifier.verify(&claim, &hub.http, now_ms() / 1000).await.map_err(|e| (code::REFUSED, e.to_string()))?;
    let user =
        hub.store.upsert_user(&app.id, &claims.namespace, &claims.az_stack_user_id, fullname).await.map_err(|e| {
            tracing::error!(error = %e, "user upsert failed");
            (code::INTERNAL, "Internal error".to_owned())
        })?;
    Ok(Identity {
        user_id: user.id,
        app_id: Arc::from(app.id.as_str()),
        namespace: Arc::from(claims.namespace.as_str()),
        username: user.username,
        fullname: user.fullname,
        is_engine: sdk_version.starts_with(ENGINE_SDK_PREFIX),
    })
}

/// An HTTP upload is authenticated by the svc 179 token, exactly as a login (see [`crate::files`] for why).
#[async_trait::async_trait]
impl crate::files::Authenticator for Hub {
    async fn user_for_token(&self, app_id: &str, token: &str) -> Result<i64, String> {
        verify_token(self, app_id, token, "", "").await.map(|identity| identity.user_id).map_err(|(_, why)| why)
    }
}

/// The socket is gone: unregister, record the last visit, let the call state (the SIP gateway's too) react.
pub async fn closed(hub: &Arc<Hub>, session: &Arc<Session>, explicit: bool) {
    let Some(me) = session.identity() else { return };
    let last = hub.sessions.remove(me.user_id, session.id);
    hub.services.fanout.presence_changed(me.user_id);
    if last && let Err(error) = hub.store.touch_last_visit(me.user_id).await {
        tracing::warn!(%error, "last visit not recorded");
    }
    if let Some(sip) = &hub.sip {
        sip.session_closed(me.user_id, session.id);
    }
    hub.calls.session_closed(session, me, explicit);
}
