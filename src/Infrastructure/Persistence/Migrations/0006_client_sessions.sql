-- A session belongs to the white-label client (host) it was made on, and is valid only there.
ALTER TABLE sessions ADD COLUMN client_id uuid NULL;
