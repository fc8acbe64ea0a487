//! Posting audit events to webhooks, signed the Standard Webhooks way: `webhook-id`,
//! `webhook-timestamp` (Unix seconds) and `webhook-signature: v1,<base64 HMAC-SHA256 of
//! "id.timestamp.body">`. The outbox worker (`email/worker.rs`) delivers them with the e-mails.

use std::time::Duration;

use anyhow::{bail, Context};
use base64::Engine;
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretSlice};
use sha2::Sha256;

use crate::clock;
use crate::configuration::webhooks::WebhookSettings;

/// The webhook sender: its HTTP client and signing key.
pub struct Webhooks {
    client: reqwest::Client,
    key: Option<SecretSlice<u8>>,
    pub max_attempts: i64,
}

/// `v1,<signature>` of one delivery.
pub fn signature(key: &[u8], id: &str, timestamp: i64, body: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.update(format!("{id}.{timestamp}.").as_bytes());
    mac.update(body.as_bytes());
    format!("v1,{}", base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes()))
}

/// A webhook's address as the log and the outbox's error show it: without a user, password,
/// query or fragment, where a receiver may keep a secret of its own.
pub fn shown(url: &str) -> String {
    let Ok(mut parsed) = url::Url::parse(url) else { return "(a webhook address that is not a URL)".to_owned() };
    let hidden = parsed.query().is_some() || parsed.fragment().is_some();
    let _ = parsed.set_username("");
    let _ = parsed.set_password(None);
    parsed.set_query(None);
    parsed.set_fragment(None);
    let mut shown = parsed.to_string();
    if hidden {
        shown.push_str("?…");
    }
    shown
}

impl Webhooks {
    pub fn new(settings: &WebhookSettings) -> anyhow::Result<Self> {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(settings.timeout)
            .connect_timeout(settings.timeout.min(Duration::from_secs(5)))
            .user_agent(concat!("gatehouse-webhooks/", env!("CARGO_PKG_VERSION")))
            .build()
            .context("Failed to build the webhooks' HTTP client")?;
        Ok(Self { client, key: settings.secret.clone(), max_attempts: settings.max_attempts })
    }

    /// Posts `body` to `url` as message `id`; any answer but 2xx is a failure to retry.
    pub async fn deliver(&self, url: &str, id: &str, body: &str) -> anyhow::Result<()> {
        let key = self.key.as_ref().context("no GATEHOUSE_WEBHOOK_SECRET to sign webhooks with")?;
        let timestamp = clock::now_seconds();
        let answer = self
            .client
            .post(url)
            .header("content-type", "application/json")
            .header("webhook-id", id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature(key.expose_secret(), id, timestamp, body))
            .body(body.to_owned())
            .send()
            .await
            .map_err(reqwest::Error::without_url)
            .with_context(|| format!("could not reach {}", shown(url)))?;
        let status = answer.status();
        if !status.is_success() {
            bail!("{} answered {status}", shown(url));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_webhook_address_is_shown_without_the_secrets_it_may_carry() {
        assert_eq!(shown("https://hooks.example.com/in"), "https://hooks.example.com/in");
        assert_eq!(shown("https://bot:s3cret@hooks.example.com/in?token=abc#x"), "https://hooks.example.com/in?…");
        assert_eq!(shown("not a url"), "(a webhook address that is not a URL)");
    }

    #[test]
    fn the_signature_is_the_standard_webhooks_one() {
        // The example of the Standard Webhooks specification.
        let key = base64::engine::general_purpose::STANDARD.decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let body = r#"{"test": 2432232314}"#;
        assert_eq!(
            signature(&key, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }
}
