//! The migrations of each backend, built into the binary: `migrations/sqlite/` and
//! `migrations/postgres/`, one file per step, named `<version>_<description>.sql`.
//!
//! `build.rs` lists the folders' files for the compiler to embed, in place of sqlx's
//! `migrate!` macro, whose compiler plugin builds a second copy of sqlx's SQLite and PostgreSQL
//! drivers (SQLite's C source included) for every build of the server. Each step is made as
//! that macro makes it (version and description from the file name, the checksum of the text,
//! `-- no-transaction`), so a database migrated by an earlier build finds its steps unchanged;
//! the test below compares them with what sqlx reads from the folders.

use std::borrow::Cow;

use futures_util::future::BoxFuture;
use sqlx::error::BoxDynError;
use sqlx::migrate::{Migration, MigrationSource, MigrationType, Migrator};

use super::Backend;

/// A folder's files, in order, with their text: `(file name, SQL)`.
type Steps = &'static [(&'static str, &'static str)];

// `SQLITE` and `POSTGRES`: each folder's files in order of name, listed by `build.rs`.
include!(concat!(env!("OUT_DIR"), "/migrations.rs"));

/// The steps of `backend`, ready to run.
pub async fn migrator(backend: Backend) -> Result<Migrator, sqlx::migrate::MigrateError> {
    Migrator::new(Embedded(steps_of(backend))).await
}

fn steps_of(backend: Backend) -> Steps {
    match backend {
        Backend::Sqlite => SQLITE,
        Backend::Postgres => POSTGRES,
    }
}

/// The first `count` steps of SQLite's migrations, for tests of a database made by an
/// earlier version.
#[cfg(test)]
pub async fn first_sqlite_steps(count: usize) -> Migrator {
    Migrator::new(Embedded(&SQLITE[..count])).await.unwrap()
}

#[derive(Debug)]
struct Embedded(Steps);

impl MigrationSource<'static> for Embedded {
    fn resolve(self) -> BoxFuture<'static, Result<Vec<Migration>, BoxDynError>> {
        Box::pin(async move { self.0.iter().map(|&(file, sql)| step(file, sql)).collect() })
    }
}

/// One step, as sqlx makes it from a file of the folder.
fn step(file: &str, sql: &'static str) -> Result<Migration, BoxDynError> {
    let (version, rest) = file.split_once('_').ok_or_else(|| format!("migration {file}: no `_` after its version"))?;
    let version: i64 = version.parse().map_err(|_| format!("migration {file}: its version is not a number"))?;
    let migration_type = MigrationType::from_filename(rest);
    let description = rest.trim_end_matches(migration_type.suffix()).replace('_', " ");
    let no_tx = sql.starts_with("-- no-transaction");
    Ok(Migration::new(version, Cow::Owned(description), migration_type, Cow::Borrowed(sql), no_tx))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What sqlx itself reads from a folder of migrations.
    async fn read_by_sqlx(folder: &str) -> Vec<Migration> {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations").join(folder);
        Migrator::new(path).await.unwrap().iter().cloned().collect()
    }

    fn summary(migrations: &[Migration]) -> Vec<(i64, String, Vec<u8>, bool)> {
        migrations.iter().map(|m| (m.version, m.description.to_string(), m.checksum.to_vec(), m.no_tx)).collect()
    }

    #[tokio::test]
    async fn every_file_of_each_folder_is_built_in_and_read_as_sqlx_reads_it() {
        for (backend, folder) in [(Backend::Sqlite, "sqlite"), (Backend::Postgres, "postgres")] {
            let built_in: Vec<Migration> = migrator(backend).await.unwrap().iter().cloned().collect();
            let on_disk = read_by_sqlx(folder).await;
            assert_eq!(summary(&built_in), summary(&on_disk), "migrations/{folder}/");
        }
    }

    #[test]
    fn a_file_without_a_numbered_name_is_refused_with_its_name() {
        let error = step("accounts.sql", "").unwrap_err().to_string();
        assert_eq!(error, "migration accounts.sql: no `_` after its version");
        let error = step("first_accounts.sql", "").unwrap_err().to_string();
        assert_eq!(error, "migration first_accounts.sql: its version is not a number");
    }
}
