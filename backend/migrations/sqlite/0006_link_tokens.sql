-- The tokens of e-mailed links, by SHA-256 digest (never the token itself): each one sent,
-- with what it is for, and each one used. A used token is refused for every purpose, and a
-- token sent for one purpose is refused for the others. Tokens Django made have no row until
-- they are used.
CREATE TABLE link_tokens (
    digest TEXT NOT NULL,
    purpose TEXT NOT NULL,
    user_id INTEGER NOT NULL,
    issued_at INTEGER NOT NULL,
    consumed_at INTEGER,
    PRIMARY KEY (digest, purpose)
);
CREATE INDEX link_tokens_issued_at ON link_tokens (issued_at);
