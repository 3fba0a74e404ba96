//! Who gets which push (PROTOCOL.md §10.3, OQ-21/24/31): the events that are push-worthy, the routes of each device
//! token, and the notification one recipient gets.
//!
//! **Who.** A recipient with no foreground session: no session at all, or only sessions whose last svc 105 state
//! is 1 (background). That filter runs when the event happens ([`super::Push::notify`]); everything here runs later
//! on a push worker.
//!
//! **Routes** (the convention the iOS and Android glue relies on):
//!
//! | event | iOS token, `appBundleId` ending in `.voip` (PushKit) | other iOS token | Android token (FCM) |
//! |---|---|---|---|
//! | message 5/104/121/113/146 | none | alert push | notification message |
//! | call 186, 188, 602 | VoIP push (topic `<bundle_id>.voip`) | alert push, only when the user has no VoIP token | high-priority data-only message, `ttl` = ring timeout |
//!
//! **What.** Every push carries, as strings, `pushPacketType` (the service number) and `appId` (what
//! `parseNotification` checks), and the ids to open the conversation or the call: `chatType`, `chatId`, `from`,
//! `msgId` for messages; `callId`, `from`, `mediaType` (free calls), `status` (188) for calls. A display title
//! (the sender's fullname, or the caller's number for a call-in) and body (a preview of the message, or a generic
//! text with `hide_content`), a thread per conversation (`<chatType>-<chatId>`: `thread-id` and `apns-collapse-id`,
//! FCM `collapse_key` and `tag`) and the badge (the recipient's unread count) complete it.

use std::sync::Arc;

use azstack_protocol::Service;
use azstack_protocol::bodies::messages::Content;
use azstack_protocol::constants::{chat, platform};

use crate::store::devices::Device;

/// A push-worthy event, for the recipients that have no foreground session.
#[derive(Clone, Debug)]
pub struct Event {
    pub app_id: Arc<str>,
    pub to: Vec<i64>,
    pub what: What,
}

#[derive(Clone, Debug)]
pub enum What {
    /// A user message (5, 104, 121, 113) or a group message (146).
    Message { service: i64, from: i64, from_name: String, group: Option<i64>, msg_id: i64, preview: String },
    /// A free call offered (186) or ended while ringing (188, with its status).
    FreeCall { service: i64, from: i64, from_name: String, call_id: i64, media_type: i64, status: Option<i64> },
    /// A call-in from the phone network (602).
    Callin { call_id: i64, from_number: String },
}

/// What a push says, for one recipient.
#[derive(Clone, Debug, PartialEq)]
pub struct Notification {
    /// The service number: `pushPacketType`.
    pub packet_type: i64,
    pub app_id: String,
    pub title: String,
    pub body: String,
    /// The ids besides `pushPacketType` and `appId`, as strings.
    pub data: Vec<(&'static str, String)>,
    /// The conversation (`<chatType>-<chatId>`), for messages.
    pub thread: Option<String>,
    pub badge: Option<i64>,
    /// A call: VoIP / high-priority data, living `ttl_secs`.
    pub call: bool,
    pub ttl_secs: u64,
}

/// How one device token is reached.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route {
    ApnsAlert,
    ApnsVoip,
    Fcm,
}

/// The bundle suffix of a PushKit VoIP token.
pub const VOIP_SUFFIX: &str = ".voip";

fn is_voip(d: &Device) -> bool {
    d.platform == platform::PLATFORM_IOS && d.bundle_id.ends_with(VOIP_SUFFIX)
}

/// The route of each of the recipient's devices for a message (`call` false) or a call.
pub fn routes(devices: &[Device], call: bool) -> Vec<(&Device, Route)> {
    let has_voip = devices.iter().any(is_voip);
    devices
        .iter()
        .filter_map(|d| {
            let route = match d.platform {
                platform::PLATFORM_ANDROID => Route::Fcm,
                platform::PLATFORM_IOS if is_voip(d) => {
                    if !call {
                        return None;
                    }
                    Route::ApnsVoip
                }
                platform::PLATFORM_IOS => {
                    if call && has_voip {
                        return None;
                    }
                    Route::ApnsAlert
                }
                _ => return None,
            };
            Some((d, route))
        })
        .collect()
}

/// Whether the event is a call (VoIP / high priority) rather than a message.
pub fn is_call(what: &What) -> bool {
    !matches!(what, What::Message { .. })
}

/// The longest preview, in characters.
const PREVIEW_CHARS: usize = 180;

/// The preview of a message's content.
pub fn preview(content: &Content) -> String {
    let text = match content {
        Content::Text { msg } => msg.clone(),
        Content::Sticker(_) => "Sticker".to_owned(),
        Content::File(f) => format!("File: {}", f.file_name),
        Content::Location(l) => format!("Location: {}", l.addr),
    };
    let mut cut: String = text.chars().take(PREVIEW_CHARS).collect();
    if cut.len() < text.len() {
        cut.push('…');
    }
    cut
}

/// The notification a recipient of `event` gets, with its badge.
pub fn notification(event: &Event, badge: Option<i64>, hide_content: bool, ring_secs: u64) -> Notification {
    let app_id = event.app_id.to_string();
    match &event.what {
        What::Message { service, from, from_name, group, msg_id, preview } => {
            let (chat_type, chat_id) = match group {
                Some(g) => (chat::CHAT_TYPE_GROUP, *g),
                None => (chat::CHAT_TYPE_USER, *from),
            };
            Notification {
                packet_type: *service,
                app_id,
                title: from_name.clone(),
                body: if hide_content { "New message".to_owned() } else { preview.clone() },
                data: vec![
                    ("chatType", chat_type.to_string()),
                    ("chatId", chat_id.to_string()),
                    ("from", from.to_string()),
                    ("msgId", msg_id.to_string()),
                ],
                thread: Some(format!("{chat_type}-{chat_id}")),
                badge,
                call: false,
                ttl_secs: 0,
            }
        }
        What::FreeCall { service, from, from_name, call_id, media_type, status } => {
            let video = *media_type == 2;
            let body = match status {
                None if video => "Incoming video call",
                None => "Incoming voice call",
                Some(_) => "Missed call",
            };
            let mut data = vec![
                ("callId", call_id.to_string()),
                ("from", from.to_string()),
                ("mediaType", media_type.to_string()),
            ];
            if let Some(status) = status {
                data.push(("status", status.to_string()));
            }
            Notification {
                packet_type: *service,
                app_id,
                title: from_name.clone(),
                body: body.to_owned(),
                data,
                thread: None,
                badge: None,
                call: true,
                ttl_secs: ring_secs,
            }
        }
        What::Callin { call_id, from_number } => Notification {
            packet_type: Service::CALLIN_START_PUSH.as_i64(),
            app_id,
            title: from_number.clone(),
            body: "Incoming call".to_owned(),
            data: vec![("callId", call_id.to_string()), ("from", from_number.clone())],
            thread: None,
            badge: None,
            call: true,
            ttl_secs: ring_secs,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn device(token: &str, platform: i64, bundle: &str) -> Device {
        Device { token: token.into(), platform, bundle_id: bundle.into() }
    }

    #[test]
    fn messages_skip_voip_tokens_and_calls_prefer_them() {
        let devices =
            vec![device("a", 2, "com.x"), device("v", 2, "com.x.voip"), device("f", 1, "com.x"), device("z", 3, "")];
        let message: Vec<_> = routes(&devices, false).into_iter().map(|(d, r)| (d.token.as_str(), r)).collect();
        assert_eq!(message, vec![("a", Route::ApnsAlert), ("f", Route::Fcm)]);
        let call: Vec<_> = routes(&devices, true).into_iter().map(|(d, r)| (d.token.as_str(), r)).collect();
        assert_eq!(call, vec![("v", Route::ApnsVoip), ("f", Route::Fcm)]);
        // No VoIP token: a call falls back to an alert push.
        let call: Vec<_> = routes(&devices[..1], true).into_iter().map(|(_, r)| r).collect();
        assert_eq!(call, vec![Route::ApnsAlert]);
    }

    #[test]
    fn previews_are_cut_and_hidden_on_request() {
        let long = "x".repeat(500);
        assert_eq!(preview(&Content::text(long)).chars().count(), PREVIEW_CHARS + 1);
        let event = Event {
            app_id: "app".into(),
            to: vec![2],
            what: What::Message {
                service: Service::MESSAGE_SERVER_WITH_USER_TYPE_TEXT.as_i64(),
                from: 1,
                from_name: "Ann".into(),
                group: None,
                msg_id: 7,
                preview: "secret".into(),
            },
        };
        let n = notification(&event, Some(3), true, 45);
        assert_eq!((n.title.as_str(), n.body.as_str(), n.thread.as_deref()), ("Ann", "New message", Some("1-1")));
        assert_eq!(notification(&event, Some(3), false, 45).body, "secret");
    }
}
