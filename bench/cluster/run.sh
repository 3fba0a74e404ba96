#!/usr/bin/env bash
# bench/cluster/run.sh [azstack-bench cluster options...]
#
# The cluster bench end to end: starts a throwaway PostgreSQL and a throwaway redis-server on 127.0.0.1 (the ones the
# `cluster` test stage uses, scripts/lib/setup.sh), builds the server and the bench in release once, and runs
# `azstack-bench cluster` (by default: one server on PostgreSQL without [cluster], then 1, 2 and 3 nodes with
# [cluster], three rounds, medians), printing the machine's load before and after. Everything it starts is stopped
# on exit. Options go to `azstack-bench cluster` (e.g. `--nodes 1,3 --rounds 5`); see bench/README.md.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
source scripts/lib/setup.sh

ensure_postgres
ensure_redis || die "cluster bench: $REDIS_UNAVAILABLE"
cargo build --release --locked -p azstack-server -p azstack-bench
echo "uptime before: $(uptime)"
status=0
target/release/azstack-bench cluster "$@" || status=$?
echo "uptime after: $(uptime)"
exit "$status"
