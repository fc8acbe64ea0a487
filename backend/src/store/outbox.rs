//! The `email_outbox` table: messages (e-mails, and webhooks of audit events) written with the
//! change that caused them, claimed by one delivery worker at a time, retried with exponential
//! backoff.

use anyhow::Context;
use sqlx::any::AnyRow;
use sqlx::Row;

use super::statement::{Read, Write, WriteTurn};
use super::{Backend, Store};

/// A rendered message ready to be stored.
#[derive(Debug, Clone)]
pub struct OutgoingEmail {
    pub kind: &'static str,
    pub user_id: Option<i64>,
    pub sender: String,
    pub recipient: String,
    pub subject: String,
    /// The whole RFC 5322 message.
    pub message: String,
    /// The token of the link it carries, recorded with it.
    pub link: Option<super::links::LinkToken>,
}

/// A message claimed for delivery.
#[derive(Debug, Clone)]
pub struct ClaimedEmail {
    pub id: i64,
    pub kind: String,
    pub sender: String,
    pub recipient: String,
    pub subject: String,
    pub message: String,
    /// Delivery attempts including this one.
    pub attempts: i64,
}

/// A pending or failed message, as `gatehouse outbox` lists it.
#[derive(Debug, Clone)]
pub struct OutboxEntry {
    pub id: i64,
    pub kind: String,
    pub recipient: String,
    pub status: String,
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub last_error: Option<String>,
}

const ENQUEUE: Write = Write::new(
    "INSERT INTO gatehouse_email_outbox \
     (kind, user_id, sender, recipient, subject, message, next_attempt_at, created_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
);
/// Whether a claim would find anything: a read, which takes no write turn.
const ANY_DUE: Read = Read::new(
    "SELECT 1 FROM gatehouse_email_outbox WHERE status = 'pending' AND next_attempt_at <= $1 \
     AND (claimed_until IS NULL OR claimed_until < $1) LIMIT 1",
);
/// Takes due messages whose lease is free and leases them. SQLite runs one writer at a time,
/// so the statement alone is atomic there; PostgreSQL skips rows another instance has locked.
/// Of one account's webhooks to one receiver, only the oldest pending one is taken: they
/// arrive in order, and a receiver that is down holds back only its own.
const CLAIM_SQLITE: Write = Write::new(
    "UPDATE gatehouse_email_outbox SET claimed_until = $2, attempts = attempts + 1 \
     WHERE id IN (SELECT id FROM gatehouse_email_outbox o WHERE status = 'pending' AND next_attempt_at <= $1 \
     AND (claimed_until IS NULL OR claimed_until < $1) AND NOT (kind = 'webhook' AND EXISTS (\
     SELECT 1 FROM gatehouse_email_outbox e WHERE e.kind = 'webhook' AND e.status = 'pending' \
     AND e.recipient = o.recipient AND e.user_id = o.user_id AND e.id < o.id)) ORDER BY id LIMIT $3) \
     RETURNING id, kind, sender, recipient, subject, message, attempts",
);
const CLAIM_POSTGRES: Write = Write::new(
    "UPDATE gatehouse_email_outbox SET claimed_until = $2, attempts = attempts + 1 \
     WHERE id IN (SELECT id FROM gatehouse_email_outbox o WHERE status = 'pending' AND next_attempt_at <= $1 \
     AND (claimed_until IS NULL OR claimed_until < $1) AND NOT (kind = 'webhook' AND EXISTS (\
     SELECT 1 FROM gatehouse_email_outbox e WHERE e.kind = 'webhook' AND e.status = 'pending' \
     AND e.recipient = o.recipient AND e.user_id = o.user_id AND e.id < o.id)) ORDER BY id LIMIT $3 FOR UPDATE SKIP LOCKED) \
     RETURNING id, kind, sender, recipient, subject, message, attempts",
);
/// A delivered or failed message keeps what `gatehouse outbox` shows, not its body: the body
/// holds a live link, and the row is kept for a week.
const MARK_SENT: Write = Write::new(
    "UPDATE gatehouse_email_outbox SET status = 'sent', sent_at = $2, claimed_until = NULL, last_error = NULL, \
     message = '' WHERE id = $1",
);
const MARK_RETRY: Write = Write::new(
    "UPDATE gatehouse_email_outbox SET next_attempt_at = $2, claimed_until = NULL, last_error = $3 WHERE id = $1",
);
const MARK_FAILED: Write = Write::new(
    "UPDATE gatehouse_email_outbox SET status = 'failed', claimed_until = NULL, last_error = $2, message = '' WHERE id = $1",
);
const LIST_UNSENT: Read = Read::new(
    "SELECT id, kind, recipient, status, attempts, next_attempt_at, last_error FROM gatehouse_email_outbox \
                           WHERE status <> 'sent' ORDER BY id",
);
/// E-mails only: webhooks wait for their receivers, which may be down.
const COUNT_PENDING: Read =
    Read::new("SELECT COUNT(*) AS n FROM gatehouse_email_outbox WHERE status = 'pending' AND kind <> 'webhook'");
const PURGE_SENT: Write = Write::new("DELETE FROM gatehouse_email_outbox WHERE status = 'sent' AND sent_at < $1");

/// Writes `email` (and records its link), typically inside the transaction of the change.
pub(super) async fn enqueue(
    turn: &WriteTurn<'_>,
    connection: &mut sqlx::AnyConnection,
    email: &OutgoingEmail,
) -> anyhow::Result<()> {
    let now = crate::clock::now_micros();
    turn.query(ENQUEUE)
        .bind(email.kind)
        .bind(email.user_id)
        .bind(&email.sender)
        .bind(&email.recipient)
        .bind(&email.subject)
        .bind(&email.message)
        .bind(now)
        .execute(&mut *connection)
        .await
        .context("Failed to queue an e-mail")?;
    if let Some(link) = &email.link {
        super::links::issue(turn, connection, link).await?;
    }
    Ok(())
}

fn claimed_from_row(row: &AnyRow) -> Result<ClaimedEmail, sqlx::Error> {
    Ok(ClaimedEmail {
        id: row.try_get("id")?,
        kind: row.try_get("kind")?,
        sender: row.try_get("sender")?,
        recipient: row.try_get("recipient")?,
        subject: row.try_get("subject")?,
        message: row.try_get("message")?,
        attempts: row.try_get("attempts")?,
    })
}

impl Store {
    /// Queues messages that do not go with a change (resend, reset requests), and records
    /// the `events` of sending them.
    pub async fn enqueue_emails(
        &self,
        emails: &[OutgoingEmail],
        events: &[crate::domain::audit::Event],
    ) -> anyhow::Result<()> {
        let turn = self.write_turn().await;
        let mut tx = self.pool.begin().await.context("Failed to start a transaction")?;
        for email in emails {
            enqueue(&turn, &mut tx, email).await?;
        }
        super::audit::record(&turn, &mut tx, self, events).await?;
        tx.commit().await.context("Failed to queue e-mails")
    }

    /// Writes messages as [`enqueue_emails`](Self::enqueue_emails) does, then takes them back:
    /// the same work, with nothing kept.
    pub async fn rehearse_enqueue(&self, emails: &[OutgoingEmail]) -> anyhow::Result<()> {
        let turn = self.write_turn().await;
        let mut tx = self.pool.begin().await.context("Failed to start a transaction")?;
        for email in emails {
            enqueue(&turn, &mut tx, email).await?;
        }
        tx.rollback().await.context("Failed to take rehearsed e-mails back")
    }

    /// Leases up to `limit` due messages until `lease_until`. When none is due, as on most of
    /// the worker's polls, it only reads: on SQLite an empty claim would still take the write
    /// lock, and every write waiting meanwhile.
    pub async fn claim_emails(&self, now: i64, lease_until: i64, limit: i64) -> anyhow::Result<Vec<ClaimedEmail>> {
        let due = ANY_DUE.query().bind(now).fetch_optional(&self.pool).await;
        if due.context("Failed to look for due e-mails")?.is_none() {
            return Ok(Vec::new());
        }
        let turn = self.write_turn().await;
        let statement = match self.backend() {
            Backend::Sqlite => CLAIM_SQLITE,
            Backend::Postgres => CLAIM_POSTGRES,
        };
        let rows = turn
            .query(statement)
            .bind(now)
            .bind(lease_until)
            .bind(limit)
            .fetch_all(&self.pool)
            .await
            .context("Failed to claim e-mails for delivery")?;
        let mut claimed: Vec<ClaimedEmail> =
            rows.iter().map(claimed_from_row).collect::<Result<_, _>>().context("Failed to read an outbox row")?;
        claimed.sort_by_key(|email| email.id);
        Ok(claimed)
    }

    pub async fn mark_email_sent(&self, id: i64, now: i64) -> anyhow::Result<()> {
        let turn = self.write_turn().await;
        turn.query(MARK_SENT).bind(id).bind(now).execute(&self.pool).await.context("Failed to mark an e-mail sent")?;
        Ok(())
    }

    pub async fn mark_email_retry(&self, id: i64, next_attempt_at: i64, error: &str) -> anyhow::Result<()> {
        let turn = self.write_turn().await;
        turn.query(MARK_RETRY)
            .bind(id)
            .bind(next_attempt_at)
            .bind(error)
            .execute(&self.pool)
            .await
            .context("Failed to schedule an e-mail retry")?;
        Ok(())
    }

    pub async fn mark_email_failed(&self, id: i64, error: &str) -> anyhow::Result<()> {
        let turn = self.write_turn().await;
        turn.query(MARK_FAILED)
            .bind(id)
            .bind(error)
            .execute(&self.pool)
            .await
            .context("Failed to mark an e-mail failed")?;
        Ok(())
    }

    /// Pending and failed messages, oldest first.
    pub async fn unsent_emails(&self) -> anyhow::Result<Vec<OutboxEntry>> {
        let rows = LIST_UNSENT.query().fetch_all(&self.pool).await.context("Failed to list the outbox")?;
        rows.iter()
            .map(|row| {
                Ok(OutboxEntry {
                    id: row.try_get("id")?,
                    kind: row.try_get("kind")?,
                    recipient: row.try_get("recipient")?,
                    status: row.try_get("status")?,
                    attempts: row.try_get("attempts")?,
                    next_attempt_at: row.try_get("next_attempt_at")?,
                    last_error: row.try_get("last_error")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .context("Failed to read an outbox row")
    }

    pub async fn pending_email_count(&self) -> anyhow::Result<i64> {
        let row = COUNT_PENDING.query().fetch_one(&self.pool).await.context("Failed to count the outbox")?;
        row.try_get("n").context("Failed to read the outbox count")
    }

    /// Forgets delivered messages older than `before`.
    pub async fn purge_sent_emails(&self, before: i64) -> anyhow::Result<u64> {
        let turn = self.write_turn().await;
        let done = turn.query(PURGE_SENT).bind(before).execute(&self.pool).await;
        Ok(done.context("Failed to purge the outbox")?.rows_affected())
    }
}

#[cfg(test)]
mod tests {
    use crate::store::test_store;

    #[tokio::test]
    async fn a_claim_with_nothing_due_does_not_wait_for_the_write_turn() {
        let dir = tempfile::tempdir().unwrap();
        let store = test_store(dir.path(), true).await;
        let _held_by_another_writer = store.write_turn().await;

        // It would wait forever behind the turn held above; the deadline only ends the test.
        let claim = store.claim_emails(1_700_000_000_000_000, 1_700_000_060_000_000, 16);
        let claimed = tokio::time::timeout(std::time::Duration::from_secs(30), claim).await;
        assert!(claimed.expect("no wait for the write turn").unwrap().is_empty());
    }
}
