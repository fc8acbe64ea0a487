//! The `token_blacklist` table: ids of refresh tokens that may no longer be used, each with the
//! family (the login) it descends from and the token that replaced it, so that reusing a
//! rotated token can revoke every token of its family.

use anyhow::Context;
use sqlx::Row;

use super::Store;

const CONTAINS: &str = "SELECT 1 FROM token_blacklist WHERE jti = $1";
const PURGE_EXPIRED: &str = "DELETE FROM token_blacklist WHERE expires_at < $1";
const BLACKLISTED_AT: &str = "SELECT blacklisted_at FROM token_blacklist WHERE jti = $1";
/// Spends a token in one statement: its family is its predecessor's, or itself for the token of
/// a login (and for one issued elsewhere).
const SPEND: &str = "INSERT INTO token_blacklist \
     (jti, user_id, expires_at, blacklisted_at, family, successor, successor_expires_at) \
     VALUES ($1, $2, $3, $4, COALESCE((SELECT family FROM token_blacklist WHERE successor = $1), $1), $5, $6) \
     ON CONFLICT (jti) DO NOTHING";
/// Blacklists the successors of every spent token of the family, the live one among them.
const REVOKE_FAMILY: &str = "INSERT INTO token_blacklist (jti, user_id, expires_at, blacklisted_at, family) \
     SELECT successor, user_id, successor_expires_at, $2, family FROM token_blacklist \
     WHERE family = (SELECT family FROM token_blacklist WHERE jti = $1) AND successor IS NOT NULL \
     ON CONFLICT (jti) DO NOTHING";

/// A refresh token as the tables record it.
#[derive(Debug, Clone, Copy)]
pub struct RefreshRecord<'a> {
    pub jti: &'a str,
    pub user_id: Option<i64>,
    pub expires_at: i64,
}

impl Store {
    pub async fn is_blacklisted(&self, jti: &str) -> anyhow::Result<bool> {
        if let Some(direct) = self.direct() {
            return direct.read(|connection| connection.prepare_cached(CONTAINS)?.exists([jti]));
        }
        let row = sqlx::query(CONTAINS).bind(jti).fetch_optional(self.pool()).await;
        Ok(row.context("Failed to read the token blacklist")?.is_some())
    }

    /// Forgets blacklisted and recorded tokens that have expired anyway.
    pub async fn purge_expired_blacklist(&self, now: i64) -> anyhow::Result<u64> {
        let _turn = self.write_turn().await;
        let done = sqlx::query(PURGE_EXPIRED).bind(now).execute(self.pool()).await;
        Ok(done.context("Failed to purge the token blacklist")?.rows_affected())
    }

    /// Spends a refresh token: blacklists it, remembering its family and its successor (if
    /// any). Returns `false`, changing nothing, when it was already spent: of several
    /// concurrent calls with one token, exactly one gets `true`.
    pub async fn spend_refresh_token(
        &self,
        spent: RefreshRecord<'_>,
        successor: Option<RefreshRecord<'_>>,
        now: i64,
    ) -> anyhow::Result<bool> {
        let turn = self.write_turn().await;
        if let (Some(direct), Some(turn)) = (self.direct(), &turn) {
            let done = direct.write(turn, |connection| {
                connection.prepare_cached(SPEND)?.execute(rusqlite::params![
                    spent.jti,
                    spent.user_id,
                    spent.expires_at,
                    now,
                    successor.map(|token| token.jti),
                    successor.map(|token| token.expires_at)
                ])
            });
            match done {
                Ok(inserted) => return Ok(inserted == 1),
                // Another process is writing: wait for it on the pool's thread, below.
                Err(error) if super::direct::is_busy(&error) => {}
                Err(error) => return Err(error.context("Failed to blacklist a refresh token")),
            }
        }
        let done = sqlx::query(SPEND)
            .bind(spent.jti)
            .bind(spent.user_id)
            .bind(spent.expires_at)
            .bind(now)
            .bind(successor.map(|token| token.jti))
            .bind(successor.map(|token| token.expires_at))
            .execute(self.pool())
            .await
            .context("Failed to blacklist a refresh token")?;
        Ok(done.rows_affected() == 1)
    }

    /// When a token was blacklisted (Unix seconds), if it was.
    pub async fn blacklisted_at(&self, jti: &str) -> anyhow::Result<Option<i64>> {
        let row = sqlx::query(BLACKLISTED_AT).bind(jti).fetch_optional(self.pool()).await;
        let row = row.context("Failed to read the token blacklist")?;
        Ok(row.map(|row| row.try_get("blacklisted_at")).transpose()?)
    }

    /// Blacklists every token of the family `jti` belongs to; returns how many were still live.
    pub async fn revoke_family_of(&self, jti: &str, now: i64) -> anyhow::Result<u64> {
        let _turn = self.write_turn().await;
        let done = sqlx::query(REVOKE_FAMILY).bind(jti).bind(now).execute(self.pool()).await;
        Ok(done.context("Failed to revoke a token family")?.rows_affected())
    }
}
