//! The `spdx` check end to end: headers through installed hooks and real commits, `fix spdx`,
//! and the check against REUSE: context from the project root whatever is scanned, files of
//! no known comment style, license texts, REUSE.toml findings, deprecated ids, and `fix spdx`
//! never changing the license of a file that had one (checked with `reuse lint` when it is
//! installed).

use std::collections::BTreeMap;
use std::process::Command;

use crate::common::{BIN, TestRepo, commit, has_head, hooked, path_of, rules_of, stderr, text};

const POLICY: &str = "[spdx]\nrequire = true\ndefault_license = \"MIT\"\n";
const CP: &str = "SPDX-FileCopyrightText: 2026 Jane Doe <jane@example.com>";

/// A REUSE project: license texts, a REUSE.toml covering `data/**`, a sidecar, and a
/// licensed source file.
fn reuse_project() -> TestRepo {
    let t = TestRepo::new();
    t.write(".outbound.toml", POLICY);
    t.write("LICENSES/MIT.txt", "MIT License\n");
    t.write("LICENSES/CC0-1.0.txt", "CC0 1.0 Universal\n");
    t.write(
        "REUSE.toml",
        "version = 1\n\n[[annotations]]\npath = [\"data/**\", \".outbound.toml\"]\nSPDX-FileCopyrightText = \"2026 Jane Doe\"\nSPDX-License-Identifier = \"CC0-1.0\"\n",
    );
    t.write("data/table.json", "{\"a\": 1}\n");
    t.write("data/more/rows.csv", "a,b\n1,2\n");
    t.write(
        "assets/logo.png.license",
        format!("{CP}\nSPDX-License-Identifier: MIT\n"),
    );
    t.write("assets/logo.png", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR");
    t.write(
        "src/lib.rs",
        format!("// {CP}\n// SPDX-License-Identifier: MIT\npub fn f() {{}}\n"),
    );
    t.git(&["add", "-A"]);
    t
}

fn scan_json(t: &TestRepo, dir: &str, args: &[&str]) -> (i32, serde_json::Value) {
    let out = t
        .command(BIN)
        .current_dir(t.path().join(dir))
        .args(["scan", "--checks", "spdx", "--format", "json"])
        .args(args)
        .output()
        .expect("run git-outbound");
    let v = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}", text(&out)));
    (out.status.code().unwrap_or(-1), v)
}

#[test]
fn a_narrower_scan_keeps_the_reuse_context_of_the_project_root() {
    let t = reuse_project();
    let cases: &[(&str, &[&str])] = &[
        (".", &[]),
        (".", &["data"]),
        (".", &["data/table.json"]),
        (".", &["data/more"]),
        ("data", &["."]),
        ("data", &["table.json"]),
        ("data/more", &[]),
        ("assets", &["logo.png"]),
        (".", &["assets"]),
    ];
    for (dir, args) in cases {
        let (code, v) = scan_json(&t, dir, args);
        assert_eq!(code, 0, "scan {args:?} in {dir}: {v}");
        assert!(rules_of(&v).is_empty(), "scan {args:?} in {dir}: {v}");
    }
}

#[test]
fn findings_of_a_narrower_scan_name_the_reuse_toml_above_it() {
    let t = reuse_project();
    t.write(
        "REUSE.toml",
        "version = 1\n\n[[annotations]]\npath = \"data/**\"\nSPDX-License-Identifier = \"Foo-1.0\"\n",
    );
    let (code, v) = scan_json(&t, "data", &["."]);
    assert_eq!(code, 1, "{v}");
    let f = &v["findings"][0];
    assert_eq!(f["rule"], "unknown-spdx-license", "{v}");
    assert_eq!(f["path"], "../REUSE.toml", "{v}");
    assert_eq!(f["line"], 5, "{v}");
}

#[test]
fn files_of_no_known_comment_style_need_license_information() {
    let t = reuse_project();
    t.write(".envrc", "export A=1\n");
    t.write("notes.txt", "just notes\n");
    t.write("README", "SPDX-License-Identifier: MIT\n\nA project.\n");
    t.write("notes.doc", "plain text that happens to be named .doc\n");
    let (code, v) = scan_json(&t, ".", &[]);
    assert_eq!(code, 1, "{v}");
    let mut missing: Vec<(String, String)> = v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap_or("").to_string(),
                f["rule"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    missing.sort();
    let want = [".envrc", "notes.doc", "notes.txt"]
        .map(|p| (p.to_string(), "missing-spdx-header".to_string()));
    assert_eq!(missing, want, "{v}");
    let text_help = v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["path"] == "notes.txt")
        .map(|f| f["message"].to_string())
        .unwrap_or_default();
    assert!(text_help.contains("notes.txt.license"), "{text_help}");
}

#[test]
fn a_license_ref_needs_its_text_in_licenses() {
    let t = reuse_project();
    t.write(
        "src/secret.rs",
        format!("// {CP}\n// SPDX-License-Identifier: LicenseRef-Acme-Proprietary\n"),
    );
    let (code, v) = scan_json(&t, ".", &[]);
    assert_eq!(code, 1, "{v}");
    assert_eq!(rules_of(&v), ["spdx/missing-license-text"], "{v}");
    t.write("LICENSES/LicenseRef-Acme-Proprietary.txt", "Acme terms\n");
    // Scanning only src/ still sees LICENSES/ at the project root.
    let (code, v) = scan_json(&t, ".", &["src"]);
    assert_eq!(code, 0, "{v}");
}

#[test]
fn a_bad_annotation_is_one_finding_with_its_line_and_files() {
    let t = reuse_project();
    t.write(
        "REUSE.toml",
        "version = 1\n\n[[annotations]]\npath = \"data/**\"\nSPDX-License-Identifier = \"Foo-1.0\"\n\n[[annotations]]\npath = \".outbound.toml\"\nSPDX-License-Identifier = \"CC0-1.0\"\n",
    );
    let (code, v) = scan_json(&t, ".", &[]);
    assert_eq!(code, 1, "{v}");
    assert_eq!(rules_of(&v), ["spdx/unknown-spdx-license"], "{v}");
    let f = &v["findings"][0];
    assert_eq!((&f["path"], &f["line"]), (&"REUSE.toml".into(), &5.into()));
    let message = f["message"].as_str().unwrap_or("");
    assert!(
        message.ends_with("covers 2 files: 'data/more/rows.csv', 'data/table.json'"),
        "{message}"
    );
}

#[test]
fn deprecated_ids_warn_by_default_and_block_when_policy_says_so() {
    let t = reuse_project();
    t.write("src/drv.c", "// SPDX-License-Identifier: GPL-2.0\nint x;\n");
    let (code, v) = scan_json(&t, ".", &[]);
    assert_eq!(code, 0, "{v}");
    let f = &v["findings"][0];
    assert_eq!(
        (&f["rule"], &f["severity"]),
        (&"deprecated-spdx-license".into(), &"warn".into())
    );
    assert!(f["message"].to_string().contains("GPL-2.0-only"), "{v}");
    t.write(
        ".outbound.toml",
        format!("{POLICY}deprecated = \"block\"\n"),
    );
    let (code, v) = scan_json(&t, ".", &[]);
    assert_eq!(code, 1, "{v}");
    t.write(
        ".outbound.toml",
        format!("{POLICY}deprecated = \"sometimes\"\n"),
    );
    let out = t.outbound(&["scan", "."]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
}

#[test]
fn fix_update_deprecated_rewrites_ids_and_nothing_else() {
    let t = reuse_project();
    t.write(
        "src/drv.c",
        "// SPDX-License-Identifier: GPL-2.0+\nint x;\n",
    );
    t.write(
        "assets/font.ttf.license",
        "SPDX-License-Identifier: LGPL-2.1\n",
    );
    t.write("src/plain.rs", "fn p() {}\n");
    let out = t.outbound(&["fix", "spdx", "--update-deprecated"]);
    assert!(out.status.success(), "{}", text(&out));
    let read = |p: &str| std::fs::read_to_string(t.path().join(p)).expect("read");
    assert_eq!(
        read("src/drv.c"),
        "// SPDX-License-Identifier: GPL-2.0-or-later\nint x;\n"
    );
    assert_eq!(
        read("assets/font.ttf.license"),
        "SPDX-License-Identifier: LGPL-2.1-only\n"
    );
    assert_eq!(read("src/plain.rs"), "fn p() {}\n");
    assert!(
        String::from_utf8_lossy(&out.stdout).ends_with("2 file(s) changed\n"),
        "{}",
        text(&out)
    );
}

#[test]
fn fix_skips_every_file_whose_license_is_already_known() {
    let t = reuse_project();
    // Covered by REUSE.toml, no header of its own.
    t.write("data/gen.rs", "pub const T: u8 = 1;\n");
    // GPL in a comment style the check does not read (`@` is ARM's line comment; `.inc` has no
    // known style).
    t.write(
        "src/entry.inc",
        "@ SPDX-License-Identifier: GPL-2.0-only\n.text\n",
    );
    // Below the window, where the check does not look but REUSE does.
    let far = format!(
        "{}// SPDX-License-Identifier: GPL-2.0-only\n",
        "//\n".repeat(30)
    );
    t.write("src/far.rs", &far);
    t.write("src/new.rs", "pub fn n() {}\n");
    let out = t.outbound(&["fix", "spdx", "--sidecar"]);
    assert!(out.status.success(), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    for line in [
        "data/gen.rs: skipped, already licensed by REUSE.toml annotation (CC0-1.0)",
        "data/table.json: skipped, already licensed by REUSE.toml annotation (CC0-1.0)",
        "src/entry.inc: skipped, already licensed by SPDX-License-Identifier on line 1",
        "src/far.rs: skipped, already licensed by SPDX-License-Identifier on line 31",
        "assets/logo.png: skipped, already licensed by assets/logo.png.license",
        "src/new.rs: added SPDX-License-Identifier: MIT",
    ] {
        assert!(stdout.contains(line), "{line}\n{stdout}");
    }
    assert!(!t.path().join("data/table.json.license").exists());
    assert!(!t.path().join("src/entry.inc.license").exists());
    let read = |p: &str| std::fs::read_to_string(t.path().join(p)).expect("read");
    assert_eq!(read("data/gen.rs"), "pub const T: u8 = 1;\n");
    assert_eq!(read("src/far.rs"), far);
}

/// `reuse lint --json`: each file's license expressions, as REUSE reads them.
pub(crate) fn reuse_licenses(t: &TestRepo) -> Option<BTreeMap<String, Vec<String>>> {
    // The `reuse` script, else the module (a fresh pip install may not be on PATH yet).
    let run = |program: &str, pre: &[&str]| {
        Command::new(program)
            .current_dir(t.path())
            .args(pre)
            .args(["lint", "--json"])
            .output()
            .ok()
            .and_then(|out| serde_json::from_slice::<serde_json::Value>(&out.stdout).ok())
    };
    let v = run("reuse", &[]).or_else(|| run("python3", &["-m", "reuse"]))?;
    let mut map = BTreeMap::new();
    for f in v["files"].as_array()? {
        let mut exprs: Vec<String> = f["spdx_expressions"]
            .as_array()?
            .iter()
            .filter_map(|e| e["value"].as_str().map(String::from))
            .collect();
        exprs.sort();
        map.insert(f["path"].as_str()?.to_string(), exprs);
    }
    Some(map)
}

#[test]
fn fix_never_changes_a_license_that_reuse_reads() {
    let t = reuse_project();
    t.write("data/gen.rs", "pub const T: u8 = 1;\n");
    t.write(
        "src/entry.inc",
        "@ SPDX-License-Identifier: GPL-2.0-only\n.text\n",
    );
    t.write(
        "src/far.rs",
        format!(
            "{}// SPDX-License-Identifier: GPL-2.0-only\n",
            "//\n".repeat(30)
        ),
    );
    t.write(
        "src/mixed.py",
        "#!/usr/bin/env python3\n# SPDX-License-Identifier: Apache-2.0\nprint(1)\n",
    );
    t.write("src/new.rs", "pub fn n() {}\n");
    t.write("notes.txt", "notes\n");
    t.write("img/photo.jpg", b"\xff\xd8\xff\xe0\0\x10JFIF\0");
    t.git(&["add", "-A"]);
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
    for (path, licenses) in &before {
        if !licenses.is_empty() {
            assert_eq!(
                after.get(path),
                Some(licenses),
                "{path}: the fix changed its license"
            );
        }
    }
    // The files that had none now have the default, by header or sidecar.
    for path in ["src/new.rs", "notes.txt", "img/photo.jpg"] {
        assert_eq!(before.get(path), Some(&Vec::new()), "{path}");
        assert_eq!(after.get(path), Some(&vec!["MIT".to_string()]), "{path}");
    }
}

// SPDX headers through installed hooks and real commits, and `fix spdx`.

const SPDX: &str = "[spdx]\nrequire = true\ndefault_license = \"Apache-2.0\"\n";

#[test]
fn spdx_commit_of_a_new_file_without_header_is_refused() {
    let t = hooked(SPDX);
    let out = commit(&t, "src/lib.rs", "pub fn f() {}\n", &["-m", "add lib"]);
    assert!(!out.status.success(), "{}", text(&out));
    let err = stderr(&out);
    assert!(err.contains("spdx/missing-spdx-header"), "{err}");
    assert!(err.contains("src/lib.rs"), "{err}");
    assert!(err.contains("pre-commit: commit refused"), "{err}");
    assert!(!has_head(&t));
}

#[test]
fn spdx_fix_inserts_the_default_license_and_the_commit_then_passes() {
    let t = hooked(SPDX);
    let refused = commit(&t, "src/lib.rs", "pub fn f() {}\n", &["-m", "add lib"]);
    assert!(!refused.status.success());
    let fix = t.outbound(&["fix", "spdx", "src/lib.rs"]);
    assert!(fix.status.success(), "{}", text(&fix));
    assert!(
        String::from_utf8_lossy(&fix.stdout)
            .contains("src/lib.rs: added SPDX-License-Identifier: Apache-2.0"),
        "{}",
        text(&fix)
    );
    let content = std::fs::read_to_string(t.path().join("src/lib.rs")).expect("read");
    assert!(
        content.starts_with("// SPDX-License-Identifier: Apache-2.0\n"),
        "{content}"
    );
    assert!(content.ends_with("pub fn f() {}\n"), "{content}");
    t.git(&["add", "src/lib.rs"]);
    let out = t.git_any(&["commit", "-q", "-m", "add lib"]);
    assert!(out.status.success(), "{}", text(&out));
}

#[test]
fn spdx_denied_license_is_refused_with_the_reason() {
    let t = hooked("[spdx]\nrequire = true\ndeny = [\"GPL-3.0-only\"]\n");
    let out = commit(
        &t,
        "src/gpl.rs",
        "// SPDX-License-Identifier: GPL-3.0-only\npub fn g() {}\n",
        &["-m", "gpl"],
    );
    assert!(!out.status.success(), "{}", text(&out));
    let err = stderr(&out);
    assert!(err.contains("spdx/denied-license"), "{err}");
    assert!(
        err.contains("license 'GPL-3.0-only' is denied by policy (spdx.deny)"),
        "{err}"
    );
    assert!(err.contains("src/gpl.rs"), "{err}");
}

#[test]
fn spdx_allowed_license_passes() {
    let t = hooked(
        "[spdx]\nrequire = true\nallow = [\"MIT\", \"Apache-2.0\"]\ndeny = [\"GPL-3.0-only\"]\n",
    );
    let out = commit(
        &t,
        "src/ok.rs",
        "// SPDX-License-Identifier: MIT OR Apache-2.0\npub fn g() {}\n",
        &["-m", "ok"],
    );
    assert!(out.status.success(), "{}", text(&out));
}

#[test]
fn spdx_fix_puts_the_header_after_a_python_shebang() {
    let t = hooked(SPDX);
    t.write("tools/run.py", "#!/usr/bin/env python3\nprint('hi')\n");
    let fix = t.outbound(&["fix", "spdx", "tools/run.py"]);
    assert!(fix.status.success(), "{}", text(&fix));
    let content = std::fs::read_to_string(t.path().join("tools/run.py")).expect("read");
    let got: Vec<&str> = content.lines().collect();
    assert_eq!(got[0], "#!/usr/bin/env python3", "{content}");
    assert_eq!(got[1], "# SPDX-License-Identifier: Apache-2.0", "{content}");
    assert!(content.ends_with("print('hi')\n"), "{content}");
    let out = commit(&t, "tools/run.py", content, &["-m", "script"]);
    assert!(out.status.success(), "{}", text(&out));
}

#[test]
fn spdx_fix_twice_changes_nothing() {
    let t = hooked(SPDX);
    t.write("src/lib.rs", "pub fn f() {}\n");
    t.write("tools/run.py", "#!/usr/bin/env python3\nprint('hi')\n");
    let first = t.outbound(&["fix", "spdx", "src", "tools"]);
    assert!(first.status.success(), "{}", text(&first));
    assert!(
        String::from_utf8_lossy(&first.stdout).contains("2 file(s) changed"),
        "{}",
        text(&first)
    );
    let before = (
        std::fs::read(t.path().join("src/lib.rs")).expect("read"),
        std::fs::read(t.path().join("tools/run.py")).expect("read"),
    );
    let second = t.outbound(&["fix", "spdx", "src", "tools"]);
    assert!(second.status.success(), "{}", text(&second));
    assert_eq!(
        String::from_utf8_lossy(&second.stdout),
        "0 file(s) changed\n"
    );
    let after = (
        std::fs::read(t.path().join("src/lib.rs")).expect("read"),
        std::fs::read(t.path().join("tools/run.py")).expect("read"),
    );
    assert_eq!(before, after);
}

#[test]
fn spdx_fix_without_a_license_to_insert_names_the_key_to_set() {
    let t = hooked("[spdx]\nrequire = true\n");
    t.write("src/lib.rs", "pub fn f() {}\n");
    let out = t.outbound(&["fix", "spdx", "src/lib.rs"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        stderr(&out).contains("spdx.default_license"),
        "{}",
        text(&out)
    );
    assert_eq!(
        std::fs::read_to_string(t.path().join("src/lib.rs")).expect("read"),
        "pub fn f() {}\n"
    );
}

#[test]
fn spdx_reuse_toml_annotation_covers_a_file() {
    let t = hooked(SPDX);
    t.write(
        "REUSE.toml",
        "version = 1\n\n[[annotations]]\npath = \"generated/**\"\nSPDX-FileCopyrightText = \"2026 Jane Doe\"\nSPDX-License-Identifier = \"MIT\"\n",
    );
    t.write("generated/table.rs", "pub const T: [u8; 2] = [1, 2];\n");
    t.git(&["add", "REUSE.toml", "generated/table.rs"]);
    let out = t.git_any(&["commit", "-q", "-m", "generated table"]);
    assert!(out.status.success(), "{}", text(&out));
    // Outside the annotation, a header is still needed.
    let out = commit(&t, "src/lib.rs", "pub fn f() {}\n", &["-m", "lib"]);
    assert!(!out.status.success(), "{}", text(&out));
    assert!(
        stderr(&out).contains("spdx/missing-spdx-header"),
        "{}",
        text(&out)
    );
}

#[test]
fn spdx_license_sidecar_covers_a_file() {
    let t = hooked(SPDX);
    t.write(
        "src/blob.rs.license",
        "SPDX-FileCopyrightText: 2026 Jane Doe\nSPDX-License-Identifier: MIT\n",
    );
    t.write("src/blob.rs", "pub fn b() {}\n");
    t.git(&["add", "src/blob.rs", "src/blob.rs.license"]);
    let out = t.git_any(&["commit", "-q", "-m", "blob"]);
    assert!(out.status.success(), "{}", text(&out));
}

#[test]
fn spdx_pre_commit_checks_only_the_files_the_commit_adds_or_modifies() {
    let t = hooked(SPDX);
    t.commit_file(
        "src/old.rs",
        "pub fn old() {}\n",
        "old file, before the policy",
    );
    let out = commit(
        &t,
        "src/new.rs",
        "// SPDX-License-Identifier: Apache-2.0\npub fn new() {}\n",
        &["-m", "new file"],
    );
    assert!(
        out.status.success(),
        "an untouched old file blocked the commit:\n{}",
        text(&out)
    );
    // Modifying the old file makes it outbound again.
    let out = commit(
        &t,
        "src/old.rs",
        "pub fn old() {}\npub fn older() {}\n",
        &["-m", "touch old"],
    );
    assert!(!out.status.success(), "{}", text(&out));
    let err = stderr(&out);
    assert!(
        err.contains("spdx/missing-spdx-header") && err.contains("src/old.rs"),
        "{err}"
    );
    assert!(!err.contains("src/new.rs"), "{err}");
}

#[test]
fn spdx_pre_commit_checks_the_staged_content_not_the_worktree() {
    let t = hooked(SPDX);
    t.write("src/lib.rs", "pub fn f() {}\n");
    t.git(&["add", "src/lib.rs"]);
    // Fixed on disk but not staged: the commit would still carry no header.
    assert!(t.outbound(&["fix", "spdx", "src/lib.rs"]).status.success());
    let out = t.git_any(&["commit", "-q", "-m", "lib"]);
    assert!(!out.status.success(), "{}", text(&out));
    assert!(
        stderr(&out).contains("spdx/missing-spdx-header"),
        "{}",
        text(&out)
    );
}

#[test]
fn spdx_missing_header_is_refused_at_pre_push_for_a_commit_that_skipped_pre_commit() {
    let t = hooked(SPDX);
    t.commit_file("src/lib.rs", "pub fn f() {}\n", "made with --no-verify");
    let remote = TestRepo::bare();
    t.git(&["remote", "add", "origin", &path_of(remote.path())]);
    let out = t.git_any(&["push", "-q", "origin", "main"]);
    assert!(!out.status.success(), "{}", text(&out));
    let err = stderr(&out);
    assert!(
        err.contains("spdx/missing-spdx-header") && err.contains("src/lib.rs"),
        "{err}"
    );
}
