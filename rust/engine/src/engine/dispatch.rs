//! The JSON edge: JavaScript method names and option objects onto the typed API.
//!
//! `dispatch("getModifiedMessages", {...})` validates the options with the original's rules (the `from_json`
//! constructors in [`crate::api`]), calls the typed method and serialises its result. This keeps the FFI a single
//! narrow function: adding a method touches this table and the engine, never the C++ or JavaScript bridge.
//!
//! Options may be any JSON value: `null` when the caller passed none, and whatever the app passed otherwise — a
//! non-object gets the method's `Missing ... params` error, as in the original. An unknown method name gets
//! `ERR_UNEXPECTED_SEND_DATA` `Unknown method <name>`. Free calls, phone calls (callout, call-in) and the toggles
//! are served by [`crate::call`].

use azstack_protocol::errors::{ApiError, ErrorCode};
use serde::Serialize;
use serde_json::{Value, json};

use super::Engine;
use crate::api::conversations::{
    ConversationsOptions, DeleteConversationOptions, ModifiedFilesOptions, ModifiedMessagesOptions,
    UnreadMessagesOptions,
};
use crate::api::extensions::{self, RegisterDeviceOptions};
use crate::api::groups::{
    self, ChangeAdminOptions, CreateGroupOptions, InviteGroupOptions, LeaveGroupOptions, RenameGroupOptions,
};
use crate::api::messages::{DeleteMessageOptions, MessageStatusOptions, NewMessageOptions, TypingOptions};
use crate::api::outbox;
use crate::api::uploads::UploadFileOptions;
use crate::api::users::UsersOptions;
use crate::call::{self, CallinOptions, StartCalloutOptions, StartFreeCallOptions};

fn to_json<T: Serialize>(result: Result<T, ApiError>) -> Result<Value, ApiError> {
    result.map(|v| serde_json::to_value(v).unwrap_or(Value::Null))
}

fn null(result: Result<(), ApiError>) -> Result<Value, ApiError> {
    result.map(|()| Value::Null)
}

fn empty_object(result: Result<(), ApiError>) -> Result<Value, ApiError> {
    result.map(|()| json!({}))
}

/// The dispatch table, written once: [`METHODS`] (the names, for the check against the JavaScript package) and
/// [`dispatch`] (the match) both come from it.
macro_rules! methods {
    ($engine:ident, $p:ident; $($name:literal => $call:expr,)*) => {
        /// The method names [`dispatch`] knows, in the seed README's order (plus the §10 extensions).
        pub const METHODS: &[&str] = &[$($name),*];

        /// The methods that build media (a peer connection) are boxed: their futures are large, and unboxed they
        /// would make every call's future as large — too large for a 2 MiB thread stack in an unoptimised build.
        pub(crate) async fn dispatch(engine: &Engine, method: &str, params: Value) -> Result<Value, ApiError> {
            let $engine = engine;
            let $p = &params;
            match method {
                $($name => $call,)*
                unknown => Err(ApiError::new(ErrorCode::UnexpectedSendData, format!("Unknown method {unknown}"))),
            }
        }
    };
}

methods! { engine, p;
    "connect" => to_json(engine.connect(p).await),
    "reconnect" => to_json(engine.reconnect(p).await),
    "disconnect" => null(engine.disconnect().await),
    "getPaidCallLogs" => to_json(engine.call_logs().get_paid_call_logs().await),
    "getModifiedConversations" => {
        to_json(engine.conversations().get_modified_conversations(ConversationsOptions::from_json(p)?).await)
    },
    "deleteConversation" => to_json(engine.conversations().delete_conversation(DeleteConversationOptions::from_json(p)?).await),
    "getUnreadMessages" => to_json(engine.conversations().get_unread_messages(UnreadMessagesOptions::from_json(p)?).await),
    "getModifiedMessages" => to_json(engine.conversations().get_modified_messages(ModifiedMessagesOptions::from_json(p)?).await),
    "getModifiedFiles" => to_json(engine.conversations().get_modified_files(ModifiedFilesOptions::from_json(p)?).await),
    "newMessage" => to_json(engine.messages().new_message(NewMessageOptions::from_json(p)?).await),
    "changeMessageStatus" => null(engine.messages().change_message_status(MessageStatusOptions::from_json(p)?).await),
    "deleteMessage" => null(engine.messages().delete_message(DeleteMessageOptions::from_json(p)?).await),
    "sendTyping" => null(engine.messages().send_typing(TypingOptions::from_json(p)?).await),
    "getUsersInformation" => to_json(engine.users().get_users_information(UsersOptions::from_json(p)?).await),
    "createGroup" => to_json(engine.groups().create_group(CreateGroupOptions::from_json(p)?).await),
    "inviteGroup" => to_json(engine.groups().invite_group(InviteGroupOptions::from_json(p)?).await),
    "leaveGroup" => to_json(engine.groups().leave_group(LeaveGroupOptions::from_json(p)?).await),
    "renameGroup" => to_json(engine.groups().rename_group(RenameGroupOptions::from_json(p)?).await),
    "changeAdminGroup" => to_json(engine.groups().change_admin_group(ChangeAdminOptions::from_json(p)?).await),
    "joinPublicGroup" => {
        to_json(engine.groups().join_public_group(groups::group_id_from_json(p, "Missing join public group params")?).await)
    },
    "getDetailsGroup" => {
        to_json(engine.groups().get_details_group(groups::group_id_from_json(p, "Missing get details group params")?).await)
    },
    "getListGroups" => to_json(engine.groups().get_list_groups(groups::group_type_from_json(p)?).await),
    "changeApplicationState" => {
        empty_object(engine.extensions().change_application_state(extensions::application_state_from_json(p)?).await)
    },
    "notificationRegisterDevice" => {
        empty_object(engine.extensions().notification_register_device(RegisterDeviceOptions::from_json(p)?).await)
    },
    "notificationUnregisterDevice" => {
        empty_object(engine.extensions().notification_unregister_device(extensions::device_token_from_json(p)?).await)
    },
    "parseNotification" => to_json(extensions::parse_notification(p)),
    "getStickersList" => to_json(engine.extensions().get_stickers_list(extensions::is_default_from_json(p)?).await),
    "uploadFile" => to_json(engine.uploads().upload_file(UploadFileOptions::from_json(p)?).await),
    "startFreeCall" => null(Box::pin(engine.calls().start_free_call(StartFreeCallOptions::from_json(p)?)).await),
    "stopFreeCall" => null(engine.calls().stop_free_call().await),
    "answerFreeCall" => null(Box::pin(engine.calls().answer_free_call()).await),
    "rejectFreeCall" => null(engine.calls().reject_free_call().await),
    "notAnswerFreeCall" => null(engine.calls().not_answer_free_call().await),
    "toggleAudioState" => to_json(engine.calls().toggle_audio_state(call::state_from_json(p)?)),
    "toggleVideoState" => to_json(engine.calls().toggle_video_state(call::state_from_json(p)?)),
    "switchCameraType" => to_json(engine.calls().switch_camera_type()),
    "startCallout" => null(Box::pin(engine.calls().start_callout(StartCalloutOptions::from_json(p)?)).await),
    "stopCallout" => null(engine.calls().stop_callout().await),
    "answerCallin" => null(Box::pin(engine.calls().answer_callin(CallinOptions::from_json(p)?)).await),
    "rejectCallin" => null(engine.calls().reject_callin(CallinOptions::from_json(p)?).await),
    "notAnsweredCallin" => null(engine.calls().not_answered_callin(CallinOptions::from_json(p)?).await),
    "stopCallin" => null(engine.calls().stop_callin().await),
    "networkChanged" => {
        engine.network_changed();
        Ok(Value::Null)
    },
    "getOutbox" => to_json(engine.messages().get_outbox()),
    "cancelOutboxMessage" => null(engine.messages().cancel_outbox_message(outbox::cancel_options_from_json(p)?)),
}
