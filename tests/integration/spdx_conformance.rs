//! The conformance cases of `conformance/spdx.md` §2.10 and of issue 21, as one REUSE
//! repository scanned through the binary: each file's findings must be the 'Gate' column.

use std::collections::BTreeMap;

use crate::common::{TestRepo, text};
use crate::spdx::reuse_licenses;

const CP: &str = "SPDX-FileCopyrightText: 2024 Acme Corp <legal@acme.example>";

/// The conformance cases of `conformance/spdx.md` §2.10 and of issue 21 as one REUSE
/// repository (each case in `cases/<id>/`), scanned as a whole in REUSE mode
/// (`require_binary`): `id | file | content | expected rule:severity list`. In the content
/// `\n`, `\r`, `\t` and `\u{feff}` are escapes, `CP` is the copyright line and `PNG` stands for
/// PNG bytes.
const CASES: &str = r#"
S01  | main.rs      | // CP\n// SPDX-License-Identifier: MIT\n\nfn main() {} |
S02  | main.rs      | fn main() {} | missing-spdx-header:block
S03  | run.sh       | #!/bin/sh\n# CP\n# SPDX-License-Identifier: MIT |
S04  | run.sh       | # SPDX-License-Identifier: MIT\n#!/bin/sh\n# CP | misplaced-preamble:warn
S05  | mod.py       | #!/usr/bin/env python3\n# -*- coding: utf-8 -*-\n# CP\n# SPDX-License-Identifier: Apache-2.0 |
S06  | layout.xml   | <?xml version="1.0" encoding="UTF-8"?>\n<!--\nCP\nSPDX-License-Identifier: MIT\n--> |
S07  | layout.xml   | <!-- CP -->\n<!-- SPDX-License-Identifier: MIT -->\n<?xml version="1.0"?> | misplaced-preamble:warn
S08  | drv.c        | // CP\n// SPDX-License-Identifier: GPL-2.0 | deprecated-spdx-license:warn
S09  | drv.c        | // CP\n// SPDX-License-Identifier: GPL-2.0+ | deprecated-spdx-license:warn
S10  | x.rs         | // CP\n// SPDX-License-Identifier: Foo-1.0 | unknown-spdx-license:block
S11  | x.rs         | // CP\n// SPDX-License-Identifier: mit | non-canonical-spdx-id:warn
S12a | x.rs         | // CP\n// SPDX-License-Identifier: MIT or Apache-2.0 |
S12b | x.rs         | // CP\n// SPDX-License-Identifier: MIT Or Apache-2.0 | invalid-spdx-expression:block
S13  | x.rs         | // CP\n// SPDX-License-Identifier: MIT/Apache-2.0 | invalid-spdx-expression:block
S14  | x.rs         | // CP\n// SPDX-License-Identifier: (MIT OR Apache-2.0 | invalid-spdx-expression:block
S15  | x.rs         | // CP\n// SPDX-License-Identifier: MIT + | invalid-spdx-expression:block
S16  | x.rs         | // CP\n// SPDX-License-Identifier: LicenseRef-Acme-Proprietary |
S17  | x.rs         | // CP\n// SPDX-License-Identifier: licenseref-Acme-Proprietary | invalid-spdx-expression:block
S18  | x.rs         | FILLER// CP\n// SPDX-License-Identifier: MIT | missing-spdx-header:block
S19  | x.rs         | fn f() -> &'static str { "SPDX-License-Identifier: MIT" } | missing-spdx-header:block
S20  | x.rs         | // CP\n// SPDX-License-Identifier: MIT\n// REUSE-IgnoreStart\n// SPDX-License-Identifier: GPL-3.0-only\n// REUSE-IgnoreEnd |
S21  | logo.png     | PNG | missing-binary-license:block
S21b | logo.png     | PNG |
S21b | logo.png.license | CP\nSPDX-License-Identifier: MIT |
S22  | model.pkl    | \x80\x04\x95\0\0SPDX-License-Identifier: MIT\0. | missing-binary-license:block
S23  | package.json | {"name": "x"} | missing-spdx-header:block
S23b | data/x.json  | {"name": "x"} |
S24  | empty.rs     | |
S25  | LICENSE      | MIT License |
S25  | LICENSE-MIT  | MIT License |
S25  | LICENCE.txt  | MIT License |
S25  | COPYING      | GNU GENERAL PUBLIC LICENSE |
S28  | x.rs         | // CP\n// SPDX-License-Identifier: MIT\n// SPDX-License-Identifier: Apache-2.0 | multiple-spdx-lines:warn
S29  | x.rs         | // CP\nfn main(){} | missing-spdx-header:block
S30  | x.rs         | // SPDX-License-Identifier: MIT\nfn main(){} |
S31  | x.c          | /* CP */\n/* SPDX-License-Identifier: MIT */ |
S31h | x.h          | // SPDX-License-Identifier: MIT |
S32  | README.md    | <!-- CP -->\n<!-- SPDX-License-Identifier: MIT --> |
S33  | x.rs         | // CP\n// SPDX-License-Identifier:MIT | spdx-tag-spacing:warn
S34  | x.rs         | // CP\n// SPDX-License-Identifier: MIT OR | invalid-spdx-expression:block
S35  | x.rs         | // CP\n// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception |
S36  | x.rs         | // CP\n// spdx-license-identifier: MIT | missing-spdx-header:block
S37  | x.rs         | \u{feff}// CP\n// SPDX-License-Identifier: MIT |
S38  | x.rs         | // CP\r\n// SPDX-License-Identifier: MIT\r\nfn main() {}\r\n |
S39  | x.rs         | // SPDX-License-Identifier: (MIT OR\n//     Apache-2.0) | invalid-spdx-expression:block
S40  | x.rs         | // CP\n// SPDX-License-Identifier: MIT |
S40  | x.rs.license | SPDX-License-Identifier: LicenseRef-Acme-Proprietary |
S42  | nb.ipynb     | {"cells": []} | missing-spdx-header:block
S43  | x.rs         | // SPDX-FileCopyrightText: 2024\n// SPDX-License-Identifier: MIT |
S44  | x.rs         | // Copyright (c) 2024 Acme Corp\n// SPDX-License-Identifier: MIT |
S45  | x.rs         | // CP\n// SPDX-License-Identifier: MIT AND | invalid-spdx-expression:block
S46  | x.rs         | // CP\n// SPDX-License-Identifier:  | invalid-spdx-expression:block
S47  | x.rs         | // CP\n// SPDX-License-Identifier: NOASSERTION | invalid-spdx-expression:block
S48  | x.rs         | // CP\n// SPDX-License-Identifier: MIT WITH LLVM-exception |
S49  | x.rs         | // CP\n// SPDX-License-Identifier: GPL-2.0-only+ | invalid-spdx-expression:block
S50  | x.rs         | // CP\n// SPDX-License-Identifier: LicenseRef- | invalid-spdx-expression:block
I1a  | .envrc       | export A=1 | missing-spdx-header:block
I1b  | .gitignore   | target/ | missing-spdx-header:block
I1c  | notes.txt    | just notes | missing-spdx-header:block
I1d  | notes.txt    | SPDX-License-Identifier: MIT\n\njust notes |
I1e  | README       | A project. | missing-spdx-header:block
I1f  | Kconfig      | # CP\n# SPDX-License-Identifier: GPL-2.0-only\nconfig A |
I1g  | Kconfig      | config A\n\tbool "a" | missing-spdx-header:block
I1h  | x86_64_defconfig | CONFIG_A=y | missing-spdx-header:block
I1i  | Makefile.lib | # SPDX-License-Identifier: GPL-2.0-only\nall: |
I1j  | data.xyz     | no extension I know | missing-spdx-header:block
I2a  | head.S       | @ SPDX-License-Identifier: GPL-2.0-only\n.text |
I2b  | entry.S      | ! SPDX-License-Identifier: GPL-2.0-only\n.text |
I2c  | x.S          | ; SPDX-License-Identifier: GPL-2.0-only\n.text |
I2d  | x.S          | # SPDX-License-Identifier: GPL-2.0-only\n.text |
I2e  | x.S          | /* SPDX-License-Identifier: GPL-2.0-only */\n.text |
I2f  | x.s          | // SPDX-License-Identifier: GPL-2.0-only\n.text |
I2g  | x.S          | .text\nmov r0, r1 | missing-spdx-header:block
I3a  | x.rs         | // SPDX-License-Identifier: LicenseRef-Missing-Text | missing-license-text:block
I3b  | x.rs         | // SPDX-License-Identifier: MIT OR LicenseRef-Acme-Proprietary |
I4a  | sub/deep/t.json | {"a": 1} |
I7a  | notes.doc    | SPDX-License-Identifier: MIT\nplain text |
I7b  | notes.doc    | plain text | missing-spdx-header:block
I7c  | x.c          | /* SPDX-License-Identifier: MIT\n * run as:\n#!/bin/sh\n */ |
I7d  | index.rst    | . SPDX-License-Identifier: GPL-2.0-only\n\nTitle | spdx-tag-not-in-comment:warn
I8a  | x.c          | // SPDX-License-Identifier: LGPL-2.1 | deprecated-spdx-license:warn
I8b  | x.c          | // SPDX-License-Identifier: GPL-2.0 OR MIT | deprecated-spdx-license:warn
"#;

fn case_content(text: &str) -> Vec<u8> {
    if text == "PNG" {
        return b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    }
    let text = text
        .replace("FILLER", &"// filler\n".repeat(30))
        .replace("\\n", "\n")
        .replace("\\r", "\r")
        .replace("\\t", "\t")
        .replace("\\u{feff}", "\u{feff}")
        .replace("CP", CP);
    let mut out = Vec::new();
    let mut rest = text.as_str();
    // `\xNN` and `\0` escapes of binary cases.
    while let Some(i) = rest.find('\\') {
        out.extend_from_slice(&rest.as_bytes()[..i]);
        let esc = &rest[i + 1..];
        if let Some(hex) = esc.strip_prefix('x') {
            out.push(u8::from_str_radix(&hex[..2], 16).expect("hex escape"));
            rest = &hex[2..];
        } else if let Some(r) = esc.strip_prefix('0') {
            out.push(0);
            rest = r;
        } else {
            out.push(b'\\');
            rest = esc;
        }
    }
    out.extend_from_slice(rest.as_bytes());
    out
}

/// The repository of [`CASES`], staged, and each file's expected `rule:severity` list.
fn conformance_repo() -> (TestRepo, BTreeMap<String, Vec<String>>) {
    let t = TestRepo::new();
    t.write(
        ".outbound.toml",
        "[spdx]\nrequire = true\nrequire_binary = true\ndefault_license = \"MIT\"\n",
    );
    for id in [
        "MIT",
        "Apache-2.0",
        "LicenseRef-Acme-Proprietary",
        "LLVM-exception",
    ] {
        t.write(&format!("LICENSES/{id}.txt"), format!("{id} text\n"));
    }
    // S23b and I4a: covered by the root REUSE.toml, whatever their depth.
    t.write(
        "REUSE.toml",
        "version = 1\n\n[[annotations]]\npath = [\"cases/S23b/data/**\", \"cases/I4a/**\", \".outbound.toml\"]\nprecedence = \"aggregate\"\nSPDX-FileCopyrightText = \"2024 Acme Corp\"\nSPDX-License-Identifier = \"MIT\"\n",
    );
    let mut expected: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for row in CASES.lines().filter(|l| !l.trim().is_empty()) {
        let cells: Vec<&str> = row.splitn(4, '|').map(str::trim).collect();
        let [id, file, content, want] = cells[..] else {
            panic!("bad row: {row}");
        };
        let path = format!("cases/{id}/{file}");
        t.write(&path, case_content(content));
        let mut rules: Vec<String> = want
            .split(',')
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .map(String::from)
            .collect();
        rules.sort();
        if !file.ends_with(".license") {
            expected.entry(path).or_default().extend(rules);
        }
    }
    // S26: a symlink is not a covered file.
    #[cfg(unix)]
    std::os::unix::fs::symlink("../S02/main.rs", t.path().join("cases/S26-link.rs"))
        .expect("symlink");
    t.git(&["add", "-A"]);
    (t, expected)
}

#[test]
fn conformance_repository_matches_the_gate_column() {
    let (t, expected) = conformance_repo();
    let (_, v) = t.json(&["scan", "--checks", "spdx"]);
    let mut got: BTreeMap<String, Vec<String>> =
        expected.keys().map(|k| (k.clone(), Vec::new())).collect();
    for f in v["findings"].as_array().expect("findings") {
        let path = f["path"].as_str().unwrap_or("").to_string();
        let rule = format!(
            "{}:{}",
            f["rule"].as_str().unwrap_or(""),
            f["severity"].as_str().unwrap_or("")
        );
        got.entry(path).or_default().push(rule);
    }
    for rules in got.values_mut() {
        rules.sort();
    }
    let cases = expected.len();
    let wrong: Vec<String> = got
        .iter()
        .filter(|(path, rules)| expected.get(*path) != Some(rules))
        .map(|(path, rules)| format!("{path}: got {rules:?}, want {:?}", expected.get(path)))
        .collect();
    assert!(
        wrong.is_empty(),
        "{} of {cases} cases differ:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

#[test]
fn fix_on_the_conformance_repository_changes_no_license_that_reuse_reads() {
    let (t, _) = conformance_repo();
    let Some(before) = reuse_licenses(&t) else {
        assert!(
            std::env::var_os("OUTBOUND_REQUIRE_REUSE").is_none(),
            "OUTBOUND_REQUIRE_REUSE is set but `reuse lint --json` could not be run"
        );
        #[allow(clippy::print_stderr)]
        {
            eprintln!("note: `reuse` is not installed; skipping the comparison with reuse lint");
        }
        return;
    };
    let out = t.outbound(&["fix", "spdx", "--sidecar"]);
    assert!(out.status.success(), "{}", text(&out));
    t.git(&["add", "-A"]);
    let after = reuse_licenses(&t).expect("reuse lint after the fix");
    let mut unlicensed = 0;
    for (path, licenses) in &before {
        if licenses.is_empty() {
            unlicensed += 1;
            continue;
        }
        assert_eq!(
            after.get(path),
            Some(licenses),
            "{path}: the fix changed its license"
        );
    }
    // Every file REUSE read no license for has one now, but S36: its tag in the wrong case
    // (`spdx-license-identifier:`) is the author's statement, which the fix leaves to a person.
    let still: Vec<&String> = after
        .iter()
        .filter(|(_, l)| l.is_empty())
        .map(|(p, _)| p)
        .collect();
    assert!(unlicensed > 0);
    assert_eq!(still, ["cases/S36/x.rs"], "still without a license");
}
