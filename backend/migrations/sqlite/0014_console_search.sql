-- The staff console finds accounts by the start of their username, e-mail address or names,
-- whatever the case: SQLite's LIKE ignores ASCII case and uses an index of the same collation.
CREATE INDEX users_username_nocase ON users (username COLLATE NOCASE);
CREATE INDEX users_email_nocase ON users (email COLLATE NOCASE);
CREATE INDEX users_first_name_nocase ON users (first_name COLLATE NOCASE);
CREATE INDEX users_last_name_nocase ON users (last_name COLLATE NOCASE);
