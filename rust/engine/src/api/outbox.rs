//! The persistent outbox (extension, with `storagePath`): a message handed to `newMessage` is never lost.
//!
//! With a store, `newMessage` writes the message to the outbox (SQLite, [`crate::store`]) before anything goes out,
//! then one *flusher* task sends the outbox's messages one at a time, oldest first — so in order within every chat —
//! whenever the connection is authenticated: after each successful connect, reconnect and auto-reconnect, and when a
//! message is added. A message leaves the outbox only when the server acknowledged it (or refused it: then it can
//! never be sent). A connection that drops, or an ack that does not come within `requestTimeout`, stops the flusher;
//! the message stays and is sent again on the next connection with the same `msgId`, which the server acknowledges
//! again without storing or delivering it twice (D7).
//!
//! The call that handed the message over resolves on its ack, however many connections that takes (it does not fail
//! when the connection drops: the message is safe). A message whose call is gone — the app was killed and the next
//! process sent it — reports its ack through `Delegates.onNewMessageReturn` instead. Every change of the number of
//! waiting messages fires `onOutboxChanged` with `{pending}`.
//!
//! Rows belong to the `appId`/`azStackUserId` the engine authenticates as (the *owner*): another user's messages in
//! the same directory are never sent on this connection. `getOutbox()` lists the waiting messages (status SENDING);
//! `cancelOutboxMessage({msgId})` removes one (a message already on its way may still arrive).

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use azstack_protocol::constants::chat;
use azstack_protocol::errors::{ApiError, ErrorCode};
use futures_util::future::BoxFuture;
use serde_json::Value;
use tokio::sync::oneshot;

use super::conversations::id_rule;
use super::messages::{Messages, NewMessageOptions};
use crate::events::Event;
use crate::ids::now_ms;
use crate::mapping;
use crate::model::{Message, Outbox, OutboxCount};
use crate::store::{Store, StoreError};
use crate::validate;

type Waiter = oneshot::Sender<Result<Message, ApiError>>;

/// The engine's storage: the open store (if any), or why it could not be opened.
#[derive(Default)]
pub(crate) struct Storage {
    store: Option<Arc<Store>>,
    /// Why `storagePath` is not used (it could not be opened).
    failure: Option<ApiError>,
    /// The live `newMessage` calls waiting for their ack, by `msgId`.
    waiters: Mutex<HashMap<i64, Vec<Waiter>>>,
    flushing: AtomicBool,
    /// Set when a flush is asked for while one runs: it goes round once more.
    again: AtomicBool,
}

fn storage_error(e: StoreError) -> ApiError {
    ApiError::new(ErrorCode::UnexpectedData, format!("Cannot use the outbox: {e}"))
}

impl Storage {
    /// Opens the store in `path`; a failure is kept (and logged), and the engine runs without storage.
    pub(crate) fn open(path: Option<&str>) -> Storage {
        let Some(path) = path else { return Storage::default() };
        match Store::open(Path::new(path)) {
            Ok(store) => Storage { store: Some(Arc::new(store)), ..Storage::default() },
            Err(e) => {
                let message = format!("Cannot use storagePath {path:?}: {e}; the engine runs without storage");
                tracing::error!("{message}");
                Storage { failure: Some(ApiError::new(ErrorCode::UnexpectedData, message)), ..Storage::default() }
            }
        }
    }

    pub(crate) fn store(&self) -> Option<&Arc<Store>> {
        self.store.as_ref()
    }

    /// The engine shuts down: the live calls fail (their messages stay in the outbox).
    pub(crate) fn drop_waiters(&self) {
        self.waiters().clear();
    }

    fn waiters(&self) -> MutexGuard<'_, HashMap<i64, Vec<Waiter>>> {
        self.waiters.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Settles the live calls for `msg_id`; `false` if there were none.
    fn settle(&self, msg_id: i64, outcome: &Result<Message, ApiError>) -> bool {
        let waiters = self.waiters().remove(&msg_id).unwrap_or_default();
        let any = !waiters.is_empty();
        for waiter in waiters {
            let _ = waiter.send(outcome.clone());
        }
        any
    }
}

/// `cancelOutboxMessage({msgId})`'s `msgId`.
pub fn cancel_options_from_json(params: &Value) -> Result<i64, ApiError> {
    let o = validate::options(params, "Missing cancel outbox message params")?;
    id_rule(o, "msgId").check()?;
    Ok(validate::int(o, "msgId"))
}

impl Messages {
    fn storage(&self) -> &Storage {
        &self.storage
    }

    fn outbox_changed(&self, store: &Store, owner: &str) {
        match store.count(owner) {
            Ok(pending) => self.emit(Event::OutboxChanged(Ok(OutboxCount { pending }))),
            Err(e) => self.emit(Event::OutboxChanged(Err(storage_error(e)))),
        }
    }

    /// `newMessage` with a store: persist, let the flusher send it, resolve on its ack.
    pub(crate) async fn queue_message(
        &self,
        store: Arc<Store>,
        o: NewMessageOptions,
        msg_id: i64,
    ) -> Result<Message, ApiError> {
        self.enqueue(&store, &o, msg_id)?.await.unwrap_or_else(|_| {
            Err(ApiError::new(ErrorCode::SocketNotConnected, "Cannot send new message data, new message fail"))
        })
    }

    /// The synchronous half of [`Messages::queue_message`]: the message is in the outbox when this returns.
    fn enqueue(
        &self,
        store: &Store,
        o: &NewMessageOptions,
        msg_id: i64,
    ) -> Result<oneshot::Receiver<Result<Message, ApiError>>, ApiError> {
        let owner = self.owner();
        let queued = Message {
            status: chat::MESSAGE_STATUS_SENDING,
            ..mapping::base(o.chat_type, o.chat_id, self.my_id(), o.chat_id, msg_id, now_ms())
        };
        let queued = serde_json::to_value(mapping::with_content(queued, &o.content)).unwrap_or(Value::Null);
        let (tx, rx) = oneshot::channel();
        self.storage().waiters().entry(msg_id).or_default().push(tx);
        match store.push(&owner, msg_id, &queued) {
            Ok(true) => self.outbox_changed(store, &owner),
            Ok(false) => {} // the same msgId is already waiting: this call resolves on its ack too
            Err(e) => {
                self.storage().waiters().remove(&msg_id);
                return Err(ApiError::new(
                    ErrorCode::UnexpectedData,
                    format!("Cannot store new message data, new message fail: {e}"),
                ));
            }
        }
        self.flush_outbox();
        Ok(rx)
    }

    /// `newMessage` as the native bridge starts it, on the caller's thread (see [`crate::Engine::begin`]): with a
    /// store, the options are validated and the message written to the outbox before this returns, and the future
    /// resolves on its ack. `None` without a store.
    pub(crate) fn begin_new_message(&self, params: &Value) -> Option<BoxFuture<'static, Result<Value, ApiError>>> {
        let store = self.storage().store.clone()?;
        let enqueued = NewMessageOptions::from_json(params).and_then(|o| {
            let generated = self.next_id();
            self.enqueue(&store, &o, if o.msg_id != 0 { o.msg_id } else { generated })
        });
        Some(Box::pin(async move {
            let ack = enqueued?.await.unwrap_or_else(|_| {
                Err(ApiError::new(ErrorCode::SocketNotConnected, "Cannot send new message data, new message fail"))
            });
            ack.map(|m| serde_json::to_value(m).unwrap_or(Value::Null))
        }))
    }

    /// Starts the flusher unless it runs (then it goes round once more). Does nothing without a store or a
    /// connection.
    pub(crate) fn flush_outbox(&self) {
        let storage = self.storage();
        if storage.store.is_none() || !self.is_connected() {
            return;
        }
        storage.again.store(true, Ordering::SeqCst);
        if storage.flushing.swap(true, Ordering::SeqCst) {
            return;
        }
        let engine = self.clone();
        tokio::spawn(async move {
            let storage = engine.storage();
            loop {
                storage.again.store(false, Ordering::SeqCst);
                let finished = engine.flush_once().await;
                storage.flushing.store(false, Ordering::SeqCst);
                // Asked again while this round ran (and it did not stop on a lost connection): one more round.
                let more = finished && storage.again.load(Ordering::SeqCst);
                if !more || storage.flushing.swap(true, Ordering::SeqCst) {
                    return;
                }
            }
        });
    }

    /// Sends the outbox in order; `false` when it stopped early (no connection, no ack).
    async fn flush_once(&self) -> bool {
        let Some(store) = self.storage().store.clone() else { return true };
        let owner = self.owner();
        let queued = match store.pending(&owner) {
            Ok(queued) => queued,
            Err(e) => {
                self.emit(Event::OutboxChanged(Err(storage_error(e))));
                return false;
            }
        };
        for item in queued {
            if !self.is_connected() {
                return false;
            }
            let outcome = match NewMessageOptions::from_json(&item.message) {
                Ok(options) => self.send_message(&options, item.msg_id).await,
                Err(e) => Err(e),
            };
            if let Err(e) = &outcome
                && matches!(e.code, ErrorCode::SocketNotConnected | ErrorCode::RequestTimeout)
            {
                return false; // the message stays; the next connection sends it again
            }
            // Acknowledged, or refused for good: either way it leaves the outbox.
            let removed = store.remove(&owner, item.msg_id);
            if !self.storage().settle(item.msg_id, &outcome) && removed.as_ref().is_ok_and(|r| *r) {
                self.emit(Event::NewMessageReturn(outcome));
            }
            match removed {
                Ok(true) => self.outbox_changed(&store, &owner),
                Ok(false) => {} // cancelled while it was on its way
                Err(e) => self.emit(Event::OutboxChanged(Err(storage_error(e)))),
            }
        }
        true
    }

    /// `getOutbox()` (extension): the messages waiting to be sent, oldest first. Empty without `storagePath`.
    pub fn get_outbox(&self) -> Result<Outbox, ApiError> {
        if let Some(failure) = &self.storage().failure {
            return Err(failure.clone());
        }
        let Some(store) = self.storage().store.as_ref() else { return Ok(Outbox { list: Vec::new() }) };
        let list = store.pending(&self.owner()).map_err(storage_error)?;
        Ok(Outbox { list: list.into_iter().map(|q| q.message).collect() })
    }

    /// `cancelOutboxMessage({msgId})` (extension): removes a waiting message; its `newMessage` call fails.
    pub fn cancel_outbox_message(&self, msg_id: i64) -> Result<(), ApiError> {
        let not_queued =
            || ApiError::new(ErrorCode::UnexpectedSendData, format!("No message with msgId {msg_id} in the outbox"));
        if let Some(failure) = &self.storage().failure {
            return Err(failure.clone());
        }
        let Some(store) = self.storage().store.clone() else { return Err(not_queued()) };
        let owner = self.owner();
        if !store.remove(&owner, msg_id).map_err(storage_error)? {
            return Err(not_queued());
        }
        let cancelled = ApiError::new(ErrorCode::UnexpectedData, "Message cancelled, new message fail");
        self.storage().settle(msg_id, &Err(cancelled));
        self.outbox_changed(&store, &owner);
        Ok(())
    }
}
