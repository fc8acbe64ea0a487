use futures_util::future::join_all;
use reqwest::Method;
use serde_json::json;

use crate::helpers::{assert_key_order, spawn_app, spawn_app_with, FRONTEND_URL, GOOD_PASSWORD};

fn registration(username: &str) -> serde_json::Value {
    json!({"username": username, "email": format!("{username}@example.com"), "password": GOOD_PASSWORD})
}

#[tokio::test]
async fn registration_creates_an_inactive_account_and_answers_it_in_contract_order() {
    let app = spawn_app().await;
    let answer = app
        .post("/auth/users/", json!({"username": "alice", "email": "alice@example.com", "password": GOOD_PASSWORD, "first_name": "Alice", "last_name": "Liddell"}))
        .await;
    answer.assert_status(201);
    assert_key_order(&answer.text, &["id", "first_name", "last_name", "username", "email", "is_active"]);
    let body = answer.json();
    assert_eq!(body["username"], "alice");
    assert_eq!(body["first_name"], "Alice");
    assert_eq!(body["last_name"], "Liddell");
    assert_eq!(body["is_active"], false);
    assert!(body.get("password").is_none());
    let stored = app.user(body["id"].as_i64().unwrap()).await.unwrap();
    assert!(stored.password.starts_with("argon2$argon2id$"));
    assert!(!stored.is_active);
}

#[tokio::test]
async fn registration_sends_an_activation_link_that_activates_the_account() {
    let app = spawn_app().await;
    app.post("/auth/users/", registration("alice")).await.assert_status(201);
    app.post("/auth/jwt/create/", json!({"username": "alice", "password": GOOD_PASSWORD})).await.assert_status(401);

    let email = app.last_email_to("alice@example.com").await;
    assert_eq!(email.subject, "Account activation on Gatehouse");
    assert!(email.link().starts_with(&format!("{FRONTEND_URL}/activate/")), "{}", email.link());
    let (uid, token) = email.uid_and_token();
    app.post("/auth/users/activation/", json!({"uid": uid, "token": token})).await.assert_status(204);

    app.login("alice", GOOD_PASSWORD).await;
}

#[tokio::test]
async fn with_activation_off_the_account_is_active_and_gets_a_confirmation() {
    let app = spawn_app_with(&[("SEND_ACTIVATION_EMAIL", "false")]).await;
    let answer = app.post("/auth/users/", registration("alice")).await;
    answer.assert_status(201);
    assert_eq!(answer.json()["is_active"], true);
    let emails = app.emails().await;
    assert_eq!(emails.len(), 1);
    assert_eq!(emails[0].subject, "Gatehouse - Your account has been successfully created and activated!");
    app.login("alice", GOOD_PASSWORD).await;
}

#[tokio::test]
async fn registration_reports_every_missing_or_blank_field_together() {
    let app = spawn_app().await;
    app.post("/auth/users/", json!({}))
        .await
        .assert(400, json!({"username": ["This field is required."], "password": ["This field is required."]}));
    app.post("/auth/users/", json!({"username": "  ", "password": " ", "email": ""})).await.assert(
        400,
        json!({"username": ["This field may not be blank."], "password": ["This field may not be blank."]}),
    );
    app.post("/auth/users/", json!({"username": null, "password": GOOD_PASSWORD, "email": null}))
        .await
        .assert(400, json!({"username": ["This field may not be null."], "email": ["This field may not be null."]}));
    app.post("/auth/users/", json!({"username": true, "password": ["x"]}))
        .await
        .assert(400, json!({"username": ["Not a valid string."], "password": ["Not a valid string."]}));
}

#[tokio::test]
async fn registration_checks_usernames_with_django_s_rules() {
    let app = spawn_app().await;
    app.create_user("taken", true, false).await;
    let invalid = "Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters.";
    let cases = [
        (json!("a b"), json!([invalid])),
        (json!("a b".repeat(60)), json!([invalid, "Ensure this field has no more than 150 characters."])),
        (json!("taken"), json!(["A user with that username already exists."])),
        (json!("bad\u{0}name"), json!([invalid, "Null characters are not allowed."])),
        (json!("x".repeat(151)), json!(["Ensure this field has no more than 150 characters."])),
    ];
    for (username, messages) in cases {
        app.post("/auth/users/", json!({"username": username, "password": GOOD_PASSWORD}))
            .await
            .assert(400, json!({"username": messages}));
    }
    // Case-sensitive uniqueness: another capitalisation is another user.
    app.post("/auth/users/", json!({"username": "Taken", "password": GOOD_PASSWORD})).await.assert_status(201);
}

#[tokio::test]
async fn registration_checks_email_addresses() {
    let app = spawn_app().await;
    for (i, email) in ["a@example.中国", "dan@exämple.com", "\"quoted\"@example.com"].iter().enumerate() {
        app.post("/auth/users/", json!({"username": format!("intl{i}"), "email": email, "password": GOOD_PASSWORD}))
            .await
            .assert_status(201);
    }
    app.post("/auth/users/", json!({"username": "a", "email": "not-an-email", "password": GOOD_PASSWORD}))
        .await
        .assert(400, json!({"email": ["Enter a valid email address."]}));
    let long = format!("{}@example.com", "a".repeat(314));
    app.post("/auth/users/", json!({"username": "a", "email": long, "password": GOOD_PASSWORD})).await.assert(
        400,
        json!({"email": ["Ensure this field has no more than 254 characters.", "Enter a valid email address."]}),
    );
}

#[tokio::test]
async fn password_validators_run_only_after_the_fields_pass_and_report_together() {
    let app = spawn_app().await;
    app.post("/auth/users/", json!({"username": "a b", "password": "123"}))
        .await
        .assert(400, json!({"username": ["Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters."]}));
    app.post("/auth/users/", json!({"username": "carol", "password": "123"})).await.assert(
        400,
        json!({"password": [
            "This password is too short. It must contain at least 8 characters.",
            "This password is too common.",
            "This password is entirely numeric."
        ]}),
    );
    app.post("/auth/users/", json!({"username": "bobbybobby", "password": "bobbybobby"}))
        .await
        .assert(400, json!({"password": ["The password is too similar to the username."]}));
    app.post("/auth/users/", json!({"username": "carol", "password": "Qz7!"}))
        .await
        .assert(400, json!({"password": ["This password is too short. It must contain at least 8 characters."]}));
    app.post("/auth/users/", json!({"username": "carol", "password": "iloveyou"}))
        .await
        .assert(400, json!({"password": ["This password is too common."]}));
    app.post("/auth/users/", json!({"username": "carol", "password": "73914620588"}))
        .await
        .assert(400, json!({"password": ["This password is entirely numeric."]}));
    app.post("/auth/users/", json!({"username": "carol", "first_name": "Bartholomew", "password": "bartholomew1"}))
        .await
        .assert(400, json!({"password": ["The password is too similar to the first name."]}));
    app.post(
        "/auth/users/",
        json!({"username": "carol", "email": "wonderland@example.com", "password": "wonderlandia"}),
    )
    .await
    .assert(400, json!({"password": ["The password is too similar to the email address."]}));
}

#[tokio::test]
async fn with_retype_on_the_passwords_must_match_after_passing_the_validators() {
    let app = spawn_app_with(&[("USER_CREATE_PASSWORD_RETYPE", "true")]).await;
    app.post("/auth/users/", json!({"username": "carol", "password": GOOD_PASSWORD}))
        .await
        .assert(400, json!({"re_password": ["This field is required."]}));
    app.post("/auth/users/", json!({"username": "carol", "password": GOOD_PASSWORD, "re_password": "different1!"}))
        .await
        .assert(400, json!({"non_field_errors": ["The two password fields didn't match."]}));
    app.post("/auth/users/", json!({"username": "carol", "password": "123", "re_password": "456"})).await.assert(
        400,
        json!({"password": [
            "This password is too short. It must contain at least 8 characters.",
            "This password is too common.",
            "This password is entirely numeric."
        ]}),
    );
    app.post(
        "/auth/users/",
        json!({"username": "carol", "password": GOOD_PASSWORD, "re_password": format!(" {GOOD_PASSWORD} ")}),
    )
    .await
    .assert_status(201);
}

#[tokio::test]
async fn registration_normalises_the_email_domain_and_the_username_and_ignores_unknown_fields() {
    let app = spawn_app_with(&[("SEND_ACTIVATION_EMAIL", "false")]).await;
    let answer = app
        .post(
            "/auth/users/",
            json!({
                "username": " ｊｏｓé ", "email": " Alice@Example.COM ", "password": format!("  {GOOD_PASSWORD}  "),
                "is_staff": true, "is_active": false, "id": 99
            }),
        )
        .await;
    answer.assert_status(201);
    let body = answer.json();
    assert_eq!(body["username"], "josé");
    assert_eq!(body["email"], "Alice@example.com");
    assert_eq!(body["is_active"], true);
    assert_ne!(body["id"], 99);
    let stored = app.user(body["id"].as_i64().unwrap()).await.unwrap();
    assert!(!stored.is_staff);
    app.login("josé", GOOD_PASSWORD).await;
}

#[tokio::test]
async fn a_username_colliding_after_normalisation_gets_the_bare_array_error() {
    let app = spawn_app().await;
    app.create_user("josé", true, false).await;
    app.post("/auth/users/", json!({"username": "ｊｏｓé", "password": GOOD_PASSWORD}))
        .await
        .assert(400, json!(["Unable to create account."]));
}

#[tokio::test]
async fn numbers_are_accepted_as_strings() {
    let app = spawn_app().await;
    let answer =
        app.post("/auth/users/", json!({"username": 12345, "password": GOOD_PASSWORD, "first_name": 1.5})).await;
    answer.assert_status(201);
    assert_eq!(answer.json()["username"], "12345");
    assert_eq!(answer.json()["first_name"], "1.5");
}

#[tokio::test]
async fn of_fifty_concurrent_registrations_of_one_username_exactly_one_succeeds() {
    let app = spawn_app().await;
    let answers = join_all((0..50).map(|_| app.post("/auth/users/", registration("racer")))).await;
    assert_eq!(answers.iter().filter(|a| a.status == 201).count(), 1);
    for answer in answers.iter().filter(|a| a.status != 201) {
        answer.assert_status(400);
        let body = answer.json();
        assert!(
            body == json!({"username": ["A user with that username already exists."]})
                || body == json!(["Unable to create account."]),
            "{body}"
        );
    }
}

#[tokio::test]
async fn the_list_shows_a_user_only_themselves_and_staff_everyone() {
    let app = spawn_app().await;
    let (alice, alice_token) = app.signed_in_user("alice").await;
    app.create_user("idle", false, false).await;
    let staff = app.create_user("boss", true, true).await;
    let (staff_token, _) = app.login("boss", &staff.password).await;

    let answer = app.get_authed("/auth/users/", &alice_token).await;
    answer.assert_status(200);
    assert_eq!(
        answer.json(),
        json!([{"id": alice.id, "first_name": "", "last_name": "", "username": "alice", "email": "alice@example.com", "is_active": true}])
    );

    let everyone = app.get_authed("/auth/users/", &staff_token).await.json();
    let names: Vec<&str> = everyone.as_array().unwrap().iter().map(|u| u["username"].as_str().unwrap()).collect();
    assert_eq!(names, ["alice", "idle", "boss"]);

    app.request(Method::GET, "/auth/users/", None, None)
        .await
        .assert(401, json!({"detail": "Authentication credentials were not provided."}));
}

#[tokio::test]
async fn without_hide_users_everyone_sees_everyone() {
    let app = spawn_app_with(&[("HIDE_USERS", "false")]).await;
    let (_, token) = app.signed_in_user("alice").await;
    let other = app.create_user("bob", true, false).await;
    assert_eq!(app.get_authed("/auth/users/", &token).await.json().as_array().unwrap().len(), 2);
    app.get_authed(&format!("/auth/users/{}/", other.id), &token)
        .await
        .assert(403, json!({"detail": "You do not have permission to perform this action."}));
}

#[tokio::test]
async fn me_shows_and_updates_the_signed_in_user() {
    let app = spawn_app().await;
    let (user, token) = app.signed_in_user("alice").await;

    let answer = app.get_authed("/auth/users/me/", &token).await;
    answer.assert(200, json!({"id": user.id, "first_name": "", "last_name": "", "username": "alice", "email": "alice@example.com", "is_active": true}));

    for method in [Method::PUT, Method::PATCH] {
        let answer = app
            .request(
                method,
                "/auth/users/me/",
                Some(&token),
                Some(json!({"first_name": " Alice ", "last_name": "L", "username": "ignored", "id": 5})),
            )
            .await;
        answer.assert(200, json!({"id": user.id, "first_name": "Alice", "last_name": "L", "username": "alice", "email": "alice@example.com", "is_active": true}));
    }
    app.request(Method::PATCH, "/auth/users/me/", Some(&token), Some(json!({}))).await.assert_status(200);
    app.request(Method::PATCH, "/auth/users/me/", Some(&token), Some(json!({"email": "nope", "first_name": null})))
        .await
        .assert(400, json!({"first_name": ["This field may not be null."], "email": ["Enter a valid email address."]}));
    app.request(Method::PATCH, "/auth/users/me/", Some(&token), Some(json!({"last_name": "x".repeat(151)})))
        .await
        .assert(400, json!({"last_name": ["Ensure this field has no more than 150 characters."]}));
}

#[tokio::test]
async fn many_accounts_asking_for_themselves_at_once_each_see_their_own_and_the_inactive_one_is_refused() {
    let app = spawn_app().await;
    let mut accounts = Vec::new();
    for n in 0..12 {
        let user = app.insert_user(&format!("member{n}"), "!", true, false, "").await;
        let (access, _) = app.tokens_issued_ago(user.id, 0);
        accounts.push((user, access));
    }
    let gone = app.insert_user("gone", "!", false, false, "").await;
    let (gone_access, _) = app.tokens_issued_ago(gone.id, 0);

    // Four rounds of every account asking three times at once, the inactive one among them.
    let mut asking: Vec<(&str, Option<&crate::helpers::TestUser>)> = Vec::new();
    for _ in 0..3 {
        asking.extend(accounts.iter().map(|(user, access)| (access.as_str(), Some(user))));
        asking.push((&gone_access, None));
    }
    for _ in 0..4 {
        let answers = join_all(asking.iter().map(|(access, _)| app.get_authed("/auth/users/me/", access))).await;
        for (answer, (_, user)) in answers.iter().zip(&asking) {
            match user {
                Some(user) => answer.assert(200, json!({"id": user.id, "first_name": "", "last_name": "", "username": user.username, "email": user.email, "is_active": true})),
                None => answer.assert(401, json!({"detail": "User is inactive", "code": "user_inactive"})),
            }
        }
    }
}

#[tokio::test]
async fn changing_the_email_deactivates_the_account_until_the_new_address_is_confirmed() {
    let app = spawn_app().await;
    let (_, token) = app.signed_in_user("alice").await;

    let answer = app
        .request(Method::PATCH, "/auth/users/me/", Some(&token), Some(json!({"email": "Alice.New@EXAMPLE.com"})))
        .await;
    answer.assert_status(200);
    assert_eq!(answer.json()["email"], "Alice.New@EXAMPLE.com");
    assert_eq!(answer.json()["is_active"], false);
    app.get_authed("/auth/users/me/", &token)
        .await
        .assert(401, json!({"detail": "User is inactive", "code": "user_inactive"}));

    let email = app.last_email_to("Alice.New@EXAMPLE.com").await;
    assert_eq!(email.subject, "Account activation on Gatehouse");
    let (uid, token) = email.uid_and_token();
    app.post("/auth/users/activation/", json!({"uid": uid, "token": token})).await.assert_status(204);
}

#[tokio::test]
async fn the_same_email_or_an_email_change_with_activation_off_keeps_the_account_active() {
    let app = spawn_app().await;
    let (_, token) = app.signed_in_user("alice").await;
    let answer =
        app.request(Method::PUT, "/auth/users/me/", Some(&token), Some(json!({"email": "alice@example.com"}))).await;
    assert_eq!(answer.json()["is_active"], true);
    assert!(app.emails().await.is_empty());

    let app = spawn_app_with(&[("SEND_ACTIVATION_EMAIL", "false")]).await;
    let (_, token) = app.signed_in_user("alice").await;
    let answer = app.request(Method::PUT, "/auth/users/me/", Some(&token), Some(json!({"email": ""}))).await;
    answer.assert_status(200);
    assert_eq!(answer.json()["email"], "");
    assert_eq!(answer.json()["is_active"], true);
}

#[tokio::test]
async fn deleting_oneself_needs_the_current_password() {
    let app = spawn_app().await;
    let (user, token) = app.signed_in_user("alice").await;
    app.request(Method::DELETE, "/auth/users/me/", Some(&token), None)
        .await
        .assert(400, json!({"current_password": ["This field is required."]}));
    app.request(Method::DELETE, "/auth/users/me/", Some(&token), Some(json!({"current_password": "wrong"})))
        .await
        .assert(400, json!({"current_password": ["Invalid password."]}));
    let answer = app
        .request(Method::DELETE, "/auth/users/me/", Some(&token), Some(json!({"current_password": user.password})))
        .await;
    answer.assert_status(204);
    assert_eq!(answer.text, "");
    assert!(app.user(user.id).await.is_none());
    app.get_authed("/auth/users/me/", &token)
        .await
        .assert(401, json!({"detail": "User not found", "code": "user_not_found"}));
}

#[tokio::test]
async fn a_user_reaches_their_own_record_by_id_but_not_anyone_else_s() {
    let app = spawn_app().await;
    let (alice, token) = app.signed_in_user("alice").await;
    let bob = app.create_user("bob", true, false).await;

    app.get_authed(&format!("/auth/users/{}/", alice.id), &token).await.assert_status(200);
    let not_found = json!({"detail": "Not found."});
    app.get_authed(&format!("/auth/users/{}/", bob.id), &token).await.assert(404, not_found.clone());
    app.get_authed("/auth/users/999999/", &token).await.assert(404, not_found.clone());
    app.get_authed("/auth/users/abc/", &token).await.assert(404, not_found.clone());
    app.request(Method::PATCH, &format!("/auth/users/{}/", bob.id), Some(&token), Some(json!({"first_name": "x"})))
        .await
        .assert(404, not_found.clone());
    app.request(
        Method::DELETE,
        &format!("/auth/users/{}/", bob.id),
        Some(&token),
        Some(json!({"current_password": alice.password})),
    )
    .await
    .assert(403, json!({"detail": "You do not have permission to perform this action."}));
    app.request(Method::DELETE, "/auth/users/999999/", Some(&token), Some(json!({}))).await.assert(404, not_found);
    app.request(Method::GET, &format!("/auth/users/{}/", bob.id), None, None)
        .await
        .assert(401, json!({"detail": "Authentication credentials were not provided."}));
}

#[tokio::test]
async fn staff_read_edit_and_delete_others_with_their_own_password() {
    let app = spawn_app().await;
    let staff = app.create_user("boss", true, true).await;
    let (token, _) = app.login("boss", &staff.password).await;
    let bob = app.create_user("bob", true, false).await;
    let path = format!("/auth/users/{}/", bob.id);

    app.get_authed(&path, &token).await.assert_status(200);
    let answer = app.request(Method::PUT, &path, Some(&token), Some(json!({"email": "bob.new@example.com"}))).await;
    answer.assert_status(200);
    assert_eq!(answer.json()["is_active"], false);
    assert_eq!(app.last_email_to("bob.new@example.com").await.subject, "Account activation on Gatehouse");

    app.request(Method::DELETE, &path, Some(&token), Some(json!({"current_password": bob.password})))
        .await
        .assert(400, json!({"current_password": ["Invalid password."]}));
    app.request(Method::DELETE, &path, Some(&token), Some(json!({"current_password": staff.password})))
        .await
        .assert_status(204);
    assert!(app.user(bob.id).await.is_none());
}

#[tokio::test]
async fn head_answers_like_get_without_a_body() {
    let app = spawn_app().await;
    let (_, token) = app.signed_in_user("alice").await;
    for path in ["/auth/users/me/", "/auth/users/"] {
        let answer = app.request(Method::HEAD, path, Some(&token), None).await;
        answer.assert_status(200);
        assert_eq!(answer.text, "");
    }
}

#[tokio::test]
async fn retype_fields_are_ignored_while_their_settings_are_off_as_djoser_ignores_unknown_keys() {
    // The app always sends them, with the value its own confirmation field checked.
    let app = spawn_app_with(&[("SEND_ACTIVATION_EMAIL", "false")]).await;
    let sign_up =
        json!({"username": "carol", "email": "carol@example.com", "password": GOOD_PASSWORD, "re_password": "x"});
    app.post("/auth/users/", sign_up).await.assert_status(201);
    let (access, _) = app.login("carol", GOOD_PASSWORD).await;
    let change =
        json!({"current_password": GOOD_PASSWORD, "new_password": "Fresh-Passw0rd-2026", "re_new_password": "y"});
    app.post_authed("/auth/users/set_password/", &access, change).await.assert_status(204);
    let rename = json!({"current_password": "Fresh-Passw0rd-2026", "new_username": "caro", "re_new_username": "z"});
    app.post_authed("/auth/users/set_username/", &access, rename).await.assert_status(204);
}
