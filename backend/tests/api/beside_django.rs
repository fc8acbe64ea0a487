//! Gatehouse beside a real Django + DRF + Djoser + SimpleJWT (`tests/django_site/`, installed
//! by scripts/test): the accounts Django wrote, with every stock hasher, move over with their
//! passwords and signed-out tokens, and the token endpoints answer what Djoser answers.

use reqwest::header::HeaderValue;
use reqwest::Method;
use serde_json::{json, Value};

use crate::django_import::import;
use crate::helpers::{TestApp, TestDatabase, SECRET_KEY};
use crate::processes::{Django, Server};

/// A Django deployment on a SQLite file in `dir`, with the fixture's accounts and tokens.
fn django_in(dir: &std::path::Path) -> (Django, Value, String) {
    let file = dir.join("django.sqlite3");
    let url = format!("sqlite:///{}", file.display().to_string().trim_start_matches('/'));
    let django = Django::new(&url, SECRET_KEY);
    let fixture = django.fixture();
    (django, fixture, format!("sqlite:////{}", file.display().to_string().trim_start_matches('/')))
}

#[tokio::test]
async fn accounts_of_every_stock_django_hasher_sign_in_after_an_import_and_signed_out_tokens_stay_out() {
    let dir = tempfile::tempdir().unwrap();
    let (_django, fixture, from) = django_in(dir.path());
    let database = TestDatabase::create(dir.path()).await;

    let report = import(dir.path(), &database.url, &from);

    assert!(report.contains("6 created, 0 updated, 0 skipped"), "{report}");
    assert!(report.contains("1 accounts have a password hash no hasher here can check"), "{report}");
    assert!(report.contains("unverifiable: user 6 (legacy): md5"), "{report}");
    assert!(report.contains("Blacklisted refresh tokens (SimpleJWT): 1 still unexpired, 1 new here."), "{report}");

    let server = Server::start(dir.path(), &[("DATABASE_URL", &database.url), ("SECRET_KEY", SECRET_KEY)]);
    let client = reqwest::Client::new();
    let password = fixture["password"].as_str().unwrap();
    for username in ["pbkdf2", "sha1", "argon", "bcrypt", "scrypt"] {
        let login = TestApp::read(
            client
                .post(format!("{}/auth/jwt/create/", server.url))
                .json(&json!({"username": username, "password": password})),
        )
        .await;
        assert_eq!(login.status, 200, "{username} signs in: {}", login.text);
    }
    let legacy = TestApp::read(
        client
            .post(format!("{}/auth/jwt/create/", server.url))
            .json(&json!({"username": "legacy", "password": password})),
    )
    .await;
    legacy.assert(401, json!({"detail": "No active account found with the given credentials"}));

    let refresh = |token: &str| {
        TestApp::read(client.post(format!("{}/auth/jwt/refresh/", server.url)).json(&json!({"refresh": token})))
    };
    refresh(fixture["signed_out"].as_str().unwrap())
        .await
        .assert(401, json!({"detail": "Token is blacklisted", "code": "token_not_valid"}));
    refresh(fixture["live"].as_str().unwrap()).await.assert_status(200);
}

/// One request, sent to both servers.
struct Case {
    method: Method,
    path: &'static str,
    authorization: Option<HeaderValue>,
    body: Option<Value>,
}

fn case(method: Method, path: &'static str, authorization: Option<&str>, body: Option<Value>) -> Case {
    Case { method, path, authorization: authorization.map(|value| HeaderValue::from_str(value).unwrap()), body }
}

/// Status, challenge and body, with a DRF key replaced by its shape.
async fn answer_of(client: &reqwest::Client, base: &str, case: &Case) -> (u16, Option<String>, Value) {
    let mut request = client.request(case.method.clone(), format!("{base}{}", case.path));
    if let Some(value) = &case.authorization {
        request = request.header("Authorization", value.clone());
    }
    if let Some(body) = &case.body {
        request = request.json(body);
    }
    let answer = TestApp::read(request).await;
    let mut body: Value =
        if answer.text.is_empty() { Value::Null } else { serde_json::from_str(&answer.text).unwrap() };
    if let Some(key) = body.get("auth_token").and_then(Value::as_str) {
        assert!(key.len() == 40 && key.chars().all(|c| c.is_ascii_hexdigit()), "{key}");
        body["auth_token"] = json!("<40 hex digits>");
    }
    for field in ["id", "date_joined", "last_login"] {
        if body.get(field).is_some() {
            body[field] = json!("<varies>");
        }
    }
    (answer.status.as_u16(), answer.header("www-authenticate").map(str::to_owned), body)
}

async fn token_of(client: &reqwest::Client, base: &str, username: &str, password: &str) -> String {
    let answer = TestApp::read(
        client.post(format!("{base}/auth/token/login/")).json(&json!({"username": username, "password": password})),
    )
    .await;
    answer.assert_status(200);
    answer.json()["auth_token"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn the_token_endpoints_answer_as_the_real_djoser_does() {
    let dir = tempfile::tempdir().unwrap();
    let (django, fixture, from) = django_in(dir.path());
    let database = TestDatabase::create(dir.path()).await;
    import(dir.path(), &database.url, &from);
    let gatehouse = Server::start(dir.path(), &[("DATABASE_URL", &database.url), ("SECRET_KEY", SECRET_KEY)]);
    let djoser = django.serve();
    let client = reqwest::Client::new();
    let password = fixture["password"].as_str().unwrap();

    let mut cases = vec![
        case(Method::POST, "/auth/token/login/", None, Some(json!({}))),
        case(Method::POST, "/auth/token/login/", None, Some(json!({"username": "pbkdf2", "password": "wrong"}))),
        case(Method::POST, "/auth/token/login/", None, Some(json!({"username": "nobody", "password": password}))),
        case(Method::POST, "/auth/token/login/", None, Some(json!({"username": "", "password": null}))),
        case(Method::POST, "/auth/token/login/", None, Some(json!({"username": ["a"], "password": 5}))),
        case(Method::POST, "/auth/token/login/", None, Some(json!({"username": "pbkdf2", "password": password}))),
        case(Method::POST, "/auth/token/login/", None, Some(json!({"username": " pbkdf2 ", "password": password}))),
        case(Method::GET, "/auth/token/login/", None, None),
        case(Method::POST, "/auth/token/login/", Some("Token nope"), Some(json!({}))),
        case(Method::POST, "/auth/token/logout/", None, None),
        case(Method::GET, "/auth/token/logout/", None, None),
        case(Method::GET, "/auth/users/me/", Some("Token"), None),
        case(Method::GET, "/auth/users/me/", Some("Token a b"), None),
        case(Method::GET, "/auth/users/me/", Some("Token 0123456789abcdef0123456789abcdef01234567"), None),
        case(Method::GET, "/auth/users/me/", Some("Basic abc"), None),
    ];
    cases.push(Case {
        method: Method::GET,
        path: "/auth/users/me/",
        authorization: Some(HeaderValue::from_bytes(b"Token \xff\xfe").unwrap()),
        body: None,
    });
    for case in &cases {
        let expected = answer_of(&client, &djoser.url, case).await;
        let actual = answer_of(&client, &gatehouse.url, case).await;
        assert_eq!(actual, expected, "{} {} {:?} {:?}", case.method, case.path, case.authorization, case.body);
    }

    // A key of each server's own, used on that server.
    let keys = [
        (djoser.url.as_str(), token_of(&client, &djoser.url, "sha1", password).await),
        (gatehouse.url.as_str(), token_of(&client, &gatehouse.url, "sha1", password).await),
    ];
    let mut answers = Vec::new();
    for (base, key) in &keys {
        let header = format!("Token {key}");
        let mut seen = Vec::new();
        for case in [
            case(Method::GET, "/auth/users/me/", Some(&header), None),
            case(Method::POST, "/auth/token/logout/", Some(&header), None),
            case(Method::GET, "/auth/users/me/", Some(&header), None),
            case(Method::POST, "/auth/token/logout/", Some(&header), None),
        ] {
            seen.push(answer_of(&client, base, &case).await);
        }
        answers.push(seen);
    }
    assert_eq!(answers[1], answers[0], "Gatehouse, then Djoser");
    assert_eq!(answers[0][1].0, 204);
}
