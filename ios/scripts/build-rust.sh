#!/bin/bash
# Builds azstack-ffi (the Rust engine, a static library) for iOS.
#
#   build-rust.sh                 Xcode script phase of the azstack-react-native pod (see the podspec): puts the
#                                 library for the platform being built, and the cxx-generated headers, where the pod
#                                 compiles and links against them:
#                                   $PODS_CONFIGURATION_BUILD_DIR/azstack-ffi/lib/libazstack_ffi.a
#                                   $PODS_CONFIGURATION_BUILD_DIR/azstack-ffi/include/{rust/cxx.h,azstack-ffi/src/lib.rs.h}
#                                 From ios/AZStackFFI.xcframework when the package ships one, else with cargo from the
#                                 Cargo workspace at the package root (a checkout of the repository).
#   build-rust.sh --xcframework   Release packaging: builds aarch64-apple-ios, aarch64-apple-ios-sim and
#                                 x86_64-apple-ios and writes ios/AZStackFFI.xcframework (simulator slices lipo'd).
#
# Environment: AZSTACK_BUILD_RUST=1 ignores a shipped xcframework; AZSTACK_CARGO_WORKSPACE; CARGO_TARGET_DIR.
set -euo pipefail

ROOT="${PODS_TARGET_SRCROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
# A repository checkout builds in its own workspace; an installed package in the one scripts/pack-rust shipped.
if [ -f "$ROOT/Cargo.toml" ]; then DEFAULT_WORKSPACE="$ROOT"; else DEFAULT_WORKSPACE="$ROOT/rust-src"; fi
WORKSPACE="${AZSTACK_CARGO_WORKSPACE:-$DEFAULT_WORKSPACE}"
XCFRAMEWORK="$ROOT/ios/AZStackFFI.xcframework"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$WORKSPACE/target}"
export PATH="$HOME/.cargo/bin:$PATH"  # Xcode does not source the user's shell profile
export IPHONEOS_DEPLOYMENT_TARGET="${IPHONEOS_DEPLOYMENT_TARGET:-15.1}"
# Xcode's SDKROOT describes the app's platform; cargo's build scripts are compiled for the Mac and must not see it
# (rustc and cc-rs find each target's SDK through xcrun).
unset SDKROOT

cargo_build() {  # cargo_build <rust target>...
  if [ ! -f "$WORKSPACE/Cargo.toml" ]; then
    echo "error: azstack-react-native: no ios/AZStackFFI.xcframework and no Cargo workspace at $WORKSPACE" \
         "(see docs/native-builds.md)" >&2
    exit 1
  fi
  local tool missing=""
  for tool in cargo rustup cmake; do
    command -v "$tool" >/dev/null 2>&1 || missing="$missing $tool"
  done
  if [ -n "$missing" ]; then
    echo "error: azstack-react-native: building the engine from source needs:$missing (looked in ~/.cargo/bin and" \
         "PATH). Install Rust with rustup, then \`rustup target add $*\`, and CMake (the Opus build uses it)," \
         "e.g. \`brew install cmake\`. Or use a package that ships ios/AZStackFFI.xcframework." \
         "See docs/native-builds.md." >&2
    exit 1
  fi
  local target
  for target in "$@"; do
    (cd "$WORKSPACE" && cargo build --locked --profile mobile -p azstack-ffi --target "$target")
  done
}

lib_of() { echo "$CARGO_TARGET_DIR/$1/mobile/libazstack_ffi.a"; }

copy_headers() {  # copy_headers <include dir>
  mkdir -p "$1/rust" "$1/azstack-ffi/src"
  cp -L "$CARGO_TARGET_DIR/cxxbridge/rust/cxx.h" "$1/rust/"
  cp -L "$CARGO_TARGET_DIR/cxxbridge/azstack-ffi/src/lib.rs.h" "$1/azstack-ffi/src/"
}

if [ "${1:-}" = "--xcframework" ]; then
  cargo_build aarch64-apple-ios aarch64-apple-ios-sim x86_64-apple-ios
  staging="$(mktemp -d)"
  trap 'rm -rf "$staging"' EXIT
  copy_headers "$staging/include"
  mkdir -p "$staging/device" "$staging/simulator"
  cp "$(lib_of aarch64-apple-ios)" "$staging/device/"
  lipo -create "$(lib_of aarch64-apple-ios-sim)" "$(lib_of x86_64-apple-ios)" \
       -output "$staging/simulator/libazstack_ffi.a"
  rm -rf "$XCFRAMEWORK"
  xcodebuild -create-xcframework \
    -library "$staging/device/libazstack_ffi.a" -headers "$staging/include" \
    -library "$staging/simulator/libazstack_ffi.a" -headers "$staging/include" \
    -output "$XCFRAMEWORK"
  echo "wrote $XCFRAMEWORK"
  exit 0
fi

# --- Xcode script phase ---------------------------------------------------------------------------------------------
: "${PODS_CONFIGURATION_BUILD_DIR:?run from the Xcode script phase of the pod, or pass --xcframework}"
OUT="$PODS_CONFIGURATION_BUILD_DIR/azstack-ffi"
mkdir -p "$OUT/lib" "$OUT/include"

if [ -d "$XCFRAMEWORK" ] && [ "${AZSTACK_BUILD_RUST:-0}" != 1 ]; then
  case "$PLATFORM_NAME" in
    iphonesimulator) slice="$(find "$XCFRAMEWORK" -maxdepth 1 -type d -name 'ios-*-simulator' | head -n 1)" ;;
    *) slice="$(find "$XCFRAMEWORK" -maxdepth 1 -type d -name 'ios-*' ! -name '*-simulator' | head -n 1)" ;;
  esac
  [ -n "$slice" ] || { echo "error: $XCFRAMEWORK has no slice for $PLATFORM_NAME" >&2; exit 1; }
  cp "$slice/libazstack_ffi.a" "$OUT/lib/libazstack_ffi.a"
  rm -rf "$OUT/include" && cp -R "$slice/Headers" "$OUT/include"
  exit 0
fi

targets=()
case "$PLATFORM_NAME" in
  iphoneos) targets=(aarch64-apple-ios) ;;
  iphonesimulator)
    for arch in $ARCHS; do
      case "$arch" in
        arm64) targets+=(aarch64-apple-ios-sim) ;;
        x86_64) targets+=(x86_64-apple-ios) ;;
      esac
    done ;;
  *) echo "error: azstack-react-native supports iphoneos and iphonesimulator, not $PLATFORM_NAME" >&2; exit 1 ;;
esac
[ "${#targets[@]}" -gt 0 ] || { echo "error: no Rust target for ARCHS=$ARCHS" >&2; exit 1; }

cargo_build "${targets[@]}"
libs=()
for target in "${targets[@]}"; do libs+=("$(lib_of "$target")"); done
if [ "${#libs[@]}" -eq 1 ]; then
  cp "${libs[0]}" "$OUT/lib/libazstack_ffi.a"
else
  lipo -create "${libs[@]}" -output "$OUT/lib/libazstack_ffi.a"
fi
copy_headers "$OUT/include"
