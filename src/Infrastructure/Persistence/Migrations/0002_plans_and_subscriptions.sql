-- Billing plans (tier + limits, overridable per plan) and one subscription per organization, which holds a
-- snapshot of its plan's limits and the usage counters those limits apply to. Organizations lose their tier column:
-- the tier is the subscription's.

CREATE TABLE plans (
    id          uuid        NOT NULL,
    code        text        NOT NULL,
    name        text        NOT NULL,
    tier        text        NOT NULL,
    limits      jsonb       NOT NULL,
    client_id   uuid        NULL,
    created_at  timestamptz NOT NULL,
    CONSTRAINT pk_plans PRIMARY KEY (id),
    CONSTRAINT ux_plans_code UNIQUE (code),
    CONSTRAINT fk_plans_client FOREIGN KEY (client_id) REFERENCES clients (id) ON DELETE CASCADE,
    CONSTRAINT ck_plans_tier CHECK (tier IN ('free', 'business', 'enterprise')),
    CONSTRAINT ck_plans_code CHECK (code ~ '^[a-z0-9]([a-z0-9-]*[a-z0-9])?$')
);

-- The platform's default plan of each tier, with the limits of DESIGN.md §5.
INSERT INTO plans (id, code, name, tier, limits, created_at) VALUES
  ('01a20000-0000-7000-8000-000000000001', 'free', 'Free', 'free',
   '{"maxDeployments":1,"maxMembersPerTeam":1,"customTemplates":false,"orgTemplates":false,"isolation":"shared","quota":{"cpu":"1","memory":"1Gi","pods":5}}', now()),
  ('01a20000-0000-7000-8000-000000000002', 'business', 'Business', 'business',
   '{"maxDeployments":5,"maxMembersPerTeam":10,"customTemplates":true,"orgTemplates":false,"isolation":"namespace","quota":{"cpu":"8","memory":"16Gi","pods":50}}', now()),
  ('01a20000-0000-7000-8000-000000000003', 'enterprise', 'Enterprise', 'enterprise',
   '{"maxDeployments":null,"maxMembersPerTeam":null,"customTemplates":true,"orgTemplates":true,"isolation":"dedicated","quota":null}', now());

CREATE TABLE subscriptions (
    id                  uuid        NOT NULL,
    organization_id     uuid        NOT NULL,
    plan_id             uuid        NOT NULL,
    plan_name           text        NOT NULL,
    tier                text        NOT NULL,
    limits              jsonb       NOT NULL,
    status              text        NOT NULL,
    active_deployments  integer     NOT NULL,
    created_at          timestamptz NOT NULL,
    updated_at          timestamptz NOT NULL,
    CONSTRAINT pk_subscriptions PRIMARY KEY (id),
    CONSTRAINT ux_subscriptions_organization UNIQUE (organization_id),
    CONSTRAINT fk_subscriptions_organization FOREIGN KEY (organization_id) REFERENCES organizations (id) ON DELETE CASCADE,
    CONSTRAINT fk_subscriptions_plan FOREIGN KEY (plan_id) REFERENCES plans (id) ON DELETE RESTRICT,
    CONSTRAINT ck_subscriptions_tier CHECK (tier IN ('free', 'business', 'enterprise')),
    CONSTRAINT ck_subscriptions_status CHECK (status IN ('active', 'trialing', 'past_due', 'canceled')),
    CONSTRAINT ck_subscriptions_active_deployments CHECK (active_deployments >= 0)
);
CREATE INDEX ix_subscriptions_plan_id ON subscriptions (plan_id);

INSERT INTO subscriptions (id, organization_id, plan_id, plan_name, tier, limits, status, active_deployments, created_at, updated_at)
SELECT gen_random_uuid(), o.id, p.id, p.name, p.tier, p.limits, 'active', 0, o.created_at, now()
FROM organizations o JOIN plans p ON p.code = o.tier;

ALTER TABLE organizations DROP COLUMN tier;
