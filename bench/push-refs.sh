#!/usr/bin/env bash
# A one-commit push through both hooks (client pre-push, server pre-receive) against the same
# push with no hook, on a long history with many refs on each side: the server holds N extra
# refs (refs/changes/*, as Gerrit keeps per patch set) and the client N remote-tracking refs of
# each remote, spread over the whole history. Each run pushes one new commit to both servers,
# in turn (which goes first alternates), and times, on the same commit: the push without
# hooks, the push with both hooks, and `git rev-list NEW --not --remotes=<remote>` (git's own
# answer to the pre-push question). Medians of RUNS runs per N.
#   bash bench/push-refs.sh [N ...]          (default: 1000 20000 100000)
# Environment: HISTORY (default ~/.cache/outbound-bench/push-history-50000, made with
# ../shared/bench/make-long-history.py --commits 50000 when absent), RUNS (default 7),
# OUTBOUND_BIN (default target/release/git-outbound, built when absent), GRAPH=1 to write a
# commit-graph file on both sides first (as `git gc` and `git maintenance` do).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
hist="${HISTORY:-$HOME/.cache/outbound-bench/push-history-50000}"
runs="${RUNS:-7}"
[ -d "$hist" ] || python3 "$root/../shared/bench/make-long-history.py" --commits 50000 --out "$hist"
bin="${OUTBOUND_BIN:-$root/target/release/git-outbound}"
[ -x "$bin" ] || (cd "$root" && cargo build --release --locked)
bindir="$(cd "$(dirname "$bin")" && pwd)"
export PATH="$bindir:$PATH" GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
export GIT_AUTHOR_NAME=Bench GIT_AUTHOR_EMAIL=bench@example.com GIT_COMMITTER_NAME=Bench GIT_COMMITTER_EMAIL=bench@example.com
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
[ $# -gt 0 ] || set -- 1000 20000 100000
git -C "$hist" rev-list main > "$work/commits"
echo "history: $(wc -l < "$work/commits") commits; $(git --version); binary: $bin; runs: $runs; graph: ${GRAPH:-0}"

refs() {   # refs PREFIX N: update-ref --stdin lines for N refs spread over the history
  python3 - "$work/commits" "$1" "$2" <<'PY'
import sys
ids = open(sys.argv[1]).read().split()
prefix, n = sys.argv[2], int(sys.argv[3])
out = sys.stdout
for i in range(n):
    out.write(f"create {prefix}/{i % 100:02d}/{i}/1 {ids[(i * 7919) % len(ids)]}\n")
PY
}
now() { echo "$EPOCHREALTIME"; }
median() { sort -n | awk '{a[NR]=$1} END{m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.3f", m}'; }

printf '\n%8s  %10s  %10s  %10s  %10s\n' refs no-hooks hooks added rev-list
for n in "$@"; do
  d="$work/$n"; mkdir -p "$d"
  for s in plain hooked; do
    git clone -q --bare "$hist" "$d/$s.git"
    refs refs/changes "$n" | git -C "$d/$s.git" update-ref --stdin
    git -C "$d/$s.git" pack-refs --all
  done
  (cd "$d/hooked.git" && git-outbound install >/dev/null)
  git clone -q "$hist" "$d/client"
  for s in plain hooked; do
    git -C "$d/client" remote add "$s" "$d/$s.git"
    git -C "$d/client" update-ref "refs/remotes/$s/main" main
    refs "refs/remotes/$s/mr" "$n" | git -C "$d/client" update-ref --stdin
  done
  git -C "$d/client" pack-refs --all
  (cd "$d/client" && git-outbound install >/dev/null)
  if [ "${GRAPH:-0}" = 1 ]; then
    for r in "$d/plain.git" "$d/hooked.git" "$d/client"; do git -C "$r" commit-graph write --reachable; done
  fi
  : > "$d/plain.t"; : > "$d/hooked.t"; : > "$d/revlist.t"
  for i in $(seq 1 "$runs"); do
    echo "bench $n $i" >> "$d/client/bench.txt"
    git -C "$d/client" add bench.txt
    git -C "$d/client" commit -q --no-verify -m "bench $n $i"
    new=$(git -C "$d/client" rev-parse HEAD)
    t0=$(now); git -C "$d/client" rev-list "$new" --not --remotes=hooked > /dev/null; t1=$(now)
    echo "$t1 - $t0" | bc >> "$d/revlist.t"
    order="plain hooked"; [ $((i % 2)) = 0 ] && order="hooked plain"
    for s in $order; do
      verify=--no-verify; [ "$s" = hooked ] && verify=--verify
      t0=$(now); git -C "$d/client" push -q "$verify" "$s" HEAD:refs/heads/main; t1=$(now)
      echo "$t1 - $t0" | bc >> "$d/$s.t"
    done
  done
  p=$(median < "$d/plain.t"); h=$(median < "$d/hooked.t"); r=$(median < "$d/revlist.t")
  printf '%8s  %10s  %10s  %10s  %10s\n' "$n" "$p" "$h" "$(echo "$h - $p" | bc)" "$r"
  rm -rf "$d"
done
