//! SQLite's fast path, in one place: the write queue every write of this process waits in
//! ([`WriteTurn`]), the direct statements that skip sqlx's worker thread ([`direct`]), and
//! the background checkpoint that copies the write-ahead log into the database file, which
//! no commit does (a checkpoint inside a commit would stall the request that made it).

pub mod direct;
mod wal_index;

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use sqlx::{Executor, Row};

use super::statement::{Read, Write, WriteTurn};
use super::{Backend, Store};

/// Set on every pooled connection. WAL lets readers run beside the writer; NORMAL keeps every
/// commit durable against a process crash, and the busy timeout makes another process's
/// writers wait their turn instead of failing. No commit checkpoints the log: the server does
/// it in the background ([`spawn_checkpoints`]), and the last connection to close does it too.
pub(super) const POOL_PRAGMAS: &str = "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
     PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000; PRAGMA wal_autocheckpoint = 0;";

/// Answers (busy, frames in the log, frames copied).
const CHECKPOINT: Read = Read::new("PRAGMA wal_checkpoint(PASSIVE)");
/// The smallest write (one page, the file's header): it restarts a fully copied log.
const READ_USER_VERSION: Read = Read::new("PRAGMA user_version");
const WRITE_USER_VERSION: Write = Write::new("PRAGMA user_version = ");
/// How often the log is copied into the database file. Every page a request reads is first
/// looked up in the log's index, which costs more the longer the log is: with a round a
/// second, that lookup was a quarter of a refresh's CPU under a write load; ten rounds a
/// second made refreshes 25 % faster with the same p99 (BENCHMARKS.md). Each round holds the
/// writers back once, for a millisecond or two.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(100);

/// At most this many checkpoint passes run beside the writers before the last one.
const CHECKPOINT_PASSES: usize = 5;
/// Passes beside the writers stop once one finds no more than this many frames (of a page
/// each) written since the pass before.
const FEW_FRAMES: i64 = 256;

/// What a store on SQLite has besides its pool.
#[derive(Clone)]
pub(super) struct Sqlite {
    /// This process's writers, in the order they came.
    pub(super) queue: Arc<tokio::sync::Mutex<()>>,
    /// Direct statements; none for an in-memory database.
    pub(super) direct: Option<direct::Direct>,
}

impl Sqlite {
    pub(super) fn for_url(url: &str) -> Self {
        Self { queue: Arc::default(), direct: direct::Direct::for_url(url) }
    }
}

/// A SQLite database as `Store::connect` opens it.
pub(super) struct Opened {
    /// The URL for sqlx: the file is created (with its folder) if missing.
    pub url: String,
    /// The file, as an absolute path (`None` in memory).
    pub file: Option<std::path::PathBuf>,
    /// Whether this call created the file.
    pub created: bool,
}

/// The path of a `sqlite:` URL after its scheme: `//data/gatehouse.db` is relative to the
/// working directory; `///srv/gatehouse.db` and `////srv/gatehouse.db` (the form dj-database-url
/// and SQLAlchemy write) are absolute.
pub(super) fn path_of(path_and_query: &str) -> &str {
    let rest = path_and_query.strip_prefix("//").unwrap_or(path_and_query);
    let unslashed = rest.trim_start_matches('/');
    if unslashed.len() < rest.len() {
        &rest[rest.len() - unslashed.len() - 1..]
    } else {
        rest
    }
}

/// `sqlite://data/gatehouse.db` → a URL that creates the file, after creating its folder.
pub(super) fn url_of(path_and_query: &str) -> anyhow::Result<Opened> {
    let rest = path_of(path_and_query);
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    let mut file = None;
    let mut created = false;
    if path != ":memory:" && !path.is_empty() {
        if let Some(parent) = std::path::Path::new(path).parent() {
            if !parent.as_os_str().is_empty() {
                std::fs::create_dir_all(parent)
                    .with_context(|| format!("Failed to create the database folder {}", parent.display()))?;
            }
        }
        if !query.contains("mode=") || query.contains("mode=rwc") {
            created = create_private(std::path::Path::new(path))
                .with_context(|| format!("Failed to create the database file {path}"))?;
        }
        file = Some(std::path::absolute(path).with_context(|| format!("Failed to resolve the database file {path}"))?);
    }
    let query = if query.contains("mode=") {
        query.to_owned()
    } else if query.is_empty() {
        "mode=rwc".to_owned()
    } else {
        format!("{query}&mode=rwc")
    };
    Ok(Opened { url: format!("sqlite://{path}?{query}"), file, created })
}

/// Creates the database file, empty, readable by its owner only, unless it exists; returns
/// whether it did. SQLite gives the write-ahead log and its index the database file's
/// permissions.
fn create_private(path: &std::path::Path) -> std::io::Result<bool> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(_) => Ok(true),
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
        Err(error) => Err(error),
    }
}

/// Ten times a second on SQLite: the write-ahead log is copied into the database file, off
/// the request path, which keeps the log short under a write load. Nothing on PostgreSQL.
pub fn spawn_checkpoints(store: Store) {
    if store.backend() != Backend::Sqlite {
        return;
    }
    tokio::spawn(async move {
        let mut every_round = tokio::time::interval(CHECKPOINT_EVERY);
        every_round.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every_round.tick().await;
            if let Err(error) = store.checkpoint().await {
                tracing::warn!(error = format!("{error:#}"), "could not checkpoint the database");
            }
        }
    });
}

impl Store {
    /// Copies what the SQLite write-ahead log holds into the database file, so that the next
    /// write starts the log over. Direct writes never checkpoint ([`direct`]), so the server
    /// calls this in the background; a no-op on PostgreSQL.
    ///
    /// Under a steady write load a checkpoint beside the writers never catches up with them,
    /// and the log would grow without end; one that holds them back stalls every write while
    /// it copies and syncs. So passes run beside the writers until one finds only a few pages
    /// written since the pass before (at most five passes), and the last pass holds this
    /// process's writers back for what is left, usually those few (BENCHMARKS.md has the
    /// figures).
    ///
    /// The first write after a complete checkpoint starts the log over, and syncs the log's
    /// new header to disk. The last pass makes that write itself, while the writers are still
    /// held back, so that sync never stalls a worker thread in a direct write.
    pub async fn checkpoint(&self) -> anyhow::Result<()> {
        if self.backend != Backend::Sqlite {
            return Ok(());
        }
        let mut logged = 0;
        for _ in 0..CHECKPOINT_PASSES {
            let (log, _) = self.checkpoint_pass().await?;
            let written_meanwhile = log - logged;
            logged = log;
            if written_meanwhile <= FEW_FRAMES {
                break;
            }
        }
        let turn = self.write_turn().await;
        let (log, copied) = self.checkpoint_pass().await?;
        // A log holding only the previous restart's own frame was not written to since: an
        // idle database is not rewritten every second.
        if log > 1 && copied == log {
            self.restart_log(&turn).await.context("Failed to start the write-ahead log over")?;
        }
        Ok(())
    }

    /// Rewrites the database's `user_version` as it is: a write of one page that changes nothing.
    async fn restart_log(&self, turn: &WriteTurn<'_>) -> anyhow::Result<()> {
        let mut restart = self.pool.begin().await?;
        let version: i64 = READ_USER_VERSION.scalar().fetch_one(&mut *restart).await?;
        // PRAGMA takes no parameters: the number is written into the statement.
        let statement = format!("{}{version}", turn.sql(WRITE_USER_VERSION));
        restart.execute(statement.as_str()).await?;
        Ok(restart.commit().await?)
    }

    /// One passive checkpoint; returns how many frames the log holds and how many of them the
    /// database file now holds too.
    async fn checkpoint_pass(&self) -> anyhow::Result<(i64, i64)> {
        let pass = CHECKPOINT.query().fetch_one(&self.pool).await;
        let pass = pass.context("Failed to checkpoint the write-ahead log")?;
        Ok((pass.try_get::<i64, _>(1)?, pass.try_get::<i64, _>(2)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::blacklist::RefreshRecord;
    use crate::store::test_store;

    #[test]
    fn two_slashes_are_relative_and_three_or_four_absolute() {
        assert_eq!(path_of("//data/gatehouse.db"), "data/gatehouse.db");
        assert_eq!(path_of("///srv/gatehouse.db"), "/srv/gatehouse.db");
        assert_eq!(path_of("////srv/gatehouse.db"), "/srv/gatehouse.db");
        assert_eq!(path_of("data/gatehouse.db"), "data/gatehouse.db");
        assert_eq!(path_of("//:memory:"), ":memory:");
    }

    #[test]
    fn an_absolute_url_in_dj_database_url_form_opens_that_file_and_says_it_created_it() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("django").join("db.sqlite3");
        let four_slashes = format!("//{}", file.display());
        assert!(four_slashes.starts_with("///"), "{four_slashes}");

        let opened = url_of(&format!("/{four_slashes}")).unwrap();
        assert!(opened.created);
        assert_eq!(opened.file.as_deref(), Some(file.as_path()));
        assert!(file.exists());
        assert_eq!(opened.url, format!("sqlite://{}?mode=rwc", file.display()));

        let again = url_of(&format!("/{four_slashes}")).unwrap();
        assert!(!again.created, "an existing file is opened, not created");
    }

    /// Spends `count` refresh tokens, each a direct write of its own.
    async fn spend_tokens(store: &Store, first: usize, count: usize) {
        for n in first..first + count {
            let jti = format!("{n:032x}");
            let record = RefreshRecord { jti: &jti, user_id: Some(1), expires_at: 4_000_000_000 };
            assert!(store.spend_refresh_token(record, None, 1_700_000_000).await.unwrap());
        }
    }

    #[tokio::test]
    async fn a_checkpoint_moves_direct_writes_into_the_database_file_and_the_log_starts_over() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("gatehouse.db");
        let store = test_store(dir.path(), true).await;
        let wal = dir.path().join("gatehouse.db-wal");
        let size = |file: &std::path::Path| std::fs::metadata(file).unwrap().len();

        spend_tokens(&store, 0, 500).await;
        let (database_before, log_after_one_batch) = (size(&path), size(&wal));
        store.checkpoint().await.unwrap();
        assert!(size(&path) > database_before, "the spent tokens reached the database file");

        // Direct writes never checkpoint by themselves: without `checkpoint` the log would
        // now be twice as long. With it, the next batch reuses the log from its start.
        spend_tokens(&store, 500, 500).await;
        assert!(size(&wal) <= log_after_one_batch + log_after_one_batch / 4, "the log started over");
        let spent: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM gatehouse_token_blacklist").fetch_one(&store.pool).await.unwrap();
        assert_eq!(spent, 1000);
    }

    #[tokio::test]
    async fn a_checkpoint_starts_the_log_over_itself_so_that_no_request_syncs_its_header() {
        let dir = tempfile::tempdir().unwrap();
        let store = test_store(dir.path(), true).await;
        spend_tokens(&store, 0, 200).await;
        let (log_before, _) = store.checkpoint_pass().await.unwrap();
        assert!(log_before > 200, "{log_before} frames");

        store.checkpoint().await.unwrap();
        // Left in the log: only the write that started it over.
        let (log_after, copied) = store.checkpoint_pass().await.unwrap();
        assert_eq!((log_after, copied), (1, 1));
        let version: i64 = READ_USER_VERSION.scalar().fetch_one(&store.pool).await.unwrap();
        assert_eq!(version, 0, "the database's user_version is unchanged");
    }

    #[tokio::test]
    async fn writes_through_the_pool_leave_checkpoints_to_the_background() {
        let dir = tempfile::tempdir().unwrap();
        let store = test_store(dir.path(), false).await;
        sqlx::query("CREATE TABLE pages (page BLOB)").execute(&store.pool).await.unwrap();
        // SQLite's default would checkpoint inside the commit that passes 1,000 frames (a
        // page each), with this process's writers waiting; the log would then start over.
        for _ in 0..1200 {
            sqlx::query("INSERT INTO pages VALUES (zeroblob(3000))").execute(&store.pool).await.unwrap();
        }
        let (log, _) = store.checkpoint_pass().await.unwrap();
        assert!(log >= 1200, "the log holds {log} frames");
    }
}
