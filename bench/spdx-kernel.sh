#!/usr/bin/env bash
# Compares the spdx check with the Linux kernel's scripts/spdxcheck.py on a kernel source tree:
# every file spdxcheck lists as without SPDX must be reported (unless REUSE exempts it), and
# no file spdxcheck accepts may be reported missing.
#   bash bench/spdx-kernel.sh ~/.cache/outbound-corpus/tree
# Needs python3 with `ply` and `gitpython` (pip install ply gitpython). spdxcheck reads a git
# repository, so the tree is copied to a temporary repository first (the Debian tarball's
# packaging lines of .gitignore, which ignore the whole top level, are dropped).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
tree="$(cd "${1:?usage: spdx-kernel.sh KERNEL_TREE}" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work" 2>/dev/null || true' EXIT
cp -a "$tree" "$work/tree"
cd "$work/tree"
if grep -q '^# Debian packaging' .gitignore 2>/dev/null; then
  n=$(grep -n '^# Debian packaging' .gitignore | cut -d: -f1)
  head -n $((n - 2)) .gitignore > "$work/gitignore" && cp "$work/gitignore" .gitignore
fi
git init -q && git add -A && git -c gc.auto=0 -c user.name=bench -c user.email=bench@example.com commit -qm tree
python3 scripts/spdxcheck.py -v -f > "$work/spdxcheck.out" 2> "$work/spdxcheck.err" || true
printf '[spdx]\nrequire = true\nrequire_binary = true\n' > "$work/policy.toml"
(cd "$root" && cargo build --quiet --locked)
"$root/target/debug/git-outbound" scan --policy "$work/policy.toml" --checks spdx \
  --format json --output "$work/ours.json" . || true
python3 "$root/bench/spdx-compare.py" "$work/ours.json" "$work/spdxcheck.err" "$work/tree"
