//! Where accounts live, and the statements whose text depends on it.
//!
//! In Gatehouse's own layout, users are the `users` table (flags 0/1, times in Unix
//! microseconds). In the Django layout (`GATEHOUSE_DATABASE_LAYOUT=django`), they are the Django
//! project's own user table (`auth_user`, or the one named in the settings), read and written
//! as Django does: times as Django's datetimes (text in SQLite, `timestamp with time zone` in
//! PostgreSQL), flags as Django's booleans. Gatehouse never alters a Django table; its own
//! tables are the `gatehouse_*` ones in both layouts. DRF's `authtoken_token` and SimpleJWT's
//! blacklist tables are shared when the Django project has them.
//!
//! Each statement here is written once, for every layout, from the column expressions of
//! [`Dialect`]; they are built once when the store opens.

use super::statement::{Read, Write};

/// `GATEHOUSE_DATABASE_LAYOUT` and the names of the Django user table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LayoutSetting {
    Gatehouse,
    Django(DjangoNames),
}

/// The Django user table and its login and e-mail columns (a custom user model's may differ).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DjangoNames {
    pub user_table: String,
    pub username_column: String,
    pub email_column: String,
}

impl Default for DjangoNames {
    fn default() -> Self {
        Self { user_table: "auth_user".into(), username_column: "username".into(), email_column: "email".into() }
    }
}

/// How a table stores times and flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// Gatehouse's own tables: Unix microseconds and 0/1, on either database.
    Gatehouse,
    /// Django on SQLite: `YYYY-MM-DD HH:MM:SS[.ffffff]` in UTC (USE_TZ), flags 0/1.
    DjangoSqlite,
    /// Django on PostgreSQL: `timestamp with time zone`, `boolean`, `integer` ids.
    DjangoPostgres,
}

impl Dialect {
    /// Unix microseconds of time column `column`.
    fn time_out(self, column: &str) -> String {
        match self {
            Self::Gatehouse => column.to_owned(),
            Self::DjangoSqlite => format!(
                "(CAST(strftime('%s', substr({column}, 1, 19)) AS INTEGER) * 1000000 \
                 + CAST(substr({column} || '.000000', 21, 6) AS INTEGER))"
            ),
            Self::DjangoPostgres => format!("CAST(EXTRACT(EPOCH FROM {column}) * 1000000 AS BIGINT)"),
        }
    }

    /// The column value for a parameter in Unix microseconds (NULL stays NULL). On SQLite it
    /// is Python's `str()` of the UTC datetime, as Django writes it.
    fn time_in(self, parameter: &str) -> String {
        match self {
            Self::Gatehouse => parameter.to_owned(),
            Self::DjangoSqlite => format!(
                "(strftime('%Y-%m-%d %H:%M:%S', {parameter} / 1000000, 'unixepoch') \
                 || CASE WHEN {parameter} % 1000000 = 0 THEN '' ELSE printf('.%06d', {parameter} % 1000000) END)"
            ),
            Self::DjangoPostgres => {
                format!("(TIMESTAMPTZ 'epoch' + CAST({parameter} AS BIGINT) * INTERVAL '1 microsecond')")
            }
        }
    }

    /// 0 or 1 for flag column `column`.
    fn flag_out(self, column: &str) -> String {
        match self {
            Self::Gatehouse => column.to_owned(),
            // Declared `bool`, which the Any driver does not read.
            Self::DjangoSqlite => format!("CAST({column} AS INTEGER)"),
            Self::DjangoPostgres => format!("CAST(CASE WHEN {column} THEN 1 ELSE 0 END AS BIGINT)"),
        }
    }

    /// The column value for a 0/1 parameter.
    fn flag_in(self, parameter: &str) -> String {
        match self {
            Self::DjangoPostgres => format!("(CAST({parameter} AS BIGINT) <> 0)"),
            _ => parameter.to_owned(),
        }
    }

    fn truth(self, value: bool) -> &'static str {
        match (self, value) {
            (Self::DjangoPostgres, true) => "TRUE",
            (Self::DjangoPostgres, false) => "FALSE",
            (_, true) => "1",
            (_, false) => "0",
        }
    }

    /// An integer column as a 64-bit integer (Django's PostgreSQL ids are 32-bit).
    fn integer_out(self, column: &str) -> String {
        match self {
            Self::DjangoPostgres => format!("CAST({column} AS BIGINT)"),
            _ => column.to_owned(),
        }
    }
}

/// Text built once per store and kept for the life of the process (a handful per process).
fn fixed(text: String) -> &'static str {
    Box::leak(text.into_boxed_str())
}

/// The statements of the user table.
#[derive(Debug, Clone, Copy)]
pub struct UserSql {
    pub find_by_id: Read,
    /// PostgreSQL only: the users whose ids are in `$1`, an array's text (`{1,2}`), in no order.
    pub find_by_ids: Read,
    pub find_by_username: Read,
    pub find_by_email: Read,
    pub list_all: Read,
    pub username_exists: Read,
    pub insert: Write,
    pub update_profile: Write,
    pub set_password: Write,
    /// Takes back an e-mail change: the address it replaced, and the account active again
    /// (the address was confirmed before the change).
    pub revert_email: Write,
    /// A reset: applies only while the hash is still the one the link was made for.
    pub set_password_and_last_login: Write,
    pub set_username: Write,
    /// A username reset: applies only while `last_login` is still the link's.
    pub set_username_and_last_login: Write,
    /// Django's `update_last_login`.
    pub set_last_login: Write,
    pub activate: Write,
    pub delete: Write,
    pub make_superuser: Write,
    /// Staff's switches: `is_active` and `is_staff` to `$2` (0 or 1).
    pub set_active: Write,
    pub set_staff: Write,
    pub count_all: Read,
    /// A page of every account, by id: `$1` accounts from `$2`; each row is a user's columns and
    /// its count of confirmed second factors.
    pub page: Read,
    /// The staff console's search on SQLite, whose LIKE ignores ASCII case.
    pub search_sqlite: SearchSql,
    /// The same on PostgreSQL, on lower-cased columns (the pattern is lower-cased too).
    pub search_postgres: SearchSql,
}

/// Accounts whose username, e-mail address, first or last name starts with a LIKE pattern
/// (`$1`, escaped with `\`); each row is a user's columns and its count of confirmed second
/// factors.
#[derive(Debug, Clone, Copy)]
pub struct SearchSql {
    /// How many match, counting at most `$2`.
    pub count_up_to: Read,
    /// A page of them by id (`$2` accounts from `$3`), through the columns' indexes: for a
    /// pattern few accounts match.
    pub few: Read,
    /// The same, reading the table in id order until the page is full: for a pattern many
    /// accounts match, where collecting every match to sort it would take longer.
    pub many: Read,
}

impl SearchSql {
    fn new(select: &str, table: &str, columns: [&str; 4], lower: bool) -> Self {
        let matches = columns
            .iter()
            .map(|column| match lower {
                true => format!("lower({column}) LIKE $1 ESCAPE '\\'"),
                false => format!("{column} LIKE $1 ESCAPE '\\'"),
            })
            .collect::<Vec<_>>()
            .join(" OR ");
        // SQLite's NOT INDEXED makes it read the table in id order; PostgreSQL's planner
        // chooses by its statistics.
        let in_id_order = if lower { String::new() } else { " NOT INDEXED".to_owned() };
        Self {
            count_up_to: Read::new(fixed(format!(
                "SELECT COUNT(*) AS n FROM (SELECT 1 FROM {table} WHERE {matches} LIMIT $2) AS found"
            ))),
            few: Read::new(fixed(format!("{select} WHERE {matches} ORDER BY id LIMIT $2 OFFSET $3"))),
            many: Read::new(fixed(format!("{select}{in_id_order} WHERE {matches} ORDER BY id LIMIT $2 OFFSET $3"))),
        }
    }
}

impl UserSql {
    /// The columns of a user row, in the order `store::users` reads them.
    fn columns(dialect: Dialect, username: &str, email: &str) -> String {
        format!(
            "{id}, {username}, {email}, first_name, last_name, password, {active}, {staff}, {superuser}, {joined}, {login}",
            id = dialect.integer_out("id"),
            active = dialect.flag_out("is_active"),
            staff = dialect.flag_out("is_staff"),
            superuser = dialect.flag_out("is_superuser"),
            joined = dialect.time_out("date_joined"),
            login = dialect.time_out("last_login"),
        )
    }

    pub fn new(dialect: Dialect, table: &str, username: &str, email: &str) -> Self {
        let columns = Self::columns(dialect, username, email);
        let select = format!("SELECT {columns} FROM {table}");
        let with_factors = format!(
            "SELECT {columns}, (SELECT COUNT(*) FROM gatehouse_mfa_factors f WHERE f.user_id = {table}.id \
             AND f.confirmed_at IS NOT NULL) AS second_factors FROM {table}"
        );
        let (yes, no) = (dialect.truth(true), dialect.truth(false));
        let read = |text: String| Read::new(fixed(text));
        let write = |text: String| Write::new(fixed(text));
        Self {
            find_by_id: read(format!("{select} WHERE id = $1")),
            find_by_ids: read(format!("{select} WHERE id = ANY(CAST($1 AS BIGINT[]))")),
            find_by_username: read(format!("{select} WHERE {username} = $1")),
            find_by_email: read(format!("{select} WHERE {email} = $1 ORDER BY id")),
            list_all: read(format!("{select} ORDER BY id")),
            username_exists: read(format!("SELECT 1 FROM {table} WHERE {username} = $1")),
            insert: write(format!(
                "INSERT INTO {table} ({username}, {email}, first_name, last_name, password, is_active, is_staff, \
                 is_superuser, date_joined) VALUES ($1, $2, $3, $4, $5, {}, {}, {}, {}) RETURNING {columns}",
                dialect.flag_in("$6"),
                dialect.flag_in("$7"),
                dialect.flag_in("$8"),
                dialect.time_in("$9"),
            )),
            update_profile: write(format!(
                "UPDATE {table} SET first_name = $2, last_name = $3, {email} = $4, is_active = {} WHERE id = $1 \
                 RETURNING {columns}",
                dialect.flag_in("$5")
            )),
            set_password: write(format!("UPDATE {table} SET password = $2 WHERE id = $1")),
            revert_email: write(format!("UPDATE {table} SET {email} = $2, is_active = {yes} WHERE id = $1")),
            set_password_and_last_login: write(format!(
                "UPDATE {table} SET password = $2, last_login = {} WHERE id = $1 AND password = $4",
                dialect.time_in("$3")
            )),
            set_username: write(format!("UPDATE {table} SET {username} = $2 WHERE id = $1")),
            set_username_and_last_login: write(format!(
                "UPDATE {table} SET {username} = $2, last_login = {} WHERE id = $1 AND {} IS NOT DISTINCT FROM $4",
                dialect.time_in("$3"),
                dialect.time_out("last_login"),
            )),
            set_last_login: write(format!("UPDATE {table} SET last_login = {} WHERE id = $1", dialect.time_in("$2"))),
            activate: write(format!("UPDATE {table} SET is_active = {yes} WHERE id = $1 AND is_active = {no}")),
            delete: write(format!("DELETE FROM {table} WHERE id = $1")),
            make_superuser: write(format!(
                "UPDATE {table} SET {email} = $2, password = $3, is_active = {yes}, is_staff = {yes}, \
                 is_superuser = {yes} WHERE {username} = $1"
            )),
            set_active: write(format!("UPDATE {table} SET is_active = {} WHERE id = $1", dialect.flag_in("$2"))),
            set_staff: write(format!("UPDATE {table} SET is_staff = {} WHERE id = $1", dialect.flag_in("$2"))),
            count_all: read(format!("SELECT COUNT(*) AS n FROM {table}")),
            page: read(format!("{with_factors} ORDER BY id LIMIT $1 OFFSET $2")),
            search_sqlite: SearchSql::new(&with_factors, table, [username, email, "first_name", "last_name"], false),
            search_postgres: SearchSql::new(&with_factors, table, [username, email, "first_name", "last_name"], true),
        }
    }
}

/// The statements of DRF's token table (`authtoken_token`, or Gatehouse's own).
#[derive(Debug, Clone, Copy)]
pub struct ApiTokenSql {
    pub user_of_key: Read,
    /// DRF's `Token.objects.get_or_create(user=…)`: a second sign-in finds the first one's key.
    pub create: Write,
    pub key_of_user: Read,
    pub delete_of_user: Write,
}

impl ApiTokenSql {
    pub fn new(dialect: Dialect, table: &str) -> Self {
        Self {
            user_of_key: Read::new(fixed(format!(
                "SELECT {} FROM {table} WHERE key = $1",
                dialect.integer_out("user_id")
            ))),
            create: Write::new(fixed(format!(
                "INSERT INTO {table} (key, created, user_id) VALUES ($1, {}, $3) ON CONFLICT (user_id) DO NOTHING",
                dialect.time_in("$2")
            ))),
            key_of_user: Read::new(fixed(format!("SELECT key FROM {table} WHERE user_id = $1"))),
            delete_of_user: Write::new(fixed(format!("DELETE FROM {table} WHERE user_id = $1"))),
        }
    }
}

/// SimpleJWT's blacklist tables, as its `outstand()`, `blacklist()` and check read and write
/// them.
#[derive(Debug, Clone, Copy)]
pub struct SimpleJwtSql {
    /// Records an issued refresh token (`jti`, token, created µs, expires µs, user id).
    pub outstand: Write,
    /// Blacklists an outstanding token by jti, at `$2` (µs).
    pub blacklist: Write,
    /// Blacklists the live refresh token of session `$1`, at `$2` (µs).
    pub blacklist_session: Write,
    pub is_blacklisted: Read,
    pub is_outstanding: Read,
}

const OUTSTANDING: &str = "token_blacklist_outstandingtoken";
const BLACKLISTED: &str = "token_blacklist_blacklistedtoken";

impl SimpleJwtSql {
    fn new(dialect: Dialect, user_table: &str) -> Self {
        Self {
            outstand: Write::new(fixed(format!(
                "INSERT INTO {OUTSTANDING} (jti, token, created_at, expires_at, user_id) \
                 VALUES ($1, $2, {}, {}, (SELECT id FROM {user_table} WHERE id = $5)) ON CONFLICT (jti) DO NOTHING",
                dialect.time_in("$3"),
                dialect.time_in("$4"),
            ))),
            blacklist: Write::new(fixed(format!(
                "INSERT INTO {BLACKLISTED} (token_id, blacklisted_at) SELECT id, {} FROM {OUTSTANDING} \
                 WHERE jti = $1 ON CONFLICT (token_id) DO NOTHING",
                dialect.time_in("$2")
            ))),
            blacklist_session: Write::new(fixed(format!(
                "INSERT INTO {BLACKLISTED} (token_id, blacklisted_at) SELECT o.id, {} FROM {OUTSTANDING} o \
                 JOIN gatehouse_sessions s ON s.refresh_jti = o.jti WHERE s.id = $1 ON CONFLICT (token_id) DO NOTHING",
                dialect.time_in("$2")
            ))),
            is_blacklisted: Read::new(fixed(format!(
                "SELECT 1 FROM {BLACKLISTED} b JOIN {OUTSTANDING} o ON o.id = b.token_id WHERE o.jti = $1"
            ))),
            is_outstanding: Read::new(fixed(format!("SELECT 1 FROM {OUTSTANDING} WHERE jti = $1"))),
        }
    }
}

/// The layout a store opened, with its statements.
#[derive(Debug, Clone)]
pub struct Sql {
    pub django: bool,
    pub users: UserSql,
    pub api_tokens: ApiTokenSql,
    /// Present when SimpleJWT's blacklist tables are shared.
    pub simplejwt: Option<SimpleJwtSql>,
    /// Run, in order, before a user row is deleted: Django's cascades for the tables Django
    /// itself would clean (its database constraints do not cascade).
    pub before_user_delete: Vec<Write>,
}

impl Sql {
    /// Gatehouse's own tables.
    pub fn gatehouse() -> Self {
        Self {
            django: false,
            users: UserSql::new(Dialect::Gatehouse, "users", "username", "email"),
            api_tokens: ApiTokenSql::new(Dialect::Gatehouse, "gatehouse_auth_tokens"),
            simplejwt: None,
            before_user_delete: own_rows(),
        }
    }

    /// A Django project's tables; `present` says which optional tables it has.
    pub fn django(dialect: Dialect, names: &DjangoNames, present: &DjangoTables) -> Self {
        let DjangoNames { user_table, username_column, email_column } = names;
        let api_tokens = if present.authtoken {
            ApiTokenSql::new(dialect, "authtoken_token")
        } else {
            ApiTokenSql::new(Dialect::Gatehouse, "gatehouse_auth_tokens")
        };
        let mut before_user_delete: Vec<Write> = present
            .dependents
            .iter()
            .map(|(table, set_null)| {
                let text = if *set_null {
                    format!("UPDATE {table} SET user_id = NULL WHERE user_id = $1")
                } else {
                    format!("DELETE FROM {table} WHERE user_id = $1")
                };
                Write::new(fixed(text))
            })
            .collect();
        if !present.authtoken {
            before_user_delete.push(api_tokens.delete_of_user);
        }
        before_user_delete.extend(own_rows());
        Self {
            django: true,
            users: UserSql::new(dialect, user_table, username_column, email_column),
            api_tokens,
            simplejwt: present.simplejwt.then(|| SimpleJwtSql::new(dialect, user_table)),
            before_user_delete,
        }
    }
}

/// Gatehouse's own rows of a user that go with the account (its second factors and its links
/// to identity providers).
fn own_rows() -> Vec<Write> {
    [super::mfa::CLEAR, super::providers::CLEAR].concat()
}

/// What a Django project's database holds besides the user table.
#[derive(Debug, Clone, Default)]
pub struct DjangoTables {
    /// DRF's `rest_framework.authtoken`.
    pub authtoken: bool,
    /// SimpleJWT's `token_blacklist` app.
    pub simplejwt: bool,
    /// Tables whose `user_id` refers to a user: (table, whether Django sets it to NULL rather
    /// than deleting the row).
    pub dependents: Vec<(&'static str, bool)>,
}

/// The tables of Django's own apps that refer to `auth_user`, and what Django does to their
/// rows when a user is deleted.
pub const DJANGO_DEPENDENTS: &[(&str, bool)] = &[
    ("auth_user_groups", false),
    ("auth_user_user_permissions", false),
    ("authtoken_token", false),
    ("django_admin_log", false),
    (OUTSTANDING, true),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gatehouse_statements_read_the_columns_as_they_are() {
        let sql = UserSql::new(Dialect::Gatehouse, "users", "username", "email");
        assert_eq!(
            sql.find_by_id.sql(),
            "SELECT id, username, email, first_name, last_name, password, is_active, is_staff, is_superuser, \
             date_joined, last_login FROM users WHERE id = $1"
        );
    }

    #[test]
    fn django_statements_name_the_configured_table_and_columns() {
        let sql = UserSql::new(Dialect::DjangoPostgres, "accounts_user", "login", "mail");
        assert!(sql.find_by_username.sql().contains("FROM accounts_user WHERE login = $1"));
        assert!(sql.find_by_id.sql().starts_with("SELECT CAST(id AS BIGINT), login, mail,"));
        assert!(sql.activate.sql_text().contains("is_active = TRUE WHERE id = $1 AND is_active = FALSE"));
    }
}
