//! SimpleJWT's blacklist tables, shared with a Django project (`layout.rs`): every refresh
//! token issued here is recorded as outstanding and every one spent or ended here is
//! blacklisted, as SimpleJWT's `for_user`/`outstand()` and `blacklist()` write them, so the
//! Django server refuses what Gatehouse refused; and Gatehouse reads SimpleJWT's blacklist
//! before it accepts a refresh token. Each method does nothing when the tables are not shared.

use anyhow::Context;

use super::Store;

/// A refresh token as SimpleJWT's outstanding list records it.
pub struct Outstanding<'a> {
    pub jti: &'a str,
    pub token: &'a str,
    pub created_micros: i64,
    /// Unix seconds.
    pub expires_at: i64,
    pub user_id: i64,
}

impl Store {
    /// Whether SimpleJWT's blacklist tables are shared.
    pub fn shares_simplejwt_blacklist(&self) -> bool {
        self.sql.simplejwt.is_some()
    }

    /// Records a refresh token issued here as outstanding.
    pub async fn outstand(&self, token: Outstanding<'_>) -> anyhow::Result<()> {
        let Some(sql) = self.sql.simplejwt else { return Ok(()) };
        let turn = self.write_turn().await;
        let done = turn
            .query(sql.outstand)
            .bind(token.jti)
            .bind(token.token)
            .bind(token.created_micros)
            .bind(token.expires_at * 1_000_000)
            .bind(token.user_id)
            .execute(&self.pool)
            .await;
        done.context("Failed to record an outstanding token for SimpleJWT")?;
        Ok(())
    }

    /// Blacklists a refresh token in SimpleJWT's tables (when it is outstanding there).
    pub async fn blacklist_for_simplejwt(&self, jti: &str, now_micros: i64) -> anyhow::Result<()> {
        let Some(sql) = self.sql.simplejwt else { return Ok(()) };
        let turn = self.write_turn().await;
        let done = turn.query(sql.blacklist).bind(jti).bind(now_micros).execute(&self.pool).await;
        done.context("Failed to blacklist a token for SimpleJWT")?;
        Ok(())
    }

    /// Blacklists the live refresh token of each of `sessions` in SimpleJWT's tables.
    pub async fn blacklist_sessions_for_simplejwt(&self, sessions: &[String], now_micros: i64) -> anyhow::Result<()> {
        let Some(sql) = self.sql.simplejwt else { return Ok(()) };
        for session in sessions {
            let turn = self.write_turn().await;
            let done =
                turn.query(sql.blacklist_session).bind(session.as_str()).bind(now_micros).execute(&self.pool).await;
            done.context("Failed to blacklist a session's token for SimpleJWT")?;
        }
        Ok(())
    }

    /// Whether SimpleJWT has blacklisted the refresh token `jti`.
    pub async fn blacklisted_by_simplejwt(&self, jti: &str) -> anyhow::Result<bool> {
        let Some(sql) = self.sql.simplejwt else { return Ok(false) };
        let found = sql.is_blacklisted.query().bind(jti).fetch_optional(&self.pool).await;
        Ok(found.context("Failed to read SimpleJWT's blacklist")?.is_some())
    }

    /// Whether SimpleJWT knows the refresh token `jti` (issued by either server).
    pub async fn outstanding_for_simplejwt(&self, jti: &str) -> anyhow::Result<bool> {
        let Some(sql) = self.sql.simplejwt else { return Ok(false) };
        let found = sql.is_outstanding.query().bind(jti).fetch_optional(&self.pool).await;
        Ok(found.context("Failed to read SimpleJWT's outstanding tokens")?.is_some())
    }
}
