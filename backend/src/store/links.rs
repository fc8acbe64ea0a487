//! The `link_tokens` table: the tokens of e-mailed links, by digest, with what each was sent
//! for and whether it was used.

use anyhow::Context;
use sqlx::{AnyConnection, Row};

use super::statement::{Read, Write, WriteTurn};
use super::Store;

const ISSUE: Write = Write::new(
    "INSERT INTO gatehouse_link_tokens (digest, purpose, user_id, issued_at, previous_email) VALUES ($1, $2, $3, $4, $5) \
     ON CONFLICT (digest, purpose) DO NOTHING",
);
const REVERT_OF: Read = Read::new(
    "SELECT user_id, previous_email, issued_at, consumed_at FROM gatehouse_link_tokens WHERE digest = $1 AND purpose = $2",
);
const USES: Read = Read::new("SELECT purpose, consumed_at FROM gatehouse_link_tokens WHERE digest = $1");
/// Marks a token used for a purpose, unless it was used before for any: one row changes, or
/// none when another request used it first.
const CONSUME: Write = Write::new(
    "INSERT INTO gatehouse_link_tokens (digest, purpose, user_id, issued_at, consumed_at) \
     SELECT $1, $2, $3, $4, $4 WHERE NOT EXISTS \
     (SELECT 1 FROM gatehouse_link_tokens WHERE digest = $1 AND consumed_at IS NOT NULL) \
     ON CONFLICT (digest, purpose) DO UPDATE SET consumed_at = excluded.consumed_at \
     WHERE gatehouse_link_tokens.consumed_at IS NULL",
);
const PURGE: Write = Write::new("DELETE FROM gatehouse_link_tokens WHERE issued_at < $1");

/// A link token as the table records it.
#[derive(Debug, Clone)]
pub struct LinkToken {
    /// SHA-256 of the token, in hex.
    pub digest: String,
    /// What the link is for (`activation`, `password_reset`, `username_reset`).
    pub purpose: &'static str,
    pub user_id: i64,
    /// For a link that takes back an e-mail change: the address it restores.
    pub previous_email: Option<String>,
}

/// A recorded link that takes back an e-mail change.
#[derive(Debug, Clone)]
pub struct RevertLink {
    pub user_id: i64,
    pub previous_email: String,
    pub issued_at: i64,
    pub used: bool,
}

/// What the table knows of a token: the purposes it was sent or used for, and whether it was
/// used.
#[derive(Debug, Default)]
pub struct LinkTokenUses {
    pub purposes: Vec<String>,
    pub used: bool,
}

/// Records a token sent by e-mail, in the transaction that queues the message.
pub(super) async fn issue(
    turn: &WriteTurn<'_>,
    connection: &mut AnyConnection,
    link: &LinkToken,
) -> anyhow::Result<()> {
    turn.query(ISSUE)
        .bind(&link.digest)
        .bind(link.purpose)
        .bind(link.user_id)
        .bind(crate::clock::now_seconds())
        .bind(link.previous_email.as_deref())
        .execute(connection)
        .await
        .context("Failed to record an e-mailed link")?;
    Ok(())
}

/// Marks a token used, in the transaction of the change it confirms; `false` when it had been
/// used already.
pub(super) async fn consume(
    turn: &WriteTurn<'_>,
    connection: &mut AnyConnection,
    link: &LinkToken,
) -> anyhow::Result<bool> {
    let done = turn
        .query(CONSUME)
        .bind(&link.digest)
        .bind(link.purpose)
        .bind(link.user_id)
        .bind(crate::clock::now_seconds())
        .execute(connection)
        .await
        .context("Failed to record a used link")?;
    Ok(done.rows_affected() == 1)
}

impl Store {
    /// The link of `purpose` recorded under `digest` that restores an e-mail address, if any.
    pub async fn revert_link(&self, digest: &str, purpose: &str) -> anyhow::Result<Option<RevertLink>> {
        let row = REVERT_OF.query().bind(digest).bind(purpose).fetch_optional(&self.pool).await;
        let Some(row) = row.context("Failed to read an e-mailed link")? else { return Ok(None) };
        let Some(previous_email) = row.try_get::<Option<String>, _>("previous_email")? else { return Ok(None) };
        Ok(Some(RevertLink {
            user_id: row.try_get("user_id")?,
            previous_email,
            issued_at: row.try_get("issued_at")?,
            used: row.try_get::<Option<i64>, _>("consumed_at")?.is_some(),
        }))
    }

    /// What is known of the token with this digest.
    pub async fn link_token_uses(&self, digest: &str) -> anyhow::Result<LinkTokenUses> {
        let rows = USES.query().bind(digest).fetch_all(&self.pool).await.context("Failed to read e-mailed links")?;
        let mut uses = LinkTokenUses::default();
        for row in rows {
            uses.purposes.push(row.try_get("purpose")?);
            uses.used |= row.try_get::<Option<i64>, _>("consumed_at")?.is_some();
        }
        Ok(uses)
    }

    /// Forgets tokens sent before `before` (Unix seconds): they have expired.
    pub async fn purge_link_tokens(&self, before: i64) -> anyhow::Result<u64> {
        let turn = self.write_turn().await;
        let done = turn.query(PURGE).bind(before).execute(&self.pool).await;
        Ok(done.context("Failed to purge e-mailed links")?.rows_affected())
    }
}
