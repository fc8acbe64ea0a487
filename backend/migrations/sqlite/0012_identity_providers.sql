-- Sign-ins through identity providers. An account's link to a provider is its `subject` there
-- (the ID token's `sub`, GitHub's numeric user id), unique per provider.
CREATE TABLE gatehouse_identities (
    provider TEXT NOT NULL,
    subject TEXT NOT NULL,
    user_id INTEGER NOT NULL,
    email TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    last_used_at INTEGER,
    PRIMARY KEY (provider, subject)
);
CREATE INDEX gatehouse_identities_user ON gatehouse_identities (user_id);

-- A sign-in sent to a provider, between the authorization URL and the provider's answer:
-- found by the digest of its `state`, used once within its lifetime, by any instance.
-- `user_id` is set when a signed-in person links the provider to their account.
CREATE TABLE gatehouse_provider_states (
    digest TEXT PRIMARY KEY NOT NULL,
    provider TEXT NOT NULL,
    redirect_uri TEXT NOT NULL,
    nonce TEXT NOT NULL,
    pkce_verifier TEXT NOT NULL,
    user_id INTEGER,
    expires_at INTEGER NOT NULL,
    used_at INTEGER
);
CREATE INDEX gatehouse_provider_states_expires_at ON gatehouse_provider_states (expires_at);
