//! A readable name for the device behind a user agent ("Chrome on Linux"), so that a session
//! list can say where each session is without the app carrying a parser.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock, PoisonError};

use woothee::parser::Parser;

/// What woothee answers for a part it does not recognise.
const UNKNOWN: &str = "UNKNOWN";

/// How many user agents' names are remembered. Parsing one takes about 8 µs, most of a
/// session list's time when each row was parsed; a person's sessions come from a handful of
/// user agents, and the names of the most recent few thousand are kept (all forgotten at once
/// when that many are known, which a lookup's speed does not notice).
const REMEMBERED: usize = 4096;

/// The browser and operating system a user agent names, as far as they are known.
pub fn describe(user_agent: &str) -> String {
    static KNOWN: OnceLock<Mutex<HashMap<String, String>>> = OnceLock::new();
    let known = KNOWN.get_or_init(Mutex::default);
    if let Some(name) = known.lock().unwrap_or_else(PoisonError::into_inner).get(user_agent) {
        return name.clone();
    }
    let name = parse(user_agent);
    let mut known = known.lock().unwrap_or_else(PoisonError::into_inner);
    if known.len() >= REMEMBERED {
        known.clear();
    }
    known.insert(user_agent.to_owned(), name.clone());
    name
}

fn parse(user_agent: &str) -> String {
    static PARSER: OnceLock<Parser> = OnceLock::new();
    let Some(found) = PARSER.get_or_init(Parser::new).parse(user_agent) else {
        return "Unknown device".to_owned();
    };
    let name = found.name.to_string();
    let os = found.os.to_string();
    match (name.as_str(), os.as_str()) {
        (UNKNOWN, UNKNOWN) => "Unknown device".to_owned(),
        (UNKNOWN, os) => os.to_owned(),
        (name, UNKNOWN) => name.to_owned(),
        (name, os) => format!("{name} on {os}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn browsers_are_named_with_their_operating_system() {
        let chrome = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) \
                      Chrome/156.0.0.0 Safari/537.36";
        assert_eq!(describe(chrome), "Chrome on Linux");
        let firefox = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:140.0) Gecko/20100101 Firefox/140.0";
        assert_eq!(describe(firefox), "Firefox on Windows 10");
        let safari = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 \
                      (KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1";
        assert_eq!(describe(safari), "Safari on iPhone");
    }

    #[test]
    fn a_user_agent_seen_before_is_named_as_the_first_time() {
        let edge = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) \
                    Chrome/140.0.0.0 Safari/537.36 Edg/140.0.0.0";
        let first = describe(edge);
        assert_eq!(first, parse(edge));
        assert_eq!(describe(edge), first);
    }

    #[test]
    fn more_user_agents_than_are_remembered_are_each_named() {
        for version in 0..REMEMBERED + 10 {
            let agent = format!("Mozilla/5.0 (X11; Linux x86_64; rv:{version}.0) Gecko/20100101 Firefox/{version}.0");
            assert_eq!(describe(&agent), "Firefox on Linux", "{agent}");
        }
    }

    #[test]
    fn an_unknown_or_missing_user_agent_is_an_unknown_device() {
        assert_eq!(describe(""), "Unknown device");
        assert_eq!(describe("\u{1}\u{2}"), "Unknown device");
    }
}
