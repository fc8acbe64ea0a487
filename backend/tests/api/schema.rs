//! `GET /auth/schema/`: the OpenAPI document (schemathesis checks the server against it in
//! `scripts/fuzz-api`).

use crate::helpers::spawn_app;

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
