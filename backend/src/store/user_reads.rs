//! The account behind a bearer token, read on PostgreSQL for every request waiting at that
//! moment with one statement.
//!
//! Every authenticated request reads its account by id. Alone, that is one round trip per
//! request, and a round trip costs the server and the database a wake-up on each side, more
//! than finding the row (BENCHMARKS.md). Under load many such requests wait at once, so they
//! read together: the request that finds no read gathering starts one, as a task of its own
//! that runs after the requests its thread is about to take up; each request that arrives
//! before that task runs leaves its id in the list; the task takes the list, reads every
//! account in it with one statement (`id = ANY(...)`), and answers each request.
//!
//! A request never joins a statement already sent, so its answer is read after it arrived and
//! shows every change committed before it: a client that changed its account and then reads
//! it sees the change, whichever instance it asks. On an idle server the list holds one id,
//! and the read is the one it would have been, one pass of the thread's scheduler later.
//!
//! On SQLite the account is read in place on the request's thread (`sqlite/direct.rs`), where
//! there is no round trip to save.

use std::sync::{Mutex, MutexGuard, PoisonError};

use anyhow::Context;
use tokio::sync::oneshot;

use super::users::user_of;
use super::Store;
use crate::domain::user::User;

/// The requests waiting for a read that has not started: at most one task is on its way to
/// take them, started by the request that found the list empty.
#[derive(Debug, Default)]
pub struct UserReads {
    waiting: Mutex<Vec<Waiting>>,
}

/// A request's id, and where its account goes.
#[derive(Debug)]
struct Waiting {
    id: i64,
    answer: oneshot::Sender<anyhow::Result<Option<User>>>,
}

impl UserReads {
    fn waiting(&self) -> MutexGuard<'_, Vec<Waiting>> {
        self.waiting.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Store {
    /// The account with this id, read together with the others asked for meanwhile.
    pub(super) async fn find_user_together(&self, id: i64) -> anyhow::Result<Option<User>> {
        let (answer, answered) = oneshot::channel();
        let starts = {
            let mut waiting = self.user_reads.waiting();
            waiting.push(Waiting { id, answer });
            waiting.len() == 1
        };
        if starts {
            let store = self.clone();
            // A task of its own, so that the read is made and every request answered even
            // when the request that started it is cancelled.
            tokio::spawn(async move {
                // After the requests whose bytes this thread has read, and the next look at the
                // sockets: they leave their ids beside this one.
                tokio::task::yield_now().await;
                store.read_waiting_users().await;
            });
        }
        answered.await.context("The read of the account was abandoned")?
    }

    /// Reads the accounts of every request waiting, with one statement, and answers each.
    async fn read_waiting_users(&self) {
        let waiting = std::mem::take(&mut *self.user_reads.waiting());
        if waiting.is_empty() {
            return;
        }
        let mut ids: Vec<i64> = waiting.iter().map(|request| request.id).collect();
        ids.sort_unstable();
        ids.dedup();
        let read = self.sql.users.find_by_ids.query().bind(array_literal(&ids)).fetch_all(&self.pool).await;
        let users = read.context("Failed to look users up by id").and_then(|rows| {
            rows.iter().map(user_of).collect::<Result<Vec<_>, _>>().context("Failed to read a user row")
        });
        match users {
            Ok(users) => {
                for request in waiting {
                    let user = users.iter().find(|user| user.id == request.id).cloned();
                    let _ = request.answer.send(Ok(user));
                }
            }
            Err(error) => {
                for request in waiting {
                    let _ = request.answer.send(Err(anyhow::anyhow!("{error:#}")));
                }
            }
        }
    }
}

/// PostgreSQL's text for an array of integers: `{1,2,3}`.
fn array_literal(ids: &[i64]) -> String {
    let listed: Vec<String> = ids.iter().map(i64::to_string).collect();
    format!("{{{}}}", listed.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_written_as_postgresql_reads_an_array() {
        assert_eq!(array_literal(&[7]), "{7}");
        assert_eq!(array_literal(&[-2, 3, 40]), "{-2,3,40}");
    }
}
