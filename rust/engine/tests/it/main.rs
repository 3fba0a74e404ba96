//! The engine's integration tests, one module per area, in one test binary: the engine and its dependencies
//! (webrtc-rs, the codecs, the server the tests start) are linked once instead of once per area.
//!
//! Most tests run engines against a real `azstack-server` on 127.0.0.1 (in process, [`common`]); `connection`,
//! `liveness` and `outbox` also start, stop and kill a server process; `pstn` uses a real SIPp as the carrier; and
//! `media_loopback` runs the media pipeline between two peer connections without a server. Run one area with a
//! filter, e.g. `cargo test -p azstack-engine --test it pstn::`.

mod common;

mod calls;
mod chat;
mod cluster_calls;
mod connection;
mod groups;
mod ice_restart;
mod lists;
mod liveness;
mod media_loopback;
mod outbox;
mod pstn;
mod uploads;
mod validation;
