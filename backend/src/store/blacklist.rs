//! Refresh tokens: `token_blacklist` holds the ids that may no longer be used, and
//! `refresh_tokens` the family (the login) each issued token descends from, so that reusing a
//! rotated token can revoke every token of its family.

use anyhow::Context;
use sqlx::Row;

use super::Store;

const CONTAINS: &str = "SELECT 1 FROM token_blacklist WHERE jti = $1";
const ADD: &str = "INSERT INTO token_blacklist (jti, user_id, expires_at, blacklisted_at) VALUES ($1, $2, $3, $4) \
                   ON CONFLICT (jti) DO NOTHING";
const PURGE_EXPIRED: &str = "DELETE FROM token_blacklist WHERE expires_at < $1";
const BLACKLISTED_AT: &str = "SELECT blacklisted_at FROM token_blacklist WHERE jti = $1";
const FAMILY_OF: &str = "SELECT family FROM refresh_tokens WHERE jti = $1";
const RECORD: &str = "INSERT INTO refresh_tokens (jti, family, user_id, expires_at) VALUES ($1, $2, $3, $4) \
                      ON CONFLICT (jti) DO NOTHING";
const REVOKE_FAMILY: &str = "INSERT INTO token_blacklist (jti, user_id, expires_at, blacklisted_at) \
                             SELECT jti, user_id, expires_at, $2 FROM refresh_tokens WHERE family = $1 \
                             ON CONFLICT (jti) DO NOTHING";
const PURGE_FAMILIES: &str = "DELETE FROM refresh_tokens WHERE expires_at < $1";

/// A refresh token as the tables record it.
#[derive(Debug, Clone, Copy)]
pub struct RefreshRecord<'a> {
    pub jti: &'a str,
    pub user_id: Option<i64>,
    pub expires_at: i64,
}

impl Store {
    pub async fn is_blacklisted(&self, jti: &str) -> anyhow::Result<bool> {
        let row = sqlx::query(CONTAINS).bind(jti).fetch_optional(self.pool()).await;
        Ok(row.context("Failed to read the token blacklist")?.is_some())
    }

    /// Blacklists a refresh token. Returns `false` when it already was: of several concurrent
    /// calls with one token, exactly one gets `true`.
    pub async fn blacklist(&self, jti: &str, user_id: Option<i64>, expires_at: i64, now: i64) -> anyhow::Result<bool> {
        let _turn = self.write_turn().await;
        let done = sqlx::query(ADD)
            .bind(jti)
            .bind(user_id)
            .bind(expires_at)
            .bind(now)
            .execute(self.pool())
            .await
            .context("Failed to blacklist a refresh token")?;
        Ok(done.rows_affected() == 1)
    }

    /// Forgets blacklisted and recorded tokens that have expired anyway.
    pub async fn purge_expired_blacklist(&self, now: i64) -> anyhow::Result<u64> {
        let _turn = self.write_turn().await;
        sqlx::query(PURGE_FAMILIES).bind(now).execute(self.pool()).await.context("Failed to purge refresh tokens")?;
        let done = sqlx::query(PURGE_EXPIRED).bind(now).execute(self.pool()).await;
        Ok(done.context("Failed to purge the token blacklist")?.rows_affected())
    }

    /// Records the refresh token of a login: it starts a family.
    pub async fn record_login(&self, token: RefreshRecord<'_>) -> anyhow::Result<()> {
        let _turn = self.write_turn().await;
        sqlx::query(RECORD)
            .bind(token.jti)
            .bind(token.jti)
            .bind(token.user_id)
            .bind(token.expires_at)
            .execute(self.pool())
            .await
            .context("Failed to record a refresh token")?;
        Ok(())
    }

    /// Spends a refresh token: blacklists it and records its successor (if any) in its family,
    /// in one transaction. Returns `false`, changing nothing, when it was already spent.
    pub async fn spend_refresh_token(
        &self,
        spent: RefreshRecord<'_>,
        successor: Option<RefreshRecord<'_>>,
        now: i64,
    ) -> anyhow::Result<bool> {
        let _turn = self.write_turn().await;
        let mut tx = self.pool().begin().await.context("Failed to start a transaction")?;
        let family: Option<String> = sqlx::query(FAMILY_OF)
            .bind(spent.jti)
            .fetch_optional(&mut *tx)
            .await
            .context("Failed to read a token family")?
            .map(|row| row.try_get("family"))
            .transpose()?;
        // A token issued elsewhere (another server, before an import) starts its own family.
        let family = family.unwrap_or_else(|| spent.jti.to_owned());
        let blacklisted = sqlx::query(ADD)
            .bind(spent.jti)
            .bind(spent.user_id)
            .bind(spent.expires_at)
            .bind(now)
            .execute(&mut *tx)
            .await
            .context("Failed to blacklist a refresh token")?;
        if blacklisted.rows_affected() != 1 {
            return Ok(false);
        }
        for token in std::iter::once(spent).chain(successor) {
            sqlx::query(RECORD)
                .bind(token.jti)
                .bind(&family)
                .bind(token.user_id)
                .bind(token.expires_at)
                .execute(&mut *tx)
                .await
                .context("Failed to record a refresh token")?;
        }
        tx.commit().await.context("Failed to spend a refresh token")?;
        Ok(true)
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
        let family: Option<String> = sqlx::query(FAMILY_OF)
            .bind(jti)
            .fetch_optional(self.pool())
            .await
            .context("Failed to read a token family")?
            .map(|row| row.try_get("family"))
            .transpose()?;
        let Some(family) = family else { return Ok(0) };
        let done = sqlx::query(REVOKE_FAMILY).bind(&family).bind(now).execute(self.pool()).await;
        Ok(done.context("Failed to revoke a token family")?.rows_affected())
    }
}
