# shellcheck shell=bash
# Shared basics for scripts/*: repository root, messages, and one exit-hook stack.
# Source it; it does not change shell options.

if [[ -n "${_AZSTACK_COMMON_SH:-}" ]]; then return 0; fi
_AZSTACK_COMMON_SH=1

AZSTACK_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export AZSTACK_ROOT

# Cargo's target directory (honours CARGO_TARGET_DIR, like cargo itself).
azstack_target_dir() {
  local dir="${CARGO_TARGET_DIR:-$AZSTACK_ROOT/target}"
  case "$dir" in /*) ;; *) dir="$AZSTACK_ROOT/$dir" ;; esac
  printf '%s\n' "$dir"
}

log() { printf '%s\n' "$*" >&2; }
warn() { printf 'warning: %s\n' "$*" >&2; }
die() {
  printf 'error: %s\n' "$*" >&2
  exit 1
}

# banner TEXT: a visible stage header.
banner() {
  printf '\n==> %s\n' "$*" >&2
}

# now_s: whole seconds since the epoch (for deadlines).
now_s() { date +%s; }

# at_exit COMMAND...: run COMMAND when the script exits (normally, on error or on
# INT/TERM). Hooks run in reverse order of registration; a failing hook does not
# stop the others.
_AZSTACK_EXIT_HOOKS=()
at_exit() {
  _AZSTACK_EXIT_HOOKS+=("$*")
  if [[ ${#_AZSTACK_EXIT_HOOKS[@]} -eq 1 ]]; then
    trap _azstack_run_exit_hooks EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
  fi
}
_azstack_run_exit_hooks() {
  local status=$? i
  # shellcheck disable=SC2034 # read by hooks
  AZSTACK_EXIT_STATUS=$status
  for ((i = ${#_AZSTACK_EXIT_HOOKS[@]} - 1; i >= 0; i--)); do
    eval "${_AZSTACK_EXIT_HOOKS[$i]}" || true
  done
  _AZSTACK_EXIT_HOOKS=()
  return "$status"
}

# stop_pid PID [NAME]: SIGTERM, wait up to 10 s, then SIGKILL. Only for processes
# this script started.
stop_pid() {
  local pid=$1 name=${2:-process $1} deadline
  kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
  kill -TERM "$pid" 2>/dev/null || true
  deadline=$(($(now_s) + 10))
  while kill -0 "$pid" 2>/dev/null && (($(now_s) < deadline)); do sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then
    warn "$name did not stop after SIGTERM; killing it"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}
