-- Templates with immutable versions, and deployments made from one exact version.

CREATE TABLE templates (
    id               uuid        NOT NULL,
    name             text        NOT NULL,
    description      text        NOT NULL,
    visibility       text        NOT NULL,
    organization_id  uuid        NULL,
    team_id          uuid        NULL,
    created_by       uuid        NULL,
    current_version  integer     NOT NULL,
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL,
    CONSTRAINT pk_templates PRIMARY KEY (id),
    CONSTRAINT fk_templates_organization FOREIGN KEY (organization_id) REFERENCES organizations (id) ON DELETE CASCADE,
    CONSTRAINT fk_templates_team FOREIGN KEY (team_id) REFERENCES teams (id) ON DELETE CASCADE,
    CONSTRAINT fk_templates_created_by FOREIGN KEY (created_by) REFERENCES users (id) ON DELETE SET NULL,
    CONSTRAINT ck_templates_visibility CHECK (visibility IN ('private', 'team', 'org', 'system')),
    CONSTRAINT ck_templates_scope CHECK ((visibility = 'system') = (organization_id IS NULL) AND (visibility = 'team') = (team_id IS NOT NULL)),
    CONSTRAINT ck_templates_current_version CHECK (current_version >= 1)
);
CREATE UNIQUE INDEX ux_templates_system_name ON templates (lower(name)) WHERE visibility = 'system';
CREATE UNIQUE INDEX ux_templates_organization_name ON templates (organization_id, lower(name)) WHERE visibility <> 'system';
CREATE INDEX ix_templates_team_id ON templates (team_id);

CREATE TABLE template_versions (
    template_id  uuid        NOT NULL,
    number       integer     NOT NULL,
    spec         text        NOT NULL,
    created_by   uuid        NULL,
    created_at   timestamptz NOT NULL,
    CONSTRAINT pk_template_versions PRIMARY KEY (template_id, number),
    CONSTRAINT fk_template_versions_template FOREIGN KEY (template_id) REFERENCES templates (id) ON DELETE CASCADE,
    CONSTRAINT fk_template_versions_created_by FOREIGN KEY (created_by) REFERENCES users (id) ON DELETE SET NULL
);

CREATE TABLE deployments (
    id                uuid        NOT NULL,
    organization_id   uuid        NOT NULL,
    team_id           uuid        NOT NULL,
    name              text        NOT NULL,
    host              text        NOT NULL,
    created_by        uuid        NOT NULL,
    owner_handle      text        NOT NULL,
    template_id       uuid        NOT NULL,
    template_version  integer     NOT NULL,
    "values"          jsonb       NOT NULL,
    state             text        NOT NULL,
    phase             text        NOT NULL,
    phase_message     text        NULL,
    created_at        timestamptz NOT NULL,
    updated_at        timestamptz NOT NULL,
    CONSTRAINT pk_deployments PRIMARY KEY (id),
    CONSTRAINT ux_deployments_team_name UNIQUE (team_id, name),
    CONSTRAINT ux_deployments_host UNIQUE (host),
    CONSTRAINT fk_deployments_organization FOREIGN KEY (organization_id) REFERENCES organizations (id) ON DELETE RESTRICT,
    CONSTRAINT fk_deployments_team FOREIGN KEY (team_id) REFERENCES teams (id) ON DELETE RESTRICT,
    CONSTRAINT fk_deployments_created_by FOREIGN KEY (created_by) REFERENCES users (id) ON DELETE RESTRICT,
    CONSTRAINT fk_deployments_template_version FOREIGN KEY (template_id, template_version) REFERENCES template_versions (template_id, number) ON DELETE RESTRICT,
    CONSTRAINT ck_deployments_state CHECK (state IN ('running', 'stopped')),
    CONSTRAINT ck_deployments_phase CHECK (phase IN ('Pending', 'Provisioning', 'Running', 'Stopped', 'Failed', 'Deleting')),
    CONSTRAINT ck_deployments_name CHECK (name ~ '^[a-z]([-a-z0-9]*[a-z0-9])?$' AND length(name) <= 40)
);
CREATE INDEX ix_deployments_organization_id ON deployments (organization_id);
CREATE INDEX ix_deployments_template_id ON deployments (template_id);

-- Values of secret settings, encrypted by the server (AES-256-GCM; key id for rotation).
CREATE TABLE deployment_secret_values (
    deployment_id  uuid  NOT NULL,
    name           text  NOT NULL,
    ciphertext     bytea NOT NULL,
    key_id         text  NOT NULL,
    CONSTRAINT pk_deployment_secret_values PRIMARY KEY (deployment_id, name),
    CONSTRAINT fk_deployment_secret_values_deployment FOREIGN KEY (deployment_id) REFERENCES deployments (id) ON DELETE CASCADE
);
