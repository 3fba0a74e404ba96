//! The `abuse` stage of `scripts/test`: the attacks of the hardening issue, each against a real server, each asserting
//! that the server stays up, that a legitimate user keeps chatting, that memory stays bounded and that the attacker is
//! refused, shed or disconnected. These are tests of limits and behaviour, never of timings.
//!
//! Every test here is `#[ignore = "abuse stage"]`: `cargo test --workspace` (the `rust_test` stage) compiles them and
//! skips them, and `scripts/test abuse` runs them with `--ignored`.

mod calls;
mod connections;
mod login;
mod logs;
mod lookups;
mod queues;
mod small;
mod support;
mod tenancy;
