//! Catch-up after a reconnect: the messages that arrived while the engine was away reach `onHasNewMessage` once.
//!
//! The protocol replays nothing after a reconnect (PROTOCOL.md §9.4); the original clients fetched history
//! themselves. The engine keeps a *cursor*, the newest `created` among the messages it reported, and after every
//! auto-reconnect (and after `connect`/`reconnect` when a cursor is known, which with `storagePath` includes one
//! saved by an earlier process) it asks the server what changed since: the conversations modified after the cursor
//! (svc 170, newest first) and, in each, the messages created after it (svc 169, newest first), then reports the
//! ones from others, oldest first. Every reported message is remembered by `(chatType, chatId, senderId, msgId)`,
//! so one that arrives both live and through the catch-up — or in two catch-ups — is reported once; with a store the
//! memory and the cursor survive restarts. The catch-up starts a margin before the cursor (a message committed just
//! before a later one may be pushed after it); entries before that margin are forgotten, since nothing before it is
//! asked for again.
//!
//! The catch-up runs after every successful authentication (connect, reconnect, auto-reconnect). Without a known
//! cursor (the first connection without storage, or with an empty one) it asks nothing and sets the cursor to the
//! device's current time: messages from before the first connection are history, not missed messages. A device
//! clock more than the margin ahead of the server's could skip messages of the first outage; every message reported
//! afterwards moves the cursor to the server's time.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

use azstack_protocol::constants::chat;

use crate::api::conversations::{Conversations, ConversationsOptions, ModifiedMessagesOptions};
use crate::api::outbox::Storage;
use crate::core::area_handle;
use crate::events::Event;
use crate::ids::now_ms;
use crate::model::Message;

/// How far before the cursor a catch-up starts, in ms.
const MARGIN: i64 = 10_000;
/// At most this many pages of conversations, and of messages per conversation, per catch-up.
const MAX_PAGES: i64 = 50;
/// `lastCreated` that includes everything (the lists are "at or before").
const FUTURE: i64 = 100 * 365 * 24 * 3_600_000;

/// The in-memory cursor and reported messages (the store keeps them too when there is one).
#[derive(Default)]
pub(crate) struct Sync {
    state: Mutex<SyncState>,
}

#[derive(Default)]
struct SyncState {
    cursor: Option<i64>,
    reported: HashMap<String, i64>,
    running: bool,
}

fn key(m: &Message) -> String {
    format!("{}_{}_{}_{}", m.chat_type, m.chat_id, m.sender_id, m.msg_id)
}

fn is_chat_message(m: &Message) -> bool {
    [chat::MESSAGE_TYPE_TEXT, chat::MESSAGE_TYPE_STICKER, chat::MESSAGE_TYPE_FILE, chat::MESSAGE_TYPE_LOCATION]
        .contains(&m.message_type)
}

impl Sync {
    fn state(&self) -> MutexGuard<'_, SyncState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

area_handle! {
    /// The catch-up and the "reported once" memory of `onHasNewMessage`.
    CatchUp { storage: std::sync::Arc<Storage>, sync: std::sync::Arc<Sync> }
}

impl CatchUp {
    fn sync(&self) -> &Sync {
        &self.sync
    }

    fn conversations(&self) -> Conversations {
        Conversations { core: self.core.clone() }
    }

    /// The cursor: in memory, else the store's.
    fn cursor(&self) -> Option<i64> {
        let memory = self.sync().state().cursor;
        let stored = self.storage.store().and_then(|s| s.cursor(&self.owner()).ok().flatten());
        memory.max(stored)
    }

    fn advance_cursor(&self, created: i64) {
        {
            let mut state = self.sync().state();
            if state.cursor.is_some_and(|c| c >= created) {
                return;
            }
            state.cursor = Some(created);
            state.reported.retain(|_, at| *at >= created - MARGIN);
        }
        if let Some(store) = self.storage.store()
            && let Err(e) = store.advance_cursor(&self.owner(), created, created - MARGIN)
        {
            tracing::warn!("catch-up cursor not saved: {e}");
        }
    }

    /// Fires `onHasNewMessage` for `m` unless it was reported before; moves the cursor.
    pub(crate) fn report_new_message(&self, m: Message) {
        let key = key(&m);
        let first = {
            let mut state = self.sync().state();
            state.reported.insert(key.clone(), m.created).is_none()
        };
        let first = match self.storage.store() {
            Some(store) => store.mark_seen(&self.owner(), &key, m.created).unwrap_or(first) && first,
            None => first,
        };
        let created = m.created;
        if first {
            self.emit(Event::HasNewMessage(m));
        }
        self.advance_cursor(created);
    }

    /// After an authentication: catch up from the cursor, or set it when there is none. Runs in the background, one
    /// at a time.
    pub(crate) fn start(&self) {
        let cursor = self.cursor();
        {
            let mut state = self.sync().state();
            if state.running {
                return;
            }
            state.running = true;
        }
        let Some(cursor) = cursor else {
            self.advance_cursor(now_ms());
            self.sync().state().running = false;
            return;
        };
        let engine = self.clone();
        tokio::spawn(async move {
            engine.fetch_missed(cursor - MARGIN).await;
            engine.sync().state().running = false;
        });
    }

    /// Reports the messages from others created after `from`, oldest first.
    async fn fetch_missed(&self, from: i64) {
        let me = self.my_id();
        let mut chats = Vec::new();
        'pages: for page in 1..=MAX_PAGES {
            let Ok(conversations) = self
                .conversations()
                .get_modified_conversations(ConversationsOptions { page, last_created: now_ms() + FUTURE })
                .await
            else {
                return;
            };
            for c in &conversations.list {
                if c.modified <= from && c.last_message.created <= from {
                    break 'pages;
                }
                chats.push((c.chat_type, c.chat_id));
            }
            if conversations.done == 1 || conversations.list.is_empty() {
                break;
            }
        }
        let mut missed = Vec::new();
        let mut newest = None;
        for (chat_type, chat_id) in chats {
            'messages: for page in 1..=MAX_PAGES {
                let options = ModifiedMessagesOptions { page, last_created: now_ms() + FUTURE, chat_type, chat_id };
                let Ok(messages) = self.conversations().get_modified_messages(options).await else { return };
                for m in &messages.list {
                    if m.created <= from {
                        break 'messages;
                    }
                    newest = newest.max(Some(m.created));
                    if m.sender_id != me && m.deleted == 0 && is_chat_message(m) {
                        missed.push(m.clone());
                    }
                }
                if messages.done == 1 || messages.list.is_empty() {
                    break;
                }
            }
        }
        missed.sort_by_key(|m| m.created);
        for m in missed {
            self.report_new_message(m);
        }
        if let Some(newest) = newest {
            self.advance_cursor(newest);
        }
    }
}
