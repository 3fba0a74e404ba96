-- Files stored for file messages (files/): who stored which object, for its download and the per-user quota.
CREATE TABLE files (
    id TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL,
    bytes INTEGER NOT NULL,
    mime_type TEXT NOT NULL,
    name TEXT NOT NULL,
    created INTEGER NOT NULL
);
CREATE INDEX files_user ON files (user_id);
-- Bytes each user has stored: one row per user, raised with a conditional UPDATE so concurrent uploads cannot pass
-- the quota together.
CREATE TABLE file_usage (
    user_id INTEGER PRIMARY KEY,
    bytes INTEGER NOT NULL
);
