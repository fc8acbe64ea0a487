-- Second factors. A factor is active once confirmed (`confirmed_at`); an authenticator app's
-- key is sealed (auth/sealed.rs) and `last_step` is the last time step whose code was
-- accepted, so a code is good once. Recovery codes are kept as keyed digests. A sign-in that
-- needs a second factor waits in `gatehouse_mfa_challenges` (its token by digest).
CREATE TABLE gatehouse_mfa_factors (
    id TEXT PRIMARY KEY NOT NULL,
    user_id BIGINT NOT NULL,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    secret TEXT,
    last_step BIGINT,
    created_at BIGINT NOT NULL,
    confirmed_at BIGINT,
    last_used_at BIGINT
);
CREATE INDEX gatehouse_mfa_factors_user ON gatehouse_mfa_factors (user_id);

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
