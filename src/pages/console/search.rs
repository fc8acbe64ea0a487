//! Finding accounts: a search box (the start of a username, e-mail address or name, in any
//! case, as the server matches), the accounts it finds a page at a time, each linking to its
//! page. The address's query carries the search, so Back and a reload keep it.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_query_map};

use super::{counted, denied, not_found, Paging};
use crate::api::{AccountSearch, AdminUser, ApiError, Paged};
use crate::auth::{use_api, use_auth};
use crate::components::{focus_by_id, Alert, Submit};
use crate::routes::{with_query, Page};
use crate::task;
use crate::time;

/// What the page shows before and after the staff API's first answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shown {
    Loading,
    NotFound,
    Console,
}

#[component]
pub fn ConsolePage() -> impl IntoView {
    let api = use_api();
    let auth = use_auth();
    let navigate = use_navigate();
    let query = use_query_map();
    let search = Memo::new(move |_| query.with(|q| AccountSearch::from_query(|key| q.get(key))));
    let typed = RwSignal::new(String::new());
    let found = RwSignal::new(None::<Result<Paged<AdminUser>, ApiError>>);
    let refused = RwSignal::new(false);
    let searching = RwSignal::new(false);
    // A search for what is shown already asks the server again.
    let again = RwSignal::new(0_u32);

    Effect::new(move |ran: Option<()>| {
        again.track();
        let wanted = search.get();
        typed.set(wanted.text.clone());
        searching.set(true);
        task::spawn(async move {
            let answer = api.get().find_accounts(&wanted).await;
            if search.get_untracked() != wanted {
                return;
            }
            refused.set(denied(auth, &answer, wanted.page));
            found.set(Some(answer));
            searching.set(false);
            // The link or button that asked is gone with the old results: the keyboard goes to
            // the new ones.
            if ran.is_some() {
                focus_by_id("console-results");
            }
        });
    });

    let on_search = move |event: SubmitEvent| {
        event.prevent_default();
        let wanted = AccountSearch { text: typed.get().trim().to_owned(), page: 1 };
        if wanted == search.get_untracked() {
            again.update(|n| *n += 1);
        } else {
            navigate(&with_query(&Page::Console, &wanted.query()), Default::default());
        }
    };

    let shown = Memo::new(move |_| match (refused.get(), found.with(Option::is_some)) {
        (true, _) => Shown::NotFound,
        (false, false) => Shown::Loading,
        (false, true) => Shown::Console,
    });
    move || {
        match shown.get() {
        Shown::Loading => view! { <p class="loading" role="status">"Loading…"</p> }.into_any(),
        Shown::NotFound => not_found(),
        Shown::Console => view! {
            <section class="card wide" aria-labelledby="console-heading">
                <h1 id="console-heading">"Staff console"</h1>
                <p class="lead">"Find an account to see its sessions and act on it, or read the audit trail of every account."</p>
                <p><A href=Page::Audit.path()>"Audit trail"</A></p>
                <form role="search" aria-label="Accounts" class="search" on:submit=on_search.clone() novalidate>
                    <div class="field">
                        <label for="console-search">"Search accounts"</label>
                        <input
                            id="console-search"
                            name="search"
                            type="search"
                            autocomplete="off"
                            aria-describedby="console-search-hint"
                            bind:value=typed
                        />
                        <p class="hint" id="console-search-hint">
                            "The start of a username, e-mail address, first or last name, in any case. Leave it empty to list everyone."
                        </p>
                    </div>
                    <Submit label="Search" busy="Searching…" pending=searching/>
                </form>
                {move || found.get().map(|answer| match answer {
                    Err(error) if error.ends_session() => ().into_any(),
                    Err(error) => view! { <Alert messages=error.general(&[])/> }.into_any(),
                    Ok(page) => view! { <Results found=page search=search.get_untracked()/> }.into_any(),
                })}
            </section>
        }
        .into_any(),
    }
    }
}

/// The accounts found, with the way to the other pages of them.
#[component]
fn Results(found: Paged<AdminUser>, search: AccountSearch) -> impl IntoView {
    let (count, capped) = (found.count, found.count_capped);
    let at = |page: u32| with_query(&Page::Console, &AccountSearch { page, ..search.clone() }.query());
    let previous = found.previous.is_some().then(|| at(search.page.saturating_sub(1).max(1)));
    let next = found.next.is_some().then(|| at(search.page + 1));
    let caption = if search.text.is_empty() {
        "Every account".to_owned()
    } else {
        format!("Accounts whose username, e-mail address or name starts with “{}”", search.text)
    };
    let table = (!found.results.is_empty()).then(|| {
        view! {
            <div class="table-wrap">
                <table class="console-table">
                    <caption>{caption}</caption>
                    <thead>
                        <tr>
                            <th scope="col">"Username"</th>
                            <th scope="col">"Name"</th>
                            <th scope="col">"E-mail address"</th>
                            <th scope="col">"Status"</th>
                            <th scope="col">"Joined"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {found.results.into_iter().map(|account| view! { <AccountRow account=account/> }).collect_view()}
                    </tbody>
                </table>
            </div>
        }
    });
    let nothing = (count == 0).then(|| {
        let said = if search.text.is_empty() {
            "There are no accounts yet.".to_owned()
        } else {
            format!("No account's username, e-mail address or name starts with “{}”.", search.text)
        };
        view! { <p>{said}</p> }
    });
    view! {
        <h2 id="console-results" class="section-heading" tabindex="-1">{counted(count, capped, "account", "accounts")}</h2>
        {nothing}
        {table}
        <Paging label="Pages of accounts" page=search.page count=count capped=capped previous=previous next=next/>
    }
}

#[component]
fn AccountRow(account: AdminUser) -> impl IntoView {
    let href = Page::ConsoleUser { id: Some(account.id) }.path();
    let joined = time::local(&account.date_joined);
    let username = account.username.clone();
    view! {
        <tr>
            <td><span class="cell-label" aria-hidden="true">"Username"</span><A href=href>{username}</A></td>
            <td><span class="cell-label" aria-hidden="true">"Name"</span>{account.full_name()}</td>
            <td><span class="cell-label" aria-hidden="true">"E-mail"</span>{account.email.clone()}</td>
            <td><span class="cell-label" aria-hidden="true">"Status"</span>{status(&account)}</td>
            <td>
                <span class="cell-label" aria-hidden="true">"Joined"</span>
                <time datetime=account.date_joined.clone()>{joined}</time>
            </td>
        </tr>
    }
}

/// An account's status in a few words: active or not, and staff or superuser.
pub(super) fn status(account: &AdminUser) -> String {
    let mut words = vec![if account.is_active { "Active" } else { "Inactive" }];
    if account.is_superuser {
        words.push("superuser");
    } else if account.is_staff {
        words.push("staff");
    }
    words.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(active: bool, staff: bool, superuser: bool) -> AdminUser {
        AdminUser {
            id: 4,
            username: "ann".into(),
            email: "ann@example.com".into(),
            first_name: "Ann".into(),
            last_name: String::new(),
            is_active: active,
            is_staff: staff,
            is_superuser: superuser,
            date_joined: "2026-12-01T09:00:00Z".into(),
            last_login: None,
            second_factors: 0,
        }
    }

    #[test]
    fn an_accounts_status_says_whether_it_is_active_and_staff() {
        assert_eq!(status(&account(true, false, false)), "Active");
        assert_eq!(status(&account(false, false, false)), "Inactive");
        assert_eq!(status(&account(true, true, false)), "Active, staff");
        assert_eq!(status(&account(false, true, true)), "Inactive, superuser");
    }
}
