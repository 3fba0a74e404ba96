//! Parameter errors: exact codes and texts of PROTOCOL.md §3 (D10), checked before anything is sent — these run
//! against an engine that is not even connected.

use std::sync::Arc;

use azstack_engine::{Engine, NoEvents};
use serde_json::{Value, json};

async fn error(method: &str, params: Value) -> (String, String) {
    let engine = Engine::from_json(&json!({}), Arc::new(NoEvents));
    match engine.dispatch(method, params.clone()).await {
        Ok(v) => panic!("{method}({params}) succeeded: {v}"),
        Err(e) => (e.code.as_str().to_owned(), e.message),
    }
}

async fn send_data(method: &str, params: Value, message: &str) {
    assert_eq!(
        error(method, params.clone()).await,
        ("ERR_UNEXPECTED_SEND_DATA".to_owned(), message.to_owned()),
        "{method}({params})"
    );
}

#[tokio::test]
async fn every_method_rejects_non_object_options() {
    for (method, text) in [
        ("getModifiedConversations", "Missing modified conversations params"),
        ("deleteConversation", "Missing delete conversation params"),
        ("getUnreadMessages", "Missing unread messages params"),
        ("getModifiedMessages", "Missing modified messages params"),
        ("getModifiedFiles", "Missing modified files params"),
        ("newMessage", "Missing new message params"),
        ("changeMessageStatus", "Missing send change message status params"),
        ("deleteMessage", "Missing send delete message params"),
        ("sendTyping", "Missing send typing params"),
        ("getUsersInformation", "Missing users information params"),
        ("createGroup", "Missing create group params"),
        ("inviteGroup", "Missing invite group params"),
        ("leaveGroup", "Missing leave group params"),
        ("renameGroup", "Missing rename group params"),
        ("changeAdminGroup", "Missing change admin group params"),
        ("joinPublicGroup", "Missing join public group params"),
        ("getDetailsGroup", "Missing get details group params"),
        ("getListGroups", "Missing groups params"),
        ("changeApplicationState", "Missing change application state params"),
    ] {
        send_data(method, Value::Null, text).await;
        send_data(method, json!("a string"), text).await;
        send_data(method, json!(5), text).await;
    }
}

#[tokio::test]
async fn field_rules_in_the_original_order() {
    send_data("newMessage", json!({"chatType": "1", "chatId": 5, "text": "x"}), "chatType must be only 1, 2").await;
    send_data("newMessage", json!({"chatType": 1, "chatId": 0, "text": "x"}), "chatId cannot has value 0").await;
    send_data("newMessage", json!({"chatType": 1, "chatId": "5", "text": "x"}), "chatId must be number").await;
    send_data("newMessage", json!({"chatType": 1, "chatId": 5}), "text or sticker or file or location is required")
        .await;
    send_data(
        "newMessage",
        json!({"chatType": 1, "chatId": 5, "text": ""}),
        "text or sticker or file or location is required",
    )
    .await;
    send_data("newMessage", json!({"chatType": 1, "chatId": 5, "text": 3}), "text must be string").await;
    send_data("newMessage", json!({"chatType": 1, "chatId": 5, "sticker": "s"}), "sticker must be an object").await;
    send_data(
        "newMessage",
        json!({"chatType": 1, "chatId": 5, "sticker": {"catId": 1, "url": "https://a.example.com/x"}}),
        "sticker name is required",
    )
    .await;
    send_data(
        "newMessage",
        json!({"chatType": 1, "chatId": 5, "sticker": {"name": "n", "catId": 1, "url": "http://localhost/x.png"}}),
        "sticker url must be url",
    )
    .await;
    send_data("newMessage", json!({"chatType": 1, "chatId": 5, "file": {"name": "n", "length": 1, "type": 11, "url": "https://a.example.com/x"}}), "file type must be only 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10").await;
    send_data("newMessage", json!({"chatType": 1, "chatId": 5, "file": {"name": "n", "length": "1", "type": 1, "url": "https://a.example.com/x"}}), "file length must be number").await;
    send_data("newMessage", json!({"chatType": 1, "chatId": 5, "file": {"name": "n", "length": 1, "type": 1, "url": "https://a.example.com/x", "width": "w"}}), "file width must be number").await;
    send_data(
        "newMessage",
        json!({"chatType": 1, "chatId": 5, "location": {"address": "a", "longitude": 1}}),
        "location latitude is required",
    )
    .await;
    send_data("getModifiedConversations", json!({"page": 0, "lastCreated": 1}), "page cannot has value 0").await;
    send_data("getModifiedConversations", json!({"page": 1}), "lastCreated is required").await;
    send_data("getModifiedFiles", json!({"lastCreated": 1, "chatType": 1}), "chatId is required").await;
    send_data("getModifiedFiles", json!({"lastCreated": 1, "chatId": 4}), "chatType is required").await;
    send_data("getModifiedFiles", json!({"lastCreated": 1, "chatType": 3, "chatId": 4}), "chatType must be only 1, 2")
        .await;
    send_data(
        "changeMessageStatus",
        json!({"chatType": 1, "chatId": 2, "messageSenderId": 3, "messageStatus": 1, "msgId": 4}),
        "messageStatus must be only 2, 3, 6",
    )
    .await;
    send_data(
        "changeMessageStatus",
        json!({"chatType": 1, "chatId": 2, "messageSenderId": 3, "messageStatus": 3}),
        "msgId is required",
    )
    .await;
    send_data("deleteMessage", json!({"chatType": 1, "chatId": 2, "msgId": 4}), "messageSenderId is required").await;
    send_data("getUsersInformation", json!({}), "userIds or azStackUserIds is required").await;
    send_data("getUsersInformation", json!({"userIds": []}), "userIds cannot be empty").await;
    send_data("getUsersInformation", json!({"userIds": 5}), "userIds must be an array").await;
    send_data("getUsersInformation", json!({"userIds": [1, "2"]}), "userIds must contain all numbers").await;
    send_data("getUsersInformation", json!({"azStackUserIds": ["a", 2]}), "azStackUserIds must contain all strings")
        .await;
    send_data("createGroup", json!({"type": 2, "name": "n", "memberIds": [1]}), "type must be only 0, 1").await;
    send_data("createGroup", json!({"type": 0, "name": "", "memberIds": [1]}), "name is required").await;
    send_data("createGroup", json!({"type": 0, "name": "n", "memberIds": []}), "memberIds cannot be empty").await;
    send_data(
        "createGroup",
        json!({"type": 0, "name": "n", "memberIds": [1, null]}),
        "memberIds must contain all numbers",
    )
    .await;
    send_data("inviteGroup", json!({"groupId": 1, "inviteIds": ["x"]}), "inviteIds must contain all numbers").await;
    send_data("leaveGroup", json!({"groupId": 1, "leaveId": 2, "newAdminId": 0}), "newAdminId cannot has value 0")
        .await;
    send_data("renameGroup", json!({"groupId": 1, "newName": ""}), "newName is required").await;
    send_data("getListGroups", json!({}), "groupType is required").await;
    send_data("getListGroups", json!({"groupType": 2}), "groupType must be only 0, 1").await;
    send_data("getStickersList", json!({"isDefault": 1}), "isDefault must be boolean").await;
    send_data("changeApplicationState", json!({"state": 3}), "state must be only 1, 2").await;
    send_data(
        "notificationRegisterDevice",
        json!({"deviceToken": "t", "devicePlatformOS": 3, "applicationBundleId": "b"}),
        "devicePlatformOS must be only 1, 2",
    )
    .await;
}

#[tokio::test]
async fn requests_without_a_connection_fail_with_their_send_texts() {
    for (method, params, text) in [
        (
            "newMessage",
            json!({"chatType": 1, "chatId": 5, "text": "x"}),
            "Cannot send new message data, new message fail",
        ),
        ("sendTyping", json!({"chatType": 2, "chatId": 5}), "Cannot send typing data, send typing fail"),
        ("getListGroups", json!({"groupType": 0}), "Cannot send get groups data, get groups fail"),
        ("getPaidCallLogs", json!(null), "Cannot send get paid call logs data, get paid call logs fail"),
        (
            "deleteConversation",
            json!({"chatType": 1, "chatId": 5}),
            "Cannot send delete conversation data, delete modified conversation fail",
        ),
    ] {
        assert_eq!(error(method, params).await, ("ERR_SOCKET_NOT_CONNECTED".to_owned(), text.to_owned()), "{method}");
    }
    assert_eq!(
        error("disconnect", Value::Null).await,
        (
            "ERR_SOCKET_NOT_CONNECTED".to_owned(),
            "Cannot disconnect to slave server, slave socket not connected".to_owned()
        )
    );
    assert_eq!(
        error("reconnect", Value::Null).await,
        ("ERR_UNEXPECTED_DATA".to_owned(), "Cannot reconnect, core not inited".to_owned())
    );
    assert_eq!(
        error("connect", Value::Null).await,
        (
            "ERR_UNEXPECTED_SEND_DATA".to_owned(),
            "appId, publicKey, azStackUserId, fullname are required for authenticating data, connect fail".to_owned()
        )
    );
    assert_eq!(
        error("fooBar", json!({})).await,
        ("ERR_UNEXPECTED_SEND_DATA".to_owned(), "Unknown method fooBar".to_owned())
    );
}

#[tokio::test]
async fn phone_call_options_and_states_are_checked() {
    send_data("startCallout", Value::Null, "Missing callout data").await;
    send_data("startCallout", json!({}), "toPhoneNumber is required").await;
    send_data("startCallout", json!({"toPhoneNumber": "abc"}), "toPhoneNumber must be phone number string").await;
    send_data(
        "startCallout",
        json!({"toPhoneNumber": "+84900", "fromPhoneNumber": "x1"}),
        "fromPhoneNumber must be phone number string",
    )
    .await;
    send_data("startCallout", json!({"toPhoneNumber": "+84900", "tags": 5}), "tags must be string").await;
    assert_eq!(
        error("startCallout", json!({"toPhoneNumber": "+84900"})).await,
        ("ERR_SOCKET_NOT_CONNECTED".to_owned(), "Cannot send start callout data, start callout fail".to_owned())
    );
    send_data("answerCallin", json!({"tags": 5}), "tags must be string").await;
    let unexpected = |m: &str| ("ERR_UNEXPECTED_DATA".to_owned(), m.to_owned());
    assert_eq!(error("stopCallout", json!({})).await, unexpected("Cannot stop callout when not currently on callout"));
    for (method, verb) in [("answerCallin", "answer"), ("rejectCallin", "reject"), ("notAnsweredCallin", "not answer")]
    {
        assert_eq!(
            error(method, json!({})).await,
            unexpected(&format!("Cannot {verb} callin when not currently on callin"))
        );
    }
    assert_eq!(error("stopCallin", Value::Null).await, unexpected("Cannot stop callin when not currently on callin"));
}
