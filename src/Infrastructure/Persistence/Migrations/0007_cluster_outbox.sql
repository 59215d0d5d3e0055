-- Changes to deployments the cluster has not been told about yet (KUBERNETES_ENABLED=true). A row is written in
-- the same transaction as the change; the server's cluster sync applies (or deletes) the UserDeployment and removes
-- the row. next_attempt_at both schedules retries and leases a claimed row: a server that dies mid-way leaves the
-- row to be claimed again once the lease runs out. No foreign key: a delete row outlives its deployment.
CREATE TABLE cluster_outbox (
    seq              bigint      GENERATED ALWAYS AS IDENTITY,
    deployment_id    uuid        NOT NULL,
    operation        text        NOT NULL,
    namespace        text        NOT NULL,
    name             text        NOT NULL,
    created_at       timestamptz NOT NULL,
    attempts         integer     NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL,
    last_error       text        NULL,
    CONSTRAINT pk_cluster_outbox PRIMARY KEY (seq),
    CONSTRAINT ck_cluster_outbox_operation CHECK (operation IN ('apply', 'delete'))
);
CREATE INDEX ix_cluster_outbox_next_attempt ON cluster_outbox (next_attempt_at, seq);
CREATE INDEX ix_cluster_outbox_deployment ON cluster_outbox (deployment_id);
