//! `gatehouse import-django`: users from a Django database's `auth_user` table, with their
//! ids and password hashes as they are, so old passwords and outstanding links keep working,
//! and the refresh tokens SimpleJWT blacklisted (signed out or rotated), so they stay refused.
//! Running it again updates the same rows instead of duplicating them.

use anyhow::{bail, Context};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Connection, Row};

use super::statement::{Read, Write};
use super::{is_unique_violation, Backend, Store};

const READ_SQLITE: Read = Read::new(
    "SELECT id, password, CAST(last_login AS TEXT) AS last_login, \
     CAST(is_superuser AS INTEGER) AS is_superuser, username, first_name, last_name, email, \
     CAST(is_staff AS INTEGER) AS is_staff, CAST(is_active AS INTEGER) AS is_active, \
     CAST(date_joined AS TEXT) AS date_joined FROM auth_user ORDER BY id",
);
const READ_POSTGRES: Read = Read::new(
    "SELECT CAST(id AS BIGINT) AS id, password, \
     to_char(last_login AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') AS last_login, \
     CAST(CASE WHEN is_superuser THEN 1 ELSE 0 END AS BIGINT) AS is_superuser, username, first_name, last_name, email, \
     CAST(CASE WHEN is_staff THEN 1 ELSE 0 END AS BIGINT) AS is_staff, \
     CAST(CASE WHEN is_active THEN 1 ELSE 0 END AS BIGINT) AS is_active, \
     to_char(date_joined AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') AS date_joined FROM auth_user ORDER BY id",
);
const EXISTS: Read = Read::new("SELECT 1 FROM users WHERE id = $1");
/// SimpleJWT's blacklisted refresh tokens that have not expired yet (`$1`, a Django datetime).
const BLACKLISTED_SQLITE: Read = Read::new(
    "SELECT o.jti AS jti, CAST(o.user_id AS INTEGER) AS user_id, CAST(o.expires_at AS TEXT) AS expires_at, \
     CAST(b.blacklisted_at AS TEXT) AS blacklisted_at \
     FROM token_blacklist_blacklistedtoken b JOIN token_blacklist_outstandingtoken o ON o.id = b.token_id",
);
const BLACKLISTED_POSTGRES: Read = Read::new(
    "SELECT o.jti AS jti, CAST(o.user_id AS BIGINT) AS user_id, \
     to_char(o.expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') AS expires_at, \
     to_char(b.blacklisted_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') AS blacklisted_at \
     FROM token_blacklist_blacklistedtoken b JOIN token_blacklist_outstandingtoken o ON o.id = b.token_id",
);
const HAS_BLACKLIST_SQLITE: Read =
    Read::new("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'token_blacklist_blacklistedtoken'");
const HAS_BLACKLIST_POSTGRES: Read =
    Read::new("SELECT 1 FROM pg_catalog.pg_tables WHERE tablename = 'token_blacklist_blacklistedtoken'");
const BLACKLIST: Write = Write::new(
    "INSERT INTO gatehouse_token_blacklist (jti, user_id, expires_at, blacklisted_at) VALUES ($1, $2, $3, $4) \
     ON CONFLICT (jti) DO NOTHING",
);
const UPSERT: Write = Write::new(
    "INSERT INTO users \
     (id, username, email, first_name, last_name, password, is_active, is_staff, is_superuser, date_joined, last_login) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
     ON CONFLICT (id) DO UPDATE SET username = excluded.username, email = excluded.email, \
     first_name = excluded.first_name, last_name = excluded.last_name, password = excluded.password, \
     is_active = excluded.is_active, is_staff = excluded.is_staff, is_superuser = excluded.is_superuser, \
     date_joined = excluded.date_joined, last_login = excluded.last_login",
);
/// New accounts must get ids above the imported ones (SQLite's AUTOINCREMENT does this itself).
const RESYNC_POSTGRES_IDS: Write =
    Write::new("SELECT setval(pg_get_serial_sequence('users', 'id'), GREATEST((SELECT MAX(id) FROM users), 1))");

/// What an import did.
#[derive(Debug, Default)]
pub struct ImportReport {
    pub read: usize,
    pub created: usize,
    pub updated: usize,
    /// One reason per row that could not be imported.
    pub skipped: Vec<String>,
    /// Imported accounts whose password hash no hasher here can check (`user 3 (carol): md5`):
    /// they sign in after a password reset.
    pub unverifiable: Vec<String>,
    /// Blacklisted refresh tokens read, and those not seen before.
    pub blacklisted_read: usize,
    pub blacklisted_added: usize,
    /// Whether the Django database has SimpleJWT's blacklist app.
    pub has_blacklist: bool,
}

struct DjangoUser {
    id: i64,
    password: String,
    last_login: Option<i64>,
    is_superuser: bool,
    username: String,
    first_name: String,
    last_name: String,
    email: String,
    is_staff: bool,
    is_active: bool,
    date_joined: i64,
}

fn django_user(row: &AnyRow) -> anyhow::Result<DjangoUser> {
    let last_login: Option<String> = row.try_get("last_login")?;
    let date_joined: String = row.try_get("date_joined")?;
    Ok(DjangoUser {
        id: row.try_get("id")?,
        password: row.try_get("password")?,
        last_login: last_login.as_deref().map(parse_datetime).transpose()?,
        is_superuser: row.try_get::<i64, _>("is_superuser")? != 0,
        username: row.try_get("username")?,
        first_name: row.try_get("first_name")?,
        last_name: row.try_get("last_name")?,
        email: row.try_get("email")?,
        is_staff: row.try_get::<i64, _>("is_staff")? != 0,
        is_active: row.try_get::<i64, _>("is_active")? != 0,
        date_joined: parse_datetime(&date_joined)?,
    })
}

/// A Django UTC datetime (`2026-01-02 03:04:05[.678901][+00:00]`) as Unix microseconds.
fn parse_datetime(text: &str) -> anyhow::Result<i64> {
    let text = text.trim().trim_end_matches("+00:00").trim_end_matches('Z');
    let (main, fraction) = text.split_once('.').unwrap_or((text, ""));
    let format = time::macros::format_description!("[year]-[month]-[day][first [ ][T]][hour]:[minute]:[second]");
    let moment = time::PrimitiveDateTime::parse(main, &format)
        .with_context(|| format!("{text:?} is not a Django datetime"))?
        .assume_utc();
    let mut micros = format!("{fraction:0<6}");
    micros.truncate(6);
    let micros: i64 = micros.parse().with_context(|| format!("{text:?} has a bad fraction of a second"))?;
    Ok(moment.unix_timestamp() * 1_000_000 + micros)
}

/// Imports every row of `auth_user` from the database at `from`, calling `progress` with the
/// rows done and the total; `checkable` says whether a password hash can be checked here (an
/// unusable one counts as checkable: it is meant never to match).
pub async fn import(
    store: &Store,
    from: &str,
    progress: impl Fn(usize, usize),
    checkable: impl Fn(&str) -> bool,
) -> anyhow::Result<ImportReport> {
    sqlx::any::install_default_drivers();
    let (url, read, has_blacklist, blacklisted) = if let Some(path) = from.strip_prefix("sqlite:") {
        let path = super::sqlite::path_of(path);
        let path = path.split_once('?').map_or(path, |(path, _)| path);
        if !std::path::Path::new(path).exists() {
            bail!("--from: no Django database file at {path}");
        }
        (format!("sqlite://{path}?mode=ro"), READ_SQLITE, HAS_BLACKLIST_SQLITE, BLACKLISTED_SQLITE)
    } else if from.starts_with("postgres://") || from.starts_with("postgresql://") {
        (from.to_owned(), READ_POSTGRES, HAS_BLACKLIST_POSTGRES, BLACKLISTED_POSTGRES)
    } else {
        bail!("--from: expected a sqlite:// or postgres:// URL of the Django database, got {from:?}");
    };
    let mut source = AnyConnection::connect(&url)
        .await
        .with_context(|| format!("Failed to open the Django database at {}", super::redact(from)))?;
    let rows =
        read.query().fetch_all(&mut source).await.context("Failed to read auth_user from the Django database")?;
    let has_blacklist = has_blacklist.query().fetch_optional(&mut source).await?.is_some();
    let blacklisted = match has_blacklist {
        true => blacklisted.query().fetch_all(&mut source).await.context("Failed to read SimpleJWT's blacklist")?,
        false => Vec::new(),
    };
    let _ = source.close().await;

    let mut report = ImportReport { read: rows.len(), has_blacklist, ..ImportReport::default() };
    for (index, row) in rows.iter().enumerate() {
        let user = django_user(row).context("Failed to read an auth_user row")?;
        let turn = store.write_turn().await;
        let existed = EXISTS.query().bind(user.id).fetch_optional(&store.pool).await?.is_some();
        let result = turn
            .query(UPSERT)
            .bind(user.id)
            .bind(&user.username)
            .bind(&user.email)
            .bind(&user.first_name)
            .bind(&user.last_name)
            .bind(&user.password)
            .bind(i64::from(user.is_active))
            .bind(i64::from(user.is_staff))
            .bind(i64::from(user.is_superuser))
            .bind(user.date_joined)
            .bind(user.last_login)
            .execute(&store.pool)
            .await;
        drop(turn);
        if result.is_ok() && !checkable(&user.password) {
            let algorithm = user.password.split('$').next().unwrap_or_default();
            report.unverifiable.push(format!("user {} ({}): {algorithm}", user.id, user.username));
        }
        match result {
            Ok(_) if existed => report.updated += 1,
            Ok(_) => report.created += 1,
            Err(error) if is_unique_violation(&error) => report
                .skipped
                .push(format!("user {} ({}): the username belongs to another account here", user.id, user.username)),
            Err(error) => return Err(error).with_context(|| format!("Failed to import user {}", user.id)),
        }
        progress(index + 1, rows.len());
    }
    let now = crate::clock::now_seconds();
    for row in &blacklisted {
        let expires_at = parse_datetime(&row.try_get::<String, _>("expires_at")?)? / 1_000_000;
        if expires_at < now {
            continue;
        }
        report.blacklisted_read += 1;
        let blacklisted_at = parse_datetime(&row.try_get::<String, _>("blacklisted_at")?)? / 1_000_000;
        let turn = store.write_turn().await;
        let done = turn
            .query(BLACKLIST)
            .bind(row.try_get::<String, _>("jti")?)
            .bind(row.try_get::<Option<i64>, _>("user_id")?)
            .bind(expires_at)
            .bind(blacklisted_at)
            .execute(&store.pool)
            .await
            .context("Failed to import a blacklisted refresh token")?;
        report.blacklisted_added += done.rows_affected() as usize;
    }
    if store.backend() == Backend::Postgres {
        let turn = store.write_turn().await;
        turn.query(RESYNC_POSTGRES_IDS).execute(&store.pool).await.context("Failed to move the id sequence")?;
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn django_datetimes_parse_with_or_without_microseconds() {
        assert_eq!(parse_datetime("2026-01-02 03:04:05.678901").unwrap(), 1_767_323_045_678_901);
        assert_eq!(parse_datetime("2026-01-02 03:04:05").unwrap(), 1_767_323_045_000_000);
        assert_eq!(parse_datetime("2026-01-02T03:04:05.5+00:00").unwrap(), 1_767_323_045_500_000);
        assert!(parse_datetime("yesterday").is_err());
    }
}
