//! The bodies and headers of a push: an APNs request (alert or VoIP) and an FCM HTTP v1 message (notification or
//! high-priority data), built from a [`Notification`]. Custom keys are strings on both services (FCM `data` allows
//! nothing else), at the top level of the APNs payload beside `aps`.

use serde_json::{Map, Value, json};

use super::decide::Notification;

/// An APNs request without its token and authorization.
#[derive(Clone, Debug, PartialEq)]
pub struct ApnsRequest {
    /// `apns-push-type`: `alert` or `voip`.
    pub push_type: &'static str,
    /// `apns-topic`: the bundle id, `<bundle id>.voip` for VoIP.
    pub topic: String,
    /// `apns-priority`: 10 (deliver now).
    pub priority: u8,
    /// `apns-expiration`: UNIX seconds after which APNs stops trying; 0 = only now.
    pub expiration: u64,
    /// `apns-collapse-id`: the conversation.
    pub collapse_id: Option<String>,
    pub body: Value,
}

/// The custom keys: `pushPacketType`, `appId` and the notification's ids.
fn custom(n: &Notification) -> Map<String, Value> {
    let mut map = Map::new();
    map.insert("pushPacketType".into(), n.packet_type.to_string().into());
    map.insert("appId".into(), n.app_id.clone().into());
    for (key, value) in &n.data {
        map.insert((*key).into(), value.clone().into());
    }
    map
}

/// An APNs request; `voip` for a PushKit token (then `bundle_id` gets the `.voip` suffix).
pub fn apns(n: &Notification, bundle_id: &str, voip: bool, now_secs: u64) -> ApnsRequest {
    let mut body = custom(n);
    let aps = if voip {
        // PushKit hands the whole payload to the app, which reports the call to CallKit at once.
        body.insert("title".into(), n.title.clone().into());
        body.insert("body".into(), n.body.clone().into());
        json!({})
    } else {
        let mut aps = json!({"alert": {"title": n.title, "body": n.body}, "sound": "default"});
        if let Some(badge) = n.badge {
            aps["badge"] = badge.into();
        }
        if let Some(thread) = &n.thread {
            aps["thread-id"] = thread.clone().into();
        }
        aps
    };
    body.insert("aps".into(), aps);
    ApnsRequest {
        push_type: if voip { "voip" } else { "alert" },
        topic: if voip { format!("{bundle_id}{}", super::decide::VOIP_SUFFIX) } else { bundle_id.to_owned() },
        priority: 10,
        // A call is worth ringing only while it rings; a message for a day.
        expiration: now_secs + if n.call { n.ttl_secs } else { 86_400 },
        collapse_id: n.thread.clone(),
        body: Value::Object(body),
    }
}

/// An FCM HTTP v1 send request for `token`: a notification message for chat, a high-priority data-only message for
/// calls (living the ring timeout).
pub fn fcm(n: &Notification, token: &str) -> Value {
    let mut data = custom(n);
    let mut message = json!({"token": token});
    if n.call {
        data.insert("title".into(), n.title.clone().into());
        data.insert("body".into(), n.body.clone().into());
        message["android"] = json!({"priority": "HIGH", "ttl": format!("{}s", n.ttl_secs)});
    } else {
        message["notification"] = json!({"title": n.title, "body": n.body});
        let mut notification = json!({});
        if let Some(thread) = &n.thread {
            message["android"] = json!({"collapse_key": thread});
            notification["tag"] = thread.clone().into();
        }
        if let Some(badge) = n.badge {
            notification["notification_count"] = badge.into();
            data.insert("badge".into(), badge.to_string().into());
        }
        match message.get_mut("android") {
            Some(android) => android["notification"] = notification,
            None => message["android"] = json!({"notification": notification}),
        }
    }
    message["data"] = Value::Object(data);
    json!({"message": message})
}

#[cfg(test)]
mod tests {
    use azstack_protocol::Service;

    use super::*;

    fn note(call: bool) -> Notification {
        Notification {
            packet_type: if call { Service::FREE_CALL_START } else { Service::MESSAGE_SERVER_WITH_USER_TYPE_TEXT }
                .as_i64(),
            app_id: "app".into(),
            title: "Ann".into(),
            body: "hi".into(),
            data: vec![("from", "1".into())],
            thread: (!call).then(|| "1-1".to_owned()),
            badge: (!call).then_some(4),
            call,
            ttl_secs: 45,
        }
    }

    #[test]
    fn apns_alert_and_voip() {
        let alert = apns(&note(false), "com.x", false, 1000);
        assert_eq!(
            (alert.push_type, alert.topic.as_str(), alert.collapse_id.as_deref()),
            ("alert", "com.x", Some("1-1"))
        );
        assert_eq!(alert.body["aps"]["badge"], 4);
        assert_eq!(alert.body["aps"]["thread-id"], "1-1");
        assert_eq!(alert.body["pushPacketType"], "5");
        let voip = apns(&note(true), "com.x", true, 1000);
        assert_eq!((voip.push_type, voip.topic.as_str(), voip.expiration), ("voip", "com.x.voip", 1045));
        assert_eq!(voip.body["pushPacketType"], "186");
    }

    #[test]
    fn fcm_notification_and_data() {
        let chat = fcm(&note(false), "t");
        assert_eq!(chat["message"]["notification"]["title"], "Ann");
        assert_eq!(chat["message"]["android"]["collapse_key"], "1-1");
        assert_eq!(chat["message"]["android"]["notification"]["tag"], "1-1");
        let call = fcm(&note(true), "t");
        assert!(call["message"].get("notification").is_none());
        assert_eq!(call["message"]["android"]["priority"], "HIGH");
        assert_eq!(call["message"]["android"]["ttl"], "45s");
        assert_eq!(call["message"]["data"]["pushPacketType"], "186");
    }
}
