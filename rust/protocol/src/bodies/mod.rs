//! filled by bodies work
