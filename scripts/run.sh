#!/usr/bin/env bash
# Runs CleanScheduler locally: a private PostgreSQL under .data/, migrations, DEV_MODE, the web UI (built when its
# sources changed) and the API at http://localhost:8081.
# Any variable of the configuration table in README.md can be set in the environment to override the defaults below.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

require_dotnet
if [[ -z ${DATABASE_DSN:-} ]]; then
  require_postgres
  pgdir="$PWD/.data/postgres"
  port=$(pg_running_port "$pgdir" || true)
  if [[ -z $port ]]; then
    port=$(free_port "${PGPORT:-54329}")
    pg_start "$pgdir" "$port"
    own_pg=1
    trap 'trap "" INT TERM; log "stopping PostgreSQL"; pg_stop "$pgdir"' EXIT
  fi
  pg_ensure_database "$port" cleanscheduler
  export DATABASE_DSN="postgres://postgres@127.0.0.1:$port/cleanscheduler?sslmode=disable"
  log "PostgreSQL on 127.0.0.1:$port (data in .data/postgres)"
fi

export DEV_MODE=${DEV_MODE:-true}
export SERVER_ADDR=${SERVER_ADDR:-localhost:8081}
if [[ -z ${METRICS_ADDR+set} ]]; then   # Prometheus metrics on 9090 or the next free port (a local Prometheus often holds 9090); empty turns them off
  METRICS_ADDR="localhost:$(free_port 9090)"
  export METRICS_ADDR
fi
export BASE_URL=${BASE_URL:-http://localhost:8081}
export DEPLOYMENT_DOMAIN=${DEPLOYMENT_DOMAIN:-localhost}
export KUBERNETES_ENABLED=${KUBERNETES_ENABLED:-false}
export SESSION_BACKEND=${SESSION_BACKEND:-memory}
export PLATFORM_ADMINS=${PLATFORM_ADMINS:-dev@localhost}
if [[ -z ${SECRETS_ENCRYPTION_KEY:-} ]]; then   # one key per checkout, kept with the local database
  mkdir -p .data
  [[ -s .data/secrets.key ]] || (umask 077; head -c 32 /dev/urandom | base64 > .data/secrets.key)
  SECRETS_ENCRYPTION_KEY=$(cat .data/secrets.key)
  export SECRETS_ENCRYPTION_KEY
fi

export REACT_UI=${REACT_UI:-true}
if [[ $REACT_UI == true ]]; then
  build_web_ui || die "the web UI did not build; fix it, or run the API alone with REACT_UI=false"
fi

log "building the server"
dotnet build src/WebApi -c Release -v quiet -nologo -clp:ErrorsOnly
log "starting on $BASE_URL (Ctrl-C stops it)${METRICS_ADDR:+; Prometheus metrics on http://$METRICS_ADDR/metrics}"
mapfile -t runtime_env < <(server_runtime_env)   # the runtime settings only the environment can give (scripts/lib.sh)
env "${runtime_env[@]}" dotnet src/WebApi/bin/Release/net10.0/CleanScheduler.WebApi.dll &
server=$!
# A second Ctrl-C or TERM during the clean-up is ignored, so the clean-up always ends with PostgreSQL stopped.
trap 'trap "" INT TERM; kill $server 2>/dev/null || true; wait $server 2>/dev/null || true; if [[ -n ${own_pg:-} ]]; then log "stopping PostgreSQL"; pg_stop "$pgdir"; fi' EXIT
trap 'exit 130' INT TERM
wait $server
