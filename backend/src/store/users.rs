//! The `users` table.

use anyhow::Context;
use sqlx::any::AnyRow;
use sqlx::Row;

use super::{is_unique_violation, Store};
use crate::domain::user::User;

macro_rules! user_columns {
    () => {
        "id, username, email, first_name, last_name, password, is_active, is_staff, is_superuser, date_joined, last_login"
    };
}

const FIND_BY_ID: &str = concat!("SELECT ", user_columns!(), " FROM users WHERE id = $1");
const FIND_BY_USERNAME: &str = concat!(
    "SELECT ",
    user_columns!(),
    " FROM users WHERE username = $1"
);
const FIND_BY_EMAIL: &str = concat!(
    "SELECT ",
    user_columns!(),
    " FROM users WHERE email = $1 ORDER BY id"
);
const LIST_ALL: &str = concat!("SELECT ", user_columns!(), " FROM users ORDER BY id");
const USERNAME_EXISTS: &str = "SELECT 1 FROM users WHERE username = $1";
const INSERT: &str = concat!(
    "INSERT INTO users (username, email, first_name, last_name, password, is_active, is_staff, is_superuser, date_joined) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING ",
    user_columns!()
);
const UPDATE_PROFILE: &str = concat!(
    "UPDATE users SET first_name = $2, last_name = $3, email = $4, is_active = $5 WHERE id = $1 RETURNING ",
    user_columns!()
);
const SET_PASSWORD: &str = "UPDATE users SET password = $2 WHERE id = $1";
const SET_PASSWORD_AND_LAST_LOGIN: &str =
    "UPDATE users SET password = $2, last_login = $3 WHERE id = $1 AND password = $4";
const SET_USERNAME: &str = "UPDATE users SET username = $2 WHERE id = $1";
const SET_USERNAME_AND_LAST_LOGIN: &str =
    "UPDATE users SET username = $2, last_login = $3 WHERE id = $1 AND last_login IS NOT DISTINCT FROM $4";
const SET_ACTIVE: &str = "UPDATE users SET is_active = $2 WHERE id = $1";
const DELETE: &str = "DELETE FROM users WHERE id = $1";
const MAKE_SUPERUSER: &str =
    "UPDATE users SET email = $2, password = $3, is_active = 1, is_staff = 1, is_superuser = 1 WHERE username = $1";

fn from_row(row: &AnyRow) -> Result<User, sqlx::Error> {
    Ok(User {
        id: row.try_get("id")?,
        username: row.try_get("username")?,
        email: row.try_get("email")?,
        first_name: row.try_get("first_name")?,
        last_name: row.try_get("last_name")?,
        password: row.try_get("password")?,
        is_active: row.try_get::<i64, _>("is_active")? != 0,
        is_staff: row.try_get::<i64, _>("is_staff")? != 0,
        is_superuser: row.try_get::<i64, _>("is_superuser")? != 0,
        date_joined: row.try_get("date_joined")?,
        last_login: row.try_get("last_login")?,
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

/// The username is taken (checked again by the database's unique constraint).
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("the username is taken")]
    UsernameTaken,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl Store {
    #[tracing::instrument(name = "Find a user by id", skip(self))]
    pub async fn find_user(&self, id: i64) -> anyhow::Result<Option<User>> {
        let row = sqlx::query(FIND_BY_ID)
            .bind(id)
            .fetch_optional(self.pool())
            .await;
        let row = row.context("Failed to look a user up by id")?;
        row.as_ref()
            .map(from_row)
            .transpose()
            .context("Failed to read a user row")
    }

    #[tracing::instrument(name = "Find a user by username", skip_all)]
    pub async fn find_user_by_username(&self, username: &str) -> anyhow::Result<Option<User>> {
        let row = sqlx::query(FIND_BY_USERNAME)
            .bind(username)
            .fetch_optional(self.pool())
            .await;
        let row = row.context("Failed to look a user up by username")?;
        row.as_ref()
            .map(from_row)
            .transpose()
            .context("Failed to read a user row")
    }

    /// Every user with exactly this e-mail address (case-sensitive), oldest first.
    #[tracing::instrument(name = "Find users by e-mail", skip_all)]
    pub async fn find_users_by_email(&self, email: &str) -> anyhow::Result<Vec<User>> {
        let rows = sqlx::query(FIND_BY_EMAIL)
            .bind(email)
            .fetch_all(self.pool())
            .await;
        let rows = rows.context("Failed to look users up by e-mail")?;
        rows.iter()
            .map(from_row)
            .collect::<Result<_, _>>()
            .context("Failed to read a user row")
    }

    #[tracing::instrument(name = "List users", skip(self))]
    pub async fn list_users(&self) -> anyhow::Result<Vec<User>> {
        let rows = sqlx::query(LIST_ALL)
            .fetch_all(self.pool())
            .await
            .context("Failed to list users")?;
        rows.iter()
            .map(from_row)
            .collect::<Result<_, _>>()
            .context("Failed to read a user row")
    }

    pub async fn username_exists(&self, username: &str) -> anyhow::Result<bool> {
        let row = sqlx::query(USERNAME_EXISTS)
            .bind(username)
            .fetch_optional(self.pool())
            .await;
        Ok(row
            .context("Failed to check whether a username is taken")?
            .is_some())
    }

    #[tracing::instrument(name = "Insert a user", skip_all)]
    pub async fn insert_user(&self, new: &NewUser<'_>) -> Result<User, WriteError> {
        let result = sqlx::query(INSERT)
            .bind(new.username)
            .bind(new.email)
            .bind(new.first_name)
            .bind(new.last_name)
            .bind(new.password_hash)
            .bind(i64::from(new.is_active))
            .bind(i64::from(new.is_staff))
            .bind(i64::from(new.is_superuser))
            .bind(new.date_joined)
            .fetch_one(self.pool())
            .await;
        match result {
            Ok(row) => Ok(from_row(&row).context("Failed to read the new user row")?),
            Err(error) if is_unique_violation(&error) => Err(WriteError::UsernameTaken),
            Err(error) => Err(anyhow::Error::from(error)
                .context("Failed to insert a user")
                .into()),
        }
    }

    /// Saves the writable profile fields and the activation flag; `None` if the user is gone.
    #[tracing::instrument(name = "Update a user's profile", skip_all, fields(user_id = user.id))]
    pub async fn update_profile(&self, user: &User) -> anyhow::Result<Option<User>> {
        let row = sqlx::query(UPDATE_PROFILE)
            .bind(user.id)
            .bind(&user.first_name)
            .bind(&user.last_name)
            .bind(&user.email)
            .bind(i64::from(user.is_active))
            .fetch_optional(self.pool())
            .await
            .context("Failed to update a user's profile")?;
        row.as_ref()
            .map(from_row)
            .transpose()
            .context("Failed to read a user row")
    }

    #[tracing::instrument(name = "Store a password hash", skip(self, hash))]
    pub async fn set_password(&self, user_id: i64, hash: &str) -> anyhow::Result<()> {
        sqlx::query(SET_PASSWORD)
            .bind(user_id)
            .bind(hash)
            .execute(self.pool())
            .await
            .context("Failed to store a password hash")?;
        Ok(())
    }

    /// A password reset: the new hash and the login time that invalidates outstanding links.
    /// Applies only if the hash is still `seen_hash`, so one link resets once; returns whether
    /// it applied.
    #[tracing::instrument(name = "Reset a password", skip(self, seen_hash, hash))]
    pub async fn reset_password(
        &self,
        user_id: i64,
        seen_hash: &str,
        hash: &str,
        last_login: i64,
    ) -> anyhow::Result<bool> {
        let done = sqlx::query(SET_PASSWORD_AND_LAST_LOGIN)
            .bind(user_id)
            .bind(hash)
            .bind(last_login)
            .bind(seen_hash)
            .execute(self.pool())
            .await
            .context("Failed to reset a password")?;
        Ok(done.rows_affected() == 1)
    }

    #[tracing::instrument(name = "Change a username", skip(self, username))]
    pub async fn set_username(&self, user_id: i64, username: &str) -> Result<(), WriteError> {
        match sqlx::query(SET_USERNAME)
            .bind(user_id)
            .bind(username)
            .execute(self.pool())
            .await
        {
            Ok(_) => Ok(()),
            Err(error) if is_unique_violation(&error) => Err(WriteError::UsernameTaken),
            Err(error) => Err(anyhow::Error::from(error)
                .context("Failed to change a username")
                .into()),
        }
    }

    /// A username reset: applies only if `last_login` is still what the link was minted for,
    /// so each link works once. Returns whether it applied.
    #[tracing::instrument(name = "Reset a username", skip(self, username))]
    pub async fn reset_username(
        &self,
        user_id: i64,
        username: &str,
        seen_last_login: Option<i64>,
        last_login: i64,
    ) -> Result<bool, WriteError> {
        let result = sqlx::query(SET_USERNAME_AND_LAST_LOGIN)
            .bind(user_id)
            .bind(username)
            .bind(last_login)
            .bind(seen_last_login)
            .execute(self.pool())
            .await;
        match result {
            Ok(done) => Ok(done.rows_affected() == 1),
            Err(error) if is_unique_violation(&error) => Err(WriteError::UsernameTaken),
            Err(error) => Err(anyhow::Error::from(error)
                .context("Failed to reset a username")
                .into()),
        }
    }

    #[tracing::instrument(name = "Set a user's activation", skip(self))]
    pub async fn set_active(&self, user_id: i64, active: bool) -> anyhow::Result<()> {
        sqlx::query(SET_ACTIVE)
            .bind(user_id)
            .bind(i64::from(active))
            .execute(self.pool())
            .await
            .context("Failed to change a user's activation")?;
        Ok(())
    }

    #[tracing::instrument(name = "Delete a user", skip(self))]
    pub async fn delete_user(&self, user_id: i64) -> anyhow::Result<()> {
        sqlx::query(DELETE)
            .bind(user_id)
            .execute(self.pool())
            .await
            .context("Failed to delete a user")?;
        Ok(())
    }

    /// Makes `username` an active staff superuser, creating the account when it is missing.
    #[tracing::instrument(name = "Create or update a superuser", skip(self, hash))]
    pub async fn upsert_superuser(
        &self,
        username: &str,
        email: &str,
        hash: &str,
        now: i64,
    ) -> anyhow::Result<User> {
        let updated = sqlx::query(MAKE_SUPERUSER)
            .bind(username)
            .bind(email)
            .bind(hash)
            .execute(self.pool())
            .await
            .context("Failed to update the superuser")?;
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
                .insert_user(&new)
                .await
                .map_err(|e| anyhow::anyhow!("Failed to create the superuser: {e}"));
        }
        self.find_user_by_username(username)
            .await?
            .context("the superuser vanished while being saved")
    }
}
