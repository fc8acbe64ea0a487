//! Identity providers: sending a person to a provider (the authorization URL, with a `state`, a
//! nonce and a PKCE challenge) and reading who they are from the provider's answer. OpenID
//! Connect providers are found by discovery and their ID tokens checked by the `openidconnect`
//! crate; GitHub speaks plain OAuth 2.0 and names the person through its REST API.
//!
//! The HTTP client to providers follows no redirects and gives up after ten seconds, so a
//! provider can neither send Gatehouse's requests elsewhere nor hold a sign-in open.

pub mod github;
pub mod oidc;

use std::time::Duration;

use secrecy::ExposeSecret;

use crate::configuration::providers::{ClientSecret, Protocol, Provider as ProviderSetting};

/// How long a request to a provider may take, and to connect.
const TIMEOUT: Duration = Duration::from_secs(10);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Who a provider says the person is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Identity {
    /// The provider's stable id of the person (`sub`, GitHub's numeric id).
    pub subject: String,
    pub email: Option<String>,
    /// Whether the provider vouches that the person owns `email`.
    pub email_verified: bool,
    pub first_name: String,
    pub last_name: String,
    /// The name the person goes by at the provider, a starting point for a username.
    pub preferred_username: Option<String>,
}

/// A sign-in sent to a provider: where to send the person, and what must come back with them.
pub struct Begun {
    pub authorization_url: String,
    pub state: String,
    pub nonce: String,
    pub pkce_verifier: String,
}

/// Why a provider did not say who the person is, in words for them.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ProviderError(pub String);

impl ProviderError {
    /// "Signing in with {title} failed: {why}."
    fn failed(title: &str, why: &str) -> Self {
        Self(format!("Signing in with {title} failed: {why}."))
    }

    /// The provider refused the code: its error code and description.
    fn code_refused(title: &str, error: &str, description: Option<&str>) -> Self {
        let described = description.map(|text| format!(": {text}")).unwrap_or_default();
        Self::failed(title, &format!("it refused the code ({error}{described})"))
    }
}

/// One configured provider.
pub struct Provider {
    pub name: String,
    pub title: String,
    kind: Kind,
}

enum Kind {
    OpenIdConnect(Box<oidc::OpenIdConnect>),
    GitHub(github::GitHub),
}

/// The configured providers and the HTTP client that reaches them.
pub struct Providers {
    providers: Vec<Provider>,
    http: reqwest::Client,
}

impl Providers {
    pub fn new(settings: &[ProviderSetting]) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(TIMEOUT)
            .connect_timeout(CONNECT_TIMEOUT)
            .user_agent(concat!("gatehouse/", env!("CARGO_PKG_VERSION")))
            .build()?;
        let providers = settings
            .iter()
            .map(|setting| {
                let kind = match &setting.protocol {
                    Protocol::OpenIdConnect { issuer } => {
                        Kind::OpenIdConnect(Box::new(oidc::OpenIdConnect::new(setting, issuer)?))
                    }
                    Protocol::GitHub => {
                        let ClientSecret::Static(secret) = &setting.client_secret else {
                            anyhow::bail!("GitHub takes a client secret");
                        };
                        let secret = secret.expose_secret().to_owned();
                        Kind::GitHub(github::GitHub::new(
                            &setting.title,
                            setting.client_id.clone(),
                            secret,
                            &setting.scopes,
                        ))
                    }
                };
                Ok(Provider { name: setting.name.clone(), title: setting.title.clone(), kind })
            })
            .collect::<anyhow::Result<_>>()?;
        Ok(Self { providers, http })
    }

    pub fn get(&self, name: &str) -> Option<&Provider> {
        self.providers.iter().find(|provider| provider.name == name)
    }

    pub fn all(&self) -> &[Provider] {
        &self.providers
    }

    /// Sends a person to `provider`, to come back to `redirect_uri`.
    pub async fn begin(&self, provider: &Provider, redirect_uri: &str) -> Result<Begun, ProviderError> {
        match &provider.kind {
            Kind::OpenIdConnect(oidc) => oidc.begin(&self.http, redirect_uri).await,
            Kind::GitHub(github) => github.begin(redirect_uri),
        }
    }

    /// Who the person is, from the `code` the provider sent them back with.
    pub async fn finish(
        &self,
        provider: &Provider,
        code: &str,
        redirect_uri: &str,
        nonce: &str,
        pkce_verifier: &str,
    ) -> Result<Identity, ProviderError> {
        match &provider.kind {
            Kind::OpenIdConnect(oidc) => oidc.finish(&self.http, code, redirect_uri, nonce, pkce_verifier).await,
            Kind::GitHub(github) => github.finish(&self.http, code, redirect_uri, pkce_verifier).await,
        }
    }
}

/// The words of a failed request to a provider (never its URL's secrets: reqwest leaves the
/// query string out of its errors only when asked, so the error's kind is told instead).
fn unreachable(title: &str, error: &reqwest::Error) -> ProviderError {
    let why = if error.is_timeout() {
        "it did not answer in time"
    } else if error.is_connect() {
        "it could not be reached"
    } else if error.is_redirect() || error.status().is_some_and(|status| status.is_redirection()) {
        "it answered with a redirect"
    } else {
        "its answer could not be read"
    };
    ProviderError::failed(title, why)
}
