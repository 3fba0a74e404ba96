//! Abuse: connections (connection lifecycle, bounded queues, login abuse).
