-- One namespace per team: KUBERNETES_NAMESPACE's %s is now the team's id, no longer the owner's handle, so a namespace
-- never holds two organizations' deployments and every existing deployment moves to another namespace. Each gets an
-- apply row: the cluster sync applies its UserDeployment in the team's namespace (same name and spec.host, so its
-- address does not change), and the full comparison removes the server-made UserDeployment left in the old
-- sandbox-<handle> namespace. The sync computes the namespace from the deployment; an apply row's namespace is
-- informational, written here as the default pattern (sandbox-%s) names it. Nothing happens in the cluster until
-- KUBERNETES_ENABLED=true.
INSERT INTO cluster_outbox (deployment_id, operation, namespace, name, created_at, next_attempt_at)
SELECT d.id, 'apply', 'sandbox-' || d.team_id::text, d.name, now(), now()
FROM deployments d
WHERE NOT EXISTS (SELECT 1 FROM cluster_outbox o WHERE o.deployment_id = d.id);
