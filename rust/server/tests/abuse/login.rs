//! Abuse: login (connection lifecycle, bounded queues, login abuse).
