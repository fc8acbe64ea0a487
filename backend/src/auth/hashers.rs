//! The password hashers a stock Django accepts (`PASSWORD_HASHERS`' default list), each in
//! Django's encoded form, and the policy that says which one a new hash uses and when a
//! stored hash is replaced after a successful check (`GATEHOUSE_PASSWORD_HASHER`):
//!
//! - `argon2`: every hash becomes Gatehouse's Argon2id (the default of Gatehouse's own tables);
//! - `pbkdf2_sha256`: Django's default hasher, re-hashed exactly when Django's `must_update`
//!   says so (another algorithm, another iteration count, a short salt), so Gatehouse and a
//!   Django on the same table agree and never undo each other's work;
//! - `follow`: each hash keeps its algorithm and only its cost is raised; new accounts get
//!   `pbkdf2_sha256`.
//!
//! A stored hash is data: costs beyond any real deployment's are refused, not computed.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use sha1::Sha1;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// Django 5.2's PBKDF2 iterations (`PBKDF2PasswordHasher.iterations`).
pub const DJANGO_PBKDF2_ITERATIONS: u32 = 1_000_000;
/// Django's `BCryptSHA256PasswordHasher.rounds`.
const BCRYPT_ROUNDS: u32 = 12;
/// Django's `ScryptPasswordHasher`: n = 2^14, r = 8, p = 5, 64 bytes.
const SCRYPT_LOG_N: u8 = 14;
const SCRYPT_R: u32 = 8;
const SCRYPT_P: u32 = 5;
const SCRYPT_LENGTH: usize = 64;
/// Django's salts: 22 characters of `[a-zA-Z0-9]`, at least 128 bits.
const SALT_LENGTH: usize = 22;

/// The most work a stored hash may ask for to be checked.
const MAX_PBKDF2_ITERATIONS: u32 = 50_000_000;
const MAX_BCRYPT_ROUNDS: u32 = 16;
/// 128 · n · r bytes of scrypt memory: at most 256 MiB (Django's default takes 16 MiB).
const MAX_SCRYPT_MEMORY: u64 = 256 << 20;
const MAX_SCRYPT_P: u32 = 16;

/// `GATEHOUSE_PASSWORD_HASHER`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashPolicy {
    Argon2,
    Pbkdf2Sha256,
    Follow,
}

impl HashPolicy {
    pub const NAMES: &'static str = "argon2, pbkdf2_sha256 or follow";

    pub fn parse(name: &str) -> Option<Self> {
        match name.trim() {
            "argon2" => Some(Self::Argon2),
            "pbkdf2_sha256" => Some(Self::Pbkdf2Sha256),
            "follow" => Some(Self::Follow),
            _ => None,
        }
    }
}

/// The policy with its cost setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hashing {
    pub policy: HashPolicy,
    /// `GATEHOUSE_PBKDF2_ITERATIONS`: Django's count for the Django release beside it.
    pub pbkdf2_iterations: u32,
}

impl Default for Hashing {
    fn default() -> Self {
        Self { policy: HashPolicy::Argon2, pbkdf2_iterations: DJANGO_PBKDF2_ITERATIONS }
    }
}

/// What a new hash is computed with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// Gatehouse's Argon2id parameters (`auth/password.rs`).
    Argon2,
    Pbkdf2Sha256 {
        iterations: u32,
    },
    Pbkdf2Sha1 {
        iterations: u32,
    },
    BcryptSha256 {
        rounds: u32,
    },
    Scrypt,
}

/// A stored hash, read.
#[derive(Debug, PartialEq, Eq)]
pub enum Stored<'a> {
    /// `argon2$…`: checked and compared by `auth/password.rs`.
    Argon2,
    Pbkdf2 {
        sha1: bool,
        iterations: u32,
        salt: &'a str,
    },
    BcryptSha256 {
        rounds: u32,
    },
    Scrypt {
        log_n: u8,
        r: u32,
        p: u32,
    },
    /// Unusable (`!…`), of a hasher Django no longer enables by default, or malformed.
    Other,
}

/// Reads the algorithm and costs of an encoded hash.
pub fn read(encoded: &str) -> Stored<'_> {
    let (algorithm, rest) = encoded.split_once('$').unwrap_or((encoded, ""));
    let parsed = match algorithm {
        "argon2" => Some(Stored::Argon2),
        "pbkdf2_sha256" | "pbkdf2_sha1" => read_pbkdf2(rest, algorithm == "pbkdf2_sha1"),
        "bcrypt_sha256" => read_bcrypt(rest),
        "scrypt" => read_scrypt(rest),
        _ => None,
    };
    parsed.unwrap_or(Stored::Other)
}

fn read_pbkdf2(rest: &str, sha1: bool) -> Option<Stored<'_>> {
    let mut parts = rest.splitn(3, '$');
    let iterations = crate::pycompat::parse_int(parts.next()?)?.try_into().ok()?;
    let salt = parts.next()?;
    parts.next()?;
    Some(Stored::Pbkdf2 { sha1, iterations, salt })
}

/// `bcrypt_sha256$$2b$12$<salt and hash>`.
fn read_bcrypt(rest: &str) -> Option<Stored<'static>> {
    let mut parts = rest.split('$');
    let (empty, _version, rounds) = (parts.next()?, parts.next()?, parts.next()?);
    (empty.is_empty()).then_some(())?;
    Some(Stored::BcryptSha256 { rounds: rounds.parse().ok()? })
}

/// `scrypt$<n>$<salt>$<r>$<p>$<hash>`.
fn read_scrypt(rest: &str) -> Option<Stored<'static>> {
    let parts: Vec<&str> = rest.splitn(5, '$').collect();
    let [n, _salt, r, p, _hash] = parts.as_slice() else { return None };
    let n: u64 = n.parse().ok()?;
    if !n.is_power_of_two() || n < 2 {
        return None;
    }
    Some(Stored::Scrypt { log_n: n.trailing_zeros().try_into().ok()?, r: r.parse().ok()?, p: p.parse().ok()? })
}

/// Django's `salt_entropy_check`: a salt of at least 128 bits of `[a-zA-Z0-9]`.
fn salt_is_short(salt: &str) -> bool {
    salt.chars().count() < SALT_LENGTH
}

impl Hashing {
    fn pbkdf2(&self) -> Target {
        Target::Pbkdf2Sha256 { iterations: self.pbkdf2_iterations }
    }

    /// What a new account's password is hashed with.
    pub fn for_new_account(&self) -> Target {
        match self.policy {
            HashPolicy::Argon2 => Target::Argon2,
            HashPolicy::Pbkdf2Sha256 | HashPolicy::Follow => self.pbkdf2(),
        }
    }

    /// What a new password replacing `previous` is hashed with: with `follow`, the previous
    /// hash's algorithm at no less than today's cost.
    pub fn for_replacement(&self, previous: &str) -> Target {
        match self.policy {
            HashPolicy::Follow => self.raised(&read(previous), true).unwrap_or_else(|| self.pbkdf2()),
            _ => self.for_new_account(),
        }
    }

    /// After a successful check of `encoded`: what it must be re-hashed with, if anything.
    /// `argon2_is_current` says whether an Argon2 hash already has Gatehouse's parameters or
    /// more (`auth/password.rs` reads those).
    pub fn upgrade(&self, encoded: &str, argon2_is_current: impl FnOnce() -> bool) -> Option<Target> {
        let stored = read(encoded);
        match self.policy {
            HashPolicy::Argon2 => (!matches!(stored, Stored::Argon2) || !argon2_is_current()).then_some(Target::Argon2),
            HashPolicy::Pbkdf2Sha256 => match stored {
                Stored::Pbkdf2 { sha1: false, iterations, salt }
                    if iterations == self.pbkdf2_iterations && !salt_is_short(salt) =>
                {
                    None
                }
                _ => Some(self.pbkdf2()),
            },
            HashPolicy::Follow => match stored {
                Stored::Argon2 if argon2_is_current() => None,
                _ => self.raised(&stored, false),
            },
        }
    }

    /// `stored`'s algorithm at today's cost where it is below it (always, with `always`).
    fn raised(&self, stored: &Stored<'_>, always: bool) -> Option<Target> {
        match *stored {
            Stored::Argon2 => Some(Target::Argon2),
            Stored::Pbkdf2 { sha1, iterations, salt } => {
                let below = salt_is_short(salt) || iterations < self.pbkdf2_iterations;
                let iterations = iterations.clamp(self.pbkdf2_iterations, MAX_PBKDF2_ITERATIONS);
                (always || below).then_some(if sha1 {
                    Target::Pbkdf2Sha1 { iterations }
                } else {
                    Target::Pbkdf2Sha256 { iterations }
                })
            }
            Stored::BcryptSha256 { rounds } => (always || rounds < BCRYPT_ROUNDS)
                .then_some(Target::BcryptSha256 { rounds: rounds.clamp(BCRYPT_ROUNDS, MAX_BCRYPT_ROUNDS) }),
            Stored::Scrypt { log_n, r, p } => {
                (always || log_n < SCRYPT_LOG_N || r < SCRYPT_R || p < SCRYPT_P).then_some(Target::Scrypt)
            }
            Stored::Other => always.then_some(self.pbkdf2()),
        }
    }
}

/// Whether `password` matches a hash of one of the non-Argon2 hashers (`None` for Argon2,
/// which `auth/password.rs` checks with its reusable memory).
pub fn verify_other(encoded: &str, password: &str) -> Option<bool> {
    let matches = match read(encoded) {
        Stored::Argon2 => return None,
        Stored::Pbkdf2 { sha1, iterations, salt } => {
            (1..=MAX_PBKDF2_ITERATIONS).contains(&iterations)
                && same(&pbkdf2(sha1, password, salt, iterations), encoded)
        }
        Stored::BcryptSha256 { rounds } => {
            rounds <= MAX_BCRYPT_ROUNDS
                && bcrypt::verify(sha256_hex(password), &encoded["bcrypt_sha256$".len()..]).unwrap_or(false)
        }
        Stored::Scrypt { log_n, r, p } => verify_scrypt(encoded, password, log_n, r, p).unwrap_or(false),
        Stored::Other => false,
    };
    Some(matches)
}

fn same(computed: &str, encoded: &str) -> bool {
    bool::from(computed.as_bytes().ct_eq(encoded.as_bytes()))
}

fn verify_scrypt(encoded: &str, password: &str, log_n: u8, r: u32, p: u32) -> Option<bool> {
    if 128 * (1u64 << log_n) * u64::from(r) > MAX_SCRYPT_MEMORY || p > MAX_SCRYPT_P {
        return None;
    }
    let mut parts = encoded.splitn(6, '$').skip(2);
    let salt = parts.next()?;
    let expected = STANDARD.decode(parts.nth(2)?).ok()?;
    if expected.is_empty() || expected.len() > SCRYPT_LENGTH {
        return None;
    }
    let params = scrypt::Params::new(log_n, r, p, expected.len()).ok()?;
    let mut out = vec![0u8; expected.len()];
    scrypt::scrypt(password.as_bytes(), salt.as_bytes(), &params, &mut out).ok()?;
    Some(bool::from(out.ct_eq(&expected)))
}

/// A new hash of one of the non-Argon2 hashers, with a new salt.
pub fn encode_other(target: Target, password: &str) -> anyhow::Result<String> {
    let salt = crate::auth::random::alphanumeric(SALT_LENGTH);
    Ok(match target {
        Target::Argon2 => anyhow::bail!("Argon2 hashes are made by auth::password"),
        Target::Pbkdf2Sha256 { iterations } => pbkdf2(false, password, &salt, iterations),
        Target::Pbkdf2Sha1 { iterations } => pbkdf2(true, password, &salt, iterations),
        Target::BcryptSha256 { rounds } => {
            let parts = bcrypt::hash_with_result(sha256_hex(password), rounds)?;
            format!("bcrypt_sha256${}", parts.format_for_version(bcrypt::Version::TwoB))
        }
        Target::Scrypt => scrypt_encode(password, &salt, SCRYPT_LOG_N, SCRYPT_R, SCRYPT_P)?,
    })
}

/// Django's PBKDF2 encoding (`pbkdf2_sha256$…` or `pbkdf2_sha1$…`).
pub fn pbkdf2(sha1: bool, password: &str, salt: &str, iterations: u32) -> String {
    let (password, salt_bytes) = (password.as_bytes(), salt.as_bytes());
    if sha1 {
        let mut derived = [0u8; 20];
        pbkdf2::pbkdf2_hmac::<Sha1>(password, salt_bytes, iterations, &mut derived);
        format!("pbkdf2_sha1${iterations}${salt}${}", STANDARD.encode(derived))
    } else {
        let mut derived = [0u8; 32];
        pbkdf2::pbkdf2_hmac::<Sha256>(password, salt_bytes, iterations, &mut derived);
        format!("pbkdf2_sha256${iterations}${salt}${}", STANDARD.encode(derived))
    }
}

/// Django's scrypt encoding: `scrypt$<n>$<salt>$<r>$<p>$<base64 of 64 bytes>`.
pub fn scrypt_encode(password: &str, salt: &str, log_n: u8, r: u32, p: u32) -> anyhow::Result<String> {
    let params = scrypt::Params::new(log_n, r, p, SCRYPT_LENGTH)
        .map_err(|e| anyhow::anyhow!("Invalid scrypt parameters: {e}"))?;
    let mut out = [0u8; SCRYPT_LENGTH];
    scrypt::scrypt(password.as_bytes(), salt.as_bytes(), &params, &mut out)
        .map_err(|e| anyhow::anyhow!("Failed to hash with scrypt: {e}"))?;
    Ok(format!("scrypt${}${salt}${r}${p}${}", 1u64 << log_n, STANDARD.encode(out)))
}

/// `bcrypt_sha256` hashes the SHA-256 of the password as 64 hex digits (bcrypt reads only 72
/// bytes).
fn sha256_hex(password: &str) -> String {
    Sha256::digest(password.as_bytes()).iter().map(|byte| format!("{byte:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const PASSWORD: &str = "s3cretPassw0rd!";

    fn policy(policy: HashPolicy) -> Hashing {
        Hashing { policy, pbkdf2_iterations: 1000 }
    }

    #[test]
    fn every_stock_django_format_is_read() {
        assert_eq!(read("argon2$argon2id$v=19$m=102400,t=2,p=8$c2FsdA$aGFzaA"), Stored::Argon2);
        assert_eq!(read("pbkdf2_sha1$1000$salt$abc="), Stored::Pbkdf2 { sha1: true, iterations: 1000, salt: "salt" });
        assert_eq!(read("bcrypt_sha256$$2b$12$abcdefghijklmnopqrstuvwxyz"), Stored::BcryptSha256 { rounds: 12 });
        assert_eq!(read("scrypt$16384$salt$8$5$aGFzaA=="), Stored::Scrypt { log_n: 14, r: 8, p: 5 });
        assert_eq!(read("scrypt$1000$salt$8$5$aGFzaA=="), Stored::Other, "n must be a power of two");
        assert_eq!(read("md5$salt$hash"), Stored::Other);
        assert_eq!(read("!unusable"), Stored::Other);
    }

    /// Made by Django 5.2's hashers for `PASSWORD` (with bcrypt at 4 rounds).
    #[test]
    fn hashes_made_by_django_verify() {
        for encoded in [
            "pbkdf2_sha1$1000$saltsaltsaltsaltsalt22$/pPZTr396v3ZSaJpAIMtlLssOOc=",
            "scrypt$16384$saltsaltsaltsaltsalt22$8$5$yqmPfQZx6pR5t6F4yRLiZWs74xgMYjLUDipYWP58G4RetklN7/gsnTsqK+AT8CA0R6HcQcP916H7uKE65TpQ7Q==",
            "bcrypt_sha256$$2b$04$.jLQjKyspqyDFhlP/x6zUuAOWwKWAwPGU0nAEUXSl/.ruHMpx8DxS",
        ] {
            assert_eq!(verify_other(encoded, PASSWORD), Some(true), "{encoded}");
            assert_eq!(verify_other(encoded, "s3cretPassw0rd"), Some(false), "{encoded}");
        }
        assert_eq!(
            pbkdf2(true, PASSWORD, "saltsaltsaltsaltsalt22", 1000),
            "pbkdf2_sha1$1000$saltsaltsaltsaltsalt22$/pPZTr396v3ZSaJpAIMtlLssOOc="
        );
        assert_eq!(
            scrypt_encode(PASSWORD, "saltsaltsaltsaltsalt22", 14, 8, 5).unwrap(),
            "scrypt$16384$saltsaltsaltsaltsalt22$8$5$yqmPfQZx6pR5t6F4yRLiZWs74xgMYjLUDipYWP58G4RetklN7/gsnTsqK+AT8CA0R6HcQcP916H7uKE65TpQ7Q=="
        );
    }

    #[test]
    fn new_hashes_of_every_hasher_verify_and_wrong_passwords_do_not() {
        for target in [
            Target::Pbkdf2Sha256 { iterations: 1000 },
            Target::Pbkdf2Sha1 { iterations: 1000 },
            Target::BcryptSha256 { rounds: 4 },
            Target::Scrypt,
        ] {
            let encoded = encode_other(target, PASSWORD).unwrap();
            assert_eq!(verify_other(&encoded, PASSWORD), Some(true), "{encoded}");
            assert_eq!(verify_other(&encoded, "s3cretPassw0rd?"), Some(false), "{encoded}");
        }
    }

    #[test]
    fn the_pbkdf2_policy_rehashes_exactly_when_django_would() {
        let hashing = policy(HashPolicy::Pbkdf2Sha256);
        let current = pbkdf2(false, PASSWORD, "saltsaltsaltsaltsalt22", 1000);
        assert_eq!(hashing.upgrade(&current, || true), None);
        let fewer = pbkdf2(false, PASSWORD, "saltsaltsaltsaltsalt22", 500);
        assert_eq!(hashing.upgrade(&fewer, || true), Some(Target::Pbkdf2Sha256 { iterations: 1000 }));
        let more = pbkdf2(false, PASSWORD, "saltsaltsaltsaltsalt22", 2000);
        assert_eq!(hashing.upgrade(&more, || true), Some(Target::Pbkdf2Sha256 { iterations: 1000 }));
        let short_salt = pbkdf2(false, PASSWORD, "salt", 1000);
        assert_eq!(hashing.upgrade(&short_salt, || true), Some(Target::Pbkdf2Sha256 { iterations: 1000 }));
        assert_eq!(hashing.upgrade("argon2$argon2id$…", || true), Some(Target::Pbkdf2Sha256 { iterations: 1000 }));
        assert_eq!(hashing.for_new_account(), Target::Pbkdf2Sha256 { iterations: 1000 });
    }

    #[test]
    fn the_follow_policy_keeps_algorithms_and_only_raises_costs() {
        let hashing = policy(HashPolicy::Follow);
        let sha1 = pbkdf2(true, PASSWORD, "saltsaltsaltsaltsalt22", 500);
        assert_eq!(hashing.upgrade(&sha1, || true), Some(Target::Pbkdf2Sha1 { iterations: 1000 }));
        let more = pbkdf2(false, PASSWORD, "saltsaltsaltsaltsalt22", 2000);
        assert_eq!(hashing.upgrade(&more, || true), None, "a higher cost is kept");
        assert_eq!(hashing.upgrade("bcrypt_sha256$$2b$12$x", || true), None);
        assert_eq!(hashing.upgrade("bcrypt_sha256$$2b$10$x", || true), Some(Target::BcryptSha256 { rounds: 12 }));
        assert_eq!(hashing.upgrade("scrypt$16384$salt$8$5$aGFzaA==", || true), None);
        assert_eq!(hashing.upgrade("argon2$argon2id$…", || true), None);
        assert_eq!(hashing.upgrade("argon2$argon2i$…", || false), Some(Target::Argon2));
        assert_eq!(
            hashing.for_replacement("bcrypt_sha256$$2b$12$x"),
            Target::BcryptSha256 { rounds: 12 },
            "a new password keeps the algorithm"
        );
        assert_eq!(hashing.for_replacement("!unusable"), Target::Pbkdf2Sha256 { iterations: 1000 });
    }

    #[test]
    fn the_argon2_policy_replaces_everything_else() {
        let hashing = policy(HashPolicy::Argon2);
        assert_eq!(hashing.upgrade("bcrypt_sha256$$2b$12$x", || true), Some(Target::Argon2));
        assert_eq!(hashing.upgrade("argon2$argon2id$…", || true), None);
        assert_eq!(hashing.upgrade("argon2$argon2id$…", || false), Some(Target::Argon2));
        assert_eq!(hashing.for_replacement("pbkdf2_sha256$1$s$h"), Target::Argon2);
    }

    #[test]
    fn costs_beyond_any_deployment_are_refused_unchecked() {
        assert_eq!(verify_other("pbkdf2_sha256$4000000000$salt$abc=", PASSWORD), Some(false));
        assert_eq!(
            verify_other("bcrypt_sha256$$2b$31$abcdefghijklmnopqrstuuabcdefghijklmnopqrstuvwxyz12345", PASSWORD),
            Some(false)
        );
        assert_eq!(verify_other("scrypt$1048576$salt$64$5$aGFzaA==", PASSWORD), Some(false));
    }
}
