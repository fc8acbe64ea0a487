-- DRF's `authtoken_token`: one key per user for `Authorization: Token <key>` (Djoser's
-- token/login/). `created` is Unix microseconds; the row goes with its user.
CREATE TABLE auth_tokens (
    key TEXT PRIMARY KEY NOT NULL,
    created INTEGER NOT NULL,
    user_id INTEGER NOT NULL UNIQUE REFERENCES users (id) ON DELETE CASCADE
);
