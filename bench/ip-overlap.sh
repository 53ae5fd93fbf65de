#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# The ip-overlap benchmark: an index of one half of the bench source tree (the "internal"
# code), outbound files that copy edited 10-60-line blocks from it, and whole files from the
# other half (unrelated code). Prints the build time, the index size, the recall on the
# copies, the unrelated files flagged (also without those that share a run of identical
# lines with the internal half, see ip-overlap-cases.py), and the pre-commit time of a
# 3-file change with and without the index, measured in pairs.
#
# usage: bench/ip-overlap.sh [BIN]      (default target/release/git-outbound)
#        CORPUS_DIR (default ~/.cache/outbound-corpus), WORK (default /tmp/ip-overlap-bench),
#        RUNS (pre-commit pairs, default 30), CRATES (a folder of Rust crate sources,
#        default the local cargo registry's) for a second set of unrelated files
set -eu
BIN=$(realpath "${1:-target/release/git-outbound}")
HERE=$(dirname "$(realpath "$0")")
TREE=${CORPUS_DIR:-$HOME/.cache/outbound-corpus}/tree
WORK=${WORK:-/tmp/ip-overlap-bench}
RUNS=${RUNS:-30}
CRATES=${CRATES:-$(ls -d "$HOME"/.cargo/registry/src/*/ 2>/dev/null | head -1)}
INTERNAL="arch kernel lib mm"
OTHER=include,fs,Documentation,crypto,security,scripts,block,samples,rust,io_uring,ipc,virt,init,usr,certs
mkdir -p "$WORK"

key=$(printf 'bench-%s' index-key)
printf '[secrets]\nfingerprint_key = "%s"\n[ip_overlap]\nindexes = ["internal.ofp"]\nseverity = "block"\n' \
    "$key" > "$WORK/policy.toml"
printf '[secrets]\nfingerprint_key = "%s"\n' "$key" > "$WORK/policy-none.toml"

echo "== index of $INTERNAL"
set --
for d in $INTERNAL; do set -- "$@" "$TREE/$d"; done
/usr/bin/time -f 'build: %e s wall, %U s user, %S s sys, %M KB peak' \
    "$BIN" fingerprint build --policy "$WORK/policy.toml" --output "$WORK/internal.ofp" --name kernel-half "$@"

echo "== cases"
[ -d "$WORK/cases" ] || python3 "$HERE/ip-overlap-cases.py" "$TREE" "$WORK/cases" \
    --internal "$(echo $INTERNAL | tr ' ' ,)" --other "$OTHER" ${CRATES:+--crates "$CRATES"}
for set in copies unrelated crates; do
    [ -d "$WORK/cases/$set" ] || continue
    /usr/bin/time -f "scan $set: %e s wall, %U s user, %S s sys" \
        "$BIN" scan --policy "$WORK/policy.toml" --checks ip-overlap --format json \
        --output "$WORK/$set.json" "$WORK/cases/$set" || true
done
python3 - "$WORK" <<'PY'
import json, sys, collections
work = sys.argv[1]
def flagged(name):
    with open(f"{work}/{name}.json") as f:
        return {x["path"] for x in json.load(f)["findings"] if x["check"] == "ip-overlap"}
copies = [l.split("\t") for l in open(f"{work}/cases/copies.tsv")]
unrelated = [l.rstrip("\n").split("\t") for l in open(f"{work}/cases/unrelated.tsv")]
found, fp = flagged("copies"), flagged("unrelated")
try:
    crates = [l.rstrip("\n").split("\t") for l in open(f"{work}/cases/crates.tsv")]
    cfp = flagged("crates")
    print(f"crate files flagged: {len(cfp)}/{len(crates)} = {100*len(cfp)/len(crates):.2f} %")
except OSError:
    pass
print(f"recall on copies: {len(found)}/{len(copies)} = {len(found)/len(copies):.3f}")
by_len = collections.defaultdict(lambda: [0, 0])
for name, src, line, n in copies:
    b = by_len[(int(n) - 10) // 10 * 10 + 10]
    b[0] += 1; b[1] += name in found
for k in sorted(by_len):
    print(f"  blocks of {k}-{k+9} lines: {by_len[k][1]}/{by_len[k][0]}")
print(f"unrelated files flagged: {len(fp)}/{len(unrelated)} = {100*len(fp)/len(unrelated):.2f} %")
try:
    shared = {l.split("\t")[0] for l in open(f"{work}/cases/unrelated-shared.tsv")}
    rest = [u for u in unrelated if u[0] not in shared]
    rfp = fp - shared
    print(f"  without the {len(shared)} that share a run of identical lines with the internal half "
          f"(ip-overlap-cases.py): {len(rfp)}/{len(rest)} = {100*len(rfp)/len(rest):.2f} %")
except OSError:
    shared = set()
src = dict(u[:2] for u in unrelated)
for p in sorted(fp):
    print(f"  {p} <- {src.get(p, '?')}{' (shares lines)' if p in shared else ''}")
missed = [c for c in copies if c[0] not in found]
for name, s, line, n in missed[:20]:
    print(f"  missed {name} <- {s}:{line} ({n.strip()} lines)")
PY
"$BIN" fingerprint info "$WORK/internal.ofp"

echo "== pre-commit of 3 files, with and without the index"
repo="$WORK/repo"
if [ ! -d "$repo" ]; then
    git init -q -b main "$repo"
    cp "$TREE/fs/attr.c" "$TREE/fs/bad_inode.c" "$repo/"
    git -C "$repo" add . && git -C "$repo" -c user.name=b -c user.email=b@example.org commit -q -m base
    echo '/* edited */' >> "$repo/attr.c"
    echo '/* edited */' >> "$repo/bad_inode.c"
    cp "$TREE/fs/anon_inodes.c" "$repo/new.c"
    git -C "$repo" add .
fi
# Paired: with and without the index in turn, so that a change in the machine's load hits
# both sides alike; the median of the per-pair differences is the cost of the index.
python3 - "$repo" "$BIN" "$WORK" "$RUNS" <<'PY'
import os, resource, statistics, subprocess, sys, time
repo, binary, work, runs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
def once(policy):
    env = dict(os.environ, OUTBOUND_POLICY=f"{work}/{policy}.toml")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([binary, "hook", "pre-commit"], cwd=repo, env=env,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return wall * 1000, cpu * 1000
once("policy"); once("policy-none")
pairs = [(once("policy"), once("policy-none")) for _ in range(runs)]
med = lambda xs: statistics.median(xs)
for i, what in ((0, "wall"), (1, "cpu")):
    a, b = [p[0][i] for p in pairs], [p[1][i] for p in pairs]
    d = [x - y for x, y in zip(a, b)]
    print(f"pre-commit {what}: with the index {med(a):.1f} ms, without {med(b):.1f} ms, "
          f"difference {med(d):+.1f} ms (medians of {runs} pairs)")
PY
echo "compare: cd $repo && OUTBOUND_POLICY=$WORK/policy.toml $BIN hook pre-commit"
echo "    vs   cd $repo && OUTBOUND_POLICY=$WORK/policy-none.toml $BIN hook pre-commit"
echo "    (or: hyperfine -N -w 3 'env OUTBOUND_POLICY=$WORK/policy.toml $BIN hook pre-commit' 'env OUTBOUND_POLICY=$WORK/policy-none.toml $BIN hook pre-commit')"
