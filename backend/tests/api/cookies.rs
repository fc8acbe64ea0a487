//! Cookie mode: with `X-Token-Transport: cookie`, the refresh token travels in an
//! `HttpOnly; SameSite=Strict` cookie scoped to `/auth/jwt/`, never in a body; without the
//! header, the cookie is ignored and every answer is Djoser's.

use serde_json::json;

use crate::helpers::{spawn_app, spawn_app_with, Answer, TestApp};

const HEADER: &str = "X-Token-Transport";

/// A token endpoint called in cookie mode, with `cookie` as the refresh cookie (if any).
async fn in_cookie_mode(app: &TestApp, path: &str, cookie: Option<&str>, body: serde_json::Value) -> Answer {
    let mut request = app.client.post(app.url(path)).header(HEADER, "cookie").json(&body);
    if let Some(token) = cookie {
        request = request.header("Cookie", format!("gatehouse_refresh={token}"));
    }
    TestApp::read(request).await
}

/// The refresh cookie an answer sets: its value and attributes.
fn set_cookie(answer: &Answer) -> (String, Vec<String>) {
    let header = answer.header("set-cookie").expect("a Set-Cookie header");
    let mut parts = header.split(';').map(|part| part.trim().to_owned());
    let first = parts.next().unwrap();
    let value = first.strip_prefix("gatehouse_refresh=").expect("the refresh cookie").to_owned();
    (value, parts.collect())
}

async fn sign_in(app: &TestApp) -> (String, String) {
    let user = app.create_user("alice", true, false).await;
    let answer =
        in_cookie_mode(app, "/auth/jwt/create/", None, json!({"username": "alice", "password": user.password})).await;
    answer.assert_status(200);
    let body = answer.json();
    assert!(body.get("refresh").is_none(), "no refresh token in the body: {body}");
    assert_eq!(body["username"], "alice");
    let (cookie, _) = set_cookie(&answer);
    (body["access"].as_str().unwrap().to_owned(), cookie)
}

#[tokio::test]
async fn signing_in_in_cookie_mode_puts_the_refresh_token_in_a_strict_http_only_cookie() {
    let app = spawn_app().await;
    let user = app.create_user("alice", true, false).await;
    let answer =
        in_cookie_mode(&app, "/auth/jwt/create/", None, json!({"username": "alice", "password": user.password})).await;

    answer.assert_status(200);
    crate::helpers::assert_key_order(&answer.text, &["access", "id", "first_name", "last_name", "username"]);
    assert!(!answer.text.contains("refresh"), "{}", answer.text);
    let (value, attributes) = set_cookie(&answer);
    assert_eq!(value.split('.').count(), 3, "a JWT");
    for expected in ["HttpOnly", "SameSite=Strict", "Path=/auth/jwt/", "Max-Age=86400"] {
        assert!(attributes.iter().any(|a| a == expected), "{expected} in {attributes:?}");
    }
    assert!(!attributes.iter().any(|a| a == "Secure"), "no Secure for an http frontend: {attributes:?}");
    let access = answer.json()["access"].as_str().unwrap().to_owned();
    app.get_authed("/auth/users/me/", &access).await.assert_status(200);
}

#[tokio::test]
async fn with_an_https_frontend_the_cookie_is_secure() {
    let app = spawn_app_with(&[("FRONTEND_URL", "https://accounts.example")]).await;
    let user = app.create_user("alice", true, false).await;
    let answer =
        in_cookie_mode(&app, "/auth/jwt/create/", None, json!({"username": "alice", "password": user.password})).await;
    let (_, attributes) = set_cookie(&answer);
    assert!(attributes.iter().any(|a| a == "Secure"), "{attributes:?}");
}

#[tokio::test]
async fn a_refresh_in_cookie_mode_reads_the_cookie_and_rotates_it() {
    let app = spawn_app().await;
    let (_, cookie) = sign_in(&app).await;

    let answer = in_cookie_mode(&app, "/auth/jwt/refresh/", Some(&cookie), json!({})).await;

    answer.assert_status(200);
    let body = answer.json();
    assert_eq!(body.as_object().unwrap().keys().collect::<Vec<_>>(), ["access"]);
    let (rotated, _) = set_cookie(&answer);
    assert_ne!(rotated, cookie);
    app.get_authed("/auth/users/me/", body["access"].as_str().unwrap()).await.assert_status(200);
    // The spent cookie is refused, and left alone: in a browser, another tab's refresh may
    // have replaced it a moment before this answer arrives.
    let replay = in_cookie_mode(&app, "/auth/jwt/refresh/", Some(&cookie), json!({})).await;
    replay.assert(401, json!({"detail": "Token is blacklisted", "code": "token_not_valid"}));
    assert!(replay.header("set-cookie").is_none());
}

#[tokio::test]
async fn without_the_header_the_cookie_is_ignored() {
    let app = spawn_app().await;
    let (_, cookie) = sign_in(&app).await;

    // A cross-site form post carries the cookie (were SameSite not Strict) but no header.
    let request = app
        .client
        .post(app.url("/auth/jwt/refresh/"))
        .header("Cookie", format!("gatehouse_refresh={cookie}"))
        .form(&[("unrelated", "1")]);
    let answer = TestApp::read(request).await;
    answer.assert(400, json!({"refresh": ["This field is required."]}));
    assert!(answer.header("set-cookie").is_none());
    let request =
        app.client.post(app.url("/auth/jwt/blacklist/")).header("Cookie", format!("gatehouse_refresh={cookie}"));
    TestApp::read(request.json(&json!({}))).await.assert(400, json!({"refresh": ["This field is required."]}));
    in_cookie_mode(&app, "/auth/jwt/refresh/", Some(&cookie), json!({})).await.assert_status(200);
}

#[tokio::test]
async fn signing_out_in_cookie_mode_ends_the_session_and_removes_the_cookie() {
    let app = spawn_app().await;
    let (access, cookie) = sign_in(&app).await;

    let answer = in_cookie_mode(&app, "/auth/jwt/blacklist/", Some(&cookie), json!({})).await;

    answer.assert(200, json!({}));
    let (value, attributes) = set_cookie(&answer);
    assert_eq!(value, "");
    assert!(attributes.iter().any(|a| a == "Max-Age=0"), "{attributes:?}");
    app.get_authed("/auth/users/me/", &access).await.assert_status(401);
    in_cookie_mode(&app, "/auth/jwt/refresh/", Some(&cookie), json!({}))
        .await
        .assert(401, json!({"detail": "Token is blacklisted", "code": "token_not_valid"}));
}

#[tokio::test]
async fn without_a_cookie_cookie_mode_asks_for_the_refresh_field() {
    let app = spawn_app().await;
    in_cookie_mode(&app, "/auth/jwt/refresh/", None, json!({}))
        .await
        .assert(400, json!({"refresh": ["This field is required."]}));
}
