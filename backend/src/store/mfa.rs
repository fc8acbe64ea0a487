//! Second factors: `gatehouse_mfa_factors` (authenticator apps by sealed key, passkeys by
//! public key: `store/passkeys.rs`), the digests of `gatehouse_recovery_codes`, and the
//! sign-ins waiting for a second factor in `gatehouse_mfa_challenges`.

use anyhow::Context;
use sqlx::Row;

use super::statement::{Read, Write};
use super::Store;

/// An unconfirmed factor of the same kind is replaced by a new enrolment.
const DROP_UNCONFIRMED: Write =
    Write::new("DELETE FROM gatehouse_mfa_factors WHERE user_id = $1 AND kind = $2 AND confirmed_at IS NULL");
const ENROL: Write = Write::new(
    "INSERT INTO gatehouse_mfa_factors (id, user_id, kind, name, secret, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
);
const FIND: Read = Read::new(
    "SELECT id, kind, name, secret, last_step, created_at, confirmed_at, last_used_at, credential_id, user_handle \
     FROM gatehouse_mfa_factors WHERE id = $1 AND user_id = $2",
);
const LIST: Read = Read::new(
    "SELECT id, kind, name, secret, last_step, created_at, confirmed_at, last_used_at, credential_id, user_handle \
     FROM gatehouse_mfa_factors WHERE user_id = $1 AND confirmed_at IS NOT NULL ORDER BY created_at, id",
);
pub(super) const BY_CREDENTIAL: Read = Read::new(
    "SELECT id, kind, name, secret, last_step, created_at, confirmed_at, last_used_at, credential_id, user_handle, \
     user_id FROM gatehouse_mfa_factors WHERE credential_id = $1 AND confirmed_at IS NOT NULL",
);
const RENAME: Write = Write::new(
    "UPDATE gatehouse_mfa_factors SET name = $3 WHERE id = $1 AND user_id = $2 AND confirmed_at IS NOT NULL",
);
const HAS_FACTOR: Read =
    Read::new("SELECT 1 FROM gatehouse_mfa_factors WHERE user_id = $1 AND confirmed_at IS NOT NULL LIMIT 1");
/// Accepts a code's time step once: only a later step than the last accepted one changes the
/// row, so of two requests with one code exactly one succeeds.
const USE_STEP: Write = Write::new(
    "UPDATE gatehouse_mfa_factors SET last_step = $2, last_used_at = $3, confirmed_at = COALESCE(confirmed_at, $3) \
     WHERE id = $1 AND (last_step IS NULL OR last_step < $2)",
);
const REMOVE: Write = Write::new("DELETE FROM gatehouse_mfa_factors WHERE id = $1 AND user_id = $2");
/// Everything of a user's second factors (the staff reset, and a deleted account).
pub(super) const CLEAR: &[Write] = &[
    Write::new("DELETE FROM gatehouse_mfa_factors WHERE user_id = $1"),
    Write::new("DELETE FROM gatehouse_recovery_codes WHERE user_id = $1"),
    Write::new("DELETE FROM gatehouse_mfa_challenges WHERE user_id = $1"),
    Write::new("DELETE FROM gatehouse_passkey_ceremonies WHERE user_id = $1"),
];
const DROP_CODES: Write = Write::new("DELETE FROM gatehouse_recovery_codes WHERE user_id = $1");
const ADD_CODE: Write = Write::new("INSERT INTO gatehouse_recovery_codes (user_id, digest) VALUES ($1, $2)");
const USE_CODE: Write = Write::new(
    "UPDATE gatehouse_recovery_codes SET used_at = $3 WHERE user_id = $1 AND digest = $2 AND used_at IS NULL",
);
const CODES_LEFT: Read =
    Read::new("SELECT COUNT(*) FROM gatehouse_recovery_codes WHERE user_id = $1 AND used_at IS NULL");
const CHALLENGE: Write = Write::new(
    "INSERT INTO gatehouse_mfa_challenges (digest, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
);
const OPEN_CHALLENGE: Read =
    Read::new("SELECT user_id FROM gatehouse_mfa_challenges WHERE digest = $1 AND used_at IS NULL AND expires_at > $2");
/// Uses a challenge up: one request does.
const CLOSE_CHALLENGE: Write = Write::new(
    "UPDATE gatehouse_mfa_challenges SET used_at = $2 WHERE digest = $1 AND used_at IS NULL AND expires_at > $2",
);
const PURGE_CHALLENGES: Write = Write::new("DELETE FROM gatehouse_mfa_challenges WHERE expires_at < $1");

/// A second factor as stored.
#[derive(Debug, Clone)]
pub struct FactorRow {
    pub id: String,
    pub kind: String,
    pub name: String,
    /// The sealed key of an authenticator app.
    pub secret: Option<String>,
    pub last_step: Option<i64>,
    /// Unix seconds.
    pub created_at: i64,
    pub confirmed_at: Option<i64>,
    pub last_used_at: Option<i64>,
    /// A passkey's credential id (base64url) and the account's id on its authenticator.
    pub credential_id: Option<String>,
    pub user_handle: Option<String>,
}

pub(super) fn factor_of(row: &sqlx::any::AnyRow) -> Result<FactorRow, sqlx::Error> {
    Ok(FactorRow {
        id: row.try_get("id")?,
        kind: row.try_get("kind")?,
        name: row.try_get("name")?,
        secret: row.try_get("secret")?,
        last_step: row.try_get("last_step")?,
        created_at: row.try_get("created_at")?,
        confirmed_at: row.try_get("confirmed_at")?,
        last_used_at: row.try_get("last_used_at")?,
        credential_id: row.try_get("credential_id")?,
        user_handle: row.try_get("user_handle")?,
    })
}

/// A factor being enrolled.
pub struct NewFactor<'a> {
    pub id: &'a str,
    pub user_id: i64,
    pub kind: &'a str,
    pub name: &'a str,
    pub secret: Option<&'a str>,
    pub now: i64,
}

impl Store {
    /// Records a factor, unconfirmed, in place of an unconfirmed one of its kind.
    pub async fn enrol_factor(&self, factor: NewFactor<'_>) -> anyhow::Result<()> {
        let turn = self.write_turn().await;
        let mut tx = self.pool.begin().await.context("Failed to start a transaction")?;
        turn.query(DROP_UNCONFIRMED).bind(factor.user_id).bind(factor.kind).execute(&mut *tx).await?;
        turn.query(ENROL)
            .bind(factor.id)
            .bind(factor.user_id)
            .bind(factor.kind)
            .bind(factor.name)
            .bind(factor.secret)
            .bind(factor.now)
            .execute(&mut *tx)
            .await?;
        tx.commit().await.context("Failed to record a second factor")
    }

    pub async fn find_factor(&self, user_id: i64, id: &str) -> anyhow::Result<Option<FactorRow>> {
        let row = FIND.query().bind(id).bind(user_id).fetch_optional(&self.pool).await?;
        row.as_ref().map(factor_of).transpose().context("Failed to read a second factor")
    }

    /// The user's active factors, oldest first.
    pub async fn factors(&self, user_id: i64) -> anyhow::Result<Vec<FactorRow>> {
        let rows = LIST.query().bind(user_id).fetch_all(&self.pool).await?;
        rows.iter().map(factor_of).collect::<Result<_, _>>().context("Failed to read second factors")
    }

    /// Whether the user has an active factor (so a password alone does not sign in).
    pub async fn has_factor(&self, user_id: i64) -> anyhow::Result<bool> {
        let found = HAS_FACTOR.query().bind(user_id).fetch_optional(&self.pool).await;
        Ok(found.context("Failed to look for second factors")?.is_some())
    }

    /// Accepts time step `step` of factor `id` (confirming it if it was not yet); `false`
    /// when that step or a later one was accepted before.
    pub async fn use_factor_step(&self, id: &str, step: i64, now: i64) -> anyhow::Result<bool> {
        let turn = self.write_turn().await;
        let done = turn.query(USE_STEP).bind(id).bind(step).bind(now).execute(&self.pool).await;
        Ok(done.context("Failed to record a code's use")?.rows_affected() == 1)
    }

    /// Renames an active factor of the user; whether it was there.
    pub async fn rename_factor(&self, user_id: i64, id: &str, name: &str) -> anyhow::Result<bool> {
        let turn = self.write_turn().await;
        let done = turn.query(RENAME).bind(id).bind(user_id).bind(name).execute(&self.pool).await;
        Ok(done.context("Failed to rename a second factor")?.rows_affected() == 1)
    }

    /// Removes factor `id` of the user; with the last active one, the recovery codes go too.
    /// Whether it was there.
    pub async fn remove_factor(&self, user_id: i64, id: &str) -> anyhow::Result<bool> {
        let turn = self.write_turn().await;
        let mut tx = self.pool.begin().await.context("Failed to start a transaction")?;
        let removed = turn.query(REMOVE).bind(id).bind(user_id).execute(&mut *tx).await?.rows_affected() == 1;
        let left = HAS_FACTOR.query().bind(user_id).fetch_optional(&mut *tx).await?.is_some();
        if removed && !left {
            turn.query(DROP_CODES).bind(user_id).execute(&mut *tx).await?;
        }
        tx.commit().await.context("Failed to remove a second factor")?;
        Ok(removed)
    }

    /// Removes every factor and recovery code of the user, and the sign-ins waiting for one;
    /// how many factors there were.
    pub async fn clear_factors(&self, user_id: i64) -> anyhow::Result<u64> {
        let turn = self.write_turn().await;
        let mut tx = self.pool.begin().await.context("Failed to start a transaction")?;
        let mut factors = 0;
        for (index, statement) in CLEAR.iter().enumerate() {
            let done = turn.query(*statement).bind(user_id).execute(&mut *tx).await?;
            if index == 0 {
                factors = done.rows_affected();
            }
        }
        tx.commit().await.context("Failed to clear second factors")?;
        Ok(factors)
    }

    /// Replaces the user's recovery codes by `digests`.
    pub async fn replace_recovery_codes(&self, user_id: i64, digests: &[String]) -> anyhow::Result<()> {
        let turn = self.write_turn().await;
        let mut tx = self.pool.begin().await.context("Failed to start a transaction")?;
        turn.query(DROP_CODES).bind(user_id).execute(&mut *tx).await?;
        for digest in digests {
            turn.query(ADD_CODE).bind(user_id).bind(digest.as_str()).execute(&mut *tx).await?;
        }
        tx.commit().await.context("Failed to store recovery codes")
    }

    /// Uses a recovery code up; `false` if it is not one of the user's unused codes.
    pub async fn use_recovery_code(&self, user_id: i64, digest: &str, now: i64) -> anyhow::Result<bool> {
        let turn = self.write_turn().await;
        let done = turn.query(USE_CODE).bind(user_id).bind(digest).bind(now).execute(&self.pool).await;
        Ok(done.context("Failed to use a recovery code")?.rows_affected() == 1)
    }

    pub async fn recovery_codes_left(&self, user_id: i64) -> anyhow::Result<i64> {
        CODES_LEFT.scalar().bind(user_id).fetch_one(&self.pool).await.context("Failed to count recovery codes")
    }

    /// Records a sign-in waiting for a second factor, by its token's digest.
    pub async fn open_challenge(&self, digest: &str, user_id: i64, now: i64, expires_at: i64) -> anyhow::Result<()> {
        let turn = self.write_turn().await;
        let done =
            turn.query(CHALLENGE).bind(digest).bind(user_id).bind(now).bind(expires_at).execute(&self.pool).await;
        done.context("Failed to record a sign-in waiting for a second factor")?;
        Ok(())
    }

    /// The user a live, unused challenge is for.
    pub async fn challenge_user(&self, digest: &str, now: i64) -> anyhow::Result<Option<i64>> {
        let found = OPEN_CHALLENGE.scalar().bind(digest).bind(now).fetch_optional(&self.pool).await;
        found.context("Failed to read a sign-in waiting for a second factor")
    }

    /// Uses a challenge up; `false` when another request did, or it expired.
    pub async fn close_challenge(&self, digest: &str, now: i64) -> anyhow::Result<bool> {
        let turn = self.write_turn().await;
        let done = turn.query(CLOSE_CHALLENGE).bind(digest).bind(now).execute(&self.pool).await;
        Ok(done.context("Failed to close a sign-in waiting for a second factor")?.rows_affected() == 1)
    }

    pub async fn purge_challenges(&self, now: i64) -> anyhow::Result<u64> {
        let turn = self.write_turn().await;
        let done = turn.query(PURGE_CHALLENGES).bind(now).execute(&self.pool).await;
        Ok(done.context("Failed to purge old sign-in challenges")?.rows_affected())
    }
}
