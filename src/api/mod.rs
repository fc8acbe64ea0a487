//! The one client through which the app talks to the API. It keeps the session, adds the bearer
//! token, refreshes it shortly before it expires or when it is refused, and signs out when the
//! session cannot be renewed. Pages call its named methods and never see a token or a header.
//!
//! The refresh token travels only in an HttpOnly cookie (the server's cookie mode, asked for on
//! the token endpoints with `X-Token-Transport: cookie`); the access token stays in this tab's
//! memory; LocalStorage tells the other tabs who is signed in and when the session was renewed
//! (`session.rs`).

mod admin;
mod error;
pub mod transport;
mod types;

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use serde::de::DeserializeOwned;
use serde_json::{json, Value};

pub use admin::{page_count, AccountSearch, AdminAction, AuditFilter, PAGE_SIZE};
pub use error::{decode, messages, ApiError};
pub use types::{
    changes_email, AdminUser, Confirmed, ConnectedAccount, Event, Factor, Factors, NewAccount, Paged, PasskeyOptions,
    ProfileChange, Provider, SessionInfo, TotpEnrolment, User, Who,
};

use crate::session::{storage, Access, Marker, Shared};
use transport::{Method, Request, Transport};
use types::{AccessAnswer, AuthorizationUrl, RecoveryCodes};

/// The header that puts the token endpoints in cookie mode (and binds a sign-in with an
/// identity provider to this browser).
pub const TOKEN_TRANSPORT: (&str, &str) = ("X-Token-Transport", "cookie");
/// The detail the server gives for a refresh cookie that was already rotated: when another tab
/// rotated it a moment ago, the browser is about to hold its successor.
const ROTATED_ELSEWHERE: &str = "Token is blacklisted";
/// SimpleJWT's other refusals of a refresh token, in English: each means the session is over.
const FINAL_REFUSALS: &[&str] = &[
    "Token is invalid",
    "Token is expired",
    "Token is invalid or expired",
    "Token has no 'exp' claim",
    "Token has no id",
    "Token has no type",
    "Token has wrong type",
    "No active account found for the given token.",
    "User is inactive",
];

/// Whether a refused refresh may have lost the race to another tab: the server says the cookie
/// was already rotated, or says something this app cannot read (a server set to another
/// language), where only waiting a moment for the other tabs tells.
fn may_have_lost_a_race(detail: &str) -> bool {
    detail == ROTATED_ELSEWHERE || !FINAL_REFUSALS.contains(&detail)
}

/// How long a refused refresh waits, in all, for other tabs to say they renewed the session.
const ROTATION_WAIT_MS: u32 = 2_000;
const ROTATION_POLL_MS: u32 = 100;

/// What a correct password gives.
#[derive(Debug, Clone, PartialEq)]
pub enum SignInStep {
    SignedIn(User),
    /// The account has a second factor: the token that waits for it, and what the second step
    /// accepts (`totp`, `passkey`, `recovery_code`).
    SecondFactor {
        token: String,
        methods: Vec<String>,
    },
}

/// What a provider's answer did.
#[derive(Debug, Clone, PartialEq)]
pub enum ProviderOutcome {
    /// Signed in (or a new account was made).
    SignedIn(User),
    /// The account has a second factor: its second step, as after a password.
    SecondFactor { token: String, methods: Vec<String> },
    /// A signed-in person connected the provider to their account.
    Connected(ConnectedAccount),
}

/// A passkey's answer to a ceremony: the ceremony's id and the credential as JSON.
#[derive(Debug, Clone, PartialEq)]
pub struct PasskeyAnswer {
    pub id: String,
    pub credential: Value,
}

impl PasskeyAnswer {
    fn json(&self) -> Value {
        with(json!({ "id": self.id }), "credential", self.credential.clone())
    }
}

/// `object` with the member `name` set to `value`, which is JSON already: `json!` would copy it
/// through a serializer of its own, which the app does not need otherwise.
fn with(mut object: Value, name: &str, value: Value) -> Value {
    object[name] = value;
    object
}

/// The second step's proof.
#[derive(Debug, Clone, PartialEq)]
pub enum SecondFactor {
    Code(String),
    RecoveryCode(String),
    Passkey(PasskeyAnswer),
}

/// How a change to the second factors is confirmed: the password or a fresh second factor.
#[derive(Debug, Clone, PartialEq)]
pub enum Confirmation {
    Password(String),
    Code(String),
    Passkey(PasskeyAnswer),
}

impl Confirmation {
    fn json(&self) -> Value {
        match self {
            Confirmation::Password(password) => json!({ "current_password": password }),
            Confirmation::Code(code) => json!({ "code": code }),
            Confirmation::Passkey(answer) => with(json!({}), "passkey", answer.json()),
        }
    }
}

/// What happened to the session, for whoever shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionEvent {
    SignedIn(User),
    Refreshed,
    /// The person signed out, here or in another tab.
    SignedOut,
    /// The session could not be renewed (expired, ended elsewhere, or the account is gone).
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
    /// This tab's access token: in memory only.
    access: RefCell<Option<Access>>,
    refresh_lock: futures::lock::Mutex<()>,
    listener: RefCell<Option<Listener>>,
}

/// How a refresh that lost the race to another tab's ended.
enum Race {
    /// Another tab renewed the session (its `generation`): the browser now holds the rotated
    /// cookie.
    Renewed(u64),
    /// Another tab signed out meanwhile.
    SignedOut,
    /// No other tab renewed it: the session is over.
    Lost,
}

/// The API client. Cloning it is cheap and every clone shares the session.
#[derive(Clone)]
pub struct Client(Rc<Inner>);

impl Client {
    pub fn new(transport: impl Transport + 'static, clock: impl Clock + 'static, storage_key: &str) -> Client {
        let client = Client(Rc::new(Inner {
            transport: Box::new(transport),
            clock: Box::new(clock),
            storage_key: storage_key.to_owned(),
            access: RefCell::new(None),
            refresh_lock: futures::lock::Mutex::new(()),
            listener: RefCell::new(None),
        }));
        // Reading the shared state also removes whatever an earlier version kept there.
        client.shared();
        client
    }

    /// Calls `listener` on every change of the session.
    pub fn on_session(&self, listener: impl Fn(SessionEvent) + 'static) {
        *self.0.listener.borrow_mut() = Some(Rc::new(listener));
    }

    /// The state every tab shares, as it is now.
    pub fn shared(&self) -> Option<Shared> {
        storage::load(&self.0.storage_key)
    }

    fn marker(&self) -> Option<Marker> {
        self.shared().and_then(Shared::marker)
    }

    /// Whether someone is signed in in this browser, as every tab sees it now.
    pub fn has_session(&self) -> bool {
        self.marker().is_some()
    }

    fn emit(&self, event: SessionEvent) {
        let listener = self.0.listener.borrow().clone();
        if let Some(listener) = listener {
            listener(event);
        }
    }

    fn keep(&self, access: String, marker: Marker) -> Access {
        let access = Access::received(access, self.0.clock.now());
        *self.0.access.borrow_mut() = Some(access.clone());
        storage::save(&self.0.storage_key, &Shared::SignedIn(marker));
        access
    }

    /// Forgets the session in this browser: this tab's access token, and the shared state, so
    /// that every other tab follows. A session the server refused to renew is marked as ended,
    /// so that the other tabs say so too; any other end removes the state.
    pub fn end_session(&self, event: SessionEvent) {
        self.0.access.borrow_mut().take();
        if event == SessionEvent::Expired {
            storage::save(&self.0.storage_key, &Shared::Ended);
        } else {
            storage::clear(&self.0.storage_key);
        }
        self.emit(event);
    }

    /// Forgets this tab's access token after the session ended in another tab, whose change of
    /// the shared state said so; the shared state is left as that tab wrote it.
    pub fn ended_elsewhere(&self, event: SessionEvent) {
        self.forget_access();
        self.emit(event);
    }

    /// Drops this tab's access token; the next request fetches one with the refresh cookie.
    pub fn forget_access(&self) {
        self.0.access.borrow_mut().take();
    }

    async fn send(&self, request: Request) -> Result<(u16, String), ApiError> {
        let response = self.0.transport.send(request).await.map_err(ApiError::Network)?;
        Ok((response.status, response.body))
    }

    fn request(method: Method, path: &str, bearer: Option<&str>, body: Option<&Value>) -> Request {
        Request {
            method,
            path: path.to_owned(),
            bearer: bearer.map(str::to_owned),
            headers: Vec::new(),
            // `to_string` rather than `Value`'s `Display`: the one JSON writer the app has.
            body: body.map(|body| serde_json::to_string(body).unwrap_or_default()),
            keepalive: false,
        }
    }

    /// A request that needs no session.
    async fn public(&self, method: Method, path: &str, body: Value) -> Result<Value, ApiError> {
        let (status, text) = self.send(Self::request(method, path, None, Some(&body))).await?;
        decode(status, &text)
    }

    /// A request to a token endpoint in cookie mode: the refresh token goes and comes in the
    /// cookie, never in a body.
    fn token_request(path: &str, body: &Value) -> Request {
        let mut request = Self::request(Method::Post, path, None, Some(body));
        request.headers.push(TOKEN_TRANSPORT);
        request
    }

    /// A request on behalf of the signed-in person. The access token is fetched first when this
    /// tab has none or it is about to expire, and once more if the server refuses it; the
    /// request is retried once.
    async fn authed(&self, method: Method, path: &str, body: Option<Value>) -> Result<Value, ApiError> {
        self.authed_in(method, path, body, false).await
    }

    /// [`Client::authed`], in cookie mode when `cookie_mode` (see [`TOKEN_TRANSPORT`]).
    async fn authed_in(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
        cookie_mode: bool,
    ) -> Result<Value, ApiError> {
        let request = |token: &str| {
            let mut request = Self::request(method, path, Some(token), body.as_ref());
            if cookie_mode {
                request.headers.push(TOKEN_TRANSPORT);
            }
            request
        };
        if !self.has_session() {
            // Signed out in another tab, perhaps a moment ago: nothing is sent in its name.
            self.forget_access();
            return Err(ApiError::SignedOut);
        }
        let held = self.0.access.borrow().clone();
        let access = match held {
            Some(access) if !access.due(self.0.clock.now()) => access,
            held => self.refresh(held.map(|access| access.token).as_deref()).await?,
        };
        let (status, text) = self.send(request(&access.token)).await?;
        let answer = match decode(status, &text) {
            Err(ref error) if status == 401 && error.code() == Some("token_not_valid") => {
                let fresh = self.refresh(Some(&access.token)).await?;
                let (status, text) = self.send(request(&fresh.token)).await?;
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

    /// Renews the access token once for everyone whose token was `stale` (or who had none):
    /// concurrent callers in this tab wait for the one refresh in flight and then use its result.
    async fn refresh(&self, stale: Option<&str>) -> Result<Access, ApiError> {
        let _one_at_a_time = self.0.refresh_lock.lock().await;
        let Some(marker) = self.marker() else {
            self.forget_access();
            return Err(ApiError::SignedOut);
        };
        let held = self.0.access.borrow().clone();
        if let Some(access) = held {
            if Some(access.token.as_str()) != stale && !access.due(self.0.clock.now()) {
                // Renewed meanwhile by another caller in this tab.
                return Ok(access);
            }
        }
        let (status, text) = self.send(Self::token_request("jwt/refresh/", &json!({}))).await?;
        let refused = match decode(status, &text) {
            Ok(value) => return self.renewed(value),
            Err(ApiError::Refused { status: 401, detail, .. }) if may_have_lost_a_race(&detail) => {
                // Several tabs may have refreshed at once: each renewal another tab reports
                // brings the cookie it rotated in, which a third tab may have spent in turn.
                let (mut before, mut waited) = (marker.generation, 0);
                loop {
                    match self.race_with_other_tabs(before, &mut waited).await {
                        Race::Renewed(generation) => {
                            let (status, text) = self.send(Self::token_request("jwt/refresh/", &json!({}))).await?;
                            match decode(status, &text) {
                                Ok(value) => return self.renewed(value),
                                Err(ApiError::Refused { status: 401, detail, .. }) if may_have_lost_a_race(&detail) => {
                                    before = generation;
                                }
                                Err(error) => break error,
                            }
                        }
                        Race::SignedOut => {
                            self.forget_access();
                            return Err(ApiError::SignedOut);
                        }
                        Race::Lost => break ApiError::SessionExpired,
                    }
                }
            }
            Err(error) => error,
        };
        match refused {
            // Refused (ended elsewhere, expired, or the account is gone), or no cookie at all:
            // the session is over in every tab.
            ApiError::Refused { status: 401, .. } | ApiError::Invalid { .. } | ApiError::SessionExpired => {
                self.end_session(SessionEvent::Expired);
                Err(ApiError::SessionExpired)
            }
            // Unreachable or failing server: the session stands, and the caller says what failed.
            other => Err(other),
        }
    }

    /// Keeps the access token of a successful renewal and tells the other tabs about it.
    fn renewed(&self, value: Value) -> Result<Access, ApiError> {
        let answer: AccessAnswer = serde_json::from_value(value).map_err(|_| ApiError::Unexpected(200))?;
        let Some(mut marker) = self.marker() else {
            // Signed out in another tab while the answer was on its way.
            return Err(ApiError::SignedOut);
        };
        marker.generation += 1;
        marker.refreshed_at = self.0.clock.now();
        let access = self.keep(answer.access, marker);
        self.emit(SessionEvent::Refreshed);
        Ok(access)
    }

    /// After the server refused the cookie as already rotated: waits for another tab to say
    /// that it renewed the session (a `generation` past `before`). Its answer set the rotated
    /// cookie before it said so, so one more refresh will carry it. `waited` counts the time
    /// spent waiting over every round of one refresh.
    async fn race_with_other_tabs(&self, before: u64, waited: &mut u32) -> Race {
        loop {
            match self.marker() {
                Some(marker) if marker.generation != before => return Race::Renewed(marker.generation),
                None => {
                    return match self.shared() {
                        Some(Shared::Ended) => Race::Lost,
                        _ => Race::SignedOut,
                    }
                }
                Some(_) if *waited >= ROTATION_WAIT_MS => return Race::Lost,
                Some(_) => {
                    self.0.clock.pause(ROTATION_POLL_MS).await;
                    *waited += ROTATION_POLL_MS;
                }
            }
        }
    }

    // ----- Signing in and out -----

    /// Signs in: the server sets the refresh cookie, this tab keeps the access token, and the
    /// other tabs learn who signed in. An account with a second factor is asked for it first.
    pub async fn sign_in(&self, username: &str, password: &str) -> Result<SignInStep, ApiError> {
        let body = json!({ "username": username, "password": password });
        let (status, text) = self.send(Self::token_request("jwt/create/", &body)).await?;
        let value = decode(status, &text)?;
        if let Some(token) = value.get("mfa_token").and_then(Value::as_str) {
            let methods = value.get("methods").cloned().and_then(|methods| serde_json::from_value(methods).ok());
            return Ok(SignInStep::SecondFactor { token: token.to_owned(), methods: methods.unwrap_or_default() });
        }
        self.signed_in(status, value).map(SignInStep::SignedIn)
    }

    /// The second step of a sign-in: the token the first step gave, and a code from an
    /// authenticator app, a recovery code or a passkey's answer.
    pub async fn finish_sign_in(&self, mfa_token: &str, proof: SecondFactor) -> Result<User, ApiError> {
        let body = match proof {
            SecondFactor::Code(code) => json!({ "mfa_token": mfa_token, "code": code }),
            SecondFactor::RecoveryCode(code) => json!({ "mfa_token": mfa_token, "recovery_code": code }),
            SecondFactor::Passkey(answer) => with(json!({ "mfa_token": mfa_token }), "passkey", answer.json()),
        };
        let (status, text) = self.send(Self::token_request("jwt/mfa/", &body)).await?;
        let value = decode(status, &text)?;
        self.signed_in(status, value)
    }

    /// The options of a sign-in by passkey: any of the site's passkeys, or, with the token of a
    /// sign-in's first step, one of that account's.
    pub async fn passkey_sign_in_options(&self, mfa_token: Option<&str>) -> Result<PasskeyOptions, ApiError> {
        let body = match mfa_token {
            Some(token) => json!({ "mfa_token": token }),
            None => json!({}),
        };
        parse(self.public(Method::Post, "jwt/passkey/options/", body).await?)
    }

    /// Signs in with a passkey alone.
    pub async fn sign_in_with_passkey(&self, answer: &PasskeyAnswer) -> Result<User, ApiError> {
        let (status, text) = self.send(Self::token_request("jwt/passkey/", &answer.json())).await?;
        let value = decode(status, &text)?;
        self.signed_in(status, value)
    }

    /// A finished sign-in's answer: keeps the access token and tells the other tabs.
    fn signed_in(&self, status: u16, value: Value) -> Result<User, ApiError> {
        let answer: AccessAnswer = serde_json::from_value(value.clone()).map_err(|_| ApiError::Unexpected(status))?;
        let user: User = serde_json::from_value(value).map_err(|_| ApiError::Unexpected(status))?;
        let generation = self.marker().map_or(0, |marker| marker.generation + 1);
        let marker =
            Marker { user_id: user.id, username: user.username.clone(), generation, refreshed_at: self.0.clock.now() };
        self.keep(answer.access, marker);
        self.emit(SessionEvent::SignedIn(user.clone()));
        Ok(user)
    }

    /// Forgets the session here and in every tab at once, then asks the server to end it with a
    /// request the browser finishes even if the page is closed right away. An unreachable
    /// server does not keep the person signed in.
    pub async fn sign_out(&self) {
        self.end_session(SessionEvent::SignedOut);
        let mut request = Self::token_request("jwt/blacklist/", &json!({}));
        request.keepalive = true;
        let _ = self.send(request).await;
    }

    // ----- Accounts (no session needed) -----

    /// Signs up. Each form that sets a password or username has checked its confirmation
    /// already: the confirmed value goes as Djoser's `re_…` field too, which the server needs
    /// when its `GATEHOUSE_…_RETYPE` setting is on and ignores otherwise.
    pub async fn register(&self, account: &NewAccount) -> Result<User, ApiError> {
        let body = with(json!(account), "re_password", json!(account.password));
        parse(self.public(Method::Post, "users/", body).await?)
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
        let body = json!({ "uid": uid, "token": token, "new_password": new_password, "re_new_password": new_password });
        self.public(Method::Post, "users/reset_password_confirm/", body).await.map(drop)
    }

    pub async fn forgot_username(&self, email: &str) -> Result<(), ApiError> {
        self.public(Method::Post, "users/reset_username/", json!({ "email": email })).await.map(drop)
    }

    pub async fn reset_username(&self, uid: &str, token: &str, new_username: &str) -> Result<(), ApiError> {
        let body = json!({ "uid": uid, "token": token, "new_username": new_username, "re_new_username": new_username });
        self.public(Method::Post, "users/reset_username_confirm/", body).await.map(drop)
    }

    /// Takes back an e-mail change with the link sent to the old address. The server then ends
    /// every session of the account, so this browser's session is forgotten in every tab too,
    /// without asking the server to end it again.
    pub async fn revert_email(&self, uid: &str, token: &str) -> Result<(), ApiError> {
        self.public(Method::Post, "users/revert_email/", json!({ "uid": uid, "token": token })).await?;
        if self.has_session() {
            self.end_session(SessionEvent::SignedOut);
        }
        Ok(())
    }

    // ----- The signed-in person's account -----

    pub async fn me(&self) -> Result<User, ApiError> {
        let user: User = parse(self.authed(Method::Get, "users/me/", None).await?)?;
        // The other tabs name the person by the username they have now.
        if let Some(mut marker) = self.marker().filter(|marker| marker.user_id == user.id) {
            if marker.username != user.username {
                marker.username = user.username.clone();
                storage::save(&self.0.storage_key, &Shared::SignedIn(marker));
            }
        }
        Ok(user)
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
        let body = json!({
            "current_password": current_password,
            "new_password": new_password,
            "re_new_password": new_password,
        });
        self.authed(Method::Post, "users/set_password/", Some(body)).await.map(drop)
    }

    pub async fn set_username(&self, current_password: &str, new_username: &str) -> Result<(), ApiError> {
        let body = json!({
            "current_password": current_password,
            "new_username": new_username,
            "re_new_username": new_username,
        });
        self.authed(Method::Post, "users/set_username/", Some(body)).await.map(drop)
    }

    pub async fn users(&self) -> Result<Vec<User>, ApiError> {
        parse(self.authed(Method::Get, "users/", None).await?)
    }

    pub async fn user(&self, id: u64) -> Result<User, ApiError> {
        parse(self.authed(Method::Get, &format!("users/{id}/"), None).await?)
    }

    // ----- The signed-in person's second factors -----

    pub async fn second_factors(&self) -> Result<Factors, ApiError> {
        parse(self.authed(Method::Get, "users/me/mfa/", None).await?)
    }

    /// Starts adding an authenticator app: its key, active once a code confirms it.
    pub async fn start_authenticator(&self) -> Result<TotpEnrolment, ApiError> {
        parse(self.authed(Method::Post, "users/me/mfa/totp/", Some(json!({}))).await?)
    }

    pub async fn confirm_authenticator(&self, id: &str, code: &str) -> Result<Confirmed, ApiError> {
        parse(self.authed(Method::Post, "users/me/mfa/totp/confirm/", Some(json!({ "id": id, "code": code }))).await?)
    }

    /// The options of a new passkey, for the browser to make one.
    pub async fn start_passkey(&self) -> Result<PasskeyOptions, ApiError> {
        parse(self.authed(Method::Post, "users/me/mfa/passkeys/", Some(json!({}))).await?)
    }

    pub async fn confirm_passkey(&self, answer: &PasskeyAnswer, name: &str) -> Result<Confirmed, ApiError> {
        let mut body = answer.json();
        body["name"] = json!(name);
        parse(self.authed(Method::Post, "users/me/mfa/passkeys/confirm/", Some(body)).await?)
    }

    /// The options of confirming a change with one of the person's passkeys.
    pub async fn passkey_confirmation_options(&self) -> Result<PasskeyOptions, ApiError> {
        parse(self.authed(Method::Post, "users/me/mfa/passkeys/assertion/", Some(json!({}))).await?)
    }

    pub async fn rename_factor(&self, id: &str, name: &str) -> Result<Factor, ApiError> {
        let path = format!("users/me/mfa/{}/", path_segment(id));
        parse(self.authed(Method::Patch, &path, Some(json!({ "name": name }))).await?)
    }

    pub async fn remove_factor(&self, id: &str, confirmation: &Confirmation) -> Result<(), ApiError> {
        let path = format!("users/me/mfa/{}/", path_segment(id));
        self.authed(Method::Delete, &path, Some(confirmation.json())).await.map(drop)
    }

    /// Ten new recovery codes in place of the old ones.
    pub async fn new_recovery_codes(&self, confirmation: &Confirmation) -> Result<Vec<String>, ApiError> {
        let codes: RecoveryCodes =
            parse(self.authed(Method::Post, "users/me/mfa/recovery_codes/", Some(confirmation.json())).await?)?;
        Ok(codes.recovery_codes)
    }

    // ----- The signed-in person's sessions -----

    /// Every session of the signed-in person, newest first.
    pub async fn sessions(&self) -> Result<Vec<SessionInfo>, ApiError> {
        parse(self.authed(Method::Get, "users/me/sessions/", None).await?)
    }

    /// The signed-in person's latest events (at most thirty), newest first.
    pub async fn activity(&self) -> Result<Vec<Event>, ApiError> {
        parse(self.authed(Method::Get, "users/me/activity/", None).await?)
    }

    // ----- Identity providers -----

    /// The identity providers people may sign in with.
    pub async fn providers(&self) -> Result<Vec<Provider>, ApiError> {
        let (status, text) = self.send(Self::request(Method::Get, "o/", None, None)).await?;
        parse(decode(status, &text)?)
    }

    /// Where to send the browser to sign in with `provider`, to come back to `redirect_uri`.
    pub async fn provider_sign_in_url(&self, provider: &str, redirect_uri: &str) -> Result<String, ApiError> {
        let path = format!("o/{}/?redirect_uri={}", path_segment(provider), crate::routes::encode(redirect_uri));
        let mut request = Self::request(Method::Get, &path, None, None);
        // In cookie mode, the server binds the sign-in to this browser with a cookie of its own.
        request.headers.push(TOKEN_TRANSPORT);
        let (status, text) = self.send(request).await?;
        let url: AuthorizationUrl = parse(decode(status, &text)?)?;
        Ok(url.authorization_url)
    }

    /// Finishes a sign-in (or a connection) with the `code` and `state` the provider sent the
    /// browser back with.
    pub async fn finish_provider_sign_in(
        &self,
        provider: &str,
        code: &str,
        state: &str,
    ) -> Result<ProviderOutcome, ApiError> {
        let body = json!({ "code": code, "state": state });
        let path = format!("o/{}/", path_segment(provider));
        let (status, text) = self.send(Self::token_request(&path, &body)).await?;
        let value = decode(status, &text)?;
        if let Some(token) = value.get("mfa_token").and_then(Value::as_str) {
            let methods = value.get("methods").cloned().and_then(|methods| serde_json::from_value(methods).ok());
            let token = token.to_owned();
            return Ok(ProviderOutcome::SecondFactor { token, methods: methods.unwrap_or_default() });
        }
        if value.get("provider").is_some() {
            return parse(value).map(ProviderOutcome::Connected);
        }
        self.signed_in(status, value).map(ProviderOutcome::SignedIn)
    }

    /// The identity providers connected to the signed-in person's account.
    pub async fn connected_accounts(&self) -> Result<Vec<ConnectedAccount>, ApiError> {
        parse(self.authed(Method::Get, "users/me/providers/", None).await?)
    }

    /// Where to send the browser to connect `provider` to the signed-in person's account.
    pub async fn connect_provider(&self, provider: &str, redirect_uri: &str) -> Result<String, ApiError> {
        let path = format!("users/me/providers/{}/", path_segment(provider));
        let body = json!({ "redirect_uri": redirect_uri });
        let url: AuthorizationUrl = parse(self.authed_in(Method::Post, &path, Some(body), true).await?)?;
        Ok(url.authorization_url)
    }

    /// Disconnects `provider` from the signed-in person's account.
    pub async fn disconnect_provider(&self, provider: &str) -> Result<(), ApiError> {
        let path = format!("users/me/providers/{}/", path_segment(provider));
        self.authed(Method::Delete, &path, None).await.map(drop)
    }

    /// Ends one other session of the signed-in person, by its id.
    pub async fn end_other_session(&self, id: &str) -> Result<(), ApiError> {
        self.authed(Method::Delete, &format!("users/me/sessions/{}/", path_segment(id)), None).await.map(drop)
    }

    /// Ends every session of the signed-in person but this browser's.
    pub async fn end_other_sessions(&self) -> Result<(), ApiError> {
        self.authed(Method::Post, "users/me/sessions/revoke/", Some(json!({ "scope": "others" }))).await.map(drop)
    }
}

/// An id the server made, kept to the characters it makes, so it stays one path segment.
fn path_segment(id: &str) -> String {
    id.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').collect()
}

fn parse<T: DeserializeOwned>(value: Value) -> Result<T, ApiError> {
    serde_json::from_value(value).map_err(|_| ApiError::Unexpected(200))
}
