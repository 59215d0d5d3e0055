-- pgbench: the statement GET /api/deployments?teamId=&pageSize=100 makes (DeploymentListReader's statement, sent with Npgsql;
-- see bench/README.md): the page, read only where the caller holds deploy:read (the roles of
-- Permissions.RolesGranting), with one row more than it holds (the last page needs no count). The access read runs only
-- when the page comes back empty. Variables: team, user (pgbench -D). The first page's bound is a literal, as the server
-- writes it: as a parameter PostgreSQL planned the statement anew on every execution. No state or phase filter (a
-- statement of its own each), no organization limit (that condition is left out). The two role arrays are
-- parameters in the server's statement and literals here (run.sh's -D sets are comma-separated).
SELECT d.id, d.team_id, d.name, d.state = 'stopped', d.phase, 'https://' || d.host, d.template_id, t1.name, d.template_version, d.created_by, d.created_at, d.updated_at
FROM deployments AS d
INNER JOIN templates AS t1 ON d.template_id = t1.id
WHERE d.team_id = :team AND EXISTS (
    SELECT 1
    FROM teams AS t
    WHERE t.id = :team AND EXISTS (
        SELECT 1
        FROM organizations AS o
        WHERE o.id = t.organization_id AND o.client_id IS NULL AND (EXISTS (
            SELECT 1
            FROM organization_members AS o0
            WHERE o.id = o0.organization_id AND o0.user_id = :user AND o0.role = ANY ('{org_admin,org_owner}')) OR EXISTS (
            SELECT 1
            FROM team_members AS t0
            WHERE t.id = t0.team_id AND t0.user_id = :user AND t0.role = ANY ('{viewer,developer,team_admin}')))))
ORDER BY d.name
LIMIT 101;
