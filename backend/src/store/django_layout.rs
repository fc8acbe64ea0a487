//! Opening a Django project's database (`GATEHOUSE_DATABASE_LAYOUT=django`): the user table
//! must be there as Django made it (otherwise start-up stops and says what differs), the
//! optional apps' tables are found, and Gatehouse's own `gatehouse_*` tables are created by
//! migrations of their own, recorded in `gatehouse_migrations` (sqlx's `_sqlx_migrations`
//! would be a table of Gatehouse's without the prefix).

use anyhow::{bail, Context};
use sqlx::Row;

use super::layout::{Dialect, DjangoNames, DjangoTables, Sql, DJANGO_DEPENDENTS};
use super::statement::{Read, Write};
use super::{Backend, Store};

/// The migrations of Gatehouse's tables beside Django's: (version, description, SQL).
const SQLITE_MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "gatehouse", include_str!("../../migrations/django/sqlite/0001_gatehouse.sql")),
    // The same tables as in Gatehouse's own layout, which has no foreign keys on them either.
    (2, "second factors", include_str!("../../migrations/sqlite/0011_second_factors.sql")),
    (3, "identity providers", include_str!("../../migrations/sqlite/0012_identity_providers.sql")),
    (4, "audit trail", include_str!("../../migrations/sqlite/0013_audit_trail.sql")),
];
const POSTGRES_MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "gatehouse", include_str!("../../migrations/django/postgres/0001_gatehouse.sql")),
    (2, "second factors", include_str!("../../migrations/postgres/0011_second_factors.sql")),
    (3, "identity providers", include_str!("../../migrations/postgres/0012_identity_providers.sql")),
    (4, "audit trail", include_str!("../../migrations/postgres/0013_audit_trail.sql")),
];

const CREATE_MIGRATIONS: &str = "CREATE TABLE IF NOT EXISTS gatehouse_migrations \
     (version BIGINT PRIMARY KEY, description TEXT NOT NULL, applied_at BIGINT NOT NULL)";
const APPLIED: Read = Read::new("SELECT version FROM gatehouse_migrations ORDER BY version");
const RECORD: Write =
    Write::new("INSERT INTO gatehouse_migrations (version, description, applied_at) VALUES ($1, $2, $3)");

const SQLITE_TABLE: Read = Read::new("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = $1");
const SQLITE_COLUMNS: Read = Read::new("SELECT name, lower(type) AS type FROM pragma_table_info($1)");
const POSTGRES_TABLE: Read =
    Read::new("SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = $1");
const POSTGRES_COLUMNS: Read = Read::new(
    "SELECT CAST(column_name AS TEXT) AS name, CAST(data_type AS TEXT) AS type FROM information_schema.columns \
     WHERE table_schema = current_schema() AND table_name = $1",
);

/// The columns of Django's `AbstractUser`, besides the login and e-mail columns, with the
/// column types Django's migrations give them on SQLite and on PostgreSQL (with `USE_TZ`).
const USER_COLUMNS: &[(&str, &str, &str)] = &[
    ("id", "integer", "integer"),
    ("password", "varchar", "character varying"),
    ("last_login", "datetime", "timestamp with time zone"),
    ("is_superuser", "bool", "boolean"),
    ("first_name", "varchar", "character varying"),
    ("last_name", "varchar", "character varying"),
    ("is_staff", "bool", "boolean"),
    ("is_active", "bool", "boolean"),
    ("date_joined", "datetime", "timestamp with time zone"),
];

impl Store {
    /// Uses the Django project's tables in this store's database: checks the user table,
    /// finds DRF's and SimpleJWT's tables, and creates or updates Gatehouse's own.
    pub async fn open_django_layout(mut self, names: &DjangoNames) -> anyhow::Result<Self> {
        let dialect = match self.backend {
            Backend::Sqlite => Dialect::DjangoSqlite,
            Backend::Postgres => Dialect::DjangoPostgres,
        };
        self.check_user_table(names).await?;
        let mut present = DjangoTables {
            authtoken: self.has_table("authtoken_token").await?,
            simplejwt: self.has_table("token_blacklist_blacklistedtoken").await?
                && self.has_table("token_blacklist_outstandingtoken").await?,
            dependents: Vec::new(),
        };
        if names.user_table == "auth_user" {
            for (table, set_null) in DJANGO_DEPENDENTS {
                if self.has_table(table).await? {
                    present.dependents.push((table, *set_null));
                }
            }
        }
        tracing::info!(table = %names.user_table, "using the Django project's user table");
        match present.simplejwt {
            true => tracing::info!("sharing SimpleJWT's blacklist tables"),
            false => tracing::info!(
                "the Django project has no SimpleJWT blacklist tables (rest_framework_simplejwt.token_blacklist): \
                 spent refresh tokens are kept in gatehouse_token_blacklist"
            ),
        }
        match present.authtoken {
            true => tracing::info!("sharing DRF's authtoken_token table"),
            false => tracing::info!(
                "the Django project has no authtoken_token table (rest_framework.authtoken): \
                 DRF tokens are kept in gatehouse_auth_tokens"
            ),
        }
        self.migrate_beside_django().await?;
        self.sql = std::sync::Arc::new(Sql::django(dialect, names, &present));
        Ok(self)
    }

    async fn has_table(&self, table: &str) -> anyhow::Result<bool> {
        let query = match self.backend {
            Backend::Sqlite => SQLITE_TABLE,
            Backend::Postgres => POSTGRES_TABLE,
        };
        let found = query.query().bind(table).fetch_optional(&self.pool).await;
        Ok(found.with_context(|| format!("Failed to look for the table {table}"))?.is_some())
    }

    /// Refuses a user table that is missing or lacks a column Django's `AbstractUser` has (or
    /// has it with another type: `USE_TZ = False` datetimes, say).
    async fn check_user_table(&self, names: &DjangoNames) -> anyhow::Result<()> {
        let DjangoNames { user_table, username_column, email_column } = names;
        if !self.has_table(user_table).await? {
            bail!(
                "GATEHOUSE_DATABASE_LAYOUT=django: the database has no table {user_table:?}. Run Django's \
                 `manage.py migrate` first, or name the user table in GATEHOUSE_DJANGO_USER_TABLE"
            );
        }
        let query = match self.backend {
            Backend::Sqlite => SQLITE_COLUMNS,
            Backend::Postgres => POSTGRES_COLUMNS,
        };
        let rows = query.query().bind(user_table.as_str()).fetch_all(&self.pool).await?;
        let mut columns = Vec::new();
        for row in rows {
            columns.push((row.try_get::<String, _>("name")?, row.try_get::<String, _>("type")?));
        }
        let mut expected: Vec<(&str, &str)> = USER_COLUMNS
            .iter()
            .map(|(name, sqlite, postgres)| (*name, if self.backend == Backend::Sqlite { *sqlite } else { *postgres }))
            .collect();
        let text = if self.backend == Backend::Sqlite { "varchar" } else { "character varying" };
        expected.push((username_column, text));
        expected.push((email_column, text));
        let mut problems = Vec::new();
        for (name, kind) in expected {
            match columns.iter().find(|(column, _)| column == name) {
                None => problems.push(format!("no column {name:?}")),
                Some((_, found)) if !found.starts_with(kind) => {
                    problems.push(format!("column {name:?} is {found}, not {kind}"))
                }
                Some(_) => {}
            }
        }
        if !problems.is_empty() {
            bail!(
                "GATEHOUSE_DATABASE_LAYOUT=django: the table {user_table:?} is not a Django user table as Gatehouse \
                 expects ({}). Gatehouse never alters Django's tables; check GATEHOUSE_DJANGO_USER_TABLE, \
                 GATEHOUSE_DJANGO_USERNAME_COLUMN and GATEHOUSE_DJANGO_EMAIL_COLUMN, and that the project sets \
                 USE_TZ = True",
                problems.join("; ")
            );
        }
        Ok(())
    }

    /// Applies Gatehouse's migrations beside Django's tables, once, even with several
    /// instances starting together (an advisory lock on PostgreSQL, an immediate transaction
    /// on SQLite).
    async fn migrate_beside_django(&self) -> anyhow::Result<()> {
        let migrations = match self.backend {
            Backend::Sqlite => SQLITE_MIGRATIONS,
            Backend::Postgres => POSTGRES_MIGRATIONS,
        };
        let turn = self.write_turn().await;
        let mut connection = self.pool.acquire().await.context("Failed to open a connection to migrate")?;
        let begin = match self.backend {
            Backend::Sqlite => "BEGIN IMMEDIATE",
            Backend::Postgres => "BEGIN",
        };
        sqlx::raw_sql(begin).execute(&mut *connection).await?;
        let outcome = async {
            if self.backend == Backend::Postgres {
                sqlx::raw_sql("SELECT pg_advisory_xact_lock(7301596400117)").execute(&mut *connection).await?;
            }
            sqlx::raw_sql(CREATE_MIGRATIONS).execute(&mut *connection).await?;
            let applied: Vec<i64> = APPLIED.scalar().fetch_all(&mut *connection).await?;
            for (version, description, script) in migrations {
                if applied.contains(version) {
                    continue;
                }
                sqlx::raw_sql(script)
                    .execute(&mut *connection)
                    .await
                    .with_context(|| format!("Failed to apply Gatehouse's migration {version} ({description})"))?;
                turn.query(RECORD)
                    .bind(version)
                    .bind(*description)
                    .bind(crate::clock::now_seconds())
                    .execute(&mut *connection)
                    .await?;
                tracing::info!(version, description, "applied a migration of Gatehouse's tables");
            }
            anyhow::Ok(())
        }
        .await;
        let end = if outcome.is_ok() { "COMMIT" } else { "ROLLBACK" };
        sqlx::raw_sql(end).execute(&mut *connection).await?;
        outcome.context("Failed to create Gatehouse's tables beside Django's")
    }
}
