# Shared helpers for scripts/run.sh, scripts/test.sh and bench/. Source it; do not run it.
# Every install step is idempotent and only runs what is missing (fresh Debian machine with .NET SDK and Node.js).

log() { printf '[cleanscheduler] %s\n' "$*" >&2; }
die() { printf '[cleanscheduler] error: %s\n' "$*" >&2; exit 1; }

as_root() {
  if [[ $(id -u) -eq 0 ]]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else die "need root to run: $*"; fi
}

_apt_updated=""
apt_install() {   # apt_install PACKAGE... : installs the packages that are not installed yet
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  ((${#missing[@]})) || return 0
  log "installing ${missing[*]} (apt-get)"
  if [[ -z $_apt_updated ]]; then
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null || die "apt-get update failed"
    _apt_updated=1
  fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
    || die "apt-get install ${missing[*]} failed"
}

require_dotnet() {
  command -v dotnet >/dev/null || die "the .NET SDK is required (https://learn.microsoft.com/dotnet/core/install/linux-debian)"
  export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
}

# The server's runtime settings that only the environment can give (the others are in its runtimeconfig.json): a gen0
# budget of 8 MB. On the 2-core VM the bench runs on, the GC's own budget came to 2-3 MB (its ceiling for workstation GC
# is 6 MB), and the list of 100 paid a gen0 collection every ~38 requests and a gen1 every ~100: 9-10% of the time
# paused (bench/README.md, "an 8 MB gen0 budget"). A value already in the environment is kept, and then nothing is
# printed for it. docker/server.Dockerfile sets the same (ServerProcessTests checks that they agree).
SERVER_GC_GEN0_SIZE=0x800000
server_runtime_env() {   # the DOTNET_ variables to add to the server's environment, one NAME=VALUE per line
  [[ -n ${DOTNET_GCgen0size:-} ]] || echo "DOTNET_GCgen0size=$SERVER_GC_GEN0_SIZE"
}

pg_bindir() {
  local dir
  for dir in /usr/lib/postgresql/*/bin; do [[ -x $dir/initdb ]] && { echo "$dir"; return 0; }; done
  return 1
}

require_pyyaml() {   # PyYAML, a YAML 1.1 parser as kubectl's: the manifest YAML tests read the renderings with it
  command -v python3 >/dev/null && python3 -c 'import yaml' 2>/dev/null || apt_install python3 python3-yaml
}

require_kubectl() {   # kubectl renders the Kustomize base in the tests (Debian's kubernetes-client when absent)
  command -v kubectl >/dev/null || apt_install kubernetes-client
}

require_aot_toolchain() {   # the operator ships as Native AOT: the ILCompiler links with clang (and zlib)
  command -v clang >/dev/null && dpkg -s zlib1g-dev >/dev/null 2>&1 || apt_install clang zlib1g-dev
}

publish_operator() {   # publish_operator DIR : the operator as the image runs it, a Native AOT executable DIR/CleanScheduler.Operator
  require_aot_toolchain
  local rid; case $(uname -m) in aarch64|arm64) rid=linux-arm64 ;; *) rid=linux-x64 ;; esac
  dotnet publish src/Operator/CleanScheduler.Operator.csproj -c Release -r "$rid" -o "$1" -v quiet -nologo -clp:ErrorsOnly
}

require_postgres() {
  pg_bindir >/dev/null || apt_install postgresql
  command -v psql >/dev/null || apt_install postgresql-client
  PG_BIN=$(pg_bindir) || die "PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin"
  export PG_BIN
}

free_port() {   # free_port [START] : the first TCP port on 127.0.0.1 from START that nobody listens on
  local port=${1:-$((20000 + RANDOM % 20000))}
  while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 1)); done
  echo "$port"
}

_pg() {   # run a PostgreSQL server binary as the postgres OS user when we are root (initdb refuses root)
  if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$PG_BIN/$1" "${@:2}"; else "$PG_BIN/$1" "${@:2}"; fi
}

pg_running_port() {   # pg_running_port DIR : the port of the server running on DIR, if any
  [[ -f $1/postmaster.pid ]] && _pg pg_ctl -D "$1" status >/dev/null 2>&1 && sed -n 4p "$1/postmaster.pid"
}

pg_start() {   # pg_start DIR PORT : initialise DIR if needed and start a server on 127.0.0.1:PORT (TCP only)
  local dir=$1 port=$2
  mkdir -p "$dir"
  if [[ $(id -u) -eq 0 ]]; then
    id postgres >/dev/null 2>&1 || die "the postgres OS user is missing (is the postgresql package installed?)"
    chown postgres:postgres "$dir"; chmod 700 "$dir"
    runuser -u postgres -- test -w "$dir" || die "the postgres user cannot write $dir (a parent directory is not accessible); move the checkout or set DATABASE_DSN"
  fi
  if [[ ! -f $dir/PG_VERSION ]]; then
    log "initialising PostgreSQL in $dir"
    _pg initdb -D "$dir" -A trust -U postgres -E UTF8 --locale=C.UTF-8 >/dev/null
  fi
  _pg pg_ctl -D "$dir" -l "$dir/server.log" -w -t 60 -o "-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c fsync=${PG_FSYNC:-on} -c max_connections=200" start >/dev/null \
    || { tail -n 20 "$dir/server.log" >&2; die "PostgreSQL did not start (log: $dir/server.log)"; }
}

pg_stop() {   # pg_stop DIR
  [[ -f $1/postmaster.pid ]] && _pg pg_ctl -D "$1" -m fast -w stop >/dev/null 2>&1 || true
}

pg_ensure_database() {   # pg_ensure_database PORT NAME
  if ! psql -h 127.0.0.1 -p "$1" -U postgres -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$2'" | grep -q 1; then
    psql -h 127.0.0.1 -p "$1" -U postgres -d postgres -qc "CREATE DATABASE \"$2\"" >/dev/null
  fi
}

require_node() {   # Node.js 20.19+ and npm: preinstalled on the target machines; Debian's packages otherwise
  command -v node >/dev/null && command -v npm >/dev/null || apt_install nodejs npm
  node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' \
    || die "Node.js 20.19 or newer is required for the web UI (found $(node --version))"
}

require_node_modules() {   # frontend/node_modules as package-lock.json says (installed only when the lock file changed)
  require_node
  local stamp=frontend/node_modules/.cleanscheduler-lock.sha256 want
  want=$(sha256sum frontend/package-lock.json | cut -d' ' -f1)
  [[ -f $stamp && $(cat "$stamp") == "$want" ]] && return 0
  log "installing the web UI's packages (npm install from package-lock.json)"
  # npm install, not npm ci: the registry mirror here lacks the other platforms' optional packages that the lock file
  # names (tailwind's oxide builds), which npm ci refuses. With --no-save the lock file is still what is installed.
  (cd frontend && npm install --no-save --no-audit --no-fund --loglevel=error) || die "npm install failed in frontend/"
  echo "$want" > "$stamp"
}

build_web_ui() {   # frontend/dist, rebuilt when a source file is newer than the last build (or there is none); 1 if it fails
  require_node_modules
  local built=frontend/dist/index.html
  if [[ -f $built ]] && [[ -z $(find frontend/src frontend/public frontend/index.html frontend/vite.config.ts frontend/package-lock.json \
        -newer "$built" -print -quit 2>/dev/null) ]]; then
    return 0
  fi
  log "building the web UI (npm run build)"
  (cd frontend && npm run build --silent) || { log "the web UI did not build (cd frontend && npm run build)"; return 1; }
}

require_chromium() {   # Debian's chromium, driven by playwright-core in the end-to-end tests
  command -v chromium >/dev/null || apt_install chromium
}

require_redis() {   # Debian's redis-server: the peer of the Redis session store tests
  command -v redis-server >/dev/null && command -v redis-cli >/dev/null || apt_install redis-server
}

redis_start() {   # redis_start DIR PORT : a throwaway redis-server on 127.0.0.1:PORT (nothing saved to disk); pid and log in DIR
  local dir=$1 port=$2 i
  mkdir -p "$dir"
  redis-server --bind 127.0.0.1 --port "$port" --save '' --appendonly no --dir "$dir" \
    --daemonize yes --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" || die "redis-server did not start (log: $dir/redis.log)"
  for i in $(seq 50); do
    redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null | grep -q PONG && return 0
    sleep 0.1
  done
  tail -n 20 "$dir/redis.log" >&2; die "redis-server did not answer on 127.0.0.1:$port (log: $dir/redis.log)"
}

redis_stop() {   # redis_stop DIR : stops the server redis_start started there
  [[ -f $1/redis.pid ]] && kill "$(cat "$1/redis.pid")" 2>/dev/null || true
}
