-- The revision of a deployment: the number of the owner's current wish, 1 at launch and raised by every change the
-- cluster must be told of (in the transaction of the change). The server's UserDeployment carries it as spec.revision,
-- the operator echoes it as status.observedRevision, and the cluster sync copies a status back only when that equals
-- the stored revision. UserDeployments an older server wrote have no spec.revision (so their status would never be
-- copied): every deployment without a pending row gets an apply row, which publishes it with its revision. Nothing
-- happens in the cluster until KUBERNETES_ENABLED=true.
ALTER TABLE deployments
    ADD COLUMN revision bigint NOT NULL DEFAULT 1,
    ADD CONSTRAINT ck_deployments_revision CHECK (revision >= 1);

INSERT INTO cluster_outbox (deployment_id, operation, namespace, name, created_at, next_attempt_at)
SELECT d.id, 'apply', 'sandbox-' || d.team_id::text, d.name, now(), now()
FROM deployments d
WHERE NOT EXISTS (SELECT 1 FROM cluster_outbox o WHERE o.deployment_id = d.id);
