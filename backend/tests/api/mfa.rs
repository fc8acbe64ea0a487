//! Second factors: an authenticator app added and confirmed, two-step sign-in with its codes
//! (drift, replay), recovery codes (once each), the `mfa_token` (single use, expiry), and wrong
//! codes throttled per account. An account without a factor signs in as before.

use gatehouse::auth::totp::Authenticator;
use serde_json::{json, Value};

use crate::helpers::{now, spawn_app, spawn_app_with, TestApp, TestUser};

/// Adds and confirms an authenticator app for `user`; its codes and the recovery codes.
pub(crate) async fn with_authenticator(app: &TestApp, user: &TestUser) -> (Authenticator, Vec<String>) {
    let (access, _) = app.login(&user.username, &user.password).await;
    let enrolment = app.post_authed("/auth/users/me/mfa/totp/", &access, json!({})).await;
    enrolment.assert_status(201);
    let body = enrolment.json();
    let uri = body["uri"].as_str().unwrap();
    assert!(uri.starts_with("otpauth://totp/") && uri.contains(&format!(":{}?", user.username)), "{uri}");
    assert!(body["qr_code"].as_str().unwrap().starts_with("data:image/svg+xml;base64,"), "{body}");
    let app_key = Authenticator::from_key(body["key"].as_str().unwrap(), "Gatehouse", &user.username).unwrap();
    let id = body["id"].as_str().unwrap();
    let confirmed = app
        .post_authed(
            "/auth/users/me/mfa/totp/confirm/",
            &access,
            json!({"id": id, "code": app_key.code_at(now() as u64)}),
        )
        .await;
    confirmed.assert_status(200);
    let codes: Vec<String> = serde_json::from_value(confirmed.json()["recovery_codes"].clone()).unwrap();
    (app_key, codes)
}

/// The first step of a sign-in for an account with a factor: its `mfa_token`.
pub(crate) async fn first_step(app: &TestApp, user: &TestUser) -> String {
    let answer = app.post("/auth/jwt/create/", json!({"username": user.username, "password": user.password})).await;
    answer.assert_status(200);
    let body = answer.json();
    assert_eq!(body["mfa_required"], true, "{body}");
    assert_eq!(body["methods"], json!(["totp", "recovery_code"]));
    assert!(body.get("access").is_none() && body.get("refresh").is_none(), "no tokens before the second step");
    body["mfa_token"].as_str().unwrap().to_owned()
}

async fn second_step(app: &TestApp, body: Value) -> crate::helpers::Answer {
    app.post("/auth/jwt/mfa/", body).await
}

/// Adds an authenticator app and signs in with its next code: the access token and the app's
/// factor id.
async fn signed_in_with_app(app: &TestApp, user: &TestUser) -> (String, String) {
    let (key, _) = with_authenticator(app, user).await;
    let token = first_step(app, user).await;
    let body = second_step(app, json!({"mfa_token": token, "code": key.code_at(now() as u64 + 30)})).await.json();
    let access = body["access"].as_str().unwrap().to_owned();
    let id =
        app.get_authed("/auth/users/me/mfa/", &access).await.json()["factors"][0]["id"].as_str().unwrap().to_owned();
    (access, id)
}

#[tokio::test]
async fn an_authenticator_app_is_active_only_once_a_code_confirms_it() {
    let app = spawn_app().await;
    let user = app.create_user("alice", true, false).await;
    let (access, _) = app.login("alice", &user.password).await;
    let enrolment = app.post_authed("/auth/users/me/mfa/totp/", &access, json!({})).await.json();

    // Not confirmed: the password alone still signs in, and a wrong code is refused.
    app.login("alice", &user.password).await;
    let wrong = app
        .post_authed("/auth/users/me/mfa/totp/confirm/", &access, json!({"id": enrolment["id"], "code": "000000"}))
        .await;
    wrong.assert(400, json!({"code": ["The code is not valid."]}));
    let unknown =
        app.post_authed("/auth/users/me/mfa/totp/confirm/", &access, json!({"id": "nope", "code": "000000"})).await;
    unknown.assert(400, json!({"id": ["No authenticator app is being added with this id."]}));
    let listed = app.get_authed("/auth/users/me/mfa/", &access).await.json();
    assert_eq!(listed, json!({"factors": [], "recovery_codes_left": 0}));

    let (_, codes) = with_authenticator(&app, &user).await;
    assert_eq!(codes.len(), 10, "recovery codes come with the first factor");
    let listed = app.get_authed("/auth/users/me/mfa/", &access).await.json();
    assert_eq!(listed["factors"].as_array().unwrap().len(), 1);
    assert_eq!(listed["factors"][0]["kind"], "totp");
    assert_eq!(listed["recovery_codes_left"], 10);
}

#[tokio::test]
async fn an_account_with_an_authenticator_app_signs_in_with_password_and_code() {
    let app = spawn_app().await;
    let user = app.create_user("alice", true, false).await;
    let (key, _) = with_authenticator(&app, &user).await;

    let token = first_step(&app, &user).await;
    // The code of the step after the current one is accepted (the phone's clock may run
    // ahead; one behind is accepted too, unless a later code was used: auth/totp.rs).
    let code = key.code_at(now() as u64 + 30);
    let answer = second_step(&app, json!({"mfa_token": token, "code": code})).await;

    answer.assert_status(200);
    let body = answer.json();
    assert_eq!(body["username"], "alice");
    let access = body["access"].as_str().unwrap();
    app.get_authed("/auth/users/me/", access).await.assert_status(200);
    let sessions = app.get_authed("/auth/users/me/sessions/", access).await.json();
    assert_eq!(sessions[0]["method"], "password+totp");
    assert_eq!(claims(access)["amr"], json!(["pwd", "otp"]), "the tokens say how the person signed in");
    let refreshed = app.post("/auth/jwt/refresh/", json!({"refresh": body["refresh"]})).await.json();
    assert_eq!(claims(refreshed["access"].as_str().unwrap())["amr"], json!(["pwd", "otp"]));
}

/// A JWT's payload.
fn claims(token: &str) -> Value {
    use base64::Engine;
    let payload = token.split('.').nth(1).unwrap();
    serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

#[tokio::test]
async fn a_password_alone_records_no_amr() {
    let app = spawn_app().await;
    let (_, access) = app.signed_in_user("alice").await;
    assert!(claims(&access).get("amr").is_none());
}

#[tokio::test]
async fn a_code_is_good_once_and_an_mfa_token_once() {
    let app = spawn_app().await;
    let user = app.create_user("alice", true, false).await;
    let (key, _) = with_authenticator(&app, &user).await;
    let code = key.code_at(now() as u64 + 30);

    let token = first_step(&app, &user).await;
    second_step(&app, json!({"mfa_token": token, "code": code})).await.assert_status(200);
    second_step(&app, json!({"mfa_token": token, "code": code}))
        .await
        .assert(400, json!({"mfa_token": ["This sign-in has expired or was already completed. Sign in again."]}));

    let again = first_step(&app, &user).await;
    second_step(&app, json!({"mfa_token": again, "code": code}))
        .await
        .assert(400, json!({"code": ["The code is not valid."]}));
}

#[tokio::test]
async fn a_recovery_code_signs_in_once_typed_with_or_without_its_hyphen() {
    let app = spawn_app().await;
    let user = app.create_user("alice", true, false).await;
    let (_, codes) = with_authenticator(&app, &user).await;
    let typed = codes[3].replace('-', "").to_uppercase();

    let token = first_step(&app, &user).await;
    second_step(&app, json!({"mfa_token": token, "recovery_code": typed})).await.assert_status(200);

    let token = first_step(&app, &user).await;
    second_step(&app, json!({"mfa_token": token, "recovery_code": codes[3]}))
        .await
        .assert(400, json!({"recovery_code": ["The recovery code is not valid or was already used."]}));
    second_step(&app, json!({"mfa_token": token, "recovery_code": codes[4]})).await.assert_status(200);
    let (access, _) = {
        let token = first_step(&app, &user).await;
        let body = second_step(&app, json!({"mfa_token": token, "recovery_code": codes[5]})).await.json();
        (body["access"].as_str().unwrap().to_owned(), ())
    };
    assert_eq!(app.get_authed("/auth/users/me/mfa/", &access).await.json()["recovery_codes_left"], 7);
}

#[tokio::test]
async fn an_expired_mfa_token_and_a_missing_or_double_proof_are_refused() {
    let app = spawn_app().await;
    let user = app.create_user("alice", true, false).await;
    let (key, codes) = with_authenticator(&app, &user).await;
    let token = first_step(&app, &user).await;

    second_step(&app, json!({"mfa_token": token}))
        .await
        .assert(400, json!({"non_field_errors": ["Send one of a code, a recovery code or a passkey."]}));
    second_step(&app, json!({"mfa_token": token, "code": key.code_at(now() as u64), "recovery_code": codes[0]}))
        .await
        .assert(400, json!({"non_field_errors": ["Send one of a code, a recovery code or a passkey."]}));
    second_step(&app, json!({"code": "123456"})).await.assert(400, json!({"mfa_token": ["This field is required."]}));

    let database = app.database().await;
    sqlx::query("UPDATE gatehouse_mfa_challenges SET expires_at = 0").execute(&database).await.unwrap();
    second_step(&app, json!({"mfa_token": token, "code": key.code_at(now() as u64)}))
        .await
        .assert(400, json!({"mfa_token": ["This sign-in has expired or was already completed. Sign in again."]}));
}

#[tokio::test]
async fn wrong_codes_are_throttled_per_account() {
    let app = spawn_app_with(&[("THROTTLE", "true"), ("THROTTLE_LOGIN_PER_USERNAME", "3/minute")]).await;
    let user = app.create_user("alice", true, false).await;
    let (key, _) = with_authenticator(&app, &user).await;
    let token = first_step(&app, &user).await;
    for _ in 0..3 {
        second_step(&app, json!({"mfa_token": token, "code": "000000"})).await.assert_status(400);
    }
    let throttled = second_step(&app, json!({"mfa_token": token, "code": key.code_at(now() as u64)})).await;
    throttled.assert_status(429);
    assert!(throttled.header("retry-after").is_some());
}

#[tokio::test]
async fn a_password_alone_gets_no_drf_token_for_an_account_with_a_second_factor() {
    let app = spawn_app().await;
    let user = app.create_user("alice", true, false).await;
    with_authenticator(&app, &user).await;
    app.post("/auth/token/login/", json!({"username": "alice", "password": user.password}))
        .await
        .assert(400, json!({"non_field_errors": ["Unable to log in with provided credentials."]}));
}

#[tokio::test]
async fn removing_a_factor_needs_the_password_and_takes_the_recovery_codes_with_the_last_one() {
    let app = spawn_app().await;
    let user = app.create_user("alice", true, false).await;
    let (access, id) = signed_in_with_app(&app, &user).await;
    let remove = |id: String, password: String| {
        let request = app.client.delete(app.url(&format!("/auth/users/me/mfa/{id}/"))).bearer_auth(&access);
        TestApp::read(request.json(&json!({"current_password": password})))
    };

    remove(id.clone(), "wrong".into()).await.assert(400, json!({"current_password": ["Invalid password."]}));
    remove("nope".into(), user.password.clone()).await.assert(404, json!({"detail": "Not found."}));
    remove(id.clone(), user.password.clone()).await.assert_status(204);

    assert_eq!(
        app.get_authed("/auth/users/me/mfa/", &access).await.json(),
        json!({"factors": [], "recovery_codes_left": 0})
    );
    app.login("alice", &user.password).await;
    let subjects: Vec<String> = app.emails().await.into_iter().map(|email| email.subject).collect();
    assert!(subjects.iter().any(|subject| subject.starts_with("A second factor was added")), "{subjects:?}");
    assert!(subjects.iter().any(|subject| subject.starts_with("A second factor was removed")), "{subjects:?}");
}

#[tokio::test]
async fn new_recovery_codes_replace_the_old_ones_and_need_the_password() {
    let app = spawn_app().await;
    let user = app.create_user("alice", true, false).await;
    let (access, _) = app.login("alice", &user.password).await;
    app.post_authed("/auth/users/me/mfa/recovery_codes/", &access, json!({"current_password": user.password}))
        .await
        .assert(400, json!({"non_field_errors": ["Recovery codes come with a second factor: add one first."]}));
    let (_, old) = with_authenticator(&app, &user).await;
    app.post_authed("/auth/users/me/mfa/recovery_codes/", &access, json!({"current_password": "wrong"}))
        .await
        .assert(400, json!({"current_password": ["Invalid password."]}));

    let answer = app
        .post_authed("/auth/users/me/mfa/recovery_codes/", &access, json!({"current_password": user.password}))
        .await;

    answer.assert_status(200);
    let new: Vec<String> = serde_json::from_value(answer.json()["recovery_codes"].clone()).unwrap();
    assert_eq!(new.len(), 10);
    let token = first_step(&app, &user).await;
    second_step(&app, json!({"mfa_token": token, "recovery_code": old[0]}))
        .await
        .assert(400, json!({"recovery_code": ["The recovery code is not valid or was already used."]}));
    second_step(&app, json!({"mfa_token": token, "recovery_code": new[0]})).await.assert_status(200);
    let subjects: Vec<String> = app.emails().await.into_iter().map(|email| email.subject).collect();
    assert!(subjects.iter().any(|subject| subject.starts_with("New recovery codes")), "{subjects:?}");
}

#[tokio::test]
async fn a_fresh_code_confirms_a_change_in_place_of_the_password() {
    let app = spawn_app().await;
    let user = app.create_user("alice", true, false).await;
    let (key, recovery) = with_authenticator(&app, &user).await;
    let token = first_step(&app, &user).await;
    let body = second_step(&app, json!({"mfa_token": token, "recovery_code": recovery[0]})).await.json();
    let access = body["access"].as_str().unwrap().to_owned();
    let codes = "/auth/users/me/mfa/recovery_codes/";
    let now = now() as u64;

    // The step before now was used (to confirm the app) or is older: either way, spent.
    app.post_authed(codes, &access, json!({"code": key.code_at(now - 30)}))
        .await
        .assert(400, json!({"code": ["The code is not valid."]}));
    app.post_authed(codes, &access, json!({}))
        .await
        .assert(400, json!({"current_password": ["This field is required."]}));
    app.post_authed(codes, &access, json!({"current_password": user.password, "code": key.code_at(now + 30)}))
        .await
        .assert(
            400,
            json!({"non_field_errors": [
                "Confirm with your current password, a code from your authenticator app or a passkey."
            ]}),
        );
    app.post_authed(codes, &access, json!({"passkey": "yes"}))
        .await
        .assert(400, json!({"passkey": ["Expected a dictionary of items but got type \"str\"."]}));
    let answer = app.post_authed(codes, &access, json!({"code": key.code_at(now + 30)})).await;
    answer.assert_status(200);
    assert_eq!(answer.json()["recovery_codes"].as_array().unwrap().len(), 10);

    // A second app's code removes the first.
    let second = app.post_authed("/auth/users/me/mfa/totp/", &access, json!({})).await.json();
    let second_key = Authenticator::from_key(second["key"].as_str().unwrap(), "Gatehouse", "alice").unwrap();
    app.post_authed(
        "/auth/users/me/mfa/totp/confirm/",
        &access,
        json!({"id": second["id"], "code": second_key.code_at(crate::helpers::now() as u64)}),
    )
    .await
    .assert(200, json!({}));
    let listed = app.get_authed("/auth/users/me/mfa/", &access).await.json();
    let first = listed["factors"].as_array().unwrap().iter().find(|factor| factor["id"] != second["id"]).unwrap();
    let first_id = first["id"].as_str().unwrap().to_owned();
    let request = app.client.delete(app.url(&format!("/auth/users/me/mfa/{first_id}/"))).bearer_auth(&access);
    TestApp::read(request.json(&json!({"code": second_key.code_at(crate::helpers::now() as u64 + 30)})))
        .await
        .assert_status(204);
    let left = app.get_authed("/auth/users/me/mfa/", &access).await.json();
    assert_eq!(left["factors"].as_array().unwrap().len(), 1);
    assert_eq!(left["factors"][0]["id"], second["id"]);
}

#[tokio::test]
async fn a_factor_can_be_renamed_by_its_owner_only() {
    let app = spawn_app().await;
    let user = app.create_user("alice", true, false).await;
    let (access, id) = signed_in_with_app(&app, &user).await;
    let rename = |id: String, access: String, body: Value| {
        let request = app.client.patch(app.url(&format!("/auth/users/me/mfa/{id}/"))).bearer_auth(access);
        TestApp::read(request.json(&body))
    };

    let renamed = rename(id.clone(), access.clone(), json!({"name": "  Phone  "})).await;
    renamed.assert_status(200);
    assert_eq!(
        (renamed.json()["id"].as_str().unwrap(), renamed.json()["name"].as_str().unwrap()),
        (id.as_str(), "Phone")
    );
    assert_eq!(app.get_authed("/auth/users/me/mfa/", &access).await.json()["factors"][0]["name"], "Phone");
    rename(id.clone(), access.clone(), json!({"name": ""}))
        .await
        .assert(400, json!({"name": ["This field may not be blank."]}));
    rename(id.clone(), access.clone(), json!({"name": "x".repeat(65)}))
        .await
        .assert(400, json!({"name": ["Ensure this field has no more than 64 characters."]}));
    let (_, bob) = app.signed_in_user("bob").await;
    rename(id, bob, json!({"name": "Mine"})).await.assert(404, json!({"detail": "Not found."}));
}

async fn reset(app: &TestApp, token: &str, id: &str) -> crate::helpers::Answer {
    app.request(reqwest::Method::DELETE, &format!("/auth/users/{id}/mfa/"), Some(token), None).await
}

#[tokio::test]
async fn staff_clear_a_locked_out_users_factors_and_nobody_else_may() {
    let app = spawn_app().await;
    let user = app.create_user("alice", true, false).await;
    with_authenticator(&app, &user).await;
    let (_, bob) = app.signed_in_user("bob").await;
    let (_, staff) = {
        let admin = app.create_user("admin", true, true).await;
        let (access, _) = app.login("admin", &admin.password).await;
        (admin, access)
    };

    reset(&app, &bob, &user.id.to_string())
        .await
        .assert(403, json!({"detail": "You do not have permission to perform this action."}));
    app.request(reqwest::Method::DELETE, &format!("/auth/users/{}/mfa/", user.id), None, None)
        .await
        .assert(401, json!({"detail": "Authentication credentials were not provided."}));
    reset(&app, &staff, "999999").await.assert(404, json!({"detail": "Not found."}));
    reset(&app, &staff, &user.id.to_string()).await.assert_status(204);

    let (access, _) = app.login("alice", &user.password).await;
    assert_eq!(
        app.get_authed("/auth/users/me/mfa/", &access).await.json(),
        json!({"factors": [], "recovery_codes_left": 0})
    );
}

#[tokio::test]
async fn the_mfa_reset_command_clears_a_users_factors() {
    let app = spawn_app().await;
    let user = app.create_user("alice", true, false).await;
    with_authenticator(&app, &user).await;

    let output = std::process::Command::new(env!("CARGO_BIN_EXE_gatehouse"))
        .env_clear()
        .env("GATEHOUSE_DATABASE_URL", &app.database.url)
        .env("GATEHOUSE_SECRET_KEY", crate::helpers::SECRET_KEY)
        .env("GATEHOUSE_EMAIL_OUTBOX_DIR", app.outbox.display().to_string())
        .args(["mfa-reset", "--username", "alice"])
        .output()
        .unwrap();

    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let printed = String::from_utf8_lossy(&output.stdout);
    assert!(printed.contains("Cleared 1 second factors of \"alice\""), "{printed}");
    app.login("alice", &user.password).await;
    let missing = std::process::Command::new(env!("CARGO_BIN_EXE_gatehouse"))
        .env_clear()
        .env("GATEHOUSE_DATABASE_URL", &app.database.url)
        .env("GATEHOUSE_SECRET_KEY", crate::helpers::SECRET_KEY)
        .args(["mfa-reset", "--username", "nobody"])
        .output()
        .unwrap();
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("No user is called \"nobody\""));
}

/// Makes every session of the suite's database look signed in `seconds` earlier.
pub(crate) async fn sign_ins_made_earlier(app: &TestApp, seconds: i64) {
    sqlx::query(&format!("UPDATE gatehouse_sessions SET created_at = created_at - {}", seconds * 1_000_000))
        .execute(&app.database().await)
        .await
        .unwrap();
}

const SIGN_IN_AGAIN: &str =
    "To add a way to sign in, sign in again: this sign-in is too old to change how the account is protected.";

#[tokio::test]
async fn adding_an_authenticator_app_or_a_passkey_needs_a_sign_in_of_the_last_fifteen_minutes() {
    let app = spawn_app().await;
    let user = app.create_user("ann", true, false).await;
    let (access, refresh) = app.login(&user.username, &user.password).await;
    sign_ins_made_earlier(&app, 901).await;

    let refused = json!({"detail": SIGN_IN_AGAIN, "code": "sign_in_again"});
    app.post_authed("/auth/users/me/mfa/totp/", &access, json!({})).await.assert(403, refused.clone());
    app.post_authed("/auth/users/me/mfa/passkeys/", &access, json!({})).await.assert(403, refused.clone());
    // A refresh continues the session and keeps its sign-in time.
    let renewed = app.post("/auth/jwt/refresh/", json!({"refresh": refresh})).await.json();
    let renewed = renewed["access"].as_str().unwrap();
    app.post_authed("/auth/users/me/mfa/totp/", renewed, json!({})).await.assert(403, refused);
    // What the account can still do meanwhile is unchanged.
    app.get_authed("/auth/users/me/mfa/", renewed).await.assert(200, json!({"factors": [], "recovery_codes_left": 0}));

    let (fresh, _) = app.login(&user.username, &user.password).await;
    app.post_authed("/auth/users/me/mfa/totp/", &fresh, json!({})).await.assert_status(201);
}

#[tokio::test]
async fn a_sign_in_just_under_the_age_still_adds_and_the_age_is_configurable() {
    let app = spawn_app().await;
    let user = app.create_user("ann", true, false).await;
    let (access, _) = app.login(&user.username, &user.password).await;
    sign_ins_made_earlier(&app, 880).await;
    app.post_authed("/auth/users/me/mfa/totp/", &access, json!({})).await.assert_status(201);

    let lenient = spawn_app_with(&[("PRIVILEGED_SESSION_MAX_AGE", "3600")]).await;
    let user = lenient.create_user("bob", true, false).await;
    let (access, _) = lenient.login(&user.username, &user.password).await;
    sign_ins_made_earlier(&lenient, 3000).await;
    lenient.post_authed("/auth/users/me/mfa/totp/", &access, json!({})).await.assert_status(201);
    sign_ins_made_earlier(&lenient, 601).await;
    lenient.post_authed("/auth/users/me/mfa/totp/", &access, json!({})).await.assert_status(403);
}

#[tokio::test]
async fn a_token_without_a_session_cannot_add_a_way_in_as_it_tells_no_sign_in_time() {
    let app = spawn_app().await;
    let user = app.create_user("ann", true, false).await;
    let refused = json!({"detail": SIGN_IN_AGAIN, "code": "sign_in_again"});
    let (from_django, _) = app.tokens_issued_ago(user.id, 0);
    app.post_authed("/auth/users/me/mfa/totp/", &from_django, json!({})).await.assert(403, refused.clone());

    let key = app.post("/auth/token/login/", json!({"username": user.username, "password": user.password})).await;
    let key = key.json()["auth_token"].as_str().unwrap().to_owned();
    let with_key = app.client.post(app.url("/auth/users/me/mfa/totp/")).header("Authorization", format!("Token {key}"));
    let answer = TestApp::read(with_key.json(&json!({}))).await;
    answer.assert(403, refused);
}

const LOCKED: &str =
    "Too many wrong codes were entered for this account. Reset your password to sign in with a code again.";

/// `n` wrong codes sent with the second step's `token`, each refused as wrong.
async fn wrong_codes(app: &TestApp, token: &str, n: usize) {
    for _ in 0..n {
        second_step(app, json!({"mfa_token": token, "code": "000000"}))
            .await
            .assert(400, json!({"code": ["The code is not valid."]}));
    }
}

fn warnings_to(emails: &[crate::helpers::Email], user: &TestUser) -> usize {
    emails
        .iter()
        .filter(|email| email.to == user.email && email.subject.starts_with("Wrong codes were entered"))
        .count()
}

#[tokio::test]
async fn five_wrong_codes_in_a_row_after_the_password_tell_the_owner_once() {
    let app = spawn_app().await;
    let user = app.create_user("ann", true, false).await;
    with_authenticator(&app, &user).await;
    let token = first_step(&app, &user).await;
    wrong_codes(&app, &token, 4).await;
    assert_eq!(warnings_to(&app.emails().await, &user), 0, "four are not yet a pattern");
    wrong_codes(&app, &token, 2).await;
    let emails = app.emails().await;
    assert_eq!(warnings_to(&emails, &user), 1, "one message for the fifth, none for the sixth");
    let warning = emails.iter().find(|email| email.subject.starts_with("Wrong codes")).unwrap();
    assert_eq!(warning.subject, "Wrong codes were entered for your account on Gatehouse");
    assert!(warning.text.contains("your password is known to someone else: reset it now"), "{}", warning.text);
}

#[tokio::test]
async fn twenty_wrong_codes_in_a_row_close_codes_until_the_password_is_reset_but_not_a_success_between() {
    let app = spawn_app_with(&[("THROTTLE", "false")]).await;
    let user = app.create_user("ann", true, false).await;
    let (key, recovery_codes) = with_authenticator(&app, &user).await;
    let token = first_step(&app, &user).await;
    wrong_codes(&app, &token, 19).await;
    // A success ends the streak.
    second_step(&app, json!({"mfa_token": token, "recovery_code": recovery_codes[1]})).await.assert_status(200);
    let token = first_step(&app, &user).await;
    wrong_codes(&app, &token, 20).await;

    let locked = json!({"non_field_errors": [LOCKED]});
    let right = json!({"mfa_token": token, "code": key.code_at(now() as u64 + 30)});
    second_step(&app, right).await.assert(400, locked.clone());
    second_step(&app, json!({"mfa_token": token, "recovery_code": recovery_codes[0]})).await.assert(400, locked);

    app.post("/auth/users/reset_password/", json!({"email": user.email})).await.assert_status(204);
    let (uid, reset) = app.last_email_to(&user.email).await.uid_and_token();
    let new_password = "Another-Quiet-Lantern-17";
    app.post("/auth/users/reset_password_confirm/", json!({"uid": uid, "token": reset, "new_password": new_password}))
        .await
        .assert_status(204);
    let user = TestUser { password: new_password.to_owned(), ..user };
    let token = first_step(&app, &user).await;
    second_step(&app, json!({"mfa_token": token, "recovery_code": recovery_codes[0]})).await.assert_status(200);
}
