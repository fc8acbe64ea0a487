//! The identity providers' settings: each provider is named by its variables,
//! `GATEHOUSE_OIDC_<NAME>_CLIENT_ID`, `_CLIENT_SECRET`, `_ISSUER` (not needed by a preset),
//! `_SCOPES`, `_TITLE` and `_RESPONSE_MODE`, and `GATEHOUSE_OIDC_REDIRECT_URIS` lists where
//! people may be sent back (`{provider}` stands for the provider's name). Apple takes a signing
//! key (`_TEAM_ID`, `_KEY_ID`, `_PRIVATE_KEY`) in place of a secret.

use anyhow::{bail, Context};
use secrecy::SecretString;

use super::{Environment, Source};

/// How Gatehouse talks to a provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Protocol {
    /// OpenID Connect, found from its issuer's discovery document.
    OpenIdConnect { issuer: String },
    /// GitHub's OAuth 2.0, with its REST API for the person and their e-mail addresses.
    GitHub,
}

/// One configured provider.
#[derive(Debug, Clone)]
pub struct Provider {
    /// Lower case, as in `/auth/o/{name}/`.
    pub name: String,
    /// What people see: "Continue with {title}".
    pub title: String,
    pub protocol: Protocol,
    pub client_id: String,
    pub client_secret: ClientSecret,
    pub scopes: Vec<String>,
    /// How the provider sends its answer back: in the query string (`None`), or posted as a
    /// form (`form_post`, which Apple needs for names and addresses).
    pub response_mode: Option<String>,
}

/// How the client proves itself to the provider's token endpoint.
#[derive(Debug, Clone)]
pub enum ClientSecret {
    /// A secret the provider issued.
    Static(SecretString),
    /// Apple's: a short-lived JWT signed with the team's key (ES256), made for each request.
    AppleKey { team_id: String, key_id: String, private_key: SecretString },
}

/// Every provider, and the redirect URIs they may send people back to.
#[derive(Debug, Clone, Default)]
pub struct ProviderSettings {
    pub providers: Vec<Provider>,
    /// Patterns of allowed redirect URIs, `{provider}` standing for the provider's name.
    pub redirect_uris: Vec<String>,
}

/// A well-known provider: its name, title, protocol (issuer) and scopes.
struct Preset {
    name: &'static str,
    title: &'static str,
    issuer: Option<&'static str>,
    scopes: &'static str,
}

const OIDC_SCOPES: &str = "openid,email,profile";

const PRESETS: &[Preset] = &[
    Preset { name: "google", title: "Google", issuer: Some("https://accounts.google.com"), scopes: OIDC_SCOPES },
    // Personal Microsoft accounts; an organisation sets its own tenant's issuer.
    Preset {
        name: "microsoft",
        title: "Microsoft",
        issuer: Some("https://login.microsoftonline.com/9188040d-6c67-4c5b-b112-36a304b66dad/v2.0"),
        scopes: OIDC_SCOPES,
    },
    Preset { name: "apple", title: "Apple", issuer: Some(APPLE_ISSUER), scopes: "openid,email,name" },
    Preset { name: "github", title: "GitHub", issuer: None, scopes: "read:user,user:email" },
];

/// Apple's issuer: its client secret is a signed JWT, and its answer is posted.
pub const APPLE_ISSUER: &str = "https://appleid.apple.com";

/// The names of the presets, for messages.
const PRESET_NAMES: &str = "google, microsoft, apple, github";

impl ProviderSettings {
    pub fn from_source(source: &Source, frontend_url: &str, environment: Environment) -> anyhow::Result<Self> {
        let mut providers = Vec::new();
        for variable in source.names_starting_with("OIDC_") {
            let Some(upper) = variable.strip_prefix("OIDC_").and_then(|rest| rest.strip_suffix("_CLIENT_ID")) else {
                continue;
            };
            providers.push(provider(source, upper, environment)?);
        }
        let default_redirect = format!("{frontend_url}/o/{{provider}}/callback");
        let redirect_uris = source.list("OIDC_REDIRECT_URIS", &default_redirect);
        for uri in &redirect_uris {
            check_url(uri, "OIDC_REDIRECT_URIS", environment)?;
        }
        Ok(Self { providers, redirect_uris })
    }

    /// Whether people may be sent back to `uri` from `provider`: exactly one of the patterns.
    pub fn allows_redirect(&self, provider: &str, uri: &str) -> bool {
        self.redirect_uris.iter().any(|pattern| pattern.replace("{provider}", provider) == uri)
    }
}

fn provider(source: &Source, upper: &str, environment: Environment) -> anyhow::Result<Provider> {
    let setting = |suffix: &str| format!("OIDC_{upper}_{suffix}");
    let name = upper.to_ascii_lowercase();
    if !name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()) || name.is_empty() {
        bail!(
            "GATEHOUSE_{}: a provider's name is letters and digits (it names /auth/o/<name>/), got {upper:?}",
            setting("CLIENT_ID")
        );
    }
    let preset = PRESETS.iter().find(|preset| preset.name == name);
    let required = |suffix: &str| -> anyhow::Result<String> {
        match source.get(&setting(suffix)).map(|value| value.trim().to_owned()) {
            Some(value) if !value.is_empty() => Ok(value),
            _ => bail!("GATEHOUSE_{}: required for the identity provider {name:?}", setting(suffix)),
        }
    };
    let client_id = required("CLIENT_ID")?;
    let client_secret = if name == "apple" {
        // The .p8 file's text; a one-line variable may write its line breaks as \n.
        let private_key = required("PRIVATE_KEY")?.replace("\\n", "\n");
        crate::auth::es256::SigningKey::from_pem(&private_key).map_err(|error| {
            anyhow::anyhow!("GATEHOUSE_{}: not an ES256 private key in PEM form ({error})", setting("PRIVATE_KEY"))
        })?;
        ClientSecret::AppleKey {
            team_id: required("TEAM_ID")?,
            key_id: required("KEY_ID")?,
            private_key: SecretString::from(private_key),
        }
    } else {
        ClientSecret::Static(SecretString::from(required("CLIENT_SECRET")?))
    };
    let protocol = match (preset, source.get(&setting("ISSUER"))) {
        (Some(preset), None) if preset.issuer.is_none() => Protocol::GitHub,
        (Some(Preset { issuer: None, .. }), Some(_)) => {
            bail!("GATEHOUSE_{}: {name} is not OpenID Connect and takes no issuer", setting("ISSUER"))
        }
        (_, Some(issuer)) => Protocol::OpenIdConnect { issuer: issuer.trim().to_owned() },
        (Some(preset), None) => Protocol::OpenIdConnect { issuer: preset.issuer.unwrap_or_default().to_owned() },
        (None, None) => bail!(
            "GATEHOUSE_{}: required for the identity provider {name:?} (the presets, which know theirs, are \
             {PRESET_NAMES})",
            setting("ISSUER")
        ),
    };
    if let Protocol::OpenIdConnect { issuer } = &protocol {
        check_url(issuer, &setting("ISSUER"), environment)?;
    }
    let default_scopes = preset.map_or(OIDC_SCOPES, |preset| preset.scopes);
    let mut scopes = source.list(&setting("SCOPES"), default_scopes);
    if matches!(protocol, Protocol::OpenIdConnect { .. }) && !scopes.iter().any(|scope| scope == "openid") {
        scopes.insert(0, "openid".to_owned());
    }
    let default_mode = (name == "apple").then_some("form_post");
    let response_mode = match source.get(&setting("RESPONSE_MODE")).as_deref().or(default_mode).map(str::trim) {
        None | Some("query") => None,
        Some("form_post") => Some("form_post".to_owned()),
        Some(other) => bail!("GATEHOUSE_{}: expected query or form_post, got {other:?}", setting("RESPONSE_MODE")),
    };
    let title = source.get(&setting("TITLE")).unwrap_or_else(|| match preset {
        Some(preset) => preset.title.to_owned(),
        None => capitalised(&name),
    });
    Ok(Provider { name, title, protocol, client_id, client_secret, scopes, response_mode })
}

/// An `https://` URL, or in development an `http://` one (a provider or app on this machine).
fn check_url(url: &str, setting: &str, environment: Environment) -> anyhow::Result<()> {
    let parsed = url::Url::parse(url).with_context(|| format!("GATEHOUSE_{setting}: {url:?} is not a URL"))?;
    match parsed.scheme() {
        "https" => Ok(()),
        "http" if environment == Environment::Development || is_loopback(&parsed) => Ok(()),
        _ => bail!("GATEHOUSE_{setting}: expected an https:// URL, got {url:?}"),
    }
}

fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(domain)) => domain == "localhost",
        Some(url::Host::Ipv4(address)) => address.is_loopback(),
        Some(url::Host::Ipv6(address)) => address.is_loopback(),
        None => false,
    }
}

fn capitalised(name: &str) -> String {
    let mut chars = name.chars();
    chars.next().map(|first| first.to_ascii_uppercase().to_string() + chars.as_str()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(pairs: &[(&str, &str)]) -> anyhow::Result<ProviderSettings> {
        let source = Source::from_pairs(pairs.iter().map(|(name, value)| (format!("GATEHOUSE_{name}"), *value)));
        ProviderSettings::from_source(&source, "http://localhost:8000", Environment::Development)
    }

    #[test]
    fn a_provider_is_named_by_its_client_id_variable_and_a_preset_knows_its_issuer() {
        let found = settings(&[
            ("OIDC_GOOGLE_CLIENT_ID", "id"),
            ("OIDC_GOOGLE_CLIENT_SECRET", "secret"),
            ("OIDC_GITHUB_CLIENT_ID", "gh"),
            ("OIDC_GITHUB_CLIENT_SECRET", "gh-secret"),
            ("OIDC_ACME_CLIENT_ID", "acme"),
            ("OIDC_ACME_CLIENT_SECRET", "acme-secret"),
            ("OIDC_ACME_ISSUER", "https://login.acme.example"),
            ("OIDC_ACME_SCOPES", "email"),
        ])
        .unwrap();
        let names: Vec<_> = found.providers.iter().map(|p| (p.name.as_str(), p.title.as_str())).collect();
        assert_eq!(names, [("acme", "Acme"), ("github", "GitHub"), ("google", "Google")]);
        assert_eq!(
            found.providers[2].protocol,
            Protocol::OpenIdConnect { issuer: "https://accounts.google.com".into() }
        );
        assert_eq!(found.providers[1].protocol, Protocol::GitHub);
        assert_eq!(found.providers[0].scopes, ["openid", "email"], "openid is always asked for");
    }

    #[test]
    fn a_misconfigured_provider_stops_start_up_naming_it() {
        let missing = settings(&[("OIDC_ACME_CLIENT_ID", "acme"), ("OIDC_ACME_CLIENT_SECRET", "s")]).unwrap_err();
        assert!(missing
            .to_string()
            .starts_with("GATEHOUSE_OIDC_ACME_ISSUER: required for the identity provider \"acme\""));
        let secret = settings(&[("OIDC_GOOGLE_CLIENT_ID", "id")]).unwrap_err();
        assert!(secret.to_string().starts_with("GATEHOUSE_OIDC_GOOGLE_CLIENT_SECRET: required"));
        let issuer = settings(&[
            ("OIDC_ACME_CLIENT_ID", "a"),
            ("OIDC_ACME_CLIENT_SECRET", "s"),
            ("OIDC_ACME_ISSUER", "login.acme.example"),
        ])
        .unwrap_err();
        assert!(issuer.to_string().starts_with("GATEHOUSE_OIDC_ACME_ISSUER: \"login.acme.example\" is not a URL"));
        let github = settings(&[
            ("OIDC_GITHUB_CLIENT_ID", "a"),
            ("OIDC_GITHUB_CLIENT_SECRET", "s"),
            ("OIDC_GITHUB_ISSUER", "https://github.com"),
        ])
        .unwrap_err();
        assert!(github.to_string().contains("is not OpenID Connect"));
    }

    /// The tests' key, on one line as a variable may hold it.
    fn apple_key() -> String {
        crate::auth::es256::TEST_KEY.replace('\n', "\\n")
    }

    #[test]
    fn apple_takes_a_signing_key_in_place_of_a_secret_and_posts_its_answer() {
        let apple = settings(&[
            ("OIDC_APPLE_CLIENT_ID", "com.example.web"),
            ("OIDC_APPLE_TEAM_ID", "TEAM123456"),
            ("OIDC_APPLE_KEY_ID", "KEY1234567"),
            ("OIDC_APPLE_PRIVATE_KEY", &apple_key()),
        ])
        .unwrap();
        let apple = &apple.providers[0];
        assert_eq!(apple.protocol, Protocol::OpenIdConnect { issuer: APPLE_ISSUER.into() });
        assert!(matches!(&apple.client_secret, ClientSecret::AppleKey { team_id, .. } if team_id == "TEAM123456"));
        assert_eq!(apple.response_mode.as_deref(), Some("form_post"));
        assert_eq!(apple.scopes, ["openid", "email", "name"]);

        let no_key =
            settings(&[("OIDC_APPLE_CLIENT_ID", "a"), ("OIDC_APPLE_TEAM_ID", "T"), ("OIDC_APPLE_KEY_ID", "K")]);
        assert!(no_key.unwrap_err().to_string().starts_with("GATEHOUSE_OIDC_APPLE_PRIVATE_KEY: required"));
        let bad_key = settings(&[
            ("OIDC_APPLE_CLIENT_ID", "a"),
            ("OIDC_APPLE_TEAM_ID", "T"),
            ("OIDC_APPLE_KEY_ID", "K"),
            ("OIDC_APPLE_PRIVATE_KEY", "not a key"),
        ]);
        assert!(bad_key.unwrap_err().to_string().contains("not an ES256 private key"));
        let mode = settings(&[
            ("OIDC_ACME_CLIENT_ID", "a"),
            ("OIDC_ACME_CLIENT_SECRET", "s"),
            ("OIDC_ACME_ISSUER", "https://login.acme.example"),
            ("OIDC_ACME_RESPONSE_MODE", "fragment"),
        ]);
        assert!(mode.unwrap_err().to_string().contains("expected query or form_post"));
    }

    #[test]
    fn redirect_uris_default_to_the_apps_callback_page_and_match_exactly() {
        let found = settings(&[]).unwrap();
        assert!(found.allows_redirect("acme", "http://localhost:8000/o/acme/callback"));
        assert!(!found.allows_redirect("acme", "http://localhost:8000/o/acme/callback/"));
        assert!(!found.allows_redirect("acme", "http://localhost:8000/o/other/callback?acme"));
        let listed = settings(&[("OIDC_REDIRECT_URIS", "https://app.example/done, http://localhost:3000/cb")]).unwrap();
        assert!(listed.allows_redirect("acme", "https://app.example/done"));
        assert!(!listed.allows_redirect("acme", "http://localhost:8000/o/acme/callback"));
    }
}
