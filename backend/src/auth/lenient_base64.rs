//! Base64 decoding with the leniency of Python's `binascii.a2b_base64` in non-strict mode,
//! which Django (uids) and PyJWT (token segments) rely on: characters outside the alphabet are
//! skipped, decoding stops at the first complete padding, and a dangling sextet is an error.

use base64::alphabet;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::Engine;

fn sextet(byte: u8) -> Option<u8> {
    match byte {
        b'A'..=b'Z' => Some(byte - b'A'),
        b'a'..=b'z' => Some(byte - b'a' + 26),
        b'0'..=b'9' => Some(byte - b'0' + 52),
        b'+' | b'-' => Some(62),
        b'/' | b'_' => Some(63),
        _ => None,
    }
}

/// Decodes like `base64.urlsafe_b64decode` (which also accepts `+` and `/`).
pub fn decode(input: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(input.len() * 3 / 4);
    let mut quad_pos = 0u8;
    let mut left = 0u8;
    let mut pads = 0u8;
    for &byte in input {
        if byte == b'=' {
            if quad_pos >= 2 {
                pads += 1;
                if quad_pos + pads >= 4 {
                    return Some(out);
                }
            }
            continue;
        }
        let Some(value) = sextet(byte) else { continue };
        pads = 0;
        match quad_pos {
            0 => {
                left = value;
                quad_pos = 1;
            }
            1 => {
                out.push((left << 2) | (value >> 4));
                left = value & 0x0f;
                quad_pos = 2;
            }
            2 => {
                out.push((left << 4) | (value >> 2));
                left = value & 0x03;
                quad_pos = 3;
            }
            _ => {
                out.push((left << 6) | value);
                quad_pos = 0;
            }
        }
    }
    (quad_pos == 0).then_some(out)
}

/// Decodes a segment of URL-safe characters only, without padding, as every well-formed
/// token's are; where the byte-by-byte [`decode`] would answer the same, this is several times
/// faster. Python keeps the bits after the last full byte however they are set, and so does
/// this. Any other character (padding, `+`, `/`, one outside the alphabet) is an error here.
const URL_SAFE_LENIENT_BITS: GeneralPurpose = GeneralPurpose::new(
    &alphabet::URL_SAFE,
    GeneralPurposeConfig::new()
        .with_decode_allow_trailing_bits(true)
        .with_decode_padding_mode(DecodePaddingMode::RequireNone),
);

/// PyJWT's segment decoding: pad to a multiple of four, then decode leniently. A segment the
/// fast decoder accepts is one of URL-safe characters only, which it decodes as the lenient
/// one would; any other goes the lenient way, which gives Python's answer for every input.
pub fn decode_jwt_segment(segment: &[u8]) -> Option<Vec<u8>> {
    URL_SAFE_LENIENT_BITS.decode(segment).ok().or_else(|| pad_and_decode(segment))
}

fn pad_and_decode(segment: &[u8]) -> Option<Vec<u8>> {
    let mut padded = segment.to_vec();
    let rem = padded.len() % 4;
    if rem > 0 {
        padded.resize(padded.len() + 4 - rem, b'=');
    }
    decode(&padded)
}

/// Django's `urlsafe_base64_decode`: pads with `len % 4` signs (sic), then decodes leniently.
pub fn decode_django(text: &str) -> Option<Vec<u8>> {
    let mut padded = text.as_bytes().to_vec();
    padded.resize(padded.len() + padded.len() % 4, b'=');
    decode(&padded)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn django_uid_spellings_decode_like_python() {
        for text in ["MQ", "MQ==", "MQ=", " MQ", "M Q", "M\u{e9}Q="] {
            assert_eq!(decode_django(text).as_deref(), Some(&b"1"[..]), "{text:?}");
        }
        assert_eq!(decode_django("MTIz").as_deref(), Some(&b"123"[..]));
        assert_eq!(decode_django("MTI").as_deref(), Some(&b"12"[..]));
    }

    #[test]
    fn a_dangling_character_or_missing_padding_is_an_error() {
        assert_eq!(decode_django("M"), None);
        assert_eq!(decode_django("MTIzM"), None);
        assert_eq!(decode(b"MTI"), None);
    }

    #[test]
    fn decoding_stops_at_the_first_complete_padding() {
        assert_eq!(decode(b"MQ==MQ==").as_deref(), Some(&b"1"[..]));
    }

    #[test]
    fn url_safe_segments_decode_as_the_byte_by_byte_decoder_does_at_every_length() {
        let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        for length in 0..48 {
            for offset in 0..alphabet.len() {
                // Steps through the alphabet so that the last character's unused bits vary.
                let segment: Vec<u8> = (0..length).map(|i| alphabet[(offset + i * 7) % alphabet.len()]).collect();
                assert_eq!(
                    decode_jwt_segment(&segment),
                    pad_and_decode(&segment),
                    "{:?}",
                    String::from_utf8_lossy(&segment)
                );
            }
        }
        assert_eq!(decode_jwt_segment(b"MR"), Some(b"1".to_vec()), "set bits after the last byte are ignored");
        assert_eq!(decode_jwt_segment(b"MQ=="), Some(b"1".to_vec()), "padding takes the lenient way");
    }

    #[test]
    fn segments_with_any_other_character_decode_as_the_byte_by_byte_decoder_does() {
        // URL-safe characters mixed with padding, the standard alphabet's two, a space, a dot
        // and a byte outside ASCII.
        let mixed = b"Mq0-_=+/ .\xe9";
        for length in 0..24 {
            for offset in 0..mixed.len() * 7 {
                let segment: Vec<u8> = (0..length).map(|i| mixed[(offset + i * 5 + i * i) % mixed.len()]).collect();
                assert_eq!(
                    decode_jwt_segment(&segment),
                    pad_and_decode(&segment),
                    "{:?}",
                    String::from_utf8_lossy(&segment)
                );
            }
        }
    }

    #[test]
    fn jwt_segments_are_padded_before_decoding() {
        assert_eq!(
            decode_jwt_segment(b"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9").as_deref(),
            Some(&br#"{"alg":"HS256","typ":"JWT"}"#[..])
        );
    }
}
