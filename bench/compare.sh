#!/usr/bin/env bash
# Times git-outbound beside the peer scanners on the real corpora of ../shared/bench (one run,
# same machine, same minutes), builds the release binary first.
#   bash bench/compare.sh                       # every case, every installed peer
#   RUNS=1 bash bench/compare.sh -c "staged-small range"
# Peers and corpora: bash ../shared/bench/install-peers.sh; bash ../shared/bench/make-corpus.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
shared="${SHARED_BENCH:-$root/../shared/bench}"
[ -f "$shared/compare.sh" ] || { echo "bench: ../shared/bench not found (set SHARED_BENCH)" >&2; exit 2; }
(cd "$root" && cargo build --release --locked --features zlib-ng)
OUTBOUND_BIN="$root/target/release/git-outbound" exec bash "$shared/compare.sh" "$@"
