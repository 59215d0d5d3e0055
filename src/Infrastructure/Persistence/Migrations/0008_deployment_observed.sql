-- What the cluster last reported about a deployment besides its phase: the operator's conditions (Ready, Progressing,
-- Degraded) and per-service replicas, copied from the UserDeployment's status by the cluster sync (DESIGN.md §6).
ALTER TABLE deployments
    ADD COLUMN observed jsonb NOT NULL DEFAULT '{"conditions":[],"services":[]}';
