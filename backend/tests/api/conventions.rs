use reqwest::Method;
use serde_json::json;

use crate::helpers::{spawn_app, TestApp, GOOD_PASSWORD};

async fn post_raw(app: &TestApp, path: &str, content_type: &str, body: &'static str) -> crate::helpers::Answer {
    TestApp::read(app.client.post(app.url(path)).header("Content-Type", content_type).body(body)).await
}

#[tokio::test]
async fn an_unsupported_content_type_is_415_naming_it() {
    let app = spawn_app().await;
    post_raw(&app, "/auth/jwt/create/", "text/plain; charset=utf-8", "hello")
        .await
        .assert(415, json!({"detail": "Unsupported media type \"text/plain; charset=utf-8\" in request."}));
}

#[tokio::test]
async fn malformed_json_is_a_parse_error() {
    let app = spawn_app().await;
    let answer = post_raw(&app, "/auth/jwt/create/", "application/json", "{\"username\": ").await;
    answer.assert_status(400);
    assert!(answer.json()["detail"].as_str().unwrap().starts_with("JSON parse error - "), "{}", answer.text);
    let answer = post_raw(&app, "/auth/jwt/create/", "application/json", "{\"a\": NaN}").await;
    answer.assert_status(400);
}

#[tokio::test]
async fn json_that_is_not_an_object_is_named_by_its_python_type() {
    let app = spawn_app().await;
    for (body, kind) in [("[]", "list"), ("\"x\"", "str"), ("1", "int"), ("1.5", "float"), ("true", "bool")] {
        post_raw(&app, "/auth/jwt/create/", "application/json", body).await.assert(
            400,
            json!({"non_field_errors": [format!("Invalid data. Expected a dictionary, but got {kind}.")]}),
        );
    }
    post_raw(&app, "/auth/jwt/create/", "application/json", "null")
        .await
        .assert(400, json!({"non_field_errors": ["No data provided"]}));
}

#[tokio::test]
async fn an_empty_body_is_an_empty_object() {
    let app = spawn_app().await;
    post_raw(&app, "/auth/jwt/create/", "text/plain", "")
        .await
        .assert(400, json!({"username": ["This field is required."], "password": ["This field is required."]}));
}

#[tokio::test]
async fn form_and_multipart_bodies_are_accepted() {
    let app = spawn_app().await;
    let user = app.create_user("alice", true, false).await;
    let answer = TestApp::read(
        app.client
            .post(app.url("/auth/jwt/create/"))
            .form(&[("username", "alice"), ("password", user.password.as_str())]),
    )
    .await;
    answer.assert_status(200);
    let body = format!(
        "--XyZ\r\nContent-Disposition: form-data; name=\"username\"\r\n\r\nalice\r\n\
         --XyZ\r\nContent-Disposition: form-data; name=\"password\"\r\n\r\n{}\r\n--XyZ--\r\n",
        user.password
    );
    let answer = TestApp::read(
        app.client
            .post(app.url("/auth/jwt/create/"))
            .header("Content-Type", "multipart/form-data; boundary=XyZ")
            .body(body),
    )
    .await;
    answer.assert_status(200);
}

#[tokio::test]
async fn unknown_paths_under_auth_are_json_404s() {
    let app = spawn_app().await;
    for path in ["/auth/nothing/", "/auth/users/me.json", "/auth/jwt/createx/", "/auth/users/1/extra/"] {
        let answer = app.request(Method::GET, path, None, None).await;
        answer.assert(404, json!({"detail": "Not found."}));
        assert_eq!(answer.header("content-type"), Some("application/json"));
    }
}

#[tokio::test]
async fn a_get_without_the_trailing_slash_is_redirected_and_a_post_is_served() {
    let app = spawn_app().await;
    let answer = app.request(Method::GET, "/auth/users/me?x=1", None, None).await;
    answer.assert_status(301);
    assert_eq!(answer.header("location"), Some("/auth/users/me/?x=1"));

    let answer = app.post("/auth/users", json!({"username": "alice", "password": GOOD_PASSWORD})).await;
    answer.assert_status(201);
}

#[tokio::test]
async fn answers_carry_drf_s_allow_and_vary_headers() {
    let app = spawn_app().await;
    let (_, token) = app.signed_in_user("alice").await;
    for (path, allow) in [
        ("/auth/users/", "GET, POST, HEAD, OPTIONS"),
        ("/auth/users/me/", "GET, PUT, PATCH, DELETE, HEAD, OPTIONS"),
        ("/auth/users/1/", "GET, PUT, PATCH, DELETE, HEAD, OPTIONS"),
    ] {
        let answer = app.get_authed(path, &token).await;
        assert_eq!(answer.header("allow"), Some(allow), "{path}");
        assert_eq!(answer.header("vary"), Some("Accept"), "{path}");
    }
    let answer = app.post("/auth/jwt/verify/", json!({})).await;
    assert_eq!(answer.header("allow"), Some("POST, OPTIONS"));
}

#[tokio::test]
async fn options_describes_an_endpoint() {
    let app = spawn_app().await;
    let (_, token) = app.signed_in_user("alice").await;
    let answer = app.request(Method::OPTIONS, "/auth/users/me/", Some(&token), None).await;
    answer.assert_status(200);
    assert_eq!(answer.json()["parses"][0], "application/json");
    app.request(Method::OPTIONS, "/auth/users/me/", None, None).await.assert_status(401);
    app.request(Method::OPTIONS, "/auth/jwt/create/", None, None).await.assert_status(200);
}

#[tokio::test]
async fn the_api_root_links_to_the_users_collection() {
    let app = spawn_app().await;
    let answer = app.request(Method::GET, "/auth/", None, None).await;
    answer.assert_status(200);
    assert!(answer.json()["users"].as_str().unwrap().ends_with("/auth/users/"));
}

#[tokio::test]
async fn a_body_above_the_limit_is_refused_with_413() {
    let app = spawn_app().await;
    let big = "x".repeat(1024 * 1024);
    let answer = TestApp::read(
        app.client.post(app.url("/auth/jwt/create/")).header("Content-Type", "application/json").body(big),
    )
    .await;
    answer.assert_status(413);
}

#[tokio::test]
async fn other_paths_serve_the_browser_app_page() {
    let app = spawn_app().await;
    let answer = app.request(Method::GET, "/activate/MQ/abc-def", None, None).await;
    answer.assert_status(200);
    assert!(answer.header("content-type").unwrap().starts_with("text/html"));
}

#[tokio::test]
async fn a_body_without_a_content_type_is_415() {
    let app = spawn_app().await;
    let answer = TestApp::read(app.client.post(app.url("/auth/jwt/create/")).body("{\"username\": \"a\"}")).await;
    answer.assert(415, json!({"detail": "Unsupported media type \"\" in request."}));
}

#[tokio::test]
async fn the_challenge_names_the_first_configured_scheme() {
    let app = crate::helpers::spawn_app_with(&[("AUTH_HEADER_TYPES", "JWT,Bearer")]).await;
    let answer = app.request(Method::GET, "/auth/users/me/", None, None).await;
    answer.assert_status(401);
    assert_eq!(answer.header("www-authenticate"), Some("JWT realm=\"api\""));
}

#[tokio::test]
async fn the_api_root_believes_no_forwarding_header_nor_a_foreign_host() {
    let app = spawn_app().await;
    let direct = app.request(Method::GET, "/auth/", None, None).await.json();
    assert_eq!(direct["users"], format!("{}/auth/users/", app.address));
    let forged = app
        .client
        .get(app.url("/auth/"))
        .header("X-Forwarded-Host", "evil.example")
        .header("X-Forwarded-Proto", "https")
        .header("Forwarded", "host=evil.example;proto=https");
    let forged = TestApp::read(forged).await.json();
    assert_eq!(forged["users"], format!("{}/auth/users/", app.address));
    let foreign = TestApp::read(app.client.get(app.url("/auth/")).header("Host", "evil.example")).await.json();
    assert_eq!(foreign["users"], format!("{}/auth/users/", crate::helpers::FRONTEND_URL));
}
