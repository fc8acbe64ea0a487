//! The staff's API: finding accounts, acting on one, and the audit trail. The server answers
//! "Not found." to anyone who is not staff, as if these paths did not exist.

use serde_json::{json, Value};

use super::transport::Method;
use super::types::{AdminUser, Event, Paged, SessionInfo};
use super::{parse, ApiError, Client};
use crate::routes::encode;

/// What staff can do to an account, each confirmed first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdminAction {
    Activate,
    Deactivate,
    MakeStaff,
    RemoveStaff,
    ResendActivation,
    SendPasswordReset,
    EndSessions,
    ClearSecondFactors,
    Delete,
}

impl AdminAction {
    /// Every action, in the order the console offers them.
    pub const ALL: [AdminAction; 9] = [
        AdminAction::Activate,
        AdminAction::Deactivate,
        AdminAction::MakeStaff,
        AdminAction::RemoveStaff,
        AdminAction::ResendActivation,
        AdminAction::SendPasswordReset,
        AdminAction::EndSessions,
        AdminAction::ClearSecondFactors,
        AdminAction::Delete,
    ];

    /// The last segment of the action's path under `admin/users/{id}/`; `None` for deleting,
    /// which is a `DELETE` of the account itself.
    pub fn segment(self) -> Option<&'static str> {
        match self {
            AdminAction::Activate => Some("activate"),
            AdminAction::Deactivate => Some("deactivate"),
            AdminAction::MakeStaff => Some("make_staff"),
            AdminAction::RemoveStaff => Some("remove_staff"),
            AdminAction::ResendActivation => Some("resend_activation"),
            AdminAction::SendPasswordReset => Some("send_password_reset"),
            AdminAction::EndSessions => Some("end_sessions"),
            AdminAction::ClearSecondFactors => Some("clear_second_factors"),
            AdminAction::Delete => None,
        }
    }
}

/// How many entries the staff API puts on one page.
pub const PAGE_SIZE: u64 = 25;

/// How many pages `count` entries fill; at least one, so that an empty list is "page 1 of 1".
pub fn page_count(count: u64) -> u32 {
    u32::try_from(count.div_ceil(PAGE_SIZE).max(1)).unwrap_or(u32::MAX)
}

/// A search of the accounts: the text the start of a username, e-mail address or name must
/// match, and the page of the results. The console's address carries it in the same query
/// parameters as the API.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccountSearch {
    pub text: String,
    /// From 1.
    pub page: u32,
}

impl AccountSearch {
    /// The search a query names, given a way to read its parameters.
    pub fn from_query(get: impl Fn(&str) -> Option<String>) -> AccountSearch {
        AccountSearch { text: get("search").unwrap_or_default().trim().to_owned(), page: page_of(get("page")) }
    }

    /// The query, without its `?`: empty for the first page of everyone.
    pub fn query(&self) -> String {
        let mut parts = Vec::new();
        if !self.text.is_empty() {
            parts.push(format!("search={}", encode(&self.text)));
        }
        if self.page > 1 {
            parts.push(format!("page={}", self.page));
        }
        parts.join("&")
    }
}

/// Which events of the audit trail to show: of one account, of one kind, from and until a time
/// (RFC 3339), and the page. Empty means any.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    pub user: Option<u64>,
    pub event: String,
    pub since: String,
    pub until: String,
    /// From 1.
    pub page: u32,
}

impl AuditFilter {
    /// The filter a query names, given a way to read its parameters. An account that is not a
    /// number names no account.
    pub fn from_query(get: impl Fn(&str) -> Option<String>) -> AuditFilter {
        let text = |key: &str| get(key).unwrap_or_default().trim().to_owned();
        AuditFilter {
            user: text("user").parse().ok(),
            event: text("event"),
            since: text("since"),
            until: text("until"),
            page: page_of(get("page")),
        }
    }

    /// The query, without its `?`: empty for the first page of every event.
    pub fn query(&self) -> String {
        let mut parts = Vec::new();
        if let Some(user) = self.user {
            parts.push(format!("user={user}"));
        }
        for (key, value) in [("event", &self.event), ("since", &self.since), ("until", &self.until)] {
            if !value.is_empty() {
                parts.push(format!("{key}={}", encode(value)));
            }
        }
        if self.page > 1 {
            parts.push(format!("page={}", self.page));
        }
        parts.join("&")
    }

    /// The same filter on another page.
    pub fn on_page(&self, page: u32) -> AuditFilter {
        AuditFilter { page, ..self.clone() }
    }

    /// Whether anything narrows the trail.
    pub fn narrows(&self) -> bool {
        self.user.is_some() || !self.event.is_empty() || !self.since.is_empty() || !self.until.is_empty()
    }
}

/// A page number as a query gives it: 1 unless it is a number from 1 on.
fn page_of(text: Option<String>) -> u32 {
    text.and_then(|text| text.trim().parse().ok()).filter(|page| *page >= 1).unwrap_or(1)
}

/// A path with its query, when it has one.
fn with_query(path: &str, query: &str) -> String {
    if query.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{query}")
    }
}

impl Client {
    /// The accounts a search finds, a page at a time.
    pub async fn find_accounts(&self, search: &AccountSearch) -> Result<Paged<AdminUser>, ApiError> {
        parse(self.authed(Method::Get, &with_query("admin/users/", &search.query()), None).await?)
    }

    /// One account, as staff see it.
    pub async fn account(&self, id: u64) -> Result<AdminUser, ApiError> {
        parse(self.authed(Method::Get, &format!("admin/users/{id}/"), None).await?)
    }

    /// Whether the signed-in person, of id `id`, is staff: only staff are shown their own
    /// account by the staff API. `None` when the server could not say.
    pub async fn is_staff(&self, id: u64) -> Option<bool> {
        // Only the one field is read: the app's first load has no reader for a whole account.
        match self.authed(Method::Get, &format!("admin/users/{id}/"), None).await {
            Ok(account) => account.get("is_staff").and_then(Value::as_bool),
            Err(ApiError::Refused { status: 403 | 404, .. }) => Some(false),
            Err(_) => None,
        }
    }

    /// The live sessions of the account `id`, newest first.
    pub async fn account_sessions(&self, id: u64) -> Result<Vec<SessionInfo>, ApiError> {
        parse(self.authed(Method::Get, &format!("users/{id}/sessions/"), None).await?)
    }

    /// Does `action` to the account `id`: the account as it is afterwards, or `None` once it
    /// was deleted.
    pub async fn act_on_account(&self, id: u64, action: AdminAction) -> Result<Option<AdminUser>, ApiError> {
        match action.segment() {
            Some(segment) => {
                let path = format!("admin/users/{id}/{segment}/");
                parse(self.authed(Method::Post, &path, Some(json!({}))).await?).map(Some)
            }
            None => self.authed(Method::Delete, &format!("admin/users/{id}/"), None).await.map(|_| None),
        }
    }

    /// The audit trail, newest first, a page at a time.
    pub async fn audit_trail(&self, filter: &AuditFilter) -> Result<Paged<Event>, ApiError> {
        parse(self.authed(Method::Get, &with_query("admin/audit/", &filter.query()), None).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |key| pairs.iter().find(|(name, _)| *name == key).map(|(_, value)| (*value).to_owned())
    }

    #[test]
    fn every_action_but_deleting_has_its_own_path() {
        let segments: Vec<_> = AdminAction::ALL.iter().filter_map(|action| action.segment()).collect();
        assert_eq!(
            segments,
            [
                "activate",
                "deactivate",
                "make_staff",
                "remove_staff",
                "resend_activation",
                "send_password_reset",
                "end_sessions",
                "clear_second_factors"
            ]
        );
        assert_eq!(AdminAction::Delete.segment(), None);
    }

    #[test]
    fn a_search_reads_from_and_writes_to_the_same_query() {
        let search = AccountSearch::from_query(query(&[("search", " ann lee "), ("page", "3")]));
        assert_eq!(search, AccountSearch { text: "ann lee".into(), page: 3 });
        assert_eq!(search.query(), "search=ann%20lee&page=3");
        assert_eq!(AccountSearch::from_query(query(&[])).query(), "");
        assert_eq!(AccountSearch { text: "a&b=c".into(), page: 1 }.query(), "search=a%26b%3Dc");
    }

    #[test]
    fn a_page_that_is_not_a_number_from_one_is_the_first() {
        for page in ["0", "-2", "two", "", "1.5"] {
            assert_eq!(AccountSearch::from_query(query(&[("page", page)])).page, 1, "{page}");
        }
    }

    #[test]
    fn an_audit_filter_reads_from_and_writes_to_the_same_query() {
        let filter = AuditFilter::from_query(query(&[
            ("user", "4"),
            ("event", "user.signed_in"),
            ("since", "2026-12-05T16:00:00Z"),
            ("until", ""),
            ("page", "2"),
        ]));
        assert_eq!(
            filter,
            AuditFilter {
                user: Some(4),
                event: "user.signed_in".into(),
                since: "2026-12-05T16:00:00Z".into(),
                until: String::new(),
                page: 2
            }
        );
        assert_eq!(filter.query(), "user=4&event=user.signed_in&since=2026-12-05T16%3A00%3A00Z&page=2");
        assert!(filter.narrows());
        assert_eq!(filter.on_page(1).query(), "user=4&event=user.signed_in&since=2026-12-05T16%3A00%3A00Z");
        let everything = AuditFilter::from_query(query(&[("user", "ann")]));
        assert_eq!(everything.user, None, "an account is named by its id");
        assert!(!everything.narrows());
        assert_eq!(everything.query(), "");
    }

    #[test]
    fn pages_are_counted_from_the_number_of_entries() {
        assert_eq!(page_count(0), 1);
        assert_eq!(page_count(1), 1);
        assert_eq!(page_count(25), 1);
        assert_eq!(page_count(26), 2);
        assert_eq!(page_count(123), 5);
    }

    #[test]
    fn a_path_carries_its_query_only_when_there_is_one() {
        assert_eq!(with_query("admin/users/", ""), "admin/users/");
        assert_eq!(with_query("admin/users/", "page=2"), "admin/users/?page=2");
    }
}
