#!/usr/bin/env bash
# API benchmark (on demand, not in CI): loads GET /api/me, POST /api/orgs/{id}/teams, POST /api/deployments and
# GET /api/deployments (a team of 100) with wrk from the same machine, and runs pgbench with a single-row INSERT
# transaction against the same PostgreSQL in the same run, so the API figures can be read against the database's own. Usage: bash bench/api/run.sh [DURATION_SECONDS] [CONNECTIONS]
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/lib.sh
duration=${1:-20}
connections=${2:-16}

require_dotnet
require_postgres
command -v wrk >/dev/null || apt_install wrk
pgbench=$PG_BIN/pgbench

work=$(mktemp -d /tmp/cleanscheduler-bench.XXXXXX); chmod 755 "$work"
pgport=$(free_port); apiport=$(free_port $((pgport + 1)))
pg_start "$work/pg" "$pgport"
server=""
trap '[[ -n $server ]] && kill $server 2>/dev/null; pg_stop "$work/pg"; rm -rf "$work"' EXIT
pg_ensure_database "$pgport" bench

log "building the server (Release)"
dotnet build src/WebApi -c Release -v quiet -nologo -clp:ErrorsOnly
DATABASE_DSN="postgres://postgres@127.0.0.1:$pgport/bench?sslmode=disable" DEV_MODE=true SERVER_ADDR="127.0.0.1:$apiport" \
  PLATFORM_ADMINS=admin@bench.test DEPLOYMENT_DOMAIN=apps.bench.test \
  LOG_LEVEL=${LOG_LEVEL:-warning} dotnet src/WebApi/bin/Release/net10.0/CleanScheduler.WebApi.dll >"$work/server.log" 2>&1 &
server=$!
base="http://127.0.0.1:$apiport"
for _ in $(seq 100); do curl -sf "$base/readyz" >/dev/null && break; sleep 0.2; done
curl -sf "$base/readyz" >/dev/null || { cat "$work/server.log"; die "server did not start"; }

id_of() { sed -E 's/^\{"id":"([^"]+)".*/\1/' <<<"$1"; }   # the response's own id: its first field
org=$(curl -sf -X POST "$base/api/orgs" -H 'content-type: application/json' -H 'X-Dev-User: bench@bench.test' -d '{"name":"Bench","slug":"bench"}')
org_id=$(id_of "$org")
json_field() { sed -E "s/.*\"$1\":\"([^\"]+)\".*/\\1/" <<<"$2"; }
admin() { curl -sf -X "$1" "$base$2" -H 'content-type: application/json' -H 'X-Dev-User: admin@bench.test' ${3:+-d "$3"}; }
bench_api() { curl -sf -X "$1" "$base$2" -H 'content-type: application/json' -H 'X-Dev-User: bench@bench.test' ${3:+-d "$3"}; }
# Deployments: Enterprise organizations (no deployment limit) for creation, and a team holding exactly 100 to list.
# Creation is measured across as many organizations as connections (each organization's limit is guarded by a lock
# on its subscription row, so creations in one organization take turns), and in one organization as the worst case.
admin PUT "/api/orgs/$org_id/plan" '{"plan":"enterprise"}' >/dev/null
deploy_team=$(json_field defaultTeamId "$org")
spread_teams=$deploy_team
for i in $(seq 2 "$connections"); do
  extra=$(bench_api POST /api/orgs "{\"name\":\"Spread $i\",\"slug\":\"spread-$i\"}")
  admin PUT "/api/orgs/$(id_of "$extra")/plan" '{"plan":"enterprise"}' >/dev/null
  spread_teams="$spread_teams,$(json_field defaultTeamId "$extra")"
done
template_id=$(bench_api GET "/api/templates?teamId=$deploy_team&visibility=system" | grep -o '"id":"[^"]*","name":"Static site"' | cut -d'"' -f4)
list_org=$(bench_api POST /api/orgs '{"name":"Listing","slug":"listing"}')
admin PUT "/api/orgs/$(id_of "$list_org")/plan" '{"plan":"enterprise"}' >/dev/null
list_team=$(json_field defaultTeamId "$list_org")
for i in $(seq -w 1 100); do
  bench_api POST /api/deployments "{\"teamId\":\"$list_team\",\"templateId\":\"$template_id\",\"name\":\"list-$i\"}" >/dev/null
done
[[ $(bench_api GET "/api/deployments?teamId=$list_team&pageSize=100" | grep -o '"name":"list-' | wc -l) -eq 100 ]] || die "could not prepare 100 deployments"
# /api/me is read by a typical user: three organizations of their own with two teams each.
for i in 1 2 3; do
  o=$(curl -sf -X POST "$base/api/orgs" -H 'content-type: application/json' -H 'X-Dev-User: reader@bench.test' -d "{\"name\":\"Reader $i\"}")
  curl -sf -X POST "$base/api/orgs/$(id_of "$o")/teams" -H 'content-type: application/json' \
    -H 'X-Dev-User: reader@bench.test' -d '{"name":"Second"}' >/dev/null
done
# Warm up until steady: tiered JIT needs tens of seconds of load before the hot paths run optimized code, so each
# workload runs in 5 s windows, at least 30 s and until two consecutive windows agree within 10% (at most 90 s).
warm() {   # warm LABEL wrk-args... (a trailing "--" argument list gets a fresh run label per window)
  local label=$1 previous=0 current i; shift
  for i in $(seq 18); do
    current=$(wrk -t2 -c"$connections" -d5s "$@" "w$i$RANDOM" | awk '/Requests\/sec/ {print int($2)}')
    if ((i >= 6 && current * 10 >= previous * 9 && current * 10 <= previous * 11)); then break; fi
    previous=$current
  done
  log "warm-up of $label steady at $current req/s after $((i * 5)) s"
}
warm "GET /api/me" -H 'X-Dev-User: reader@bench.test' "$base/api/me" --
warm "POST teams" -s bench/api/create-team.lua "$base/api/orgs/$org_id/teams" --
warm "POST deployments" -s bench/api/create-deployment.lua "$base" -- "$spread_teams" "$template_id"
warm "GET deployments" -H 'X-Dev-User: bench@bench.test' "$base/api/deployments?teamId=$list_team&pageSize=100" --

run_wrk() {   # run_wrk LABEL wrk-args... : prints "LABEL|req/s|p50|p99|non-2xx"
  local label=$1; shift
  local out; out=$(wrk -t2 -c"$connections" -d"${duration}s" --latency "$@")
  local rps p50 p99 errors
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  errors=$(awk '/Non-2xx/ {print $NF}' <<<"$out"); errors=${errors:-0}
  echo "$label|$rps req/s|$p50|$p99|$errors"
}

log "measuring ($duration s each, $connections connections, 2 wrk threads)"
me=$(run_wrk "GET /api/me" -H 'X-Dev-User: reader@bench.test' "$base/api/me")
teams=$(run_wrk "POST /api/orgs/{id}/teams" -s bench/api/create-team.lua "$base/api/orgs/$org_id/teams" -- "run$RANDOM")
creates=$(run_wrk "POST /api/deployments" -s bench/api/create-deployment.lua "$base" -- "$spread_teams" "$template_id" "r$RANDOM")
creates_one=$(run_wrk "POST /api/deployments (one org)" -s bench/api/create-deployment.lua "$base" -- "$deploy_team" "$template_id" "o$RANDOM")
lists=$(run_wrk "GET /api/deployments (100)" -H 'X-Dev-User: bench@bench.test' "$base/api/deployments?teamId=$list_team&pageSize=100")
saved=$connections; connections=4
lists_light=$(run_wrk "GET /api/deployments (100), 4 conn" -H 'X-Dev-User: bench@bench.test' "$base/api/deployments?teamId=$list_team&pageSize=100")
connections=$saved

psql -h 127.0.0.1 -p "$pgport" -U postgres -d bench -qc \
  "CREATE TABLE IF NOT EXISTS bench_rows (id uuid PRIMARY KEY, name text NOT NULL, created_at timestamptz NOT NULL)"
( cd "$work" && "$pgbench" -h 127.0.0.1 -p "$pgport" -U postgres -n -c "$connections" -j 2 -T "$duration" -M prepared -l \
    -f "$OLDPWD/bench/api/insert.sql" bench >"$work/pgbench.out" 2>&1 )
tps=$(awk '/^tps/ {print $3; exit}' "$work/pgbench.out")
read -r p50 p99 < <(cat "$work"/pgbench_log.* | awk '{print $3}' | sort -n | awk '{v[NR]=$1} END {printf "%.2fms %.2fms\n", v[int(NR*0.5)]/1000, v[int(NR*0.99)]/1000}')
pg="pgbench single-row INSERT|$(printf '%.0f' "$tps") tps|$p50|$p99|0"

echo
printf '%-32s %14s %10s %10s %8s\n' "workload" "throughput" "p50" "p99" "non-2xx"
for row in "$me" "$teams" "$creates" "$creates_one" "$lists" "$lists_light" "$pg"; do IFS='|' read -r a b c d e <<<"$row"; printf '%-32s %14s %10s %10s %8s\n' "$a" "$b" "$c" "$d" "$e"; done
team_rps=$(cut -d'|' -f2 <<<"$teams" | cut -d' ' -f1)
create_rps=$(cut -d'|' -f2 <<<"$creates" | cut -d' ' -f1)
echo
awk -v a="$team_rps" -v c="$create_rps" -v b="$tps" 'BEGIN {
  printf "create-team is %.1f%% and create-deployment %.1f%% of pgbench single-row INSERT TPS (target for create-deployment: 25%%)\n", 100*a/b, 100*c/b }'
echo "list-deployments p99: $(cut -d'|' -f4 <<<"$lists_light") at 4 connections, $(cut -d'|' -f4 <<<"$lists") at $connections (target: under 20 ms)"
echo "server RSS after the run: $(( $(awk '/VmRSS/ {print $2}' /proc/$server/status) / 1024 )) MB"
