//! Discovery, authentication, the pre-authentication window, bad input and limits, over real sockets.

use azstack_protocol::Service;
use azstack_server::auth::Verifier;
use azstack_server::auth::hmac_credentials;
use azstack_server::backend_tests;
use azstack_server::config::AppConfig;
use azstack_server::testkit::{ClientError, Login, TestClient, TestServer};
use serde_json::{Value, json};

async fn login_replies_with_identity_and_ice_servers(server: TestServer) {
    let alice = server.login("alice").await;
    let bob = server.login("bob").await;
    assert!(alice.user_id > 0 && bob.user_id > 0 && alice.user_id != bob.user_id);
    let reply = &alice.auth_reply;
    assert_eq!(reply["username"], "alice");
    assert_eq!(reply["fullname"], "alice (test)");
    assert_eq!(reply["resultCode"], 0);
    assert_eq!(reply["r"], 1);
    // The test server is a dev server: no STUN/TURN entries.
    assert_eq!(reply["ice_server"], json!([]));
    // The same user logging in again (another device) keeps its id.
    let alice2 = server.login("alice").await;
    assert_eq!(alice2.user_id, alice.user_id);
    server.shutdown().await;
}

async fn discovery_answers_with_an_address(server: TestServer) {
    let mut c = TestClient::connect(&server.url()).await.unwrap();
    c.send(Service::AUTHENTICATION_GET_SERVER_ADDR, &json!({"azStackUserId": "x"}));
    let addr = c.recv(Service::AUTHENTICATION_GET_SERVER_ADDR).await.unwrap();
    assert!(addr["ip"].is_string());
    assert_eq!(addr["port"].as_u64(), Some(u64::from(server.server.addr.port())));
    server.shutdown().await;
}

backend_tests!(login_replies_with_identity_and_ice_servers, discovery_answers_with_an_address);

async fn auth_failure(server: &TestServer, mutate: impl FnOnce(&mut Value)) -> Value {
    let mut c = TestClient::connect(&server.url()).await.unwrap();
    let token = azstack_server::auth::encrypt_token(&server.app.public_key, r#"{"azStackUserID":"mallory"}"#).unwrap();
    let mut body =
        json!({"token": token, "fullname": "M", "namespace": "", "appId": server.app.id, "sdkVersion": "2.2.4"});
    mutate(&mut body);
    c.send(Service::AUTHENTICATION_SEND_AUTHENTICATE, &body);
    let reply = c.recv(Service::AUTHENTICATION_RECEIVE_AUTHENTICATE).await.unwrap();
    assert_eq!(reply["r"], -1, "{reply}");
    assert!(reply["resultCode"].as_i64().unwrap_or(0) != 0, "{reply}");
    assert!(reply.get("userId").is_none() && reply.get("ice_server").is_none() && reply.get("username").is_none());
    assert!(reply["message"].is_string());
    // D3: the socket is closed after the grace period.
    let closed = c.recv(Service::PING).await;
    assert!(matches!(closed, Err(ClientError::Closed)), "{closed:?}");
    reply
}

#[tokio::test]
async fn bad_tokens_unknown_apps_and_missing_fields_fail_per_d3() {
    let server = TestServer::sqlite_with(|c| c.limits.auth_failure_grace_ms = 200).await;
    auth_failure(&server, |b| b["token"] = json!("not base64 %%%")).await;
    auth_failure(&server, |b| b["token"] = json!("AAAA")).await;
    auth_failure(&server, |b| b["appId"] = json!("0123456789abcdef0123456789abcdef")).await;
    auth_failure(&server, |b| b["token"] = json!(12)).await;
    let other = azstack_server::auth::AppKey::generate().unwrap();
    let foreign = azstack_server::auth::encrypt_token(&other.public_spki_b64, r#"{"azStackUserID":"m"}"#).unwrap();
    auth_failure(&server, |b| b["token"] = json!(foreign)).await;
    let no_user = azstack_server::auth::encrypt_token(&server.app.public_key, r#"{"userCredentials":""}"#).unwrap();
    auth_failure(&server, |b| b["token"] = json!(no_user)).await;
    server.shutdown().await;
}

/// A production (non-dev) configuration on a database that already holds one application; returns its id.
async fn production_config(dir: &std::path::Path) -> (azstack_server::Config, String) {
    let mut config = azstack_server::Config::dev(0, dir);
    let store = azstack_server::store::SqlStore::open(&config.database).await.unwrap();
    let app = azstack_server::create_app(&store, "prod").await.unwrap();
    store.close().await;
    config.dev = false;
    (config, app.id)
}

#[tokio::test]
async fn hmac_verifier_accepts_good_credentials_and_refuses_bad() {
    let dir = tempfile::tempdir().unwrap();
    let (mut config, app_id) = production_config(dir.path()).await;
    config.apps =
        vec![AppConfig { id: app_id.clone(), verifier: Verifier::Hmac { secret: "s3cret".into() }, push: None }];
    let server = TestServer::start_on(config, None).await;
    let far = azstack_server::store::now_ms() / 1000 + 3600;
    let good = Login { credentials: hmac_credentials("s3cret", &app_id, "", "carol", far), ..Login::engine("carol") };
    let carol = TestClient::login(&server.url(), &server.app, &good).await.unwrap();
    assert!(carol.user_id > 0);
    let wrong = Login { credentials: hmac_credentials("guess", &app_id, "", "carol", far), ..Login::engine("carol") };
    assert!(matches!(TestClient::login(&server.url(), &server.app, &wrong).await, Err(ClientError::AuthFailed(_))));
    let expired =
        Login { credentials: hmac_credentials("s3cret", &app_id, "", "carol", 1000), ..Login::engine("carol") };
    assert!(matches!(TestClient::login(&server.url(), &server.app, &expired).await, Err(ClientError::AuthFailed(_))));
    server.shutdown().await;
}

#[tokio::test]
async fn accept_all_is_refused_outside_dev_mode() {
    let dir = tempfile::tempdir().unwrap();
    let (mut config, app_id) = production_config(dir.path()).await;
    config.apps = vec![AppConfig { id: app_id, verifier: Verifier::AcceptAll, push: None }];
    assert!(matches!(azstack_server::start(config).await, Err(azstack_server::StartError::AcceptAllOutsideDev(_))));
    // And an app without any verifier refuses every login.
    let (config, _) = production_config(dir.path()).await;
    let server = TestServer::start_on(config, None).await;
    assert!(matches!(
        TestClient::login(&server.url(), &server.app, &Login::engine("dave")).await,
        Err(ClientError::AuthFailed(_))
    ));
    server.shutdown().await;
}

#[tokio::test]
async fn packets_before_authentication_are_dropped() {
    let server = TestServer::sqlite().await;
    let mut c = TestClient::connect(&server.url()).await.unwrap();
    c.send(Service::USER_GET_INFO_BY_IDS, &json!({"purpose": 1, "userIdList": [1]}));
    c.send(Service::CONVERSATION_GET_LIST_MODIFIED, &json!({"page": 1, "lastCreated": 1}));
    c.send(Service::PING, &json!({}));
    let addr = json!({"ip": "127.0.0.1", "port": 1});
    let reply = c.authenticate(&server.app, &Login::engine("erin"), &addr).await.unwrap();
    assert!(reply["userId"].is_i64());
    c.barrier().await;
    assert!(c.buffered(Service::USER_GET_INFO_BY_IDS).is_empty(), "a pre-auth request was answered");
    assert!(c.buffered(Service::CONVERSATION_GET_LIST_MODIFIED).is_empty(), "a pre-auth request was answered");
    let m = server.server.hub.metrics.packets_out_of_auth.load(std::sync::atomic::Ordering::Relaxed);
    assert_eq!(m, 2);
    server.shutdown().await;
}

#[tokio::test]
async fn malformed_packets_never_break_the_session() {
    let server = TestServer::sqlite().await;
    let mut c = server.login("frank").await;
    c.send_event(&json!({"service": 72, "body": {"msgId": 1, "to": 1, "msg": "object body"}}));
    c.send_event(&json!({"service": "72", "body": "{}"}));
    c.send_event(&json!({"service": 72, "body": "{not json"}));
    c.send_event(&json!({"service": 72, "body": "{\"msgId\":\"1\",\"to\":\"2\",\"msg\":5}"}));
    c.send_event(&json!({"service": 424242, "body": "{}"}));
    c.send_event(&json!({"service": 73, "body": "{}"}));
    c.send_event(&json!([1, 2, 3]));
    c.send_event(&json!(null));
    c.send_frame("42[\"WebPacket\"]");
    c.send_frame("42[\"OtherEvent\",{}]");
    c.send(Service::USER_GET_INFO_BY_IDS, &json!({"purpose": "x", "userIdList": "all"}));
    c.barrier().await;
    let metrics = &server.server.hub.metrics;
    assert!(metrics.packets_malformed.load(std::sync::atomic::Ordering::Relaxed) >= 5);
    // Broken Socket.IO framing closes that one socket (socketioxide's choice); the server and others go on.
    let mut other = server.login("frank2").await;
    c.send_frame("42garbage");
    assert!(matches!(c.recv(Service::PING).await, Err(ClientError::Closed)));
    other.barrier().await;
    server.shutdown().await;
}

#[tokio::test]
async fn oversized_bodies_are_dropped() {
    let server = TestServer::sqlite_with(|c| c.limits.max_packet_bytes = 1000).await;
    let mut c = server.login("gina").await;
    let big = "x".repeat(1500);
    c.send(Service::USER_GET_INFO_BY_USERNAMES, &json!({"purpose": 5, "usernameList": [big]}));
    c.barrier().await;
    assert!(c.buffered(Service::USER_GET_INFO_BY_USERNAMES).is_empty());
    server.shutdown().await;
}

#[tokio::test]
async fn flooding_is_rate_limited_and_the_session_survives() {
    let server = TestServer::sqlite_with(|c| {
        c.limits.packets_per_sec = 20;
        c.limits.burst = 20;
    })
    .await;
    let mut c = server.login("hank").await;
    // Far more than the limit lets through within the queueing bound (MAX_QUEUE_DELAY): most are dropped.
    for _ in 0..400 {
        c.send(Service::PING, &json!({}));
    }
    // Ask until a request gets through again: the first ones may still meet an empty bucket.
    let mut answered = false;
    for purpose in 0..50 {
        c.send(Service::USER_GET_INFO_BY_IDS, &json!({"purpose": purpose, "userIdList": [c.user_id]}));
        let reply = c.recv_within(Service::USER_GET_INFO_BY_IDS, std::time::Duration::from_millis(200)).await;
        if reply.is_ok() {
            answered = true;
            break;
        }
    }
    assert!(answered, "the session never recovered from the rate limit");
    let limited = server.server.hub.metrics.packets_rate_limited.load(std::sync::atomic::Ordering::Relaxed);
    assert!(limited >= 150, "only {limited} packets were rate limited");
    server.shutdown().await;
}

#[tokio::test]
async fn a_client_faster_than_the_limit_is_slowed_down_not_dropped() {
    let server = TestServer::sqlite_with(|c| {
        c.limits.packets_per_sec = 50;
        c.limits.burst = 10;
    })
    .await;
    let mut c = server.login("iris").await;
    // 60 requests at once: 10 go at once, the other 50 wait for tokens (about a second), none is lost.
    for purpose in 0..60 {
        c.send(Service::USER_GET_INFO_BY_IDS, &json!({"purpose": purpose, "userIdList": [c.user_id]}));
    }
    for _ in 0..60 {
        let reply = c.recv_within(Service::USER_GET_INFO_BY_IDS, std::time::Duration::from_secs(10)).await;
        assert!(reply.is_ok(), "a request was lost to the rate limit");
    }
    let limited = server.server.hub.metrics.packets_rate_limited.load(std::sync::atomic::Ordering::Relaxed);
    assert_eq!(limited, 0);
    server.shutdown().await;
}

#[tokio::test]
async fn health_and_metrics_are_served_over_http() {
    let server = TestServer::sqlite().await;
    let _a = server.login("ivy").await;
    let http = reqwest::Client::new();
    let health = http.get(format!("{}/healthz", server.url())).send().await.unwrap();
    assert_eq!(health.status(), 200);
    // `/metrics` is on the admin listener only (dev: loopback), not on the clients' one.
    let public = http.get(format!("{}/metrics", server.url())).send().await.unwrap();
    assert_eq!(public.status(), 404);
    let metrics = server.server.metrics_url().expect("dev serves /metrics on the admin listener");
    let text = http.get(metrics).send().await.unwrap().text().await.unwrap();
    assert!(text.contains("azstack_sessions_authenticated 1"), "{text}");
    assert!(text.contains("azstack_auth_succeeded_total 1"), "{text}");
    server.shutdown().await;
}
