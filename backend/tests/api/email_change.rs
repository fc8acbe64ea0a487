//! An e-mail change is always told to the old address, with a link that takes it back and ends
//! every session; `GATEHOUSE_EMAIL_CHANGE_REQUIRES_PASSWORD` makes API clients confirm it.

use reqwest::Method;
use serde_json::json;

use crate::helpers::{pairs, spawn_app, spawn_app_with, GOOD_PASSWORD};

const NOT_VALID: &str = "Invalid token for given user.";

#[tokio::test]
async fn a_stolen_access_token_s_email_change_is_told_to_the_old_address_which_takes_the_account_back() {
    let app = spawn_app().await;
    let (user, owner_token) = app.signed_in_user("alice").await;
    let (thief_token, thief_refresh) = app.login("alice", &user.password).await;

    // The thief moves the account to their address: Djoser's answer, unchanged.
    let answer = app
        .request(Method::PATCH, "/auth/users/me/", Some(&thief_token), Some(json!({"email": "thief@example.net"})))
        .await;
    answer.assert_status(200);
    assert_eq!(answer.json()["email"], "thief@example.net");

    let notice = app.last_email_to("alice@example.com").await;
    assert_eq!(notice.subject, "Gatehouse - The e-mail address of your account was changed");
    assert!(notice.text.contains("was changed to thief@example.net"), "{}", notice.text);
    assert!(notice.html.contains("<b>thief@example.net</b>"), "{}", notice.html);
    let link = notice.link();
    assert!(link.starts_with("http://app.test/email/revert/"), "{link}");
    let (uid, token) = notice.uid_and_token();

    // The owner opens the link: the address is back, the account active, every session over.
    app.post("/auth/users/revert_email/", json!({"uid": uid, "token": token})).await.assert_status(204);
    assert_eq!(app.user(user.id).await.unwrap().email, "alice@example.com");
    assert!(app.user(user.id).await.unwrap().is_active);
    for token in [&thief_token, &owner_token] {
        app.get_authed("/auth/users/me/", token).await.assert_status(401);
    }
    app.post("/auth/jwt/refresh/", json!({"refresh": thief_refresh}))
        .await
        .assert(401, json!({"detail": "Token is blacklisted", "code": "token_not_valid"}));
    // A reset now reaches the owner, not the thief.
    app.post("/auth/users/reset_password/", json!({"email": "alice@example.com"})).await.assert_status(204);
    assert_eq!(app.last_email_to("alice@example.com").await.subject, "Password reset on Gatehouse");

    // The link works once.
    app.post("/auth/users/revert_email/", json!({"uid": uid, "token": token}))
        .await
        .assert(400, json!({"token": [NOT_VALID]}));

    // The owner's recent activity tells the story: the change, and the change taken back.
    let (access, _) = app.login("alice", &user.password).await;
    let events = app.activity(&access).await;
    assert_eq!(
        events[..4],
        pairs(&[
            ("user.signed_in", "password"),
            ("email.changed", "reverted"),
            ("email.changed", ""),
            ("user.updated", "email,is_active")
        ])
    );
}

#[tokio::test]
async fn the_link_restores_the_first_address_even_after_a_second_change() {
    let app = spawn_app_with(&[("SEND_ACTIVATION_EMAIL", "false")]).await;
    let (user, token) = app.signed_in_user("alice").await;
    for address in ["first@example.net", "second@example.net"] {
        let body = json!({"email": address});
        app.request(Method::PATCH, "/auth/users/me/", Some(&token), Some(body)).await.assert_status(200);
    }
    let (uid, revert) = app.last_email_to("alice@example.com").await.uid_and_token();

    app.post("/auth/users/revert_email/", json!({"uid": uid, "token": revert})).await.assert_status(204);

    assert_eq!(app.user(user.id).await.unwrap().email, "alice@example.com");
}

#[tokio::test]
async fn a_revert_link_is_refused_for_another_account_a_bad_uid_or_a_made_up_token() {
    let app = spawn_app_with(&[("SEND_ACTIVATION_EMAIL", "false")]).await;
    let (_, token) = app.signed_in_user("alice").await;
    let bob = app.create_user("bob", true, false).await;
    let body = json!({"email": "new@example.net"});
    app.request(Method::PATCH, "/auth/users/me/", Some(&token), Some(body)).await.assert_status(200);
    let (_, revert) = app.last_email_to("alice@example.com").await.uid_and_token();
    let bob_uid = {
        use base64::Engine;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bob.id.to_string())
    };

    app.post("/auth/users/revert_email/", json!({"uid": bob_uid, "token": revert}))
        .await
        .assert(400, json!({"token": [NOT_VALID]}));
    app.post("/auth/users/revert_email/", json!({"uid": "zzzz", "token": revert}))
        .await
        .assert(400, json!({"uid": ["Invalid user id or user doesn't exist."]}));
    app.post("/auth/users/revert_email/", json!({"uid": bob_uid, "token": "made-up"}))
        .await
        .assert(400, json!({"token": [NOT_VALID]}));
    app.post("/auth/users/revert_email/", json!({}))
        .await
        .assert(400, json!({"uid": ["This field is required."], "token": ["This field is required."]}));
}

#[tokio::test]
async fn a_revert_link_opens_nothing_else() {
    let app = spawn_app_with(&[("SEND_ACTIVATION_EMAIL", "false")]).await;
    let (_, token) = app.signed_in_user("alice").await;
    let body = json!({"email": "new@example.net"});
    app.request(Method::PATCH, "/auth/users/me/", Some(&token), Some(body)).await.assert_status(200);
    let (uid, revert) = app.last_email_to("alice@example.com").await.uid_and_token();

    let reset = json!({"uid": uid, "token": revert, "new_password": format!("{GOOD_PASSWORD}-x")});
    app.post("/auth/users/reset_password_confirm/", reset).await.assert(400, json!({"token": [NOT_VALID]}));
    app.post("/auth/users/activation/", json!({"uid": uid, "token": revert}))
        .await
        .assert(400, json!({"token": [NOT_VALID]}));
}

#[tokio::test]
async fn changing_only_the_names_or_setting_a_first_address_sends_no_notice() {
    let app = spawn_app().await;
    let (_, token) = app.signed_in_user("alice").await;
    let body = json!({"first_name": "Alice", "email": "alice@example.com"});
    app.request(Method::PATCH, "/auth/users/me/", Some(&token), Some(body)).await.assert_status(200);
    assert!(app.emails().await.is_empty());

    let app = spawn_app_with(&[("SEND_ACTIVATION_EMAIL", "false")]).await;
    let (_, token) = app.signed_in_user("bob").await;
    let clear = json!({"email": ""});
    app.request(Method::PATCH, "/auth/users/me/", Some(&token), Some(clear)).await.assert_status(200);
    let notices = app.emails().await;
    assert_eq!(notices.len(), 1, "the old address is told once: {notices:?}");
    let set = json!({"email": "bob@example.net"});
    app.request(Method::PATCH, "/auth/users/me/", Some(&token), Some(set)).await.assert_status(200);
    assert_eq!(app.emails().await.len(), 1, "no address to tell");
}

#[tokio::test]
async fn with_the_password_required_an_email_change_needs_the_current_password() {
    let app = spawn_app_with(&[("EMAIL_CHANGE_REQUIRES_PASSWORD", "true"), ("SEND_ACTIVATION_EMAIL", "false")]).await;
    let (user, token) = app.signed_in_user("alice").await;
    let patch = |body| app.request(Method::PATCH, "/auth/users/me/", Some(&token), Some(body));

    patch(json!({"email": "new@example.net"}))
        .await
        .assert(400, json!({"current_password": ["This field is required."]}));
    patch(json!({"email": "new@example.net", "current_password": "wrong"}))
        .await
        .assert(400, json!({"current_password": ["Invalid password."]}));
    patch(json!({"email": "not an address"})).await.assert(400, json!({"email": ["Enter a valid email address."]}));
    assert_eq!(app.user(user.id).await.unwrap().email, "alice@example.com");
    // Names need no password.
    patch(json!({"first_name": "Alice"})).await.assert_status(200);

    let answer = patch(json!({"email": "new@example.net", "current_password": user.password})).await;
    answer.assert_status(200);
    assert_eq!(answer.json()["email"], "new@example.net");
}

#[tokio::test]
async fn without_the_setting_a_password_sent_with_an_email_change_is_still_checked() {
    let app = spawn_app_with(&[("SEND_ACTIVATION_EMAIL", "false")]).await;
    let (user, token) = app.signed_in_user("alice").await;
    let patch = |body| app.request(Method::PATCH, "/auth/users/me/", Some(&token), Some(body));

    patch(json!({"email": "new@example.net", "current_password": "wrong"}))
        .await
        .assert(400, json!({"current_password": ["Invalid password."]}));
    patch(json!({"email": "new@example.net"})).await.assert_status(200);
    assert_eq!(app.user(user.id).await.unwrap().email, "new@example.net");
}

#[tokio::test]
async fn a_current_password_beside_changes_that_keep_the_address_is_ignored_as_djoser_ignores_unknown_keys() {
    let app = spawn_app_with(&[("EMAIL_CHANGE_REQUIRES_PASSWORD", "true")]).await;
    let (user, token) = app.signed_in_user("alice").await;
    let patch = |body| app.request(Method::PATCH, "/auth/users/me/", Some(&token), Some(body));

    for ignored in [json!(""), json!(null), json!(true), json!(["x"]), json!("wrong")] {
        let answer = patch(json!({"first_name": "Alice", "current_password": ignored})).await;
        answer.assert_status(200);
        assert_eq!(answer.json()["first_name"], "Alice");
    }
    let same = patch(json!({"email": user.email, "current_password": "wrong"})).await;
    same.assert_status(200);
    let put = app
        .request(
            Method::PUT,
            "/auth/users/me/",
            Some(&token),
            Some(json!({"last_name": "Smith", "current_password": ""})),
        )
        .await;
    put.assert_status(200);
    assert_eq!(put.json()["last_name"], "Smith");
}
