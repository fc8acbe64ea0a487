//! Signing in with an identity provider, against a real OpenID Connect provider running on this
//! machine (`identity_provider.rs`): Djoser's social endpoints, the single-use `state`, the ID
//! token's nonce, accounts made, linked and unlinked.

use gatehouse::auth::totp::Authenticator;
use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{pairs, spawn_app_with, Answer, TestApp};
use crate::identity_provider::{query, TestProvider};

const FRONTEND: &str = "http://localhost:8000";

fn callback(provider: &str) -> String {
    format!("{FRONTEND}/o/{provider}/callback")
}

/// A server with the provider configured as `acme` (and as `other`, the same provider under a
/// second name).
async fn app_with(provider: &TestProvider, extra: &[(&str, &str)]) -> TestApp {
    let mut settings = provider.settings("acme");
    settings.extend(provider.settings("other"));
    settings.push(("FRONTEND_URL".to_owned(), FRONTEND.to_owned()));
    let mut pairs: Vec<(&str, &str)> = settings.iter().map(|(name, value)| (name.as_str(), value.as_str())).collect();
    pairs.extend_from_slice(extra);
    spawn_app_with(&pairs).await
}

fn provider() -> TestProvider {
    TestProvider::start(&[&callback("acme"), &callback("other")], false)
}

async fn authorization_url(app: &TestApp, name: &str) -> String {
    let path = format!("/auth/o/{name}/?redirect_uri={}", urlencode(&callback(name)));
    let answer = app.request(Method::GET, &path, None, None).await;
    answer.assert_status(200);
    answer.json()["authorization_url"].as_str().expect("an authorization URL").to_owned()
}

fn urlencode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// What the provider sent the browser back with.
async fn code_and_state(provider: &TestProvider, authorization_url: &str, login: &str) -> (String, String) {
    let back = provider.sign_in(authorization_url, login).await;
    (query(&back, "code").expect("a code"), query(&back, "state").expect("the state"))
}

/// Djoser's clients send the provider's `code` and `state` in the query string.
async fn finish(app: &TestApp, name: &str, code: &str, state: &str, token: Option<&str>) -> Answer {
    let path = format!("/auth/o/{name}/?code={}&state={}", urlencode(code), urlencode(state));
    app.request(Method::POST, &path, token, None).await
}

async fn sign_in_through(app: &TestApp, provider: &TestProvider, login: &str) -> Answer {
    let url = authorization_url(app, "acme").await;
    let (code, state) = code_and_state(provider, &url, login).await;
    finish(app, "acme", &code, &state, None).await
}

#[tokio::test]
async fn the_configured_providers_are_listed_for_the_app() {
    let provider = provider();
    let app = app_with(&provider, &[("OIDC_ACME_TITLE", "Acme Login")]).await;
    let answer = app.request(Method::GET, "/auth/o/", None, None).await;
    answer.assert(200, json!([{"name": "acme", "title": "Acme Login"}, {"name": "other", "title": "Other"}]));
}

#[tokio::test]
async fn beginning_a_provider_sign_in_counts_against_the_address_s_sign_in_limit() {
    let provider = provider();
    let app = app_with(&provider, &[("THROTTLE", "true"), ("THROTTLE_LOGIN_PER_ADDRESS", "2/minute")]).await;
    authorization_url(&app, "acme").await;
    authorization_url(&app, "other").await;
    let path = format!("/auth/o/acme/?redirect_uri={}", urlencode(&callback("acme")));
    let throttled = app.request(Method::GET, &path, None, None).await;
    throttled.assert_status(429);
    assert!(throttled.json()["detail"].as_str().unwrap().starts_with("Request was throttled."), "{}", throttled.text);
    app.post("/auth/jwt/create/", json!({"username": "x", "password": "y"})).await.assert_status(429);
}

#[tokio::test]
async fn a_redirect_uri_off_the_list_is_refused_before_the_provider_is_looked_up() {
    let provider = provider();
    let app = app_with(&provider, &[]).await;
    let foreign =
        app.request(Method::GET, "/auth/o/acme/?redirect_uri=https%3A%2F%2Fevil.example%2F", None, None).await;
    foreign.assert(400, json!("redirect_uri must be in SOCIAL_AUTH_ALLOWED_REDIRECT_URIS"));
    let missing = app.request(Method::GET, "/auth/o/acme/", None, None).await;
    missing.assert(400, json!("redirect_uri must be in SOCIAL_AUTH_ALLOWED_REDIRECT_URIS"));
    let unknown_foreign = app.request(Method::GET, "/auth/o/nope/?redirect_uri=x", None, None).await;
    unknown_foreign.assert(400, json!("redirect_uri must be in SOCIAL_AUTH_ALLOWED_REDIRECT_URIS"));

    let path = format!("/auth/o/nope/?redirect_uri={}", urlencode(&callback("nope")));
    let unknown = app.request(Method::GET, &path, None, None).await;
    unknown.assert(404, json!({"detail": "Provider 'nope' not supported"}));
    let posted = app.request(Method::POST, "/auth/o/nope/?code=a&state=b", None, None).await;
    posted.assert(404, json!({"detail": "Provider 'nope' not supported"}));
}

#[tokio::test]
async fn the_authorization_url_carries_a_state_a_nonce_and_a_pkce_challenge() {
    let provider = provider();
    let app = app_with(&provider, &[]).await;
    let url = url::Url::parse(&authorization_url(&app, "acme").await).unwrap();
    assert!(url.as_str().starts_with(&provider.issuer), "{url}");
    assert_eq!(query(&url, "response_type").as_deref(), Some("code"));
    assert_eq!(query(&url, "redirect_uri"), Some(callback("acme")));
    assert_eq!(query(&url, "code_challenge_method").as_deref(), Some("S256"));
    assert_eq!(query(&url, "scope").as_deref(), Some("openid email profile"));
    for name in ["state", "nonce", "code_challenge"] {
        assert!(query(&url, name).is_some_and(|value| value.len() >= 22), "{name} in {url}");
    }
}

#[tokio::test]
async fn a_first_sign_in_through_the_provider_makes_an_active_account_and_the_next_signs_it_in() {
    let provider = provider();
    let app = app_with(&provider, &[]).await;
    let first = sign_in_through(&app, &provider, "river").await;
    assert_eq!(first.status, 201, "{}", first.text);
    let body = first.json();
    assert_eq!(body["user"], "river");
    assert_eq!(body["username"], "river");
    assert_eq!(body["email"], "river@provider.test");
    assert!(body["refresh"].is_string() && body["access"].is_string());
    let access = body["access"].as_str().unwrap();
    let me = app.get_authed("/auth/users/me/", access).await;
    assert_eq!(me.json()["username"], "river");
    let user = app.user(body["id"].as_i64().unwrap()).await.unwrap();
    assert!(user.is_active);
    assert_eq!((user.first_name.as_str(), user.last_name.as_str()), ("Test", "river"));
    assert!(!gatehouse::auth::password::is_usable(&user.password), "no password was set");

    let sessions = app.get_authed("/auth/users/me/sessions/", access).await.json();
    assert_eq!(sessions[0]["method"], "provider:acme");

    let again = sign_in_through(&app, &provider, "river").await;
    assert_eq!(again.status, 201, "{}", again.text);
    assert_eq!(again.json()["id"], body["id"], "the same account");
    let events = app.activity(access).await;
    assert_eq!(
        events,
        pairs(&[
            ("user.signed_in", "provider:acme"),
            ("user.signed_in", "provider:acme"),
            ("user.registered", "provider:acme")
        ])
    );
}

#[tokio::test]
async fn a_taken_username_gets_a_suffix_and_the_password_sign_in_still_refuses_the_account() {
    let provider = provider();
    let app = app_with(&provider, &[]).await;
    app.create_user("river", true, false).await;
    let answer = sign_in_through(&app, &provider, "river").await;
    assert_eq!(answer.status, 201, "{}", answer.text);
    let username = answer.json()["user"].as_str().unwrap().to_owned();
    assert!(username.starts_with("river") && username.len() == "river".len() + 4, "{username}");
    let password = app.post("/auth/jwt/create/", json!({"username": username, "password": ""})).await;
    password.assert_status(400);
}

#[tokio::test]
async fn a_state_is_used_once_and_a_forged_or_missing_one_is_refused() {
    let provider = provider();
    let app = app_with(&provider, &[]).await;
    let url = authorization_url(&app, "acme").await;
    let (code, state) = code_and_state(&provider, &url, "once").await;
    finish(&app, "acme", &code, &state, None).await.assert_status(201);
    let replayed = finish(&app, "acme", &code, &state, None).await;
    replayed.assert(400, json!({"non_field_errors": ["State could not be found in server-side session data."]}));
    let forged = finish(&app, "acme", &code, "forged-state", None).await;
    forged.assert(400, json!({"non_field_errors": ["State could not be found in server-side session data."]}));
    let missing = app.request(Method::POST, "/auth/o/acme/", None, Some(json!({"code": code}))).await;
    missing.assert(400, json!({"non_field_errors": ["State could not be found in request data."]}));

    // A state made for one provider does not finish a sign-in at another.
    let url = authorization_url(&app, "acme").await;
    let (code, state) = code_and_state(&provider, &url, "crossed").await;
    let crossed = finish(&app, "other", &code, &state, None).await;
    crossed.assert(400, json!({"non_field_errors": ["Invalid state has been provided."]}));
}

/// What a browser app sends: the request in cookie mode, with the provider cookie it holds.
fn from_a_browser_app(request: reqwest::RequestBuilder, cookie: Option<&str>) -> reqwest::RequestBuilder {
    let request = request.header("X-Token-Transport", "cookie");
    match cookie {
        Some(cookie) => request.header("Cookie", cookie),
        None => request,
    }
}

#[tokio::test]
async fn a_browser_app_s_sign_in_finishes_only_in_the_browser_that_began_it() {
    let provider = provider();
    let app = app_with(&provider, &[]).await;
    let not_found = json!({"non_field_errors": ["State could not be found in server-side session data."]});
    let begin = format!("/auth/o/acme/?redirect_uri={}", urlencode(&callback("acme")));
    let begun = TestApp::read(from_a_browser_app(app.client.get(app.url(&begin)), None)).await;
    begun.assert_status(200);
    let set = begun.header("set-cookie").expect("the browser's half of the sign-in");
    for part in ["gatehouse_provider=", "HttpOnly", "SameSite=Lax", "Path=/auth/o/", "Max-Age=600"] {
        assert!(set.contains(part), "{part} in {set}");
    }
    let cookie = set.split(';').next().unwrap().to_owned();

    // Someone begins a sign-in with their own account at the provider and sends the address the
    // provider sent them back to on to another person: that person's app finds no sign-in for
    // it, with no cookie or with one of its own, and neither does an API client.
    let url = begun.json()["authorization_url"].as_str().unwrap().to_owned();
    let (code, state) = code_and_state(&provider, &url, "mallory").await;
    let finish_path = format!("/auth/o/acme/?code={}&state={}", urlencode(&code), urlencode(&state));
    let finish =
        |cookie: Option<&str>| TestApp::read(from_a_browser_app(app.client.post(app.url(&finish_path)), cookie));
    finish(None).await.assert(400, not_found.clone());
    finish(Some("gatehouse_provider=the-other-persons-own")).await.assert(400, not_found.clone());
    TestApp::read(app.client.post(app.url(&finish_path))).await.assert(400, not_found.clone());

    // The browser that began it finishes it, once, and is told to forget the cookie.
    let answer = finish(Some(&cookie)).await;
    assert_eq!(answer.status, 201, "{}", answer.text);
    let cleared = answer.headers.get_all("set-cookie").iter().filter_map(|value| value.to_str().ok());
    assert!(cleared.into_iter().any(|set| set.starts_with("gatehouse_provider=;")), "{:?}", answer.headers);
    finish(Some(&cookie)).await.assert(400, not_found.clone());

    // A sign-in an API client began (as Djoser's clients do, with no cookie) is not found by a
    // browser app either: the address it comes back to cannot be sent on to one.
    let url = authorization_url(&app, "acme").await;
    let (code, state) = code_and_state(&provider, &url, "mallory").await;
    let sent_on = format!("/auth/o/acme/?code={}&state={}", urlencode(&code), urlencode(&state));
    TestApp::read(from_a_browser_app(app.client.post(app.url(&sent_on)), None)).await.assert(400, not_found);
    let api_client = TestApp::read(app.client.post(app.url(&sent_on))).await;
    assert_eq!(api_client.status, 201, "{}", api_client.text);
}

#[tokio::test]
async fn code_and_state_are_also_read_from_the_body() {
    let provider = provider();
    let app = app_with(&provider, &[]).await;
    let url = authorization_url(&app, "acme").await;
    let (code, state) = code_and_state(&provider, &url, "body").await;
    let answer = app.post("/auth/o/acme/", json!({"code": code, "state": state})).await;
    assert_eq!(answer.status, 201, "{}", answer.text);
}

#[tokio::test]
async fn an_id_token_made_for_another_nonce_is_refused() {
    let provider = provider();
    let app = app_with(&provider, &[]).await;
    let url = url::Url::parse(&authorization_url(&app, "acme").await).unwrap();
    // The same sign-in, with the nonce changed on its way to the provider.
    let mut tampered = url.clone();
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .map(|(key, value)| {
            let value = if key == "nonce" { "another-nonce-of-someone-else".into() } else { value };
            (key.into_owned(), value.into_owned())
        })
        .collect();
    tampered.query_pairs_mut().clear().extend_pairs(pairs);
    let (code, state) = code_and_state(&provider, tampered.as_str(), "nonce").await;
    let answer = finish(&app, "acme", &code, &state, None).await;
    answer.assert(
        400,
        json!({"non_field_errors": ["Signing in with Acme failed: the ID token was not made for this sign-in (nonce)."]}),
    );
}

#[tokio::test]
async fn a_code_the_provider_did_not_give_is_its_refusal_in_words() {
    let provider = provider();
    let app = app_with(&provider, &[]).await;
    let url = url::Url::parse(&authorization_url(&app, "acme").await).unwrap();
    let state = query(&url, "state").unwrap();
    let answer = finish(&app, "acme", "made-up-code", &state, None).await;
    assert_eq!(answer.status, 400, "{}", answer.text);
    let message = answer.json()["non_field_errors"][0].as_str().unwrap().to_owned();
    assert!(message.starts_with("Signing in with Acme failed: it refused the code (invalid_grant"), "{message}");
}

#[tokio::test]
async fn a_verified_address_links_the_account_that_holds_it_and_an_unverified_one_does_not() {
    let provider = provider();
    let app = app_with(&provider, &[]).await;
    let ana = app.create_user("ana", true, false).await;

    // Answered as for an address nobody holds: a new account without it, so a provider that
    // lets anyone claim an address cannot tell whether an account here holds it.
    let unverified = sign_in_through(&app, &provider, "unverified-ana@example.com").await;
    assert_eq!(unverified.status, 201, "{}", unverified.text);
    assert_ne!(unverified.json()["id"], json!(ana.id));
    let made = app.get_authed("/auth/users/me/", unverified.json()["access"].as_str().unwrap()).await.json();
    assert_eq!(made["email"], "", "{made}");
    let nobody_s = sign_in_through(&app, &provider, "unverified-nobody@example.com").await;
    assert_eq!(nobody_s.status, 201, "{}", nobody_s.text);
    let verified = sign_in_through(&app, &provider, "ana@example.com").await;
    assert_eq!(verified.status, 201, "{}", verified.text);
    assert_eq!(verified.json()["id"], json!(ana.id));
    assert_eq!(verified.json()["user"], "ana");
    // The password still signs in too.
    app.login("ana", &ana.password).await;
}

#[tokio::test]
async fn an_address_the_provider_did_not_verify_is_not_given_to_a_new_account_so_its_owner_is_not_linked_into_it() {
    let provider = provider();
    let app = app_with(&provider, &[]).await;

    let claimed = sign_in_through(&app, &provider, "unverified-bea@example.com").await;
    assert_eq!(claimed.status, 201, "{}", claimed.text);
    let claimer = app.get_authed("/auth/users/me/", claimed.json()["access"].as_str().unwrap()).await.json();
    assert_eq!(claimer["email"], "", "{claimer}");

    let owner = sign_in_through(&app, &provider, "bea@example.com").await;
    assert_eq!(owner.status, 201, "{}", owner.text);
    assert_ne!(owner.json()["id"], claimed.json()["id"], "the owner gets an account of their own");
    let own = app.get_authed("/auth/users/me/", owner.json()["access"].as_str().unwrap()).await.json();
    assert_eq!(own["email"], "bea@example.com");
}

#[tokio::test]
async fn an_inactive_account_is_not_linked_or_signed_in_by_its_address() {
    let provider = provider();
    let app = app_with(&provider, &[]).await;
    app.create_user("dormant", false, false).await;
    let answer = sign_in_through(&app, &provider, "dormant@example.com").await;
    assert_eq!(answer.status, 400, "{}", answer.text);
    assert!(answer.text.contains("already exists"), "{}", answer.text);
}

#[tokio::test]
async fn the_address_comes_from_the_userinfo_endpoint_when_the_id_token_lacks_it() {
    let provider = TestProvider::start(&[&callback("acme"), &callback("other")], true);
    let app = app_with(&provider, &[]).await;
    let answer = sign_in_through(&app, &provider, "quiet").await;
    assert_eq!(answer.status, 201, "{}", answer.text);
    assert_eq!(answer.json()["email"], "quiet@provider.test");
}

#[tokio::test]
async fn connecting_a_provider_needs_a_recent_sign_in_but_disconnecting_does_not() {
    let provider = provider();
    let app = app_with(&provider, &[]).await;
    let (_, token) = app.signed_in_user("bo").await;
    crate::mfa::sign_ins_made_earlier(&app, 901).await;
    let started =
        app.post_authed("/auth/users/me/providers/acme/", &token, json!({"redirect_uri": callback("acme")})).await;
    assert_eq!(started.status, 403, "{}", started.text);
    assert_eq!(started.json()["code"], "sign_in_again");
    let removed = app.request(Method::DELETE, "/auth/users/me/providers/acme/", Some(&token), None).await;
    removed.assert(404, json!({"detail": "Not found."}));
}

#[tokio::test]
async fn a_signed_in_person_connects_a_provider_and_disconnects_it_but_not_their_last_way_to_sign_in() {
    let provider = provider();
    let app = app_with(&provider, &[]).await;
    let (bo, token) = app.signed_in_user("bo").await;

    let started =
        app.post_authed("/auth/users/me/providers/acme/", &token, json!({"redirect_uri": callback("acme")})).await;
    assert_eq!(started.status, 200, "{}", started.text);
    let url = started.json()["authorization_url"].as_str().unwrap().to_owned();
    let (code, state) = code_and_state(&provider, &url, "bo-at-acme").await;
    let linked = finish(&app, "acme", &code, &state, Some(&token)).await;
    assert_eq!(linked.status, 200, "{}", linked.text);
    assert_eq!(linked.json()["provider"], "acme");
    assert_eq!(linked.json()["email"], "bo-at-acme@provider.test");
    let list = app.get_authed("/auth/users/me/providers/", &token).await;
    assert_eq!(list.json().as_array().map(Vec::len), Some(1));
    assert_eq!(list.json()[0]["title"], "Acme");

    // The provider now signs in Bo's account.
    let through = sign_in_through(&app, &provider, "bo-at-acme").await;
    assert_eq!(through.json()["id"], json!(bo.id));

    // A second account cannot take the same person at the provider.
    let (_, other_token) = app.signed_in_user("cy").await;
    let started = app
        .post_authed("/auth/users/me/providers/acme/", &other_token, json!({"redirect_uri": callback("acme")}))
        .await;
    let url = started.json()["authorization_url"].as_str().unwrap().to_owned();
    let (code, state) = code_and_state(&provider, &url, "bo-at-acme").await;
    let taken = finish(&app, "acme", &code, &state, None).await;
    taken.assert(400, json!({"non_field_errors": ["This Acme account is connected to another account."]}));

    let removed = app.request(Method::DELETE, "/auth/users/me/providers/acme/", Some(&token), None).await;
    removed.assert_status(204);
    let again = app.request(Method::DELETE, "/auth/users/me/providers/acme/", Some(&token), None).await;
    again.assert(404, json!({"detail": "Not found."}));
    let events = app.activity(&token).await;
    assert_eq!(
        events[..3],
        pairs(&[("provider.unlinked", "acme"), ("user.signed_in", "provider:acme"), ("provider.linked", "acme")])
    );

    // An account made through the provider has no password: its only way in stays.
    let made = sign_in_through(&app, &provider, "solo").await;
    let access = made.json()["access"].as_str().unwrap().to_owned();
    let refused = app.request(Method::DELETE, "/auth/users/me/providers/acme/", Some(&access), None).await;
    refused.assert(
        400,
        json!({"non_field_errors": [
            "This is your only way to sign in: set a password, add a passkey or connect another provider first."
        ]}),
    );
    let bad_redirect = app
        .post_authed("/auth/users/me/providers/acme/", &access, json!({"redirect_uri": "https://evil.example/"}))
        .await;
    bad_redirect.assert(400, json!({"redirect_uri": ["redirect_uri must be in SOCIAL_AUTH_ALLOWED_REDIRECT_URIS"]}));
    let anonymous = app.request(Method::GET, "/auth/users/me/providers/", None, None).await;
    anonymous.assert_status(401);
}

#[tokio::test]
async fn a_sign_in_begun_on_one_instance_finishes_on_another() {
    let provider = provider();
    let app = app_with(&provider, &[]).await;
    let mut settings = provider.settings("acme");
    settings.push(("FRONTEND_URL".to_owned(), FRONTEND.to_owned()));
    let pairs: Vec<(&str, &str)> = settings.iter().map(|(name, value)| (name.as_str(), value.as_str())).collect();
    let second = app.start_beside(&pairs).await;

    let url = authorization_url(&app, "acme").await;
    let (code, state) = code_and_state(&provider, &url, "traveller").await;
    let path = format!("{second}/auth/o/acme/?code={}&state={}", urlencode(&code), urlencode(&state));
    let answer = TestApp::read(app.client.post(path)).await;
    assert_eq!(answer.status, 201, "{}", answer.text);
    assert_eq!(answer.json()["user"], "traveller");
}

#[tokio::test]
async fn a_provider_that_cannot_be_reached_is_a_clear_error_not_a_hang() {
    let app = spawn_app_with(&[
        ("FRONTEND_URL", FRONTEND),
        ("OIDC_ACME_ISSUER", "http://127.0.0.1:9"),
        ("OIDC_ACME_CLIENT_ID", "a"),
        ("OIDC_ACME_CLIENT_SECRET", "b"),
    ])
    .await;
    let path = format!("/auth/o/acme/?redirect_uri={}", urlencode(&callback("acme")));
    let answer = app.request(Method::GET, &path, None, None).await;
    answer.assert(
        400,
        json!({"non_field_errors": ["Signing in with Acme failed: its configuration could not be read."]}),
    );
}

#[tokio::test]
async fn an_account_with_a_second_factor_takes_its_second_step_after_the_provider() {
    let provider = provider();
    let app = app_with(&provider, &[]).await;
    let made = sign_in_through(&app, &provider, "careful").await;
    let access = made.json()["access"].as_str().unwrap().to_owned();
    let enrolment = app.post_authed("/auth/users/me/mfa/totp/", &access, json!({})).await.json();
    let key = Authenticator::from_key(enrolment["key"].as_str().unwrap(), "Gatehouse", "careful").unwrap();
    let code = key.code_at(crate::helpers::now() as u64);
    let confirm = json!({"id": enrolment["id"], "code": code});
    app.post_authed("/auth/users/me/mfa/totp/confirm/", &access, confirm).await.assert_status(200);
    let answer = sign_in_through(&app, &provider, "careful").await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    let body: Value = answer.json();
    assert_eq!(body["mfa_required"], true);
    assert!(body.get("access").is_none(), "no tokens before the second step");
}

#[tokio::test]
async fn a_provider_that_posts_its_answer_is_sent_on_to_the_apps_callback_page() {
    let provider = provider();
    let app = app_with(&provider, &[("OIDC_ACME_RESPONSE_MODE", "form_post")]).await;
    let url = authorization_url(&app, "acme").await;
    assert_eq!(query(&url::Url::parse(&url).unwrap(), "response_mode").as_deref(), Some("form_post"));
    let (action, fields) = provider.sign_in_posting(&url, "poster").await;
    assert_eq!(action.as_str(), callback("acme"));

    // The browser posts the form to the app's callback page, which this server serves.
    let posted = TestApp::read(app.client.post(app.url(action.path())).form(&fields)).await;
    assert_eq!(posted.status, 303, "{}", posted.text);
    let location = url::Url::parse(FRONTEND).unwrap().join(posted.header("location").unwrap()).unwrap();
    assert_eq!(location.path(), "/o/acme/callback");
    let (code, state) = (query(&location, "code").unwrap(), query(&location, "state").unwrap());
    assert!(query(&location, "iss").is_none(), "only what the page reads");
    let answer = finish(&app, "acme", &code, &state, None).await;
    assert_eq!(answer.status, 201, "{}", answer.text);
    assert_eq!(answer.json()["user"], "poster");

    // A GET of the page is the app's, as before.
    let page = app.request(Method::GET, "/o/acme/callback?code=a&state=b", None, None).await;
    page.assert_status(200);
}
