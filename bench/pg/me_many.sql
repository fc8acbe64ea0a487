-- The database's side of users/me/ over many accounts: one of them by its primary key, drawn
-- at random from the benchmark's accounts (first_id to last_id).
\set id random(:first_id, :last_id)
SELECT id, username, email, first_name, last_name, password, is_active, is_staff, is_superuser, date_joined, last_login FROM users WHERE id = :id;
