//! Property tests of the parsers that see untrusted input: whatever the bytes, they answer
//! (never panic), and what Gatehouse writes, it reads back.

use actix_web::test::TestRequest;
use gatehouse::auth::jwt::{JwtCodec, TokenType};
use gatehouse::auth::password::verify_encoded;
use gatehouse::auth::reset_tokens::{decode_uid, encode_uid, TokenGenerator, TokenSubject};
use gatehouse::domain::{email, username};
use gatehouse::http::authorization::bearer_token;
use gatehouse::http::body::Input;
use gatehouse::pycompat;
use proptest::prelude::*;

const KEY: &str = "fuzzing-secret-key";
const NOW: i64 = 1_900_000_000;

fn schemes() -> Vec<String> {
    vec!["Bearer".into(), "JWT".into()]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn any_authorization_header_is_parsed_without_panicking(header in proptest::collection::vec(any::<u8>(), 0..200)) {
        let _ = bearer_token(Some(&header), &schemes());
    }

    #[test]
    fn a_bearer_header_yields_exactly_its_token(token in "[A-Za-z0-9._-]{1,100}", spaces in "[ \t]{1,3}") {
        let header = format!("Bearer{spaces}{token}");
        prop_assert_eq!(bearer_token(Some(header.as_bytes()), &schemes()).ok().flatten(), Some(token.as_bytes()));
    }

    #[test]
    fn any_bytes_decode_to_a_token_or_a_simplejwt_message(token in proptest::collection::vec(any::<u8>(), 0..300)) {
        let codec = JwtCodec::new(KEY, 300, 86_400);
        if let Err(message) = codec.decode(&token, NOW as f64) {
            prop_assert!(message.starts_with("Token"));
        }
    }

    #[test]
    fn dotted_garbage_is_invalid(parts in proptest::collection::vec("[A-Za-z0-9_=+/-]{0,40}", 0..6)) {
        let codec = JwtCodec::new(KEY, 300, 86_400);
        prop_assert!(codec.decode(parts.join(".").as_bytes(), NOW as f64).is_err());
    }

    #[test]
    fn issued_tokens_decode_with_their_type_and_user(user_id in 1i64..i64::MAX) {
        let codec = JwtCodec::new(KEY, 300, 86_400);
        let pair = codec.issue_pair(user_id, NOW, "0123456789abcdef0123456789abcdef");
        let access = codec.decode(pair.access.as_bytes(), NOW as f64 + 1.0).unwrap();
        let refresh = codec.decode(pair.refresh.as_bytes(), NOW as f64 + 1.0).unwrap();
        prop_assert!(access.check(Some(TokenType::Access)).is_ok());
        prop_assert!(refresh.check(Some(TokenType::Refresh)).is_ok());
        prop_assert_eq!(access.user_id().and_then(|v| v.as_str()).map(str::to_owned), Some(user_id.to_string()));
    }

    #[test]
    fn a_flipped_byte_breaks_a_token(user_id in 1i64..1_000_000, position in any::<proptest::sample::Index>()) {
        let codec = JwtCodec::new(KEY, 300, 86_400);
        let mut token = codec.issue_pair(user_id, NOW, "0123456789abcdef0123456789abcdef").access.into_bytes();
        let index = position.index(token.len());
        token[index] = if token[index] == b'A' { b'B' } else { b'A' };
        // Either another valid spelling of the same base64 padding bits, or refused.
        if let Ok(claims) = codec.decode(&token, NOW as f64 + 1.0) {
            prop_assert_eq!(claims.user_id().and_then(|v| v.as_str()).map(str::to_owned), Some(user_id.to_string()));
        }
    }

    #[test]
    fn any_uid_text_decodes_or_is_refused(uid in any::<String>()) {
        let _ = decode_uid(&uid);
    }

    #[test]
    fn uids_round_trip(id in 0i64..i64::MAX) {
        prop_assert_eq!(decode_uid(&encode_uid(id)), Some(id));
    }

    #[test]
    fn random_reset_tokens_are_refused(token in any::<String>(), id in 1i64..1_000) {
        let generator = TokenGenerator::new(KEY, 259_200);
        let subject = TokenSubject { id, password: "argon2$x", last_login: None, email: "a@example.com" };
        prop_assert!(!generator.check_token(&subject, &token, NOW));
    }

    #[test]
    fn minted_reset_tokens_are_accepted_until_they_expire(id in 1i64..i64::MAX, age in 0i64..259_200) {
        let generator = TokenGenerator::new(KEY, 259_200);
        let subject = TokenSubject { id, password: "argon2$x", last_login: Some(NOW - 10), email: "" };
        let token = generator.make_token(&subject, NOW - age);
        prop_assert!(generator.check_token(&subject, &token, NOW));
    }

    #[test]
    fn any_stored_hash_is_checked_without_panicking(encoded in any::<String>(), password in any::<String>()) {
        prop_assert!(!verify_encoded(&encoded, &password) || encoded.starts_with("argon2$") || encoded.starts_with("pbkdf2_sha256$"));
    }

    #[test]
    fn hash_shaped_garbage_is_refused(
        iterations in "[0-9]{0,4}", salt in "[A-Za-z0-9]{0,30}", hash in "[A-Za-z0-9+/=]{0,50}",
        params in "m=[0-9]{1,4},t=[0-9],p=[0-9]", password in ".{0,20}",
    ) {
        let pbkdf2 = format!("pbkdf2_sha256${iterations}${salt}${hash}");
        let argon2 = format!("argon2$argon2id$v=19${params}${salt}${hash}");
        prop_assert!(!verify_encoded(&pbkdf2, &password));
        prop_assert!(!verify_encoded(&argon2, &password));
    }

    #[test]
    fn any_text_is_judged_as_an_email_and_username_without_panicking(text in any::<String>()) {
        let _ = email::errors(&text, Some(email::MAX_LENGTH));
        let _ = email::normalize(&text);
        let _ = username::errors(&text, false);
        let _ = username::normalize(&text);
        let _ = pycompat::parse_int(&text);
    }

    #[test]
    fn python_floats_read_back_as_the_same_number(value in any::<f64>().prop_filter("finite", |v| v.is_finite())) {
        let text = pycompat::float_repr(value);
        prop_assert_eq!(text.parse::<f64>().unwrap(), value);
    }

    #[test]
    fn any_body_of_any_type_parses_or_is_a_4xx(
        body in proptest::collection::vec(any::<u8>(), 0..400),
        content_type in prop::sample::select(vec![
            "application/json", "application/x-www-form-urlencoded", "multipart/form-data; boundary=b",
            "multipart/form-data", "text/plain", "",
        ]),
    ) {
        let request = TestRequest::post().insert_header(("Content-Type", content_type)).to_http_request();
        if let Err(error) = Input::parse(&request, &body) {
            prop_assert!(error.status().is_client_error());
        }
    }
}
