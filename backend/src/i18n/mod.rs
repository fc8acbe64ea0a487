//! The language of answers and e-mails, as a Django deployment of Djoser, DRF and SimpleJWT
//! chooses it: `GATEHOUSE_LANGUAGE_CODE` (Django's `LANGUAGE_CODE`) or, with
//! `GATEHOUSE_USE_ACCEPT_LANGUAGE`, the request's as `LocaleMiddleware` picks it
//! (`accept.rs`); the strings are those of the projects' own catalogues (`catalogue.rs`).
//!
//! Messages are English everywhere in the server; an answer's messages are translated when it
//! is rendered (`http::route`), by finding the catalogue entry each English message was made
//! from. The request's language is kept for the request's task, so that e-mails composed
//! while it runs are written in it too.

pub mod accept;
pub mod catalogue;
pub mod plural;

use std::future::Future;
use std::sync::Arc;

use catalogue::Catalogue;

/// A language an answer is given in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Language {
    /// As `Content-Language` shows it (`de`, `pt-br`, `en`).
    pub code: Arc<str>,
    /// The catalogue locale its strings come from (`de`, `pt_BR`); `None` when no catalogue
    /// exists for it.
    pub locale: Option<Arc<str>>,
}

impl Language {
    fn of(code: &str) -> Self {
        let code = code.to_ascii_lowercase();
        let locale = accept::to_locale(&code);
        let locale = Catalogue::get().known_locale(&locale).map(Arc::from);
        Self { code: code.into(), locale }
    }

    fn is_english(&self) -> bool {
        self.code.starts_with("en")
    }
}

tokio::task_local! {
    static CURRENT: Language;
}

/// Runs `work` (a request's handling) in `language`.
pub async fn speaking<F: Future>(language: Language, work: F) -> F::Output {
    CURRENT.scope(language, work).await
}

/// The language of the request being handled, if any.
pub fn current() -> Option<Language> {
    CURRENT.try_with(Clone::clone).ok()
}

/// The languages settings, read once.
#[derive(Debug, Clone)]
pub struct Languages {
    default: Language,
    use_accept_language: bool,
}

/// Djoser's "The two {0} fields didn't match.", formatted once in `LANGUAGE_CODE`'s language
/// when Djoser is imported, whatever a request's language.
const MISMATCH: &str = "The two {0} fields didn't match.";
/// DRF's throttled answer: two messages joined by a space, the second chosen by `wait == 1`.
const THROTTLED: &str = "Request was throttled.";
const WAIT_ONE: &str = "Expected available in {wait} second.";
const WAIT_MANY: &str = "Expected available in {wait} seconds.";
/// Messages with one value in them: the catalogue entry, its placeholder, and whether the
/// value is itself a message to translate (Django's verbose names).
const WITH_A_VALUE: &[(&str, &str, bool)] = &[
    ("Ensure this field has no more than {max_length} characters.", "{max_length}", false),
    ("\"{input}\" is not a valid choice.", "{input}", false),
    ("Invalid data. Expected a dictionary, but got {datatype}.", "{datatype}", false),
    ("Unsupported media type \"{media_type}\" in request.", "{media_type}", false),
    ("Method \"{method}\" not allowed.", "{method}", false),
    ("The password is too similar to the %(verbose_name)s.", "%(verbose_name)s", true),
];

impl Languages {
    /// `language_code` must be a language some catalogue exists for: Django refuses to start
    /// without one too.
    pub fn new(language_code: &str, use_accept_language: bool) -> anyhow::Result<Self> {
        let default = Language::of(language_code.trim());
        if default.locale.is_none() {
            anyhow::bail!(
                "GATEHOUSE_LANGUAGE_CODE: no translations exist for {language_code:?} (Django's LANGUAGE_CODE, e.g. \
                 en-us, de, pt-br)"
            );
        }
        Ok(Self { default, use_accept_language })
    }

    /// Whether answers say their language (`Content-Language`, `Vary: Accept-Language`).
    pub fn negotiates(&self) -> bool {
        self.use_accept_language
    }

    /// The language of a request with this `django_language` cookie and `Accept-Language`.
    pub fn for_request(&self, cookie: Option<&str>, accept_language: Option<&str>) -> Language {
        if !self.use_accept_language {
            return self.default.clone();
        }
        let code = accept::language_of_request(
            Catalogue::get(),
            cookie,
            accept_language.unwrap_or_default(),
            &self.default.code,
        );
        Language::of(&code)
    }

    pub fn default_language(&self) -> &Language {
        &self.default
    }

    /// Whether messages in `language` may differ from the English ones.
    pub fn translates(&self, language: &Language) -> bool {
        !(language.is_english() && self.default.is_english())
    }

    /// The locales to look a message up in for `language`, in order: its own, then (unless it
    /// is `LANGUAGE_CODE`'s or English) `LANGUAGE_CODE`'s, as Django's translation falls back.
    pub fn locales<'a>(&'a self, language: &'a Language) -> impl Iterator<Item = &'a str> {
        let fallback = (language != &self.default && !language.is_english()).then_some(&self.default);
        language.locale.as_deref().into_iter().chain(fallback.and_then(|default| default.locale.as_deref()))
    }

    fn lookup(&self, language: &Language, msgid: &str) -> Option<&'static str> {
        let catalogue = Catalogue::get();
        self.locales(language)
            .find_map(|locale| catalogue.messages.get(locale).and_then(|messages| messages.get(msgid)))
            .map(String::as_str)
    }

    /// `english`, a message the API sends, in `language`; `None` when it stays as it is.
    pub fn translate(&self, language: &Language, english: &str) -> Option<String> {
        if let Some(field) =
            english.strip_prefix("The two ").and_then(|rest| rest.strip_suffix(" fields didn't match."))
        {
            return self.lookup(&self.default, MISMATCH).map(|template| template.replace("{0}", field));
        }
        if let Some(translated) = self.lookup(language, english) {
            return Some(translated.to_owned());
        }
        if let Some(wait) = english.strip_prefix(THROTTLED) {
            return self.throttled(language, wait.trim_start());
        }
        if let Some(translated) = self.plural(language, english) {
            return Some(translated);
        }
        for (msgid, placeholder, value_is_message) in WITH_A_VALUE {
            let Some(value) = value_in(msgid, placeholder, english) else { continue };
            let template = self.lookup(language, msgid)?;
            let value = match value_is_message {
                true => self.lookup(language, value).unwrap_or(value),
                false => value,
            };
            return Some(template.replace(placeholder, value));
        }
        None
    }

    fn throttled(&self, language: &Language, wait: &str) -> Option<String> {
        let seconds = [(WAIT_ONE, true), (WAIT_MANY, false)].into_iter().find_map(|(msgid, one)| {
            value_in(msgid, "{wait}", wait).filter(|value| (*value == "1") == one).map(|value| (msgid, value))
        });
        let (msgid, value) = seconds?;
        let first = self.lookup(language, THROTTLED);
        let second = self.lookup(language, msgid);
        if first.is_none() && second.is_none() {
            return None;
        }
        let second = second.unwrap_or(msgid).replace("{wait}", value);
        Some(format!("{} {second}", first.unwrap_or(THROTTLED)))
    }

    /// Django's plural messages (`%d`), in the plural form `language` uses for the number.
    fn plural(&self, language: &Language, english: &str) -> Option<String> {
        let catalogue = Catalogue::get();
        for (singular, plural) in &catalogue.plurals {
            let number = value_in(singular, "%d", english).or_else(|| value_in(&plural.msgid_plural, "%d", english));
            let Some(number) = number.and_then(|value| value.parse::<u64>().ok()) else { continue };
            return self.locales(language).find_map(|locale| {
                let forms = plural.forms.get(locale)?;
                let rule = catalogue.plural_rules.get(locale)?;
                let form = forms.get(rule.form(number)).or_else(|| forms.last())?;
                Some(form.replace("%d", &number.to_string()))
            });
        }
        None
    }
}

/// The value `text` has where `template` has `placeholder`, if `text` is `template` filled in.
fn value_in<'t>(template: &str, placeholder: &str, text: &'t str) -> Option<&'t str> {
    let (before, after) = template.split_once(placeholder)?;
    let value = text.strip_prefix(before)?.strip_suffix(after)?;
    (!value.is_empty()).then_some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn german() -> (Languages, Language) {
        let languages = Languages::new("de", false).unwrap();
        let language = languages.default_language().clone();
        (languages, language)
    }

    #[test]
    fn plain_messages_are_looked_up() {
        let (languages, german) = german();
        assert_eq!(
            languages.translate(&german, "This field is required.").as_deref(),
            Some("Dieses Feld ist zwingend erforderlich.")
        );
        assert_eq!(languages.translate(&german, "No data provided"), None, "DRF never translates it");
    }

    #[test]
    fn messages_with_a_value_keep_it() {
        let (languages, german) = german();
        let translated = languages.translate(&german, "Method \"PATCH\" not allowed.").unwrap();
        assert!(translated.contains("PATCH") && !translated.contains("not allowed"), "{translated}");
        let similar = languages.translate(&german, "The password is too similar to the username.").unwrap();
        assert!(!similar.contains("username"), "the verbose name is translated too: {similar}");
    }

    #[test]
    fn plural_messages_take_the_languages_form() {
        let (languages, german) = german();
        let short =
            languages.translate(&german, "This password is too short. It must contain at least 8 characters.").unwrap();
        assert!(short.contains('8') && !short.contains("%d"), "{short}");
    }

    #[test]
    fn english_needs_nothing_and_an_unknown_language_code_is_refused() {
        let languages = Languages::new("en-us", true).unwrap();
        assert!(!languages.translates(languages.default_language()));
        assert!(Languages::new("xx", false).is_err());
        let german = languages.for_request(None, Some("de-AT,de;q=0.9"));
        assert_eq!(&*german.code, "de");
        assert!(languages.translates(&german));
    }
}
