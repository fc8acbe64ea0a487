//! Settings: one typed struct, read once at start-up from `GATEHOUSE_<NAME>` variables over an
//! optional `gatehouse.toml` (same names in lower case), then passed down. A bad value stops
//! start-up with one line naming the variable and what it expected.

use std::path::{Path, PathBuf};

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
}

/// How queued e-mails are retried.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub first_retry_delay: std::time::Duration,
    pub max_retry_delay: std::time::Duration,
    /// Attempts before a message is marked failed.
    pub max_attempts: i64,
    /// How long a claimed message is reserved for the instance that claimed it. After a crash,
    /// the messages it held wait this long before another instance takes them.
    pub lease: std::time::Duration,
}

impl Delivery {
    /// The longest one SMTP delivery may take: half the lease (at most 30 s), so a lease never
    /// runs out while its message is still being sent, and no message goes out twice.
    pub fn smtp_deadline(&self) -> std::time::Duration {
        (self.lease / 2).min(std::time::Duration::from_secs(30))
    }
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub bind: String,
    pub database_url: String,
    pub database_max_connections: u32,
    /// How long start-up keeps retrying an unreachable database.
    pub database_connect_timeout: std::time::Duration,
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
    pub throttling: crate::throttle::Throttling,
}

/// Looks a `GATEHOUSE_…` variable up.
type Lookup = Box<dyn Fn(&str) -> Option<String>>;

/// Where a setting's raw text comes from: the environment first, then the TOML file.
pub struct Source {
    env: Lookup,
    file: toml::Table,
}

impl Source {
    /// The process environment over `GATEHOUSE_CONFIG` or `./gatehouse.toml` when present.
    pub fn from_process() -> anyhow::Result<Self> {
        let path = std::env::var("GATEHOUSE_CONFIG").ok();
        let file = match &path {
            Some(path) => read_toml(Path::new(path))?,
            None if Path::new("gatehouse.toml").exists() => read_toml(Path::new("gatehouse.toml"))?,
            None => toml::Table::new(),
        };
        Ok(Self { env: Box::new(|name| std::env::var(name).ok()), file })
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
        Self { env: Box::new(move |name| map.get(name).cloned()), file: toml::Table::new() }
    }

    fn get(&self, name: &str) -> Option<String> {
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

    fn text(&self, name: &str, default: &str) -> String {
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

    fn milliseconds(&self, name: &str, default: u64) -> anyhow::Result<std::time::Duration> {
        match self.get(name) {
            None => Ok(std::time::Duration::from_millis(default)),
            Some(text) => match text.trim().parse::<u64>() {
                Ok(value) if value > 0 => Ok(std::time::Duration::from_millis(value)),
                _ => bail!("GATEHOUSE_{name}: expected a whole number of milliseconds above 0, got {text:?}"),
            },
        }
    }

    fn rate(&self, name: &str, default: &str) -> anyhow::Result<crate::throttle::Rate> {
        let text = self.text(name, default);
        crate::throttle::Rate::parse(&text).with_context(|| format!("GATEHOUSE_{name}: {text:?}"))
    }

    fn seconds(&self, name: &str, default: i64) -> anyhow::Result<i64> {
        match self.get(name) {
            None => Ok(default),
            Some(text) => match text.trim().parse::<i64>() {
                Ok(value) if value > 0 => Ok(value),
                _ => bail!("GATEHOUSE_{name}: expected a whole number of seconds above 0, got {text:?}"),
            },
        }
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
pub const MIN_SECRET_KEY_LENGTH: usize = 32;

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
        let environment = match source.text("ENVIRONMENT", "development").trim() {
            "development" => Environment::Development,
            "production" => Environment::Production,
            other => {
                bail!("GATEHOUSE_ENVIRONMENT: expected development or production, got {other:?}")
            }
        };
        let bind = source.text("BIND", "127.0.0.1:8000");
        let database_url = source.text("DATABASE_URL", "sqlite://data/gatehouse.db");
        let database_max_connections = match source.get("DATABASE_MAX_CONNECTIONS") {
            None => 8,
            Some(text) => match text.trim().parse::<u32>() {
                Ok(value) if value > 0 => value,
                _ => bail!("GATEHOUSE_DATABASE_MAX_CONNECTIONS: expected a whole number above 0, got {text:?}"),
            },
        };
        let database_connect_timeout =
            std::time::Duration::from_secs(source.seconds("DATABASE_CONNECT_TIMEOUT", 30)? as u64);
        let delivery = Delivery {
            first_retry_delay: source.milliseconds("EMAIL_RETRY_FIRST_DELAY_MS", 5_000)?,
            max_retry_delay: source.milliseconds("EMAIL_RETRY_MAX_DELAY_MS", 3_600_000)?,
            max_attempts: source.seconds("EMAIL_MAX_ATTEMPTS", 12)?,
            lease: std::time::Duration::from_secs(source.seconds("EMAIL_LEASE_SECONDS", 120)? as u64),
        };
        let secret_key = resolve_secret_key(source.get("SECRET_KEY"), environment)?;
        let frontend_url =
            source.get("FRONTEND_URL").unwrap_or_else(|| format!("http://{bind}")).trim_end_matches('/').to_owned();
        let email_backend = match source.get("EMAIL_BACKEND").as_deref().map(str::trim) {
            None | Some("outbox") => EmailBackend::Outbox,
            Some("console") => EmailBackend::Console,
            Some("smtp") => EmailBackend::Smtp,
            Some(other) => {
                bail!("GATEHOUSE_EMAIL_BACKEND: expected smtp, console or outbox, got {other:?}")
            }
        };
        let smtp_url = source.get("SMTP_URL").map(SecretString::from);
        if email_backend == EmailBackend::Smtp && smtp_url.is_none() {
            bail!("GATEHOUSE_SMTP_URL: required when GATEHOUSE_EMAIL_BACKEND is smtp, e.g. smtp://user:pass@host:587?tls=required");
        }
        let auth_header_types: Vec<String> = source
            .text("AUTH_HEADER_TYPES", "Bearer,JWT")
            .split(',')
            .map(|word| word.trim().to_owned())
            .filter(|word| !word.is_empty())
            .collect();
        if auth_header_types.is_empty() {
            bail!("GATEHOUSE_AUTH_HEADER_TYPES: expected a comma-separated list such as Bearer,JWT");
        }
        let features = Features {
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
            activation_url: source.text("ACTIVATION_URL", "activate/{uid}/{token}"),
            password_reset_confirm_url: source
                .text("PASSWORD_RESET_CONFIRM_URL", "password/reset/confirm/{uid}/{token}"),
            username_reset_confirm_url: source
                .text("USERNAME_RESET_CONFIRM_URL", "username/reset/confirm/{uid}/{token}"),
            access_token_lifetime: source.seconds("ACCESS_TOKEN_LIFETIME", 300)?,
            refresh_token_lifetime: source.seconds("REFRESH_TOKEN_LIFETIME", 86_400)?,
            rotate_refresh_tokens: source.flag("ROTATE_REFRESH_TOKENS", true)?,
            blacklist_after_rotation: source.flag("BLACKLIST_AFTER_ROTATION", true)?,
            auth_header_types,
            password_reset_timeout: source.seconds("PASSWORD_RESET_TIMEOUT", 259_200)?,
            refresh_reuse_detection: source.flag("REFRESH_REUSE_DETECTION", true)?,
            refresh_reuse_grace: match source.get("REFRESH_REUSE_GRACE") {
                None => 5,
                Some(text) => text.trim().parse::<i64>().ok().filter(|value| *value >= 0).with_context(|| {
                    format!("GATEHOUSE_REFRESH_REUSE_GRACE: expected a whole number of seconds, got {text:?}")
                })?,
            },
        };
        let throttling = crate::throttle::Throttling {
            enabled: source.flag("THROTTLE", true)?,
            login_per_address: source.rate("THROTTLE_LOGIN_PER_ADDRESS", "30/minute")?,
            login_per_username: source.rate("THROTTLE_LOGIN_PER_USERNAME", "10/minute")?,
            email_per_address: source.rate("THROTTLE_EMAIL_PER_ADDRESS", "30/hour")?,
            email_per_recipient: source.rate("THROTTLE_EMAIL_PER_RECIPIENT", "5/hour")?,
            trusted_proxies: source
                .text("TRUSTED_PROXIES", "")
                .split(',')
                .map(str::trim)
                .filter(|item| !item.is_empty())
                .map(|item| {
                    item.parse().with_context(|| format!("GATEHOUSE_TRUSTED_PROXIES: {item:?} is not an IP address"))
                })
                .collect::<anyhow::Result<_>>()?,
        };
        if environment == Environment::Production {
            check_production(email_backend, &frontend_url)?;
        }
        Ok(Self {
            bind,
            database_url,
            database_max_connections,
            database_connect_timeout,
            secret_key,
            environment,
            frontend_url,
            site_name: source.text("SITE_NAME", "Gatehouse"),
            static_dir: PathBuf::from(source.text("STATIC_DIR", "dist")),
            email_backend,
            email_outbox_dir: PathBuf::from(source.text("EMAIL_OUTBOX_DIR", "data/outbox")),
            email_templates_dir: source.get("EMAIL_TEMPLATES_DIR").map(PathBuf::from),
            smtp_url,
            default_from_email: source.text("DEFAULT_FROM_EMAIL", "webmaster@localhost"),
            delivery,
            features,
            throttling,
        })
    }
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

/// Production needs a real key from the environment; development keeps a generated one in
/// `data/secret_key` beside the default database, so restarts keep tokens and links valid.
fn resolve_secret_key(configured: Option<String>, environment: Environment) -> anyhow::Result<SecretString> {
    if let Some(key) = configured {
        if environment == Environment::Production && key.chars().count() < MIN_SECRET_KEY_LENGTH {
            bail!("GATEHOUSE_SECRET_KEY: expected at least {MIN_SECRET_KEY_LENGTH} characters in production");
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
    std::fs::write(path, &key).context("Failed to write data/secret_key")?;
    tracing::info!("generated a development secret key in data/secret_key");
    Ok(SecretString::from(key))
}

impl Settings {
    pub fn secret(&self) -> &str {
        self.secret_key.expose_secret()
    }
}
