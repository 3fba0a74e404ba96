//! # azstack-server
//!
//! A self-hostable server for the AZStack protocol (the project's `PROTOCOL.md`): chat, groups, users and free-call
//! signalling, for the new engine and for the original AZStack JS SDK alike.
//!
//! ## How a packet flows
//! [`gateway`] accepts Socket.IO v4 and v5 connections on one endpoint and queues each socket's `WebPacket` events
//! in order. A task per socket takes them one by one: discovery and authentication ([`gateway::login`], [`auth`])
//! bind the socket to a user as a [`session::Session`]; after that [`handlers::dispatch`] routes each packet to its
//! area's module, which validates it, stores what must last through the [`store::Store`] trait and pushes to other
//! users through the [`fanout::Fanout`] trait (every session of every recipient, with the exceptions of PROTOCOL.md
//! §11.3); free calls go to the [`calls::Calls`] registry. Recipients whose app is not in the foreground also get a
//! mobile push ([`push`], APNs and FCM), queued so that it never holds up delivery.
//!
//! ## Phone calls
//! The SIP gateway is its own crate, `azstack_sip`; [`sip_host`] is the server's side of it (its `Host` trait over
//! the sessions, the store and the recordings), and `calls` hands it the apps' callout and call-in packets.
//!
//! ## Files
//! [`files`] serves `POST /files` (an upload authenticated by the login token) and signed download links on the same
//! listener, over an object store (a directory or S3) that call recordings ([`recordings`]) move into once complete.
//!
//! ## Which module may use which
//! Dependencies point down. [`server`] (start-up) and [`gateway`] are the composition root: they build the [`hub::Hub`]
//! and are the only ones to reach into it. The handlers get [`handlers::Services`] (the store, the fan-out, the call
//! registry, the limits, the counters); the call registry holds its own handles; [`listener`] knows only
//! [`admission`]; [`errors`], [`session`], [`store`], [`metrics`] and [`warnings`] are below all of them.
//! `scripts/test` checks that the modules form no cycle (`scripts/lib/check-modules.mjs`).
//!
//! ## Storage
//! One sqlx code path runs on SQLite (embedded default) and PostgreSQL. Chat messages are committed in groups by a
//! single writer task, and acknowledged only after their commit.
//!
//! ## Tests
//! `testkit` (feature `testkit`) starts a server on 127.0.0.1 and drives it with a small raw Socket.IO client; the
//! engine's tests and the bench use it too.

pub mod admission;
pub mod auth;
pub mod calls;
pub mod cluster;
pub mod config;
pub mod errors;
pub mod fanout;
pub mod fdlimit;
pub mod files;
pub mod gateway;
pub mod handlers;
pub mod hub;
pub mod listener;
pub mod metrics;
pub mod push;
pub mod recordings;
pub mod server;
pub mod session;
pub mod sip_host;
pub mod store;
#[cfg(feature = "testkit")]
pub mod testkit;
pub mod turn;
pub mod warnings;

pub use config::Config;
pub use server::{RunningServer, StartError, create_app, start, start_with_store};
