//! The \[H\] extensions (PROTOCOL.md §10.1): changeApplicationState, notificationRegisterDevice,
//! notificationUnregisterDevice, parseNotification and getStickersList. Their result for the first three is `{}`.

use azstack_protocol::Service;
use azstack_protocol::bodies::extensions::{
    ApplicationStateRequest, RegisterDeviceReply, RegisterDeviceRequest, StickerListReply, StickerListRequest,
    UnregisterDeviceReply, UnregisterDeviceRequest,
};
use azstack_protocol::constants::{application_state, notification, platform, sticker};
use azstack_protocol::errors::{ApiError, ErrorCode};
use serde_json::Value;

use super::decode_reply;
use crate::core::area_handle;
use crate::model::{ParsedNotification, StickerPack, StickerPackList, StickerUrls};
use crate::requests::{DEFAULT_KEY, Uncall};
use crate::validate::{self, Kind, Rule};

/// `changeApplicationState({state})`: 1 background, 2 foreground.
pub fn application_state_from_json(params: &Value) -> Result<i64, ApiError> {
    let o = validate::options(params, "Missing change application state params")?;
    Rule::field(o, "state")
        .required()
        .one_of(&[application_state::APPLICATION_STATE_BACKGROUND, application_state::APPLICATION_STATE_FOREGROUND])
        .kind(Kind::Number)
        .check()?;
    Ok(validate::int(o, "state"))
}

/// `notificationRegisterDevice({deviceToken, devicePlatformOS, applicationBundleId})`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegisterDeviceOptions {
    pub device_token: String,
    /// 1 Android, 2 iOS.
    pub device_platform_os: i64,
    pub application_bundle_id: String,
}

impl RegisterDeviceOptions {
    pub fn from_json(params: &Value) -> Result<Self, ApiError> {
        let o = validate::options(params, "Missing notification register device params")?;
        Rule::field(o, "deviceToken").required().kind(Kind::String).check()?;
        Rule::field(o, "devicePlatformOS")
            .required()
            .one_of(&[platform::PLATFORM_ANDROID, platform::PLATFORM_IOS])
            .kind(Kind::Number)
            .check()?;
        Rule::field(o, "applicationBundleId").required().kind(Kind::String).check()?;
        Ok(Self {
            device_token: validate::string(o, "deviceToken"),
            device_platform_os: validate::int(o, "devicePlatformOS"),
            application_bundle_id: validate::string(o, "applicationBundleId"),
        })
    }
}

/// `notificationUnregisterDevice({deviceToken})`.
pub fn device_token_from_json(params: &Value) -> Result<String, ApiError> {
    let o = validate::options(params, "Missing notification unregister device params")?;
    Rule::field(o, "deviceToken").required().kind(Kind::String).check()?;
    Ok(validate::string(o, "deviceToken"))
}

/// `getStickersList({isDefault})`.
pub fn is_default_from_json(params: &Value) -> Result<bool, ApiError> {
    let o = validate::options(params, "Missing get stickers list params")?;
    Rule::field(o, "isDefault").required().kind(Kind::Boolean).check()?;
    Ok(o.get("isDefault").and_then(Value::as_bool).unwrap_or(false))
}

/// `parseNotification({notification})`: which kind of event a mobile push payload announces. Local; its validation
/// errors use `ERR_UNEXPECTED_DATA` as in the original.
pub fn parse_notification(params: &Value) -> Result<ParsedNotification, ApiError> {
    let Some(o) = params.as_object() else { return Err(ApiError::unexpected("Missing parse notification params")) };
    let Some(n) = o.get("notification").filter(|v| v.is_object()) else {
        return Err(ApiError::unexpected(if validate::is_missing(o.get("notification")) {
            "notification is required"
        } else {
            "notification must be an object"
        }));
    };
    let as_unexpected = |e: ApiError| ApiError::unexpected(e.message);
    Rule::field(n, "pushPacketType").required().not_equal("0").kind(Kind::String).check().map_err(as_unexpected)?;
    Rule::field(n, "appId").required().kind(Kind::String).check().map_err(as_unexpected)?;
    let packet_type: i64 = validate::string(n, "pushPacketType").trim().parse().map_err(|_| {
        ApiError::new(ErrorCode::UnexpectedReceivedData, "Cannot parse packet type, parse notification fail")
    })?;
    let notification_type = match packet_type {
        5 | 104 | 121 | 113 | 146 => notification::NOTIFICATION_TYPE_MESSAGE,
        186 | 188 => notification::NOTIFICATION_TYPE_FREE_CALL,
        602 => notification::NOTIFICATION_TYPE_CALLIN,
        _ => notification::NOTIFICATION_TYPE_UNKNOWN,
    };
    Ok(ParsedNotification { app_id: validate::string(n, "appId"), notification_type })
}

area_handle! {
    /// Application state, push notifications and stickers: `engine.extensions()`.
    Extensions {  }
}

impl Extensions {
    pub async fn change_application_state(&self, state: i64) -> Result<(), ApiError> {
        let mut pending = self
            .request(
                Uncall::ApplicationChangeState,
                DEFAULT_KEY,
                Service::APPLICATION_CHANGE_STATE,
                &ApplicationStateRequest { state },
                "Cannot send change application state data, change application state fail",
            )
            .await?;
        pending.next().await.map(drop)
    }

    pub async fn notification_register_device(&self, o: RegisterDeviceOptions) -> Result<(), ApiError> {
        let body = RegisterDeviceRequest {
            id: o.device_token,
            platform: o.device_platform_os,
            app_bundle_id: o.application_bundle_id,
        };
        let mut pending = self
            .request(
                Uncall::NotificationRegisterDevice,
                DEFAULT_KEY,
                Service::PUSH_NOTIFICATION_REGISTER_DEVICE_SEND,
                &body,
                "Cannot send notification register device data, notification register device fail",
            )
            .await?;
        decode_reply::<RegisterDeviceReply>(&pending.next().await?, &[1], "notification register device").map(drop)
    }

    pub async fn notification_unregister_device(&self, device_token: String) -> Result<(), ApiError> {
        let body = UnregisterDeviceRequest { id: device_token };
        let mut pending = self
            .request(
                Uncall::NotificationUnregisterDevice,
                DEFAULT_KEY,
                Service::PUSH_NOTIFICATION_UNREGISTER_DEVICE_SEND,
                &body,
                "Cannot send notification unregister device data, notification unregister device fail",
            )
            .await?;
        decode_reply::<UnregisterDeviceReply>(&pending.next().await?, &[1], "notification unregister device").map(drop)
    }

    pub async fn get_stickers_list(&self, is_default: bool) -> Result<StickerPackList, ApiError> {
        let body = StickerListRequest {
            default: if is_default { sticker::STICKER_TYPE_DEFAULT } else { sticker::STICKER_TYPE_NOT_DEFAULT },
        };
        let mut pending = self
            .request(
                Uncall::GetStickersList,
                DEFAULT_KEY,
                Service::STICKER_GET_LIST,
                &body,
                "Cannot send get stickers list data, get stickers list fail",
            )
            .await?;
        let reply: StickerListReply = decode_reply(&pending.next().await?, &[], "get stickers list")?;
        let list = reply
            .packets
            .into_iter()
            .map(|p| StickerPack {
                cat_id: sticker::original_cat_id(p.id),
                name: p.name,
                urls: StickerUrls { full_cover: p.full_cover, mini_cover: p.mini_cover, download: p.url },
            })
            .collect();
        Ok(StickerPackList { done: 1, list })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn notifications_parse_locally() {
        let ok = |packet: &str| {
            parse_notification(&json!({"notification": {"pushPacketType": packet, "appId": "a"}})).unwrap()
        };
        assert_eq!(ok("5").notification_type, 1);
        assert_eq!(ok("188").notification_type, 2);
        assert_eq!(ok("602").notification_type, 3);
        assert_eq!(ok("999").notification_type, 0);
        assert_eq!(ok("146").app_id, "a");
        let err = parse_notification(&json!({"notification": {"pushPacketType": "x", "appId": "a"}})).unwrap_err();
        assert_eq!(
            (err.code, err.message.as_str()),
            (ErrorCode::UnexpectedReceivedData, "Cannot parse packet type, parse notification fail")
        );
        let err = parse_notification(&json!({"notification": {"pushPacketType": "0", "appId": "a"}})).unwrap_err();
        assert_eq!((err.code, err.message.as_str()), (ErrorCode::UnexpectedData, "pushPacketType cannot has value 0"));
        let err = parse_notification(&json!({"notification": {"pushPacketType": 5, "appId": "a"}})).unwrap_err();
        assert_eq!(err.message, "pushPacketType must be string");
    }
}
