//! Running as several processes: two instances on one PostgreSQL, an SMTP outage across a
//! restart, and SIGKILL under load.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures_util::future::join_all;
use gatehouse::store::Store;
use serde_json::{json, Value};
use tokio::sync::Notify;

use crate::helpers::{without_postgres, Answer, TestApp, TestDatabase, GOOD_PASSWORD, SECRET_KEY};
use crate::processes::{free_port, Server, SmtpServer};

async fn post(base: &str, path: &str, token: Option<&str>, body: Value) -> Answer {
    let client = reqwest::Client::new();
    let mut request = client.post(format!("{base}{path}")).json(&body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    TestApp::read(request).await
}

async fn send(base: &str, method: reqwest::Method, path: &str, token: &str, body: Value) -> Option<Answer> {
    let request = reqwest::Client::new().request(method, format!("{base}{path}")).bearer_auth(token).json(&body);
    let response = request.send().await.ok()?;
    let status = response.status();
    let headers = response.headers().clone();
    let text = response.text().await.ok()?;
    Some(Answer { status, headers, text })
}

/// Waits until no queued e-mail is pending (at most 30 s).
async fn settle(store: &Store) {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while store.pending_email_count().await.unwrap() > 0 {
        assert!(std::time::Instant::now() < deadline, "e-mails still pending");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn two_instances_on_one_postgres_share_tokens_the_blacklist_accounts_and_links() {
    if without_postgres("two instances") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let database = TestDatabase::create(dir.path()).await;
    let outbox = dir.path().join("outbox");
    let env = [
        ("DATABASE_URL", database.url.as_str()),
        ("SECRET_KEY", SECRET_KEY),
        ("EMAIL_BACKEND", "outbox"),
        ("EMAIL_OUTBOX_DIR", outbox.to_str().unwrap()),
        ("FRONTEND_URL", "http://app.test"),
    ];
    let a = Server::start(dir.path(), &env);
    let b = Server::start(dir.path(), &env);
    let store = Store::connect(&database.url, 2).await.unwrap();

    // Concurrent registrations of one username across both: exactly one account.
    let body = json!({"username": "racer", "email": "racer@example.com", "password": GOOD_PASSWORD});
    let answers =
        join_all((0..20).map(|i| post(if i % 2 == 0 { &a.url } else { &b.url }, "/auth/users/", None, body.clone())))
            .await;
    assert_eq!(answers.iter().filter(|answer| answer.status == 201).count(), 1);
    assert!(answers.iter().all(|answer| answer.status == 201 || answer.status == 400));

    // A link e-mailed by A works on B.
    post(
        &a.url,
        "/auth/users/",
        None,
        json!({"username": "linked", "email": "linked@example.com", "password": GOOD_PASSWORD}),
    )
    .await
    .assert_status(201);
    settle(&store).await;
    let message = std::fs::read_dir(&outbox)
        .unwrap()
        .map(|entry| std::fs::read_to_string(entry.unwrap().path()).unwrap())
        .find(|text| text.contains("To: linked@example.com"))
        .expect("the activation e-mail");
    let parsed = mail_parser::MessageParser::default().parse(message.as_bytes()).unwrap();
    let text = parsed.body_text(0).unwrap().into_owned();
    let link = text.split_whitespace().find(|word| word.starts_with("http")).unwrap();
    let mut parts = link.rsplit('/');
    let (token, uid) = (parts.next().unwrap(), parts.next().unwrap());
    post(&b.url, "/auth/users/activation/", None, json!({"uid": uid, "token": token})).await.assert_status(204);

    // A token from A refreshes on B; blacklisted on B, it is refused on A.
    let login = post(&a.url, "/auth/jwt/create/", None, json!({"username": "linked", "password": GOOD_PASSWORD})).await;
    login.assert_status(200);
    let refresh = login.json()["refresh"].as_str().unwrap().to_owned();
    let rotated = post(&b.url, "/auth/jwt/refresh/", None, json!({"refresh": refresh})).await;
    rotated.assert_status(200);
    let rotated = rotated.json()["refresh"].as_str().unwrap().to_owned();
    post(&b.url, "/auth/jwt/blacklist/", None, json!({"refresh": rotated})).await.assert(200, json!({}));
    post(&a.url, "/auth/jwt/refresh/", None, json!({"refresh": rotated}))
        .await
        .assert(401, json!({"detail": "Token is blacklisted", "code": "token_not_valid"}));

    // Concurrent refreshes of one token across both: exactly one success.
    let login = post(&b.url, "/auth/jwt/create/", None, json!({"username": "linked", "password": GOOD_PASSWORD})).await;
    let refresh = login.json()["refresh"].as_str().unwrap().to_owned();
    let answers = join_all((0..20).map(|i| {
        post(if i % 2 == 0 { &a.url } else { &b.url }, "/auth/jwt/refresh/", None, json!({"refresh": refresh}))
    }))
    .await;
    assert_eq!(answers.iter().filter(|answer| answer.status == 200).count(), 1);
    assert!(answers.iter().filter(|answer| answer.status != 200).all(|answer| answer.status == 401));
}

#[tokio::test]
async fn a_server_under_load_holds_no_more_postgres_connections_than_its_maximum() {
    if without_postgres("counts of PostgreSQL connections") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let database = TestDatabase::create(dir.path()).await;
    // The server's connections carry a name of their own, so they can be told from the test's.
    let url = format!("{}?application_name=gatehouse-under-load", database.url);
    let outbox = dir.path().join("outbox");
    let env = [
        ("DATABASE_URL", url.as_str()),
        ("DATABASE_MAX_CONNECTIONS", "5"),
        ("SECRET_KEY", SECRET_KEY),
        ("EMAIL_BACKEND", "outbox"),
        ("EMAIL_OUTBOX_DIR", outbox.to_str().unwrap()),
    ];
    let server = Server::start(dir.path(), &env);
    sqlx::any::install_default_drivers();
    let observer = sqlx::AnyPool::connect(&database.url).await.unwrap();
    let held = || async {
        let count: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM pg_stat_activity WHERE application_name = 'gatehouse-under-load'")
                .fetch_one(&observer)
                .await
                .unwrap();
        count
    };

    // Requests that each read the database, 64 at a time, spread over the server's workers.
    let client = reqwest::Client::new();
    let mut most = 0;
    for round in 0..5 {
        let requests = (0..64).map(|i| {
            let email = format!("nobody-{round}-{i}@example.com");
            let request =
                client.post(format!("{}/auth/users/reset_password/", server.url)).json(&json!({"email": email}));
            TestApp::read(request)
        });
        let (answers, count) = tokio::join!(join_all(requests), held());
        assert!(answers.iter().all(|answer| answer.status == 204), "every request was answered");
        most = most.max(count);
    }
    most = most.max(held().await);
    assert!((1..=5).contains(&most), "{most} connections held at most");
}

#[tokio::test]
async fn e_mails_queued_during_an_smtp_outage_all_arrive_once_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let database = TestDatabase::create(dir.path()).await;
    let smtp_port = free_port();
    let smtp_url = format!("smtp://mailer:s3cret@127.0.0.1:{smtp_port}");
    let env = [
        ("DATABASE_URL", database.url.as_str()),
        ("SECRET_KEY", SECRET_KEY),
        ("EMAIL_BACKEND", "smtp"),
        ("SMTP_URL", smtp_url.as_str()),
        ("EMAIL_RETRY_FIRST_DELAY_MS", "100"),
        ("EMAIL_RETRY_MAX_DELAY_MS", "500"),
        // Messages the killed instance had claimed come back after this lease.
        ("EMAIL_LEASE_SECONDS", "2"),
    ];
    let server = Server::start(dir.path(), &env);
    let store = Store::connect(&database.url, 2).await.unwrap();

    let registrations = (0..20).map(|i| {
        post(
            &server.url,
            "/auth/users/",
            None,
            json!({"username": format!("user{i}"), "email": format!("user{i}@example.com"), "password": GOOD_PASSWORD}),
        )
    });
    for answer in join_all(registrations).await {
        answer.assert_status(201);
    }
    // Every message has been tried against the stopped server.
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let entries = store.unsent_emails().await.unwrap();
        if entries.len() == 20 && entries.iter().all(|entry| entry.attempts >= 1 && entry.last_error.is_some()) {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "deliveries were not attempted");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    server.kill();
    let server = Server::start(dir.path(), &env);
    let smtp = SmtpServer::start(smtp_port);

    let messages = smtp.wait_for(20, Duration::from_secs(30)).await;
    settle(&store).await;
    let messages = if messages.len() == 20 { smtp.messages() } else { messages };
    assert_eq!(messages.len(), 20, "no message twice");
    for i in 0..20 {
        let recipient = format!("X-Envelope-To: user{i}@example.com\r\n");
        assert_eq!(messages.iter().filter(|message| message.contains(&recipient)).count(), 1, "user{i}");
    }
    drop(server);
}

#[tokio::test]
async fn every_acknowledged_change_survives_a_sigkill_under_load() {
    let dir = tempfile::tempdir().unwrap();
    let database = TestDatabase::create(dir.path()).await;
    let outbox = dir.path().join("outbox");
    let env = [
        ("DATABASE_URL", database.url.as_str()),
        ("SECRET_KEY", SECRET_KEY),
        ("SEND_ACTIVATION_EMAIL", "false"),
        ("EMAIL_OUTBOX_DIR", outbox.to_str().unwrap()),
    ];
    let server = Server::start(dir.path(), &env);
    let base = server.url.clone();
    for i in 0..20 {
        post(&base, "/auth/users/", None, json!({"username": format!("pre{i}"), "password": GOOD_PASSWORD}))
            .await
            .assert_status(201);
    }

    let acknowledged = Arc::new(std::sync::Mutex::new(Vec::<(String, Option<String>)>::new()));
    let count = Arc::new(AtomicUsize::new(0));
    let enough = Arc::new(Notify::new());
    let mut tasks = Vec::new();
    for i in 0..60 {
        let (base, acknowledged, count, enough) = (base.clone(), acknowledged.clone(), count.clone(), enough.clone());
        tasks.push(tokio::spawn(async move {
            let record = |entry: (String, Option<String>)| {
                acknowledged.lock().unwrap().push(entry);
                if count.fetch_add(1, Ordering::SeqCst) + 1 == 30 {
                    enough.notify_one();
                }
            };
            let username = format!("load{i}");
            let client = reqwest::Client::new();
            let registered = client
                .post(format!("{base}/auth/users/"))
                .json(&json!({"username": username, "password": GOOD_PASSWORD}))
                .send()
                .await;
            if registered.is_ok_and(|response| response.status() == 201) {
                record((username, None));
            }
            if i < 20 {
                let login =
                    post_lenient(&base, json!({"username": format!("pre{i}"), "password": GOOD_PASSWORD})).await;
                let Some(token) = login else { return };
                let name = format!("updated-{i}");
                let answer =
                    send(&base, reqwest::Method::PATCH, "/auth/users/me/", &token, json!({"first_name": name})).await;
                if answer.is_some_and(|answer| answer.status == 200) {
                    record((format!("pre{i}"), Some(name)));
                }
            }
        }));
    }
    enough.notified().await;
    server.kill();
    join_all(tasks).await;

    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(acknowledged.len() >= 30);
    assert!(acknowledged.len() < 80, "the kill came after the load had ended");
    let server = Server::start(dir.path(), &env);
    for (username, first_name) in acknowledged {
        let login =
            post(&server.url, "/auth/jwt/create/", None, json!({"username": username, "password": GOOD_PASSWORD}))
                .await;
        login.assert_status(200);
        if let Some(first_name) = first_name {
            assert_eq!(login.json()["first_name"], first_name, "{username}");
        }
    }
}

/// A login that may fail because the server is being killed.
async fn post_lenient(base: &str, body: Value) -> Option<String> {
    let response = reqwest::Client::new().post(format!("{base}/auth/jwt/create/")).json(&body).send().await.ok()?;
    let body: Value = response.json().await.ok()?;
    body["access"].as_str().map(str::to_owned)
}

#[tokio::test]
async fn two_instances_on_one_postgres_enforce_one_throttle_limit() {
    if without_postgres("two instances") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let database = TestDatabase::create(dir.path()).await;
    let env = [
        ("DATABASE_URL", database.url.as_str()),
        ("SECRET_KEY", SECRET_KEY),
        ("THROTTLE", "true"),
        ("THROTTLE_LOGIN_PER_USERNAME", "4/minute"),
    ];
    let a = Server::start(dir.path(), &env);
    let b = Server::start(dir.path(), &env);
    let wrong = json!({"username": "target", "password": "guess"});
    for server in [&a, &b, &a, &b] {
        post(&server.url, "/auth/jwt/create/", None, wrong.clone()).await.assert_status(401);
    }
    for server in [&a, &b] {
        let answer = post(&server.url, "/auth/jwt/create/", None, wrong.clone()).await;
        answer.assert_status(429);
        assert!(answer.json()["detail"].as_str().unwrap().starts_with("Request was throttled. Expected available in "));
    }
}

#[tokio::test]
async fn sigterm_finishes_the_requests_in_flight_then_exits_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let database = TestDatabase::create(dir.path()).await;
    let env = [("DATABASE_URL", database.url.as_str()), ("SECRET_KEY", SECRET_KEY), ("SEND_ACTIVATION_EMAIL", "false")];
    let server = Server::start(dir.path(), &env);
    let base = server.url.clone();
    // Registrations hash a password each: more of them than hashing threads keeps some in flight.
    let (first_done, mut first) = tokio::sync::mpsc::channel::<()>(16);
    let tasks: Vec<_> = (0..12)
        .map(|i| {
            let (base, first_done) = (base.clone(), first_done.clone());
            tokio::spawn(async move {
                let body = json!({"username": format!("late{i}"), "password": GOOD_PASSWORD});
                let answer = post(&base, "/auth/users/", None, body).await;
                let _ = first_done.try_send(());
                answer.status.as_u16()
            })
        })
        .collect();
    first.recv().await.unwrap();
    let exit = tokio::task::spawn_blocking(move || server.terminate()).await.unwrap();
    let statuses: Vec<u16> = join_all(tasks).await.into_iter().map(Result::unwrap).collect();
    assert_eq!(statuses, vec![201; 12], "every request accepted before the signal is answered");
    assert!(exit.success(), "the server exits cleanly: {exit:?}");
    let store = Store::connect(&database.url, 1).await.unwrap();
    for i in 0..12 {
        assert!(store.find_user_by_username(&format!("late{i}")).await.unwrap().is_some());
    }
    assert!(reqwest::Client::new().get(format!("{base}/auth/")).send().await.is_err(), "no longer listening");
}
