#!/usr/bin/env bash
# bench/files/run.sh [--size MIB] [--runs N] [--server PATH]
#
# Upload and download throughput of the server's file store (`[files]`, a local directory) over HTTP on 127.0.0.1:
# starts `azstack-server dev` (release build by default) with a fresh data directory, makes a file of MIB MiB from
# /dev/urandom next to it, then N times uploads it with curl (`POST /files`, the login token made with openssl, a new
# user each run) and downloads it through the signed link (compared byte for byte once). Baseline: `cat` of the same
# file into the same directory (what the store's disk alone allows). Prints each run and the medians in MB/s
# (10^6 bytes/s), and the server's peak RSS (VmHWM) before and after, which shows the upload is streamed (a few parts
# in memory), not held whole. Figures are printed, never asserted; record them in bench/RESULTS.md.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
source "$root/scripts/lib/server.sh"

size_mib=96 runs=5 bin="$root/target/release/azstack-server"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --size) size_mib=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --server) bin=$2; shift 2 ;;
    *) die "unknown option $1 (usage: bench/files/run.sh [--size MIB] [--runs N] [--server PATH])" ;;
  esac
done
((size_mib <= 100)) || die "--size is at most 100 MiB (dev's max_file_bytes)"
[[ -x "$bin" ]] || die "$bin not found (cargo build --release -p azstack-server)"

data=$(mktemp -d)
at_exit "rm -rf '$data'"
start_dev_server "$data" "$bin"
app=$data/dev-app.json
app_id=$(node -p "require('$app').appId")
{ echo '-----BEGIN PUBLIC KEY-----'; node -p "require('$app').publicKey" | fold -w 64; echo '-----END PUBLIC KEY-----'; } >"$data/app.pem"
token() {
  printf '{"sdkVersion":"bench","namespace":"","azStackUserID":"%s","userCredentials":""}' "$1" |
    openssl pkeyutl -encrypt -pubin -inkey "$data/app.pem" -pkeyopt rsa_padding_mode:pkcs1 | base64 -w0
}
file=$data/bench.bin
head -c $((size_mib * 1024 * 1024)) /dev/urandom >"$file"
bytes=$(stat -c %s "$file")
hwm() { awk '/VmHWM/ {print $2 / 1024 " MiB"}' "/proc/$AZSTACK_SERVER_PID/status"; }
mbps() { awk -v b="$bytes" -v s="$1" 'BEGIN {printf "%.0f", b / s / 1e6}'; }
now() { date +%s.%N; }
median() { sort -n | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }

echo "file: $size_mib MiB; $runs runs; server $bin (pid $AZSTACK_SERVER_PID), peak RSS before: $(hwm)"
ups=() downs=() copies=()
for ((i = 1; i <= runs; i++)); do
  start=$(now)
  cat "$file" >"$data/copy.bin"
  copy=$(awk -v a="$start" -v b="$(now)" 'BEGIN {print b - a}')
  rm -f "$data/copy.bin"
  auth="Authorization: AZStack $(token "bench-$i")"
  reply=$(curl -sS -X POST "$AZSTACK_SERVER_URL/files?name=bench.bin" -H "$auth" -H "AZStack-App-Id: $app_id" \
    -H 'Content-Type: application/octet-stream' --data-binary @"$file" -w '\n%{time_total}')
  up=$(tail -n 1 <<<"$reply")
  url=$(head -n 1 <<<"$reply" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).url))')
  if ((i == 1)); then
    curl -sS "$url" | cmp - "$file" || die "the downloaded bytes differ"
  fi
  down=$(curl -sS -o /dev/null "$url" -w '%{time_total}')
  ups+=("$(mbps "$up")") downs+=("$(mbps "$down")") copies+=("$(mbps "$copy")")
  echo "run $i: upload $(mbps "$up") MB/s, download $(mbps "$down") MB/s, cat baseline $(mbps "$copy") MB/s"
done
echo
echo "| $size_mib MiB file, median of $runs | MB/s |"
echo "|---|---|"
echo "| upload (curl → POST /files → local store) | $(printf '%s\n' "${ups[@]}" | median) |"
echo "| download (signed link → curl) | $(printf '%s\n' "${downs[@]}" | median) |"
echo "| baseline: cat into the same directory | $(printf '%s\n' "${copies[@]}" | median) |"
echo "server peak RSS after: $(hwm)"
