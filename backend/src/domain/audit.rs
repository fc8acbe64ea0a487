//! The audit trail's events: what happened to an account, who did it, and from where. Each
//! event is stored in `gatehouse_audit_events` with the change that caused it and, for every
//! webhook subscribed to it, queued in the outbox beside the e-mails.
//!
//! Where a request comes from ([`Origin`]) is set once per request by the HTTP layer, so a
//! flow names only what happened.

use std::future::Future;

use super::user::User;

/// Every kind of event, by the name the trail, the API and webhooks use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Registered,
    Activated,
    Updated,
    Deactivated,
    Deleted,
    SignedIn,
    SignInFailed,
    SignedOut,
    SessionEnded,
    TokenReused,
    PasswordChanged,
    PasswordReset,
    UsernameChanged,
    UsernameReset,
    EmailChanged,
    SecondFactorAdded,
    SecondFactorRemoved,
    SecondFactorsCleared,
    ProviderLinked,
    ProviderUnlinked,
    StaffGranted,
    StaffRemoved,
    ActivationResent,
    PasswordResetSent,
}

impl Kind {
    pub const ALL: &'static [Kind] = &[
        Kind::Registered,
        Kind::Activated,
        Kind::Updated,
        Kind::Deactivated,
        Kind::Deleted,
        Kind::SignedIn,
        Kind::SignInFailed,
        Kind::SignedOut,
        Kind::SessionEnded,
        Kind::TokenReused,
        Kind::PasswordChanged,
        Kind::PasswordReset,
        Kind::UsernameChanged,
        Kind::UsernameReset,
        Kind::EmailChanged,
        Kind::SecondFactorAdded,
        Kind::SecondFactorRemoved,
        Kind::SecondFactorsCleared,
        Kind::ProviderLinked,
        Kind::ProviderUnlinked,
        Kind::StaffGranted,
        Kind::StaffRemoved,
        Kind::ActivationResent,
        Kind::PasswordResetSent,
    ];

    /// The event's name: `user.registered` is Djoser's `user_registered` signal,
    /// `user.activated` its `user_activated`, `user.updated` its `user_updated`.
    pub const fn name(self) -> &'static str {
        match self {
            Kind::Registered => "user.registered",
            Kind::Activated => "user.activated",
            Kind::Updated => "user.updated",
            Kind::Deactivated => "user.deactivated",
            Kind::Deleted => "user.deleted",
            Kind::SignedIn => "user.signed_in",
            Kind::SignInFailed => "user.sign_in_failed",
            Kind::SignedOut => "user.signed_out",
            Kind::SessionEnded => "session.ended",
            Kind::TokenReused => "session.token_reused",
            Kind::PasswordChanged => "password.changed",
            Kind::PasswordReset => "password.reset",
            Kind::UsernameChanged => "username.changed",
            Kind::UsernameReset => "username.reset",
            Kind::EmailChanged => "email.changed",
            Kind::SecondFactorAdded => "second_factor.added",
            Kind::SecondFactorRemoved => "second_factor.removed",
            Kind::SecondFactorsCleared => "second_factors.cleared",
            Kind::ProviderLinked => "provider.linked",
            Kind::ProviderUnlinked => "provider.unlinked",
            Kind::StaffGranted => "staff.granted",
            Kind::StaffRemoved => "staff.removed",
            Kind::ActivationResent => "activation.resent",
            Kind::PasswordResetSent => "password_reset.sent",
        }
    }

    pub fn named(name: &str) -> Option<Kind> {
        Kind::ALL.iter().copied().find(|kind| kind.name() == name)
    }
}

/// Who caused an event, when it is not the account's owner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// The account's owner, or nobody signed in (a link, a failed sign-in).
    Owner,
    /// A staff member, through the console's API.
    Staff { id: i64, username: String },
    /// Someone at the server's shell (`gatehouse users …`).
    Shell,
}

impl Actor {
    pub fn staff(user: &User) -> Self {
        Actor::Staff { id: user.id, username: user.username.clone() }
    }

    pub fn id(&self) -> Option<i64> {
        match self {
            Actor::Staff { id, .. } => Some(*id),
            _ => None,
        }
    }

    /// The name stored with the event: the staff member's username, `shell`, or nothing.
    pub fn name(&self) -> Option<&str> {
        match self {
            Actor::Owner => None,
            Actor::Staff { username, .. } => Some(username),
            Actor::Shell => Some(SHELL),
        }
    }
}

/// The actor name of `gatehouse users …`.
pub const SHELL: &str = "shell";

/// Where the request that caused an event came from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Origin {
    pub ip: String,
    pub user_agent: String,
}

/// The longest user agent kept, in characters (by the trail and by sessions).
pub const USER_AGENT_MAX: usize = 256;

impl Origin {
    pub fn new(ip: String, user_agent: &str) -> Self {
        let user_agent = user_agent.chars().filter(|c| !c.is_control()).take(USER_AGENT_MAX).collect();
        Self { ip, user_agent }
    }
}

tokio::task_local! {
    static ORIGIN: std::rc::Rc<dyn Fn() -> Origin>;
}

/// Runs `work` (a request's handling) with `origin` telling where its events come from. It is
/// asked only when an event is recorded: most requests record none.
pub async fn from<F: Future>(origin: impl Fn() -> Origin + 'static, work: F) -> F::Output {
    ORIGIN.scope(std::rc::Rc::new(origin), work).await
}

/// Where the request being handled comes from; empty outside a request (the shell, tasks).
pub fn origin() -> Origin {
    ORIGIN.try_with(|origin| origin()).unwrap_or_default()
}

/// One event, ready to be stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub kind: Kind,
    /// The account it happened to: `None` for a failed sign-in of an unknown name.
    pub user_id: Option<i64>,
    /// The account's username and e-mail address at the time (kept after it is deleted).
    pub username: String,
    pub email: String,
    pub actor: Actor,
    pub origin: Origin,
    /// What kind of it: a method, a reason class, a factor, a provider (never a secret).
    pub detail: String,
}

impl Event {
    /// `kind` happening to `user`, from the current request.
    pub fn of(kind: Kind, user: &User) -> Self {
        Self {
            kind,
            user_id: Some(user.id),
            username: user.username.clone(),
            email: user.email.clone(),
            actor: Actor::Owner,
            origin: origin(),
            detail: String::new(),
        }
    }

    /// A failed sign-in under a name no account has.
    pub fn unknown_account(kind: Kind) -> Self {
        Self {
            kind,
            user_id: None,
            username: String::new(),
            email: String::new(),
            actor: Actor::Owner,
            origin: origin(),
            detail: String::new(),
        }
    }

    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = detail.into();
        self
    }

    pub fn by(mut self, actor: Actor) -> Self {
        self.actor = actor;
        self
    }
}

impl Event {
    /// The webhook of this event, stored as audit event `id` at `at` (Unix microseconds): its
    /// message id (`webhook-id`) and its JSON body, in the Standard Webhooks shape
    /// (`type`, `timestamp`, `data`).
    pub fn webhook(&self, id: i64, at: i64) -> (String, String) {
        let user = self
            .user_id
            .map(|user_id| serde_json::json!({"id": user_id, "username": self.username, "email": self.email}));
        let actor = match &self.actor {
            Actor::Owner => serde_json::Value::Null,
            actor => serde_json::json!({"id": actor.id(), "username": actor.name()}),
        };
        let body = serde_json::json!({
            "type": self.kind.name(),
            "timestamp": crate::clock::iso(at),
            "data": {
                "id": id,
                "user": user,
                "actor": actor,
                "ip": self.origin.ip,
                "user_agent": self.origin.user_agent,
                "detail": self.detail,
            },
        });
        (format!("evt_{id}"), body.to_string())
    }
}

/// Which events a webhook receives: all of them, or those named (a name may end in `*`,
/// `user.*`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventFilter(Vec<String>);

impl EventFilter {
    pub fn all() -> Self {
        Self(Vec::new())
    }

    /// Reads a list of names; an unknown name or pattern is an error naming it.
    pub fn parse(names: &[String]) -> Result<Self, String> {
        for name in names {
            let known = match name.strip_suffix('*') {
                Some(prefix) => Kind::ALL.iter().any(|kind| kind.name().starts_with(prefix)),
                None => Kind::named(name).is_some(),
            };
            if !known {
                return Err(name.clone());
            }
        }
        Ok(Self(names.to_vec()))
    }

    pub fn accepts(&self, kind: Kind) -> bool {
        self.0.is_empty()
            || self.0.iter().any(|name| match name.strip_suffix('*') {
                Some(prefix) => kind.name().starts_with(prefix),
                None => kind.name() == name,
            })
    }
}

/// The webhooks events are queued for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Subscriptions {
    pub urls: Vec<String>,
    pub filter: Option<EventFilter>,
}

impl Subscriptions {
    /// The receivers of `kind`, in the order configured.
    pub fn receivers(&self, kind: Kind) -> &[String] {
        match &self.filter {
            Some(filter) if !filter.accepts(kind) => &[],
            _ => &self.urls,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_a_distinct_name_it_is_found_by() {
        let mut names: Vec<&str> = Kind::ALL.iter().map(|kind| kind.name()).collect();
        for kind in Kind::ALL {
            assert_eq!(Kind::named(kind.name()), Some(*kind));
        }
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Kind::ALL.len());
    }

    #[test]
    fn djoser_signals_map_to_events_of_the_same_words() {
        assert_eq!(Kind::Registered.name(), "user.registered");
        assert_eq!(Kind::Activated.name(), "user.activated");
        assert_eq!(Kind::Updated.name(), "user.updated");
    }

    #[test]
    fn a_filter_takes_names_and_prefixes_and_refuses_unknown_names() {
        let filter = EventFilter::parse(&["user.*".into(), "password.changed".into()]).unwrap();
        assert!(filter.accepts(Kind::Registered));
        assert!(filter.accepts(Kind::PasswordChanged));
        assert!(!filter.accepts(Kind::PasswordReset));
        assert_eq!(EventFilter::parse(&["user.registerd".into()]), Err("user.registerd".into()));
        assert_eq!(EventFilter::parse(&["nothing.*".into()]), Err("nothing.*".into()));
        assert!(EventFilter::all().accepts(Kind::SessionEnded));
    }

    #[test]
    fn a_user_agent_is_kept_without_control_characters_and_cut_at_its_limit() {
        let origin = Origin::new("192.0.2.4".into(), &format!("A\nB{}", "x".repeat(300)));
        assert!(origin.user_agent.starts_with("AB"));
        assert_eq!(origin.user_agent.chars().count(), USER_AGENT_MAX);
    }
}
