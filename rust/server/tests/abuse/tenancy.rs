//! Abuse: tenancy.
