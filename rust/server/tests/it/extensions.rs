//! §10 extensions: application state (105), device tokens (38/40), sticker catalogue (112).

use std::sync::atomic::Ordering;

use azstack_protocol::Service;
use azstack_server::backend_tests;
use azstack_server::store::devices::Device;
use azstack_server::testkit::TestServer;
use serde_json::json;

async fn device_tokens_register_and_unregister(server: TestServer) {
    let mut a = server.login("alice").await;
    a.send(Service::PUSH_NOTIFICATION_REGISTER_DEVICE_SEND, &json!({"id": "tok-1", "type": 1, "appBundleId": "com.x"}));
    assert_eq!(a.recv(Service::PUSH_NOTIFICATION_REGISTER_DEVICE_RECEIVE).await.unwrap(), json!({"r": 1}));
    // Re-registering the same token is fine; a second device too.
    a.send(Service::PUSH_NOTIFICATION_REGISTER_DEVICE_SEND, &json!({"id": "tok-1", "type": 2, "appBundleId": "com.x"}));
    assert_eq!(a.recv(Service::PUSH_NOTIFICATION_REGISTER_DEVICE_RECEIVE).await.unwrap()["r"], 1);
    a.send(Service::PUSH_NOTIFICATION_REGISTER_DEVICE_SEND, &json!({"id": "tok-2", "type": 1, "appBundleId": "com.x"}));
    assert_eq!(a.recv(Service::PUSH_NOTIFICATION_REGISTER_DEVICE_RECEIVE).await.unwrap()["r"], 1);
    let store = &server.server.hub.store;
    let tokens = |devices: Vec<Device>| devices.into_iter().map(|d| (d.token, d.platform)).collect::<Vec<_>>();
    assert_eq!(tokens(store.devices(a.user_id).await.unwrap()), vec![("tok-1".to_owned(), 2), ("tok-2".to_owned(), 1)]);
    // Bad platform and missing fields get r 0 with a message.
    a.send(Service::PUSH_NOTIFICATION_REGISTER_DEVICE_SEND, &json!({"id": "tok-3", "type": 3, "appBundleId": "com.x"}));
    let bad = a.recv(Service::PUSH_NOTIFICATION_REGISTER_DEVICE_RECEIVE).await.unwrap();
    assert_eq!(bad["r"], 0);
    assert!(bad["message"].is_string());
    a.send(Service::PUSH_NOTIFICATION_REGISTER_DEVICE_SEND, &json!({"type": 1}));
    assert_eq!(a.recv(Service::PUSH_NOTIFICATION_REGISTER_DEVICE_RECEIVE).await.unwrap()["r"], 0);
    a.send(Service::PUSH_NOTIFICATION_UNREGISTER_DEVICE_SEND, &json!({"id": "tok-1"}));
    assert_eq!(a.recv(Service::PUSH_NOTIFICATION_UNREGISTER_DEVICE_RECEIVE).await.unwrap(), json!({"r": 1}));
    assert_eq!(tokens(store.devices(a.user_id).await.unwrap()), vec![("tok-2".to_owned(), 1)]);
    // Someone else's unregister cannot remove alice's token.
    let mut b = server.login("bob").await;
    b.send(Service::PUSH_NOTIFICATION_UNREGISTER_DEVICE_SEND, &json!({"id": "tok-2"}));
    assert_eq!(b.recv(Service::PUSH_NOTIFICATION_UNREGISTER_DEVICE_RECEIVE).await.unwrap()["r"], 1);
    assert_eq!(store.devices(a.user_id).await.unwrap().len(), 1);
    server.shutdown().await;
}

backend_tests!(device_tokens_register_and_unregister);

#[tokio::test]
async fn application_state_marks_the_session() {
    let server = TestServer::sqlite().await;
    let mut a = server.login("alice").await;
    a.send(Service::APPLICATION_CHANGE_STATE, &json!({"state": 1}));
    assert_eq!(a.recv(Service::APPLICATION_CHANGE_STATE).await.unwrap(), json!({}));
    let sessions = server.server.hub.sessions.sessions(a.user_id);
    assert_eq!(sessions[0].app_state.load(Ordering::Relaxed), 1);
    a.send(Service::APPLICATION_CHANGE_STATE, &json!({"state": 7}));
    a.send(Service::APPLICATION_CHANGE_STATE, &json!({"state": "2"}));
    a.send(Service::APPLICATION_CHANGE_STATE, &json!({"state": 2}));
    assert_eq!(a.recv(Service::APPLICATION_CHANGE_STATE).await.unwrap(), json!({}));
    a.barrier().await;
    assert!(a.buffered(Service::APPLICATION_CHANGE_STATE).is_empty(), "invalid states must not be answered");
    assert_eq!(sessions[0].app_state.load(Ordering::Relaxed), 2);
    server.shutdown().await;
}

#[tokio::test]
async fn sticker_catalogue_comes_from_configuration() {
    let server = TestServer::sqlite().await;
    let mut a = server.login("alice").await;
    a.send(Service::STICKER_GET_LIST, &json!({"default": 1}));
    let reply = a.recv(Service::STICKER_GET_LIST).await.unwrap();
    let packets = reply["packets"].as_array().unwrap();
    assert_eq!(packets.len(), 1);
    for key in ["id", "name", "full_cover", "mini_cover", "url"] {
        assert!(packets[0].get(key).is_some(), "{key} missing in {reply}");
    }
    assert!(packets[0]["id"].is_i64());
    a.send(Service::STICKER_GET_LIST, &json!({"default": 0}));
    assert_eq!(a.recv(Service::STICKER_GET_LIST).await.unwrap()["packets"].as_array().unwrap().len(), 2);
    server.shutdown().await;
}
