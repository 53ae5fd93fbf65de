#!/usr/bin/env bash
# Scores git-outbound's secret and internal-url checks on the labeled corpus of
# ../shared/accuracy (recall, precision, F1 per kind and per provider), with the fictional
# organisation's policy in bench/accuracy/org-policy.toml. Pass a peer name to score it instead.
#   bash bench/accuracy.sh              # git-outbound
#   bash bench/accuracy.sh gitleaks     # a peer (installed by ../shared/bench/install-peers.sh)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
acc="${SHARED_ACCURACY:-$root/../shared/accuracy}"
tool="${1:-ours}"
if [ "$tool" = ours ]; then
  (cd "$root" && cargo build --release --locked --features zlib-ng)
  export OURS_CMD="$root/target/release/git-outbound scan --format json --policy $root/bench/accuracy/org-policy.toml {dir}"
fi
exec python3 "$acc/score.py" --corpus "$acc/visible" --tool "$tool"
