-- Sessions end after SESSION_IDLE_TIMEOUT without use (last_seen_at, moved at most once a minute), and their owner
-- sees where each was started (user agent, IP address) and can end them: one user's sessions on one client are listed.
ALTER TABLE sessions
    ADD COLUMN last_seen_at timestamptz NULL,
    ADD COLUMN user_agent text NULL,
    ADD COLUMN ip text NULL,
    ADD CONSTRAINT ck_sessions_user_agent CHECK (char_length(user_agent) <= 256),
    ADD CONSTRAINT ck_sessions_ip CHECK (char_length(ip) <= 64);
UPDATE sessions SET last_seen_at = created_at;
ALTER TABLE sessions ALTER COLUMN last_seen_at SET NOT NULL;
CREATE INDEX ix_sessions_user_id_client_id ON sessions (user_id, client_id);
CREATE INDEX ix_sessions_last_seen_at ON sessions (last_seen_at);
