-- pgbench: one single-row INSERT transaction, comparable to the one row a team creation writes.
INSERT INTO bench_rows (id, name, created_at) VALUES (gen_random_uuid(), 'bench-' || :client_id, now());
