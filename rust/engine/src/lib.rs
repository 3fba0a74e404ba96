//! # azstack-engine
//!
//! The client core of the SDK. Everything `AZStackCore` does that is not media lives here; the React Native module
//! (C++ over `azstack-ffi`) and the Linux host are thin layers over it.
//!
//! ## Layers, bottom up
//!
//! * [`transport`]: a small Engine.IO 4 / Socket.IO 5 client over `tokio-tungstenite` (TCP_NODELAY on). It reports
//!   "connected" only after the namespace CONNECT is acknowledged, answers heartbeats, notices a silent peer
//!   within `livenessTimeout` (WebSocket pings), and carries `WebPacket` envelopes in order.
//! * [`core`]: what every area shares — the configuration, the event sink, the request table, the connection's
//!   [`core::Phase`] and slave socket — and the two primitives [`core::Core::send`] and [`core::Core::request`]. It
//!   uses no area.
//! * [`requests`]: the pending-request table of §8. A request is keyed by its uncall key and request key; replies are
//!   routed to it by service number and echoed key; multi-packet replies are gathered in arrival order; requests fail
//!   at once when the connection drops (D9) and after `requestTimeout`. Two calls with the same key do not overwrite
//!   each other (the original's Q14): the second waits until the first has settled, then goes out.
//! * [`api`]: one module and one handle per area (conversations, messages with the [`outbox`], users, groups, paid
//!   call logs, extensions). Each method validates its options with the original's rules and texts ([`validate`]),
//!   builds the wire body with `azstack-protocol`'s types, waits for the reply and maps it to the API result
//!   ([`model`], which also holds every event payload).
//! * [`call`]: free calls and phone calls (state machine, webrtc-rs peer connection, streams) over [`media`]
//!   (sources, sinks, Opus/H.264, RTP loops).
//! * [`catch_up`] over [`store`] (extension, `storagePath`): the catch-up that reports what arrived while the engine
//!   was away, each message once; the outbox that sends what `newMessage` was handed is part of the messages area.
//! * [`engine`], the top: the [`Engine`] handle owns the core and the areas' state and hands out the area handles
//!   (`engine.messages()`, `engine.groups()`, `engine.calls()`, …). Its [`connection`] is the state machine of
//!   PROTOCOL.md §9 — discovery (29) on a first socket, authenticate (179) on a second, the reply 162, the
//!   application ping, `disconnect`, and auto-reconnect with its delegates; its [`router`] turns every packet that is
//!   not a reply into an [`Event`] for the [`EventSink`] or hands it to its area; its [`dispatch`] is the JSON edge:
//!   `Engine::dispatch("newMessage", {...})` maps a JS method name and options object onto the typed API and returns
//!   the result as JSON, so the FFI stays one narrow function.
//!
//! No module uses one above it (`node scripts/lib/check-modules.mjs rust/engine/src` checks it).
//!
//! ## Example
//!
//! ```no_run
//! use std::sync::Arc;
//! use azstack_engine::{ChannelSink, Engine, Event};
//! use serde_json::json;
//!
//! # async fn run() -> Result<(), azstack_engine::ApiError> {
//! let (tx, mut events) = tokio::sync::mpsc::unbounded_channel();
//! let core = Engine::from_json(
//!     &json!({
//!         "masterSocketUri": "http://127.0.0.1:9000",
//!         "authenticatingData": {
//!             "appId": "<appId>", "publicKey": "<base64 SPKI>", "azStackUserId": "alice", "fullname": "Alice"
//!         }
//!     }),
//!     Arc::new(ChannelSink(tx)),
//! );
//! let me = core.dispatch("connect", json!(null)).await?; // {"userId": 1, "azStackUserId": "alice", ...}
//! let sent = core.dispatch("newMessage", json!({"chatType": 1, "chatId": 2, "text": "hi"})).await?;
//! assert_eq!(sent["status"], 1); // acknowledged by the server
//! while let Some(event) = events.recv().await {
//!     let (error, result) = event.payload();
//!     println!("{}({error}, {result})", event.delegate()); // e.g. onHasNewMessage(null, {...})
//! }
//! # let _ = me; Ok(()) }
//! ```

pub mod api;
pub mod auth;
pub mod call;
pub mod catch_up;
pub mod config;
pub mod core;
pub mod engine;
pub mod events;
pub mod ids;
pub mod mapping;
pub mod media;
pub mod model;
pub mod requests;
pub mod store;
pub mod tls;
pub mod transport;
pub mod validate;

pub use api::outbox;
pub use azstack_protocol::errors::{ApiError, ErrorCode};
pub use config::{AuthenticatingData, Config};
pub use engine::{Engine, connection, dispatch, router};
pub use events::{ChannelSink, DELEGATES, Event, EventSink, NoEvents};

/// The `sdkVersion` this engine sends (D6: the prefix tells the server it may send the extension acks).
pub const SDK_VERSION: &str = concat!("azstack-rs/", env!("CARGO_PKG_VERSION"));
