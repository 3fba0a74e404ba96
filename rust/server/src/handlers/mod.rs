//! Packet handlers, one module per area of the protocol. [`dispatch`] routes an authenticated session's packet by
//! service number; each module owns its services end to end (decode, validate, store, reply, fan out).

pub mod connection;
pub mod extensions;
pub mod groups;
pub mod history;
pub mod messages;
pub mod users;

use std::sync::Arc;

use azstack_protocol::{DecodeError, Envelope, Service};

use crate::hub::Hub;
use crate::metrics::Metrics;
use crate::session::{Identity, Session};
use crate::store::StoreError;

/// Why a packet was not acted on. The gateway logs it and counts it; the client gets whatever error reply the
/// handler already sent (for services that have one), never a crash.
#[derive(Debug, thiserror::Error)]
pub enum Reject {
    #[error(transparent)]
    Body(#[from] DecodeError),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A valid packet the sender may not send (someone else's data, a service only the server sends, a list over
    /// the limit).
    #[error("refused: {0}")]
    Refused(&'static str),
}

impl Reject {
    pub(crate) fn record(&self, hub: &Hub, session: u64, service: Service) {
        match self {
            Reject::Body(_) => Metrics::inc(&hub.metrics.packets_malformed),
            Reject::Store(_) => Metrics::inc(&hub.metrics.store_errors),
            Reject::Refused(_) => Metrics::inc(&hub.metrics.packets_unknown_service),
        }
        let error = crate::warnings::clip(&self.to_string(), hub.config.limits.log_field_bytes).to_string();
        let service = service.number();
        match self {
            Reject::Store(_) => crate::warn_limited!(hub, "packet failed in the store", session, service, %error),
            _ => crate::warn_limited!(hub, "packet rejected", session, service, %error),
        }
    }
}

pub type Handled = Result<(), Reject>;

/// Routes one packet of an authenticated session.
pub async fn dispatch(
    hub: &Arc<Hub>,
    session: &Arc<Session>,
    me: &Identity,
    service: Service,
    env: &Envelope,
) -> Handled {
    use Service::*;
    // Sends are pipelined per session; anything else first waits for this session's sends to be answered.
    if !messages::is_pipelined(service) {
        messages::settle(session.id).await;
    }
    match service {
        MESSAGE_NEW_WITH_USER_TYPE_TEXT
        | MESSAGE_WITH_USER_TYPE_STICKER
        | MESSAGE_WITH_USER_TYPE_FILE
        | MESSAGE_WITH_USER_TYPE_LOCATION
        | MESSAGE_NEW_WITH_GROUP
        | MESSAGE_STATUS_CHANGE_DELIVERED_WITH_USER
        | MESSAGE_STATUS_CHANGE_DELIVERED_WITH_GROUP
        | MESSAGE_STATUS_CHANGE_SEEN
        | MESSAGE_STATUS_CHANGE_CANCELLED_WITH_USER
        | MESSAGE_STATUS_CHANGE_CANCELLED_WITH_GROUP
        | MESSAGE_DELETE
        | MESSAGE_TYPING_WITH_USER
        | MESSAGE_TYPING_WITH_GROUP => messages::handle(hub, session, me, service, env).await,
        CONVERSATION_GET_LIST_MODIFIED
        | CONVERSATION_DELETE
        | MESSAGE_GET_LIST_UNREAD
        | MESSAGE_GET_LIST_MODIFIED
        | MESSAGE_GET_LIST_MODIFIED_FILES => history::handle(hub, session, me, service, env).await,
        USER_GET_INFO_BY_IDS | USER_GET_INFO_BY_USERNAMES => users::handle(hub, session, me, service, env).await,
        GROUP_CREATE
        | GROUP_INVITE
        | GROUP_LEAVE
        | GROUP_RENAME
        | GROUP_CHANGE_ADMIN
        | GROUP_JOIN_PUBLIC
        | GROUP_GET_LIST_PRIVATE
        | GROUP_GET_LIST_PUBLIC
        | GROUP_GET_DETAILS => groups::handle(hub, session, me, service, env).await,
        FREE_CALL_START
        | FREE_CALL_DATA
        | FREE_CALL_STATUS_CHANGED
        | CALLOUT_START_SEND
        | CALLOUT_DATA_SEND
        | CALLOUT_STOP_SEND
        | CALLIN_STATUS_CHANGED
        | PAID_CALL_LOGS_GET => crate::calls::handle(hub, session, me, service, env).await,
        APPLICATION_CHANGE_STATE
        | PUSH_NOTIFICATION_REGISTER_DEVICE_SEND
        | PUSH_NOTIFICATION_UNREGISTER_DEVICE_SEND
        | STICKER_GET_LIST => extensions::handle(hub, session, me, service, env).await,
        _ => Err(Reject::Refused("service is not sent by clients")),
    }
}
