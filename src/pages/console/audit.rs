//! The audit trail: the events of every account, newest first, a page at a time, filtered by
//! account, kind of event and time. The address's query carries the filter in the API's own
//! parameters, so an account's page links to its trail, and Back and a reload keep it.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_query_map};

use super::{counted, denied, not_found, Paging};
use crate::api::{ApiError, AuditFilter, Event, Paged};
use crate::auth::{use_api, use_auth};
use crate::components::{focus_by_id, Alert, Field, FormState, Submit};
use crate::events;
use crate::routes::{with_query, Page};
use crate::task;
use crate::time;
use crate::validation::Problems;

/// What the form says of an account that is not named by its number.
const NOT_AN_ID: &str = "Enter the account's id: a whole number, shown on its page.";
/// What the form says of a time the browser could not read.
const NOT_A_TIME: &str = "Enter a date and a time.";

/// What the page shows before and after the staff API's first answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shown {
    Loading,
    NotFound,
    Trail,
}

/// The filter's fields, as typed.
#[derive(Clone, Copy)]
struct Typed {
    user: RwSignal<String>,
    event: RwSignal<String>,
    since: RwSignal<String>,
    until: RwSignal<String>,
}

impl Typed {
    /// Shows `filter` in the fields, its times in this browser's time zone.
    fn show(self, filter: &AuditFilter) {
        self.user.set(filter.user.map(|id| id.to_string()).unwrap_or_default());
        self.event.set(filter.event.clone());
        self.since.set(time::local_input_value(&filter.since));
        self.until.set(time::local_input_value(&filter.until));
    }
}

#[component]
pub fn AuditPage() -> impl IntoView {
    let api = use_api();
    let auth = use_auth();
    let navigate = use_navigate();
    let query = use_query_map();
    let filter = Memo::new(move |_| query.with(|q| AuditFilter::from_query(|key| q.get(key))));
    let typed = Typed {
        user: RwSignal::new(String::new()),
        event: RwSignal::new(String::new()),
        since: RwSignal::new(String::new()),
        until: RwSignal::new(String::new()),
    };
    let form = FormState::new(&["user", "since", "until"]);
    let found = RwSignal::new(None::<Result<Paged<Event>, ApiError>>);
    let refused = RwSignal::new(false);
    let loading = RwSignal::new(false);
    // Asking for the filter shown already asks the server again.
    let again = RwSignal::new(0_u32);

    Effect::new(move |ran: Option<()>| {
        again.track();
        let wanted = filter.get();
        typed.show(&wanted);
        loading.set(true);
        task::spawn(async move {
            let answer = api.get().audit_trail(&wanted).await;
            if filter.get_untracked() != wanted {
                return;
            }
            refused.set(denied(auth, &answer, wanted.page));
            found.set(Some(answer));
            loading.set(false);
            // The link or button that asked is gone with the old events: the keyboard goes to
            // the new ones.
            if ran.is_some() {
                focus_by_id("audit-results");
            }
        });
    });

    let on_filter = move |event: SubmitEvent| {
        event.prevent_default();
        let (user, since, until) = (typed.user.get(), typed.since.get(), typed.until.get());
        let user_id = user.trim().parse::<u64>().ok();
        let since_at = time::from_local_input(&since);
        let until_at = time::from_local_input(&end_of_minute(&until));
        let mut problems = Problems::new();
        if !user.trim().is_empty() && user_id.is_none() {
            problems.0.push(("user", NOT_AN_ID.to_owned()));
        }
        for (field, typed, read) in [("since", &since, &since_at), ("until", &until, &until_at)] {
            if !typed.trim().is_empty() && read.is_none() {
                problems.0.push((field, NOT_A_TIME.to_owned()));
            }
        }
        if !form.checked(problems) {
            return;
        }
        let wanted = AuditFilter {
            user: user_id,
            event: typed.event.get(),
            since: since_at.unwrap_or_default(),
            until: until_at.unwrap_or_default(),
            page: 1,
        };
        if wanted == filter.get_untracked() {
            again.update(|n| *n += 1);
        } else {
            navigate(&with_query(&Page::Audit, &wanted.query()), Default::default());
        }
    };

    let shown = Memo::new(move |_| match (refused.get(), found.with(Option::is_some)) {
        (true, _) => Shown::NotFound,
        (false, false) => Shown::Loading,
        (false, true) => Shown::Trail,
    });
    move || {
        match shown.get() {
        Shown::Loading => view! { <p class="loading" role="status">"Loading…"</p> }.into_any(),
        Shown::NotFound => not_found(),
        Shown::Trail => view! {
            <section class="card wide" aria-labelledby="audit-heading">
                <h1 id="audit-heading">"Audit trail"</h1>
                <p class="lead">"What happened to every account, newest first. Times are in your time zone."</p>
                <form class="filters" aria-label="Filter the events" on:submit=on_filter.clone() novalidate>
                    <Alert messages=form.general()/>
                    <div class="filter-fields">
                        <Field label="Account id" name="user" value=typed.user errors=form.field("user") hint="The number on the account's page."/>
                        <div class="field">
                            <div class="label-row">
                                <label for="field-event">"Event"</label>
                                <span class="optional">"Optional"</span>
                            </div>
                            <select id="field-event" name="event" on:change=move |event| typed.event.set(event_target_value(&event))>
                                <option value="" prop:selected=move || typed.event.with(String::is_empty)>"Any event"</option>
                                {events::NAMES
                                    .into_iter()
                                    .map(|name| {
                                        view! {
                                            <option value=name prop:selected=move || typed.event.with(|chosen| chosen == name)>
                                                {events::kind(name)}
                                            </option>
                                        }
                                    })
                                    .collect_view()}
                            </select>
                        </div>
                        <Field label="From" name="since" kind="datetime-local" value=typed.since errors=form.field("since")/>
                        <Field label="Until" name="until" kind="datetime-local" value=typed.until errors=form.field("until")/>
                    </div>
                    <div class="actions">
                        <Submit label="Show events" busy="Loading…" pending=loading/>
                        <A href=Page::Audit.path()>"Clear the filter"</A>
                    </div>
                </form>
                {move || found.get().map(|answer| match answer {
                    Err(error) if error.ends_session() => ().into_any(),
                    Err(error) => view! { <Alert messages=error.general(&[])/> }.into_any(),
                    Ok(page) => view! { <Trail found=page filter=filter.get_untracked()/> }.into_any(),
                })}
                <p class="aside"><A href=Page::Console.path()>"Back to the staff console"</A></p>
            </section>
        }
        .into_any(),
    }
    }
}

/// A time typed to the minute, as the end of that minute: "until 16:05" takes in 16:05:30.
fn end_of_minute(typed: &str) -> String {
    let typed = typed.trim();
    if typed.len() == 16 {
        format!("{typed}:59")
    } else {
        typed.to_owned()
    }
}

/// One page of events, with the way to the other pages.
#[component]
fn Trail(found: Paged<Event>, filter: AuditFilter) -> impl IntoView {
    let (count, capped) = (found.count, found.count_capped);
    let at = |page: u32| with_query(&Page::Audit, &filter.on_page(page).query());
    let previous = found.previous.is_some().then(|| at(filter.page.saturating_sub(1).max(1)));
    let next = found.next.is_some().then(|| at(filter.page + 1));
    let caption =
        if filter.narrows() { "The events that match the filter, newest first" } else { "Every event, newest first" };
    let table = (!found.results.is_empty()).then(|| {
        view! {
            <div class="table-wrap">
                <table class="console-table">
                    <caption>{caption}</caption>
                    <thead>
                        <tr>
                            <th scope="col">"When"</th>
                            <th scope="col">"Account"</th>
                            <th scope="col">"What happened"</th>
                            <th scope="col">"By"</th>
                            <th scope="col">"From"</th>
                        </tr>
                    </thead>
                    <tbody>{found.results.into_iter().map(|event| view! { <EventRow event=event/> }).collect_view()}</tbody>
                </table>
            </div>
        }
    });
    let nothing = (count == 0).then(|| view! { <p>"No events match the filter."</p> });
    view! {
        <h2 id="audit-results" class="section-heading" tabindex="-1">{counted(count, capped, "event", "events")}</h2>
        {nothing}
        {table}
        <Paging label="Pages of events" page=filter.page count=count capped=capped previous=previous next=next/>
    }
}

#[component]
fn EventRow(event: Event) -> impl IntoView {
    let when = time::local(&event.at);
    let account = match event.user.clone() {
        Some(who) => match who.id {
            Some(id) => view! { <A href=Page::ConsoleUser { id: Some(id) }.path()>{who.username}</A> }.into_any(),
            None => who.username.into_any(),
        },
        None => "Deleted account".into_any(),
    };
    let by = match &event.actor {
        None => String::new(),
        Some(who) if who.id.is_none() => "The server's command line".to_owned(),
        Some(who) => who.username.clone(),
    };
    let place = events::place(&event.device, &event.ip);
    view! {
        <tr>
            <td><span class="cell-label" aria-hidden="true">"When"</span><time datetime=event.at.clone()>{when}</time></td>
            <td><span class="cell-label" aria-hidden="true">"Account"</span>{account}</td>
            <td>
                <span class="cell-label" aria-hidden="true">"What"</span>
                <span>
                    {events::what(&event.event, &event.detail)}
                    <code class="event-name">{event.event.clone()}</code>
                </span>
            </td>
            <td><span class="cell-label" aria-hidden="true">"By"</span>{by}</td>
            <td><span class="cell-label" aria-hidden="true">"From"</span>{place}</td>
        </tr>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_time_typed_to_the_minute_runs_to_the_end_of_that_minute() {
        assert_eq!(end_of_minute("2026-12-05T16:05"), "2026-12-05T16:05:59");
        assert_eq!(end_of_minute("2026-12-05T16:05:10"), "2026-12-05T16:05:10");
        assert_eq!(end_of_minute(""), "");
    }
}
