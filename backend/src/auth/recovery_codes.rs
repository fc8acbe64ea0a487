//! Recovery codes: ten single-use codes of eight characters in two hyphenated groups
//! (`k3j9-x2m4`), from an alphabet without the characters people confuse when reading aloud
//! or typing (no 0/o, 1/l/i). Entered with or without the hyphen, in either case, with spaces
//! around. Stored as keyed digests (HMAC-SHA256 under a key derived from `SECRET_KEY`), so a
//! copy of the database alone cannot be searched for them.

use hmac::{Hmac, Mac};
use rand::Rng;
use sha2::Sha256;

/// How many codes a set has.
pub const COUNT: usize = 10;
const ALPHABET: &[u8] = b"23456789abcdefghjkmnpqrstuvwxyz";
const GROUP: usize = 4;
const LENGTH: usize = 2 * GROUP;

/// A new set of codes, as they are shown (once) to their owner.
pub fn new_set() -> Vec<String> {
    let mut random = rand::rngs::OsRng;
    (0..COUNT)
        .map(|_| {
            let characters: String =
                (0..LENGTH).map(|_| char::from(ALPHABET[random.gen_range(0..ALPHABET.len())])).collect();
            format!("{}-{}", &characters[..GROUP], &characters[GROUP..])
        })
        .collect()
}

/// A typed code in its stored form's input: lower-case, without the hyphen and spaces; `None`
/// for anything that cannot be a code.
pub fn normalize(typed: &str) -> Option<String> {
    let code: String = typed.chars().filter(|c| *c != '-' && !c.is_whitespace()).flat_map(char::to_lowercase).collect();
    (code.len() == LENGTH && code.bytes().all(|b| ALPHABET.contains(&b))).then_some(code)
}

/// The keyed digests codes are stored as.
#[derive(Clone)]
pub struct CodeDigests {
    key: [u8; 32],
}

impl CodeDigests {
    pub fn new(secret_key: &[u8]) -> Self {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret_key).expect("HMAC takes any key length");
        mac.update(b"gatehouse recovery codes");
        Self { key: mac.finalize().into_bytes().into() }
    }

    /// The stored form of a code (shown or typed).
    pub fn digest(&self, code: &str) -> Option<String> {
        let code = normalize(code)?;
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("HMAC takes any key length");
        mac.update(code.as_bytes());
        Some(mac.finalize().into_bytes().iter().map(|byte| format!("{byte:02x}")).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_set_is_ten_different_hyphenated_codes_of_unambiguous_characters() {
        let codes = new_set();
        assert_eq!(codes.len(), COUNT);
        for code in &codes {
            assert_eq!(code.len(), 9, "{code}");
            assert_eq!(&code[4..5], "-");
            assert!(!code.contains(['0', 'o', '1', 'l', 'i']), "{code}");
        }
        let mut unique = codes.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), COUNT);
    }

    #[test]
    fn a_code_is_the_same_with_or_without_its_hyphen_and_in_either_case() {
        let digests = CodeDigests::new(b"secret");
        let stored = digests.digest("k3j9-x2m4").unwrap();
        for typed in ["k3j9x2m4", "K3J9-X2M4", " k3j9 x2m4 "] {
            assert_eq!(digests.digest(typed).as_deref(), Some(stored.as_str()), "{typed:?}");
        }
        assert_ne!(digests.digest("k3j9-x2m5").unwrap(), stored);
        assert_eq!(digests.digest("k3j9-x2m"), None, "too short");
        assert_eq!(digests.digest("k3j9-x2m0"), None, "not of the alphabet");
        assert_ne!(CodeDigests::new(b"another").digest("k3j9-x2m4").unwrap(), stored, "keyed");
    }
}
