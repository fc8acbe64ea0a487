//! The `auth_tokens` table: DRF's `authtoken_token`, one key per user.

use anyhow::Context;

use super::statement::{Read, Write};
use super::Store;

const USER_OF_KEY: Read = Read::new("SELECT user_id FROM auth_tokens WHERE key = $1");
/// DRF's `Token.objects.get_or_create(user=…)`: a second sign-in finds the first one's key.
const CREATE: Write =
    Write::new("INSERT INTO auth_tokens (key, created, user_id) VALUES ($1, $2, $3) ON CONFLICT (user_id) DO NOTHING");
const KEY_OF_USER: Read = Read::new("SELECT key FROM auth_tokens WHERE user_id = $1");
const DELETE_OF_USER: Write = Write::new("DELETE FROM auth_tokens WHERE user_id = $1");
/// Django's `user_logged_in` signal: the sign-in time.
const SET_LAST_LOGIN: Write = Write::new("UPDATE users SET last_login = $2 WHERE id = $1");

impl Store {
    /// The user a key belongs to, if it is a key.
    pub async fn user_of_drf_token(&self, key: &str) -> anyhow::Result<Option<i64>> {
        let found = USER_OF_KEY.scalar().bind(key).fetch_optional(&self.pool).await;
        found.context("Failed to look up an API token")
    }

    /// The user's key, created with `new_key` when the user has none, and the sign-in time
    /// recorded as `last_login`; in one transaction.
    #[tracing::instrument(name = "Sign in for an API token", skip(self, new_key))]
    pub async fn sign_in_with_drf_token(&self, user_id: i64, new_key: &str, now_micros: i64) -> anyhow::Result<String> {
        let turn = self.write_turn().await;
        let mut tx = self.pool.begin().await.context("Failed to start a transaction")?;
        turn.query(CREATE).bind(new_key).bind(now_micros).bind(user_id).execute(&mut *tx).await?;
        turn.query(SET_LAST_LOGIN).bind(user_id).bind(now_micros).execute(&mut *tx).await?;
        let key: String = KEY_OF_USER.scalar().bind(user_id).fetch_one(&mut *tx).await?;
        tx.commit().await.context("Failed to save an API token")?;
        Ok(key)
    }

    /// Deletes the user's key (DRF token logout); whether there was one.
    #[tracing::instrument(name = "Delete an API token", skip(self))]
    pub async fn delete_drf_tokens(&self, user_id: i64) -> anyhow::Result<bool> {
        let turn = self.write_turn().await;
        let done = turn.query(DELETE_OF_USER).bind(user_id).execute(&self.pool).await;
        Ok(done.context("Failed to delete an API token")?.rows_affected() > 0)
    }
}
