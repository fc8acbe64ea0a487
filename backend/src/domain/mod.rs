//! The rules of the user model: what a username, an e-mail address and a password may be, and
//! how a user is shown.

pub mod audit;
pub mod device;
pub mod email;
pub mod password_policy;
pub mod user;
pub mod username;
