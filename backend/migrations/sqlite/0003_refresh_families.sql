-- A spent refresh token remembers the login it descends from (its family: the id of that
-- login's refresh token) and the token that replaced it, so that reusing a rotated token can
-- revoke every token of its family with one statement.
ALTER TABLE token_blacklist ADD COLUMN family TEXT;
ALTER TABLE token_blacklist ADD COLUMN successor TEXT;
ALTER TABLE token_blacklist ADD COLUMN successor_expires_at BIGINT;
CREATE INDEX token_blacklist_family ON token_blacklist (family);
CREATE INDEX token_blacklist_successor ON token_blacklist (successor);
