#!/usr/bin/env bash
# API benchmark (on demand, not in CI): loads GET /api/me and POST /api/orgs/{id}/teams with wrk from the same
# machine, and runs pgbench with a single-row INSERT transaction against the same PostgreSQL in the same run, so
# the API figures can be read against the database's own. Usage: bash bench/api/run.sh [DURATION_SECONDS] [CONNECTIONS]
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
  LOG_LEVEL=${LOG_LEVEL:-warning} dotnet src/WebApi/bin/Release/net10.0/CleanScheduler.WebApi.dll >"$work/server.log" 2>&1 &
server=$!
base="http://127.0.0.1:$apiport"
for _ in $(seq 100); do curl -sf "$base/readyz" >/dev/null && break; sleep 0.2; done
curl -sf "$base/readyz" >/dev/null || { cat "$work/server.log"; die "server did not start"; }

org=$(curl -sf -X POST "$base/api/orgs" -H 'content-type: application/json' -H 'X-Dev-User: bench@bench.test' -d '{"name":"Bench","slug":"bench"}')
org_id=$(sed -E 's/.*"id":"([^"]+)".*/\1/' <<<"$org")
# /api/me is read by a typical user: three organizations of their own with two teams each.
for i in 1 2 3; do
  o=$(curl -sf -X POST "$base/api/orgs" -H 'content-type: application/json' -H 'X-Dev-User: reader@bench.test' -d "{\"name\":\"Reader $i\"}")
  curl -sf -X POST "$base/api/orgs/$(sed -E 's/.*"id":"([^"]+)".*/\1/' <<<"$o")/teams" -H 'content-type: application/json' \
    -H 'X-Dev-User: reader@bench.test' -d '{"name":"Second"}' >/dev/null
done
# Warm up until steady: tiered JIT needs tens of seconds of load before the hot paths run optimized code, so each
# workload runs in 5 s windows, at least 30 s and until two consecutive windows agree within 10% (at most 90 s).
warm() {   # warm LABEL wrk-args... (a trailing "--" argument list gets a fresh run label per window)
  local label=$1 previous=0 current i; shift
  for i in $(seq 18); do
    current=$(wrk -t2 -c"$connections" -d5s "$@" "warm$i$RANDOM" | awk '/Requests\/sec/ {print int($2)}')
    if ((i >= 6 && current * 10 >= previous * 9 && current * 10 <= previous * 11)); then break; fi
    previous=$current
  done
  log "warm-up of $label steady at $current req/s after $((i * 5)) s"
}
warm "GET /api/me" -H 'X-Dev-User: reader@bench.test' "$base/api/me" --
warm "POST teams" -s bench/api/create-team.lua "$base/api/orgs/$org_id/teams" --

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

psql -h 127.0.0.1 -p "$pgport" -U postgres -d bench -qc \
  "CREATE TABLE IF NOT EXISTS bench_rows (id uuid PRIMARY KEY, name text NOT NULL, created_at timestamptz NOT NULL)"
( cd "$work" && "$pgbench" -h 127.0.0.1 -p "$pgport" -U postgres -n -c "$connections" -j 2 -T "$duration" -M prepared -l \
    -f "$OLDPWD/bench/api/insert.sql" bench >"$work/pgbench.out" 2>&1 )
tps=$(awk '/^tps/ {print $3; exit}' "$work/pgbench.out")
read -r p50 p99 < <(cat "$work"/pgbench_log.* | awk '{print $3}' | sort -n | awk '{v[NR]=$1} END {printf "%.2fms %.2fms\n", v[int(NR*0.5)]/1000, v[int(NR*0.99)]/1000}')
pg="pgbench single-row INSERT|$(printf '%.0f' "$tps") tps|$p50|$p99|0"

echo
printf '%-32s %14s %10s %10s %8s\n' "workload" "throughput" "p50" "p99" "non-2xx"
for row in "$me" "$teams" "$pg"; do IFS='|' read -r a b c d e <<<"$row"; printf '%-32s %14s %10s %10s %8s\n' "$a" "$b" "$c" "$d" "$e"; done
team_rps=$(cut -d'|' -f2 <<<"$teams" | cut -d' ' -f1)
echo
awk -v a="$team_rps" -v b="$tps" 'BEGIN {printf "create-team throughput is %.0f%% of pgbench single-row INSERT TPS (same machine, same database, same run)\n", 100*a/b}'
echo "server RSS after the run: $(( $(awk '/VmRSS/ {print $2}' /proc/$server/status) / 1024 )) MB"
