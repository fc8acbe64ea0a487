//! Storage. Every SQL statement of the server is in this module; SQLite and PostgreSQL share
//! them (ordered `$n` parameters, `RETURNING`, integers for flags and times) and keep their own
//! migrations. Dialect differences, where they arise, are branched on here and nowhere else.

pub mod blacklist;
pub mod direct;
pub mod django;
pub mod outbox;
pub mod throttle;
pub mod users;

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::Migrator;
use sqlx::{AnyPool, Executor, Row};

/// Answers (busy, frames in the log, frames copied).
const CHECKPOINT: &str = "PRAGMA wal_checkpoint(PASSIVE)";
/// The smallest write (one page, the file's header): it restarts a fully copied log.
const READ_USER_VERSION: &str = "PRAGMA user_version";
const WRITE_USER_VERSION: &str = "PRAGMA user_version = ";
/// At most this many checkpoint passes run beside the writers before the last one.
const CHECKPOINT_PASSES: usize = 5;
/// Passes beside the writers stop once one finds no more than this many frames (of a page
/// each) written since the pass before.
const FEW_FRAMES: i64 = 256;

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("migrations/postgres");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// SQLite takes one writer at a time. Queueing this process's writers here, in order,
    /// replaces the busy handler's sleep-and-retry, which put 20 ms spikes in write latency.
    writer: Option<Arc<tokio::sync::Mutex<()>>>,
    /// SQLite's hottest statements, made without a thread round trip (`direct.rs`).
    direct: Option<direct::Direct>,
}

impl Store {
    /// Opens the database named by `url`, creating a SQLite file and its folder when missing.
    pub async fn connect(url: &str, max_connections: u32) -> anyhow::Result<Self> {
        sqlx::any::install_default_drivers();
        let (backend, url) = if let Some(path) = url.strip_prefix("sqlite:") {
            (Backend::Sqlite, sqlite_url(path)?)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            (Backend::Postgres, url.to_owned())
        } else {
            anyhow::bail!("GATEHOUSE_DATABASE_URL: expected a sqlite:// or postgres:// URL, got {url:?}");
        };
        let options = AnyConnectOptions::from_str(&url).context("GATEHOUSE_DATABASE_URL: not a valid database URL")?;
        let pool = AnyPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(Duration::from_secs(10))
            .after_connect(move |connection, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // WAL lets readers run beside the writer; NORMAL keeps every commit
                        // durable against a process crash, and the busy timeout makes
                        // concurrent writers wait their turn instead of failing. No commit
                        // checkpoints the log: the server does it in the background
                        // (`checkpoint`), and the last connection to close does it too.
                        connection
                            .execute(
                                "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                                 PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000; \
                                 PRAGMA wal_autocheckpoint = 0;",
                            )
                            .await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await
            .with_context(|| format!("Failed to open the {backend:?} database"))?;
        let writer = (backend == Backend::Sqlite).then(|| Arc::new(tokio::sync::Mutex::new(())));
        let direct = if backend == Backend::Sqlite { direct::Direct::for_url(&url) } else { None };
        Ok(Self { pool, backend, writer, direct })
    }

    /// Waits for this process's turn to write (SQLite only; PostgreSQL takes concurrent writers).
    pub(crate) async fn write_turn(&self) -> Option<tokio::sync::MutexGuard<'_, ()>> {
        match &self.writer {
            Some(writer) => Some(writer.lock().await),
            None => None,
        }
    }

    /// Copies what the SQLite write-ahead log holds into the database file, so that the next
    /// write starts the log over. Direct writes never checkpoint (`direct.rs`), so the server
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
        let _turn = self.write_turn().await;
        let (log, copied) = self.checkpoint_pass().await?;
        // A log holding only the previous restart's own frame was not written to since: an
        // idle database is not rewritten every second.
        if log > 1 && copied == log {
            self.restart_log().await.context("Failed to start the write-ahead log over")?;
        }
        Ok(())
    }

    /// Rewrites the database's `user_version` as it is: a write of one page that changes nothing.
    async fn restart_log(&self) -> anyhow::Result<()> {
        let mut restart = self.pool.begin().await?;
        let version: i64 = sqlx::query_scalar(READ_USER_VERSION).fetch_one(&mut *restart).await?;
        restart.execute(format!("{WRITE_USER_VERSION}{version}").as_str()).await?;
        Ok(restart.commit().await?)
    }

    /// One passive checkpoint; returns how many frames the log holds and how many of them the
    /// database file now holds too.
    async fn checkpoint_pass(&self) -> anyhow::Result<(i64, i64)> {
        let pass = sqlx::query(CHECKPOINT).fetch_one(self.pool()).await;
        let pass = pass.context("Failed to checkpoint the write-ahead log")?;
        Ok((pass.try_get::<i64, _>(1)?, pass.try_get::<i64, _>(2)?))
    }

    /// [`Store::connect`], retrying an unreachable PostgreSQL server with backoff for up to
    /// `patience`, then giving up with the reason.
    pub async fn connect_with_retry(url: &str, max_connections: u32, patience: Duration) -> anyhow::Result<Self> {
        let started = std::time::Instant::now();
        let mut delay = Duration::from_millis(250);
        loop {
            match Self::connect(url, max_connections).await {
                Ok(store) => return Ok(store),
                Err(error) if !url.starts_with("sqlite:") && started.elapsed() + delay < patience => {
                    tracing::warn!(
                        database = %redact(url),
                        retry_in_ms = delay.as_millis() as u64,
                        error = format!("{error:#}"),
                        "the database is not reachable yet"
                    );
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(Duration::from_secs(5));
                }
                Err(error) => {
                    return Err(error.context(format!(
                        "The database at {} could not be reached within {} s",
                        redact(url),
                        patience.as_secs()
                    )))
                }
            }
        }
    }

    /// Applies the migrations of this backend.
    pub async fn migrate(&self) -> anyhow::Result<()> {
        let migrator = match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        migrator.run(&self.pool).await.context("Failed to apply the database migrations")
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Direct reads and writes, on SQLite files.
    pub(crate) fn direct(&self) -> Option<&direct::Direct> {
        self.direct.as_ref()
    }
}

/// `sqlite://data/gatehouse.db` → a URL that creates the file, after creating its folder.
fn sqlite_url(path_and_query: &str) -> anyhow::Result<String> {
    let rest = path_and_query.trim_start_matches("//");
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    if path != ":memory:" && !path.is_empty() {
        if let Some(parent) = std::path::Path::new(path).parent() {
            if !parent.as_os_str().is_empty() {
                std::fs::create_dir_all(parent)
                    .with_context(|| format!("Failed to create the database folder {}", parent.display()))?;
            }
        }
    }
    let query = if query.contains("mode=") {
        query.to_owned()
    } else if query.is_empty() {
        "mode=rwc".to_owned()
    } else {
        format!("{query}&mode=rwc")
    };
    Ok(format!("sqlite://{path}?{query}"))
}

/// A database URL without its password, for messages and logs.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// Whether an error is a unique-constraint violation (a username taken meanwhile).
fn is_unique_violation(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(db) if db.is_unique_violation())
}

/// A store on a new SQLite file in `dir`, migrated unless `migrated` is false, for unit tests.
#[cfg(test)]
pub(crate) async fn test_store(dir: &std::path::Path, migrated: bool) -> Store {
    let store = Store::connect(&format!("sqlite://{}", dir.join("gatehouse.db").display()), 2).await.unwrap();
    if migrated {
        store.migrate().await.unwrap();
    }
    store
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_hidden_from_database_urls() {
        assert_eq!(redact("postgres://app:s3cret@db:5432/x"), "postgres://app:***@db:5432/x");
        assert_eq!(redact("postgres://app@db/x"), "postgres://app@db/x");
        assert_eq!(redact("sqlite://data/gatehouse.db"), "sqlite://data/gatehouse.db");
    }

    /// Spends `count` refresh tokens, each a direct write of its own.
    async fn spend_tokens(store: &Store, first: usize, count: usize) {
        for n in first..first + count {
            let jti = format!("{n:032x}");
            let record = blacklist::RefreshRecord { jti: &jti, user_id: Some(1), expires_at: 4_000_000_000 };
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
            sqlx::query_scalar("SELECT COUNT(*) FROM token_blacklist").fetch_one(store.pool()).await.unwrap();
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
        let version: i64 = sqlx::query_scalar(READ_USER_VERSION).fetch_one(store.pool()).await.unwrap();
        assert_eq!(version, 0, "the database's user_version is unchanged");
    }

    #[tokio::test]
    async fn writes_through_the_pool_leave_checkpoints_to_the_background() {
        let dir = tempfile::tempdir().unwrap();
        let store = test_store(dir.path(), false).await;
        sqlx::query("CREATE TABLE pages (page BLOB)").execute(store.pool()).await.unwrap();
        // SQLite's default would checkpoint inside the commit that passes 1,000 frames (a
        // page each), with this process's writers waiting; the log would then start over.
        for _ in 0..1200 {
            sqlx::query("INSERT INTO pages VALUES (zeroblob(3000))").execute(store.pool()).await.unwrap();
        }
        let (log, _) = store.checkpoint_pass().await.unwrap();
        assert!(log >= 1200, "the log holds {log} frames");
    }

    #[tokio::test]
    async fn spent_tokens_recorded_before_refresh_chains_still_revoke_their_descendants() {
        let dir = tempfile::tempdir().unwrap();
        let store = test_store(dir.path(), false).await;
        let before_chains = Migrator {
            migrations: std::borrow::Cow::Owned(SQLITE_MIGRATIONS.migrations[..4].to_vec()),
            ..Migrator::DEFAULT
        };
        before_chains.run(store.pool()).await.unwrap();
        // A login's token `a` was rotated to `b`, and `b` to the live `c`, as the old table held it.
        sqlx::query(
            "INSERT INTO token_blacklist \
             (jti, user_id, expires_at, blacklisted_at, family, successor, successor_expires_at) VALUES \
             ('a', 1, 4000000000, 1700000000, 'a', 'b', 4000000001), \
             ('b', 1, 4000000001, 1700000001, 'a', 'c', 4000000002)",
        )
        .execute(store.pool())
        .await
        .unwrap();

        store.migrate().await.unwrap();
        let table: String = sqlx::query_scalar("SELECT sql FROM sqlite_master WHERE name = 'token_blacklist'")
            .fetch_one(store.pool())
            .await
            .unwrap();
        assert!(table.ends_with("WITHOUT ROWID"), "{table}");
        assert!(store.is_blacklisted("b").await.unwrap());
        assert!(!store.is_blacklisted("c").await.unwrap());
        assert_eq!(store.revoke_descendants_of("a", 1_700_000_002).await.unwrap(), 1);
        assert!(store.is_blacklisted("c").await.unwrap(), "the live token of the chain is revoked");
        assert_eq!(store.revoke_descendants_of("a", 1_700_000_003).await.unwrap(), 0);
    }
}
