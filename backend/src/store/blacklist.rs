//! The `token_blacklist` table: ids of refresh tokens that may no longer be used, each with the
//! token that replaced it. The links from each spent token to its successor chain the tokens of
//! one login (its family), so that reusing a rotated token can revoke the tokens descended from
//! it, the live one among them.

use anyhow::Context;
use sqlx::Row;

use super::statement::{Read, Write};
use super::Store;

const CONTAINS: Read = Read::new("SELECT 1 FROM gatehouse_token_blacklist WHERE jti = $1");
/// The purge goes through the table in chunks of keys, `[from, to)`: no index on `expires_at`
/// is written by every refresh, and no statement holds the write turn for long.
const PURGE_CHUNK_END: Read =
    Read::new("SELECT jti FROM gatehouse_token_blacklist WHERE jti >= $1 ORDER BY jti LIMIT 1 OFFSET $2");
const PURGE_EXPIRED_BETWEEN: Write =
    Write::new("DELETE FROM gatehouse_token_blacklist WHERE jti >= $1 AND jti < $2 AND expires_at < $3");
const PURGE_EXPIRED_FROM: Write =
    Write::new("DELETE FROM gatehouse_token_blacklist WHERE jti >= $1 AND expires_at < $2");
/// Keys looked at per purge statement.
const PURGE_CHUNK: i64 = 2000;
const BLACKLISTED_AT: Read = Read::new("SELECT blacklisted_at FROM gatehouse_token_blacklist WHERE jti = $1");
/// Spends a token: one row, in the one b-tree of a table keyed by jti.
const SPEND: Write = Write::new(
    "INSERT INTO gatehouse_token_blacklist \
     (jti, user_id, expires_at, blacklisted_at, successor, successor_expires_at) \
     VALUES ($1, $2, $3, $4, $5, $6) \
     ON CONFLICT (jti) DO NOTHING",
);
/// Follows the successor links from `$1` and blacklists every successor on the way, the live
/// one at the end among them. `UNION` stops at a token already visited.
const REVOKE_DESCENDANTS: Write = Write::new(
    "WITH RECURSIVE descendants (jti, user_id, expires_at) AS ( \
         SELECT successor, user_id, successor_expires_at FROM gatehouse_token_blacklist WHERE jti = $1 \
         UNION \
         SELECT spent.successor, spent.user_id, spent.successor_expires_at \
         FROM gatehouse_token_blacklist spent JOIN descendants ON spent.jti = descendants.jti \
     ) \
     INSERT INTO gatehouse_token_blacklist (jti, user_id, expires_at, blacklisted_at) \
     SELECT jti, user_id, expires_at, $2 FROM descendants WHERE jti IS NOT NULL \
     ON CONFLICT (jti) DO NOTHING",
);

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
            return direct.read(CONTAINS, |statement| statement.exists([jti]));
        }
        let row = CONTAINS.query().bind(jti).fetch_optional(&self.pool).await;
        Ok(row.context("Failed to read the token blacklist")?.is_some())
    }

    /// Forgets blacklisted and recorded tokens that have expired anyway.
    pub async fn purge_expired_blacklist(&self, now: i64) -> anyhow::Result<u64> {
        self.purge_expired_blacklist_by(now, PURGE_CHUNK).await.context("Failed to purge the token blacklist")
    }

    /// [`Store::purge_expired_blacklist`], looking at `chunk` keys per statement.
    pub async fn purge_expired_blacklist_by(&self, now: i64, chunk: i64) -> anyhow::Result<u64> {
        let mut from = String::new();
        let mut purged = 0;
        loop {
            // Where the chunk ends is read without the write turn; rows added meanwhile are
            // live tokens, and a chunk's bounds only decide how much one statement looks at.
            let end: Option<String> =
                PURGE_CHUNK_END.scalar().bind(&from).bind(chunk).fetch_optional(&self.pool).await?;
            let turn = self.write_turn().await;
            let Some(end) = end else {
                let done = turn.query(PURGE_EXPIRED_FROM).bind(&from).bind(now).execute(&self.pool).await?;
                return Ok(purged + done.rows_affected());
            };
            let done = turn.query(PURGE_EXPIRED_BETWEEN).bind(&from).bind(&end).bind(now).execute(&self.pool).await?;
            purged += done.rows_affected();
            from = end;
        }
    }

    /// Spends a refresh token: blacklists it, remembering its successor (if any). Returns
    /// `false`, changing nothing, when it was already spent: of several concurrent calls with
    /// one token, exactly one gets `true`.
    pub async fn spend_refresh_token(
        &self,
        spent: RefreshRecord<'_>,
        successor: Option<RefreshRecord<'_>>,
        now: i64,
    ) -> anyhow::Result<bool> {
        let (jti, user_id, expires_at) = (spent.jti.to_owned(), spent.user_id, spent.expires_at);
        let next = successor.map(|token| (token.jti.to_owned(), token.expires_at));
        let direct = self.write_directly(
            SPEND,
            Box::new(move |statement| {
                let (next_jti, next_expires_at) = next.unzip();
                statement.execute(rusqlite::params![jti, user_id, expires_at, now, next_jti, next_expires_at])
            }),
        );
        if let Some(inserted) = direct.await.context("Failed to blacklist a refresh token")? {
            return Ok(inserted == 1);
        }
        // No file, or another process is writing: through the pool, whose threads wait for it.
        let turn = self.write_turn().await;
        let done = turn
            .query(SPEND)
            .bind(spent.jti)
            .bind(spent.user_id)
            .bind(spent.expires_at)
            .bind(now)
            .bind(successor.map(|token| token.jti))
            .bind(successor.map(|token| token.expires_at))
            .execute(&self.pool)
            .await
            .context("Failed to blacklist a refresh token")?;
        Ok(done.rows_affected() == 1)
    }

    /// When a token was blacklisted (Unix seconds), if it was.
    pub async fn blacklisted_at(&self, jti: &str) -> anyhow::Result<Option<i64>> {
        let row = BLACKLISTED_AT.query().bind(jti).fetch_optional(&self.pool).await;
        let row = row.context("Failed to read the token blacklist")?;
        Ok(row.map(|row| row.try_get("blacklisted_at")).transpose()?)
    }

    /// Blacklists every token descended from `jti` (its successor, the successor's, …); returns
    /// how many were still live. Earlier tokens of the family are all spent already.
    pub async fn revoke_descendants_of(&self, jti: &str, now: i64) -> anyhow::Result<u64> {
        let turn = self.write_turn().await;
        let done = turn.query(REVOKE_DESCENDANTS).bind(jti).bind(now).execute(&self.pool).await;
        Ok(done.context("Failed to revoke a token family")?.rows_affected())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_purge_forgets_expired_tokens_in_every_chunk_and_keeps_live_ones() {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::store::test_store(dir.path(), true).await;
        // Ids in and out of key order, the empty one among them; every third has expired.
        let ids: Vec<String> =
            std::iter::once(String::new()).chain((0..20).map(|n| format!("{:x}", n * 7919))).collect();
        for (n, jti) in ids.iter().enumerate() {
            let expires_at = if n % 3 == 0 { 100 } else { 300 };
            let record = RefreshRecord { jti, user_id: Some(1), expires_at };
            assert!(store.spend_refresh_token(record, None, 50).await.unwrap());
        }

        assert_eq!(store.purge_expired_blacklist_by(200, 3).await.unwrap(), 7);
        for (n, jti) in ids.iter().enumerate() {
            assert_eq!(store.is_blacklisted(jti).await.unwrap(), n % 3 != 0, "token {n} ({jti:?})");
        }
        assert_eq!(store.purge_expired_blacklist(200).await.unwrap(), 0);
        assert_eq!(store.purge_expired_blacklist(400).await.unwrap(), 14);
    }
}
