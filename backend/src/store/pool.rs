//! The connections every statement runs on: sqlx's pool, and beside it the connections kept
//! after a statement that completed.
//!
//! sqlx's pool checks each connection it is given back with a round trip (a `Sync` on
//! PostgreSQL) before anyone else may take it. For a statement that completed, that check
//! tells nothing new, and it doubles the round trips of every single-statement request and
//! the time each connection is held: with the database on another machine, a pool of 8 then
//! serves half the statements it could. So a connection whose statement completed is handed
//! as it is to the statement that has waited longest for one, or, when none waits, kept here
//! for the next. What sqlx's check is for still goes through sqlx:
//! - a statement that failed, or was abandoned half-way (its request cancelled), drops its
//!   connection, which sqlx checks, and closes if it is broken;
//! - transactions take their connection from sqlx's pool, and sqlx's own `Transaction` gives
//!   it back (a transaction dropped without commit is rolled back by that check);
//! - a connection kept longer than [`CHECK_IDLE_AFTER`] without use goes back to sqlx (which
//!   checks it) instead of being used: after a database restart, idle connections are not
//!   handed to a request;
//! - a connection goes back to sqlx after [`KEEP_AT_MOST`] of being passed from statement to
//!   statement, so sqlx's lifetime limits and idle reaping still apply;
//! - and whenever a transaction or a migration waits for sqlx's pool (or a statement waits for
//!   it to open a connection), connections are given back to it instead of being handed on or
//!   kept, so none of them starves, and sqlx serves its waiters in its order.
//!
//! A statement that finds no connection kept waits both for one handed on and for sqlx's
//! pool (which opens a connection while it has fewer than its maximum), and takes whichever
//! comes first. Under a load of more requests than connections, each connection then passes
//! from statement to statement without sqlx's check between them.

use std::collections::VecDeque;
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use futures_util::future::BoxFuture;
use futures_util::stream::BoxStream;
use futures_util::{StreamExt, TryStreamExt};
use sqlx::any::{AnyQueryResult, AnyRow, AnyStatement, AnyTypeInfo};
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyPool, Describe, Either, Execute, Executor, Transaction};
use tokio::sync::oneshot;

/// A connection idle this long is checked with a round trip before it is used again: after a
/// database restart, the connections that were idle are replaced before a request meets them.
/// Under load no connection is idle that long, and none is checked. (sqlx's pool checks its
/// own idle connections by this rule as they are taken; a kept one goes back to it instead.)
pub const CHECK_IDLE_AFTER: Duration = Duration::from_secs(1);

/// How long a connection may pass from statement to statement before it goes back to sqlx.
pub const KEEP_AT_MOST: Duration = Duration::from_secs(30);

/// A connection taken for one statement.
struct Taken {
    connection: PoolConnection<Any>,
    /// When it was first taken from sqlx's pool.
    from_pool_at: Instant,
}

struct Kept {
    taken: Taken,
    kept_at: Instant,
}

/// Where a statement's connection comes from.
enum Next {
    Kept(Taken),
    FromPool,
    HandedOrFromPool(oneshot::Receiver<Taken>),
}

/// One more waiting for sqlx's pool while it lives (also when its wait is abandoned).
struct Waiting<'c>(&'c AtomicUsize);

impl<'c> Waiting<'c> {
    fn count(waiting: &'c AtomicUsize) -> Self {
        waiting.fetch_add(1, Ordering::SeqCst);
        Self(waiting)
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// The connections between two statements, and the statements waiting for one.
#[derive(Default)]
struct Between {
    /// Most recently kept last.
    kept: Vec<Kept>,
    /// Statements waiting for a connection to be handed on, the longest-waiting first.
    queue: VecDeque<oneshot::Sender<Taken>>,
}

/// sqlx's pool and the connections kept beside it (cloned cheaply; clones share both).
#[derive(Clone)]
pub struct Connections {
    pool: AnyPool,
    between: Arc<Mutex<Between>>,
    /// How many transactions and migrations are waiting for sqlx's pool.
    waiting: Arc<AtomicUsize>,
}

impl std::fmt::Debug for Connections {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connections").field("kept", &self.kept_count()).finish_non_exhaustive()
    }
}

impl Connections {
    pub fn new(pool: AnyPool) -> Self {
        Self { pool, between: Arc::default(), waiting: Arc::default() }
    }

    fn between(&self) -> std::sync::MutexGuard<'_, Between> {
        self.between.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// How many connections are kept.
    fn kept_count(&self) -> usize {
        self.between().kept.len()
    }

    /// Waits for sqlx's pool to hand something out (`acquire`), counted as waiting meanwhile
    /// so that statements give their connections back to the pool rather than keep them.
    async fn wait_for_pool<T>(&self, acquire: impl Future<Output = Result<T, sqlx::Error>>) -> Result<T, sqlx::Error> {
        // Counted first, then one kept connection goes back: none of the pool's may be idle
        // while some are kept here, and none is kept after this count is seen.
        let _waiting = Waiting::count(&self.waiting);
        let released = self.between().kept.pop();
        drop(released);
        acquire.await
    }

    /// A connection for one statement: the one kept last, unless it has been idle too long
    /// (then every kept one goes back to sqlx's pool to be checked, those kept before it having
    /// been idle longer); else one of sqlx's pool while it has one idle or may open another;
    /// else the first of one handed on by a statement that completed and one given back to
    /// sqlx's pool.
    async fn take(&self) -> Result<Taken, sqlx::Error> {
        let mut stale = Vec::new();
        // Decided under one lock with `keep`, so that a connection is either seen kept here or
        // handed to this statement: never kept while it waits.
        let next = {
            let mut between = self.between();
            match between.kept.pop() {
                Some(last) if last.kept_at.elapsed() < CHECK_IDLE_AFTER => Next::Kept(last.taken),
                last => {
                    stale.extend(last);
                    stale.append(&mut between.kept);
                    let can_open = self.pool.size() < self.pool.options().get_max_connections();
                    if can_open || self.pool.num_idle() > 0 {
                        Next::FromPool
                    } else {
                        let (handing, handed) = oneshot::channel();
                        between.queue.push_back(handing);
                        Next::HandedOrFromPool(handed)
                    }
                }
            }
        };
        drop(stale);
        match next {
            Next::Kept(taken) => Ok(taken),
            // Not raced against a hand-off: a connection being opened would be abandoned
            // half-way by losing the race, and the pool would never fill.
            Next::FromPool => {
                Ok(Taken { connection: self.wait_for_pool(self.pool.acquire()).await?, from_pool_at: Instant::now() })
            }
            Next::HandedOrFromPool(mut handed) => tokio::select! {
                biased;
                Ok(taken) = &mut handed => Ok(taken),
                acquired = self.pool.acquire() => {
                    // A connection handed on meanwhile is not lost: it goes to the next in line.
                    handed.close();
                    if let Ok(taken) = handed.try_recv() {
                        self.keep(taken);
                    }
                    Ok(Taken { connection: acquired?, from_pool_at: Instant::now() })
                }
            },
        }
    }

    /// After a statement that completed: back to sqlx's pool when a transaction waits for it
    /// there, or when it has been passed on long enough; else handed to the statement that has
    /// waited longest, or kept for the next one.
    fn keep(&self, mut taken: Taken) {
        if self.waiting.load(Ordering::SeqCst) > 0 || taken.from_pool_at.elapsed() >= KEEP_AT_MOST {
            return;
        }
        let mut between = self.between();
        while let Some(waiter) = between.queue.pop_front() {
            match waiter.send(taken) {
                Ok(()) => return,
                // That statement no longer waits (it got one of sqlx's, or was abandoned).
                Err(back) => taken = back,
            }
        }
        between.kept.push(Kept { taken, kept_at: Instant::now() });
    }

    /// A transaction, on a connection of sqlx's pool.
    pub async fn begin(&self) -> Result<Transaction<'static, Any>, sqlx::Error> {
        self.wait_for_pool(self.pool.begin()).await
    }

    /// A connection of sqlx's pool, for work of several statements (migrations).
    pub async fn acquire(&self) -> Result<PoolConnection<Any>, sqlx::Error> {
        self.wait_for_pool(self.pool.acquire()).await
    }
}

impl<'p> Executor<'p> for &'_ Connections {
    type Database = Any;

    fn fetch_many<'e, 'q: 'e, E>(self, query: E) -> BoxStream<'e, Result<Either<AnyQueryResult, AnyRow>, sqlx::Error>>
    where
        'p: 'e,
        E: 'q + Execute<'q, Any>,
    {
        let connections = self.clone();
        // The results are read whole before the first is passed on: the connection is then
        // free again, and a statement's results here are small.
        let all = async move {
            let mut taken = connections.take().await?;
            let results: Vec<_> = taken.connection.fetch_many(query).try_collect().await?;
            connections.keep(taken);
            Ok::<_, sqlx::Error>(futures_util::stream::iter(results.into_iter().map(Ok)))
        };
        futures_util::stream::once(all).try_flatten().boxed()
    }

    fn fetch_optional<'e, 'q: 'e, E>(self, query: E) -> BoxFuture<'e, Result<Option<AnyRow>, sqlx::Error>>
    where
        'p: 'e,
        E: 'q + Execute<'q, Any>,
    {
        let connections = self.clone();
        Box::pin(async move {
            let mut taken = connections.take().await?;
            let row = taken.connection.fetch_optional(query).await?;
            connections.keep(taken);
            Ok(row)
        })
    }

    fn prepare_with<'e, 'q: 'e>(
        self,
        sql: &'q str,
        parameters: &'e [AnyTypeInfo],
    ) -> BoxFuture<'e, Result<AnyStatement<'q>, sqlx::Error>>
    where
        'p: 'e,
    {
        (&self.pool).prepare_with(sql, parameters)
    }

    fn describe<'e, 'q: 'e>(self, sql: &'q str) -> BoxFuture<'e, Result<Describe<Any>, sqlx::Error>>
    where
        'p: 'e,
    {
        (&self.pool).describe(sql)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// sqlx's pool of `size` connections to a fresh SQLite file, with the kept connections
    /// beside it.
    async fn connections(dir: &std::path::Path, size: u32) -> Connections {
        counting_returns(dir, size).await.0
    }

    /// [`connections`], and how many connections have been given back to sqlx's pool.
    async fn counting_returns(dir: &std::path::Path, size: u32) -> (Connections, Arc<AtomicUsize>) {
        sqlx::any::install_default_drivers();
        let url = format!("sqlite://{}?mode=rwc", dir.join("pool.db").display());
        let returned = Arc::new(AtomicUsize::new(0));
        let counted = returned.clone();
        let pool = sqlx::any::AnyPoolOptions::new()
            .max_connections(size)
            .acquire_timeout(Duration::from_secs(30))
            .after_release(move |_, _| {
                counted.fetch_add(1, Ordering::SeqCst);
                Box::pin(async { Ok(true) })
            })
            .connect(&url)
            .await
            .unwrap();
        (Connections::new(pool), returned)
    }

    /// [`connections`] to a file with an empty `notes` table, made by one statement.
    async fn with_notes(dir: &std::path::Path, size: u32) -> Connections {
        let connections = connections(dir, size).await;
        sqlx::query("CREATE TABLE notes (note TEXT)").execute(&connections).await.unwrap();
        connections
    }

    /// Fifty tasks started at once, each running `statement` with its number.
    fn fifty_at_once<T, F>(
        connections: &Connections,
        statement: impl Fn(Connections, usize) -> F,
    ) -> Vec<tokio::task::JoinHandle<T>>
    where
        T: Send + 'static,
        F: Future<Output = T> + Send + 'static,
    {
        (0..50).map(|n| tokio::spawn(statement(connections.clone(), n))).collect()
    }

    async fn count(connections: &Connections) -> i64 {
        sqlx::query_scalar("SELECT COUNT(*) FROM notes").fetch_one(connections).await.unwrap()
    }

    /// [`count`] in a task of its own, started now.
    fn counting_in_background(connections: &Connections) -> tokio::task::JoinHandle<i64> {
        let connections = connections.clone();
        tokio::spawn(async move { count(&connections).await })
    }

    #[tokio::test]
    async fn a_connection_whose_statement_completed_serves_the_next_statement() {
        let dir = tempfile::tempdir().unwrap();
        let connections = with_notes(dir.path(), 4).await;
        assert_eq!(connections.kept_count(), 1);
        for note in ["one", "two", "three"] {
            sqlx::query("INSERT INTO notes VALUES ($1)").bind(note).execute(&connections).await.unwrap();
        }
        let notes: Vec<String> =
            sqlx::query_scalar("SELECT note FROM notes ORDER BY note").fetch_all(&connections).await.unwrap();
        assert_eq!(notes, ["one", "three", "two"]);
        assert_eq!(count(&connections).await, 3);
        assert_eq!(connections.kept_count(), 1, "one connection did it all");
        assert_eq!(connections.pool.size(), 1, "and the pool opened no other");
    }

    #[tokio::test]
    async fn a_statement_that_failed_gives_its_connection_back_to_the_pool() {
        let dir = tempfile::tempdir().unwrap();
        let connections = connections(dir.path(), 4).await;
        let error = sqlx::query("SELECT * FROM no_such_table").fetch_optional(&connections).await.err().unwrap();
        assert!(error.to_string().contains("no_such_table"), "{error}");
        assert_eq!(connections.kept_count(), 0);
        sqlx::query("CREATE TABLE notes (note TEXT)").execute(&connections).await.unwrap();
        assert_eq!(count(&connections).await, 0, "the pool's connection serves the next statement");
    }

    #[tokio::test]
    async fn a_transaction_gets_the_only_connection_though_it_was_kept() {
        let dir = tempfile::tempdir().unwrap();
        let connections = with_notes(dir.path(), 1).await;
        assert_eq!(connections.kept_count(), 1);
        let mut transaction = connections.begin().await.unwrap();
        sqlx::query("INSERT INTO notes VALUES ('in a transaction')").execute(&mut *transaction).await.unwrap();
        transaction.commit().await.unwrap();
        assert_eq!(count(&connections).await, 1);
    }

    #[tokio::test]
    async fn a_statement_waiting_while_a_transaction_holds_the_only_connection_runs_after_the_commit() {
        let dir = tempfile::tempdir().unwrap();
        let connections = with_notes(dir.path(), 1).await;
        let mut transaction = connections.begin().await.unwrap();
        let waiting = counting_in_background(&connections);
        sqlx::query("INSERT INTO notes VALUES ('committed')").execute(&mut *transaction).await.unwrap();
        transaction.commit().await.unwrap();
        assert_eq!(waiting.await.unwrap(), 1, "the waiting statement ran after the commit");
    }

    #[tokio::test]
    async fn statements_waiting_for_a_connection_are_handed_one_as_each_statement_completes() {
        let dir = tempfile::tempdir().unwrap();
        let (connections, returned) = counting_returns(dir.path(), 2).await;
        sqlx::query("CREATE TABLE notes (note TEXT)").execute(&connections).await.unwrap();
        // Both connections open before the load: while a statement waits for sqlx to open one,
        // those that complete go back to sqlx for it (`keep`), however long the opening takes.
        let (first, second) = (connections.take().await.unwrap(), connections.take().await.unwrap());
        connections.keep(first);
        connections.keep(second);
        assert_eq!(returned.load(Ordering::SeqCst), 0);
        let statements = fifty_at_once(&connections, |connections, n| async move {
            sqlx::query("INSERT INTO notes VALUES ($1)").bind(n.to_string()).execute(&connections).await
        });
        for statement in statements {
            statement.await.unwrap().unwrap();
        }
        assert_eq!(count(&connections).await, 50);
        assert!(connections.pool.size() <= 2, "no more connections than the pool's");
        assert_eq!(connections.kept_count(), connections.pool.size() as usize, "every connection is kept");
        assert_eq!(returned.load(Ordering::SeqCst), 0, "none went back through sqlx's pool in between");
    }

    #[tokio::test]
    async fn a_statement_that_finds_none_kept_while_the_pool_may_open_one_gets_a_new_one() {
        let dir = tempfile::tempdir().unwrap();
        let connections = with_notes(dir.path(), 4).await;
        let taken = connections.take().await.unwrap();
        let statement = counting_in_background(&connections);
        while connections.pool.size() < 2 {
            tokio::task::yield_now().await;
        }
        connections.keep(taken);
        assert_eq!(statement.await.unwrap(), 0);
        assert_eq!(connections.pool.size(), 2, "the connection opened for the statement was not abandoned");
    }

    #[tokio::test]
    async fn a_connection_handed_to_a_statement_that_no_longer_waits_goes_to_the_next_in_line() {
        let dir = tempfile::tempdir().unwrap();
        let connections = with_notes(dir.path(), 1).await;
        let taken = connections.take().await.unwrap();
        let abandoned = counting_in_background(&connections);
        let waiting = counting_in_background(&connections);
        while connections.between().queue.len() < 2 {
            tokio::task::yield_now().await;
        }
        abandoned.abort();
        assert!(abandoned.await.unwrap_err().is_cancelled());
        connections.keep(taken);
        assert_eq!(waiting.await.unwrap(), 0, "the statement still waiting ran");
        assert_eq!(connections.kept_count(), 1);
        assert!(connections.between().queue.is_empty());
    }

    #[tokio::test]
    async fn a_transaction_waiting_for_the_pool_is_not_starved_by_statements() {
        let dir = tempfile::tempdir().unwrap();
        let connections = with_notes(dir.path(), 1).await;
        let statements = fifty_at_once(&connections, |connections, _| async move { count(&connections).await });
        let mut transaction = connections.begin().await.unwrap();
        sqlx::query("INSERT INTO notes VALUES ('in a transaction')").execute(&mut *transaction).await.unwrap();
        transaction.commit().await.unwrap();
        for statement in statements {
            assert!(statement.await.unwrap() <= 1);
        }
        assert_eq!(count(&connections).await, 1);
    }

    #[tokio::test]
    async fn while_someone_waits_for_the_pool_connections_go_back_to_it_instead_of_being_kept() {
        let dir = tempfile::tempdir().unwrap();
        let connections = with_notes(dir.path(), 2).await;
        let taken = connections.take().await.unwrap();
        let waiting = Waiting::count(&connections.waiting);
        connections.keep(taken);
        assert_eq!(connections.kept_count(), 0);
        drop(waiting);
        assert_eq!(count(&connections).await, 0);
        assert_eq!(connections.kept_count(), 1);
    }
}
