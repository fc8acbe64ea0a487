//! The e-mails of the account flows: which link each carries, how it is addressed, and its
//! delivery. A failed delivery is logged with the recipient and the kind of message and never
//! undoes the change that caused it.

pub mod templates;
pub mod transport;

use anyhow::Context as _;
use lettre::message::{Mailbox, MultiPart};
use lettre::Message;

pub use templates::EmailKind;
use templates::{Context, Templates};
use transport::Transport;

use crate::auth::reset_tokens::{encode_uid, TokenGenerator};
use crate::clock;
use crate::configuration::Settings;
use crate::domain::user::User;

#[derive(Clone)]
pub struct Emails {
    transport: Transport,
    templates: Templates,
    from: Mailbox,
    frontend_url: String,
    site_name: String,
    activation_url: String,
    password_reset_confirm_url: String,
    username_reset_confirm_url: String,
    tokens: TokenGenerator,
}

impl Emails {
    pub fn new(settings: &Settings, tokens: TokenGenerator) -> anyhow::Result<Self> {
        let from = settings.default_from_email.parse().with_context(|| {
            format!(
                "GATEHOUSE_DEFAULT_FROM_EMAIL: not an e-mail address: {:?}",
                settings.default_from_email
            )
        })?;
        Ok(Self {
            transport: Transport::from_settings(settings)?,
            templates: Templates::load(settings.email_templates_dir.as_deref())?,
            from,
            frontend_url: settings.frontend_url.clone(),
            site_name: settings.site_name.clone(),
            activation_url: settings.features.activation_url.clone(),
            password_reset_confirm_url: settings.features.password_reset_confirm_url.clone(),
            username_reset_confirm_url: settings.features.username_reset_confirm_url.clone(),
            tokens,
        })
    }

    /// The page a link of this kind opens, with a fresh uid and token; `None` for messages
    /// without a link.
    pub fn link(&self, kind: EmailKind, user: &User) -> Option<String> {
        let template = match kind {
            EmailKind::Activation => &self.activation_url,
            EmailKind::PasswordReset => &self.password_reset_confirm_url,
            EmailKind::UsernameReset => &self.username_reset_confirm_url,
            _ => return None,
        };
        let token = self
            .tokens
            .make_token(&user.token_subject(), clock::now_seconds());
        let url = template
            .replace("{uid}", &encode_uid(user.id))
            .replace("{token}", &token);
        Some(format!("{}/{}", self.frontend_url, url))
    }

    /// Sends `kind` to `user`. Users without an e-mail address get nothing; a delivery failure
    /// is logged, not returned.
    pub async fn send(&self, kind: EmailKind, user: &User) {
        if user.email.is_empty() {
            return;
        }
        let link = self.link(kind, user).unwrap_or_default();
        let rendered = self.templates.render(
            kind,
            &Context {
                site_name: &self.site_name,
                username: &user.username,
                link: &link,
            },
        );
        let outcome = match self.message(&user.email, rendered) {
            Ok(message) => self.transport.deliver(message).await,
            Err(error) => Err(error),
        };
        match outcome {
            Ok(()) => tracing::info!(
                kind = kind.name(),
                user_id = user.id,
                backend = self.transport.name(),
                "e-mail sent"
            ),
            Err(error) => tracing::error!(
                kind = kind.name(),
                user_id = user.id,
                recipient = %user.email,
                error = format!("{error:#}"),
                "e-mail not delivered"
            ),
        }
    }

    fn message(&self, to: &str, rendered: templates::Rendered) -> anyhow::Result<Message> {
        let to: Mailbox = to
            .parse()
            .with_context(|| format!("the recipient {to:?} cannot be addressed"))?;
        Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(rendered.subject)
            .multipart(MultiPart::alternative_plain_html(
                rendered.text,
                rendered.html,
            ))
            .context("Failed to build an e-mail")
    }
}
