-- Invitations to an organization (team_id NULL, an org role) or to one of its teams (a team role). The token is
-- never stored: only its SHA-256. "expired" is not a stored status: a pending invitation past expires_at is expired.
-- One pending invitation per target and e-mail address (target_id: the team, else the organization).
CREATE TABLE invitations (
    id               uuid        NOT NULL,
    organization_id  uuid        NOT NULL,
    team_id          uuid        NULL,
    target_id        uuid        NOT NULL,
    email            text        NOT NULL,
    role             text        NOT NULL,
    status           text        NOT NULL,
    mail_status      text        NOT NULL,
    token_hash       text        NOT NULL,
    invited_by       uuid        NULL,
    created_at       timestamptz NOT NULL,
    expires_at       timestamptz NOT NULL,
    responded_at     timestamptz NULL,
    CONSTRAINT pk_invitations PRIMARY KEY (id),
    CONSTRAINT ux_invitations_token_hash UNIQUE (token_hash),
    CONSTRAINT fk_invitations_organization FOREIGN KEY (organization_id) REFERENCES organizations (id) ON DELETE CASCADE,
    CONSTRAINT fk_invitations_team FOREIGN KEY (team_id) REFERENCES teams (id) ON DELETE CASCADE,
    CONSTRAINT fk_invitations_invited_by FOREIGN KEY (invited_by) REFERENCES users (id) ON DELETE SET NULL,
    CONSTRAINT ck_invitations_target CHECK (target_id = coalesce(team_id, organization_id)),
    CONSTRAINT ck_invitations_status CHECK (status IN ('pending', 'accepted', 'declined', 'revoked')),
    CONSTRAINT ck_invitations_mail_status CHECK (mail_status IN ('queued', 'sent', 'failed')),
    CONSTRAINT ck_invitations_token_hash CHECK (token_hash ~ '^[0-9a-f]{64}$')
);
CREATE UNIQUE INDEX ux_invitations_pending ON invitations (target_id, email) WHERE status = 'pending';
CREATE INDEX ix_invitations_organization ON invitations (organization_id, created_at DESC);

-- Mail waiting to be sent, written in the same transaction as what it announces. content is the message (subject,
-- text, HTML) encrypted with the secrets key, since an invitation mail carries its token; it is cleared once the mail
-- is sent or given up. next_attempt_at schedules retries and leases a claimed row (FOR UPDATE SKIP LOCKED), as in
-- cluster_outbox. A row with sent_at is never sent again.
CREATE TABLE mail_outbox (
    id               uuid        NOT NULL,
    invitation_id    uuid        NULL,
    recipient        text        NOT NULL,
    content          bytea       NULL,
    key_id           text        NULL,
    created_at       timestamptz NOT NULL,
    give_up_at       timestamptz NOT NULL,
    attempts         integer     NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL,
    sent_at          timestamptz NULL,
    failed_at        timestamptz NULL,
    last_error       text        NULL,
    CONSTRAINT pk_mail_outbox PRIMARY KEY (id),
    CONSTRAINT fk_mail_outbox_invitation FOREIGN KEY (invitation_id) REFERENCES invitations (id) ON DELETE CASCADE
);
CREATE INDEX ix_mail_outbox_due ON mail_outbox (next_attempt_at) WHERE sent_at IS NULL AND failed_at IS NULL;
CREATE INDEX ix_mail_outbox_invitation ON mail_outbox (invitation_id);
