#!/usr/bin/env bash
# API benchmark (on demand, not in CI). Loads the Release server with wrk from the same machine and, in the same run,
# the two baselines the API is judged against: pgbench running the very statements each API workload makes (same SQL
# shape, same rows, same connections) and a bare Kestrel app (bench/api/bare) serving the same response bytes.
# Prints throughput, p50/p99, the server's and PostgreSQL's CPU per request, and API/pgbench and API/bare.
# Usage: bash bench/api/run.sh [DURATION_SECONDS=20] [CONNECTIONS=8]
# Environment: BENCH_PG_PORT / BENCH_API_PORT / BENCH_BARE_PORT / BENCH_METRICS_PORT (default: free ports), BENCH_QUICK=1 (only creation and
# the list, with their baselines), BENCH_SERVER_DLL (a server built elsewhere, e.g. an older commit; default: build
# this tree), SERVER_DOTNET_X=v (passes DOTNET_X=v to the server alone, e.g. SERVER_DOTNET_gcServer=1; the server starts with
# scripts/lib.sh's server_runtime_env as scripts/run.sh starts it, SERVER_DOTNET_GCgen0size=0 for the GC's own budget), BENCH_NPGSQL
# (more Npgsql connection string settings for the server, e.g. "No Reset On Close=true"), BENCH_PROFILE=FILE.nettrace (a
# 10 s dotnet-trace of the server under the list's load, sampled thread stacks, after the warm-up), BENCH_THINK_MS="2 4"
# (more list rows, each connection waiting that many ms between requests: the latency below saturation).
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/lib.sh
duration=${1:-20}
connections=${2:-8}

require_dotnet
require_postgres
command -v wrk >/dev/null || apt_install wrk
pgbench=$PG_BIN/pgbench

work=$(mktemp -d /tmp/cleanscheduler-bench.XXXXXX); chmod 755 "$work"
pgport=${BENCH_PG_PORT:-$(free_port)}
apiport=${BENCH_API_PORT:-$(free_port $((pgport + 1)))}
bareport=${BENCH_BARE_PORT:-$(free_port $((apiport + 1)))}
metricsport=${BENCH_METRICS_PORT:-$(free_port $((bareport + 1)))}   # the metrics listener on, as in production, on a free port
pg_start "$work/pg" "$pgport"
server="" bare=""
trap '[[ -n $server ]] && kill $server 2>/dev/null; [[ -n $bare ]] && kill $bare 2>/dev/null; pg_stop "$work/pg"; rm -rf "$work"' EXIT
pg_ensure_database "$pgport" bench

server_dll=${BENCH_SERVER_DLL:-src/WebApi/bin/Release/net10.0/CleanScheduler.WebApi.dll}
if [[ -z ${BENCH_SERVER_DLL:-} ]]; then
  log "building the server (Release)"
  dotnet build src/WebApi -c Release -v quiet -nologo -clp:ErrorsOnly
fi
log "building the bare Kestrel baseline (Release)"
dotnet build bench/api/bare -c Release -v quiet -nologo -clp:ErrorsOnly -o "$work/bare"
# The server's runtime environment as scripts/run.sh and the image give it, then the SERVER_DOTNET_ overrides (later wins).
mapfile -t server_env < <(server_runtime_env)
while IFS='=' read -r name value; do server_env+=("${name#SERVER_}=$value"); done < <(env | grep '^SERVER_DOTNET_' || true)
env "${server_env[@]}" DATABASE_DSN="Host=127.0.0.1;Port=$pgport;Username=postgres;Database=bench${BENCH_NPGSQL:+;$BENCH_NPGSQL}" DEV_MODE=true SERVER_ADDR="127.0.0.1:$apiport" \
  METRICS_ADDR="127.0.0.1:$metricsport" PLATFORM_ADMINS=admin@bench.test DEPLOYMENT_DOMAIN=apps.bench.test \
  LOG_LEVEL=${LOG_LEVEL:-warning} dotnet "$server_dll" >"$work/server.log" 2>&1 &
server=$!
base="http://127.0.0.1:$apiport"
for _ in $(seq 150); do curl -sf "$base/readyz" >/dev/null && break; sleep 0.2; done
curl -sf "$base/readyz" >/dev/null || { cat "$work/server.log"; die "server did not start"; }
log "server pid $server${server_env:+ with ${server_env[*]}}${BENCH_NPGSQL:+ and $BENCH_NPGSQL}, PostgreSQL on port $pgport"

id_of() { sed -E 's/^\{"id":"([^"]+)".*/\1/' <<<"$1"; }   # the response's own id: its first field
org=$(curl -sf -X POST "$base/api/orgs" -H 'content-type: application/json' -H 'X-Dev-User: bench@bench.test' -d '{"name":"Bench","slug":"bench"}')
org_id=$(id_of "$org")
json_field() { sed -E "s/.*\"$1\":\"([^\"]+)\".*/\\1/" <<<"$2"; }
admin() { curl -sf -X "$1" "$base$2" -H 'content-type: application/json' -H 'X-Dev-User: admin@bench.test' ${3:+-d "$3"}; }
bench_api() { curl -sf -X "$1" "$base$2" -H 'content-type: application/json' -H 'X-Dev-User: bench@bench.test' ${3:+-d "$3"}; }
user_id=$(bench_api GET /api/me | sed -E 's/^\{"user":\{"id":"([^"]+)".*/\1/')
# Deployments: Enterprise organizations (no deployment limit) for creation, and a team holding exactly 100 to list.
# Creation is measured across as many organizations as connections (each organization's limit is guarded by a lock
# on its subscription row, so creations in one organization take turns), and in one organization as the worst case.
admin PUT "/api/orgs/$org_id/plan" '{"plan":"enterprise"}' >/dev/null
deploy_team=$(json_field defaultTeamId "$org")
spread_teams=$deploy_team
spread_pairs="$deploy_team:$org_id"   # team:organization, for pgbench
for i in $(seq 2 "$connections"); do
  extra=$(bench_api POST /api/orgs "{\"name\":\"Spread $i\",\"slug\":\"spread-$i\"}")
  admin PUT "/api/orgs/$(id_of "$extra")/plan" '{"plan":"enterprise"}' >/dev/null
  spread_teams="$spread_teams,$(json_field defaultTeamId "$extra")"
  spread_pairs="$spread_pairs $(json_field defaultTeamId "$extra"):$(id_of "$extra")"
done
template_id=$(bench_api GET "/api/templates?teamId=$deploy_team&visibility=system" | grep -o '"id":"[^"]*","name":"Static site"' | cut -d'"' -f4)
list_org=$(bench_api POST /api/orgs '{"name":"Listing","slug":"listing"}')
admin PUT "/api/orgs/$(id_of "$list_org")/plan" '{"plan":"enterprise"}' >/dev/null
list_team=$(json_field defaultTeamId "$list_org")
for i in $(seq -w 1 100); do
  bench_api POST /api/deployments "{\"teamId\":\"$list_team\",\"templateId\":\"$template_id\",\"name\":\"list-$i\"}" >/dev/null
done
list_url="$base/api/deployments?teamId=$list_team&pageSize=100"
bench_api GET "/api/deployments?teamId=$list_team&pageSize=100" >"$work/list.json"
[[ $(grep -o '"name":"list-' "$work/list.json" | wc -l) -eq 100 ]] || die "could not prepare 100 deployments"
bench_api POST /api/deployments "{\"teamId\":\"$deploy_team\",\"templateId\":\"$template_id\",\"name\":\"sample\",\"values\":{\"PAGE_TITLE\":\"Bench\"}}" >"$work/created.json"
# /api/me is read by a typical user: three organizations of their own with two teams each.
for i in 1 2 3; do
  o=$(curl -sf -X POST "$base/api/orgs" -H 'content-type: application/json' -H 'X-Dev-User: reader@bench.test' -d "{\"name\":\"Reader $i\"}")
  curl -sf -X POST "$base/api/orgs/$(id_of "$o")/teams" -H 'content-type: application/json' \
    -H 'X-Dev-User: reader@bench.test' -d '{"name":"Second"}' >/dev/null
done

dotnet "$work/bare/BareKestrel.dll" "http://127.0.0.1:$bareport" "$work/list.json" "$work/created.json" >"$work/bare.log" 2>&1 &
bare=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$bareport/api/deployments" >/dev/null && break; sleep 0.2; done

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
quick=${BENCH_QUICK:-0}
[[ $quick == 1 ]] || warm "GET /api/me" -H 'X-Dev-User: reader@bench.test' "$base/api/me" --
[[ $quick == 1 ]] || warm "POST teams" -s bench/api/create-team.lua "$base/api/orgs/$org_id/teams" --
warm "POST deployments" -s bench/api/create-deployment.lua "$base" -- "$spread_teams" "$template_id"
warm "GET deployments" -H 'X-Dev-User: bench@bench.test' "$list_url" --
if [[ -n ${BENCH_PROFILE:-} ]]; then   # a 10 s dotnet-trace of the server under the list's load (sampled thread stacks)
  export PATH=$PATH:$HOME/.dotnet/tools
  command -v dotnet-trace >/dev/null || dotnet tool install -g dotnet-trace >/dev/null
  wrk -t2 -c"$connections" -d16s -H 'X-Dev-User: bench@bench.test' "$list_url" >/dev/null &
  load=$!
  sleep 2
  dotnet-trace collect -p "$server" --profile dotnet-sampled-thread-time --duration 00:00:00:10 -o "$BENCH_PROFILE" >/dev/null
  wait "$load"
  log "profile of the list under load written to $BENCH_PROFILE"
fi
wrk -t2 -c"$connections" -d5s -s bench/api/create-deployment.lua "http://127.0.0.1:$bareport" -- "$spread_teams" "$template_id" >/dev/null
wrk -t2 -c"$connections" -d5s "http://127.0.0.1:$bareport/api/deployments" >/dev/null

cpu_ticks() {   # cpu_ticks PID... : user + system CPU clock ticks of these processes
  local total=0 pid
  for pid in "$@"; do [[ -r /proc/$pid/stat ]] && total=$((total + $(awk '{print $14 + $15}' "/proc/$pid/stat"))); done
  echo "$total"
}
pg_ticks() {   # CPU clock ticks of PostgreSQL so far: the postmaster, its live processes and the ones it reaped (pgbench's backends)
  local postmaster; postmaster=$(head -1 "$work/pg/postmaster.pid")
  echo $(( $(awk '{print $14 + $15 + $16 + $17}' "/proc/$postmaster/stat") + $(cpu_ticks $(pgrep -P "$postmaster")) ))
}
hz=$(getconf CLK_TCK)
per_request() {   # per_request TICKS REQUESTS : CPU milliseconds per request
  awk -v t="$1" -v n="$2" -v hz="$hz" 'BEGIN { if (n > 0) printf "%.2f", 1000 * t / hz / n; else print "-" }'
}

# Each measured row: "label|throughput|p50|p99|non-2xx|server CPU ms/req|PostgreSQL CPU ms/req".
run_wrk() {   # run_wrk LABEL wrk-args... (the server's CPU is that of $target, the API server unless set)
  local label=$1; shift
  local pid=${target:-$server} before_server before_pg out
  before_server=$(cpu_ticks "$pid"); before_pg=$(pg_ticks)
  out=$(wrk -t2 -c"$connections" -d"${duration}s" --latency "$@")
  local rps p50 p99 errors requests
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  requests=$(awk '/requests in/ {print $1}' <<<"$out")
  p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  errors=$(awk '/Non-2xx/ {print $NF}' <<<"$out"); errors=${errors:-0}
  echo "$label|$rps req/s|$p50|$p99|$errors|$(per_request $(($(cpu_ticks "$pid") - before_server)) "$requests")|$(per_request $(($(pg_ticks) - before_pg)) "$requests")"
}

run_pgbench() {   # run_pgbench LABEL SCRIPT VAR=VALUE,... [...] : several sets: one client each, all at once; one set: all connections
  local label=$1 script=$2; shift 2
  local dir="$work/pgbench-$RANDOM" before_pg set pids=() d
  local -a defines; mkdir -p "$dir"
  before_pg=$(pg_ticks)
  for set in "$@"; do
    defines=(); for d in ${set//,/ }; do defines+=(-D "$d"); done
    ( cd "$dir" && "$pgbench" -h 127.0.0.1 -p "$pgport" -U postgres -n -c $(( ${#@} == 1 ? connections : 1 )) -j $(( ${#@} == 1 ? 2 : 1 )) \
        -T "$duration" -M prepared -l "${defines[@]}" -f "$OLDPWD/$script" bench >>"$dir/out" 2>&1 ) &
    pids+=($!)
  done
  wait "${pids[@]}" || { cat "$dir/out" >&2; die "pgbench failed ($label)"; }
  local tx tps p50 p99
  tx=$(cat "$dir"/pgbench_log.* | wc -l)
  tps=$(awk -v n="$tx" -v s="$duration" 'BEGIN {printf "%.0f", n / s}')
  read -r p50 p99 < <(cat "$dir"/pgbench_log.* | awk '{print $3}' | sort -n | awk '{v[NR]=$1} END {printf "%.2fms %.2fms\n", v[int(NR*0.5)]/1000, v[int(NR*0.99)]/1000}')
  echo "$label|$tps tps|$p50|$p99|0|-|$(per_request $(($(pg_ticks) - before_pg)) "$tx")"
}

log "measuring ($duration s each, $connections connections, 2 wrk threads)"
rows=()
if [[ $quick != 1 ]]; then
  rows+=("$(run_wrk "GET /api/me" -H 'X-Dev-User: reader@bench.test' "$base/api/me")")
  rows+=("$(run_wrk "POST /api/orgs/{id}/teams" -s bench/api/create-team.lua "$base/api/orgs/$org_id/teams" -- "run$RANDOM")")
fi
creates=$(run_wrk "POST /api/deployments" -s bench/api/create-deployment.lua "$base" -- "$spread_teams" "$template_id" "r$RANDOM")
rows+=("$creates")
creates_pg=$(run_pgbench "  pgbench, same statements" bench/api/pgbench-create.sql $(for pair in $spread_pairs; do
  echo "team=${pair%%:*},org=${pair##*:},user=$user_id,template=$template_id"; done))
rows+=("$creates_pg")
creates_bare=$(target=$bare run_wrk "  bare Kestrel, same bytes" -s bench/api/create-deployment.lua "http://127.0.0.1:$bareport" -- "$spread_teams" "$template_id" "b$RANDOM")
rows+=("$creates_bare")
[[ $quick == 1 ]] || rows+=("$(run_wrk "POST /api/deployments (one org)" -s bench/api/create-deployment.lua "$base" -- "$deploy_team" "$template_id" "o$RANDOM")")
lists=$(run_wrk "GET /api/deployments (100)" -H 'X-Dev-User: bench@bench.test' "$list_url")
rows+=("$lists")
lists_pg=$(run_pgbench "  pgbench, same statements" bench/api/pgbench-list.sql "team=$list_team,user=$user_id")
rows+=("$lists_pg")
lists_bare=$(target=$bare run_wrk "  bare Kestrel, same bytes" "http://127.0.0.1:$bareport/api/deployments")
rows+=("$lists_bare")
for think in ${BENCH_THINK_MS:-}; do   # the list below saturation: each connection waits $think ms between requests
  rows+=("$(run_wrk "GET /api/deployments (100), ${think} ms think" -H 'X-Dev-User: bench@bench.test' -s bench/api/think.lua "$list_url" -- "$think")")
done
if [[ $quick != 1 && $connections != 16 ]]; then
  saved=$connections; connections=16
  rows+=("$(run_wrk "GET /api/deployments (100), 16 conn" -H 'X-Dev-User: bench@bench.test' "$list_url")")
  connections=$saved
fi

echo
echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $connections connections, $duration s per row; server: $server_dll ${server_env[*]:-} ${BENCH_NPGSQL:-}"
printf '%-38s %14s %10s %10s %8s %12s %12s\n' "workload" "throughput" "p50" "p99" "non-2xx" "server ms/req" "pg ms/req"
for row in "${rows[@]}"; do
  IFS='|' read -r a b c d e f g <<<"$row"
  printf '%-38s %14s %10s %10s %8s %12s %12s\n' "$a" "$b" "$c" "$d" "$e" "$f" "$g"
done
rate() { cut -d'|' -f2 <<<"$1" | cut -d' ' -f1; }
echo
awk -v api="$(rate "$creates")" -v pg="$(rate "$creates_pg")" -v bare="$(rate "$creates_bare")" 'BEGIN {
  printf "create: API/pgbench %.2f (goal >= 0.25), API/bare %.3f\n", api / pg, api / bare }'
awk -v api="$(rate "$lists")" -v pg="$(rate "$lists_pg")" -v bare="$(rate "$lists_bare")" -v p99="$(cut -d'|' -f4 <<<"$lists")" 'BEGIN {
  printf "list:   API/pgbench %.2f (goal >= 0.50), API/bare %.3f, p99 %s (goal < 20 ms)\n", api / pg, api / bare, p99 }'
echo "server RSS after the run: $(( $(awk '/VmRSS/ {print $2}' /proc/$server/status) / 1024 )) MB (goal < 150 MB); peak $(( $(awk '/VmHWM/ {print $2}' /proc/$server/status) / 1024 )) MB"
