-- Tasks and workflows users start (issue 19 item 3). A row is its own cluster outbox: revision counts the owner's
-- wishes (1: run, 2: cancel) and is written with them; published_revision is the last one the cluster has, so every
-- row with published_revision < revision is pending, committed in the same transaction as the change. The sync leases
-- pending rows through next_sync_at (FOR UPDATE SKIP LOCKED), as the deployments' cluster_outbox does.
CREATE TABLE tasks (
    id                  uuid        NOT NULL,
    organization_id     uuid        NOT NULL,
    team_id             uuid        NOT NULL,
    kind                text        NOT NULL,
    name                text        NOT NULL,
    created_by          uuid        NOT NULL,
    steps               jsonb       NOT NULL,
    phase               text        NOT NULL,
    message             text        NULL,
    output              jsonb       NULL,
    step_reports        jsonb       NOT NULL,
    revision            bigint      NOT NULL,
    published_revision  bigint      NOT NULL DEFAULT 0,
    sync_attempts       integer     NOT NULL DEFAULT 0,
    next_sync_at        timestamptz NOT NULL DEFAULT now(),
    last_sync_error     text        NULL,
    created_at          timestamptz NOT NULL,
    updated_at          timestamptz NOT NULL,
    finished_at         timestamptz NULL,
    CONSTRAINT pk_tasks PRIMARY KEY (id),
    CONSTRAINT ux_tasks_name UNIQUE (name),
    CONSTRAINT fk_tasks_organization FOREIGN KEY (organization_id) REFERENCES organizations (id) ON DELETE CASCADE,
    CONSTRAINT fk_tasks_team FOREIGN KEY (team_id) REFERENCES teams (id) ON DELETE CASCADE,
    CONSTRAINT fk_tasks_created_by FOREIGN KEY (created_by) REFERENCES users (id) ON DELETE RESTRICT,
    CONSTRAINT ck_tasks_kind CHECK (kind IN ('task', 'workflow')),
    CONSTRAINT ck_tasks_phase CHECK (phase IN ('Pending', 'Running', 'Succeeded', 'Failed', 'Timeout', 'Cancelled'))
);
CREATE INDEX ix_tasks_team_kind_created ON tasks (team_id, kind, created_at DESC);
CREATE INDEX ix_tasks_unfinished ON tasks (organization_id) WHERE phase IN ('Pending', 'Running');
CREATE INDEX ix_tasks_pending_sync ON tasks (next_sync_at) WHERE published_revision < revision;

-- The plan limit on unfinished tasks, written into the limits the plans and subscriptions hold (DESIGN.md §5 defaults).
UPDATE plans SET limits = limits || jsonb_build_object('maxConcurrentTasks',
    CASE tier WHEN 'free' THEN to_jsonb(1) WHEN 'business' THEN to_jsonb(10) ELSE 'null'::jsonb END)
WHERE NOT limits ? 'maxConcurrentTasks';
UPDATE subscriptions SET limits = limits || jsonb_build_object('maxConcurrentTasks',
    CASE tier WHEN 'free' THEN to_jsonb(1) WHEN 'business' THEN to_jsonb(10) ELSE 'null'::jsonb END)
WHERE NOT limits ? 'maxConcurrentTasks';
