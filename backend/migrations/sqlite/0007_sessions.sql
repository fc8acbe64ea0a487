-- A session is one sign-in: its tokens carry its id (the `sid` claim). It holds the one
-- refresh token of the chain that may still be used (and the one before it, for the grace
-- period of concurrent refreshes), so rotating a session's refresh token rewrites this row
-- instead of adding one to `token_blacklist`, and the session's own refresh counter.
-- `origin_jti` is the refresh token without a session id this session continues. Times are
-- Unix seconds, but for `created_at` and `last_used_at`, which are shown and ordered by:
-- microseconds.
CREATE TABLE sessions (
    id TEXT PRIMARY KEY NOT NULL,
    user_id INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    last_used_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    ip TEXT NOT NULL,
    user_agent TEXT NOT NULL,
    method TEXT NOT NULL,
    refresh_jti TEXT NOT NULL,
    previous_jti TEXT,
    rotated_at INTEGER,
    origin_jti TEXT,
    window_start INTEGER NOT NULL,
    window_hits INTEGER NOT NULL,
    ended_at INTEGER,
    end_reason TEXT
);
CREATE INDEX sessions_user ON sessions (user_id, created_at);
-- Every instance reads the sessions ended in the last seconds, each second.
CREATE INDEX sessions_ended_at ON sessions (ended_at) WHERE ended_at IS NOT NULL;
CREATE INDEX sessions_origin_jti ON sessions (origin_jti) WHERE origin_jti IS NOT NULL;
