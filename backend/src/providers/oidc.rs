//! An OpenID Connect provider: discovery (kept for an hour, and fetched again when an ID token
//! is signed by a key it does not list), the authorization code flow with PKCE and a nonce, and
//! the ID token's checks (signature, issuer, audience, expiry, nonce). The e-mail address is
//! read from the userinfo endpoint when the ID token does not carry it. The client proves itself
//! with its secret, or (Apple) with a JWT signed by the team's key for each request, in the way
//! the provider's discovery document lists (HTTP Basic, else in the body).

use std::borrow::Cow;
use std::time::{Duration, Instant};

use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreClientAuthMethod, CoreGenderClaim, CoreIdTokenClaims, CoreProviderMetadata,
    CoreUserInfoClaims,
};
use openidconnect::{
    AuthType, AuthorizationCode, ClaimsVerificationError, ClientId, ClientSecret, CsrfToken, EndpointMaybeSet,
    EndpointNotSet, EndpointSet, IssuerUrl, Nonce, OAuth2TokenResponse, PkceCodeChallenge, PkceCodeVerifier,
    RedirectUrl, RequestTokenError, Scope, SignatureVerificationError, StandardClaims, TokenResponse,
};
use tokio::sync::RwLock;

use secrecy::ExposeSecret;

use super::{Begun, Identity, ProviderError};
use crate::auth::es256::SigningKey;
use crate::clock;
use crate::configuration::providers::{ClientSecret as Secret, Provider as Setting, APPLE_ISSUER};

/// A client made from a discovery document.
type Client =
    CoreClient<EndpointSet, EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointMaybeSet, EndpointMaybeSet>;

/// How long a discovery document is kept before it is fetched again.
const DISCOVERY_LIFETIME: Duration = Duration::from_secs(3600);

/// How long Apple's client secret lives: it is made for each request.
const APPLE_SECRET_SECONDS: i64 = 300;

/// The client's proof at the token endpoint.
enum Proof {
    Secret(ClientSecret),
    /// Apple's: the team, the key's id and the key.
    AppleKey {
        team_id: String,
        key_id: String,
        key: SigningKey,
    },
}

pub struct OpenIdConnect {
    title: String,
    issuer: IssuerUrl,
    client_id: ClientId,
    proof: Proof,
    scopes: Vec<Scope>,
    response_mode: Option<String>,
    discovered: RwLock<Option<(CoreProviderMetadata, Instant)>>,
}

impl OpenIdConnect {
    pub fn new(setting: &Setting, issuer: &str) -> anyhow::Result<Self> {
        let proof = match &setting.client_secret {
            Secret::Static(secret) => Proof::Secret(ClientSecret::new(secret.expose_secret().to_owned())),
            Secret::AppleKey { team_id, key_id, private_key } => Proof::AppleKey {
                team_id: team_id.clone(),
                key_id: key_id.clone(),
                key: SigningKey::from_pem(private_key.expose_secret()).map_err(anyhow::Error::msg)?,
            },
        };
        let scopes = setting.scopes.iter().filter(|scope| *scope != "openid").map(|scope| Scope::new(scope.clone()));
        Ok(Self {
            title: setting.title.clone(),
            issuer: IssuerUrl::new(issuer.to_owned())?,
            client_id: ClientId::new(setting.client_id.clone()),
            proof,
            scopes: scopes.collect(),
            response_mode: setting.response_mode.clone(),
            discovered: RwLock::new(None),
        })
    }

    /// A client of the provider's current discovery document; `fresh` fetches it again.
    async fn client(&self, http: &reqwest::Client, fresh: bool) -> Result<Client, ProviderError> {
        let cached = match fresh {
            true => None,
            false => self.discovered.read().await.clone(),
        };
        let metadata = match cached {
            Some((metadata, fetched)) if fetched.elapsed() < DISCOVERY_LIFETIME => metadata,
            _ => {
                let found = CoreProviderMetadata::discover_async(self.issuer.clone(), http).await;
                let metadata = found.map_err(|error| {
                    tracing::warn!(provider = %self.title, error = %error, "an identity provider's discovery failed");
                    self.failed("its configuration could not be read")
                })?;
                *self.discovered.write().await = Some((metadata.clone(), Instant::now()));
                metadata
            }
        };
        // HTTP Basic unless the provider only takes the secret in the body (Apple).
        let methods = metadata.token_endpoint_auth_methods_supported().cloned().unwrap_or_default();
        let in_body = !methods.is_empty()
            && !methods.contains(&CoreClientAuthMethod::ClientSecretBasic)
            && methods.contains(&CoreClientAuthMethod::ClientSecretPost);
        let client = CoreClient::from_provider_metadata(metadata, self.client_id.clone(), Some(self.secret()));
        Ok(if in_body { client.set_auth_type(AuthType::RequestBody) } else { client })
    }

    /// The client secret: the configured one, or a fresh JWT signed with Apple's key.
    fn secret(&self) -> ClientSecret {
        match &self.proof {
            Proof::Secret(secret) => secret.clone(),
            Proof::AppleKey { team_id, key_id, key } => {
                let now = clock::now_seconds();
                let claims = serde_json::json!({
                    "iss": team_id,
                    "iat": now,
                    "exp": now + APPLE_SECRET_SECONDS,
                    "aud": APPLE_ISSUER,
                    "sub": self.client_id.as_str(),
                });
                ClientSecret::new(key.sign(&serde_json::json!({ "kid": key_id }), &claims))
            }
        }
    }

    fn failed(&self, why: &str) -> ProviderError {
        ProviderError::failed(&self.title, why)
    }

    pub async fn begin(&self, http: &reqwest::Client, redirect_uri: &str) -> Result<Begun, ProviderError> {
        let client = self.client(http, false).await?;
        let redirect = redirect_url(redirect_uri)?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request = client
            .authorize_url(CoreAuthenticationFlow::AuthorizationCode, CsrfToken::new_random, Nonce::new_random)
            .add_scopes(self.scopes.iter().cloned())
            .set_pkce_challenge(challenge)
            .set_redirect_uri(Cow::Owned(redirect));
        if let Some(mode) = &self.response_mode {
            request = request.add_extra_param("response_mode", mode.clone());
        }
        let (url, state, nonce) = request.url();
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
                let error = refusal.error().to_string();
                let description = refusal.error_description().map(String::as_str);
                return Err(ProviderError::code_refused(&self.title, &error, description));
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

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    use secrecy::SecretString;

    use crate::configuration::providers::Protocol;

    use crate::auth::es256::TEST_KEY as KEY;

    #[test]
    fn apples_client_secret_is_a_short_lived_jwt_of_the_team_for_the_client() {
        let setting = Setting {
            name: "apple".into(),
            title: "Apple".into(),
            protocol: Protocol::OpenIdConnect { issuer: APPLE_ISSUER.into() },
            client_id: "com.example.web".into(),
            client_secret: Secret::AppleKey {
                team_id: "TEAM123456".into(),
                key_id: "KEY1234567".into(),
                private_key: SecretString::from(KEY),
            },
            scopes: vec!["openid".into(), "email".into()],
            response_mode: Some("form_post".into()),
        };
        let apple = OpenIdConnect::new(&setting, APPLE_ISSUER).unwrap();
        let secret = apple.secret();
        let parts: Vec<&str> = secret.secret().split('.').collect();
        let decode = |part: &str| -> serde_json::Value {
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
        };
        assert_eq!(decode(parts[0]), serde_json::json!({"kid": "KEY1234567", "alg": "ES256"}));
        let claims = decode(parts[1]);
        assert_eq!(claims["iss"], "TEAM123456");
        assert_eq!(claims["sub"], "com.example.web");
        assert_eq!(claims["aud"], APPLE_ISSUER);
        assert_eq!(claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(), APPLE_SECRET_SECONDS);
    }
}
