#!/usr/bin/env bash
# The hook path: time a real `git commit` of 3 files with and without the pre-commit hook
# installed, and a pre-push of 1,000 new commits, with hyperfine (Debian package).
#   bash bench/staged-latency.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
command -v hyperfine >/dev/null || { apt-get install -y -qq hyperfine || { apt-get update -qq && apt-get install -y -qq hyperfine; }; }
(cd "$root" && cargo build --release --locked --features zlib-ng)
export PATH="$root/target/release:$PATH" GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
export GIT_AUTHOR_NAME=Bench GIT_AUTHOR_EMAIL=bench@example.com GIT_COMMITTER_NAME=Bench GIT_COMMITTER_EMAIL=bench@example.com
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
make_repo() {   # a repository with some history and three files to change
  git init -q -b main "$1"
  for i in $(seq 1 200); do printf 'line %s\n' "$i" > "$1/f$i.c"; done
  git -C "$1" add . && git -C "$1" commit -q -m init
}
make_repo "$work/plain"; make_repo "$work/hooked"
git -C "$work/hooked" outbound install >/dev/null 2>&1 || (cd "$work/hooked" && git-outbound install >/dev/null)
commit_cmd() { echo "cd $1 && for f in f1.c f2.c f3.c; do echo \$RANDOM >> \$f; done && git add f1.c f2.c f3.c && git commit -q -m change"; }
hyperfine -N --warmup 3 --runs 30 -n "git commit (no hook)" "bash -c '$(commit_cmd "$work/plain")'" \
  -n "git commit (git-outbound pre-commit + commit-msg)" "bash -c '$(commit_cmd "$work/hooked")'"
# pre-push of 1,000 new commits to an empty bare remote.
git init -q --bare "$work/remote.git"
git -C "$work/hooked" remote add origin "$work/remote.git"
for i in $(seq 1 1000); do echo "$i" >> "$work/hooked/f$((i % 200 + 1)).c"; git -C "$work/hooked" commit -q -am "c$i" --no-verify; done
base=$(git -C "$work/hooked" rev-list --max-parents=0 HEAD)
git -C "$work/hooked" push -q --no-verify origin "$base:refs/heads/main"
zero=0000000000000000000000000000000000000000
line="refs/heads/main $(git -C "$work/hooked" rev-parse HEAD) refs/heads/main $base"
hyperfine -N --warmup 2 --runs 10 -n "pre-push, 1,000 new commits" "bash -c 'cd $work/hooked && echo \"$line\" | git-outbound hook pre-push origin $work/remote.git'"
echo "($zero unused)" >/dev/null
