//! The user table: Gatehouse's `users`, or the Django project's (`layout.rs` writes the
//! statements).

use anyhow::Context;
use sqlx::any::AnyRow;
use sqlx::Row;

use super::links::{consume, LinkToken};
use super::outbox::{enqueue, OutgoingEmail};
use super::statement::WriteTurn;
use super::{is_foreign_key_violation, is_unique_violation, Store};
use crate::domain::audit::Event;
use crate::domain::user::User;

/// A statement ready for its parameters.
type AnyQuery<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>;

/// A user row, however it was read: the one mapper serves the pool's rows and
/// the direct connection's.
pub(super) trait UserRow {
    type Error;
    fn integer(&self, column: usize) -> Result<i64, Self::Error>;
    fn optional_integer(&self, column: usize) -> Result<Option<i64>, Self::Error>;
    fn text(&self, column: usize) -> Result<String, Self::Error>;
}

impl UserRow for AnyRow {
    type Error = sqlx::Error;
    fn integer(&self, column: usize) -> Result<i64, sqlx::Error> {
        self.try_get(column)
    }
    fn optional_integer(&self, column: usize) -> Result<Option<i64>, sqlx::Error> {
        self.try_get(column)
    }
    fn text(&self, column: usize) -> Result<String, sqlx::Error> {
        self.try_get(column)
    }
}

impl UserRow for rusqlite::Row<'_> {
    type Error = rusqlite::Error;
    fn integer(&self, column: usize) -> rusqlite::Result<i64> {
        self.get(column)
    }
    fn optional_integer(&self, column: usize) -> rusqlite::Result<Option<i64>> {
        self.get(column)
    }
    fn text(&self, column: usize) -> rusqlite::Result<String> {
        self.get(column)
    }
}

/// A user from the columns of a user row, in `layout::UserSql`'s order.
pub(super) fn user_of<R: UserRow>(row: &R) -> Result<User, R::Error> {
    Ok(User {
        id: row.integer(0)?,
        username: row.text(1)?,
        email: row.text(2)?,
        first_name: row.text(3)?,
        last_name: row.text(4)?,
        password: row.text(5)?,
        is_active: row.integer(6)? != 0,
        is_staff: row.integer(7)? != 0,
        is_superuser: row.integer(8)? != 0,
        date_joined: row.integer(9)?,
        last_login: row.optional_integer(10)?,
    })
}

/// A user about to be created: everything already validated and normalised.
pub struct NewUser<'a> {
    pub username: &'a str,
    pub email: &'a str,
    pub first_name: &'a str,
    pub last_name: &'a str,
    pub password_hash: &'a str,
    pub is_active: bool,
    pub is_staff: bool,
    pub is_superuser: bool,
    pub date_joined: i64,
}

/// What deleting an account did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
pub enum DeleteOutcome {
    Done,
    /// Nothing: a row the store does not know still refers to the account.
    StillReferredTo,
}

/// The username is taken (checked again by the database's unique constraint).
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("the username is taken")]
    UsernameTaken,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl WriteError {
    /// For statements that cannot touch a username.
    fn into_anyhow(self) -> anyhow::Error {
        match self {
            Self::UsernameTaken => anyhow::anyhow!("unexpected username conflict"),
            Self::Unexpected(error) => error,
        }
    }
}

impl Store {
    #[tracing::instrument(level = "debug", name = "Find a user by id", skip(self))]
    pub async fn find_user(&self, id: i64) -> anyhow::Result<Option<User>> {
        if let Some(direct) = self.direct() {
            use rusqlite::OptionalExtension;
            // Remembered until the next commit: the account behind every bearer token.
            return direct.read_remembered(self.sql.users.find_by_id, id, |statement| {
                statement.query_row([id], |row| user_of(row)).optional()
            });
        }
        if self.backend == super::Backend::Postgres {
            return self.find_user_together(id).await;
        }
        let row = self.sql.users.find_by_id.query().bind(id).fetch_optional(&self.pool).await;
        let row = row.context("Failed to look a user up by id")?;
        row.as_ref().map(user_of).transpose().context("Failed to read a user row")
    }

    #[tracing::instrument(level = "debug", name = "Find a user by username", skip_all)]
    pub async fn find_user_by_username(&self, username: &str) -> anyhow::Result<Option<User>> {
        let row = self.sql.users.find_by_username.query().bind(username).fetch_optional(&self.pool).await;
        let row = row.context("Failed to look a user up by username")?;
        row.as_ref().map(user_of).transpose().context("Failed to read a user row")
    }

    /// Every user with exactly this e-mail address (case-sensitive), oldest first.
    #[tracing::instrument(level = "debug", name = "Find users by e-mail", skip_all)]
    pub async fn find_users_by_email(&self, email: &str) -> anyhow::Result<Vec<User>> {
        let rows = self.sql.users.find_by_email.query().bind(email).fetch_all(&self.pool).await;
        let rows = rows.context("Failed to look users up by e-mail")?;
        rows.iter().map(user_of).collect::<Result<_, _>>().context("Failed to read a user row")
    }

    #[tracing::instrument(level = "debug", name = "List users", skip(self))]
    pub async fn list_users(&self) -> anyhow::Result<Vec<User>> {
        let rows = self.sql.users.list_all.query().fetch_all(&self.pool).await.context("Failed to list users")?;
        rows.iter().map(user_of).collect::<Result<_, _>>().context("Failed to read a user row")
    }

    pub async fn username_exists(&self, username: &str) -> anyhow::Result<bool> {
        if username.contains('\0') {
            // No stored text holds NUL (PostgreSQL cannot), and asking would be an error there.
            return Ok(false);
        }
        let row = self.sql.users.username_exists.query().bind(username).fetch_optional(&self.pool).await;
        Ok(row.context("Failed to check whether a username is taken")?.is_some())
    }

    /// Creates a user and, in the same transaction, queues the e-mail and records the events
    /// `effects` composes for it.
    #[tracing::instrument(level = "debug", name = "Insert a user", skip_all)]
    pub async fn insert_user(
        &self,
        new: &NewUser<'_>,
        effects: impl FnOnce(&User) -> (Option<OutgoingEmail>, Vec<Event>),
    ) -> Result<User, WriteError> {
        let turn = self.write_turn().await;
        let mut tx = self.pool.begin().await.context("Failed to start a transaction")?;
        let result = turn
            .query(self.sql.users.insert)
            .bind(new.username)
            .bind(new.email)
            .bind(new.first_name)
            .bind(new.last_name)
            .bind(new.password_hash)
            .bind(i64::from(new.is_active))
            .bind(i64::from(new.is_staff))
            .bind(i64::from(new.is_superuser))
            .bind(new.date_joined)
            .fetch_one(&mut *tx)
            .await;
        let user = match result {
            Ok(row) => user_of(&row).context("Failed to read the new user row")?,
            Err(error) if is_unique_violation(&error) => return Err(WriteError::UsernameTaken),
            Err(error) => return Err(anyhow::Error::from(error).context("Failed to insert a user").into()),
        };
        let (email, events) = effects(&user);
        if let Some(message) = email {
            enqueue(&turn, &mut tx, &message).await?;
        }
        super::audit::record(&turn, &mut tx, self, &events).await?;
        tx.commit().await.context("Failed to commit a new user")?;
        Ok(user)
    }

    /// Runs one statement and writes its `effects` in the same transaction. Returns the rows the
    /// statement affected (the transaction is rolled back when that is 0), or its one row.
    async fn change_with_effects(
        &self,
        turn: &WriteTurn<'_>,
        statement: AnyQuery<'_>,
        returning: bool,
        effects: Effects<'_>,
        link: Option<&LinkToken>,
    ) -> Result<(u64, Option<AnyRow>), WriteError> {
        let mut tx = self.pool.begin().await.context("Failed to start a transaction")?;
        let outcome = if returning {
            statement.fetch_optional(&mut *tx).await.map(|row| (u64::from(row.is_some()), row))
        } else {
            statement.execute(&mut *tx).await.map(|done| (done.rows_affected(), None))
        };
        let (affected, row) = match outcome {
            Ok(outcome) => outcome,
            Err(error) if is_unique_violation(&error) => return Err(WriteError::UsernameTaken),
            Err(error) => return Err(anyhow::Error::from(error).context("Failed to change a user").into()),
        };
        if affected == 0 {
            return Ok((0, None));
        }
        if let Some(link) = link {
            if !consume(turn, &mut tx, link).await? {
                // Another request used the link first: nothing changes.
                return Ok((0, None));
            }
        }
        for email in effects.emails {
            enqueue(turn, &mut tx, email).await?;
        }
        super::audit::record(turn, &mut tx, self, effects.events).await?;
        tx.commit().await.context("Failed to commit a change to a user")?;
        Ok((affected, row))
    }

    /// Saves the writable profile fields and the activation flag, with their `effects`;
    /// `None` if the user is gone.
    #[tracing::instrument(level = "debug", name = "Update a user's profile", skip_all, fields(user_id = user.id))]
    pub async fn update_profile(&self, user: &User, effects: Effects<'_>) -> anyhow::Result<Option<User>> {
        let turn = self.write_turn().await;
        let statement = turn
            .query(self.sql.users.update_profile)
            .bind(user.id)
            .bind(&user.first_name)
            .bind(&user.last_name)
            .bind(&user.email)
            .bind(i64::from(user.is_active));
        let changed = self.change_with_effects(&turn, statement, true, effects, None).await;
        let (_, row) = changed.map_err(WriteError::into_anyhow)?;
        row.as_ref().map(user_of).transpose().context("Failed to read a user row")
    }

    /// Restores `previous_email` from a link that takes back an e-mail change, using the link
    /// up; `false` if another request used it first.
    #[tracing::instrument(level = "debug", name = "Revert an e-mail change", skip(self, previous_email, link))]
    pub async fn revert_email(&self, user_id: i64, previous_email: &str, link: &LinkToken) -> anyhow::Result<bool> {
        let turn = self.write_turn().await;
        let statement = turn.query(self.sql.users.revert_email).bind(user_id).bind(previous_email);
        let changed = self.change_with_effects(&turn, statement, false, Effects::NONE, Some(link)).await;
        let (affected, _) = changed.map_err(WriteError::into_anyhow)?;
        Ok(affected == 1)
    }

    /// Replaces a password hash (an upgrade after a successful check).
    #[tracing::instrument(level = "debug", name = "Store a password hash", skip(self, hash))]
    pub async fn set_password(&self, user_id: i64, hash: &str) -> anyhow::Result<()> {
        self.change_password(user_id, hash, Effects::NONE).await
    }

    /// A new password chosen by its owner, with its confirmation e-mail.
    #[tracing::instrument(level = "debug", name = "Change a password", skip(self, hash, effects))]
    pub async fn change_password(&self, user_id: i64, hash: &str, effects: Effects<'_>) -> anyhow::Result<()> {
        let turn = self.write_turn().await;
        let statement = turn.query(self.sql.users.set_password).bind(user_id).bind(hash);
        self.change_with_effects(&turn, statement, false, effects, None).await.map_err(WriteError::into_anyhow)?;
        Ok(())
    }

    /// A password reset: the new hash and the login time that invalidates outstanding links.
    /// Applies only if the hash is still `seen_hash`, so one link resets once; returns whether
    /// it applied.
    #[tracing::instrument(level = "debug", name = "Reset a password", skip(self, seen_hash, hash, effects))]
    pub async fn reset_password(
        &self,
        user_id: i64,
        seen_hash: &str,
        hash: &str,
        last_login: i64,
        effects: Effects<'_>,
        link: &LinkToken,
    ) -> anyhow::Result<bool> {
        let turn = self.write_turn().await;
        let statement = turn
            .query(self.sql.users.set_password_and_last_login)
            .bind(user_id)
            .bind(hash)
            .bind(last_login)
            .bind(seen_hash);
        let changed = self.change_with_effects(&turn, statement, false, effects, Some(link)).await;
        let (affected, _) = changed.map_err(WriteError::into_anyhow)?;
        Ok(affected == 1)
    }

    /// Records a sign-in time (SimpleJWT's `UPDATE_LAST_LOGIN`).
    pub async fn set_last_login(&self, user_id: i64, now_micros: i64) -> anyhow::Result<()> {
        let turn = self.write_turn().await;
        let done = turn.query(self.sql.users.set_last_login).bind(user_id).bind(now_micros).execute(&self.pool).await;
        done.context("Failed to record a sign-in time")?;
        Ok(())
    }

    #[tracing::instrument(level = "debug", name = "Change a username", skip(self, username, effects))]
    pub async fn set_username(&self, user_id: i64, username: &str, effects: Effects<'_>) -> Result<(), WriteError> {
        let turn = self.write_turn().await;
        let statement = turn.query(self.sql.users.set_username).bind(user_id).bind(username);
        self.change_with_effects(&turn, statement, false, effects, None).await?;
        Ok(())
    }

    /// A username reset: applies only if `last_login` is still what the link was minted for,
    /// so each link works once. Returns whether it applied.
    #[tracing::instrument(level = "debug", name = "Reset a username", skip(self, username, effects))]
    pub async fn reset_username(
        &self,
        user_id: i64,
        username: &str,
        seen_last_login: Option<i64>,
        last_login: i64,
        effects: Effects<'_>,
        link: &LinkToken,
    ) -> Result<bool, WriteError> {
        let turn = self.write_turn().await;
        let statement = turn
            .query(self.sql.users.set_username_and_last_login)
            .bind(user_id)
            .bind(username)
            .bind(last_login)
            .bind(seen_last_login);
        let (affected, _) = self.change_with_effects(&turn, statement, false, effects, Some(link)).await?;
        Ok(affected == 1)
    }

    /// Activates an account from its link, using the link up; `false` if another request
    /// used it first.
    #[tracing::instrument(level = "debug", name = "Activate an account", skip(self, effects, link))]
    pub async fn activate(&self, user_id: i64, effects: Effects<'_>, link: &LinkToken) -> anyhow::Result<bool> {
        let turn = self.write_turn().await;
        let statement = turn.query(self.sql.users.activate).bind(user_id);
        let changed = self.change_with_effects(&turn, statement, false, effects, Some(link)).await;
        Ok(changed.map_err(WriteError::into_anyhow)?.0 == 1)
    }

    /// Deletes an account with the rows that go with it, recorded with `events`; or changes
    /// nothing when a row the store does not know refers to the account (in the Django layout,
    /// a table of another app: Django checks such constraints when the transaction commits).
    #[tracing::instrument(level = "debug", name = "Delete a user", skip(self, events))]
    pub async fn delete_user(&self, user_id: i64, events: &[Event]) -> anyhow::Result<DeleteOutcome> {
        let turn = self.write_turn().await;
        let mut tx = self.pool.begin().await.context("Failed to start a transaction")?;
        super::audit::record(&turn, &mut tx, self, events).await?;
        for statement in &self.sql.before_user_delete {
            turn.query(*statement).bind(user_id).execute(&mut *tx).await.context("Failed to delete a user's rows")?;
        }
        let deleted = match turn.query(self.sql.users.delete).bind(user_id).execute(&mut *tx).await {
            Ok(_) => tx.commit().await,
            Err(error) => Err(error),
        };
        match deleted {
            Ok(()) => Ok(DeleteOutcome::Done),
            Err(error) if is_foreign_key_violation(&error) => {
                tracing::warn!(user_id, error = %error, "an account was not deleted: another table refers to it");
                Ok(DeleteOutcome::StillReferredTo)
            }
            Err(error) => Err(error).context("Failed to delete a user"),
        }
    }

    /// Makes `username` an active staff superuser, creating the account when it is missing.
    #[tracing::instrument(level = "debug", name = "Create or update a superuser", skip(self, hash))]
    pub async fn upsert_superuser(&self, username: &str, email: &str, hash: &str, now: i64) -> anyhow::Result<User> {
        let turn = self.write_turn().await;
        let updated = turn
            .query(self.sql.users.make_superuser)
            .bind(username)
            .bind(email)
            .bind(hash)
            .execute(&self.pool)
            .await
            .context("Failed to update the superuser")?;
        drop(turn);
        if updated.rows_affected() == 0 {
            let new = NewUser {
                username,
                email,
                first_name: "",
                last_name: "",
                password_hash: hash,
                is_active: true,
                is_staff: true,
                is_superuser: true,
                date_joined: now,
            };
            return self
                .insert_user(&new, |_| (None, Vec::new()))
                .await
                .map_err(|e| anyhow::anyhow!("Failed to create the superuser: {e}"));
        }
        self.find_user_by_username(username).await?.context("the superuser vanished while being saved")
    }

    /// Staff's switch of `is_active`, recorded with `events`; `false` if the user is gone.
    #[tracing::instrument(level = "debug", name = "Set whether an account is active", skip(self, events))]
    pub async fn set_active(&self, user_id: i64, active: bool, events: &[Event]) -> anyhow::Result<bool> {
        let turn = self.write_turn().await;
        let statement = turn.query(self.sql.users.set_active).bind(user_id).bind(i64::from(active));
        let changed = self.change_with_effects(&turn, statement, false, Effects { emails: &[], events }, None).await;
        Ok(changed.map_err(WriteError::into_anyhow)?.0 == 1)
    }

    /// Staff's switch of `is_staff`, recorded with `events`; `false` if the user is gone.
    #[tracing::instrument(level = "debug", name = "Set whether an account is staff", skip(self, events))]
    pub async fn set_staff(&self, user_id: i64, staff: bool, events: &[Event]) -> anyhow::Result<bool> {
        let turn = self.write_turn().await;
        let statement = turn.query(self.sql.users.set_staff).bind(user_id).bind(i64::from(staff));
        let changed = self.change_with_effects(&turn, statement, false, Effects { emails: &[], events }, None).await;
        Ok(changed.map_err(WriteError::into_anyhow)?.0 == 1)
    }

    /// One page of the accounts whose username, e-mail address, first or last name starts with
    /// `text` (whatever its case), by id; every account when `text` is empty. The count stops
    /// at [`COUNT_CAP`] for a search.
    pub async fn search_users(&self, text: &str, limit: i64, offset: i64) -> anyhow::Result<UserPage> {
        let (rows, count, capped) = if text.is_empty() {
            let count = self.sql.users.count_all.query().fetch_one(&self.pool).await;
            let count: i64 = count.context("Failed to count the accounts")?.try_get("n")?;
            let rows = self.sql.users.page.query().bind(limit).bind(offset).fetch_all(&self.pool).await;
            (rows.context("Failed to list the accounts")?, count, false)
        } else {
            let (search, pattern) = match self.backend {
                super::Backend::Sqlite => (&self.sql.users.search_sqlite, like_prefix(text)),
                super::Backend::Postgres => (&self.sql.users.search_postgres, like_prefix(&text.to_lowercase())),
            };
            let count = search.count_up_to.query().bind(&pattern).bind(COUNT_CAP + 1).fetch_one(&self.pool).await;
            let count: i64 = count.context("Failed to count the accounts found")?.try_get("n")?;
            let statement = if count > COUNT_CAP { search.many } else { search.few };
            let rows = statement.query().bind(&pattern).bind(limit).bind(offset).fetch_all(&self.pool).await;
            (rows.context("Failed to search the accounts")?, count.min(COUNT_CAP), count > COUNT_CAP)
        };
        let found =
            |row: &AnyRow| Ok::<_, sqlx::Error>(Found { user: user_of(row)?, second_factors: row.try_get(11)? });
        let users = rows.iter().map(found).collect::<Result<_, _>>().context("Failed to read a user row")?;
        Ok(UserPage { users, count, capped })
    }
}

/// A search counts at most this many accounts.
pub const COUNT_CAP: i64 = 1000;

/// An account a search found, with its count of confirmed second factors.
#[derive(Debug, Clone)]
pub struct Found {
    pub user: User,
    pub second_factors: i64,
}

/// A page of accounts, and how many there are in all (at most [`COUNT_CAP`] when `capped`).
#[derive(Debug, Clone)]
pub struct UserPage {
    pub users: Vec<Found>,
    pub count: i64,
    pub capped: bool,
}

/// What a change brings with it, written in its transaction: the e-mails it sends and the
/// audit events it records.
#[derive(Debug, Clone, Copy)]
pub struct Effects<'a> {
    pub emails: &'a [OutgoingEmail],
    pub events: &'a [Event],
}

impl Effects<'_> {
    pub const NONE: Effects<'static> = Effects { emails: &[], events: &[] };
}

/// A LIKE pattern for what starts with `text`, its own `%`, `_` and `\` escaped.
fn like_prefix(text: &str) -> String {
    let mut pattern = String::with_capacity(text.len() + 2);
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

#[cfg(test)]
mod search_tests {
    #[test]
    fn a_search_pattern_escapes_likes_wildcards() {
        assert_eq!(super::like_prefix("ann_b%\\"), "ann\\_b\\%\\\\%");
    }
}
