//! The `sessions` table: one row per sign-in, holding the live refresh token of its chain (and
//! the one before it), its refresh counter, and when and why it ended.

use anyhow::Context;
use sqlx::any::AnyRow;
use sqlx::Row;

use super::statement::{Read, Write};
use super::Store;

const START: Write = Write::new(
    "INSERT INTO gatehouse_sessions \
     (id, user_id, created_at, last_used_at, expires_at, ip, user_agent, method, refresh_jti, origin_jti, \
      window_start, window_hits) \
     VALUES ($1, $2, $10, $10, $4, $5, $6, $7, $8, $9, $3, 0)",
);
const FIND: Read = Read::new(
    "SELECT id, user_id, created_at, last_used_at, expires_at, ip, user_agent, method, refresh_jti, \
     previous_jti, rotated_at, window_start, window_hits, ended_at, end_reason \
     FROM gatehouse_sessions WHERE id = $1",
);
/// Continues a live session with the refresh token `$2`: moves it on to `$3` (rotation; NULL
/// keeps it), counts the refresh in the session's window of `$8` seconds and records when and
/// from where. No row changes when the session has ended, when `$7` asks for `$2` to be the
/// live token and it is not, or when the window already holds `$9` refreshes. Every
/// expression reads the row as it was before the update.
const CONTINUE: Write = Write::new(
    "UPDATE gatehouse_sessions SET \
       refresh_jti = COALESCE($3, refresh_jti), \
       previous_jti = CASE WHEN $3 IS NULL THEN previous_jti ELSE refresh_jti END, \
       rotated_at = CASE WHEN $3 IS NULL THEN rotated_at ELSE $4 END, \
       expires_at = COALESCE($5, expires_at), \
       last_used_at = $10, \
       ip = $6, \
       window_hits = CASE WHEN window_start <= $4 - $8 THEN 1 ELSE window_hits + 1 END, \
       window_start = CASE WHEN window_start <= $4 - $8 THEN $4 ELSE window_start END \
     WHERE id = $1 AND ended_at IS NULL AND ($7 = 0 OR refresh_jti = $2) \
       AND (window_start <= $4 - $8 OR window_hits < $9)",
);
const LIST: Read = Read::new(
    "SELECT id, user_id, created_at, last_used_at, expires_at, ip, user_agent, method, refresh_jti, \
     previous_jti, rotated_at, window_start, window_hits, ended_at, end_reason \
     FROM gatehouse_sessions WHERE user_id = $1 AND ended_at IS NULL AND expires_at > $2 \
     ORDER BY created_at DESC, id DESC LIMIT $3",
);
const END_ONE: Write = Write::new(
    "UPDATE gatehouse_sessions SET ended_at = $3, end_reason = $4 \
     WHERE id = $1 AND user_id = $2 AND ended_at IS NULL AND expires_at > $3",
);
/// Ends every live session of user `$1` but `$4` (an empty string spares none), and those its
/// account closing ended, whose access tokens would work again were it opened.
const END_ALL: Write = Write::new(
    "UPDATE gatehouse_sessions SET ended_at = $2, end_reason = $3 \
     WHERE user_id = $1 AND (ended_at IS NULL OR end_reason = 'account_closed') AND id <> $4 RETURNING id",
);
/// Ends the sessions that continue the chain of refresh tokens without a session id that
/// starts at `$1` (the tokens `token_blacklist` links as successors).
const END_CONTINUING: Write = Write::new(
    "WITH RECURSIVE chain (jti) AS ( \
         SELECT CAST($1 AS TEXT) \
         UNION \
         SELECT spent.successor FROM gatehouse_token_blacklist spent JOIN chain ON spent.jti = chain.jti \
         WHERE spent.successor IS NOT NULL \
     ) \
     UPDATE gatehouse_sessions SET ended_at = $2, end_reason = $3 \
     WHERE ended_at IS NULL AND origin_jti IN (SELECT jti FROM chain) RETURNING id",
);
/// The sessions that ended since `$1`, whose access tokens must be refused: those of a closed
/// account too (while it is closed, the user check refuses them first, as SimpleJWT refuses an
/// inactive or deleted user; once it is open again, they stay refused).
const ENDED_SINCE: Read = Read::new("SELECT id, ended_at FROM gatehouse_sessions WHERE ended_at >= $1");
/// Sessions whose tokens have all expired: ended before `$1`, or past their refresh token.
/// The session continues with a refresh token the Django server gave out for it.
const ADOPT: Write = Write::new(
    "UPDATE gatehouse_sessions SET previous_jti = refresh_jti, refresh_jti = $3, rotated_at = $4 \
     WHERE id = $1 AND refresh_jti = $2 AND ended_at IS NULL",
);
const PURGE: Write = Write::new("DELETE FROM gatehouse_sessions WHERE ended_at < $1 OR expires_at < $2");

/// Why a session ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndReason {
    /// Signed out with its refresh token.
    SignedOut,
    /// Ended by its owner or staff from a session list.
    Revoked,
    /// A rotated refresh token of it was used again: taken for a theft.
    Reuse,
    /// The password was changed or reset.
    PasswordChanged,
    /// The account was deactivated or deleted.
    AccountClosed,
}

impl EndReason {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SignedOut => "signed_out",
            Self::Revoked => "revoked",
            Self::Reuse => "reuse",
            Self::PasswordChanged => "password_changed",
            Self::AccountClosed => "account_closed",
        }
    }
}

/// A session about to start.
pub struct NewSession<'a> {
    pub id: &'a str,
    pub user_id: i64,
    /// Microseconds, so that sessions started in one second keep their order.
    pub now_micros: i64,
    pub expires_at: i64,
    pub ip: &'a str,
    pub user_agent: &'a str,
    pub method: &'a str,
    pub refresh_jti: &'a str,
    pub origin_jti: Option<&'a str>,
}

/// A session as the table holds it.
#[derive(Debug, Clone)]
pub struct SessionRow {
    pub id: String,
    pub user_id: i64,
    /// Microseconds.
    pub created_at: i64,
    /// Microseconds.
    pub last_used_at: i64,
    pub expires_at: i64,
    pub ip: String,
    pub user_agent: String,
    pub method: String,
    pub refresh_jti: String,
    pub previous_jti: Option<String>,
    pub rotated_at: Option<i64>,
    pub window_start: i64,
    pub window_hits: i64,
    pub ended_at: Option<i64>,
    pub end_reason: Option<String>,
}

impl SessionRow {
    /// Whether it belongs to `user_id` and has neither ended nor expired at `now` (seconds).
    pub fn is_live_for(&self, user_id: i64, now: i64) -> bool {
        self.user_id == user_id && self.ended_at.is_none() && self.expires_at > now
    }

    /// Whether it ended for a reason other than its account closing (see `ENDED_SINCE`).
    pub fn is_revoked(&self) -> bool {
        self.ended_at.is_some() && self.end_reason.as_deref() != Some(EndReason::AccountClosed.as_str())
    }
}

impl SessionRow {
    /// A row read directly on SQLite, in `FIND`'s column order.
    fn of_direct(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            id: row.get(0)?,
            user_id: row.get(1)?,
            created_at: row.get(2)?,
            last_used_at: row.get(3)?,
            expires_at: row.get(4)?,
            ip: row.get(5)?,
            user_agent: row.get(6)?,
            method: row.get(7)?,
            refresh_jti: row.get(8)?,
            previous_jti: row.get(9)?,
            rotated_at: row.get(10)?,
            window_start: row.get(11)?,
            window_hits: row.get(12)?,
            ended_at: row.get(13)?,
            end_reason: row.get(14)?,
        })
    }

    fn of(row: &AnyRow) -> Result<Self, sqlx::Error> {
        Ok(Self {
            id: row.try_get("id")?,
            user_id: row.try_get("user_id")?,
            created_at: row.try_get("created_at")?,
            last_used_at: row.try_get("last_used_at")?,
            expires_at: row.try_get("expires_at")?,
            ip: row.try_get("ip")?,
            user_agent: row.try_get("user_agent")?,
            method: row.try_get("method")?,
            refresh_jti: row.try_get("refresh_jti")?,
            previous_jti: row.try_get("previous_jti")?,
            rotated_at: row.try_get("rotated_at")?,
            window_start: row.try_get("window_start")?,
            window_hits: row.try_get("window_hits")?,
            ended_at: row.try_get("ended_at")?,
            end_reason: row.try_get("end_reason")?,
        })
    }
}

/// A refresh as [`Store::continue_session`] is asked to record it.
pub struct Continuation<'a> {
    pub id: &'a str,
    pub presented_jti: &'a str,
    /// Refuse the refresh unless the presented token is the live one.
    pub require_live_token: bool,
    /// The rotated token's id and expiry, with rotation.
    pub next: Option<(&'a str, i64)>,
    pub now_micros: i64,
    pub ip: &'a str,
    /// The refresh limit: at most `limit` per `period` seconds.
    pub limit: i64,
    pub period: i64,
}

impl Store {
    pub async fn start_session(&self, session: NewSession<'_>) -> anyhow::Result<()> {
        let turn = self.write_turn().await;
        turn.query(START)
            .bind(session.id)
            .bind(session.user_id)
            .bind(session.now_micros / 1_000_000)
            .bind(session.expires_at)
            .bind(session.ip)
            .bind(session.user_agent)
            .bind(session.method)
            .bind(session.refresh_jti)
            .bind(session.origin_jti)
            .bind(session.now_micros)
            .execute(&self.pool)
            .await
            .context("Failed to record a session")?;
        Ok(())
    }

    /// A session by id (read in place on SQLite: every refresh reads one).
    pub async fn find_session(&self, id: &str) -> anyhow::Result<Option<SessionRow>> {
        if let Some(direct) = self.direct() {
            use rusqlite::OptionalExtension;
            return direct.read(FIND, |statement| statement.query_row([id], SessionRow::of_direct).optional());
        }
        let row = FIND.query().bind(id).fetch_optional(&self.pool).await.context("Failed to read a session")?;
        Ok(row.as_ref().map(SessionRow::of).transpose()?)
    }

    /// Records a refresh; `false` when the session refused it (see `CONTINUE`), changing
    /// nothing.
    pub async fn continue_session(&self, refresh: Continuation<'_>) -> anyhow::Result<bool> {
        let (id, presented_jti, ip) = (refresh.id.to_owned(), refresh.presented_jti.to_owned(), refresh.ip.to_owned());
        let (next_jti, next_expires_at) = refresh.next.map(|(jti, expires_at)| (jti.to_owned(), expires_at)).unzip();
        let Continuation { now_micros, require_live_token, period, limit, .. } = refresh;
        // `$3` comes before `$1` in the text: bound by name, not by position.
        let direct = self.write_directly(
            CONTINUE,
            Box::new(move |statement| {
                statement.execute(rusqlite::named_params! {
                    "$1": id,
                    "$2": presented_jti,
                    "$3": next_jti,
                    "$4": now_micros / 1_000_000,
                    "$5": next_expires_at,
                    "$6": ip,
                    "$7": i64::from(require_live_token),
                    "$8": period,
                    "$9": limit,
                    "$10": now_micros,
                })
            }),
        );
        if let Some(changed) = direct.await.context("Failed to record a refresh")? {
            return Ok(changed == 1);
        }
        // No file, or another process is writing: through the pool, whose threads wait for it.
        let turn = self.write_turn().await;
        let done = turn
            .query(CONTINUE)
            .bind(refresh.id)
            .bind(refresh.presented_jti)
            .bind(refresh.next.map(|(jti, _)| jti))
            .bind(refresh.now_micros / 1_000_000)
            .bind(refresh.next.map(|(_, expires_at)| expires_at))
            .bind(refresh.ip)
            .bind(i64::from(refresh.require_live_token))
            .bind(refresh.period)
            .bind(refresh.limit)
            .bind(refresh.now_micros)
            .execute(&self.pool)
            .await
            .context("Failed to record a refresh")?;
        Ok(done.rows_affected() == 1)
    }

    /// A user's newest live sessions, newest first, at most `limit` of them.
    pub async fn live_sessions(&self, user_id: i64, now: i64, limit: i64) -> anyhow::Result<Vec<SessionRow>> {
        let rows = LIST.query().bind(user_id).bind(now).bind(limit).fetch_all(&self.pool).await;
        let rows = rows.context("Failed to read the sessions")?;
        Ok(rows.iter().map(SessionRow::of).collect::<Result<_, _>>()?)
    }

    /// Ends one live session of `user_id`; `false` when it has none of that id.
    pub async fn end_session(&self, user_id: i64, id: &str, now: i64, reason: EndReason) -> anyhow::Result<bool> {
        let turn = self.write_turn().await;
        let done = turn
            .query(END_ONE)
            .bind(id)
            .bind(user_id)
            .bind(now)
            .bind(reason.as_str())
            .execute(&self.pool)
            .await
            .context("Failed to end a session")?;
        Ok(done.rows_affected() == 1)
    }

    /// Ends every live session of `user_id` but `except`; returns the ids it ended.
    pub async fn end_sessions(
        &self,
        user_id: i64,
        except: Option<&str>,
        now: i64,
        reason: EndReason,
    ) -> anyhow::Result<Vec<String>> {
        let turn = self.write_turn().await;
        let rows = turn
            .query(END_ALL)
            .bind(user_id)
            .bind(now)
            .bind(reason.as_str())
            .bind(except.unwrap_or_default())
            .fetch_all(&self.pool)
            .await
            .context("Failed to end sessions")?;
        Ok(rows.iter().map(|row| row.try_get("id")).collect::<Result<_, _>>()?)
    }

    /// Ends the sessions continuing the chain of session-less refresh tokens from `jti`.
    pub async fn end_sessions_continuing(&self, jti: &str, now: i64) -> anyhow::Result<Vec<String>> {
        let turn = self.write_turn().await;
        let rows = turn
            .query(END_CONTINUING)
            .bind(jti)
            .bind(now)
            .bind(EndReason::Reuse.as_str())
            .fetch_all(&self.pool)
            .await
            .context("Failed to end sessions")?;
        Ok(rows.iter().map(|row| row.try_get("id")).collect::<Result<_, _>>()?)
    }

    /// Moves session `id` from its live refresh token `live` to `next` (rotated elsewhere).
    pub async fn adopt_session_token(&self, id: &str, live: &str, next: &str, now: i64) -> anyhow::Result<()> {
        let turn = self.write_turn().await;
        let done = turn.query(ADOPT).bind(id).bind(live).bind(next).bind(now).execute(&self.pool).await;
        done.context("Failed to continue a session with a token from the Django server")?;
        Ok(())
    }

    /// The sessions that ended at `since` or later, with when.
    pub async fn sessions_ended_since(&self, since: i64) -> anyhow::Result<Vec<(String, i64)>> {
        let rows = ENDED_SINCE.query().bind(since).fetch_all(&self.pool).await;
        let rows = rows.context("Failed to read the ended sessions")?;
        rows.iter()
            .map(|row| Ok((row.try_get("id")?, row.try_get("ended_at")?)))
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Into::into)
    }

    /// Forgets sessions that ended before `ended_before` or expired before `now`.
    pub async fn purge_sessions(&self, ended_before: i64, now: i64) -> anyhow::Result<u64> {
        let turn = self.write_turn().await;
        let done = turn.query(PURGE).bind(ended_before).bind(now).execute(&self.pool).await;
        Ok(done.context("Failed to purge sessions")?.rows_affected())
    }
}
