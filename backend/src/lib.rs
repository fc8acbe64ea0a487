//! Gatehouse: accounts, JWTs and e-mailed links, compatible with Djoser + SimpleJWT, and the
//! server of the browser app.

pub mod auth;
pub mod cli;
pub mod clock;
pub mod configuration;
pub mod domain;
pub mod email;
pub mod error;
pub mod flows;
pub mod http;
pub mod i18n;
pub mod messages;
pub mod providers;
pub mod pycompat;
pub mod revocation;
pub mod routes;
pub mod startup;
pub mod state;
pub mod store;
pub mod telemetry;
pub mod throttle;
pub mod webhooks;
