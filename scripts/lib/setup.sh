# shellcheck shell=bash
# Idempotent installers used by scripts/test and scripts/demo. Source it.
#
#   ensure_apt PKG...        install missing Debian packages (apt-get update once, only if needed)
#   ensure_node              node >= 20 and npm on PATH (Debian packages as a fallback)
#   ensure_rust              cargo, rustfmt and clippy present (rustup is expected on the machine)
#   ensure_node_modules DIR  `npm ci` in DIR when node_modules is missing or older than package-lock.json
#   ensure_postgres          throwaway PostgreSQL cluster on 127.0.0.1; exports AZSTACK_TEST_POSTGRES_URL
#
# Everything here must work unattended (CI=true, no stdin) on a fresh Debian 12 machine.

# shellcheck source=scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

if [[ -n "${_AZSTACK_SETUP_SH:-}" ]]; then return 0; fi
_AZSTACK_SETUP_SH=1

# Run a command as root (we are root on CI and on the project's machines).
_as_root() {
  if [[ $EUID -eq 0 ]]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo -n "$@"
  else
    die "need root to run: $*"
  fi
}

_AZSTACK_APT_UPDATED=0

# ensure_apt PKG...: install the packages that are not installed yet.
ensure_apt() {
  local pkg missing=()
  for pkg in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
      missing+=("$pkg")
    fi
  done
  [[ ${#missing[@]} -eq 0 ]] && return 0
  log "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  if [[ $_AZSTACK_APT_UPDATED -eq 0 ]]; then
    _as_root apt-get update -qq
    _AZSTACK_APT_UPDATED=1
  fi
  _as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null >/dev/null
}

# ensure_node: node (>= 20, for node:test and its directory discovery) and npm.
ensure_node() {
  if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    warn "node/npm not found; falling back to Debian's nodejs and npm"
    ensure_apt nodejs npm
  fi
  local major
  major=$(node -p 'process.versions.node.split(".")[0]')
  if ((major < 20)); then
    warn "node $(node --version) is older than 20; the compat tests expect node 20 or newer"
  fi
}

# ensure_rust: the toolchain comes with the machine (rustup, stable); only check it.
ensure_rust() {
  if ! command -v cargo >/dev/null 2>&1 && [[ -x "$HOME/.cargo/bin/cargo" ]]; then
    export PATH="$HOME/.cargo/bin:$PATH"
  fi
  command -v cargo >/dev/null 2>&1 || die "cargo not found (expected rustup's stable toolchain)"
  local component
  for component in fmt clippy; do
    if ! cargo "$component" --version >/dev/null 2>&1; then
      if command -v rustup >/dev/null 2>&1; then
        rustup component add "$([[ $component == fmt ]] && echo rustfmt || echo clippy)" ||
          die "cargo $component is missing and rustup could not add it"
      else
        die "cargo $component is missing"
      fi
    fi
  done
}

# ensure_node_modules DIR: `npm ci` when DIR/node_modules is missing or older than
# DIR/package-lock.json (npm writes node_modules/.package-lock.json on every install).
ensure_node_modules() {
  local dir=$1 stamp
  [[ -f "$dir/package-lock.json" ]] || die "$dir/package-lock.json not found"
  stamp="$dir/node_modules/.package-lock.json"
  if [[ -d "$dir/node_modules" && -f "$stamp" && ! "$dir/package-lock.json" -nt "$stamp" ]]; then
    return 0
  fi
  log "npm ci in ${dir#"$AZSTACK_ROOT"/}"
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error </dev/null)
}

# ---------------------------------------------------------------------------------
# PostgreSQL: a throwaway cluster for the PostgreSQL variant of the Rust store tests.

AZSTACK_PG_PORT="${AZSTACK_PG_PORT:-55432}"

# Prints the directory holding initdb, pg_ctl, pg_isready and psql, or fails.
_pg_bindir() {
  local dir candidates=() tool
  # Debian keeps the server tools out of PATH: newest version first.
  while IFS= read -r dir; do candidates+=("$dir"); done < <(printf '%s\n' /usr/lib/postgresql/*/bin | sort -rV)
  if command -v initdb >/dev/null 2>&1; then
    candidates+=("$(dirname "$(readlink -f "$(command -v initdb)")")")
  fi
  for dir in "${candidates[@]}"; do
    for tool in initdb pg_ctl pg_isready psql; do
      [[ -x "$dir/$tool" ]] || continue 2
    done
    printf '%s\n' "$dir"
    return 0
  done
  return 1
}

# Run a PostgreSQL server tool as the cluster owner (initdb refuses to run as root).
_as_pg_owner() {
  if [[ $EUID -eq 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

# Is a live cluster of a still-running owner listening on PORT? Stale clusters left
# behind by a killed run (their owner process is gone) are stopped here.
_pg_port_taken() {
  local port=$1 bindir=$2 pidfile dir owner
  for pidfile in /tmp/azstack-pg.*/data/postmaster.pid; do
    [[ -f "$pidfile" ]] || continue
    dir=$(dirname "$(dirname "$pidfile")")
    [[ "$(sed -n 4p "$pidfile" 2>/dev/null)" == "$port" ]] || continue
    owner=$(cat "$dir/owner.pid" 2>/dev/null || echo "")
    if [[ -n "$owner" ]] && kill -0 "$owner" 2>/dev/null; then
      continue # someone else's live test run: leave it alone
    fi
    log "stopping a stale test cluster in $dir (its run is gone)"
    _as_pg_owner "$bindir/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$dir"
  done
  # pg_isready: 0 accepting, 1 rejecting (starting up), 2 no response.
  local rc=0
  "$bindir/pg_isready" -q -h 127.0.0.1 -p "$port" -t 2 || rc=$?
  [[ $rc -ne 2 ]]
}

# ensure_postgres: install PostgreSQL if needed, start a throwaway cluster (fsync off)
# on 127.0.0.1:$AZSTACK_PG_PORT (default 55432; the next free port if a concurrent run
# holds it), create role `azstack` and database `azstack_test`, export
# AZSTACK_TEST_POSTGRES_URL, and stop and delete the cluster when the script exits.
ensure_postgres() {
  local bindir dir port deadline tries
  if ! bindir=$(_pg_bindir); then
    ensure_apt postgresql
    bindir=$(_pg_bindir) || die "PostgreSQL installed but initdb/pg_ctl not found"
  fi
  if [[ $EUID -eq 0 ]] && ! id postgres >/dev/null 2>&1; then
    ensure_apt postgresql # creates the postgres system user
  fi

  port=$AZSTACK_PG_PORT
  for ((tries = 0; tries < 10; tries++)); do
    _pg_port_taken "$port" "$bindir" || break
    log "port $port is taken by another test run; trying $((port + 1))"
    port=$((port + 1))
  done
  ((tries < 10)) || die "no free port for the test PostgreSQL cluster near $AZSTACK_PG_PORT"

  dir=$(mktemp -d /tmp/azstack-pg.XXXXXX)
  echo "$$" >"$dir/owner.pid"
  chmod 755 "$dir"
  if [[ $EUID -eq 0 ]]; then chown postgres: "$dir"; fi
  at_exit "_stop_postgres '$bindir' '$dir'"

  log "PostgreSQL $("$bindir/postgres" --version | awk '{print $3}'): initdb in $dir"
  _as_pg_owner "$bindir/initdb" -D "$dir/data" -U postgres --auth=trust --encoding=UTF8 --no-locale \
    --no-sync >"$dir/initdb.log" 2>&1 || {
    cat "$dir/initdb.log" >&2
    die "initdb failed"
  }
  _as_pg_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -o \
    "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    -W start >/dev/null

  # Readiness: poll pg_isready against a deadline (pg_ctl -W does not wait).
  deadline=$(($(now_s) + 60))
  until "$bindir/pg_isready" -q -h 127.0.0.1 -p "$port" -t 1; do
    if (($(now_s) >= deadline)); then
      cat "$dir/server.log" >&2 || true
      die "PostgreSQL did not become ready on 127.0.0.1:$port within 60 s"
    fi
    sleep 0.2
  done

  "$bindir/psql" -q -h 127.0.0.1 -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 \
    -c "CREATE ROLE azstack LOGIN CREATEDB" \
    -c "CREATE DATABASE azstack_test OWNER azstack" >/dev/null </dev/null

  export AZSTACK_TEST_POSTGRES_URL="postgres://azstack@127.0.0.1:$port/azstack_test"
  log "PostgreSQL ready: $AZSTACK_TEST_POSTGRES_URL"
}

_stop_postgres() {
  local bindir=$1 dir=$2
  if [[ -f "$dir/data/postmaster.pid" ]]; then
    _as_pg_owner "$bindir/pg_ctl" -D "$dir/data" -m fast -t 30 stop >/dev/null 2>&1 ||
      _as_pg_owner "$bindir/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
}

# Starts a throwaway redis-server on 127.0.0.1 (no persistence), stopped on exit, and exports AZSTACK_TEST_REDIS_URL.
# Installs Debian's redis-server when missing. Returns 1 with the reason in REDIS_UNAVAILABLE when it cannot run here.
ensure_redis() {
  local port dir deadline tries
  if ! command -v redis-server >/dev/null; then
    ensure_apt redis-server || { REDIS_UNAVAILABLE="redis-server could not be installed"; return 1; }
  fi
  command -v redis-server >/dev/null || { REDIS_UNAVAILABLE="redis-server is not installed"; return 1; }
  port=${AZSTACK_REDIS_PORT:-56379}
  for ((tries = 0; tries < 10; tries++)); do
    (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null || break
    port=$((port + 1))
  done
  ((tries < 10)) || { REDIS_UNAVAILABLE="no free port for redis-server near ${AZSTACK_REDIS_PORT:-56379}"; return 1; }
  dir=$(mktemp -d /tmp/azstack-redis.XXXXXX)
  redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --databases 64 --daemonize yes \
    --dir "$dir" --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" >/dev/null ||
    { REDIS_UNAVAILABLE="redis-server did not start"; return 1; }
  at_exit "_stop_redis '$dir'"
  deadline=$(($(now_s) + 30))
  until [[ "$(redis-cli -p "$port" ping 2>/dev/null)" == PONG ]]; do
    if (($(now_s) >= deadline)); then
      cat "$dir/redis.log" >&2 || true
      REDIS_UNAVAILABLE="redis-server did not answer on 127.0.0.1:$port within 30 s"
      return 1
    fi
    sleep 0.1
  done
  export AZSTACK_TEST_REDIS_URL="redis://127.0.0.1:$port"
  log "Redis ready: $AZSTACK_TEST_REDIS_URL"
}

_stop_redis() {
  local dir=$1
  if [[ -f "$dir/redis.pid" ]]; then kill "$(cat "$dir/redis.pid")" 2>/dev/null || true; fi
  rm -rf "$dir"
}
