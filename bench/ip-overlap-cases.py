#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Makes the outbound changes of the ip-overlap benchmark.

copies/: N blocks of 10-60 lines of C taken from the "internal" folders, each edited the
way people edit what they paste: identifiers renamed (about half of them, consistently),
re-indented (tabs to four spaces), comments removed or changed, `)\\n{` joined to `) {`,
spaces after commas, blank lines removed and others inserted.
unrelated/: M whole files taken from the "other" folders, unchanged.
crates/: C whole files from --crates (the sources of published Rust crates), unchanged.

The two halves of one tree share real copies (fs/smb/common/cifs_arc4.c is
lib/crypto/arc4.c; uapi headers repeat arch headers). unrelated-shared.tsv lists the
unrelated files that share a run of at least SHARED_LINES consecutive identical lines with
the internal half: lines compared with their whitespace collapsed, leaving out blank lines,
lines shorter than 4 characters, comment lines (starting with *, /* or //), #include lines
and lone braces. The benchmark reports the unrelated files flagged with and without them.
The files are chosen the same way either way; this only labels them.

usage: ip-overlap-cases.py TREE OUT --internal DIR,DIR --other DIR,DIR [--copies N] [--unrelated M] [--crates DIR --crate-files C] [--seed S]
"""

import argparse
import os
import random
import re
import shutil

C_KEYWORDS = set("""auto break case char const continue default do double else enum extern float for
goto if inline int long register restrict return short signed sizeof static struct switch typedef
union unsigned void volatile while bool true false NULL ifdef ifndef endif define undef elif
pragma include defined""".split())

CODE_EXT = (".c", ".h")
SHARED_LINES = 6


def files_under(tree, dirs, exts):
    out = []
    for d in dirs:
        for root, _, names in os.walk(os.path.join(tree, d)):
            for n in names:
                if exts is None or n.endswith(exts):
                    out.append(os.path.join(root, n))
    out.sort()
    return out


def is_code(line):
    s = line.strip()
    return bool(s) and not s.startswith(("*", "/*", "//", "#include", "}")) and len(s) > 3


def pick_block(rng, files):
    while True:
        path = rng.choice(files)
        try:
            lines = open(path, encoding="utf-8", errors="replace").read().split("\n")
        except OSError:
            continue
        n = rng.randint(10, 60)
        if len(lines) < n + 20:
            continue
        start = rng.randrange(0, len(lines) - n)
        block = lines[start:start + n]
        if sum(is_code(l) for l in block) >= 0.7 * n:
            return path, start + 1, block


def edit(rng, block):
    text = "\n".join(block)
    # Comments: drop block and line comments, then add one of our own.
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    text = re.sub(r"//[^\n]*", "", text)
    # Rename about half of the identifiers, consistently.
    idents = sorted(set(re.findall(r"\b[A-Za-z_]\w*\b", text)) - C_KEYWORDS)
    renames = {i: "%s_%d" % (rng.choice(["val", "obj", "tmp", "res", "ctx", "node"]), k)
               for k, i in enumerate(idents) if rng.random() < 0.5}
    text = re.sub(r"\b[A-Za-z_]\w*\b", lambda m: renames.get(m.group(0), m.group(0)), text)
    # Reformat: braces on the line of the condition, spaces after commas, tabs to spaces.
    text = re.sub(r"\)\s*\n\s*\{", ") {", text)
    text = re.sub(r",(?=\S)", ", ", text)
    lines = [l.replace("\t", "    ").rstrip() for l in text.split("\n")]
    # Blank lines: remove them, insert a few elsewhere, and a comment.
    lines = [l for l in lines if l.strip()]
    for _ in range(rng.randint(1, 3)):
        lines.insert(rng.randrange(0, len(lines) + 1), "")
    lines.insert(rng.randrange(0, len(lines) + 1), "    /* adapted for our use */")
    return "\n".join(lines) + "\n"


def plain_lines(path):
    """The lines of `path` that the shared-run rule compares (see the module doc)."""
    try:
        text = open(path, encoding="utf-8", errors="replace").read()
    except OSError:
        return []
    out = []
    for line in text.split("\n"):
        s = " ".join(line.split())
        if len(s) < 4 or s.startswith(("*", "/*", "//", "#include")) or s in ("{", "}", "};", "});"):
            continue
        out.append(s)
    return out


def runs_of(lines):
    return {hash("\n".join(lines[i:i + SHARED_LINES])) for i in range(len(lines) - SHARED_LINES + 1)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("tree")
    ap.add_argument("out")
    ap.add_argument("--internal", required=True)
    ap.add_argument("--other", required=True)
    ap.add_argument("--copies", type=int, default=400)
    ap.add_argument("--unrelated", type=int, default=5000)
    ap.add_argument("--crates")
    ap.add_argument("--crate-files", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=18)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    shutil.rmtree(a.out, ignore_errors=True)
    os.makedirs(os.path.join(a.out, "copies"))
    os.makedirs(os.path.join(a.out, "unrelated"))
    internal = files_under(a.tree, a.internal.split(","), CODE_EXT)
    with open(os.path.join(a.out, "copies.tsv"), "w") as log:
        for i in range(a.copies):
            path, line, block = pick_block(rng, internal)
            name = "copy%04d.c" % i
            with open(os.path.join(a.out, "copies", name), "w") as f:
                f.write("// SPDX-License-Identifier: MIT\n" + edit(rng, block))
            log.write("%s\t%s\t%d\t%d\n" % (name, os.path.relpath(path, a.tree), line, len(block)))
    other = files_under(a.tree, a.other.split(","), None)
    chosen = rng.sample(other, min(a.unrelated, len(other)))
    internal_runs = set()
    for path in files_under(a.tree, a.internal.split(","), None):
        internal_runs |= runs_of(plain_lines(path))
    with open(os.path.join(a.out, "unrelated.tsv"), "w") as log, \
            open(os.path.join(a.out, "unrelated-shared.tsv"), "w") as shared:
        for i, path in enumerate(chosen):
            name = "u%05d_%s" % (i, os.path.basename(path))
            shutil.copyfile(path, os.path.join(a.out, "unrelated", name))
            log.write("%s\t%s\n" % (name, os.path.relpath(path, a.tree)))
            common = len(runs_of(plain_lines(path)) & internal_runs)
            if common:
                shared.write("%s\t%s\t%d\n" % (name, os.path.relpath(path, a.tree), common))
    if a.crates:
        os.makedirs(os.path.join(a.out, "crates"))
        files = files_under(a.crates, ["."], (".rs",))
        with open(os.path.join(a.out, "crates.tsv"), "w") as log:
            for i, path in enumerate(rng.sample(files, min(a.crate_files, len(files)))):
                name = "c%05d_%s" % (i, os.path.basename(path))
                shutil.copyfile(path, os.path.join(a.out, "crates", name))
                log.write("%s\t%s\n" % (name, os.path.relpath(path, a.crates)))


if __name__ == "__main__":
    main()
