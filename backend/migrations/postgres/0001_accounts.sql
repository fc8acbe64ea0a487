-- Users as Django's auth_user holds them; flags are 0/1 and times Unix microseconds, as in
-- the SQLite schema, so both backends share every statement.
CREATE TABLE users (
    id BIGSERIAL PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    email TEXT NOT NULL DEFAULT '',
    first_name TEXT NOT NULL DEFAULT '',
    last_name TEXT NOT NULL DEFAULT '',
    password TEXT NOT NULL,
    is_active BIGINT NOT NULL DEFAULT 1,
    is_staff BIGINT NOT NULL DEFAULT 0,
    is_superuser BIGINT NOT NULL DEFAULT 0,
    date_joined BIGINT NOT NULL,
    last_login BIGINT
);
CREATE INDEX users_email ON users (email);

CREATE TABLE token_blacklist (
    jti TEXT PRIMARY KEY,
    user_id BIGINT,
    expires_at BIGINT NOT NULL,
    blacklisted_at BIGINT NOT NULL
);
CREATE INDEX token_blacklist_expires_at ON token_blacklist (expires_at);
