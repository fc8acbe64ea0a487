//! Building and running the server: storage, shared state, routes, the listener.

use std::net::TcpListener;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::http::header;
use actix_web::middleware::{from_fn, DefaultHeaders};
use actix_web::{web, App, HttpServer};
use anyhow::Context;

use crate::configuration::Settings;
use crate::http::client::TrustedProxies;
use crate::http::route::Challenge;
use crate::state::AppState;
use crate::store::Store;
use crate::{clock, routes, telemetry};

pub struct Application {
    port: u16,
    server: Server,
}

impl Application {
    /// Opens and migrates the database, then binds `settings.bind` (port 0 picks a free one).
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let store = Store::connect_with_retry(
            &settings.database_url,
            settings.database_max_connections,
            settings.database_connect_timeout,
        )
        .await?
        .open_layout(&settings.database_layout)
        .await?;
        let listener = TcpListener::bind(&settings.bind)
            .with_context(|| format!("GATEHOUSE_BIND: cannot listen on {}", settings.bind))?;
        let port = listener.local_addr().context("Failed to read the bound address")?.port();
        let challenge = web::Data::new(Challenge::new(&settings.features.auth_header_types[0])?);
        let features = &settings.features;
        let link_shapes = web::Data::new(telemetry::LinkShapes::new([
            features.activation_url.as_str(),
            features.password_reset_confirm_url.as_str(),
            features.username_reset_confirm_url.as_str(),
            features.email_revert_url.as_str(),
        ]));
        let workers = settings.workers;
        let hsts = (settings.hsts_seconds > 0).then(|| format!("max-age={}; includeSubDomains", settings.hsts_seconds));
        let state = web::Data::new(AppState::new(settings, store)?);
        let languages = web::Data::new(state.languages.clone());
        let trusted = web::Data::new(TrustedProxies(state.settings.throttling.trusted_proxies.clone()));
        match &state.passkeys {
            Some(_) => {
                tracing::info!(frontend = state.settings.frontend_url, "passkeys are on for the frontend's host")
            }
            None => tracing::info!(
                frontend = state.settings.frontend_url,
                "passkeys are off: browsers offer them on a host name (such as localhost), not an IP address"
            ),
        }
        for provider in state.providers.all() {
            tracing::info!(provider = provider.name, title = provider.title, "identity provider configured");
        }
        spawn_housekeeping(state.clone());
        telemetry::spawn_dropped_lines_report();
        crate::revocation::spawn_polling(state.store.clone(), state.revocations.clone(), revocation_memory(&state));
        crate::store::sqlite::spawn_checkpoints(state.store.clone());
        let webhooks = std::sync::Arc::new(crate::webhooks::Webhooks::new(&state.settings.webhooks)?);
        crate::email::worker::spawn(
            state.store.clone(),
            state.emails.clone(),
            webhooks,
            state.settings.delivery.clone(),
        );
        let server = HttpServer::new(move || {
            let mut headers = DefaultHeaders::new()
                .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
                .add((header::REFERRER_POLICY, "no-referrer"));
            if let Some(value) = &hsts {
                headers = headers.add((header::STRICT_TRANSPORT_SECURITY, value.clone()));
            }
            App::new()
                .wrap(headers)
                .wrap(from_fn(telemetry::log_request))
                .app_data(state.clone())
                .app_data(challenge.clone())
                .app_data(languages.clone())
                .app_data(link_shapes.clone())
                .app_data(trusted.clone())
                .configure(routes::configure)
        })
        .workers(workers)
        .listen(listener)
        .context("Failed to start listening")?
        .run();
        Ok(Self { port, server })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

/// How long an ended session is remembered: as long as an access token issued before it ended
/// can live, and the polls' overlap.
fn revocation_memory(state: &AppState) -> i64 {
    state.features().access_token_lifetime + 2 * crate::revocation::OVERLAP
}

/// Hourly: expired blacklist entries (their tokens are refused as expired anyway), sessions
/// whose tokens have all expired, e-mails delivered more than a week ago, throttle windows
/// older than a day, expired second-step sign-ins and passkey ceremonies, and records of
/// e-mailed links older than the links' lifetime are forgotten, and so are audit events older
/// than their retention.
fn spawn_housekeeping(state: web::Data<AppState>) {
    tokio::spawn(async move {
        let mut every_hour = tokio::time::interval(Duration::from_secs(3600));
        loop {
            every_hour.tick().await;
            if let Err(error) = state.store.purge_expired_blacklist(clock::now_seconds()).await {
                tracing::warn!(error = format!("{error:#}"), "could not purge the token blacklist");
            }
            let now = clock::now_seconds();
            if let Err(error) = state.store.purge_sessions(now - revocation_memory(&state), now).await {
                tracing::warn!(error = format!("{error:#}"), "could not purge ended sessions");
            }
            let week_ago = clock::now_micros() - 7 * 86_400 * 1_000_000;
            if let Err(error) = state.store.purge_sent_emails(week_ago).await {
                tracing::warn!(error = format!("{error:#}"), "could not purge delivered e-mails");
            }
            // The longest throttle period is a day: older windows have ended.
            if let Err(error) = state.store.purge_throttle(clock::now_seconds() - 86_400).await {
                tracing::warn!(error = format!("{error:#}"), "could not purge throttle counters");
            }
            // Sign-ins waiting for a second factor and passkey ceremonies live five minutes.
            if let Err(error) = state.store.purge_challenges(now).await {
                tracing::warn!(error = format!("{error:#}"), "could not purge sign-ins waiting for a second factor");
            }
            if let Err(error) = state.store.purge_ceremonies(now).await {
                tracing::warn!(error = format!("{error:#}"), "could not purge passkey ceremonies");
            }
            // Sign-ins sent to an identity provider live ten minutes.
            if let Err(error) = state.store.purge_provider_states(now).await {
                tracing::warn!(error = format!("{error:#}"), "could not purge sign-ins sent to identity providers");
            }
            // A link older than the links' lifetime no longer opens anyway.
            let expired = clock::now_seconds() - state.features().password_reset_timeout;
            if let Err(error) = state.store.purge_link_tokens(expired).await {
                tracing::warn!(error = format!("{error:#}"), "could not purge e-mailed links");
            }
            // GATEHOUSE_AUDIT_RETENTION_DAYS.
            let kept_since = clock::now_micros() - state.settings.audit_retention_days * 86_400 * 1_000_000;
            if let Err(error) = state.store.purge_audit_events(kept_since).await {
                tracing::warn!(error = format!("{error:#}"), "could not purge old audit events");
            }
        }
    });
}
