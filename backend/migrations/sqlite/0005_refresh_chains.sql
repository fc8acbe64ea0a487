-- A refresh writes one row to one b-tree. Spent tokens are kept in jti order with no rowid
-- table beside them (WITHOUT ROWID). Reusing a rotated token revokes its descendants by
-- following `successor` links from it, so the family column and its index go, and so does
-- the successor index; the hourly purge walks the table in key order instead of reading an
-- index on `expires_at` that every refresh would have to write.
CREATE TABLE token_blacklist_by_jti (
    jti TEXT PRIMARY KEY NOT NULL,
    user_id INTEGER,
    expires_at INTEGER NOT NULL,
    blacklisted_at INTEGER NOT NULL,
    successor TEXT,
    successor_expires_at BIGINT
) WITHOUT ROWID;
INSERT INTO token_blacklist_by_jti (jti, user_id, expires_at, blacklisted_at, successor, successor_expires_at)
    SELECT jti, user_id, expires_at, blacklisted_at, successor, successor_expires_at FROM token_blacklist;
DROP TABLE token_blacklist;
ALTER TABLE token_blacklist_by_jti RENAME TO token_blacklist;
