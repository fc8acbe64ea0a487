//! The hash policy (`GATEHOUSE_PASSWORD_HASHER`): which algorithm new passwords get, and when a
//! stored hash is replaced after a sign-in. A hash that is not replaced keeps the reset and
//! activation links made from it working.

use gatehouse::auth::hashers::{encode_other, Target};
use gatehouse::auth::password::pbkdf2_sha256;
use serde_json::json;

use crate::helpers::{spawn_app_with, TestApp, GOOD_PASSWORD};

/// Django-sized costs are slow in tests; both sides agree on this count instead.
const ITERATIONS: &str = "1000";

async fn stored_hash(app: &TestApp, user_id: i64) -> String {
    app.user(user_id).await.unwrap().password
}

async fn register(app: &TestApp, username: &str) -> i64 {
    let answer = app.post("/auth/users/", json!({"username": username, "password": GOOD_PASSWORD})).await;
    answer.assert_status(201);
    answer.json()["id"].as_i64().unwrap()
}

#[tokio::test]
async fn with_the_pbkdf2_policy_new_passwords_are_djangos_default_hashes() {
    let app = spawn_app_with(&[("PASSWORD_HASHER", "pbkdf2_sha256"), ("PBKDF2_ITERATIONS", ITERATIONS)]).await;
    let id = register(&app, "alice").await;
    let hash = stored_hash(&app, id).await;
    assert!(hash.starts_with("pbkdf2_sha256$1000$"), "{hash}");
    let salt = hash.split('$').nth(2).unwrap();
    assert_eq!(salt.len(), 22, "Django's salt length");
}

#[tokio::test]
async fn with_the_pbkdf2_policy_a_current_hash_is_kept_and_its_reset_link_survives_a_sign_in() {
    let app = spawn_app_with(&[("PASSWORD_HASHER", "pbkdf2_sha256"), ("PBKDF2_ITERATIONS", ITERATIONS)]).await;
    let password = "Django-era-passw0rd";
    let hash = pbkdf2_sha256(password, "saltsaltsaltsaltsalt22", 1000);
    let user = app.insert_user("alice", &hash, true, false, password).await;
    app.post("/auth/users/reset_password/", json!({"email": user.email})).await.assert_status(204);
    let (uid, token) = app.last_email_to(&user.email).await.uid_and_token();

    app.login("alice", password).await;

    assert_eq!(stored_hash(&app, user.id).await, hash, "the same cost: nothing to replace");
    app.post(
        "/auth/users/reset_password_confirm/",
        json!({"uid": uid, "token": token, "new_password": "another horse battery 9"}),
    )
    .await
    .assert_status(204);
}

#[tokio::test]
async fn with_the_pbkdf2_policy_other_algorithms_and_costs_become_djangos_default() {
    let app = spawn_app_with(&[("PASSWORD_HASHER", "pbkdf2_sha256"), ("PBKDF2_ITERATIONS", ITERATIONS)]).await;
    let argon = app.create_user("argon", true, false).await;
    let cheap_password = "Django-era-passw0rd";
    let cheap = app
        .insert_user(
            "cheap",
            &pbkdf2_sha256(cheap_password, "saltsaltsaltsaltsalt22", 500),
            true,
            false,
            cheap_password,
        )
        .await;

    app.login("argon", &argon.password).await;
    app.login("cheap", cheap_password).await;

    assert!(stored_hash(&app, argon.id).await.starts_with("pbkdf2_sha256$1000$"));
    assert!(stored_hash(&app, cheap.id).await.starts_with("pbkdf2_sha256$1000$"));
    app.login("argon", &argon.password).await;
    app.login("cheap", cheap_password).await;
}

#[tokio::test]
async fn with_the_follow_policy_a_bcrypt_hash_stays_bcrypt_through_a_sign_in_and_a_password_change() {
    let app = spawn_app_with(&[("PASSWORD_HASHER", "follow"), ("PBKDF2_ITERATIONS", ITERATIONS)]).await;
    let password = "Django-era-passw0rd";
    let hash = encode_other(Target::BcryptSha256 { rounds: 12 }, password).unwrap();
    let user = app.insert_user("alice", &hash, true, false, password).await;

    let (access, _) = app.login("alice", password).await;
    assert_eq!(stored_hash(&app, user.id).await, hash, "kept as it is");

    app.post_authed(
        "/auth/users/set_password/",
        &access,
        json!({"current_password": password, "new_password": "another horse battery 9"}),
    )
    .await
    .assert_status(204);
    let changed = stored_hash(&app, user.id).await;
    assert!(changed.starts_with("bcrypt_sha256$$2b$12$"), "{changed}");
    app.login("alice", "another horse battery 9").await;
}

#[tokio::test]
async fn by_default_every_hash_becomes_argon2id_after_a_sign_in() {
    let app = spawn_app_with(&[]).await;
    let password = "Django-era-passw0rd";
    let hash = encode_other(Target::Scrypt, password).unwrap();
    let user = app.insert_user("alice", &hash, true, false, password).await;

    app.login("alice", password).await;

    assert!(stored_hash(&app, user.id).await.starts_with("argon2$argon2id$"));
}
