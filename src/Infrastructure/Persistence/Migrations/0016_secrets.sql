-- The three secret tiers (docs/secrets.md): which keys are set for an organization, a deployment of it or one service
-- of one deployment, when and by whom. Metadata only: the values live in the secrets backend (SECRETS_BACKEND).
-- A deleted organization or deployment takes its rows with it; a deleted user leaves the rows, without the name.
CREATE TABLE secrets (
    id               uuid        NOT NULL,
    organization_id  uuid        NOT NULL,
    deployment_id    uuid        NULL,
    service          text        NULL,
    key              text        NOT NULL,
    updated_at       timestamptz NOT NULL,
    updated_by       uuid        NULL,
    CONSTRAINT pk_secrets PRIMARY KEY (id),
    CONSTRAINT ux_secrets_scope_key UNIQUE NULLS NOT DISTINCT (organization_id, deployment_id, service, key),
    CONSTRAINT fk_secrets_organization FOREIGN KEY (organization_id) REFERENCES organizations (id) ON DELETE CASCADE,
    CONSTRAINT fk_secrets_deployment FOREIGN KEY (deployment_id) REFERENCES deployments (id) ON DELETE CASCADE,
    CONSTRAINT fk_secrets_updated_by FOREIGN KEY (updated_by) REFERENCES users (id) ON DELETE SET NULL,
    CONSTRAINT ck_secrets_service_needs_deployment CHECK (service IS NULL OR deployment_id IS NOT NULL),
    CONSTRAINT ck_secrets_key CHECK (key ~ '^[A-Za-z_][A-Za-z0-9_]*$' AND length(key) <= 256)
);
CREATE INDEX ix_secrets_deployment_id ON secrets (deployment_id) WHERE deployment_id IS NOT NULL;

-- Deployments published before the tiers read their secret settings from one Secret, <name>-secrets; now each service
-- reads its effective set from <name>-<service>-secrets. Every deployment without a pending row gets an apply row, so
-- that the server writes the new Secrets and UserDeployment (as 0011 did for the revision).
INSERT INTO cluster_outbox (deployment_id, operation, namespace, name, created_at, next_attempt_at)
SELECT d.id, 'apply', 'sandbox-' || d.team_id::text, d.name, now(), now()
FROM deployments d
WHERE NOT EXISTS (SELECT 1 FROM cluster_outbox o WHERE o.deployment_id = d.id);
