//! The server's integration tests, one binary: each module is one area's scenarios against a real server on
//! 127.0.0.1 (SQLite, and PostgreSQL when `AZSTACK_TEST_POSTGRES_URL` is set). One binary links webrtc-rs and sqlx
//! once instead of once per area, which is most of the tests' build time on a small machine.
//!
//! `abuse` holds the `abuse` stage of `scripts/test` (every test `#[ignore = "abuse stage"]`, run with
//! `--ignored abuse::`); `chat_support` and `sip_support` are helpers shared by several modules.

mod abuse;
mod calls;
mod chat_support;
mod cluster;
mod connection;
mod extensions;
mod files;
mod group_history;
mod groups;
mod history;
mod messages;
mod push;
mod reoffer;
mod restart;
mod sip_bridge;
mod sip_callin;
mod sip_callin_offline;
mod sip_callout;
mod sip_gateway;
mod sip_support;
mod sip_tcp;
mod turn;
mod users;
