//! `GET /auth/schema/`: the OpenAPI document (schemathesis checks the server against it in
//! `scripts/fuzz-api`).

use crate::helpers::{spawn_app, spawn_app_with};

/// An identity provider named `acme`, never reached by these tests.
const PROVIDER: &[(&str, &str)] = &[
    ("OIDC_ACME_ISSUER", "http://127.0.0.1:9"),
    ("OIDC_ACME_CLIENT_ID", "acme"),
    ("OIDC_ACME_CLIENT_SECRET", "acme-secret"),
];

#[tokio::test]
async fn the_schema_is_an_openapi_3_1_document_of_every_endpoint() {
    let app = spawn_app().await;
    let answer = app.request(reqwest::Method::GET, "/auth/schema/", None, None).await;
    answer.assert_status(200);
    let document = answer.json();
    assert_eq!(document["openapi"], "3.1.0");
    let paths = document["paths"].as_object().unwrap();
    for path in [
        "/auth/jwt/create/",
        "/auth/jwt/refresh/",
        "/auth/jwt/verify/",
        "/auth/jwt/blacklist/",
        "/auth/users/",
        "/auth/users/me/",
        "/auth/users/{id}/",
        "/auth/users/activation/",
        "/auth/users/resend_activation/",
        "/auth/users/set_password/",
        "/auth/users/reset_password/",
        "/auth/users/reset_password_confirm/",
        "/auth/users/set_username/",
        "/auth/users/reset_username/",
        "/auth/users/reset_username_confirm/",
    ] {
        assert!(paths.contains_key(path), "{path} is documented");
    }
    let login = &document["paths"]["/auth/jwt/create/"]["post"]["responses"];
    assert!(
        login["200"].is_object() && login["400"].is_object() && login["401"].is_object() && login["429"].is_object()
    );
}

#[tokio::test]
async fn the_schema_only_answers_reads() {
    let app = spawn_app().await;
    app.post("/auth/schema/", serde_json::json!({})).await.assert_status(405);
}

#[tokio::test]
async fn the_schema_names_exactly_the_paths_of_the_route_table() {
    let app = spawn_app().await;
    let document = app.request(reqwest::Method::GET, "/auth/schema/", None, None).await.json();
    let mut documented: Vec<&str> = document["paths"].as_object().unwrap().keys().map(String::as_str).collect();
    let mut served = gatehouse::routes::PATHS.to_vec();
    documented.sort_unstable();
    served.sort_unstable();
    assert_eq!(documented, served);
}

/// Every documented operation that takes a body, with its method and whether it needs a token.
fn operations_with_bodies(document: &serde_json::Value) -> Vec<(String, String, serde_json::Value)> {
    let mut operations = Vec::new();
    for (path, methods) in document["paths"].as_object().unwrap() {
        for (method, operation) in methods.as_object().unwrap() {
            if operation["requestBody"].is_object() {
                let path = path.replace("{id}", "me").replace("{provider}", "acme");
                operations.push((path, method.to_uppercase(), operation.clone()));
            }
        }
    }
    operations
}

#[tokio::test]
async fn an_empty_body_is_refused_for_exactly_the_fields_the_schema_requires() {
    let app = spawn_app_with(PROVIDER).await;
    let (_, token) = app.signed_in_user("schema").await;
    let document = app.request(reqwest::Method::GET, "/auth/schema/", None, None).await.json();
    let operations = operations_with_bodies(&document);
    assert!(operations.len() >= 17, "{} operations take a body", operations.len());
    for (path, method, operation) in operations {
        let schema = &operation["requestBody"]["content"]["application/json"]["schema"];
        let mut required: Vec<String> =
            schema["required"].as_array().unwrap().iter().map(|field| field.as_str().unwrap().to_owned()).collect();
        if path.ends_with("/reset_username_confirm/") {
            // As in Djoser, the link's uid and token are checked after the new username, and
            // are not reported as missing fields: they are required all the same.
            required.retain(|field| field != "uid" && field != "token");
        }
        if let Some(first) = schema["anyOf"].as_array().and_then(|choices| choices.first()) {
            // One of several fields (a confirmation): without any, the first is missing.
            required = first["required"].as_array().unwrap().iter().map(|f| f.as_str().unwrap().to_owned()).collect();
        }
        if path.ends_with("/passkeys/assertion/") {
            // Nothing to send; this user has no passkey to confirm with.
            required = vec!["non_field_errors".to_owned()];
        }
        if path.ends_with("/o/acme/") {
            // As in Djoser, code and state are optional fields (they may come in the query
            // string); without a state, the answer is Djoser's one message.
            required = vec!["non_field_errors".to_owned()];
        }
        if path.ends_with("/token/login/") {
            // Djoser's fields are optional one by one; without both, the answer is its one
            // "Unable to log in" message.
            required = vec!["non_field_errors".to_owned()];
        }
        let needs_token = operation["security"].is_array();
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let answer = app
            .request(method.clone(), &path, needs_token.then_some(token.as_str()), Some(serde_json::json!({})))
            .await;
        if required.is_empty() {
            assert!(answer.status.is_success(), "{method} {path}: {} {}", answer.status, answer.text);
            continue;
        }
        answer.assert_status(400);
        let mut refused: Vec<String> = answer.json().as_object().unwrap().keys().cloned().collect();
        refused.sort_unstable();
        required.sort_unstable();
        assert_eq!(refused, required, "{method} {path}");
    }
}

#[tokio::test]
async fn every_field_the_server_reads_is_documented_for_its_operation() {
    // Each field given a value of the wrong type is refused by name; the refusals must name
    // only documented fields, and every documented field must be refused.
    let app = spawn_app_with(&[
        ("USER_CREATE_PASSWORD_RETYPE", "true"),
        ("SET_PASSWORD_RETYPE", "true"),
        ("SET_USERNAME_RETYPE", "true"),
        ("PASSWORD_RESET_CONFIRM_RETYPE", "true"),
        ("USERNAME_RESET_CONFIRM_RETYPE", "true"),
        PROVIDER[0],
        PROVIDER[1],
        PROVIDER[2],
    ])
    .await;
    let (_, token) = app.signed_in_user("schema").await;
    let document = app.request(reqwest::Method::GET, "/auth/schema/", None, None).await.json();
    for (path, method, operation) in operations_with_bodies(&document) {
        let schema = &operation["requestBody"]["content"]["application/json"]["schema"];
        let mut documented: Vec<String> = schema["properties"].as_object().unwrap().keys().cloned().collect();
        let body: serde_json::Map<String, serde_json::Value> =
            documented.iter().map(|field| (field.clone(), serde_json::json!(["not a string"]))).collect();
        let needs_token = operation["security"].is_array();
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let answer = app
            .request(
                method.clone(),
                &path,
                needs_token.then_some(token.as_str()),
                Some(serde_json::Value::Object(body)),
            )
            .await;
        answer.assert_status(400);
        let mut refused: Vec<String> = answer.json().as_object().unwrap().keys().cloned().collect();
        refused.sort_unstable();
        documented.sort_unstable();
        if path.ends_with("/reset_username_confirm/") {
            // As in Djoser, this link's uid and token are read as they come, after the fields.
            documented.retain(|field| field != "uid" && field != "token");
        }
        if path.starts_with("/auth/users/") && (method == reqwest::Method::PUT || method == reqwest::Method::PATCH) {
            // `current_password` is read only beside a new address, and this one is refused.
            documented.retain(|field| field != "current_password");
        }
        assert_eq!(refused, documented, "{method} {path}");
    }
}
