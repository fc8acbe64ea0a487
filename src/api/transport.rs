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

/// A request to the API: a path under its base (such as `users/me/`), an optional bearer token
/// and an optional JSON body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub method: Method,
    pub path: String,
    pub bearer: Option<String>,
    pub body: Option<String>,
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

/// The browser's `fetch`, against the API under `base` (such as `/auth/`).
#[cfg(target_arch = "wasm32")]
pub struct Fetch {
    pub base: String,
}

#[cfg(target_arch = "wasm32")]
impl Transport for Fetch {
    fn send(&self, request: Request) -> Pending {
        let url = format!("{}{}", self.base, request.path);
        Box::pin(async move {
            let method = match request.method {
                Method::Get => gloo_net::http::Method::GET,
                Method::Post => gloo_net::http::Method::POST,
                Method::Patch => gloo_net::http::Method::PATCH,
                Method::Delete => gloo_net::http::Method::DELETE,
            };
            let mut builder =
                gloo_net::http::RequestBuilder::new(&url).method(method).header("Accept", "application/json");
            if let Some(token) = &request.bearer {
                builder = builder.header("Authorization", &format!("Bearer {token}"));
            }
            let sent = match request.body {
                Some(body) => {
                    builder
                        .header("Content-Type", "application/json")
                        .body(body)
                        .map_err(|e| e.to_string())?
                        .send()
                        .await
                }
                None => builder.send().await,
            };
            let response = sent.map_err(|e| e.to_string())?;
            let status = response.status();
            let body = response.text().await.map_err(|e| e.to_string())?;
            Ok(Response { status, body })
        })
    }
}
