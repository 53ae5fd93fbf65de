#!/usr/bin/env python3
"""Personal-data test sets: Faker-made records in many locales, one kind per file.

    datasets.py gen OUTDIR [--rows N] [--seed S]

writes OUTDIR/<locale>/<kind>.csv and .jsonl (one column `id` plus one ordinary column
holding the kind), and OUTDIR/manifest.tsv (locale, kind, column, rows). The integration test
`datasets_recall` runs this, writes the same rows as Parquet, scans them and prints recall per
kind, format and locale.

    datasets.py words PATTERNS_DIR

rewrites PATTERNS_DIR/pii/person-names.txt and street-words.txt, the word lists that the
column-level detection of names and street addresses ships with, from Faker's locale data
(MIT licence): up to 300 first names and 300 last names per locale (the most frequent where
Faker weighs them, an even spread otherwise), and the street words of each locale.

    datasets.py recall OUTDIR [BINARY]

scans OUTDIR (made by gen) with BINARY (default target/debug/git-outbound) and prints the
rows found per kind, format and locale.

    datasets.py sklearn OUTDIR

copies scikit-learn's bundled CSV datasets (real data without personal data) to OUTDIR, to
check that nothing is reported on them.
"""
import csv
import json
import os
import sys

LOCALES = ["en_US", "en_GB", "de_DE", "fr_FR", "es_ES", "it_IT", "nl_NL", "pt_BR", "pl_PL", "ja_JP", "sv_SE"]
# kind: (column name, how Faker makes one value)
KINDS = {
    "email": ("email", lambda f: f.email(safe=False)),
    "phone": ("phone", lambda f: f.phone_number()),
    "card": ("card_number", lambda f: f.credit_card_number()),
    "iban": ("iban", lambda f: f.iban()),
    "name": ("name", lambda f: f.name()),
    "street": ("address", lambda f: f.street_address()),
    "dob": ("birth_date", lambda f: f.date_of_birth(minimum_age=1, maximum_age=100).isoformat()),
}


def gen(out, rows, seed):
    from faker import Faker

    os.makedirs(out, exist_ok=True)
    manifest = []
    for i, locale in enumerate(LOCALES):
        fake = Faker(locale)
        d = os.path.join(out, locale)
        os.makedirs(d, exist_ok=True)
        for j, (kind, (column, make)) in enumerate(KINDS.items()):
            fake.seed_instance(seed + 100 * i + j)
            values = [make(fake) for _ in range(rows)]
            with open(os.path.join(d, kind + ".csv"), "w", newline="", encoding="utf-8") as f:
                w = csv.writer(f)
                w.writerow(["id", column])
                for n, v in enumerate(values):
                    w.writerow([n + 1, v])
            with open(os.path.join(d, kind + ".jsonl"), "w", encoding="utf-8") as f:
                for n, v in enumerate(values):
                    f.write(json.dumps({"id": n + 1, column: v}, ensure_ascii=False) + "\n")
            manifest.append((locale, kind, column, rows))
    with open(os.path.join(out, "manifest.tsv"), "w", encoding="utf-8") as f:
        for row in manifest:
            f.write("\t".join(map(str, row)) + "\n")


PER_LIST = 300
HEADER = """# {what}, one per line, lower case{extra}.
# Source: Faker {version} locale data ({locales}), MIT licence, Copyright (c) 2012
# Daniele Faraglia; selected by bench/datasets.py words. Regenerate rather than edit.
"""


def spread(values):
    values = list(dict.fromkeys(v for v in values if v))
    if isinstance(values, dict) or len(values) <= PER_LIST:
        return values
    step = len(values) / PER_LIST
    return [values[int(i * step)] for i in range(PER_LIST)]


def top(names):
    if isinstance(names, dict):
        ranked = sorted(names.items(), key=lambda kv: -kv[1])
        return [k for k, _ in ranked[:PER_LIST]]
    return spread(names)


def words(patterns):
    import importlib

    import faker

    names, streets, endings = set(), set(), set()
    for locale in LOCALES:
        person = importlib.import_module(f"faker.providers.person.{locale}").Provider
        for kind in ("first_names", "last_names"):
            picked = []
            for attr in (kind, kind + "_male", kind + "_female"):
                picked += top(getattr(person, attr, ()))
            for name in spread(picked):
                for token in name.replace("-", " ").split():
                    names.add(token.lower())
        address = importlib.import_module(f"faker.providers.address.{locale}").Provider
        for attr in dir(address):
            value = getattr(address, attr)
            if not attr.startswith(("street_prefix", "street_suffix")) or callable(value):
                continue
            for word in value:
                word = word.strip().lower()
                if not word:
                    continue
                # German, Dutch and Swedish streets end in their word (Hauptstraße, Dorpsstraat).
                if locale in ("de_DE", "nl_NL", "sv_SE") and attr.startswith("street_suffix"):
                    endings.add(word.lstrip("-"))
                streets.add(word)
    extra = ["st", "rd", "ave", "blvd", "dr", "ln", "ul.", "al.", "pl.", "str.", "straße",
             "strasse", "rue", "calle", "via", "rua", "avenida", "avenue", "road", "street"]
    streets.update(extra)
    endings.update(["straße", "strasse", "str.", "weg", "gasse", "allee", "platz", "straat",
                    "laan", "plein", "gatan", "vägen", "丁目", "通り"])
    locales = ", ".join(LOCALES)
    os.makedirs(os.path.join(patterns, "pii"), exist_ok=True)
    with open(os.path.join(patterns, "pii", "person-names.txt"), "w", encoding="utf-8") as f:
        f.write(HEADER.format(what="Given names and family names", extra="",
                              version=faker.VERSION, locales=locales))
        f.write("\n".join(sorted(names)) + "\n")
    with open(os.path.join(patterns, "pii", "street-words.txt"), "w", encoding="utf-8") as f:
        f.write(HEADER.format(what="Street words", locales=locales, version=faker.VERSION,
                              extra="; a leading '-' marks an ending (Hauptstraße, Dorpsstraat)"))
        lines = sorted(streets) + sorted("-" + e for e in endings)
        f.write("\n".join(lines) + "\n")


def sklearn(out):
    import glob
    import shutil

    import sklearn.datasets

    base = os.path.join(os.path.dirname(sklearn.datasets.__file__), "data")
    os.makedirs(out, exist_ok=True)
    for path in sorted(glob.glob(os.path.join(base, "*.csv*"))):
        shutil.copy(path, out)
        print(os.path.basename(path))


NOUNS = {"email": "e-mail address", "phone": "phone number", "card": "payment card number",
         "iban": "IBAN", "name": "personal name", "street": "street address",
         "dob": "date(s) of birth"}


def recall(out, binary):
    import collections
    import re
    import subprocess

    run = subprocess.run([binary, "scan", "--format", "json", out], capture_output=True, check=False)
    found = collections.Counter()
    for f in json.loads(run.stdout)["findings"]:
        locale, file = f["path"].split("/")[-2:]
        kind, fmt = file.rsplit(".", 1)
        if f["rule"] == "personal-data" and NOUNS[kind] in f["message"]:
            found[(kind, fmt, locale)] += int(re.search(r"holds (\d+)", f["message"]).group(1))
    rows = {}
    for line in open(os.path.join(out, "manifest.tsv"), encoding="utf-8"):
        locale, kind, _, n = line.rstrip("\n").split("\t")
        rows[(kind, locale)] = int(n)
    locales = sorted({loc for _, loc in rows})
    fmts = sorted({k[1] for k in found})
    print("| kind | format | lowest | " + " | ".join(locales) + " |")
    print("|---|---|---:|" + "---:|" * len(locales))
    for kind in KINDS:
        for fmt in fmts:
            cells = [found[(kind, fmt, loc)] for loc in locales]
            low = min(c / rows[(kind, loc)] for c, loc in zip(cells, locales))
            print(f"| {kind} | {fmt} | {low:.1%} | " + " | ".join(map(str, cells)) + " |")


def main(argv):
    if len(argv) >= 2 and argv[0] == "gen":
        rows = int(argv[argv.index("--rows") + 1]) if "--rows" in argv else 300
        seed = int(argv[argv.index("--seed") + 1]) if "--seed" in argv else 28
        gen(argv[1], rows, seed)
    elif len(argv) in (2, 3) and argv[0] == "recall":
        recall(argv[1], argv[2] if len(argv) == 3 else "target/debug/git-outbound")
    elif len(argv) == 2 and argv[0] == "words":
        words(argv[1])
    elif len(argv) == 2 and argv[0] == "sklearn":
        sklearn(argv[1])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
