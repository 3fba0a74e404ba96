//! Group commit for chat messages.
//!
//! Senders hand a [`NewMessage`] to the writer and await its [`Stored`] outcome. One task drains everything that is
//! queued, writes it in a single transaction and commits once; only then are the outcomes sent back, so an
//! acknowledgement always follows a durable commit. Under load a commit carries hundreds of messages; when idle it
//! carries one, so latency stays one commit.
//!
//! Idempotence (PROTOCOL.md D7): the identity of a message is `(chat, sender, msgId)`. A repeated identity is not
//! stored again; the outcome says `duplicate` and carries the original row, so the caller re-acks without
//! re-delivering.

use std::collections::HashMap;

use sqlx::{Any, AnyPool, Row, Transaction};
use tokio::sync::{mpsc, oneshot};

use super::{Result, StoreError};

/// Most messages written in one transaction.
const MAX_BATCH: usize = 1024;

/// A chat message to store. `conv_a`/`conv_b` identify the conversation: the unordered user pair (smaller id
/// first) for user chats, `(group id, 0)` for groups.
#[derive(Clone, Debug)]
pub struct NewMessage {
    pub chat_type: i64,
    pub conv_a: i64,
    pub conv_b: i64,
    pub sender_id: i64,
    pub receiver_id: i64,
    pub msg_id: i64,
    /// The list `serviceType` of the message (5, 104, 121, 113 for user chats, 146 for group content).
    pub kind: i64,
    /// The content fields with their wire names, as JSON text.
    pub content: String,
    pub created: i64,
}

/// The outcome of storing one message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stored {
    pub row_id: i64,
    pub created: i64,
    /// The identity was already stored: nothing was written, `row_id`/`created` are the original's.
    pub duplicate: bool,
}

/// A submitted message waiting for its commit.
pub struct Pending(oneshot::Receiver<Result<Stored>>);

impl Pending {
    /// Resolves after the commit that holds the message.
    pub async fn wait(self) -> Result<Stored> {
        self.0.await.map_err(|_| StoreError::WriterGone)?
    }
}

enum Job {
    Write {
        message: NewMessage,
        done: oneshot::Sender<Result<Stored>>,
    },
    /// Answered once everything queued before it has committed.
    Flush(oneshot::Sender<()>),
}

/// Handle to the writer task. Cheap to clone.
#[derive(Clone)]
pub struct MessageWriter {
    tx: mpsc::Sender<Job>,
}

impl MessageWriter {
    pub(crate) fn spawn(pool: AnyPool) -> MessageWriter {
        let (tx, rx) = mpsc::channel(8 * MAX_BATCH);
        tokio::spawn(run(pool, rx));
        MessageWriter { tx }
    }

    /// Stores `message`; resolves after the commit that holds it.
    pub async fn store(&self, message: NewMessage) -> Result<Stored> {
        self.submit(message).await?.wait().await
    }

    /// Queues `message` behind everything submitted before it and returns without waiting for the commit, so one
    /// caller can have several messages in flight (and in one commit) while keeping their order.
    pub async fn submit(&self, message: NewMessage) -> Result<Pending> {
        let (done, wait) = oneshot::channel();
        self.tx.send(Job::Write { message, done }).await.map_err(|_| StoreError::WriterGone)?;
        Ok(Pending(wait))
    }

    /// Resolves once everything queued before the call has committed.
    pub async fn flush(&self) {
        let (done, wait) = oneshot::channel();
        if self.tx.send(Job::Flush(done)).await.is_ok() {
            let _ = wait.await;
        }
    }
}

async fn run(pool: AnyPool, mut rx: mpsc::Receiver<Job>) {
    let mut batch: Vec<(NewMessage, oneshot::Sender<Result<Stored>>)> = Vec::with_capacity(MAX_BATCH);
    let mut flushes = Vec::new();
    while let Some(first) = rx.recv().await {
        let mut next = Some(first);
        while let Some(job) = next.take() {
            match job {
                Job::Write { message, done } => batch.push((message, done)),
                Job::Flush(done) => flushes.push(done),
            }
            if batch.len() < MAX_BATCH {
                next = rx.try_recv().ok();
            }
        }
        let messages: Vec<&NewMessage> = batch.iter().map(|(m, _)| m).collect();
        match write_batch(&pool, &messages).await {
            Ok(outcomes) => {
                for ((_, done), outcome) in batch.drain(..).zip(outcomes) {
                    let _ = done.send(Ok(outcome));
                }
            }
            Err(error) => {
                // One bad row must not sink the others: retry each message in a transaction of its own.
                tracing::warn!(%error, size = batch.len(), "batch commit failed; retrying one by one");
                for (message, done) in batch.drain(..) {
                    let outcome = write_batch(&pool, &[&message])
                        .await
                        .and_then(|mut v| v.pop().ok_or_else(|| StoreError::Corrupt("empty batch outcome".into())));
                    let _ = done.send(outcome);
                }
            }
        }
        for done in flushes.drain(..) {
            let _ = done.send(());
        }
    }
}

async fn write_batch(pool: &AnyPool, batch: &[&NewMessage]) -> Result<Vec<Stored>> {
    if batch.is_empty() {
        return Ok(Vec::new());
    }
    let mut tx = pool.begin().await?;
    let mut outcomes = Vec::with_capacity(batch.len());
    // The conversation rows to move forward, each once per batch: its last new message wins, exactly as if every
    // message had updated it in turn. A busy conversation thus costs one update per commit, not one per message.
    let mut user_convs: HashMap<(i64, i64), (i64, i64)> = HashMap::new();
    let mut groups: HashMap<i64, (i64, i64)> = HashMap::new();
    for m in batch {
        let outcome = write_one(&mut tx, m).await?;
        if !outcome.duplicate {
            let last = (m.created, outcome.row_id);
            if m.chat_type == 1 {
                user_convs.insert((m.sender_id, m.receiver_id), last);
                user_convs.insert((m.receiver_id, m.sender_id), last);
            } else {
                groups.insert(m.conv_a, last);
            }
        }
        outcomes.push(outcome);
    }
    for ((owner, peer), (modified, row_id)) in user_convs {
        sqlx::query(
            "INSERT INTO user_conversations (owner_id, peer_id, modified, last_message_id, deleted_up_to) \
             VALUES ($1, $2, $3, $4, 0) ON CONFLICT (owner_id, peer_id) DO UPDATE SET modified = excluded.modified, \
             last_message_id = excluded.last_message_id",
        )
        .bind(owner)
        .bind(peer)
        .bind(modified)
        .bind(row_id)
        .execute(&mut *tx)
        .await?;
    }
    for (group, (modified, row_id)) in groups {
        sqlx::query("UPDATE chat_groups SET modified = $1, last_message_id = $2 WHERE id = $3")
            .bind(modified)
            .bind(row_id)
            .bind(group)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(outcomes)
}

/// Inserts one message, or finds the original of a repeated identity.
async fn write_one(tx: &mut Transaction<'static, Any>, m: &NewMessage) -> Result<Stored> {
    let inserted = sqlx::query(
        "INSERT INTO messages (chat_type, conv_a, conv_b, sender_id, receiver_id, msg_id, kind, content, created, \
         modified, status) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, 1) ON CONFLICT DO NOTHING RETURNING id",
    )
    .bind(m.chat_type)
    .bind(m.conv_a)
    .bind(m.conv_b)
    .bind(m.sender_id)
    .bind(m.receiver_id)
    .bind(m.msg_id)
    .bind(m.kind)
    .bind(&m.content)
    .bind(m.created)
    .fetch_optional(&mut **tx)
    .await?;
    let Some(row) = inserted else {
        let row = sqlx::query(
            "SELECT id, created FROM messages WHERE chat_type = $1 AND conv_a = $2 AND conv_b = $3 AND sender_id = $4 \
             AND msg_id = $5",
        )
        .bind(m.chat_type)
        .bind(m.conv_a)
        .bind(m.conv_b)
        .bind(m.sender_id)
        .bind(m.msg_id)
        .fetch_one(&mut **tx)
        .await?;
        return Ok(Stored { row_id: row.try_get(0)?, created: row.try_get(1)?, duplicate: true });
    };
    Ok(Stored { row_id: row.try_get(0)?, created: m.created, duplicate: false })
}
