-- The audit log: one row per recorded change, written in the change's own transaction. Rows of one
-- transaction are a microsecond apart in the order their events were raised; seq breaks any remaining tie. No foreign keys: the
-- history outlives the organizations, users and resources it names.
CREATE TABLE audit_entries (
    id               uuid        NOT NULL,
    seq              bigint      GENERATED ALWAYS AS IDENTITY,
    occurred_at      timestamptz NOT NULL,
    organization_id  uuid        NULL,
    actor_id         uuid        NULL,
    actor_email      text        NULL,
    action           text        NOT NULL,
    resource_type    text        NOT NULL,
    resource_id      uuid        NULL,
    details          jsonb       NOT NULL,
    CONSTRAINT pk_audit_entries PRIMARY KEY (id)
);
CREATE INDEX ix_audit_entries_organization ON audit_entries (organization_id, occurred_at DESC, seq DESC);
