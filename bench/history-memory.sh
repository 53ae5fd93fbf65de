#!/usr/bin/env bash
# Time and peak memory of `scan --history` as a history grows: git-outbound beside the peer
# scanners on histories of N commits built by ../shared/bench/make-long-history.py (each N
# built once, under $DATA). Peak RSS from /usr/bin/time -v; the median of RUNS runs.
#   bash bench/history-memory.sh                        # 10,000, 30,000 and 100,000 commits
#   LENGTHS="10000 30000" TOOLS="outbound betterleaks" RUNS=3 bash bench/history-memory.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
shared="${SHARED_BENCH:-$root/../shared/bench}"
data="${DATA:-$HOME/.cache/outbound-bench}"
peers="${PEERS_DIR:-$HOME/.cache/outbound-peers}/bin"
lengths="${LENGTHS:-10000 30000 100000}"
tools="${TOOLS:-outbound betterleaks}"
runs="${RUNS:-3}"
bin="${OUTBOUND_BIN:-$root/target/release/git-outbound}"
[ -x "$bin" ] || (cd "$root" && cargo build --release --locked --features zlib-ng)
command -v /usr/bin/time >/dev/null || { echo "bench: /usr/bin/time (GNU time) is needed" >&2; exit 2; }
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

# run TOOL REPO: one scan; prints "wall_s cpu_s peak_kb".
run() {
  local tool="$1" repo="$2" t="$out/time"
  case "$tool" in
    outbound) (cd "$repo" && /usr/bin/time -v -o "$t" "$bin" scan --history --format json --output "$out/report.json" >/dev/null 2>&1) || true ;;
    betterleaks) /usr/bin/time -v -o "$t" "$peers/betterleaks" git "$repo" -s -l error --exit-code 0 -o "$out/report.json" >/dev/null 2>&1 || true ;;
    gitleaks) /usr/bin/time -v -o "$t" "$peers/gitleaks" git "$repo" --no-banner -l error --exit-code 0 -f json -r "$out/report.json" >/dev/null 2>&1 || true ;;
    kingfisher) /usr/bin/time -v -o "$t" "$peers/kingfisher" scan "$repo" --no-validate --no-update-check -q -f json -o "$out/report.json" >/dev/null 2>&1 || true ;;
    *) echo "bench: unknown tool $tool" >&2; exit 2 ;;
  esac
  awk -F': ' '
    /Elapsed/ { n = split($2, p, ":"); w = (n == 3) ? p[1]*3600 + p[2]*60 + p[3] : p[1]*60 + p[2] }
    /User time/ { u = $2 } /System time/ { s = $2 } /Maximum resident/ { m = $2 }
    END { printf "%.2f %.2f %d\n", w, u + s, m }' "$t"
}

median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

printf '| commits | tool | median wall s | median CPU s | peak RSS MB (max of runs) | KB per commit |\n'
printf '|---:|---|---:|---:|---:|---:|\n'
for n in $lengths; do
  repo="$data/history-$n"
  [ -d "$repo" ] || python3 "$shared/make-long-history.py" --commits "$n" --out "$repo" >&2
  for tool in $tools; do
    : > "$out/rows"
    for _ in $(seq "$runs"); do run "$tool" "$repo" >> "$out/rows"; done
    wall=$(awk '{ print $1 }' "$out/rows" | median)
    cpu=$(awk '{ print $2 }' "$out/rows" | median)
    peak=$(awk '{ print $3 }' "$out/rows" | sort -n | tail -n 1)
    printf '| %s | %s | %s | %s | %d | %.2f |\n' "$n" "$tool" "$wall" "$cpu" $((peak / 1024)) "$(echo "$peak / $n" | bc -l)"
  done
done
