//! Abuse: tenancy. A namespace is a tenant of its application: hmac credentials sign it, and messages, lookups,
//! groups and calls never cross it. Before, credentials issued for `alice` of namespace `""` logged in as alice of
//! `tenantB` and read her messages, messages across namespaces were accepted, and svc 165 listed users of every
//! namespace.

use azstack_protocol::Service;
use azstack_server::auth::{Verifier, hmac_credentials};
use azstack_server::backend_tests;
use azstack_server::config::AppConfig;
use azstack_server::testkit::{ClientError, Login, TestClient, TestServer};
use serde_json::{Value, json};

fn in_namespace(name: &str, namespace: &str) -> Login {
    Login { namespace: namespace.into(), ..Login::engine(name) }
}

async fn login(server: &TestServer, name: &str, namespace: &str) -> TestClient {
    TestClient::login(&server.url(), &server.app, &in_namespace(name, namespace)).await.unwrap()
}

/// The reply to a request that answers on its own service with an `r`.
async fn request(c: &mut TestClient, service: Service, body: Value) -> Value {
    c.send(service, &body);
    c.recv_where(service, |b| b.get("r").is_some()).await.unwrap_or_else(|e| panic!("no reply to {service:?}: {e}"))
}

/// The user ids a 164 or 165 lists.
async fn lookup(c: &mut TestClient, service: Service, list: Value) -> Vec<i64> {
    let key = if service == Service::USER_GET_INFO_BY_IDS { "userIdList" } else { "usernameList" };
    let reply = request(c, service, json!({"purpose": 7, key: list})).await;
    reply["userInfoList"].as_array().unwrap().iter().filter_map(|u| u["userId"].as_i64()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "abuse stage"]
async fn hmac_credentials_of_one_namespace_do_not_log_in_to_another() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = azstack_server::Config::dev(0, dir.path());
    let store = azstack_server::store::SqlStore::open(&config.database).await.unwrap();
    let app = azstack_server::create_app(&store, "prod").await.unwrap();
    store.close().await;
    config.dev = false;
    config.apps =
        vec![AppConfig { id: app.id.clone(), verifier: Verifier::Hmac { secret: "s3cret".into() }, push: None }];
    let server = TestServer::start_on(config, Some(dir)).await;
    let far = azstack_server::store::now_ms() / 1000 + 3600;
    let for_default = hmac_credentials("s3cret", &app.id, "", "alice", far);
    let as_b = Login { credentials: for_default.clone(), ..in_namespace("alice", "tenantB") };
    let refused = TestClient::login(&server.url(), &server.app, &as_b).await;
    assert!(matches!(refused, Err(ClientError::AuthFailed(_))), "credentials of namespace \"\" logged in to tenantB");
    let own = Login { credentials: for_default, ..in_namespace("alice", "") };
    assert!(TestClient::login(&server.url(), &server.app, &own).await.is_ok());
    let for_b = hmac_credentials("s3cret", &app.id, "tenantB", "alice", far);
    let as_b = Login { credentials: for_b, ..in_namespace("alice", "tenantB") };
    let alice_b = TestClient::login(&server.url(), &server.app, &as_b).await.unwrap();
    assert!(alice_b.user_id > 0);
    server.shutdown().await;
}

backend_tests!(namespaces_never_meet);

async fn namespaces_never_meet(server: TestServer) {
    let mut alice = login(&server, "alice", "tenantA").await;
    let mut bob = login(&server, "bob", "tenantA").await;
    let mut mallory = login(&server, "mallory", "tenantB").await;
    // The same azStackUserId in another namespace is another user.
    let alice_b = login(&server, "alice", "tenantB").await;
    assert_ne!(alice_b.user_id, alice.user_id);
    let (a, b, m) = (alice.user_id, bob.user_id, mallory.user_id);

    // Lookups list only my tenant.
    assert_eq!(lookup(&mut mallory, Service::USER_GET_INFO_BY_IDS, json!([a, b, m])).await, vec![m]);
    assert_eq!(
        lookup(&mut mallory, Service::USER_GET_INFO_BY_USERNAMES, json!(["alice", "bob"])).await,
        vec![alice_b.user_id]
    );
    assert_eq!(lookup(&mut alice, Service::USER_GET_INFO_BY_USERNAMES, json!(["bob", "mallory"])).await, vec![b]);

    // Messages are refused as to an unknown user and reach nobody.
    let reply =
        request(&mut mallory, Service::MESSAGE_NEW_WITH_USER_TYPE_TEXT, json!({"msgId": 1, "to": a, "msg": "hi"}))
            .await;
    assert_eq!(reply["r"], -1, "{reply}");
    mallory.send(Service::MESSAGE_TYPING_WITH_USER, &json!({"to": a}));

    // Groups: members of another tenant are not added, invited or shown; its public groups are not joinable.
    let reply =
        request(&mut mallory, Service::GROUP_CREATE, json!({"msgId": 2, "type": 1, "name": "m", "members": [a, b]}))
            .await;
    assert_eq!(reply["members"], json!([m]));
    let mine = reply["group"].as_i64().unwrap();
    let reply = request(&mut mallory, Service::GROUP_INVITE, json!({"msgId": 3, "group": mine, "members": [a]})).await;
    assert_eq!(reply["inviteResult"], json!([{"user": a, "r": 2}]));
    let reply =
        request(&mut alice, Service::GROUP_CREATE, json!({"msgId": 4, "type": 1, "name": "a", "members": [b]})).await;
    let theirs = reply["group"].as_i64().unwrap();
    let reply = request(&mut mallory, Service::GROUP_JOIN_PUBLIC, json!({"msgId": 5, "group": theirs})).await;
    assert_eq!(reply["r"], 1, "{reply}");
    let reply = request(&mut mallory, Service::GROUP_GET_DETAILS, json!({"group": theirs, "requestId": 6})).await;
    assert!(reply.get("members").is_none(), "{reply}");
    mallory.send(Service::GROUP_GET_LIST_PUBLIC, &json!({}));
    let list = mallory.recv(Service::GROUP_GET_LIST_PUBLIC).await.unwrap();
    let ids: Vec<i64> = list["list"].as_array().unwrap().iter().filter_map(|g| g["groupId"].as_i64()).collect();
    assert_eq!(ids, vec![mine]);

    // Calls: a callee of another tenant is "not available" and does not ring.
    mallory.send(
        Service::FREE_CALL_START,
        &json!({"callId": 7, "mediaType": 1, "to": a, "sdp": {"type": "offer", "sdp": "v=0\r\n"}}),
    );
    let status = mallory.recv(Service::FREE_CALL_STATUS_CHANGED).await.unwrap();
    assert_eq!(status["status"], 400);

    alice.barrier().await;
    bob.barrier().await;
    let from_mallory = |b: &Value| b["from"] == json!(m) || b["admin"] == json!(m) || b["group"] == json!(mine);
    for service in [
        Service::MESSAGE_HAS_NEW_WITH_USER_TYPE_TEXT,
        Service::MESSAGE_TYPING_WITH_USER,
        Service::ON_GROUP_CREATED,
        Service::ON_GROUP_INVITED,
        Service::GROUP_JOIN_PUBLIC,
        Service::FREE_CALL_START,
    ] {
        for (name, c) in [("alice", &mut alice), ("bob", &mut bob)] {
            assert!(!c.buffered(service).iter().any(from_mallory), "{name} got {service:?} from mallory");
        }
    }
    server.shutdown().await;
}
