//! Gatehouse's browser app: every account flow of the API, client-side rendered with Leptos.
//!
//! Follow a click from `routes.rs` (`Page::at` is the route table) through `app.rs` to a page in
//! `pages/`, which calls the one API client in `api/`; the session it keeps lives in
//! `session.rs`, and `auth.rs` shows it. Background work runs through `task.rs`. An account's
//! events (its recent activity, the staff's audit trail) are said in words by `events.rs`.
//!
//! Two binaries mount it: `src/main.rs` with every page but the staff console's (the first
//! load), and `src/bin/console.rs` with the console's pages (`pages/console/`); `app.rs` moves
//! between them.

pub mod api;
pub mod app;
pub mod auth;
pub mod components;
pub mod events;
pub mod links;
pub mod notice;
pub mod pages;
pub mod passkey;
pub mod routes;
pub mod session;
pub mod task;
pub mod time;
pub mod validation;

pub use app::App;
