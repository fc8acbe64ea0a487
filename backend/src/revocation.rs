//! Which sessions have ended, as this instance knows it without asking the database: access
//! tokens are checked against it on every authenticated request.
//!
//! A session ended here is known at once; one ended by another instance sharing the database
//! is learnt by polling, once a second, for the sessions that ended in the last
//! [`OVERLAP`] seconds. The overlap covers a transaction that commits a little after the time
//! it wrote and clocks that disagree by a few seconds. An ended session is remembered for as
//! long as an access token issued before its end can live.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use crate::clock;
use crate::store::Store;

/// How far back each poll looks, in seconds.
pub const OVERLAP: i64 = 30;
/// How often the database is asked.
pub const POLL: Duration = Duration::from_secs(1);

#[derive(Default)]
pub struct Revocations {
    /// Ended sessions, with when they ended.
    ended: RwLock<HashMap<String, i64>>,
}

impl Revocations {
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// Whether the session `sid` is known to have ended.
    pub fn is_ended(&self, sid: &str) -> bool {
        self.ended.read().expect("the revocation set is never poisoned").contains_key(sid)
    }

    /// Remembers that these sessions ended at `at`.
    pub fn note(&self, ids: impl IntoIterator<Item = String>, at: i64) {
        self.remember(ids.into_iter().map(|id| (id, at)));
    }

    /// Remembers ended sessions, each with when it ended.
    fn remember(&self, ended: impl IntoIterator<Item = (String, i64)>) {
        let mut set = self.ended.write().expect("the revocation set is never poisoned");
        for (id, at) in ended {
            set.entry(id).or_insert(at);
        }
    }

    /// Forgets sessions that ended before `before`: their access tokens have expired.
    fn forget_before(&self, before: i64) {
        self.ended.write().expect("the revocation set is never poisoned").retain(|_, at| *at >= before);
    }

    /// Reads the sessions that ended since `since` into the set.
    pub async fn refresh_from(&self, store: &Store, since: i64) -> anyhow::Result<()> {
        self.remember(store.sessions_ended_since(since).await?);
        Ok(())
    }
}

/// Loads the sessions ended within `memory` seconds (the access token lifetime and the
/// overlap), then polls every [`POLL`] for as long as the server runs.
pub fn spawn_polling(store: Store, revocations: Arc<Revocations>, memory: i64) {
    tokio::spawn(async move {
        let mut since = clock::now_seconds() - memory;
        let mut every_second = tokio::time::interval(POLL);
        every_second.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every_second.tick().await;
            let now = clock::now_seconds();
            match revocations.refresh_from(&store, since).await {
                Ok(()) => since = now - OVERLAP,
                Err(error) => tracing::warn!(error = format!("{error:#}"), "could not read the ended sessions"),
            }
            revocations.forget_before(now - memory);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ended_session_is_remembered_until_its_access_tokens_have_expired() {
        let revocations = Revocations::default();
        revocations.note(["a".to_owned()], 100);
        revocations.note(["b".to_owned()], 200);
        assert!(revocations.is_ended("a") && revocations.is_ended("b"));
        assert!(!revocations.is_ended("c"));

        revocations.forget_before(150);
        assert!(!revocations.is_ended("a"));
        assert!(revocations.is_ended("b"));
    }
}
