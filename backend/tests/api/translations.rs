//! Messages and e-mails in other languages, compared with a real Django + DRF + Djoser +
//! SimpleJWT server answering the same requests: `GATEHOUSE_LANGUAGE_CODE` as Django's
//! `LANGUAGE_CODE`, and `GATEHOUSE_USE_ACCEPT_LANGUAGE` as Django's `LocaleMiddleware`.

use reqwest::header::HeaderValue;
use reqwest::Method;
use serde_json::{json, Value};

use crate::django_tables::{django_account, side_by_side_with, SideBySide};
use crate::helpers::{Answer, TestApp};

/// One request, as both servers get it.
struct Case {
    method: Method,
    path: &'static str,
    body: Option<Value>,
    content_type: Option<&'static str>,
    authorization: Option<&'static str>,
}

fn post(path: &'static str, body: Value) -> Case {
    Case { method: Method::POST, path, body: Some(body), content_type: None, authorization: None }
}

/// Requests whose answers carry messages of each of the four projects.
fn cases() -> Vec<Case> {
    vec![
        post("/auth/users/", json!({})),
        post("/auth/users/", json!({"username": "", "password": "1234", "email": "not an address"})),
        post("/auth/users/", json!({"username": "a b", "password": "12345678", "email": null})),
        post("/auth/users/", json!({"username": "x".repeat(151), "password": ["x"], "email": 5})),
        post("/auth/users/", json!({"username": "wonderland", "password": "wonderland1"})),
        post("/auth/users/", json!({"username": "carol", "password": "password"})),
        post("/auth/users/activation/", json!({"uid": "x", "token": "y"})),
        post("/auth/users/activation/", json!({"uid": "MQ", "token": "y"})),
        post("/auth/users/reset_password/", json!({"email": "not an address"})),
        post("/auth/jwt/create/", json!({"username": "nobody", "password": "wrong"})),
        post("/auth/jwt/refresh/", json!({"refresh": "not.a.token"})),
        post("/auth/token/login/", json!({"username": "nobody", "password": "wrong"})),
        post("/auth/token/login/", json!({})),
        Case { method: Method::GET, path: "/auth/users/me/", body: None, content_type: None, authorization: None },
        Case {
            method: Method::GET,
            path: "/auth/users/me/",
            body: None,
            content_type: None,
            authorization: Some("Token 0123456789abcdef0123456789abcdef01234567"),
        },
        Case {
            method: Method::GET,
            path: "/auth/users/me/",
            body: None,
            content_type: None,
            authorization: Some("Bearer not.a.token"),
        },
        Case { method: Method::PATCH, path: "/auth/jwt/create/", body: None, content_type: None, authorization: None },
        Case {
            method: Method::POST,
            path: "/auth/users/",
            body: None,
            content_type: Some("text/plain"),
            authorization: None,
        },
        post("/auth/users/", json!(["a list"])),
    ]
}

/// Status, the language headers and the body of one answer.
async fn answer_of(pair: &SideBySide, base: &str, case: &Case, accept_language: Option<&str>) -> (u16, Value, Value) {
    let mut request = pair.client.request(case.method.clone(), format!("{base}{}", case.path));
    if let Some(body) = &case.body {
        request = request.json(body);
    }
    if let Some(content_type) = case.content_type {
        request = request.header("Content-Type", content_type).body("text");
    }
    if let Some(value) = case.authorization {
        request = request.header("Authorization", value);
    }
    if let Some(value) = accept_language {
        request = request.header("Accept-Language", HeaderValue::from_str(value).unwrap());
    }
    let answer: Answer = TestApp::read(request).await;
    let headers = json!({
        "content-language": answer.header("content-language"),
        "vary": answer.header("vary"),
    });
    let body = serde_json::from_str(&answer.text).unwrap_or(Value::String(answer.text.clone()));
    (answer.status.as_u16(), headers, body)
}

async fn compare(pair: &SideBySide, accept_language: Option<&str>) {
    for case in cases() {
        let expected = answer_of(pair, &pair.django.url, &case, accept_language).await;
        let actual = answer_of(pair, &pair.gatehouse.address, &case, accept_language).await;
        assert_eq!(
            actual, expected,
            "{} {} {:?}, Accept-Language {accept_language:?}",
            case.method, case.path, case.body
        );
    }
}

#[tokio::test]
async fn with_a_language_code_every_message_is_the_one_djoser_sends() {
    for language in ["de", "pt-br", "ru"] {
        let pair = side_by_side_with(&[("LANGUAGE_CODE", language)], &[("DJANGO_LANGUAGE_CODE", language)]).await;
        compare(&pair, None).await;
        compare(&pair, Some("fr")).await;
        let required = pair.on_gatehouse("/auth/users/", json!({})).await.json()["username"][0].clone();
        assert_ne!(required, "This field is required.", "{language} is not English");
    }
}

#[tokio::test]
async fn with_accept_language_each_request_gets_its_language_as_locale_middleware_picks_it() {
    let pair = side_by_side_with(&[("USE_ACCEPT_LANGUAGE", "true")], &[("DJANGO_USE_ACCEPT_LANGUAGE", "true")]).await;
    for accept_language in [
        None,
        Some("de"),
        Some("pt-BR"),
        Some("ru-RU,ru;q=0.9"),
        Some("fr;q=0.5, es"),
        Some("zh-CN"),
        Some("xx"),
        Some("de fr"),
    ] {
        compare(&pair, accept_language).await;
    }
}

/// The lines of an e-mail's plain text, without the link's uid and token (which differ).
fn text_lines(text: &str) -> Vec<String> {
    text.lines()
        .map(|line| line.trim().to_owned())
        .filter(|line| !line.is_empty())
        .map(|line| match line.find("/password/reset/confirm/") {
            Some(at) => format!("{}/password/reset/confirm/…", &line[..at]),
            None => line,
        })
        .collect()
}

/// Django's file backend's message: its subject and the plain text part.
fn django_message(raw: &str) -> (String, Vec<String>) {
    let message = mail_parser::MessageParser::default().parse(raw.as_bytes()).expect("a message");
    let subject = message.subject().unwrap_or_default().to_owned();
    let text = message.body_text(0).expect("a text part").into_owned();
    (subject, text_lines(&text))
}

#[tokio::test]
async fn an_email_is_written_in_the_language_of_the_request_that_sends_it() {
    let pair = side_by_side_with(&[("USE_ACCEPT_LANGUAGE", "true")], &[("DJANGO_USE_ACCEPT_LANGUAGE", "true")]).await;
    django_account(&pair, "alice").await;
    let mut english = None;
    for language in ["en", "de", "fr", "es", "ja"] {
        let request = |base: &str| {
            pair.client
                .post(format!("{base}/auth/users/reset_password/"))
                .header("Accept-Language", language)
                .json(&json!({"email": "alice@example.com"}))
        };
        TestApp::read(request(&pair.django.url)).await.assert_status(204);
        TestApp::read(request(&pair.gatehouse.address)).await.assert_status(204);

        let expected = django_message(&pair.take_django_email_to("alice@example.com"));
        let sent = pair.gatehouse.last_email_to("alice@example.com").await;
        assert_eq!((sent.subject.clone(), text_lines(&sent.text)), expected, "{language}");
        match &english {
            None => english = Some(expected),
            Some(english) => assert_ne!(&expected, english, "{language} is not English"),
        }
    }
}
