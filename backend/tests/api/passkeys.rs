//! Passkeys over HTTP, as far as a test without an authenticator can take them: the options of
//! each ceremony, single-use ceremonies, and the refusals of answers that are not a passkey of
//! this site. The ceremonies with a real authenticator (Chromium's virtual one) are in
//! `end2end/tests/passkeys.spec.ts`.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{json, Value};

use crate::helpers::{spawn_app_with, TestApp};

const FRONTEND: &str = "http://localhost:8000";

async fn app_with_passkeys() -> TestApp {
    spawn_app_with(&[("FRONTEND_URL", FRONTEND)]).await
}

/// A well-formed assertion that no authenticator made.
fn stray_assertion(id: &str) -> Value {
    let bytes = |text: &str| URL_SAFE_NO_PAD.encode(text);
    let credential_id = bytes("a credential nobody registered");
    json!({
        "id": id,
        "credential": {
            "id": credential_id,
            "rawId": credential_id,
            "type": "public-key",
            "response": {
                "authenticatorData": bytes("authenticator data"),
                "clientDataJSON": bytes(r#"{"type":"webauthn.get"}"#),
                "signature": bytes("signature"),
                "userHandle": URL_SAFE_NO_PAD.encode(uuid_bytes()),
            },
            "extensions": {},
        },
    })
}

fn uuid_bytes() -> [u8; 16] {
    [7; 16]
}

#[tokio::test]
async fn on_an_ip_address_frontend_passkeys_are_refused_with_the_reason() {
    let app = spawn_app_with(&[("FRONTEND_URL", "http://127.0.0.1:8000")]).await;
    let (_, access) = app.signed_in_user("alice").await;
    let unavailable = json!({"non_field_errors": [
        "Passkeys need Gatehouse to be reached at a host name (GATEHOUSE_FRONTEND_URL), not an IP address."
    ]});
    app.post_authed("/auth/users/me/mfa/passkeys/", &access, json!({})).await.assert(400, unavailable.clone());
    app.post("/auth/jwt/passkey/options/", json!({})).await.assert(400, unavailable);
}

#[tokio::test]
async fn registration_options_name_the_site_and_the_account_and_ask_for_a_discoverable_passkey() {
    let app = app_with_passkeys().await;
    let (_, access) = app.signed_in_user("alice").await;

    let answer = app.post_authed("/auth/users/me/mfa/passkeys/", &access, json!({})).await;

    answer.assert_status(201);
    assert_eq!(answer.header("cache-control"), Some("no-store"));
    let body = answer.json();
    assert!(body["id"].as_str().is_some_and(|id| id.len() >= 40), "{body}");
    let options = &body["options"]["publicKey"];
    assert_eq!(options["rp"], json!({"id": "localhost", "name": "Gatehouse"}));
    assert_eq!(options["user"]["name"], "alice");
    assert_eq!(options["authenticatorSelection"]["residentKey"], "required");
    assert_eq!(options["authenticatorSelection"]["userVerification"], "required");
    assert!(options["challenge"].as_str().is_some_and(|challenge| challenge.len() >= 43), "{options}");
    // The id the authenticator keeps is a random UUID, not the account's number.
    let handle = URL_SAFE_NO_PAD.decode(options["user"]["id"].as_str().unwrap()).unwrap();
    assert_eq!(handle.len(), 16);
}

#[tokio::test]
async fn an_answer_that_does_not_verify_is_refused_and_uses_its_ceremony_up() {
    let app = app_with_passkeys().await;
    let (_, access) = app.signed_in_user("alice").await;
    let id = app.post_authed("/auth/users/me/mfa/passkeys/", &access, json!({})).await.json()["id"].clone();
    let confirm = |body: Value| app.post_authed("/auth/users/me/mfa/passkeys/confirm/", &access, body);

    confirm(json!({"id": id})).await.assert(400, json!({"credential": ["This field is required."]}));
    confirm(json!({"id": id, "credential": {"id": "x"}}))
        .await
        .assert(400, json!({"credential": ["This passkey could not be verified."]}));
    confirm(json!({"id": id, "credential": {"id": "x"}}))
        .await
        .assert(400, json!({"id": ["This passkey request has expired or was already used. Try again."]}));
    confirm(json!({"id": "made-up", "credential": {}}))
        .await
        .assert(400, json!({"id": ["This passkey request has expired or was already used. Try again."]}));
    assert_eq!(app.get_authed("/auth/users/me/mfa/", &access).await.json()["factors"], json!([]));
}

#[tokio::test]
async fn a_ceremony_started_by_one_account_cannot_be_finished_by_another() {
    let app = app_with_passkeys().await;
    let (_, alice) = app.signed_in_user("alice").await;
    let (_, bob) = app.signed_in_user("bob").await;
    let id = app.post_authed("/auth/users/me/mfa/passkeys/", &alice, json!({})).await.json()["id"].clone();

    app.post_authed("/auth/users/me/mfa/passkeys/confirm/", &bob, json!({"id": id, "credential": {}}))
        .await
        .assert(400, json!({"id": ["This passkey request has expired or was already used. Try again."]}));
}

#[tokio::test]
async fn sign_in_options_leave_the_passkey_to_the_browser_and_refuse_an_unknown_one() {
    let app = app_with_passkeys().await;

    let answer = app.post("/auth/jwt/passkey/options/", json!({})).await;

    answer.assert_status(200);
    let body = answer.json();
    let options = &body["options"]["publicKey"];
    assert_eq!(options["rpId"], "localhost");
    assert_eq!(options["userVerification"], "required");
    assert!(options.get("allowCredentials").is_none_or(|list| list == &json!([])), "{options}");
    assert!(body["options"].get("mediation").is_none(), "the page chooses the mediation");

    let id = body["id"].as_str().unwrap();
    app.post("/auth/jwt/passkey/", stray_assertion(id))
        .await
        .assert(400, json!({"credential": ["This passkey is not registered with any account here."]}));
    app.post("/auth/jwt/passkey/", stray_assertion(id))
        .await
        .assert(400, json!({"id": ["This passkey request has expired or was already used. Try again."]}));
    app.post("/auth/jwt/passkey/", json!({"id": id}))
        .await
        .assert(400, json!({"credential": ["This field is required."]}));
}

#[tokio::test]
async fn a_second_step_by_passkey_needs_a_live_sign_in_and_an_account_with_a_passkey() {
    let app = app_with_passkeys().await;
    app.post("/auth/jwt/passkey/options/", json!({"mfa_token": "made-up"}))
        .await
        .assert(400, json!({"mfa_token": ["This sign-in has expired or was already completed. Sign in again."]}));
    let (_, access) = app.signed_in_user("alice").await;
    app.post_authed("/auth/users/me/mfa/passkeys/assertion/", &access, json!({}))
        .await
        .assert(400, json!({"non_field_errors": ["This account has no passkey."]}));
}

#[tokio::test]
async fn passkey_answers_are_objects() {
    let app = app_with_passkeys().await;
    app.post("/auth/jwt/mfa/", json!({"mfa_token": "t", "passkey": ["a"]}))
        .await
        .assert(400, json!({"passkey": ["Expected a dictionary of items but got type \"list\"."]}));
    app.post("/auth/jwt/mfa/", json!({"mfa_token": "t", "passkey": {"credential": {}}}))
        .await
        .assert(400, json!({"passkey": ["Send the passkey's answer as {\"id\": …, \"credential\": {…}}."]}));
}
