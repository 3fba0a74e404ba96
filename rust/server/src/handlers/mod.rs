//! Packet handlers, one module per area of the protocol. [`dispatch`] routes an authenticated session's packet by
//! service number; each module owns its services end to end (decode, validate, store, reply, fan out). They work with
//! the narrow handles of [`Services`], never the hub; the paid-call services (500–510) are routed by the gateway to
//! [`crate::calls::handle_paid`], and discovery and login live in [`crate::gateway::login`].

pub mod extensions;
pub mod groups;
pub mod history;
pub mod messages;
pub mod users;

use std::sync::Arc;

use azstack_protocol::{Envelope, Service};

use crate::calls::Calls;
use crate::config::{Limits, StickerPack};
pub use crate::errors::{Handled, Reject};
use crate::fanout::Fanout;
use crate::metrics::Metrics;
use crate::session::{Identity, Session};
use crate::store::Store;
use crate::warnings::Warnings;

/// The handles the packet handlers work with: the store, the fan-out, the free-call registry, the limits and the
/// counters. The server builds one at start; handlers never see what else it runs (listeners, admission, the SIP
/// gateway).
pub struct Services {
    pub store: Arc<dyn Store>,
    pub fanout: Arc<dyn Fanout>,
    pub calls: Arc<Calls>,
    pub limits: Limits,
    /// The sticker packs served by svc 112.
    pub stickers: Vec<StickerPack>,
    pub metrics: Arc<Metrics>,
    pub warnings: Arc<Warnings>,
    /// Mobile pushes for the recipients whose app is not in the foreground.
    pub push: Arc<crate::push::Push>,
}

/// Routes one packet of an authenticated session.
pub async fn dispatch(
    svc: &Arc<Services>,
    session: &Arc<Session>,
    me: &Identity,
    service: Service,
    env: &Envelope,
) -> Handled {
    use Service::*;
    // Sends are pipelined per session; anything else first waits for this session's sends to be answered.
    if !messages::is_pipelined(service) {
        session.settle().await;
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
        | MESSAGE_TYPING_WITH_GROUP => messages::handle(svc, session, me, service, env).await,
        CONVERSATION_GET_LIST_MODIFIED
        | CONVERSATION_DELETE
        | MESSAGE_GET_LIST_UNREAD
        | MESSAGE_GET_LIST_MODIFIED
        | MESSAGE_GET_LIST_MODIFIED_FILES => history::handle(&*svc.store, session, me, service, env).await,
        USER_GET_INFO_BY_IDS | USER_GET_INFO_BY_USERNAMES => users::handle(svc, session, me, service, env).await,
        GROUP_CREATE
        | GROUP_INVITE
        | GROUP_LEAVE
        | GROUP_RENAME
        | GROUP_CHANGE_ADMIN
        | GROUP_JOIN_PUBLIC
        | GROUP_GET_LIST_PRIVATE
        | GROUP_GET_LIST_PUBLIC
        | GROUP_GET_DETAILS => groups::handle(svc, session, me, service, env).await,
        FREE_CALL_START | FREE_CALL_DATA | FREE_CALL_STATUS_CHANGED => {
            crate::calls::handle(&svc.calls, session, me, service, env).await
        }
        APPLICATION_CHANGE_STATE
        | PUSH_NOTIFICATION_REGISTER_DEVICE_SEND
        | PUSH_NOTIFICATION_UNREGISTER_DEVICE_SEND
        | STICKER_GET_LIST => {
            let handled = extensions::handle(&*svc.store, &svc.stickers, session, me, service, env).await;
            if service == APPLICATION_CHANGE_STATE {
                svc.fanout.presence_changed(me.user_id);
            }
            handled
        }
        _ => Err(Reject::Refused("service is not sent by clients")),
    }
}
