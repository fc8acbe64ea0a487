//! The one client through which the app talks to the API. It keeps the session, adds the bearer
//! token, refreshes it shortly before it expires or when it is refused, and signs out when the
//! session cannot be renewed. Pages call its named methods and never see a token or a header.

mod error;
pub mod transport;
mod types;

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use serde::de::DeserializeOwned;
use serde_json::{json, Value};

pub use error::{decode, messages, ApiError};
pub use types::{NewAccount, ProfileChange, User};

use crate::session::{storage, Tokens};
use transport::{Method, Request, Transport};
use types::TokenPair;

/// The detail SimpleJWT gives for a refresh token that was already rotated: when another tab
/// rotated it a moment ago, its successor is about to appear in storage.
const ROTATED_ELSEWHERE: &str = "Token is blacklisted";
/// How long a refused refresh waits for another tab's rotation to show in storage.
const ROTATION_WAIT_MS: u32 = 2_000;
const ROTATION_POLL_MS: u32 = 100;

/// What happened to the session, for whoever shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionEvent {
    SignedIn(User),
    Refreshed,
    /// The person signed out, here or in another tab.
    SignedOut,
    /// The session could not be renewed (expired, revoked, or the account is gone).
    Expired,
}

/// The clock (ms since the epoch) and a timer, so tests can drive time.
pub trait Clock {
    fn now(&self) -> f64;
    fn pause(&self, ms: u32) -> Pin<Box<dyn Future<Output = ()>>>;
}

/// The browser's clock.
pub struct BrowserClock;

impl Clock for BrowserClock {
    fn now(&self) -> f64 {
        #[cfg(target_arch = "wasm32")]
        return js_sys::Date::now();
        #[cfg(not(target_arch = "wasm32"))]
        return std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0.0, |d| d.as_millis() as f64);
    }

    fn pause(&self, ms: u32) -> Pin<Box<dyn Future<Output = ()>>> {
        #[cfg(target_arch = "wasm32")]
        return Box::pin(gloo_timers::future::TimeoutFuture::new(ms));
        #[cfg(not(target_arch = "wasm32"))]
        return Box::pin(async move {
            std::thread::sleep(std::time::Duration::from_millis(u64::from(ms)));
        });
    }
}

type Listener = Rc<dyn Fn(SessionEvent)>;

struct Inner {
    transport: Box<dyn Transport>,
    clock: Box<dyn Clock>,
    storage_key: String,
    refresh_lock: futures::lock::Mutex<()>,
    listener: RefCell<Option<Listener>>,
}

/// The API client. Cloning it is cheap and every clone shares the session.
#[derive(Clone)]
pub struct Client(Rc<Inner>);

impl Client {
    pub fn new(transport: impl Transport + 'static, clock: impl Clock + 'static, storage_key: &str) -> Client {
        Client(Rc::new(Inner {
            transport: Box::new(transport),
            clock: Box::new(clock),
            storage_key: storage_key.to_owned(),
            refresh_lock: futures::lock::Mutex::new(()),
            listener: RefCell::new(None),
        }))
    }

    /// Calls `listener` on every change of the session.
    pub fn on_session(&self, listener: impl Fn(SessionEvent) + 'static) {
        *self.0.listener.borrow_mut() = Some(Rc::new(listener));
    }

    /// The stored session, as every tab sees it now.
    pub fn tokens(&self) -> Option<Tokens> {
        storage::load(&self.0.storage_key)
    }

    pub fn has_session(&self) -> bool {
        self.tokens().is_some()
    }

    fn emit(&self, event: SessionEvent) {
        let listener = self.0.listener.borrow().clone();
        if let Some(listener) = listener {
            listener(event);
        }
    }

    fn store(&self, tokens: &Tokens) {
        storage::save(&self.0.storage_key, tokens);
    }

    /// Forgets the session here (storage included) and says why.
    pub fn end_session(&self, event: SessionEvent) {
        storage::clear(&self.0.storage_key);
        self.emit(event);
    }

    async fn send(
        &self,
        method: Method,
        path: &str,
        bearer: Option<&str>,
        body: Option<&Value>,
    ) -> Result<(u16, String), ApiError> {
        let request = Request {
            method,
            path: path.to_owned(),
            bearer: bearer.map(str::to_owned),
            body: body.map(Value::to_string),
        };
        let response = self.0.transport.send(request).await.map_err(ApiError::Network)?;
        Ok((response.status, response.body))
    }

    /// A request that needs no session.
    async fn public(&self, method: Method, path: &str, body: Value) -> Result<Value, ApiError> {
        let (status, text) = self.send(method, path, None, Some(&body)).await?;
        decode(status, &text)
    }

    /// A request on behalf of the signed-in person. The access token is refreshed first when it
    /// is about to expire, and once more if the server refuses it; the request is retried once.
    async fn authed(&self, method: Method, path: &str, body: Option<Value>) -> Result<Value, ApiError> {
        let mut tokens = self.tokens().ok_or(ApiError::SignedOut)?;
        if tokens.access_due(self.0.clock.now()) {
            tokens = self.refresh(&tokens.access).await?;
        }
        let (status, text) = self.send(method, path, Some(&tokens.access), body.as_ref()).await?;
        let answer = decode(status, &text);
        let answer = match answer {
            Err(ref error) if status == 401 && error.code() == Some("token_not_valid") => {
                let fresh = self.refresh(&tokens.access).await?;
                let (status, text) = self.send(method, path, Some(&fresh.access), body.as_ref()).await?;
                decode(status, &text)
            }
            other => other,
        };
        match answer {
            // Still refused, or the account was deleted or deactivated: the session is over.
            Err(ApiError::Refused { status: 401, .. }) => {
                self.end_session(SessionEvent::Expired);
                Err(ApiError::SessionExpired)
            }
            other => other,
        }
    }

    /// Renews the session once for everyone whose access token was `stale`: concurrent callers
    /// wait for the one refresh in flight and then use its result.
    async fn refresh(&self, stale: &str) -> Result<Tokens, ApiError> {
        let _one_at_a_time = self.0.refresh_lock.lock().await;
        let current = self.tokens().ok_or(ApiError::SignedOut)?;
        if current.access != stale && !current.access_due(self.0.clock.now()) {
            // Renewed meanwhile, by this tab or another one.
            return Ok(current);
        }
        let body = json!({ "refresh": current.refresh });
        let (status, text) = self.send(Method::Post, "jwt/refresh/", None, Some(&body)).await?;
        match decode(status, &text) {
            Ok(value) => {
                let pair: TokenPair = serde_json::from_value(value).map_err(|_| ApiError::Unexpected(status))?;
                let refresh = pair.refresh.unwrap_or(current.refresh);
                let tokens = Tokens::received(pair.access, refresh, self.0.clock.now());
                // Stored at once: another tab must never present the refresh token just spent.
                self.store(&tokens);
                self.emit(SessionEvent::Refreshed);
                Ok(tokens)
            }
            Err(ApiError::Refused { status: 401, detail, .. }) => {
                if let Some(tokens) = self.rotated_elsewhere(&current.refresh, detail == ROTATED_ELSEWHERE).await {
                    return Ok(tokens);
                }
                self.end_session(SessionEvent::Expired);
                Err(ApiError::SessionExpired)
            }
            Err(other) => Err(other),
        }
    }

    /// The pair another tab stored after rotating `spent`, if it did. When the server says the
    /// token was already rotated, the other tab may still be storing its answer: wait a little.
    async fn rotated_elsewhere(&self, spent: &str, worth_waiting: bool) -> Option<Tokens> {
        let mut waited = 0;
        loop {
            match self.tokens() {
                Some(tokens) if tokens.refresh != spent => return Some(tokens),
                None => return None,
                Some(_) if !worth_waiting || waited >= ROTATION_WAIT_MS => return None,
                Some(_) => {
                    self.0.clock.pause(ROTATION_POLL_MS).await;
                    waited += ROTATION_POLL_MS;
                }
            }
        }
    }

    // ----- Signing in and out -----

    /// Signs in and keeps the session.
    pub async fn sign_in(&self, username: &str, password: &str) -> Result<User, ApiError> {
        let value =
            self.public(Method::Post, "jwt/create/", json!({ "username": username, "password": password })).await?;
        let pair: TokenPair = serde_json::from_value(value.clone()).map_err(|_| ApiError::Unexpected(200))?;
        let user: User = serde_json::from_value(value).map_err(|_| ApiError::Unexpected(200))?;
        let refresh = pair.refresh.ok_or(ApiError::Unexpected(200))?;
        self.store(&Tokens::received(pair.access, refresh, self.0.clock.now()));
        self.emit(SessionEvent::SignedIn(user.clone()));
        Ok(user)
    }

    /// Revokes the refresh token on the server, then forgets the session here and in every tab.
    /// A server that cannot be reached does not keep the person signed in.
    pub async fn sign_out(&self) {
        if let Some(tokens) = self.tokens() {
            let _ = self.public(Method::Post, "jwt/blacklist/", json!({ "refresh": tokens.refresh })).await;
        }
        self.end_session(SessionEvent::SignedOut);
    }

    // ----- Accounts (no session needed) -----

    pub async fn register(&self, account: &NewAccount) -> Result<User, ApiError> {
        parse(self.public(Method::Post, "users/", json!(account)).await?)
    }

    pub async fn activate(&self, uid: &str, token: &str) -> Result<(), ApiError> {
        self.public(Method::Post, "users/activation/", json!({ "uid": uid, "token": token })).await.map(drop)
    }

    pub async fn resend_activation(&self, email: &str) -> Result<(), ApiError> {
        self.public(Method::Post, "users/resend_activation/", json!({ "email": email })).await.map(drop)
    }

    pub async fn forgot_password(&self, email: &str) -> Result<(), ApiError> {
        self.public(Method::Post, "users/reset_password/", json!({ "email": email })).await.map(drop)
    }

    pub async fn reset_password(&self, uid: &str, token: &str, new_password: &str) -> Result<(), ApiError> {
        let body = json!({ "uid": uid, "token": token, "new_password": new_password });
        self.public(Method::Post, "users/reset_password_confirm/", body).await.map(drop)
    }

    pub async fn forgot_username(&self, email: &str) -> Result<(), ApiError> {
        self.public(Method::Post, "users/reset_username/", json!({ "email": email })).await.map(drop)
    }

    pub async fn reset_username(&self, uid: &str, token: &str, new_username: &str) -> Result<(), ApiError> {
        let body = json!({ "uid": uid, "token": token, "new_username": new_username });
        self.public(Method::Post, "users/reset_username_confirm/", body).await.map(drop)
    }

    // ----- The signed-in person's account -----

    pub async fn me(&self) -> Result<User, ApiError> {
        parse(self.authed(Method::Get, "users/me/", None).await?)
    }

    pub async fn update_me(&self, change: &ProfileChange) -> Result<User, ApiError> {
        parse(self.authed(Method::Patch, "users/me/", Some(json!(change))).await?)
    }

    pub async fn delete_me(&self, current_password: &str) -> Result<(), ApiError> {
        self.authed(Method::Delete, "users/me/", Some(json!({ "current_password": current_password }))).await?;
        self.end_session(SessionEvent::SignedOut);
        Ok(())
    }

    pub async fn set_password(&self, current_password: &str, new_password: &str) -> Result<(), ApiError> {
        let body = json!({ "current_password": current_password, "new_password": new_password });
        self.authed(Method::Post, "users/set_password/", Some(body)).await.map(drop)
    }

    pub async fn set_username(&self, current_password: &str, new_username: &str) -> Result<(), ApiError> {
        let body = json!({ "current_password": current_password, "new_username": new_username });
        self.authed(Method::Post, "users/set_username/", Some(body)).await.map(drop)
    }

    pub async fn users(&self) -> Result<Vec<User>, ApiError> {
        parse(self.authed(Method::Get, "users/", None).await?)
    }

    pub async fn user(&self, id: u64) -> Result<User, ApiError> {
        parse(self.authed(Method::Get, &format!("users/{id}/"), None).await?)
    }
}

fn parse<T: DeserializeOwned>(value: Value) -> Result<T, ApiError> {
    serde_json::from_value(value).map_err(|_| ApiError::Unexpected(200))
}
