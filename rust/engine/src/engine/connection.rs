//! Connecting, authenticating, disconnecting and reconnecting (PROTOCOL.md §2, §3.1–§3.3, §9).
//!
//! An *attempt* — from `connect`, `reconnect` or the auto-reconnect loop — is always the full original sequence:
//! open a first socket and ask for the server address (svc 29), close it, open the slave socket to the same URL,
//! send the encrypted token (svc 179), and wait for svc 162. The slave socket's packets are read by one router task
//! in arrival order ([`crate::router`]); when the socket closes that task calls [`Engine::on_socket_closed`] exactly
//! once, which decides between "the user asked for it" (resolve `disconnect`), "an attempt was still waiting for
//! 162" (fail the attempt) and "the connection dropped" (fail pending requests at once, fire `onDisconnected`, and
//! start auto-reconnect when enabled).
//!
//! Deliberate differences from the original, each from PROTOCOL.md's engine rules or Appendix A:
//! * a second `connect()` reports its error to `connect` itself (Q1), and the connecting/reconnecting phase ends
//!   whatever the outcome, also on timeout (Q2);
//! * an authentication failure is recognised (svc 162 without `userId`/`ice_server`) and reported as
//!   `ERR_UNEXPECTED_RECEIVED_DATA` with the server's message (D3);
//! * requests go out only on an authenticated socket; before 162 they fail with their send-fail text instead of
//!   being dropped by the server;
//! * the auto-reconnect interval may grow exponentially with jitter (`autoReconnectBackoff`, off by default);
//! * a silent connection is declared lost after `livenessTimeout` (see [`crate::transport`]), and
//!   [`Engine::network_changed`] checks the connection at once and skips the wait before the next auto-reconnect
//!   attempt: the platform calls it when the device's network changes.

use std::time::Duration;

use azstack_protocol::bodies::IntOrString;
use azstack_protocol::bodies::auth::{Authenticate, AuthenticateReply, ServerAddrReply, ServerAddrRequest};
use azstack_protocol::errors::{ApiError, ErrorCode};
use azstack_protocol::{Envelope, Service};
use serde_json::Value;
use tokio::sync::{mpsc, oneshot};

use super::Engine;
use crate::auth::login_token;
use crate::config::AuthenticatingData;
use crate::core::Phase;
use crate::events::Event;
use crate::model::AuthenticatedUser;
use crate::requests::{DEFAULT_KEY, Uncall};
use crate::transport::{self, CloseReason, Incoming};

const MISSING_AUTH_DATA: &str =
    "appId, publicKey, azStackUserId, fullname are required for authenticating data, connect fail";

/// Which API path started an attempt (it decides error texts and timeout keys).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Attempt {
    Connect,
    Reconnect,
    Auto,
}

impl Attempt {
    fn uncall(self) -> Uncall {
        match self {
            Attempt::Connect => Uncall::Connect,
            Attempt::Reconnect | Attempt::Auto => Uncall::Reconnect,
        }
    }

    fn slave_connect_error(self) -> ApiError {
        let message = match self {
            Attempt::Connect => "Cannot connect to slave socket",
            Attempt::Reconnect => "Cannot reconnect to slave socket",
            Attempt::Auto => "Cannot auto reconnect to slave socket",
        };
        ApiError::new(ErrorCode::SocketConnect, message)
    }
}

/// Why an attempt failed; `retry` is false for failures auto-reconnect must not retry (a refused authentication).
struct AttemptError {
    error: ApiError,
    retry: bool,
}

impl From<ApiError> for AttemptError {
    fn from(error: ApiError) -> AttemptError {
        AttemptError { error, retry: true }
    }
}

/// Reads the `authenticatingData` and `masterSocketUri` overrides of `connect`/`reconnect` options.
fn apply_overrides(engine: &Engine, options: &Value) {
    if let Some(data) = options.get("authenticatingData").filter(|v| v.is_object()) {
        let data = AuthenticatingData::from_json(data);
        engine.set_config(|c| c.authenticating_data = data);
    }
    if let Some(uri) = options.get("masterSocketUri").and_then(Value::as_str).filter(|s| !s.is_empty()) {
        let uri = uri.to_owned();
        engine.set_config(|c| c.master_socket_uri = uri);
    }
}

impl Engine {
    /// `connect(options?)`: discovery, slave socket, authentication. `options` may carry `authenticatingData` and
    /// (extension) `masterSocketUri`.
    pub async fn connect(&self, options: &Value) -> Result<AuthenticatedUser, ApiError> {
        match self.state().phase {
            Phase::New => {}
            // A shut-down engine connects no more (as its attempt would have found).
            Phase::ShutDown => return Err(Attempt::Connect.slave_connect_error()),
            _ => return Err(ApiError::unexpected("Cannot init core, already inited")),
        }
        apply_overrides(self, options);
        if !self.config().authenticating_data.is_complete() {
            return Err(ApiError::new(ErrorCode::UnexpectedSendData, MISSING_AUTH_DATA));
        }
        self.state().phase = Phase::Connecting;
        let outcome = self.attempt(Attempt::Connect).await;
        self.state().finish(Phase::Connecting);
        self.after_manual_attempt(outcome)
    }

    /// `reconnect(options?)`: a full new attempt after `disconnect()` or a failed `connect()`.
    pub async fn reconnect(&self, options: &Value) -> Result<AuthenticatedUser, ApiError> {
        {
            let state = self.state();
            if state.socket.is_some() {
                return Err(ApiError::unexpected("Cannot reconnect, slave socket already connected"));
            }
            match state.phase {
                Phase::New => return Err(ApiError::unexpected("Cannot reconnect, core not inited")),
                Phase::Connecting => return Err(ApiError::unexpected("Cannot reconnect, already try connecting")),
                Phase::Reconnecting | Phase::AutoReconnecting => {
                    return Err(ApiError::unexpected("Cannot reconnect, already try reconnecting"));
                }
                Phase::Idle | Phase::Disconnecting | Phase::ShutDown => {}
            }
        }
        apply_overrides(self, options);
        if !self.config().authenticating_data.is_complete() {
            return Err(ApiError::new(ErrorCode::UnexpectedSendData, MISSING_AUTH_DATA));
        }
        {
            let mut state = self.state();
            if state.is_shut_down() {
                return Err(Attempt::Reconnect.slave_connect_error());
            }
            state.phase = Phase::Reconnecting;
        }
        let outcome = self.attempt(Attempt::Reconnect).await;
        self.state().finish(Phase::Reconnecting);
        self.after_manual_attempt(outcome)
    }

    fn after_manual_attempt(
        &self,
        outcome: Result<AuthenticatedUser, AttemptError>,
    ) -> Result<AuthenticatedUser, ApiError> {
        outcome.map_err(|failure| {
            if failure.retry && self.config().auto_reconnect {
                self.start_auto_reconnect();
            }
            failure.error
        })
    }

    /// `disconnect()`: closes the slave socket on purpose. Resolves once it is closed; `onDisconnected` does not
    /// fire and auto-reconnect does not start.
    pub async fn disconnect(&self) -> Result<(), ApiError> {
        let (socket, closed) = {
            let mut state = self.state();
            if matches!(state.phase, Phase::Disconnecting | Phase::ShutDown) && state.socket.is_some() {
                return Err(ApiError::unexpected("Cannot disconnect to slave server, already try disconnecting"));
            }
            let Some(socket) = state.socket.clone() else {
                return Err(ApiError::new(
                    ErrorCode::SocketNotConnected,
                    "Cannot disconnect to slave server, slave socket not connected",
                ));
            };
            state.phase = Phase::Disconnecting;
            let (tx, rx) = oneshot::channel();
            state.disconnect_waiter = Some(tx);
            (socket, rx)
        };
        socket.close();
        // The router reports the close; bound the wait so a wedged transport cannot hang the caller.
        let _ = tokio::time::timeout(self.request_timeout(), closed).await;
        let mut state = self.state();
        state.finish(Phase::Disconnecting);
        state.user = None;
        Ok(())
    }

    /// One full attempt: discovery, slave socket, 179, 162.
    async fn attempt(&self, kind: Attempt) -> Result<AuthenticatedUser, AttemptError> {
        let config = self.config();
        let timeout = Duration::from_millis(config.request_timeout);
        let timeout_error = || {
            ApiError::new(
                ErrorCode::RequestTimeout,
                format!(
                    "Request with uncallKey \"{}\" and requestKey \"{DEFAULT_KEY}\" has exceed timeout {}s",
                    kind.uncall().name(),
                    config.request_timeout
                ),
            )
        };
        let deadline = tokio::time::Instant::now() + timeout;
        let data = &config.authenticating_data;

        // 1. Discovery on the master socket. Not reaching it in time is a connect error, not answering a timeout.
        let address = discover(&config, deadline).await?.ok_or_else(timeout_error)?;

        // 2. The token (fails before any slave socket exists).
        let token = login_token(data)?;

        // 3. The slave socket.
        let remaining = deadline.saturating_duration_since(tokio::time::Instant::now());
        let (socket, incoming) = transport::connect(&config.master_socket_uri, remaining, config.liveness())
            .await
            .map_err(|_| kind.slave_connect_error())?;
        let (reply_tx, reply_rx) = oneshot::channel();
        let generation = {
            let mut state = self.state();
            if state.is_shut_down() {
                socket.close();
                return Err(AttemptError { error: kind.slave_connect_error(), retry: false });
            }
            state.generation += 1;
            state.socket = Some(socket.clone());
            state.authenticated = false;
            state.auth_waiter = Some(reply_tx);
            state.generation
        };
        self.spawn_router(generation, incoming);
        self.spawn_ping(generation, Duration::from_millis(config.interval_ping_time));

        // 4. Authenticate.
        let authenticate = Authenticate {
            slave_ip: Some(address.ip),
            slave_port: Some(address.port),
            token,
            fullname: data.fullname.clone(),
            namespace: data.namespace.clone(),
            app_id: data.app_id.clone(),
            platform: Some(config.platform),
            sdk_version: crate::SDK_VERSION.to_owned(),
            screen_size: Some(config.screen_size.clone()),
        };
        let send_fail = ApiError::new(ErrorCode::SocketNotConnected, "Cannot send authentication data, connect fail");
        if socket.send(&Envelope::new(Service::AUTHENTICATION_SEND_AUTHENTICATE, &authenticate)).is_err() {
            self.abandon_socket(generation);
            return Err(send_fail.into());
        }
        let reply = match tokio::time::timeout_at(deadline, reply_rx).await {
            Ok(Ok(Ok(envelope))) => envelope,
            Ok(Ok(Err(error))) => {
                self.abandon_socket(generation);
                return Err(error.into());
            }
            Ok(Err(_)) => {
                self.abandon_socket(generation);
                return Err(kind.slave_connect_error().into());
            }
            Err(_) => {
                self.abandon_socket(generation);
                return Err(timeout_error().into());
            }
        };

        // 5. Success iff `userId` is a number and `ice_server` an array (§2.5).
        let parsed = serde_json::from_str::<Value>(if reply.body.trim().is_empty() { "{}" } else { &reply.body })
            .ok()
            .filter(Value::is_object);
        let Some(body) = parsed else {
            self.abandon_socket(generation);
            return Err(ApiError::new(ErrorCode::SocketParseBody, "Cannot get authenticated data, connect fail").into());
        };
        match serde_json::from_value::<AuthenticateReply>(body) {
            Ok(AuthenticateReply::Success(ok)) => {
                let user =
                    AuthenticatedUser { user_id: ok.user_id, az_stack_user_id: ok.username, fullname: ok.fullname };
                {
                    let mut state = self.state();
                    if state.generation != generation || state.socket.is_none() {
                        return Err(kind.slave_connect_error().into());
                    }
                    state.authenticated = true;
                    state.user = Some(user.clone());
                    state.ice_servers = ok.ice_server;
                }
                // What waited for a connection: the outbox, what arrived while the engine was away, and a call
                // kept across the drop (it restarts ICE).
                self.messages().flush_outbox();
                self.catch_up().start();
                self.calls.on_reauthenticated();
                Ok(user)
            }
            Ok(AuthenticateReply::Failure(failure)) => {
                self.abandon_socket(generation);
                let message = failure.message.unwrap_or_else(|| "Authentication failed".to_owned());
                let mut error = ApiError::new(ErrorCode::UnexpectedReceivedData, message);
                error.status = failure.result_code;
                Err(AttemptError { error, retry: false })
            }
            Err(_) => {
                self.abandon_socket(generation);
                Err(AttemptError {
                    error: ApiError::new(ErrorCode::UnexpectedReceivedData, "Authentication failed"),
                    retry: false,
                })
            }
        }
    }

    /// Drops the socket of a failed attempt without reporting a disconnect.
    fn abandon_socket(&self, generation: u64) {
        let socket = {
            let mut state = self.state();
            if state.generation != generation {
                return;
            }
            state.generation += 1;
            state.authenticated = false;
            state.auth_waiter = None;
            if let Some(task) = state.ping_task.take() {
                task.abort();
            }
            state.socket.take()
        };
        if let Some(socket) = socket {
            socket.close();
        }
    }

    /// Reads the slave socket's packets in order; reports its close once.
    fn spawn_router(&self, generation: u64, mut incoming: mpsc::UnboundedReceiver<Incoming>) {
        let engine = self.clone();
        tokio::spawn(async move {
            while let Some(item) = incoming.recv().await {
                match item {
                    Incoming::Packet(envelope) => engine.route(generation, envelope),
                    Incoming::Closed(reason) => {
                        engine.on_socket_closed(generation, reason);
                        return;
                    }
                }
            }
            engine.on_socket_closed(generation, CloseReason::TransportError("reader ended".into()));
        });
    }

    /// The application ping, svc 1 every `intervalPingTime` from the socket's connect (§1.4).
    fn spawn_ping(&self, generation: u64, every: Duration) {
        let engine = self.clone();
        let task = tokio::spawn(async move {
            let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
            loop {
                ticks.tick().await;
                let socket = {
                    let state = engine.state();
                    if state.generation != generation {
                        return;
                    }
                    state.socket.clone()
                };
                match socket {
                    Some(socket) if socket.send(&Envelope::new(Service::PING, &serde_json::json!({}))).is_ok() => {}
                    _ => return,
                }
            }
        });
        let mut state = self.state();
        if let Some(old) = state.ping_task.replace(task.abort_handle()) {
            old.abort();
        }
    }

    /// svc 162 on the current socket: hand it to the waiting attempt.
    pub(crate) fn on_auth_reply(&self, generation: u64, envelope: Envelope) {
        let waiter = {
            let mut state = self.state();
            if state.generation != generation {
                return;
            }
            state.auth_waiter.take()
        };
        if let Some(waiter) = waiter {
            let _ = waiter.send(Ok(envelope));
        }
    }

    /// The slave socket of `generation` closed.
    fn on_socket_closed(&self, generation: u64, reason: CloseReason) {
        enum Then {
            Nothing,
            Disconnected { auto_reconnect: bool },
        }
        let then = {
            let mut state = self.state();
            if state.generation != generation || state.socket.is_none() {
                return;
            }
            state.socket = None;
            state.authenticated = false;
            if let Some(task) = state.ping_task.take() {
                task.abort();
            }
            if let Some(waiter) = state.auth_waiter.take() {
                // An attempt was waiting for 162: it fails; no disconnect is reported.
                let _ = waiter.send(Err(ApiError::new(ErrorCode::SocketConnect, "Cannot connect to slave socket")));
                Then::Nothing
            } else if let Some(waiter) = state.disconnect_waiter.take() {
                let _ = waiter.send(());
                Then::Nothing
            } else if state.is_shut_down() {
                Then::Nothing
            } else {
                Then::Disconnected { auto_reconnect: self.config().auto_reconnect }
            }
        };
        tracing::debug!(?reason, "slave socket closed");
        let reconnecting = matches!(then, Then::Disconnected { auto_reconnect: true });
        self.calls.end_call_on_connection_closed(matches!(then, Then::Disconnected { .. }), reconnecting);
        if !self.config().wait_timeout_on_disconnect {
            self.requests.fail_all();
        }
        if let Then::Disconnected { auto_reconnect } = then {
            self.emit(Event::Disconnected);
            if auto_reconnect {
                self.start_auto_reconnect();
            }
        }
    }

    /// Starts the auto-reconnect loop of §9.3 unless one is running.
    fn start_auto_reconnect(&self) {
        let mut state = self.state();
        if matches!(state.phase, Phase::AutoReconnecting | Phase::ShutDown) {
            return;
        }
        state.phase = Phase::AutoReconnecting;
        let engine = self.clone();
        let task = tokio::spawn(async move { engine.auto_reconnect_loop().await });
        state.auto_task = Some(task.abort_handle());
    }

    async fn auto_reconnect_loop(&self) {
        loop {
            let config = self.config();
            let tries = self.state().auto_tries;
            if config.auto_reconnect_limit_tries > 0 && tries >= config.auto_reconnect_limit_tries {
                self.finish_auto_reconnect();
                self.emit(Event::AutoReconnectStop(ApiError::unexpected("Stop auto reconnect, trieds exceed limit")));
                return;
            }
            if tries == 0 {
                self.emit(Event::AutoReconnectStart);
            }
            let now = std::mem::take(&mut self.state().reconnect_now);
            if !now {
                tokio::select! {
                    () = tokio::time::sleep(reconnect_delay(&config, tries)) => {}
                    () = self.network_changed.notified() => {}
                }
            }
            if self.state().is_shut_down() {
                return;
            }
            self.state().auto_tries += 1;
            match self.attempt(Attempt::Auto).await {
                Ok(user) => {
                    self.finish_auto_reconnect();
                    self.emit(Event::AutoReconnected(Ok(user)));
                    return;
                }
                Err(AttemptError { error, retry: false }) => {
                    self.finish_auto_reconnect();
                    self.emit(Event::AutoReconnected(Err(error)));
                    return;
                }
                Err(AttemptError { error, retry: true }) => self.emit(Event::AutoReconnected(Err(error))),
            }
        }
    }

    /// `networkChanged()` (extension): the device's network changed (the platform glue calls this from Android's
    /// `ConnectivityManager` callback and iOS's `NWPathMonitor`; apps may too). An open connection is probed at once
    /// (a WebSocket ping answered within half of `livenessTimeout`, at most 3 s, else it counts as lost and auto-reconnect, when
    /// enabled, tries again without waiting its interval); an auto-reconnect loop waiting for its next attempt tries
    /// now. Without a connection or auto-reconnect it does nothing.
    pub fn network_changed(&self) {
        // An answered call restarts ICE at once, over this connection or, if the probe finds it dead, again after
        // the reconnect.
        self.calls.on_network_changed();
        let mut state = self.state();
        if let Some(socket) = state.socket.as_ref() {
            socket.probe();
            state.reconnect_now = true;
            let engine = self.clone();
            let generation = state.generation;
            let window = self.config().liveness().0;
            // The skipped wait is for a loss this probe finds, not for one much later.
            tokio::spawn(async move {
                tokio::time::sleep(window).await;
                let mut state = engine.state();
                if state.generation == generation && state.socket.is_some() {
                    state.reconnect_now = false;
                }
            });
        } else if state.phase == Phase::AutoReconnecting {
            self.network_changed.notify_one();
        }
    }

    fn finish_auto_reconnect(&self) {
        let mut state = self.state();
        state.auto_tries = 0;
        state.finish(Phase::AutoReconnecting);
        state.auto_task = None;
    }
}

/// The wait before auto-reconnect attempt `tries + 1`: the fixed interval, or with `autoReconnectBackoff` the
/// interval doubled per failed attempt, capped at 25 s, with ±25 % jitter.
pub fn reconnect_delay(config: &crate::config::Config, tries: u64) -> Duration {
    let base = config.auto_reconnect_interval_time;
    if !config.auto_reconnect_backoff {
        return Duration::from_millis(base);
    }
    let grown = base.saturating_mul(1u64 << tries.min(16)).min(25_000.max(base));
    let jitter = rand::random_range(0.75..=1.25);
    Duration::from_millis((grown as f64 * jitter) as u64)
}

/// svc 29 on a throwaway socket: the server address, with the original's error texts (§2.1).
/// Asks the master socket (svc 29) for a slave address before `deadline`: `Ok(None)` when the master socket was
/// reached but did not answer in time.
async fn discover(
    config: &crate::config::Config,
    deadline: tokio::time::Instant,
) -> Result<Option<ServerAddrReply>, ApiError> {
    let connect_error = || ApiError::new(ErrorCode::SocketConnect, "Cannot connect to master socket");
    let remaining = deadline.saturating_duration_since(tokio::time::Instant::now());
    let (socket, mut incoming) = transport::connect(&config.master_socket_uri, remaining, config.liveness())
        .await
        .map_err(|_| connect_error())?;
    let request = ServerAddrRequest { az_stack_user_id: Some(config.authenticating_data.az_stack_user_id.clone()) };
    if socket.send(&Envelope::new(Service::AUTHENTICATION_GET_SERVER_ADDR, &request)).is_err() {
        return Err(connect_error());
    }
    let first = tokio::time::timeout_at(deadline, incoming.recv()).await;
    socket.close();
    let Ok(first) = first else { return Ok(None) };
    let envelope = match first {
        Some(Incoming::Packet(envelope)) => envelope,
        _ => return Err(connect_error()),
    };
    if envelope.service != i64::from(Service::AUTHENTICATION_GET_SERVER_ADDR.number()) {
        return Err(ApiError::new(
            ErrorCode::SocketUnknownService,
            "Got unknown packet from master socket, connect fail",
        ));
    }
    envelope
        .decode::<ServerAddrReply>()
        .or_else(|_| {
            // Only `ip` and `port` are echoed back; accept whatever shape they come in.
            envelope
                .decode::<Value>()
                .ok()
                .filter(Value::is_object)
                .map(|v| ServerAddrReply {
                    ip: v.get("ip").and_then(Value::as_str).unwrap_or_default().to_owned(),
                    port: v
                        .get("port")
                        .cloned()
                        .and_then(|p| serde_json::from_value::<IntOrString>(p).ok())
                        .unwrap_or(IntOrString::Int(0)),
                })
                .ok_or(())
        })
        .map(Some)
        .map_err(|_| ApiError::new(ErrorCode::SocketParseBody, "Cannot get server address, connect fail"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    #[test]
    fn backoff_grows_and_is_capped() {
        let mut config = Config { auto_reconnect_interval_time: 1000, ..Config::default() };
        assert_eq!(reconnect_delay(&config, 5), Duration::from_millis(1000));
        config.auto_reconnect_backoff = true;
        let first = reconnect_delay(&config, 0).as_millis();
        assert!((750..=1250).contains(&first), "{first}");
        let late = reconnect_delay(&config, 30).as_millis();
        assert!((18_750..=31_250).contains(&late), "{late}");
    }
}
