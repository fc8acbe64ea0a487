//! What every handler shares, built once at start-up.

use std::sync::Arc;

use crate::auth::factor_keys::FactorKeys;
use crate::auth::jwt::JwtCodec;
use crate::auth::passkeys::Passkeys;
use crate::auth::password::Passwords;
use crate::auth::reset_tokens::TokenGenerator;
use crate::configuration::{Features, Settings};
use crate::domain::password_policy::PasswordPolicy;
use crate::email::Emails;
use crate::i18n::Languages;
use crate::providers::Providers;
use crate::revocation::Revocations;
use crate::store::Store;
use crate::throttle::Throttle;

pub struct AppState {
    pub settings: Settings,
    pub store: Store,
    pub jwt: JwtCodec,
    pub passwords: Passwords,
    pub policy: PasswordPolicy,
    pub reset_tokens: TokenGenerator,
    pub emails: Arc<Emails>,
    pub throttle: Throttle,
    /// Sessions known to have ended, for the access tokens that name them.
    pub revocations: Arc<Revocations>,
    /// The language of answers and e-mails.
    pub languages: Languages,
    /// The keys that seal second factors' secrets and digest recovery codes.
    pub factor_keys: FactorKeys,
    /// The relying party of passkeys: none when the frontend is reached by IP address.
    pub passkeys: Option<Passkeys>,
    /// The identity providers people may sign in with.
    pub providers: Providers,
}

impl AppState {
    pub fn new(settings: Settings, store: Store) -> anyhow::Result<Self> {
        let features = &settings.features;
        let jwt = JwtCodec::new(settings.secret(), features.access_token_lifetime, features.refresh_token_lifetime);
        let reset_tokens = TokenGenerator::new(settings.secret(), features.password_reset_timeout);
        let hashing_slots = std::thread::available_parallelism().map(usize::from).unwrap_or(2);
        let languages = Languages::new(&settings.language_code, settings.use_accept_language)?;
        let store = store.with_webhooks(settings.webhooks.subscriptions.clone());
        Ok(Self {
            emails: Arc::new(Emails::new(&settings, reset_tokens.clone(), languages.clone())?),
            languages,
            factor_keys: FactorKeys::new(settings.secret()),
            passkeys: Passkeys::for_frontend(&settings.frontend_url, &settings.site_name)?,
            providers: Providers::new(&settings.providers.providers)?,
            jwt,
            passwords: Passwords::with_policy(hashing_slots, features.hashing),
            policy: PasswordPolicy::load(),
            reset_tokens,
            throttle: Throttle::new(settings.throttling.clone(), store.clone()),
            revocations: Revocations::new(),
            store,
            settings,
        })
    }

    pub fn features(&self) -> &Features {
        &self.settings.features
    }
}
