-- Second factors. A factor is active once confirmed (`confirmed_at`); an authenticator app's
-- key is sealed (auth/sealed.rs) and `last_step` is the last time step whose code was
-- accepted, so a code is good once. A passkey's `secret` is its public key and counter as
-- JSON, found by `credential_id`; `user_handle` is the account's id on its authenticators.
-- Recovery codes are kept as keyed digests. A sign-in that needs a second factor waits in
-- `gatehouse_mfa_challenges` (its token by digest).
CREATE TABLE gatehouse_mfa_factors (
    id TEXT PRIMARY KEY NOT NULL,
    user_id BIGINT NOT NULL,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    secret TEXT,
    last_step BIGINT,
    created_at BIGINT NOT NULL,
    confirmed_at BIGINT,
    last_used_at BIGINT,
    credential_id TEXT,
    user_handle TEXT
);
CREATE INDEX gatehouse_mfa_factors_user ON gatehouse_mfa_factors (user_id);
CREATE UNIQUE INDEX gatehouse_mfa_factors_credential ON gatehouse_mfa_factors (credential_id);

CREATE TABLE gatehouse_recovery_codes (
    user_id BIGINT NOT NULL,
    digest TEXT NOT NULL,
    used_at BIGINT,
    PRIMARY KEY (user_id, digest)
);

CREATE TABLE gatehouse_mfa_challenges (
    digest TEXT PRIMARY KEY NOT NULL,
    user_id BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);
CREATE INDEX gatehouse_mfa_challenges_expires_at ON gatehouse_mfa_challenges (expires_at);

-- A passkey ceremony between its options and the authenticator's answer: WebAuthn's state for
-- it (the challenge), for one use within its lifetime. `user_id` is empty for a sign-in by a
-- passkey alone, where the authenticator names the account.
CREATE TABLE gatehouse_passkey_ceremonies (
    digest TEXT PRIMARY KEY NOT NULL,
    user_id BIGINT,
    purpose TEXT NOT NULL,
    state TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);
CREATE INDEX gatehouse_passkey_ceremonies_expires_at ON gatehouse_passkey_ceremonies (expires_at);
