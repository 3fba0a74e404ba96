//! Round trips of every body type against fixtures written from PROTOCOL.md's field tables.
//!
//! Each fixture is the JSON a peer puts on the wire. It is decoded through [`Envelope::decode`] (so as JSON text
//! inside a string, exactly as it travels), re-encoded, and the result must be the *same JSON value* — same keys,
//! same spelling, same number types, nothing added or dropped. It is then wrapped with [`Envelope::new`] under its
//! service number and decoded again.

use std::fmt::Debug;

use azstack_protocol::bodies::auth::*;
use azstack_protocol::bodies::calls::*;
use azstack_protocol::bodies::extensions::*;
use azstack_protocol::bodies::groups::*;
use azstack_protocol::bodies::history::*;
use azstack_protocol::bodies::messages::*;
use azstack_protocol::bodies::users::*;
use azstack_protocol::bodies::{Empty, ErrorReply, IntOrString, JsNumber, ReplyOrPush};
use azstack_protocol::{Envelope, Service};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

/// Decodes `fixture` as the body of `service`, re-encodes it and checks the JSON is unchanged.
fn rt<T: Serialize + DeserializeOwned + PartialEq + Debug>(service: Service, fixture: Value) -> T {
    let env = Envelope { service: i64::from(service.number()), body: fixture.to_string() };
    let decoded: T = match env.decode() {
        Ok(v) => v,
        Err(e) => panic!("{} failed to decode {fixture}: {e}", std::any::type_name::<T>()),
    };
    let back = serde_json::to_value(&decoded).unwrap();
    assert_eq!(back, fixture, "{} did not round-trip", std::any::type_name::<T>());
    let again: T = Envelope::new(service, &decoded).decode().unwrap();
    assert_eq!(again, decoded);
    decoded
}

/// Asserts that `fixture` does not decode as `T`.
fn fails<T: DeserializeOwned + Debug>(fixture: Value) {
    let result = serde_json::from_str::<T>(&fixture.to_string());
    assert!(result.is_err(), "{} unexpectedly decoded {fixture}: {result:?}", std::any::type_name::<T>());
}

// =================================================================================================================
// auth
// =================================================================================================================

#[test]
fn discovery_29() {
    let req: ServerAddrRequest = rt(Service::AUTHENTICATION_GET_SERVER_ADDR, json!({"azStackUserId": "alice"}));
    assert_eq!(req.az_stack_user_id.as_deref(), Some("alice"));
    let empty: ServerAddrRequest = rt(Service::AUTHENTICATION_GET_SERVER_ADDR, json!({}));
    assert_eq!(empty.az_stack_user_id, None);

    let int: ServerAddrReply = rt(Service::AUTHENTICATION_GET_SERVER_ADDR, json!({"ip": "10.0.0.1", "port": 9199}));
    assert_eq!(int.port, IntOrString::Int(9199));
    let string: ServerAddrReply =
        rt(Service::AUTHENTICATION_GET_SERVER_ADDR, json!({"ip": "chat.example.org", "port": "9199"}));
    assert_eq!(string.port, IntOrString::String("9199".into()));
    fails::<ServerAddrReply>(json!({"ip": "10.0.0.1", "port": 9199.5}));
    fails::<ServerAddrReply>(json!({"ip": "10.0.0.1"}));
}

#[test]
fn token_plaintext() {
    let token: TokenPlaintext = serde_json::from_value(json!({
        "sdkVersion": "2.2.4", "namespace": "", "azStackUserID": "alice", "userCredentials": "secret"
    }))
    .unwrap();
    assert_eq!(token.az_stack_user_id, "alice");
    // Written with the capital ID, in the original key order.
    assert_eq!(
        serde_json::to_string(&token).unwrap(),
        r#"{"sdkVersion":"2.2.4","namespace":"","azStackUserID":"alice","userCredentials":"secret"}"#
    );

    // [W] spelling, no sdkVersion/namespace.
    let legacy: TokenPlaintext =
        serde_json::from_value(json!({"azStackUserId": "bob", "userCredentials": "pw"})).unwrap();
    assert_eq!(legacy.az_stack_user_id, "bob");
    assert_eq!(legacy.namespace, "");
    assert_eq!(legacy.sdk_version, "");
    assert_eq!(serde_json::to_value(&legacy).unwrap()["azStackUserID"], json!("bob"));
    assert!(serde_json::to_value(&legacy).unwrap().get("azStackUserId").is_none());

    let bare: TokenPlaintext = serde_json::from_value(json!({"azStackUserID": "carol"})).unwrap();
    assert_eq!(bare.user_credentials, "");
    fails::<TokenPlaintext>(json!({"sdkVersion": "2.2.4"}));
}

#[test]
fn authenticate_179() {
    // [R]/engine: with platform.
    let full: Authenticate = rt(
        Service::AUTHENTICATION_SEND_AUTHENTICATE,
        json!({
            "slaveIp": "10.0.0.1", "slavePort": 9199, "token": "QUJD", "fullname": "Alice", "namespace": "",
            "appId": "0123456789abcdef0123456789abcdef", "platform": 1, "sdkVersion": "azstack-rs/0.1.0",
            "screenSize": "411x731"
        }),
    );
    assert_eq!(full.platform, Some(1));
    // [H]: no platform, string port.
    let h: Authenticate = rt(
        Service::AUTHENTICATION_SEND_AUTHENTICATE,
        json!({
            "slaveIp": "10.0.0.1", "slavePort": "9199", "token": "QUJD", "fullname": "Alice", "namespace": "ns",
            "appId": "app", "sdkVersion": "2.2.4", "screenSize": "0x0"
        }),
    );
    assert_eq!(h.platform, None);
    assert_eq!(h.slave_port, Some(IntOrString::String("9199".into())));
    fails::<Authenticate>(
        json!({"token": "QUJD", "fullname": "A", "appId": "app", "sdkVersion": "2", "platform": "1"}),
    );
}

#[test]
fn authenticate_reply_162() {
    let ok: AuthSuccess = rt(
        Service::AUTHENTICATION_RECEIVE_AUTHENTICATE,
        json!({
            "userId": 7, "username": "alice", "fullname": "Alice",
            "ice_server": [
                {"url": "stun:stun.example.org:3478", "username": "", "password": ""},
                {"url": "turn:turn.example.org:3478", "username": "1700000000:7", "password": "c2VjcmV0"}
            ],
            "resultCode": 0, "r": 1
        }),
    );
    assert_eq!(ok.ice_server.len(), 2);
    rt::<AuthSuccess>(
        Service::AUTHENTICATION_RECEIVE_AUTHENTICATE,
        json!({"userId": 7, "username": "alice", "fullname": "Alice", "ice_server": []}),
    );
    let fail: AuthFailure = rt(
        Service::AUTHENTICATION_RECEIVE_AUTHENTICATE,
        json!({"resultCode": 401, "r": -1, "message": "Authentication failed"}),
    );
    assert_eq!(fail.r, Some(-1));

    // The combined reply follows the engine rule: numeric userId and array ice_server, else failure.
    let either: AuthenticateReply = rt(
        Service::AUTHENTICATION_RECEIVE_AUTHENTICATE,
        json!({"userId": 7, "username": "alice", "fullname": "Alice", "ice_server": [], "resultCode": 0, "r": 1}),
    );
    assert!(matches!(either, AuthenticateReply::Success(_)));
    let either: AuthenticateReply = rt(
        Service::AUTHENTICATION_RECEIVE_AUTHENTICATE,
        json!({"resultCode": 401, "r": -1, "message": "Authentication failed"}),
    );
    assert!(matches!(either, AuthenticateReply::Failure(_)));
    let stringly: AuthenticateReply = serde_json::from_value(json!({"userId": "7", "ice_server": []})).unwrap();
    assert!(matches!(stringly, AuthenticateReply::Failure(_)));
    let no_ice: AuthenticateReply = serde_json::from_value(json!({"userId": 7, "username": "a"})).unwrap();
    assert!(matches!(no_ice, AuthenticateReply::Failure(_)));
    fails::<AuthSuccess>(json!({"userId": "7", "ice_server": []}));

    // `urls` accepted, `url` written.
    let ice: IceServer = serde_json::from_value(json!({"urls": "stun:s", "username": "u", "password": "p"})).unwrap();
    assert_eq!(serde_json::to_value(&ice).unwrap(), json!({"url": "stun:s", "username": "u", "password": "p"}));
}

// =================================================================================================================
// messages
// =================================================================================================================

#[test]
fn user_text_72_73_174() {
    rt::<UserTextSend>(Service::MESSAGE_NEW_WITH_USER_TYPE_TEXT, json!({"msgId": 1516870000, "to": 9, "msg": "hi"}));
    rt::<UserTextAck>(
        Service::MESSAGE_NEW_WITH_USER_TYPE_TEXT,
        json!({"r": 1, "msgId": 1516870000, "from": 9, "to": 9, "time": 1516870000123_i64}),
    );
    // An original server's ack may carry only what the client reads.
    rt::<UserTextAck>(Service::MESSAGE_NEW_WITH_USER_TYPE_TEXT, json!({"r": 0, "msgId": 1516870000, "from": 9}));
    rt::<UserTextIncoming>(
        Service::MESSAGE_HAS_NEW_WITH_USER_TYPE_TEXT,
        json!({"from": 7, "to": 9, "msgId": 1516870000, "msg": "hi", "time": 1516870000123_i64}),
    );
    rt::<UserTextFromMe>(
        Service::MESSAGE_FROM_ME_WITH_USER,
        json!({"to": 9, "msgId": 1516870000, "msg": "hi", "time": 1516870000123_i64}),
    );
    fails::<UserTextSend>(json!({"msgId": "1516870000", "to": 9, "msg": "hi"}));
    fails::<UserTextSend>(json!({"msgId": 1516870000, "to": "9", "msg": "hi"}));
    fails::<UserTextAck>(json!({"r": "1", "msgId": 1, "from": 9}));
}

#[test]
fn user_media_104_121_113() {
    let sticker: UserStickerSend = rt(
        Service::MESSAGE_WITH_USER_TYPE_STICKER,
        json!({"id": 100, "to": 9, "imgName": "smile.png", "catId": 2, "url": "https://cdn.example.org/s/2/smile.png", "width": 120, "height": 120}),
    );
    assert_eq!(sticker.sticker.width, Some(JsNumber(120.0)));
    // width/height are optional and omitted when absent.
    rt::<UserStickerSend>(
        Service::MESSAGE_WITH_USER_TYPE_STICKER,
        json!({"id": 100, "to": 9, "imgName": "smile.png", "catId": 2, "url": "https://cdn.example.org/s/2/smile.png"}),
    );
    rt::<UserStickerIncoming>(
        Service::MESSAGE_WITH_USER_TYPE_STICKER,
        json!({"from": 7, "to": 9, "id": 100, "created": 1516870000123_i64, "imgName": "smile.png", "catId": 2, "url": "https://cdn.example.org/s", "width": 120, "height": 120}),
    );

    let file: UserFileSend = rt(
        Service::MESSAGE_WITH_USER_TYPE_FILE,
        json!({"id": 101, "to": 9, "fileName": "a.mp3", "fileLength": 34567, "type": 2, "url": "https://cdn.example.org/f/a.mp3", "duration": 12.5}),
    );
    assert_eq!(file.file.file_type, 2);
    assert_eq!(file.file.duration, Some(JsNumber(12.5)));
    rt::<UserFileIncoming>(
        Service::MESSAGE_WITH_USER_TYPE_FILE,
        json!({"from": 7, "to": 9, "id": 101, "created": 1516870000123_i64, "fileName": "p.jpg", "fileLength": 1000, "type": 1, "url": "https://cdn.example.org/p.jpg", "width": 640, "height": 480}),
    );

    // Location always carries `type: 4`.
    let loc: UserLocationSend = rt(
        Service::MESSAGE_WITH_USER_TYPE_LOCATION,
        json!({"type": 4, "id": 102, "to": 9, "addr": "Hanoi", "long": 105.8342, "lat": 21.0278}),
    );
    assert_eq!(loc.location.lat, 21.0278);
    rt::<UserLocationIncoming>(
        Service::MESSAGE_WITH_USER_TYPE_LOCATION,
        json!({"type": 4, "from": 7, "to": 9, "id": 102, "created": 1516870000123_i64, "addr": "Hanoi", "long": 105.8342, "lat": 21.0278}),
    );

    // D6 ack vs incoming, by `r`.
    rt::<UserMediaAck>(
        Service::MESSAGE_WITH_USER_TYPE_FILE,
        json!({"r": 1, "id": 101, "to": 9, "created": 1516870000123_i64}),
    );
    let ack: UserStickerIncomingOrAck =
        rt(Service::MESSAGE_WITH_USER_TYPE_STICKER, json!({"r": 1, "id": 100, "to": 9, "created": 1516870000123_i64}));
    assert!(matches!(ack, ReplyOrPush::Reply(_)));
    let push: UserStickerIncomingOrAck = rt(
        Service::MESSAGE_WITH_USER_TYPE_STICKER,
        json!({"from": 7, "to": 9, "id": 100, "created": 1, "imgName": "a", "catId": 2, "url": "https://x.org/a"}),
    );
    assert!(matches!(push, ReplyOrPush::Push(_)));
    let _: UserFileIncomingOrAck = rt(Service::MESSAGE_WITH_USER_TYPE_FILE, json!({"r": 1, "id": 101, "to": 9}));
    let _: UserLocationIncomingOrAck =
        rt(Service::MESSAGE_WITH_USER_TYPE_LOCATION, json!({"r": 1, "id": 102, "to": 9}));

    fails::<UserStickerSend>(json!({"id": 100, "to": 9, "imgName": "a", "catId": "2", "url": "https://x.org/a"}));
    fails::<UserStickerSend>(
        json!({"id": 100, "to": 9, "imgName": "a", "catId": 2, "url": "https://x.org/a", "width": "120"}),
    );
    fails::<UserFileSend>(json!({"id": 101, "to": 9, "fileName": "a", "fileLength": 1, "url": "https://x.org/a"}));
    fails::<UserLocationSend>(json!({"id": 102, "to": 9, "addr": "Hanoi", "long": "105.8", "lat": 21.0}));
}

#[test]
fn user_media_from_me_175() {
    // Sticker echo: no `type` marker (as 104).
    let s: UserMediaFromMe = rt(
        Service::MESSAGE_FROM_ME_WITH_USER_JSON,
        json!({"from": 7, "to": 9, "id": 100, "created": 1516870000123_i64, "imgName": "smile.png", "catId": 2, "url": "https://x.org/s"}),
    );
    assert!(matches!(s.content.0, Content::Sticker(_)));
    let f: UserMediaFromMe = rt(
        Service::MESSAGE_FROM_ME_WITH_USER_JSON,
        json!({"from": 7, "to": 9, "id": 101, "created": 1516870000123_i64, "fileName": "a.pdf", "fileLength": 5, "type": 7, "url": "https://x.org/a.pdf"}),
    );
    assert!(matches!(f.content.0, Content::File(_)));
    let l: UserMediaFromMe = rt(
        Service::MESSAGE_FROM_ME_WITH_USER_JSON,
        json!({"from": 7, "to": 9, "id": 102, "created": 1516870000123_i64, "type": 4, "addr": "Hanoi", "long": 105.8, "lat": 21.0}),
    );
    assert!(matches!(l.content.0, Content::Location(_)));
    fails::<UserMediaFromMe>(json!({"from": 7, "to": 9, "id": 102, "created": 1}));
}

#[test]
fn group_messages_45_146_176() {
    let text: GroupMessageSend =
        rt(Service::MESSAGE_NEW_WITH_GROUP, json!({"msgId": 1, "group": 50, "msg": "hello all"}));
    assert_eq!(text.content, Content::text("hello all"));
    let sticker: GroupMessageSend = rt(
        Service::MESSAGE_NEW_WITH_GROUP,
        json!({"type": 3, "msgId": 2, "group": 50, "imgName": "smile.png", "catId": 2, "url": "https://x.org/s", "width": 120, "height": 120}),
    );
    assert!(matches!(sticker.content, Content::Sticker(_)));
    let file: GroupMessageSend = rt(
        Service::MESSAGE_NEW_WITH_GROUP,
        json!({"msgId": 3, "group": 50, "fileName": "v.mp4", "fileLength": 99999, "type": 3, "url": "https://x.org/v.mp4", "width": 1280, "height": 720, "duration": 61}),
    );
    // A file of file type 3 (video) is a file: presence of `fileName` decides, not `type`.
    match &file.content {
        Content::File(f) => assert_eq!(f.file_type, 3),
        other => panic!("expected a file, got {other:?}"),
    }
    let loc: GroupMessageSend = rt(
        Service::MESSAGE_NEW_WITH_GROUP,
        json!({"type": 4, "msgId": 4, "group": 50, "addr": "Hanoi", "long": 105.8342, "lat": 21.0278}),
    );
    assert_eq!(loc.content.message_type(), 11);

    rt::<GroupMessageAck>(
        Service::MESSAGE_NEW_WITH_GROUP,
        json!({"r": 1, "group": 50, "msgId": 1, "created": 1516870000123_i64}),
    );
    rt::<GroupMessageAck>(Service::MESSAGE_NEW_WITH_GROUP, json!({"r": 0, "group": 50, "msgId": 1}));

    for content in [
        json!({"msg": "hello all"}),
        json!({"type": 3, "imgName": "smile.png", "catId": 2, "url": "https://x.org/s"}),
        json!({"fileName": "a.zip", "fileLength": 12, "type": 10, "url": "https://x.org/a.zip"}),
        json!({"type": 4, "addr": "Hanoi", "long": 105.8, "lat": 21.0}),
    ] {
        let mut incoming = json!({"from": 7, "group": 50, "msgId": 5, "created": 1516870000123_i64});
        let mut from_me = incoming.clone();
        for (k, v) in content.as_object().unwrap() {
            incoming[k] = v.clone();
            from_me[k] = v.clone();
        }
        rt::<GroupMessageIncoming>(Service::MESSAGE_HAS_NEW_WITH_GROUP, incoming);
        rt::<GroupMessageFromMe>(Service::MESSAGE_FROM_ME_WITH_GROUP, from_me);
    }
}

#[test]
fn content_rules() {
    // Presence order msg → imgName → fileName → addr.
    let both: Content = serde_json::from_value(json!({"msg": "x", "imgName": "y", "catId": 1, "url": "u"})).unwrap();
    assert_eq!(both, Content::text("x"));
    let s_and_f: Content = serde_json::from_value(
        json!({"imgName": "y", "catId": 1, "url": "u", "fileName": "f", "fileLength": 1, "type": 1}),
    )
    .unwrap();
    assert!(matches!(s_and_f, Content::Sticker(_)));

    // The group marker is written by the encoder, whatever came in.
    let s = GroupMessageSend {
        msg_id: 2,
        group: 50,
        content: Content::Sticker(StickerContent {
            img_name: "a".into(),
            cat_id: 2,
            url: "u".into(),
            width: None,
            height: None,
        }),
    };
    assert_eq!(
        serde_json::to_value(&s).unwrap(),
        json!({"type": 3, "msgId": 2, "group": 50, "imgName": "a", "catId": 2, "url": "u"})
    );
    let no_marker: GroupMessageSend =
        serde_json::from_value(json!({"msgId": 2, "group": 50, "imgName": "a", "catId": 2, "url": "u"})).unwrap();
    assert_eq!(no_marker, s);
    let wrong_marker: GroupMessageSend =
        serde_json::from_value(json!({"type": 4, "msgId": 2, "group": 50, "imgName": "a", "catId": 2, "url": "u"}))
            .unwrap();
    assert_eq!(wrong_marker, s);

    // A location is always `type: 4`; a text never has a `type`.
    let l = GroupMessageSend {
        msg_id: 4,
        group: 50,
        content: Content::Location(LocationContent { addr: "a".into(), long: 1.5, lat: 2.5 }),
    };
    assert_eq!(
        serde_json::to_value(&l).unwrap(),
        json!({"type": 4, "msgId": 4, "group": 50, "addr": "a", "long": 1.5, "lat": 2.5})
    );
    let t: GroupMessageSend = serde_json::from_value(json!({"msgId": 1, "group": 50, "msg": "x", "type": 3})).unwrap();
    assert_eq!(serde_json::to_value(&t).unwrap(), json!({"msgId": 1, "group": 50, "msg": "x"}));

    // Nothing recognisable, or a kind missing a required field: error.
    fails::<GroupMessageSend>(json!({"msgId": 1, "group": 50}));
    fails::<GroupMessageSend>(json!({"msgId": 1, "group": 50, "type": 3, "url": "u"}));
    fails::<GroupMessageSend>(json!({"msgId": 1, "group": 50, "imgName": "a", "url": "u"}));
    fails::<GroupMessageSend>(json!({"msgId": 1, "group": 50, "fileName": "a", "fileLength": 1, "url": "u"}));
    fails::<GroupMessageSend>(json!({"msgId": 1, "group": 50, "addr": "a", "long": 1.0}));
    fails::<GroupMessageSend>(json!({"msgId": "1", "group": 50, "msg": "x"}));
    fails::<GroupMessageIncoming>(json!({"from": 7, "group": 50, "msgId": 5, "created": "1", "msg": "x"}));
    fails::<GroupMessageSend>(
        json!({"msgId": 1, "group": 50, "fileName": "a", "fileLength": "1", "type": 1, "url": "u"}),
    );

    // JsNumber keeps integers integral and fractions fractional; strings fail.
    assert_eq!(serde_json::to_string(&JsNumber(300.0)).unwrap(), "300");
    assert_eq!(serde_json::to_string(&JsNumber(12.5)).unwrap(), "12.5");
    assert!(serde_json::from_str::<JsNumber>("\"12\"").is_err());
}

#[test]
fn delivered_167_74() {
    rt::<UserDeliveredReport>(Service::MESSAGE_STATUS_CHANGE_DELIVERED_WITH_USER, json!({"to": 7, "msgId": 1}));
    rt::<UserDeliveredPush>(
        Service::MESSAGE_STATUS_CHANGE_DELIVERED_WITH_USER,
        json!({"from": 9, "to": 7, "msgId": 1, "time": 1516870000123_i64}),
    );
    rt::<UserDeliveredPush>(Service::MESSAGE_STATUS_CHANGE_DELIVERED_WITH_USER, json!({"from": 9, "msgId": 1}));
    rt::<GroupDeliveredReport>(
        Service::MESSAGE_STATUS_CHANGE_DELIVERED_WITH_GROUP,
        json!({"group": 50, "msgId": 1, "msgSender": 7}),
    );
    rt::<GroupDeliveredPush>(
        Service::MESSAGE_STATUS_CHANGE_DELIVERED_WITH_GROUP,
        json!({"from": 9, "group": 50, "msgId": 1, "modified": 1516870000123_i64}),
    );
    fails::<UserDeliveredReport>(json!({"to": 7, "msgId": "1"}));
}

#[test]
fn seen_153() {
    rt::<SeenReport>(Service::MESSAGE_STATUS_CHANGE_SEEN, json!({"type": 1, "chatId": 7, "senderId": 7, "msgId": 1}));
    rt::<SeenReply>(
        Service::MESSAGE_STATUS_CHANGE_SEEN,
        json!({"r": 1, "type": 1, "chatId": 7, "senderId": 7, "msgId": 1}),
    );
    rt::<SeenReply>(Service::MESSAGE_STATUS_CHANGE_SEEN, json!({"r": 0, "type": 2, "msgId": 1}));
    rt::<SeenPush>(
        Service::MESSAGE_STATUS_CHANGE_SEEN,
        json!({"type": 2, "from": 9, "chatId": 50, "senderId": 7, "msgId": 1}),
    );

    // `r` present ⇒ reply, absent ⇒ push.
    let reply: SeenIncoming =
        rt(Service::MESSAGE_STATUS_CHANGE_SEEN, json!({"r": 1, "type": 1, "chatId": 7, "senderId": 7, "msgId": 1}));
    assert!(matches!(reply, ReplyOrPush::Reply(SeenReply { r: 1, .. })));
    let push: SeenIncoming =
        rt(Service::MESSAGE_STATUS_CHANGE_SEEN, json!({"type": 1, "from": 9, "chatId": 9, "senderId": 7, "msgId": 1}));
    assert!(matches!(push, ReplyOrPush::Push(SeenPush { from: 9, .. })));
    // A failed reply is still a reply.
    let failed: SeenIncoming = serde_json::from_value(json!({"r": 5, "type": 1, "msgId": 1})).unwrap();
    assert!(matches!(failed, ReplyOrPush::Reply(SeenReply { r: 5, .. })));
    fails::<SeenIncoming>(json!({"r": "1", "type": 1, "msgId": 1}));
    fails::<SeenIncoming>(json!([1, 2]));
    // `type` is required on the push (routing uses it).
    fails::<SeenPush>(json!({"from": 9, "chatId": 50, "senderId": 7, "msgId": 1}));
}

#[test]
fn cancel_127_151() {
    rt::<UserCancelRequest>(
        Service::MESSAGE_STATUS_CHANGE_CANCELLED_WITH_USER,
        json!({"type": 1, "chatId": 9, "to": 9, "id": 102}),
    );
    rt::<UserCancelReply>(Service::MESSAGE_STATUS_CHANGE_CANCELLED_WITH_USER, json!({"r": 1, "id": 102, "to": 9}));
    rt::<UserCancelPush>(Service::MESSAGE_STATUS_CHANGE_CANCELLED_WITH_USER, json!({"from": 7, "to": 9, "id": 102}));
    let reply: UserCancelIncoming = rt(Service::MESSAGE_STATUS_CHANGE_CANCELLED_WITH_USER, json!({"r": 0, "id": 102}));
    assert!(matches!(reply, ReplyOrPush::Reply(_)));
    let push: UserCancelIncoming =
        rt(Service::MESSAGE_STATUS_CHANGE_CANCELLED_WITH_USER, json!({"from": 7, "to": 9, "id": 102}));
    assert!(matches!(push, ReplyOrPush::Push(_)));

    rt::<GroupCancelRequest>(
        Service::MESSAGE_STATUS_CHANGE_CANCELLED_WITH_GROUP,
        json!({"type": 2, "chatId": 50, "group": 50, "msgId": 5}),
    );
    rt::<GroupCancelReply>(
        Service::MESSAGE_STATUS_CHANGE_CANCELLED_WITH_GROUP,
        json!({"r": 1, "group": 50, "msgId": 5}),
    );
    rt::<GroupCancelPush>(
        Service::MESSAGE_STATUS_CHANGE_CANCELLED_WITH_GROUP,
        json!({"from": 7, "group": 50, "msgId": 5}),
    );
    let reply: GroupCancelIncoming =
        rt(Service::MESSAGE_STATUS_CHANGE_CANCELLED_WITH_GROUP, json!({"r": 1, "group": 50, "msgId": 5}));
    assert!(matches!(reply, ReplyOrPush::Reply(_)));
    let push: GroupCancelIncoming =
        rt(Service::MESSAGE_STATUS_CHANGE_CANCELLED_WITH_GROUP, json!({"from": 7, "group": 50, "msgId": 5}));
    assert!(matches!(push, ReplyOrPush::Push(_)));
}

#[test]
fn delete_message_168_and_typing() {
    rt::<DeleteMessageRequest>(Service::MESSAGE_DELETE, json!({"type": 1, "chatId": 9, "senderId": 7, "msgId": 1}));
    rt::<DeleteMessageReply>(
        Service::MESSAGE_DELETE,
        json!({"r": 0, "type": 1, "chatId": 9, "senderId": 7, "msgId": 1}),
    );
    rt::<DeleteMessageReply>(Service::MESSAGE_DELETE, json!({"r": 0}));

    rt::<UserTypingSend>(Service::MESSAGE_TYPING_WITH_USER, json!({"to": 9}));
    rt::<UserTypingPush>(Service::MESSAGE_TYPING_WITH_USER, json!({"from": 7}));
    rt::<GroupTypingSend>(Service::MESSAGE_TYPING_WITH_GROUP, json!({"group": 50}));
    rt::<GroupTypingPush>(Service::MESSAGE_TYPING_WITH_GROUP, json!({"from": 7, "group": 50}));
    fails::<GroupTypingSend>(json!({"group": "50"}));
}

// =================================================================================================================
// history
// =================================================================================================================

#[test]
fn conversations_170_171() {
    rt::<ConversationsRequest>(
        Service::CONVERSATION_GET_LIST_MODIFIED,
        json!({"page": 1, "lastCreated": 1516870000123_i64}),
    );
    let reply: ConversationsReply = rt(
        Service::CONVERSATION_GET_LIST_MODIFIED,
        json!({"done": 0, "page": 1, "list": [
            {"type": 1, "chatId": 9, "modified": 1516870000123_i64, "unread": 2,
             "lastMsg": {"serviceType": 5, "sender": 9, "msgId": 1, "status": 1, "created": 1516870000123_i64, "msg": "hi"}},
            {"type": 1, "chatId": 9, "modified": 1, "unread": 0,
             "lastMsg": {"serviceType": 121, "sender": 7, "msgId": 2, "status": 3, "created": 1, "msgType": 1}},
            {"type": 2, "chatId": 50, "modified": 1, "unread": 0,
             "lastMsg": {"serviceType": 146, "sender": 7, "msgId": 3, "status": 1, "created": 1, "msgType": 3, "kind": 3}},
            {"type": 2, "chatId": 50, "modified": 1, "unread": 0,
             "lastMsg": {"serviceType": 143, "sender": 7, "msgId": 4, "status": 1, "created": 1, "admin": 7, "name": "Team"}},
            {"type": 2, "chatId": 50, "modified": 1, "unread": 0,
             "lastMsg": {"serviceType": 144, "sender": 7, "msgId": 5, "status": 1, "created": 1, "invitedMembers": [10, 11]}},
            {"type": 2, "chatId": 50, "modified": 1, "unread": 0,
             "lastMsg": {"serviceType": 145, "sender": 7, "msgId": 6, "status": 1, "created": 1, "leaveUser": 7, "newAdmin": 9}},
            {"type": 2, "chatId": 50, "modified": 1, "unread": 0,
             "lastMsg": {"serviceType": 152, "sender": 7, "msgId": 7, "status": 1, "created": 1, "newGroupName": "New"}},
            {"type": 2, "chatId": 50, "modified": 1, "unread": 0,
             "lastMsg": {"serviceType": 160, "sender": 7, "msgId": 8, "status": 1, "created": 1, "newAdmin": 9}},
            {"type": 2, "chatId": 50, "modified": 1, "unread": 0,
             "lastMsg": {"serviceType": 197, "sender": 12, "msgId": 9, "status": 1, "created": 1}}
        ]}),
    );
    assert_eq!(reply.list.len(), 9);
    rt::<ConversationsReply>(Service::CONVERSATION_GET_LIST_MODIFIED, json!({"done": 1, "page": 2, "list": []}));
    // The original fails without `lastMsg`; so do we.
    fails::<ConversationsReply>(
        json!({"done": 1, "page": 1, "list": [{"type": 1, "chatId": 9, "modified": 1, "unread": 0}]}),
    );

    rt::<DeleteConversationRequest>(
        Service::CONVERSATION_DELETE,
        json!({"chatId": 9, "type": 1, "lastTimeCreated": 1516870000123_i64}),
    );
    rt::<DeleteConversationReply>(Service::CONVERSATION_DELETE, json!({"r": 0, "type": 1, "chatId": 9}));
}

#[test]
fn message_lists_173_169() {
    rt::<UnreadMessagesRequest>(Service::MESSAGE_GET_LIST_UNREAD, json!({"page": 1, "type": 1, "chatId": 9}));
    rt::<ModifiedMessagesRequest>(
        Service::MESSAGE_GET_LIST_MODIFIED,
        json!({"page": 1, "lastCreated": 1516870000123_i64, "type": 2, "chatId": 50}),
    );
    let common =
        json!({"senderId": 7, "receiverId": 50, "msgId": 1, "status": 1, "deleted": 0, "created": 1, "modified": 2});
    let items = [
        json!({"serviceType": 5, "msg": "hi"}),
        json!({"serviceType": 104, "imgName": "a.png", "catId": 2, "url": "https://x.org/a", "width": 10, "height": 10}),
        json!({"serviceType": 121, "fileName": "a.pdf", "fileLength": 5, "type": 7, "url": "https://x.org/a.pdf", "duration": 1.5}),
        json!({"serviceType": 113, "addr": "Hanoi", "long": 105.8, "lat": 21.0}),
        json!({"serviceType": 146, "msg": "group hi"}),
        json!({"serviceType": 143, "typeGroup": 0, "group": 50, "admin": 7, "name": "Team", "members": [7, 9]}),
        json!({"serviceType": 144, "group": 50, "invited": [10, 11]}),
        json!({"serviceType": 145, "group": 50, "leaveUser": 7, "newAdmin": 9}),
        json!({"serviceType": 152, "group": 50, "name": "New"}),
        json!({"serviceType": 160, "group": 50, "newAdmin": 9}),
        json!({"serviceType": 197, "group": 50, "from": 12}),
        json!({"serviceType": 999}),
    ];
    let list: Vec<Value> = items
        .iter()
        .map(|extra| {
            let mut item = common.clone();
            for (k, v) in extra.as_object().unwrap() {
                item[k] = v.clone();
            }
            item
        })
        .collect();
    let reply: MessageListReply =
        rt(Service::MESSAGE_GET_LIST_MODIFIED, json!({"type": 2, "chatId": 50, "done": 1, "page": 1, "list": list}));
    assert_eq!(reply.list[0].content(), Some(Content::text("hi")));
    assert!(matches!(reply.list[1].content(), Some(Content::Sticker(_))));
    assert!(matches!(reply.list[2].content(), Some(Content::File(_))));
    assert!(matches!(reply.list[3].content(), Some(Content::Location(_))));
    assert_eq!(reply.list[5].type_group, Some(0));
    assert_eq!(reply.list[5].content(), None);
    assert_eq!(reply.list[11].content(), None);
    let _: UnreadMessagesReply =
        rt(Service::MESSAGE_GET_LIST_UNREAD, json!({"type": 1, "chatId": 9, "done": 1, "page": 1, "list": []}));
    fails::<MessageListReply>(json!({"type": 1, "chatId": 9, "done": "1", "page": 1, "list": []}));
}

#[test]
fn files_191() {
    rt::<ModifiedFilesRequest>(Service::MESSAGE_GET_LIST_MODIFIED_FILES, json!({"lastCreated": 1516870000123_i64}));
    rt::<ModifiedFilesRequest>(
        Service::MESSAGE_GET_LIST_MODIFIED_FILES,
        json!({"lastCreated": 1516870000123_i64, "type": 2, "chatId": 50}),
    );
    let reply: ModifiedFilesReply = rt(
        Service::MESSAGE_GET_LIST_MODIFIED_FILES,
        json!({"done": 0, "list": [
            {"chatType": 1, "senderId": 7, "receiverId": 9, "msgId": 1, "status": 2, "deleted": 0, "created": 1, "modified": 2,
             "fileName": "a.pdf", "fileLength": 5, "type": 7, "url": "https://x.org/a.pdf"},
            {"chatType": 2, "group": 50, "senderId": 7, "receiverId": 50, "msgId": 2, "status": 1, "deleted": 0, "created": 1, "modified": 2,
             "fileName": "v.mp4", "fileLength": 5, "type": 3, "url": "https://x.org/v.mp4", "width": 1280, "height": 720, "duration": 30}
        ]}),
    );
    assert_eq!(reply.list[1].group, Some(50));
    assert_eq!(reply.list[1].file.duration.and_then(JsNumber::as_i64), Some(30));
}

// =================================================================================================================
// users
// =================================================================================================================

#[test]
fn users_164_165() {
    rt::<UsersByIdsRequest>(Service::USER_GET_INFO_BY_IDS, json!({"purpose": 4242, "userIdList": [7, 9]}));
    rt::<UsersByUsernamesRequest>(
        Service::USER_GET_INFO_BY_USERNAMES,
        json!({"purpose": 4242, "usernameList": ["alice", "bob"]}),
    );
    rt::<UsersInfoReply>(
        Service::USER_GET_INFO_BY_IDS,
        json!({"r": 1, "purpose": 4242, "done": 1, "userInfoList": [
            {"userId": 7, "username": "alice", "fullname": "Alice", "status": 1, "lastVisitDate": 1516870000},
            {"userId": 9, "username": "bob", "fullname": "Bob", "status": 0, "lastVisitDate": 1516860000}
        ]}),
    );
    fails::<UsersByIdsRequest>(json!({"purpose": 4242, "userIdList": [7, "9"]}));
    fails::<UsersInfoReply>(json!({"r": 1, "purpose": "4242", "done": 1, "userInfoList": []}));
}

// =================================================================================================================
// groups
// =================================================================================================================

#[test]
fn group_actions_and_pushes() {
    rt::<CreateGroupRequest>(Service::GROUP_CREATE, json!({"msgId": 1, "type": 0, "name": "Team", "members": [9, 10]}));
    rt::<CreateGroupReply>(
        Service::GROUP_CREATE,
        json!({"r": 1, "type": 0, "group": 50, "msgId": 1, "admin": 7, "name": "Team", "members": [7, 9, 10], "created": 1516870000123_i64}),
    );
    rt::<GroupCreatedPush>(
        Service::ON_GROUP_CREATED,
        json!({"group": 50, "admin": 7, "msgId": 1, "created": 1, "type": 0, "name": "Team", "members": [7, 9, 10]}),
    );

    rt::<InviteGroupRequest>(Service::GROUP_INVITE, json!({"msgId": 2, "group": 50, "members": [11, 12]}));
    rt::<InviteGroupReply>(
        Service::GROUP_INVITE,
        json!({"r": 0, "group": 50, "msgId": 2, "inviteResult": [{"user": 11, "r": 0}, {"user": 12, "r": 1}], "created": 1}),
    );
    rt::<GroupInvitedPush>(
        Service::ON_GROUP_INVITED,
        json!({"group": 50, "from": 7, "msgId": 2, "created": 1, "invited": [11]}),
    );

    rt::<LeaveGroupRequest>(Service::GROUP_LEAVE, json!({"msgId": 3, "group": 50, "leaveUser": 7, "newAdmin": 9}));
    rt::<LeaveGroupRequest>(Service::GROUP_LEAVE, json!({"msgId": 3, "group": 50, "leaveUser": 11}));
    rt::<LeaveGroupReply>(
        Service::GROUP_LEAVE,
        json!({"r": 0, "group": 50, "msgId": 3, "leaveUserId": 7, "created": 1}),
    );
    rt::<GroupLeftPush>(
        Service::ON_GROUP_LEFT,
        json!({"group": 50, "from": 7, "msgId": 3, "created": 1, "leaveUser": 7, "newAdmin": 9}),
    );
    rt::<GroupLeftPush>(
        Service::ON_GROUP_LEFT,
        json!({"group": 50, "from": 7, "msgId": 3, "created": 1, "leaveUser": 11}),
    );
    fails::<LeaveGroupReply>(json!({"r": 0, "group": 50, "msgId": 3, "leaveUser": 7, "created": 1}));

    rt::<RenameGroupRequest>(Service::GROUP_RENAME, json!({"msgId": 4, "group": 50, "name": "New"}));
    rt::<RenameGroupReply>(
        Service::GROUP_RENAME,
        json!({"r": 0, "group": 50, "msgId": 4, "newName": "New", "created": 1}),
    );
    rt::<GroupRenamedPush>(
        Service::ON_GROUP_RENAMED,
        json!({"group": 50, "from": 7, "msgId": 4, "created": 1, "name": "New"}),
    );

    rt::<ChangeAdminRequest>(Service::GROUP_CHANGE_ADMIN, json!({"msgId": 5, "group": 50, "newAdmin": 9, "from": 7}));
    rt::<ChangeAdminReply>(
        Service::GROUP_CHANGE_ADMIN,
        json!({"r": 0, "group": 50, "msgId": 5, "newAdmin": 9, "created": 1}),
    );
    rt::<GroupAdminChangedPush>(
        Service::ON_GROUP_ADMIN_CHANGED,
        json!({"group": 50, "from": 7, "msgId": 5, "created": 1, "newAdmin": 9}),
    );

    rt::<JoinPublicGroupRequest>(Service::GROUP_JOIN_PUBLIC, json!({"msgId": 6, "group": 51}));
    rt::<JoinPublicGroupReply>(Service::GROUP_JOIN_PUBLIC, json!({"r": 0, "group": 51, "msgId": 6, "created": 1}));
    rt::<GroupPublicJoinedPush>(Service::GROUP_JOIN_PUBLIC, json!({"from": 12, "group": 51, "msgId": 6, "created": 1}));
    let reply: JoinPublicGroupIncoming =
        rt(Service::GROUP_JOIN_PUBLIC, json!({"r": 0, "group": 51, "msgId": 6, "created": 1}));
    assert!(matches!(reply, ReplyOrPush::Reply(_)));
    let push: JoinPublicGroupIncoming =
        rt(Service::GROUP_JOIN_PUBLIC, json!({"from": 12, "group": 51, "msgId": 6, "created": 1}));
    assert!(matches!(push, ReplyOrPush::Push(_)));
}

#[test]
fn group_queries_147_148_198() {
    rt::<PrivateGroupsRequest>(Service::GROUP_GET_LIST_PRIVATE, json!({}));
    // 147 is a bare array.
    let list: PrivateGroupsReply = rt(
        Service::GROUP_GET_LIST_PRIVATE,
        json!([
            {"groupId": 50, "name": "Team", "admin": 7, "members": [7, 9, 10]},
            {"groupId": 52, "name": "Pair", "admin": 9, "members": [7, 9]}
        ]),
    );
    assert_eq!(list.0.len(), 2);
    rt::<PrivateGroupsReply>(Service::GROUP_GET_LIST_PRIVATE, json!([]));
    assert_eq!(Envelope::new(Service::GROUP_GET_LIST_PRIVATE, &PrivateGroupsReply(vec![])).body, "[]");
    fails::<PrivateGroupsReply>(json!({"list": []}));

    rt::<GroupDetailsRequest>(Service::GROUP_GET_DETAILS, json!({"group": 50, "requestId": 31337}));
    rt::<GroupDetailsRequest>(Service::GROUP_GET_DETAILS, json!({"group": 50}));
    rt::<GroupDetailsReply>(
        Service::GROUP_GET_DETAILS,
        json!({"r": 0, "requestId": 31337, "type": 0, "group": 50, "name": "Team", "admin": 7, "members": [
            {"userId": 7, "username": "alice", "fullname": "Alice", "online": 1, "lastVisitDate": 1516870000},
            {"userId": 9, "username": "bob", "fullname": "Bob", "online": 0, "lastVisitDate": 1516860000}
        ]}),
    );

    rt::<PublicGroupsRequest>(Service::GROUP_GET_LIST_PUBLIC, json!({}));
    rt::<PublicGroupsReply>(
        Service::GROUP_GET_LIST_PUBLIC,
        json!({"done": 1, "list": [{"groupId": 51, "name": "Lobby", "admin": 7, "count": 120, "inGroup": 0, "autoJoin": 1}]}),
    );
}

// =================================================================================================================
// calls
// =================================================================================================================

#[test]
fn free_calls_186_187_188_199() {
    let offer = json!({"type": "offer", "sdp": "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n"});
    rt::<FreeCallStart>(Service::FREE_CALL_START, json!({"callId": 1516870000, "mediaType": 2, "to": 9, "sdp": offer}));
    let delivered: FreeCallStartFromPeer =
        rt(Service::FREE_CALL_START, json!({"callId": 1516870000, "mediaType": 2, "to": 9, "sdp": offer, "from": 7}));
    assert_eq!(delivered.from, 7);
    assert_eq!(delivered.body.media_type, 2);
    fails::<FreeCallStartFromPeer>(json!({"callId": 1516870000, "mediaType": 2, "to": 9, "sdp": offer}));

    let answer: FreeCallData = rt(
        Service::FREE_CALL_DATA,
        json!({"callId": 1516870000, "to": 7, "type": 1, "data": {"type": "answer", "sdp": "v=0\r\n"}}),
    );
    assert!(matches!(answer.data, CallData::Description(_)));
    let cand: FreeCallData = rt(
        Service::FREE_CALL_DATA,
        json!({"callId": 1516870000, "to": 7, "type": 2, "data": {"sdpMid": "0", "sdpMLineIndex": 0, "sdp": "candidate:1 1 udp 2122260223 192.0.2.1 54400 typ host"}}),
    );
    assert!(matches!(cand.data, CallData::Candidate(_)));
    rt::<FreeCallDataFromPeer>(
        Service::FREE_CALL_DATA,
        json!({"callId": 1516870000, "to": 7, "type": 2, "from": 9, "data": {"sdpMid": "0", "sdpMLineIndex": 0, "sdp": "candidate:x"}}),
    );
    fails::<FreeCallData>(
        json!({"callId": 1, "to": 7, "type": 2, "data": {"sdpMid": "0", "sdpMLineIndex": "0", "sdp": "c"}}),
    );

    rt::<FreeCallStatus>(Service::FREE_CALL_STATUS_CHANGED, json!({"callId": 1516870000, "to": 7, "status": 180}));
    rt::<FreeCallStatusFromPeer>(
        Service::FREE_CALL_STATUS_CHANGED,
        json!({"callId": 1516870000, "status": 200, "from": 9}),
    );
    rt::<FreeCallStatusFromPeer>(
        Service::FREE_CALL_STATUS_CHANGED,
        json!({"callId": 1516870000, "status": 700, "from": 9, "to": 7}),
    );
    rt::<FreeCallStatusByMe>(Service::FREE_CALL_STATUS_CHANGED_BY_ME, json!({"callId": 1516870000, "status": 603}));
    fails::<FreeCallStatus>(json!({"callId": 1516870000, "to": 7, "status": "180"}));
}

#[test]
fn callout_500_to_504_and_610() {
    rt::<CalloutStart>(
        Service::CALLOUT_START_SEND,
        json!({"callId": 1, "to": "+84912345678", "from": "84241234567", "tags": "crm-42"}),
    );
    rt::<CalloutStart>(Service::CALLOUT_START_SEND, json!({"callId": 1, "to": "0912345678"}));
    rt::<CalloutInitial>(Service::CALLOUT_START_INITIAL, json!({"callId": 1, "status": 100, "chargingError": 0}));
    rt::<CalloutInitial>(Service::CALLOUT_START_INITIAL, json!({"callId": 1, "status": 402, "chargingError": -4}));
    rt::<CalloutInitial>(Service::CALLOUT_START_INITIAL, json!({"callId": 1, "status": 100}));
    rt::<CalloutStartDone>(Service::CALLOUT_START_DONE, json!({"callId": 1}));
    rt::<CalloutData>(
        Service::CALLOUT_DATA_SEND,
        json!({"callId": 1, "to": "0912345678", "sdp_candidate": "v=0\r\na=candidate:1 1 udp 1 192.0.2.1 5000 typ host\r\n"}),
    );
    rt::<CalloutStop>(Service::CALLOUT_STOP_SEND, json!({"callId": 1, "to": "0912345678"}));
    rt::<CalloutStatus>(Service::CALLOUT_DATA_STATUS_CHANGED, json!({"callId": 1, "code": 183}));
    rt::<CalloutStatus>(
        Service::CALLOUT_DATA_STATUS_CHANGED,
        json!({"callId": 1, "code": 200, "sdp_candidate": "v=0\r\n"}),
    );
    fails::<CalloutStart>(json!({"callId": 1, "to": 912345678}));
}

#[test]
fn callin_505_506_508() {
    let int: CallinStart = rt(
        Service::CALLIN_START,
        json!({"callId": 77, "callType": 1, "from": "0912345678", "to": "19001234", "sdp_candidate": "v=0\r\n"}),
    );
    assert_eq!(int.call_type, IntOrString::Int(1));
    let string: CallinStart = rt(
        Service::CALLIN_START,
        json!({"callId": 77, "callType": "hotline", "from": "0912345678", "to": "19001234", "sdp_candidate": "v=0\r\n"}),
    );
    assert_eq!(string.call_type, IntOrString::String("hotline".into()));

    let base = json!({"callId": 77, "callType": 1, "destination": "0912345678", "phonenumber": "19001234"});
    let with = |extra: Value| {
        let mut v = base.clone();
        for (k, x) in extra.as_object().unwrap() {
            v[k] = x.clone();
        }
        v
    };
    // tags: string, null and absent all survive.
    let s: CallinStatus =
        rt(Service::CALLIN_STATUS_CHANGED, with(json!({"tags": "vip", "code": 200, "sdp_candidate": "v=0\r\n"})));
    assert_eq!(s.tags, Some(Some("vip".into())));
    let n: CallinStatus = rt(Service::CALLIN_STATUS_CHANGED, with(json!({"tags": null, "code": 700})));
    assert_eq!(n.tags, Some(None));
    let a: CallinStatus = rt(Service::CALLIN_STATUS_CHANGED, with(json!({"code": 183})));
    assert_eq!(a.tags, None);
    fails::<CallinStatus>(with(json!({"tags": 5, "code": 700})));
    fails::<CallinStatus>(with(json!({"code": "700"})));

    rt::<CallinStatusPush>(Service::CALLIN_STATUS_CHANGED, json!({"callId": 77, "code": 702}));
    rt::<CallinStatusByMe>(Service::CALLIN_STATUS_CHANGED_BY_ME, json!({"callId": 77, "code": 200}));
}

#[test]
fn paid_call_logs_509_601() {
    rt::<PaidCallLogsRequest>(Service::PAID_CALL_LOGS_GET, json!({}));
    rt::<PaidCallLogsReply>(
        Service::PAID_CALL_LOGS_GET,
        json!({"r": 1, "data": [
            {"callId": 1, "from": "84241234567", "to": "0912345678", "tags": "crm-42", "duration": 65,
             "recordTime": 1516870000123_i64, "url": "https://rec.example.org/1.mp3", "userId": 7, "callType": 1, "status": 0},
            {"callId": 77, "from": "0912345678", "to": "19001234", "tags": null, "duration": 0,
             "recordTime": 1516870000999_i64, "userId": 7, "callType": 2, "status": 2}
        ]}),
    );
    rt::<PaidCallLogPush>(
        Service::PAID_CALL_LOG_RETURN,
        json!({"data": {"callId": 1, "from": "84241234567", "to": "0912345678", "duration": 65,
            "recordTime": 1516870000123_i64, "urlRecord": "https://rec.example.org/1.mp3", "azUserId": 7, "callType": 1, "status": 0}}),
    );
    fails::<PaidCallLogPush>(
        json!({"data": {"callId": 1, "from": "a", "to": "b", "duration": 65, "recordTime": 1, "url": "u", "userId": 7, "callType": 1, "status": 0}}),
    );
}

// =================================================================================================================
// extensions and shared shapes
// =================================================================================================================

#[test]
fn extensions() {
    rt::<ApplicationStateRequest>(Service::APPLICATION_CHANGE_STATE, json!({"state": 1}));
    rt::<ApplicationStateReply>(Service::APPLICATION_CHANGE_STATE, json!({}));
    let _: ApplicationStateReply = serde_json::from_value(json!({"anything": 1})).unwrap();
    let _: ApplicationStateReply = Envelope { service: 105, body: String::new() }.decode().unwrap();

    rt::<RegisterDeviceRequest>(
        Service::PUSH_NOTIFICATION_REGISTER_DEVICE_SEND,
        json!({"id": "fcm-token", "type": 1, "appBundleId": "com.example.chat"}),
    );
    rt::<RegisterDeviceReply>(Service::PUSH_NOTIFICATION_REGISTER_DEVICE_RECEIVE, json!({"r": 1}));
    rt::<UnregisterDeviceRequest>(Service::PUSH_NOTIFICATION_UNREGISTER_DEVICE_SEND, json!({"id": "fcm-token"}));
    rt::<UnregisterDeviceReply>(Service::PUSH_NOTIFICATION_UNREGISTER_DEVICE_RECEIVE, json!({"r": 1}));

    rt::<StickerListRequest>(Service::STICKER_GET_LIST, json!({"default": 1}));
    rt::<StickerListReply>(
        Service::STICKER_GET_LIST,
        json!({"packets": [{"id": 12, "name": "Cats", "full_cover": "https://x.org/12/full.png", "mini_cover": "https://x.org/12/mini.png", "url": "https://x.org/12.zip"}]}),
    );

    let push: PushNotification = serde_json::from_value(json!({"pushPacketType": "5", "appId": "app"})).unwrap();
    assert_eq!(serde_json::to_value(&push).unwrap(), json!({"pushPacketType": "5", "appId": "app"}));
    let call: PushNotification = serde_json::from_value(json!({
        "pushPacketType": "186", "appId": "app", "title": "Alice", "body": "Incoming call", "callId": 1516870000, "from": 7
    }))
    .unwrap();
    assert_eq!(call.from, Some(IntOrString::Int(7)));
    assert_eq!(
        serde_json::to_value(&call).unwrap(),
        json!({"pushPacketType": "186", "appId": "app", "title": "Alice", "body": "Incoming call", "callId": 1516870000, "from": 7})
    );
    // pushPacketType is a string on the wire.
    assert!(serde_json::from_value::<PushNotification>(json!({"pushPacketType": 5, "appId": "app"})).is_err());
}

#[test]
fn shared_shapes() {
    rt::<Empty>(Service::PING, json!({}));
    let _: Empty = Envelope { service: 1, body: "{}".into() }.decode().unwrap();

    rt::<ErrorReply>(Service::GROUP_CREATE, json!({"r": 2, "message": "name is empty"}));
    rt::<ErrorReply>(Service::USER_GET_INFO_BY_IDS, json!({"r": -1, "purpose": 4242, "message": "too many ids"}));
    rt::<ErrorReply>(
        Service::GROUP_GET_DETAILS,
        json!({"r": 1, "requestId": 31337, "group": 50, "message": "not a member"}),
    );
    rt::<ErrorReply>(Service::MESSAGE_STATUS_CHANGE_SEEN, json!({"r": 2, "type": 1, "msgId": 1}));
    rt::<ErrorReply>(Service::MESSAGE_STATUS_CHANGE_CANCELLED_WITH_USER, json!({"r": 2, "id": 102, "to": 9}));
    // Reading `r` from a full success reply.
    let status: ErrorReply = serde_json::from_value(
        json!({"r": 1, "type": 0, "group": 50, "msgId": 1, "admin": 7, "name": "Team", "members": [7], "created": 1}),
    )
    .unwrap();
    assert!(azstack_protocol::constants::reply_success(Service::GROUP_CREATE, status.r));
    fails::<ErrorReply>(json!({"message": "no r"}));
    fails::<ErrorReply>(json!({"r": "0"}));
}
