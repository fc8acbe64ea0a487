//! The staff's console: finding accounts (`search.rs`), one account with what staff can do to
//! it (`account.rs`), and the audit trail (`audit.rs`). The server alone says who is staff: it
//! answers "Not found." to anyone else, and these pages then show the app's not-found page, as
//! for any other address that leads nowhere.
//!
//! These pages are a bundle of their own ([`PAGES`], mounted by `src/bin/console.rs`), so that
//! the app's first load does not carry them: only those who open the console download them.

mod account;
mod audit;
mod search;

pub use account::ConsoleUserPage;
pub use audit::AuditPage;
pub use search::ConsolePage;

use leptos::prelude::*;
use leptos_router::components::A;

use crate::api::{page_count, ApiError};
use crate::app::Pages;
use crate::auth::Auth;
use crate::pages::NotFoundPage;
use crate::routes::{Bundle, Page};

/// The console's pages.
pub const PAGES: Pages = Pages { bundle: Bundle::Console, view: view_of };

/// A page of the console. Every other page is another bundle's, and never shown here.
fn view_of(page: Page) -> AnyView {
    match page {
        Page::Console => view! { <ConsolePage/> }.into_any(),
        Page::ConsoleUser { id } => view! { <ConsoleUserPage id/> }.into_any(),
        Page::Audit => view! { <AuditPage/> }.into_any(),
        _ => not_found(),
    }
}

/// Whether the server said there is nothing here, as it says to anyone who is not staff.
fn nothing_here(error: &ApiError) -> bool {
    matches!(error, ApiError::Refused { status: 404, .. })
}

/// Whether the staff API's answer for page `page` of something means there is nothing to show
/// here: the server's "Not found.", which it answers anyone who is not staff (and staff, for
/// an account that does not exist). Past the first page it also says a page is past the last,
/// which staff (as far as the app knows them) are told as an error. An answer with something
/// in it shows the navigation's link to the console, should it be missing.
fn denied<T>(auth: Auth, answer: &Result<T, ApiError>, page: u32) -> bool {
    match answer {
        Ok(_) => {
            auth.staff.set(true);
            false
        }
        Err(error) => nothing_here(error) && (page <= 1 || !auth.staff.get_untracked()),
    }
}

/// The app's not-found page, named so in the tab, in place of a console page.
fn not_found() -> AnyView {
    crate::pages::title(Page::NotFound.title());
    view! { <NotFoundPage/> }.into_any()
}

/// The way through a long list a page at a time: Previous, where we are, Next. Nothing when
/// everything fits on one page.
#[component]
fn Paging(
    /// What the pages are of, such as "Pages of accounts".
    label: &'static str,
    page: u32,
    count: u64,
    /// Whether the server stopped counting at `count`, so the last page is not known.
    capped: bool,
    /// The address of the page before, when there is one.
    previous: Option<String>,
    /// The address of the page after, when there is one.
    next: Option<String>,
) -> impl IntoView {
    let pages = page_count(count);
    let here = if capped { format!("Page {page}") } else { format!("Page {page} of {pages}") };
    (pages > 1 || previous.is_some() || next.is_some()).then(|| {
        view! {
            <nav class="paging" aria-label=label>
                {previous.map(|href| view! { <A href=href attr:rel="prev">"Previous"</A> })}
                <span class="paging-where">{here}</span>
                {next.map(|href| view! { <A href=href attr:rel="next">"Next"</A> })}
            </nav>
        }
    })
}

/// "1 account", "3 events": a count and its noun; "More than 1000 accounts" when the server
/// stopped counting.
fn counted(count: u64, capped: bool, one: &str, many: &str) -> String {
    if capped {
        format!("More than {count} {many}")
    } else if count == 1 {
        format!("1 {one}")
    } else {
        format!("{count} {many}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_count_takes_its_nouns_number() {
        assert_eq!(counted(0, false, "account", "accounts"), "0 accounts");
        assert_eq!(counted(1, false, "account", "accounts"), "1 account");
        assert_eq!(counted(123, false, "event", "events"), "123 events");
        assert_eq!(counted(1000, true, "account", "accounts"), "More than 1000 accounts");
    }

    #[test]
    fn only_the_servers_not_found_means_there_is_nothing_here() {
        let not_found = ApiError::Refused { status: 404, detail: "Not found.".into(), code: None };
        let forbidden = ApiError::Refused {
            status: 403,
            detail: "You do not have permission to perform this action.".into(),
            code: None,
        };
        assert!(nothing_here(&not_found));
        assert!(!nothing_here(&forbidden));
        assert!(!nothing_here(&ApiError::Network("reset".into())));
    }
}
