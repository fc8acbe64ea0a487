//! Throttling: logins per username and per client address, e-mail-sending requests per target
//! address and per client address, DRF's 429 answer, and who the client is behind a proxy.

use serde_json::json;

use crate::helpers::{spawn_app_with, Answer, TestApp};

async fn login(app: &TestApp, username: &str, password: &str) -> Answer {
    app.post("/auth/jwt/create/", json!({ "username": username, "password": password })).await
}

#[track_caller]
fn assert_throttled(answer: &Answer, max_wait: u64) {
    answer.assert_status(429);
    let wait: u64 = answer.header("retry-after").expect("a Retry-After header").parse().unwrap();
    assert!((1..=max_wait).contains(&wait), "Retry-After {wait}");
    let unit = if wait == 1 { "second" } else { "seconds" };
    assert_eq!(
        answer.json(),
        json!({ "detail": format!("Request was throttled. Expected available in {wait} {unit}.") })
    );
}

#[tokio::test]
async fn failed_logins_for_one_username_are_throttled_and_the_owner_is_told_when_to_retry() {
    let app = spawn_app_with(&[("THROTTLE", "true"), ("THROTTLE_LOGIN_PER_USERNAME", "3/minute")]).await;
    let user = app.create_user("ada", true, false).await;
    for _ in 0..3 {
        login(&app, "ada", "wrong password").await.assert_status(401);
    }
    assert_throttled(&login(&app, "ada", "wrong password").await, 60);
    // Even the right password waits: otherwise the limit would not slow a guesser down.
    assert_throttled(&login(&app, "ada", &user.password).await, 60);
    // The case of the username does not buy more attempts.
    assert_throttled(&login(&app, "ADA", "wrong password").await, 60);
    // Other accounts are not affected.
    let other = app.create_user("bo", true, false).await;
    login(&app, "bo", &other.password).await.assert_status(200);
}

#[tokio::test]
async fn successful_logins_do_not_use_up_the_username_limit() {
    let app = spawn_app_with(&[("THROTTLE", "true"), ("THROTTLE_LOGIN_PER_USERNAME", "2/minute")]).await;
    let user = app.create_user("ada", true, false).await;
    for _ in 0..4 {
        login(&app, "ada", &user.password).await.assert_status(200);
    }
}

#[tokio::test]
async fn logins_from_one_address_are_throttled_across_usernames() {
    let app = spawn_app_with(&[("THROTTLE", "true"), ("THROTTLE_LOGIN_PER_ADDRESS", "4/minute")]).await;
    for attempt in 0..4 {
        login(&app, &format!("nobody{attempt}"), "whatever").await.assert_status(401);
    }
    assert_throttled(&login(&app, "someone-else", "whatever").await, 60);
}

#[tokio::test]
async fn e_mails_to_one_address_are_throttled_whatever_the_endpoint() {
    let app = spawn_app_with(&[("THROTTLE", "true"), ("THROTTLE_EMAIL_PER_RECIPIENT", "3/hour")]).await;
    app.create_user("ada", true, false).await;
    let body = json!({ "email": "ada@example.com" });
    app.post("/auth/users/reset_password/", body.clone()).await.assert_status(204);
    app.post("/auth/users/reset_username/", body.clone()).await.assert_status(204);
    app.post("/auth/users/reset_password/", json!({ "email": "ADA@example.com" })).await.assert_status(204);
    assert_throttled(&app.post("/auth/users/reset_password/", body.clone()).await, 3600);
    assert_throttled(&app.post("/auth/users/resend_activation/", body).await, 3600);
    // Another address is still served.
    app.post("/auth/users/reset_password/", json!({ "email": "bo@example.com" })).await.assert_status(204);
}

#[tokio::test]
async fn registrations_count_against_the_new_accounts_address() {
    let app = spawn_app_with(&[("THROTTLE", "true"), ("THROTTLE_EMAIL_PER_RECIPIENT", "1/hour")]).await;
    let register = |username: &str| json!({ "username": username, "email": "shared@example.com", "password": "Quiet-Lantern-Harbor-42" });
    app.post("/auth/users/", register("ada")).await.assert_status(201);
    assert_throttled(&app.post("/auth/users/", register("bo")).await, 3600);
}

#[tokio::test]
async fn e_mail_requests_from_one_address_are_throttled() {
    let app = spawn_app_with(&[("THROTTLE", "true"), ("THROTTLE_EMAIL_PER_ADDRESS", "2/hour")]).await;
    for n in 0..2 {
        app.post("/auth/users/reset_password/", json!({ "email": format!("x{n}@example.com") }))
            .await
            .assert_status(204);
    }
    assert_throttled(&app.post("/auth/users/reset_username/", json!({ "email": "y@example.com" })).await, 3600);
    let registration = json!({ "username": "ada", "email": "ada@example.com", "password": "Quiet-Lantern-Harbor-42" });
    assert_throttled(&app.post("/auth/users/", registration).await, 3600);
}

#[tokio::test]
async fn throttling_can_be_turned_off() {
    let app = spawn_app_with(&[("THROTTLE", "false"), ("THROTTLE_LOGIN_PER_USERNAME", "1/minute")]).await;
    for _ in 0..5 {
        login(&app, "ada", "wrong").await.assert_status(401);
    }
}

async fn login_from(app: &TestApp, forwarded_for: &str, username: &str) -> Answer {
    let request = app
        .client
        .post(format!("{}/auth/jwt/create/", app.address))
        .header("X-Forwarded-For", forwarded_for)
        .json(&json!({ "username": username, "password": "wrong" }));
    TestApp::read(request).await
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_forwarded_client_has_its_own_limit() {
    let app = spawn_app_with(&[
        ("THROTTLE", "true"),
        ("THROTTLE_LOGIN_PER_ADDRESS", "2/minute"),
        ("TRUSTED_PROXIES", "127.0.0.1,::1"),
    ])
    .await;
    for n in 0..2 {
        login_from(&app, "203.0.113.7", &format!("a{n}")).await.assert_status(401);
    }
    assert_throttled(&login_from(&app, "203.0.113.7", "a3").await, 60);
    // A spoofed first entry does not help: the proxy appends the real client last.
    assert_throttled(&login_from(&app, "198.51.100.1, 203.0.113.7", "a4").await, 60);
    login_from(&app, "203.0.113.8", "b").await.assert_status(401);
}

#[tokio::test]
async fn without_trusted_proxies_forwarded_addresses_are_ignored() {
    let app = spawn_app_with(&[("THROTTLE", "true"), ("THROTTLE_LOGIN_PER_ADDRESS", "2/minute")]).await;
    login_from(&app, "203.0.113.1", "a").await.assert_status(401);
    login_from(&app, "203.0.113.2", "b").await.assert_status(401);
    assert_throttled(&login_from(&app, "203.0.113.3", "c").await, 60);
}

#[tokio::test]
async fn a_burst_of_concurrent_wrong_passwords_is_held_to_the_username_limit() {
    let app = spawn_app_with(&[("THROTTLE", "true"), ("THROTTLE_LOGIN_PER_USERNAME", "10/minute")]).await;
    app.create_user("ada", true, false).await;
    let attempts = (0..40).map(|_| login(&app, "ada", "wrong password"));
    let answers = futures_util::future::join_all(attempts).await;
    let refused = answers.iter().filter(|answer| answer.status == 401).count();
    let throttled = answers.iter().filter(|answer| answer.status == 429).count();
    assert_eq!((refused, throttled), (10, 30), "10 passwords checked, 30 throttled");
}

#[tokio::test]
async fn the_current_password_cannot_be_guessed_with_an_access_token() {
    let app = spawn_app_with(&[("THROTTLE", "true"), ("THROTTLE_LOGIN_PER_USERNAME", "3/minute")]).await;
    let (user, token) = app.signed_in_user("ada").await;
    let guesses = [
        ("/auth/users/set_password/", json!({"new_password": "Another-Passw0rd-1", "current_password": "guess"})),
        ("/auth/users/set_username/", json!({"new_username": "ada2", "current_password": "guess"})),
        ("/auth/users/set_password/", json!({"new_password": "Another-Passw0rd-1", "current_password": "guess"})),
    ];
    for (path, body) in guesses {
        app.post_authed(path, &token, body).await.assert(400, json!({"current_password": ["Invalid password."]}));
    }
    let delete = app.request(
        reqwest::Method::DELETE,
        "/auth/users/me/",
        Some(&token),
        Some(json!({"current_password": user.password})),
    );
    assert_throttled(&delete.await, 60);
    assert_throttled(&login(&app, "ada", &user.password).await, 60);
    assert!(app.user(user.id).await.is_some(), "the account is still there");
}

#[tokio::test]
async fn the_right_current_password_does_not_use_up_the_limit() {
    let app = spawn_app_with(&[("THROTTLE", "true"), ("THROTTLE_LOGIN_PER_USERNAME", "2/minute")]).await;
    let (user, token) = app.signed_in_user("ada").await;
    let mut current = user.password.clone();
    for next in ["Another-Passw0rd-1", "Another-Passw0rd-2", "Another-Passw0rd-3", "Another-Passw0rd-4"] {
        let body = json!({"new_password": next, "current_password": current});
        app.post_authed("/auth/users/set_password/", &token, body).await.assert_status(204);
        current = next.to_owned();
    }
}

#[tokio::test]
async fn behind_a_trusted_proxy_forwarded_entries_with_ports_are_the_client_and_spoofed_ones_are_not() {
    let app = spawn_app_with(&[
        ("THROTTLE", "true"),
        ("THROTTLE_LOGIN_PER_ADDRESS", "2/minute"),
        ("TRUSTED_PROXIES", "127.0.0.1,::1,192.0.2.10"),
    ])
    .await;
    // The proxy appended the client with its port; the client wrote a new address each time,
    // further left. Its limit is its own, however it spells its spoofed entries.
    for real in ["203.0.113.7:4711", "[2001:db8::1]:443", "unknown"] {
        login_from(&app, &format!("198.51.100.1, {real}"), "a").await.assert_status(401);
        login_from(&app, &format!("198.51.100.2, {real}, 192.0.2.10"), "b").await.assert_status(401);
        assert_throttled(&login_from(&app, &format!("198.51.100.3, {real}"), "c").await, 60);
    }
}
