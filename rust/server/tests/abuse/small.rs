//! Abuse: small.
