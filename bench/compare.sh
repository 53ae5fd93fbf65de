#!/usr/bin/env bash
# Times git-outbound beside the peer scanners on the real corpora of ../shared/bench (one run,
# same machine, same minutes), builds the release binary first.
#   bash bench/compare.sh                       # every case, every installed peer
#   RUNS=1 bash bench/compare.sh -c "staged-small range"
#   LONG=1 bash bench/compare.sh                # and the long histories: ranges of 5k, 20k
#                                               # and 100k commits, the 100k-commit pushes
#                                               # (long-history.sh), and history memory at
#                                               # 10k, 30k and 100k commits (history-memory.sh)
# Peers and corpora: bash ../shared/bench/install-peers.sh; bash ../shared/bench/make-corpus.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
shared="${SHARED_BENCH:-$root/../shared/bench}"
[ -f "$shared/compare.sh" ] || { echo "bench: ../shared/bench not found (set SHARED_BENCH)" >&2; exit 2; }
(cd "$root" && cargo build --release --locked --features zlib-ng)
export OUTBOUND_BIN="$root/target/release/git-outbound"
bash "$shared/compare.sh" "$@"
if [ -n "${LONG:-}" ]; then
  bash "$root/bench/long-history.sh"
  bash "$root/bench/history-memory.sh"
fi
