use gatehouse::auth::reset_tokens::{encode_uid, TokenGenerator, TokenSubject};
use serde_json::json;

use crate::helpers::{now, spawn_app, spawn_app_with, TestApp, FRONTEND_URL, GOOD_PASSWORD, SECRET_KEY};

const NEW_PASSWORD: &str = "Brand-new-Passw0rd";

/// A fresh token for the user as stored now, minted `seconds_ago`.
async fn token_for(app: &TestApp, user_id: i64, seconds_ago: i64) -> String {
    let user = app.user(user_id).await.unwrap();
    TokenGenerator::new(SECRET_KEY, 259_200).make_token(&TokenSubject::of(&user), now() - seconds_ago)
}

#[tokio::test]
async fn e_mail_requests_check_the_address_first() {
    let app = spawn_app().await;
    for path in ["/auth/users/resend_activation/", "/auth/users/reset_password/", "/auth/users/reset_username/"] {
        app.post(path, json!({})).await.assert(400, json!({"email": ["This field is required."]}));
        app.post(path, json!({"email": "nope"})).await.assert(400, json!({"email": ["Enter a valid email address."]}));
        app.post(path, json!({"email": ""})).await.assert(400, json!({"email": ["This field may not be blank."]}));
    }
}

#[tokio::test]
async fn unknown_addresses_get_the_same_answer_and_no_mail() {
    let app = spawn_app().await;
    app.create_user("alice", true, false).await;
    for path in ["/auth/users/resend_activation/", "/auth/users/reset_password/", "/auth/users/reset_username/"] {
        for email in ["nobody@example.com", "Alice@example.com"] {
            let answer = app.post(path, json!({"email": email})).await;
            answer.assert_status(204);
            assert_eq!(answer.text, "");
        }
    }
    assert!(app.emails().await.is_empty());
}

#[tokio::test]
async fn either_show_email_not_found_flag_reports_unknown_addresses_on_all_three_endpoints() {
    for flag in ["PASSWORD_RESET_SHOW_EMAIL_NOT_FOUND", "USERNAME_RESET_SHOW_EMAIL_NOT_FOUND"] {
        let app = spawn_app_with(&[(flag, "true")]).await;
        app.create_user("idle", false, false).await;
        for path in ["/auth/users/resend_activation/", "/auth/users/reset_password/", "/auth/users/reset_username/"] {
            app.post(path, json!({"email": "nobody@example.com"}))
                .await
                .assert(400, json!(["User with given email does not exist."]));
        }
        // An inactive account is "not found" for the resets, found for the resend.
        app.post("/auth/users/reset_password/", json!({"email": "idle@example.com"}))
            .await
            .assert(400, json!(["User with given email does not exist."]));
        app.post("/auth/users/resend_activation/", json!({"email": "idle@example.com"})).await.assert_status(204);
    }
}

#[tokio::test]
async fn resend_activation_mails_inactive_accounts_only() {
    let app = spawn_app().await;
    app.create_user("alice", true, false).await;
    app.create_user("idle", false, false).await;
    app.post("/auth/users/resend_activation/", json!({"email": "alice@example.com"})).await.assert_status(204);
    assert!(app.emails().await.is_empty());
    app.post("/auth/users/resend_activation/", json!({"email": "idle@example.com"})).await.assert_status(204);
    let email = app.last_email_to("idle@example.com").await;
    assert_eq!(email.subject, "Account activation on Gatehouse");
    let (uid, token) = email.uid_and_token();
    app.post("/auth/users/activation/", json!({"uid": uid, "token": token})).await.assert_status(204);
}

#[tokio::test]
async fn resend_activation_with_activation_off_is_an_empty_400_after_field_checks() {
    let app = spawn_app_with(&[("SEND_ACTIVATION_EMAIL", "false")]).await;
    app.create_user("idle", false, false).await;
    app.post("/auth/users/resend_activation/", json!({}))
        .await
        .assert(400, json!({"email": ["This field is required."]}));
    let answer = app.post("/auth/users/resend_activation/", json!({"email": "idle@example.com"})).await;
    answer.assert_status(400);
    assert_eq!(answer.text, "");
    assert!(app.emails().await.is_empty());
}

#[tokio::test]
async fn accounts_without_a_usable_password_get_no_mail() {
    let app = spawn_app().await;
    let unusable = gatehouse::auth::password::unusable();
    app.insert_user("ghost", &unusable, true, false, "").await;
    app.insert_user("ghost2", &unusable, false, false, "").await;
    app.post("/auth/users/reset_password/", json!({"email": "ghost@example.com"})).await.assert_status(204);
    app.post("/auth/users/resend_activation/", json!({"email": "ghost2@example.com"})).await.assert_status(204);
    assert!(app.emails().await.is_empty());
}

#[tokio::test]
async fn several_accounts_sharing_an_address_each_get_their_own_link() {
    let app = spawn_app().await;
    let first = app.create_user("first", true, false).await;
    let second = app.create_user("second", true, false).await;
    sqlx::query("UPDATE users SET email = 'shared@example.com'").execute(&app.database().await).await.unwrap();

    app.post("/auth/users/reset_password/", json!({"email": "shared@example.com"})).await.assert_status(204);

    let emails = app.emails().await;
    assert_eq!(emails.len(), 2);
    let uids: Vec<String> = emails.iter().map(|email| email.uid_and_token().0).collect();
    assert!(uids.contains(&encode_uid(first.id)) && uids.contains(&encode_uid(second.id)));
    assert!(emails.iter().any(|e| e.text.contains("Your username, in case you've forgotten: first")));
    assert!(emails.iter().any(|e| e.text.contains("Your username, in case you've forgotten: second")));
}

#[tokio::test]
async fn a_forgotten_password_is_reset_by_link_and_only_the_new_one_signs_in() {
    let app = spawn_app().await;
    let user = app.create_user("alice", true, false).await;
    app.post("/auth/users/reset_password/", json!({"email": "alice@example.com"})).await.assert_status(204);

    let email = app.last_email_to("alice@example.com").await;
    assert_eq!(email.subject, "Password reset on Gatehouse");
    assert!(email.link().starts_with(&format!("{FRONTEND_URL}/password/reset/confirm/{}/", encode_uid(user.id))));
    let (uid, token) = email.uid_and_token();
    app.post("/auth/users/reset_password_confirm/", json!({"uid": uid, "token": token, "new_password": NEW_PASSWORD}))
        .await
        .assert_status(204);

    app.login("alice", NEW_PASSWORD).await;
    app.post("/auth/jwt/create/", json!({"username": "alice", "password": user.password})).await.assert_status(401);
    assert_eq!(
        app.last_email_to("alice@example.com").await.subject,
        "Gatehouse - Your password has been successfully changed!"
    );
    // The link is spent.
    app.post(
        "/auth/users/reset_password_confirm/",
        json!({"uid": uid, "token": token, "new_password": "Another-Passw0rd-9"}),
    )
    .await
    .assert(400, json!({"token": ["Invalid token for given user."]}));
}

#[tokio::test]
async fn reset_password_confirm_runs_the_validators_before_looking_at_the_link() {
    let app = spawn_app().await;
    app.post("/auth/users/reset_password_confirm/", json!({})).await.assert(
        400,
        json!({"uid": ["This field is required."], "token": ["This field is required."], "new_password": ["This field is required."]}),
    );
    app.post(
        "/auth/users/reset_password_confirm/",
        json!({"uid": "garbage", "token": "garbage", "new_password": "123"}),
    )
    .await
    .assert(
        400,
        json!({"new_password": [
            "This password is too short. It must contain at least 8 characters.",
            "This password is too common.",
            "This password is entirely numeric."
        ]}),
    );
    app.post(
        "/auth/users/reset_password_confirm/",
        json!({"uid": "garbage", "token": "garbage", "new_password": NEW_PASSWORD}),
    )
    .await
    .assert(400, json!({"uid": ["Invalid user id or user doesn't exist."]}));
    let user = app.create_user("alice", true, false).await;
    app.post(
        "/auth/users/reset_password_confirm/",
        json!({"uid": encode_uid(user.id), "token": "1-2", "new_password": NEW_PASSWORD}),
    )
    .await
    .assert(400, json!({"token": ["Invalid token for given user."]}));
    app.post(
        "/auth/users/reset_password_confirm/",
        json!({"uid": user.id, "token": "1-2", "new_password": NEW_PASSWORD}),
    )
    .await
    .assert(400, json!({"uid": ["Invalid user id or user doesn't exist."]}));
}

#[tokio::test]
async fn reset_password_confirm_with_retype_checks_the_match_before_the_link() {
    let app = spawn_app_with(&[("PASSWORD_RESET_CONFIRM_RETYPE", "true")]).await;
    app.post("/auth/users/reset_password_confirm/", json!({"uid": "x", "token": "y", "new_password": NEW_PASSWORD}))
        .await
        .assert(400, json!({"re_new_password": ["This field is required."]}));
    app.post(
        "/auth/users/reset_password_confirm/",
        json!({"uid": "x", "token": "y", "new_password": NEW_PASSWORD, "re_new_password": "other"}),
    )
    .await
    .assert(400, json!({"non_field_errors": ["The two password fields didn't match."]}));
}

#[tokio::test]
async fn an_inactive_account_can_reset_its_password_and_stays_inactive() {
    let app = spawn_app().await;
    let user = app.create_user("idle", false, false).await;
    let token = token_for(&app, user.id, 0).await;
    app.post(
        "/auth/users/reset_password_confirm/",
        json!({"uid": encode_uid(user.id), "token": token, "new_password": NEW_PASSWORD}),
    )
    .await
    .assert_status(204);
    let stored = app.user(user.id).await.unwrap();
    assert!(!stored.is_active);
    assert!(gatehouse::auth::password::verify_encoded(&stored.password, NEW_PASSWORD));
}

#[tokio::test]
async fn a_link_sent_for_one_flow_is_refused_by_the_others() {
    let app = spawn_app().await;
    app.post("/auth/users/", json!({"username": "alice", "email": "alice@example.com", "password": GOOD_PASSWORD}))
        .await
        .assert_status(201);
    let (uid, activation_token) = app.last_email_to("alice@example.com").await.uid_and_token();

    // Djoser takes an activation token as a username reset (one generator makes both); here
    // a link opens only the page it was sent for.
    app.post(
        "/auth/users/reset_username_confirm/",
        json!({"uid": uid, "token": activation_token, "new_username": "alice2"}),
    )
    .await
    .assert(400, json!({"token": ["Invalid token for given user."]}));
    app.post("/auth/users/activation/", json!({"uid": uid, "token": activation_token})).await.assert_status(204);
}

#[tokio::test]
async fn a_changed_password_or_email_or_an_expired_clock_invalidates_a_link() {
    let app = spawn_app().await;
    let (user, access) = app.signed_in_user("alice").await;
    let uid = encode_uid(user.id);

    let expired = token_for(&app, user.id, 259_201).await;
    app.post(
        "/auth/users/reset_password_confirm/",
        json!({"uid": uid, "token": expired, "new_password": NEW_PASSWORD}),
    )
    .await
    .assert(400, json!({"token": ["Invalid token for given user."]}));

    let before_password_change = token_for(&app, user.id, 0).await;
    app.post_authed(
        "/auth/users/set_password/",
        &access,
        json!({"new_password": NEW_PASSWORD, "current_password": user.password}),
    )
    .await
    .assert_status(204);
    app.post(
        "/auth/users/reset_password_confirm/",
        json!({"uid": uid, "token": before_password_change, "new_password": "Third-Passw0rd-3"}),
    )
    .await
    .assert(400, json!({"token": ["Invalid token for given user."]}));

    let before_email_change = token_for(&app, user.id, 0).await;
    sqlx::query("UPDATE users SET email = 'other@example.com' WHERE id = $1")
        .bind(user.id)
        .execute(&app.database().await)
        .await
        .unwrap();
    app.post(
        "/auth/users/reset_password_confirm/",
        json!({"uid": uid, "token": before_email_change, "new_password": "Third-Passw0rd-3"}),
    )
    .await
    .assert(400, json!({"token": ["Invalid token for given user."]}));
}

#[tokio::test]
async fn a_forgotten_username_is_replaced_by_link_and_the_new_one_signs_in() {
    let app = spawn_app().await;
    let user = app.create_user("alice", true, false).await;
    app.post("/auth/users/reset_username/", json!({"email": "alice@example.com"})).await.assert_status(204);
    let email = app.last_email_to("alice@example.com").await;
    assert_eq!(email.subject, "Username reset on Gatehouse");
    assert!(email.link().starts_with(&format!("{FRONTEND_URL}/username/reset/confirm/")));
    let (uid, token) = email.uid_and_token();

    app.post("/auth/users/reset_username_confirm/", json!({"uid": uid, "token": token, "new_username": " ａlicia "}))
        .await
        .assert_status(204);

    // Stored NFKC-normalised, as at registration.
    app.login("alicia", &user.password).await;
    app.post("/auth/jwt/create/", json!({"username": "alice", "password": user.password})).await.assert_status(401);
    assert_eq!(
        app.last_email_to("alice@example.com").await.subject,
        "Gatehouse - Your username has been successfully changed!"
    );
    // Single use, even within the same second.
    app.post("/auth/users/reset_username_confirm/", json!({"uid": uid, "token": token, "new_username": "alice3"}))
        .await
        .assert(400, json!({"token": ["Invalid token for given user."]}));
}

#[tokio::test]
async fn reset_username_confirm_reports_only_the_username_as_a_field() {
    let app = spawn_app().await;
    let user = app.create_user("alice", true, false).await;
    app.create_user("bob", true, false).await;
    let uid = encode_uid(user.id);
    app.post("/auth/users/reset_username_confirm/", json!({}))
        .await
        .assert(400, json!({"new_username": ["This field is required."]}));
    app.post("/auth/users/reset_username_confirm/", json!({"new_username": "carol"}))
        .await
        .assert(400, json!({"uid": ["Invalid user id or user doesn't exist."]}));
    for uid_value in [json!(user.id), json!(["x"]), json!(null)] {
        app.post("/auth/users/reset_username_confirm/", json!({"new_username": "carol", "uid": uid_value}))
            .await
            .assert(400, json!({"uid": ["Invalid user id or user doesn't exist."]}));
    }
    app.post("/auth/users/reset_username_confirm/", json!({"new_username": "carol", "uid": uid}))
        .await
        .assert(400, json!({"token": ["Invalid token for given user."]}));
    let token = token_for(&app, user.id, 0).await;
    app.post("/auth/users/reset_username_confirm/", json!({"new_username": "bob", "uid": uid, "token": token}))
        .await
        .assert(400, json!({"new_username": ["A user with that username already exists."]}));
}

#[tokio::test]
async fn reset_username_confirm_with_retype_checks_the_match_before_the_link() {
    let app = spawn_app_with(&[("USERNAME_RESET_CONFIRM_RETYPE", "true")]).await;
    app.post("/auth/users/reset_username_confirm/", json!({"new_username": "carol"}))
        .await
        .assert(400, json!({"re_new_username": ["This field is required."]}));
    app.post("/auth/users/reset_username_confirm/", json!({"new_username": "carol", "re_new_username": "karol"}))
        .await
        .assert(400, json!({"non_field_errors": ["The two username fields didn't match."]}));
}

#[tokio::test]
async fn confirmation_e_mails_follow_their_settings() {
    let app = spawn_app_with(&[
        ("SEND_CONFIRMATION_EMAIL", "false"),
        ("PASSWORD_CHANGED_EMAIL_CONFIRMATION", "false"),
        ("USERNAME_CHANGED_EMAIL_CONFIRMATION", "false"),
    ])
    .await;
    let (user, access) = app.signed_in_user("alice").await;
    app.post_authed(
        "/auth/users/set_password/",
        &access,
        json!({"new_password": NEW_PASSWORD, "current_password": user.password}),
    )
    .await
    .assert_status(204);
    app.post_authed(
        "/auth/users/set_username/",
        &access,
        json!({"new_username": "alice2", "current_password": NEW_PASSWORD}),
    )
    .await
    .assert_status(204);
    let idle = app.create_user("idle", false, false).await;
    let token = token_for(&app, idle.id, 0).await;
    app.post("/auth/users/activation/", json!({"uid": encode_uid(idle.id), "token": token})).await.assert_status(204);
    assert!(app.emails().await.is_empty());
}

#[tokio::test]
async fn reset_password_confirm_compares_the_password_with_a_signed_in_requester() {
    let app = spawn_app().await;
    let (_, token) = app.signed_in_user("alicealice").await;
    app.post_authed(
        "/auth/users/reset_password_confirm/",
        &token,
        json!({"uid": "x", "token": "y", "new_password": "alicealice1"}),
    )
    .await
    .assert(400, json!({"new_password": ["The password is too similar to the username."]}));
}

#[tokio::test]
async fn a_request_for_an_unknown_address_keeps_nothing() {
    let app = spawn_app().await;
    app.post("/auth/users/reset_password/", json!({"email": "nobody@example.com"})).await.assert_status(204);
    app.post("/auth/users/reset_username/", json!({"email": "nobody@example.com"})).await.assert_status(204);
    app.post("/auth/users/resend_activation/", json!({"email": "nobody@example.com"})).await.assert_status(204);
    let database = app.database().await;
    for table in ["gatehouse_email_outbox", "gatehouse_link_tokens"] {
        let rows: i64 =
            sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}")).fetch_one(&database).await.unwrap();
        assert_eq!(rows, 0, "{table}");
    }
    assert!(app.emails().await.is_empty());
}
