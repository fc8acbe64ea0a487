//! Malformed and hostile input: always a 4xx with the contract's body, never a 5xx.

use reqwest::Method;
use serde_json::json;

use crate::helpers::{spawn_app, spawn_app_with, Answer, TestApp};

async fn raw(app: &TestApp, path: &str, content_type: &str, body: Vec<u8>) -> Answer {
    TestApp::read(app.client.post(app.url(path)).header("Content-Type", content_type).body(body)).await
}

#[tokio::test]
async fn bodies_that_cannot_be_parsed_are_4xx_never_5xx() {
    let app = spawn_app().await;
    let deep = format!("{}{}", "[".repeat(5000), "]".repeat(5000));
    let deep_object = format!("{}1{}", "{\"a\":".repeat(3000), "}".repeat(3000));
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("application/json", vec![0xff, 0xfe, b'{', b'}']),
        ("application/json", b"{\"username\": \"\xc3\x28\"}".to_vec()),
        ("application/json", deep.into_bytes()),
        ("application/json", deep_object.into_bytes()),
        ("application/json", b"{\"username\": \"a\\ud800\", \"password\": \"x\"}".to_vec()),
        ("application/x-www-form-urlencoded", b"username=%ff%fe&password=%00".to_vec()),
        ("multipart/form-data", b"garbage".to_vec()),
        ("multipart/form-data; boundary=x", b"--x\r\nno headers".to_vec()),
    ];
    for path in ["/auth/jwt/create/", "/auth/users/", "/auth/users/activation/", "/auth/users/reset_password_confirm/"]
    {
        for (content_type, body) in &cases {
            let answer = raw(&app, path, content_type, body.clone()).await;
            assert!(answer.status.is_client_error(), "{path} {content_type}: {} {}", answer.status, answer.text);
            assert_eq!(answer.header("content-type"), Some("application/json"), "{path}");
        }
    }
}

#[tokio::test]
async fn a_megabyte_body_is_refused_with_413() {
    let app = spawn_app().await;
    let big = format!("{{\"username\": \"{}\"}}", "a".repeat(1024 * 1024));
    for path in ["/auth/jwt/create/", "/auth/users/"] {
        let answer = raw(&app, path, "application/json", big.clone().into_bytes()).await;
        answer.assert(413, json!({"detail": "Request body too large."}));
    }
}

#[tokio::test]
async fn wrong_types_and_nul_characters_are_field_errors() {
    let app = spawn_app().await;
    app.post("/auth/jwt/create/", json!({"username": {"$ne": null}, "password": ["x"]}))
        .await
        .assert(400, json!({"username": ["Not a valid string."], "password": ["Not a valid string."]}));
    app.post("/auth/jwt/create/", json!({"username": "a\u{0}b", "password": "p\u{0}"})).await.assert(
        400,
        json!({"username": ["Null characters are not allowed."], "password": ["Null characters are not allowed."]}),
    );
    app.post("/auth/users/reset_password/", json!({"email": "a\u{0}@example.com"}))
        .await
        .assert(400, json!({"email": ["Null characters are not allowed.", "Enter a valid email address."]}));
    app.post("/auth/users/activation/", json!({"uid": 1e300, "token": 1.5}))
        .await
        .assert(400, json!({"uid": ["Invalid user id or user doesn't exist."]}));
}

#[tokio::test]
async fn ids_beyond_64_bits_and_odd_paths_are_404s() {
    let app = spawn_app().await;
    let (_, token) = app.signed_in_user("alice").await;
    for path in [
        "/auth/users/99999999999999999999999999/",
        "/auth/users/-1/",
        "/auth/users/1e3/",
        "/auth/users/%00/",
        "/auth/users/%F0%9F%92%A9/",
    ] {
        let answer = app.request(Method::GET, path, Some(&token), None).await;
        answer.assert(404, json!({"detail": "Not found."}));
    }
}

#[tokio::test]
async fn every_answer_carries_the_security_headers_and_token_answers_are_not_cached() {
    let app = spawn_app().await;
    let user = app.create_user("alice", true, false).await;
    let login = app.post("/auth/jwt/create/", json!({"username": "alice", "password": user.password})).await;
    assert_eq!(login.header("cache-control"), Some("no-store"));
    let refresh = login.json()["refresh"].as_str().unwrap().to_owned();
    let refreshed = app.post("/auth/jwt/refresh/", json!({"refresh": refresh})).await;
    assert_eq!(refreshed.header("cache-control"), Some("no-store"));
    for answer in [
        login,
        refreshed,
        app.request(Method::GET, "/auth/nothing/", None, None).await,
        app.request(Method::GET, "/", None, None).await,
    ] {
        assert_eq!(answer.header("x-content-type-options"), Some("nosniff"));
        assert_eq!(answer.header("referrer-policy"), Some("no-referrer"));
    }
}

/// Sends `head` and the start of a body over a plain connection, then reads what comes back
/// until the server closes the connection (the deadline only keeps a broken server from
/// hanging the suite).
async fn slow_body(app: &TestApp, head: &str, body_start: &[u8]) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let address = app.address.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(body_start).await.unwrap();
    let mut answer = Vec::new();
    let read = tokio::time::timeout(std::time::Duration::from_secs(60), stream.read_to_end(&mut answer)).await;
    assert!(read.is_ok(), "the connection was still open after 60 s: {:?}", String::from_utf8_lossy(&answer));
    String::from_utf8_lossy(&answer).into_owned()
}

#[tokio::test]
async fn a_body_that_never_finishes_arriving_is_answered_408_and_the_connection_closed() {
    let app = spawn_app_with(&[("REQUEST_BODY_TIMEOUT", "1")]).await;
    let head = "POST /auth/jwt/create/ HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n\
                Content-Length: 10\r\n\r\n";
    let answer = slow_body(&app, head, b"{").await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.ends_with(r#"{"detail":"The request body did not arrive in time."}"#), "{answer}");
}
