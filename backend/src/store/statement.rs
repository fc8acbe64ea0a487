//! Every SQL statement is declared as what it does: a [`Read`] or a [`Write`]. A write's text
//! can only be taken from a [`WriteTurn`], so a write that has not waited for this process's
//! turn does not compile. On SQLite the turn queues this process's writers in order
//! (`sqlite/`); on PostgreSQL, which takes concurrent writers, it is free.

use sqlx::any::AnyArguments;
use sqlx::query::{Query, QueryScalar};
use sqlx::Any;

/// A statement that only reads.
#[derive(Debug, Clone, Copy)]
pub struct Read(&'static str);

/// A statement that changes the database.
#[derive(Debug, Clone, Copy)]
pub struct Write(&'static str);

impl Read {
    pub const fn new(sql: &'static str) -> Self {
        Self(sql)
    }

    pub fn sql(self) -> &'static str {
        self.0
    }

    pub fn query<'q>(self) -> Query<'q, Any, AnyArguments<'q>> {
        sqlx::query(self.0)
    }

    pub fn scalar<'q, O>(self) -> QueryScalar<'q, Any, O, AnyArguments<'q>>
    where
        (O,): for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow>,
    {
        sqlx::query_scalar(self.0)
    }
}

impl Write {
    pub const fn new(sql: &'static str) -> Self {
        Self(sql)
    }

    #[cfg(test)]
    pub fn sql_text(self) -> &'static str {
        self.0
    }
}

/// This process's turn to write, held until dropped. Only the store hands one out.
pub struct WriteTurn<'s> {
    queued: Option<tokio::sync::MutexGuard<'s, ()>>,
}

impl<'s> WriteTurn<'s> {
    pub(super) fn new(queued: Option<tokio::sync::MutexGuard<'s, ()>>) -> Self {
        Self { queued }
    }

    /// Whether this turn holds SQLite's queue (it is free on PostgreSQL).
    pub(super) fn is_queued(&self) -> bool {
        self.queued.is_some()
    }

    /// The write, ready for its parameters, for the pool or a transaction.
    pub fn query<'q>(&self, statement: Write) -> Query<'q, Any, AnyArguments<'q>> {
        sqlx::query(statement.0)
    }

    /// The write's text, for a direct SQLite connection.
    pub fn sql(&self, statement: Write) -> &'static str {
        statement.0
    }
}
