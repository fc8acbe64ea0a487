//! The keys of this deployment's second factors, derived from `SECRET_KEY`: one seals
//! authenticator-app keys, one digests recovery codes.

use super::recovery_codes::CodeDigests;
use super::sealed::Sealer;

#[derive(Clone)]
pub struct FactorKeys {
    pub sealer: Sealer,
    pub codes: CodeDigests,
}

impl FactorKeys {
    pub fn new(secret_key: &str) -> Self {
        Self { sealer: Sealer::new(secret_key.as_bytes()), codes: CodeDigests::new(secret_key.as_bytes()) }
    }
}
