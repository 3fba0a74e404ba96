//! The engine handle and its shared state.
//!
//! [`Engine`] is a cheap, cloneable handle to one `AZStackCore` instance. Its typed API methods live in
//! [`crate::api`] and [`crate::connection`] (as `impl Engine` blocks, one file per area); this file holds the state
//! they share and the two primitives every request uses: [`Engine::send`] and [`Engine::request`].

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use azstack_protocol::bodies::auth::IceServer;
use azstack_protocol::errors::{ApiError, ErrorCode};
use azstack_protocol::{Envelope, Service};
use serde::Serialize;
use serde_json::Value;

use crate::config::Config;
use crate::events::{Event, EventSink};
use crate::ids::UniqueIds;
use crate::model::AuthenticatedUser;
use crate::requests::{Pending, Requests, Uncall};
use crate::transport::Socket;

/// One `AZStackCore` instance. Cheap to clone; all clones drive the same connection. Constructing one needs no
/// runtime; its methods spawn tasks and must run inside a tokio runtime.
#[derive(Clone)]
pub struct Engine {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) config: Mutex<Config>,
    pub(crate) sink: Arc<dyn EventSink>,
    pub(crate) ids: UniqueIds,
    pub(crate) requests: Arc<Requests>,
    pub(crate) state: Mutex<ConnState>,
    /// Free calls and their media ([`crate::call`]).
    pub(crate) calls: crate::call::Calls,
    /// Wakes an auto-reconnect loop waiting for its next attempt ([`Engine::network_changed`]).
    pub(crate) network_changed: tokio::sync::Notify,
    /// The outbox's store, with `storagePath` ([`crate::outbox`]).
    pub(crate) storage: crate::outbox::Storage,
    /// The catch-up cursor and the messages reported ([`crate::catch_up`]).
    pub(crate) sync: crate::catch_up::Sync,
}

/// The connection state of PROTOCOL.md §9.1, plus what the engine needs to tell sockets apart.
#[derive(Default)]
pub(crate) struct ConnState {
    pub core_inited: bool,
    pub connecting: bool,
    pub reconnecting: bool,
    pub auto_reconnecting: bool,
    pub disconnecting: bool,
    pub shut_down: bool,
    /// The slave socket, from its CONNECT until it closes.
    pub socket: Option<Socket>,
    /// Increases with every slave socket; events of older sockets are ignored.
    pub generation: u64,
    /// Set by svc 162; cleared by `disconnect()` only (an unexpected drop keeps it, as in the original).
    pub user: Option<AuthenticatedUser>,
    /// Whether the current socket has been authenticated (requests are sent only then).
    pub authenticated: bool,
    pub ice_servers: Vec<IceServer>,
    pub auto_tries: u64,
    /// Where the 162 reply of the attempt in progress goes.
    pub auth_waiter: Option<tokio::sync::oneshot::Sender<Result<Envelope, ApiError>>>,
    /// Resolved when the socket closed after `disconnect()`.
    pub disconnect_waiter: Option<tokio::sync::oneshot::Sender<()>>,
    pub ping_task: Option<tokio::task::AbortHandle>,
    pub auto_task: Option<tokio::task::AbortHandle>,
    /// Set by `networkChanged()` while its probe runs: a loss it finds is retried without the interval.
    pub reconnect_now: bool,
}

impl Engine {
    pub fn new(config: Config, sink: Arc<dyn EventSink>) -> Engine {
        let storage = crate::outbox::Storage::open(config.storage_path.as_deref());
        Engine {
            inner: Arc::new(Inner {
                config: Mutex::new(config),
                sink,
                ids: UniqueIds::default(),
                requests: Arc::new(Requests::default()),
                state: Mutex::new(ConnState::default()),
                calls: crate::call::Calls::default(),
                network_changed: tokio::sync::Notify::new(),
                storage,
                sync: crate::catch_up::Sync::default(),
            }),
        }
    }

    /// An engine from the constructor's options object (see [`Config::from_json`]).
    pub fn from_json(options: &Value, sink: Arc<dyn EventSink>) -> Engine {
        Engine::new(Config::from_json(options), sink)
    }

    pub(crate) fn state(&self) -> MutexGuard<'_, ConnState> {
        self.inner.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn config(&self) -> Config {
        self.inner.config.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    pub(crate) fn set_config(&self, update: impl FnOnce(&mut Config)) {
        update(&mut self.inner.config.lock().unwrap_or_else(|p| p.into_inner()));
    }

    pub(crate) fn request_timeout(&self) -> Duration {
        Duration::from_millis(self.config().request_timeout)
    }

    pub(crate) fn emit(&self, event: Event) {
        self.inner.sink.on_event(event);
    }

    /// The authenticated user, if any.
    pub fn user(&self) -> Option<AuthenticatedUser> {
        self.state().user.clone()
    }

    /// My user id, 0 before the first authentication.
    pub(crate) fn my_id(&self) -> i64 {
        self.state().user.as_ref().map(|u| u.user_id).unwrap_or(0)
    }

    /// The ICE servers of the last svc 162 (for calls).
    pub fn ice_servers(&self) -> Vec<IceServer> {
        self.state().ice_servers.clone()
    }

    /// Whether the slave socket is open and authenticated.
    pub fn is_connected(&self) -> bool {
        let state = self.state();
        state.authenticated && state.socket.as_ref().is_some_and(Socket::is_open)
    }

    /// How many requests wait for a reply (diagnostics and tests).
    pub fn pending_requests(&self) -> usize {
        self.inner.requests.len()
    }

    /// Next `msgId`/`callId` (PROTOCOL.md §6.2).
    pub fn next_id(&self) -> i64 {
        self.inner.ids.next()
    }

    /// Sends one packet on the authenticated slave socket. `send_fail` is the method's text for
    /// `ERR_SOCKET_NOT_CONNECTED`.
    pub(crate) fn send<T: Serialize + ?Sized>(
        &self,
        service: Service,
        body: &T,
        send_fail: &str,
    ) -> Result<(), ApiError> {
        let envelope = Envelope::new(service, body);
        let socket = {
            let state = self.state();
            if !state.authenticated { None } else { state.socket.clone() }
        };
        match socket {
            Some(socket) if socket.send(&envelope).is_ok() => Ok(()),
            _ => Err(ApiError::new(ErrorCode::SocketNotConnected, send_fail)),
        }
    }

    /// Registers a request under `(uncall, request_key)` (waiting for an earlier one with the same keys to settle),
    /// then sends the packet. The reply packets are read from the returned [`Pending`].
    pub(crate) async fn request<T: Serialize + ?Sized>(
        &self,
        uncall: Uncall,
        request_key: impl Into<String>,
        service: Service,
        body: &T,
        send_fail: &str,
    ) -> Result<Pending, ApiError> {
        let mut pending = self.inner.requests.begin(uncall, request_key, self.request_timeout()).await;
        self.send(service, body, send_fail)?;
        pending.sent();
        Ok(pending)
    }

    /// Runs the API method `method` (its JavaScript name) with `params` (its options object, or `null`), returning
    /// the result as JSON. See [`crate::dispatch`].
    pub async fn dispatch(&self, method: &str, params: Value) -> Result<Value, ApiError> {
        crate::dispatch::dispatch(self, method, params).await
    }

    /// Closes the connection, stops every timer and the auto-reconnect loop; pending requests fail; a call ends and
    /// its media is released. Idempotent.
    pub async fn shutdown(&self) {
        let (socket, tasks) = {
            let mut state = self.state();
            state.shut_down = true;
            state.disconnecting = true;
            state.authenticated = false;
            let tasks = [state.ping_task.take(), state.auto_task.take()];
            (state.socket.take(), tasks)
        };
        for task in tasks.into_iter().flatten() {
            task.abort();
        }
        if let Some(socket) = socket {
            socket.close();
        }
        self.inner.requests.fail_all();
        self.inner.storage.drop_waiters();
        self.end_call_on_shutdown().await;
    }
}
