//! How a request reaches the server. The client only sees this trait, so the interceptor can be
//! tested against a fake transport.

use std::future::Future;
use std::pin::Pin;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Patch,
    Delete,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }
}

/// A request to the API: a path under its base (such as `users/me/`), an optional bearer token,
/// further headers, an optional JSON body, and whether it must outlive the page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub method: Method,
    pub path: String,
    pub bearer: Option<String>,
    pub headers: Vec<(&'static str, &'static str)>,
    pub body: Option<String>,
    /// The browser keeps sending it after the page is closed (`fetch`'s `keepalive`).
    pub keepalive: bool,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&'static str> {
        self.headers.iter().find(|(key, _)| key.eq_ignore_ascii_case(name)).map(|(_, value)| *value)
    }
}

/// The status and body of an answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    pub body: String,
}

/// A request on its way; an `Err` is a network failure, described.
pub type Pending = Pin<Box<dyn Future<Output = Result<Response, String>>>>;

pub trait Transport {
    fn send(&self, request: Request) -> Pending;
}

/// The browser's `fetch`, against the API under `base` (such as `/auth/`). Cookies go with
/// every request to the same origin (`credentials: same-origin`, fetch's default): the refresh
/// cookie among them, on the paths the server gave it.
#[cfg(target_arch = "wasm32")]
pub struct Fetch {
    pub base: String,
}

#[cfg(target_arch = "wasm32")]
impl Transport for Fetch {
    fn send(&self, request: Request) -> Pending {
        let url = format!("{}{}", self.base, request.path);
        Box::pin(async move {
            let built = build(&url, &request).map_err(|error| error.as_string().unwrap_or_default())?;
            let response = gloo_net::http::Request::from(built).send().await.map_err(reason)?;
            let status = response.status();
            let body = response.text().await.map_err(reason)?;
            Ok(Response { status, body })
        })
    }
}

/// What the browser said of a request that failed. Pages say it in their own words; this is
/// kept for the error's `Debug`, without the code that would write out every kind of error.
#[cfg(target_arch = "wasm32")]
fn reason(error: gloo_net::Error) -> String {
    match error {
        gloo_net::Error::JsError(error) => error.message,
        _ => String::new(),
    }
}

#[cfg(target_arch = "wasm32")]
fn build(url: &str, request: &Request) -> Result<web_sys::Request, wasm_bindgen::JsValue> {
    use wasm_bindgen::JsValue;

    let headers = web_sys::Headers::new()?;
    headers.set("Accept", "application/json")?;
    if let Some(token) = &request.bearer {
        headers.set("Authorization", &format!("Bearer {token}"))?;
    }
    for (name, value) in &request.headers {
        headers.set(name, value)?;
    }
    let init = web_sys::RequestInit::new();
    init.set_method(request.method.as_str());
    if let Some(body) = &request.body {
        headers.set("Content-Type", "application/json")?;
        init.set_body(&JsValue::from_str(body));
    }
    init.set_headers(&headers);
    if request.keepalive {
        // `RequestInit` has no setter for it in web-sys; it is a plain member of the object.
        js_sys::Reflect::set(&init, &JsValue::from_str("keepalive"), &JsValue::TRUE)?;
    }
    web_sys::Request::new_with_str_and_init(url, &init)
}
