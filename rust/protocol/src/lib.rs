//! # azstack-protocol
//!
//! The AZStack wire protocol (the project's `PROTOCOL.md`) as Rust types, shared by the server and the client
//! engine. Nothing here does I/O.
//!
//! The protocol is one Socket.IO event, `WebPacket`, whose argument is an [`Envelope`]: an integer service number
//! and a body that is JSON text inside a string. [`Service`] lists every service number; [`bodies`] has one typed
//! struct per request, reply and push body, with the exact wire field names (which differ between services for the
//! same idea: `msgId` vs `id`, `time` vs `created`, `group` vs `groupId` — see PROTOCOL.md Appendix B);
//! [`constants`] holds the public constants with the seed README's values, [`errors`] the error codes, and
//! [`framing`] the Engine.IO / Socket.IO text frames that carry the event, and [`media`] the audio codec parameters
//! both ends of a call register (Opus).
//!
//! Numbers stay JSON numbers end to end: the original client compares them with `===`.

pub mod bodies;
pub mod constants;
pub mod envelope;
pub mod errors;
pub mod framing;
pub mod media;
pub mod service;

pub use envelope::{DecodeError, EVENT, Envelope};
pub use service::Service;
