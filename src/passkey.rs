//! Passkeys in the browser: the server's options go through the browser's own JSON readers
//! (`PublicKeyCredential.parseCreationOptionsFromJSON` and `…RequestOptionsFromJSON`) to
//! `navigator.credentials`, and the credential comes back through its `toJSON()`, the shape
//! the server reads. No WebAuthn types are compiled into the app.
//!
//! A sign-in page can also offer passkeys in the username field's autofill (conditional
//! mediation): [`Autofill`] keeps that request open until a passkey is picked, or until the
//! page asks in another way and aborts it.

/// Why the browser made no passkey, or used none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PasskeyError {
    /// This browser has no passkeys (or not the JSON readers this app relies on).
    Unsupported,
    /// The person closed the prompt, or it timed out: WebAuthn does not tell which.
    Cancelled,
    /// The authenticator already holds a passkey of this account.
    AlreadyRegistered,
    /// Anything else, in the browser's words.
    Failed(String),
}

impl PasskeyError {
    /// What the page says about it.
    pub fn message(&self) -> String {
        match self {
            PasskeyError::Unsupported => "This browser cannot use passkeys.".to_owned(),
            PasskeyError::Cancelled => "No passkey was used: the request was cancelled or timed out.".to_owned(),
            PasskeyError::AlreadyRegistered => "This device already holds a passkey for your account.".to_owned(),
            PasskeyError::Failed(reason) => format!("The passkey request failed: {reason}"),
        }
    }

    /// The error a DOMException's `name` stands for.
    pub fn from_dom(name: &str, message: &str) -> PasskeyError {
        match name {
            "NotAllowedError" | "AbortError" => PasskeyError::Cancelled,
            "InvalidStateError" => PasskeyError::AlreadyRegistered,
            "NotSupportedError" | "SecurityError" => PasskeyError::Failed(message.to_owned()),
            _ => PasskeyError::Failed(if message.is_empty() { name.to_owned() } else { message.to_owned() }),
        }
    }
}

#[cfg(target_arch = "wasm32")]
pub use browser::{create, get, supported, Autofill};

#[cfg(not(target_arch = "wasm32"))]
pub use host::{create, get, supported, Autofill};

#[cfg(target_arch = "wasm32")]
mod browser {
    use js_sys::{Function, Object, Promise, Reflect, JSON};
    use serde_json::Value;
    use wasm_bindgen::{JsCast, JsValue};
    use wasm_bindgen_futures::JsFuture;

    use super::PasskeyError;

    fn property(target: &JsValue, name: &str) -> JsValue {
        Reflect::get(target, &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED)
    }

    fn public_key_credential() -> Option<JsValue> {
        Some(property(&js_sys::global(), "PublicKeyCredential")).filter(JsValue::is_function)
    }

    /// Whether this browser can make and use passkeys the way this app asks, on this page:
    /// WebAuthn needs a secure context and a host name (never an IP address).
    pub fn supported() -> bool {
        let location = property(&js_sys::global(), "location");
        let host = property(&location, "hostname").as_string().unwrap_or_default();
        let secure = property(&js_sys::global(), "isSecureContext").as_bool().unwrap_or(false);
        secure
            && super::is_host_name(&host)
            && public_key_credential().is_some_and(|class| {
                property(&class, "parseCreationOptionsFromJSON").is_function()
                    && property(&class, "parseRequestOptionsFromJSON").is_function()
            })
    }

    fn call(target: &JsValue, name: &str, argument: Option<&JsValue>) -> Result<JsValue, PasskeyError> {
        let function: Function = property(target, name).dyn_into().map_err(|_| PasskeyError::Unsupported)?;
        let result = match argument {
            Some(argument) => function.call1(target, argument),
            None => function.call0(target),
        };
        result.map_err(failure)
    }

    fn failure(error: JsValue) -> PasskeyError {
        let text = |name: &str| property(&error, name).as_string().unwrap_or_default();
        PasskeyError::from_dom(&text("name"), &text("message"))
    }

    fn to_js(value: &Value) -> Result<JsValue, PasskeyError> {
        JSON::parse(&serde_json::to_string(value).unwrap_or_default()).map_err(failure)
    }

    fn from_js(value: &JsValue) -> Result<Value, PasskeyError> {
        let text: String = JSON::stringify(value).map_err(failure)?.into();
        // The browser's own JSON always parses: no parser's message needs to be carried here.
        serde_json::from_str(&text).map_err(|_| PasskeyError::Failed("the browser's answer is not JSON".into()))
    }

    fn credentials() -> JsValue {
        property(&property(&js_sys::global(), "navigator"), "credentials")
    }

    /// Asks `navigator.credentials.{method}` with `publicKey` read from the options' JSON by
    /// `reader`, plus `extra` members; the credential's JSON.
    async fn ask(
        method: &str,
        reader: &str,
        options: &Value,
        extra: &[(&str, JsValue)],
    ) -> Result<Value, PasskeyError> {
        let class = public_key_credential().ok_or(PasskeyError::Unsupported)?;
        let public_key = call(&class, reader, Some(&to_js(&options["publicKey"])?))?;
        let request = Object::new();
        let _ = Reflect::set(&request, &JsValue::from_str("publicKey"), &public_key);
        for (name, value) in extra {
            let _ = Reflect::set(&request, &JsValue::from_str(name), value);
        }
        let promise: Promise =
            call(&credentials(), method, Some(&request))?.dyn_into().map_err(|_| PasskeyError::Unsupported)?;
        let credential = JsFuture::from(promise).await.map_err(failure)?;
        if credential.is_null() || credential.is_undefined() {
            return Err(PasskeyError::Cancelled);
        }
        from_js(&call(&credential, "toJSON", None)?)
    }

    /// Makes a passkey with the server's creation options.
    pub async fn create(options: &Value) -> Result<Value, PasskeyError> {
        ask("create", "parseCreationOptionsFromJSON", options, &[]).await
    }

    /// Uses a passkey with the server's request options, at once (a button was pressed).
    pub async fn get(options: &Value) -> Result<Value, PasskeyError> {
        ask("get", "parseRequestOptionsFromJSON", options, &[]).await
    }

    /// A passkey request shown in the username field's autofill, open until it is answered or
    /// aborted. Clones share the request.
    #[derive(Clone)]
    pub struct Autofill {
        controller: JsValue,
    }

    impl Autofill {
        /// Whether the browser offers passkeys in autofill.
        pub async fn available() -> bool {
            let Some(class) = public_key_credential() else { return false };
            let Ok(promise) = call(&class, "isConditionalMediationAvailable", None) else { return false };
            let Ok(promise) = promise.dyn_into::<Promise>() else { return false };
            JsFuture::from(promise).await.ok().and_then(|answer| answer.as_bool()).unwrap_or(false)
        }

        pub fn new() -> Option<Autofill> {
            let class: Function = property(&js_sys::global(), "AbortController").dyn_into().ok()?;
            let controller = Reflect::construct(&class, &js_sys::Array::new()).ok()?;
            Some(Autofill { controller })
        }

        /// Waits for a passkey picked from the autofill.
        pub async fn wait(&self, options: &Value) -> Result<Value, PasskeyError> {
            let signal = property(&self.controller, "signal");
            ask(
                "get",
                "parseRequestOptionsFromJSON",
                options,
                &[("mediation", JsValue::from_str("conditional")), ("signal", signal)],
            )
            .await
        }

        /// Ends the request, so that another can be made.
        pub fn abort(&self) {
            let _ = call(&self.controller, "abort", None);
        }
    }
}

/// Outside a browser (host tests) there are no passkeys.
#[cfg(not(target_arch = "wasm32"))]
mod host {
    use serde_json::Value;

    use super::PasskeyError;

    pub fn supported() -> bool {
        false
    }

    pub async fn create(_options: &Value) -> Result<Value, PasskeyError> {
        Err(PasskeyError::Unsupported)
    }

    pub async fn get(_options: &Value) -> Result<Value, PasskeyError> {
        Err(PasskeyError::Unsupported)
    }

    #[derive(Clone)]
    pub struct Autofill;

    impl Autofill {
        pub async fn available() -> bool {
            false
        }

        pub fn new() -> Option<Autofill> {
            None
        }

        pub async fn wait(&self, _options: &Value) -> Result<Value, PasskeyError> {
            Err(PasskeyError::Unsupported)
        }

        pub fn abort(&self) {}
    }
}

/// Whether `host` (a URL's host name, as the browser writes it) is a name rather than an IP
/// address: browsers offer WebAuthn on names only. The browser writes an IPv6 address in
/// brackets and an IPv4 address as four decimal numbers, and a name never ends in a number.
pub fn is_host_name(host: &str) -> bool {
    let last = host.trim_end_matches('.').rsplit('.').next().unwrap_or_default();
    !last.is_empty() && !host.contains([':', '[']) && !last.bytes().all(|byte| byte.is_ascii_digit())
}

/// The name a new passkey gets unless its owner types another: the browser and system it was
/// made on, as the user agent names them.
pub fn default_name(user_agent: &str) -> String {
    let browser = [("Edg/", "Edge"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"), ("Safari/", "Safari")]
        .into_iter()
        .find(|(token, _)| user_agent.contains(token))
        .map(|(_, name)| name);
    let system = [
        ("Android", "Android"),
        ("iPhone", "iPhone"),
        ("iPad", "iPad"),
        ("Windows", "Windows"),
        ("Mac OS X", "macOS"),
        ("CrOS", "ChromeOS"),
        ("Linux", "Linux"),
    ]
    .into_iter()
    .find(|(token, _)| user_agent.contains(token))
    .map(|(_, name)| name);
    match (browser, system) {
        (Some(browser), Some(system)) => format!("{browser} on {system}"),
        (Some(name), None) | (None, Some(name)) => name.to_owned(),
        (None, None) => "Passkey".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_browsers_errors_read_as_what_the_person_did() {
        assert_eq!(PasskeyError::from_dom("NotAllowedError", "timed out or not allowed"), PasskeyError::Cancelled);
        assert_eq!(PasskeyError::from_dom("AbortError", ""), PasskeyError::Cancelled);
        assert_eq!(PasskeyError::from_dom("InvalidStateError", "excluded"), PasskeyError::AlreadyRegistered);
        assert_eq!(PasskeyError::from_dom("SecurityError", "bad rp"), PasskeyError::Failed("bad rp".into()));
        assert_eq!(PasskeyError::from_dom("TypeError", ""), PasskeyError::Failed("TypeError".into()));
        assert!(PasskeyError::Cancelled.message().contains("cancelled"));
    }

    #[test]
    fn passkeys_are_offered_on_host_names_only() {
        assert!(is_host_name("localhost"));
        assert!(is_host_name("accounts.example.com"));
        assert!(!is_host_name("127.0.0.1"));
        assert!(!is_host_name("[::1]"));
        assert!(!is_host_name("::1"));
        assert!(!is_host_name(""));
        assert!(!is_host_name("10.0.0.255"));
        assert!(is_host_name("example.com."));
        assert!(is_host_name("host-2.example"));
    }

    #[test]
    fn a_new_passkey_is_named_after_the_browser_and_system() {
        let chrome_linux =
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36";
        assert_eq!(default_name(chrome_linux), "Chrome on Linux");
        let safari_iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1";
        assert_eq!(default_name(safari_iphone), "Safari on iPhone");
        let edge = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36 Edg/130.0";
        assert_eq!(default_name(edge), "Edge on Windows");
        assert_eq!(default_name(""), "Passkey");
    }
}
