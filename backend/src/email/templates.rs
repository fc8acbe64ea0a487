//! The e-mail templates: one `<kind>.txt` (subject on the first line, a blank line, then the
//! text) and one `<kind>.html` per message. The built-in copies can be replaced file by file
//! from `GATEHOUSE_EMAIL_TEMPLATES_DIR`. Placeholders: `{site_name}`, `{username}`, `{link}`,
//! and `{email}` (the account's address; for `email_changed`, the new one).
//!
//! Translations are in `templates/email/locale/<locale>/` (Djoser's and Django's catalogues'
//! sentences, written by `scripts/translations`), replaced the same way by
//! `<GATEHOUSE_EMAIL_TEMPLATES_DIR>/locale/<locale>/`.

mod built_in {
    include!(concat!(env!("OUT_DIR"), "/email_locales.rs"));
}

use std::path::Path;

use anyhow::{bail, Context as _};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmailKind {
    Activation,
    Confirmation,
    PasswordReset,
    PasswordChangedConfirmation,
    UsernameReset,
    UsernameChangedConfirmation,
    /// To the address an e-mail change replaced, with a link that takes the change back.
    EmailChanged,
    /// Notices of changes to second factors.
    SecondFactorAdded,
    SecondFactorRemoved,
    RecoveryCodesReplaced,
    /// Wrong codes in a row after a correct password (`flows::mfa::NOTICE_AFTER`).
    SecondStepsFailed,
}

impl EmailKind {
    const ALL: [EmailKind; 11] = [
        Self::Activation,
        Self::Confirmation,
        Self::PasswordReset,
        Self::PasswordChangedConfirmation,
        Self::UsernameReset,
        Self::UsernameChangedConfirmation,
        Self::EmailChanged,
        Self::SecondFactorAdded,
        Self::SecondFactorRemoved,
        Self::RecoveryCodesReplaced,
        Self::SecondStepsFailed,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Self::Activation => "activation",
            Self::Confirmation => "confirmation",
            Self::PasswordReset => "password_reset",
            Self::PasswordChangedConfirmation => "password_changed_confirmation",
            Self::UsernameReset => "username_reset",
            Self::UsernameChangedConfirmation => "username_changed_confirmation",
            Self::EmailChanged => "email_changed",
            Self::SecondFactorAdded => "second_factor_added",
            Self::SecondFactorRemoved => "second_factor_removed",
            Self::RecoveryCodesReplaced => "recovery_codes_replaced",
            Self::SecondStepsFailed => "second_steps_failed",
        }
    }

    fn built_in(self) -> (&'static str, &'static str) {
        macro_rules! files {
            ($name:literal) => {
                (
                    include_str!(concat!("../../templates/email/", $name, ".txt")),
                    include_str!(concat!("../../templates/email/", $name, ".html")),
                )
            };
        }
        match self {
            Self::Activation => files!("activation"),
            Self::Confirmation => files!("confirmation"),
            Self::PasswordReset => files!("password_reset"),
            Self::PasswordChangedConfirmation => files!("password_changed_confirmation"),
            Self::UsernameReset => files!("username_reset"),
            Self::UsernameChangedConfirmation => files!("username_changed_confirmation"),
            Self::EmailChanged => files!("email_changed"),
            Self::SecondFactorAdded => files!("second_factor_added"),
            Self::SecondFactorRemoved => files!("second_factor_removed"),
            Self::RecoveryCodesReplaced => files!("recovery_codes_replaced"),
            Self::SecondStepsFailed => files!("second_steps_failed"),
        }
    }
}

#[derive(Debug, Clone)]
struct Template {
    subject: String,
    text: String,
    html: String,
}

/// A message ready to be addressed and sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// What the templates may show.
pub struct Context<'a> {
    pub site_name: &'a str,
    pub username: &'a str,
    pub link: &'a str,
    pub email: &'a str,
}

#[derive(Debug, Clone)]
pub struct Templates {
    english: Vec<Template>,
    /// By (locale, kind name).
    translated: std::collections::HashMap<(String, &'static str), Template>,
}

/// A template from its two files' text.
fn template(kind: EmailKind, text: &str, html: String) -> anyhow::Result<Template> {
    let Some((subject, body)) = text.split_once('\n') else {
        bail!("the {} template needs a subject line, a blank line and a body", kind.name());
    };
    Ok(Template { subject: subject.trim().to_owned(), text: body.trim_start_matches(['\r', '\n']).to_owned(), html })
}

/// The file `name` of `dir`, if it is there.
fn read_if_present(dir: &Path, name: &str) -> anyhow::Result<Option<String>> {
    let path = dir.join(name);
    if !path.exists() {
        return Ok(None);
    }
    std::fs::read_to_string(&path).map(Some).with_context(|| format!("Failed to read {}", path.display()))
}

impl Templates {
    /// The built-in templates, each replaced by the same-named file of `dir` when present.
    pub fn load(dir: Option<&Path>) -> anyhow::Result<Self> {
        let mut english = Vec::new();
        for kind in EmailKind::ALL {
            let (text, html) = kind.built_in();
            let (mut text, mut html) = (text.to_owned(), html.to_owned());
            if let Some(dir) = dir {
                text = read_if_present(dir, &format!("{}.txt", kind.name()))?.unwrap_or(text);
                html = read_if_present(dir, &format!("{}.html", kind.name()))?.unwrap_or(html);
            }
            english.push(template(kind, &text, html)?);
        }
        let mut translated = std::collections::HashMap::new();
        for (locale, name, text, html) in built_in::LOCALE_TEMPLATES {
            let Some(kind) = EmailKind::ALL.into_iter().find(|kind| kind.name() == *name) else { continue };
            let (mut text, mut html) = ((*text).to_owned(), (*html).to_owned());
            if let Some(dir) = dir.map(|dir| dir.join("locale").join(locale)) {
                text = read_if_present(&dir, &format!("{name}.txt"))?.unwrap_or(text);
                html = read_if_present(&dir, &format!("{name}.html"))?.unwrap_or(html);
            }
            translated.insert(((*locale).to_owned(), kind.name()), template(kind, &text, html)?);
        }
        Ok(Self { english, translated })
    }

    /// The message of `kind` in the first of `locales` it is translated into, else in English.
    pub fn render_in<'l>(
        &self,
        kind: EmailKind,
        context: &Context<'_>,
        mut locales: impl Iterator<Item = &'l str>,
    ) -> Rendered {
        let translated = locales.find_map(|locale| self.translated.get(&(locale.to_owned(), kind.name())));
        self.fill_in(translated.unwrap_or_else(|| self.english_of(kind)), context)
    }

    fn english_of(&self, kind: EmailKind) -> &Template {
        &self.english[EmailKind::ALL.iter().position(|k| *k == kind).expect("every kind has a template")]
    }

    fn fill_in(&self, template: &Template, context: &Context<'_>) -> Rendered {
        Rendered {
            subject: fill(&template.subject, context),
            text: fill(&template.text, context),
            html: fill(&template.html, context),
        }
    }

    /// The English message of `kind`.
    #[cfg(test)]
    pub fn render(&self, kind: EmailKind, context: &Context<'_>) -> Rendered {
        self.fill_in(self.english_of(kind), context)
    }
}

/// Django escapes the site name and the username in every part, subject and text included;
/// the link is inserted as it is.
fn fill(template: &str, context: &Context<'_>) -> String {
    template
        .replace("{site_name}", &escape(context.site_name))
        .replace("{username}", &escape(context.username))
        .replace("{email}", &escape(context.email))
        .replace("{link}", context.link)
}

/// Django's `escape`.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_activation_email_reads_as_djoser_s() {
        let templates = Templates::load(None).unwrap();
        let rendered = templates.render(
            EmailKind::Activation,
            &Context { site_name: "Gatehouse", username: "alice", link: "http://x/activate/MQ/tok", email: "" },
        );
        assert_eq!(rendered.subject, "Account activation on Gatehouse");
        assert_eq!(
            rendered.text,
            "You're receiving this email because you need to finish activation process on Gatehouse.\n\n\
             Please go to the following page to activate account:\nhttp://x/activate/MQ/tok\n\n\
             Thanks for using our site!\n\nThe Gatehouse team\n"
        );
        assert!(rendered.html.contains(r#"<a href="http://x/activate/MQ/tok">http://x/activate/MQ/tok</a>"#));
    }

    #[test]
    fn site_name_and_username_are_escaped_everywhere() {
        let templates = Templates::load(None).unwrap();
        let rendered = templates.render(
            EmailKind::PasswordReset,
            &Context { site_name: "Tom & Jerry's", username: "a<b", link: "http://x/?a=1&b=2", email: "" },
        );
        assert_eq!(rendered.subject, "Password reset on Tom &amp; Jerry&#x27;s");
        assert!(rendered.text.contains("forgotten: a&lt;b"));
        assert!(rendered.text.contains("http://x/?a=1&b=2"));
    }

    #[test]
    fn a_templates_folder_overrides_single_files() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("confirmation.txt"), "Welcome to {site_name}\n\nHello {username}!\n").unwrap();
        let templates = Templates::load(Some(dir.path())).unwrap();
        let context = Context { site_name: "S", username: "u", link: "", email: "" };
        let rendered = templates.render(EmailKind::Confirmation, &context);
        assert_eq!(rendered.subject, "Welcome to S");
        assert_eq!(rendered.text, "Hello u!\n");
        assert_eq!(templates.render(EmailKind::Activation, &context).subject, "Account activation on S");
    }
}
