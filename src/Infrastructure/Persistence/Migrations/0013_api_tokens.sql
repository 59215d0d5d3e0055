-- Personal API tokens for integrators. The secret is never stored: only its SHA-256, and its first characters
-- (prefix) so that a person can tell their tokens apart. Revoking deletes the row; so does deleting the user, the
-- organization the token is limited to, or the white-label client it was made on.
CREATE TABLE api_tokens (
    id               uuid        NOT NULL,
    user_id          uuid        NOT NULL,
    client_id        uuid        NULL,
    name             text        NOT NULL,
    scope            text        NOT NULL,
    organization_id  uuid        NULL,
    secret_hash      text        NOT NULL,
    prefix           text        NOT NULL,
    created_at       timestamptz NOT NULL,
    expires_at       timestamptz NOT NULL,
    last_used_at     timestamptz NULL,
    CONSTRAINT pk_api_tokens PRIMARY KEY (id),
    CONSTRAINT ux_api_tokens_secret_hash UNIQUE (secret_hash),
    CONSTRAINT fk_api_tokens_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT fk_api_tokens_client FOREIGN KEY (client_id) REFERENCES clients (id) ON DELETE CASCADE,
    CONSTRAINT fk_api_tokens_organization FOREIGN KEY (organization_id) REFERENCES organizations (id) ON DELETE CASCADE,
    CONSTRAINT ck_api_tokens_scope CHECK (scope IN ('read', 'write')),
    CONSTRAINT ck_api_tokens_secret_hash CHECK (secret_hash ~ '^[0-9a-f]{64}$')
);
CREATE INDEX ix_api_tokens_user_id ON api_tokens (user_id, created_at DESC);
CREATE INDEX ix_api_tokens_organization_id ON api_tokens (organization_id) WHERE organization_id IS NOT NULL;
