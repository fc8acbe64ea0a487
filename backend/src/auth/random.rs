//! Random strings: secrets from the operating system's generator, token ids from the
//! thread's (a ChaCha generator seeded from the operating system), which needs no system call
//! per id; every refresh makes two.

use rand::distributions::{Alphanumeric, DistString};
use rand::rngs::OsRng;
use rand::RngCore;

/// `len` characters from `[a-zA-Z0-9]`, as Django's `get_random_string`.
pub fn alphanumeric(len: usize) -> String {
    Alphanumeric.sample_string(&mut OsRng, len)
}

/// `len` decimal digits (a suffix that makes a username unique).
pub fn digits(len: usize) -> String {
    use rand::Rng;
    let mut rng = rand::thread_rng();
    (0..len).map(|_| char::from(b'0' + rng.gen_range(0..10u8))).collect()
}

/// `bytes` bytes from the operating system's generator as lowercase hex (DRF's token keys).
pub fn hex(bytes: usize) -> String {
    let mut raw = vec![0u8; bytes];
    OsRng.fill_bytes(&mut raw);
    raw.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// A version-4 UUID as 32 lowercase hex characters (`uuid4().hex`), used as a JWT id.
pub fn uuid4_hex() -> String {
    let mut bytes = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut bytes);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let mut out = String::with_capacity(32);
    for byte in bytes {
        out.push(char::from_digit(u32::from(byte >> 4), 16).expect("nibble"));
        out.push(char::from_digit(u32::from(byte & 0x0f), 16).expect("nibble"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_keys_are_lowercase_and_twice_as_long_as_their_bytes() {
        let key = hex(20);
        assert_eq!(key.len(), 40);
        assert!(key.chars().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
        assert_ne!(hex(20), key);
    }

    #[test]
    fn uuid4_hex_is_32_lowercase_hex_digits_with_version_4() {
        let id = uuid4_hex();
        assert_eq!(id.len(), 32);
        assert!(id.chars().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
        assert_eq!(&id[12..13], "4");
        assert_ne!(uuid4_hex(), id);
    }

    #[test]
    fn alphanumeric_has_the_requested_length_and_alphabet() {
        let text = alphanumeric(40);
        assert_eq!(text.len(), 40);
        assert!(text.chars().all(|c| c.is_ascii_alphanumeric()));
    }
}
