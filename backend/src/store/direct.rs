//! The hottest reads on SQLite (the user behind every bearer token, the blacklist check of
//! every refresh), made on a connection owned by the calling thread.
//!
//! sqlx-sqlite runs each connection on a thread of its own and sends every query there and
//! back through channels: two thread wake-ups per query, about two thirds of the time of a
//! primary-key lookup (see BENCHMARKS.md). These reads take microseconds on an indexed table
//! in WAL mode, where readers never wait for the writer, so they run in place.

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::PathBuf;

use anyhow::Context;
use rusqlite::{Connection, OpenFlags};

/// Direct reads of one SQLite file.
#[derive(Debug, Clone)]
pub struct DirectReads {
    path: PathBuf,
}

thread_local! {
    /// One connection per thread and database file, opened on first use.
    static CONNECTIONS: RefCell<HashMap<PathBuf, Connection>> = RefCell::new(HashMap::new());
}

impl DirectReads {
    /// Direct reads of the file a `sqlite://` URL (as `Store::connect` writes it) names; none
    /// for an in-memory database, which only its own connection can see.
    pub fn for_url(url: &str) -> Option<DirectReads> {
        let path = url.strip_prefix("sqlite://")?.split('?').next()?;
        (!path.is_empty() && path != ":memory:").then(|| DirectReads { path: PathBuf::from(path) })
    }

    /// Runs `read` on this thread's connection to the file.
    pub fn read<T>(&self, read: impl FnOnce(&Connection) -> rusqlite::Result<T>) -> anyhow::Result<T> {
        CONNECTIONS.with(|connections| {
            let mut connections = connections.borrow_mut();
            if !connections.contains_key(&self.path) {
                connections.insert(self.path.clone(), self.open()?);
            }
            let connection = connections.get(&self.path).expect("opened above");
            read(connection).context("Failed to read the database")
        })
    }

    fn open(&self) -> anyhow::Result<Connection> {
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI;
        let connection = Connection::open_with_flags(&self.path, flags)
            .with_context(|| format!("Failed to open {} for reading", self.path.display()))?;
        // Only reads go through here; a checkpoint in progress is waited for, not failed.
        connection
            .execute_batch("PRAGMA query_only = ON; PRAGMA busy_timeout = 10000;")
            .context("Failed to prepare a reading connection")?;
        Ok(connection)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_get_direct_reads_and_memory_does_not() {
        let direct = DirectReads::for_url("sqlite://data/gatehouse.db?mode=rwc").unwrap();
        assert_eq!(direct.path, PathBuf::from("data/gatehouse.db"));
        assert!(DirectReads::for_url("sqlite://:memory:?mode=rwc").is_none());
        assert!(DirectReads::for_url("postgres://localhost/db").is_none());
    }

    #[test]
    fn a_direct_read_sees_what_another_connection_committed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.sqlite");
        let writer = Connection::open(&path).unwrap();
        writer.execute_batch("PRAGMA journal_mode = WAL; CREATE TABLE t (v INTEGER);").unwrap();
        let direct = DirectReads { path };
        let count = || direct.read(|c| c.query_row("SELECT COUNT(*) FROM t", [], |row| row.get::<_, i64>(0))).unwrap();
        assert_eq!(count(), 0);
        writer.execute("INSERT INTO t VALUES (1)", []).unwrap();
        assert_eq!(count(), 1);
    }
}
