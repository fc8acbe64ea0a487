//! GitHub: OAuth 2.0 with PKCE (no OpenID Connect, no ID token). The person is GitHub's
//! numeric user id (a login can be renamed); the e-mail address is their primary one, and it
//! counts as verified only when GitHub says so.

use openidconnect::PkceCodeChallenge;
use serde::Deserialize;

use super::{unreachable, Begun, Identity, ProviderError};
use crate::auth::random;

const AUTHORIZE_URL: &str = "https://github.com/login/oauth/authorize";
const TOKEN_URL: &str = "https://github.com/login/oauth/access_token";
const USER_URL: &str = "https://api.github.com/user";
const EMAILS_URL: &str = "https://api.github.com/user/emails";
const API_VERSION: &str = "2022-11-28";

pub struct GitHub {
    title: String,
    client_id: String,
    client_secret: String,
    scopes: String,
}

/// The token endpoint's answer: a token, or (with status 200) an error.
#[derive(Deserialize)]
struct TokenAnswer {
    access_token: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

#[derive(Deserialize)]
struct User {
    id: i64,
    login: String,
    name: Option<String>,
}

#[derive(Deserialize)]
pub(crate) struct Email {
    email: String,
    primary: bool,
    verified: bool,
}

impl GitHub {
    pub fn new(title: &str, client_id: String, client_secret: String, scopes: &[String]) -> Self {
        Self { title: title.to_owned(), client_id, client_secret, scopes: scopes.join(" ") }
    }

    pub fn begin(&self, redirect_uri: &str) -> Result<Begun, ProviderError> {
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let state = random::alphanumeric(43);
        let mut url = url::Url::parse(AUTHORIZE_URL).expect("GitHub's authorization URL");
        url.query_pairs_mut()
            .append_pair("client_id", &self.client_id)
            .append_pair("redirect_uri", redirect_uri)
            .append_pair("scope", &self.scopes)
            .append_pair("state", &state)
            .append_pair("code_challenge", challenge.as_str())
            .append_pair("code_challenge_method", "S256");
        Ok(Begun {
            authorization_url: url.into(),
            state,
            nonce: String::new(),
            pkce_verifier: verifier.secret().clone(),
        })
    }

    pub async fn finish(
        &self,
        http: &reqwest::Client,
        code: &str,
        redirect_uri: &str,
        pkce_verifier: &str,
    ) -> Result<Identity, ProviderError> {
        let form = [
            ("client_id", self.client_id.as_str()),
            ("client_secret", self.client_secret.as_str()),
            ("code", code),
            ("redirect_uri", redirect_uri),
            ("code_verifier", pkce_verifier),
        ];
        let answer: TokenAnswer =
            self.read(http.post(TOKEN_URL).header("Accept", "application/json").form(&form)).await?;
        let token = match answer {
            TokenAnswer { access_token: Some(token), .. } => token,
            TokenAnswer { error, error_description, .. } => {
                let error = error.unwrap_or_else(|| "no token".to_owned());
                return Err(ProviderError::code_refused(&self.title, &error, error_description.as_deref()));
            }
        };
        let api = |url: &str| {
            http.get(url)
                .bearer_auth(&token)
                .header("Accept", "application/vnd.github+json")
                .header("X-GitHub-Api-Version", API_VERSION)
        };
        let user: User = self.read(api(USER_URL)).await?;
        let emails: Vec<Email> = self.read(api(EMAILS_URL)).await?;
        Ok(identity_of(user, &emails))
    }

    async fn read<T: serde::de::DeserializeOwned>(&self, request: reqwest::RequestBuilder) -> Result<T, ProviderError> {
        let response = request.send().await.map_err(|error| unreachable(&self.title, &error))?;
        let response = response.error_for_status().map_err(|error| unreachable(&self.title, &error))?;
        response.json().await.map_err(|error| unreachable(&self.title, &error))
    }
}

fn identity_of(user: User, emails: &[Email]) -> Identity {
    let primary = emails.iter().find(|email| email.primary);
    let (first_name, last_name) = match user.name.as_deref().map(str::trim) {
        Some(name) if !name.is_empty() => match name.rsplit_once(' ') {
            Some((first, last)) => (first.to_owned(), last.to_owned()),
            None => (name.to_owned(), String::new()),
        },
        _ => (String::new(), String::new()),
    };
    Identity {
        subject: user.id.to_string(),
        email: primary.map(|email| email.email.clone()),
        email_verified: primary.is_some_and(|email| email.verified),
        first_name,
        last_name,
        preferred_username: Some(user.login),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_person_is_githubs_numeric_id_with_the_primary_address_verified_only_when_github_says_so() {
        let user: User = serde_json::from_str(r#"{"id": 583231, "login": "octocat", "name": "The Octo Cat"}"#).unwrap();
        let emails: Vec<Email> = serde_json::from_str(
            r#"[{"email": "old@example.com", "primary": false, "verified": true, "visibility": null},
                {"email": "octo@example.com", "primary": true, "verified": false, "visibility": "public"}]"#,
        )
        .unwrap();
        let identity = identity_of(user, &emails);
        assert_eq!(identity.subject, "583231");
        assert_eq!(identity.email.as_deref(), Some("octo@example.com"));
        assert!(!identity.email_verified, "the primary address is not verified");
        assert_eq!((identity.first_name.as_str(), identity.last_name.as_str()), ("The Octo", "Cat"));
        assert_eq!(identity.preferred_username.as_deref(), Some("octocat"));
    }

    #[test]
    fn the_authorization_url_asks_for_the_scopes_with_a_pkce_challenge() {
        let github = GitHub::new("GitHub", "id".into(), "secret".into(), &["read:user".into(), "user:email".into()]);
        let begun = github.begin("https://app.example/o/github/callback").unwrap();
        let url = url::Url::parse(&begun.authorization_url).unwrap();
        let query: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
        assert_eq!(query["scope"], "read:user user:email");
        assert_eq!(query["state"], begun.state);
        assert_eq!(query["code_challenge_method"], "S256");
        assert!(!query.contains_key("client_secret"));
    }
}
