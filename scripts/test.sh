#!/usr/bin/env bash
# Runs every test: builds once, starts a private PostgreSQL on a free loopback port, runs each test project
# against it without rebuilding, and ends with one line "N passed, N failed" (summed over every runner).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

# Whatever stops this script early (a failed install, build or database start), CI still gets its count line.
summary=""
trap '[[ -n $summary ]] || echo "0 passed, 1 failed"' EXIT

require_dotnet
require_postgres
require_redis
require_kubectl
require_pyyaml
require_node_modules
require_chromium

work=$(mktemp -d /tmp/cleanscheduler-test.XXXXXX)
chmod 755 "$work"
results="$PWD/artifacts/test-results"
rm -rf "$results"; mkdir -p "$results"
pgdir="$work/pg"
port=$(free_port)
PG_FSYNC=off pg_start "$pgdir" "$port"
trap 'pg_stop "$pgdir"; redis_stop "$work/redis"; rm -rf "$work"; [[ -n $summary ]] || echo "0 passed, 1 failed"' EXIT
export CLEANSCHEDULER_TEST_PG="Host=127.0.0.1;Port=$port;Username=postgres"
log "PostgreSQL for tests on 127.0.0.1:$port"
redis_port=$(free_port $((port + 1)))
redis_start "$work/redis" "$redis_port"
export CLEANSCHEDULER_TEST_REDIS="127.0.0.1:$redis_port"
log "Redis for tests on 127.0.0.1:$redis_port"

log "building"
web_ui_built=1
build_web_ui || web_ui_built=""   # type check, production build, initial-route size budget
dotnet build CleanScheduler.sln -c Release -v quiet -nologo -clp:ErrorsOnly
log "publishing the operator as it ships (Native AOT)"
operator_published=1
publish_operator "$work/operator" || operator_published=""
[[ -n $operator_published ]] && export CLEANSCHEDULER_TEST_OPERATOR="$work/operator/CleanScheduler.Operator"

passed=0 failed=0 broken=()
count() {   # count NAME : adds the counters of NAME.trx, or counts the runner as broken when it left none
  local trx="$results/$1.trx"
  if [[ ! -f $trx ]]; then broken+=("$1"); failed=$((failed + 1)); return; fi
  local counters; counters=$(grep -o '<Counters [^>]*>' "$trx")
  passed=$((passed + $(sed -E 's/.* passed="([0-9]+)".*/\1/' <<<"$counters")))
  failed=$((failed + $(sed -E 's/.* failed="([0-9]+)".*/\1/' <<<"$counters")))
}

for project in tests/*/CleanScheduler.*Tests.csproj; do
  name=$(basename "$project" .csproj)
  log "running $name"
  dotnet test "$project" -c Release --no-build --nologo -v quiet \
    --logger "trx;LogFileName=$name.trx" --logger "console;verbosity=minimal" --results-directory "$results" || true
  count "$name"
done

count_vitest() {   # count_vitest NAME : adds the counters of NAME.json (vitest's JSON report)
  local report="$results/$1.json"
  if [[ ! -f $report ]]; then broken+=("$1"); failed=$((failed + 1)); return; fi
  passed=$((passed + $(node -p "require('$report').numPassedTests")))
  failed=$((failed + $(node -p "const r=require('$report'); r.numFailedTests + (r.success || r.numFailedTests ? 0 : 1)")))
}

# The web UI: its client against the committed OpenAPI copy, then Vitest, then the browser against the real server.
if [[ -z $web_ui_built ]]; then
  broken+=("web UI build"); failed=$((failed + 1))
else
  log "checking the web UI's generated API client"
  if (cd frontend && node scripts/gen-api.mjs --check); then passed=$((passed + 1)); else failed=$((failed + 1)); fi

  log "linting the OpenAPI document for integrators' generators (redocly lint, frontend/redocly.yaml)"
  if (cd frontend && REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true npx redocly lint --format=summary); then passed=$((passed + 1)); else failed=$((failed + 1)); fi

  log "running the web UI's component tests (Vitest)"
  (cd frontend && npx vitest run --reporter=default --reporter=json --outputFile.json="$results/web-ui.json") || true
  count_vitest web-ui

  log "running the end-to-end tests (real server, PostgreSQL, Chromium)"
  psql -h 127.0.0.1 -p "$port" -U postgres -d postgres -qc "CREATE DATABASE e2e" -c "CREATE DATABASE e2e_cluster" >/dev/null
  rm -rf artifacts/e2e
  (cd frontend && E2E_DATABASE_DSN="postgres://postgres@127.0.0.1:$port/e2e?sslmode=disable" \
    E2E_CLUSTER_DATABASE_DSN="postgres://postgres@127.0.0.1:$port/e2e_cluster?sslmode=disable" \
    npx vitest run --config vitest.e2e.config.ts --reporter=default --reporter=json --outputFile.json="$results/e2e.json") || true
  count_vitest e2e
  log "screenshots of the main screens: artifacts/e2e/screenshots/"
fi

[[ -n $operator_published ]] || { broken+=("operator Native AOT publish"); failed=$((failed + 1)); }
((${#broken[@]} == 0)) || log "runner(s) that produced no results: ${broken[*]}"
summary="$passed passed, $failed failed"
echo "$summary"
((failed == 0))
