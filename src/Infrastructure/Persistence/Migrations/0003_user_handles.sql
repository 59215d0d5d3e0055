-- Users get a short, unique, DNS-safe handle (deployment hosts and namespaces use it instead of the id).
ALTER TABLE users ADD COLUMN handle text;

WITH derived AS (
    SELECT id,
           left(CASE WHEN base ~ '^[a-z]' THEN base ELSE 'u' || base END, 15) AS base,
           row_number() OVER (PARTITION BY left(CASE WHEN base ~ '^[a-z]' THEN base ELSE 'u' || base END, 15) ORDER BY created_at, id) AS n
    FROM (SELECT id, created_at, btrim(regexp_replace(split_part(email, '@', 1), '[^a-z0-9]+', '-', 'g'), '-') AS base FROM users) AS u
)
UPDATE users SET handle = rtrim(derived.base, '-') || CASE WHEN derived.n = 1 THEN '' ELSE '-' || derived.n END
FROM derived WHERE users.id = derived.id;

ALTER TABLE users ALTER COLUMN handle SET NOT NULL;
ALTER TABLE users ADD CONSTRAINT ux_users_handle UNIQUE (handle);
ALTER TABLE users ADD CONSTRAINT ck_users_handle CHECK (handle ~ '^[a-z]([a-z0-9-]*[a-z0-9])?$' AND length(handle) <= 20);
