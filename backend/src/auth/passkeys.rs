//! Passkeys (WebAuthn Level 3) through the `webauthn-rs` crate: the options a browser passes to
//! `navigator.credentials.create()` or `.get()`, and the checks of what the authenticator
//! answers (origin, relying party, challenge, signature, user verification). The state between
//! the two halves of a ceremony is returned as JSON for the database, so any instance can
//! finish a ceremony another one started.
//!
//! The relying party is `GATEHOUSE_FRONTEND_URL`'s host and its origin the only one accepted.
//! Browsers offer WebAuthn only on a host name (`localhost` included), never on an IP address,
//! so with such a frontend there are no passkeys (`Passkeys::for_frontend` says `None`).

use serde_json::Value;
use webauthn_rs::prelude::{
    DiscoverableAuthentication, Passkey, PasskeyAuthentication, PasskeyRegistration, PublicKeyCredential,
    RegisterPublicKeyCredential, Url, Uuid, Webauthn, WebauthnBuilder,
};
use webauthn_rs_proto::ResidentKeyRequirement;

/// How long a browser may take over a ceremony, and how long its state is kept.
pub const CEREMONY_SECONDS: u64 = 300;

/// Why an authenticator's answer is refused.
#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    #[error("not a WebAuthn credential: {0}")]
    Malformed(String),
    #[error("the credential does not verify: {0}")]
    NotVerified(String),
}

/// A passkey that signed in: its credential id, and whether its stored form changed (the
/// signature counter or backup state) and should be written back.
pub struct Asserted {
    pub credential_id: String,
    pub user_handle: Option<Uuid>,
    pub result: webauthn_rs::prelude::AuthenticationResult,
}

/// The relying party of the frontend.
pub struct Passkeys {
    webauthn: Webauthn,
}

impl std::fmt::Debug for Passkeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Passkeys").finish_non_exhaustive()
    }
}

/// A credential id as the browser's JSON spells it: base64url without padding.
pub fn credential_id_text(passkey: &Passkey) -> String {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    let bytes: &[u8] = passkey.cred_id().as_ref();
    URL_SAFE_NO_PAD.encode(bytes)
}

fn to_json<T: serde::Serialize>(value: &T) -> anyhow::Result<String> {
    Ok(serde_json::to_string(value)?)
}

impl Passkeys {
    /// The relying party of `frontend_url`, named `site_name` in the browser's prompts; `None`
    /// when the frontend's host is an IP address.
    pub fn for_frontend(frontend_url: &str, site_name: &str) -> anyhow::Result<Option<Self>> {
        let url = Url::parse(frontend_url)?;
        let Some(host) = url.host_str() else { return Ok(None) };
        if host.starts_with('[') || host.parse::<std::net::IpAddr>().is_ok() {
            return Ok(None);
        }
        let origin = Url::parse(&url.origin().ascii_serialization())?;
        let webauthn = WebauthnBuilder::new(host, &origin)?
            .rp_name(site_name)
            .timeout(std::time::Duration::from_secs(CEREMONY_SECONDS))
            .build()?;
        Ok(Some(Self { webauthn }))
    }

    /// The options of a new passkey for the account `user_handle` names (the id its
    /// authenticators keep, never the database id), and the state to finish it with. The
    /// account's passkeys are excluded, so one authenticator is not registered twice. A
    /// discoverable credential is asked for, so the passkey can also sign in alone.
    pub fn start_registration(
        &self,
        user_handle: Uuid,
        username: &str,
        display_name: &str,
        existing: &[Passkey],
    ) -> anyhow::Result<(Value, String)> {
        let exclude = existing.iter().map(|key| key.cred_id().clone()).collect::<Vec<_>>();
        let exclude = (!exclude.is_empty()).then_some(exclude);
        let (mut options, state) =
            self.webauthn.start_passkey_registration(user_handle, username, display_name, exclude)?;
        if let Some(selection) = options.public_key.authenticator_selection.as_mut() {
            selection.resident_key = Some(ResidentKeyRequirement::Required);
            selection.require_resident_key = true;
        }
        Ok((serde_json::to_value(&options)?, to_json(&state)?))
    }

    /// The new passkey of a registration's `credential` (the browser's
    /// `PublicKeyCredential.toJSON()`), checked against the ceremony's `state`.
    pub fn finish_registration(&self, credential: &Value, state: &str) -> Result<Passkey, Refusal> {
        let credential: RegisterPublicKeyCredential =
            serde_json::from_value(credential.clone()).map_err(|e| Refusal::Malformed(e.to_string()))?;
        let state: PasskeyRegistration =
            serde_json::from_str(state).map_err(|e| Refusal::Malformed(format!("ceremony state: {e}")))?;
        self.webauthn.finish_passkey_registration(&credential, &state).map_err(|e| Refusal::NotVerified(e.to_string()))
    }

    /// The options of an assertion by one of `keys` (a known account), and its state.
    pub fn start_assertion(&self, keys: &[Passkey]) -> anyhow::Result<(Value, String)> {
        let (options, state) = self.webauthn.start_passkey_authentication(keys)?;
        Ok((serde_json::to_value(&options)?, to_json(&state)?))
    }

    /// The options of an assertion by any discoverable passkey of this site (a sign-in by a
    /// passkey alone), and its state. The options leave `mediation` to the page: a button asks
    /// at once, an autofilled field asks with `conditional`.
    pub fn start_discoverable(&self) -> anyhow::Result<(Value, String)> {
        let (mut options, state) = self.webauthn.start_discoverable_authentication()?;
        options.mediation = None;
        Ok((serde_json::to_value(&options)?, to_json(&state)?))
    }

    /// The credential id and user handle an assertion names, before it is checked.
    pub fn claimed(credential: &Value) -> Result<(String, Option<Uuid>), Refusal> {
        let credential: PublicKeyCredential =
            serde_json::from_value(credential.clone()).map_err(|e| Refusal::Malformed(e.to_string()))?;
        let handle = credential.get_user_unique_id().and_then(|bytes| Uuid::from_slice(bytes).ok());
        Ok((credential.id.clone(), handle))
    }

    /// Checks an assertion against its ceremony: `discoverable` tells which kind `state` is;
    /// `key` is the passkey the credential id names.
    pub fn finish_assertion(
        &self,
        credential: &Value,
        state: &str,
        discoverable: bool,
        key: &Passkey,
    ) -> Result<Asserted, Refusal> {
        let parsed: PublicKeyCredential =
            serde_json::from_value(credential.clone()).map_err(|e| Refusal::Malformed(e.to_string()))?;
        let malformed = |e: serde_json::Error| Refusal::Malformed(format!("ceremony state: {e}"));
        let result = if discoverable {
            let state: DiscoverableAuthentication = serde_json::from_str(state).map_err(malformed)?;
            self.webauthn.finish_discoverable_authentication_v2(&parsed, state, key)
        } else {
            let state: PasskeyAuthentication = serde_json::from_str(state).map_err(malformed)?;
            self.webauthn.finish_passkey_authentication(&parsed, &state)
        };
        let result = result.map_err(|e| Refusal::NotVerified(e.to_string()))?;
        let user_handle = parsed.get_user_unique_id().and_then(|bytes| Uuid::from_slice(bytes).ok());
        Ok(Asserted { credential_id: parsed.id.clone(), user_handle, result })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ip_address_frontend_has_no_passkeys_and_a_host_name_has() {
        assert!(Passkeys::for_frontend("http://127.0.0.1:8000", "Gatehouse").unwrap().is_none());
        assert!(Passkeys::for_frontend("http://[::1]:8000", "Gatehouse").unwrap().is_none());
        assert!(Passkeys::for_frontend("http://localhost:8000", "Gatehouse").unwrap().is_some());
        assert!(Passkeys::for_frontend("https://accounts.example.com/app", "Gatehouse").unwrap().is_some());
    }

    #[test]
    fn registration_options_ask_for_a_discoverable_passkey_with_user_verification_on_the_frontends_host() {
        let passkeys = Passkeys::for_frontend("https://accounts.example.com", "Example").unwrap().unwrap();
        let (options, state) = passkeys.start_registration(Uuid::new_v4(), "alice", "Alice", &[]).unwrap();
        let public_key = &options["publicKey"];
        assert_eq!(public_key["rp"]["id"], "accounts.example.com");
        assert_eq!(public_key["rp"]["name"], "Example");
        assert_eq!(public_key["user"]["name"], "alice");
        assert_eq!(public_key["authenticatorSelection"]["residentKey"], "required");
        assert_eq!(public_key["authenticatorSelection"]["userVerification"], "required");
        assert!(!state.is_empty());
    }

    #[test]
    fn a_credential_that_is_not_webauthn_json_is_refused_as_malformed() {
        let passkeys = Passkeys::for_frontend("http://localhost:8000", "Gatehouse").unwrap().unwrap();
        let (_, state) = passkeys.start_registration(Uuid::new_v4(), "alice", "Alice", &[]).unwrap();
        let refusal = passkeys.finish_registration(&serde_json::json!({"id": "x"}), &state).unwrap_err();
        assert!(matches!(refusal, Refusal::Malformed(_)), "{refusal}");
    }
}
