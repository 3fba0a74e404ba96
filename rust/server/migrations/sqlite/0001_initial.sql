-- The server's data model (PROTOCOL.md §11.1). SQLite flavour; postgres/0001_initial.sql is the same schema.
CREATE TABLE apps (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    public_key TEXT NOT NULL,
    private_key TEXT NOT NULL,
    created BIGINT NOT NULL
);

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    app_id TEXT NOT NULL,
    namespace TEXT NOT NULL,
    username TEXT NOT NULL,
    fullname TEXT NOT NULL,
    last_visit BIGINT NOT NULL,
    created BIGINT NOT NULL,
    UNIQUE (app_id, namespace, username)
);

CREATE TABLE chat_groups (
    id INTEGER PRIMARY KEY,
    app_id TEXT NOT NULL,
    type BIGINT NOT NULL,
    name TEXT NOT NULL,
    admin_id BIGINT NOT NULL,
    auto_join BIGINT NOT NULL,
    created BIGINT NOT NULL,
    modified BIGINT NOT NULL,
    last_message_id BIGINT NOT NULL
);
CREATE INDEX chat_groups_app_type ON chat_groups (app_id, type);

CREATE TABLE group_members (
    group_id BIGINT NOT NULL,
    user_id BIGINT NOT NULL,
    joined BIGINT NOT NULL,
    deleted_up_to BIGINT NOT NULL,
    PRIMARY KEY (group_id, user_id)
);
CREATE INDEX group_members_user ON group_members (user_id);

CREATE TABLE messages (
    id INTEGER PRIMARY KEY,
    chat_type BIGINT NOT NULL,
    conv_a BIGINT NOT NULL,
    conv_b BIGINT NOT NULL,
    sender_id BIGINT NOT NULL,
    receiver_id BIGINT NOT NULL,
    msg_id BIGINT NOT NULL,
    kind BIGINT NOT NULL,
    content TEXT NOT NULL,
    created BIGINT NOT NULL,
    modified BIGINT NOT NULL,
    status BIGINT NOT NULL,
    UNIQUE (chat_type, conv_a, conv_b, sender_id, msg_id)
);
CREATE INDEX messages_conversation ON messages (chat_type, conv_a, conv_b, created);

CREATE TABLE receipts (
    message_id BIGINT NOT NULL,
    user_id BIGINT NOT NULL,
    status BIGINT NOT NULL,
    PRIMARY KEY (message_id, user_id)
);

CREATE TABLE hidden_messages (
    user_id BIGINT NOT NULL,
    message_id BIGINT NOT NULL,
    PRIMARY KEY (user_id, message_id)
);

CREATE TABLE user_conversations (
    owner_id BIGINT NOT NULL,
    peer_id BIGINT NOT NULL,
    modified BIGINT NOT NULL,
    last_message_id BIGINT NOT NULL,
    deleted_up_to BIGINT NOT NULL,
    PRIMARY KEY (owner_id, peer_id)
);
CREATE INDEX user_conversations_modified ON user_conversations (owner_id, modified);

CREATE TABLE devices (
    user_id BIGINT NOT NULL,
    token TEXT NOT NULL,
    platform BIGINT NOT NULL,
    bundle_id TEXT NOT NULL,
    created BIGINT NOT NULL,
    PRIMARY KEY (user_id, token)
);

CREATE TABLE paid_call_logs (
    id INTEGER PRIMARY KEY,
    call_id BIGINT NOT NULL,
    user_id BIGINT NOT NULL,
    from_number TEXT NOT NULL,
    to_number TEXT NOT NULL,
    tags TEXT,
    duration BIGINT NOT NULL,
    record_time BIGINT NOT NULL,
    url TEXT NOT NULL,
    call_type BIGINT NOT NULL,
    status BIGINT NOT NULL
);
CREATE INDEX paid_call_logs_user ON paid_call_logs (user_id, record_time);
