//! Conformance cases of `conformance/spdx.md` §2.10, each with the 'Gate' column as the
//! expected result, plus the REUSE.toml, sidecar and policy paths through `check_file`.

use super::*;

const CP: &str = "SPDX-FileCopyrightText: 2024 Acme Corp <legal@acme.example>";

/// The Gate column of `conformance/spdx.md` §2.10, one case a line:
/// `id | path | content | blocking rules | warning rules | fragment of the first help`.
/// In the content `\n`, `\r` and `\u{feff}` are escapes and `CP` is the copyright line; rules
/// are comma-separated.
const TABLE: &str = r#"
S01  | main.rs      | // CP\n// SPDX-License-Identifier: MIT\n\nfn main() {} | | |
S02  | main.rs      | fn main() {} | missing-spdx-header | | git outbound fix spdx main.rs
S03  | run.sh       | #!/bin/sh\n# CP\n# SPDX-License-Identifier: MIT | | |
S04  | run.sh       | # SPDX-License-Identifier: MIT\n#!/bin/sh\n# CP | | misplaced-preamble | line 1
S05  | mod.py       | #!/usr/bin/env python3\n# -*- coding: utf-8 -*-\n# CP\n# SPDX-License-Identifier: Apache-2.0 | | |
S06  | layout.xml   | <?xml version="1.0" encoding="UTF-8"?>\n<!--\nCP\nSPDX-License-Identifier: MIT\n--> | | |
S07  | layout.xml   | <!-- CP -->\n<!-- SPDX-License-Identifier: MIT -->\n<?xml version="1.0"?> | | misplaced-preamble | line 1
S08  | drv.c        | // CP\n// SPDX-License-Identifier: GPL-2.0 | | deprecated-spdx-license | write `GPL-2.0-only`, which is what `GPL-2.0` means (`GPL-2.0-or-later` if
S09  | drv.c        | // CP\n// SPDX-License-Identifier: GPL-2.0+ | | deprecated-spdx-license | write `GPL-2.0-or-later`
S10  | x.rs         | // CP\n// SPDX-License-Identifier: Foo-1.0 | unknown-spdx-license | | LicenseRef-Foo-1.0
S11  | x.rs         | // CP\n// SPDX-License-Identifier: mit | | non-canonical-spdx-id | `MIT`
S12a | x.rs         | // CP\n// SPDX-License-Identifier: MIT or Apache-2.0 | | |
S12b | x.rs         | // CP\n// SPDX-License-Identifier: MIT Or Apache-2.0 | invalid-spdx-expression | | `OR`
S13  | x.rs         | // CP\n// SPDX-License-Identifier: MIT/Apache-2.0 | invalid-spdx-expression | | MIT OR Apache-2.0
S14  | x.rs         | // CP\n// SPDX-License-Identifier: (MIT OR Apache-2.0 | invalid-spdx-expression | | single line
S15  | x.rs         | // CP\n// SPDX-License-Identifier: MIT + | invalid-spdx-expression | | no space
S16  | x.rs         | // CP\n// SPDX-License-Identifier: LicenseRef-Acme-Proprietary | | |
S17  | x.rs         | // CP\n// SPDX-License-Identifier: licenseref-Acme-Proprietary | invalid-spdx-expression | | `LicenseRef-Acme-Proprietary`
S19  | x.rs         | fn f() -> &'static str { "SPDX-License-Identifier: MIT" } | missing-spdx-header | | not in a comment
S20  | x.rs         | // CP\n// SPDX-License-Identifier: MIT\n// REUSE-IgnoreStart\n// SPDX-License-Identifier: GPL-3.0-only\n// REUSE-IgnoreEnd | | |
S23  | package.json | {"name": "x"} | missing-spdx-header | | package.json.license
S24  | empty.rs     | | | |
S25  | LICENSE      | MIT License | | |
S25  | LICENSE-MIT  | MIT License | | |
S25  | LICENCE.txt  | MIT License | | |
S25  | COPYING      | GNU GENERAL PUBLIC LICENSE | | |
S25  | LICENSES/MIT.txt | MIT License | | |
S28  | x.rs         | // CP\n// SPDX-License-Identifier: MIT\n// SPDX-License-Identifier: Apache-2.0 | | multiple-spdx-lines | AND
S29  | x.rs         | // CP\nfn main(){} | missing-spdx-header | | fix spdx
S30  | x.rs         | // SPDX-License-Identifier: MIT\nfn main(){} | | |
S31  | x.c          | /* CP */\n/* SPDX-License-Identifier: MIT */ | | |
S31h | x.h          | // SPDX-License-Identifier: MIT | | |
S32  | README.md    | <!-- CP -->\n<!-- SPDX-License-Identifier: MIT --> | | |
S33  | x.rs         | // CP\n// SPDX-License-Identifier:MIT | | spdx-tag-spacing | one space
S34  | x.rs         | // CP\n// SPDX-License-Identifier: MIT OR | invalid-spdx-expression | | on each side
S35  | x.rs         | // CP\n// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception | | |
S36  | x.rs         | // CP\n// spdx-license-identifier: MIT | missing-spdx-header | | case-sensitive
S37  | x.rs         | \u{feff}// CP\n// SPDX-License-Identifier: MIT | | |
S38  | x.rs         | // CP\r\n// SPDX-License-Identifier: MIT\r\nfn main() {}\r\n | | |
S39  | x.rs         | // SPDX-License-Identifier: (MIT OR\n//     Apache-2.0) | invalid-spdx-expression | | single line
S42  | nb.ipynb     | {"cells": []} | missing-spdx-header | | nb.ipynb.license
S43  | x.rs         | // SPDX-FileCopyrightText: 2024\n// SPDX-License-Identifier: MIT | | |
S44  | x.rs         | // Copyright (c) 2024 Acme Corp\n// SPDX-License-Identifier: MIT | | |
S45  | x.rs         | // CP\n// SPDX-License-Identifier: MIT AND | invalid-spdx-expression | | on each side
S46  | x.rs         | // CP\n// SPDX-License-Identifier:  | invalid-spdx-expression | | write a license expression
S47  | x.rs         | // CP\n// SPDX-License-Identifier: NOASSERTION | invalid-spdx-expression | | name the license
S48  | x.rs         | // CP\n// SPDX-License-Identifier: MIT WITH LLVM-exception | | |
S49  | x.rs         | // CP\n// SPDX-License-Identifier: GPL-2.0-only+ | invalid-spdx-expression | | GPL-2.0-or-later
S50  | x.rs         | // CP\n// SPDX-License-Identifier: LicenseRef- | invalid-spdx-expression | | LicenseRef-Acme
txt  | notes.txt    | just notes | missing-spdx-header | | notes.txt.license
txt  | notes.txt    | SPDX-License-Identifier: GPL-2.0 | | deprecated-spdx-license |
txt  | README       | SPDX-License-Identifier: MIT\n\nA project. | | |
txt  | .envrc       | export A=1 | missing-spdx-header | | fix spdx .envrc
doc  | notes.doc    | SPDX-License-Identifier: MIT\nplain text | | |
doc  | notes.doc    | plain text | missing-spdx-header | | notes.doc.license
asm  | head.S       | @ SPDX-License-Identifier: GPL-2.0-only\n.text | | |
asm  | entry.S      | ! SPDX-License-Identifier: GPL-2.0-only\n.text | | |
asm  | x.S          | ; SPDX-License-Identifier: GPL-2.0-only\n.text | | |
asm  | x.S          | # SPDX-License-Identifier: GPL-2.0-only\n.text | | |
asm  | x.S          | /* SPDX-License-Identifier: GPL-2.0-only */\n.text | | |
asm  | x.s          | // SPDX-License-Identifier: GPL-2.0-only\n.text | | |
asm  | x.S          | .text\nmov r0, r1 | missing-spdx-header | | fix spdx x.S
rst  | index.rst    | . SPDX-License-Identifier: GPL-2.0-only\n\nTitle | | spdx-tag-not-in-comment | comment syntax
cmt  | x.c          | /* SPDX-License-Identifier: MIT\n * run as:\n#!/bin/sh\n */ | | |
attr | lib.rs       | #![allow(dead_code)]\n// SPDX-License-Identifier: MIT | | |
"#;

fn unescape(text: &str) -> String {
    text.replace("\\n", "\n")
        .replace("\\r", "\r")
        .replace("\\u{feff}", "\u{feff}")
        .replace("CP", CP)
}

fn list(cell: &str) -> Vec<String> {
    cell.split(',')
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(String::from)
        .collect()
}

fn rules(findings: &[Finding], severity: Severity) -> Vec<String> {
    let mut r: Vec<String> = findings
        .iter()
        .filter(|f| f.severity == severity)
        .map(|f| f.rule.clone())
        .collect();
    r.sort();
    r
}

#[test]
fn conformance_table_gate_column() {
    let opts = SpdxOptions::new(vec![], vec!["GPL-3.0-only".into()], vec![], false).expect("valid");
    for row in TABLE.lines().filter(|l| !l.trim().is_empty()) {
        let cells: Vec<&str> = row.split('|').map(str::trim).collect();
        let [id, path, text, block, warn, help] = cells[..] else {
            panic!("bad table row: {row}");
        };
        let findings = check_file(path, unescape(text).as_bytes(), &Project::default(), &opts);
        assert_eq!(
            rules(&findings, Severity::Block),
            list(block),
            "{id} {path}: {findings:#?}"
        );
        assert_eq!(
            rules(&findings, Severity::Warn),
            list(warn),
            "{id} {path}: {findings:#?}"
        );
        if let Some(first) = findings.first() {
            assert!(
                first.help.contains(help),
                "{id}: help {:?} lacks {help:?}",
                first.help
            );
            assert!(first.path.is_some(), "{id}: no path");
        }
    }
}

#[test]
fn s18_header_after_line_15_is_missing() {
    let filler = "// filler\n".repeat(30);
    let content = format!("{filler}// {CP}\n// SPDX-License-Identifier: MIT\n");
    let findings = check_file(
        "x.rs",
        content.as_bytes(),
        &Project::default(),
        &SpdxOptions::default(),
    );
    assert_eq!(rules(&findings, Severity::Block), ["missing-spdx-header"]);
    assert!(
        findings[0].help.contains("line 32 is too far down"),
        "{}",
        findings[0].help
    );
}

#[test]
fn findings_point_at_the_tag() {
    let content = "// CP\n  // SPDX-License-Identifier: GPL-2.0\n";
    let f = &check_file(
        "drv.c",
        content.as_bytes(),
        &Project::default(),
        &SpdxOptions::default(),
    )[0];
    assert_eq!((f.line, f.column), (Some(2), Some(6)));
    assert_eq!(
        f.line_text.as_deref(),
        Some("  // SPDX-License-Identifier: GPL-2.0")
    );
    assert_eq!(f.value.as_deref(), Some("GPL-2.0"));
}

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";

#[test]
fn s21_s22_binaries_need_a_sidecar_only_when_required() {
    let pickle: &[u8] = b"\x80\x04\x95\0\0SPDX-License-Identifier: MIT\0.";
    // Protocol 0 is ASCII: still a pickle, and a tag in it is still data.
    let text_pickle: &[u8] = b"(dp0\nVSPDX-License-Identifier: MIT\np1\ns.";
    let strict = SpdxOptions::new(vec![], vec![], vec![], true).expect("valid");
    for (path, content) in [
        ("logo.png", PNG),
        ("model.pkl", pickle),
        ("blob", pickle),
        ("model.pkl", text_pickle),
    ] {
        let loose = check_file(path, content, &Project::default(), &SpdxOptions::default());
        assert!(loose.is_empty(), "{path}: {loose:?}");
        let found = check_file(path, content, &Project::default(), &strict);
        assert_eq!(
            rules(&found, Severity::Block),
            ["missing-binary-license"],
            "{path}"
        );
        assert!(
            found[0].help.contains(&format!("{path}.license")),
            "{}",
            found[0].help
        );
    }
}

#[test]
fn s21b_a_sidecar_licenses_a_binary() {
    let strict = SpdxOptions::new(vec![], vec![], vec![], true).expect("valid");
    let side = format!("{CP}\nSPDX-License-Identifier: MIT\n").into_bytes();
    let project = Project::new(vec![], vec![("logo.png.license".into(), side)]).expect("valid");
    assert!(check_file("logo.png", PNG, &project, &strict).is_empty());
    let bad = Project::new(
        vec![],
        vec![(
            "logo.png.license".into(),
            b"SPDX-License-Identifier: GPL-2.0".to_vec(),
        )],
    );
    let found = check_file("logo.png", PNG, &bad.expect("valid"), &strict);
    assert_eq!(rules(&found, Severity::Warn), ["deprecated-spdx-license"]);
    assert_eq!(
        (found[0].path.as_deref(), found[0].line),
        (Some("logo.png.license"), Some(1))
    );
}

#[test]
fn s40_the_sidecar_wins_over_the_header() {
    let opts = SpdxOptions::new(
        vec!["LicenseRef-Acme-Proprietary".into()],
        vec![],
        vec![],
        false,
    )
    .expect("valid");
    let content = format!("// {CP}\n// SPDX-License-Identifier: MIT\n");
    let side = b"SPDX-License-Identifier: LicenseRef-Acme-Proprietary".to_vec();
    let project = Project::new(vec![], vec![("x.rs.license".into(), side)]).expect("valid");
    assert!(check_file("x.rs", content.as_bytes(), &project, &opts).is_empty());
    let alone = check_file("x.rs", content.as_bytes(), &Project::default(), &opts);
    assert_eq!(rules(&alone, Severity::Block), ["license-not-allowed"]);
}

#[test]
fn s23b_reuse_toml_covers_data_files() {
    let toml = "version = 1\n[[annotations]]\npath = \"data/**\"\nprecedence = \"aggregate\"\nSPDX-License-Identifier = \"MIT\"\n";
    let project = Project::new(vec![("".into(), toml.into())], vec![]).expect("valid");
    let opts = SpdxOptions::new(vec![], vec![], vec![], true).expect("valid");
    assert!(check_file("data/x.json", b"{\"a\": 1}", &project, &opts).is_empty());
    assert!(check_file("data/logo.png", PNG, &project, &opts).is_empty());
    assert_eq!(
        rules(
            &check_file("x.json", b"{}", &project, &opts),
            Severity::Block
        ),
        ["missing-spdx-header"]
    );
}

#[test]
fn reuse_toml_precedence_decides_which_license_is_judged() {
    let toml = |prec: &str, lic: &str| {
        format!(
            "version = 1\n[[annotations]]\npath = \"src/**\"\nprecedence = \"{prec}\"\nSPDX-License-Identifier = \"{lic}\"\n"
        )
    };
    let opts = SpdxOptions::new(
        vec!["MIT".into()],
        vec!["GPL-3.0-only".into()],
        vec![],
        false,
    )
    .expect("valid");
    let header = b"// SPDX-License-Identifier: MIT\n";
    let bare = b"fn main() {}\n";
    let cases: &[(&str, &str, &[u8], &[&str])] = &[
        ("closest", "GPL-3.0-only", header, &[]),
        ("closest", "MIT", bare, &[]),
        ("closest", "GPL-3.0-only", bare, &["denied-license"]),
        ("aggregate", "GPL-3.0-only", header, &["denied-license"]),
        ("override", "GPL-3.0-only", header, &["denied-license"]),
        (
            "override",
            "MIT",
            b"// SPDX-License-Identifier: GPL-3.0-only\n",
            &[],
        ),
    ];
    for (prec, lic, content, want) in cases {
        let project = Project::new(vec![("".into(), toml(prec, lic))], vec![]).expect("valid");
        let found = check_file("src/a.rs", content, &project, &opts);
        assert_eq!(rules(&found, Severity::Block), *want, "{prec} {lic}");
        if let Some(f) = found.first() {
            assert!(matches!(f.path.as_deref(), Some("src/a.rs" | "REUSE.toml")));
        }
    }
}

#[test]
fn denied_license_blocks_with_the_reason() {
    let opts = SpdxOptions::new(
        vec!["MIT".into()],
        vec!["AGPL-3.0-only".into()],
        vec![],
        false,
    )
    .expect("valid");
    let found = check_file(
        "srv.py",
        b"# SPDX-License-Identifier: AGPL-3.0-only\n",
        &Project::default(),
        &opts,
    );
    assert_eq!(rules(&found, Severity::Block), ["denied-license"]);
    assert!(
        found[0].message.contains("'AGPL-3.0-only' is denied"),
        "{}",
        found[0].message
    );
    assert!(!found[0].help.is_empty());
}

#[test]
fn license_classes_apply_per_path() {
    let docs = LicenseClass {
        name: "documentation".into(),
        paths: vec!["docs/**".into()],
        allow: vec!["CC-BY-4.0".into()],
    };
    let opts =
        SpdxOptions::new(vec!["Apache-2.0".into()], vec![], vec![docs], false).expect("valid");
    let md = b"<!-- SPDX-License-Identifier: CC-BY-4.0 -->\n# Guide\n";
    assert!(check_file("docs/guide.md", md, &Project::default(), &opts).is_empty());
    let found = check_file("README.md", md, &Project::default(), &opts);
    assert_eq!(rules(&found, Severity::Block), ["license-not-allowed"]);
    assert!(found[0].help.contains("Apache-2.0"), "{}", found[0].help);
}

#[test]
fn exempt_paths() {
    let cases = [
        ("LICENSE", true),
        ("LICENSE.md", true),
        ("COPYING-GPL", true),
        ("sub/LICENCE", true),
        ("LICENSES/MIT.txt", true),
        ("REUSE.toml", true),
        ("logo.png.license", true),
        (".reuse/dep5", true),
        ("bom.spdx.json", true),
        ("LICENSEE.rs", false),
        ("src/license.rs", false),
        ("src/main.rs", false),
    ];
    for (path, want) in cases {
        assert_eq!(is_exempt(path), want, "{path}");
    }
}

#[test]
fn odd_inputs_never_panic() {
    let inputs: &[&[u8]] = &[
        b"\xEF\xBB\xBF",
        b"\r",
        b"\n\n\n",
        b"<?xml",
        b"<?xml version='1.0'\n",
        b"#!",
        b"#!/bin/sh",
        b"// SPDX-License-Identifier:",
        b"// SPDX-License-Identifier: \xff\xfe (",
        b"/* SPDX-License-Identifier: MIT",
        b"<!-- SPDX-License-Identifier: ((((((((",
        b"// SPDX-License-Identifier: \xc3\xa9 OR +++ WITH )",
        b"// SPDX-License-Identifier: DocumentRef-:LicenseRef-",
        b"// SPDX-License-Identifier: LicenseRef-a:b:c",
        b"\xff\xfe\xfd",
    ];
    let strict = SpdxOptions::new(vec!["MIT".into()], vec![], vec![], true).expect("valid");
    for path in [
        "x.rs",
        "x.c",
        "a.xml",
        "Dockerfile",
        "x.php",
        "notes.txt",
        "x.json",
        "x.png",
    ] {
        for input in inputs {
            let findings = check_file(path, input, &Project::default(), &strict);
            assert!(
                findings.iter().all(|f| f.path.is_some()),
                "{path} {input:?}"
            );
            let _ = fix(
                path,
                input,
                &Project::default(),
                "MIT",
                Some("2024 Acme Corp"),
            );
            let _ = update_deprecated(path, input);
        }
    }
}

#[test]
fn licenses_come_from_header_sidecar_and_reuse_toml() {
    let toml =
        "version = 1\n[[annotations]]\npath = \"gen/**\"\nSPDX-License-Identifier = \"MIT\"\n";
    let sidecar = b"SPDX-License-Identifier: CC-BY-4.0\n".to_vec();
    let project = Project::new(
        vec![(String::new(), toml.to_string())],
        vec![("img.png.license".to_string(), sidecar)],
    )
    .unwrap();
    let cases: [(&str, &[u8], &[&str]); 5] = [
        (
            "a.rs",
            b"// SPDX-License-Identifier: Apache-2.0\nfn a() {}\n",
            &["Apache-2.0"],
        ),
        ("gen/t.rs", b"fn t() {}\n", &["MIT"]),
        ("img.png", b"\x89PNG\r\n\x1a\n\0\0", &["CC-BY-4.0"]),
        ("b.rs", b"fn b() {}\n", &[]),
        ("LICENSE", b"SPDX-License-Identifier: MIT\n", &[]),
    ];
    for (path, content, want) in cases {
        assert_eq!(licenses(path, content, &project), want, "{path}");
    }
}

#[test]
fn m68k_bar_comments_hold_a_header() {
    let found = check_file(
        "head.S",
        b"| SPDX-License-Identifier: GPL-2.0-only\n.text\n",
        &Project::default(),
        &SpdxOptions::default(),
    );
    assert!(found.is_empty(), "{found:?}");
}

#[test]
fn deprecated_ids_block_when_policy_says_so() {
    let mut opts = SpdxOptions::default();
    let text = b"// SPDX-License-Identifier: GPL-2.0\n";
    let found = check_file("drv.c", text, &Project::default(), &opts);
    assert_eq!(rules(&found, Severity::Warn), ["deprecated-spdx-license"]);
    assert!(
        found[0].message.contains("replacement is 'GPL-2.0-only'"),
        "{}",
        found[0].message
    );
    opts.deprecated_blocks = true;
    let found = check_file("drv.c", text, &Project::default(), &opts);
    assert_eq!(rules(&found, Severity::Block), ["deprecated-spdx-license"]);
    // The policy judges the replacement: denying GPL-2.0-only denies GPL-2.0.
    let opts = SpdxOptions::new(vec![], vec!["GPL-2.0-only".into()], vec![], false).expect("ok");
    let found = check_file("drv.c", text, &Project::default(), &opts);
    assert_eq!(rules(&found, Severity::Block), ["denied-license"]);
}

#[test]
fn license_refs_need_their_text_in_licenses() {
    let text = b"// SPDX-License-Identifier: MIT OR LicenseRef-Acme-Proprietary\n";
    let opts = SpdxOptions::default();
    let without = Project::default().with_license_texts(["MIT.txt".to_string()]);
    let found = check_file("x.rs", text, &without, &opts);
    assert_eq!(rules(&found, Severity::Block), ["missing-license-text"]);
    assert!(
        found[0]
            .help
            .contains("LICENSES/LicenseRef-Acme-Proprietary.txt"),
        "{}",
        found[0].help
    );
    assert_eq!(found[0].line, Some(1));
    let with = Project::default().with_license_texts([
        "MIT.txt".to_string(),
        "LicenseRef-Acme-Proprietary.txt".to_string(),
    ]);
    assert!(check_file("x.rs", text, &with, &opts).is_empty());
    // An id of another document is that document's business.
    let other = b"// SPDX-License-Identifier: DocumentRef-x:LicenseRef-y\n";
    assert!(check_file("x.rs", other, &without, &opts).is_empty());
}

#[test]
fn bad_annotation_ids_are_one_finding_naming_the_files() {
    let toml = "version = 1\n\n[[annotations]]\npath = \"data/**\"\nSPDX-License-Identifier = \"GPL-2.0 OR Foo-1.0\"\n";
    let project = Project::new(vec![(String::new(), toml.into())], vec![]).expect("valid");
    let opts = SpdxOptions::default();
    let mut found = Vec::new();
    for (i, path) in ["data/a.json", "data/b.json", "data/c.csv"]
        .iter()
        .enumerate()
    {
        for f in check_file(path, b"1,2\n", &project, &opts) {
            found.push((i, f));
        }
    }
    assert_eq!(found.len(), 3);
    let merged = merge_annotation_findings(found);
    assert_eq!(merged.len(), 1, "{merged:#?}");
    let f = &merged[0].1;
    assert_eq!(
        (f.path.as_deref(), f.line, f.rule.as_str()),
        (Some("REUSE.toml"), Some(5), "unknown-spdx-license")
    );
    assert!(
        f.message
            .ends_with("the annotation covers 3 files: 'data/a.json', 'data/b.json', 'data/c.csv'"),
        "{}",
        f.message
    );
    // Findings of files' own headers are not merged.
    let own = check_file(
        "x.rs",
        b"// SPDX-License-Identifier: Foo-1.0\n",
        &project,
        &opts,
    );
    let twice = vec![(0, own[0].clone()), (1, own[0].clone())];
    assert_eq!(merge_annotation_findings(twice).len(), 2);
}
