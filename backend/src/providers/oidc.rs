//! An OpenID Connect provider: discovery (kept for an hour, and fetched again when an ID token
//! is signed by a key it does not list), the authorization code flow with PKCE and a nonce, and
//! the ID token's checks (signature, issuer, audience, expiry, nonce). The e-mail address is
//! read from the userinfo endpoint when the ID token does not carry it.

use std::borrow::Cow;
use std::time::{Duration, Instant};

use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreGenderClaim, CoreIdTokenClaims, CoreProviderMetadata, CoreUserInfoClaims,
};
use openidconnect::{
    AuthorizationCode, ClaimsVerificationError, ClientId, ClientSecret, CsrfToken, EndpointMaybeSet, EndpointNotSet,
    EndpointSet, IssuerUrl, Nonce, OAuth2TokenResponse, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl,
    RequestTokenError, Scope, SignatureVerificationError, StandardClaims, TokenResponse,
};
use tokio::sync::RwLock;

use super::{Begun, Identity, ProviderError};

/// A client made from a discovery document.
type Client =
    CoreClient<EndpointSet, EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointMaybeSet, EndpointMaybeSet>;

/// How long a discovery document is kept before it is fetched again.
const DISCOVERY_LIFETIME: Duration = Duration::from_secs(3600);

pub struct OpenIdConnect {
    title: String,
    issuer: IssuerUrl,
    client_id: ClientId,
    client_secret: ClientSecret,
    scopes: Vec<Scope>,
    discovered: RwLock<Option<(Client, Instant)>>,
}

impl OpenIdConnect {
    pub fn new(
        title: &str,
        issuer: &str,
        client_id: String,
        client_secret: String,
        scopes: &[String],
    ) -> anyhow::Result<Self> {
        Ok(Self {
            title: title.to_owned(),
            issuer: IssuerUrl::new(issuer.to_owned())?,
            client_id: ClientId::new(client_id),
            client_secret: ClientSecret::new(client_secret),
            scopes: scopes.iter().filter(|scope| *scope != "openid").map(|scope| Scope::new(scope.clone())).collect(),
            discovered: RwLock::new(None),
        })
    }

    /// The client of the provider's current discovery document; `fresh` fetches it again.
    async fn client(&self, http: &reqwest::Client, fresh: bool) -> Result<Client, ProviderError> {
        if !fresh {
            if let Some((client, fetched)) = &*self.discovered.read().await {
                if fetched.elapsed() < DISCOVERY_LIFETIME {
                    return Ok(client.clone());
                }
            }
        }
        let metadata = CoreProviderMetadata::discover_async(self.issuer.clone(), http).await.map_err(|error| {
            tracing::warn!(provider = %self.title, error = %error, "an identity provider's discovery failed");
            self.failed("its configuration could not be read")
        })?;
        let client =
            CoreClient::from_provider_metadata(metadata, self.client_id.clone(), Some(self.client_secret.clone()));
        *self.discovered.write().await = Some((client.clone(), Instant::now()));
        Ok(client)
    }

    fn failed(&self, why: &str) -> ProviderError {
        ProviderError(format!("Signing in with {} failed: {why}.", self.title))
    }

    pub async fn begin(&self, http: &reqwest::Client, redirect_uri: &str) -> Result<Begun, ProviderError> {
        let client = self.client(http, false).await?;
        let redirect = redirect_url(redirect_uri)?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let (url, state, nonce) = client
            .authorize_url(CoreAuthenticationFlow::AuthorizationCode, CsrfToken::new_random, Nonce::new_random)
            .add_scopes(self.scopes.iter().cloned())
            .set_pkce_challenge(challenge)
            .set_redirect_uri(Cow::Owned(redirect))
            .url();
        Ok(Begun {
            authorization_url: url.into(),
            state: state.secret().clone(),
            nonce: nonce.secret().clone(),
            pkce_verifier: verifier.secret().clone(),
        })
    }

    pub async fn finish(
        &self,
        http: &reqwest::Client,
        code: &str,
        redirect_uri: &str,
        nonce: &str,
        pkce_verifier: &str,
    ) -> Result<Identity, ProviderError> {
        let client = self.client(http, false).await?;
        let exchanged = client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .map_err(|_| self.failed("it has no token endpoint"))?
            .set_pkce_verifier(PkceCodeVerifier::new(pkce_verifier.to_owned()))
            .set_redirect_uri(Cow::Owned(redirect_url(redirect_uri)?))
            .request_async(http)
            .await;
        let tokens = match exchanged {
            Ok(tokens) => tokens,
            Err(RequestTokenError::ServerResponse(refusal)) => {
                let described = refusal.error_description().map(|text| format!(": {text}")).unwrap_or_default();
                return Err(self.failed(&format!("it refused the code ({}{described})", refusal.error())));
            }
            Err(RequestTokenError::Request(error)) => {
                tracing::warn!(provider = %self.title, error = %error, "an identity provider's token request failed");
                return Err(self.failed("it could not be reached"));
            }
            Err(error) => {
                tracing::warn!(provider = %self.title, error = %error, "an identity provider's token answer");
                return Err(self.failed("its answer could not be read"));
            }
        };
        let id_token = tokens.id_token().ok_or_else(|| self.failed("it sent no ID token"))?;
        let nonce = Nonce::new(nonce.to_owned());
        let claims = match id_token.claims(&client.id_token_verifier(), &nonce) {
            Ok(claims) => claims.clone(),
            // Keys are rotated: fetch the provider's keys again, once, and check again.
            Err(ClaimsVerificationError::SignatureVerification(SignatureVerificationError::NoMatchingKey)) => {
                let client = self.client(http, true).await?;
                let verifier = client.id_token_verifier();
                let claims = id_token.claims(&verifier, &nonce).map_err(|error| self.refused(error))?.clone();
                claims
            }
            Err(error) => return Err(self.refused(error)),
        };
        let mut identity = identity_of(&claims);
        if identity.email.is_none() {
            // Some providers keep the e-mail address for the userinfo endpoint.
            let asked = client.user_info(tokens.access_token().clone(), Some(claims.subject().clone()));
            if let Ok(request) = asked {
                let info: Result<CoreUserInfoClaims, _> = request.request_async(http).await;
                match info {
                    Ok(info) => fill_from(&mut identity, info.standard_claims()),
                    Err(error) => {
                        tracing::warn!(provider = %self.title, error = %error, "an identity provider's userinfo");
                    }
                }
            }
        }
        Ok(identity)
    }

    fn refused(&self, error: ClaimsVerificationError) -> ProviderError {
        tracing::info!(provider = %self.title, error = %error, "an ID token was refused");
        let why = match error {
            ClaimsVerificationError::InvalidNonce(_) => "the ID token was not made for this sign-in (nonce)",
            ClaimsVerificationError::Expired(_) => "the ID token has expired",
            ClaimsVerificationError::InvalidAudience(_) => "the ID token was made for another client",
            ClaimsVerificationError::InvalidIssuer(_) => "the ID token comes from another issuer",
            ClaimsVerificationError::SignatureVerification(_) => "the ID token's signature is not valid",
            _ => "the ID token is not valid",
        };
        self.failed(why)
    }
}

fn redirect_url(uri: &str) -> Result<RedirectUrl, ProviderError> {
    RedirectUrl::new(uri.to_owned()).map_err(|_| ProviderError("The redirect_uri is not a URL.".to_owned()))
}

fn identity_of(claims: &CoreIdTokenClaims) -> Identity {
    let mut identity = Identity { subject: claims.subject().as_str().to_owned(), ..Identity::default() };
    identity.email = claims.email().map(|email| email.as_str().to_owned());
    identity.email_verified = claims.email_verified().unwrap_or(false);
    identity.first_name =
        claims.given_name().and_then(|name| name.get(None)).map(|name| name.as_str().to_owned()).unwrap_or_default();
    identity.last_name =
        claims.family_name().and_then(|name| name.get(None)).map(|name| name.as_str().to_owned()).unwrap_or_default();
    identity.preferred_username = claims.preferred_username().map(|name| name.as_str().to_owned());
    identity
}

/// Takes what the ID token lacked from the userinfo endpoint's claims (same subject, which the
/// crate checks).
fn fill_from(identity: &mut Identity, claims: &StandardClaims<CoreGenderClaim>) {
    if let Some(email) = claims.email() {
        identity.email = Some(email.as_str().to_owned());
        identity.email_verified = claims.email_verified().unwrap_or(false);
    }
    if identity.first_name.is_empty() {
        identity.first_name = claims
            .given_name()
            .and_then(|name| name.get(None))
            .map(|name| name.as_str().to_owned())
            .unwrap_or_default();
    }
    if identity.last_name.is_empty() {
        identity.last_name = claims
            .family_name()
            .and_then(|name| name.get(None))
            .map(|name| name.as_str().to_owned())
            .unwrap_or_default();
    }
    if identity.preferred_username.is_none() {
        identity.preferred_username = claims.preferred_username().map(|name| name.as_str().to_owned());
    }
}
