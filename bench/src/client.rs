//! A lean Engine.IO 4 / Socket.IO 5 WebSocket client: just enough to log in the way the original SDK does and to
//! exchange `WebPacket` events. The frames are azstack-protocol's [`framing`]; what is the bench's own is reading an
//! event's envelope without copying its body (10,000 sockets in the soak).

use std::borrow::Cow;
use std::time::Duration;

use azstack_protocol::framing::{self, Frame};
use azstack_protocol::{EVENT, Service};
use futures_util::{SinkExt, StreamExt};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

pub type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Per-step deadline of a login (connect, handshake, each reply).
pub const STEP_TIMEOUT: Duration = Duration::from_secs(10);

/// The `sdkVersion` the bench logs in with (the new engine's prefix).
const SDK_VERSION: &str = "azstack-rs/bench";

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("connect: {0}")]
    Connect(String),
    #[error("handshake: {0}")]
    Handshake(String),
    #[error("no {0} within {STEP_TIMEOUT:?}")]
    Timeout(&'static str),
    #[error("socket closed while waiting for {0}")]
    Closed(&'static str),
    #[error("authentication refused: {0}")]
    Refused(String),
    #[error("token: {0}")]
    Token(String),
}

/// A logged-in user: the authenticated ("slave") socket.
pub struct Session {
    pub ws: Ws,
    pub user_id: i64,
}

/// An event's envelope as it arrives (its body borrowed from the frame) or leaves.
#[derive(Deserialize, Serialize)]
pub struct Envelope<'a> {
    pub service: i64,
    #[serde(borrow)]
    pub body: Cow<'a, str>,
}

/// What a received WebSocket message means to the bench.
pub enum Incoming {
    /// Engine.IO ping: answer [`PONG`].
    Ping,
    /// A `WebPacket` event (the text, to be parsed with [`envelope`]).
    Event(String),
    /// The socket is gone.
    Closed,
    /// Anything else (namespace connect confirmation, pongs, binary).
    Other,
}

pub const PONG: &str = framing::PONG;

/// Sorts one item of the WebSocket stream.
pub fn classify(item: Option<Result<Message, tokio_tungstenite::tungstenite::Error>>) -> Incoming {
    match item {
        Some(Ok(Message::Text(text))) => {
            let s = text.as_str();
            match framing::parse(s) {
                Frame::Ping => Incoming::Ping,
                Frame::Event(_) => Incoming::Event(s.to_owned()),
                Frame::Disconnect | Frame::Close => Incoming::Closed,
                _ => Incoming::Other,
            }
        }
        Some(Ok(Message::Close(_))) | Some(Err(_)) | None => Incoming::Closed,
        Some(Ok(_)) => Incoming::Other,
    }
}

/// The envelope of an event frame (`42[...]`), if it is a `WebPacket`.
pub fn envelope(frame: &str) -> Option<Envelope<'_>> {
    let Frame::Event(array) = framing::parse(frame) else { return None };
    let (name, env): (Cow<'_, str>, Envelope<'_>) = serde_json::from_str(array).ok()?;
    (name == EVENT).then_some(env)
}

/// An event frame carrying `body` (JSON text) for `service`.
pub fn event_frame(service: Service, body: &str) -> String {
    framing::event_with(&Envelope { service: i64::from(service.number()), body: Cow::Borrowed(body) })
}

fn ws_config() -> WebSocketConfig {
    // tungstenite allocates its read buffer eagerly (128 KiB by default); 4 KiB is plenty for chat frames and keeps
    // 10,000 client sockets cheap. The server side uses the same size (engineioxide's default).
    WebSocketConfig::default().read_buffer_size(4096)
}

/// Opens a WebSocket to `url` (`http://127.0.0.1:P`) and completes the Engine.IO / Socket.IO handshake.
pub async fn open(url: &str) -> Result<Ws, ClientError> {
    let ws_url = format!("{}/socket.io/?EIO=4&transport=websocket", url.replacen("http", "ws", 1));
    let connect = tokio_tungstenite::connect_async_with_config(ws_url, Some(ws_config()), true);
    let (mut ws, _) = tokio::time::timeout(STEP_TIMEOUT, connect)
        .await
        .map_err(|_| ClientError::Timeout("WebSocket connect"))?
        .map_err(|e| ClientError::Connect(e.to_string()))?;
    let handshake = async {
        loop {
            match ws.next().await {
                Some(Ok(Message::Text(text))) => {
                    let s = text.as_str();
                    match framing::parse(s) {
                        Frame::Open(_) => ws
                            .send(Message::text(framing::CONNECT))
                            .await
                            .map_err(|e| ClientError::Handshake(e.to_string()))?,
                        Frame::Connect(_) => return Ok(()),
                        Frame::ConnectError(_) => return Err(ClientError::Handshake(s.to_owned())),
                        Frame::Ping => {
                            ws.send(Message::text(PONG)).await.map_err(|e| ClientError::Handshake(e.to_string()))?
                        }
                        _ => {}
                    }
                }
                Some(Ok(_)) => {}
                Some(Err(e)) => return Err(ClientError::Handshake(e.to_string())),
                None => return Err(ClientError::Closed("the namespace connect")),
            }
        }
    };
    tokio::time::timeout(STEP_TIMEOUT, handshake).await.map_err(|_| ClientError::Timeout("namespace connect"))??;
    Ok(ws)
}

/// Waits for the first event of `service` (answering pings, skipping everything else) and returns its body.
pub async fn recv_service(ws: &mut Ws, service: Service, what: &'static str) -> Result<String, ClientError> {
    let wanted = i64::from(service.number());
    let wait = async {
        loop {
            match classify(ws.next().await) {
                Incoming::Ping => {
                    let _ = ws.send(Message::text(PONG)).await;
                }
                Incoming::Event(frame) => {
                    if let Some(env) = envelope(&frame)
                        && env.service == wanted
                    {
                        return Ok(env.body.into_owned());
                    }
                }
                Incoming::Closed => return Err(ClientError::Closed(what)),
                Incoming::Other => {}
            }
        }
    };
    tokio::time::timeout(STEP_TIMEOUT, wait).await.map_err(|_| ClientError::Timeout(what))?
}

/// Sends one `WebPacket`.
pub async fn send(ws: &mut Ws, service: Service, body: &Value) -> Result<(), ClientError> {
    ws.send(Message::text(event_frame(service, &body.to_string())))
        .await
        .map_err(|e| ClientError::Connect(e.to_string()))
}

/// Ends a socket the way the SDK does (`41`, then a WebSocket close), without waiting on the caller's path: the
/// close handshake finishes in the background (bounded), so the server, not the client, holds the TIME_WAIT.
pub fn close_in_background(mut ws: Ws) {
    tokio::spawn(async move {
        let _ = ws.send(Message::text(framing::DISCONNECT)).await;
        let _ = ws.close(None).await;
        let _ = tokio::time::timeout(Duration::from_secs(5), async { while ws.next().await.is_some() {} }).await;
    });
}

/// Waits (10 s at most) until the server of `ws` sees every user of `users` online (svc 164, `status` 1). In a
/// cluster, a user logged in on another node becomes visible here through the cluster's presence, and a push to a
/// user not yet visible would be stored for later rather than delivered: the benchmarks wait for it before sending.
pub async fn wait_online(ws: &mut Ws, users: &[i64]) -> Result<(), String> {
    let deadline = tokio::time::Instant::now() + STEP_TIMEOUT;
    // Small requests, whatever the server's `max_list`.
    for chunk in users.chunks(50) {
        loop {
            send(ws, Service::USER_GET_INFO_BY_IDS, &json!({"purpose": 1, "userIdList": chunk}))
                .await
                .map_err(|e| e.to_string())?;
            let reply = recv_service(ws, Service::USER_GET_INFO_BY_IDS, "users' information (svc 164)")
                .await
                .map_err(|e| e.to_string())?;
            let reply: Value = serde_json::from_str(&reply).unwrap_or(Value::Null);
            let list = reply.get("userInfoList").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
            let online = list.iter().filter(|u| u.get("status").and_then(Value::as_i64) == Some(1)).count();
            if online == chunk.len() {
                break;
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(format!("{online} of {} users seen online after {STEP_TIMEOUT:?}", chunk.len()));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    Ok(())
}

/// The original login: discovery (svc 29) on a first socket, then authenticate (179 → 162) on a second.
pub async fn login(url: &str, app: &crate::server::App, username: &str) -> Result<Session, ClientError> {
    let mut master = open(url).await?;
    send(&mut master, Service::AUTHENTICATION_GET_SERVER_ADDR, &json!({ "azStackUserId": username })).await?;
    let addr = recv_service(&mut master, Service::AUTHENTICATION_GET_SERVER_ADDR, "discovery reply (svc 29)").await?;
    close_in_background(master);
    let addr: Value = serde_json::from_str(&addr).unwrap_or(Value::Null);

    let mut ws = open(url).await?;
    let plaintext = json!({
        "sdkVersion": SDK_VERSION, "namespace": "", "azStackUserID": username, "userCredentials": "",
    });
    let token = azstack_server::auth::encrypt_token(&app.public_key, &plaintext.to_string())
        .map_err(|e| ClientError::Token(e.to_string()))?;
    let request = json!({
        "slaveIp": addr.get("ip"), "slavePort": addr.get("port"), "token": token, "fullname": username,
        "namespace": "", "appId": app.id, "sdkVersion": SDK_VERSION, "platform": 1, "screenSize": "0x0",
    });
    send(&mut ws, Service::AUTHENTICATION_SEND_AUTHENTICATE, &request).await?;
    let reply =
        recv_service(&mut ws, Service::AUTHENTICATION_RECEIVE_AUTHENTICATE, "authenticate reply (svc 162)").await?;
    let reply: Value = serde_json::from_str(&reply).unwrap_or(Value::Null);
    match reply.get("userId").and_then(Value::as_i64) {
        Some(user_id) => Ok(Session { ws, user_id }),
        None => Err(ClientError::Refused(reply.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_frame_double_encodes_the_body() {
        let frame = event_frame(Service::MESSAGE_NEW_WITH_USER_TYPE_TEXT, r#"{"msgId":1,"to":2,"msg":"a\"b"}"#);
        assert_eq!(frame, r#"42["WebPacket",{"service":72,"body":"{\"msgId\":1,\"to\":2,\"msg\":\"a\\\"b\"}"}]"#);
        let env = envelope(&frame).expect("parses back");
        assert_eq!(env.service, 72);
        assert_eq!(env.body, r#"{"msgId":1,"to":2,"msg":"a\"b"}"#);
    }

    #[test]
    fn other_events_and_frames_are_not_webpackets() {
        assert!(envelope(r#"42["other",{"service":1,"body":"{}"}]"#).is_none());
        assert!(envelope("40{\"sid\":\"x\"}").is_none());
    }
}
