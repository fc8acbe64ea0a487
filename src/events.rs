//! The events of an account's history, said in plain words: "Signed in with a passkey from
//! Firefox on Linux, 192.0.2.4". The person's recent activity and the staff's audit trail both
//! say them this way. An event this app does not know yet is shown by its name.

use crate::api::{Event, Who};

/// Every event the server records, in the order of an account's life.
pub const NAMES: [&str; 24] = [
    "user.registered",
    "user.activated",
    "user.updated",
    "user.deactivated",
    "user.deleted",
    "user.signed_in",
    "user.sign_in_failed",
    "user.signed_out",
    "session.ended",
    "session.token_reused",
    "password.changed",
    "password.reset",
    "username.changed",
    "username.reset",
    "email.changed",
    "second_factor.added",
    "second_factor.removed",
    "second_factors.cleared",
    "provider.linked",
    "provider.unlinked",
    "staff.granted",
    "staff.removed",
    "activation.resent",
    "password_reset.sent",
];

/// What happened, from the event's name and its detail, such as "Signed in with a passkey".
/// Without a detail it says the kind of event ("Signed in"), which also names it in a list of
/// kinds. An event of another name is said by its name.
pub fn what(event: &str, detail: &str) -> String {
    let detail = detail.trim();
    let text = match event {
        "user.registered" => "Account created",
        "user.activated" => "Account activated",
        "user.updated" => return profile_changed(detail),
        "user.deactivated" => "Account deactivated",
        "user.deleted" => "Account deleted",
        "user.signed_in" => return signed_in(detail),
        "user.sign_in_failed" => match detail {
            "bad_credentials" => "Sign-in failed: wrong password",
            "inactive" => "Sign-in refused: the account is not active",
            "second_factor" => "Sign-in failed at the second step",
            _ => "Sign-in failed",
        },
        "user.signed_out" => "Signed out",
        "session.ended" => match detail {
            "one" => "A session was ended",
            "others" => "Every other session was ended",
            "all" => "Every session was ended",
            _ => "Sessions were ended",
        },
        "session.token_reused" => "An old sign-in token was used again, so its sessions were ended",
        "password.changed" => "Password changed",
        "password.reset" => "Password reset from an e-mailed link",
        "username.changed" => "Username changed",
        "username.reset" => "Username reset from an e-mailed link",
        "email.changed" => "E-mail address changed",
        "second_factor.added" => match detail {
            "totp" => "Authenticator app added",
            "passkey" => "Passkey added",
            "recovery_codes" => "New recovery codes made",
            _ => "Second factor added",
        },
        "second_factor.removed" => match detail {
            "totp" => "Authenticator app removed",
            "passkey" => "Passkey removed",
            "recovery_codes" => "Recovery codes removed",
            _ => "Second factor removed",
        },
        "second_factors.cleared" => "Every second factor removed",
        "provider.linked" if detail.is_empty() => "Identity provider connected for signing in",
        "provider.linked" => return format!("{detail} connected for signing in"),
        "provider.unlinked" if detail.is_empty() => "Identity provider disconnected",
        "provider.unlinked" => return format!("{detail} disconnected"),
        "staff.granted" => "Made staff",
        "staff.removed" => "Staff access removed",
        "activation.resent" => "Activation e-mail sent again",
        "password_reset.sent" => "Password reset e-mail sent",
        other => other,
    };
    text.to_owned()
}

/// A kind of event in words, for a list of kinds to choose from.
pub fn kind(event: &str) -> String {
    what(event, "")
}

/// "Signed in" and how: `password`, `passkey`, `provider:<name>` or `token`, and a second
/// step after a `+` (`totp`, `passkey`, `recovery_code`).
fn signed_in(detail: &str) -> String {
    if detail.is_empty() {
        return "Signed in".to_owned();
    }
    let (first, second) = match detail.split_once('+') {
        Some((first, second)) => (first, Some(second)),
        None => (detail, None),
    };
    let first = match first {
        "password" => "with a password".to_owned(),
        "passkey" => "with a passkey".to_owned(),
        "token" => "with an API token".to_owned(),
        other => match other.strip_prefix("provider:") {
            Some(provider) => format!("through {provider}"),
            None => format!("with {}", other.replace('_', " ")),
        },
    };
    match second {
        None => format!("Signed in {first}"),
        Some(second) => {
            let second = match second {
                "totp" => "a code from an authenticator app".to_owned(),
                "passkey" => "a passkey".to_owned(),
                "recovery_code" => "a recovery code".to_owned(),
                other => other.replace('_', " "),
            };
            format!("Signed in {first}, then {second}")
        }
    }
}

/// "Profile changed" and which of its fields, listed by the server with commas.
fn profile_changed(fields: &str) -> String {
    let names: Vec<String> = fields
        .split(',')
        .map(str::trim)
        .filter(|field| !field.is_empty())
        .map(|field| match field {
            "email" => "e-mail address".to_owned(),
            other => other.replace('_', " "),
        })
        .collect();
    if names.is_empty() {
        "Profile changed".to_owned()
    } else {
        format!("Profile changed: {}", names.join(", "))
    }
}

/// Where an event came from: the device and the address, such as "Firefox on Linux,
/// 192.0.2.4", either alone, or empty when neither is known.
pub fn place(device: &str, ip: &str) -> String {
    let parts: Vec<&str> = [device.trim(), ip.trim()].into_iter().filter(|part| !part.is_empty()).collect();
    parts.join(", ")
}

/// Who did it, when it was not the person themselves: "by admin", or "at the server's command
/// line" for the server's own shell, which has no account.
pub fn by(actor: Option<&Who>) -> Option<String> {
    actor.map(|who| match who.id {
        None => "at the server's command line".to_owned(),
        Some(_) => format!("by {}", who.username),
    })
}

/// The whole event in one sentence: what happened, who did it when it was someone else, and
/// where it came from. Where someone else acted from is theirs to know, not the account's, so
/// it is left out then.
pub fn sentence(event: &Event) -> String {
    let mut text = what(&event.event, &event.detail);
    match by(event.actor.as_ref()) {
        Some(actor) => {
            text.push(' ');
            text.push_str(&actor);
        }
        None => {
            let place = place(&event.device, &event.ip);
            if !place.is_empty() {
                text.push_str(" from ");
                text.push_str(&place);
            }
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(name: &str, detail: &str) -> Event {
        Event {
            id: 1,
            event: name.into(),
            at: "2026-12-05T16:01:33.123456Z".into(),
            user: Some(Who { id: Some(4), username: "ann".into() }),
            actor: None,
            ip: "192.0.2.4".into(),
            user_agent: "Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0".into(),
            device: "Firefox on Linux".into(),
            detail: detail.into(),
        }
    }

    #[test]
    fn every_event_and_detail_the_server_records_is_said_in_words() {
        for (name, detail, said) in [
            ("user.registered", "", "Account created"),
            ("user.activated", "link", "Account activated"),
            ("user.activated", "staff", "Account activated"),
            ("user.updated", "first_name,last_name", "Profile changed: first name, last name"),
            ("user.updated", "email", "Profile changed: e-mail address"),
            ("user.updated", "", "Profile changed"),
            ("user.deactivated", "", "Account deactivated"),
            ("user.deleted", "", "Account deleted"),
            ("user.signed_in", "password", "Signed in with a password"),
            ("user.signed_in", "passkey", "Signed in with a passkey"),
            ("user.signed_in", "provider:acme", "Signed in through acme"),
            ("user.signed_in", "token", "Signed in with an API token"),
            ("user.signed_in", "password+totp", "Signed in with a password, then a code from an authenticator app"),
            ("user.signed_in", "password+passkey", "Signed in with a password, then a passkey"),
            ("user.signed_in", "password+recovery_code", "Signed in with a password, then a recovery code"),
            (
                "user.signed_in",
                "provider:github+totp",
                "Signed in through github, then a code from an authenticator app",
            ),
            ("user.signed_in", "", "Signed in"),
            ("user.sign_in_failed", "bad_credentials", "Sign-in failed: wrong password"),
            ("user.sign_in_failed", "inactive", "Sign-in refused: the account is not active"),
            ("user.sign_in_failed", "second_factor", "Sign-in failed at the second step"),
            ("user.sign_in_failed", "", "Sign-in failed"),
            ("user.signed_out", "", "Signed out"),
            ("session.ended", "one", "A session was ended"),
            ("session.ended", "others", "Every other session was ended"),
            ("session.ended", "all", "Every session was ended"),
            ("session.ended", "", "Sessions were ended"),
            ("session.token_reused", "", "An old sign-in token was used again, so its sessions were ended"),
            ("password.changed", "", "Password changed"),
            ("password.reset", "", "Password reset from an e-mailed link"),
            ("username.changed", "", "Username changed"),
            ("username.reset", "", "Username reset from an e-mailed link"),
            ("email.changed", "", "E-mail address changed"),
            ("second_factor.added", "totp", "Authenticator app added"),
            ("second_factor.added", "passkey", "Passkey added"),
            ("second_factor.added", "recovery_codes", "New recovery codes made"),
            ("second_factor.added", "", "Second factor added"),
            ("second_factor.removed", "totp", "Authenticator app removed"),
            ("second_factor.removed", "passkey", "Passkey removed"),
            ("second_factor.removed", "recovery_codes", "Recovery codes removed"),
            ("second_factor.removed", "", "Second factor removed"),
            ("second_factors.cleared", "", "Every second factor removed"),
            ("provider.linked", "acme", "acme connected for signing in"),
            ("provider.linked", "", "Identity provider connected for signing in"),
            ("provider.unlinked", "github", "github disconnected"),
            ("provider.unlinked", "", "Identity provider disconnected"),
            ("staff.granted", "", "Made staff"),
            ("staff.removed", "", "Staff access removed"),
            ("activation.resent", "", "Activation e-mail sent again"),
            ("password_reset.sent", "", "Password reset e-mail sent"),
        ] {
            assert_eq!(what(name, detail), said, "{name} {detail:?}");
        }
    }

    #[test]
    fn every_kind_of_event_has_its_own_words_that_are_not_its_name() {
        let kinds: Vec<String> = NAMES.iter().map(|name| kind(name)).collect();
        for (name, said) in NAMES.iter().zip(&kinds) {
            assert_ne!(said, name, "{name} is said in words");
            assert_eq!(kinds.iter().filter(|other| *other == said).count(), 1, "{said} names one kind");
        }
    }

    #[test]
    fn an_event_this_app_does_not_know_is_said_by_its_name() {
        assert_eq!(what("user.teleported", "mars"), "user.teleported");
        assert_eq!(sentence(&event("user.teleported", "")), "user.teleported from Firefox on Linux, 192.0.2.4");
    }

    #[test]
    fn details_the_app_does_not_know_still_read_as_the_event() {
        assert_eq!(what("user.signed_in", "smart_card"), "Signed in with smart card");
        assert_eq!(what("user.signed_in", "password+sms_code"), "Signed in with a password, then sms code");
        assert_eq!(what("session.ended", "some"), "Sessions were ended");
        assert_eq!(what("user.sign_in_failed", "locked"), "Sign-in failed");
        assert_eq!(what("second_factor.added", "sms"), "Second factor added");
    }

    #[test]
    fn a_sign_in_is_said_with_the_device_and_address_it_came_from() {
        assert_eq!(
            sentence(&event("user.signed_in", "password")),
            "Signed in with a password from Firefox on Linux, 192.0.2.4"
        );
        let mut unknown_device = event("user.signed_out", "");
        unknown_device.device = String::new();
        assert_eq!(sentence(&unknown_device), "Signed out from 192.0.2.4");
        unknown_device.ip = " ".into();
        assert_eq!(sentence(&unknown_device), "Signed out");
    }

    #[test]
    fn what_staff_or_the_shell_did_names_them_and_not_where_they_were() {
        let mut deactivated = event("user.deactivated", "");
        deactivated.actor = Some(Who { id: Some(1), username: "admin".into() });
        assert_eq!(sentence(&deactivated), "Account deactivated by admin");
        deactivated.actor = Some(Who { id: None, username: "shell".into() });
        assert_eq!(sentence(&deactivated), "Account deactivated at the server's command line");
    }

    #[test]
    fn a_place_is_the_device_and_the_address_that_are_known() {
        assert_eq!(place("Chrome on Linux", "127.0.0.1"), "Chrome on Linux, 127.0.0.1");
        assert_eq!(place("", "127.0.0.1"), "127.0.0.1");
        assert_eq!(place("Chrome on Linux", ""), "Chrome on Linux");
        assert_eq!(place(" ", ""), "");
    }
}
