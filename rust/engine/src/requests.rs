//! The pending-request table (PROTOCOL.md §8).
//!
//! A request is registered under its *uncall key* (one per API method, e.g. `UNCALL_KEY_GET_MODIFIED_MESSAGES`) and
//! a *request key* (`"default"`, or a value the reply echoes: `msgId`, `"<status>_<msgId>"`, `purpose`,
//! `requestId`). The [`crate::router`] hands every reply packet to the entry with the matching keys; the method
//! that registered it reads its packets from its [`Pending`] handle — one packet for most services, several for
//! the multi-packet lists, which the method gathers in arrival order (§8.3).
//!
//! Three deliberate differences from the original:
//!
//! * **No silent overwrite** (Appendix A, Q14). Registering a key that is already pending does not replace the
//!   earlier request: the second call *waits its turn* and goes out when the first has settled. Two
//!   `getModifiedMessages` calls for different conversations therefore both complete, in call order, and each gets
//!   its own reply. Keys that carry an id (`newMessage`'s msgId) are independent of each other.
//! * **Disconnects fail pending requests at once** (D9) with `ERR_SOCKET_NOT_CONNECTED`, unless the configuration
//!   asks for the original behaviour (wait for the timeout).
//! * Timeouts count from the moment the request was sent, not from when it was queued behind another.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use azstack_protocol::Envelope;
use azstack_protocol::errors::{ApiError, ErrorCode};
use tokio::sync::{OwnedMutexGuard, mpsc};

macro_rules! uncall_keys {
    ($($variant:ident = $name:literal),+ $(,)?) => {
        /// The uncall key of an API method (`uncallConstants.js`); its string appears in timeout messages.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Uncall { $($variant),+ }

        impl Uncall {
            pub fn name(self) -> &'static str {
                match self { $(Uncall::$variant => $name),+ }
            }
        }
    };
}

uncall_keys! {
    Connect = "UNCALL_KEY_CONNECT",
    Reconnect = "UNCALL_KEY_RECONNECT",
    Disconnect = "UNCALL_KEY_DISCONNECT",
    GetPaidCallLogs = "UNCALL_KEY_GET_PAID_CALL_LOGS",
    GetModifiedConversations = "UNCALL_KEY_GET_MODIFIED_CONVERSATIONS",
    DeleteConversation = "UNCALL_KEY_DELETE_CONVERSATION",
    GetUnreadMessages = "UNCALL_KEY_GET_UNREAD_MESSAGES",
    GetModifiedMessages = "UNCALL_KEY_GET_MODIFIED_MESSAGES",
    GetModifiedFiles = "UNCALL_KEY_GET_MODIFIED_FILES",
    NewMessage = "UNCALL_KEY_NEW_MESSAGE",
    ChangeMessageStatus = "UNCALL_KEY_CHANGE_MESSAGE_STATUS",
    DeleteMessage = "UNCALL_KEY_DELETE_MESSAGE",
    SendTyping = "UNCALL_KEY_SEND_TYPING",
    GetUsersInformation = "UNCALL_KEY_GET_USERS_INFORMATION",
    GroupCreate = "UNCALL_KEY_GROUP_CREATE",
    GroupInvite = "UNCALL_KEY_GROUP_INVITE",
    GroupLeave = "UNCALL_KEY_GROUP_LEAVE",
    GroupRename = "UNCALL_KEY_GROUP_RENAME",
    GroupChangeAdmin = "UNCALL_KEY_GROUP_CHANGE_ADMIN",
    GroupJoinPublic = "UNCALL_KEY_GROUP_JOIN_PUBLIC",
    GroupGetDetails = "UNCALL_KEY_GROUP_GET_DETAILS",
    GroupGetList = "UNCALL_KEY_GROUP_GET_LIST",
    ApplicationChangeState = "UNCALL_KEY_APPLICATION_CHANGE_STATE",
    NotificationRegisterDevice = "UNCALL_KEY_NOTIFICATION_REGISTER_DEVICE",
    NotificationUnregisterDevice = "UNCALL_KEY_NOTIFICATION_UNREGISTER_DEVICE",
    GetStickersList = "UNCALL_KEY_GET_STICKERS_LIST",
    StartCallout = "UNCALL_KEY_START_CALLOUT",
}

/// The request key of methods with one outstanding request.
pub const DEFAULT_KEY: &str = "default";

type Key = (Uncall, String);
type Delivery = Result<Envelope, ApiError>;

struct Entry {
    id: u64,
    tx: mpsc::UnboundedSender<Delivery>,
}

#[derive(Default)]
struct Table {
    entries: HashMap<Key, Entry>,
    turns: HashMap<Key, Arc<tokio::sync::Mutex<()>>>,
}

/// The table. Shared by the API methods (which register) and the router (which delivers).
#[derive(Default)]
pub struct Requests {
    table: Mutex<Table>,
    next_id: AtomicU64,
}

/// A registered request: the packets routed to it arrive here. Dropping it unregisters the request and lets the
/// next caller with the same key go.
pub struct Pending {
    requests: Arc<Requests>,
    key: Key,
    id: u64,
    rx: mpsc::UnboundedReceiver<Delivery>,
    timeout: Duration,
    deadline: Option<tokio::time::Instant>,
    _turn: OwnedMutexGuard<()>,
}

impl Requests {
    fn lock(&self) -> std::sync::MutexGuard<'_, Table> {
        self.table.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Registers a request, first waiting until no other request with the same keys is pending.
    pub async fn begin(self: &Arc<Self>, uncall: Uncall, request_key: impl Into<String>, timeout: Duration) -> Pending {
        let key = (uncall, request_key.into());
        let turn = {
            let mut table = self.lock();
            Arc::clone(table.turns.entry(key.clone()).or_default())
        };
        let turn = turn.lock_owned().await;
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = mpsc::unbounded_channel();
        self.lock().entries.insert(key.clone(), Entry { id, tx });
        Pending { requests: Arc::clone(self), key, id, rx, timeout, deadline: None, _turn: turn }
    }

    /// Hands a reply packet to the request registered under these keys. Returns `false` when none is pending (the
    /// packet is then a push, or a late reply, and the caller decides).
    pub fn deliver(&self, uncall: Uncall, request_key: &str, envelope: Envelope) -> bool {
        let table = self.lock();
        match table.entries.get(&(uncall, request_key.to_owned())) {
            Some(entry) => entry.tx.send(Ok(envelope)).is_ok(),
            None => false,
        }
    }

    /// Whether a request is pending under these keys.
    pub fn is_pending(&self, uncall: Uncall, request_key: &str) -> bool {
        self.lock().entries.contains_key(&(uncall, request_key.to_owned()))
    }

    /// Fails every pending request with `ERR_SOCKET_NOT_CONNECTED` (D9).
    pub fn fail_all(&self) {
        let table = self.lock();
        for ((uncall, _), entry) in &table.entries {
            let message = format!("Socket disconnected before the server answered {}", uncall.name());
            let _ = entry.tx.send(Err(ApiError::new(ErrorCode::SocketNotConnected, message)));
        }
    }

    /// Number of registered requests (for tests and diagnostics).
    pub fn len(&self) -> usize {
        self.lock().entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Pending {
    /// Marks the request as sent: its timeout starts now.
    pub fn sent(&mut self) {
        self.deadline = Some(tokio::time::Instant::now() + self.timeout);
    }

    /// The next packet routed to this request, or the disconnect failure, or the timeout error once
    /// `requestTimeout` has passed since [`Pending::sent`].
    pub async fn next(&mut self) -> Result<Envelope, ApiError> {
        let deadline = *self.deadline.get_or_insert_with(|| tokio::time::Instant::now() + self.timeout);
        match tokio::time::timeout_at(deadline, self.rx.recv()).await {
            Ok(Some(delivery)) => delivery,
            Ok(None) | Err(_) => Err(self.timeout_error()),
        }
    }

    /// `Request with uncallKey "<KEY>" and requestKey "<key>" has exceed timeout <ms>s` (§3.0; the unit printed is
    /// "s" although the value is milliseconds, as in the original).
    pub fn timeout_error(&self) -> ApiError {
        ApiError::new(
            ErrorCode::RequestTimeout,
            format!(
                "Request with uncallKey \"{}\" and requestKey \"{}\" has exceed timeout {}s",
                self.key.0.name(),
                self.key.1,
                self.timeout.as_millis()
            ),
        )
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        let mut table = self.requests.lock();
        if table.entries.get(&self.key).is_some_and(|e| e.id == self.id) {
            table.entries.remove(&self.key);
        }
        // Forget the turn lock when nobody else is queued on it (we hold one reference, the table the other).
        if table.turns.get(&self.key).is_some_and(|t| Arc::strong_count(t) <= 2) {
            table.turns.remove(&self.key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use azstack_protocol::Service;

    fn env(n: i64) -> Envelope {
        Envelope::new(Service::PING, &serde_json::json!({ "n": n }))
    }

    #[tokio::test]
    async fn replies_reach_the_registered_request_and_same_keys_queue() {
        let requests = Arc::new(Requests::default());
        let mut first = requests.begin(Uncall::GetModifiedMessages, DEFAULT_KEY, Duration::from_secs(5)).await;
        let second = {
            let requests = Arc::clone(&requests);
            tokio::spawn(async move {
                let mut p = requests.begin(Uncall::GetModifiedMessages, DEFAULT_KEY, Duration::from_secs(5)).await;
                p.next().await
            })
        };
        assert!(requests.deliver(Uncall::GetModifiedMessages, DEFAULT_KEY, env(1)));
        assert_eq!(first.next().await.unwrap(), env(1));
        assert!(!requests.deliver(Uncall::GetModifiedConversations, DEFAULT_KEY, env(9)));
        drop(first);
        // The queued request registers once the first is gone.
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        while !requests.is_pending(Uncall::GetModifiedMessages, DEFAULT_KEY) {
            assert!(tokio::time::Instant::now() < deadline, "second request never registered");
            tokio::task::yield_now().await;
        }
        assert!(requests.deliver(Uncall::GetModifiedMessages, DEFAULT_KEY, env(2)));
        assert_eq!(second.await.unwrap().unwrap(), env(2));
        assert!(requests.is_empty());
    }

    #[tokio::test(start_paused = true)]
    async fn timeouts_and_disconnects() {
        let requests = Arc::new(Requests::default());
        let mut p = requests.begin(Uncall::GroupGetDetails, "42", Duration::from_millis(1500)).await;
        p.sent();
        let e = p.next().await.unwrap_err();
        assert_eq!(e.code, ErrorCode::RequestTimeout);
        assert_eq!(
            e.message,
            "Request with uncallKey \"UNCALL_KEY_GROUP_GET_DETAILS\" and requestKey \"42\" has exceed timeout 1500s"
        );
        let mut q = requests.begin(Uncall::NewMessage, "7", Duration::from_secs(60)).await;
        requests.fail_all();
        assert_eq!(q.next().await.unwrap_err().code, ErrorCode::SocketNotConnected);
    }
}
