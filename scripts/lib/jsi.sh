# shellcheck shell=bash
# The Linux JSI host: set-up, build, bundling and test running. Source it.
#
#   jsi_ensure_deps              Debian packages (JavaScriptCore 4.1 dev, cmake, ninja, pkg-config, g++), cargo,
#                                node and the repository's node_modules (`npm ci --ignore-scripts` when missing/stale)
#   jsi_build_host [PROFILE]     configure (once) and build cpp/linux-host with CMake + Ninja; cargo builds
#                                azstack-ffi as a custom target. Prints nothing on a no-op. PROFILE: debug (default),
#                                release or asan
#   jsi_host_bin [PROFILE]       the host binary's path
#   jsi_bundle FILE OUT [PROFILE]
#                                bundles FILE with esbuild: `azstack-react-native` → js/, `react-native` → the host's
#                                shim (cpp/linux-host/shim/react-native), `react` → the real package
#   jsi_run FILE [--timeout S] [--release]
#                                build if needed, bundle, run; returns the script's exit code
#   jsi_run_tests FILE...        runs each test file and checks its exit code and output against its directives
#
# Test directives (comment lines at the top of a tests/jsi file):
#   // @expect-exit N            the exit code the run must end with (default 0)
#   // @expect-stderr TEXT       TEXT must appear in the run's stderr (may repeat)
#   // @timeout S                the run's --timeout (default 60)

# shellcheck source=scripts/lib/setup.sh
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"

if [[ -n "${_AZSTACK_JSI_SH:-}" ]]; then return 0; fi
_AZSTACK_JSI_SH=1

JSI_HOST_SRC="$AZSTACK_ROOT/cpp/linux-host"

# jsi_ensure_deps: everything the host build needs, installed when missing.
jsi_ensure_deps() {
  ensure_apt libjavascriptcoregtk-4.1-dev cmake ninja-build pkg-config g++
  ensure_rust
  ensure_node
  jsi_ensure_node_modules
}

# The root package's node_modules (react-native's C++ sources, codegen, esbuild, react). Scripts are not run: the
# host needs none of them.
jsi_ensure_node_modules() {
  local stamp="$AZSTACK_ROOT/node_modules/.package-lock.json"
  if [[ -f "$stamp" && ! "$AZSTACK_ROOT/package-lock.json" -nt "$stamp" ]]; then
    return 0
  fi
  log "npm ci --ignore-scripts (repository root)"
  (cd "$AZSTACK_ROOT" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error </dev/null)
}

# Build profiles: debug (JSCRuntime's leak asserts on), release (benchmarks), asan (debug with AddressSanitizer and
# UndefinedBehaviorSanitizer on the C++; vptr checks off: a false positive inside JavaScriptCore's teardown).
_jsi_profile() {
  case "${1:-debug}" in
    release | --release) echo release ;;
    debug | "") echo debug ;;
    asan | --asan) echo asan ;;
    *) die "unknown build profile '$1' (debug, release or asan)" ;;
  esac
}

_jsi_build_dir() {
  printf '%s/jsi-host/%s\n' "$(azstack_target_dir)" "$(_jsi_profile "${1:-}")"
}

jsi_host_bin() {
  printf '%s/azstack-jsi-host\n' "$(_jsi_build_dir "${1:-}")"
}

# jsi_build_host [PROFILE]: configure once, then let Ninja (and cargo, inside it) decide what is out of date.
jsi_build_host() {
  local profile build_dir build_type out
  profile=$(_jsi_profile "${1:-}")
  build_dir=$(_jsi_build_dir "$profile")
  build_type=$([[ $profile == release ]] && echo Release || echo Debug)
  local flags=()
  if [[ $profile == asan ]]; then
    flags=("-DCMAKE_CXX_FLAGS=-fsanitize=address,undefined -fno-sanitize=vptr -fno-omit-frame-pointer"
      "-DCMAKE_EXE_LINKER_FLAGS=-fsanitize=address,undefined")
  fi
  # A build directory configured from another checkout (a copied target directory) is reconfigured from scratch.
  if [[ -f "$build_dir/CMakeCache.txt" ]] &&
    ! grep -qxF "CMAKE_HOME_DIRECTORY:INTERNAL=$JSI_HOST_SRC" "$build_dir/CMakeCache.txt"; then
    rm -rf "$build_dir"
  fi
  if [[ ! -f "$build_dir/build.ninja" ]]; then
    cmake -S "$JSI_HOST_SRC" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE="$build_type" "${flags[@]}" >/dev/null ||
      die "cmake could not configure the JSI host ($build_dir)"
  fi
  # Quiet on success (a no-op prints only Ninja's progress lines); the whole log on failure.
  if ! out=$(cmake --build "$build_dir" 2>&1); then
    printf '%s\n' "$out" >&2
    die "the JSI host did not build ($profile)"
  fi
  # Compiler warnings (file:line:col: warning: ...) are shown; the build must stay free of them.
  if grep -qE '^[^ ]+:[0-9]+:[0-9]+: warning:' <<<"$out"; then
    grep -E -A4 '^[^ ]+:[0-9]+:[0-9]+: warning:' <<<"$out" >&2
  fi
}

# jsi_bundle FILE OUT [PROFILE]
jsi_bundle() {
  local file=$1 out=$2 profile node_env
  profile=$(_jsi_profile "${3:-}")
  node_env=$([[ $profile == release ]] && echo production || echo development)
  "$AZSTACK_ROOT/node_modules/.bin/esbuild" "$file" \
    --bundle --format=iife --platform=neutral --target=es2022 --log-level=warning \
    --main-fields=react-native,module,main --conditions=react-native \
    --resolve-extensions=.ts,.tsx,.js,.jsx,.json --jsx=automatic \
    --alias:azstack-react-native="$AZSTACK_ROOT/js" \
    --alias:react-native="$JSI_HOST_SRC/shim/react-native" \
    --alias:react="$AZSTACK_ROOT/node_modules/react" \
    --define:process.env.NODE_ENV="\"$node_env\"" \
    --outfile="$out"
}

# jsi_run FILE [--timeout S] [--release]: exit code of the script (set AZSTACK_JSI_NO_BUILD=1 to skip the build
# check, e.g. when a test stage has just built the host; AZSTACK_JSI_PROFILE=asan for the sanitizer build).
jsi_run() {
  local file="" timeout=60 profile bundle dir rc
  profile=$(_jsi_profile "${AZSTACK_JSI_PROFILE:-debug}")
  while [[ $# -gt 0 ]]; do
    case "$1" in
      --timeout)
        [[ $# -ge 2 ]] || die "--timeout needs a number of seconds"
        timeout=$2
        shift 2
        ;;
      --timeout=*) timeout=${1#--timeout=}; shift ;;
      --release) profile=release; shift ;;
      -*) die "unknown option $1 (usage: scripts/jsi-run FILE.js [--timeout S] [--release])" ;;
      *)
        [[ -z "$file" ]] || die "only one script at a time (got $file and $1)"
        file=$1
        shift
        ;;
    esac
  done
  [[ -n "$file" ]] || die "usage: scripts/jsi-run FILE.js [--timeout S] [--release]"
  [[ -f "$file" ]] || die "$file not found"
  if [[ "${AZSTACK_JSI_RELEASE:-}" == 1 ]]; then profile=release; fi

  if [[ "${AZSTACK_JSI_NO_BUILD:-}" != 1 ]]; then
    jsi_build_host "$profile"
  fi
  dir="$(azstack_target_dir)/jsi-host/bundles"
  mkdir -p "$dir"
  bundle=$(mktemp "$dir/$(basename "${file%.*}").XXXXXX.js")
  if ! jsi_bundle "$file" "$bundle" "$profile"; then
    rm -f "$bundle"
    return 1
  fi
  local args=(--timeout "$timeout")
  if [[ $profile == release ]]; then args+=(--production); fi
  rc=0
  "$(jsi_host_bin "$profile")" "${args[@]}" "$bundle" || rc=$?
  if [[ $rc -eq 0 || -z "${AZSTACK_JSI_KEEP_BUNDLE:-}" ]]; then
    rm -f "$bundle"
  else
    log "bundle kept: $bundle"
  fi
  return "$rc"
}

# jsi_run_tests FILE...: each file through jsi_run, checked against its directives. Fails after running them all.
jsi_run_tests() {
  local file expect timeout rc err failed=() started line text
  for file in "$@"; do
    expect=0
    timeout=60
    local wanted=()
    while IFS= read -r line; do
      case "$line" in
        "// @expect-exit "*) expect=${line#// @expect-exit } ;;
        "// @timeout "*) timeout=${line#// @timeout } ;;
        "// @expect-stderr "*) wanted+=("${line#// @expect-stderr }") ;;
      esac
    done < <(head -n 30 "$file")
    err=$(mktemp)
    started=$(date +%s%N)
    rc=0
    jsi_run "$file" --timeout "$timeout" 2>"$err" || rc=$?
    cat "$err" >&2
    local why=""
    [[ $rc -eq $expect ]] || why="exit code $rc, expected $expect"
    for text in "${wanted[@]}"; do
      grep -qF -- "$text" "$err" || why+="${why:+; }stderr lacks '$text'"
    done
    rm -f "$err"
    if [[ -n "$why" ]]; then
      log "FAIL ${file#"$AZSTACK_ROOT"/}: $why"
      failed+=("$file")
    else
      log "ok   ${file#"$AZSTACK_ROOT"/} ($((($(date +%s%N) - started) / 1000000)) ms)"
    fi
  done
  if [[ ${#failed[@]} -gt 0 ]]; then
    die "${#failed[@]} of $# JSI test(s) failed: ${failed[*]#"$AZSTACK_ROOT"/}"
  fi
  log "all $# JSI tests passed"
}
