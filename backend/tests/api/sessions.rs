//! Sessions: listed to their owner and staff, ended one by one or all at once, by signing out,
//! by a password change or reset, and by the reuse of a rotated refresh token; an ended
//! session's tokens are refused at once, on every instance.

use std::time::{Duration, Instant};

use gatehouse::store::sessions::NewSession;
use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{spawn_app, spawn_app_with, TestApp, GOOD_PASSWORD};

const FIREFOX: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0";
const CHROME: &str =
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36";
const BLACKLISTED: &str = "Token is blacklisted";

/// Signs in from a browser with `user_agent`: (access, refresh).
async fn sign_in_from(app: &TestApp, username: &str, password: &str, user_agent: &str) -> (String, String) {
    let request = app
        .client
        .post(app.url("/auth/jwt/create/"))
        .header("User-Agent", user_agent)
        .json(&json!({"username": username, "password": password}));
    let answer = TestApp::read(request).await;
    answer.assert_status(200);
    let body = answer.json();
    (body["access"].as_str().unwrap().to_owned(), body["refresh"].as_str().unwrap().to_owned())
}

fn claims(token: &str) -> Value {
    use base64::Engine;
    let payload = token.split('.').nth(1).unwrap();
    serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

fn sid_of(token: &str) -> String {
    claims(token)["sid"].as_str().expect("a sid claim").to_owned()
}

async fn sessions_of(app: &TestApp, access: &str) -> Vec<Value> {
    let answer = app.get_authed("/auth/users/me/sessions/", access).await;
    answer.assert_status(200);
    answer.json().as_array().unwrap().clone()
}

fn access_refused() -> Value {
    json!({
        "detail": "Given token not valid for any token type",
        "code": "token_not_valid",
        "messages": [{"token_class": "AccessToken", "token_type": "access", "message": BLACKLISTED}],
    })
}

fn refresh_refused() -> Value {
    json!({"detail": BLACKLISTED, "code": "token_not_valid"})
}

async fn refresh(app: &TestApp, token: &str) -> crate::helpers::Answer {
    app.post("/auth/jwt/refresh/", json!({"refresh": token})).await
}

#[tokio::test]
async fn both_tokens_of_a_sign_in_name_its_session_and_a_refresh_keeps_it() {
    let app = spawn_app().await;
    let user = app.create_user("alice", true, false).await;
    let (access, refresh_token) = app.login("alice", &user.password).await;
    let sid = sid_of(&access);
    assert_eq!(sid_of(&refresh_token), sid);
    assert_eq!(sid.len(), 32);

    let body = refresh(&app, &refresh_token).await.json();
    assert_eq!(sid_of(body["access"].as_str().unwrap()), sid);
    assert_eq!(sid_of(body["refresh"].as_str().unwrap()), sid);
    let (second, _) = app.login("alice", &user.password).await;
    assert_ne!(sid_of(&second), sid, "each sign-in is a session of its own");
}

#[tokio::test]
async fn the_list_shows_each_live_session_newest_first_with_its_device_and_the_current_one() {
    let app = spawn_app_with(&[("TRUSTED_PROXIES", "127.0.0.1")]).await;
    let user = app.create_user("alice", true, false).await;
    let (_, _) = sign_in_from(&app, "alice", &user.password, FIREFOX).await;
    let request = app
        .client
        .post(app.url("/auth/jwt/create/"))
        .header("User-Agent", CHROME)
        .header("X-Forwarded-For", "203.0.113.9")
        .json(&json!({"username": "alice", "password": user.password}));
    let answer = TestApp::read(request).await;
    let chrome_access = answer.json()["access"].as_str().unwrap().to_owned();
    let other = app.create_user("bob", true, false).await;
    app.login("bob", &other.password).await;

    let answer = app.get_authed("/auth/users/me/sessions/", &chrome_access).await;
    answer.assert_status(200);
    crate::helpers::assert_key_order(
        &answer.text,
        &["id", "created", "last_used", "ip", "user_agent", "device", "method", "current"],
    );
    let sessions = answer.json();
    let sessions = sessions.as_array().unwrap();
    assert_eq!(sessions.len(), 2, "only alice's sessions: {sessions:?}");
    let (newest, oldest) = (&sessions[0], &sessions[1]);
    assert_eq!(newest["id"], sid_of(&chrome_access));
    assert_eq!(newest["current"], true);
    assert_eq!(newest["ip"], "203.0.113.9");
    assert_eq!(newest["user_agent"], CHROME);
    assert_eq!(newest["device"], "Chrome on Windows 10");
    assert_eq!(newest["method"], "password");
    assert_eq!(oldest["current"], false);
    assert_eq!(oldest["ip"], "127.0.0.1");
    assert_eq!(oldest["device"], "Firefox on Linux");
    let created = newest["created"].as_str().unwrap();
    assert!(created.ends_with('Z') && created.len() == 20, "RFC 3339 in UTC: {created}");
}

#[tokio::test]
async fn the_list_shows_the_newest_hundred_sessions_and_always_the_requesters_own() {
    let app = spawn_app().await;
    let user = app.create_user("alice", true, false).await;
    let (first_access, _) = sign_in_from(&app, "alice", &user.password, FIREFOX).await;
    // A script that signs in on every run: 100 more sessions, each a microsecond newer.
    let started = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap();
    let later: Vec<String> = (0..100).map(|n| format!("script-session-{n:03}")).collect();
    for (n, id) in later.iter().enumerate() {
        let now_micros = i64::try_from(started.as_micros()).unwrap() + n as i64 + 1;
        let session = NewSession {
            id,
            user_id: user.id,
            now_micros,
            expires_at: now_micros / 1_000_000 + 86_400,
            ip: "127.0.0.1",
            user_agent: "deploy-script/1.0",
            method: "password",
            refresh_jti: id,
            origin_jti: None,
        };
        app.store.start_session(session).await.unwrap();
    }

    let listed = sessions_of(&app, &first_access).await;
    let ids: Vec<&str> = listed.iter().map(|session| session["id"].as_str().unwrap()).collect();
    let newest_hundred: Vec<&str> = later.iter().rev().map(String::as_str).collect();
    assert_eq!(ids.len(), 101);
    assert_eq!(&ids[..100], &newest_hundred[..], "the newest hundred, newest first");
    assert_eq!(ids[100], sid_of(&first_access), "the requester's own, though older");
    assert_eq!(listed[100]["current"], true);

    // From one of the listed sessions, the list is the newest hundred alone.
    let (newest_access, _) = sign_in_from(&app, "alice", &user.password, CHROME).await;
    let listed = sessions_of(&app, &newest_access).await;
    assert_eq!(listed.len(), 100);
    assert_eq!(listed[0]["id"], sid_of(&newest_access));
    assert_eq!(listed[0]["current"], true);
    assert!(listed.iter().all(|session| session["id"] != sid_of(&first_access)));
    assert!(listed.iter().all(|session| session["id"] != later[0]), "the oldest script session is left out");
}

#[tokio::test]
async fn a_long_user_agent_is_kept_cut_and_without_control_characters() {
    let app = spawn_app().await;
    let user = app.create_user("alice", true, false).await;
    let long = format!("Agent\t{}", "x".repeat(1000));
    let (access, _) = sign_in_from(&app, "alice", &user.password, &long).await;
    let sessions = sessions_of(&app, &access).await;
    let kept = sessions[0]["user_agent"].as_str().unwrap();
    assert_eq!(kept.chars().count(), 256);
    assert!(kept.starts_with("Agentxxx"));
}

#[tokio::test]
async fn ending_a_session_refuses_its_refresh_and_access_tokens_at_once_and_spares_the_others() {
    let app = spawn_app().await;
    let user = app.create_user("alice", true, false).await;
    let (laptop_access, laptop_refresh) = app.login("alice", &user.password).await;
    let (phone_access, phone_refresh) = app.login("alice", &user.password).await;

    let path = format!("/auth/users/me/sessions/{}/", sid_of(&phone_access));
    app.request(Method::DELETE, &path, Some(&laptop_access), None).await.assert_status(204);

    app.get_authed("/auth/users/me/", &phone_access).await.assert(401, access_refused());
    refresh(&app, &phone_refresh).await.assert(401, refresh_refused());
    app.post("/auth/jwt/verify/", json!({"token": phone_access}))
        .await
        .assert(400, json!({"non_field_errors": [BLACKLISTED]}));
    app.post("/auth/jwt/verify/", json!({"token": phone_refresh}))
        .await
        .assert(400, json!({"non_field_errors": [BLACKLISTED]}));
    app.get_authed("/auth/users/me/", &laptop_access).await.assert_status(200);
    refresh(&app, &laptop_refresh).await.assert_status(200);
    let left: Vec<Value> = sessions_of(&app, &laptop_access).await.iter().map(|s| s["id"].clone()).collect();
    assert_eq!(left, [json!(sid_of(&laptop_access))]);
    // Ended once: a second time it is gone.
    app.request(Method::DELETE, &path, Some(&laptop_access), None).await.assert(404, json!({"detail": "Not found."}));
}

#[tokio::test]
async fn someone_elses_session_and_an_unknown_id_are_both_not_found() {
    let app = spawn_app().await;
    let alice = app.create_user("alice", true, false).await;
    let bob = app.create_user("bob", true, false).await;
    let (alice_access, _) = app.login("alice", &alice.password).await;
    let (bob_access, _) = app.login("bob", &bob.password).await;

    for path in [
        format!("/auth/users/me/sessions/{}/", sid_of(&bob_access)),
        "/auth/users/me/sessions/0123456789abcdef0123456789abcdef/".to_owned(),
    ] {
        app.request(Method::DELETE, &path, Some(&alice_access), None)
            .await
            .assert(404, json!({"detail": "Not found."}));
    }
    app.get_authed("/auth/users/me/", &bob_access).await.assert_status(200);
    let path = format!("/auth/users/{}/sessions/", bob.id);
    app.get_authed(&path, &alice_access).await.assert(404, json!({"detail": "Not found."}));
    app.post_authed(&format!("{path}revoke/"), &alice_access, json!({"scope": "all"}))
        .await
        .assert(404, json!({"detail": "Not found."}));
    app.get_authed("/auth/users/me/", &bob_access).await.assert_status(200);
}

#[tokio::test]
async fn sessions_need_a_signed_in_user() {
    let app = spawn_app().await;
    let expected = json!({"detail": "Authentication credentials were not provided."});
    app.request(Method::GET, "/auth/users/me/sessions/", None, None).await.assert(401, expected.clone());
    app.post("/auth/users/me/sessions/revoke/", json!({"scope": "all"})).await.assert(401, expected.clone());
    app.request(Method::DELETE, "/auth/users/me/sessions/x/", None, None).await.assert(401, expected);
}

#[tokio::test]
async fn revoking_the_others_keeps_this_session_and_revoking_all_ends_it_too() {
    let app = spawn_app().await;
    let user = app.create_user("alice", true, false).await;
    let (first, _) = app.login("alice", &user.password).await;
    let (second, _) = app.login("alice", &user.password).await;
    let (third, third_refresh) = app.login("alice", &user.password).await;

    app.post_authed("/auth/users/me/sessions/revoke/", &third, json!({"scope": "others"})).await.assert_status(204);
    for ended in [&first, &second] {
        app.get_authed("/auth/users/me/", ended).await.assert(401, access_refused());
    }
    assert_eq!(sessions_of(&app, &third).await.len(), 1);

    app.post_authed("/auth/users/me/sessions/revoke/", &third, json!({"scope": "all"})).await.assert_status(204);
    app.get_authed("/auth/users/me/", &third).await.assert(401, access_refused());
    refresh(&app, &third_refresh).await.assert(401, refresh_refused());
}

#[tokio::test]
async fn revoke_asks_for_a_scope_of_others_or_all() {
    let app = spawn_app().await;
    let user = app.create_user("alice", true, false).await;
    let (access, _) = app.login("alice", &user.password).await;
    let path = "/auth/users/me/sessions/revoke/";

    app.post_authed(path, &access, json!({})).await.assert(400, json!({"scope": ["This field is required."]}));
    app.post_authed(path, &access, json!({"scope": "everything"}))
        .await
        .assert(400, json!({"scope": ["\"everything\" is not a valid choice."]}));
    app.post_authed(path, &access, json!({"scope": null}))
        .await
        .assert(400, json!({"scope": ["This field may not be null."]}));
    app.get_authed("/auth/users/me/", &access).await.assert_status(200);
    app.request(Method::GET, path, Some(&access), None)
        .await
        .assert(405, json!({"detail": "Method \"GET\" not allowed."}));
}

#[tokio::test]
async fn staff_list_and_end_anyone_s_sessions() {
    let app = spawn_app().await;
    let staff = app.create_user("admin", true, true).await;
    let alice = app.create_user("alice", true, false).await;
    let (staff_access, _) = app.login("admin", &staff.password).await;
    let (first, _) = app.login("alice", &alice.password).await;
    let (second, _) = app.login("alice", &alice.password).await;
    let path = format!("/auth/users/{}/sessions/", alice.id);

    let listed = app.get_authed(&path, &staff_access).await.json();
    let ids: Vec<&str> = listed.as_array().unwrap().iter().map(|s| s["id"].as_str().unwrap()).collect();
    assert_eq!(ids, [sid_of(&second), sid_of(&first)]);
    assert!(listed.as_array().unwrap().iter().all(|s| s["current"] == false));

    let one = format!("{path}{}/", sid_of(&first));
    app.request(Method::DELETE, &one, Some(&staff_access), None).await.assert_status(204);
    app.get_authed("/auth/users/me/", &first).await.assert(401, access_refused());
    app.get_authed("/auth/users/me/", &second).await.assert_status(200);

    // "others" for someone else's list spares none of theirs (the staff's own session is not
    // among them).
    app.post_authed(&format!("{path}revoke/"), &staff_access, json!({"scope": "others"})).await.assert_status(204);
    app.get_authed("/auth/users/me/", &second).await.assert(401, access_refused());
    app.get_authed("/auth/users/me/", &staff_access).await.assert_status(200);
    app.get_authed("/auth/users/999999/sessions/", &staff_access).await.assert(404, json!({"detail": "Not found."}));
}

#[tokio::test]
async fn signing_out_ends_the_session() {
    let app = spawn_app().await;
    let user = app.create_user("alice", true, false).await;
    let (access, refresh_token) = app.login("alice", &user.password).await;
    let (other, _) = app.login("alice", &user.password).await;

    app.post("/auth/jwt/blacklist/", json!({"refresh": refresh_token})).await.assert(200, json!({}));

    app.get_authed("/auth/users/me/", &access).await.assert(401, access_refused());
    app.post("/auth/jwt/blacklist/", json!({"refresh": refresh_token})).await.assert(401, refresh_refused());
    assert_eq!(sessions_of(&app, &other).await.len(), 1);
}

#[tokio::test]
async fn changing_the_password_ends_every_other_session_and_keeps_this_one() {
    let app = spawn_app().await;
    let user = app.create_user("alice", true, false).await;
    let (stolen_access, stolen_refresh) = app.login("alice", &user.password).await;
    let (mine, my_refresh) = app.login("alice", &user.password).await;

    let change = json!({"new_password": format!("{GOOD_PASSWORD}-new"), "current_password": user.password});
    app.post_authed("/auth/users/set_password/", &mine, change).await.assert_status(204);

    app.get_authed("/auth/users/me/", &stolen_access).await.assert(401, access_refused());
    refresh(&app, &stolen_refresh).await.assert(401, refresh_refused());
    app.get_authed("/auth/users/me/", &mine).await.assert_status(200);
    refresh(&app, &my_refresh).await.assert_status(200);
}

#[tokio::test]
async fn with_revocation_on_password_change_off_every_session_goes_on() {
    let app = spawn_app_with(&[("REVOKE_SESSIONS_ON_PASSWORD_CHANGE", "false")]).await;
    let user = app.create_user("alice", true, false).await;
    let (other, other_refresh) = app.login("alice", &user.password).await;
    let (mine, _) = app.login("alice", &user.password).await;

    let change = json!({"new_password": format!("{GOOD_PASSWORD}-new"), "current_password": user.password});
    app.post_authed("/auth/users/set_password/", &mine, change).await.assert_status(204);

    app.get_authed("/auth/users/me/", &other).await.assert_status(200);
    refresh(&app, &other_refresh).await.assert_status(200);
}

#[tokio::test]
async fn resetting_the_password_ends_every_session() {
    let app = spawn_app().await;
    let user = app.create_user("alice", true, false).await;
    let (access, refresh_token) = app.login("alice", &user.password).await;
    app.post("/auth/users/reset_password/", json!({"email": user.email})).await.assert_status(204);
    let (uid, token) = app.last_email_to(&user.email).await.uid_and_token();

    let reset = json!({"uid": uid, "token": token, "new_password": format!("{GOOD_PASSWORD}-new")});
    app.post("/auth/users/reset_password_confirm/", reset).await.assert_status(204);

    app.get_authed("/auth/users/me/", &access).await.assert(401, access_refused());
    refresh(&app, &refresh_token).await.assert(401, refresh_refused());
}

#[tokio::test]
async fn a_reused_rotated_refresh_token_ends_the_session_and_its_access_tokens() {
    let app = spawn_app_with(&[("REFRESH_REUSE_GRACE", "0")]).await;
    let user = app.create_user("alice", true, false).await;
    let (_, stolen) = app.login("alice", &user.password).await;
    let owner = refresh(&app, &stolen).await.json();
    let owner_access = owner["access"].as_str().unwrap();

    refresh(&app, &stolen).await.assert(401, refresh_refused());

    app.get_authed("/auth/users/me/", owner_access).await.assert(401, access_refused());
    refresh(&app, owner["refresh"].as_str().unwrap()).await.assert(401, refresh_refused());
}

#[tokio::test]
async fn a_token_without_a_session_keeps_working_and_its_first_refresh_starts_one() {
    let app = spawn_app_with(&[("REFRESH_REUSE_GRACE", "0")]).await;
    let user = app.create_user("alice", true, false).await;
    let (access, legacy_refresh) = app.tokens_issued_ago(user.id, 0);
    app.get_authed("/auth/users/me/", &access).await.assert_status(200);
    app.post("/auth/jwt/verify/", json!({"token": access})).await.assert(200, json!({}));
    assert!(sessions_of(&app, &access).await.is_empty());

    let refreshed = refresh(&app, &legacy_refresh).await.json();
    let new_access = refreshed["access"].as_str().unwrap();
    let sid = sid_of(new_access);
    assert_eq!(sid_of(refreshed["refresh"].as_str().unwrap()), sid);
    let sessions = sessions_of(&app, new_access).await;
    assert_eq!(sessions.len(), 1);
    assert_eq!(
        (&sessions[0]["id"], &sessions[0]["method"], &sessions[0]["current"]),
        (&json!(sid), &json!("refresh_token"), &json!(true))
    );

    // The spent token, replayed, is taken for a theft: the session it became ends.
    refresh(&app, &legacy_refresh).await.assert(401, refresh_refused());
    app.get_authed("/auth/users/me/", new_access).await.assert(401, access_refused());
}

#[tokio::test]
async fn rotating_in_a_session_writes_nothing_to_the_blacklist() {
    let app = spawn_app().await;
    let user = app.create_user("alice", true, false).await;
    let (_, mut token) = app.login("alice", &user.password).await;
    for _ in 0..50 {
        let answer = refresh(&app, &token).await;
        answer.assert_status(200);
        token = answer.json()["refresh"].as_str().unwrap().to_owned();
    }
    let database = app.database().await;
    let blacklisted: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM gatehouse_token_blacklist").fetch_one(&database).await.unwrap();
    let sessions: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM gatehouse_sessions").fetch_one(&database).await.unwrap();
    assert_eq!((blacklisted, sessions), (0, 1));
}

#[tokio::test]
async fn refreshes_are_limited_per_session() {
    let app = spawn_app_with(&[("THROTTLE", "true"), ("THROTTLE_REFRESH_PER_SESSION", "3/minute")]).await;
    let user = app.create_user("alice", true, false).await;
    let (_, mut token) = app.login("alice", &user.password).await;
    let (_, other) = app.login("alice", &user.password).await;
    for _ in 0..3 {
        let answer = refresh(&app, &token).await;
        answer.assert_status(200);
        token = answer.json()["refresh"].as_str().unwrap().to_owned();
    }

    let answer = refresh(&app, &token).await;
    answer.assert_status(429);
    let wait: i64 = answer.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=60).contains(&wait), "Retry-After: {wait}");
    assert_eq!(answer.json()["detail"], format!("Request was throttled. Expected available in {wait} seconds."));
    // The throttled token was not spent, and another session has a window of its own.
    refresh(&app, &other).await.assert_status(200);
    let database = app.database().await;
    let live: String = sqlx::query_scalar("SELECT refresh_jti FROM gatehouse_sessions WHERE id = $1")
        .bind(sid_of(&token))
        .fetch_one(&database)
        .await
        .unwrap();
    assert_eq!(Some(live.as_str()), claims(&token)["jti"].as_str());
}

#[tokio::test]
async fn refreshes_with_a_token_without_a_session_are_limited_per_user() {
    let app = spawn_app_with(&[
        ("THROTTLE", "true"),
        ("THROTTLE_REFRESH_PER_SESSION", "2/minute"),
        ("ROTATE_REFRESH_TOKENS", "false"),
    ])
    .await;
    let user = app.create_user("alice", true, false).await;
    let (_, legacy) = app.tokens_issued_ago(user.id, 0);
    refresh(&app, &legacy).await.assert_status(200);
    refresh(&app, &legacy).await.assert_status(200);
    refresh(&app, &legacy).await.assert_status(429);
}

#[tokio::test]
async fn a_session_ended_on_one_instance_is_refused_by_another_within_two_seconds() {
    let app = spawn_app().await;
    let other_instance = app.start_beside(&[]).await;
    let user = app.create_user("alice", true, false).await;
    let (access, _) = app.login("alice", &user.password).await;
    let me_on_other = || {
        let request = app.client.get(format!("{other_instance}/auth/users/me/")).bearer_auth(&access);
        TestApp::read(request)
    };
    me_on_other().await.assert_status(200);

    app.post_authed("/auth/users/me/sessions/revoke/", &access, json!({"scope": "all"})).await.assert_status(204);
    let ended = Instant::now();

    // The other instance learns of it by polling the database: ask until it refuses.
    loop {
        let answer = me_on_other().await;
        if answer.status == 401 {
            answer.assert(401, access_refused());
            break;
        }
        assert!(ended.elapsed() < Duration::from_secs(2), "still accepted after {:?}", ended.elapsed());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let verify =
        TestApp::read(app.client.post(format!("{other_instance}/auth/jwt/verify/")).json(&json!({"token": access})));
    verify.await.assert(400, json!({"non_field_errors": [BLACKLISTED]}));
}

#[tokio::test]
async fn a_token_without_a_session_is_refused_once_a_password_change_or_signing_out_everywhere_ends_every_session() {
    let app = spawn_app().await;
    let (alice, access) = app.signed_in_user("alice").await;
    let (_, given_before_the_change) = app.tokens_issued_ago(alice.id, 60);
    let (bob, bob_access) = app.signed_in_user("bob").await;
    let (_, bobs) = app.tokens_issued_ago(bob.id, 60);
    let (_, bobs_other) = app.tokens_issued_ago(bob.id, 60);

    let change = json!({"new_password": format!("{GOOD_PASSWORD}-new"), "current_password": alice.password});
    app.post_authed("/auth/users/set_password/", &access, change).await.assert_status(204);
    refresh(&app, &given_before_the_change).await.assert(401, refresh_refused());

    // Someone else's tokens go on until they sign out everywhere.
    refresh(&app, &bobs).await.assert_status(200);
    app.post_authed("/auth/users/me/sessions/revoke/", &bob_access, json!({"scope": "all"})).await.assert_status(204);
    refresh(&app, &bobs_other).await.assert(401, refresh_refused());
}

#[tokio::test]
async fn a_token_without_a_session_stays_refused_after_its_account_is_closed_and_opened_again() {
    let app = spawn_app().await;
    let admin = app.create_user("admin", true, true).await;
    let (staff, _) = app.login("admin", &admin.password).await;
    let ann = app.create_user("ann", true, false).await;
    let (_, given_before) = app.tokens_issued_ago(ann.id, 60);

    for action in ["deactivate", "activate"] {
        app.post_authed(&format!("/auth/admin/users/{}/{action}/", ann.id), &staff, json!({})).await.assert_status(200);
    }
    refresh(&app, &given_before).await.assert(401, refresh_refused());
    app.login("ann", &ann.password).await;
}
