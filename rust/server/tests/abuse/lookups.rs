//! Abuse: lookups.
