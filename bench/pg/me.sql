-- The database's side of users/me/: the account by its primary key (the one statement the
-- round-trip count shows), as pgbench runs it.
SELECT id, username, email, first_name, last_name, password, is_active, is_staff, is_superuser, date_joined, last_login FROM users WHERE id = :user_id;
