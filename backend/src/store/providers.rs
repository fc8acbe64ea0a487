//! Identity providers: `gatehouse_identities`, an account's links to providers (by the
//! provider's subject), and `gatehouse_provider_states`, each sign-in sent to a provider
//! between its authorization URL and the provider's answer, used once.

use anyhow::Context;
use sqlx::Row;

use super::statement::{Read, Write};
use super::Store;

const FIND: Read = Read::new("SELECT user_id FROM gatehouse_identities WHERE provider = $1 AND subject = $2");
const OF_USER: Read = Read::new(
    "SELECT provider, subject, email, created_at, last_used_at FROM gatehouse_identities WHERE user_id = $1 \
     ORDER BY created_at, provider",
);
const LINK: Write = Write::new(
    "INSERT INTO gatehouse_identities (provider, subject, user_id, email, created_at, last_used_at) \
     VALUES ($1, $2, $3, $4, $5, $5)",
);
const USED: Write =
    Write::new("UPDATE gatehouse_identities SET last_used_at = $3, email = $4 WHERE provider = $1 AND subject = $2");
const UNLINK: Write = Write::new("DELETE FROM gatehouse_identities WHERE user_id = $1 AND provider = $2");
/// Everything of a user's links (a deleted account).
pub(super) const CLEAR: &[Write] = &[
    Write::new("DELETE FROM gatehouse_identities WHERE user_id = $1"),
    Write::new("DELETE FROM gatehouse_provider_states WHERE user_id = $1"),
];
const OPEN: Write = Write::new(
    "INSERT INTO gatehouse_provider_states (digest, provider, redirect_uri, nonce, pkce_verifier, user_id, expires_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7)",
);
const FIND_STATE: Read = Read::new(
    "SELECT provider, redirect_uri, nonce, pkce_verifier, user_id FROM gatehouse_provider_states \
     WHERE digest = $1 AND used_at IS NULL AND expires_at > $2",
);
/// Uses a state up: of two requests with one answer, one does.
const CLOSE: Write = Write::new(
    "UPDATE gatehouse_provider_states SET used_at = $2 WHERE digest = $1 AND used_at IS NULL AND expires_at > $2",
);
const PURGE: Write = Write::new("DELETE FROM gatehouse_provider_states WHERE expires_at < $1");

/// A sign-in waiting for its provider's answer.
#[derive(Debug, Clone)]
pub struct ProviderState {
    pub provider: String,
    pub redirect_uri: String,
    pub nonce: String,
    pub pkce_verifier: String,
    /// The account a link is for; `None` for a sign-in.
    pub user_id: Option<i64>,
}

/// An account's link to a provider.
#[derive(Debug, Clone)]
pub struct IdentityRow {
    pub provider: String,
    pub subject: String,
    /// The e-mail address the provider gave at the last sign-in.
    pub email: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

impl Store {
    /// Records a sign-in sent to a provider under the digest of its `state`.
    pub async fn open_provider_state(
        &self,
        digest: &str,
        state: &ProviderState,
        expires_at: i64,
    ) -> anyhow::Result<()> {
        let turn = self.write_turn().await;
        turn.query(OPEN)
            .bind(digest)
            .bind(&state.provider)
            .bind(&state.redirect_uri)
            .bind(&state.nonce)
            .bind(&state.pkce_verifier)
            .bind(state.user_id)
            .bind(expires_at)
            .execute(&self.pool)
            .await
            .context("Failed to record a sign-in sent to a provider")?;
        Ok(())
    }

    /// Takes a live state, once: `None` if it is unknown, expired or already taken.
    pub async fn take_provider_state(&self, digest: &str, now: i64) -> anyhow::Result<Option<ProviderState>> {
        let row = FIND_STATE.query().bind(digest).bind(now).fetch_optional(&self.pool).await?;
        let Some(row) = row else { return Ok(None) };
        let state = ProviderState {
            provider: row.try_get("provider")?,
            redirect_uri: row.try_get("redirect_uri")?,
            nonce: row.try_get("nonce")?,
            pkce_verifier: row.try_get("pkce_verifier")?,
            user_id: row.try_get("user_id")?,
        };
        let turn = self.write_turn().await;
        let closed = turn.query(CLOSE).bind(digest).bind(now).execute(&self.pool).await;
        let taken = closed.context("Failed to close a provider's sign-in")?.rows_affected() == 1;
        Ok(taken.then_some(state))
    }

    pub async fn purge_provider_states(&self, now: i64) -> anyhow::Result<u64> {
        let turn = self.write_turn().await;
        let done = turn.query(PURGE).bind(now).execute(&self.pool).await;
        Ok(done.context("Failed to purge old provider sign-ins")?.rows_affected())
    }

    /// The account linked to `subject` at `provider`.
    pub async fn find_identity(&self, provider: &str, subject: &str) -> anyhow::Result<Option<i64>> {
        let found = FIND.scalar().bind(provider).bind(subject).fetch_optional(&self.pool).await;
        found.context("Failed to look an identity up")
    }

    /// The account's links, oldest first.
    pub async fn identities(&self, user_id: i64) -> anyhow::Result<Vec<IdentityRow>> {
        let rows = OF_USER.query().bind(user_id).fetch_all(&self.pool).await.context("Failed to list identities")?;
        rows.iter()
            .map(|row| {
                Ok(IdentityRow {
                    provider: row.try_get("provider")?,
                    subject: row.try_get("subject")?,
                    email: row.try_get("email")?,
                    created_at: row.try_get("created_at")?,
                    last_used_at: row.try_get("last_used_at")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .context("Failed to read an identity")
    }

    /// Links `subject` at `provider` to the account; `false` when that subject is linked
    /// already (to this account or another).
    pub async fn link_identity(
        &self,
        provider: &str,
        subject: &str,
        user_id: i64,
        email: &str,
        now: i64,
    ) -> anyhow::Result<bool> {
        let turn = self.write_turn().await;
        let done =
            turn.query(LINK).bind(provider).bind(subject).bind(user_id).bind(email).bind(now).execute(&self.pool).await;
        match done {
            Ok(_) => Ok(true),
            Err(sqlx::Error::Database(error)) if error.is_unique_violation() => Ok(false),
            Err(error) => Err(error).context("Failed to link an identity"),
        }
    }

    /// Records a sign-in through a link, with the e-mail address the provider gave.
    pub async fn identity_used(&self, provider: &str, subject: &str, email: &str, now: i64) -> anyhow::Result<()> {
        let turn = self.write_turn().await;
        let done = turn.query(USED).bind(provider).bind(subject).bind(now).bind(email).execute(&self.pool).await;
        done.context("Failed to record an identity's use")?;
        Ok(())
    }

    /// Removes the account's link to `provider`; `false` when there was none.
    pub async fn unlink_identity(&self, user_id: i64, provider: &str) -> anyhow::Result<bool> {
        let turn = self.write_turn().await;
        let done = turn.query(UNLINK).bind(user_id).bind(provider).execute(&self.pool).await;
        Ok(done.context("Failed to unlink an identity")?.rows_affected() > 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::test_store;

    fn waiting(provider: &str) -> ProviderState {
        ProviderState {
            provider: provider.to_owned(),
            redirect_uri: "http://localhost/o/acme/callback".to_owned(),
            nonce: "nonce".to_owned(),
            pkce_verifier: "verifier".to_owned(),
            user_id: None,
        }
    }

    #[tokio::test]
    async fn a_state_is_taken_once_and_never_after_it_expires() {
        let dir = tempfile::tempdir().unwrap();
        let store = test_store(dir.path(), true).await;
        store.open_provider_state("a", &waiting("acme"), 200).await.unwrap();
        store.open_provider_state("b", &waiting("acme"), 200).await.unwrap();
        assert_eq!(store.take_provider_state("a", 100).await.unwrap().unwrap().provider, "acme");
        assert!(store.take_provider_state("a", 100).await.unwrap().is_none(), "a second time");
        assert!(store.take_provider_state("b", 200).await.unwrap().is_none(), "expired");
        assert!(store.take_provider_state("c", 100).await.unwrap().is_none(), "unknown");
        assert_eq!(store.purge_provider_states(300).await.unwrap(), 2);
    }

    #[tokio::test]
    async fn a_subject_is_linked_to_one_account_and_unlinked_by_provider() {
        let dir = tempfile::tempdir().unwrap();
        let store = test_store(dir.path(), true).await;
        assert!(store.link_identity("acme", "sub-1", 1, "a@example.com", 10).await.unwrap());
        assert!(!store.link_identity("acme", "sub-1", 2, "a@example.com", 11).await.unwrap());
        assert!(store.link_identity("other", "sub-1", 2, "b@example.com", 12).await.unwrap());
        assert_eq!(store.find_identity("acme", "sub-1").await.unwrap(), Some(1));
        assert_eq!(store.find_identity("other", "sub-1").await.unwrap(), Some(2));
        store.identity_used("acme", "sub-1", "new@example.com", 20).await.unwrap();
        let links = store.identities(1).await.unwrap();
        assert_eq!((links.len(), links[0].email.as_str(), links[0].last_used_at), (1, "new@example.com", Some(20)));
        assert!(!store.unlink_identity(2, "acme").await.unwrap(), "not this account's");
        assert!(store.unlink_identity(1, "acme").await.unwrap());
        assert_eq!(store.find_identity("acme", "sub-1").await.unwrap(), None);
    }
}
