//! Storage: one sqlx `AnyPool` code path for SQLite (the embedded default) and PostgreSQL (by URL).
//!
//! Every query is written once, with `$N` placeholders, which both SQLite and PostgreSQL accept. The schema lives in
//! `migrations/{sqlite,postgres}`; the two differ only in how identity columns are declared.
//!
//! Chat messages are the hot path. They go through [`writer::MessageWriter`], a single task that commits many
//! messages in one transaction (group commit), so acknowledging a message never waits for an fsync of its own:
//! a message is acknowledged only after the transaction holding it has committed. Everything else (groups, users,
//! receipts) is rare enough to run directly on the pool.
//!
//! The handlers and the call registry see storage through the [`Store`] trait ([`contract`]); [`SqlStore`] is its
//! implementation.

pub mod apps;
pub mod call_logs;
pub mod contract;
pub mod devices;
pub mod files;
pub mod groups;
pub mod history;
pub mod membership;
pub mod messages;
pub mod users;
pub mod writer;

pub use contract::Store;

use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::{AnyPool, Executor, SqlSafeStr};

/// What can go wrong in the store. Callers log it and answer the client with an error reply.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    #[error("migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("the message writer has stopped")]
    WriterGone,
    #[error("stored data is not valid: {0}")]
    Corrupt(String),
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// Which database engine a URL points at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The schema migrations of `backend`, embedded in the binary. (sqlx's `migrate!` macro does the same at compile
/// time, but needs sqlx's `macros` feature, which builds SQLite and both database drivers a second time for the
/// build host — about a minute of every cold build.) The checksums are the macro's, so databases it migrated stay
/// valid.
fn migrator(backend: Backend) -> Migrator {
    let sql = match backend {
        Backend::Sqlite => [
            include_str!("../../migrations/sqlite/0001_initial.sql"),
            include_str!("../../migrations/sqlite/0002_paid_call_log_recording.sql"),
            include_str!("../../migrations/sqlite/0003_group_namespace.sql"),
            include_str!("../../migrations/sqlite/0004_files.sql"),
        ],
        Backend::Postgres => [
            include_str!("../../migrations/postgres/0001_initial.sql"),
            include_str!("../../migrations/postgres/0002_paid_call_log_recording.sql"),
            include_str!("../../migrations/postgres/0003_group_namespace.sql"),
            include_str!("../../migrations/postgres/0004_files.sql"),
        ],
    };
    let names = ["initial", "paid call log recording", "group namespace", "files"];
    Migrator::with_migrations(
        (1..)
            .zip(names.into_iter().zip(sql))
            .map(|(version, (name, sql))| {
                Migration::new(version, name.into(), MigrationType::Simple, sql.into_sql_str(), false)
            })
            .collect(),
    )
}

/// The sqlx store: a connection pool plus the group-commit message writer.
#[derive(Clone)]
pub struct SqlStore {
    pub(crate) pool: AnyPool,
    pub(crate) backend: Backend,
    pub(crate) writer: writer::MessageWriter,
}

impl SqlStore {
    /// Opens (creating if needed) the database at `url` and brings its schema up to date.
    ///
    /// `sqlite://PATH` opens or creates a file (WAL journal, full fsync on commit); `sqlite::memory:` an in-memory
    /// database held by one connection; `postgres://…` a PostgreSQL database.
    pub async fn open(url: &str) -> Result<SqlStore> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            Backend::Sqlite
        };
        let mut options = AnyPoolOptions::new();
        let url = match backend {
            Backend::Sqlite if url.contains(":memory:") => {
                // Each connection of an in-memory database is a database of its own: keep exactly one forever.
                options = options.max_connections(1).min_connections(1).idle_timeout(None).max_lifetime(None);
                url.to_owned()
            }
            Backend::Sqlite => {
                options = options.max_connections(4);
                if url.contains('?') { url.to_owned() } else { format!("{url}?mode=rwc") }
            }
            Backend::Postgres => {
                options = options.max_connections(16);
                url.to_owned()
            }
        };
        if backend == Backend::Sqlite {
            options = options.after_connect(|conn, _| {
                Box::pin(async move {
                    conn.execute("PRAGMA journal_mode = WAL").await?;
                    conn.execute("PRAGMA synchronous = FULL").await?;
                    conn.execute("PRAGMA busy_timeout = 10000").await?;
                    conn.execute("PRAGMA foreign_keys = OFF").await?;
                    Ok(())
                })
            });
        }
        let connect = AnyConnectOptions::from_str(&url)?;
        let pool = options.acquire_timeout(Duration::from_secs(30)).connect_with(connect).await?;
        migrator(backend).run(&pool).await?;
        let writer = writer::MessageWriter::spawn(pool.clone());
        Ok(SqlStore { pool, backend, writer })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Waits for queued writes, then closes the pool.
    pub async fn close(&self) {
        self.writer.flush().await;
        self.pool.close().await;
    }
}

/// A tenant: a namespace of an application. Users, groups and calls of different tenants never meet; every query
/// that resolves a user or a group by id for a request is restricted to the requester's tenant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tenant<'a> {
    pub app_id: &'a str,
    pub namespace: &'a str,
}

/// `$first, $first+1, …` (`count` of them): the placeholders of an `IN (…)` list, so a lookup of many ids is one
/// statement on both backends (the `Any` driver binds no arrays, so PostgreSQL's `= ANY($1)` is not available).
pub(crate) fn placeholders(first: usize, count: usize) -> String {
    (first..first + count).map(|n| format!("${n}")).collect::<Vec<_>>().join(", ")
}

/// Milliseconds since the epoch, the protocol's time unit.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}
