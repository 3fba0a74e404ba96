#!/usr/bin/env bash
# bench/size/engine-size.sh — how big the engine makes an app, per ABI, measured on the aarch64 stand-in for arm64-v8a.
#
# Builds azstack-ffi with the `mobile` cargo profile for aarch64-unknown-linux-gnu (Debian's cross toolchain, as in
# `scripts/test arm64`), links it as Android links libazstack.so (cpp/ and React Native's JSI/TurboModule C++ beside
# it, -Os, sections garbage-collected, the static library's symbols kept local), and prints:
#   - the stripped shared library's size, and its deflate-compressed size (what an APK/AAB per-ABI split downloads);
#   - the static library's size (what a prebuilt package ships per ABI);
#   - what the large parts contribute, from the unstripped library's symbol sizes grouped by crate or C library.
# Figures are printed, never asserted; bench/RESULTS.md records them.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
source scripts/lib/arm64.sh
arm64_setup

target_dir=$(azstack_target_dir)
out="$target_dir/engine-size"
rm -rf "$out" && mkdir -p "$out"

cargo build --locked --profile mobile --target "$ARM64_TRIPLE" -p azstack-ffi
ffi_lib="$target_dir/$ARM64_TRIPLE/mobile/libazstack_ffi.a"

arm64_react_native
flags=(-std=c++20 -Os -fPIC -ffunction-sections -fdata-sections -DREACT_NATIVE_PRODUCTION -w
  -I cpp -I rust/ffi/include -isystem cpp/generated -isystem "$target_dir/cxxbridge" "${ARM64_RN_INCLUDES[@]}")
objects=()
for source in cpp/*.cpp "${ARM64_RN_SOURCES[@]}"; do
  object="$out/$(basename "$source").o"
  aarch64-linux-gnu-g++ "${flags[@]}" -c "$source" -o "$object"
  objects+=("$object")
done
# The link options of android/src/main/jni/CMakeLists.txt: the Rust library's symbols stay inside, sections collected,
# 16 KB pages.
aarch64-linux-gnu-g++ -shared -Wl,--gc-sections -Wl,--no-undefined -Wl,--exclude-libs,libazstack_ffi.a \
  -Wl,-z,max-page-size=16384 -o "$out/libazstack.so" "${objects[@]}" "$ffi_lib" -lpthread -ldl -lm
aarch64-linux-gnu-strip -o "$out/libazstack.stripped.so" "$out/libazstack.so"

kib() { echo $(( ($(stat -c %s "$1") + 1023) / 1024 )); }
deflated=$(gzip -9 -c "$out/libazstack.stripped.so" | wc -c)
echo "engine size, aarch64 (stand-in for arm64-v8a), mobile profile:"
echo "  libazstack.so stripped      $(kib "$out/libazstack.stripped.so") KiB"
echo "  deflate -9 (download)       $(( (deflated + 1023) / 1024 )) KiB"
echo "  libazstack_ffi.a (prebuilt) $(kib "$ffi_lib") KiB"
echo "what the parts contribute (symbol sizes of the unstripped library, KiB):"
aarch64-linux-gnu-nm --size-sort -S -C -t d "$out/libazstack.so" | awk '
  NF >= 4 {
    size = $2 + 0; $1 = $2 = $3 = ""; name = substr($0, 4)
    gsub(/^(<|&|\*|dyn |impl |\(|\[)+/, "", name)
    if (name ~ /^(opus_|silk_|celt_|ec_|quant_|compute_|clt_|_celt|run_analysis|tonality|downmix|mlp_)/) part = "libopus (C)"
    else if (name ~ /^(Wels|WelsEnc|WelsDec|WelsCommon|WelsVP|CWels|ImplementErrorResilience|McCopy|DeblockLuma|WelsI|Wels)/ || name ~ /^(WelsEnc|WelsDec|WelsCommon|WelsVP|nsWels)::/) part = "OpenH264 (C++)"
    else if (name ~ /^ring_core_|^ring::|^GFp_|^aes_|^gcm_|^chacha|^x25519|^ecp_nistz|^fiat_|^p256|^sha(256|512)_block/) part = "ring (Rust + C)"
    else if (name ~ /^sqlite3/) part = "SQLite (C)"
    else if (name ~ /^facebook::/) part = "React Native JSI/TurboModule (C++)"
    else if (name ~ /^azstack::/) part = "cpp/ (C++)"
    else if (name ~ /^(std|__|_Z|operator|typeinfo|vtable|guard)/) part = "C/C++ runtime"
    else if (name ~ /::/) { split(name, p, "::"); part = p[1]; sub(/<.*/, "", part) }
    else part = "other (C symbols)"
    total[part] += size; all += size
  }
  END {
    for (part in total) printf "%8.0f  %s\n", total[part] / 1024, part
    printf "%8.0f  all symbols\n", all / 1024
  }' | sort -rn | sed -n 1,25p
echo "sections of the stripped library (KiB):"
aarch64-linux-gnu-size -A "$out/libazstack.stripped.so" | awk 'NR > 2 && $2 > 65536 { printf "%8.0f  %s\n", $2 / 1024, $1 }'
