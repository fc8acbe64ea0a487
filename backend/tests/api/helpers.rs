use std::path::PathBuf;

use gatehouse::auth::password::pbkdf2_sha256;
use gatehouse::configuration::{Settings, Source};
use gatehouse::domain::user::User;
use gatehouse::startup::Application;
use gatehouse::store::layout::{DjangoNames, LayoutSetting};
use gatehouse::store::users::NewUser;
use gatehouse::store::Store;
use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

pub const SECRET_KEY: &str = "test-secret-key-for-the-gatehouse-suite";
pub const FRONTEND_URL: &str = "http://app.test";
/// A password every validator accepts.
pub const GOOD_PASSWORD: &str = "vK7#mQ2!xLp9";

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub store: Store,
    pub outbox: PathBuf,
    /// The folder the browser app is served from (empty until a test writes into it).
    pub static_dir: PathBuf,
    /// Kept for its lifetime: a PostgreSQL test database is dropped with it.
    pub database: TestDatabase,
    _dir: tempfile::TempDir,
}

/// Whether this run has no PostgreSQL (`TEST_DATABASE_URL` unset), saying which test `needs`
/// it: such a test returns at once. `scripts/test` sets it, so CI runs them all.
pub fn without_postgres(needs: &str) -> bool {
    let without = std::env::var_os("TEST_DATABASE_URL").is_none();
    if without {
        eprintln!("{needs} need PostgreSQL: set TEST_DATABASE_URL (scripts/test does)");
    }
    without
}

/// The database of one test: a SQLite file in the test's folder or, when `TEST_DATABASE_URL`
/// names a PostgreSQL server, a database of its own, dropped when the test ends.
pub struct TestDatabase {
    pub url: String,
    postgres: Option<(String, String)>,
}

impl TestDatabase {
    pub async fn create(dir: &std::path::Path) -> Self {
        let Ok(admin_url) = std::env::var("TEST_DATABASE_URL") else {
            return Self { url: format!("sqlite://{}/gatehouse.db", dir.display()), postgres: None };
        };
        let name = format!("gatehouse_test_{}", gatehouse::auth::random::alphanumeric(12).to_lowercase());
        run_admin(&admin_url, &format!("CREATE DATABASE {name}")).await;
        let (base, _) = admin_url.rsplit_once('/').expect("TEST_DATABASE_URL names a database");
        Self { url: format!("{base}/{name}"), postgres: Some((admin_url, name)) }
    }
}

async fn run_admin(admin_url: &str, statement: &str) {
    use sqlx::Connection;
    sqlx::any::install_default_drivers();
    let mut connection = sqlx::AnyConnection::connect(admin_url).await.expect("TEST_DATABASE_URL is reachable");
    sqlx::Executor::execute(&mut connection, statement).await.expect("the admin statement runs");
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Some((admin_url, name)) = self.postgres.take() {
            let statement = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
            let _ = std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
                runtime.block_on(run_admin(&admin_url, &statement));
            })
            .join();
        }
    }
}

/// Starts a server on `database_url` with the suite's settings and `overrides`; its outbox
/// and static folder are in `dir`. Returns its address.
async fn start_server(database_url: &str, dir: &std::path::Path, overrides: &[(&str, &str)]) -> String {
    let mut pairs: Vec<(String, String)> = vec![
        ("GATEHOUSE_BIND".into(), "127.0.0.1:0".into()),
        ("GATEHOUSE_DATABASE_URL".into(), database_url.to_owned()),
        ("GATEHOUSE_SECRET_KEY".into(), SECRET_KEY.into()),
        ("GATEHOUSE_FRONTEND_URL".into(), FRONTEND_URL.into()),
        ("GATEHOUSE_EMAIL_BACKEND".into(), "outbox".into()),
        ("GATEHOUSE_EMAIL_OUTBOX_DIR".into(), dir.join("outbox").display().to_string()),
        ("GATEHOUSE_STATIC_DIR".into(), dir.join("dist").display().to_string()),
        // Tests send many requests from one address; the throttling tests turn it back on.
        ("GATEHOUSE_THROTTLE".into(), "false".into()),
    ];
    for (name, value) in overrides {
        pairs.push((format!("GATEHOUSE_{name}"), (*value).to_owned()));
    }
    let settings = Settings::from_source(&Source::from_pairs(pairs)).expect("valid test settings");
    let application = Application::build(settings).await.expect("the server starts");
    let address = format!("http://127.0.0.1:{}", application.port());
    tokio::spawn(application.run_until_stopped());
    address
}

/// A server with the default settings.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(&[]).await
}

/// A server on a Django project's tables (`GATEHOUSE_DATABASE_LAYOUT=django`): `prepare`
/// makes the project's tables in the fresh database (it is given the database's URL) before
/// the server starts.
pub async fn spawn_app_beside_django(overrides: &[(&str, &str)], prepare: impl FnOnce(&str)) -> TestApp {
    if std::env::var_os("TEST_LOG").is_some() {
        gatehouse::telemetry::init(false);
    }
    let dir = tempfile::tempdir().expect("a temporary folder");
    let database = TestDatabase::create(dir.path()).await;
    prepare(&database.url);
    let mut settings = vec![("DATABASE_LAYOUT", "django")];
    settings.extend_from_slice(overrides);
    let address = start_server(&database.url, dir.path(), &settings).await;
    let store = Store::connect(&database.url, 2)
        .await
        .expect("the test database opens")
        .open_layout(&LayoutSetting::Django(django_names(overrides)))
        .await
        .expect("the Django layout opens");
    let client =
        reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("an HTTP client");
    let (outbox, static_dir) = (dir.path().join("outbox"), dir.path().join("dist"));
    TestApp { address, client, store, outbox, static_dir, database, _dir: dir }
}

/// The Django user table and columns `overrides` name.
fn django_names(overrides: &[(&str, &str)]) -> DjangoNames {
    let setting = |name: &str| overrides.iter().find(|(key, _)| *key == name).map(|(_, value)| (*value).to_owned());
    let defaults = DjangoNames::default();
    DjangoNames {
        user_table: setting("DJANGO_USER_TABLE").unwrap_or(defaults.user_table),
        username_column: setting("DJANGO_USERNAME_COLUMN").unwrap_or(defaults.username_column),
        email_column: setting("DJANGO_EMAIL_COLUMN").unwrap_or(defaults.email_column),
    }
}

/// A server with some `GATEHOUSE_*` settings changed (names without the prefix).
pub async fn spawn_app_with(overrides: &[(&str, &str)]) -> TestApp {
    if std::env::var_os("TEST_LOG").is_some() {
        gatehouse::telemetry::init(false);
    }
    let dir = tempfile::tempdir().expect("a temporary folder");
    let database = TestDatabase::create(dir.path()).await;
    let database_url = database.url.clone();
    let outbox = dir.path().join("outbox");
    let address = start_server(&database_url, dir.path(), overrides).await;
    let store = Store::connect(&database_url, 2).await.expect("the test database opens");
    let client =
        reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("an HTTP client");
    let static_dir = dir.path().join("dist");
    TestApp { address, client, store, outbox, static_dir, database, _dir: dir }
}

/// An answer, read whole.
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub text: String,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|_| panic!("not JSON: {:?}", self.text))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }

    /// Asserts the status and the JSON body (compared as values).
    #[track_caller]
    pub fn assert(&self, status: u16, body: Value) {
        assert_eq!(self.status.as_u16(), status, "status; body was {}", self.text);
        assert_eq!(self.json(), body, "body");
    }

    #[track_caller]
    pub fn assert_status(&self, status: u16) {
        assert_eq!(self.status.as_u16(), status, "status; body was {}", self.text);
    }
}

/// A user created through the store, bypassing the API.
#[allow(dead_code)]
pub struct TestUser {
    pub id: i64,
    pub username: String,
    pub password: String,
    pub email: String,
}

/// One e-mail from the outbox.
#[derive(Debug)]
#[allow(dead_code)] // Not every test reads every part.
pub struct Email {
    pub to: String,
    pub from: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    pub content_type: String,
}

impl Email {
    /// The first `http…` link of the text part.
    pub fn link(&self) -> String {
        self.text
            .split_whitespace()
            .find(|word| word.starts_with("http"))
            .unwrap_or_else(|| panic!("no link in {:?}", self.text))
            .to_owned()
    }

    /// The uid and token at the end of the link.
    pub fn uid_and_token(&self) -> (String, String) {
        let link = self.link();
        let mut parts = link.rsplit('/');
        let token = parts.next().expect("token").to_owned();
        let uid = parts.next().expect("uid").to_owned();
        (uid, token)
    }
}

impl TestApp {
    /// A connection of the test's own to the server's database, for changes no endpoint makes.
    pub async fn database(&self) -> sqlx::AnyPool {
        sqlx::any::install_default_drivers();
        sqlx::AnyPool::connect(&self.database.url).await.expect("the test database opens")
    }

    /// Another server on this one's database, as a second instance of a deployment would
    /// be; returns its address.
    pub async fn start_beside(&self, overrides: &[(&str, &str)]) -> String {
        let dir = self._dir.path().join(format!("beside-{}", gatehouse::auth::random::alphanumeric(6)));
        std::fs::create_dir_all(&dir).expect("a folder for the second server");
        start_server(&self.database.url, &dir, overrides).await
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn request(&self, method: Method, path: &str, token: Option<&str>, body: Option<Value>) -> Answer {
        let mut request = self.client.request(method, self.url(path));
        if let Some(token) = token {
            request = request.header("Authorization", format!("Bearer {token}"));
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        Self::read(request).await
    }

    pub async fn read(request: reqwest::RequestBuilder) -> Answer {
        let response = request.send().await.expect("the server answers");
        let status = response.status();
        let headers = response.headers().clone();
        let text = response.text().await.expect("a body");
        Answer { status, headers, text }
    }

    pub async fn post(&self, path: &str, body: Value) -> Answer {
        self.request(Method::POST, path, None, Some(body)).await
    }

    pub async fn post_authed(&self, path: &str, token: &str, body: Value) -> Answer {
        self.request(Method::POST, path, Some(token), Some(body)).await
    }

    pub async fn get_authed(&self, path: &str, token: &str) -> Answer {
        self.request(Method::GET, path, Some(token), None).await
    }

    /// The signed-in person's recent activity: (event, detail), newest first.
    pub async fn activity(&self, access: &str) -> Vec<(String, String)> {
        let answer = self.get_authed("/auth/users/me/activity/", access).await;
        answer.assert_status(200);
        answer.json().as_array().unwrap().iter().map(event_and_detail).collect()
    }

    /// Creates a user directly in the database with an Argon2id hash.
    pub async fn create_user(&self, username: &str, active: bool, staff: bool) -> TestUser {
        let password = format!("{GOOD_PASSWORD}-{username}");
        let hash =
            gatehouse::auth::password::Passwords::new(1).hash(password.clone().into()).await.expect("hashing works");
        self.insert_user(username, &hash, active, staff, &password).await
    }

    /// Creates a user directly in the database with a given hash.
    pub async fn insert_user(&self, username: &str, hash: &str, active: bool, staff: bool, password: &str) -> TestUser {
        let email = format!("{username}@example.com");
        let user = self
            .store
            .insert_user(
                &NewUser {
                    username,
                    email: &email,
                    first_name: "",
                    last_name: "",
                    password_hash: hash,
                    is_active: active,
                    is_staff: staff,
                    is_superuser: false,
                    date_joined: 0,
                },
                |_| (None, Vec::new()),
            )
            .await
            .expect("the user is inserted");
        TestUser { id: user.id, username: username.to_owned(), password: password.to_owned(), email }
    }

    /// Creates a user with a Django PBKDF2 hash (a few iterations, to keep tests fast).
    pub async fn create_django_user(&self, username: &str) -> TestUser {
        let password = format!("{GOOD_PASSWORD}-django");
        let hash = pbkdf2_sha256(&password, "saltsaltsaltsaltsalt22", 1000);
        self.insert_user(username, &hash, true, false, &password).await
    }

    pub async fn user(&self, id: i64) -> Option<User> {
        self.store.find_user(id).await.expect("the database answers")
    }

    /// Signs in and returns (access, refresh).
    pub async fn login(&self, username: &str, password: &str) -> (String, String) {
        let answer = self.post("/auth/jwt/create/", json!({"username": username, "password": password})).await;
        answer.assert_status(200);
        let body = answer.json();
        (body["access"].as_str().unwrap().to_owned(), body["refresh"].as_str().unwrap().to_owned())
    }

    /// An active user and their access token.
    pub async fn signed_in_user(&self, username: &str) -> (TestUser, String) {
        let user = self.create_user(username, true, false).await;
        let (access, _) = self.login(&user.username, &user.password).await;
        (user, access)
    }

    /// Waits until the delivery worker has handled every queued message (at most 10 s).
    pub async fn settle_emails(&self) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while self.store.pending_email_count().await.expect("the outbox can be read") > 0 {
            assert!(std::time::Instant::now() < deadline, "e-mails still pending after 10 s");
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
    }

    /// Every e-mail delivered to the outbox folder, oldest first, once delivery has settled.
    pub async fn emails(&self) -> Vec<Email> {
        self.settle_emails().await;
        let Ok(entries) = std::fs::read_dir(&self.outbox) else {
            return Vec::new();
        };
        let mut files: Vec<PathBuf> = entries
            .map(|entry| entry.expect("a directory entry").path())
            .filter(|path| path.extension().is_some_and(|ext| ext == "eml"))
            .collect();
        files.sort();
        files.iter().map(|path| parse_email(&std::fs::read(path).expect("readable e-mail"))).collect()
    }

    /// The newest e-mail sent to `address`.
    pub async fn last_email_to(&self, address: &str) -> Email {
        self.emails()
            .await
            .into_iter()
            .rev()
            .find(|email| email.to == address)
            .unwrap_or_else(|| panic!("no e-mail to {address}"))
    }

    /// A token signed with the suite's key from an arbitrary payload.
    pub fn forge_token(&self, payload: Value) -> String {
        forge(SECRET_KEY, r#"{"alg":"HS256","typ":"JWT"}"#, &payload)
    }

    /// An (access, refresh) pair minted `seconds_ago` for `user_id` as SimpleJWT mints them:
    /// without a session.
    pub fn tokens_issued_ago(&self, user_id: i64, seconds_ago: i64) -> (String, String) {
        let iat = now() - seconds_ago;
        let token = |token_type: &str, lifetime: i64| {
            self.forge_token(json!({
                "token_type": token_type,
                "exp": iat + lifetime,
                "iat": iat,
                "jti": gatehouse::auth::random::uuid4_hex(),
                "user_id": user_id.to_string(),
            }))
        };
        (token("access", 300), token("refresh", 86_400))
    }
}

/// An audit event's name and detail, as the API shows them.
pub fn event_and_detail(event: &Value) -> (String, String) {
    (event["event"].as_str().unwrap().to_owned(), event["detail"].as_str().unwrap().to_owned())
}

/// `(event, detail)` pairs written as literals, to compare with [`TestApp::activity`].
pub fn pairs(events: &[(&str, &str)]) -> Vec<(String, String)> {
    events.iter().map(|(event, detail)| ((*event).to_owned(), (*detail).to_owned())).collect()
}

/// HS256-signs `payload` under `header` with `key`.
pub fn forge(key: &str, header: &str, payload: &Value) -> String {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    use hmac::{Hmac, Mac};
    let signing_input =
        format!("{}.{}", URL_SAFE_NO_PAD.encode(header), URL_SAFE_NO_PAD.encode(serde_json::to_vec(payload).unwrap()));
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(key.as_bytes()).unwrap();
    mac.update(signing_input.as_bytes());
    format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes()))
}

pub fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

fn parse_email(raw: &[u8]) -> Email {
    use mail_parser::MimeHeaders;
    let message = mail_parser::MessageParser::default().parse(raw).expect("an RFC 5322 message");
    let address = |list: Option<&mail_parser::Address>| {
        list.and_then(|list| list.first()).and_then(|addr| addr.address()).unwrap_or_default().to_owned()
    };
    Email {
        to: address(message.to()),
        from: address(message.from()),
        subject: message.subject().unwrap_or_default().to_owned(),
        text: message.body_text(0).map(|t| t.into_owned()).unwrap_or_default(),
        html: message.body_html(0).map(|t| t.into_owned()).unwrap_or_default(),
        content_type: message
            .content_type()
            .map(|ct| format!("{}/{}", ct.ctype(), ct.subtype().unwrap_or_default()))
            .unwrap_or_default(),
    }
}

/// Asserts that the top-level keys of a JSON object text appear in this order.
#[track_caller]
pub fn assert_key_order(text: &str, keys: &[&str]) {
    let positions: Vec<usize> = keys
        .iter()
        .map(|key| text.find(&format!("\"{key}\":")).unwrap_or_else(|| panic!("no key {key} in {text}")))
        .collect();
    assert!(positions.windows(2).all(|pair| pair[0] < pair[1]), "keys out of order in {text}");
}
