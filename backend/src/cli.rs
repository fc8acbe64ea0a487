//! The command line: `serve` (the default), `migrate` and `createsuperuser`.

use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::{Parser, Subcommand};
use secrecy::SecretString;

use crate::auth::password::Passwords;
use crate::configuration::{Environment, Settings};
use crate::domain::audit::{Actor, Event, Kind};
use crate::domain::password_policy::{PasswordPolicy, UserAttributes};
use crate::domain::{email, username};
use crate::startup::Application;
use crate::store::Store;
use crate::{clock, telemetry};

#[derive(Parser)]
#[command(name = "gatehouse", version, about = "Accounts, JWTs and e-mailed links, compatible with Djoser + SimpleJWT")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Apply the migrations, then serve the API under /auth/ and the browser app.
    Serve,
    /// Apply the database migrations and exit.
    Migrate,
    /// List the e-mails and webhooks not delivered yet: pending (with their next attempt) and
    /// failed.
    Outbox,
    /// Staff work from the shell: find accounts, deactivate or activate them, grant or remove
    /// staff. Each change is in the audit trail, by "shell".
    Users {
        #[command(subcommand)]
        command: UsersCommand,
    },
    /// Import users from a Django database's auth_user table (SQLite or PostgreSQL URL).
    ImportDjango {
        /// The Django database, e.g. sqlite:///srv/app/db.sqlite3 or postgres://user@host/app.
        #[arg(long = "from")]
        from: String,
    },
    /// Clear a locked-out user's second factors and recovery codes (they are told by e-mail).
    MfaReset {
        #[arg(long)]
        username: String,
    },
    /// Create a staff superuser, or update the one of that name.
    Createsuperuser {
        #[arg(long)]
        username: String,
        #[arg(long, default_value = "")]
        email: String,
        /// Take the password from GATEHOUSE_SUPERUSER_PASSWORD instead of prompting.
        #[arg(long)]
        noinput: bool,
    },
}

#[derive(Subcommand)]
enum UsersCommand {
    /// List the accounts, 25 a page.
    List {
        #[arg(long, default_value_t = 1)]
        page: i64,
    },
    /// The accounts whose username, e-mail address, first or last name starts with TEXT.
    Search {
        text: String,
        #[arg(long, default_value_t = 1)]
        page: i64,
    },
    /// Deactivate an account and end its sessions.
    Deactivate { username: String },
    /// Activate an account.
    Activate { username: String },
    /// Make an account staff.
    MakeStaff { username: String },
    /// Remove an account's staff status.
    RemoveStaff { username: String },
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let settings = match Settings::load() {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("gatehouse: {error:#}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(settings.environment == Environment::Production);
    for warning in settings.production_warnings() {
        tracing::warn!("{warning}");
    }
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a Tokio runtime");
    let outcome = runtime.block_on(async move {
        match cli.command.unwrap_or(Command::Serve) {
            Command::Serve => serve(settings).await,
            Command::Migrate => migrate(&settings).await,
            Command::Outbox => outbox(&settings).await,
            Command::Users { command } => users(settings, command).await,
            Command::ImportDjango { from } => import_django(&settings, &from).await,
            Command::MfaReset { username } => mfa_reset(&settings, &username).await,
            Command::Createsuperuser { username, email, noinput } => {
                create_superuser(&settings, &username, &email, noinput).await
            }
        }
    });
    telemetry::flush();
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("gatehouse: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(settings: Settings) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let bind = settings.bind.clone();
    let workers = settings.workers;
    let frontend = settings.frontend_url.clone();
    let outbox = (settings.email_backend == crate::configuration::EmailBackend::Outbox)
        .then(|| settings.email_outbox_dir.clone());
    let app_built = settings.static_dir.join("index.html").is_file();
    let static_dir = settings.static_dir.clone();
    let application = Application::build(settings).await?;
    tracing::info!(
        bind = %bind,
        port = application.port(),
        frontend = %frontend,
        workers,
        ready_ms = started.elapsed().as_millis() as u64,
        "Gatehouse is listening"
    );
    if app_built {
        tracing::info!("Open {frontend}/ in a browser to sign up and sign in");
    } else {
        tracing::warn!(static_dir = %static_dir.display(), "The browser app is not built: `scripts/build-app` builds it");
    }
    if let Some(outbox) = outbox {
        tracing::info!(folder = %outbox.display(), "E-mails are not sent: each one is written to the outbox folder as an .eml file");
    }
    application.run_until_stopped().await.context("The server stopped with an error")
}

/// The database of the command line tools, migrated.
async fn open_store(settings: &Settings) -> anyhow::Result<Store> {
    let store = Store::connect_with_retry(&settings.database_url, 2, settings.database_connect_timeout).await?;
    store.open_layout(&settings.database_layout).await
}

async fn migrate(settings: &Settings) -> anyhow::Result<()> {
    open_store(settings).await?;
    println!("Migrations applied.");
    Ok(())
}

async fn outbox(settings: &Settings) -> anyhow::Result<()> {
    let entries = open_store(settings).await?.unsent_emails().await?;
    if entries.is_empty() {
        println!("No pending or failed e-mails or webhooks.");
        return Ok(());
    }
    println!(
        "{:>6}  {:<8}  {:<30}  {:<32}  {:>8}  {:<20}  last error",
        "id", "status", "kind", "recipient", "attempts", "next attempt (UTC)"
    );
    for entry in &entries {
        let next = if entry.status == "pending" { format_micros(entry.next_attempt_at) } else { "-".into() };
        println!(
            "{:>6}  {:<8}  {:<30}  {:<32}  {:>8}  {:<20}  {}",
            entry.id,
            entry.status,
            entry.kind,
            entry.recipient,
            entry.attempts,
            next,
            entry.last_error.as_deref().unwrap_or("")
        );
    }
    let pending = entries.iter().filter(|entry| entry.status == "pending").count();
    println!("{pending} pending, {} failed.", entries.len() - pending);
    Ok(())
}

fn format_micros(micros: i64) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    time::OffsetDateTime::from_unix_timestamp(micros.div_euclid(1_000_000))
        .ok()
        .and_then(|moment| moment.format(&format).ok())
        .unwrap_or_default()
}

async fn users(settings: Settings, command: UsersCommand) -> anyhow::Result<()> {
    use crate::flows::console;
    use crate::flows::staff::Action;
    let store = open_store(&settings).await?;
    let (action, username) = match command {
        UsersCommand::List { page } => return print_users(&store, "", page).await,
        UsersCommand::Search { text, page } => return print_users(&store, &text, page).await,
        UsersCommand::Deactivate { username } => (Action::Deactivate, username),
        UsersCommand::Activate { username } => (Action::Activate, username),
        UsersCommand::MakeStaff { username } => (Action::MakeStaff, username),
        UsersCommand::RemoveStaff { username } => (Action::RemoveStaff, username),
    };
    let Some(user) = store.find_user_by_username(&username).await? else {
        bail!("No user is called {username:?}");
    };
    let state = crate::state::AppState::new(settings, store)?;
    console::apply(&state, &user, action, Actor::Shell).await.map_err(|error| match error {
        crate::error::ApiError::Unexpected(cause) => cause,
        refused => anyhow::anyhow!("{refused:?}"),
    })?;
    let user = state.store.find_user(user.id).await?.context("the account vanished")?;
    println!(
        "{:?} (id {}): {}, {}.",
        user.username,
        user.id,
        if user.is_active { "active" } else { "inactive" },
        if user.is_staff { "staff" } else { "not staff" }
    );
    Ok(())
}

async fn print_users(store: &Store, text: &str, page: i64) -> anyhow::Result<()> {
    use crate::flows::console::PAGE_SIZE;
    if page < 1 {
        bail!("--page starts at 1");
    }
    let found = store.search_users(text.trim(), PAGE_SIZE, (page - 1) * PAGE_SIZE).await?;
    if found.users.is_empty() {
        println!("No accounts found.");
        return Ok(());
    }
    println!("{:>8}  {:<24}  {:<32}  {:<8}  {:<5}  joined (UTC)", "id", "username", "email", "active", "staff");
    for user in found.users.iter().map(|found| &found.user) {
        println!(
            "{:>8}  {:<24}  {:<32}  {:<8}  {:<5}  {}",
            user.id,
            user.username,
            user.email,
            if user.is_active { "yes" } else { "no" },
            if user.is_staff { "yes" } else { "no" },
            format_micros(user.date_joined)
        );
    }
    let more = if found.capped { "more than " } else { "" };
    let first = (page - 1) * PAGE_SIZE + 1;
    let last = first + found.users.len() as i64 - 1;
    println!("Accounts {first} to {last} of {more}{}.", found.count);
    Ok(())
}

async fn mfa_reset(settings: &Settings, username: &str) -> anyhow::Result<()> {
    let store = open_store(settings).await?;
    let Some(user) = store.find_user_by_username(username).await? else {
        anyhow::bail!("No user is called {username:?}");
    };
    let cleared = store.clear_factors(user.id).await?;
    let events = [Event::of(Kind::SecondFactorsCleared, &user).by(Actor::Shell)];
    if cleared == 0 {
        store.record_events(&events).await?;
    } else {
        let emails = crate::email::Emails::new(
            settings,
            crate::auth::reset_tokens::TokenGenerator::new(settings.secret(), settings.features.password_reset_timeout),
            crate::i18n::Languages::new(&settings.language_code, false)?,
        )?;
        store
            .enqueue_emails(
                &emails.compose_all(crate::email::EmailKind::SecondFactorRemoved, std::slice::from_ref(&user)),
                &events,
            )
            .await?;
    }
    println!("Cleared {cleared} second factors of {:?} (id {}), and its recovery codes.", user.username, user.id);
    Ok(())
}

async fn import_django(settings: &Settings, from: &str) -> anyhow::Result<()> {
    let store = open_store(settings).await?;
    if store.is_django_layout() {
        anyhow::bail!(
            "import-django copies a Django project's users into Gatehouse's own tables; with \
             GATEHOUSE_DATABASE_LAYOUT=django Gatehouse already uses the project's tables"
        );
    }
    let progress = |done, total| {
        eprint!("\rImporting users: {done}/{total}");
        if done == total {
            eprintln!();
        }
    };
    let checkable = |hash: &str| !crate::auth::password::is_usable(hash) || crate::auth::password::can_verify(hash);
    let report = crate::store::django::import(&store, from, progress, checkable).await?;
    println!(
        "Imported {} users from {}: {} created, {} updated, {} skipped.",
        report.read,
        crate::store::redact(from),
        report.created,
        report.updated,
        report.skipped.len()
    );
    for reason in &report.skipped {
        println!("  skipped: {reason}");
    }
    if !report.unverifiable.is_empty() {
        println!(
            "{} accounts have a password hash no hasher here can check; they sign in after a password reset:",
            report.unverifiable.len()
        );
        for account in &report.unverifiable {
            println!("  unverifiable: {account}");
        }
    }
    if report.has_blacklist {
        println!(
            "Blacklisted refresh tokens (SimpleJWT): {} still unexpired, {} new here.",
            report.blacklisted_read, report.blacklisted_added
        );
    } else {
        println!("No SimpleJWT blacklist in the Django database: no refresh tokens to import.");
    }
    Ok(())
}

async fn create_superuser(settings: &Settings, name: &str, address: &str, noinput: bool) -> anyhow::Result<()> {
    let name = username::normalize(crate::pycompat::strip(name));
    let problems = username::errors(&name, false);
    if !problems.is_empty() {
        bail!("--username: {}", problems.join(" "));
    }
    let address = email::normalize(address);
    if !address.is_empty() && !email::is_valid(&address) {
        bail!("--email: Enter a valid email address.");
    }
    let password = if noinput {
        std::env::var("GATEHOUSE_SUPERUSER_PASSWORD")
            .context("GATEHOUSE_SUPERUSER_PASSWORD: required with --noinput")?
    } else {
        let first = rpassword::prompt_password("Password: ").context("Failed to read the password")?;
        let second = rpassword::prompt_password("Password (again): ").context("Failed to read the password")?;
        if first != second {
            bail!("Error: Your passwords didn't match.");
        }
        let attributes = UserAttributes { username: &name, email: &address, ..Default::default() };
        let problems = PasswordPolicy::load().errors(&first, Some(&attributes));
        if !problems.is_empty() {
            bail!("{}", problems.join("\n"));
        }
        first
    };
    if password.is_empty() {
        bail!("GATEHOUSE_SUPERUSER_PASSWORD: the password may not be blank");
    }
    let store = open_store(settings).await?;
    let hash = Passwords::with_policy(1, settings.features.hashing).hash(SecretString::from(password)).await?;
    let user = store.upsert_superuser(&name, &address, &hash, clock::now_micros()).await?;
    println!("Superuser {:?} (id {}) is ready.", user.username, user.id);
    Ok(())
}
