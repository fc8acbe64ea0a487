//! The e-mails of the account flows: which link each carries and how it is addressed. Messages
//! are queued in the database with the change that causes them and delivered by the worker
//! (`worker.rs`), which retries failures; a failed delivery never undoes the change.

pub mod templates;
pub mod transport;
pub mod worker;

use std::sync::Arc;

use tokio::sync::Notify;

use anyhow::Context as _;
use lettre::message::{Mailbox, MultiPart};
use lettre::Message;

pub use templates::EmailKind;
use templates::{Context, Templates};
use transport::Transport;

use crate::auth::reset_tokens::{digest, encode_uid, TokenGenerator, TokenSubject};
use crate::clock;
use crate::configuration::Settings;
use crate::domain::user::User;
use crate::i18n::Languages;
use crate::store::links::LinkToken;
use crate::store::outbox::OutgoingEmail;

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
    email_revert_url: String,
    tokens: TokenGenerator,
    /// Messages are written in the language of the request that causes them.
    languages: Languages,
    /// Signalled when a message is queued, so the worker does not wait for its next poll.
    queued: Arc<Notify>,
}

impl Emails {
    pub fn new(settings: &Settings, tokens: TokenGenerator, languages: Languages) -> anyhow::Result<Self> {
        let from = settings.default_from_email.parse().with_context(|| {
            format!("GATEHOUSE_DEFAULT_FROM_EMAIL: not an e-mail address: {:?}", settings.default_from_email)
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
            email_revert_url: settings.features.email_revert_url.clone(),
            tokens,
            languages,
            queued: Arc::new(Notify::new()),
        })
    }

    /// The page a link of this kind opens, with a fresh uid and token, and the token as it is
    /// recorded; `None` for messages without a link.
    fn link(&self, kind: EmailKind, user: &User) -> Option<(String, LinkToken)> {
        let template = match kind {
            EmailKind::Activation => &self.activation_url,
            EmailKind::PasswordReset => &self.password_reset_confirm_url,
            EmailKind::UsernameReset => &self.username_reset_confirm_url,
            _ => return None,
        };
        let token = self.tokens.make_token(&TokenSubject::of(user), clock::now_seconds());
        let url = template.replace("{uid}", &encode_uid(user.id)).replace("{token}", &token);
        let recorded =
            LinkToken { digest: digest(&token), purpose: kind.name(), user_id: user.id, previous_email: None };
        Some((format!("{}/{}", self.frontend_url, url), recorded))
    }

    /// The message to `previous_email` after `user`'s address was changed from it: its link
    /// (a random token, recorded with the address) takes the change back.
    pub fn compose_email_changed(&self, user: &User, previous_email: &str) -> Option<OutgoingEmail> {
        if previous_email.is_empty() {
            return None;
        }
        let kind = EmailKind::EmailChanged;
        let token = crate::auth::random::alphanumeric(32);
        let url = self.email_revert_url.replace("{uid}", &encode_uid(user.id)).replace("{token}", &token);
        let recorded = LinkToken {
            digest: digest(&token),
            purpose: kind.name(),
            user_id: user.id,
            previous_email: Some(previous_email.to_owned()),
        };
        let link = format!("{}/{}", self.frontend_url, url);
        self.build(kind, user, previous_email, Some((link, recorded)))
    }

    /// The message of `kind` for `user`, ready to be queued with the change that causes it.
    /// Users without an e-mail address get nothing; an address that cannot be written in a
    /// message header is logged and skipped.
    pub fn compose(&self, kind: EmailKind, user: &User) -> Option<OutgoingEmail> {
        if user.email.is_empty() {
            return None;
        }
        self.build(kind, user, &user.email, self.link(kind, user))
    }

    /// The message of `kind` about `user`, to `recipient`, with its link (if any).
    fn build(
        &self,
        kind: EmailKind,
        user: &User,
        recipient: &str,
        link: Option<(String, LinkToken)>,
    ) -> Option<OutgoingEmail> {
        let (link, token) = link.unzip();
        let context = Context {
            site_name: &self.site_name,
            username: &user.username,
            link: link.as_deref().unwrap_or(""),
            email: &user.email,
        };
        let language = crate::i18n::current().unwrap_or_else(|| self.languages.default_language().clone());
        let rendered = self.templates.render_in(kind, &context, self.languages.locales(&language));
        let subject = rendered.subject.clone();
        match self.message(recipient, rendered) {
            Ok(message) => Some(OutgoingEmail {
                kind: kind.name(),
                user_id: Some(user.id),
                sender: self.from.email.to_string(),
                recipient: recipient.to_owned(),
                subject,
                message: String::from_utf8_lossy(&message.formatted()).into_owned(),
                link: token,
            }),
            Err(error) => {
                tracing::error!(
                    kind = kind.name(),
                    user_id = user.id,
                    recipient = ?recipient,
                    error = format!("{error:#}"),
                    "e-mail not queued"
                );
                None
            }
        }
    }

    /// `compose` for several users.
    pub fn compose_all(&self, kind: EmailKind, users: &[User]) -> Vec<OutgoingEmail> {
        users.iter().filter_map(|user| self.compose(kind, user)).collect()
    }

    /// Tells the delivery worker that messages were queued.
    pub fn wake(&self) {
        self.queued.notify_one();
    }

    pub fn transport(&self) -> &Transport {
        &self.transport
    }

    pub fn queued(&self) -> &Notify {
        &self.queued
    }

    fn message(&self, to: &str, rendered: templates::Rendered) -> anyhow::Result<Message> {
        let to: Mailbox = to.parse().with_context(|| format!("the recipient {to:?} cannot be addressed"))?;
        Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(rendered.subject)
            .multipart(MultiPart::alternative_plain_html(rendered.text, rendered.html))
            .context("Failed to build an e-mail")
    }
}
