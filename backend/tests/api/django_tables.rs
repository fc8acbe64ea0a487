//! Gatehouse on a Django project's own tables (`GATEHOUSE_DATABASE_LAYOUT=django`), with a
//! real Django + DRF + Djoser + SimpleJWT server (`tests/django_site/`) on the same database at
//! the same time: accounts, passwords, e-mailed links, refresh tokens and DRF tokens are the
//! same on both. On SQLite, and on PostgreSQL when `TEST_DATABASE_URL` is set.

use std::path::Path;

use gatehouse::configuration::{Settings, Source};
use gatehouse::startup::Application;
use serde_json::{json, Value};

use crate::helpers::{spawn_app_beside_django, Answer, TestApp, GOOD_PASSWORD, SECRET_KEY};
use crate::processes::{Django, DjangoServer};

/// Both servers hash with Django's default hasher at this cost (a Django-sized one is slow).
const ITERATIONS: &str = "1000";

/// Gatehouse and Django on one database, and the folder Django writes its e-mails to.
pub struct SideBySide {
    pub gatehouse: TestApp,
    pub django: DjangoServer,
    django_mail: tempfile::TempDir,
    pub client: reqwest::Client,
}

async fn side_by_side() -> SideBySide {
    side_by_side_with(&[], &[]).await
}

/// Both servers with more settings: `gatehouse` (`GATEHOUSE_` names without the prefix) and
/// `django` (`DJANGO_…` variables of the test project). Gatehouse's links point at the Django
/// server, and it names the site as Django does (the server's host), so their e-mails compare.
pub async fn side_by_side_with(gatehouse: &[(&str, &str)], django: &[(&str, &str)]) -> SideBySide {
    let django_mail = tempfile::tempdir().unwrap();
    let port = crate::processes::free_port();
    let (frontend, site) = (format!("http://127.0.0.1:{port}"), format!("127.0.0.1:{port}"));
    let mut settings = vec![("PBKDF2_ITERATIONS", ITERATIONS), ("FRONTEND_URL", &frontend), ("SITE_NAME", &site)];
    settings.extend_from_slice(gatehouse);
    let mut project = None;
    let gatehouse = spawn_app_beside_django(&settings, |url| {
        let mut project_settings = Django::new(url, SECRET_KEY)
            .with("DJANGO_PBKDF2_ITERATIONS", ITERATIONS)
            .with("DJANGO_EMAIL_DIR", &django_mail.path().display().to_string());
        for (name, value) in django {
            project_settings = project_settings.with(name, value);
        }
        project_settings.migrate();
        project = Some(project_settings);
    })
    .await;
    let django = project.unwrap().serve_on(port);
    SideBySide { gatehouse, django, django_mail, client: reqwest::Client::new() }
}

impl SideBySide {
    pub async fn on_django(&self, path: &str, body: Value) -> Answer {
        TestApp::read(self.client.post(format!("{}{path}", self.django.url)).json(&body)).await
    }

    pub async fn on_gatehouse(&self, path: &str, body: Value) -> Answer {
        self.gatehouse.post(path, body).await
    }

    async fn authorized(&self, base: &str, path: &str, authorization: &str) -> Answer {
        TestApp::read(self.client.get(format!("{base}{path}")).header("Authorization", authorization)).await
    }

    /// The last message Django e-mailed to `address`, as Django's file backend wrote it.
    pub fn take_django_email_to(&self, address: &str) -> String {
        // Django's file names only tell the second and file times can tie, so each message is
        // taken (removed) once read: the one left is the one the last request sent.
        let mut messages: Vec<(std::path::PathBuf, String)> = std::fs::read_dir(self.django_mail.path())
            .unwrap()
            .map(|entry| {
                let path = entry.unwrap().path();
                let text = std::fs::read_to_string(&path).unwrap();
                (path, text)
            })
            .filter(|(_, text)| text.contains(&format!("To: {address}")))
            .collect();
        assert!(messages.len() <= 1, "Django e-mailed {address} {} times since the last look", messages.len());
        let (path, text) = messages.pop().unwrap_or_else(|| panic!("Django e-mailed nothing to {address}"));
        std::fs::remove_file(path).unwrap();
        text
    }

    /// The uid and token of the link Django last e-mailed to `address`.
    fn django_link_to(&self, address: &str) -> (String, String) {
        let text = self.take_django_email_to(address).replace("=\n", "");
        let pattern = ["activate/", "password/reset/confirm/", "username/reset/confirm/"]
            .iter()
            .find_map(|prefix| text.find(prefix).map(|at| &text[at + prefix.len()..]))
            .expect("a link in the message");
        let mut parts = pattern.split(|c: char| c == '/' || c.is_whitespace() || c == '"' || c == '<');
        (parts.next().unwrap().to_owned(), parts.next().unwrap().to_owned())
    }
}

async fn sign_in(base: &str, client: &reqwest::Client, username: &str, password: &str) -> Answer {
    TestApp::read(
        client.post(format!("{base}/auth/jwt/create/")).json(&json!({"username": username, "password": password})),
    )
    .await
}

#[tokio::test]
async fn an_account_registered_on_either_server_is_activated_once_and_signs_in_on_both() {
    let pair = side_by_side().await;
    let (gatehouse, django) = (&pair.gatehouse.address, &pair.django.url);

    let registered = pair
        .on_gatehouse(
            "/auth/users/",
            json!({"username": "alice", "email": "alice@example.com", "password": GOOD_PASSWORD}),
        )
        .await;
    registered.assert_status(201);
    let (uid, token) = pair.gatehouse.last_email_to("alice@example.com").await.uid_and_token();
    pair.on_django("/auth/users/activation/", json!({"uid": uid, "token": token})).await.assert_status(204);
    pair.on_gatehouse("/auth/users/activation/", json!({"uid": uid, "token": token}))
        .await
        .assert(403, json!({"detail": "Stale token for given user."}));
    sign_in(django, &pair.client, "alice", GOOD_PASSWORD).await.assert_status(200);
    sign_in(gatehouse, &pair.client, "alice", GOOD_PASSWORD).await.assert_status(200);
    let hash = pair.gatehouse.store.find_user_by_username("alice").await.unwrap().unwrap().password;
    assert!(hash.starts_with("pbkdf2_sha256$1000$"), "a hash a stock Django reads: {hash}");

    pair.on_django("/auth/users/", json!({"username": "bob", "email": "bob@example.com", "password": GOOD_PASSWORD}))
        .await
        .assert_status(201);
    let (uid, token) = pair.django_link_to("bob@example.com");
    pair.on_gatehouse("/auth/users/activation/", json!({"uid": uid, "token": token})).await.assert_status(204);
    pair.on_django("/auth/users/activation/", json!({"uid": uid, "token": token}))
        .await
        .assert(403, json!({"detail": "Stale token for given user."}));
    let on_gatehouse = sign_in(gatehouse, &pair.client, "bob", GOOD_PASSWORD).await;
    on_gatehouse.assert_status(200);
    let bob = on_gatehouse.json();
    assert_eq!(bob["email"], "bob@example.com");
    assert_eq!(bob["is_active"], true);
    sign_in(django, &pair.client, "bob", GOOD_PASSWORD).await.assert_status(200);
}

/// An active account made through Django's registration and activation.
pub async fn django_account(pair: &SideBySide, username: &str) -> String {
    let email = format!("{username}@example.com");
    pair.on_django("/auth/users/", json!({"username": username, "email": email, "password": GOOD_PASSWORD}))
        .await
        .assert_status(201);
    let (uid, token) = pair.django_link_to(&email);
    pair.on_django("/auth/users/activation/", json!({"uid": uid, "token": token})).await.assert_status(204);
    email
}

/// An access token of `username`, signed in on Gatehouse.
async fn access_on_gatehouse(pair: &SideBySide, username: &str) -> String {
    let answer = sign_in(&pair.gatehouse.address, &pair.client, username, GOOD_PASSWORD).await;
    answer.json()["access"].as_str().expect("an access token").to_owned()
}

/// Gatehouse's answer to `DELETE users/me/` with the account's password.
async fn delete_own_account(pair: &SideBySide, access: &str) -> Answer {
    let body = json!({"current_password": GOOD_PASSWORD});
    pair.gatehouse.request(reqwest::Method::DELETE, "/auth/users/me/", Some(access), Some(body)).await
}

fn refresh_of(answer: &Answer) -> String {
    answer.assert_status(200);
    answer.json()["refresh"].as_str().expect("a refresh token").to_owned()
}

#[tokio::test]
async fn refresh_tokens_rotated_or_signed_out_on_one_server_are_refused_by_the_other() {
    let pair = side_by_side().await;
    let (gatehouse, django) = (pair.gatehouse.address.clone(), pair.django.url.clone());
    django_account(&pair, "alice").await;
    let blacklisted = json!({"detail": "Token is blacklisted", "code": "token_not_valid"});

    // Signed in on Gatehouse, rotated on Django, then on Gatehouse again.
    let first = refresh_of(&sign_in(&gatehouse, &pair.client, "alice", GOOD_PASSWORD).await);
    let second = refresh_of(&pair.on_django("/auth/jwt/refresh/", json!({"refresh": first})).await);
    pair.on_gatehouse("/auth/jwt/refresh/", json!({"refresh": first})).await.assert(401, blacklisted.clone());
    let third = refresh_of(&pair.on_gatehouse("/auth/jwt/refresh/", json!({"refresh": second})).await);
    pair.on_django("/auth/jwt/refresh/", json!({"refresh": second})).await.assert(401, blacklisted.clone());

    // Signed out on Django: refused here.
    pair.on_django("/auth/jwt/blacklist/", json!({"refresh": third})).await.assert_status(200);
    pair.on_gatehouse("/auth/jwt/refresh/", json!({"refresh": third})).await.assert(401, blacklisted.clone());

    // Signed in on Django, rotated here, then refused there; signed out here, refused there.
    let from_django = refresh_of(&sign_in(&django, &pair.client, "alice", GOOD_PASSWORD).await);
    let rotated_here = refresh_of(&pair.on_gatehouse("/auth/jwt/refresh/", json!({"refresh": from_django})).await);
    pair.on_django("/auth/jwt/refresh/", json!({"refresh": from_django})).await.assert(401, blacklisted.clone());
    pair.on_gatehouse("/auth/jwt/blacklist/", json!({"refresh": rotated_here})).await.assert_status(200);
    pair.on_django("/auth/jwt/refresh/", json!({"refresh": rotated_here})).await.assert(401, blacklisted);
}

#[tokio::test]
async fn a_password_set_on_one_server_is_the_password_on_the_other_and_a_reset_link_works_once() {
    let pair = side_by_side().await;
    let (gatehouse, django) = (pair.gatehouse.address.clone(), pair.django.url.clone());
    let email = django_account(&pair, "alice").await;

    let access =
        sign_in(&gatehouse, &pair.client, "alice", GOOD_PASSWORD).await.json()["access"].as_str().unwrap().to_owned();
    pair.gatehouse
        .post_authed(
            "/auth/users/set_password/",
            &access,
            json!({"current_password": GOOD_PASSWORD, "new_password": "another horse battery 9"}),
        )
        .await
        .assert_status(204);
    sign_in(&django, &pair.client, "alice", "another horse battery 9").await.assert_status(200);
    sign_in(&django, &pair.client, "alice", GOOD_PASSWORD).await.assert_status(401);

    pair.on_django("/auth/users/reset_password/", json!({"email": email})).await.assert_status(204);
    let (uid, token) = pair.django_link_to(&email);
    let reset = json!({"uid": uid, "token": token, "new_password": "third horse battery 27"});
    pair.on_gatehouse("/auth/users/reset_password_confirm/", reset.clone()).await.assert_status(204);
    pair.on_django("/auth/users/reset_password_confirm/", reset)
        .await
        .assert(400, json!({"token": ["Invalid token for given user."]}));
    sign_in(&django, &pair.client, "alice", "third horse battery 27").await.assert_status(200);

    pair.on_gatehouse("/auth/users/reset_password/", json!({"email": email})).await.assert_status(204);
    let (uid, token) = pair.gatehouse.last_email_to(&email).await.uid_and_token();
    let reset = json!({"uid": uid, "token": token, "new_password": "fourth horse battery 81"});
    pair.on_django("/auth/users/reset_password_confirm/", reset.clone()).await.assert_status(204);
    pair.on_gatehouse("/auth/users/reset_password_confirm/", reset)
        .await
        .assert(400, json!({"token": ["Invalid token for given user."]}));
    sign_in(&gatehouse, &pair.client, "alice", "fourth horse battery 81").await.assert_status(200);
}

#[tokio::test]
async fn drf_tokens_and_the_sign_in_time_are_shared() {
    let pair = side_by_side().await;
    let (gatehouse, django) = (pair.gatehouse.address.clone(), pair.django.url.clone());
    let email = django_account(&pair, "alice").await;
    let credentials = json!({"username": "alice", "password": GOOD_PASSWORD});

    let key = pair.on_gatehouse("/auth/token/login/", credentials.clone()).await.json()["auth_token"].clone();
    let again = pair.on_django("/auth/token/login/", credentials).await.json()["auth_token"].clone();
    assert_eq!(key, again, "one key per user, whichever server made it");
    let header = format!("Token {}", key.as_str().unwrap());
    pair.authorized(&django, "/auth/users/me/", &header).await.assert_status(200);
    TestApp::read(pair.client.post(format!("{django}/auth/token/logout/")).header("Authorization", &header))
        .await
        .assert_status(204);
    pair.authorized(&gatehouse, "/auth/users/me/", &header).await.assert(401, json!({"detail": "Invalid token."}));

    // The sign-in time Gatehouse wrote is read by Django: a link Django makes now covers it.
    let before = pair.gatehouse.store.find_user_by_username("alice").await.unwrap().unwrap().last_login;
    assert!(before.is_some(), "token login records last_login");
    pair.on_django("/auth/users/reset_password/", json!({"email": email})).await.assert_status(204);
    let (uid, token) = pair.django_link_to(&email);
    let reset = json!({"uid": uid, "token": token, "new_password": "another horse battery 9"});
    pair.on_gatehouse("/auth/users/reset_password_confirm/", reset).await.assert_status(204);
}

#[tokio::test]
async fn what_django_changes_in_an_account_is_what_gatehouse_answers_next() {
    let pair = side_by_side().await;
    let django = pair.django.url.clone();
    django_account(&pair, "alice").await;
    let here = access_on_gatehouse(&pair, "alice").await;
    let there =
        sign_in(&django, &pair.client, "alice", GOOD_PASSWORD).await.json()["access"].as_str().unwrap().to_owned();
    // Read on every worker thread, more than once: a thread may answer again from memory.
    for _ in 0..6 {
        let me = pair.gatehouse.get_authed("/auth/users/me/", &here).await;
        me.assert_status(200);
        assert_eq!(me.json()["first_name"], "");
    }

    let renamed = pair.client.patch(format!("{django}/auth/users/me/")).bearer_auth(&there);
    TestApp::read(renamed.json(&json!({"first_name": "Alys"}))).await.assert_status(200);
    for _ in 0..6 {
        let me = pair.gatehouse.get_authed("/auth/users/me/", &here).await;
        me.assert_status(200);
        assert_eq!(me.json()["first_name"], "Alys", "Django's change, seen at once");
    }

    let closed = pair.client.delete(format!("{django}/auth/users/me/")).bearer_auth(&there);
    TestApp::read(closed.json(&json!({"current_password": GOOD_PASSWORD}))).await.assert_status(204);
    pair.gatehouse
        .get_authed("/auth/users/me/", &here)
        .await
        .assert(401, json!({"detail": "User not found", "code": "user_not_found"}));
}

#[tokio::test]
async fn closing_an_account_here_removes_what_django_would_remove() {
    let pair = side_by_side().await;
    django_account(&pair, "alice").await;
    let signed_in = sign_in(&pair.django.url, &pair.client, "alice", GOOD_PASSWORD).await;
    signed_in.assert_status(200);
    pair.on_django("/auth/token/login/", json!({"username": "alice", "password": GOOD_PASSWORD}))
        .await
        .assert_status(200);
    let access = access_on_gatehouse(&pair, "alice").await;

    let deleted = delete_own_account(&pair, &access).await;

    deleted.assert_status(204);
    assert!(pair.gatehouse.store.find_user_by_username("alice").await.unwrap().is_none());
    let database = pair.gatehouse.database().await;
    let tokens: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM authtoken_token").fetch_one(&database).await.unwrap();
    assert_eq!(tokens, 0);
    let orphans: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM token_blacklist_outstandingtoken WHERE user_id IS NULL")
            .fetch_one(&database)
            .await
            .unwrap();
    assert!(orphans >= 2, "SimpleJWT's outstanding tokens are kept without their user, as Django does");
    sign_in(&pair.django.url, &pair.client, "alice", GOOD_PASSWORD).await.assert_status(401);
}

#[tokio::test]
async fn an_account_another_apps_table_still_refers_to_is_kept_whole_and_the_answer_says_why() {
    let pair = side_by_side().await;
    django_account(&pair, "alice").await;
    pair.on_django("/auth/token/login/", json!({"username": "alice", "password": GOOD_PASSWORD}))
        .await
        .assert_status(200);
    let alice = pair.gatehouse.store.find_user_by_username("alice").await.unwrap().unwrap();
    // Another app's model with a foreign key to the user, as Django creates it on SQLite and on
    // PostgreSQL (checked when the transaction commits).
    let database = pair.gatehouse.database().await;
    sqlx::query(
        "CREATE TABLE blog_post (id INTEGER PRIMARY KEY, \
         author_id INTEGER NOT NULL REFERENCES auth_user (id) DEFERRABLE INITIALLY DEFERRED)",
    )
    .execute(&database)
    .await
    .unwrap();
    sqlx::query("INSERT INTO blog_post (id, author_id) VALUES (1, $1)")
        .bind(alice.id)
        .execute(&database)
        .await
        .unwrap();
    let access = access_on_gatehouse(&pair, "alice").await;

    let refused = delete_own_account(&pair, &access).await;

    refused.assert_status(409);
    assert_eq!(
        refused.json(),
        json!({
            "detail": "This account cannot be deleted here: other records of the site still refer to it. \
                       Ask the site's staff to delete it.",
            "code": "account_still_referred_to"
        })
    );
    // Staff get the same answer from the console.
    let staff = pair.gatehouse.create_user("staff", true, true).await;
    let (staff_access, _) = pair.gatehouse.login(&staff.username, &staff.password).await;
    let path = format!("/auth/admin/users/{}/", alice.id);
    let by_staff = pair.gatehouse.request(reqwest::Method::DELETE, &path, Some(&staff_access), None).await;
    by_staff.assert_status(409);
    assert_eq!(by_staff.json(), refused.json());
    // Nothing was removed: the account, its DRF key and its session are as they were.
    pair.gatehouse.get_authed("/auth/users/me/", &access).await.assert_status(200);
    let tokens: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM authtoken_token").fetch_one(&database).await.unwrap();
    assert_eq!(tokens, 1);
    sign_in(&pair.django.url, &pair.client, "alice", GOOD_PASSWORD).await.assert_status(200);
}

/// Starts Gatehouse on the Django layout over `database_url`; the error it stops with.
async fn start_error(dir: &Path, database_url: &str) -> String {
    let settings = Settings::from_source(&Source::from_pairs([
        ("GATEHOUSE_BIND", "127.0.0.1:0".to_owned()),
        ("GATEHOUSE_DATABASE_URL", database_url.to_owned()),
        ("GATEHOUSE_SECRET_KEY", SECRET_KEY.to_owned()),
        ("GATEHOUSE_DATABASE_LAYOUT", "django".to_owned()),
        ("GATEHOUSE_EMAIL_OUTBOX_DIR", dir.join("outbox").display().to_string()),
    ]))
    .unwrap();
    match Application::build(settings).await {
        Ok(_) => panic!("Gatehouse started"),
        Err(error) => format!("{error:#}"),
    }
}

#[tokio::test]
async fn without_djangos_user_table_gatehouse_refuses_to_start_and_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/django.sqlite3", dir.path().display());

    let error = start_error(dir.path(), &url).await;
    assert!(error.contains("the database has no table \"auth_user\""), "{error}");

    let mut connection = <sqlx::AnyConnection as sqlx::Connection>::connect(&url).await.unwrap();
    sqlx::Executor::execute(
        &mut connection,
        "CREATE TABLE auth_user (id integer PRIMARY KEY, password varchar(128), username varchar(150), \
         email varchar(254), first_name varchar(150), last_name varchar(150), is_active bool, is_staff bool, \
         is_superuser bool, date_joined datetime)",
    )
    .await
    .unwrap();
    let error = start_error(dir.path(), &url).await;
    assert!(error.contains("no column \"last_login\""), "{error}");
    let tables: Vec<String> = sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table'")
        .fetch_all(&mut connection)
        .await
        .unwrap();
    assert!(tables.iter().all(|table| !table.starts_with("gatehouse_") && !table.starts_with("_sqlx")), "{tables:?}");
}

#[tokio::test]
async fn a_custom_user_table_with_its_own_login_and_email_columns_is_used_as_named() {
    let postgres = std::env::var_os("TEST_DATABASE_URL").is_some();
    let (id, flag, time) = match postgres {
        true => {
            ("integer NOT NULL PRIMARY KEY GENERATED BY DEFAULT AS IDENTITY", "boolean", "timestamp with time zone")
        }
        false => ("integer NOT NULL PRIMARY KEY AUTOINCREMENT", "bool", "datetime"),
    };
    // As Django's migrations write a custom `AbstractUser` model with another login and
    // e-mail field.
    let table = format!(
        "CREATE TABLE accounts_member (id {id}, password varchar(128) NOT NULL, last_login {time} NULL, \
         is_superuser {flag} NOT NULL, login varchar(150) NOT NULL UNIQUE, first_name varchar(150) NOT NULL, \
         last_name varchar(150) NOT NULL, mail varchar(254) NOT NULL, is_staff {flag} NOT NULL, \
         is_active {flag} NOT NULL, date_joined {time} NOT NULL)"
    );
    let settings = [
        ("DJANGO_USER_TABLE", "accounts_member"),
        ("DJANGO_USERNAME_COLUMN", "login"),
        ("DJANGO_EMAIL_COLUMN", "mail"),
        ("PBKDF2_ITERATIONS", ITERATIONS),
    ];
    let app = spawn_app_beside_django(&settings, |url| {
        // A new SQLite file is created by whoever opens it first.
        let url = if url.starts_with("sqlite:") { format!("{url}?mode=rwc") } else { url.to_owned() };
        std::thread::spawn(move || {
            tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
                sqlx::any::install_default_drivers();
                let mut connection = <sqlx::AnyConnection as sqlx::Connection>::connect(&url).await.unwrap();
                sqlx::Executor::execute(&mut connection, table.as_str()).await.unwrap();
            })
        })
        .join()
        .unwrap();
    })
    .await;

    app.post("/auth/users/", json!({"username": "alice", "email": "alice@example.com", "password": GOOD_PASSWORD}))
        .await
        .assert_status(201);
    let (uid, token) = app.last_email_to("alice@example.com").await.uid_and_token();
    app.post("/auth/users/activation/", json!({"uid": uid, "token": token})).await.assert_status(204);
    let (access, _) = app.login("alice", GOOD_PASSWORD).await;
    let me = app.get_authed("/auth/users/me/", &access).await;
    me.assert_status(200);
    assert_eq!(me.json()["email"], "alice@example.com");

    let database = app.database().await;
    let (login, mail): (String, String) =
        sqlx::query_as("SELECT login, mail FROM accounts_member").fetch_one(&database).await.unwrap();
    assert_eq!((login.as_str(), mail.as_str()), ("alice", "alice@example.com"));
}
