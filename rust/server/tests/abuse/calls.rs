//! Abuse: calls.
