//! # azstack-server
//!
//! A self-hostable server for the AZStack protocol (the project's `PROTOCOL.md`): chat, groups, users and free-call
//! signalling, for the new engine and for the original AZStack JS SDK alike.
//!
//! ## How a packet flows
//! [`gateway`] accepts Socket.IO v4 and v5 connections on one endpoint and queues each socket's `WebPacket` events
//! in order. A task per socket takes them one by one: discovery and authentication ([`handlers::connection`],
//! [`auth`]) bind the socket to a user as a [`session::Session`]; after that [`handlers::dispatch`] routes each
//! packet to its area's module, which validates it, stores what must last in the [`store`] and fans out to the
//! [`session::Registry`] (every session of every recipient, with the exceptions of PROTOCOL.md §11.3).
//!
//! ## Storage
//! One sqlx code path runs on SQLite (embedded default) and PostgreSQL. Chat messages are committed in groups by a
//! single writer task, and acknowledged only after their commit.
//!
//! ## Tests
//! [`testkit`] starts a server on 127.0.0.1 and drives it with a small raw Socket.IO client; the engine's tests use it
//! too.

pub mod admission;
pub mod auth;
pub mod calls;
pub mod config;
pub mod fdlimit;
pub mod gateway;
pub mod handlers;
pub mod hub;
pub mod listener;
pub mod metrics;
pub mod recordings;
pub mod server;
pub mod session;
pub mod sip;
pub mod store;
pub mod testkit;
pub mod turn;
pub mod warnings;

pub use config::Config;
pub use server::{RunningServer, StartError, create_app, start, start_with_store};
