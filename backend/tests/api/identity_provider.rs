//! A real OpenID Connect provider for the tests: panva's `oidc-provider` (from end2end's npm
//! packages, which `scripts/tools` installs) started by `end2end/oidc-provider.mjs` on a port of
//! its own, and a person signing in on its own login and consent pages over HTTP.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};

use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use reqwest::StatusCode;

pub const CLIENT_ID: &str = "gatehouse";
pub const CLIENT_SECRET: &str = "gatehouse-secret";

pub struct TestProvider {
    pub issuer: String,
    child: Child,
    /// Held open: the provider stops when it closes.
    _stdin: ChildStdin,
}

fn end2end() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../end2end")
}

impl TestProvider {
    /// A provider whose client may send people back to `redirect_uris`; with
    /// `claims_in_userinfo`, the e-mail address is left out of the ID token.
    pub fn start(redirect_uris: &[&str], claims_in_userinfo: bool) -> Self {
        let folder = end2end();
        assert!(
            folder.join("node_modules/oidc-provider").is_dir(),
            "end2end/node_modules/oidc-provider is missing: run scripts/tools (or npm ci in end2end/)"
        );
        let mut child = Command::new("node")
            .arg("oidc-provider.mjs")
            .current_dir(&folder)
            .env("OIDC_REDIRECT_URIS", redirect_uris.join(","))
            .env("OIDC_CLIENT_ID", CLIENT_ID)
            .env("OIDC_CLIENT_SECRET", CLIENT_SECRET)
            .env("OIDC_WATCH_STDIN", "1")
            .env("OIDC_CLAIMS_IN_USERINFO", if claims_in_userinfo { "1" } else { "0" })
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("node starts the test provider");
        let stdin = child.stdin.take().expect("the provider's input");
        let mut line = String::new();
        let mut output = BufReader::new(child.stdout.take().expect("the provider's output"));
        output.read_line(&mut line).expect("the provider says where it listens");
        // The provider writes notices later: they are read (and dropped), or it would stop on
        // a closed pipe.
        std::thread::spawn(move || std::io::copy(&mut output, &mut std::io::sink()));
        let issuer = line.trim().strip_prefix("READY ").unwrap_or_else(|| panic!("the provider said {line:?}"));
        Self { issuer: issuer.to_owned(), child, _stdin: stdin }
    }

    /// The `GATEHOUSE_OIDC_<NAME>_…` settings (without the prefix) of a provider named `name`.
    pub fn settings(&self, name: &str) -> Vec<(String, String)> {
        let upper = name.to_ascii_uppercase();
        vec![
            (format!("OIDC_{upper}_ISSUER"), self.issuer.clone()),
            (format!("OIDC_{upper}_CLIENT_ID"), CLIENT_ID.to_owned()),
            (format!("OIDC_{upper}_CLIENT_SECRET"), CLIENT_SECRET.to_owned()),
        ]
    }

    /// Signs `login` in on the provider's pages from `authorization_url`, and consents: the
    /// address the provider sends the browser back to, with its `code` and `state`.
    pub async fn sign_in(&self, authorization_url: &str, login: &str) -> url::Url {
        match self.answer(authorization_url, login).await {
            Answer::Redirect(url) => url,
            Answer::Posted { .. } => panic!("the provider posted its answer"),
        }
    }

    /// The same, for a sign-in whose answer the provider posts (`response_mode=form_post`):
    /// where the form goes, and its fields.
    pub async fn sign_in_posting(&self, authorization_url: &str, login: &str) -> (url::Url, Vec<(String, String)>) {
        match self.answer(authorization_url, login).await {
            Answer::Posted { action, fields } => (action, fields),
            Answer::Redirect(url) => panic!("the provider sent the browser back to {url}"),
        }
    }

    async fn answer(&self, authorization_url: &str, login: &str) -> Answer {
        let client =
            reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("an HTTP client");
        let mut cookies = BTreeMap::<String, String>::new();
        let mut next = authorization_url.to_owned();
        for _ in 0..12 {
            let jar = cookies.iter().map(|(name, value)| format!("{name}={value}")).collect::<Vec<_>>().join("; ");
            let response = client.get(&next).header(COOKIE, jar.clone()).send().await.expect("the provider answers");
            keep_cookies(&mut cookies, &response);
            let response = if response.status() == StatusCode::OK {
                // Its login page, then its consent page: one form each.
                let page = response.text().await.expect("a page");
                if page.contains("<title>Submitting Callback</title>") {
                    return posted_answer(&page);
                }
                let form: Vec<(&str, &str)> = if page.contains(r#"name="prompt" value="login""#) {
                    vec![("prompt", "login"), ("login", login), ("password", "any")]
                } else if page.contains(r#"name="prompt" value="consent""#) {
                    vec![("prompt", "consent")]
                } else {
                    panic!("an unexpected page from the provider: {page}");
                };
                let jar = cookies.iter().map(|(name, value)| format!("{name}={value}")).collect::<Vec<_>>().join("; ");
                let posted = client.post(&next).header(COOKIE, jar).form(&form).send().await.expect("a form answer");
                keep_cookies(&mut cookies, &posted);
                posted
            } else {
                response
            };
            assert!(response.status().is_redirection(), "the provider answered {}", response.status());
            let location = response.headers()[LOCATION].to_str().expect("a location");
            let target = url::Url::parse(&self.issuer).expect("the issuer").join(location).expect("a URL");
            if !target.as_str().starts_with(&self.issuer) {
                return Answer::Redirect(target);
            }
            next = target.into();
        }
        panic!("the provider never sent the browser back");
    }
}

/// Where the provider sends the browser back, and how.
enum Answer {
    Redirect(url::Url),
    /// A page whose form posts the answer (`response_mode=form_post`).
    Posted {
        action: url::Url,
        fields: Vec<(String, String)>,
    },
}

/// The form of the provider's `form_post` page: its action and hidden fields.
fn posted_answer(page: &str) -> Answer {
    let attribute = |text: &str, name: &str| -> Option<String> {
        let start = text.find(&format!("{name}=\""))? + name.len() + 2;
        let end = text[start..].find('"')? + start;
        Some(text[start..end].replace("&#x2F;", "/").replace("&#x3A;", ":").replace("&amp;", "&"))
    };
    let form = &page[page.find("<form").expect("a form")..];
    let action = url::Url::parse(&attribute(form, "action").expect("an action")).expect("a URL");
    let fields = form
        .split("<input ")
        .skip(1)
        .filter_map(|input| Some((attribute(input, "name")?, attribute(input, "value")?)))
        .collect();
    Answer::Posted { action, fields }
}

fn keep_cookies(cookies: &mut BTreeMap<String, String>, response: &reqwest::Response) {
    for header in response.headers().get_all(SET_COOKIE) {
        let text = header.to_str().unwrap_or_default();
        let pair = text.split(';').next().unwrap_or_default();
        if let Some((name, value)) = pair.split_once('=') {
            cookies.insert(name.trim().to_owned(), value.trim().to_owned());
        }
    }
}

impl Drop for TestProvider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The query value `name` of a URL.
pub fn query(url: &url::Url, name: &str) -> Option<String> {
    url.query_pairs().find(|(key, _)| key == name).map(|(_, value)| value.into_owned())
}
