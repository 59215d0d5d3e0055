-- SECRETS_BACKEND=database: the values of the three secret tiers, encrypted by the server (AES-256-GCM, the scope's
-- path and the key authenticated as associated data). path is SecretScope.Path (orgs/<org>[/deployments/<d>[/services/<s>]]);
-- key_id names the encryption key, so SECRETS_ENCRYPTION_KEY can be rotated and old rows re-encrypted.
-- Which keys exist, who changed them and when is kept apart from the values (whatever the backend).
CREATE TABLE secret_values (
    path        text        NOT NULL,
    key         text        NOT NULL,
    ciphertext  bytea       NOT NULL,
    key_id      text        NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT pk_secret_values PRIMARY KEY (path, key)
);
CREATE INDEX ix_secret_values_key_id ON secret_values (key_id);
