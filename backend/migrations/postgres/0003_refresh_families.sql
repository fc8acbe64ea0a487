-- Every refresh token issued here, with the login it descends from (its family), so that a
-- reused rotated token can revoke the whole family.
CREATE TABLE refresh_tokens (
    jti TEXT PRIMARY KEY,
    family TEXT NOT NULL,
    user_id BIGINT,
    expires_at BIGINT NOT NULL
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family);
