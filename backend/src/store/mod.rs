//! Storage. Every SQL statement of the server is in this module, declared as a
//! [`Read`](statement::Read) or a [`Write`](statement::Write) (`statement.rs`); SQLite and
//! PostgreSQL share them (ordered `$n` parameters, `RETURNING`, integers for flags and times)
//! and keep their own migrations. Dialect differences, where they arise, are branched on here
//! and nowhere else. SQLite's fast path (direct statements and the background checkpoint) is
//! in `sqlite/`.

pub mod audit;
pub mod blacklist;
pub mod django;
pub mod django_layout;
pub mod drf_tokens;
pub mod layout;
pub mod links;
pub mod mfa;
pub mod migrations;
pub mod outbox;
pub mod passkeys;
pub mod pool;
pub mod providers;
pub mod sessions;
pub mod simplejwt;
pub mod sqlite;
pub mod statement;
pub mod throttle;
pub mod user_reads;
pub mod users;

use std::str::FromStr;
use std::time::Duration;

use anyhow::Context;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{Connection, Executor};

use statement::WriteTurn;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Clone)]
pub struct Store {
    /// sqlx's pool, with the connections kept between statements (`pool.rs`).
    pool: pool::Connections,
    backend: Backend,
    /// SQLite's write queue and direct statements; `None` on PostgreSQL.
    sqlite: Option<sqlite::Sqlite>,
    /// The statements of the layout in use (`layout.rs`).
    sql: std::sync::Arc<layout::Sql>,
    /// The webhooks each audit event is queued for (`audit.rs`).
    webhooks: std::sync::Arc<crate::domain::audit::Subscriptions>,
    /// Accounts read together on PostgreSQL (`user_reads.rs`).
    user_reads: std::sync::Arc<user_reads::UserReads>,
}

impl Store {
    /// Opens the database named by `url`, creating a SQLite file and its folder when missing.
    pub async fn connect(url: &str, max_connections: u32) -> anyhow::Result<Self> {
        sqlx::any::install_default_drivers();
        let (backend, url) = if let Some(path) = url.strip_prefix("sqlite:") {
            let opened = sqlite::url_of(path)?;
            match (&opened.file, opened.created) {
                (Some(file), true) => tracing::info!(file = %file.display(), "created a new, empty SQLite database"),
                (Some(file), false) => tracing::info!(file = %file.display(), "opening the SQLite database"),
                (None, _) => tracing::info!("using a SQLite database in memory"),
            }
            (Backend::Sqlite, opened.url)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            (Backend::Postgres, url.to_owned())
        } else {
            anyhow::bail!("GATEHOUSE_DATABASE_URL: expected a sqlite:// or postgres:// URL, got {url:?}");
        };
        let options = AnyConnectOptions::from_str(&url).context("GATEHOUSE_DATABASE_URL: not a valid database URL")?;
        let pool = AnyPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(Duration::from_secs(10))
            // Checking every connection as it is taken would add a round trip to every query;
            // only connections idle for a while are checked (`pool.rs`).
            .test_before_acquire(false)
            .before_acquire(|connection, metadata| {
                Box::pin(async move {
                    if metadata.idle_for >= pool::CHECK_IDLE_AFTER {
                        sqlx::Connection::ping(connection).await?;
                    }
                    Ok(true)
                })
            })
            .after_connect(move |connection, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        connection.execute(sqlite::POOL_PRAGMAS).await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await
            .with_context(|| format!("Failed to open the {backend:?} database"))?;
        let sqlite = (backend == Backend::Sqlite).then(|| sqlite::Sqlite::for_url(&url));
        Ok(Self {
            pool: pool::Connections::new(pool),
            backend,
            sqlite,
            sql: std::sync::Arc::new(layout::Sql::gatehouse()),
            webhooks: std::sync::Arc::default(),
            user_reads: std::sync::Arc::default(),
        })
    }

    /// Prepares the database for `layout`: Gatehouse's migrations on its own tables, or the
    /// Django project's tables checked and Gatehouse's own created beside them.
    pub async fn open_layout(self, layout: &layout::LayoutSetting) -> anyhow::Result<Self> {
        match layout {
            layout::LayoutSetting::Gatehouse => {
                self.migrate().await?;
                Ok(self)
            }
            layout::LayoutSetting::Django(names) => self.open_django_layout(names).await,
        }
    }

    /// Queues a webhook of each audit event for `subscriptions` from now on.
    pub fn with_webhooks(mut self, subscriptions: crate::domain::audit::Subscriptions) -> Self {
        self.webhooks = std::sync::Arc::new(subscriptions);
        self
    }

    /// Whether the accounts are a Django project's (`GATEHOUSE_DATABASE_LAYOUT=django`).
    pub fn is_django_layout(&self) -> bool {
        self.sql.django
    }

    /// Waits for this process's turn to write: SQLite takes one writer at a time, and
    /// queueing this process's writers here, in order, replaces the busy handler's
    /// sleep-and-retry (20 ms spikes in write latency). Free on PostgreSQL.
    async fn write_turn(&self) -> WriteTurn<'_> {
        match &self.sqlite {
            Some(sqlite) => WriteTurn::new(Some(sqlite.queue.lock().await)),
            None => WriteTurn::new(None),
        }
    }

    /// Makes a direct write on a SQLite file, together with the others waiting for the turn
    /// (`sqlite/direct.rs`). `None` when there is no file or another process is writing: the
    /// caller then writes through the pool.
    async fn write_directly(
        &self,
        statement: statement::Write,
        write: sqlite::direct::Writing,
    ) -> anyhow::Result<Option<usize>> {
        match &self.sqlite {
            Some(sqlite::Sqlite { queue, direct: Some(direct) }) => {
                direct.write_together(queue, statement, write).await
            }
            _ => Ok(None),
        }
    }

    /// Direct statements, on SQLite files.
    fn direct(&self) -> Option<&sqlite::direct::Direct> {
        self.sqlite.as_ref().and_then(|sqlite| sqlite.direct.as_ref())
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

    /// Applies the migrations of this backend. Processes starting together on one database
    /// (a server and a `gatehouse` command, or several instances) take turns: PostgreSQL's by
    /// the advisory lock sqlx takes, SQLite's by taking the file's write lock before reading
    /// which migrations are applied, and keeping it until all are (each migration then runs in
    /// a savepoint). Without it, both would find the first migration missing, and the second
    /// to apply it would fail on the tables the first had made.
    pub async fn migrate(&self) -> anyhow::Result<()> {
        let steps = migrations::migrator(self.backend).await.context("Failed to read the built-in migrations")?;
        let mut connection = self.pool.acquire().await.context("Failed to open a connection to migrate")?;
        let applied = match self.backend {
            Backend::Sqlite => {
                let mut turn = connection.begin_with("BEGIN IMMEDIATE").await?;
                let applied = steps.run(&mut *turn).await;
                if applied.is_ok() {
                    turn.commit().await?;
                }
                applied
            }
            Backend::Postgres => steps.run(&mut *connection).await,
        };
        applied.context("Failed to apply the database migrations")
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }
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

fn is_foreign_key_violation(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(db) if db.is_foreign_key_violation())
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

    #[tokio::test]
    async fn processes_starting_together_on_a_new_sqlite_file_both_find_it_migrated() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("gatehouse.db").display());
        // Each store has connections of its own, as another process would.
        let stores = futures_util::future::try_join_all((0..3).map(|_| Store::connect(&url, 2))).await.unwrap();
        let migrated = futures_util::future::join_all(stores.iter().map(Store::migrate)).await;
        for outcome in migrated {
            outcome.expect("every store starts");
        }
        let applied: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations").fetch_one(&stores[0].pool).await.unwrap();
        assert_eq!(applied, migrations::migrator(Backend::Sqlite).await.unwrap().iter().count() as i64);
        assert!(!stores[2].is_blacklisted("nothing").await.unwrap());
    }

    #[tokio::test]
    async fn spent_tokens_recorded_before_refresh_chains_still_revoke_their_descendants() {
        let dir = tempfile::tempdir().unwrap();
        let store = test_store(dir.path(), false).await;
        let before_chains = migrations::first_sqlite_steps(4).await;
        before_chains.run(&mut *store.pool.acquire().await.unwrap()).await.unwrap();
        // A login's token `a` was rotated to `b`, and `b` to the live `c`, as the old table held it.
        sqlx::query(
            "INSERT INTO token_blacklist \
             (jti, user_id, expires_at, blacklisted_at, family, successor, successor_expires_at) VALUES \
             ('a', 1, 4000000000, 1700000000, 'a', 'b', 4000000001), \
             ('b', 1, 4000000001, 1700000001, 'a', 'c', 4000000002)",
        )
        .execute(&store.pool)
        .await
        .unwrap();

        store.migrate().await.unwrap();
        let table: String =
            sqlx::query_scalar("SELECT sql FROM sqlite_master WHERE name = 'gatehouse_token_blacklist'")
                .fetch_one(&store.pool)
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
