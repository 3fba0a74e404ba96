//! Stand-ins for APNs and FCM (feature `testkit`): the real services cannot be reached from a test machine, so the
//! tests and the bench push to these local HTTP/2 + TLS servers instead. They are the only stand-ins of the test
//! suite, and they implement the documented request/response contract of each service:
//!
//! * **APNs**: `POST /3/device/<token>` over HTTP/2 with `authorization: bearer <JWT>` (ES256, checked against the
//!   public key of the configured `.p8`, `kid` = key id, `iss` = team id, `iat` less than an hour old: else 403
//!   `InvalidProviderToken`), `apns-topic` (the bundle id; `<bundle id>.voip` with `apns-push-type: voip`, else 400
//!   `DeviceTokenNotForTopic`), `apns-push-type`, `apns-priority`, `apns-expiration`, `apns-collapse-id`. It answers
//!   200 with an `apns-id`, or what the test scripted: 400 `{reason}`, 403, 410 `{reason: "Unregistered",
//!   timestamp}`, 429 `TooManyRequests`, 5xx.
//! * **FCM**: `POST /token`, Google's OAuth2 JWT-bearer grant (RS256 assertion checked against the service
//!   account's public key, `iss` = client email, `aud` = token URI, the firebase.messaging scope) answered with
//!   `{access_token, expires_in}`; `POST /v1/projects/<id>/messages:send` with `Authorization: Bearer
//!   <access_token>` answered 200 `{name}`, or as scripted: 404 `UNREGISTERED` in the documented error shape,
//!   429, 503.
//!
//! The server's push clients trust them through `ca_path` (a CA made at start that signed the stand-ins'
//! certificate), never by turning verification off. Each stand-in records what it received, can be scripted to
//! fail the next requests or every request for one token, and can be stalled (requests are recorded, then wait
//! for [`StandIn::release`] before being answered).

use std::collections::{HashMap, HashSet, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioExecutor, TokioIo};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::{Notify, watch};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::{self, pki_types::PrivateKeyDer};

use super::config::{ApnsConfig, FcmConfig, PushConfig};
use super::oauth::{GRANT_TYPE, GrantClaims, SCOPE};

/// The configured identities the stand-ins check.
pub const KEY_ID: &str = "STANDINKEY";
pub const TEAM_ID: &str = "STANDINTEAM";
pub const BUNDLE_ID: &str = "com.example.standin";
pub const PROJECT_ID: &str = "standin-project";
pub const CLIENT_EMAIL: &str = "push@standin-project.iam.gserviceaccount.com";

/// How long a test waits for the requests it expects.
const DEADLINE: Duration = Duration::from_secs(10);

/// One request a stand-in received (for FCM: a send, not a token grant).
#[derive(Clone, Debug)]
pub struct Received {
    pub path: String,
    /// Header names in lower case.
    pub headers: HashMap<String, String>,
    pub body: Value,
}

impl Received {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(String::as_str)
    }
}

/// A scripted answer.
#[derive(Clone, Debug)]
pub struct Reply {
    pub status: u16,
    pub body: Value,
    /// `Retry-After` in seconds.
    pub retry_after: Option<u64>,
}

impl Reply {
    pub fn new(status: u16, body: Value) -> Reply {
        Reply { status, body, retry_after: None }
    }

    /// APNs 410 `Unregistered`.
    pub fn apns_unregistered() -> Reply {
        Reply::new(410, json!({"reason": "Unregistered", "timestamp": 1_700_000_000_000_i64}))
    }

    /// APNs 429 `TooManyRequests`, retry at once.
    pub fn apns_too_many() -> Reply {
        Reply { retry_after: Some(0), ..Reply::new(429, json!({"reason": "TooManyRequests"})) }
    }

    /// FCM 404 `UNREGISTERED`, in the documented error shape.
    pub fn fcm_unregistered() -> Reply {
        Reply::new(
            404,
            json!({"error": {"code": 404, "message": "Requested entity was not found.", "status": "NOT_FOUND",
                "details": [{"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError",
                             "errorCode": "UNREGISTERED"}]}}),
        )
    }

    /// FCM 503, retry at once.
    pub fn fcm_unavailable() -> Reply {
        Reply {
            retry_after: Some(0),
            ..Reply::new(503, json!({"error": {"code": 503, "message": "unavailable", "status": "UNAVAILABLE"}}))
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Apns,
    Fcm,
}

struct State {
    kind: Kind,
    key: DecodingKey,
    received: Mutex<Vec<Received>>,
    grants: Mutex<usize>,
    arrived: Notify,
    script: Mutex<VecDeque<Reply>>,
    per_token: Mutex<HashMap<String, Reply>>,
    access_tokens: Mutex<HashSet<String>>,
    stalled: watch::Sender<bool>,
    token_uri: Mutex<String>,
}

/// One stand-in server.
#[derive(Clone)]
pub struct StandIn {
    pub url: String,
    state: Arc<State>,
}

impl StandIn {
    /// The requests received so far, in arrival order.
    pub fn received(&self) -> Vec<Received> {
        self.state.received.lock().map(|r| r.clone()).unwrap_or_default()
    }

    /// FCM: the token grants answered so far.
    pub fn grants(&self) -> usize {
        self.state.grants.lock().map(|g| *g).unwrap_or(0)
    }

    /// How many requests have been received.
    pub fn count(&self) -> usize {
        self.state.received.lock().map(|r| r.len()).unwrap_or(0)
    }

    /// Waits until `n` requests have been received, for at most `within`; false if they have not.
    pub async fn reach(&self, n: usize, within: Duration) -> bool {
        let wait = async {
            loop {
                let arrived = self.state.arrived.notified();
                if self.count() >= n {
                    return;
                }
                arrived.await;
            }
        };
        tokio::time::timeout(within, wait).await.is_ok()
    }

    /// Waits (up to a deadline) until `n` requests have been received; returns them all.
    pub async fn wait_for(&self, n: usize) -> Vec<Received> {
        assert!(self.reach(n, DEADLINE).await, "stand-in: {n} requests expected, {} received", self.count());
        self.received()
    }

    /// The next requests (after their authentication passed) get these answers, in order.
    pub fn script(&self, replies: impl IntoIterator<Item = Reply>) {
        if let Ok(mut script) = self.state.script.lock() {
            script.extend(replies);
        }
    }

    /// Every request for `token` gets `reply`.
    pub fn answer_token(&self, token: &str, reply: Reply) {
        if let Ok(mut map) = self.state.per_token.lock() {
            map.insert(token.to_owned(), reply);
        }
    }

    /// From now on requests are recorded but not answered until [`StandIn::release`].
    pub fn stall(&self) {
        self.state.stalled.send_replace(true);
    }

    pub fn release(&self) {
        self.state.stalled.send_replace(false);
    }
}

/// Both stand-ins, the credentials they check, and a `[apps.push]` that points the server at them.
pub struct PushStandIns {
    pub apns: StandIn,
    pub fcm: StandIn,
    pub config: PushConfig,
    _dir: tempfile::TempDir,
}

fn pem(label: &str, der: &[u8]) -> String {
    let b64 = STANDARD.encode(der);
    let lines: Vec<&str> = b64.as_bytes().chunks(64).filter_map(|c| std::str::from_utf8(c).ok()).collect();
    format!("-----BEGIN {label}-----\n{}\n-----END {label}-----\n", lines.join("\n"))
}

impl PushStandIns {
    /// Starts both stand-ins on 127.0.0.1 with fresh keys and a fresh certificate authority.
    pub async fn start() -> PushStandIns {
        let dir = tempfile::tempdir().expect("temp dir");
        // The CA the push clients trust (ca_path), and the stand-ins' certificate it signed.
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params.distinguished_name.push(DnType::CommonName, "azstack push stand-in CA");
        let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().expect("CA key")).expect("CA");
        let leaf_key = KeyPair::generate().expect("leaf key");
        let leaf = CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
            .expect("leaf params")
            .signed_by(&leaf_key, &ca)
            .expect("leaf");
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut tls = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("TLS versions")
            .with_no_client_auth()
            .with_single_cert(vec![leaf.der().clone()], PrivateKeyDer::Pkcs8(leaf_key.serialize_der().into()))
            .expect("TLS config");
        tls.alpn_protocols = vec![b"h2".to_vec()];
        let acceptor = TlsAcceptor::from(Arc::new(tls));
        let ca_path = dir.path().join("standin-ca.pem");
        std::fs::write(&ca_path, ca.pem()).expect("write CA");

        // APNs: a P-256 key as Apple hands it out (a PKCS#8 .p8 file).
        let p8 = KeyPair::generate().expect("p8 key");
        let key_path = dir.path().join(format!("AuthKey_{KEY_ID}.p8"));
        std::fs::write(&key_path, p8.serialize_pem()).expect("write p8");
        let apns_key = DecodingKey::from_ec_pem(p8.public_key_pem().as_bytes()).expect("p8 public key");
        let apns = serve(Kind::Apns, apns_key, acceptor.clone()).await;

        // FCM: an RSA service account.
        let rsa = crate::auth::AppKey::generate().expect("RSA key");
        let private_der = STANDARD.decode(&rsa.private_pkcs8_b64).expect("RSA private key");
        let public_der = STANDARD.decode(&rsa.public_spki_b64).expect("RSA public key");
        let fcm_key = DecodingKey::from_rsa_pem(pem("PUBLIC KEY", &public_der).as_bytes()).expect("RSA public");
        let fcm = serve(Kind::Fcm, fcm_key, acceptor).await;
        let token_uri = format!("{}/token", fcm.url);
        if let Ok(mut uri) = fcm.state.token_uri.lock() {
            uri.clone_from(&token_uri);
        }
        let account = json!({
            "type": "service_account",
            "project_id": PROJECT_ID,
            "private_key_id": "standin",
            "private_key": pem("PRIVATE KEY", &private_der),
            "client_email": CLIENT_EMAIL,
            "token_uri": token_uri,
        });
        let service_account_path = dir.path().join("service-account.json");
        std::fs::write(&service_account_path, account.to_string()).expect("write service account");

        let config = PushConfig {
            hide_content: false,
            apns: Some(ApnsConfig {
                key_id: KEY_ID.to_owned(),
                team_id: TEAM_ID.to_owned(),
                key_path,
                bundle_id: BUNDLE_ID.to_owned(),
                endpoint: apns.url.clone(),
                ca_path: Some(ca_path.clone()),
            }),
            fcm: Some(FcmConfig { service_account_path, endpoint: fcm.url.clone(), ca_path: Some(ca_path) }),
        };
        PushStandIns { apns, fcm, config, _dir: dir }
    }
}

async fn serve(kind: Kind, key: DecodingKey, acceptor: TlsAcceptor) -> StandIn {
    let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await.expect("bind stand-in");
    let addr = listener.local_addr().expect("stand-in address");
    let state = Arc::new(State {
        kind,
        key,
        received: Mutex::default(),
        grants: Mutex::default(),
        arrived: Notify::new(),
        script: Mutex::default(),
        per_token: Mutex::default(),
        access_tokens: Mutex::default(),
        stalled: watch::channel(false).0,
        token_uri: Mutex::default(),
    });
    let shared = state.clone();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let (acceptor, state) = (acceptor.clone(), shared.clone());
            tokio::spawn(async move {
                let Ok(tls) = acceptor.accept(tcp).await else { return };
                let service = hyper::service::service_fn(move |request| {
                    let state = state.clone();
                    async move { Ok::<_, std::convert::Infallible>(handle(&state, request).await) }
                });
                let _ = hyper::server::conn::http2::Builder::new(TokioExecutor::new())
                    .serve_connection(TokioIo::new(tls), service)
                    .await;
            });
        }
    });
    StandIn { url: format!("https://127.0.0.1:{}", addr.port()), state }
}

fn respond(reply: &Reply) -> Response<String> {
    let mut response = Response::new(reply.body.to_string());
    *response.status_mut() = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if let Some(after) = reply.retry_after
        && let Ok(value) = after.to_string().parse()
    {
        response.headers_mut().insert(hyper::header::RETRY_AFTER, value);
    }
    response
}

async fn handle(state: &State, request: Request<Incoming>) -> Response<String> {
    let path = request.uri().path().to_owned();
    let headers: HashMap<String, String> = request
        .headers()
        .iter()
        .filter_map(|(k, v)| Some((k.as_str().to_owned(), v.to_str().ok()?.to_owned())))
        .collect();
    let bytes = match request.into_body().collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => return respond(&Reply::new(400, json!({"reason": "BadBody"}))),
    };
    if state.kind == Kind::Fcm && path == "/token" {
        return grant(state, &bytes);
    }
    let body: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    let checked = match state.kind {
        Kind::Apns => check_apns(state, &path, &headers),
        Kind::Fcm => check_fcm(state, &path, &headers, &body),
    };
    let token = match checked {
        Ok(token) => token,
        Err(reply) => return respond(&reply),
    };
    if let Ok(mut received) = state.received.lock() {
        received.push(Received { path, headers, body });
    }
    state.arrived.notify_waiters();
    let mut stalled = state.stalled.subscribe();
    let _ = stalled.wait_for(|s| !*s).await;
    let scripted = state.per_token.lock().ok().and_then(|m| m.get(&token).cloned());
    let scripted = scripted.or_else(|| state.script.lock().ok().and_then(|mut s| s.pop_front()));
    match (scripted, state.kind) {
        (Some(reply), _) => respond(&reply),
        (None, Kind::Apns) => {
            let mut response = respond(&Reply::new(200, Value::Null));
            *response.body_mut() = String::new();
            if let Ok(id) = uuid_like().parse() {
                response.headers_mut().insert("apns-id", id);
            }
            response
        }
        (None, Kind::Fcm) => {
            let n = state.received.lock().map(|r| r.len()).unwrap_or(0);
            respond(&Reply::new(200, json!({"name": format!("projects/{PROJECT_ID}/messages/{n}")})))
        }
    }
}

/// The credentials of an `authorization: bearer …` header (the scheme is case-insensitive).
fn bearer(header: &str) -> Option<&str> {
    let (scheme, credentials) = header.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then_some(credentials)
}

fn uuid_like() -> String {
    let n: u128 = rand::random();
    let h = format!("{n:032X}");
    format!("{}-{}-{}-{}-{}", &h[..8], &h[8..12], &h[12..16], &h[16..20], &h[20..])
}

fn now() -> u64 {
    super::apns::now_secs()
}

/// APNs: the provider token and the headers; returns the device token.
fn check_apns(state: &State, path: &str, headers: &HashMap<String, String>) -> Result<String, Reply> {
    let forbidden = |reason: &str| Reply::new(403, json!({"reason": reason}));
    let bad = |reason: &str| Reply::new(400, json!({"reason": reason}));
    let Some(token) = path.strip_prefix("/3/device/").filter(|t| !t.is_empty()) else {
        return Err(Reply::new(404, json!({"reason": "BadPath"})));
    };
    let jwt = headers.get("authorization").and_then(|a| bearer(a)).ok_or(forbidden("MissingProviderToken"))?;
    let header = jsonwebtoken::decode_header(jwt).map_err(|_| forbidden("InvalidProviderToken"))?;
    if header.alg != Algorithm::ES256 || header.kid.as_deref() != Some(KEY_ID) {
        return Err(forbidden("InvalidProviderToken"));
    }
    let mut validation = Validation::new(Algorithm::ES256);
    validation.required_spec_claims = HashSet::from(["iss".to_owned()]);
    validation.validate_exp = false;
    validation.set_issuer(&[TEAM_ID]);
    let claims = jsonwebtoken::decode::<Value>(jwt, &state.key, &validation)
        .map_err(|_| forbidden("InvalidProviderToken"))?
        .claims;
    let iat = claims.get("iat").and_then(Value::as_u64).ok_or(forbidden("InvalidProviderToken"))?;
    if iat + 3600 < now() || iat > now() + 60 {
        return Err(forbidden("ExpiredProviderToken"));
    }
    let topic = headers.get("apns-topic").ok_or(bad("MissingTopic"))?;
    let voip_topic = format!("{BUNDLE_ID}.voip");
    match headers.get("apns-push-type").map(String::as_str) {
        Some("alert") if topic == BUNDLE_ID => {}
        Some("voip") if *topic == voip_topic => {}
        Some("alert" | "voip") => return Err(bad("DeviceTokenNotForTopic")),
        _ => return Err(bad("InvalidPushType")),
    }
    for (name, valid) in [("apns-priority", &["5", "10"][..]), ("apns-expiration", &[][..])] {
        let value = headers.get(name).ok_or(bad("BadHeader"))?;
        if (!valid.is_empty() && !valid.contains(&value.as_str())) || value.parse::<u64>().is_err() {
            return Err(bad(if name == "apns-priority" { "BadPriority" } else { "BadExpirationDate" }));
        }
    }
    if headers.get("apns-collapse-id").is_some_and(|c| c.len() > 64) {
        return Err(bad("BadCollapseId"));
    }
    Ok(token.to_owned())
}

/// FCM: the access token, the project and the message; returns the device token.
fn check_fcm(state: &State, path: &str, headers: &HashMap<String, String>, body: &Value) -> Result<String, Reply> {
    let error = |code: u16, status: &str| Reply::new(code, json!({"error": {"code": code, "status": status}}));
    let token = headers.get("authorization").and_then(|a| bearer(a)).unwrap_or_default();
    if !state.access_tokens.lock().is_ok_and(|t| t.contains(token)) {
        return Err(error(401, "UNAUTHENTICATED"));
    }
    if path != format!("/v1/projects/{PROJECT_ID}/messages:send") {
        return Err(error(404, "NOT_FOUND"));
    }
    let token = body.pointer("/message/token").and_then(Value::as_str).filter(|t| !t.is_empty());
    token.map(str::to_owned).ok_or(error(400, "INVALID_ARGUMENT"))
}

/// FCM `/token`: the JWT-bearer grant.
fn grant(state: &State, form: &[u8]) -> Response<String> {
    let refuse = |why: &str| respond(&Reply::new(400, json!({"error": "invalid_grant", "error_description": why})));
    let form = String::from_utf8_lossy(form);
    let field = |name: &str| form.split('&').find_map(|kv| kv.strip_prefix(name)?.strip_prefix('=')).map(str::to_owned);
    if field("grant_type").map(|g| g.replace("%3A", ":")) != Some(GRANT_TYPE.to_owned()) {
        return refuse("grant_type");
    }
    let Some(assertion) = field("assertion") else { return refuse("assertion") };
    let aud = state.token_uri.lock().map(|u| u.clone()).unwrap_or_default();
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_issuer(&[CLIENT_EMAIL]);
    validation.set_audience(&[aud]);
    let claims = match jsonwebtoken::decode::<GrantClaims>(&assertion, &state.key, &validation) {
        Ok(data) => data.claims,
        Err(e) => return refuse(&e.to_string()),
    };
    if claims.scope != SCOPE || claims.iat > now() + 60 {
        return refuse("scope or iat");
    }
    let token = format!("ya29.standin-{}", uuid_like());
    if let Ok(mut tokens) = state.access_tokens.lock() {
        tokens.insert(token.clone());
    }
    if let Ok(mut grants) = state.grants.lock() {
        *grants += 1;
    }
    respond(&Reply::new(200, json!({"access_token": token, "expires_in": 3599, "token_type": "Bearer"})))
}
