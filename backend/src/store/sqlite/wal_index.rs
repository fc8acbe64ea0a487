//! Whether anything has been committed to a SQLite file since an earlier look, read from the
//! write-ahead log's index without starting a read transaction.
//!
//! Every connection to a file in WAL mode, in any process, shares the log's index: the `-shm`
//! file beside the database, mapped into memory. Its first 96 bytes are two copies of one
//! 48-byte header (<https://sqlite.org/walformat.html>), which every commit rewrites: the second
//! copy first, then the first. The header holds a counter that every commit moves, the log's
//! last frame and its salts. A header whose two copies agree, and which is the same as at an
//! earlier look, means that no commit has completed since that look; SQLite's own readers read
//! it the same way, before they take their lock.
//!
//! What this saves: each read transaction takes a POSIX lock on the index and gives it back (two
//! system calls, with a mutex held across them that the process's other threads then wait for;
//! BENCHMARKS.md). Looking at the header costs two dozen loads from memory.

use std::fs::File;
use std::path::Path;
use std::sync::atomic::{fence, AtomicU32, Ordering};
use std::sync::Mutex;

use rusqlite::{Connection, OpenFlags};

/// The words of one copy of the header.
const HEADER_WORDS: usize = 12;
/// Both copies, in bytes: what is mapped.
const MAPPED: usize = 2 * HEADER_WORDS * 4;

/// The state of a file's log at one look: equal marks mean no commit in between.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mark([u32; HEADER_WORDS]);

/// A file's log index, mapped for reading.
pub struct WalIndex {
    map: memmap2::Mmap,
    /// A connection of its own, open for as long as the map: SQLite empties the index only when
    /// no connection in any process has it open, and a mapped page of an emptied file would
    /// fault when read.
    _holds_the_index: Mutex<Connection>,
}

impl std::fmt::Debug for WalIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WalIndex").finish_non_exhaustive()
    }
}

impl WalIndex {
    /// Maps the log index of the database file at `database`. `None` when the file is not in
    /// WAL mode or its index cannot be read: then every read takes its transaction.
    pub fn open(database: &Path) -> Option<WalIndex> {
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let holder = Connection::open_with_flags(database, flags).ok()?;
        // A first read opens the index (and takes the shared lock that keeps it from being
        // emptied) on a WAL database; the journal mode says whether there is one.
        let mode: String = holder.query_row("PRAGMA journal_mode", [], |row| row.get(0)).ok()?;
        if !mode.eq_ignore_ascii_case("wal") {
            return None;
        }
        // SQLite names the index after the file's path with its links resolved.
        let mut index = std::fs::canonicalize(database).ok()?.into_os_string();
        index.push("-shm");
        let file = File::open(index).ok()?;
        if file.metadata().ok()?.len() < MAPPED as u64 {
            return None;
        }
        // SAFETY: the map is only ever read through atomic loads (`look`), never as a slice,
        // since other connections write it meanwhile; it stays as long as the file it maps,
        // which the holding connection keeps from being truncated.
        let map = unsafe { memmap2::MmapOptions::new().len(MAPPED).map(&file) }.ok()?;
        Some(WalIndex { map, _holds_the_index: Mutex::new(holder) })
    }

    /// The header as it is now; `None` while a commit is rewriting it, or before the log has one.
    pub fn look(&self) -> Option<Mark> {
        let words = self.map.as_ptr().cast::<AtomicU32>();
        let copy = |first_word: usize| -> [u32; HEADER_WORDS] {
            std::array::from_fn(|word| {
                // SAFETY: the map is page-aligned and `MAPPED` bytes long, so each of these
                // words is aligned and inside it; other processes write these words, which is
                // what atomic loads are for.
                unsafe { &*words.add(first_word + word) }.load(Ordering::Acquire)
            })
        };
        let first = copy(0);
        fence(Ordering::SeqCst);
        let second = copy(HEADER_WORDS);
        // The fourth word begins with the header's "initialised" byte.
        let initialised = first[3].to_ne_bytes()[0] != 0;
        (first == second && initialised).then_some(Mark(first))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn database(journal: &str) -> (tempfile::TempDir, Connection) {
        let dir = tempfile::tempdir().unwrap();
        let connection = Connection::open(dir.path().join("db.sqlite")).unwrap();
        connection.execute_batch(&format!("PRAGMA journal_mode = {journal}; CREATE TABLE t (v INTEGER);")).unwrap();
        (dir, connection)
    }

    #[test]
    fn the_mark_moves_with_every_commit_that_changes_a_page_whichever_connection_makes_it() {
        let (dir, writer) = database("WAL");
        let index = WalIndex::open(&dir.path().join("db.sqlite")).expect("a WAL file has an index");
        let before = index.look().unwrap();
        writer.query_row("SELECT COUNT(*) FROM t", [], |row| row.get::<_, i64>(0)).unwrap();
        assert_eq!(index.look().unwrap(), before, "a read commits nothing");

        writer.execute("INSERT INTO t VALUES (1)", []).unwrap();
        let after_one = index.look().unwrap();
        assert_ne!(after_one, before);

        let other = Connection::open(dir.path().join("db.sqlite")).unwrap();
        other.execute("UPDATE t SET v = 1", []).unwrap();
        assert_eq!(index.look().unwrap(), after_one, "SQLite writes no page that would not change");
        other.execute("UPDATE t SET v = 2", []).unwrap();
        assert_ne!(index.look().unwrap(), after_one, "another connection's commit");
    }

    #[test]
    fn a_checkpoint_that_starts_the_log_over_moves_the_mark() {
        let (dir, writer) = database("WAL");
        let index = WalIndex::open(&dir.path().join("db.sqlite")).unwrap();
        writer.execute("INSERT INTO t VALUES (1)", []).unwrap();
        writer.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)").unwrap();
        let checkpointed = index.look().unwrap();
        writer.execute("INSERT INTO t VALUES (2)", []).unwrap();
        assert_ne!(index.look().unwrap(), checkpointed);
    }

    #[test]
    fn a_file_without_a_write_ahead_log_has_no_index() {
        let (dir, _connection) = database("DELETE");
        assert!(WalIndex::open(&dir.path().join("db.sqlite")).is_none());
        assert!(WalIndex::open(&dir.path().join("missing.sqlite")).is_none());
    }
}
