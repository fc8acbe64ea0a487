//! Where messages go: `.eml` files in an outbox folder, the console, or an SMTP server.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use lettre::address::Envelope;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use secrecy::ExposeSecret;

use crate::configuration::{EmailBackend, Settings};

#[derive(Clone)]
pub enum Transport {
    /// One RFC 5322 file per message (Django's file backend).
    Outbox(PathBuf),
    Console,
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
}

impl Transport {
    pub fn from_settings(settings: &Settings) -> anyhow::Result<Self> {
        Ok(match settings.email_backend {
            EmailBackend::Outbox => Self::Outbox(settings.email_outbox_dir.clone()),
            EmailBackend::Console => Self::Console,
            EmailBackend::Smtp => {
                let url = settings.smtp_url.as_ref().context("GATEHOUSE_SMTP_URL: required for the smtp backend")?;
                let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose_secret())
                    .context("GATEHOUSE_SMTP_URL: expected smtp://[user:pass@]host[:port][?tls=required|opportunistic] or smtps://…")?
                    .timeout(Some(Duration::from_secs(10)))
                    .build();
                Self::Smtp(transport)
            }
        })
    }

    pub fn name(&self) -> &'static str {
        match self {
            Self::Outbox(_) => "outbox",
            Self::Console => "console",
            Self::Smtp(_) => "smtp",
        }
    }

    /// Delivers one stored RFC 5322 message.
    pub async fn deliver(
        &self,
        sender: &str,
        recipient: &str,
        message: &[u8],
        deadline: Duration,
    ) -> anyhow::Result<()> {
        match self {
            Self::Outbox(dir) => {
                tokio::fs::create_dir_all(dir)
                    .await
                    .with_context(|| format!("Failed to create the outbox folder {}", dir.display()))?;
                let name = format!("{}-{}.eml", crate::clock::now_micros(), crate::auth::random::alphanumeric(8));
                // Written under a temporary name and renamed, so a reader never sees half a message.
                let partial = dir.join(format!(".{name}.partial"));
                tokio::fs::write(&partial, message)
                    .await
                    .with_context(|| format!("Failed to write {}", partial.display()))?;
                tokio::fs::rename(&partial, dir.join(&name)).await.context("Failed to finish an outbox file")?;
                Ok(())
            }
            Self::Console => {
                println!("{}", String::from_utf8_lossy(message));
                Ok(())
            }
            Self::Smtp(transport) => {
                // lettre bounds each command; this bounds the whole conversation, so a server
                // that stalls cannot hold a request for long.
                let envelope = Envelope::new(
                    Some(sender.parse().context("the sender is not an e-mail address")?),
                    vec![recipient.parse().context("the recipient is not an e-mail address")?],
                )
                .context("Failed to address the message")?;
                tokio::time::timeout(deadline, transport.send_raw(&envelope, message))
                    .await
                    .with_context(|| format!("The SMTP server did not finish within {} s", deadline.as_secs_f64()))?
                    .context("The SMTP server did not accept the message")?;
                Ok(())
            }
        }
    }
}
