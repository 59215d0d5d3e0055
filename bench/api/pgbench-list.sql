-- pgbench: the statement GET /api/deployments?teamId=&pageSize=100 makes (as EF Core sends it; see bench/README.md): the
-- page, read only where the caller holds deploy:read (the roles of Permissions.RolesGranting), with one row more than it
-- holds (the last page needs no count). The access read runs only when the page comes back empty. Variables: team,
-- user (pgbench -D). The page bounds are literals, as the server writes them for this list (Paging.ToPageAsync with
-- literalBounds): as parameters PostgreSQL planned the statement anew on every execution. The two role arrays are
-- parameters in the server's statement and literals here (run.sh's -D sets are comma-separated).
SELECT d.id AS "Id", d.team_id AS "TeamId", d.name AS "Name", d.state AS "State", d.phase AS "Phase", d.host AS "Host", d.template_id AS "TemplateId", d.template_version AS "TemplateVersion", d.created_by AS "CreatedBy", d.created_at AS "CreatedAt", d.updated_at AS "UpdatedAt", t1.name AS "TemplateName"
FROM deployments AS d
INNER JOIN templates AS t1 ON d.template_id = t1.id
WHERE d.team_id = :team AND EXISTS (
    SELECT 1
    FROM teams AS t
    WHERE EXISTS (
        SELECT 1
        FROM organizations AS o
        WHERE o.id = t.organization_id AND o.client_id IS NULL AND (EXISTS (
            SELECT 1
            FROM organization_members AS o0
            WHERE o.id = o0.organization_id AND o0.user_id = :user AND o0.role = ANY ('{org_admin,org_owner}')) OR EXISTS (
            SELECT 1
            FROM team_members AS t0
            WHERE t.id = t0.team_id AND t0.user_id = :user AND t0.role = ANY ('{viewer,developer,team_admin}')))) AND t.id = :team)
ORDER BY d.name
LIMIT 101 OFFSET 0;
