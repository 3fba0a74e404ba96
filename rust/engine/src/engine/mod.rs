//! The engine handle: one `AZStackCore` instance, the top of the engine's modules.
//!
//! [`Engine`] is a cheap, cloneable handle. It owns the shared [`Core`] and each area's state, and hands out one
//! handle per area — [`Engine::conversations`], [`Engine::messages`], [`Engine::users`], [`Engine::groups`],
//! [`Engine::call_logs`], [`Engine::extensions`], [`Engine::calls`] — each an `Arc<Core>` plus that area's own state.
//! Its own methods are what needs every area at once: the connection ([`connection`]: connect, reconnect,
//! auto-reconnect, and what happens after an authentication or a drop), the router that hands each packet to its
//! area ([`router`]), the JSON edge ([`dispatch`]) and shutdown. No area uses this module.

use std::sync::Arc;

use azstack_protocol::errors::ApiError;
use futures_util::future::BoxFuture;
use serde_json::Value;

use crate::api::call_logs::CallLogs;
use crate::api::conversations::Conversations;
use crate::api::extensions::Extensions;
use crate::api::groups::Groups;
use crate::api::messages::Messages;
use crate::api::outbox::Storage;
use crate::api::uploads::Uploads;
use crate::api::users::Users;
use crate::call::Calls;
use crate::catch_up::{self, CatchUp};
use crate::config::Config;
use crate::core::Core;
use crate::events::EventSink;

pub mod connection;
pub mod dispatch;
pub mod router;

/// One `AZStackCore` instance. Cheap to clone; all clones drive the same connection. Constructing one needs no
/// runtime; its methods spawn tasks and must run inside a tokio runtime.
#[derive(Clone)]
pub struct Engine {
    core: Arc<Core>,
    /// Free calls and their media ([`crate::call`]).
    calls: Calls,
    /// The outbox's store, with `storagePath` ([`crate::api::outbox`]).
    storage: Arc<Storage>,
    /// The catch-up cursor and the messages reported ([`crate::catch_up`]).
    sync: Arc<catch_up::Sync>,
}

/// The engine reads as its core: `engine.is_connected()`, `engine.user()`, `engine.pending_requests()`.
impl std::ops::Deref for Engine {
    type Target = Core;
    fn deref(&self) -> &Core {
        &self.core
    }
}

impl Engine {
    pub fn new(config: Config, sink: Arc<dyn EventSink>) -> Engine {
        let storage = Arc::new(Storage::open(config.storage_path.as_deref()));
        let core = Arc::new(Core::new(config, sink));
        Engine { calls: Calls::new(core.clone()), core, storage, sync: Arc::default() }
    }

    /// An engine from the constructor's options object (see [`Config::from_json`]).
    pub fn from_json(options: &Value, sink: Arc<dyn EventSink>) -> Engine {
        Engine::new(Config::from_json(options), sink)
    }

    /// Conversations, history and files.
    pub fn conversations(&self) -> Conversations {
        Conversations { core: self.core.clone() }
    }

    /// Messages (and, with `storagePath`, the outbox).
    pub fn messages(&self) -> Messages {
        Messages { core: self.core.clone(), storage: self.storage.clone() }
    }

    /// Users.
    pub fn users(&self) -> Users {
        Users { core: self.core.clone() }
    }

    /// Groups.
    pub fn groups(&self) -> Groups {
        Groups { core: self.core.clone() }
    }

    /// Paid call logs.
    pub fn call_logs(&self) -> CallLogs {
        CallLogs { core: self.core.clone() }
    }

    /// Application state, push notifications, stickers.
    pub fn extensions(&self) -> Extensions {
        Extensions { core: self.core.clone() }
    }

    /// File uploads for file messages (extension).
    pub fn uploads(&self) -> Uploads {
        Uploads { core: self.core.clone() }
    }

    /// Free calls and phone calls, their media and streams.
    pub fn calls(&self) -> Calls {
        self.calls.clone()
    }

    pub(crate) fn catch_up(&self) -> CatchUp {
        CatchUp { core: self.core.clone(), storage: self.storage.clone(), sync: self.sync.clone() }
    }

    /// Runs the API method `method` (its JavaScript name) with `params` (its options object, or `null`), returning
    /// the result as JSON. See [`dispatch`].
    pub async fn dispatch(&self, method: &str, params: Value) -> Result<Value, ApiError> {
        dispatch::dispatch(self, method, params).await
    }

    /// Starts API method `method` the way the native bridge does, on the caller's thread: with a store, `newMessage`
    /// is validated and written to the outbox before this returns (so a message whose call has returned survives the
    /// process being killed); everything else, and the rest of the call, runs in the returned future.
    pub fn begin(&self, method: &str, params: Value) -> BoxFuture<'static, Result<Value, ApiError>> {
        if method == "newMessage"
            && let Some(queued) = self.messages().begin_new_message(&params)
        {
            return queued;
        }
        let engine = self.clone();
        let method = method.to_owned();
        Box::pin(async move { engine.dispatch(&method, params).await })
    }

    /// Closes the connection, stops every timer and the auto-reconnect loop; pending requests fail; a call ends and
    /// its media is released. Idempotent.
    pub async fn shutdown(&self) {
        self.core.shut_down();
        self.storage.drop_waiters();
        self.calls.end_call_on_shutdown().await;
    }
}
