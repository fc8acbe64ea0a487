//! Settings: one typed struct, read once at start-up from `GATEHOUSE_<NAME>` variables over an
//! optional `gatehouse.toml` (same names in lower case), then passed down. A bad value stops
//! start-up with one line naming the variable and what it expected.

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub mod providers;
pub mod webhooks;

use anyhow::{bail, Context};
use secrecy::{ExposeSecret, SecretString};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Environment {
    Development,
    Production,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmailBackend {
    Outbox,
    Console,
    Smtp,
}

/// Djoser's and SimpleJWT's behaviour switches (decisions §2 gives the defaults).
#[derive(Debug, Clone)]
pub struct Features {
    pub send_activation_email: bool,
    pub send_confirmation_email: bool,
    pub password_changed_email_confirmation: bool,
    pub username_changed_email_confirmation: bool,
    pub user_create_password_retype: bool,
    pub set_password_retype: bool,
    pub password_reset_confirm_retype: bool,
    pub set_username_retype: bool,
    pub username_reset_confirm_retype: bool,
    pub password_reset_show_email_not_found: bool,
    pub username_reset_show_email_not_found: bool,
    pub hide_users: bool,
    pub activation_url: String,
    pub password_reset_confirm_url: String,
    pub username_reset_confirm_url: String,
    /// The app's page that takes back an e-mail change (`{uid}`, `{token}`).
    pub email_revert_url: String,
    pub access_token_lifetime: i64,
    pub refresh_token_lifetime: i64,
    pub rotate_refresh_tokens: bool,
    pub blacklist_after_rotation: bool,
    pub auth_header_types: Vec<String>,
    pub password_reset_timeout: i64,
    /// Reusing a rotated refresh token revokes its whole family…
    pub refresh_reuse_detection: bool,
    /// …unless it was rotated less than this many seconds ago (concurrent tabs).
    pub refresh_reuse_grace: i64,
    /// A password change ends the other sessions, a reset ends all of them.
    pub revoke_sessions_on_password_change: bool,
    /// Changing the e-mail address needs `current_password` (the requester's).
    pub email_change_requires_password: bool,
    /// DRF token login (`token/login/`, `token/logout/`, `Authorization: Token`).
    pub token_auth: bool,
    /// Djoser's `LOGOUT_ON_PASSWORD_CHANGE`: a password change deletes the user's DRF token.
    pub logout_on_password_change: bool,
    /// `PASSWORD_HASHER` and `PBKDF2_ITERATIONS`.
    pub hashing: crate::auth::hashers::Hashing,
    /// SimpleJWT's `UPDATE_LAST_LOGIN`: `jwt/create/` records the sign-in time.
    pub update_last_login: bool,
    /// Adding an authenticator app, a passkey or a provider link asks for a sign-in at most
    /// this many seconds old (Ory Kratos's privileged session).
    pub privileged_session_max_age: i64,
}

/// How queued e-mails are retried.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub first_retry_delay: Duration,
    pub max_retry_delay: Duration,
    /// Attempts before a message is marked failed.
    pub max_attempts: i64,
    /// How long a claimed message is reserved for the instance that claimed it. After a crash,
    /// the messages it held wait this long before another instance takes them.
    pub lease: Duration,
}

impl Delivery {
    /// The longest one SMTP delivery may take: half the lease (at most 30 s), so a lease never
    /// runs out while its message is still being sent, and no message goes out twice.
    pub fn smtp_deadline(&self) -> Duration {
        (self.lease / 2).min(Duration::from_secs(30))
    }
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub bind: String,
    pub database_url: String,
    /// Gatehouse's own tables, or a Django project's (`DATABASE_LAYOUT`).
    pub database_layout: crate::store::layout::LayoutSetting,
    pub database_max_connections: u32,
    /// How long start-up keeps retrying an unreachable database.
    pub database_connect_timeout: Duration,
    /// How long a request's body may take to arrive, once its head has.
    pub request_body_timeout: Duration,
    /// The server's worker threads, each running its own event loop (`WORKERS`).
    pub workers: usize,
    /// `Strict-Transport-Security`'s max-age on every answer, when the server is reached over
    /// TLS without a proxy that sets it; 0 sends none.
    pub hsts_seconds: i64,
    pub secret_key: SecretString,
    pub environment: Environment,
    pub frontend_url: String,
    pub site_name: String,
    pub static_dir: PathBuf,
    pub email_backend: EmailBackend,
    pub email_outbox_dir: PathBuf,
    pub email_templates_dir: Option<PathBuf>,
    pub smtp_url: Option<SecretString>,
    pub default_from_email: String,
    pub delivery: Delivery,
    pub features: Features,
    pub throttling: Throttling,
    /// Django's `LANGUAGE_CODE`: the language of answers and e-mails.
    pub language_code: String,
    /// Answers in the request's language, as Django's `LocaleMiddleware` picks it.
    pub use_accept_language: bool,
    /// Identity providers people may sign in with, and where they may send people back.
    pub providers: providers::ProviderSettings,
    /// How long the audit trail keeps an event (`AUDIT_RETENTION_DAYS`).
    pub audit_retention_days: i64,
    /// Where audit events are posted (`WEBHOOK_URLS`, `WEBHOOK_EVENTS`, `WEBHOOK_SECRET`).
    pub webhooks: webhooks::WebhookSettings,
}

/// Looks a `GATEHOUSE_…` variable up.
type Lookup = Box<dyn Fn(&str) -> Option<String>>;

/// Where a setting's raw text comes from: the environment first, then the TOML file.
pub struct Source {
    env: Lookup,
    file: toml::Table,
    /// The `GATEHOUSE_…` names the environment sets, for settings named by their variables
    /// (identity providers).
    names: Vec<String>,
}

impl Source {
    /// The process environment over `GATEHOUSE_CONFIG` or `./gatehouse.toml` when present.
    fn from_process() -> anyhow::Result<Self> {
        let path = std::env::var("GATEHOUSE_CONFIG").ok();
        let file = match &path {
            Some(path) => read_toml(Path::new(path))?,
            None if Path::new("gatehouse.toml").exists() => read_toml(Path::new("gatehouse.toml"))?,
            None => toml::Table::new(),
        };
        let names = std::env::vars_os().filter_map(|(name, _)| name.into_string().ok()).collect();
        Ok(Self { env: Box::new(|name| std::env::var(name).ok()), file, names })
    }

    /// Settings from explicit values only (`GATEHOUSE_…` names), as tests and tools need.
    pub fn from_pairs<I, K, V>(pairs: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        let map: std::collections::HashMap<String, String> =
            pairs.into_iter().map(|(k, v)| (k.into(), v.into())).collect();
        let names = map.keys().cloned().collect();
        Self { env: Box::new(move |name| map.get(name).cloned()), file: toml::Table::new(), names }
    }

    /// The setting names (without `GATEHOUSE_`) that start with `prefix`, from the environment
    /// and the TOML file, sorted and without repeats.
    pub(crate) fn names_starting_with(&self, prefix: &str) -> Vec<String> {
        let from_env = self.names.iter().filter_map(|name| name.strip_prefix("GATEHOUSE_")).map(str::to_owned);
        let from_file = self.file.keys().map(|key| key.to_ascii_uppercase());
        let mut names: Vec<String> = from_env.chain(from_file).filter(|name| name.starts_with(prefix)).collect();
        names.sort();
        names.dedup();
        names
    }

    pub(crate) fn get(&self, name: &str) -> Option<String> {
        let variable = format!("GATEHOUSE_{name}");
        if let Some(value) = (self.env)(&variable) {
            return Some(value);
        }
        match self.file.get(&name.to_ascii_lowercase())? {
            toml::Value::String(text) => Some(text.clone()),
            toml::Value::Array(items) => Some(items.iter().map(scalar_text).collect::<Vec<_>>().join(",")),
            other => Some(scalar_text(other)),
        }
    }

    pub(crate) fn text(&self, name: &str, default: &str) -> String {
        self.get(name).unwrap_or_else(|| default.to_owned())
    }

    fn flag(&self, name: &str, default: bool) -> anyhow::Result<bool> {
        match self.get(name).as_deref().map(str::trim) {
            None => Ok(default),
            Some("true") => Ok(true),
            Some("false") => Ok(false),
            Some(other) => bail!("GATEHOUSE_{name}: expected true or false, got {other:?}"),
        }
    }

    /// The one integer parser: a whole number of `unit` of at least `min`.
    pub(crate) fn integer(&self, name: &str, default: i64, min: i64, unit: &str) -> anyhow::Result<i64> {
        let Some(text) = self.get(name) else { return Ok(default) };
        match text.trim().parse::<i64>() {
            Ok(value) if value >= min => Ok(value),
            _ if min > 0 => {
                bail!("GATEHOUSE_{name}: expected a whole number of {unit} above {}, got {text:?}", min - 1)
            }
            _ => bail!("GATEHOUSE_{name}: expected a whole number of {unit}, got {text:?}"),
        }
    }

    fn seconds(&self, name: &str, default: i64) -> anyhow::Result<i64> {
        self.integer(name, default, 1, "seconds")
    }

    pub(crate) fn duration_seconds(&self, name: &str, default: i64) -> anyhow::Result<Duration> {
        Ok(Duration::from_secs(self.seconds(name, default)? as u64))
    }

    pub(crate) fn duration_millis(&self, name: &str, default: i64) -> anyhow::Result<Duration> {
        Ok(Duration::from_millis(self.integer(name, default, 1, "milliseconds")? as u64))
    }

    fn rate(&self, name: &str, default: &str) -> anyhow::Result<Rate> {
        let text = self.text(name, default);
        Rate::parse(&text).with_context(|| format!("GATEHOUSE_{name}: {text:?}"))
    }

    /// A comma-separated list, without blank items.
    pub(crate) fn list(&self, name: &str, default: &str) -> Vec<String> {
        self.text(name, default).split(',').map(str::trim).filter(|item| !item.is_empty()).map(str::to_owned).collect()
    }
}

/// A TOML value as the text an environment variable would hold.
fn scalar_text(value: &toml::Value) -> String {
    match value {
        toml::Value::String(text) => text.clone(),
        toml::Value::Integer(number) => number.to_string(),
        toml::Value::Float(number) => number.to_string(),
        toml::Value::Boolean(flag) => flag.to_string(),
        toml::Value::Datetime(moment) => moment.to_string(),
        toml::Value::Array(_) | toml::Value::Table(_) => String::new(),
    }
}

fn read_toml(path: &Path) -> anyhow::Result<toml::Table> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("GATEHOUSE_CONFIG: cannot read {}", path.display()))?;
    toml::from_str(&text).with_context(|| format!("GATEHOUSE_CONFIG: {} is not valid TOML", path.display()))
}

/// The smallest production secret accepted.
const MIN_SECRET_KEY_LENGTH: usize = 50;
/// …and how many different characters it must hold.
const MIN_SECRET_KEY_DISTINCT: usize = 5;

impl Settings {
    /// Reads every setting from the process environment and `gatehouse.toml`.
    pub fn load() -> anyhow::Result<Self> {
        let mut source = Source::from_process()?;
        if source.get("DATABASE_URL").is_none() {
            if let Ok(url) = std::env::var("DATABASE_URL") {
                let fallback = source.env;
                source.env =
                    Box::new(
                        move |name| {
                            if name == "GATEHOUSE_DATABASE_URL" {
                                Some(url.clone())
                            } else {
                                fallback(name)
                            }
                        },
                    );
            }
        }
        Self::from_source(&source)
    }

    pub fn from_source(source: &Source) -> anyhow::Result<Self> {
        let environment = environment(source)?;
        let bind = source.text("BIND", "127.0.0.1:8000");
        let (database_url, database_max_connections, database_connect_timeout) = database(source)?;
        let database_layout = layout(source)?;
        let delivery = delivery(source)?;
        let secret_key = resolve_secret_key(source.get("SECRET_KEY"), environment)?;
        let frontend_url =
            source.get("FRONTEND_URL").unwrap_or_else(|| format!("http://{bind}")).trim_end_matches('/').to_owned();
        let email = email(source)?;
        let features = features(source, &database_layout)?;
        let throttling = throttling(source)?;
        if environment == Environment::Production {
            check_production(email.backend, &frontend_url)?;
            check_production_smtp(email.smtp_url.as_ref())?;
        }
        let providers = providers::ProviderSettings::from_source(source, &frontend_url, environment)?;
        let webhooks = webhooks::WebhookSettings::from_source(source)?;
        Ok(Self {
            bind,
            database_url,
            database_layout,
            database_max_connections,
            database_connect_timeout,
            request_body_timeout: source.duration_seconds("REQUEST_BODY_TIMEOUT", 5)?,
            workers: source.integer("WORKERS", cores() as i64, 1, "threads")? as usize,
            hsts_seconds: source.integer("HSTS_SECONDS", 0, 0, "seconds")?,
            secret_key,
            environment,
            frontend_url,
            site_name: source.text("SITE_NAME", "Gatehouse"),
            static_dir: PathBuf::from(source.text("STATIC_DIR", "dist")),
            email_backend: email.backend,
            email_outbox_dir: email.outbox_dir,
            email_templates_dir: email.templates_dir,
            smtp_url: email.smtp_url,
            default_from_email: email.default_from,
            delivery,
            features,
            throttling,
            language_code: source.text("LANGUAGE_CODE", "en-us").trim().to_owned(),
            use_accept_language: source.flag("USE_ACCEPT_LANGUAGE", false)?,
            providers,
            audit_retention_days: source.integer("AUDIT_RETENTION_DAYS", 90, 1, "days")?,
            webhooks,
        })
    }
}

/// The cores this process may use (a container's CPU quota counts), actix-web's default number
/// of workers. More workers served reads faster beside a local client and refreshes slower,
/// with twice refresh's p99 (BENCHMARKS.md, "Worker threads").
fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
}

fn environment(source: &Source) -> anyhow::Result<Environment> {
    match source.text("ENVIRONMENT", "development").trim() {
        "development" => Ok(Environment::Development),
        "production" => Ok(Environment::Production),
        other => bail!("GATEHOUSE_ENVIRONMENT: expected development or production, got {other:?}"),
    }
}

/// The database's URL, pool size and how long start-up waits for it.
fn database(source: &Source) -> anyhow::Result<(String, u32, Duration)> {
    let url = source.text("DATABASE_URL", "sqlite://data/gatehouse.db");
    let max_connections = source.integer("DATABASE_MAX_CONNECTIONS", 8, 1, "connections")?;
    let max_connections = u32::try_from(max_connections)
        .with_context(|| format!("GATEHOUSE_DATABASE_MAX_CONNECTIONS: {max_connections} is too many"))?;
    Ok((url, max_connections, source.duration_seconds("DATABASE_CONNECT_TIMEOUT", 30)?))
}

/// How e-mail leaves the server.
struct EmailSection {
    backend: EmailBackend,
    outbox_dir: PathBuf,
    templates_dir: Option<PathBuf>,
    smtp_url: Option<SecretString>,
    default_from: String,
}

fn email(source: &Source) -> anyhow::Result<EmailSection> {
    let backend = match source.get("EMAIL_BACKEND").as_deref().map(str::trim) {
        None | Some("outbox") => EmailBackend::Outbox,
        Some("console") => EmailBackend::Console,
        Some("smtp") => EmailBackend::Smtp,
        Some(other) => bail!("GATEHOUSE_EMAIL_BACKEND: expected smtp, console or outbox, got {other:?}"),
    };
    let smtp_url = source.get("SMTP_URL").map(SecretString::from);
    if backend == EmailBackend::Smtp && smtp_url.is_none() {
        bail!("GATEHOUSE_SMTP_URL: required when GATEHOUSE_EMAIL_BACKEND is smtp, e.g. smtp://user:pass@host:587?tls=required");
    }
    Ok(EmailSection {
        backend,
        outbox_dir: PathBuf::from(source.text("EMAIL_OUTBOX_DIR", "data/outbox")),
        templates_dir: source.get("EMAIL_TEMPLATES_DIR").map(PathBuf::from),
        smtp_url,
        default_from: source.text("DEFAULT_FROM_EMAIL", "webmaster@localhost"),
    })
}

fn delivery(source: &Source) -> anyhow::Result<Delivery> {
    Ok(Delivery {
        first_retry_delay: source.duration_millis("EMAIL_RETRY_FIRST_DELAY_MS", 5_000)?,
        max_retry_delay: source.duration_millis("EMAIL_RETRY_MAX_DELAY_MS", 3_600_000)?,
        max_attempts: source.integer("EMAIL_MAX_ATTEMPTS", 12, 1, "attempts")?,
        lease: source.duration_seconds("EMAIL_LEASE_SECONDS", 120)?,
    })
}

/// The app paths e-mailed links open by default: the browser app's own (`src/links.rs`).
pub const DEFAULT_ACTIVATION_URL: &str = "activate/{uid}/{token}";
pub const DEFAULT_PASSWORD_RESET_CONFIRM_URL: &str = "password/reset/confirm/{uid}/{token}";
pub const DEFAULT_USERNAME_RESET_CONFIRM_URL: &str = "username/reset/confirm/{uid}/{token}";
pub const DEFAULT_EMAIL_REVERT_URL: &str = "email/revert/{uid}/{token}";

/// `DATABASE_LAYOUT`: `gatehouse` (its own tables) or `django` (a Django project's, with the
/// user table and its columns named by `DJANGO_USER_TABLE`, `DJANGO_USERNAME_COLUMN` and
/// `DJANGO_EMAIL_COLUMN`).
fn layout(source: &Source) -> anyhow::Result<crate::store::layout::LayoutSetting> {
    use crate::store::layout::{DjangoNames, LayoutSetting};
    match source.text("DATABASE_LAYOUT", "gatehouse").trim() {
        "gatehouse" => Ok(LayoutSetting::Gatehouse),
        "django" => {
            let defaults = DjangoNames::default();
            let name = |variable: &str, default: &str| -> anyhow::Result<String> {
                let value = source.text(variable, default).trim().to_owned();
                let valid = !value.is_empty()
                    && value.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                    && !value.starts_with(|c: char| c.is_ascii_digit());
                if !valid {
                    bail!("GATEHOUSE_{variable}: expected a table or column name (letters, digits, _), got {value:?}");
                }
                Ok(value)
            };
            Ok(LayoutSetting::Django(DjangoNames {
                user_table: name("DJANGO_USER_TABLE", &defaults.user_table)?,
                username_column: name("DJANGO_USERNAME_COLUMN", &defaults.username_column)?,
                email_column: name("DJANGO_EMAIL_COLUMN", &defaults.email_column)?,
            }))
        }
        other => bail!("GATEHOUSE_DATABASE_LAYOUT: expected gatehouse or django, got {other:?}"),
    }
}

fn features(source: &Source, layout: &crate::store::layout::LayoutSetting) -> anyhow::Result<Features> {
    let auth_header_types = source.list("AUTH_HEADER_TYPES", "Bearer,JWT");
    if auth_header_types.is_empty() {
        bail!("GATEHOUSE_AUTH_HEADER_TYPES: expected a comma-separated list such as Bearer,JWT");
    }
    Ok(Features {
        send_activation_email: source.flag("SEND_ACTIVATION_EMAIL", true)?,
        send_confirmation_email: source.flag("SEND_CONFIRMATION_EMAIL", true)?,
        password_changed_email_confirmation: source.flag("PASSWORD_CHANGED_EMAIL_CONFIRMATION", true)?,
        username_changed_email_confirmation: source.flag("USERNAME_CHANGED_EMAIL_CONFIRMATION", true)?,
        user_create_password_retype: source.flag("USER_CREATE_PASSWORD_RETYPE", false)?,
        set_password_retype: source.flag("SET_PASSWORD_RETYPE", false)?,
        password_reset_confirm_retype: source.flag("PASSWORD_RESET_CONFIRM_RETYPE", false)?,
        set_username_retype: source.flag("SET_USERNAME_RETYPE", false)?,
        username_reset_confirm_retype: source.flag("USERNAME_RESET_CONFIRM_RETYPE", false)?,
        password_reset_show_email_not_found: source.flag("PASSWORD_RESET_SHOW_EMAIL_NOT_FOUND", false)?,
        username_reset_show_email_not_found: source.flag("USERNAME_RESET_SHOW_EMAIL_NOT_FOUND", false)?,
        hide_users: source.flag("HIDE_USERS", true)?,
        activation_url: source.text("ACTIVATION_URL", DEFAULT_ACTIVATION_URL),
        password_reset_confirm_url: source.text("PASSWORD_RESET_CONFIRM_URL", DEFAULT_PASSWORD_RESET_CONFIRM_URL),
        username_reset_confirm_url: source.text("USERNAME_RESET_CONFIRM_URL", DEFAULT_USERNAME_RESET_CONFIRM_URL),
        email_revert_url: source.text("EMAIL_REVERT_URL", DEFAULT_EMAIL_REVERT_URL),
        access_token_lifetime: source.seconds("ACCESS_TOKEN_LIFETIME", 300)?,
        refresh_token_lifetime: source.seconds("REFRESH_TOKEN_LIFETIME", 86_400)?,
        rotate_refresh_tokens: source.flag("ROTATE_REFRESH_TOKENS", true)?,
        blacklist_after_rotation: source.flag("BLACKLIST_AFTER_ROTATION", true)?,
        auth_header_types,
        password_reset_timeout: source.seconds("PASSWORD_RESET_TIMEOUT", 259_200)?,
        refresh_reuse_detection: source.flag("REFRESH_REUSE_DETECTION", true)?,
        refresh_reuse_grace: source.integer("REFRESH_REUSE_GRACE", 5, 0, "seconds")?,
        revoke_sessions_on_password_change: source.flag("REVOKE_SESSIONS_ON_PASSWORD_CHANGE", true)?,
        email_change_requires_password: source.flag("EMAIL_CHANGE_REQUIRES_PASSWORD", false)?,
        token_auth: source.flag("TOKEN_AUTH", true)?,
        logout_on_password_change: source.flag("LOGOUT_ON_PASSWORD_CHANGE", false)?,
        hashing: hashing(source, layout)?,
        update_last_login: source.flag("UPDATE_LAST_LOGIN", false)?,
        privileged_session_max_age: source.seconds("PRIVILEGED_SESSION_MAX_AGE", 900)?,
    })
}

/// How passwords are hashed: `PASSWORD_HASHER` (argon2, pbkdf2_sha256 or follow) and the
/// PBKDF2 iterations of the Django release beside Gatehouse (Django 5.2's by default). On a
/// Django project's tables the default is the hasher a stock Django reads.
fn hashing(
    source: &Source,
    layout: &crate::store::layout::LayoutSetting,
) -> anyhow::Result<crate::auth::hashers::Hashing> {
    use crate::auth::hashers::{HashPolicy, DJANGO_PBKDF2_ITERATIONS};
    use crate::store::layout::LayoutSetting;
    let policy = match source.get("PASSWORD_HASHER") {
        None if matches!(layout, LayoutSetting::Django(_)) => HashPolicy::Pbkdf2Sha256,
        None => HashPolicy::Argon2,
        Some(name) => HashPolicy::parse(&name)
            .with_context(|| format!("GATEHOUSE_PASSWORD_HASHER: expected {}, got {name:?}", HashPolicy::NAMES))?,
    };
    let iterations = source.integer("PBKDF2_ITERATIONS", i64::from(DJANGO_PBKDF2_ITERATIONS), 1, "iterations")?;
    let pbkdf2_iterations = u32::try_from(iterations)
        .ok()
        .filter(|n| *n <= 50_000_000)
        .with_context(|| format!("GATEHOUSE_PBKDF2_ITERATIONS: at most 50000000, got {iterations}"))?;
    Ok(crate::auth::hashers::Hashing { policy, pbkdf2_iterations })
}

fn throttling(source: &Source) -> anyhow::Result<Throttling> {
    let trusted_proxies = source
        .list("TRUSTED_PROXIES", "")
        .iter()
        .map(|item| item.parse().with_context(|| format!("GATEHOUSE_TRUSTED_PROXIES: {item:?} is not an IP address")))
        .collect::<anyhow::Result<_>>()?;
    Ok(Throttling {
        enabled: source.flag("THROTTLE", true)?,
        login_per_address: source.rate("THROTTLE_LOGIN_PER_ADDRESS", "30/minute")?,
        login_per_username: source.rate("THROTTLE_LOGIN_PER_USERNAME", "10/minute")?,
        email_per_address: source.rate("THROTTLE_EMAIL_PER_ADDRESS", "30/hour")?,
        email_per_recipient: source.rate("THROTTLE_EMAIL_PER_RECIPIENT", "5/hour")?,
        refresh_per_session: source.rate("THROTTLE_REFRESH_PER_SESSION", "60/minute")?,
        trusted_proxies,
    })
}

/// What production refuses: e-mails that would never reach anyone, and links that would send
/// people's tokens over plain HTTP.
fn check_production(email_backend: EmailBackend, frontend_url: &str) -> anyhow::Result<()> {
    if email_backend != EmailBackend::Smtp {
        bail!("GATEHOUSE_EMAIL_BACKEND: production needs smtp (outbox and console e-mails reach no one)");
    }
    if let Some(rest) = frontend_url.strip_prefix("http://") {
        let host = rest.split(['/', '?']).next().unwrap_or("");
        let host =
            host.rsplit_once(':')
                .map_or(host, |(host, port)| if port.chars().all(|c| c.is_ascii_digit()) { host } else { rest });
        if !matches!(host, "localhost" | "127.0.0.1" | "[::1]") {
            bail!("GATEHOUSE_FRONTEND_URL: production needs https:// (or a localhost address), got {frontend_url:?}");
        }
    } else if !frontend_url.starts_with("https://") {
        bail!("GATEHOUSE_FRONTEND_URL: expected an http(s):// URL, got {frontend_url:?}");
    }
    Ok(())
}

/// Django's deployment check on `SECRET_KEY`: long, varied, and not one of its generated
/// development keys.
fn check_production_secret(key: &str) -> anyhow::Result<()> {
    let distinct: std::collections::HashSet<char> = key.chars().collect();
    if key.chars().count() < MIN_SECRET_KEY_LENGTH || distinct.len() < MIN_SECRET_KEY_DISTINCT {
        bail!(
            "GATEHOUSE_SECRET_KEY: production needs at least {MIN_SECRET_KEY_LENGTH} characters, \
             {MIN_SECRET_KEY_DISTINCT} of them different (a long random value)"
        );
    }
    if key.starts_with("django-insecure-") {
        bail!("GATEHOUSE_SECRET_KEY: a django-insecure- key is Django's development key; production needs its own");
    }
    Ok(())
}

/// Credentials must not cross the network in the clear: plain `smtp://` with a user name is
/// accepted only to this machine.
fn check_production_smtp(smtp_url: Option<&SecretString>) -> anyhow::Result<()> {
    let Some(url) = smtp_url else { return Ok(()) };
    let url = url.expose_secret();
    let Some(rest) = url.strip_prefix("smtp://") else { return Ok(()) };
    let (authority, query) = rest.split_once('?').map_or((rest, ""), |(authority, query)| (authority, query));
    let Some((_, host)) = authority.rsplit_once('@') else { return Ok(()) };
    let host = host.split('/').next().unwrap_or(host);
    let host = match host.rsplit_once(':') {
        Some((name, port)) if port.chars().all(|c| c.is_ascii_digit()) => name,
        _ => host,
    };
    let encrypted = query.split('&').any(|pair| pair == "tls=required");
    if !encrypted && !matches!(host, "localhost" | "127.0.0.1" | "[::1]") {
        bail!(
            "GATEHOUSE_SMTP_URL: production will not send SMTP credentials unencrypted to {host}: \
             use smtps:// or ?tls=required"
        );
    }
    Ok(())
}

impl Settings {
    /// Settings production accepts but that weaken it, one line each, naming the setting.
    pub fn production_warnings(&self) -> Vec<String> {
        if self.environment != Environment::Production {
            return Vec::new();
        }
        let mut warnings = Vec::new();
        let features = &self.features;
        if !self.throttling.enabled {
            warnings.push("GATEHOUSE_THROTTLE is false: sign-ins and e-mail requests are not rate limited".to_owned());
        }
        for (on, name) in [
            (features.password_reset_show_email_not_found, "GATEHOUSE_PASSWORD_RESET_SHOW_EMAIL_NOT_FOUND"),
            (features.username_reset_show_email_not_found, "GATEHOUSE_USERNAME_RESET_SHOW_EMAIL_NOT_FOUND"),
        ] {
            if on {
                warnings.push(format!("{name} is true: anyone can find out which e-mail addresses have accounts"));
            }
        }
        if features.access_token_lifetime > MAX_QUIET_ACCESS_LIFETIME {
            warnings.push(format!(
                "GATEHOUSE_ACCESS_TOKEN_LIFETIME is {} s: an access token cannot be taken back before it expires \
                 (an hour or less is usual)",
                features.access_token_lifetime
            ));
        }
        if self.smtp_url.as_ref().is_some_and(|url| url.expose_secret().starts_with("smtp://")) {
            warnings
                .push("GATEHOUSE_SMTP_URL is plain smtp://: e-mailed links cross the network unencrypted".to_owned());
        }
        warnings
    }
}

/// An access lifetime above this is warned about in production.
const MAX_QUIET_ACCESS_LIFETIME: i64 = 3600;

/// Production needs a real key from the environment; development keeps a generated one in
/// `data/secret_key` beside the default database, so restarts keep tokens and links valid.
fn resolve_secret_key(configured: Option<String>, environment: Environment) -> anyhow::Result<SecretString> {
    if let Some(key) = configured {
        if environment == Environment::Production {
            check_production_secret(&key)?;
        }
        if key.is_empty() {
            bail!("GATEHOUSE_SECRET_KEY: expected a non-empty secret");
        }
        return Ok(SecretString::from(key));
    }
    if environment == Environment::Production {
        bail!("GATEHOUSE_SECRET_KEY: required in production (at least {MIN_SECRET_KEY_LENGTH} characters)");
    }
    let path = Path::new("data/secret_key");
    if let Ok(existing) = std::fs::read_to_string(path) {
        let existing = existing.trim().to_owned();
        if !existing.is_empty() {
            return Ok(SecretString::from(existing));
        }
    }
    std::fs::create_dir_all("data").context("Failed to create the data folder for the development secret")?;
    let key = crate::auth::random::alphanumeric(50);
    write_private(path, &key).context("Failed to write data/secret_key")?;
    tracing::info!("generated a development secret key in data/secret_key");
    Ok(SecretString::from(key))
}

impl Settings {
    pub fn secret(&self) -> &str {
        self.secret_key.expose_secret()
    }
}

/// At most `limit` requests per `period` seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    pub limit: i64,
    pub period: i64,
}

impl Rate {
    /// DRF's notation: `10/minute`, `5/hour`, `100/day`, `2/second` (the period's first letter
    /// decides, as in DRF).
    pub fn parse(text: &str) -> anyhow::Result<Rate> {
        let (limit, period) = text.trim().split_once('/').context("expected <number>/<period>")?;
        let limit: i64 =
            limit.trim().parse().ok().filter(|n| *n > 0).context("expected a number of requests above 0")?;
        let period = match period.trim().chars().next() {
            Some('s') => 1,
            Some('m') => 60,
            Some('h') => 3_600,
            Some('d') => 86_400,
            _ => bail!("expected a period of second, minute, hour or day"),
        };
        Ok(Rate { limit, period })
    }
}

/// The throttling settings.
#[derive(Debug, Clone)]
pub struct Throttling {
    pub enabled: bool,
    /// `jwt/create/` attempts per client address.
    pub login_per_address: Rate,
    /// Failed `jwt/create/` attempts per username, from any address.
    pub login_per_username: Rate,
    /// Requests that send e-mail (register, resend_activation, reset_password, reset_username)
    /// per client address.
    pub email_per_address: Rate,
    /// The same requests per target e-mail address.
    pub email_per_recipient: Rate,
    /// `jwt/refresh/` per session (per user for refresh tokens without a session).
    pub refresh_per_session: Rate,
    /// Proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<IpAddr>,
}

/// Writes a file only its owner can read.
fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?.write_all(contents.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_are_read_in_drfs_notation() {
        assert_eq!(Rate::parse("10/minute").unwrap(), Rate { limit: 10, period: 60 });
        assert_eq!(Rate::parse("5/h").unwrap(), Rate { limit: 5, period: 3600 });
        assert_eq!(Rate::parse(" 100/day ").unwrap(), Rate { limit: 100, period: 86400 });
        assert_eq!(Rate::parse("2/sec").unwrap(), Rate { limit: 2, period: 1 });
        for bad in ["10", "0/minute", "ten/minute", "10/week", "10/"] {
            assert!(Rate::parse(bad).is_err(), "{bad}");
        }
    }
}
