# shellcheck shell=bash
# The arm64 stage of scripts/test: the engine on the processor phones use, executed (source it).
#
#   arm64_setup        Debian's aarch64 cross toolchain and qemu user-mode emulation, rustup's target, the cargo
#                      environment for cross builds and for running test binaries under qemu
#   arm64_rust_tests   azstack-engine and azstack-ffi with every C/C++ dependency (the cxx shim, ring and aws-lc,
#                      OpenH264, Opus, SQLite) cross-compiled for aarch64-unknown-linux-gnu; their tests run under qemu
#   arm64_cpp          cpp/ (NativeAZStack, FrameRegistry, MediaBridge) and the Android JNI C++ compiled for aarch64
#                      against React Native's own headers, and cpp/ linked with React Native's JSI/TurboModule sources
#                      and the aarch64 azstack-ffi into a shared library that must leave no symbol undefined
#
# There is no Android NDK or Apple SDK here: aarch64-unknown-linux-gnu is the closest target that can be executed, and
# the NDK-only headers the JNI glue includes are stood in for by tests/arm64/ndk-stubs (declarations only; listed in
# tests/arm64/README.md).

# shellcheck source=scripts/lib/setup.sh
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"

ARM64_TRIPLE=aarch64-unknown-linux-gnu
ARM64_SYSROOT=/usr/aarch64-linux-gnu

arm64_setup() {
  ensure_apt qemu-user-static gcc-aarch64-linux-gnu g++-aarch64-linux-gnu libc6-dev-arm64-cross openjdk-17-jdk-headless
  rustup target list --installed | grep -qx "$ARM64_TRIPLE" || rustup target add "$ARM64_TRIPLE"
  export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc
  export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUNNER="qemu-aarch64-static -L $ARM64_SYSROOT"
  export CC_aarch64_unknown_linux_gnu=aarch64-linux-gnu-gcc
  export CXX_aarch64_unknown_linux_gnu=aarch64-linux-gnu-g++
  export AR_aarch64_unknown_linux_gnu=aarch64-linux-gnu-ar
}

arm64_rust_tests() {
  # The engine's integration tests start their server in process (cross-compiled and emulated too), except those that
  # kill and restart a server process: they run the host's. The build stage's scope, so that in scripts/test this
  # reuses that build (`-p azstack-server` alone would resolve other features and compile its dependencies again).
  cargo build --locked --workspace --all-targets
  # One build for the tests and for arm64_cpp's static library (--all-targets: the same features either way).
  cargo build --locked --target "$ARM64_TRIPLE" -p azstack-engine -p azstack-ffi --all-targets
  export AZSTACK_SERVER_BIN="$(azstack_target_dir)/debug/azstack-server"
  # One test binary at a time: emulation is CPU-bound, and the tests that bound a request's time (400 ms) need the
  # emulated engine to get its share of the two cores.
  cargo test --locked --target "$ARM64_TRIPLE" -p azstack-engine -p azstack-ffi
}

# arm64_react_native: React Native's C++ that the TurboModule links (as the Linux host compiles it) from the
# react-native package the app resolves — ARM64_RN_SOURCES, and ARM64_RN_INCLUDES for it and for cpp/.
arm64_react_native() {
  local rc
  rc="$(node -p "require('path').dirname(require.resolve('react-native/package.json'))")/ReactCommon"
  ARM64_RN_SOURCES=("$rc/jsi/jsi/jsi.cpp" "$rc/react/nativemodule/core/ReactCommon/TurboModule.cpp"
    "$rc/react/nativemodule/core/ReactCommon/TurboModuleBinding.cpp"
    "$rc/react/nativemodule/core/ReactCommon/TurboModuleWithJSIBindings.cpp" "$rc/react/utils/jsi-utils.cpp"
    "$rc/react/bridging/LongLivedObject.cpp")
  ARM64_RN_INCLUDES=(-isystem "$rc" -isystem "$rc/jsi" -isystem "$rc/callinvoker" -isystem "$rc/react/nativemodule/core"
    -isystem "$rc/runtimeexecutor" -isystem "$AZSTACK_ROOT/cpp/linux-host/stub")
}

# arm64_cpp: compiles and links the C++ for aarch64 into $TARGET_DIR/arm64-cpp.
arm64_cpp() {
  local target_dir out jni_include ffi_lib ffi_generated
  target_dir=$(azstack_target_dir)
  out="$target_dir/arm64-cpp"
  arm64_react_native
  jni_include=$(dirname "$(find /usr/lib/jvm -path '*/include/jni.h' -print -quit)")
  [[ -f $jni_include/jni.h ]] || die "arm64: no jni.h under /usr/lib/jvm (openjdk-17-jdk-headless)"
  # The engine's static library and the cxx-generated headers, from arm64_rust_tests' build.
  ffi_lib="$target_dir/$ARM64_TRIPLE/debug/libazstack_ffi.a"
  ffi_generated="$target_dir/cxxbridge"
  [[ -f $ffi_lib && -f $ffi_generated/azstack-ffi/src/lib.rs.h ]] || die "arm64: azstack-ffi's library or header missing"

  rm -rf "$out"
  mkdir -p "$out/ours" "$out/jni" "$out/rn"
  local common=(-std=c++20 -fPIC -DREACT_NATIVE_PRODUCTION -c)
  local rn_includes=("${ARM64_RN_INCLUDES[@]}")
  local ours=(-Wall -Wextra -Werror -Wno-non-virtual-dtor -I "$AZSTACK_ROOT/cpp" -I "$AZSTACK_ROOT/rust/ffi/include"
    -isystem "$AZSTACK_ROOT/cpp/generated" -isystem "$ffi_generated")
  local source
  for source in "$AZSTACK_ROOT"/cpp/*.cpp; do
    aarch64-linux-gnu-g++ "${common[@]}" "${ours[@]}" "${rn_includes[@]}" "$source" -o "$out/ours/$(basename "$source").o"
  done
  # OpenJDK's jni.h (the NDK's is not to be had here) differs from the NDK's in two signatures the glue uses:
  # JNINativeMethod's name and signature are `char *` (NDK: `const char *`) and AttachCurrentThread takes `void **` (NDK:
  # `JNIEnv **`). -fpermissive turns those two into warnings, so these files are compiled without -Werror; any other
  # diagnostic that is an error stays one.
  for source in "$AZSTACK_ROOT"/android/src/main/jni/*.cpp; do
    aarch64-linux-gnu-g++ "${common[@]}" "${ours[@]}" -Wno-error -fpermissive -Wno-write-strings "${rn_includes[@]}" \
      -isystem "$AZSTACK_ROOT/tests/arm64/ndk-stubs" \
      -isystem "$jni_include" -isystem "$jni_include/linux" "$source" -o "$out/jni/$(basename "$source").o"
  done
  for source in "${ARM64_RN_SOURCES[@]}"; do
    aarch64-linux-gnu-g++ "${common[@]}" -w "${rn_includes[@]}" "$source" -o "$out/rn/$(basename "$source").o"
  done
  # What Android links into libazstack.so, less the JNI glue (it needs the NDK's liblog and libandroid): nothing may
  # stay undefined.
  aarch64-linux-gnu-g++ -shared -o "$out/libazstack-check.so" "$out"/ours/*.o "$out"/rn/*.o "$ffi_lib" \
    -Wl,--no-undefined -lpthread -ldl -lm
  aarch64-linux-gnu-readelf -h "$out/libazstack-check.so" | grep -q 'Machine:.*AArch64' || die "arm64: not an AArch64 object"
  log "arm64: compiled $(ls "$out/ours" | wc -l) cpp/ and $(ls "$out/jni" | wc -l) JNI translation units for aarch64;" \
    "linked $(basename "$out/libazstack-check.so") ($(du -k "$out/libazstack-check.so" | cut -f1) KiB, debug) with no undefined symbol"
}
