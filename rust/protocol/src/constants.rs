//! Public constants (PROTOCOL.md §7.2–§7.5) and the protocol's numeric rules.
//!
//! The original core exposes its constants as objects on `AZStackCore` — `callConstants`, `chatConstants`,
//! `listConstants`, ... — and this module mirrors them one submodule per object, with the original constant names
//! and the **seed README's values**. Where the README and the last published core (\[H\]) disagree, the README wins
//! (D8): `MESSAGE_TYPE_GROUP_CREATED` is 4 ... `MESSAGE_TYPE_GROUP_PUBLIC_JOINED` 9, and the \[H\] extension
//! `MESSAGE_TYPE_LOCATION` gets the unused value 11. Constants only \[H\] has (location, callout statuses 180/403/408/
//! 487/503, platform, application state, notification and sticker constants) are included with \[H\]'s values. Where
//! the README and \[H\] name the same value differently both names exist
//! (`CALL_STATUS_CALLOUT_INITIAL_INVALID_NUMBER` and `..._INVALID_TO_NUMBER`, both −5).
//!
//! [`all`] lists every one of those constants with its group name so that the JavaScript package's copy can be
//! checked against this one. The error code strings live in [`crate::errors::ErrorCode`] and are listed by [`all`]
//! under `errorCodes`, next to the numeric success markers of [`error_codes`].
//!
//! Two further submodules are *not* JavaScript constants and are not in [`all`]: [`limits`] (page size and list
//! limits, OQ-34) and [`wire`] (values that only appear on the wire or in server behaviour). The success value of `r`
//! per service (§3.0) is answered by [`reply_success`], [`success_marker`] and [`success_r`].

use serde_json::Value;

use crate::Service;
use crate::errors::ErrorCode;

/// One constant of the JS API: `(group, NAME, value)`, e.g. `("chatConstants", "CHAT_TYPE_USER", 1)`.
pub type ConstantEntry = (&'static str, &'static str, Value);

macro_rules! constant_group {
    (
        $(#[$mdoc:meta])*
        mod $module:ident = $group:literal {
            $( $(#[$doc:meta])* $name:ident : $ty:ty = $value:expr; )*
        }
        $($extra:item)*
    ) => {
        $(#[$mdoc])*
        pub mod $module {
            $( $(#[$doc])* pub const $name: $ty = $value; )*

            pub(super) fn entries() -> Vec<super::ConstantEntry> {
                vec![ $( ($group, stringify!($name), serde_json::Value::from($name)) ),* ]
            }

            $($extra)*
        }
    };
}

constant_group! {
    /// `logLevelConstants` (`logLevel.js`): the `logLevel` option's values.
    mod log_level = "logLevelConstants" {
        LOG_PREFIX: &str = "AZStack Log:";
        LOG_LEVEL_NONE: &str = "NONE";
        LOG_LEVEL_ERROR: &str = "ERROR";
        LOG_LEVEL_INFO: &str = "INFO";
        LOG_LEVEL_DEBUG: &str = "DEBUG";
    }
}

constant_group! {
    /// The numeric part of `errorCodes` (`errorCodes.js`): the values of `r` the original client compares replies
    /// with. The string codes are [`crate::errors::ErrorCode`].
    mod error_codes = "errorCodes" {
        REQUEST_SUCCESS_FROM_SERVER: i64 = 1;
        DELETE_CONVERSATION_SUCCESS_FROM_SERVER: i64 = 0;
        CHANGE_STATUS_MESSAGE_SUCCESS_FROM_SERVER: i64 = 0;
        DELETE_MESSAGE_SUCCESS_FROM_SERVER: i64 = 0;
        GROUP_INVITE_SUCCESS_FROM_SERVER: i64 = 0;
        GROUP_LEAVE_SUCCESS_FROM_SERVER: i64 = 0;
        GROUP_RENAME_SUCCESS_FROM_SERVER: i64 = 0;
        GROUP_CHANGE_ADMIN_SUCCESS_FROM_SERVER: i64 = 0;
        GROUP_JOIN_PUBLIC_SUCCESS_FROM_SERVER: i64 = 0;
        GROUP_GET_DETAILS_SUCCESS_FROM_SERVER: i64 = 0;
    }
}

constant_group! {
    /// `callConstants` (`callConstants.js`, §7.2).
    mod call = "callConstants" {
        CALL_TYPE_FREE_CALL: &str = "CALL_TYPE_FREE_CALL";
        CALL_TYPE_CALLOUT: &str = "CALL_TYPE_CALLOUT";
        CALL_TYPE_CALLIN: &str = "CALL_TYPE_CALLIN";

        CALL_WEBRTC_AUDIO_STATE_OFF: i64 = 0;
        CALL_WEBRTC_AUDIO_STATE_ON: i64 = 1;
        CALL_WEBRTC_VIDEO_STATE_OFF: i64 = 0;
        CALL_WEBRTC_VIDEO_STATE_ON: i64 = 1;
        /// Wire: 187 `type` 1, an SDP description.
        CALL_WEBRTC_DATA_TYPE_SESSION_DESCRIPTION: i64 = 1;
        /// Wire: 187 `type` 2, an ICE candidate.
        CALL_WEBRTC_DATA_TYPE_ICE_CANDIDATE: i64 = 2;
        CALL_WEBRTC_CAMERA_TYPE_FRONT: &str = "user";
        CALL_WEBRTC_CAMERA_TYPE_BACK: &str = "environment";
        /// \[H\]; the original spelling.
        CALL_WEBRTC_BUNBLE_POLICY_TYPE_BALANCED: &str = "balanced";

        /// Wire: 186 `mediaType`.
        CALL_MEDIA_TYPE_AUDIO: i64 = 1;
        CALL_MEDIA_TYPE_VIDEO: i64 = 2;

        /// Wire: 188/199 `status`.
        CALL_STATUS_FREE_CALL_UNKNOWN: i64 = 0;
        CALL_STATUS_FREE_CALL_CONNECTING: i64 = 100;
        CALL_STATUS_FREE_CALL_RINGING: i64 = 180;
        CALL_STATUS_FREE_CALL_ANSWERED: i64 = 200;
        CALL_STATUS_FREE_CALL_BUSY: i64 = 600;
        CALL_STATUS_FREE_CALL_REJECTED: i64 = 603;
        CALL_STATUS_FREE_CALL_STOP: i64 = 700;
        CALL_STATUS_FREE_CALL_NOT_ANSWERED: i64 = 400;

        /// \[H\]. Wire: 610 `status`.
        CALL_STATUS_FROM_SERVER_CALLOUT_INITIAL_SUCCESS: i64 = 100;
        CALL_STATUS_FROM_SERVER_CALLOUT_INITIAL_ERROR_CHARGING: i64 = 402;
        CALL_STATUS_FROM_SERVER_CALLOUT_INITIAL_ERROR_FROM_NUMBER: i64 = 404;

        /// Wire: 610 `chargingError`; API: callout start error `status`.
        CALL_STATUS_CALLOUT_INITIAL_UNKNOWN: i64 = 0;
        CALL_STATUS_CALLOUT_INITIAL_BUSY: i64 = -3;
        CALL_STATUS_CALLOUT_INITIAL_NOT_ENOUGH_BALANCE: i64 = -4;
        /// The seed README's name for −5.
        CALL_STATUS_CALLOUT_INITIAL_INVALID_NUMBER: i64 = -5;
        /// \[H\]'s name for −5.
        CALL_STATUS_CALLOUT_INITIAL_INVALID_TO_NUMBER: i64 = -5;
        /// \[H\].
        CALL_STATUS_CALLOUT_INITIAL_INVALID_FROM_NUMBER: i64 = -6;

        /// Wire: 503 `code`; API: callout status.
        CALL_STATUS_CALLOUT_STATUS_UNKNOWN: i64 = 0;
        CALL_STATUS_CALLOUT_STATUS_CONNECTING: i64 = 100;
        CALL_STATUS_CALLOUT_STATUS_RINGING: i64 = 183;
        /// \[H\].
        CALL_STATUS_CALLOUT_STATUS_RINGING_OTHER: i64 = 180;
        CALL_STATUS_CALLOUT_STATUS_ANSWERED: i64 = 200;
        /// \[H\].
        CALL_STATUS_CALLOUT_STATUS_REJECTED: i64 = 403;
        /// \[H\].
        CALL_STATUS_CALLOUT_STATUS_USER_NOT_AVAILABLE: i64 = 408;
        CALL_STATUS_CALLOUT_STATUS_BUSY: i64 = 486;
        /// \[H\].
        CALL_STATUS_CALLOUT_STATUS_TERMINAL: i64 = 487;
        /// \[H\].
        CALL_STATUS_CALLOUT_STATUS_NO_SIGNAL: i64 = 503;
        CALL_STATUS_CALLOUT_STATUS_NOT_ANSWERED: i64 = 480;
        CALL_STATUS_CALLOUT_STATUS_STOP: i64 = 700;
        CALL_STATUS_CALLOUT_STATUS_NOT_ENOUGH_BALANCE: i64 = 702;

        /// Wire: 506/508 `code`; API: call-in status.
        CALL_STATUS_CALLIN_STATUS_UNKNOWN: i64 = 0;
        CALL_STATUS_CALLIN_STATUS_RINGING: i64 = 183;
        CALL_STATUS_CALLIN_STATUS_ANSWERED: i64 = 200;
        CALL_STATUS_CALLIN_STATUS_BUSY: i64 = 486;
        CALL_STATUS_CALLIN_STATUS_NOT_ANSWERED: i64 = 403;
        CALL_STATUS_CALLIN_STATUS_RINGING_STOP: i64 = 702;
        CALL_STATUS_CALLIN_STATUS_STOP: i64 = 700;

        /// Wire: 509/601 `callType`.
        CALL_PAID_LOG_CALL_TYPE_CALLOUT: i64 = 1;
        CALL_PAID_LOG_CALL_TYPE_CALLIN: i64 = 2;
        /// Wire: 509/601 `status`.
        CALL_PAID_LOG_CALL_STATUS_ANSWERED: i64 = 0;
        CALL_PAID_LOG_CALL_STATUS_REJECTED: i64 = 1;
        CALL_PAID_LOG_CALL_STATUS_NOT_ANSWERED: i64 = 2;
    }
}

constant_group! {
    /// `listConstants`: wire `done`.
    mod list = "listConstants" {
        GET_LIST_DONE: i64 = 1;
        GET_LIST_UNDONE: i64 = 0;
    }
}

constant_group! {
    /// `chatConstants` (§7.3), with the seed README's message type numbering (D8).
    mod chat = "chatConstants" {
        /// Wire: `type` of 127/151/153/168/169/170/171/173/191, `chatType` of 191 items.
        CHAT_TYPE_USER: i64 = 1;
        CHAT_TYPE_GROUP: i64 = 2;

        CONVERSATION_DELETED_FALSE: i64 = 0;
        CONVERSATION_DELETED_TRUE: i64 = 1;

        /// API only; never on the wire.
        MESSAGE_TYPE_TEXT: i64 = 1;
        MESSAGE_TYPE_STICKER: i64 = 2;
        MESSAGE_TYPE_FILE: i64 = 3;
        MESSAGE_TYPE_GROUP_CREATED: i64 = 4;
        MESSAGE_TYPE_GROUP_INVITED: i64 = 5;
        MESSAGE_TYPE_GROUP_LEFT: i64 = 6;
        MESSAGE_TYPE_GROUP_RENAMED: i64 = 7;
        MESSAGE_TYPE_GROUP_ADMIN_CHANGED: i64 = 8;
        MESSAGE_TYPE_GROUP_PUBLIC_JOINED: i64 = 9;
        /// Extension (\[H\] has it as 4); 11 per D8.
        MESSAGE_TYPE_LOCATION: i64 = 11;

        /// Wire: `status` in lists; API.
        MESSAGE_STATUS_SENDING: i64 = 0;
        MESSAGE_STATUS_SENT: i64 = 1;
        MESSAGE_STATUS_DELIVERED: i64 = 2;
        MESSAGE_STATUS_SEEN: i64 = 3;
        MESSAGE_STATUS_CANCELLED: i64 = 6;

        /// Wire: `deleted`.
        MESSAGE_DELETED_FALSE: i64 = 0;
        MESSAGE_DELETED_TRUE: i64 = 1;

        /// Wire: file `type`.
        MESSAGE_FILE_TYPE_UNKNOWN: i64 = 0;
        MESSAGE_FILE_TYPE_IMAGE: i64 = 1;
        MESSAGE_FILE_TYPE_AUDIO: i64 = 2;
        MESSAGE_FILE_TYPE_VIDEO: i64 = 3;
        MESSAGE_FILE_TYPE_EXCEL: i64 = 4;
        MESSAGE_FILE_TYPE_WORD: i64 = 5;
        MESSAGE_FILE_TYPE_POWERPOINT: i64 = 6;
        MESSAGE_FILE_TYPE_PDF: i64 = 7;
        MESSAGE_FILE_TYPE_TEXT: i64 = 8;
        MESSAGE_FILE_TYPE_CODE: i64 = 9;
        MESSAGE_FILE_TYPE_ARCHIVE: i64 = 10;
    }
}

constant_group! {
    /// `userConstants`: wire `status` (164/165) and `online` (148).
    mod user = "userConstants" {
        USER_STATUS_ONLINE: i64 = 1;
        USER_STATUS_NOT_ONLINE: i64 = 0;
    }
}

constant_group! {
    /// `groupConstants`: wire `type`, `inGroup`, `autoJoin`.
    mod group = "groupConstants" {
        GROUP_TYPE_PRIVATE: i64 = 0;
        GROUP_TYPE_PUBLIC: i64 = 1;
        GROUP_IS_NOT_IN: i64 = 0;
        GROUP_IS_IN: i64 = 1;
        GROUP_IS_NOT_AUTO_JOIN: i64 = 0;
        GROUP_IS_AUTO_JOIN: i64 = 1;
    }
}

constant_group! {
    /// `platformConstants` (\[H\]): wire 179 `platform`, 38 `type`.
    mod platform = "platformConstants" {
        PLATFORM_ANDROID: i64 = 1;
        PLATFORM_IOS: i64 = 2;
        PLATFORM_WEB: i64 = 3;
    }
}

constant_group! {
    /// `applicationStateConstants` (\[H\]): wire 105 `state`.
    mod application_state = "applicationStateConstants" {
        APPLICATION_STATE_BACKGROUND: i64 = 1;
        APPLICATION_STATE_FOREGROUND: i64 = 2;
    }
}

constant_group! {
    /// `notificationConstants` (\[H\]): the `type` of a parsed push notification (API only).
    mod notification = "notificationConstants" {
        NOTIFICATION_TYPE_UNKNOWN: i64 = 0;
        NOTIFICATION_TYPE_MESSAGE: i64 = 1;
        NOTIFICATION_TYPE_FREE_CALL: i64 = 2;
        NOTIFICATION_TYPE_CALLIN: i64 = 3;
    }
}

constant_group! {
    /// `stickerConstants` (\[H\]): wire 112 `default`, and the catalogue id remapping FAKE → ORIGINAL the client
    /// applies to 112 pack ids.
    mod sticker = "stickerConstants" {
        STICKER_TYPE_DEFAULT: i64 = 1;
        STICKER_TYPE_NOT_DEFAULT: i64 = 0;
        STICKER_DEFAULT_CATID_2_ORIGINAL: i64 = 2;
        STICKER_DEFAULT_CATID_2_FAKE: i64 = 12;
        STICKER_DEFAULT_CATID_3_ORIGINAL: i64 = 3;
        STICKER_DEFAULT_CATID_3_FAKE: i64 = 13;
        STICKER_DEFAULT_CATID_4_ORIGINAL: i64 = 4;
        STICKER_DEFAULT_CATID_4_FAKE: i64 = 15;
        STICKER_DEFAULT_CATID_5_ORIGINAL: i64 = 5;
        STICKER_DEFAULT_CATID_5_FAKE: i64 = 16;
    }

    /// The `catId` the API reports for a 112 pack `id`: 12→2, 13→3, 15→4, 16→5, anything else unchanged.
    pub fn original_cat_id(id: i64) -> i64 {
        match id {
            STICKER_DEFAULT_CATID_2_FAKE => STICKER_DEFAULT_CATID_2_ORIGINAL,
            STICKER_DEFAULT_CATID_3_FAKE => STICKER_DEFAULT_CATID_3_ORIGINAL,
            STICKER_DEFAULT_CATID_4_FAKE => STICKER_DEFAULT_CATID_4_ORIGINAL,
            STICKER_DEFAULT_CATID_5_FAKE => STICKER_DEFAULT_CATID_5_ORIGINAL,
            other => other,
        }
    }
}

/// Page size and list limits (OQ-34). Not JavaScript constants.
pub mod limits {
    /// Items per page of the paged lists 170, 173 and 169 (and the server's packet size for 191).
    pub const PAGE_SIZE: usize = 20;
    /// Most ids (164) or usernames (165) in one user-information request.
    pub const MAX_USERS_PER_REQUEST: usize = 200;
    /// Most public groups in one 198 packet.
    pub const MAX_PUBLIC_GROUPS_PER_PACKET: usize = 100;
}

/// Values that exist only on the wire or in server behaviour, not as JavaScript constants.
pub mod wire {
    /// Kind marker `type: 3` for a sticker in group bodies (45/146/176) and in `lastMsg.msgType`.
    pub const KIND_MARKER_STICKER: i64 = 3;
    /// Kind marker `type: 4` for a location in 113, group bodies and `lastMsg.msgType`.
    pub const KIND_MARKER_LOCATION: i64 = 4;

    /// Per-user result of an invite (44 `inviteResult[].r`, OQ-13): added.
    pub const INVITE_RESULT_ADDED: i64 = 0;
    /// Already a member.
    pub const INVITE_RESULT_ALREADY_MEMBER: i64 = 1;
    /// No such user.
    pub const INVITE_RESULT_UNKNOWN_USER: i64 = 2;
    /// The inviter may not invite into this group.
    pub const INVITE_RESULT_NOT_ALLOWED: i64 = 3;

    /// `r` of a failed authentication (162, D3).
    pub const AUTH_FAILURE_R: i64 = -1;
    /// `resultCode` of a successful authentication (162).
    pub const AUTH_SUCCESS_RESULT_CODE: i64 = 0;

    /// The `sdkVersion` prefix by which the server recognises the new engine (D6: acks for 104/121/113).
    pub const ENGINE_SDK_VERSION_PREFIX: &str = "azstack-rs/";
}

/// Every JavaScript-visible constant as `(group, NAME, value)`: `logLevelConstants`, `errorCodes` (the `ERR_*`
/// strings and the numeric success markers), `callConstants`, `listConstants`, `chatConstants`, `userConstants`,
/// `groupConstants`, `platformConstants`, `applicationStateConstants`, `notificationConstants`, `stickerConstants`.
pub fn all() -> Vec<ConstantEntry> {
    let mut out = log_level::entries();
    out.extend(ErrorCode::ALL.iter().map(|c| ("errorCodes", c.as_str(), Value::from(c.as_str()))));
    out.extend(error_codes::entries());
    out.extend(call::entries());
    out.extend(list::entries());
    out.extend(chat::entries());
    out.extend(user::entries());
    out.extend(group::entries());
    out.extend(platform::entries());
    out.extend(application_state::entries());
    out.extend(notification::entries());
    out.extend(sticker::entries());
    out
}

/// Which value of `r` means success in a reply (PROTOCOL.md §3.0).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SuccessMarker {
    /// `r === 1`.
    One,
    /// `r === 0`.
    Zero,
    /// `r === 0 || r === 1`.
    ZeroOrOne,
}

/// The success marker of `service`'s reply, or `None` where the client does not read `r` (170, 173, 169, 191, 147,
/// 198, 112, 105, 504, 503, 610 and every push-only or request-only service).
///
/// * `r == 1`: 42, 164, 165, 509, 39, 41; also 162 (the original does not read it; the server sends 1 on success
///   and −1 on failure, D3) and the D6 acks on 104/121/113.
/// * `r == 0`: 171, 168, 44 (and each `inviteResult[].r`), 43, 150, 159, 197, 148.
/// * `r` 0 or 1: the sent-acks 72 and 45, and the 153/127/151 replies.
pub fn success_marker(service: Service) -> Option<SuccessMarker> {
    use Service as S;
    match service {
        S::GROUP_CREATE
        | S::USER_GET_INFO_BY_IDS
        | S::USER_GET_INFO_BY_USERNAMES
        | S::PAID_CALL_LOGS_GET
        | S::PUSH_NOTIFICATION_REGISTER_DEVICE_RECEIVE
        | S::PUSH_NOTIFICATION_UNREGISTER_DEVICE_RECEIVE
        | S::AUTHENTICATION_RECEIVE_AUTHENTICATE
        | S::MESSAGE_WITH_USER_TYPE_STICKER
        | S::MESSAGE_WITH_USER_TYPE_FILE
        | S::MESSAGE_WITH_USER_TYPE_LOCATION => Some(SuccessMarker::One),
        S::CONVERSATION_DELETE
        | S::MESSAGE_DELETE
        | S::GROUP_INVITE
        | S::GROUP_LEAVE
        | S::GROUP_RENAME
        | S::GROUP_CHANGE_ADMIN
        | S::GROUP_JOIN_PUBLIC
        | S::GROUP_GET_DETAILS => Some(SuccessMarker::Zero),
        S::MESSAGE_NEW_WITH_USER_TYPE_TEXT
        | S::MESSAGE_NEW_WITH_GROUP
        | S::MESSAGE_STATUS_CHANGE_SEEN
        | S::MESSAGE_STATUS_CHANGE_CANCELLED_WITH_USER
        | S::MESSAGE_STATUS_CHANGE_CANCELLED_WITH_GROUP => Some(SuccessMarker::ZeroOrOne),
        _ => None,
    }
}

/// Whether a reply on `service` carrying `r` reports success, the way the original client decides it. Services
/// whose `r` is not read ([`success_marker`] is `None`) always count as success.
pub fn reply_success(service: Service, r: i64) -> bool {
    match success_marker(service) {
        Some(SuccessMarker::One) => r == 1,
        Some(SuccessMarker::Zero) => r == 0,
        Some(SuccessMarker::ZeroOrOne) => r == 0 || r == 1,
        None => true,
    }
}

/// The `r` a server puts in a successful reply on `service`: 1 or 0 per [`success_marker`], 1 where either is
/// accepted (as the fan-out table of §11.3 does); `None` where replies carry no `r`.
pub fn success_r(service: Service) -> Option<i64> {
    success_marker(service).map(|m| match m {
        SuccessMarker::One | SuccessMarker::ZeroOrOne => 1,
        SuccessMarker::Zero => 0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn seed_readme_values() {
        assert_eq!(chat::MESSAGE_TYPE_GROUP_CREATED, 4);
        assert_eq!(chat::MESSAGE_TYPE_GROUP_PUBLIC_JOINED, 9);
        assert_eq!(chat::MESSAGE_TYPE_LOCATION, 11);
        assert_eq!(call::CALL_STATUS_CALLOUT_INITIAL_INVALID_NUMBER, -5);
        assert_eq!(call::CALL_WEBRTC_CAMERA_TYPE_BACK, "environment");
        assert_eq!(log_level::LOG_LEVEL_DEBUG, "DEBUG");
        assert_eq!(limits::PAGE_SIZE, 20);
    }

    #[test]
    fn all_is_complete_and_unique() {
        let all = all();
        let mut seen = HashSet::new();
        for (group, name, value) in &all {
            assert!(seen.insert((*group, *name)), "duplicate {group}.{name}");
            assert!(value.is_i64() || value.is_string(), "{group}.{name}");
        }
        let find = |g: &str, n: &str| all.iter().find(|(gg, nn, _)| *gg == g && *nn == n).map(|(_, _, v)| v.clone());
        assert_eq!(find("chatConstants", "MESSAGE_TYPE_GROUP_CREATED"), Some(Value::from(4)));
        assert_eq!(find("errorCodes", "ERR_WEBRTC"), Some(Value::from("ERR_WEBRTC")));
        assert_eq!(find("errorCodes", "REQUEST_SUCCESS_FROM_SERVER"), Some(Value::from(1)));
        assert_eq!(find("logLevelConstants", "LOG_LEVEL_NONE"), Some(Value::from("NONE")));
        assert_eq!(find("stickerConstants", "STICKER_DEFAULT_CATID_4_FAKE"), Some(Value::from(15)));
        let groups: HashSet<_> = all.iter().map(|(g, _, _)| *g).collect();
        assert_eq!(groups.len(), 11);
    }

    #[test]
    fn r_markers() {
        use Service as S;
        assert!(reply_success(S::GROUP_CREATE, 1));
        assert!(!reply_success(S::GROUP_CREATE, 0));
        assert!(reply_success(S::GROUP_INVITE, 0));
        assert!(!reply_success(S::GROUP_INVITE, 1));
        assert!(reply_success(S::MESSAGE_STATUS_CHANGE_SEEN, 0));
        assert!(reply_success(S::MESSAGE_STATUS_CHANGE_SEEN, 1));
        assert!(!reply_success(S::MESSAGE_STATUS_CHANGE_SEEN, 2));
        assert!(!reply_success(S::AUTHENTICATION_RECEIVE_AUTHENTICATE, wire::AUTH_FAILURE_R));
        assert!(reply_success(S::CONVERSATION_GET_LIST_MODIFIED, -7));
        assert_eq!(success_r(S::GROUP_GET_DETAILS), Some(0));
        assert_eq!(success_r(S::MESSAGE_NEW_WITH_GROUP), Some(1));
        assert_eq!(success_r(S::GROUP_GET_LIST_PUBLIC), None);
        assert_eq!(sticker::original_cat_id(15), 4);
        assert_eq!(sticker::original_cat_id(7), 7);
    }
}
