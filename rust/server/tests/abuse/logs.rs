//! Abuse: logs.
