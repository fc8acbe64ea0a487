//! The audit trail: every security event of an account is recorded with its time, the address
//! and browser it came from and who acted, and the person reads their own as recent activity.

use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{event_and_detail, now, pairs, spawn_app, spawn_app_with, TestApp, GOOD_PASSWORD};

const FIREFOX: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";

/// Every stored event of `user_id`, oldest first, as the database holds it.
async fn stored(app: &TestApp, user_id: i64) -> Vec<Value> {
    let staff = app.create_user(&format!("auditor{}", gatehouse::auth::random::digits(6)), true, true).await;
    let (access, _) = app.login(&staff.username, &staff.password).await;
    let answer = app.get_authed(&format!("/auth/admin/audit/?user={user_id}"), &access).await;
    answer.assert_status(200);
    let mut events = answer.json()["results"].as_array().unwrap().clone();
    events.reverse();
    events
}

#[tokio::test]
async fn registration_activation_and_sign_in_are_the_persons_recent_activity_in_order() {
    let app = spawn_app().await;
    let registered = app
        .post("/auth/users/", json!({"username": "ann", "email": "ann@example.com", "password": GOOD_PASSWORD}))
        .await;
    registered.assert_status(201);
    let (uid, token) = app.last_email_to("ann@example.com").await.uid_and_token();
    app.post("/auth/users/activation/", json!({"uid": uid, "token": token})).await.assert_status(204);
    let signed_in = app
        .client
        .post(app.url("/auth/jwt/create/"))
        .header("user-agent", FIREFOX)
        .json(&json!({"username": "ann", "password": GOOD_PASSWORD}))
        .send()
        .await
        .unwrap();
    let access = signed_in.json::<Value>().await.unwrap()["access"].as_str().unwrap().to_owned();

    let answer = app.get_authed("/auth/users/me/activity/", &access).await;
    answer.assert_status(200);
    let events = answer.json();
    let newest = &events[0];
    assert_eq!(newest["event"], "user.signed_in");
    assert_eq!(newest["detail"], "password");
    assert_eq!(newest["ip"], "127.0.0.1");
    assert_eq!(newest["user_agent"], FIREFOX);
    assert_eq!(newest["device"], "Firefox on Linux");
    assert_eq!(newest["user"]["username"], "ann");
    assert_eq!(newest["actor"], Value::Null);
    let at = gatehouse::clock::parse_iso(newest["at"].as_str().unwrap()).unwrap() / 1_000_000;
    assert!((now() - at).abs() < 60, "{newest}");
    crate::helpers::assert_key_order(
        &answer.text,
        &["id", "event", "at", "user", "actor", "ip", "user_agent", "device", "detail"],
    );
    assert_eq!(
        app.activity(&access).await,
        pairs(&[("user.signed_in", "password"), ("user.activated", "link"), ("user.registered", "")])
    );
}

#[tokio::test]
async fn failed_sign_ins_are_recorded_with_their_reason_class_and_never_the_password() {
    let app = spawn_app().await;
    let ann = app.create_user("ann", true, false).await;
    let bob = app.create_user("bob", false, false).await;
    app.post("/auth/jwt/create/", json!({"username": "ann", "password": "Wrong-guess-1"})).await.assert_status(401);
    app.post("/auth/jwt/create/", json!({"username": "bob", "password": bob.password})).await.assert_status(401);
    app.post("/auth/jwt/create/", json!({"username": "nobody", "password": "Wrong-guess-2"})).await.assert_status(401);

    let ann_events = stored(&app, ann.id).await;
    assert_eq!(ann_events[0]["event"], "user.sign_in_failed");
    assert_eq!(ann_events[0]["detail"], "bad_credentials");
    let bob_events = stored(&app, bob.id).await;
    assert_eq!(bob_events[0]["detail"], "inactive");

    let pool = app.database().await;
    let rows: Vec<(String, String, String)> =
        sqlx::query_as("SELECT kind, detail, user_agent || ip || username FROM gatehouse_audit_events")
            .fetch_all(&pool)
            .await
            .unwrap();
    let unknown = rows.iter().filter(|(kind, detail, _)| kind == "user.sign_in_failed" && detail == "bad_credentials");
    assert_eq!(unknown.count(), 2, "ann's and the unknown name's: {rows:?}");
    for (_, _, text) in &rows {
        for secret in ["Wrong-guess", bob.password.as_str(), "nobody"] {
            assert!(!text.contains(secret), "{text}");
        }
    }
}

#[tokio::test]
async fn changes_to_an_account_are_recorded_as_they_happen() {
    // With activation e-mails, a new address would make the account wait for its activation.
    let app = spawn_app_with(&[("SEND_ACTIVATION_EMAIL", "false")]).await;
    let (user, access) = app.signed_in_user("ann").await;
    let patch = app
        .request(
            Method::PATCH,
            "/auth/users/me/",
            Some(&access),
            Some(json!({"first_name": "Ann", "last_name": "Lee"})),
        )
        .await;
    patch.assert_status(200);
    let new_password = format!("{GOOD_PASSWORD}-new");
    app.post_authed(
        "/auth/users/set_password/",
        &access,
        json!({"new_password": new_password, "current_password": user.password}),
    )
    .await
    .assert_status(204);
    app.post_authed(
        "/auth/users/set_username/",
        &access,
        json!({"new_username": "annlee", "current_password": new_password}),
    )
    .await
    .assert_status(204);
    app.request(Method::PATCH, "/auth/users/me/", Some(&access), Some(json!({"email": "ann@lee.example"})))
        .await
        .assert_status(200);

    assert_eq!(
        app.activity(&access).await,
        pairs(&[
            ("email.changed", ""),
            ("user.updated", "email"),
            ("username.changed", ""),
            ("password.changed", ""),
            ("user.updated", "first_name,last_name"),
            ("user.signed_in", "password"),
        ])
    );
}

#[tokio::test]
async fn resets_by_link_are_recorded() {
    let app = spawn_app().await;
    let (user, _) = app.signed_in_user("ann").await;
    app.post("/auth/users/reset_password/", json!({"email": user.email})).await.assert_status(204);
    let (uid, token) = app.last_email_to(&user.email).await.uid_and_token();
    let new_password = format!("{GOOD_PASSWORD}-reset");
    app.post("/auth/users/reset_password_confirm/", json!({"uid": uid, "token": token, "new_password": new_password}))
        .await
        .assert_status(204);
    app.post("/auth/users/reset_username/", json!({"email": user.email})).await.assert_status(204);
    let (uid, token) = app.last_email_to(&user.email).await.uid_and_token();
    app.post("/auth/users/reset_username_confirm/", json!({"uid": uid, "token": token, "new_username": "ann2"}))
        .await
        .assert_status(204);
    let (access, _) = app.login("ann2", &new_password).await;
    let events: Vec<String> = app.activity(&access).await.into_iter().map(|(event, _)| event).collect();
    assert_eq!(events[..3], ["user.signed_in", "username.reset", "password.reset"]);
}

#[tokio::test]
async fn signing_out_and_ending_sessions_are_recorded() {
    let app = spawn_app().await;
    let user = app.create_user("ann", true, false).await;
    let (_, first_refresh) = app.login("ann", &user.password).await;
    app.post("/auth/jwt/blacklist/", json!({"refresh": first_refresh})).await.assert_status(200);
    let (access, _) = app.login("ann", &user.password).await;
    app.post_authed("/auth/users/me/sessions/revoke/", &access, json!({"scope": "others"})).await.assert_status(204);

    assert_eq!(
        app.activity(&access).await,
        pairs(&[
            ("session.ended", "others"),
            ("user.signed_in", "password"),
            ("user.signed_out", ""),
            ("user.signed_in", "password"),
        ])
    );
}

#[tokio::test]
async fn a_reused_refresh_token_past_the_grace_period_is_recorded() {
    let app = spawn_app_with(&[("REFRESH_REUSE_GRACE", "0")]).await;
    let user = app.create_user("ann", true, false).await;
    let (_, stolen) = app.login("ann", &user.password).await;
    app.post("/auth/jwt/refresh/", json!({"refresh": stolen})).await.assert_status(200);
    app.post("/auth/jwt/refresh/", json!({"refresh": stolen})).await.assert_status(401);
    let (access, _) = app.login("ann", &user.password).await;
    let events: Vec<String> = app.activity(&access).await.into_iter().map(|(event, _)| event).collect();
    assert_eq!(events[..2], ["user.signed_in", "session.token_reused"]);
}

#[tokio::test]
async fn second_factors_added_removed_and_a_failed_second_step_are_recorded() {
    let app = spawn_app().await;
    let user = app.create_user("ann", true, false).await;
    let (key, _) = crate::mfa::with_authenticator(&app, &user).await;
    let token = crate::mfa::first_step(&app, &user).await;
    app.post("/auth/jwt/mfa/", json!({"mfa_token": token, "code": "000000"})).await.assert_status(400);
    let code = key.code_at(now() as u64 + 30);
    let signed_in =
        app.post("/auth/jwt/mfa/", json!({"mfa_token": crate::mfa::first_step(&app, &user).await, "code": code})).await;
    let ann_access = signed_in.json()["access"].as_str().unwrap().to_owned();
    let factors = app.get_authed("/auth/users/me/mfa/", &ann_access).await.json();
    let id = factors["factors"][0]["id"].as_str().unwrap().to_owned();
    app.request(
        Method::DELETE,
        &format!("/auth/users/me/mfa/{id}/"),
        Some(&ann_access),
        Some(json!({"current_password": user.password})),
    )
    .await
    .assert_status(204);
    let factors_owner = app.create_user("bob", true, false).await;
    let (access, _) = app.login("bob", &factors_owner.password).await;

    let events: Vec<(String, String)> = stored(&app, user.id).await.iter().map(event_and_detail).collect();
    assert_eq!(
        events,
        pairs(&[
            ("user.signed_in", "password"),
            ("second_factor.added", "totp"),
            ("user.sign_in_failed", "second_factor"),
            ("user.signed_in", "password+totp"),
            ("second_factor.removed", "totp"),
        ])
    );
    assert_eq!(app.activity(&access).await, pairs(&[("user.signed_in", "password")]), "each sees their own");
}

#[tokio::test]
async fn the_recent_activity_is_the_last_thirty_events_and_needs_a_sign_in() {
    let app = spawn_app().await;
    let user = app.create_user("ann", true, false).await;
    for _ in 0..32 {
        app.login("ann", &user.password).await;
    }
    let (access, _) = app.login("ann", &user.password).await;
    assert_eq!(app.activity(&access).await.len(), 30);
    app.request(Method::GET, "/auth/users/me/activity/", None, None)
        .await
        .assert(401, json!({"detail": "Authentication credentials were not provided."}));
}

#[tokio::test]
async fn events_older_than_their_retention_are_purged() {
    let app = spawn_app().await;
    let user = app.create_user("ann", true, false).await;
    app.login("ann", &user.password).await;
    let later = gatehouse::clock::now_micros() + 1;
    assert_eq!(app.store.purge_audit_events(later - 86_400_000_000).await.unwrap(), 0);
    assert_eq!(app.store.purge_audit_events(later).await.unwrap(), 1);
    assert!(app.store.audit_events_of(user.id, 30).await.unwrap().is_empty());
}
