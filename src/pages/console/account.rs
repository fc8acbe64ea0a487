//! One account in the staff's console: its fields and status, its live sessions, what staff can
//! do to it, and a link to its audit trail. Every action asks first ("Deactivate ann?" with
//! Confirm and Cancel), then says how it went: the outcome, or the server's refusal.

use leptos::prelude::*;
use leptos_router::components::A;

use super::{denied, not_found};
use crate::api::{AdminAction, AdminUser, ApiError, AuditFilter, SessionInfo};
use crate::auth::{use_api, use_auth};
use crate::components::{focus_by_id as focus, Alert, Notices};
use crate::routes::{with_query, Page};
use crate::task::{self, Sending};
use crate::time;

/// What the page shows before and after the staff API's first answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shown {
    Loading,
    NotFound,
    Failed,
    Account,
}

#[component]
pub fn ConsoleUserPage(id: Option<u64>) -> impl IntoView {
    match id {
        Some(id) => view! { <Account id=id/> }.into_any(),
        // An address that names no account by its number.
        None => not_found(),
    }
}

#[component]
fn Account(id: u64) -> impl IntoView {
    let api = use_api();
    let auth = use_auth();
    let answer = RwSignal::new(None::<Result<AdminUser, ApiError>>);
    let refused = RwSignal::new(false);
    let sessions = RwSignal::new(None::<Result<Vec<SessionInfo>, ApiError>>);
    let deleted = RwSignal::new(false);
    let asking = RwSignal::new(None::<AdminAction>);
    let acting = Sending::new();
    let failed = RwSignal::new(Vec::<String>::new());
    let done = RwSignal::new(Vec::<String>::new());

    let load_sessions = move || {
        task::spawn(async move {
            let listed = api.get().account_sessions(id).await;
            sessions.set(Some(listed));
        })
    };
    task::spawn(async move {
        let found = api.get().account(id).await;
        refused.set(denied(auth, &found, 1));
        let shown = found.is_ok();
        answer.set(Some(found));
        if shown {
            load_sessions();
        }
    });

    let account =
        Memo::new(move |_| answer.with(|answer| answer.as_ref().and_then(|found| found.as_ref().ok()).cloned()));
    let username =
        move || account.with(|account| account.as_ref().map(|account| account.username.clone()).unwrap_or_default());

    let ask = move |action: AdminAction| {
        failed.set(Vec::new());
        done.set(Vec::new());
        asking.set(Some(action));
        focus("confirm-action-heading");
    };
    let cancel = move || {
        if let Some(action) = asking.get_untracked() {
            asking.set(None);
            focus(button_id(action));
        }
    };
    let confirm = move |action: AdminAction| {
        let name = username();
        acting.start(async move {
            match api.get().act_on_account(id, action).await {
                Ok(Some(changed)) => {
                    answer.set(Some(Ok(changed)));
                    done.set(vec![outcome(action, &name)]);
                    load_sessions();
                }
                Ok(None) => {
                    deleted.set(true);
                    done.set(vec![outcome(action, &name)]);
                }
                // A session that ended meanwhile sends the person to sign in (the page's guard).
                Err(error) if error.ends_session() => {}
                Err(error) => failed.set(error.general(&[])),
            }
            asking.set(None);
            focus(if deleted.get_untracked() { "account-heading" } else { "account-actions-heading" });
        });
    };

    let shown = Memo::new(move |_| {
        answer.with(|answer| match answer {
            _ if refused.get() => Shown::NotFound,
            None => Shown::Loading,
            Some(Err(_)) => Shown::Failed,
            Some(Ok(_)) => Shown::Account,
        })
    });
    let trail = with_query(&Page::Audit, &AuditFilter { user: Some(id), ..AuditFilter::default() }.query());
    move || match shown.get() {
        Shown::Loading => view! { <p class="loading" role="status">"Loading…"</p> }.into_any(),
        Shown::NotFound => not_found(),
        Shown::Failed => {
            let messages = answer.with_untracked(|answer| match answer {
                Some(Err(error)) if !error.ends_session() => error.general(&[]),
                _ => Vec::new(),
            });
            view! {
                <section class="card">
                    <h1>"Account"</h1>
                    <Alert messages=messages/>
                    <p class="aside"><A href=Page::Console.path()>"Back to the staff console"</A></p>
                </section>
            }
            .into_any()
        }
        Shown::Account => {
            let trail = trail.clone();
            view! {
            <section class="card wide" aria-labelledby="account-heading">
                <h1 id="account-heading" tabindex="-1">{username}</h1>
                <Alert messages=failed/>
                <Notices messages=done/>
                <Show
                    when=move || !deleted.get()
                    fallback=|| view! { <p>"The account and everything it held are gone."</p> }
                >
                    {move || account.get().map(|account| view! { <Facts account=account/> })}
                    <p><A href=trail.clone()>"Audit trail of this account"</A></p>
                    <h2 id="account-actions-heading" class="section-heading" tabindex="-1">"Actions"</h2>
                    <div class="actions">
                        {move || {
                            account
                                .get()
                                .map(|account| {
                                    AdminAction::ALL
                                        .into_iter()
                                        .filter(|action| offered(*action, &account))
                                        .map(|action| {
                                            view! {
                                                <button
                                                    type="button"
                                                    id=button_id(action)
                                                    class=if dangerous(action) { "danger" } else { "secondary" }
                                                    disabled=move || acting.pending().get()
                                                    aria-expanded=move || if asking.get() == Some(action) { "true" } else { "false" }
                                                    on:click=move |_| ask(action)
                                                >
                                                    {label(action)}
                                                </button>
                                            }
                                        })
                                        .collect_view()
                                })
                        }}
                    </div>
                    {move || {
                        asking.get().map(|action| {
                            let question = question(action, &username());
                            view! {
                                <div
                                    class="confirm-change"
                                    role="region"
                                    aria-labelledby="confirm-action-heading"
                                    on:keydown=move |event| {
                                        if event.key() == "Escape" {
                                            cancel();
                                        }
                                    }
                                >
                                    <h3 id="confirm-action-heading" tabindex="-1">{question}</h3>
                                    <p>{consequence(action)}</p>
                                    <div class="actions">
                                        <button
                                            type="button"
                                            class=if dangerous(action) { "danger" } else { "primary" }
                                            disabled=move || acting.pending().get()
                                            aria-busy=move || if acting.pending().get() { "true" } else { "false" }
                                            on:click=move |_| confirm(action)
                                        >
                                            {move || if acting.pending().get() { "Working…" } else { "Confirm" }}
                                        </button>
                                        <button type="button" class="secondary" on:click=move |_| cancel()>"Cancel"</button>
                                    </div>
                                </div>
                            }
                        })
                    }}
                    <h2 class="section-heading">"Live sessions"</h2>
                    {move || match sessions.get() {
                        None => view! { <p class="loading">"Loading the sessions…"</p> }.into_any(),
                        Some(Err(error)) if error.ends_session() => ().into_any(),
                        Some(Err(error)) => view! { <Alert messages=error.general(&[])/> }.into_any(),
                        Some(Ok(list)) if list.is_empty() => {
                            view! { <p>"None: the account is not signed in anywhere."</p> }.into_any()
                        }
                        Some(Ok(list)) => view! { <Sessions sessions=list owner=username()/> }.into_any(),
                    }}
                </Show>
                <p class="aside"><A href=Page::Console.path()>"Back to the staff console"</A></p>
            </section>
            }
            .into_any()
        }
    }
}

/// The account's fields and status.
#[component]
fn Facts(account: AdminUser) -> impl IntoView {
    let yes_no = |yes: bool| if yes { "Yes" } else { "No" };
    let name = account.full_name();
    let joined = time::local(&account.date_joined);
    let last_login = account.last_login.clone().map(|at| {
        let when = time::local(&at);
        view! { <time datetime=at>{when}</time> }
    });
    view! {
        <dl class="facts">
            <dt>"Username"</dt>
            <dd data-testid="account-username">{account.username.clone()}</dd>
            <dt>"Name"</dt>
            <dd>{if name.is_empty() { "Not given".to_owned() } else { name }}</dd>
            <dt>"E-mail address"</dt>
            <dd>{account.email.clone()}</dd>
            <dt>"Active"</dt>
            <dd data-testid="account-active">{yes_no(account.is_active)}</dd>
            <dt>"Staff"</dt>
            <dd data-testid="account-staff">{yes_no(account.is_staff)}</dd>
            <dt>"Superuser"</dt>
            <dd>{yes_no(account.is_superuser)}</dd>
            <dt>"Joined"</dt>
            <dd><time datetime=account.date_joined.clone()>{joined}</time></dd>
            <dt>"Last sign-in"</dt>
            <dd>{last_login.map(IntoAny::into_any).unwrap_or_else(|| "Never".into_any())}</dd>
            <dt>"Second factors"</dt>
            <dd>{account.second_factors}</dd>
            <dt>"Account id"</dt>
            <dd>{account.id}</dd>
        </dl>
    }
}

/// The account's live sessions.
#[component]
fn Sessions(sessions: Vec<SessionInfo>, owner: String) -> impl IntoView {
    view! {
        <div class="table-wrap">
            <table class="console-table">
                <caption class="visually-hidden">{format!("Live sessions of {owner}, newest first")}</caption>
                <thead>
                    <tr>
                        <th scope="col">"Device"</th>
                        <th scope="col">"Address"</th>
                        <th scope="col">"Signed in"</th>
                        <th scope="col">"Last used"</th>
                    </tr>
                </thead>
                <tbody>
                    {sessions
                        .into_iter()
                        .map(|session| {
                            let address = session.ip.clone().filter(|ip| !ip.trim().is_empty()).unwrap_or_else(|| "Unknown".to_owned());
                            let (created, last_used) = (time::local(&session.created), time::local(&session.last_used));
                            view! {
                                <tr>
                                    <td><span class="cell-label" aria-hidden="true">"Device"</span>{session.device_name().to_owned()}</td>
                                    <td><span class="cell-label" aria-hidden="true">"Address"</span>{address}</td>
                                    <td>
                                        <span class="cell-label" aria-hidden="true">"Signed in"</span>
                                        <time datetime=session.created.clone()>{created}</time>
                                    </td>
                                    <td>
                                        <span class="cell-label" aria-hidden="true">"Last used"</span>
                                        <time datetime=session.last_used.clone()>{last_used}</time>
                                    </td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
}

/// The id of an action's button, to give the keyboard back to it.
fn button_id(action: AdminAction) -> String {
    format!("action-{}", action.segment().unwrap_or("delete").replace('_', "-"))
}

/// Whether the console offers `action` for `account` as it is: one of Activate and
/// Deactivate, one of Make staff and Remove staff, a new activation e-mail only for an
/// account that is not active, and clearing second factors only when there are some.
fn offered(action: AdminAction, account: &AdminUser) -> bool {
    match action {
        AdminAction::Activate | AdminAction::ResendActivation => !account.is_active,
        AdminAction::Deactivate => account.is_active,
        AdminAction::MakeStaff => !account.is_staff,
        AdminAction::RemoveStaff => account.is_staff,
        AdminAction::ClearSecondFactors => account.second_factors > 0,
        AdminAction::SendPasswordReset | AdminAction::EndSessions | AdminAction::Delete => true,
    }
}

/// Whether the action takes something away from the account.
fn dangerous(action: AdminAction) -> bool {
    matches!(
        action,
        AdminAction::Deactivate
            | AdminAction::RemoveStaff
            | AdminAction::EndSessions
            | AdminAction::ClearSecondFactors
            | AdminAction::Delete
    )
}

/// The action's button.
fn label(action: AdminAction) -> &'static str {
    match action {
        AdminAction::Activate => "Activate",
        AdminAction::Deactivate => "Deactivate",
        AdminAction::MakeStaff => "Make staff",
        AdminAction::RemoveStaff => "Remove staff",
        AdminAction::ResendActivation => "Resend activation e-mail",
        AdminAction::SendPasswordReset => "Send password reset",
        AdminAction::EndSessions => "End all sessions",
        AdminAction::ClearSecondFactors => "Clear second factors",
        AdminAction::Delete => "Delete",
    }
}

/// What the console asks before doing the action to `username`.
fn question(action: AdminAction, username: &str) -> String {
    match action {
        AdminAction::Activate => format!("Activate {username}?"),
        AdminAction::Deactivate => format!("Deactivate {username}?"),
        AdminAction::MakeStaff => format!("Make {username} staff?"),
        AdminAction::RemoveStaff => format!("Remove {username} from the staff?"),
        AdminAction::ResendActivation => format!("Send {username} a new activation e-mail?"),
        AdminAction::SendPasswordReset => format!("Send {username} a password reset e-mail?"),
        AdminAction::EndSessions => format!("End all of {username}'s sessions?"),
        AdminAction::ClearSecondFactors => format!("Clear {username}'s second factors?"),
        AdminAction::Delete => format!("Delete {username}?"),
    }
}

/// What the action does, said beside the question.
fn consequence(action: AdminAction) -> &'static str {
    match action {
        AdminAction::Activate => "Are you sure? The account can sign in again.",
        AdminAction::Deactivate => {
            "Are you sure? The account's sessions stop working and it cannot sign in until it is activated again."
        }
        AdminAction::MakeStaff => {
            "Are you sure? Staff can use this console: find accounts, act on them and read the audit trail."
        }
        AdminAction::RemoveStaff => "Are you sure? The account can no longer use this console.",
        AdminAction::ResendActivation => "Are you sure? A new activation link goes to the account's e-mail address.",
        AdminAction::SendPasswordReset => {
            "Are you sure? A link to choose a new password goes to the account's e-mail address. The current password keeps working until the link is used."
        }
        AdminAction::EndSessions => "Are you sure? The account is signed out on every device.",
        AdminAction::ClearSecondFactors => {
            "Are you sure? Its authenticator apps, passkeys and recovery codes are removed: it signs in with its password alone until new ones are added."
        }
        AdminAction::Delete => "Are you sure? The account and everything it holds are removed for good. This cannot be undone.",
    }
}

/// What the console says once the action was done to `username`.
fn outcome(action: AdminAction, username: &str) -> String {
    match action {
        AdminAction::Activate => format!("{username} was activated."),
        AdminAction::Deactivate => format!("{username} was deactivated."),
        AdminAction::MakeStaff => format!("{username} is now staff."),
        AdminAction::RemoveStaff => format!("{username} is no longer staff."),
        AdminAction::ResendActivation => format!("A new activation e-mail was sent to {username}."),
        AdminAction::SendPasswordReset => format!("A password reset e-mail was sent to {username}."),
        AdminAction::EndSessions => format!("All of {username}'s sessions were ended."),
        AdminAction::ClearSecondFactors => format!("{username}'s second factors were cleared."),
        AdminAction::Delete => format!("{username} was deleted."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(active: bool, staff: bool, second_factors: u32) -> AdminUser {
        AdminUser {
            id: 4,
            username: "ann".into(),
            email: "ann@example.com".into(),
            first_name: String::new(),
            last_name: String::new(),
            is_active: active,
            is_staff: staff,
            is_superuser: false,
            date_joined: "2026-12-01T09:00:00Z".into(),
            last_login: None,
            second_factors,
        }
    }

    fn offers(account: &AdminUser) -> Vec<&'static str> {
        AdminAction::ALL.into_iter().filter(|action| offered(*action, account)).map(label).collect()
    }

    #[test]
    fn an_active_account_can_be_deactivated_and_an_inactive_one_activated_or_sent_a_new_link() {
        assert_eq!(
            offers(&account(true, false, 0)),
            ["Deactivate", "Make staff", "Send password reset", "End all sessions", "Delete"]
        );
        assert_eq!(
            offers(&account(false, true, 2)),
            [
                "Activate",
                "Remove staff",
                "Resend activation e-mail",
                "Send password reset",
                "End all sessions",
                "Clear second factors",
                "Delete"
            ]
        );
    }

    #[test]
    fn every_action_asks_first_and_then_says_what_it_did() {
        for action in AdminAction::ALL {
            let asked = question(action, "ann");
            assert!(asked.contains("ann") && asked.ends_with('?'), "{asked}");
            assert!(consequence(action).starts_with("Are you sure?"), "{action:?}");
            let said = outcome(action, "ann");
            assert!(said.contains("ann") && said.ends_with('.'), "{said}");
        }
        assert_eq!(question(AdminAction::Deactivate, "ann"), "Deactivate ann?");
        assert_eq!(outcome(AdminAction::Deactivate, "ann"), "ann was deactivated.");
    }

    #[test]
    fn each_action_has_a_button_of_its_own() {
        let ids: Vec<String> = AdminAction::ALL.into_iter().map(button_id).collect();
        for id in &ids {
            assert_eq!(ids.iter().filter(|other| *other == id).count(), 1, "{id}");
        }
        assert_eq!(button_id(AdminAction::EndSessions), "action-end-sessions");
        assert_eq!(button_id(AdminAction::Delete), "action-delete");
    }

    #[test]
    fn only_actions_that_take_something_away_look_dangerous() {
        assert!(dangerous(AdminAction::Deactivate) && dangerous(AdminAction::Delete));
        assert!(!dangerous(AdminAction::Activate) && !dangerous(AdminAction::SendPasswordReset));
    }
}
