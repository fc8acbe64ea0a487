//! The `token_blacklist` table: ids of refresh tokens that may no longer be used.

use anyhow::Context;

use super::Store;

const CONTAINS: &str = "SELECT 1 FROM token_blacklist WHERE jti = $1";
const ADD: &str = "INSERT INTO token_blacklist (jti, user_id, expires_at, blacklisted_at) VALUES ($1, $2, $3, $4) \
                   ON CONFLICT (jti) DO NOTHING";
const PURGE_EXPIRED: &str = "DELETE FROM token_blacklist WHERE expires_at < $1";

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

    /// Forgets blacklisted tokens that have expired anyway.
    pub async fn purge_expired_blacklist(&self, now: i64) -> anyhow::Result<u64> {
        let _turn = self.write_turn().await;
        let done = sqlx::query(PURGE_EXPIRED).bind(now).execute(self.pool()).await;
        Ok(done.context("Failed to purge the token blacklist")?.rows_affected())
    }
}
