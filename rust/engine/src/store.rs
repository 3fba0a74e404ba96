//! The engine's optional on-disk state (`storagePath`): the outbox and the catch-up cursor.
//!
//! One embedded SQLite database, `azstack-engine.sqlite3` in the directory the app names, in WAL mode with
//! `synchronous = NORMAL`: a committed row survives the app being killed (the WAL is in the operating system's
//! hands once the commit returns); only a power loss may take the last commits. Every row belongs to an *owner*, the
//! `appId` and `azStackUserId` the engine authenticates as, so one directory may serve several users without one's
//! messages ever going out on another's connection.
//!
//! * `outbox`: messages handed to `newMessage` and not yet acknowledged, in the order they were handed over (`seq`),
//!   each as the message the API shows (status SENDING), which is also what `newMessage` takes back to resend it.
//! * `cursor`: the newest `created` of a message this user was shown, where the catch-up after a reconnect starts.
//! * `seen`: the messages reported through `onHasNewMessage` near and after that cursor, so that no message is
//!   reported twice (entries older than what a catch-up asks for can never be reported again and are pruned).
//!
//! The SQLite library is the one the workspace already links (rusqlite over the same `libsqlite3-sys` as sqlx, bundled).
//! Without the `store` cargo feature (the mobile `cargo check`, which has no C compiler) [`Store::open`] fails and the
//! engine runs without storage.

use std::path::Path;

use serde_json::Value;

/// A message waiting in the outbox.
#[derive(Clone, Debug, PartialEq)]
pub struct Queued {
    pub msg_id: i64,
    /// The message as the API shows it (`newMessage`'s options plus sender, status SENDING, `created`).
    pub message: Value,
}

/// Why the store could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct StoreError(pub String);

/// The database file's name inside `storagePath`.
pub const FILE_NAME: &str = "azstack-engine.sqlite3";

#[cfg(feature = "store")]
mod sqlite {
    use std::sync::{Mutex, MutexGuard, PoisonError};

    use rusqlite::{Connection, OptionalExtension, params};

    use super::*;

    const SCHEMA: &str = "
        CREATE TABLE IF NOT EXISTS outbox (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            owner TEXT NOT NULL,
            msg_id INTEGER NOT NULL,
            message TEXT NOT NULL,
            UNIQUE (owner, msg_id)
        );
        CREATE TABLE IF NOT EXISTS cursor (owner TEXT PRIMARY KEY, created INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS seen (
            owner TEXT NOT NULL,
            msg TEXT NOT NULL,
            created INTEGER NOT NULL,
            PRIMARY KEY (owner, msg)
        );";

    /// The open database.
    pub struct Store {
        db: Mutex<Connection>,
    }

    fn err(context: &str) -> impl Fn(rusqlite::Error) -> StoreError + '_ {
        move |e| StoreError(format!("{context}: {e}"))
    }

    impl Store {
        /// Opens (creating when missing) the database in `dir`, which is created too when missing.
        pub fn open(dir: &Path) -> Result<Store, StoreError> {
            std::fs::create_dir_all(dir)
                .map_err(|e| StoreError(format!("cannot create the directory {}: {e}", dir.display())))?;
            let path = dir.join(FILE_NAME);
            let db = Connection::open(&path).map_err(err("cannot open the database"))?;
            db.busy_timeout(std::time::Duration::from_secs(5)).map_err(err("cannot configure the database"))?;
            db.query_row("PRAGMA journal_mode = WAL", [], |_| Ok(())).map_err(err("cannot read the database"))?;
            db.execute_batch("PRAGMA synchronous = NORMAL;").map_err(err("cannot configure the database"))?;
            db.execute_batch(SCHEMA).map_err(err("cannot create the tables"))?;
            // A damaged file may open fine and fail later: read every table once now.
            let check: String =
                db.query_row("PRAGMA quick_check", [], |row| row.get(0)).map_err(err("cannot check the database"))?;
            if check != "ok" {
                return Err(StoreError(format!("the database is damaged: {check}")));
            }
            Ok(Store { db: Mutex::new(db) })
        }

        fn db(&self) -> MutexGuard<'_, Connection> {
            self.db.lock().unwrap_or_else(PoisonError::into_inner)
        }

        /// Adds a message at the end of `owner`'s outbox; `false` if that `msg_id` is already in it.
        pub fn push(&self, owner: &str, msg_id: i64, message: &Value) -> Result<bool, StoreError> {
            let n = self
                .db()
                .prepare_cached("INSERT OR IGNORE INTO outbox (owner, msg_id, message) VALUES (?1, ?2, ?3)")
                .and_then(|mut s| s.execute(params![owner, msg_id, message.to_string()]))
                .map_err(err("cannot store the message"))?;
            Ok(n == 1)
        }

        /// `owner`'s outbox, oldest first.
        pub fn pending(&self, owner: &str) -> Result<Vec<Queued>, StoreError> {
            let db = self.db();
            let mut statement = db
                .prepare_cached("SELECT msg_id, message FROM outbox WHERE owner = ?1 ORDER BY seq")
                .map_err(err("cannot read the outbox"))?;
            let rows = statement
                .query_map(params![owner], |row| Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?)))
                .map_err(err("cannot read the outbox"))?;
            let mut queued = Vec::new();
            for row in rows {
                let (msg_id, text) = row.map_err(err("cannot read the outbox"))?;
                // A row that does not parse was not written by this engine; it is skipped, never sent.
                if let Ok(message) = serde_json::from_str(&text) {
                    queued.push(Queued { msg_id, message });
                }
            }
            Ok(queued)
        }

        /// Removes a message from `owner`'s outbox; `false` if it was not there.
        pub fn remove(&self, owner: &str, msg_id: i64) -> Result<bool, StoreError> {
            let n = self
                .db()
                .prepare_cached("DELETE FROM outbox WHERE owner = ?1 AND msg_id = ?2")
                .and_then(|mut s| s.execute(params![owner, msg_id]))
                .map_err(err("cannot remove the message"))?;
            Ok(n == 1)
        }

        /// How many messages wait in `owner`'s outbox.
        pub fn count(&self, owner: &str) -> Result<usize, StoreError> {
            self.db()
                .prepare_cached("SELECT COUNT(*) FROM outbox WHERE owner = ?1")
                .and_then(|mut s| s.query_row(params![owner], |row| row.get::<_, i64>(0)))
                .map(|n| usize::try_from(n).unwrap_or(0))
                .map_err(err("cannot count the outbox"))
        }

        /// The catch-up cursor of `owner`.
        pub fn cursor(&self, owner: &str) -> Result<Option<i64>, StoreError> {
            self.db()
                .prepare_cached("SELECT created FROM cursor WHERE owner = ?1")
                .and_then(|mut s| s.query_row(params![owner], |row| row.get(0)).optional())
                .map_err(err("cannot read the cursor"))
        }

        /// Moves `owner`'s cursor forward to `created` (never back) and forgets the messages seen before
        /// `forget_before`.
        pub fn advance_cursor(&self, owner: &str, created: i64, forget_before: i64) -> Result<(), StoreError> {
            let db = self.db();
            db.prepare_cached(
                "INSERT INTO cursor (owner, created) VALUES (?1, ?2)
                 ON CONFLICT (owner) DO UPDATE SET created = MAX(created, excluded.created)",
            )
            .and_then(|mut s| s.execute(params![owner, created]))
            .and_then(|_| db.prepare_cached("DELETE FROM seen WHERE owner = ?1 AND created < ?2"))
            .and_then(|mut s| s.execute(params![owner, forget_before]))
            .map(drop)
            .map_err(err("cannot move the cursor"))
        }

        /// Records that message `msg` (created at `created`) was reported to `owner`; `false` if it already was.
        pub fn mark_seen(&self, owner: &str, msg: &str, created: i64) -> Result<bool, StoreError> {
            let n = self
                .db()
                .prepare_cached("INSERT OR IGNORE INTO seen (owner, msg, created) VALUES (?1, ?2, ?3)")
                .and_then(|mut s| s.execute(params![owner, msg, created]))
                .map_err(err("cannot record the message"))?;
            Ok(n == 1)
        }
    }
}

#[cfg(feature = "store")]
pub use sqlite::Store;

/// Without the `store` feature there is no database: opening fails, and no value of this type exists.
#[cfg(not(feature = "store"))]
pub enum Store {}

#[cfg(not(feature = "store"))]
#[allow(clippy::unused_self)]
impl Store {
    pub fn open(_dir: &Path) -> Result<Store, StoreError> {
        Err(StoreError("this build has no storage (the engine's `store` feature is off)".to_owned()))
    }
    pub fn push(&self, _: &str, _: i64, _: &Value) -> Result<bool, StoreError> {
        match *self {}
    }
    pub fn pending(&self, _: &str) -> Result<Vec<Queued>, StoreError> {
        match *self {}
    }
    pub fn remove(&self, _: &str, _: i64) -> Result<bool, StoreError> {
        match *self {}
    }
    pub fn count(&self, _: &str) -> Result<usize, StoreError> {
        match *self {}
    }
    pub fn cursor(&self, _: &str) -> Result<Option<i64>, StoreError> {
        match *self {}
    }
    pub fn advance_cursor(&self, _: &str, _: i64, _: i64) -> Result<(), StoreError> {
        match *self {}
    }
    pub fn mark_seen(&self, _: &str, _: &str, _: i64) -> Result<bool, StoreError> {
        match *self {}
    }
}

#[cfg(all(test, feature = "store"))]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn outbox_keeps_order_per_owner_and_survives_reopening() {
        let dir = tempfile::tempdir().unwrap();
        {
            let store = Store::open(dir.path()).unwrap();
            assert!(store.push("a", 2, &json!({"msgId": 2})).unwrap());
            assert!(store.push("a", 1, &json!({"msgId": 1})).unwrap());
            assert!(!store.push("a", 2, &json!({"msgId": 2})).unwrap(), "a msgId is queued once");
            assert!(store.push("b", 3, &json!({"msgId": 3})).unwrap());
        }
        let store = Store::open(dir.path()).unwrap();
        let ids: Vec<i64> = store.pending("a").unwrap().iter().map(|q| q.msg_id).collect();
        assert_eq!(ids, [2, 1]);
        assert_eq!(store.count("b").unwrap(), 1);
        assert!(store.remove("a", 2).unwrap());
        assert!(!store.remove("a", 2).unwrap());
        assert!(!store.remove("b", 1).unwrap(), "another owner's message is not touched");
        assert_eq!(store.count("a").unwrap(), 1);
    }

    #[test]
    fn cursor_moves_forward_and_prunes_what_it_passed() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(store.cursor("a").unwrap(), None);
        assert!(store.mark_seen("a", "1_2_3_4", 100).unwrap());
        assert!(!store.mark_seen("a", "1_2_3_4", 100).unwrap());
        store.advance_cursor("a", 200, 190).unwrap();
        store.advance_cursor("a", 150, 140).unwrap();
        assert_eq!(store.cursor("a").unwrap(), Some(200));
        assert!(store.mark_seen("a", "1_2_3_4", 100).unwrap(), "pruned once the cursor passed it");
    }

    #[test]
    fn a_damaged_or_unusable_directory_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(FILE_NAME), vec![0x5a; 8192]).unwrap();
        let error = Store::open(dir.path()).err().expect("a file that is not a database");
        assert!(error.0.contains("database"), "{error}");
        let file = dir.path().join("a-file");
        std::fs::write(&file, b"x").unwrap();
        assert!(Store::open(&file).is_err(), "a path that is a file");
    }
}
