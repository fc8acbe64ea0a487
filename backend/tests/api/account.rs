use gatehouse::auth::reset_tokens::{encode_uid, TokenGenerator, TokenSubject};
use reqwest::Method;
use serde_json::json;

use crate::helpers::{now, spawn_app, spawn_app_with, TestApp, GOOD_PASSWORD, SECRET_KEY};

#[tokio::test]
async fn activation_reports_missing_fields_then_the_uid_then_the_token() {
    let app = spawn_app().await;
    let user = app.create_user("idle", false, false).await;
    app.post("/auth/users/activation/", json!({}))
        .await
        .assert(400, json!({"uid": ["This field is required."], "token": ["This field is required."]}));
    app.post("/auth/users/activation/", json!({"uid": "", "token": " "}))
        .await
        .assert(400, json!({"uid": ["This field may not be blank."], "token": ["This field may not be blank."]}));
    let invalid_uid = json!({"uid": ["Invalid user id or user doesn't exist."]});
    for uid in [json!("garbage!"), json!(encode_uid(999_999)), json!(user.id)] {
        app.post("/auth/users/activation/", json!({"uid": uid, "token": "bad-token"}))
            .await
            .assert(400, invalid_uid.clone());
    }
    app.post("/auth/users/activation/", json!({"uid": encode_uid(user.id), "token": "abc-def"}))
        .await
        .assert(400, json!({"token": ["Invalid token for given user."]}));
}

#[tokio::test]
async fn a_second_click_on_an_activation_link_is_a_stale_token() {
    let app = spawn_app().await;
    app.post("/auth/users/", json!({"username": "alice", "email": "alice@example.com", "password": GOOD_PASSWORD}))
        .await
        .assert_status(201);
    let (uid, token) = app.last_email_to("alice@example.com").await.uid_and_token();

    app.post("/auth/users/activation/", json!({"uid": uid, "token": token})).await.assert_status(204);
    app.post("/auth/users/activation/", json!({"uid": uid, "token": token}))
        .await
        .assert(403, json!({"detail": "Stale token for given user."}));

    let confirmation = app.last_email_to("alice@example.com").await;
    assert_eq!(confirmation.subject, "Gatehouse - Your account has been successfully created and activated!");
}

#[tokio::test]
async fn an_activation_token_minted_with_django_s_algorithm_is_accepted() {
    let app = spawn_app().await;
    let user = app.create_user("idle", false, false).await;
    let stored = app.user(user.id).await.unwrap();
    let token = TokenGenerator::new(SECRET_KEY, 259_200).make_token(&TokenSubject::of(&stored), now() - 3600);

    app.post("/auth/users/activation/", json!({"uid": encode_uid(user.id), "token": token})).await.assert_status(204);
    assert!(app.user(user.id).await.unwrap().is_active);
}

#[tokio::test]
async fn an_expired_activation_token_is_invalid() {
    let app = spawn_app().await;
    let user = app.create_user("idle", false, false).await;
    let stored = app.user(user.id).await.unwrap();
    let token = TokenGenerator::new(SECRET_KEY, 259_200).make_token(&TokenSubject::of(&stored), now() - 259_300);
    app.post("/auth/users/activation/", json!({"uid": encode_uid(user.id), "token": token}))
        .await
        .assert(400, json!({"token": ["Invalid token for given user."]}));
}

#[tokio::test]
async fn activation_accepts_form_encoded_bodies() {
    let app = spawn_app().await;
    let user = app.create_user("idle", false, false).await;
    let stored = app.user(user.id).await.unwrap();
    let token = TokenGenerator::new(SECRET_KEY, 259_200).make_token(&TokenSubject::of(&stored), now());
    let answer = crate::helpers::TestApp::read(
        app.client.post(app.url("/auth/users/activation/")).form(&[("uid", encode_uid(user.id)), ("token", token)]),
    )
    .await;
    answer.assert_status(204);
}

#[tokio::test]
async fn set_password_reports_missing_fields_in_serializer_order() {
    let app = spawn_app().await;
    let (_, token) = app.signed_in_user("alice").await;
    let answer = app.post_authed("/auth/users/set_password/", &token, json!({})).await;
    answer.assert(
        400,
        json!({"new_password": ["This field is required."], "current_password": ["This field is required."]}),
    );
    crate::helpers::assert_key_order(&answer.text, &["new_password", "current_password"]);
}

#[tokio::test]
async fn set_password_checks_the_current_password_before_the_validators() {
    let app = spawn_app().await;
    let (user, token) = app.signed_in_user("alice").await;
    app.post_authed("/auth/users/set_password/", &token, json!({"new_password": "123", "current_password": "wrong"}))
        .await
        .assert(400, json!({"current_password": ["Invalid password."]}));
    app.post_authed(
        "/auth/users/set_password/",
        &token,
        json!({"new_password": "alice_9x", "current_password": user.password}),
    )
    .await
    .assert(400, json!({"new_password": ["The password is too similar to the username."]}));
}

#[tokio::test]
async fn a_changed_password_signs_in_and_the_old_one_does_not() {
    let app = spawn_app().await;
    let (user, token) = app.signed_in_user("alice").await;
    let new_password = "Fresh-Passw0rd-2026";
    app.post_authed(
        "/auth/users/set_password/",
        &token,
        json!({"new_password": new_password, "current_password": user.password}),
    )
    .await
    .assert_status(204);

    app.post("/auth/jwt/create/", json!({"username": "alice", "password": user.password})).await.assert_status(401);
    app.login("alice", new_password).await;
    // Existing tokens stay valid, as in SimpleJWT.
    app.get_authed("/auth/users/me/", &token).await.assert_status(200);
    let email = app.last_email_to("alice@example.com").await;
    assert_eq!(email.subject, "Gatehouse - Your password has been successfully changed!");
}

#[tokio::test]
async fn set_password_with_retype_requires_matching_passwords_after_the_validators() {
    let app = spawn_app_with(&[("SET_PASSWORD_RETYPE", "true")]).await;
    let (user, token) = app.signed_in_user("alice").await;
    let answer = app.post_authed("/auth/users/set_password/", &token, json!({})).await;
    answer.assert(
        400,
        json!({
            "new_password": ["This field is required."],
            "re_new_password": ["This field is required."],
            "current_password": ["This field is required."]
        }),
    );
    crate::helpers::assert_key_order(&answer.text, &["new_password", "re_new_password", "current_password"]);
    app.post_authed(
        "/auth/users/set_password/",
        &token,
        json!({"new_password": "Fresh-Passw0rd-2026", "re_new_password": "other", "current_password": user.password}),
    )
    .await
    .assert(400, json!({"non_field_errors": ["The two password fields didn't match."]}));
}

#[tokio::test]
async fn set_username_reports_the_password_and_the_username_together() {
    let app = spawn_app().await;
    let (_, token) = app.signed_in_user("alice").await;
    app.create_user("bob", true, false).await;
    let answer = app
        .post_authed("/auth/users/set_username/", &token, json!({"new_username": "bob", "current_password": "wrong"}))
        .await;
    answer.assert(400, json!({"current_password": ["Invalid password."], "new_username": ["A user with that username already exists."]}));
    crate::helpers::assert_key_order(&answer.text, &["current_password", "new_username"]);
    app.post_authed("/auth/users/set_username/", &token, json!({})).await.assert(
        400,
        json!({"current_password": ["This field is required."], "new_username": ["This field is required."]}),
    );
}

#[tokio::test]
async fn setting_one_s_own_username_again_is_taken() {
    let app = spawn_app().await;
    let (user, token) = app.signed_in_user("alice").await;
    app.post_authed(
        "/auth/users/set_username/",
        &token,
        json!({"new_username": "alice", "current_password": user.password}),
    )
    .await
    .assert(400, json!({"new_username": ["A user with that username already exists."]}));
}

#[tokio::test]
async fn a_changed_username_is_stored_normalised_as_at_registration_and_signs_in() {
    let app = spawn_app().await;
    let (user, token) = app.signed_in_user("alice").await;
    app.post_authed(
        "/auth/users/set_username/",
        &token,
        json!({"new_username": " ａlice2 ", "current_password": user.password}),
    )
    .await
    .assert_status(204);
    assert_eq!(app.user(user.id).await.unwrap().username, "alice2");
    app.login("alice2", &user.password).await;
    app.post("/auth/jwt/create/", json!({"username": "alice", "password": user.password})).await.assert_status(401);
    assert_eq!(
        app.last_email_to("alice@example.com").await.subject,
        "Gatehouse - Your username has been successfully changed!"
    );
}

#[tokio::test]
async fn set_username_with_retype_requires_matching_usernames() {
    let app = spawn_app_with(&[("SET_USERNAME_RETYPE", "true")]).await;
    let (user, token) = app.signed_in_user("alice").await;
    app.post_authed(
        "/auth/users/set_username/",
        &token,
        json!({"new_username": "carol", "re_new_username": "caro1", "current_password": user.password}),
    )
    .await
    .assert(400, json!({"non_field_errors": ["The two username fields didn't match."]}));
}

#[tokio::test]
async fn account_actions_need_authentication_before_anything_else_even_the_body() {
    let app = spawn_app().await;
    let not_provided = json!({"detail": "Authentication credentials were not provided."});
    let bodies = [
        ("application/json", "{}"),
        ("application/json", "{not json"),
        ("application/json", "[1]"),
        ("text/plain", "hello"),
    ];
    for path in ["/auth/users/set_password/", "/auth/users/set_username/", "/auth/users/me/mfa/totp/"] {
        for (content_type, body) in bodies {
            let answer =
                TestApp::read(app.client.post(app.url(path)).header("Content-Type", content_type).body(body)).await;
            answer.assert(401, not_provided.clone());
            assert!(answer.header("www-authenticate").is_some(), "{path} {body}");
        }
    }
}

#[tokio::test]
async fn other_methods_on_action_routes_are_401_for_anonymous_and_405_for_users() {
    let app = spawn_app().await;
    let (_, token) = app.signed_in_user("alice").await;
    for path in ["/auth/users/activation/", "/auth/users/set_password/", "/auth/users/set_username/"] {
        app.request(Method::GET, path, None, None)
            .await
            .assert(401, json!({"detail": "Authentication credentials were not provided."}));
        let answer = app.request(Method::GET, path, Some(&token), None).await;
        answer.assert(405, json!({"detail": "Method \"GET\" not allowed."}));
        assert_eq!(answer.header("allow"), Some("POST, OPTIONS"));
    }
    app.request(Method::PUT, "/auth/users/", Some(&token), Some(json!({})))
        .await
        .assert(405, json!({"detail": "Method \"PUT\" not allowed."}));
    app.request(Method::POST, "/auth/users/me/", Some(&token), Some(json!({})))
        .await
        .assert(405, json!({"detail": "Method \"POST\" not allowed."}));
    app.request(Method::PUT, "/auth/users/", None, Some(json!({})))
        .await
        .assert(401, json!({"detail": "Authentication credentials were not provided."}));
}

#[tokio::test]
async fn a_used_activation_link_does_not_reset_the_password_after_sign_in() {
    let app = spawn_app().await;
    app.post("/auth/users/", json!({"username": "alice", "email": "alice@example.com", "password": GOOD_PASSWORD}))
        .await
        .assert_status(201);
    let (uid, token) = app.last_email_to("alice@example.com").await.uid_and_token();
    app.post("/auth/users/activation/", json!({"uid": uid, "token": token})).await.assert_status(204);
    app.login("alice", GOOD_PASSWORD).await;

    // The link as it stood in an inbox, or in a log: it opened one account, once.
    let takeover = json!({"uid": uid, "token": token, "new_password": "Taken-Over-Passw0rd"});
    app.post("/auth/users/reset_password_confirm/", takeover)
        .await
        .assert(400, json!({"token": ["Invalid token for given user."]}));
    let takeover = json!({"uid": uid, "token": token, "new_username": "mallory"});
    app.post("/auth/users/reset_username_confirm/", takeover)
        .await
        .assert(400, json!({"token": ["Invalid token for given user."]}));
    app.login("alice", GOOD_PASSWORD).await;
}

#[tokio::test]
async fn an_unused_activation_link_does_not_set_a_password() {
    let app = spawn_app().await;
    app.post("/auth/users/", json!({"username": "alice", "email": "alice@example.com", "password": GOOD_PASSWORD}))
        .await
        .assert_status(201);
    let (uid, token) = app.last_email_to("alice@example.com").await.uid_and_token();
    let takeover = json!({"uid": uid, "token": token, "new_password": "Taken-Over-Passw0rd"});
    app.post("/auth/users/reset_password_confirm/", takeover)
        .await
        .assert(400, json!({"token": ["Invalid token for given user."]}));
    // It still activates the account it was sent for.
    app.post("/auth/users/activation/", json!({"uid": uid, "token": token})).await.assert_status(204);
}

#[tokio::test]
async fn a_password_reset_link_does_not_change_the_username() {
    let app = spawn_app().await;
    let user = app.create_user("alice", true, false).await;
    app.post("/auth/users/reset_password/", json!({"email": user.email})).await.assert_status(204);
    let (uid, token) = app.last_email_to(&user.email).await.uid_and_token();
    app.post("/auth/users/reset_username_confirm/", json!({"uid": uid, "token": token, "new_username": "mallory"}))
        .await
        .assert(400, json!({"token": ["Invalid token for given user."]}));
    app.post(
        "/auth/users/reset_password_confirm/",
        json!({"uid": uid, "token": token, "new_password": "Brand-new-Passw0rd"}),
    )
    .await
    .assert_status(204);
}

#[tokio::test]
async fn a_django_made_link_works_once_and_then_for_nothing_else() {
    let app = spawn_app().await;
    let user = app.create_user("idle", false, false).await;
    let stored = app.user(user.id).await.unwrap();
    let token = TokenGenerator::new(SECRET_KEY, 259_200).make_token(&TokenSubject::of(&stored), now() - 60);
    let uid = encode_uid(user.id);

    app.post("/auth/users/activation/", json!({"uid": uid, "token": token})).await.assert_status(204);
    app.post(
        "/auth/users/reset_password_confirm/",
        json!({"uid": uid, "token": token, "new_password": "Taken-Over-Passw0rd"}),
    )
    .await
    .assert(400, json!({"token": ["Invalid token for given user."]}));
}

#[tokio::test]
async fn a_full_width_look_alike_of_a_taken_username_is_taken() {
    let app = spawn_app().await;
    app.create_user("admin", true, true).await;
    let (user, token) = app.signed_in_user("mallory").await;
    app.post_authed(
        "/auth/users/set_username/",
        &token,
        json!({"new_username": "ａｄｍｉｎ", "current_password": user.password}),
    )
    .await
    .assert(400, json!({"new_username": ["A user with that username already exists."]}));
}

#[tokio::test]
async fn an_e_mail_address_with_control_characters_is_refused() {
    let app = spawn_app().await;
    let address = "\"al\u{7}ice\"@example.com";
    app.post("/auth/users/", json!({"username": "alice", "email": address, "password": GOOD_PASSWORD}))
        .await
        .assert(400, json!({"email": ["Enter a valid email address."]}));
    let (_, token) = app.signed_in_user("bob").await;
    let answer = app.request(Method::PATCH, "/auth/users/me/", Some(&token), Some(json!({"email": address}))).await;
    answer.assert(400, json!({"email": ["Enter a valid email address."]}));
}
