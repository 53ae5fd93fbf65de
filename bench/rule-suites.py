#!/usr/bin/env python3
"""Example suites from the rule files that public scanners ship, and a scorer.

Two peer projects keep test strings next to each rule: gitleaks in the Go files of
cmd/generate/config/rules/ (`tps` / `fps`, or `r.TPs` / `r.FPs`), Kingfisher in its rules
YAML (`examples:` / `negative_examples:`). This script turns a local copy of those files into
a suite directory with one file per example, then runs each scanner on the directory and
counts, per file, whether it was flagged.

    python3 bench/rule-suites.py extract --gitleaks SRC/gitleaks --out SUITES/a
    python3 bench/rule-suites.py extract --kingfisher SRC/kingfisher --out SUITES/b
    python3 bench/rule-suites.py score SUITES/a [--tools ours,gitleaks,betterleaks,kingfisher]
                                               [--misses FILE]

SRC/<peer> holds the peer's rule files at their paths in the peer's repository
(cmd/generate/config/rules/*.go, data/rules/*.yml); the suites hold real-looking secrets
and stay out of this repository (the default place is ~/.cache/outbound-suites).

Kept: literal strings only. Dropped, and counted in SUITE/manifest.json:
  - examples built at test time (utils.GenerateSampleSecret(s), secrets.NewSecret,
    fmt.Sprintf, a literal joined to one of those with `+`): their value is not in the file;
  - positives that are invented stand-ins rather than a credential's shape
    (`xxxx`, `abcde`, keyboard rows, runs of five counting digits, `a1b2c3`, `deadbeef`,
    `cafebabe`, the RFC's `123e4567` UUID, runs of one digit, a run typed twice in a row,
    letters and digits taking turns for twelve characters).
Negatives are all kept: a stand-in is exactly what a negative example is for.

Files are named pos/<rule>.<n>.<ext> and neg/<rule>.<n>.<ext>; a Go map of examples
(`"name.yaml": ...`) keeps its file name, for rules that look at the path.

Scoring: git-outbound (`$OURS_BIN scan --format json DIR`, or `OURS_CMD` with {dir}) and the
peers as ../shared/accuracy/score.py runs them (gitleaks/betterleaks `dir`, kingfisher
`scan --format json --no-validate`). A file counts as found when the tool reports anything
in it. Standard library, plus PyYAML for Kingfisher's files.
"""
import argparse
import json
import os
import re
import shutil
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SCORE_PY = os.environ.get("SCORE_PY", os.path.join(HERE, "..", "..", "shared", "accuracy", "score.py"))

# invented stand-ins: a positive that only says "a secret goes here"
STAND_IN = re.compile(
    r"(?i)x{4,}|abcde|fghij|klmno|a1b2c3|deadbeef|cafebabe|0{8,}|1{8,}|123e4567"
    r"|qwert|asdfg|zxcvb|poiuy|mnbvc|12345|23456|34567|45678|56789|67890|98765|87654|76543|65432|54321"
    r"|(?:your|my)[_-]?(?:api[_-]?)?(?:key|token|secret)"
    r"|(\w{6,24})\1"  # a run typed twice in a row
    r"|(?:[A-Za-z][0-9]){6}|(?:[0-9][A-Za-z]){6}"  # letters and digits taking turns: a1b2c3…, z1x2c3…
)
GENERATED = re.compile(r"\b(?:GenerateSampleSecrets?|NewSecret|Sprintf|GenerateUniqueToken|strings\.Repeat)\b")


# ---------------------------------------------------------------- Go (gitleaks)

def go_unquote(body):
    """Body of a Go interpreted string literal ("...") to its value."""
    out, i = [], 0
    simple = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "'": "'", "a": "\a", "b": "\b", "f": "\f", "v": "\v"}
    while i < len(body):
        c = body[i]
        if c != "\\":
            out.append(c)
            i += 1
            continue
        n = body[i + 1] if i + 1 < len(body) else ""
        if n in simple:
            out.append(simple[n])
            i += 2
        elif n == "x":
            out.append(chr(int(body[i + 2:i + 4], 16)))
            i += 4
        elif n == "u":
            out.append(chr(int(body[i + 2:i + 6], 16)))
            i += 6
        else:
            out.append(n)
            i += 2
    return "".join(out)


def go_tokens(src, start):
    """Tokens of a Go composite literal that starts at src[start] == '{' (or '(' for
    append). Yields ('str', value), ('gen', text), ('sep', ','), ('colon', ':'),
    ('plus', '+') until the matching close."""
    opener = src[start]
    closer = {"{": "}", "(": ")"}[opener]
    depth, i = 0, start
    while i < len(src):
        c = src[i]
        if c in "{([":
            depth += 1
            if depth > 1 and c == "(":
                # a call inside the list: everything up to its close is one generated item
                j, d2 = i, 0
                while j < len(src):
                    if src[j] in "([{":
                        d2 += 1
                    elif src[j] in ")]}":
                        d2 -= 1
                        if d2 == 0:
                            break
                    elif src[j] == "`":
                        j = src.index("`", j + 1)
                    elif src[j] == '"':
                        j += 1
                        while src[j] != '"':
                            j += 2 if src[j] == "\\" else 1
                    j += 1
                yield ("gen", src[i:j + 1])
                depth -= 1
                i = j + 1
                continue
            i += 1
        elif c in "})]":
            depth -= 1
            i += 1
            if depth == 0:
                return
        elif c == "`":
            j = src.index("`", i + 1)
            yield ("str", src[i + 1:j])
            i = j + 1
        elif c == '"':
            j = i + 1
            while src[j] != '"':
                j += 2 if src[j] == "\\" else 1
            yield ("str", go_unquote(src[i + 1:j]))
            i = j + 1
        elif src.startswith("//", i):
            i = src.index("\n", i)
        elif c == ",":
            yield ("sep", ",")
            i += 1
        elif c == ":":
            yield ("colon", ":")
            i += 1
        elif c == "+":
            yield ("plus", "+")
            i += 1
        elif c.isalpha() or c == "_":
            m = re.match(r"[\w.]+", src[i:])
            yield ("gen", m.group(0))
            i += len(m.group(0))
        else:
            i += 1


def go_items(src, start):
    """Items of the list at src[start]: (name or None, value or None if generated)."""
    items, cur, key = [], [], None
    for kind, val in go_tokens(src, start):
        if kind == "sep":
            if cur:
                items.append((key, cur))
            cur, key = [], None
        elif kind == "colon" and len(cur) == 1 and cur[0][0] == "str":
            key, cur = cur[0][1], []
        elif kind != "plus":
            cur.append((kind, val))
    if cur:
        items.append((key, cur))
    out = []
    for key, parts in items:
        if all(k == "str" for k, _ in parts):
            out.append((key, "".join(v for _, v in parts)))
        else:
            out.append((key, None))
    return out


LIST_START = re.compile(
    r"\b(?P<var>tps|fps|TPs|FPs|r\.TPs|r\.FPs|truePositives|falsePositives)\s*(?::=|=)\s*"
    r"(?:\[\]string|map\[string\]string|append\(\s*(?:tps|fps|r\.TPs|r\.FPs)\s*,)"
)


def extract_go(path):
    """[(rule_id, 'pos'|'neg', name, value or None)] from one gitleaks rule file."""
    src = open(path, encoding="utf-8").read()
    out = []
    funcs = re.split(r"\nfunc ", src)
    for f in funcs:
        m = re.search(r'RuleID:\s*"([^"]+)"', f)
        if not m:
            continue
        rule = m.group(1)
        for lm in LIST_START.finditer(f):
            side = "pos" if lm.group("var").lower().endswith("tps") or "true" in lm.group("var") else "neg"
            i = lm.end()
            if f[lm.end() - 1] != ",":
                i = f.index("{", lm.end() - 1)
            else:
                i = f.rindex("(", 0, lm.end())
            if f[i] == "(":
                # append(tps, a, b): items after the first
                items = go_items(f, i)[1:]
            else:
                items = go_items(f, i)
            for key, val in items:
                out.append((rule, side, key, val))
    return out


# ---------------------------------------------------------------- YAML (Kingfisher)

def extract_yaml(path):
    import yaml  # PyYAML

    doc = yaml.safe_load(open(path, encoding="utf-8")) or {}
    out = []
    for r in doc.get("rules") or []:
        if r.get("visible") is False:
            continue  # an auxiliary capture (an account name, an app id), not a credential
        rule = r.get("id") or r.get("name")
        for ex in r.get("examples") or []:
            out.append((rule, "pos", None, ex if isinstance(ex, str) else None))
        for ex in r.get("negative_examples") or []:
            out.append((rule, "neg", None, ex if isinstance(ex, str) else None))
    return out


# ---------------------------------------------------------------- extract

def safe(name):
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name)[:80]


def cmd_extract(a):
    found = []
    sources = []
    if a.gitleaks:
        d = os.path.join(a.gitleaks, "cmd", "generate", "config", "rules")
        for fn in sorted(os.listdir(d)):
            if fn.endswith(".go") and not fn.endswith("_test.go"):
                sources.append(os.path.join(d, fn))
                found += [(fn,) + e for e in extract_go(os.path.join(d, fn))]
    if a.kingfisher:
        for root, _, fns in os.walk(a.kingfisher):
            for fn in sorted(fns):
                if fn.endswith((".yml", ".yaml")):
                    sources.append(os.path.join(root, fn))
                    found += [(fn,) + e for e in extract_yaml(os.path.join(root, fn))]
    if os.path.exists(a.out):
        shutil.rmtree(a.out)
    os.makedirs(os.path.join(a.out, "pos"))
    os.makedirs(os.path.join(a.out, "neg"))
    counts = {"pos": 0, "neg": 0, "generated": 0, "stand_in": 0, "duplicate": 0}
    rules, seen, index = set(), set(), {}
    for src, rule, side, key, val in found:
        rules.add(rule)
        if val is None:
            counts["generated"] += 1
            continue
        if side == "pos" and STAND_IN.search(val):
            counts["stand_in"] += 1
            continue
        if (side, val) in seen:
            counts["duplicate"] += 1
            continue
        seen.add((side, val))
        n = index.get((side, rule), 0)
        index[(side, rule)] = n + 1
        ext = os.path.splitext(key)[1] if key and "." in key else ".txt"
        name = "%s.%d%s" % (safe(rule), n, ext)
        with open(os.path.join(a.out, side, name), "w", encoding="utf-8") as fh:
            fh.write(val if val.endswith("\n") else val + "\n")
        counts[side] += 1
    manifest = {"sources": len(sources), "rules": len(rules), **counts}
    json.dump(manifest, open(os.path.join(a.out, "manifest.json"), "w"), indent=1)
    print(json.dumps(manifest))


# ---------------------------------------------------------------- score

def load_score():
    import importlib.util

    spec = importlib.util.spec_from_file_location("score", SCORE_PY)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def cmd_score(a):
    score = load_score()
    suite = os.path.abspath(a.suite)
    files = {}
    for side in ("pos", "neg"):
        for fn in os.listdir(os.path.join(suite, side)):
            files[os.path.join(side, fn)] = side
    tot = {s: sum(1 for v in files.values() if v == s) for s in ("pos", "neg")}
    results = {}
    for tool in a.tools.split(","):
        with tempfile.TemporaryDirectory() as tmp:
            # the suite directory is scanned without its manifest
            repo = os.path.join(tmp, "suite")
            shutil.copytree(os.path.join(suite, "pos"), os.path.join(repo, "pos"))
            shutil.copytree(os.path.join(suite, "neg"), os.path.join(repo, "neg"))
            try:
                fs, dt, ver = score.ADAPTERS[tool](repo, tmp)
            except Exception as e:  # a missing peer is reported, not fatal
                print("%-12s skipped: %s" % (tool, e))
                continue
        hit = {f["path"] for f in fs}
        found = sorted(p for p, s in files.items() if s == "pos" and p in hit)
        flagged = sorted(p for p, s in files.items() if s == "neg" and p in hit)
        results[tool] = {"found": found, "flagged": flagged, "seconds": dt, "version": ver}
        print("%-12s positives %4d/%-4d (%5.1f %%)  negatives flagged %3d/%-3d" % (
            tool, len(found), tot["pos"], 100.0 * len(found) / max(tot["pos"], 1), len(flagged), tot["neg"]))
    if a.misses:
        with open(a.misses, "w") as fh:
            for tool, r in results.items():
                missed = sorted(p for p, s in files.items() if s == "pos" and p not in r["found"])
                json.dump({"tool": tool, "missed": missed, "flagged": r["flagged"]}, fh)
                fh.write("\n")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    e = sub.add_parser("extract")
    e.add_argument("--gitleaks")
    e.add_argument("--kingfisher")
    e.add_argument("--out", required=True)
    s = sub.add_parser("score")
    s.add_argument("suite")
    s.add_argument("--tools", default="ours,gitleaks,betterleaks,kingfisher")
    s.add_argument("--misses")
    a = p.parse_args()
    if a.cmd == "extract":
        cmd_extract(a)
    else:
        cmd_score(a)


if __name__ == "__main__":
    sys.exit(main())
