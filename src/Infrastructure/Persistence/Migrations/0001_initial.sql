-- Tenancy: users, white-label clients, organizations with their members, teams with their members, sessions.
-- Every uniqueness rule of the domain is backed by a constraint here; the application maps constraint names
-- to error codes (Application/Common/Exceptions.cs), so keep the names stable.

CREATE TABLE users (
    id            uuid        NOT NULL,
    email         text        NOT NULL,
    display_name  text        NOT NULL,
    created_at    timestamptz NOT NULL,
    CONSTRAINT pk_users PRIMARY KEY (id),
    CONSTRAINT ux_users_email UNIQUE (email),
    CONSTRAINT ck_users_email_normalized CHECK (email = lower(btrim(email)) AND length(email) BETWEEN 3 AND 254)
);

CREATE TABLE clients (
    id                      uuid        NOT NULL,
    name                    text        NOT NULL,
    branding_display_name   text        NOT NULL,
    branding_logo_url       text        NULL,
    branding_primary_color  text        NOT NULL,
    created_at              timestamptz NOT NULL,
    CONSTRAINT pk_clients PRIMARY KEY (id)
);

CREATE TABLE client_domains (
    client_id  uuid NOT NULL,
    host       text NOT NULL,
    CONSTRAINT pk_client_domains PRIMARY KEY (client_id, host),
    CONSTRAINT ux_client_domains_host UNIQUE (host),
    CONSTRAINT fk_client_domains_client FOREIGN KEY (client_id) REFERENCES clients (id) ON DELETE CASCADE
);

CREATE TABLE organizations (
    id           uuid        NOT NULL,
    name         text        NOT NULL,
    slug         text        NOT NULL,
    client_id    uuid        NULL,
    tier         text        NOT NULL,
    owner_count  integer     NOT NULL,
    created_at   timestamptz NOT NULL,
    CONSTRAINT pk_organizations PRIMARY KEY (id),
    CONSTRAINT ux_organizations_slug UNIQUE (slug),
    CONSTRAINT fk_organizations_client FOREIGN KEY (client_id) REFERENCES clients (id) ON DELETE RESTRICT,
    CONSTRAINT ck_organizations_tier CHECK (tier IN ('free', 'business', 'enterprise')),
    CONSTRAINT ck_organizations_owner_count CHECK (owner_count >= 1)
);
CREATE INDEX ix_organizations_client_id ON organizations (client_id);

CREATE TABLE organization_members (
    organization_id  uuid        NOT NULL,
    user_id          uuid        NOT NULL,
    role             text        NOT NULL,
    joined_at        timestamptz NOT NULL,
    CONSTRAINT pk_organization_members PRIMARY KEY (organization_id, user_id),
    CONSTRAINT fk_organization_members_organization FOREIGN KEY (organization_id) REFERENCES organizations (id) ON DELETE CASCADE,
    CONSTRAINT fk_organization_members_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT ck_organization_members_role CHECK (role IN ('org_owner', 'org_admin', 'org_member'))
);
CREATE INDEX ix_organization_members_user_id ON organization_members (user_id);

CREATE TABLE teams (
    id               uuid        NOT NULL,
    organization_id  uuid        NOT NULL,
    name             text        NOT NULL,
    is_default       boolean     NOT NULL,
    member_count     integer     NOT NULL,
    created_at       timestamptz NOT NULL,
    CONSTRAINT pk_teams PRIMARY KEY (id),
    CONSTRAINT fk_teams_organization FOREIGN KEY (organization_id) REFERENCES organizations (id) ON DELETE CASCADE,
    CONSTRAINT ck_teams_member_count CHECK (member_count >= 0)
);
CREATE UNIQUE INDEX ux_teams_organization_name ON teams (organization_id, lower(name));
CREATE UNIQUE INDEX ux_teams_organization_default ON teams (organization_id) WHERE is_default;

CREATE TABLE team_members (
    team_id   uuid        NOT NULL,
    user_id   uuid        NOT NULL,
    role      text        NOT NULL,
    added_at  timestamptz NOT NULL,
    CONSTRAINT pk_team_members PRIMARY KEY (team_id, user_id),
    CONSTRAINT fk_team_members_team FOREIGN KEY (team_id) REFERENCES teams (id) ON DELETE CASCADE,
    CONSTRAINT fk_team_members_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT ck_team_members_role CHECK (role IN ('team_admin', 'developer', 'viewer'))
);
CREATE INDEX ix_team_members_user_id ON team_members (user_id);

-- Browser sessions (SESSION_BACKEND=postgres). The cookie's secret is never stored: only its SHA-256.
CREATE TABLE sessions (
    id_hash     text        NOT NULL,
    user_id     uuid        NOT NULL,
    email       text        NOT NULL,
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL,
    CONSTRAINT pk_sessions PRIMARY KEY (id_hash),
    CONSTRAINT fk_sessions_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
);
CREATE INDEX ix_sessions_expires_at ON sessions (expires_at);
