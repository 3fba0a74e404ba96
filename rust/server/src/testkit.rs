//! Public test helpers: start a real server on 127.0.0.1 and talk to it over a real Socket.IO v5 WebSocket.
//!
//! [`TestServer`] runs the server in-process on a fresh SQLite file or a fresh PostgreSQL database;
//! [`TestClient`] is a deliberately small Engine.IO 4 / Socket.IO 5 client that logs in exactly as the original SDK
//! does (discovery on one socket, authenticate on a second) and then sends and receives `WebPacket` envelopes.
//! Received packets are buffered, so a test waits for the one it wants ([`TestClient::recv`]) with a deadline and
//! can later check that something did *not* arrive after a [`TestClient::barrier`].
//!
//! [`backend_tests!`](crate::backend_tests) turns one async scenario into a SQLite test and a PostgreSQL test.
//!
//! The SIP gateway's media helpers (a WebRTC app peer, an RTP carrier, tone meters) are `azstack_sip::testing`.

use std::collections::VecDeque;
use std::time::Duration;

use azstack_protocol::framing::{self, Frame};
use azstack_protocol::{Envelope, Service};
use futures_util::{SinkExt, StreamExt};
use serde::Serialize;
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;

use crate::auth::encrypt_token;
use crate::config::Config;
use crate::server::{RunningServer, create_app};
use crate::store::SqlStore;
use crate::store::apps::AppRow;

/// How long a test waits for an expected packet before failing.
pub const DEADLINE: Duration = Duration::from_secs(10);

/// The environment variable naming a PostgreSQL server for tests, e.g. `postgres://azstack@127.0.0.1:55432/azstack_test`.
pub const POSTGRES_ENV: &str = "AZSTACK_TEST_POSTGRES_URL";

/// A server running in-process for one test.
pub struct TestServer {
    pub server: RunningServer,
    pub app: AppRow,
    pub database: String,
    _dir: Option<tempfile::TempDir>,
}

impl TestServer {
    /// A dev-mode server on a fresh SQLite file.
    pub async fn sqlite() -> TestServer {
        TestServer::sqlite_with(|_| {}).await
    }

    /// As [`TestServer::sqlite`], with the configuration adjusted by `tweak`.
    pub async fn sqlite_with(tweak: impl FnOnce(&mut Config)) -> TestServer {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut config = Config::dev(0, dir.path());
        tweak(&mut config);
        TestServer::start_on(config, Some(dir)).await
    }

    /// A dev-mode server on a fresh PostgreSQL database, or `None` when [`POSTGRES_ENV`] is not set (which fails
    /// under CI, where it must be).
    pub async fn postgres() -> Option<TestServer> {
        TestServer::postgres_with(|_| {}).await
    }

    pub async fn postgres_with(tweak: impl FnOnce(&mut Config)) -> Option<TestServer> {
        let (mut config, dir) = TestServer::postgres_config().await?;
        tweak(&mut config);
        Some(TestServer::start_on(config, Some(dir)).await)
    }

    /// A dev configuration on a fresh PostgreSQL database with the directory of what is not in the database, or `None`
    /// when [`POSTGRES_ENV`] is not set.
    async fn postgres_config() -> Option<(Config, tempfile::TempDir)> {
        let Ok(base) = std::env::var(POSTGRES_ENV) else {
            assert!(std::env::var_os("CI").is_none(), "{POSTGRES_ENV} must be set under CI");
            eprintln!("skipped: {POSTGRES_ENV} is not set");
            return None;
        };
        let url = fresh_postgres_database(&base).await;
        // The directory holds what is not in the database (the file store).
        let dir = tempfile::tempdir().expect("temp dir");
        let mut config = Config::dev(0, dir.path());
        config.database = url;
        Some((config, dir))
    }

    /// Starts a server on `config` (whose `database` is used as is), creating one application.
    pub async fn start_on(config: Config, dir: Option<tempfile::TempDir>) -> TestServer {
        TestServer::start_on_with_app(config, dir, |_, _| {}).await
    }

    /// As [`TestServer::sqlite_with`], with `tweak` given the application too (its `[[apps]]` entry, say).
    pub async fn sqlite_with_app(tweak: impl FnOnce(&mut Config, &AppRow)) -> TestServer {
        let dir = tempfile::tempdir().expect("temp dir");
        let config = Config::dev(0, dir.path());
        TestServer::start_on_with_app(config, Some(dir), tweak).await
    }

    /// As [`TestServer::postgres_with`], with `tweak` given the application too.
    pub async fn postgres_with_app(tweak: impl FnOnce(&mut Config, &AppRow)) -> Option<TestServer> {
        let (config, dir) = TestServer::postgres_config().await?;
        Some(TestServer::start_on_with_app(config, Some(dir), tweak).await)
    }

    /// As [`TestServer::start_on`], with `tweak` applied to `config` once the application exists.
    pub async fn start_on_with_app(
        mut config: Config,
        dir: Option<tempfile::TempDir>,
        tweak: impl FnOnce(&mut Config, &AppRow),
    ) -> TestServer {
        let database = config.database.clone();
        let store = SqlStore::open(&database).await.expect("open store");
        let app = match store.list_apps().await.expect("list apps").into_iter().next() {
            Some(app) => app,
            None => create_app(&store, "test").await.expect("create app"),
        };
        tweak(&mut config, &app);
        let server = crate::start_with_store(config, store).await.expect("start server");
        TestServer { server, app, database, _dir: dir }
    }

    pub fn url(&self) -> String {
        self.server.url()
    }

    /// Logs `username` in with the new engine's `sdkVersion`.
    pub async fn login(&self, username: &str) -> TestClient {
        TestClient::login(&self.url(), &self.app, &Login::engine(username)).await.expect("login")
    }

    /// Logs `username` in as the original SDK would (`sdkVersion` 2.2.4: no D6 acks).
    pub async fn login_original(&self, username: &str) -> TestClient {
        TestClient::login(&self.url(), &self.app, &Login { sdk_version: "2.2.4".into(), ..Login::engine(username) })
            .await
            .expect("login")
    }

    pub async fn shutdown(self) {
        self.server.shutdown().await;
    }
}

/// A new, empty database on the PostgreSQL server of `base` (a URL with a database part); its URL.
pub async fn fresh_postgres_database(base: &str) -> String {
    use sqlx::Executor;
    sqlx::any::install_default_drivers();
    let name = format!("t_{}", crate::store::apps::new_app_id());
    let mut admin = sqlx::AnyConnection::connect_with_url(base).await;
    admin.execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).await.expect("create test database");
    match base.rsplit_once('/') {
        Some((prefix, _)) => format!("{prefix}/{name}"),
        None => panic!("{POSTGRES_ENV} has no database part"),
    }
}

trait ConnectWithUrl: Sized {
    async fn connect_with_url(url: &str) -> Self;
}

impl ConnectWithUrl for sqlx::AnyConnection {
    async fn connect_with_url(url: &str) -> Self {
        use sqlx::Connection;
        sqlx::AnyConnection::connect(url).await.expect("connect to PostgreSQL")
    }
}

/// What a test client logs in with.
#[derive(Clone, Debug)]
pub struct Login {
    pub username: String,
    pub fullname: String,
    pub credentials: String,
    pub namespace: String,
    pub sdk_version: String,
}

impl Login {
    pub fn engine(username: &str) -> Login {
        Login {
            username: username.into(),
            fullname: format!("{username} (test)"),
            credentials: String::new(),
            namespace: String::new(),
            sdk_version: "azstack-rs/test".into(),
        }
    }
}

/// A raw Socket.IO v5 client.
pub struct TestClient {
    out: mpsc::UnboundedSender<Message>,
    inbox: mpsc::UnboundedReceiver<Envelope>,
    buffer: VecDeque<Envelope>,
    /// From svc 162; 0 before login.
    pub user_id: i64,
    pub username: String,
    /// The whole 162 body.
    pub auth_reply: Value,
    next_purpose: i64,
}

/// Why a client operation failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("websocket: {0}")]
    Ws(String),
    #[error("handshake: {0}")]
    Handshake(String),
    #[error("timed out waiting for service {0}")]
    Timeout(i64),
    #[error("connection closed")]
    Closed,
    #[error("authentication failed: {0}")]
    AuthFailed(Value),
}

impl TestClient {
    /// Opens a socket and completes the Engine.IO / Socket.IO handshake.
    pub async fn connect(url: &str) -> Result<TestClient, ClientError> {
        let ws_url = format!("{}/socket.io/?EIO=4&transport=websocket", url.replacen("http", "ws", 1));
        let (ws, _) = tokio_tungstenite::connect_async(ws_url).await.map_err(|e| ClientError::Ws(e.to_string()))?;
        let (mut sink, mut stream) = ws.split();
        let (out, mut out_rx) = mpsc::unbounded_channel::<Message>();
        let (in_tx, inbox) = mpsc::unbounded_channel();
        let (ready_tx, ready_rx) = tokio::sync::oneshot::channel::<Result<(), String>>();
        tokio::spawn(async move {
            while let Some(m) = out_rx.recv().await {
                if sink.send(m).await.is_err() {
                    break;
                }
            }
        });
        let pong = out.clone();
        tokio::spawn(async move {
            let mut ready = Some(ready_tx);
            while let Some(Ok(msg)) = stream.next().await {
                let Message::Text(text) = msg else { continue };
                let text = text.as_str();
                match framing::parse(text) {
                    Frame::Open(_) => {
                        let _ = pong.send(Message::text(framing::CONNECT));
                    }
                    Frame::Ping => {
                        let _ = pong.send(Message::text(framing::PONG));
                    }
                    Frame::Connect(_) => {
                        if let Some(r) = ready.take() {
                            let _ = r.send(Ok(()));
                        }
                    }
                    Frame::ConnectError(_) => {
                        if let Some(r) = ready.take() {
                            let _ = r.send(Err(text.to_owned()));
                        }
                    }
                    Frame::Event(array) => {
                        if let Some(env) = framing::decode_event(array) {
                            let _ = in_tx.send(env);
                        }
                    }
                    Frame::Disconnect | Frame::Close => break,
                    Frame::Pong | Frame::Ack(_) | Frame::Other(_) => {}
                }
            }
        });
        match tokio::time::timeout(DEADLINE, ready_rx).await {
            Ok(Ok(Ok(()))) => {}
            Ok(Ok(Err(e))) => return Err(ClientError::Handshake(e)),
            _ => return Err(ClientError::Handshake("no namespace connect".into())),
        }
        Ok(TestClient {
            out,
            inbox,
            buffer: VecDeque::new(),
            user_id: 0,
            username: String::new(),
            auth_reply: Value::Null,
            next_purpose: 1,
        })
    }

    /// The original flow: discovery (29) on a first socket, then authenticate (179) on a second.
    pub async fn login(url: &str, app: &AppRow, login: &Login) -> Result<TestClient, ClientError> {
        let mut master = TestClient::connect(url).await?;
        master.send(Service::AUTHENTICATION_GET_SERVER_ADDR, &json!({"azStackUserId": login.username}));
        let addr = master.recv(Service::AUTHENTICATION_GET_SERVER_ADDR).await?;
        master.close();
        let mut client = TestClient::connect(url).await?;
        let reply = client.authenticate(app, login, &addr).await?;
        if reply.get("userId").and_then(Value::as_i64).is_none() {
            return Err(ClientError::AuthFailed(reply));
        }
        Ok(client)
    }

    /// The svc 179 token for `login` (an HTTP upload is authenticated with it too).
    pub fn token(app: &AppRow, login: &Login) -> Result<String, ClientError> {
        let plaintext = json!({
            "sdkVersion": login.sdk_version,
            "namespace": login.namespace,
            "azStackUserID": login.username,
            "userCredentials": login.credentials,
        });
        encrypt_token(&app.public_key, &plaintext.to_string()).map_err(|e| ClientError::Handshake(e.to_string()))
    }

    /// Sends 179 with a token made for `login` and waits for 162 (success or failure).
    pub async fn authenticate(&mut self, app: &AppRow, login: &Login, addr: &Value) -> Result<Value, ClientError> {
        let token = TestClient::token(app, login)?;
        self.send(
            Service::AUTHENTICATION_SEND_AUTHENTICATE,
            &json!({
                "slaveIp": addr.get("ip"), "slavePort": addr.get("port"), "token": token,
                "fullname": login.fullname, "namespace": login.namespace, "appId": app.id,
                "sdkVersion": login.sdk_version, "platform": 1, "screenSize": "0x0",
            }),
        );
        let reply = self.recv(Service::AUTHENTICATION_RECEIVE_AUTHENTICATE).await?;
        self.user_id = reply.get("userId").and_then(Value::as_i64).unwrap_or(0);
        self.username = reply.get("username").and_then(Value::as_str).unwrap_or_default().to_owned();
        self.auth_reply = reply.clone();
        Ok(reply)
    }

    /// Sends a `WebPacket` with `body` serialised as the JSON-text body.
    pub fn send<T: Serialize + ?Sized>(&self, service: Service, body: &T) {
        self.send_envelope(&Envelope::new(service, body));
    }

    pub fn send_envelope(&self, env: &Envelope) {
        self.send_event(&serde_json::to_value(env).unwrap_or(Value::Null));
    }

    /// Sends a `WebPacket` event whose argument is `arg` verbatim (for malformed-input tests).
    pub fn send_event(&self, arg: &Value) {
        self.send_frame(&framing::event_with(arg));
    }

    /// Sends a raw Engine.IO text frame.
    pub fn send_frame(&self, frame: &str) {
        let _ = self.out.send(Message::text(frame.to_owned()));
    }

    /// The body of the first packet of `service` (buffered or arriving within [`DEADLINE`]).
    pub async fn recv(&mut self, service: Service) -> Result<Value, ClientError> {
        self.recv_where(service, |_| true).await
    }

    /// The body of the first packet of `service` whose body satisfies `pred`. Other packets stay buffered.
    pub async fn recv_where(&mut self, service: Service, pred: impl Fn(&Value) -> bool) -> Result<Value, ClientError> {
        self.recv_where_within(service, pred, DEADLINE).await
    }

    /// As [`TestClient::recv`] with a custom deadline.
    pub async fn recv_within(&mut self, service: Service, within: Duration) -> Result<Value, ClientError> {
        self.recv_where_within(service, |_| true, within).await
    }

    /// As [`TestClient::recv_where`] with a custom deadline.
    pub async fn recv_where_within(
        &mut self,
        service: Service,
        pred: impl Fn(&Value) -> bool,
        within: Duration,
    ) -> Result<Value, ClientError> {
        let wanted = i64::from(service.number());
        let matches = |env: &Envelope| env.service == wanted && pred(&body_of(env));
        if let Some(i) = self.buffer.iter().position(matches) {
            return Ok(self.buffer.remove(i).map(|e| body_of(&e)).unwrap_or(Value::Null));
        }
        let deadline = tokio::time::Instant::now() + within;
        loop {
            match tokio::time::timeout_at(deadline, self.inbox.recv()).await {
                Ok(Some(env)) if matches(&env) => return Ok(body_of(&env)),
                Ok(Some(env)) => self.buffer.push_back(env),
                Ok(None) => return Err(ClientError::Closed),
                Err(_) => return Err(ClientError::Timeout(wanted)),
            }
        }
    }

    /// Waits until the server has processed everything this client sent before, and everything fanned out to it
    /// by requests that completed before this call has arrived: a users-information round trip on this socket.
    pub async fn barrier(&mut self) {
        let purpose = 90_000 + self.next_purpose;
        self.next_purpose += 1;
        self.send(Service::USER_GET_INFO_BY_IDS, &json!({"purpose": purpose, "userIdList": [self.user_id]}));
        let got = self
            .recv_where(Service::USER_GET_INFO_BY_IDS, |b| b.get("purpose").and_then(Value::as_i64) == Some(purpose))
            .await;
        assert!(got.is_ok(), "barrier round trip failed: {got:?}");
    }

    /// Bodies of buffered (already received, not yet consumed) packets of `service`.
    pub fn buffered(&mut self, service: Service) -> Vec<Value> {
        while let Ok(env) = self.inbox.try_recv() {
            self.buffer.push_back(env);
        }
        let wanted = i64::from(service.number());
        self.buffer.iter().filter(|e| e.service == wanted).map(body_of).collect()
    }

    /// Forgets everything buffered.
    pub fn clear(&mut self) {
        while self.inbox.try_recv().is_ok() {}
        self.buffer.clear();
    }

    /// Sends a Socket.IO disconnect and closes the socket.
    pub fn close(&self) {
        let _ = self.out.send(Message::text(framing::DISCONNECT));
        let _ = self.out.send(Message::Close(None));
    }

    /// Closes the WebSocket without a Socket.IO disconnect (`41`): to the server this is a lost transport, not a
    /// client that left on purpose.
    pub fn drop_transport(&self) {
        let _ = self.out.send(Message::Close(None));
    }

    /// The next packet in arrival order, whatever its service (buffered ones first): `(service, body)`. For tests
    /// that check the order of packets across services.
    pub async fn next_packet(&mut self) -> Result<(i64, Value), ClientError> {
        if let Some(env) = self.buffer.pop_front() {
            return Ok((env.service, body_of(&env)));
        }
        match tokio::time::timeout(DEADLINE, self.inbox.recv()).await {
            Ok(Some(env)) => Ok((env.service, body_of(&env))),
            Ok(None) => Err(ClientError::Closed),
            Err(_) => Err(ClientError::Timeout(0)),
        }
    }
}

fn body_of(env: &Envelope) -> Value {
    env.decode::<Value>().unwrap_or(Value::Null)
}

/// Expands `backend_tests!(scenario)` (an `async fn scenario(server: TestServer)`) into a module with a `sqlite` and
/// a `postgres` test.
#[macro_export]
macro_rules! backend_tests {
    ($($scenario:ident),+ $(,)?) => {$(
        mod $scenario {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let server = $crate::testkit::TestServer::sqlite().await;
                super::$scenario(server).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(server) = $crate::testkit::TestServer::postgres().await {
                    super::$scenario(server).await;
                }
            }
        }
    )+};
}

/// A TURN client on a fresh UDP socket of 127.0.0.1, listening, for the TURN server at `addr` (`HOST:PORT`) with the
/// credentials of one `ice_server` entry — what a phone's ICE agent does before it allocates a relay.
pub async fn turn_client(addr: &str, username: &str, password: &str) -> Result<turn::client::Client, turn::Error> {
    let conn = std::sync::Arc::new(tokio::net::UdpSocket::bind("127.0.0.1:0").await?);
    let client = turn::client::Client::new(turn::client::ClientConfig {
        stun_serv_addr: addr.to_owned(),
        turn_serv_addr: addr.to_owned(),
        username: username.to_owned(),
        password: password.to_owned(),
        realm: String::new(),
        software: String::new(),
        rto_in_ms: 0,
        conn,
        vnet: None,
    })
    .await?;
    client.listen().await?;
    Ok(client)
}
