//! Black-box tests of the API over HTTP: each test starts the server on a random port with a
//! fresh SQLite file and an outbox folder for its e-mails.

mod account;
mod api_tokens;
mod app_files;
/// The browser app's link shapes, as the app itself declares them.
#[path = "../../../src/links.rs"]
mod app_links;
mod audit;
mod beside_django;
mod cli;
mod console;
mod conventions;
mod cookies;
pub mod django_import;
pub mod django_tables;
mod email_change;
mod emails;
mod hashing;
mod helpers;
mod hostile;
mod identity_provider;
mod jwt;
mod mfa;
mod passkeys;
mod processes;
mod protected;
mod providers;
mod reset;
mod scale;
mod schema;
mod sessions;
mod throttle;
mod translations;
mod users;
mod webhooks;
