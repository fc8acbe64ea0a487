//! Passkeys in `gatehouse_mfa_factors` (kind `passkey`: the public key and counter as JSON in
//! `secret`, found by `credential_id`), and `gatehouse_passkey_ceremonies`: the state between
//! a ceremony's options and the authenticator's answer, used once.

use anyhow::Context;
use sqlx::Row;

use super::mfa::{factor_of, FactorRow, BY_CREDENTIAL};
use super::statement::{Read, Write};
use super::Store;

const ADD: Write = Write::new(
    "INSERT INTO gatehouse_mfa_factors (id, user_id, kind, name, secret, created_at, confirmed_at, credential_id, \
     user_handle) VALUES ($1, $2, $3, $4, $5, $6, $6, $7, $8)",
);
const USER_HANDLE: Read = Read::new(
    "SELECT user_handle FROM gatehouse_mfa_factors WHERE user_id = $1 AND user_handle IS NOT NULL \
     ORDER BY created_at LIMIT 1",
);
/// A passkey's counter or backup state after a use.
const USED: Write = Write::new("UPDATE gatehouse_mfa_factors SET secret = $2, last_used_at = $3 WHERE id = $1");
const OPEN: Write = Write::new(
    "INSERT INTO gatehouse_passkey_ceremonies (digest, user_id, purpose, state, expires_at) VALUES ($1, $2, $3, $4, $5)",
);
const FIND_CEREMONY: Read = Read::new(
    "SELECT user_id, purpose, state FROM gatehouse_passkey_ceremonies \
     WHERE digest = $1 AND used_at IS NULL AND expires_at > $2",
);
/// Uses a ceremony up: of two requests with one answer, one does.
const CLOSE: Write = Write::new(
    "UPDATE gatehouse_passkey_ceremonies SET used_at = $2 WHERE digest = $1 AND used_at IS NULL AND expires_at > $2",
);
const PURGE: Write = Write::new("DELETE FROM gatehouse_passkey_ceremonies WHERE expires_at < $1");

/// A passkey being added.
pub struct NewPasskey<'a> {
    pub id: &'a str,
    pub user_id: i64,
    pub kind: &'a str,
    pub name: &'a str,
    /// The passkey as JSON.
    pub key: &'a str,
    pub credential_id: &'a str,
    pub user_handle: &'a str,
    pub now: i64,
}

/// A ceremony waiting for the authenticator's answer.
#[derive(Debug, Clone)]
pub struct Ceremony {
    pub user_id: Option<i64>,
    pub purpose: String,
    pub state: String,
}

/// What starts a ceremony.
pub struct NewCeremony<'a> {
    pub digest: &'a str,
    pub user_id: Option<i64>,
    pub purpose: &'a str,
    pub state: &'a str,
    pub expires_at: i64,
}

impl Store {
    /// Records an active passkey; `false` when its credential is registered already (with this
    /// account or another).
    pub async fn add_passkey(&self, passkey: NewPasskey<'_>) -> anyhow::Result<bool> {
        if self.find_passkey(passkey.credential_id).await?.is_some() {
            return Ok(false);
        }
        let turn = self.write_turn().await;
        let done = turn
            .query(ADD)
            .bind(passkey.id)
            .bind(passkey.user_id)
            .bind(passkey.kind)
            .bind(passkey.name)
            .bind(passkey.key)
            .bind(passkey.now)
            .bind(passkey.credential_id)
            .bind(passkey.user_handle)
            .execute(&self.pool)
            .await;
        match done {
            Ok(_) => Ok(true),
            // Registered by a concurrent request between the look and the insert.
            Err(sqlx::Error::Database(error)) if error.is_unique_violation() => Ok(false),
            Err(error) => Err(error).context("Failed to record a passkey"),
        }
    }

    /// The active passkey with this credential id, and its account.
    pub async fn find_passkey(&self, credential_id: &str) -> anyhow::Result<Option<(i64, FactorRow)>> {
        let row = BY_CREDENTIAL.query().bind(credential_id).fetch_optional(&self.pool).await?;
        let Some(row) = row else { return Ok(None) };
        let user_id: i64 = row.try_get("user_id").context("Failed to read a passkey's account")?;
        Ok(Some((user_id, factor_of(&row).context("Failed to read a passkey")?)))
    }

    /// The id the account's passkeys carry on their authenticators, if it has one.
    pub async fn passkey_user_handle(&self, user_id: i64) -> anyhow::Result<Option<String>> {
        let found = USER_HANDLE.scalar().bind(user_id).fetch_optional(&self.pool).await;
        found.context("Failed to read the account's passkey id")
    }

    /// Records a passkey's use, with its stored form as the authenticator left it.
    pub async fn passkey_used(&self, id: &str, key: &str, now: i64) -> anyhow::Result<()> {
        let turn = self.write_turn().await;
        turn.query(USED)
            .bind(id)
            .bind(key)
            .bind(now)
            .execute(&self.pool)
            .await
            .context("Failed to record a passkey's use")?;
        Ok(())
    }

    pub async fn open_ceremony(&self, ceremony: NewCeremony<'_>) -> anyhow::Result<()> {
        let turn = self.write_turn().await;
        turn.query(OPEN)
            .bind(ceremony.digest)
            .bind(ceremony.user_id)
            .bind(ceremony.purpose)
            .bind(ceremony.state)
            .bind(ceremony.expires_at)
            .execute(&self.pool)
            .await
            .context("Failed to record a passkey ceremony")?;
        Ok(())
    }

    /// Takes a live ceremony, once: `None` if it is unknown, expired or already taken.
    pub async fn take_ceremony(&self, digest: &str, now: i64) -> anyhow::Result<Option<Ceremony>> {
        let row = FIND_CEREMONY.query().bind(digest).bind(now).fetch_optional(&self.pool).await?;
        let Some(row) = row else { return Ok(None) };
        let ceremony = Ceremony {
            user_id: row.try_get("user_id")?,
            purpose: row.try_get("purpose")?,
            state: row.try_get("state")?,
        };
        let turn = self.write_turn().await;
        let closed = turn.query(CLOSE).bind(digest).bind(now).execute(&self.pool).await;
        let taken = closed.context("Failed to close a passkey ceremony")?.rows_affected() == 1;
        Ok(taken.then_some(ceremony))
    }

    pub async fn purge_ceremonies(&self, now: i64) -> anyhow::Result<u64> {
        let turn = self.write_turn().await;
        let done = turn.query(PURGE).bind(now).execute(&self.pool).await;
        Ok(done.context("Failed to purge old passkey ceremonies")?.rows_affected())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::test_store;

    fn ceremony<'a>(digest: &'a str, expires_at: i64) -> NewCeremony<'a> {
        NewCeremony { digest, user_id: None, purpose: "sign_in", state: "{}", expires_at }
    }

    #[tokio::test]
    async fn a_ceremony_is_taken_once_and_never_after_it_expires() {
        let dir = tempfile::tempdir().unwrap();
        let store = test_store(dir.path(), true).await;
        store.open_ceremony(ceremony("a", 200)).await.unwrap();
        store.open_ceremony(ceremony("b", 200)).await.unwrap();
        assert_eq!(store.take_ceremony("a", 100).await.unwrap().unwrap().purpose, "sign_in");
        assert!(store.take_ceremony("a", 100).await.unwrap().is_none(), "a second time");
        assert!(store.take_ceremony("b", 200).await.unwrap().is_none(), "expired");
        assert!(store.take_ceremony("c", 100).await.unwrap().is_none(), "unknown");
        assert_eq!(store.purge_ceremonies(300).await.unwrap(), 2);
    }

    #[tokio::test]
    async fn a_credential_is_registered_once_whichever_account_asks() {
        let dir = tempfile::tempdir().unwrap();
        let store = test_store(dir.path(), true).await;
        let key = |id: &'static str, user_id| NewPasskey {
            id,
            user_id,
            kind: "passkey",
            name: "Laptop",
            key: "{}",
            credential_id: "cred",
            user_handle: "handle",
            now: 1,
        };
        assert!(store.add_passkey(key("one", 1)).await.unwrap());
        assert!(!store.add_passkey(key("two", 1)).await.unwrap());
        assert!(!store.add_passkey(key("three", 2)).await.unwrap());
        let (user_id, row) = store.find_passkey("cred").await.unwrap().unwrap();
        assert_eq!((user_id, row.id.as_str(), row.kind.as_str()), (1, "one", "passkey"));
        assert_eq!(store.passkey_user_handle(1).await.unwrap().as_deref(), Some("handle"));
        assert_eq!(store.passkey_user_handle(2).await.unwrap(), None);
    }
}
