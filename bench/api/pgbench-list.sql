-- pgbench: the statements GET /api/deployments?teamId=&pageSize=100 makes (as EF Core sends them; see bench/README.md):
-- the caller's roles on the team, the page (one row more than it holds: the last page needs no count). Variables: team,
-- user (pgbench -D).
SELECT t.organization_id, (
    SELECT o1.role FROM organizations AS o0 INNER JOIN organization_members AS o1 ON o0.id = o1.organization_id
    WHERE o0.id = t.organization_id AND o1.user_id = :user LIMIT 1), (
    SELECT t0.role FROM team_members AS t0 WHERE t.id = t0.team_id AND t0.user_id = :user LIMIT 1)
FROM teams AS t
WHERE t.id = :team AND EXISTS (SELECT 1 FROM organizations AS o WHERE o.id = t.organization_id AND o.client_id IS NULL)
LIMIT 2;
SELECT d.id, d.team_id, d.name, d.state, d.phase, d.host, d.template_id, d.template_version, d.created_by, d.created_at, d.updated_at, (
    SELECT t.name FROM templates AS t WHERE t.id = d.template_id LIMIT 1)
FROM deployments AS d
WHERE d.team_id = :team
ORDER BY d.name
LIMIT 101 OFFSET 0;
