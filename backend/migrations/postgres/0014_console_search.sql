-- The staff console finds accounts by the start of their username, e-mail address or names,
-- whatever the case: `lower(column) LIKE 'prefix%'` uses these indexes.
CREATE INDEX users_username_lower ON users (lower(username) text_pattern_ops);
CREATE INDEX users_email_lower ON users (lower(email) text_pattern_ops);
CREATE INDEX users_first_name_lower ON users (lower(first_name) text_pattern_ops);
CREATE INDEX users_last_name_lower ON users (lower(last_name) text_pattern_ops);
