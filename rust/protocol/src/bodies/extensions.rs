//! The \[H\]-era extensions beyond the seed README (PROTOCOL.md §10): application state (105), device tokens for
//! mobile push (38/39, 40/41), the sticker catalogue (112), and the mobile push payload itself, which travels through
//! APNs/FCM rather than the socket.
//!
//! Register/unregister are the only services whose reply has a different number from the request (38 → 39,
//! 40 → 41). The catalogue keeps the snake-case keys `full_cover`/`mini_cover` of the original server.

use serde::{Deserialize, Serialize};

use super::{Empty, IntOrString};

/// svc 105, C→S: the app went to the background (`state` 1) or foreground (2).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ApplicationStateRequest {
    pub state: i64,
}

/// svc 105, S→C: acknowledgement; the client does not read the body, so `{}` (extra fields are ignored).
pub type ApplicationStateReply = Empty;

/// svc 38, C→S: register a device push token. `type` is the platform (1 Android, 2 iOS).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RegisterDeviceRequest {
    /// The device token.
    pub id: String,
    #[serde(rename = "type")]
    pub platform: i64,
    pub app_bundle_id: String,
}

/// svc 39, S→C: `r` 1 is success.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RegisterDeviceReply {
    pub r: i64,
}

/// svc 40, C→S: unregister a device push token.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UnregisterDeviceRequest {
    /// The device token.
    pub id: String,
}

/// svc 41, S→C: `r` 1 is success.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UnregisterDeviceReply {
    pub r: i64,
}

/// svc 112, C→S: the sticker catalogue; `default` 1 for the default packs, 0 for the others.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StickerListRequest {
    pub default: i64,
}

/// svc 112, S→C: the sticker packs. No `r`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StickerListReply {
    pub packets: Vec<StickerPacket>,
}

/// A sticker pack of [`StickerListReply`]: `url` is a zip of the pack. The client remaps ids 12→2, 13→3, 15→4,
/// 16→5 (`constants::sticker`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StickerPacket {
    pub id: i64,
    pub name: String,
    pub full_cover: String,
    pub mini_cover: String,
    pub url: String,
}

/// The data of a mobile push notification (APNs/FCM), not a socket packet (PROTOCOL.md §10.3, OQ-31).
/// `pushPacketType` is the triggering service number **as a string** (`"5"`, `"104"`, `"121"`, `"113"`, `"146"`,
/// `"186"`, `"188"`, `"602"`) and `appId` the application; both are read by `parseNotification`. The rest is what the
/// server adds to display the notification and open the right screen.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PushNotification {
    pub push_packet_type: String,
    pub app_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chat_type: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chat_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call_id: Option<i64>,
    /// The sender: a user id for messages and free calls, a phone number for a call-in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<IntOrString>,
}
