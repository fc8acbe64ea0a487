-- Gatehouse's own tables are named `gatehouse_*`, as they are when they sit beside Django's
-- tables (GATEHOUSE_DATABASE_LAYOUT=django); only the user table keeps its name.
ALTER TABLE sessions RENAME TO gatehouse_sessions;
ALTER TABLE email_outbox RENAME TO gatehouse_email_outbox;
ALTER TABLE link_tokens RENAME TO gatehouse_link_tokens;
ALTER TABLE throttle RENAME TO gatehouse_throttle;
ALTER TABLE token_blacklist RENAME TO gatehouse_token_blacklist;
ALTER TABLE auth_tokens RENAME TO gatehouse_auth_tokens;
