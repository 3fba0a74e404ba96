//! Abuse: queues (connection lifecycle, bounded queues, login abuse).
