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

use std::ffi::c_void;
use std::path::Path;
use std::ptr::NonNull;
use std::sync::atomic::{fence, AtomicU32, Ordering};
use std::sync::Mutex;

use rusqlite::{ffi, Connection, OpenFlags};

/// The words of one copy of the header.
const HEADER_WORDS: usize = 12;
/// The size of the pieces SQLite maps the index in (`WALINDEX_PGSZ`).
const REGION_BYTES: i32 = 32 * 1024;

/// The state of a file's log at one look: equal marks mean no commit in between.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mark([u32; HEADER_WORDS]);

/// A file's log index, as SQLite maps it for a connection of its own.
///
/// The index is read through SQLite's own mapping rather than a file opened here: closing any
/// descriptor of a file gives back every POSIX lock the process holds on it, SQLite's too, and
/// the shared lock SQLite holds on the index is what tells a process opening the database that
/// the index is in use. Without it, that process would empty and rebuild the index under this
/// one's connections.
pub struct WalIndex {
    /// The start of the index's first region.
    header: NonNull<AtomicU32>,
    /// The connection whose mapping `header` points into: open for as long as this is, so the
    /// mapping stays, and with it the connection's share of the lock that keeps the index from
    /// being emptied.
    _holder: Mutex<Connection>,
}

// SAFETY: `header` points into memory that the holding connection keeps mapped for as long as
// this lives, and that is only ever read, through atomic loads (`look`).
unsafe impl Send for WalIndex {}
// SAFETY: as for `Send`: reads through atomics from any thread.
unsafe impl Sync for WalIndex {}

impl std::fmt::Debug for WalIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WalIndex").finish_non_exhaustive()
    }
}

impl WalIndex {
    /// The log index of the database file at `database`. `None` when the file is not in WAL
    /// mode or its index cannot be read: then every read takes its transaction.
    pub fn open(database: &Path) -> Option<WalIndex> {
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let holder = Connection::open_with_flags(database, flags).ok()?;
        // A first read opens the index on a WAL database; the journal mode says whether there
        // is one.
        let mode: String = holder.query_row("PRAGMA journal_mode", [], |row| row.get(0)).ok()?;
        if !mode.eq_ignore_ascii_case("wal") {
            return None;
        }
        let header = first_region(&holder)?;
        Some(WalIndex { header, _holder: Mutex::new(holder) })
    }

    /// The header as it is now; `None` while a commit is rewriting it, or before the log has one.
    pub fn look(&self) -> Option<Mark> {
        let words = self.header.as_ptr();
        let copy = |first_word: usize| -> [u32; HEADER_WORDS] {
            std::array::from_fn(|word| {
                // SAFETY: the region is page-aligned and 32 KiB long, so each of these words
                // is aligned and inside it; other processes write these words, which is what
                // atomic loads are for.
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

/// The first region of the index, mapped by `holder`'s SQLite (its VFS's `xShmMap`, without
/// extending the index).
fn first_region(holder: &Connection) -> Option<NonNull<AtomicU32>> {
    let mut file: *mut ffi::sqlite3_file = std::ptr::null_mut();
    let mut region: *mut c_void = std::ptr::null_mut();
    // SAFETY: `holder` is open and used by nothing else meanwhile; the file control writes the
    // main database's file object into `file`, whose methods stay valid while `holder` is open,
    // and `xShmMap` writes the region's address into `region` (null when there is none).
    unsafe {
        let found = ffi::sqlite3_file_control(
            holder.handle(),
            c"main".as_ptr(),
            ffi::SQLITE_FCNTL_FILE_POINTER,
            (&raw mut file).cast(),
        );
        if found != ffi::SQLITE_OK || file.is_null() || (*file).pMethods.is_null() {
            return None;
        }
        let methods = &*(*file).pMethods;
        let map = methods.xShmMap.filter(|_| methods.iVersion >= 2)?;
        if map(file, 0, REGION_BYTES, 0, &raw mut region) != ffi::SQLITE_OK {
            return None;
        }
    }
    NonNull::new(region.cast::<AtomicU32>())
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

    /// Whether another process could take SQLite's "dead man's switch" on the index (byte 128
    /// of the `-shm` file) for itself, as a process does that finds the database unused, and
    /// then empties the index and rebuilds it.
    fn free_to_another_process(index_file: &Path) -> bool {
        let probe = "import fcntl, sys\n\
                     with open(sys.argv[1], 'r+b') as f:\n\
                     \x20   try:\n\
                     \x20       fcntl.lockf(f, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, 128)\n\
                     \x20       print('free')\n\
                     \x20   except OSError:\n\
                     \x20       print('in use')\n";
        let output = std::process::Command::new("python3").args(["-c", probe]).arg(index_file).output().unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        String::from_utf8(output.stdout).unwrap().trim() == "free"
    }

    #[test]
    fn another_process_finds_the_index_in_use_while_it_is_watched_and_its_commits_move_the_mark() {
        let (dir, writer) = database("WAL");
        writer.execute("INSERT INTO t VALUES (1)", []).unwrap();
        let database = dir.path().join("db.sqlite");
        let index_file = dir.path().join("db.sqlite-shm");
        assert!(!free_to_another_process(&index_file));
        let index = WalIndex::open(&database).unwrap();
        assert!(!free_to_another_process(&index_file), "watching the index keeps SQLite's lock on it");
        drop(writer);
        assert!(!free_to_another_process(&index_file), "the index's own connection holds it");

        let before = index.look().unwrap();
        let insert = "import sqlite3, sys\n\
                      c = sqlite3.connect(sys.argv[1])\n\
                      c.execute('INSERT INTO t VALUES (2)')\n\
                      c.commit()\n\
                      c.close()\n";
        let status = std::process::Command::new("python3").args(["-c", insert]).arg(&database).status().unwrap();
        assert!(status.success());
        assert_ne!(index.look().unwrap(), before, "another process's commit");
        assert!(index_file.exists(), "a process leaving does not remove an index in use");
    }

    #[test]
    fn a_file_without_a_write_ahead_log_has_no_index() {
        let (dir, _connection) = database("DELETE");
        assert!(WalIndex::open(&dir.path().join("db.sqlite")).is_none());
        assert!(WalIndex::open(&dir.path().join("missing.sqlite")).is_none());
    }
}
