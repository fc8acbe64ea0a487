use gatehouse::store::users::DeleteOutcome;
use serde_json::json;

use crate::helpers::{now, spawn_app, Answer, TestApp};

async fn me_with_header(app: &TestApp, authorization: &str) -> Answer {
    TestApp::read(app.client.get(app.url("/auth/users/me/")).header("Authorization", authorization)).await
}

fn not_valid(message: &str) -> serde_json::Value {
    json!({
        "detail": "Given token not valid for any token type",
        "code": "token_not_valid",
        "messages": [{"token_class": "AccessToken", "token_type": "access", "message": message}]
    })
}

#[tokio::test]
async fn an_anonymous_request_is_told_credentials_were_not_provided() {
    let app = spawn_app().await;
    let answer = app.request(reqwest::Method::GET, "/auth/users/me/", None, None).await;
    answer.assert(401, json!({"detail": "Authentication credentials were not provided."}));
    assert_eq!(answer.header("www-authenticate"), Some("Bearer realm=\"api\""));
}

#[tokio::test]
async fn other_schemes_and_lowercase_bearer_are_treated_as_anonymous() {
    let app = spawn_app().await;
    // (`Token …` is DRF's token authentication: tests/api/api_tokens.rs.)
    for header in ["bearer abc", "Basic dXNlcjpwYXNz", ""] {
        me_with_header(&app, header)
            .await
            .assert(401, json!({"detail": "Authentication credentials were not provided."}));
    }
}

#[tokio::test]
async fn a_header_without_exactly_two_parts_is_malformed() {
    let app = spawn_app().await;
    let expected = json!({
        "detail": "Authorization header must contain two space-delimited values",
        "code": "bad_authorization_header"
    });
    for header in ["Bearer", "Bearer a b", "JWT"] {
        let answer = me_with_header(&app, header).await;
        answer.assert(401, expected.clone());
        assert_eq!(answer.header("www-authenticate"), Some("Bearer realm=\"api\""));
    }
}

#[tokio::test]
async fn both_bearer_and_jwt_schemes_authenticate() {
    let app = spawn_app().await;
    let (user, access) = app.signed_in_user("alice").await;
    for header in [format!("Bearer {access}"), format!("JWT {access}"), format!("  Bearer\t{access} ")] {
        let answer = me_with_header(&app, &header).await;
        answer.assert_status(200);
        assert_eq!(answer.json()["id"], user.id);
    }
}

#[tokio::test]
async fn token_problems_are_wrapped_with_messages_on_protected_endpoints() {
    let app = spawn_app().await;
    let user = app.create_user("alice", true, false).await;
    let (access, refresh) = app.login("alice", &user.password).await;
    let (expired, _) = app.tokens_issued_ago(user.id, 301);
    let t = now();
    let no_jti = app.forge_token(json!({"token_type": "access", "exp": t + 60, "user_id": "1"}));
    let no_type = app.forge_token(json!({"exp": t + 60, "jti": "x", "user_id": "1"}));
    // A signature character flipped well before the end (the last one carries padding bits).
    let mut tampered = access.clone().into_bytes();
    let index = tampered.len() - 5;
    tampered[index] = if tampered[index] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).unwrap();

    for (token, message) in [
        ("garbage", "Token is invalid"),
        (refresh.as_str(), "Token has wrong type"),
        (expired.as_str(), "Token is expired"),
        (no_jti.as_str(), "Token has no id"),
        (no_type.as_str(), "Token has no type"),
        (tampered.as_str(), "Token is invalid"),
    ] {
        let answer = app.get_authed("/auth/users/me/", token).await;
        answer.assert(401, not_valid(message));
        assert_eq!(answer.header("www-authenticate"), Some("Bearer realm=\"api\""));
    }
}

#[tokio::test]
async fn user_problems_behind_a_valid_token_have_their_own_codes() {
    let app = spawn_app().await;
    let gone = app.create_user("gone", true, false).await;
    let idle = app.create_user("idle", false, false).await;
    let (gone_access, _) = app.tokens_issued_ago(gone.id, 0);
    let (idle_access, _) = app.tokens_issued_ago(idle.id, 0);
    assert_eq!(app.store.delete_user(gone.id, &[]).await.unwrap(), DeleteOutcome::Done);
    let t = now();
    let anonymous = app.forge_token(json!({"token_type": "access", "exp": t + 60, "jti": "a"}));
    let odd_id = app.forge_token(json!({"token_type": "access", "exp": t + 60, "jti": "b", "user_id": "abc"}));
    let numeric_id = app.forge_token(json!({"token_type": "access", "exp": t + 60, "jti": "c", "user_id": idle.id}));

    app.get_authed("/auth/users/me/", &gone_access)
        .await
        .assert(401, json!({"detail": "User not found", "code": "user_not_found"}));
    app.get_authed("/auth/users/me/", &odd_id)
        .await
        .assert(401, json!({"detail": "User not found", "code": "user_not_found"}));
    app.get_authed("/auth/users/me/", &idle_access)
        .await
        .assert(401, json!({"detail": "User is inactive", "code": "user_inactive"}));
    app.get_authed("/auth/users/me/", &numeric_id)
        .await
        .assert(401, json!({"detail": "User is inactive", "code": "user_inactive"}));
    app.get_authed("/auth/users/me/", &anonymous).await.assert(
        401,
        json!({"detail": "Token contained no recognizable user identification", "code": "token_not_valid"}),
    );
}

#[tokio::test]
async fn a_bad_bearer_header_turns_open_endpoints_into_401s() {
    let app = spawn_app().await;
    for path in ["/auth/users/", "/auth/users/activation/"] {
        let answer = app.post_authed(path, "garbage", json!({})).await;
        answer.assert(401, not_valid("Token is invalid"));
    }
}

#[tokio::test]
async fn a_valid_token_on_an_open_endpoint_is_fine() {
    let app = spawn_app().await;
    let (_, access) = app.signed_in_user("alice").await;
    app.post_authed("/auth/users/activation/", &access, json!({}))
        .await
        .assert(400, json!({"uid": ["This field is required."], "token": ["This field is required."]}));
}
