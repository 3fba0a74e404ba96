# shellcheck shell=bash
# Start and stop `azstack-server dev` from a script. Source it.
#
#   start_dev_server DATA_DIR [BIN [DEV_ARGS...]]
#       starts `BIN dev --port 0 --data DATA_DIR DEV_ARGS...` in the background, waits (bounded)
#       for its `listening on http://…` line, sets AZSTACK_SERVER_URL and
#       AZSTACK_SERVER_PID, and stops the server when the script exits.
#       BIN (empty or absent) defaults to the debug build in the cargo target directory.
#       The server's output goes to DATA_DIR/server.log.
#
#   free_udp_ports N
#       prints N UDP ports of 127.0.0.1 that were free a moment ago.

# shellcheck source=scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

start_dev_server() {
  local data=$1 bin=${2:-$(azstack_target_dir)/debug/azstack-server} logfile deadline line
  shift $(($# >= 2 ? 2 : $#))
  [[ -x "$bin" ]] || die "azstack-server not found at $bin (cargo build -p azstack-server)"
  mkdir -p "$data"
  logfile="$data/server.log"
  : >"$logfile"

  NO_COLOR=${NO_COLOR:-1} "$bin" dev --port 0 --data "$data" "$@" >>"$logfile" 2>&1 </dev/null &
  AZSTACK_SERVER_PID=$!
  at_exit "stop_pid $AZSTACK_SERVER_PID azstack-server"
  at_exit "_dev_server_note_log '$logfile'"

  deadline=$(($(now_s) + 60))
  AZSTACK_SERVER_URL=
  while [[ -z "$AZSTACK_SERVER_URL" ]]; do
    line=$(grep -m1 -oE 'listening on https?://[^[:space:]]+' "$logfile" || true)
    if [[ -n "$line" ]]; then
      AZSTACK_SERVER_URL=${line#listening on }
      break
    fi
    if ! kill -0 "$AZSTACK_SERVER_PID" 2>/dev/null; then
      tail -n 40 "$logfile" >&2 || true
      die "azstack-server exited before it was listening (log: $logfile)"
    fi
    if (($(now_s) >= deadline)); then
      tail -n 40 "$logfile" >&2 || true
      die "azstack-server printed no 'listening on' line within 60 s (log: $logfile)"
    fi
    sleep 0.1
  done
  export AZSTACK_SERVER_URL AZSTACK_SERVER_PID
  log "azstack-server listening on $AZSTACK_SERVER_URL (pid $AZSTACK_SERVER_PID, log $logfile)"
}

# On failure, point at the server's log (and show its end).
_dev_server_note_log() {
  [[ "${AZSTACK_EXIT_STATUS:-0}" -eq 0 ]] && return 0
  log "--- last lines of the server log ($1) ---"
  tail -n 20 "$1" >&2 || true
}

# free_udp_ports N — prints N distinct UDP ports on 127.0.0.1 that were free a moment ago (for servers and test peers
# that need their port named before they start).
free_udp_ports() {
  node -e '
    const dgram = require("dgram");
    const sockets = Array.from({ length: Number(process.argv[1]) }, () => dgram.createSocket("udp4"));
    Promise.all(sockets.map((s) => new Promise((done) => s.bind(0, "127.0.0.1", done)))).then(() => {
      console.log(sockets.map((s) => s.address().port).join(" "));
      sockets.forEach((s) => s.close());
    });
  ' "$1"
}
