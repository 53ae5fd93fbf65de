#!/usr/bin/env bash
# DCO over a long range, side by side with `git log`: the time of
#   git outbound scan --range ..HEAD --checks dco
# against
#   git log --format='%H%x00%an%x00%ae%x00%cn%x00%ce%x00%B' HEAD
# (every field the DCO check needs) over the same commits: RUNS runs of each (default 7),
# alternating, after a warm-up; medians of wall and CPU time, and of the per-pair ratios; on
# a generated history of COMMITS commits (default 60,000). Needs GNU time (/usr/bin/time).
#
#   bash bench/dco-range.sh                 # builds the history once, then measures
#   COMMITS=100000 RUNS=7 bash bench/dco-range.sh
#   OUTBOUND_BIN=/path/to/git-outbound bash bench/dco-range.sh   # another build
#
# The history is written with `git fast-import` and repacked: a tree of 2,000 small files in
# 40 folders, each commit editing one to three of them; twelve authors, one in five commits
# committed by someone else, a merge of a three-commit side branch every 500 commits, 2% of
# the commits without a sign-off, some signed by the committer only, some authors with
# ISO-8859-1 names under an `encoding` header. Messages are a subject and one to three body
# paragraphs, as real ones are.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
commits="${COMMITS:-60000}"
runs="${RUNS:-7}"
repo="${DCO_HISTORY:-$HOME/.cache/outbound-bench/dco-history-$commits}"
bin="${OUTBOUND_BIN:-$root/target/release/git-outbound}"

if [ -z "${OUTBOUND_BIN:-}" ]; then
    (cd "$root" && cargo build --release --locked --quiet)
fi

if [ ! -d "$repo/.git" ]; then
    echo "building $repo ($commits commits)..." >&2
    mkdir -p "$repo"
    git -C "$repo" init -q -b main
    python3 - "$commits" <<'EOF' | git -C "$repo" fast-import --quiet --done
import random
import sys

n_commits = int(sys.argv[1])
rng = random.Random(26)
out = sys.stdout.buffer
people = [(n, n.lower().replace(" ", ".") + "@example.org") for n in (
    "Ada Lovelace", "Grace Hopper", "Linus Torvalds", "Barbara Liskov", "Ken Thompson",
    "Frances Allen", "Dennis Ritchie", "Margaret Hamilton", "Edsger Dijkstra", "Radia Perlman")]
latin1 = [("Ren\xe9 Descartes", "rene@example.org"), ("Jos\xe9 M\xfcller", "jose@example.org")]
words = ("the parser now keeps the order of entries when a file is read twice and the cache "
         "is cold so that callers see one consistent view of the index after a reset").split()
files = [f"dir{d:02}/file{f:02}.txt" for d in range(40) for f in range(50)]
content = {p: [f"{p} line {i}" for i in range(rng.randint(5, 40))] for p in files}
t = 1_300_000_000
mark = 0


def data(b):
    out.write(b"data %d\n" % len(b))
    out.write(b)
    out.write(b"\n")


def sentence():
    return " ".join(rng.choice(words) for _ in range(rng.randint(8, 14)))


def message(n, author, committer):
    subject = f"area{n % 37}: {sentence()[:60]}"
    body = ["\n".join(sentence() for _ in range(rng.randint(1, 4))) for _ in range(rng.randint(1, 3))]
    trailers = []
    if rng.random() < 0.2:
        trailers.append("Reviewed-by: Grace Hopper <grace.hopper@example.org>")
    r = rng.random()
    if r < 0.96:
        trailers.append(f"Signed-off-by: {author[0]} <{author[1]}>")
    elif r < 0.98:
        trailers.append(f"Signed-off-by: {committer[0]} <{committer[1]}>")
    return "\n\n".join([subject] + body + ["\n".join(trailers)] if trailers else [subject] + body) + "\n"


def commit(ref, parents, n):
    global t, mark
    t += rng.randint(60, 20_000)
    mark += 1
    latin = rng.random() < 0.01
    author = rng.choice(latin1 if latin else people)
    committer = author if rng.random() < 0.8 else rng.choice(people)
    enc = "iso-8859-1" if latin else "utf-8"
    out.write(b"commit %s\nmark :%d\n" % (ref.encode(), mark))
    out.write(f"author {author[0]} <{author[1]}> {t} +0000\n".encode(enc))
    out.write(f"committer {committer[0]} <{committer[1]}> {t} +0000\n".encode(enc))
    if latin:
        out.write(b"encoding iso-8859-1\n")
    data(message(n, author, committer).encode(enc))
    if parents:
        out.write(b"from :%d\n" % parents[0])
        for p in parents[1:]:
            out.write(b"merge :%d\n" % p)
    for p in rng.sample(files, rng.choice((1, 1, 2, 3))) if mark > 1 else files:
        lines = content[p]
        if mark > 1:
            i = rng.randrange(len(lines))
            lines[i] = f"{p} line {i} edited in change {n}"
        out.write(f"M 100644 inline {p}\n".encode())
        data("\n".join(lines).encode() + b"\n")
    return mark


tip = commit("refs/heads/main", [], 0)
n = 1
while n < n_commits:
    if n % 500 == 0 and n + 4 < n_commits:
        side = tip
        for _ in range(3):
            side = commit("refs/heads/side", [side], n)
            n += 1
        tip = commit("refs/heads/main", [tip, side], n)
    else:
        tip = commit("refs/heads/main", [tip], n)
    n += 1
out.write(b"done\n")
EOF
    git -C "$repo" update-ref -d refs/heads/side 2>/dev/null || true
    git -C "$repo" repack -a -d -q
    printf '[dco]\nrequire = "always"\n' > "$repo/.outbound.toml"
fi

# One run: wall and CPU (user + system) seconds, from GNU time.
run_once() {
    /usr/bin/time -f '%e %U %S' -o /tmp/dco-range.time "$@" > /dev/null 2>&1 || true
    # A failing command (the scan exits 1 on unsigned commits) adds a line before the numbers.
    tail -n 1 /tmp/dco-range.time | awk '{ printf "%.2f %.2f\n", $1, $2 + $3 }'
}

median() {
    sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

log_cmd=(git log --format='%H%x00%an%x00%ae%x00%cn%x00%ce%x00%B' HEAD)
scan_cmd=("$bin" scan --range ..HEAD --checks dco --format json --output /dev/null)

cd "$repo"
total=$(git rev-list --count HEAD)
merges=$(git rev-list --count --merges HEAD)
echo "history: $repo, $total commits ($merges merges), $(du -sh .git | cut -f1) in .git"
echo "binary: $bin"
echo "git log:  $(printf '%q ' "${log_cmd[@]}")"
echo "scan:     $(printf '%q ' "${scan_cmd[@]}")"
# The two commands alternate, so that both meet the same load on a shared machine.
"${log_cmd[@]}" > /dev/null
"${scan_cmd[@]}" > /dev/null 2>&1 || true
: > /tmp/dco-range.log
: > /tmp/dco-range.scan
for _ in $(seq "$runs"); do
    run_once "${log_cmd[@]}" >> /tmp/dco-range.log
    run_once "${scan_cmd[@]}" >> /tmp/dco-range.scan
done
report() {
    local wall cpu
    wall=$(cut -d' ' -f1 "$2" | median)
    cpu=$(cut -d' ' -f2 "$2" | median)
    printf '%-9s median wall %5.2f s, CPU %5.2f s   wall runs: %s\n' "$1" "$wall" "$cpu" \
        "$(cut -d' ' -f1 "$2" | tr '\n' ' ')"
}
echo "median of $runs alternating runs after a warm-up:"
report "git log" /tmp/dco-range.log
report "scan dco" /tmp/dco-range.scan
awk 'NR == FNR { l[FNR] = $1; lc[FNR] = $2; next } { r = $1 / l[FNR]; c = $2 / lc[FNR]; print r, c }' \
    /tmp/dco-range.log /tmp/dco-range.scan > /tmp/dco-range.ratio
printf 'scan / git log: median of per-pair ratios, wall %.2f, CPU %.2f\n' \
    "$(cut -d' ' -f1 /tmp/dco-range.ratio | median)" "$(cut -d' ' -f2 /tmp/dco-range.ratio | median)"
"${scan_cmd[@]:0:6}" --format json --output /tmp/dco-range.json > /dev/null 2>&1 || true
python3 -c 'import json; print("scan summary:", json.load(open("/tmp/dco-range.json"))["summary"])'
