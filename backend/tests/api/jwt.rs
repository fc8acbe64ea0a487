use futures_util::future::join_all;
use serde_json::json;

use gatehouse::auth::password::pbkdf2_sha256;
use gatehouse::store::users::DeleteOutcome;

use crate::helpers::{assert_key_order, forge, now, spawn_app, spawn_app_with, GOOD_PASSWORD, SECRET_KEY};

#[tokio::test]
async fn login_answers_the_tokens_then_the_user_in_contract_order() {
    let app = spawn_app().await;
    let user = app.create_user("alice", true, false).await;

    let answer = app.post("/auth/jwt/create/", json!({"username": "alice", "password": user.password})).await;

    answer.assert_status(200);
    assert_key_order(
        &answer.text,
        &["refresh", "access", "id", "first_name", "last_name", "username", "email", "is_active"],
    );
    let body = answer.json();
    assert_eq!(body["id"], user.id);
    assert_eq!(body["username"], "alice");
    assert_eq!(body["email"], "alice@example.com");
    assert_eq!(body["is_active"], true);
    assert_eq!(answer.header("content-type"), Some("application/json"));
}

#[tokio::test]
async fn tokens_carry_simplejwt_claims_with_a_string_user_id() {
    let app = spawn_app().await;
    let user = app.create_user("alice", true, false).await;
    let (access, refresh) = app.login("alice", &user.password).await;

    let claims = |token: &str| -> serde_json::Value {
        use base64::Engine;
        let payload = token.split('.').nth(1).unwrap();
        serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
    };
    let (a, r) = (claims(&access), claims(&refresh));
    assert!(access.starts_with("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."));
    assert_eq!(a["token_type"], "access");
    assert_eq!(r["token_type"], "refresh");
    assert_eq!(a["user_id"], user.id.to_string());
    assert_eq!(a["iat"], r["iat"]);
    assert_eq!(a["exp"].as_i64().unwrap() - a["iat"].as_i64().unwrap(), 300);
    assert_eq!(r["exp"].as_i64().unwrap() - r["iat"].as_i64().unwrap(), 86400);
    assert_eq!(a["jti"].as_str().unwrap().len(), 32);
    assert_ne!(a["jti"], r["jti"]);
}

#[tokio::test]
async fn login_requires_both_fields_and_refuses_blanks() {
    let app = spawn_app().await;
    app.post("/auth/jwt/create/", json!({}))
        .await
        .assert(400, json!({"username": ["This field is required."], "password": ["This field is required."]}));
    app.post("/auth/jwt/create/", json!({"username": " ", "password": ""})).await.assert(
        400,
        json!({"username": ["This field may not be blank."], "password": ["This field may not be blank."]}),
    );
}

#[tokio::test]
async fn a_wrong_password_an_unknown_user_and_an_inactive_user_get_the_same_401() {
    let app = spawn_app().await;
    let active = app.create_user("alice", true, false).await;
    let inactive = app.create_user("bob", false, false).await;
    let expected = json!({"detail": "No active account found with the given credentials"});

    for (username, password) in [
        ("alice", "wrong password"),
        ("nobody", active.password.as_str()),
        ("bob", inactive.password.as_str()),
        ("Alice", active.password.as_str()),
    ] {
        let answer = app.post("/auth/jwt/create/", json!({"username": username, "password": password})).await;
        answer.assert(401, expected.clone());
        assert_eq!(answer.header("www-authenticate"), Some("Bearer realm=\"api\""));
    }
}

#[tokio::test]
async fn login_trims_whitespace_around_the_username_and_password() {
    let app = spawn_app().await;
    let user = app.create_user("alice", true, false).await;
    let answer = app
        .post("/auth/jwt/create/", json!({"username": " alice ", "password": format!("  {}  ", user.password)}))
        .await;
    answer.assert_status(200);
}

#[tokio::test]
async fn a_django_pbkdf2_password_signs_in_and_is_upgraded_to_argon2id() {
    let app = spawn_app().await;
    let user = app.create_django_user("legacy").await;
    assert!(app.user(user.id).await.unwrap().password.starts_with("pbkdf2_sha256$"));

    app.login("legacy", &user.password).await;

    let stored = app.user(user.id).await.unwrap().password;
    assert!(stored.starts_with("argon2$argon2id$v=19$m=19456,t=2,p=1$"), "{stored}");
    app.login("legacy", &user.password).await;
    app.post("/auth/jwt/create/", json!({"username": "legacy", "password": "wrong"})).await.assert_status(401);
}

#[tokio::test]
async fn a_refused_sign_in_of_an_inactive_account_leaves_its_django_hash_and_its_pending_link_as_they_were() {
    let app = spawn_app().await;
    let password = format!("{GOOD_PASSWORD}-django");
    let hash = pbkdf2_sha256(&password, "saltsaltsaltsaltsalt22", 1000);
    let user = app.insert_user("pending", &hash, false, false, &password).await;
    app.post("/auth/users/resend_activation/", json!({"email": user.email})).await.assert_status(204);
    let (uid, token) = app.last_email_to(&user.email).await.uid_and_token();

    app.post("/auth/jwt/create/", json!({"username": "pending", "password": password}))
        .await
        .assert(401, json!({"detail": "No active account found with the given credentials"}));

    assert_eq!(app.user(user.id).await.unwrap().password, hash);
    app.post("/auth/users/activation/", json!({"uid": uid, "token": token})).await.assert_status(204);
}

#[tokio::test]
async fn a_wrong_password_leaves_a_django_hash_as_it_was() {
    let app = spawn_app().await;
    let user = app.create_django_user("legacy").await;
    app.post("/auth/jwt/create/", json!({"username": "legacy", "password": "wrong"})).await.assert_status(401);
    assert!(app.user(user.id).await.unwrap().password.starts_with("pbkdf2_sha256$"));
}

#[tokio::test]
async fn refresh_rotates_and_the_spent_token_is_then_blacklisted() {
    let app = spawn_app().await;
    let user = app.create_user("alice", true, false).await;
    let (_, refresh) = app.login("alice", &user.password).await;

    let answer = app.post("/auth/jwt/refresh/", json!({"refresh": refresh})).await;
    answer.assert_status(200);
    assert!(answer.text.starts_with("{\"access\":"), "access comes first: {}", answer.text);
    let rotated = answer.json()["refresh"].as_str().unwrap().to_owned();
    assert_ne!(rotated, refresh);

    app.post("/auth/jwt/refresh/", json!({"refresh": refresh}))
        .await
        .assert(401, json!({"detail": "Token is blacklisted", "code": "token_not_valid"}));
    app.post("/auth/jwt/refresh/", json!({"refresh": rotated})).await.assert_status(200);
}

#[tokio::test]
async fn without_rotation_refresh_answers_only_an_access_token_and_the_refresh_token_stays_usable() {
    let app = spawn_app_with(&[("ROTATE_REFRESH_TOKENS", "false")]).await;
    let user = app.create_user("alice", true, false).await;
    let (_, refresh) = app.login("alice", &user.password).await;
    for _ in 0..2 {
        let answer = app.post("/auth/jwt/refresh/", json!({"refresh": refresh})).await;
        answer.assert_status(200);
        let body = answer.json();
        assert!(body["access"].is_string());
        assert!(body.get("refresh").is_none());
    }
}

#[tokio::test]
async fn of_twenty_concurrent_refreshes_of_one_token_exactly_one_succeeds() {
    let app = spawn_app().await;
    let user = app.create_user("alice", true, false).await;
    let (_, refresh) = app.login("alice", &user.password).await;

    let answers = join_all((0..20).map(|_| app.post("/auth/jwt/refresh/", json!({"refresh": refresh})))).await;

    let ok = answers.iter().filter(|a| a.status == 200).count();
    assert_eq!(ok, 1, "exactly one refresh wins");
    for answer in answers.iter().filter(|a| a.status != 200) {
        answer.assert(401, json!({"detail": "Token is blacklisted", "code": "token_not_valid"}));
    }
}

#[tokio::test]
async fn refresh_reports_each_token_problem_with_simplejwt_s_flat_body() {
    let app = spawn_app().await;
    let user = app.create_user("alice", true, false).await;
    let (access, _) = app.login("alice", &user.password).await;
    let (_, expired_refresh) = app.tokens_issued_ago(user.id, 86_401);
    let t = now();
    let no_jti = app.forge_token(json!({"token_type": "refresh", "exp": t + 60, "iat": t, "user_id": "1"}));
    let no_exp = app.forge_token(json!({"token_type": "refresh", "iat": t, "jti": "a", "user_id": "1"}));
    let no_type = app.forge_token(json!({"exp": t + 60, "iat": t, "jti": "b", "user_id": "1"}));
    let wrong_key = forge(
        "another key",
        r#"{"alg":"HS256","typ":"JWT"}"#,
        &json!({"token_type": "refresh", "exp": t + 60, "jti": "c"}),
    );

    for (token, message) in [
        (access.as_str(), "Token has wrong type"),
        ("garbage", "Token is invalid"),
        (expired_refresh.as_str(), "Token is expired"),
        (no_jti.as_str(), "Token has no id"),
        (no_exp.as_str(), "Token has no 'exp' claim"),
        (no_type.as_str(), "Token has no type"),
        (wrong_key.as_str(), "Token is invalid"),
    ] {
        let answer = app.post("/auth/jwt/refresh/", json!({"refresh": token})).await;
        answer.assert(401, json!({"detail": message, "code": "token_not_valid"}));
        assert_eq!(answer.header("www-authenticate"), Some("Bearer realm=\"api\""));
    }
    app.post("/auth/jwt/refresh/", json!({})).await.assert(400, json!({"refresh": ["This field is required."]}));
    app.post("/auth/jwt/refresh/", json!({"refresh": ""}))
        .await
        .assert(400, json!({"refresh": ["This field may not be blank."]}));
}

#[tokio::test]
async fn refresh_for_an_inactive_or_deleted_user_finds_no_active_account() {
    let app = spawn_app().await;
    let inactive = app.create_user("idle", false, false).await;
    let deleted = app.create_user("gone", true, false).await;
    let (_, inactive_refresh) = app.tokens_issued_ago(inactive.id, 0);
    let (_, deleted_refresh) = app.tokens_issued_ago(deleted.id, 0);
    assert_eq!(app.store.delete_user(deleted.id, &[]).await.unwrap(), DeleteOutcome::Done);
    let t = now();
    let odd_user =
        app.forge_token(json!({"token_type": "refresh", "exp": t + 60, "iat": t, "jti": "x1", "user_id": "abc"}));

    for token in [inactive_refresh, deleted_refresh, odd_user] {
        app.post("/auth/jwt/refresh/", json!({"refresh": token}))
            .await
            .assert(401, json!({"detail": "No active account found for the given token."}));
    }
}

#[tokio::test]
async fn verify_accepts_both_token_types_and_refuses_bad_ones() {
    let app = spawn_app().await;
    let user = app.create_user("alice", true, false).await;
    let (access, refresh) = app.login("alice", &user.password).await;

    app.post("/auth/jwt/verify/", json!({"token": access})).await.assert(200, json!({}));
    app.post("/auth/jwt/verify/", json!({"token": refresh})).await.assert(200, json!({}));
    let t = now();
    let untyped = app.forge_token(json!({"exp": t + 60, "jti": "u"}));
    app.post("/auth/jwt/verify/", json!({"token": untyped})).await.assert(200, json!({}));
    let no_jti = app.forge_token(json!({"exp": t + 60}));
    app.post("/auth/jwt/verify/", json!({"token": no_jti}))
        .await
        .assert(401, json!({"detail": "Token has no id", "code": "token_not_valid"}));
    app.post("/auth/jwt/verify/", json!({"token": "x.y.z"}))
        .await
        .assert(401, json!({"detail": "Token is invalid", "code": "token_not_valid"}));
    let (expired, _) = app.tokens_issued_ago(user.id, 301);
    app.post("/auth/jwt/verify/", json!({"token": expired}))
        .await
        .assert(401, json!({"detail": "Token is expired", "code": "token_not_valid"}));
    app.post("/auth/jwt/verify/", json!({})).await.assert(400, json!({"token": ["This field is required."]}));
}

#[tokio::test]
async fn verify_of_a_blacklisted_refresh_token_is_a_400() {
    let app = spawn_app().await;
    let user = app.create_user("alice", true, false).await;
    let (_, refresh) = app.login("alice", &user.password).await;
    app.post("/auth/jwt/blacklist/", json!({"refresh": refresh})).await.assert(200, json!({}));
    app.post("/auth/jwt/verify/", json!({"token": refresh}))
        .await
        .assert(400, json!({"non_field_errors": ["Token is blacklisted"]}));
}

#[tokio::test]
async fn blacklisting_logs_a_refresh_token_out_once() {
    let app = spawn_app().await;
    let user = app.create_user("alice", true, false).await;
    let (access, refresh) = app.login("alice", &user.password).await;

    app.post("/auth/jwt/blacklist/", json!({"refresh": refresh})).await.assert(200, json!({}));
    app.post("/auth/jwt/blacklist/", json!({"refresh": refresh}))
        .await
        .assert(401, json!({"detail": "Token is blacklisted", "code": "token_not_valid"}));
    app.post("/auth/jwt/refresh/", json!({"refresh": refresh}))
        .await
        .assert(401, json!({"detail": "Token is blacklisted", "code": "token_not_valid"}));
    app.post("/auth/jwt/blacklist/", json!({"refresh": access}))
        .await
        .assert(401, json!({"detail": "Token has wrong type", "code": "token_not_valid"}));
    app.post("/auth/jwt/blacklist/", json!({})).await.assert(400, json!({"refresh": ["This field is required."]}));
}

#[tokio::test]
async fn logging_out_a_token_without_a_session_leaves_its_access_token_to_expire() {
    let app = spawn_app().await;
    let user = app.create_user("alice", true, false).await;
    let (access, refresh) = app.tokens_issued_ago(user.id, 0);

    app.post("/auth/jwt/blacklist/", json!({"refresh": refresh})).await.assert(200, json!({}));

    // As in SimpleJWT: only a session's access tokens can be revoked (tests/api/sessions.rs).
    app.get_authed("/auth/users/me/", &access).await.assert_status(200);
}

#[tokio::test]
async fn forged_tokens_are_refused() {
    let app = spawn_app().await;
    let user = app.create_user("alice", true, false).await;
    let t = now();
    let payload = json!({"token_type": "refresh", "exp": t + 60, "iat": t, "jti": "f", "user_id": user.id.to_string()});
    let none = {
        use base64::Engine;
        let e = |s: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
        format!("{}.{}.", e(br#"{"alg":"none","typ":"JWT"}"#), e(&serde_json::to_vec(&payload).unwrap()))
    };
    let hs512 = forge(SECRET_KEY, r#"{"alg":"HS512","typ":"JWT"}"#, &payload);
    let rs256 = forge(SECRET_KEY, r#"{"alg":"RS256","typ":"JWT"}"#, &payload);
    let future_iat =
        app.forge_token(json!({"token_type": "refresh", "exp": t + 600, "iat": t + 300, "jti": "g", "user_id": "1"}));
    let text_exp = app.forge_token(json!({"token_type": "refresh", "exp": "soon", "jti": "h", "user_id": "1"}));
    let number_jti = app.forge_token(json!({"token_type": "refresh", "exp": t + 60, "jti": 5, "user_id": "1"}));
    for token in [none, hs512, rs256, future_iat, text_exp, number_jti] {
        app.post("/auth/jwt/refresh/", json!({"refresh": token}))
            .await
            .assert(401, json!({"detail": "Token is invalid", "code": "token_not_valid"}));
    }
    let genuine = app.forge_token(payload);
    app.post("/auth/jwt/refresh/", json!({"refresh": genuine})).await.assert_status(200);
}

#[tokio::test]
async fn token_views_ignore_the_authorization_header_and_only_take_post() {
    let app = spawn_app().await;
    let user = app.create_user("alice", true, false).await;
    let answer = TestAppExt::post_with_header(
        &app,
        "/auth/jwt/create/",
        "Bearer garbage",
        json!({"username": "alice", "password": user.password}),
    )
    .await;
    answer.assert_status(200);

    let answer = app.request(reqwest::Method::PUT, "/auth/jwt/create/", None, None).await;
    answer.assert(405, json!({"detail": "Method \"PUT\" not allowed."}));
    assert_eq!(answer.header("allow"), Some("POST, OPTIONS"));
}

trait TestAppExt {
    async fn post_with_header(
        &self,
        path: &str,
        authorization: &str,
        body: serde_json::Value,
    ) -> crate::helpers::Answer;
}

impl TestAppExt for crate::helpers::TestApp {
    async fn post_with_header(
        &self,
        path: &str,
        authorization: &str,
        body: serde_json::Value,
    ) -> crate::helpers::Answer {
        Self::read(self.client.post(self.url(path)).header("Authorization", authorization).json(&body)).await
    }
}

async fn rotate(app: &crate::helpers::TestApp, refresh: &str) -> crate::helpers::Answer {
    app.post("/auth/jwt/refresh/", json!({"refresh": refresh})).await
}

#[tokio::test]
async fn reusing_a_rotated_refresh_token_revokes_its_whole_family() {
    let app = spawn_app_with(&[("REFRESH_REUSE_GRACE", "0")]).await;
    let user = app.create_user("alice", true, false).await;
    let (_, stolen) = app.login("alice", &user.password).await;
    let (_, other_session) = app.login("alice", &user.password).await;
    let owner = rotate(&app, &stolen).await.json()["refresh"].as_str().unwrap().to_owned();
    let owner_next = rotate(&app, &owner).await.json()["refresh"].as_str().unwrap().to_owned();

    // The thief replays the rotated token: refused, and the family is revoked.
    rotate(&app, &stolen).await.assert(401, json!({"detail": "Token is blacklisted", "code": "token_not_valid"}));
    rotate(&app, &owner_next).await.assert(401, json!({"detail": "Token is blacklisted", "code": "token_not_valid"}));
    // Another login of the same user is another family, untouched.
    rotate(&app, &other_session).await.assert_status(200);
}

#[tokio::test]
async fn reusing_a_token_from_the_middle_of_a_chain_revokes_the_live_one() {
    let app = spawn_app_with(&[("REFRESH_REUSE_GRACE", "0")]).await;
    let user = app.create_user("alice", true, false).await;
    let (_, first) = app.login("alice", &user.password).await;
    let mut chain = vec![first];
    for _ in 0..4 {
        let next = rotate(&app, chain.last().unwrap()).await.json()["refresh"].as_str().unwrap().to_owned();
        chain.push(next);
    }

    rotate(&app, &chain[2]).await.assert(401, json!({"detail": "Token is blacklisted", "code": "token_not_valid"}));
    rotate(&app, &chain[4]).await.assert(401, json!({"detail": "Token is blacklisted", "code": "token_not_valid"}));
}

#[tokio::test]
async fn the_purge_keeps_spent_tokens_without_a_session_until_they_expire_and_then_forgets_them() {
    let app = spawn_app().await;
    let user = app.create_user("alice", true, false).await;
    let mut spent = Vec::new();
    for _ in 0..5 {
        let (_, refresh) = app.tokens_issued_ago(user.id, 0);
        rotate(&app, &refresh).await.assert_status(200);
        spent.push(refresh);
    }
    let now = gatehouse::clock::now_seconds();

    assert_eq!(app.store.purge_expired_blacklist_by(now, 2).await.unwrap(), 0);
    for token in &spent {
        rotate(&app, token).await.assert(401, json!({"detail": "Token is blacklisted", "code": "token_not_valid"}));
    }
    let after_every_expiry = now + 2 * 86_400;
    assert_eq!(app.store.purge_expired_blacklist_by(after_every_expiry, 2).await.unwrap(), 5);
    assert_eq!(app.store.purge_expired_blacklist(after_every_expiry).await.unwrap(), 0);
}

#[tokio::test]
async fn a_reuse_within_the_grace_period_revokes_nothing() {
    let app = spawn_app_with(&[("REFRESH_REUSE_GRACE", "60")]).await;
    let user = app.create_user("alice", true, false).await;
    let (_, first) = app.login("alice", &user.password).await;
    let second = rotate(&app, &first).await.json()["refresh"].as_str().unwrap().to_owned();
    rotate(&app, &first).await.assert(401, json!({"detail": "Token is blacklisted", "code": "token_not_valid"}));
    rotate(&app, &second).await.assert_status(200);
}

#[tokio::test]
async fn with_reuse_detection_off_a_replay_revokes_nothing() {
    let app = spawn_app_with(&[("REFRESH_REUSE_GRACE", "0"), ("REFRESH_REUSE_DETECTION", "false")]).await;
    let user = app.create_user("alice", true, false).await;
    let (_, first) = app.login("alice", &user.password).await;
    let second = rotate(&app, &first).await.json()["refresh"].as_str().unwrap().to_owned();
    rotate(&app, &first).await.assert_status(401);
    rotate(&app, &second).await.assert_status(200);
}
