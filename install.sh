#!/bin/sh
# Installs git-outbound from this checkout, then its hooks: for the current repository (default),
# for every repository of the user (--global) or of the machine (--system). Safe to run twice.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
scope=""
case "${1:-}" in
  "") ;;
  --global|--system) scope=$1 ;;
  *) echo "usage: install.sh [--global|--system]" >&2; exit 2 ;;
esac
command -v cargo >/dev/null 2>&1 || { echo "install.sh: cargo is needed (https://rustup.rs)" >&2; exit 2; }
# zlib-ng inflates git objects faster (history scans); building it needs cmake.
if command -v cmake >/dev/null 2>&1; then
  cargo install --locked --features zlib-ng --path "$here"
else
  echo "install.sh: cmake not found; building with stock zlib (history scans are slower)" >&2
  cargo install --locked --path "$here"
fi
command -v git-outbound >/dev/null 2>&1 || {
  echo "install.sh: git-outbound was installed into cargo's bin folder, which is not on PATH; add \$HOME/.cargo/bin to PATH" >&2
  exit 2
}
# The manual pages, where man finds them: beside the binary's folder (`~/.cargo/bin` gives
# `~/.cargo/share/man`, which man-db searches for each folder on PATH), or under $PREFIX or
# $MANDIR when set. git turns `git outbound --help` into `man git-outbound`.
bindir=$(dirname "$(command -v git-outbound)")
mandir=${MANDIR:-${PREFIX:+$PREFIX/share/man}}
mandir=${mandir:-$(cd "$bindir/.." && pwd)/share/man}
git-outbound man --output-dir "$mandir/man1"
echo "install.sh: manual pages in $mandir/man1 (git outbound --help)"
if [ -n "$scope" ]; then
  git-outbound install "$scope"
elif git rev-parse --git-dir >/dev/null 2>&1; then
  git-outbound install
else
  echo "install.sh: not in a git repository; run it inside one, or with --global or --system"
fi
