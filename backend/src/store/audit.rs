//! The `gatehouse_audit_events` table, and the webhooks each event queues in the outbox: both
//! written in the transaction of the change that caused the event.

use anyhow::Context;
use sqlx::any::AnyRow;
use sqlx::Row;

use super::statement::{Read, Write, WriteTurn};
use super::Store;
use crate::domain::audit::Event;

const INSERT: Write = Write::new(
    "INSERT INTO gatehouse_audit_events (at, kind, user_id, username, actor_id, actor, ip, user_agent, detail) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
);
/// A webhook waits in the e-mails' outbox: `recipient` is its URL, `subject` its message id,
/// `sender` the event's name and `message` the JSON body.
const ENQUEUE_WEBHOOK: Write = Write::new(
    "INSERT INTO gatehouse_email_outbox \
     (kind, user_id, sender, recipient, subject, message, next_attempt_at, created_at) \
     VALUES ('webhook', $1, $2, $3, $4, $5, $6, $6)",
);
#[cfg(test)]
const COLUMNS: &str = "id, at, kind, user_id, username, actor_id, actor, ip, user_agent, detail";
const OF_USER: Read = Read::new(
    "SELECT id, at, kind, user_id, username, actor_id, actor, ip, user_agent, detail \
     FROM gatehouse_audit_events WHERE user_id = $1 ORDER BY id DESC LIMIT $2",
);
/// The staff's view: each filter applies when its parameter is not NULL.
const FILTERED: Read = Read::new(
    "SELECT id, at, kind, user_id, username, actor_id, actor, ip, user_agent, detail \
     FROM gatehouse_audit_events WHERE ($1 IS NULL OR user_id = $1) AND ($2 IS NULL OR kind = $2) \
     AND ($3 IS NULL OR at >= $3) AND ($4 IS NULL OR at < $4) ORDER BY id DESC LIMIT $5 OFFSET $6",
);
const COUNT_FILTERED: Read = Read::new(
    "SELECT COUNT(*) AS n FROM gatehouse_audit_events WHERE ($1 IS NULL OR user_id = $1) \
     AND ($2 IS NULL OR kind = $2) AND ($3 IS NULL OR at >= $3) AND ($4 IS NULL OR at < $4)",
);
const PURGE: Write = Write::new("DELETE FROM gatehouse_audit_events WHERE at < $1");
/// Whether user `$1` has an event after `$2` of one of the kinds `$3`-`$5`, or of kind and
/// detail `$6`/`$7`, `$8`/`$9` or `$10`/`$11`.
const ANY_SINCE: Read = Read::new(
    "SELECT COUNT(*) AS n FROM gatehouse_audit_events WHERE user_id = $1 AND at > $2 \
     AND (kind IN ($3, $4, $5) OR (kind = $6 AND detail = $7) OR (kind = $8 AND detail = $9) \
     OR (kind = $10 AND detail = $11))",
);
/// How many of user `$1`'s events of kind `$2` with detail `$3` came after their latest of the
/// kinds `$4`-`$7`.
const SINCE_LATEST: Read = Read::new(
    "SELECT COUNT(*) AS n FROM gatehouse_audit_events WHERE user_id = $1 AND kind = $2 AND detail = $3 \
     AND id > (SELECT COALESCE(MAX(id), 0) FROM gatehouse_audit_events WHERE user_id = $1 \
     AND kind IN ($4, $5, $6, $7))",
);

/// Events to look for: any of `kinds` (an empty name matches none), or any of the pairs of
/// kind and detail.
pub struct EventsSought<'a> {
    pub kinds: [&'a str; 3],
    pub with_detail: [(&'a str, &'a str); 3],
}

/// An event as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRow {
    pub id: i64,
    /// Unix microseconds.
    pub at: i64,
    pub kind: String,
    pub user_id: Option<i64>,
    pub username: String,
    pub actor_id: Option<i64>,
    pub actor: Option<String>,
    pub ip: String,
    pub user_agent: String,
    pub detail: String,
}

/// Which events the staff's trail shows.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub user_id: Option<i64>,
    pub kind: Option<&'static str>,
    /// Unix microseconds, inclusive.
    pub since: Option<i64>,
    /// Unix microseconds, exclusive.
    pub until: Option<i64>,
}

/// Stores `events` and queues a webhook of each for every receiver subscribed to it, inside
/// the caller's transaction.
pub(super) async fn record(
    turn: &WriteTurn<'_>,
    connection: &mut sqlx::AnyConnection,
    store: &Store,
    events: &[Event],
) -> anyhow::Result<()> {
    for event in events {
        let now = crate::clock::now_micros();
        let row = turn
            .query(INSERT)
            .bind(now)
            .bind(event.kind.name())
            .bind(event.user_id)
            .bind(&event.username)
            .bind(event.actor.id())
            .bind(event.actor.name())
            .bind(&event.origin.ip)
            .bind(&event.origin.user_agent)
            .bind(&event.detail)
            .fetch_one(&mut *connection)
            .await
            .context("Failed to record an audit event")?;
        let receivers = store.webhooks.receivers(event.kind);
        if receivers.is_empty() {
            continue;
        }
        let id: i64 = row.try_get("id").context("Failed to read an audit event's id")?;
        let (message_id, body) = event.webhook(id, now);
        for url in receivers {
            turn.query(ENQUEUE_WEBHOOK)
                .bind(event.user_id)
                .bind(event.kind.name())
                .bind(url)
                .bind(&message_id)
                .bind(&body)
                .bind(now)
                .execute(&mut *connection)
                .await
                .context("Failed to queue a webhook")?;
        }
    }
    Ok(())
}

fn row_of(row: &AnyRow) -> Result<AuditRow, sqlx::Error> {
    Ok(AuditRow {
        id: row.try_get("id")?,
        at: row.try_get("at")?,
        kind: row.try_get("kind")?,
        user_id: row.try_get("user_id")?,
        username: row.try_get("username")?,
        actor_id: row.try_get("actor_id")?,
        actor: row.try_get("actor")?,
        ip: row.try_get("ip")?,
        user_agent: row.try_get("user_agent")?,
        detail: row.try_get("detail")?,
    })
}

impl Store {
    /// Records `events` in a transaction of their own: for events that change nothing else
    /// (a sign-in that failed, a session ended by its own statement).
    pub async fn record_events(&self, events: &[Event]) -> anyhow::Result<()> {
        if events.is_empty() {
            return Ok(());
        }
        let turn = self.write_turn().await;
        let mut tx = self.pool.begin().await.context("Failed to start a transaction")?;
        record(&turn, &mut tx, self, events).await?;
        tx.commit().await.context("Failed to record audit events")
    }

    /// The newest `limit` events of `user_id`, newest first.
    pub async fn audit_events_of(&self, user_id: i64, limit: i64) -> anyhow::Result<Vec<AuditRow>> {
        let rows = OF_USER.query().bind(user_id).bind(limit).fetch_all(&self.pool).await;
        let rows = rows.context("Failed to read an account's activity")?;
        rows.iter().map(row_of).collect::<Result<_, _>>().context("Failed to read an audit row")
    }

    /// One page of the events `filter` keeps, newest first, and how many it keeps.
    pub async fn audit_events(
        &self,
        filter: &AuditFilter,
        limit: i64,
        offset: i64,
    ) -> anyhow::Result<(Vec<AuditRow>, i64)> {
        let rows = FILTERED
            .query()
            .bind(filter.user_id)
            .bind(filter.kind)
            .bind(filter.since)
            .bind(filter.until)
            .bind(limit)
            .bind(offset)
            .fetch_all(&self.pool)
            .await
            .context("Failed to read the audit trail")?;
        let count = COUNT_FILTERED
            .query()
            .bind(filter.user_id)
            .bind(filter.kind)
            .bind(filter.since)
            .bind(filter.until)
            .fetch_one(&self.pool)
            .await
            .context("Failed to count the audit trail")?;
        let rows = rows.iter().map(row_of).collect::<Result<_, _>>().context("Failed to read an audit row")?;
        Ok((rows, count.try_get("n").context("Failed to read the trail's count")?))
    }

    /// How many of `user_id`'s events of `kind` with `detail` came after their latest event of
    /// any of `after` (all of them when there is none).
    pub async fn count_since_latest(
        &self,
        user_id: i64,
        (kind, detail): (&str, &str),
        after: [&str; 4],
    ) -> anyhow::Result<i64> {
        let [a, b, c, d] = after;
        let row = SINCE_LATEST
            .query()
            .bind(user_id)
            .bind(kind)
            .bind(detail)
            .bind(a)
            .bind(b)
            .bind(c)
            .bind(d)
            .fetch_one(&self.pool)
            .await
            .context("Failed to count audit events")?;
        row.try_get("n").context("Failed to read a count of audit events")
    }

    /// Whether `user_id` has any of the events `sought` after `since` (Unix microseconds).
    pub async fn has_event_since(&self, user_id: i64, since: i64, sought: &EventsSought<'_>) -> anyhow::Result<bool> {
        let [first, second, third] = sought.kinds;
        let [(kind_a, detail_a), (kind_b, detail_b), (kind_c, detail_c)] = sought.with_detail;
        let found = ANY_SINCE
            .query()
            .bind(user_id)
            .bind(since)
            .bind(first)
            .bind(second)
            .bind(third)
            .bind(kind_a)
            .bind(detail_a)
            .bind(kind_b)
            .bind(detail_b)
            .bind(kind_c)
            .bind(detail_c)
            .fetch_one(&self.pool)
            .await
            .context("Failed to read an account's events")?;
        Ok(found.try_get::<i64, _>("n").context("Failed to read the events' count")? > 0)
    }

    /// Forgets events older than `before` (Unix microseconds).
    pub async fn purge_audit_events(&self, before: i64) -> anyhow::Result<u64> {
        let turn = self.write_turn().await;
        let done = turn.query(PURGE).bind(before).execute(&self.pool).await;
        Ok(done.context("Failed to purge the audit trail")?.rows_affected())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_statements_read_the_columns_they_name() {
        for statement in [super::OF_USER, super::FILTERED] {
            assert!(statement.sql().starts_with(&format!("SELECT {} FROM", super::COLUMNS)));
        }
    }
}
