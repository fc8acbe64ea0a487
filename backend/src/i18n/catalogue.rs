//! `backend/locale/catalogue.json`, built into the binary: the translations Django, DRF,
//! SimpleJWT and Djoser's catalogues hold for every message the API sends, already merged as
//! Django merges them for each locale (`scripts/translations` writes it from the real
//! packages and checks it against them; `backend/locale/README.md`).

use std::collections::HashMap;
use std::sync::LazyLock;

use serde::Deserialize;

use super::plural::PluralRule;

const JSON: &str = include_str!("../../locale/catalogue.json");

static CATALOGUE: LazyLock<Catalogue> =
    LazyLock::new(|| Catalogue::parse(JSON).expect("backend/locale/catalogue.json is valid"));

/// A plural message: its plural msgid and each locale's forms.
#[derive(Debug, Deserialize)]
pub struct Plural {
    pub msgid_plural: String,
    pub forms: HashMap<String, Vec<String>>,
}

#[derive(Debug, Deserialize)]
struct PluralForms {
    plural: String,
}

/// One request of the real `LocaleMiddleware`, and the language it chose.
#[derive(Debug, Deserialize)]
pub struct AcceptLanguageExample {
    pub accept_language: String,
    #[serde(default)]
    pub cookie: Option<String>,
    pub content_language: String,
    pub locale: String,
}

#[derive(Debug, Deserialize)]
struct Raw {
    messages: HashMap<String, HashMap<String, String>>,
    plurals: HashMap<String, Plural>,
    plural_forms: HashMap<String, PluralForms>,
    languages: Vec<(String, String)>,
    check_for_language: HashMap<String, bool>,
    lang_info_fallbacks: HashMap<String, Vec<String>>,
    locales: Vec<String>,
    #[serde(default)]
    accept_language_examples: Vec<AcceptLanguageExample>,
}

#[derive(Debug)]
pub struct Catalogue {
    /// Per locale (`de`, `pt_BR`), English msgid → translation (only those that differ).
    pub messages: HashMap<String, HashMap<String, String>>,
    /// Per singular msgid.
    pub plurals: HashMap<String, Plural>,
    /// Per locale, its plural rule.
    pub plural_rules: HashMap<String, PluralRule>,
    /// Django's `LANGUAGES` codes, in order.
    pub languages: Vec<String>,
    check_for_language: HashMap<String, bool>,
    /// `LANG_INFO`'s fallbacks (`zh-cn` → `zh-hans`).
    pub lang_info_fallbacks: HashMap<String, Vec<String>>,
    /// Every locale some catalogue exists for.
    pub locales: Vec<String>,
    pub accept_language_examples: Vec<AcceptLanguageExample>,
}

impl Catalogue {
    pub fn get() -> &'static Catalogue {
        &CATALOGUE
    }

    fn parse(json: &str) -> anyhow::Result<Self> {
        let raw: Raw = serde_json::from_str(json)?;
        let mut plural_rules = HashMap::new();
        for (locale, forms) in raw.plural_forms {
            let rule = PluralRule::parse(&forms.plural)
                .ok_or_else(|| anyhow::anyhow!("the plural rule of {locale} cannot be read: {}", forms.plural))?;
            plural_rules.insert(locale, rule);
        }
        Ok(Self {
            messages: raw.messages,
            plurals: raw.plurals,
            plural_rules,
            languages: raw.languages.into_iter().map(|(code, _)| code.to_ascii_lowercase()).collect(),
            check_for_language: raw.check_for_language,
            lang_info_fallbacks: raw.lang_info_fallbacks,
            locales: raw.locales,
            accept_language_examples: raw.accept_language_examples,
        })
    }

    /// Whether `code` (lower-case) is in `LANGUAGES` and has a catalogue
    /// (`check_for_language`).
    pub fn is_supported(&self, code: &str) -> bool {
        self.languages.iter().any(|known| known == code) && self.check_for_language.get(code).copied().unwrap_or(false)
    }

    /// The locale a catalogue lookup uses for `locale`: itself, or its language alone (gettext
    /// tries `de_AT`, then `de`); `None` when no catalogue exists for either.
    pub fn known_locale<'a>(&self, locale: &'a str) -> Option<&'a str> {
        let language = locale.split('_').next().unwrap_or(locale);
        [locale, language].into_iter().find(|candidate| self.locales.iter().any(|known| known == candidate))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalogue_reads_and_holds_djangos_languages() {
        let catalogue = Catalogue::get();
        assert!(catalogue.languages.len() >= 90);
        assert!(catalogue.is_supported("de") && catalogue.is_supported("pt-br"));
        assert!(!catalogue.is_supported("xx"));
        assert_eq!(catalogue.messages["de"]["This field is required."], "Dieses Feld ist zwingend erforderlich.");
        assert_eq!(catalogue.known_locale("de_AT"), Some("de"));
        assert_eq!(catalogue.known_locale("xx"), None);
    }
}
