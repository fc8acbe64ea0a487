-- Gatehouse's own tables beside a Django project's (GATEHOUSE_DATABASE_LAYOUT=django): the
-- same tables as Gatehouse's own layout after its migration 0010, without the user table
-- (Django's is used) and without foreign keys to it (Django's deletions do not know them).
CREATE TABLE gatehouse_email_outbox (
    id BIGSERIAL PRIMARY KEY,
    kind TEXT NOT NULL,
    user_id BIGINT,
    sender TEXT NOT NULL,
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    message TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending',
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    claimed_until BIGINT,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    sent_at BIGINT
);
CREATE INDEX gatehouse_email_outbox_due ON gatehouse_email_outbox (status, next_attempt_at);

CREATE TABLE gatehouse_token_blacklist (
    jti TEXT PRIMARY KEY NOT NULL,
    user_id BIGINT,
    expires_at BIGINT NOT NULL,
    blacklisted_at BIGINT NOT NULL,
    successor TEXT,
    successor_expires_at BIGINT
);

CREATE TABLE gatehouse_throttle (
    key TEXT PRIMARY KEY,
    window_start BIGINT NOT NULL,
    hits BIGINT NOT NULL
);
CREATE INDEX gatehouse_throttle_window_start ON gatehouse_throttle (window_start);

CREATE TABLE gatehouse_link_tokens (
    digest TEXT NOT NULL,
    purpose TEXT NOT NULL,
    user_id BIGINT NOT NULL,
    issued_at BIGINT NOT NULL,
    consumed_at BIGINT,
    previous_email TEXT,
    PRIMARY KEY (digest, purpose)
);
CREATE INDEX gatehouse_link_tokens_issued_at ON gatehouse_link_tokens (issued_at);

CREATE TABLE gatehouse_sessions (
    id TEXT PRIMARY KEY NOT NULL,
    user_id BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    last_used_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    ip TEXT NOT NULL,
    user_agent TEXT NOT NULL,
    method TEXT NOT NULL,
    refresh_jti TEXT NOT NULL,
    previous_jti TEXT,
    rotated_at BIGINT,
    origin_jti TEXT,
    window_start BIGINT NOT NULL,
    window_hits BIGINT NOT NULL,
    ended_at BIGINT,
    end_reason TEXT
);
CREATE INDEX gatehouse_sessions_user ON gatehouse_sessions (user_id, created_at);
CREATE INDEX gatehouse_sessions_ended_at ON gatehouse_sessions (ended_at) WHERE ended_at IS NOT NULL;
CREATE INDEX gatehouse_sessions_origin_jti ON gatehouse_sessions (origin_jti) WHERE origin_jti IS NOT NULL;

-- DRF's tokens, for a Django project without rest_framework.authtoken.
CREATE TABLE gatehouse_auth_tokens (
    key TEXT PRIMARY KEY NOT NULL,
    created BIGINT NOT NULL,
    user_id BIGINT NOT NULL UNIQUE
);
