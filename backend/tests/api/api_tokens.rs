//! DRF token login as Djoser mounts it: `token/login/` gives one 40-hex key per user,
//! `Authorization: Token <key>` signs requests in, `token/logout/` deletes the key; the
//! messages are Djoser's and DRF's.

use reqwest::Method;
use serde_json::json;

use crate::helpers::{spawn_app, spawn_app_with, Answer, TestApp, TestUser};

const UNABLE: &str = "Unable to log in with provided credentials.";

async fn token_login(app: &TestApp, user: &TestUser) -> String {
    let answer = app.post("/auth/token/login/", json!({"username": user.username, "password": user.password})).await;
    answer.assert_status(200);
    let body = answer.json();
    assert_eq!(body.as_object().unwrap().len(), 1, "{body}");
    body["auth_token"].as_str().expect("a key").to_owned()
}

/// A request with `Authorization: <value>`.
async fn with_authorization(app: &TestApp, method: Method, path: &str, value: &str) -> Answer {
    TestApp::read(app.client.request(method, app.url(path)).header("Authorization", value)).await
}

#[tokio::test]
async fn token_login_answers_one_forty_hex_key_per_user() {
    let app = spawn_app().await;
    let user = app.create_user("alice", true, false).await;

    let first = token_login(&app, &user).await;
    let second = token_login(&app, &user).await;

    assert_eq!(first.len(), 40);
    assert!(first.chars().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()), "{first}");
    assert_eq!(first, second, "get-or-create: the same key again");
}

#[tokio::test]
async fn a_token_signs_requests_in_wherever_an_access_token_does() {
    let app = spawn_app().await;
    let user = app.create_user("alice", true, false).await;
    let key = token_login(&app, &user).await;

    let me = with_authorization(&app, Method::GET, "/auth/users/me/", &format!("Token {key}")).await;
    me.assert_status(200);
    assert_eq!(me.json()["username"], "alice");
    // DRF matches its keyword without regard to case.
    with_authorization(&app, Method::GET, "/auth/users/me/", &format!("token {key}")).await.assert_status(200);
}

#[tokio::test]
async fn wrong_or_missing_credentials_are_one_message() {
    let app = spawn_app().await;
    let user = app.create_user("alice", true, false).await;
    let inactive = app.create_user("bob", false, false).await;

    for body in [
        json!({"username": "alice", "password": "wrong"}),
        json!({"username": "nobody", "password": user.password}),
        json!({"username": "bob", "password": inactive.password}),
        json!({"username": "alice"}),
        json!({}),
    ] {
        app.post("/auth/token/login/", body).await.assert(400, json!({"non_field_errors": [UNABLE]}));
    }
}

#[tokio::test]
async fn token_login_fields_are_checked_password_first() {
    let app = spawn_app().await;
    let answer = app.post("/auth/token/login/", json!({"username": "", "password": null})).await;
    answer.assert(
        400,
        json!({"password": ["This field may not be null."], "username": ["This field may not be blank."]}),
    );
    crate::helpers::assert_key_order(&answer.text, &["password", "username"]);
}

#[tokio::test]
async fn token_login_records_the_sign_in_time_as_djoser_does() {
    let app = spawn_app().await;
    let user = app.create_user("alice", true, false).await;
    assert_eq!(app.user(user.id).await.unwrap().last_login, None);

    token_login(&app, &user).await;

    assert!(app.user(user.id).await.unwrap().last_login.is_some());
}

#[tokio::test]
async fn bad_token_headers_get_drf_messages() {
    let app = spawn_app().await;
    let user = app.create_user("alice", true, false).await;
    let key = token_login(&app, &user).await;
    let cases = [
        ("Token", "Invalid token header. No credentials provided."),
        ("Token a b", "Invalid token header. Token string should not contain spaces."),
        ("Token 0000000000000000000000000000000000000000", "Invalid token."),
    ];
    for (header, message) in cases {
        let answer = with_authorization(&app, Method::GET, "/auth/users/me/", header).await;
        answer.assert(401, json!({"detail": message}));
        assert_eq!(answer.header("www-authenticate"), Some("Bearer realm=\"api\""), "the first scheme's challenge");
    }
    // A key that is not UTF-8.
    let answer = TestApp::read(
        app.client
            .get(app.url("/auth/users/me/"))
            .header("Authorization", reqwest::header::HeaderValue::from_bytes(b"Token \xff\xfe").unwrap()),
    )
    .await;
    answer.assert(401, json!({"detail": "Invalid token header. Token string should not contain invalid characters."}));

    let pool = app.database().await;
    sqlx::query("UPDATE users SET is_active = 0 WHERE id = $1").bind(user.id).execute(&pool).await.unwrap();
    with_authorization(&app, Method::GET, "/auth/users/me/", &format!("Token {key}"))
        .await
        .assert(401, json!({"detail": "User inactive or deleted."}));
}

#[tokio::test]
async fn token_logout_deletes_the_key() {
    let app = spawn_app().await;
    let user = app.create_user("alice", true, false).await;
    let key = token_login(&app, &user).await;
    let header = format!("Token {key}");

    let answer = with_authorization(&app, Method::POST, "/auth/token/logout/", &header).await;

    answer.assert_status(204);
    assert_eq!(answer.text, "");
    with_authorization(&app, Method::GET, "/auth/users/me/", &header)
        .await
        .assert(401, json!({"detail": "Invalid token."}));
    assert_ne!(token_login(&app, &user).await, key, "a new key after logging out");
}

#[tokio::test]
async fn token_logout_needs_a_signed_in_user_and_leaves_jwts_alone() {
    let app = spawn_app().await;
    app.post("/auth/token/logout/", json!({}))
        .await
        .assert(401, json!({"detail": "Authentication credentials were not provided."}));

    let (user, access) = app.signed_in_user("alice").await;
    let key = token_login(&app, &user).await;
    app.post_authed("/auth/token/logout/", &access, json!({})).await.assert_status(204);
    app.get_authed("/auth/users/me/", &access).await.assert_status(200);
    with_authorization(&app, Method::GET, "/auth/users/me/", &format!("Token {key}"))
        .await
        .assert(401, json!({"detail": "Invalid token."}));
}

#[tokio::test]
async fn closing_the_account_deletes_its_token() {
    let app = spawn_app().await;
    let user = app.create_user("alice", true, false).await;
    let key = token_login(&app, &user).await;
    let header = format!("Token {key}");

    let answer = TestApp::read(
        app.client
            .delete(app.url("/auth/users/me/"))
            .header("Authorization", &header)
            .json(&json!({"current_password": user.password})),
    )
    .await;

    answer.assert_status(204);
    let pool = app.database().await;
    let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM gatehouse_auth_tokens").fetch_one(&pool).await.unwrap();
    assert_eq!(left, 0);
    with_authorization(&app, Method::GET, "/auth/users/me/", &header)
        .await
        .assert(401, json!({"detail": "Invalid token."}));
}

#[tokio::test]
async fn a_password_change_keeps_the_token_unless_logout_on_password_change_is_set() {
    for (setting, kept) in [("false", true), ("true", false)] {
        let app = spawn_app_with(&[("LOGOUT_ON_PASSWORD_CHANGE", setting)]).await;
        let user = app.create_user("alice", true, false).await;
        let key = token_login(&app, &user).await;
        let header = format!("Token {key}");
        let change = TestApp::read(
            app.client
                .post(app.url("/auth/users/set_password/"))
                .header("Authorization", &header)
                .json(&json!({"current_password": user.password, "new_password": "another horse battery 9"})),
        )
        .await;
        change.assert_status(204);

        let me = with_authorization(&app, Method::GET, "/auth/users/me/", &header).await;
        assert_eq!(me.status == 200, kept, "LOGOUT_ON_PASSWORD_CHANGE={setting}: {}", me.text);
    }
}

#[tokio::test]
async fn a_password_reset_deletes_the_token() {
    let app = spawn_app().await;
    let user = app.create_user("alice", true, false).await;
    let key = token_login(&app, &user).await;
    app.post("/auth/users/reset_password/", json!({"email": user.email})).await.assert_status(204);
    let (uid, token) = app.last_email_to(&user.email).await.uid_and_token();

    app.post(
        "/auth/users/reset_password_confirm/",
        json!({"uid": uid, "token": token, "new_password": "another horse battery 9"}),
    )
    .await
    .assert_status(204);

    with_authorization(&app, Method::GET, "/auth/users/me/", &format!("Token {key}"))
        .await
        .assert(401, json!({"detail": "Invalid token."}));
}

#[tokio::test]
async fn with_token_auth_off_the_endpoints_are_unknown_and_token_headers_anonymous() {
    let app = spawn_app_with(&[("TOKEN_AUTH", "false")]).await;
    let user = app.create_user("alice", true, false).await;
    app.post("/auth/token/login/", json!({"username": "alice", "password": user.password}))
        .await
        .assert(404, json!({"detail": "Not found."}));
    with_authorization(&app, Method::GET, "/auth/users/me/", "Token abc")
        .await
        .assert(401, json!({"detail": "Authentication credentials were not provided."}));
}

#[tokio::test]
async fn token_login_allows_only_post() {
    let app = spawn_app().await;
    let answer = app.request(Method::GET, "/auth/token/login/", None, None).await;
    answer.assert(405, json!({"detail": "Method \"GET\" not allowed."}));
    assert_eq!(answer.header("allow"), Some("POST, OPTIONS"));
}
