//! The hottest statements on SQLite (the user behind every bearer token, the blacklist check
//! and the blacklist write of every refresh), made on the calling thread: reads on a connection
//! of that thread's own, writes on the one writing connection of the file.
//!
//! sqlx-sqlite runs each connection on a thread of its own and sends every query there and
//! back through channels: two thread wake-ups per query, about two thirds of the time of a
//! primary-key lookup (see BENCHMARKS.md). These statements take microseconds on an indexed
//! table in WAL mode, where readers never wait for the writer, so they run in place.
//!
//! A write runs in place too, while its caller holds the process's [`WriteTurn`], so it never
//! waits for another writer of this process, and the writing connection is free. Nor does it
//! wait for another process (a command of the CLI, an import): it fails at once as busy
//! ([`is_busy`]), and the caller writes through the pool instead, whose threads may wait. Its
//! connection never checkpoints the WAL (a checkpoint copies pages and syncs files, and would
//! stall the worker thread): [`Store::checkpoint`](crate::store::Store::checkpoint) does that in
//! the background.

use std::cell::RefCell;
use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use anyhow::Context;
use rusqlite::{Connection, OpenFlags};

use crate::store::statement::{Read, Write, WriteTurn};

/// Direct reads and writes of one SQLite file.
#[derive(Debug, Clone)]
pub struct Direct {
    /// This file's number in the process, by which each thread finds its reading connection:
    /// cheaper than hashing the path on every read (BENCHMARKS.md).
    file: u64,
    path: PathBuf,
    /// One writing connection for every thread: writers take turns anyway, and its page cache
    /// then stays valid from one write to the next. (SQLite drops a connection's cache when
    /// another connection has written, and the pages a write needs would be read again while
    /// every other writer waits.)
    writer: Arc<Mutex<Option<Connection>>>,
}

/// What a connection may do: reading connections refuse to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Access {
    Read,
    Write,
}

thread_local! {
    /// A thread's reading connections to database files, by file number, opened on first use.
    static READERS: RefCell<HashMap<u64, Connection>> = RefCell::new(HashMap::new());
}

/// The next file number.
static NEXT_FILE: AtomicU64 = AtomicU64::new(0);

impl Direct {
    /// Direct access to the file a `sqlite://` URL (as `Store::connect` writes it) names; none
    /// for an in-memory database, which only its own connection can see.
    pub fn for_url(url: &str) -> Option<Direct> {
        let path = url.strip_prefix("sqlite://")?.split('?').next()?;
        (!path.is_empty() && path != ":memory:").then(|| Direct::new(PathBuf::from(path)))
    }

    fn new(path: PathBuf) -> Direct {
        Direct { file: NEXT_FILE.fetch_add(1, Ordering::Relaxed), path, writer: Arc::default() }
    }

    /// Runs `read` with `statement`, prepared on this thread's reading connection to the file.
    pub fn read<T>(
        &self,
        statement: Read,
        read: impl FnOnce(&mut rusqlite::CachedStatement<'_>) -> rusqlite::Result<T>,
    ) -> anyhow::Result<T> {
        let done = READERS.with(|readers| {
            let mut readers = readers.borrow_mut();
            let connection = match readers.entry(self.file) {
                Entry::Occupied(opened) => opened.into_mut(),
                Entry::Vacant(unopened) => unopened.insert(self.open(Access::Read)?),
            };
            let mut prepared = connection.prepare_cached(statement.sql())?;
            let done = read(&mut prepared)?;
            Ok::<_, anyhow::Error>(done)
        });
        done.context("Failed to read the database")
    }

    /// Runs `write` with `statement`, prepared on the writing connection to the file, while the
    /// caller holds the process's write turn.
    pub fn write<T>(
        &self,
        turn: &WriteTurn<'_>,
        statement: Write,
        write: impl FnOnce(&mut rusqlite::CachedStatement<'_>) -> rusqlite::Result<T>,
    ) -> anyhow::Result<T> {
        debug_assert!(turn.is_queued(), "direct writes are made on SQLite, where turns queue");
        // Never waits: whoever holds the turn is the only one here.
        let mut writer = self.writer.lock().unwrap_or_else(PoisonError::into_inner);
        let connection = match &mut *writer {
            Some(connection) => connection,
            empty => empty.insert(self.open(Access::Write)?),
        };
        let done = connection.prepare_cached(turn.sql(statement)).and_then(|mut prepared| write(&mut prepared));
        done.context("Failed to write to the database")
    }

    fn open(&self, access: Access) -> anyhow::Result<Connection> {
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI;
        let connection = Connection::open_with_flags(&self.path, flags)
            .with_context(|| format!("Failed to open {}", self.path.display()))?;
        let pragmas = match access {
            // A checkpoint in progress, or another process's write, is waited for, not failed.
            Access::Read => "PRAGMA query_only = ON; PRAGMA busy_timeout = 10000;",
            // As durable as the pool's connections (`Store::connect`), without checkpoints,
            // and never waiting on the worker thread for another process's write.
            Access::Write => {
                "PRAGMA busy_timeout = 0; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; \
                 PRAGMA wal_autocheckpoint = 0;"
            }
        };
        connection.execute_batch(pragmas).context("Failed to prepare a direct connection")?;
        Ok(connection)
    }
}

/// Whether a direct statement failed because another process holds the database.
pub fn is_busy(error: &anyhow::Error) -> bool {
    matches!(
        error.downcast_ref::<rusqlite::Error>(),
        Some(rusqlite::Error::SqliteFailure(failure, _))
            if matches!(failure.code, rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A WAL database with a table `t`, the connection that made it, and direct access to it.
    fn database() -> (tempfile::TempDir, Connection, Direct) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.sqlite");
        let other = Connection::open(&path).unwrap();
        other.execute_batch("PRAGMA journal_mode = WAL; CREATE TABLE t (v INTEGER);").unwrap();
        (dir, other, Direct::new(path))
    }

    const COUNT: Read = Read::new("SELECT COUNT(*) FROM t");
    const INSERT: Write = Write::new("INSERT INTO t VALUES (1)");

    fn count(direct: &Direct) -> i64 {
        direct.read(COUNT, |statement| statement.query_row([], |row| row.get(0))).unwrap()
    }

    fn insert(direct: &Direct, turn: &WriteTurn<'_>) -> anyhow::Result<usize> {
        direct.write(turn, INSERT, |statement| statement.execute([]))
    }

    #[test]
    fn files_get_direct_reads_and_memory_does_not() {
        let direct = Direct::for_url("sqlite://data/gatehouse.db?mode=rwc").unwrap();
        assert_eq!(direct.path, PathBuf::from("data/gatehouse.db"));
        assert!(Direct::for_url("sqlite://:memory:?mode=rwc").is_none());
        assert!(Direct::for_url("postgres://localhost/db").is_none());
    }

    #[test]
    fn a_direct_read_sees_what_another_connection_committed() {
        let (_dir, writer, direct) = database();
        assert_eq!(count(&direct), 0);
        writer.execute("INSERT INTO t VALUES (1)", []).unwrap();
        assert_eq!(count(&direct), 1);
    }

    #[test]
    fn a_reading_connection_refuses_to_write_and_a_writing_one_writes() {
        let (_dir, _other, direct) = database();
        let written_as_a_read = Read::new("INSERT INTO t VALUES (1)");
        assert!(direct.read(written_as_a_read, |statement| statement.execute([])).is_err());
        let queue = tokio::sync::Mutex::new(());
        let turn = WriteTurn::new(Some(queue.try_lock().unwrap()));
        assert_eq!(insert(&direct, &turn).unwrap(), 1);
        assert_eq!(count(&direct), 1);
    }

    #[test]
    fn a_write_while_another_process_writes_fails_at_once_as_busy() {
        let (_dir, other, direct) = database();
        other.execute_batch("BEGIN IMMEDIATE;").unwrap();
        let queue = tokio::sync::Mutex::new(());
        let turn = WriteTurn::new(Some(queue.try_lock().unwrap()));
        let error = insert(&direct, &turn).unwrap_err();
        assert!(is_busy(&error), "{error:#}");
        other.execute_batch("COMMIT").unwrap();
        assert_eq!(insert(&direct, &turn).unwrap(), 1);
    }
}
