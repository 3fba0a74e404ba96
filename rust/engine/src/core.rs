//! The shared core every area of the engine stands on.
//!
//! [`Core`] is what one `AZStackCore` instance has whatever area is speaking: the configuration, the event sink, the
//! id generator, the pending-request table and the connection ([`Link`]: the slave socket, the authenticated user and
//! the [`Phase`] of PROTOCOL.md §9.1). It offers the two primitives every request uses, [`Core::send`] and
//! [`Core::request`], and the read-outs callers ask for (`is_connected`, `user`, `ice_servers`).
//!
//! This module uses no area (API, calls, outbox, catch-up, connection): they hold an `Arc<Core>` in their handles
//! and reach one another only downward, and [`crate::Engine`] at the top hands the handles out.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use azstack_protocol::bodies::auth::IceServer;
use azstack_protocol::errors::{ApiError, ErrorCode};
use azstack_protocol::{Envelope, Service};
use serde::Serialize;

use crate::config::Config;
use crate::events::{Event, EventSink};
use crate::ids::UniqueIds;
use crate::model::AuthenticatedUser;
use crate::requests::{Pending, Requests, Uncall};
use crate::transport::Socket;

/// What the connection is doing (PROTOCOL.md §9.1). One value replaces the original's flags (`isCoreInited`,
/// `isConnecting`, `isReconnecting`, `isAutoReconnecting`, `isDisconnecting`) and the engine's own shut-down flag;
/// whether a socket is open and authenticated is [`Link::socket`] and [`Link::authenticated`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Phase {
    /// `connect()` has not started an attempt yet (the original's "core not inited").
    #[default]
    New,
    /// No attempt and no `disconnect()` in progress: connected, or dropped without auto-reconnect.
    Idle,
    /// `connect()`'s attempt runs.
    Connecting,
    /// `reconnect()`'s attempt runs.
    Reconnecting,
    /// The auto-reconnect loop runs (waiting or attempting).
    AutoReconnecting,
    /// `disconnect()` waits for the socket to close.
    Disconnecting,
    /// `shutdown()`: final; nothing connects again.
    ShutDown,
}

/// The connection: its phase, the slave socket and what the engine needs to tell sockets apart.
#[derive(Default)]
pub(crate) struct Link {
    pub phase: Phase,
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

impl Link {
    /// Leaves `phase` for [`Phase::Idle`] if it is still the current one (a later phase, such as a shut-down or an
    /// auto-reconnect that began meanwhile, stays).
    pub fn finish(&mut self, phase: Phase) {
        if self.phase == phase {
            self.phase = Phase::Idle;
        }
    }

    pub fn is_shut_down(&self) -> bool {
        self.phase == Phase::ShutDown
    }
}

/// The state every area shares. Areas hold it as `Arc<Core>`.
pub struct Core {
    config: Mutex<Config>,
    sink: Arc<dyn EventSink>,
    ids: UniqueIds,
    pub(crate) requests: Arc<Requests>,
    link: Mutex<Link>,
    /// Wakes an auto-reconnect loop waiting for its next attempt (`networkChanged()`).
    pub(crate) network_changed: tokio::sync::Notify,
}

impl Core {
    pub(crate) fn new(config: Config, sink: Arc<dyn EventSink>) -> Core {
        Core {
            config: Mutex::new(config),
            sink,
            ids: UniqueIds::default(),
            requests: Arc::new(Requests::default()),
            link: Mutex::new(Link::default()),
            network_changed: tokio::sync::Notify::new(),
        }
    }

    pub(crate) fn state(&self) -> MutexGuard<'_, Link> {
        self.link.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn config(&self) -> Config {
        self.config.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    pub(crate) fn set_config(&self, update: impl FnOnce(&mut Config)) {
        update(&mut self.config.lock().unwrap_or_else(|p| p.into_inner()));
    }

    pub(crate) fn request_timeout(&self) -> Duration {
        Duration::from_millis(self.config().request_timeout)
    }

    pub(crate) fn emit(&self, event: Event) {
        self.sink.on_event(event);
    }

    /// The connection's phase.
    pub fn phase(&self) -> Phase {
        self.state().phase
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
        self.requests.len()
    }

    /// Next `msgId`/`callId` (PROTOCOL.md §6.2).
    pub fn next_id(&self) -> i64 {
        self.ids.next()
    }

    /// Whose outbox and catch-up cursor this connection serves: `appId/azStackUserId`.
    pub(crate) fn owner(&self) -> String {
        let config = self.config();
        format!("{}/{}", config.authenticating_data.app_id, config.authenticating_data.az_stack_user_id)
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
        let mut pending = self.requests.begin(uncall, request_key, self.request_timeout()).await;
        self.send(service, body, send_fail)?;
        pending.sent();
        Ok(pending)
    }

    /// Closes the connection for good: the phase becomes [`Phase::ShutDown`], timers and the auto-reconnect loop
    /// stop, pending requests fail. The areas release their own state (see [`crate::Engine::shutdown`]).
    pub(crate) fn shut_down(&self) {
        let (socket, tasks) = {
            let mut state = self.state();
            state.phase = Phase::ShutDown;
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
        self.requests.fail_all();
    }
}

/// An area's handle derefs to the core it stands on, so an area's code reads `self.send(...)`, `self.emit(...)`.
macro_rules! area_handle {
    ($(#[$doc:meta])* $name:ident { $($field:ident: $ty:ty),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Clone)]
        pub struct $name {
            pub(crate) core: std::sync::Arc<$crate::core::Core>,
            $(pub(crate) $field: $ty,)*
        }

        impl std::ops::Deref for $name {
            type Target = $crate::core::Core;
            fn deref(&self) -> &$crate::core::Core {
                &self.core
            }
        }
    };
}
pub(crate) use area_handle;
