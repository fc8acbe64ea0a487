-- The database's side of jwt/refresh/ in a session: the session by id, the account by id, and
-- the session's row moved on to the next token (the statements the round-trip count shows),
-- each client on a session of its own, as the load generator's connections are.
SELECT id, user_id, created_at, last_used_at, expires_at, ip, user_agent, method, refresh_jti, previous_jti, rotated_at, window_start, window_hits, ended_at, end_reason FROM gatehouse_sessions WHERE id = 'pgbench-' || :client_id;
SELECT id, username, email, first_name, last_name, password, is_active, is_staff, is_superuser, date_joined, last_login FROM users WHERE id = :user_id;
UPDATE gatehouse_sessions SET refresh_jti = md5(random()::text), previous_jti = refresh_jti, rotated_at = extract(epoch from now())::bigint, last_used_at = (extract(epoch from now()) * 1000000)::bigint, ip = '127.0.0.1', window_hits = window_hits + 1 WHERE id = 'pgbench-' || :client_id AND ended_at IS NULL;
