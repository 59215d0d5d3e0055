#!/usr/bin/env bash
# Regenerates the web UI's typed API client from the server's OpenAPI document:
#   1. the server (its functional-test host, on a private PostgreSQL) writes frontend/src/api/openapi.json;
#   2. openapi-typescript turns that copy into frontend/src/api/schema.ts.
# Both files are committed; CI fails when either is stale (WebUiClientTests and `npm run check:api`).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

require_dotnet
require_postgres
require_node_modules
work=$(mktemp -d /tmp/cleanscheduler-genapi.XXXXXX)
chmod 755 "$work"
port=$(free_port)
PG_FSYNC=off pg_start "$work/pg" "$port"
trap 'pg_stop "$work/pg"; rm -rf "$work"' EXIT

dotnet build tests/WebApi.FunctionalTests -c Release -v quiet -nologo -clp:ErrorsOnly
UPDATE_OPENAPI=1 CLEANSCHEDULER_TEST_PG="Host=127.0.0.1;Port=$port;Username=postgres" \
  dotnet test tests/WebApi.FunctionalTests -c Release --no-build --nologo -v quiet --filter "FullyQualifiedName~WebUiClientTests"
(cd frontend && node scripts/gen-api.mjs)
log "wrote frontend/src/api/openapi.json and frontend/src/api/schema.ts"
