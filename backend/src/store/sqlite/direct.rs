//! The hottest statements on SQLite (the user behind every bearer token, the blacklist check
//! and the blacklist write of every refresh), made on the calling thread: reads on a connection
//! of that thread's own, writes on the one writing connection of the file.
//!
//! sqlx-sqlite runs each connection on a thread of its own and sends every query there and
//! back through channels: two thread wake-ups per query, about two thirds of the time of a
//! primary-key lookup (see BENCHMARKS.md). These statements take microseconds on an indexed
//! table in WAL mode, where readers never wait for the writer, so they run in place.
//!
//! A write runs in place too, and together with the others left meanwhile
//! ([`Direct::write_together`]): each caller leaves its write in a list; the one that finds no
//! other on its way leads, waits for the process's [`WriteTurn`], makes every write in the list
//! in one transaction and hands each caller its answer. A commit (the locks, the log's frame,
//! its index) costs more than the update of a row, so a burst of refreshes pays for one
//! (BENCHMARKS.md). The turn means no other writer of this process is waiting for the
//! connection. Nor does a write wait for another process (a command of the CLI, an import): it
//! is answered at once as busy, and the caller writes through the pool instead, whose threads
//! may wait. The writing connection never checkpoints the WAL (a checkpoint copies pages and
//! syncs files, and would stall the worker thread):
//! [`Store::checkpoint`](crate::store::Store::checkpoint) does that in the background.
//!
//! A read can also be remembered ([`Direct::read_remembered`]): each thread keeps its answers
//! until the next commit to the file, by any connection of any process, which the log's index
//! shows without a read transaction (`wal_index.rs`). The account behind every bearer token is
//! read this way: between two commits, a thread answers each account's next request from memory.

use std::any::Any;
use std::cell::RefCell;
use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use anyhow::Context;
use rusqlite::{CachedStatement, Connection, OpenFlags};
use tokio::sync::oneshot;

use super::wal_index::{Mark, WalIndex};
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
    /// Writes left by callers, to be made together by the one of them that leads.
    pending: Arc<Mutex<Pending>>,
    /// Told when a leader leaves (its request dropped) before taking the writes.
    vacated: Arc<tokio::sync::Notify>,
    /// The log's index, mapped at the first remembered read; `None` when it cannot be.
    index: Arc<OnceLock<Option<WalIndex>>>,
}

/// The writes waiting to be made, and whether a caller is on its way to make them.
#[derive(Debug, Default)]
struct Pending {
    writes: Vec<Waiting>,
    led: bool,
}

/// What a direct write does with its prepared statement: binds its values and runs it,
/// answering the number of rows changed.
pub type Writing = Box<dyn FnOnce(&mut CachedStatement<'_>) -> rusqlite::Result<usize> + Send>;

/// A write waiting for the turn, and where its answer goes.
struct Waiting {
    statement: Write,
    write: Writing,
    answer: oneshot::Sender<Made>,
}

impl std::fmt::Debug for Waiting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Waiting").field("statement", &self.statement).finish_non_exhaustive()
    }
}

/// What became of a write made together with others: the rows it changed, `None` when another
/// process was writing and nothing was made, or why it failed.
type Made = anyhow::Result<Option<usize>>;

/// The leader's part, until it has taken the writes: were it dropped before, another caller
/// must lead.
struct Leading<'d> {
    direct: &'d Direct,
    took: bool,
}

impl Drop for Leading<'_> {
    fn drop(&mut self) {
        if !self.took {
            self.direct.pending().led = false;
            self.direct.vacated.notify_waiters();
        }
    }
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
    /// A thread's remembered answers, by file number.
    static REMEMBERED: RefCell<HashMap<u64, Remembered>> = RefCell::new(HashMap::new());
}

/// At most this many answers are remembered per thread and file (a few hundred bytes each);
/// past it they are all forgotten, and the next reads remember again.
const REMEMBERED_ANSWERS: usize = 4096;

/// The answers a thread has read since the file's log index showed `mark`, by statement and key.
struct Remembered {
    mark: Mark,
    answers: HashMap<(usize, usize, i64), Box<dyn Any>>,
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
        Direct {
            file: NEXT_FILE.fetch_add(1, Ordering::Relaxed),
            path,
            writer: Arc::default(),
            pending: Arc::default(),
            vacated: Arc::default(),
            index: Arc::default(),
        }
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

    /// As [`Direct::read`], for a statement whose answer depends only on `key`: a thread
    /// answers it again from memory until anything is committed to the file, by any connection
    /// of any process. The index is looked at before the read, so an answer is never kept past
    /// a commit that completed while it was read.
    pub fn read_remembered<T: Clone + 'static>(
        &self,
        statement: Read,
        key: i64,
        read: impl FnOnce(&mut rusqlite::CachedStatement<'_>) -> rusqlite::Result<T>,
    ) -> anyhow::Result<T> {
        let Some(mark) = self.index().and_then(WalIndex::look) else {
            return self.read(statement, read);
        };
        // A statement is known by where its text is and how long (each is one constant, or
        // built once at start for a Django project's own table names): no hashing of the text.
        let sql = statement.sql();
        let slot = (sql.as_ptr() as usize, sql.len(), key);
        let known = REMEMBERED.with(|remembered| {
            let mut remembered = remembered.borrow_mut();
            let file = remembered.entry(self.file).or_insert_with(|| Remembered { mark, answers: HashMap::new() });
            if file.mark != mark {
                file.answers.clear();
                file.mark = mark;
            }
            file.answers.get(&slot).and_then(|answer| answer.downcast_ref::<T>()).cloned()
        });
        if let Some(known) = known {
            return Ok(known);
        }
        let answer = self.read(statement, read)?;
        REMEMBERED.with(|remembered| {
            if let Some(file) = remembered.borrow_mut().get_mut(&self.file) {
                if file.mark == mark {
                    if file.answers.len() >= REMEMBERED_ANSWERS {
                        file.answers.clear();
                    }
                    file.answers.insert(slot, Box::new(answer.clone()));
                }
            }
        });
        Ok(answer)
    }

    fn index(&self) -> Option<&WalIndex> {
        self.index.get_or_init(|| WalIndex::open(&self.path)).as_ref()
    }

    /// Makes `write` with `statement` on the writing connection, in this process's turn (`queue`),
    /// together with the other writes left meanwhile. Answers the rows changed, or `None` when
    /// another process is writing and nothing was made.
    ///
    /// The caller that finds no leader leads: it waits for the turn and makes every write left
    /// by then. The others wait for their answer only, so that the turn passes straight from one
    /// leader to the next.
    pub async fn write_together(
        &self,
        queue: &tokio::sync::Mutex<()>,
        statement: Write,
        write: Writing,
    ) -> anyhow::Result<Option<usize>> {
        let (answer, mut answered) = oneshot::channel();
        let mut leads = {
            let mut pending = self.pending();
            pending.writes.push(Waiting { statement, write, answer });
            !std::mem::replace(&mut pending.led, true)
        };
        while !leads {
            let vacated = self.vacated.notified();
            tokio::pin!(vacated);
            vacated.as_mut().enable();
            // Listening first, then looking: a leader that left in between is seen either way.
            leads = self.take_the_lead_if_left();
            if !leads {
                tokio::select! {
                    biased;
                    made = &mut answered => return answer_of(made.ok()),
                    () = vacated => leads = self.take_the_lead_if_left(),
                }
            }
        }
        let mut leading = Leading { direct: self, took: false };
        // The requests this thread has read in the meantime go first, and leave their writes
        // beside this one. On an idle server there are none: one pass of the scheduler.
        tokio::task::yield_now().await;
        let turn = WriteTurn::new(Some(queue.lock().await));
        let writes = {
            let mut pending = self.pending();
            pending.led = false;
            std::mem::take(&mut pending.writes)
        };
        leading.took = true;
        self.make(&turn, writes);
        // Answered now, or earlier by the leader it took over from.
        answer_of(answered.try_recv().ok())
    }

    /// Leads when writes are waiting and their leader has left.
    fn take_the_lead_if_left(&self) -> bool {
        let mut pending = self.pending();
        let leads = !pending.led && !pending.writes.is_empty();
        pending.led |= leads;
        leads
    }

    fn pending(&self) -> std::sync::MutexGuard<'_, Pending> {
        self.pending.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Makes `writes` in one transaction (a single one on its own) and answers each. A write
    /// whose caller stopped waiting (its request was dropped) is not made.
    fn make(&self, turn: &WriteTurn<'_>, mut writes: Vec<Waiting>) {
        debug_assert!(turn.is_queued(), "direct writes are made on SQLite, where turns queue");
        writes.retain(|waiting| !waiting.answer.is_closed());
        if writes.is_empty() {
            return;
        }
        let mut writer = self.writer.lock().unwrap_or_else(PoisonError::into_inner);
        let connection = match &mut *writer {
            Some(connection) => connection,
            empty => match self.open(Access::Write) {
                Ok(opened) => empty.insert(opened),
                Err(error) => return answer_all(writes, || Err(anyhow::anyhow!("{error:#}"))),
            },
        };
        if !connection.is_autocommit() {
            // Left open by a write that panicked.
            let _ = connection.execute_batch("ROLLBACK");
        }
        let together = writes.len() > 1;
        if together {
            if let Err(error) = connection.execute_batch("BEGIN IMMEDIATE") {
                return answer_all(writes, || refused(&error));
            }
        }
        let made: Vec<_> = writes
            .into_iter()
            .map(|waiting| {
                let made = connection
                    .prepare_cached(turn.sql(waiting.statement))
                    .and_then(|mut prepared| (waiting.write)(&mut prepared));
                (waiting.answer, made)
            })
            .collect();
        if !together {
            return answer_each(made);
        }
        // A statement whose failure rolled the whole transaction back leaves it ended.
        let committed = if connection.is_autocommit() {
            Err(rusqlite::Error::SqliteFailure(
                rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_ABORT),
                Some("the writes made together were rolled back".to_owned()),
            ))
        } else {
            connection.execute_batch("COMMIT")
        };
        match committed {
            Ok(()) => answer_each(made),
            Err(error) => {
                if !connection.is_autocommit() {
                    let _ = connection.execute_batch("ROLLBACK");
                }
                // Nothing was made: each write is answered with its own failure, or the commit's.
                for (answer, own) in made {
                    let _ = answer.send(refused(own.as_ref().err().unwrap_or(&error)));
                }
            }
        }
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

/// Whether a statement failed because another process holds the database.
fn is_busy(error: &rusqlite::Error) -> bool {
    matches!(
        error,
        rusqlite::Error::SqliteFailure(failure, _)
            if matches!(failure.code, rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
    )
}

/// A write that was not made because of `error`.
fn refused(error: &rusqlite::Error) -> Made {
    if is_busy(error) {
        Ok(None)
    } else {
        Err(anyhow::anyhow!("{error}"))
    }
}

fn answer_each(made: Vec<(oneshot::Sender<Made>, rusqlite::Result<usize>)>) {
    for (answer, made) in made {
        // A caller that stopped waiting has no use for its answer.
        let _ = answer.send(match made {
            Ok(rows) => Ok(Some(rows)),
            Err(error) => refused(&error),
        });
    }
}

/// Answers every write of `writes` with `made`.
fn answer_all(writes: Vec<Waiting>, made: impl Fn() -> Made) {
    for waiting in writes {
        let _ = waiting.answer.send(made());
    }
}

/// What [`Direct::write_together`] answers for `made`, which is missing when the write was
/// taken and never answered (its maker panicked).
fn answer_of(made: Option<Made>) -> Made {
    made.unwrap_or_else(|| Err(anyhow::anyhow!("A write made with others was never answered")))
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
    const VALUES: Read = Read::new("SELECT v FROM t");
    const INSERT: Write = Write::new("INSERT INTO t VALUES (?1)");
    const INTO_NO_TABLE: Write = Write::new("INSERT INTO missing VALUES (1)");

    fn count(direct: &Direct) -> i64 {
        direct.read(COUNT, |statement| statement.query_row([], |row| row.get(0))).unwrap()
    }

    /// The values in `t`, in the order they were written.
    fn values(direct: &Direct) -> Vec<i64> {
        direct.read(VALUES, |statement| statement.query_map([], |row| row.get(0))?.collect()).unwrap()
    }

    /// A write of `value` into `t`.
    fn insert(value: i64) -> Writing {
        Box::new(move |statement| statement.execute([value]))
    }

    /// The frames (a page each) in the file's write-ahead log.
    fn log_frames(other: &Connection) -> i64 {
        other.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |row| row.get(1)).unwrap()
    }

    /// Polls `write` once, so that it leaves its write in the list (and waits for the turn,
    /// which the test holds).
    async fn left_waiting<F: std::future::Future>(mut write: std::pin::Pin<&mut F>) {
        std::future::poll_fn(|context| {
            assert!(write.as_mut().poll(context).is_pending(), "the turn is held");
            std::task::Poll::Ready(())
        })
        .await;
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

    /// `t`'s count through [`Direct::read_remembered`], and whether the database was read.
    fn remembered_count(direct: &Direct) -> (i64, bool) {
        let mut read = false;
        let count = direct
            .read_remembered(COUNT, 0, |statement| {
                read = true;
                statement.query_row([], |row| row.get(0))
            })
            .unwrap();
        (count, read)
    }

    #[test]
    fn a_remembered_read_is_answered_from_memory_until_any_connection_commits() {
        let (_dir, other, direct) = database();
        assert_eq!(remembered_count(&direct), (0, true));
        assert_eq!(remembered_count(&direct), (0, false), "nothing committed since");

        other.execute("INSERT INTO t VALUES (1)", []).unwrap();
        assert_eq!(remembered_count(&direct), (1, true));
        assert_eq!(remembered_count(&direct), (1, false));

        other.execute_batch("CREATE TABLE u (w INTEGER); INSERT INTO u VALUES (2);").unwrap();
        assert_eq!(remembered_count(&direct), (1, true), "a commit to any table is read again");
    }

    #[test]
    fn statements_remembered_with_the_same_key_keep_their_own_answers() {
        let (_dir, _other, direct) = database();
        const SEVEN: Read = Read::new("SELECT 7");
        let seven =
            || direct.read_remembered(SEVEN, 0, |statement| statement.query_row([], |row| row.get::<_, i64>(0)));
        assert_eq!(remembered_count(&direct), (0, true));
        assert_eq!(seven().unwrap(), 7);
        assert_eq!(remembered_count(&direct), (0, false));
        assert_eq!(seven().unwrap(), 7);
    }

    #[test]
    fn each_thread_remembers_its_own_reads_and_sees_the_others_commits() {
        let (_dir, _other, direct) = database();
        assert_eq!(remembered_count(&direct), (0, true));
        let beside = direct.clone();
        std::thread::spawn(move || {
            assert_eq!(remembered_count(&beside), (0, true), "another thread reads for itself");
            let queue = tokio::sync::Mutex::new(());
            let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
            runtime.block_on(beside.write_together(&queue, INSERT, insert(5))).unwrap();
        })
        .join()
        .unwrap();
        assert_eq!(remembered_count(&direct), (1, true), "the write on the other thread was seen");
    }

    #[test]
    fn a_file_not_in_wal_mode_is_read_every_time() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.sqlite");
        Connection::open(&path).unwrap().execute_batch("CREATE TABLE t (v INTEGER);").unwrap();
        let direct = Direct::new(path);
        assert_eq!(remembered_count(&direct), (0, true));
        assert_eq!(remembered_count(&direct), (0, true));
    }

    #[tokio::test]
    async fn a_reading_connection_refuses_to_write_and_a_writing_one_writes() {
        let (_dir, _other, direct) = database();
        let written_as_a_read = Read::new("INSERT INTO t VALUES (1)");
        assert!(direct.read(written_as_a_read, |statement| statement.execute([])).is_err());
        let queue = tokio::sync::Mutex::new(());
        assert_eq!(direct.write_together(&queue, INSERT, insert(1)).await.unwrap(), Some(1));
        assert_eq!(count(&direct), 1);
    }

    #[tokio::test]
    async fn writes_waiting_for_the_turn_are_made_in_one_transaction_each_with_its_own_answer() {
        let (_dir, other, direct) = database();
        other.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)").unwrap();
        let queue = tokio::sync::Mutex::new(());
        let held = queue.lock().await;
        let mut first = std::pin::pin!(direct.write_together(&queue, INSERT, insert(1)));
        let mut failing = std::pin::pin!(direct.write_together(&queue, INTO_NO_TABLE, Box::new(|s| s.execute([]))));
        let mut third = std::pin::pin!(direct.write_together(&queue, INSERT, insert(3)));
        left_waiting(first.as_mut()).await;
        left_waiting(failing.as_mut()).await;
        left_waiting(third.as_mut()).await;
        drop(held);

        let (first, failing, third) = tokio::join!(first, failing, third);
        assert_eq!(first.unwrap(), Some(1));
        let error = failing.unwrap_err();
        assert!(format!("{error:#}").contains("no such table: missing"), "{error:#}");
        assert_eq!(third.unwrap(), Some(1));
        assert_eq!(values(&direct), [1, 3]);
        assert_eq!(log_frames(&other), 1, "one commit of the table's one page");
    }

    #[tokio::test]
    async fn a_write_whose_caller_stopped_waiting_is_not_made() {
        let (_dir, _other, direct) = database();
        let queue = tokio::sync::Mutex::new(());
        let held = queue.lock().await;
        let mut dropped = Box::pin(direct.write_together(&queue, INSERT, insert(1)));
        left_waiting(dropped.as_mut()).await;
        drop(dropped);
        drop(held);
        assert_eq!(direct.write_together(&queue, INSERT, insert(2)).await.unwrap(), Some(1));
        assert_eq!(values(&direct), [2]);
    }

    #[tokio::test]
    async fn when_the_leading_caller_stops_waiting_another_leads_and_makes_its_write() {
        let (_dir, _other, direct) = database();
        let queue = tokio::sync::Mutex::new(());
        let held = queue.lock().await;
        let mut leader = Box::pin(direct.write_together(&queue, INSERT, insert(1)));
        let mut follower = Box::pin(direct.write_together(&queue, INSERT, insert(2)));
        left_waiting(leader.as_mut()).await;
        left_waiting(follower.as_mut()).await;
        drop(leader);
        drop(held);
        let made = tokio::time::timeout(std::time::Duration::from_secs(30), follower).await;
        assert_eq!(made.expect("the follower took the lead").unwrap(), Some(1));
        assert_eq!(count(&direct), 1, "only the follower's write");
    }

    #[tokio::test]
    async fn writes_made_one_at_a_time_commit_one_at_a_time() {
        let (_dir, other, direct) = database();
        other.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)").unwrap();
        let queue = tokio::sync::Mutex::new(());
        for value in [1, 2] {
            assert_eq!(direct.write_together(&queue, INSERT, insert(value)).await.unwrap(), Some(1));
        }
        assert_eq!(log_frames(&other), 2);
    }

    #[tokio::test]
    async fn writes_while_another_process_writes_are_answered_at_once_as_busy() {
        let (_dir, other, direct) = database();
        other.execute_batch("BEGIN IMMEDIATE;").unwrap();
        let queue = tokio::sync::Mutex::new(());
        assert_eq!(direct.write_together(&queue, INSERT, insert(1)).await.unwrap(), None, "alone");
        let held = queue.lock().await;
        let (mut first, mut second) = (
            std::pin::pin!(direct.write_together(&queue, INSERT, insert(2))),
            std::pin::pin!(direct.write_together(&queue, INSERT, insert(3))),
        );
        left_waiting(first.as_mut()).await;
        left_waiting(second.as_mut()).await;
        drop(held);
        let (first, second) = tokio::join!(first, second);
        assert_eq!((first.unwrap(), second.unwrap()), (None, None), "together");

        other.execute_batch("COMMIT").unwrap();
        assert_eq!(direct.write_together(&queue, INSERT, insert(4)).await.unwrap(), Some(1));
        assert_eq!(count(&direct), 1);
    }
}
