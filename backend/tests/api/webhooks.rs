//! Webhooks: each audit event is posted, signed the Standard Webhooks way, to a real local
//! receiver. A receiver that is down gets every event once it is back, once each and in order
//! per account; two instances on one database never both deliver an event.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use base64::Engine;
use hmac::{Hmac, Mac};
use serde_json::{json, Value};

use crate::helpers::{now, spawn_app_with, TestApp, GOOD_PASSWORD};
use crate::processes::free_port;

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/// One delivery as the receiver saw it, its signature checked.
#[derive(Debug, Clone)]
struct Delivery {
    id: String,
    body: Value,
}

type Log = Arc<Mutex<Vec<Delivery>>>;

/// Verifies a delivery as a Standard Webhooks receiver does: the HMAC-SHA256 of
/// `id.timestamp.body` under the secret's key, and a timestamp within five minutes.
fn verify(request: &HttpRequest, body: &[u8]) -> Result<Delivery, String> {
    let header = |name: &str| {
        request.headers().get(name).and_then(|value| value.to_str().ok()).map(str::to_owned).ok_or(format!("no {name}"))
    };
    let (id, timestamp, signatures) =
        (header("webhook-id")?, header("webhook-timestamp")?, header("webhook-signature")?);
    let sent_at: i64 = timestamp.parse().map_err(|_| "a bad timestamp".to_owned())?;
    if (now() - sent_at).abs() > 300 {
        return Err("an old timestamp".into());
    }
    let key = base64::engine::general_purpose::STANDARD.decode(SECRET.trim_start_matches("whsec_")).unwrap();
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(&key).unwrap();
    mac.update(format!("{id}.{timestamp}.").as_bytes());
    mac.update(body);
    let expected = format!("v1,{}", base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes()));
    if !signatures.split(' ').any(|signature| signature == expected) {
        return Err(format!("a bad signature {signatures}"));
    }
    let body = serde_json::from_slice(body).map_err(|error| error.to_string())?;
    Ok(Delivery { id, body })
}

/// A receiver on `port` that logs every verified delivery and refuses the others.
fn start_receiver(port: u16, log: Log) -> actix_web::dev::ServerHandle {
    let server = HttpServer::new(move || {
        let log = log.clone();
        App::new().route(
            "/hooks",
            web::post().to(move |request: HttpRequest, body: web::Bytes| {
                let log = log.clone();
                async move {
                    match verify(&request, &body) {
                        Ok(delivery) => {
                            log.lock().unwrap().push(delivery);
                            HttpResponse::NoContent().finish()
                        }
                        Err(reason) => HttpResponse::BadRequest().body(reason),
                    }
                }
            }),
        )
    })
    .workers(1)
    .bind(("127.0.0.1", port))
    .expect("the receiver's port is free again")
    .run();
    let handle = server.handle();
    tokio::spawn(server);
    handle
}

async fn app_posting_to(port: u16, extra: &[(&str, &str)]) -> TestApp {
    let url = format!("http://127.0.0.1:{port}/hooks");
    let mut settings = vec![
        ("WEBHOOK_URLS", url.as_str()),
        ("WEBHOOK_SECRET", SECRET),
        ("EMAIL_RETRY_FIRST_DELAY_MS", "20"),
        ("EMAIL_RETRY_MAX_DELAY_MS", "200"),
    ];
    settings.extend_from_slice(extra);
    spawn_app_with(&settings).await
}

/// Waits (up to 30 s) until `done` holds, checking every few milliseconds.
async fn until(what: &str, mut done: impl AsyncFnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !done().await {
        assert!(Instant::now() < deadline, "still waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Whether every webhook has been delivered (none pending or failed).
async fn all_delivered(app: &TestApp) -> bool {
    app.store.unsent_emails().await.unwrap().iter().all(|entry| entry.kind != "webhook")
}

async fn register(app: &TestApp, address: &str, username: &str) {
    let answer = TestApp::read(app.client.post(format!("{address}/auth/users/")).json(&json!({
        "username": username,
        "email": format!("{username}@example.com"),
        "password": GOOD_PASSWORD,
    })))
    .await;
    answer.assert_status(201);
}

async fn stored_event_count(app: &TestApp) -> usize {
    let pool = app.database().await;
    let (count,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM gatehouse_audit_events").fetch_one(&pool).await.unwrap();
    count as usize
}

#[tokio::test]
async fn a_receiver_that_was_down_gets_every_event_once_and_in_order_per_account() {
    let port = free_port();
    let app = app_posting_to(port, &[]).await;
    for round in 0..3 {
        for name in ["ann", "bob"] {
            let username = format!("{name}{round}");
            register(&app, &app.address, &username).await;
            let (uid, token) = app.last_email_to(&format!("{username}@example.com")).await.uid_and_token();
            app.post("/auth/users/activation/", json!({"uid": uid, "token": token})).await.assert_status(204);
            app.login(&username, GOOD_PASSWORD).await;
            app.post("/auth/jwt/create/", json!({"username": username, "password": "wrong"})).await.assert_status(401);
        }
    }
    let expected = stored_event_count(&app).await;
    assert_eq!(expected, 24);
    until("failed attempts while the receiver is down", async || {
        let unsent = app.store.unsent_emails().await.unwrap();
        unsent.iter().any(|entry| entry.kind == "webhook" && entry.attempts >= 2 && entry.last_error.is_some())
    })
    .await;

    let log: Log = Arc::default();
    let receiver = start_receiver(port, log.clone());
    until("every event delivered", async || all_delivered(&app).await).await;
    receiver.stop(true).await;

    let deliveries = log.lock().unwrap().clone();
    assert_eq!(deliveries.len(), expected, "each event once");
    let ids: HashSet<&str> = deliveries.iter().map(|delivery| delivery.id.as_str()).collect();
    assert_eq!(ids.len(), expected, "no event twice");
    let mut per_account: HashMap<String, Vec<i64>> = HashMap::new();
    for delivery in &deliveries {
        let data = &delivery.body["data"];
        assert_eq!(delivery.id, format!("evt_{}", data["id"]));
        per_account
            .entry(data["user"]["username"].as_str().unwrap().to_owned())
            .or_default()
            .push(data["id"].as_i64().unwrap());
    }
    for (account, ids) in &per_account {
        assert!(ids.windows(2).all(|pair| pair[0] < pair[1]), "{account}'s events out of order: {ids:?}");
        assert_eq!(ids.len(), 4, "{account}");
    }
    let first = deliveries.iter().find(|delivery| delivery.body["data"]["user"]["username"] == "ann0").unwrap();
    assert_eq!(first.body["type"], "user.registered");
    assert_eq!(first.body["data"]["user"]["email"], "ann0@example.com");
    assert!(gatehouse::clock::parse_iso(first.body["timestamp"].as_str().unwrap()).is_some());
}

#[tokio::test]
async fn two_instances_on_one_database_never_both_deliver_an_event() {
    let port = free_port();
    let log: Log = Arc::default();
    let receiver = start_receiver(port, log.clone());
    let app = app_posting_to(port, &[]).await;
    let url = format!("http://127.0.0.1:{port}/hooks");
    let second = app
        .start_beside(&[
            ("WEBHOOK_URLS", url.as_str()),
            ("WEBHOOK_SECRET", SECRET),
            ("EMAIL_RETRY_FIRST_DELAY_MS", "20"),
            ("EMAIL_RETRY_MAX_DELAY_MS", "200"),
            ("SECRET_KEY", crate::helpers::SECRET_KEY),
            ("FRONTEND_URL", crate::helpers::FRONTEND_URL),
        ])
        .await;
    for n in 0..20 {
        let address = if n % 2 == 0 { &app.address } else { &second };
        register(&app, address, &format!("member{n}")).await;
    }
    until("every event delivered", async || all_delivered(&app).await).await;
    receiver.stop(true).await;

    let deliveries = log.lock().unwrap().clone();
    let ids: HashSet<&str> = deliveries.iter().map(|delivery| delivery.id.as_str()).collect();
    assert_eq!(stored_event_count(&app).await, 20);
    assert_eq!(deliveries.len(), 20, "{:?}", deliveries.iter().map(|d| &d.id).collect::<Vec<_>>());
    assert_eq!(ids.len(), 20);
}

#[tokio::test]
async fn a_filter_sends_only_the_events_it_names() {
    let port = free_port();
    let log: Log = Arc::default();
    let receiver = start_receiver(port, log.clone());
    let app = app_posting_to(port, &[("WEBHOOK_EVENTS", "user.registered,password.*")]).await;
    register(&app, &app.address, "ann").await;
    let (uid, token) = app.last_email_to("ann@example.com").await.uid_and_token();
    app.post("/auth/users/activation/", json!({"uid": uid, "token": token})).await.assert_status(204);
    app.login("ann", GOOD_PASSWORD).await;
    assert_eq!(stored_event_count(&app).await, 3);
    until("every event delivered", async || all_delivered(&app).await).await;
    receiver.stop(true).await;
    let types: Vec<Value> = log.lock().unwrap().iter().map(|delivery| delivery.body["type"].clone()).collect();
    assert_eq!(types, [json!("user.registered")]);
}
