#!/usr/bin/env bash
# Long histories of small commits, the shape of real pushes, migrations and CI on long-lived
# branches: how time and memory grow with the number of commits.
#   - `scan --range HEAD~N..HEAD` against betterleaks on the same range (N = 5,000, 20,000,
#     100,000 by default), and `scan --history` of the whole history for reference;
#   - a push of every commit of the history (100,000) to an empty bare repository whose
#     pre-receive hook is git-outbound, and the same push through the client's pre-push hook.
# Each hook is run under /usr/bin/time so that its own wall time and peak memory are
# measured, apart from git's. Medians of RUNS runs (pushes: PUSH_RUNS), alternating tools.
#   bash bench/long-history.sh [N ...]
# Environment: HISTORY (default ~/.cache/outbound-corpus/long-history, made with
# ../shared/bench/make-long-history.py when absent), RUNS (default 3), PUSH_RUNS (default 1),
# OUTBOUND_BIN (default target/release/git-outbound, built when absent), PEERS_DIR (default
# ~/.cache/outbound-peers), NO_PEERS=1 to time git-outbound alone, NO_PUSH=1 to skip pushes.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
hist="${HISTORY:-$HOME/.cache/outbound-corpus/long-history}"
runs="${RUNS:-3}"
push_runs="${PUSH_RUNS:-1}"
peers="${PEERS_DIR:-$HOME/.cache/outbound-peers}"
[ -d "$hist" ] || python3 "$root/../shared/bench/make-long-history.py" --out "$hist"
bin="${OUTBOUND_BIN:-$root/target/release/git-outbound}"
[ -x "$bin" ] || (cd "$root" && cargo build --release --locked)
bin="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
[ $# -gt 0 ] || set -- 5000 20000 100000
total=$(git -C "$hist" rev-list --count HEAD)
echo "history: $hist, $total commits; $(git --version); binary: $bin; runs: $runs; load: $(cut -d' ' -f1-3 /proc/loadavg)"

# timed NAME CMD...: one run under /usr/bin/time; appends "wall rss_mb" to $work/NAME.
timed() {
  local name="$1"; shift
  /usr/bin/time -f '%e %M' -o "$work/t" "$@" > /dev/null 2>&1 || true
  # A command that exits non-zero (a scan with findings) makes GNU time write a line of its
  # own before the figures: only the figures count.
  grep -v '^Command' "$work/t" | awk '{printf "%s %.0f\n", $1, $2/1024}' >> "$work/$name"
}
# median NAME COLUMN
median() { cut -d' ' -f"$2" "$work/$1" | sort -n | awk '{a[NR]=$1} END{m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%s", m}'; }

printf '\n%-34s %12s %10s %14s %10s\n' case outbound_s outbound_MB betterleaks_s bl_MB
for n in "$@"; do
  [ "$n" -lt "$total" ] || n=$((total - 1))
  base=$(git -C "$hist" rev-parse "HEAD~$n")
  : > "$work/o$n"; : > "$work/b$n"
  for _ in $(seq 1 "$runs"); do
    timed "o$n" sh -c "cd '$hist' && exec '$bin' scan --range '$base..HEAD' --format json --output /dev/null"
    if [ -z "${NO_PEERS:-}" ] && [ -x "$peers/bin/betterleaks" ]; then
      timed "b$n" "$peers/bin/betterleaks" git --log-opts="$base..HEAD" -s -l error --exit-code 0 -o "$work/bl.json" "$hist"
    fi
  done
  b="-"; bm="-"
  [ -s "$work/b$n" ] && b=$(median "b$n" 1) && bm=$(median "b$n" 2)
  printf '%-34s %12s %10s %14s %10s\n' "scan --range HEAD~$n..HEAD" "$(median "o$n" 1)" "$(median "o$n" 2)" "$b" "$bm"
done
: > "$work/h"
timed h sh -c "cd '$hist' && exec '$bin' scan --history --format json --output /dev/null"
printf '%-34s %12s %10s\n' "scan --history ($total commits)" "$(median h 1)" "$(median h 2)"

[ -z "${NO_PUSH:-}" ] || exit 0
# Hooks that time themselves: git-outbound's own wall time and peak memory, apart from git's.
hook() {  # hook DIR NAME FILE
  mkdir -p "$1"
  printf '#!/bin/sh\nexec /usr/bin/time -a -f "%%e %%M" -o "%s" "%s" hook %s "$@"\n' "$3" "$bin" "$2" > "$1/$2"
  chmod +x "$1/$2"
}
: > "$work/recv.raw"; : > "$work/pre.raw"; : > "$work/plain.push"
git clone -q "$hist" "$work/client"
hook "$work/client/.git/hooks" pre-push "$work/pre.raw"
for _ in $(seq 1 "$push_runs"); do
  rm -rf "$work/server.git" "$work/plain.git"
  git init -q --bare "$work/server.git"
  git init -q --bare "$work/plain.git"
  hook "$work/server.git/hooks" pre-receive "$work/recv.raw"
  git -C "$work/client" remote remove server 2>/dev/null || true
  git -C "$work/client" remote remove plain 2>/dev/null || true
  git -C "$work/client" remote add server "$work/server.git"
  git -C "$work/client" remote add plain "$work/plain.git"
  # The history holds planted credentials: each hook refuses, so each push runs one hook.
  git -C "$work/client" push -q --no-verify server HEAD:refs/heads/main > "$work/recv.out" 2>&1 || true
  git -C "$work/client" push -q plain HEAD:refs/heads/main > "$work/pre.out" 2>&1 || true
  t0=$EPOCHREALTIME
  git -C "$work/client" push -q --no-verify plain HEAD:refs/heads/main > /dev/null 2>&1 || true
  t1=$EPOCHREALTIME
  echo "$t1 - $t0" | bc >> "$work/plain.push"
done
# The hooks refuse (the history holds planted keys): skip GNU time's "Command exited" lines.
grep -v '^Command' "$work/recv.raw" | awk '{printf "%s %.0f\n", $1, $2/1024}' > "$work/recv"
grep -v '^Command' "$work/pre.raw" | awk '{printf "%s %.0f\n", $1, $2/1024}' > "$work/pre"
echo
echo "push of $total commits to an empty repository (each hook timed on its own, apart from git):"
printf '  pre-push hook:    %s s, %s MB\n' "$(median pre 1)" "$(median pre 2)"
printf '  pre-receive hook: %s s, %s MB\n' "$(median recv 1)" "$(median recv 2)"
printf '  the same push with no hook: %s s\n' "$(sort -n "$work/plain.push" | head -1)"
for h in pre recv; do
  echo "  what the $h hook printed (last lines):"; tail -n 3 "$work/$h.out" | sed 's/^/    /'
done
