-- The audit trail: security events of accounts, appended with the change that caused them and
-- kept for GATEHOUSE_AUDIT_RETENTION_DAYS. `user_id` is not a foreign key: an account's trail
-- outlives the account (its `username` is the name it had then). Times are Unix microseconds.
CREATE TABLE gatehouse_audit_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at INTEGER NOT NULL,
    kind TEXT NOT NULL,
    user_id INTEGER,
    username TEXT NOT NULL DEFAULT '',
    actor_id INTEGER,
    actor TEXT,
    ip TEXT NOT NULL DEFAULT '',
    user_agent TEXT NOT NULL DEFAULT '',
    detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX gatehouse_audit_events_user ON gatehouse_audit_events (user_id, id);
CREATE INDEX gatehouse_audit_events_kind ON gatehouse_audit_events (kind, id);
CREATE INDEX gatehouse_audit_events_at ON gatehouse_audit_events (at);

-- Webhooks wait in the e-mails' outbox (kind 'webhook', recipient its URL). One account's
-- events reach a receiver in order: a claim takes only the oldest pending one of each.
CREATE INDEX gatehouse_email_outbox_webhook_order ON gatehouse_email_outbox (recipient, user_id, id)
    WHERE kind = 'webhook' AND status = 'pending';
