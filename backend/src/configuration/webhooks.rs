//! Webhooks: where audit events are posted, which of them, and the secret that signs them
//! (the Standard Webhooks scheme: `whsec_` and the key in base64).

use std::time::Duration;

use anyhow::{bail, Context};
use base64::Engine;
use secrecy::SecretSlice;

use super::Source;
use crate::domain::audit::{EventFilter, Subscriptions};

/// The webhook settings, read once.
#[derive(Debug, Clone)]
pub struct WebhookSettings {
    pub subscriptions: Subscriptions,
    /// The signing key (the part after `whsec_`, decoded); set whenever URLs are.
    pub secret: Option<SecretSlice<u8>>,
    /// Attempts before a webhook is marked failed (listed by `gatehouse outbox`).
    pub max_attempts: i64,
    /// How long one delivery may take.
    pub timeout: Duration,
}

/// The shortest and longest signing keys, in bytes (Standard Webhooks: 24 to 64).
const KEY_BYTES: std::ops::RangeInclusive<usize> = 24..=64;

impl WebhookSettings {
    pub fn from_source(source: &Source) -> anyhow::Result<Self> {
        let urls = source.list("WEBHOOK_URLS", "");
        for url in &urls {
            let parsed = url::Url::parse(url).ok().filter(|parsed| matches!(parsed.scheme(), "http" | "https"));
            if parsed.is_none() {
                bail!("GATEHOUSE_WEBHOOK_URLS: {url:?} is not an http:// or https:// URL");
            }
        }
        let events = source.list("WEBHOOK_EVENTS", "");
        let filter = if events.is_empty() {
            None
        } else {
            Some(EventFilter::parse(&events).map_err(|name| {
                anyhow::anyhow!(
                    "GATEHOUSE_WEBHOOK_EVENTS: {name:?} names no event (the README lists them; a name may end in *)"
                )
            })?)
        };
        let secret = match source.get("WEBHOOK_SECRET") {
            Some(text) => Some(signing_key(&text)?),
            None if urls.is_empty() => None,
            None => bail!(
                "GATEHOUSE_WEBHOOK_SECRET: required with GATEHOUSE_WEBHOOK_URLS, as whsec_ and 24 to 64 bytes in base64"
            ),
        };
        Ok(Self {
            subscriptions: Subscriptions { urls, filter },
            secret,
            max_attempts: source.integer("WEBHOOK_MAX_ATTEMPTS", 30, 1, "attempts")?,
            timeout: source.duration_seconds("WEBHOOK_TIMEOUT", 10)?,
        })
    }
}

/// The key of a `whsec_<base64>` secret.
fn signing_key(text: &str) -> anyhow::Result<SecretSlice<u8>> {
    let encoded =
        text.trim().strip_prefix("whsec_").context("GATEHOUSE_WEBHOOK_SECRET: expected whsec_<base64 key>")?;
    let key = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .ok()
        .filter(|key| KEY_BYTES.contains(&key.len()))
        .context("GATEHOUSE_WEBHOOK_SECRET: expected whsec_ and 24 to 64 bytes in base64")?;
    Ok(SecretSlice::from(key))
}

#[cfg(test)]
mod tests {
    use secrecy::ExposeSecret;

    use super::*;

    fn settings(pairs: &[(&str, &str)]) -> anyhow::Result<WebhookSettings> {
        WebhookSettings::from_source(&Source::from_pairs(
            pairs.iter().map(|(name, value)| (format!("GATEHOUSE_{name}"), *value)),
        ))
    }

    #[test]
    fn without_urls_nothing_is_needed() {
        let webhooks = settings(&[]).unwrap();
        assert!(webhooks.subscriptions.urls.is_empty());
        assert!(webhooks.secret.is_none());
    }

    #[test]
    fn urls_need_a_secret_of_the_standard_form() {
        let url = ("WEBHOOK_URLS", "https://hooks.example/a");
        assert!(settings(&[url]).unwrap_err().to_string().starts_with("GATEHOUSE_WEBHOOK_SECRET: required"));
        assert!(settings(&[url, ("WEBHOOK_SECRET", "hunter2")]).is_err());
        assert!(settings(&[url, ("WEBHOOK_SECRET", "whsec_c2hvcnQ=")]).is_err());
        let key = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let webhooks = settings(&[url, ("WEBHOOK_SECRET", key)]).unwrap();
        assert_eq!(webhooks.secret.unwrap().expose_secret().len(), 24);
    }

    #[test]
    fn a_bad_url_or_event_name_stops_start_up_naming_it() {
        let error = settings(&[("WEBHOOK_URLS", "ftp://x")]).unwrap_err().to_string();
        assert!(error.contains("\"ftp://x\""), "{error}");
        let error = settings(&[("WEBHOOK_EVENTS", "user.registerd")]).unwrap_err().to_string();
        assert!(error.contains("\"user.registerd\""), "{error}");
    }
}
