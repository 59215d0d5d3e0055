-- pgbench: the statements POST /api/deployments makes (as EF Core sends them; see bench/README.md): the caller's roles
-- on the team, the template version with the name check, then in one transaction the subscription row's lock, the
-- audit row, the deployment, the counter (the server sends these three in one batch; pgbench one by one).
-- Variables: team, org, user, template (pgbench -D); names are random.
\set r random(1, 1000000000000)
SELECT t.organization_id, (
    SELECT o1.role FROM organizations AS o0 INNER JOIN organization_members AS o1 ON o0.id = o1.organization_id
    WHERE o0.id = t.organization_id AND o1.user_id = :user LIMIT 1), (
    SELECT t0.role FROM team_members AS t0 WHERE t.id = t0.team_id AND t0.user_id = :user LIMIT 1)
FROM teams AS t
WHERE t.id = :team AND EXISTS (SELECT 1 FROM organizations AS o WHERE o.id = t.organization_id AND o.client_id IS NULL)
LIMIT 2;
SELECT t.name, t.current_version, (
    SELECT t0.spec FROM template_versions AS t0 WHERE t.id = t0.template_id AND t0.number = t.current_version LIMIT 1), EXISTS (
    SELECT 1 FROM deployments AS d WHERE d.team_id = :team AND d.name = 'pg' || :r)
FROM templates AS t
WHERE (t.visibility = 'system' OR (t.visibility = 'org' AND t.organization_id = :org) OR (t.visibility = 'team' AND t.team_id = :team)
    OR (t.visibility = 'private' AND t.organization_id = :org AND t.created_by = :user)) AND t.id = :template
LIMIT 2;
BEGIN;
SELECT *, xmin FROM subscriptions WHERE organization_id = :org FOR UPDATE;
INSERT INTO audit_entries (id, action, actor_email, actor_id, details, occurred_at, organization_id, resource_id, resource_type)
VALUES (gen_random_uuid(), 'deployment.launched', 'bench@bench.test', :user, jsonb_build_object('name', 'pg' || :r::text, 'team', :team::text), now(), :org,
    gen_random_uuid(), 'deployment')
RETURNING seq;
INSERT INTO deployments (id, created_at, created_by, host, name, observed, organization_id, owner_handle, phase, phase_message, revision, state,
    team_id, template_id, template_version, updated_at, values)
VALUES (gen_random_uuid(), now(), :user, 'pg' || :r || '.apps.bench.test', 'pg' || :r, '{"services": [], "conditions": []}', :org, 'bench',
    'Pending', NULL, 1, 'running', :team, :template, 1, now(), '{"PAGE_TITLE": "Bench"}')
RETURNING xmin;
UPDATE subscriptions SET active_deployments = active_deployments + 1, updated_at = now() WHERE organization_id = :org RETURNING xmin;
COMMIT;
