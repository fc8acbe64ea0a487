//! Password hashes in Django's encoded form. Every hasher a stock Django accepts verifies
//! (`auth/hashers.rs`); which one new hashes use, and when a stored hash is replaced after a
//! successful check, is the hashing policy's choice. Gatehouse's own Argon2id is
//! `argon2$argon2id$v=19$m=19456,t=2,p=1$salt$hash`. Hashing runs on the blocking pool, at
//! most `max_concurrent` at a time, so it never stalls the async workers.

use std::sync::Arc;

use anyhow::Context;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use secrecy::{ExposeSecret, SecretString};
use subtle::ConstantTimeEq;
use tokio::sync::Semaphore;

use crate::auth::hashers::{self, Hashing, Target};

/// OWASP's minimum for Argon2id: 19 MiB, two passes, one lane.
const ARGON2_MEMORY_KIB: u32 = 19_456;
const ARGON2_ITERATIONS: u32 = 2;
const ARGON2_LANES: u32 = 1;
/// The most memory (1 GiB) and passes a stored Argon2 hash may ask for to be checked.
const MAX_VERIFY_MEMORY_KIB: u32 = 1 << 20;
const MAX_VERIFY_ITERATIONS: u32 = 64;

/// The outcome of checking a password.
#[derive(Debug, PartialEq, Eq)]
pub enum Verification {
    Mismatch,
    /// The password is right; `rehashed` is set when the stored hash should be replaced.
    Match {
        rehashed: Option<String>,
    },
}

impl Verification {
    pub fn is_match(&self) -> bool {
        matches!(self, Self::Match { .. })
    }
}

/// Argon2's working memory, kept between hashes. Allocating 19 MiB per hash on the blocking
/// pool's threads leaves the allocator holding hundreds of megabytes under a login flood; at
/// most one buffer per hashing slot is kept instead.
#[derive(Clone, Default)]
pub struct Workspace(Arc<std::sync::Mutex<Vec<Vec<Block>>>>);

impl Workspace {
    fn run<T>(&self, blocks: usize, work: impl FnOnce(&mut [Block]) -> T) -> T {
        let kept = self.0.lock().expect("the workspace lock is never poisoned").pop();
        let mut buffer = match kept {
            Some(buffer) if buffer.len() == blocks => buffer,
            _ => vec![Block::default(); blocks],
        };
        let outcome = work(&mut buffer);
        if blocks == Self::standard_blocks() {
            self.0.lock().expect("the workspace lock is never poisoned").push(buffer);
        }
        outcome
    }

    fn standard_blocks() -> usize {
        ARGON2_MEMORY_KIB as usize
    }
}

#[derive(Clone)]
pub struct Passwords {
    permits: Arc<Semaphore>,
    hasher: Argon2<'static>,
    workspace: Workspace,
    hashing: Hashing,
    /// Checked for unknown usernames so they cost as much as a wrong password.
    dummy_hash: Arc<str>,
}

impl Passwords {
    /// Gatehouse's own policy: Argon2id for everything.
    pub fn new(max_concurrent: usize) -> Self {
        Self::with_policy(max_concurrent, Hashing::default())
    }

    pub fn with_policy(max_concurrent: usize, hashing: Hashing) -> Self {
        let params = Params::new(ARGON2_MEMORY_KIB, ARGON2_ITERATIONS, ARGON2_LANES, None)
            .expect("the Argon2 parameters are valid");
        let hasher = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
        let workspace = Workspace::default();
        let dummy_hash = encode(&hasher, &workspace, hashing.for_new_account(), "gatehouse dummy password")
            .expect("hashing works")
            .into();
        Self { permits: Arc::new(Semaphore::new(max_concurrent.max(1))), hasher, workspace, hashing, dummy_hash }
    }

    /// Hashes a new account's password.
    pub async fn hash(&self, password: SecretString) -> anyhow::Result<String> {
        self.hash_with(self.hashing.for_new_account(), password).await
    }

    /// Hashes a password that replaces the hash `previous` (a change or a reset).
    pub async fn hash_replacing(&self, password: SecretString, previous: &str) -> anyhow::Result<String> {
        self.hash_with(self.hashing.for_replacement(previous), password).await
    }

    async fn hash_with(&self, target: Target, password: SecretString) -> anyhow::Result<String> {
        let (hasher, workspace) = (self.hasher.clone(), self.workspace.clone());
        self.run(move || encode(&hasher, &workspace, target, password.expose_secret())).await?
    }

    /// Checks `password` against `encoded`, or against a dummy hash when there is no user or
    /// the user has no usable password (an account made through an identity provider), so the
    /// answer takes as long either way.
    pub async fn verify(&self, encoded: Option<String>, password: SecretString) -> anyhow::Result<Verification> {
        let (hasher, workspace, hashing) = (self.hasher.clone(), self.workspace.clone(), self.hashing);
        let (encoded, known) = to_check(encoded, &self.dummy_hash);
        self.run(move || {
            let password = password.expose_secret();
            if !verify_with(&workspace, &encoded, password) || !known {
                return Ok(Verification::Mismatch);
            }
            let rehashed = match hashing.upgrade(&encoded, || !weaker_argon2(&hasher, &encoded)) {
                Some(target) => Some(encode(&hasher, &workspace, target, password)?),
                None => None,
            };
            Ok(Verification::Match { rehashed })
        })
        .await?
    }

    async fn run<T: Send + 'static>(&self, work: impl FnOnce() -> T + Send + 'static) -> anyhow::Result<T> {
        let _permit = self.permits.acquire().await.context("Failed to wait for a hashing slot")?;
        let span = tracing::Span::current();
        tokio::task::spawn_blocking(move || span.in_scope(work))
            .await
            .context("Failed to run password hashing on the blocking pool")
    }
}

/// A new hash of `target`'s algorithm and cost.
fn encode(hasher: &Argon2<'_>, workspace: &Workspace, target: Target, password: &str) -> anyhow::Result<String> {
    match target {
        Target::Argon2 => encode_argon2(hasher, workspace, password),
        other => hashers::encode_other(other, password),
    }
}

fn encode_argon2(hasher: &Argon2<'_>, workspace: &Workspace, password: &str) -> anyhow::Result<String> {
    let failed = |e: argon2::password_hash::Error| anyhow::anyhow!("Failed to hash a password: {e}");
    let salt = SaltString::generate(&mut OsRng);
    let mut salt_bytes = [0u8; 64];
    let salt_bytes = salt.as_salt().decode_b64(&mut salt_bytes).map_err(failed)?;
    let mut out = [0u8; 32];
    let blocks = hasher.params().block_count();
    workspace
        .run(blocks, |memory| hasher.hash_password_into_with_memory(password.as_bytes(), salt_bytes, &mut out, memory))
        .map_err(|e| anyhow::anyhow!("Failed to hash a password: {e}"))?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(hasher.params()).map_err(failed)?,
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(&out).map_err(failed)?),
    };
    Ok(format!("argon2{phc}"))
}

/// Whether `password` matches a Django-encoded hash. Unusable (`!…`) and unknown formats never do.
pub fn verify_encoded(encoded: &str, password: &str) -> bool {
    verify_with(&Workspace::default(), encoded, password)
}

fn verify_with(workspace: &Workspace, encoded: &str, password: &str) -> bool {
    if let Some(phc) = encoded.strip_prefix("argon2$") {
        return verify_argon2(workspace, &format!("${phc}"), password).unwrap_or(false);
    }
    hashers::verify_other(encoded, password).unwrap_or(false)
}

/// Recomputes an Argon2 PHC hash with its own parameters and compares in constant time.
fn verify_argon2(workspace: &Workspace, phc: &str, password: &str) -> Option<bool> {
    let parsed = PasswordHash::new(phc).ok()?;
    let algorithm = Algorithm::try_from(parsed.algorithm).ok()?;
    let version = match parsed.version {
        Some(version) => Version::try_from(version).ok()?,
        None => Version::V0x10,
    };
    let params = Params::try_from(&parsed).ok()?;
    // A stored hash is data: parameters beyond any real deployment's (Django's default is
    // 100 MiB, t=2) would let one row take gigabytes or minutes, so they never verify.
    if params.m_cost() > MAX_VERIFY_MEMORY_KIB || params.t_cost() > MAX_VERIFY_ITERATIONS {
        return None;
    }
    let expected = parsed.hash?;
    let mut salt = [0u8; 64];
    let salt = parsed.salt?.decode_b64(&mut salt).ok()?;
    let hasher = Argon2::new(algorithm, version, params.clone());
    let mut out = vec![0u8; expected.len()];
    workspace
        .run(params.block_count(), |memory| {
            hasher.hash_password_into_with_memory(password.as_bytes(), salt, &mut out, memory)
        })
        .ok()?;
    Some(bool::from(out.as_slice().ct_eq(expected.as_bytes())))
}

/// Django's PBKDF2-SHA256 encoding of a password.
pub fn pbkdf2_sha256(password: &str, salt: &str, iterations: u32) -> String {
    hashers::pbkdf2(false, password, salt, iterations)
}

/// Whether an `argon2$…` hash is anything but Argon2id with at least Gatehouse's parameters.
fn weaker_argon2(hasher: &Argon2<'_>, encoded: &str) -> bool {
    let Some(phc) = encoded.strip_prefix("argon2") else {
        return true;
    };
    let Ok(parsed) = PasswordHash::new(phc) else {
        return true;
    };
    let Ok(params) = Params::try_from(&parsed) else {
        return true;
    };
    let current = hasher.params();
    parsed.algorithm.as_str() != "argon2id"
        || params.m_cost() < current.m_cost()
        || params.t_cost() < current.t_cost()
        || params.p_cost() < current.p_cost()
}

/// Django's unusable password: `!` and 40 random characters. It never verifies.
pub fn unusable() -> String {
    format!("!{}", crate::auth::random::alphanumeric(40))
}

/// Whether a hash is of a hasher Gatehouse checks (`auth/hashers.rs`).
pub fn can_verify(encoded: &str) -> bool {
    hashers::read(encoded) != hashers::Stored::Other
}

/// The hash a password is checked against: the stored one when it can verify, else `dummy`;
/// and whether it was the stored one.
fn to_check(stored: Option<String>, dummy: &str) -> (String, bool) {
    match stored {
        Some(stored) if is_usable(&stored) => (stored, true),
        _ => (dummy.to_owned(), false),
    }
}

/// Whether a stored hash can ever verify (Django's `has_usable_password`).
pub fn is_usable(encoded: &str) -> bool {
    !encoded.starts_with('!')
}

#[cfg(test)]
mod tests {
    use super::*;

    const PASSWORD: &str = "s3cretPassw0rd!";
    const SALT: &str = "saltsaltsaltsaltsalt22";

    #[test]
    fn pbkdf2_matches_the_spec_vector_for_django_5_2() {
        assert_eq!(
            pbkdf2_sha256(PASSWORD, SALT, 1_000_000),
            "pbkdf2_sha256$1000000$saltsaltsaltsaltsalt22$nBXXmcMzFD6MEpL7cIe/PTymaCoonMHVLEJAI4r3rt8="
        );
    }

    #[test]
    fn pbkdf2_hashes_of_django_6_0_and_6_1_verify() {
        assert!(verify_encoded(
            "pbkdf2_sha256$1200000$saltsaltsaltsaltsalt22$AP4Olgd8djVo8+0y15iKAj8V+6ymc6ZNmePoxrCsW48=",
            PASSWORD
        ));
        assert!(verify_encoded(
            "pbkdf2_sha256$1500000$saltsaltsaltsaltsalt22$Pr/8GR2drI3CuBCf943fZVL2MGxDn33B4JYVdxKeygs=",
            PASSWORD
        ));
        assert!(!verify_encoded(
            "pbkdf2_sha256$1500000$saltsaltsaltsaltsalt22$Pr/8GR2drI3CuBCf943fZVL2MGxDn33B4JYVdxKeygs=",
            "wrong"
        ));
    }

    #[tokio::test]
    async fn a_new_hash_is_django_argon2id_and_verifies() {
        let passwords = Passwords::new(2);
        let encoded = passwords.hash(SecretString::from("correct horse")).await.unwrap();
        assert!(encoded.starts_with("argon2$argon2id$v=19$m=19456,t=2,p=1$"), "{encoded}");
        assert!(verify_encoded(&encoded, "correct horse"));
        assert!(!verify_encoded(&encoded, "correct horse!"));
        let verification = passwords.verify(Some(encoded), SecretString::from("correct horse")).await.unwrap();
        assert_eq!(verification, Verification::Match { rehashed: None });
    }

    #[tokio::test]
    async fn a_matching_pbkdf2_hash_is_rehashed_to_argon2id() {
        let passwords = Passwords::new(1);
        let encoded = pbkdf2_sha256(PASSWORD, SALT, 1000);
        match passwords.verify(Some(encoded), SecretString::from(PASSWORD)).await.unwrap() {
            Verification::Match { rehashed: Some(new) } => assert!(verify_encoded(&new, PASSWORD)),
            other => panic!("expected a rehash, got {other:?}"),
        }
    }

    #[test]
    fn an_unknown_user_and_an_unusable_password_are_checked_against_the_dummy_hash_alike() {
        let dummy = "argon2$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA";
        assert_eq!(to_check(None, dummy), (dummy.to_owned(), false));
        assert_eq!(to_check(Some(unusable()), dummy), (dummy.to_owned(), false));
        let stored = "pbkdf2_sha256$1000000$salt$hash".to_owned();
        assert_eq!(to_check(Some(stored.clone()), dummy), (stored, true));
    }

    #[tokio::test]
    async fn an_unknown_user_never_matches() {
        let passwords = Passwords::new(1);
        let verification = passwords.verify(None, SecretString::from("gatehouse dummy password")).await.unwrap();
        assert_eq!(verification, Verification::Mismatch);
    }

    #[test]
    fn unusable_and_unknown_formats_never_verify() {
        assert!(!verify_encoded(&unusable(), ""));
        assert!(!is_usable(&unusable()));
        assert!(!verify_encoded("md5$salt$hash", "x"));
        assert!(!verify_encoded("argon2$garbage", "x"));
    }
}
