//! The staff console's API: only staff find it; staff act on accounts that are not staff,
//! superusers on staff too, nobody locks themselves out; every action does what it says and
//! is in the audit trail with the staff member as its actor.

use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{spawn_app, TestApp, TestUser};

const NOT_FOUND: &str = "Not found.";

/// A staff member (a superuser when `superuser`) and their access token.
async fn staff(app: &TestApp, username: &str, superuser: bool) -> (TestUser, String) {
    let user = app.create_user(username, true, true).await;
    if superuser {
        let hash = app.user(user.id).await.unwrap().password;
        app.store.upsert_superuser(username, &user.email, &hash, 0).await.unwrap();
    }
    let (access, _) = app.login(username, &user.password).await;
    (user, access)
}

async fn act(app: &TestApp, access: &str, id: i64, action: &str) -> crate::helpers::Answer {
    app.post_authed(&format!("/auth/admin/users/{id}/{action}/"), access, json!({})).await
}

fn usernames(page: &Value) -> Vec<&str> {
    page["results"].as_array().unwrap().iter().map(|user| user["username"].as_str().unwrap()).collect()
}

/// The trail of `user_id` as staff read it: (event, actor's username), newest first.
async fn trail_of(app: &TestApp, access: &str, user_id: i64) -> Vec<(String, Value)> {
    let answer = app.get_authed(&format!("/auth/admin/audit/?user={user_id}"), access).await;
    answer.assert_status(200);
    let results = answer.json()["results"].as_array().unwrap().clone();
    results
        .iter()
        .map(|event| (event["event"].as_str().unwrap().to_owned(), event["actor"]["username"].clone()))
        .collect()
}

#[tokio::test]
async fn the_console_is_not_found_by_anyone_who_is_not_staff() {
    let app = spawn_app().await;
    let (target, access) = app.signed_in_user("ann").await;
    let paths = [
        (Method::GET, "/auth/admin/users/".to_owned()),
        (Method::GET, format!("/auth/admin/users/{}/", target.id)),
        (Method::DELETE, format!("/auth/admin/users/{}/", target.id)),
        (Method::POST, format!("/auth/admin/users/{}/deactivate/", target.id)),
        (Method::GET, "/auth/admin/audit/".to_owned()),
    ];
    for (method, path) in &paths {
        app.request(method.clone(), path, Some(&access), None).await.assert(404, json!({"detail": NOT_FOUND}));
        app.request(method.clone(), path, None, None)
            .await
            .assert(401, json!({"detail": "Authentication credentials were not provided."}));
    }
    assert!(app.user(target.id).await.unwrap().is_active, "nothing changed");
}

#[tokio::test]
async fn staff_act_on_other_accounts_but_only_superusers_on_staff_and_nobody_on_themselves() {
    let app = spawn_app().await;
    let (clerk, clerk_access) = staff(&app, "clerk", false).await;
    let (chief, chief_access) = staff(&app, "chief", true).await;
    let other_clerk = app.create_user("clerk2", true, true).await;
    let denied = json!({"detail": "You do not have permission to perform this action."});

    act(&app, &clerk_access, other_clerk.id, "deactivate").await.assert(403, denied.clone());
    act(&app, &clerk_access, chief.id, "end_sessions").await.assert(403, denied.clone());
    let ann = app.create_user("ann", true, false).await;
    act(&app, &clerk_access, ann.id, "make_staff").await.assert(403, denied.clone());
    app.request(Method::DELETE, &format!("/auth/admin/users/{}/", other_clerk.id), Some(&clerk_access), None)
        .await
        .assert(403, denied);
    let own = json!({"non_field_errors": ["You cannot do this to your own account."]});
    for action in ["deactivate", "remove_staff"] {
        act(&app, &chief_access, chief.id, action).await.assert(400, own.clone());
    }
    app.request(Method::DELETE, &format!("/auth/admin/users/{}/", chief.id), Some(&chief_access), None)
        .await
        .assert(400, own);
    assert!(app.user(other_clerk.id).await.unwrap().is_active);

    let removed = act(&app, &chief_access, other_clerk.id, "remove_staff").await;
    removed.assert_status(200);
    assert_eq!(removed.json()["is_staff"], false);
    let granted = act(&app, &chief_access, ann.id, "make_staff").await;
    assert_eq!(granted.json()["is_staff"], true);
    act(&app, &clerk_access, clerk.id, "end_sessions").await.assert_status(200);
    act(&app, &chief_access, ann.id, "nonsense").await.assert(404, json!({"detail": NOT_FOUND}));
    act(&app, &chief_access, 999_999, "deactivate").await.assert(404, json!({"detail": NOT_FOUND}));
    assert_eq!(trail_of(&app, &chief_access, ann.id).await[0], ("staff.granted".to_owned(), json!("chief")));
}

#[tokio::test]
async fn a_deactivated_account_is_refused_at_once_and_signs_in_again_once_activated_without_its_old_tokens() {
    let app = spawn_app().await;
    let (_, access) = staff(&app, "clerk", false).await;
    let (ann, ann_access) = app.signed_in_user("ann").await;

    let deactivated = act(&app, &access, ann.id, "deactivate").await;
    deactivated.assert_status(200);
    assert_eq!(deactivated.json()["is_active"], false);
    crate::helpers::assert_key_order(
        &deactivated.text,
        &[
            "id",
            "username",
            "email",
            "first_name",
            "last_name",
            "is_active",
            "is_staff",
            "is_superuser",
            "date_joined",
            "last_login",
            "second_factors",
        ],
    );
    assert_eq!(app.get_authed("/auth/users/me/", &ann_access).await.status, 401);
    app.post("/auth/jwt/create/", json!({"username": "ann", "password": ann.password}))
        .await
        .assert(401, json!({"detail": "No active account found with the given credentials"}));

    act(&app, &access, ann.id, "activate").await.assert_status(200);
    app.get_authed("/auth/users/me/", &ann_access).await.assert(
        401,
        json!({"detail": "Given token not valid for any token type", "code": "token_not_valid",
               "messages": [{"token_class": "AccessToken", "token_type": "access", "message": "Token is blacklisted"}]}),
    );
    let (again, _) = app.login("ann", &ann.password).await;
    app.get_authed("/auth/users/me/", &again).await.assert_status(200);
    let trail = trail_of(&app, &access, ann.id).await;
    let names: Vec<&str> = trail.iter().map(|(event, _)| event.as_str()).collect();
    assert_eq!(names[..4], ["user.signed_in", "user.activated", "user.sign_in_failed", "user.deactivated"]);
    assert_eq!(trail[1].1, json!("clerk"));
    assert_eq!(trail[3].1, json!("clerk"));
}

#[tokio::test]
async fn staff_send_activation_and_reset_e_mails_and_end_sessions_and_second_factors() {
    let app = spawn_app().await;
    let (_, access) = staff(&app, "clerk", false).await;
    let waiting = app.create_user("newcomer", false, false).await;
    act(&app, &access, waiting.id, "resend_activation").await.assert_status(200);
    let (uid, token) = app.last_email_to(&waiting.email).await.uid_and_token();
    app.post("/auth/users/activation/", json!({"uid": uid, "token": token})).await.assert_status(204);
    act(&app, &access, waiting.id, "resend_activation")
        .await
        .assert(400, json!({"non_field_errors": ["This account is already active."]}));

    let ann = app.create_user("ann", true, false).await;
    crate::mfa::with_authenticator(&app, &ann).await;
    assert_eq!(app.get_authed(&format!("/auth/admin/users/{}/", ann.id), &access).await.json()["second_factors"], 1);
    let found = app.get_authed("/auth/admin/users/?search=ann", &access).await.json();
    assert_eq!(found["results"][0]["second_factors"], 1, "{found}");
    act(&app, &access, ann.id, "send_password_reset").await.assert_status(200);
    let reset = app.last_email_to(&ann.email).await;
    assert!(reset.link().contains("/password/reset/confirm/"), "{}", reset.link());
    act(&app, &access, ann.id, "end_sessions").await.assert_status(200);
    assert_eq!(app.get_authed(&format!("/auth/users/{}/sessions/", ann.id), &access).await.json(), json!([]));
    let cleared = act(&app, &access, ann.id, "clear_second_factors").await;
    assert_eq!(cleared.json()["second_factors"], 0);
    app.login("ann", &ann.password).await;

    let names: Vec<String> = trail_of(&app, &access, ann.id).await.into_iter().map(|(event, _)| event).collect();
    assert_eq!(names[..4], ["user.signed_in", "second_factors.cleared", "session.ended", "password_reset.sent"]);
    let names: Vec<String> = trail_of(&app, &access, waiting.id).await.into_iter().map(|(event, _)| event).collect();
    assert_eq!(names, ["user.activated", "activation.resent"]);
}

#[tokio::test]
async fn a_deleted_account_is_gone_and_its_trail_stays() {
    let app = spawn_app().await;
    let (_, access) = staff(&app, "clerk", false).await;
    let (ann, ann_access) = app.signed_in_user("ann").await;
    app.request(Method::DELETE, &format!("/auth/admin/users/{}/", ann.id), Some(&access), None)
        .await
        .assert_status(204);
    assert!(app.user(ann.id).await.is_none());
    assert_eq!(app.get_authed("/auth/users/me/", &ann_access).await.status, 401);
    app.get_authed(&format!("/auth/admin/users/{}/", ann.id), &access).await.assert(404, json!({"detail": NOT_FOUND}));
    let trail = trail_of(&app, &access, ann.id).await;
    assert_eq!(trail[0], ("user.deleted".to_owned(), json!("clerk")));
}

#[tokio::test]
async fn staff_find_accounts_by_the_start_of_their_names_and_addresses_a_page_at_a_time() {
    let app = spawn_app().await;
    let (_, access) = staff(&app, "clerk", false).await;
    for n in 0..30 {
        app.create_user(&format!("member{n:02}"), true, false).await;
    }
    let lee = app.create_user("a_lee", true, false).await;
    app.store
        .update_profile(
            &gatehouse::domain::user::User {
                first_name: "Grace".into(),
                last_name: "Hopper".into(),
                email: "Grace@Navy.example".into(),
                ..app.user(lee.id).await.unwrap()
            },
            gatehouse::store::users::Effects::NONE,
        )
        .await
        .unwrap();

    let first = app.get_authed("/auth/admin/users/?search=MEMBER", &access).await;
    first.assert_status(200);
    let page = first.json();
    assert_eq!(page["count"], 30);
    assert_eq!(page["count_capped"], false);
    assert_eq!(usernames(&page).len(), 25);
    assert_eq!(usernames(&page)[0], "member00");
    assert_eq!(page["previous"], Value::Null);
    let next = page["next"].as_str().unwrap();
    assert!(next.ends_with("/auth/admin/users/?search=MEMBER&page=2"), "{next}");
    let second = TestApp::read(app.client.get(next).bearer_auth(&access)).await.json();
    assert_eq!(usernames(&second), ["member25", "member26", "member27", "member28", "member29"]);
    assert_eq!(second["next"], Value::Null);
    assert!(second["previous"].as_str().unwrap().ends_with("/auth/admin/users/?search=MEMBER"));

    for search in ["grace", "HOP", "grace@navy", "a_"] {
        let found = app.get_authed(&format!("/auth/admin/users/?search={search}"), &access).await.json();
        assert_eq!(usernames(&found), ["a_lee"], "{search}");
    }
    let wildcard = app.get_authed("/auth/admin/users/?search=%25", &access).await.json();
    assert_eq!(wildcard["count"], 0, "a % is a character, not a wildcard");
    let everyone = app.get_authed("/auth/admin/users/", &access).await.json();
    assert_eq!(everyone["count"], 32);
    app.get_authed("/auth/admin/users/?search=member&page=9", &access)
        .await
        .assert(404, json!({"detail": "Invalid page."}));
    app.get_authed("/auth/admin/users/?page=zero", &access).await.assert(404, json!({"detail": "Invalid page."}));
}

#[tokio::test]
async fn the_trail_is_filtered_by_account_event_and_time() {
    let app = spawn_app().await;
    let (_, access) = staff(&app, "clerk", false).await;
    let ann = app.create_user("ann", true, false).await;
    app.login("ann", &ann.password).await;
    app.post("/auth/jwt/create/", json!({"username": "ann", "password": "wrong"})).await.assert_status(401);

    let failed = app.get_authed("/auth/admin/audit/?event=user.sign_in_failed", &access).await.json();
    assert_eq!(failed["count"], 1);
    assert_eq!(failed["results"][0]["user"], json!({"id": ann.id, "username": "ann"}));
    let since = app.get_authed("/auth/admin/audit/?since=2999-01-01T00:00:00Z", &access).await.json();
    assert_eq!(since["count"], 0);
    let until = app.get_authed("/auth/admin/audit/?until=2000-01-01T00:00:00%2B01:00", &access).await.json();
    assert_eq!(until["count"], 0);
    let all = app.get_authed("/auth/admin/audit/", &access).await.json();
    assert_eq!(all["count"], 3, "clerk's sign-in, ann's and ann's failure: {all}");

    app.get_authed("/auth/admin/audit/?event=user.exploded&since=soon&user=x", &access).await.assert(
        400,
        json!({
            "user": ["A valid integer is required."],
            "event": ["\"user.exploded\" is not a valid choice."],
            "since": ["Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]."],
        }),
    );
}

#[tokio::test]
async fn the_older_staff_endpoints_keep_the_console_s_rule_that_only_superusers_act_on_staff() {
    let app = spawn_app().await;
    let (clerk, clerk_access) = staff(&app, "clerk", false).await;
    let (chief, chief_access) = staff(&app, "chief", true).await;
    crate::mfa::with_authenticator(&app, &chief).await;
    let denied = json!({"detail": "You do not have permission to perform this action."});
    let chief_sessions = format!("/auth/users/{}/sessions/", chief.id);

    app.request(Method::DELETE, &format!("/auth/users/{}/mfa/", chief.id), Some(&clerk_access), None)
        .await
        .assert(403, denied.clone());
    let listed = app.get_authed(&chief_sessions, &clerk_access).await;
    listed.assert_status(200);
    let one = listed.json()[0]["id"].as_str().unwrap().to_owned();
    app.request(Method::DELETE, &format!("{chief_sessions}{one}/"), Some(&clerk_access), None)
        .await
        .assert(403, denied.clone());
    app.post_authed(&format!("{chief_sessions}revoke/"), &clerk_access, json!({"scope": "all"}))
        .await
        .assert(403, denied);

    let factors = app.get_authed("/auth/users/me/mfa/", &chief_access).await;
    factors.assert_status(200);
    assert_eq!(factors.json()["factors"].as_array().unwrap().len(), 1, "the chief's authenticator is still there");
    app.post_authed(&format!("/auth/users/{}/sessions/revoke/", clerk.id), &chief_access, json!({"scope": "all"}))
        .await
        .assert_status(204);
    app.get_authed("/auth/users/me/", &clerk_access).await.assert_status(401);
    app.request(Method::DELETE, &format!("/auth/users/{}/mfa/", clerk.id), Some(&chief_access), None)
        .await
        .assert_status(204);
}
