-- Users as Django's auth_user holds them; flags are 0/1 and times Unix microseconds.
CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    username TEXT NOT NULL UNIQUE,
    email TEXT NOT NULL DEFAULT '',
    first_name TEXT NOT NULL DEFAULT '',
    last_name TEXT NOT NULL DEFAULT '',
    password TEXT NOT NULL,
    is_active INTEGER NOT NULL DEFAULT 1,
    is_staff INTEGER NOT NULL DEFAULT 0,
    is_superuser INTEGER NOT NULL DEFAULT 0,
    date_joined INTEGER NOT NULL,
    last_login INTEGER
);
CREATE INDEX users_email ON users (email);

-- Refresh tokens that may no longer be used (rotated or logged out).
CREATE TABLE token_blacklist (
    jti TEXT PRIMARY KEY,
    user_id INTEGER,
    expires_at INTEGER NOT NULL,
    blacklisted_at INTEGER NOT NULL
);
CREATE INDEX token_blacklist_expires_at ON token_blacklist (expires_at);
