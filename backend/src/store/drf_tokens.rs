//! DRF's tokens, one key per user: the Django project's `authtoken_token`, or
//! `gatehouse_auth_tokens` (`layout.rs` writes the statements).

use anyhow::Context;

use super::Store;

impl Store {
    /// The user a key belongs to, if it is a key.
    pub async fn user_of_drf_token(&self, key: &str) -> anyhow::Result<Option<i64>> {
        let found = self.sql.api_tokens.user_of_key.scalar().bind(key).fetch_optional(&self.pool).await;
        found.context("Failed to look up an API token")
    }

    /// The user's key, created with `new_key` when the user has none, and the sign-in time
    /// recorded as `last_login`; in one transaction.
    #[tracing::instrument(level = "debug", name = "Sign in for an API token", skip(self, new_key))]
    pub async fn sign_in_with_drf_token(&self, user_id: i64, new_key: &str, now_micros: i64) -> anyhow::Result<String> {
        let turn = self.write_turn().await;
        let mut tx = self.pool.begin().await.context("Failed to start a transaction")?;
        turn.query(self.sql.api_tokens.create).bind(new_key).bind(now_micros).bind(user_id).execute(&mut *tx).await?;
        turn.query(self.sql.users.set_last_login).bind(user_id).bind(now_micros).execute(&mut *tx).await?;
        let key: String = self.sql.api_tokens.key_of_user.scalar().bind(user_id).fetch_one(&mut *tx).await?;
        tx.commit().await.context("Failed to save an API token")?;
        Ok(key)
    }

    /// Deletes the user's key (DRF token logout); whether there was one.
    #[tracing::instrument(level = "debug", name = "Delete an API token", skip(self))]
    pub async fn delete_drf_tokens(&self, user_id: i64) -> anyhow::Result<bool> {
        let turn = self.write_turn().await;
        let done = turn.query(self.sql.api_tokens.delete_of_user).bind(user_id).execute(&self.pool).await;
        Ok(done.context("Failed to delete an API token")?.rows_affected() > 0)
    }
}
