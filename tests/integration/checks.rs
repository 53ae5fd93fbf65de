//! The commit checks end to end (issues 4, 5 and 6): `dco`, `spdx`, `approval` and `artifact`
//! through installed hooks and real `git commit` / `git push` to bare repositories, plus the
//! commands that remedy them (`fix spdx`, `request`, `approve`) and `scan --range` as CI runs it.

use std::path::Path;

use crate::common::{self, TestRepo, bare_in, card_number, rules_of, ssh_key, stderr, text};

/// A repository with the hooks installed and `policy` as its `.outbound.toml` (left untracked,
/// so that commits only hold what each test adds).
fn hooked(policy: &str) -> TestRepo {
    let t = TestRepo::new();
    let out = t.outbound(&["install"]);
    assert!(out.status.success(), "install failed:\n{}", text(&out));
    t.write(".outbound.toml", policy);
    t
}

/// Stages `rel` with `content` and runs a real `git commit` with `args`.
fn commit(
    t: &TestRepo,
    rel: &str,
    content: impl AsRef<[u8]>,
    args: &[&str],
) -> std::process::Output {
    t.write(rel, content);
    t.git(&["add", "--", rel]);
    let mut all = vec!["commit", "-q"];
    all.extend(args);
    t.git_any(&all)
}

/// Commits one file, signed off, without running hooks; returns the commit id.
fn commit_signed(t: &TestRepo, rel: &str, content: &str, message: &str) -> String {
    t.write(rel, content);
    t.git(&["add", "--", rel]);
    t.git(&["commit", "-q", "--no-verify", "-s", "-m", message]);
    t.head()
}

fn has_head(t: &TestRepo) -> bool {
    t.git_any(&["rev-parse", "--verify", "-q", "HEAD"])
        .status
        .success()
}

fn path_of(p: &Path) -> String {
    p.display().to_string()
}

fn short(id: &str) -> &str {
    &id[..7]
}

/// `n` lines of text.
fn lines(n: usize) -> String {
    (1..=n).map(|i| format!("line {i}\n")).collect()
}

// ---------------------------------------------------------------------------------------------
// dco (issue 4)

#[test]
fn dco_always_refuses_unsigned_commit_at_commit_msg_with_the_remedy() {
    let t = hooked("[dco]\nrequire = \"always\"\n");
    let out = commit(&t, "a.txt", "a\n", &["-m", "x"]);
    assert!(
        !out.status.success(),
        "an unsigned commit went through:\n{}",
        text(&out)
    );
    let err = stderr(&out);
    assert!(err.contains("dco/missing-signoff"), "{err}");
    assert!(err.contains("commit-msg: commit refused"), "{err}");
    assert!(
        err.contains("expected \"Jane Doe <jane@example.com>\""),
        "{err}"
    );
    assert!(
        err.contains("git commit -s"),
        "the remedy should say to commit again with -s:\n{err}"
    );
    assert!(!has_head(&t), "the refused commit was made");
}

#[test]
fn dco_always_passes_a_signed_off_commit() {
    let t = hooked("[dco]\nrequire = \"always\"\n");
    let out = commit(&t, "a.txt", "a\n", &["-s", "-m", "x"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(!stderr(&out).contains("dco/"), "{}", text(&out));
    let message =
        String::from_utf8_lossy(&t.git(&["log", "-1", "--format=%B"]).stdout).into_owned();
    assert!(
        message.contains("Signed-off-by: Jane Doe <jane@example.com>"),
        "{message}"
    );
}

#[test]
fn dco_signoff_by_committer_for_another_author_passes_with_a_warning() {
    let t = hooked("[dco]\nrequire = \"always\"\n");
    let out = commit(
        &t,
        "a.txt",
        "a\n",
        &["-s", "--author=Other <o@example.com>", "-m", "x"],
    );
    assert!(out.status.success(), "{}", text(&out));
    let err = stderr(&out);
    assert!(err.contains("warning[dco/signoff-by-committer]"), "{err}");
    assert!(
        err.contains("not by the author \"Other <o@example.com>\""),
        "{err}"
    );
    assert!(has_head(&t));
}

#[test]
fn dco_always_refuses_a_signoff_by_someone_else() {
    let t = hooked("[dco]\nrequire = \"always\"\n");
    let out = commit(
        &t,
        "a.txt",
        "a\n",
        &["-m", "x\n\nSigned-off-by: Someone Else <else@example.com>"],
    );
    assert!(!out.status.success(), "{}", text(&out));
    assert!(
        stderr(&out).contains("dco/signoff-mismatch"),
        "{}",
        text(&out)
    );
}

/// A repository with two unsigned commits, an internal remote (a bare repository at a path
/// that `internal` names) and an external one; `[dco] require = "external"`. `remotes.*` is
/// read from the org policy only, so the policy is the org's (`git config outbound.policy`).
fn dco_external(internal_pattern: impl Fn(&Path) -> String) -> (TestRepo, TestRepo, Vec<String>) {
    let t = TestRepo::new();
    let internal = bare_in(&t, "internal.git");
    let external = TestRepo::bare();
    assert!(t.outbound(&["install"]).status.success());
    write_home(
        &t,
        "policy.toml",
        format!(
            "[dco]\nrequire = \"external\"\n\n[remotes]\ninternal = [\"{}\"]\n",
            internal_pattern(&internal)
        ),
    );
    t.git(&[
        "config",
        "outbound.policy",
        &path_of(&t.home.path().join("policy.toml")),
    ]);
    let mut ids = Vec::new();
    for (file, message) in [("a.txt", "first"), ("b.txt", "second")] {
        // commit-msg lets unsigned commits through: sign-offs are required on the way out.
        let out = commit(&t, file, format!("{file}\n"), &["-m", message]);
        assert!(out.status.success(), "{}", text(&out));
        ids.push(t.head());
    }
    t.git(&["remote", "add", "internal", &path_of(&internal)]);
    t.git(&["remote", "add", "upstream", &path_of(external.path())]);
    (t, external, ids)
}

#[test]
fn dco_external_lets_unsigned_commits_go_to_an_internal_remote() {
    let (t, _external, _) = dco_external(|_| "**/internal.git".to_string());
    let out = t.git_any(&["push", "-q", "internal", "main"]);
    assert!(
        out.status.success(),
        "push to the internal remote refused:\n{}",
        text(&out)
    );
}

#[test]
fn dco_external_matches_an_internal_remote_by_its_exact_path() {
    let (t, _external, _) = dco_external(path_of);
    let out = t.git_any(&["push", "-q", "internal", "main"]);
    assert!(
        out.status.success(),
        "push to the internal remote refused:\n{}",
        text(&out)
    );
}

#[test]
fn dco_external_refuses_unsigned_commits_to_an_external_remote_naming_each() {
    let (t, external, ids) = dco_external(|_| "**/internal.git".to_string());
    let out = t.git_any(&["push", "-q", "upstream", "main"]);
    assert!(
        !out.status.success(),
        "unsigned commits reached the external remote:\n{}",
        text(&out)
    );
    let err = stderr(&out);
    assert!(err.contains("pre-push: push refused"), "{err}");
    for id in &ids {
        assert!(
            err.contains(&format!("commit {}: the sign-off is missing", short(id))),
            "{} not named:\n{err}",
            short(id)
        );
    }
    assert!(
        !external
            .git_any(&["rev-parse", "--verify", "-q", "refs/heads/main"])
            .status
            .success(),
        "the external remote got the branch"
    );
}

#[test]
fn dco_external_passes_signed_commits_to_an_external_remote() {
    let t = hooked("[dco]\nrequire = \"external\"\n");
    let external = TestRepo::bare();
    commit_signed(&t, "a.txt", "a\n", "first");
    t.git(&["remote", "add", "upstream", &path_of(external.path())]);
    let out = t.git_any(&["push", "-q", "upstream", "main"]);
    assert!(out.status.success(), "{}", text(&out));
}

#[test]
fn dco_alone_reads_no_file() {
    let t = TestRepo::new();
    t.write(".outbound.toml", "[dco]\nrequire = \"always\"\n");
    let base = commit_signed(&t, "a.txt", "a\n", "base");
    let token = common::github_token();
    let unsigned = t.commit_file("settings.py", format!("TOKEN = \"{token}\"\n"), "unsigned");
    let range = format!("{base}..HEAD");
    let (code, v) = t.json(&["scan", "--range", &range, "--checks", "dco"]);
    assert_eq!(code, 1, "{v}");
    let findings = v["findings"].as_array().expect("findings");
    assert!(
        findings
            .iter()
            .all(|f| f["check"] == "dco" && f["commit"] == unsigned.as_str()),
        "{v}"
    );
    assert!(!findings.is_empty(), "{v}");
    assert_eq!(v["summary"]["bytes"], 0, "a file was read: {v}");
}

#[test]
fn dco_scan_range_reports_unsigned_commits_in_ci() {
    let t = TestRepo::new();
    t.write(".outbound.toml", "[dco]\nrequire = \"external\"\n");
    let base = commit_signed(&t, "a.txt", "a\n", "base");
    let signed = commit_signed(&t, "b.txt", "b\n", "signed");
    let unsigned1 = t.commit_file("c.txt", "c\n", "unsigned one");
    let unsigned2 = t.commit_file("d.txt", "d\n", "unsigned two");
    let range = format!("{base}..HEAD");
    let (code, v) = t.json(&["scan", "--range", &range]);
    assert_eq!(code, 1, "{v}");
    let mut flagged: Vec<(String, String)> = v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["check"] == "dco")
        .map(|f| {
            (
                f["rule"].as_str().unwrap_or("").to_string(),
                f["commit"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    flagged.sort();
    let mut want = vec![
        ("missing-signoff".to_string(), unsigned1.clone()),
        ("missing-signoff".to_string(), unsigned2.clone()),
    ];
    want.sort();
    assert_eq!(flagged, want, "signed commit {signed} must not be reported");
    let human = t.outbound(&["scan", "--range", &range]);
    assert_eq!(human.status.code(), Some(1), "{}", text(&human));
    assert!(
        text(&human).contains(&format!(
            "commit {}: the sign-off is missing",
            short(&unsigned1)
        )),
        "{}",
        text(&human)
    );
}

#[test]
fn dco_scan_range_skips_merge_commits() {
    let t = TestRepo::new();
    t.write(".outbound.toml", "[dco]\nrequire = \"always\"\n");
    let base = commit_signed(&t, "a.txt", "a\n", "base");
    t.git(&["checkout", "-q", "-b", "feature"]);
    commit_signed(&t, "b.txt", "b\n", "feature work");
    t.git(&["checkout", "-q", "main"]);
    commit_signed(&t, "c.txt", "c\n", "main work");
    t.git(&[
        "merge",
        "-q",
        "--no-ff",
        "--no-verify",
        "-m",
        "Merge branch 'feature'",
        "feature",
    ]);
    let merge = t.head();
    let message =
        String::from_utf8_lossy(&t.git(&["log", "-1", "--format=%B"]).stdout).into_owned();
    assert!(
        !message.contains("Signed-off-by"),
        "the merge should be unsigned: {message}"
    );
    let (code, v) = t.json(&["scan", "--range", &format!("{base}..HEAD")]);
    assert_eq!(code, 0, "{v}");
    assert!(
        rules_of(&v).iter().all(|r| !r.starts_with("dco/")),
        "merge {merge} reported: {v}"
    );
    assert_eq!(v["summary"]["commits"], 3, "{v}");
}

// ---------------------------------------------------------------------------------------------
// spdx (issue 5)

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

// ---------------------------------------------------------------------------------------------
// approval (issue 6)

/// A repository whose org policy (`git config outbound.policy`) has `[approval]` with
/// `significant_lines = 5` and an allowed-signers file naming `approver@example.com`, plus
/// `extra`; `origin` is an empty external bare repository.
struct Gate {
    t: TestRepo,
    origin: TestRepo,
    key: std::path::PathBuf,
}

impl Gate {
    fn new(extra: &str) -> Gate {
        Gate::with_approval("significant_lines = 5\n", extra)
    }

    fn with_approval(triggers: &str, extra: &str) -> Gate {
        let t = TestRepo::new();
        assert!(t.outbound(&["install"]).status.success());
        let (key, public) = ssh_key(t.home.path(), "approver");
        write_home(
            &t,
            "allowed_signers",
            format!("approver@example.com namespaces=\"git-outbound-approval\" {public}\n"),
        );
        // A relative path: resolved against the folder of the policy file.
        let policy =
            format!("[approval]\n{triggers}allowed_signers = \"allowed_signers\"\n{extra}");
        write_home(&t, "policy.toml", policy);
        t.git(&[
            "config",
            "outbound.policy",
            &path_of(&t.home.path().join("policy.toml")),
        ]);
        let origin = TestRepo::bare();
        t.git(&["remote", "add", "origin", &path_of(origin.path())]);
        Gate { t, origin, key }
    }

    fn push(&self) -> std::process::Output {
        self.t.git_any(&["push", "-q", "origin", "main"])
    }

    fn approve(&self, key: &Path) -> std::process::Output {
        let key = path_of(key);
        self.t.outbound(&[
            "approve",
            "origin",
            "--key",
            &key,
            "--identity",
            "approver@example.com",
            "--expires",
            "2099-01-01",
            "--reason",
            "TICKET-1",
        ])
    }

    fn origin_has_main(&self) -> bool {
        self.origin
            .git_any(&["rev-parse", "--verify", "-q", "refs/heads/main"])
            .status
            .success()
    }
}

/// Writes a file into the test's home folder (outside the repository).
fn write_home(t: &TestRepo, rel: &str, content: impl AsRef<[u8]>) {
    std::fs::write(t.home.path().join(rel), content).expect("write into home");
}

#[test]
fn approval_push_over_significant_lines_is_refused_naming_lines_and_limit() {
    let g = Gate::new("");
    g.t.commit_file("src/big.txt", lines(20), "big change");
    let out = g.push();
    assert!(!out.status.success(), "{}", text(&out));
    let err = stderr(&out);
    assert!(err.contains("approval/approval-required"), "{err}");
    assert!(
        err.contains(&format!(
            "approval required (significant-lines): 20 lines to {}, limit 5",
            path_of(g.origin.path())
        )),
        "{err}"
    );
    assert!(
        err.contains("git outbound request"),
        "the refusal should say how to ask:\n{err}"
    );
    assert!(!g.origin_has_main());
}

#[test]
fn approval_small_push_needs_none() {
    let g = Gate::new("");
    g.t.commit_file("src/small.txt", lines(5), "small change");
    let out = g.push();
    assert!(out.status.success(), "{}", text(&out));
}

#[test]
fn approval_is_never_needed_for_internal_remotes() {
    let g = Gate::new("\n[remotes]\ninternal = [\"**/mirror.git\"]\n");
    let mirror = bare_in(&g.t, "mirror.git");
    g.t.git(&["remote", "add", "mirror", &path_of(&mirror)]);
    g.t.commit_file("src/big.txt", lines(20), "big change");
    let out = g.t.git_any(&["push", "-q", "mirror", "main"]);
    assert!(out.status.success(), "{}", text(&out));
    // The mirror's tracking ref does not count for the external remote.
    let out = g.push();
    assert!(!out.status.success(), "{}", text(&out));
    assert!(stderr(&out).contains("20 lines"), "{}", text(&out));
}

#[test]
fn approval_signed_by_an_allowed_approver_lets_the_push_through() {
    let g = Gate::new("");
    g.t.commit_file("src/big.txt", lines(20), "big change");
    assert!(!g.push().status.success());
    let approve = g.approve(&g.key);
    assert!(approve.status.success(), "{}", text(&approve));
    assert!(
        String::from_utf8_lossy(&approve.stdout).contains("recorded as a note"),
        "{}",
        text(&approve)
    );
    let out = g.push();
    assert!(out.status.success(), "{}", text(&out));
    assert!(g.origin_has_main());
}

#[test]
fn approval_covers_exact_commits_so_a_later_commit_is_refused_again() {
    let g = Gate::new("");
    g.t.commit_file("src/big.txt", lines(20), "big change");
    assert!(g.approve(&g.key).status.success());
    g.t.commit_file("src/more.txt", lines(1), "one more");
    let out = g.push();
    assert!(
        !out.status.success(),
        "an approval of other commits let the push through:\n{}",
        text(&out)
    );
    assert!(stderr(&out).contains("21 lines"), "{}", text(&out));
}

#[test]
fn approval_is_needed_again_for_the_next_large_push() {
    let g = Gate::new("");
    g.t.commit_file("src/big.txt", lines(20), "big change");
    assert!(g.approve(&g.key).status.success());
    assert!(g.push().status.success());
    g.t.commit_file("src/bigger.txt", lines(10), "next change");
    let out = g.push();
    assert!(!out.status.success(), "{}", text(&out));
    assert!(stderr(&out).contains("10 lines"), "{}", text(&out));
}

#[test]
fn approval_signed_by_a_key_not_in_allowed_signers_is_refused() {
    let g = Gate::new("");
    g.t.commit_file("src/big.txt", lines(20), "big change");
    let (intruder, _) = ssh_key(g.t.home.path(), "intruder");
    let approve = g.approve(&intruder);
    let out = g.push();
    assert!(
        !out.status.success(),
        "approve said:\n{}\npush said:\n{}",
        text(&approve),
        text(&out)
    );
    let err = stderr(&out);
    assert!(err.contains("approval/approval-invalid"), "{err}");
    assert!(
        err.contains("the signing key is not in the allowed signers file"),
        "{err}"
    );
    assert!(!g.origin_has_main());
}

#[test]
fn approval_note_can_be_pushed_the_way_approve_says() {
    let g = Gate::new("");
    g.t.commit_file("src/big.txt", lines(20), "big change");
    assert!(g.approve(&g.key).status.success());
    assert!(g.push().status.success());
    let out =
        g.t.git_any(&["push", "-q", "origin", "refs/notes/outbound-approvals"]);
    assert!(out.status.success(), "{}", text(&out));
}

#[test]
fn approval_request_lists_the_licenses_of_the_outbound_files() {
    let g = Gate::new("");
    let header = "// SPDX-License-Identifier: MIT OR Apache-2.0\n";
    g.t.commit_file("src/lib.rs", format!("{header}{}", lines(10)), "lib");
    g.t.commit_file("src/plain.txt", lines(3), "unlicensed");
    let out = g.t.outbound(&["request", "origin", "--json"]);
    assert!(out.status.success(), "{}", text(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(
        v["licenses"],
        serde_json::json!(["MIT OR Apache-2.0"]),
        "{v}"
    );
    let md = String::from_utf8_lossy(&g.t.outbound(&["request", "origin"]).stdout).into_owned();
    assert!(md.contains("- licenses: MIT OR Apache-2.0\n"), "{md}");
}

#[test]
fn approval_standing_entry_lets_the_push_through() {
    let g = Gate::new("");
    let standing = format!(
        "\n[[approval.standing]]\nremote = \"{}\"\nexpires = \"2099-01-01\"\nreason = \"OSPO-1\"\n",
        path_of(g.origin.path())
    );
    let policy = std::fs::read_to_string(g.t.home.path().join("policy.toml")).expect("read policy");
    write_home(&g.t, "policy.toml", policy + &standing);
    g.t.commit_file("src/big.txt", lines(20), "big change");
    let out = g.push();
    assert!(out.status.success(), "{}", text(&out));
}

#[test]
fn approval_expired_standing_entry_is_refused() {
    let g = Gate::new("");
    let standing = format!(
        "\n[[approval.standing]]\nremote = \"{}\"\nexpires = \"2020-01-01\"\nreason = \"OSPO-1\"\n",
        path_of(g.origin.path())
    );
    let policy = std::fs::read_to_string(g.t.home.path().join("policy.toml")).expect("read policy");
    write_home(&g.t, "policy.toml", policy + &standing);
    g.t.commit_file("src/big.txt", lines(20), "big change");
    let out = g.push();
    assert!(!out.status.success(), "{}", text(&out));
    let err = stderr(&out);
    assert!(err.contains("approval/approval-standing-expired"), "{err}");
    assert!(err.contains("expired on 2020-01-01"), "{err}");
    assert!(err.contains("approval/approval-required"), "{err}");
}

#[test]
fn approval_new_publication_triggers_for_a_remote_without_refs() {
    let g = Gate::with_approval("new_publication = true\n", "");
    g.t.commit_file("README.txt", "hello\n", "first");
    let out = g.push();
    assert!(!out.status.success(), "{}", text(&out));
    assert!(
        stderr(&out).contains("approval required (new-publication)"),
        "{}",
        text(&out)
    );
    // Once the project is published, a further push is no new publication.
    assert!(
        g.t.git_any(&["push", "-q", "--no-verify", "origin", "main"])
            .status
            .success()
    );
    g.t.commit_file("README.txt", "hello\nagain\n", "second");
    let out = g.push();
    assert!(out.status.success(), "{}", text(&out));
}

#[test]
fn approval_corporate_identity_triggers_for_an_org_email_author() {
    let g = Gate::with_approval(
        "corporate_identity = true\n",
        "\n[org]\nemail_domains = [\"acme-corp.com\"]\n",
    );
    g.t.commit_file("a.txt", "a\n", "personal");
    assert!(
        g.push().status.success(),
        "a personal address needs no approval"
    );
    g.t.write("b.txt", "b\n");
    g.t.git(&["add", "b.txt"]);
    g.t.git(&[
        "commit",
        "-q",
        "--no-verify",
        "--author=Jane Doe <jane@acme-corp.com>",
        "-m",
        "corporate",
    ]);
    let id = g.t.head();
    let out = g.push();
    assert!(!out.status.success(), "{}", text(&out));
    let err = stderr(&out);
    assert!(
        err.contains("approval required (corporate-identity)"),
        "{err}"
    );
    assert!(
        err.contains(&format!("{} <jane@acme-corp.com>", short(&id))),
        "{err}"
    );
}

#[test]
fn approval_request_prints_markdown_with_the_triggers() {
    let g = Gate::new("");
    g.t.commit_file("src/big.txt", lines(20), "big change");
    let out = g.t.outbound(&["request", "origin"]);
    assert!(out.status.success(), "{}", text(&out));
    let md = String::from_utf8_lossy(&out.stdout).into_owned();
    let origin = path_of(g.origin.path());
    assert!(
        md.starts_with(&format!("# Approval request: {origin}\n")),
        "{md}"
    );
    assert!(
        md.contains(&format!(
            "- **significant-lines**: 20 lines to {origin}, limit 5"
        )),
        "{md}"
    );
    assert!(md.contains("- lines: 20 (added plus deleted)"), "{md}");
    assert!(md.contains("- `src/big.txt`"), "{md}");
    assert!(
        md.contains(&format!(
            "`{}` | Jane Doe <jane@example.com> | 20 | 0",
            short(&g.t.head())
        )),
        "{md}"
    );
}

#[test]
fn approval_request_json_is_valid_json() {
    let g = Gate::new("");
    g.t.commit_file("src/big.txt", lines(20), "big change");
    let out = g.t.outbound(&["request", "origin", "--json"]);
    assert!(out.status.success(), "{}", text(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}", text(&out)));
    assert_eq!(v["destination"], path_of(g.origin.path()));
    assert_eq!(v["lines"], 20);
    assert_eq!(v["tip"], g.t.head());
    assert_eq!(v["triggers"][0]["trigger"], "significant-lines");
    assert_eq!(v["triggers"][0]["limit"], 5);
    assert_eq!(v["files"], serde_json::json!(["src/big.txt"]));
}

// ---------------------------------------------------------------------------------------------
// artifact (issue 6)

fn fixture(name: &str) -> Vec<u8> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/artifacts")
        .join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

#[test]
fn artifact_pickle_importing_os_system_is_refused_naming_the_import() {
    let t = hooked("");
    let out = commit(
        &t,
        "models/model.pkl",
        fixture("p02_os_system.pkl"),
        &["-m", "model"],
    );
    assert!(!out.status.success(), "{}", text(&out));
    let err = stderr(&out);
    assert!(err.contains("artifact/unsafe-pickle"), "{err}");
    assert!(err.contains("models/model.pkl"), "{err}");
    assert!(
        err.contains("posix.system") || err.contains("os.system"),
        "the import is not named:\n{err}"
    );
    assert!(!has_head(&t));
}

#[test]
fn artifact_gzipped_pickle_is_opened_and_refused_naming_the_member() {
    use std::io::Write;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&fixture("p02_os_system.pkl"))
        .expect("in memory");
    let t = hooked("");
    let bytes = gz.finish().expect("in memory");
    let out = commit(&t, "models/model.pkl.gz", bytes, &["-m", "model"]);
    assert!(!out.status.success(), "{}", text(&out));
    let err = stderr(&out);
    assert!(err.contains("artifact/unsafe-pickle"), "{err}");
    assert!(err.contains("models/model.pkl.gz!model.pkl"), "{err}");
}

#[test]
fn artifact_policy_wildcard_does_not_pass_a_dotted_path() {
    // STACK_GLOBAL('sklearn', 'os.system'): CPython resolves the attribute path to os.system.
    let mut pickle = b"\x80\x04\x8c\x07sklearn\x8c\x09os.system\x93".to_vec();
    pickle.extend(b"\x8c\x02id\x85R.");
    let t = hooked("[artifact]\nallow_globals = [\"sklearn.*\"]\n");
    let out = commit(&t, "models/model.pkl", pickle, &["-m", "model"]);
    assert!(!out.status.success(), "{}", text(&out));
    let err = stderr(&out);
    assert!(err.contains("artifact/unsafe-pickle"), "{err}");
    assert!(err.contains("sklearn.os.system"), "{err}");
}

#[test]
fn artifact_container_that_cannot_be_opened_is_reported_at_the_policy_severity() {
    let seven_zip = b"7z\xbc\xaf\x27\x1c\x00\x04rest".to_vec();
    let t = hooked("");
    let out = commit(&t, "models/model.7z", seven_zip.clone(), &["-m", "model"]);
    assert!(!out.status.success(), "{}", text(&out));
    assert!(
        stderr(&out).contains("artifact/unopened-container"),
        "{}",
        text(&out)
    );
    let t = hooked("[artifact]\nseverity = \"warn\"\n");
    let out = commit(&t, "models/model.7z", seven_zip, &["-m", "model"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        stderr(&out).contains("warning[artifact/unopened-container]"),
        "{}",
        text(&out)
    );
}

#[test]
fn artifact_clean_safetensors_passes() {
    let t = hooked("");
    let out = commit(
        &t,
        "models/model.safetensors",
        fixture("p12_valid.safetensors"),
        &["-m", "model"],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert!(!stderr(&out).contains("artifact/"), "{}", text(&out));
}

#[test]
fn artifact_csv_with_card_numbers_is_refused_when_pii_threshold_is_zero() {
    let t = hooked("[artifact]\ndata_paths = [\"data/**\"]\npii_threshold = 0\n");
    let cards: Vec<String> = (0..3).map(|_| card_number()).collect();
    let csv: String = std::iter::once("id,name,card\n".to_string())
        .chain(
            cards
                .iter()
                .enumerate()
                .map(|(i, c)| format!("{i},Customer {i},{c}\n")),
        )
        .collect();
    let out = commit(&t, "data/customers.csv", csv, &["-m", "data"]);
    assert!(!out.status.success(), "{}", text(&out));
    let err = stderr(&out);
    assert!(err.contains("artifact/personal-data"), "{err}");
    assert!(err.contains("holds 3 payment card number(s)"), "{err}");
    for c in &cards {
        assert!(
            !err.contains(c.as_str()),
            "card number {c} printed in clear:\n{err}"
        );
    }
}

#[test]
fn artifact_csv_under_the_pii_threshold_passes_with_a_warning() {
    let t = hooked("[artifact]\ndata_paths = [\"data/**\"]\npii_threshold = 5\n");
    let csv: String = (0..3).map(|i| format!("{i},{}\n", card_number())).collect();
    let out = commit(&t, "data/customers.csv", csv, &["-m", "data"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        stderr(&out).contains("warning[artifact/personal-data]"),
        "{}",
        text(&out)
    );
}

#[test]
fn approval_of_a_follow_up_push_covers_it_from_the_remote_base() {
    let g = Gate::new("");
    g.t.commit_file("src/small.txt", lines(2), "small change");
    assert!(g.push().status.success());
    g.t.commit_file("src/big.txt", lines(20), "big change");
    assert!(!g.push().status.success());
    let approve = g.approve(&g.key);
    assert!(approve.status.success(), "{}", text(&approve));
    let statement = String::from_utf8_lossy(&approve.stdout).into_owned();
    let base = String::from_utf8_lossy(&g.origin.git(&["rev-parse", "main"]).stdout)
        .trim()
        .to_string();
    assert!(statement.contains(&format!("base {base}\n")), "{statement}");
    let out = g.push();
    assert!(out.status.success(), "{}", text(&out));
}

#[test]
fn dco_always_refuses_at_pre_push_a_commit_that_skipped_commit_msg() {
    let t = hooked("[dco]\nrequire = \"always\"\n");
    let id = t.commit_file("a.txt", "a\n", "made with --no-verify");
    let remote = TestRepo::bare();
    t.git(&["remote", "add", "origin", &path_of(remote.path())]);
    let out = t.git_any(&["push", "-q", "origin", "main"]);
    assert!(!out.status.success(), "{}", text(&out));
    let err = stderr(&out);
    assert!(
        err.contains("dco/missing-signoff") && err.contains(short(&id)),
        "{err}"
    );
}

#[test]
fn artifact_unsafe_pickle_is_refused_at_pre_push_too() {
    let t = hooked("");
    t.commit_file(
        "weights.bin",
        fixture("weights.bin"),
        "weights, hooks skipped",
    );
    let remote = TestRepo::bare();
    t.git(&["remote", "add", "origin", &path_of(remote.path())]);
    let out = t.git_any(&["push", "-q", "origin", "main"]);
    assert!(!out.status.success(), "{}", text(&out));
    let err = stderr(&out);
    assert!(
        err.contains("artifact/unsafe-pickle") && err.contains("weights.bin"),
        "{err}"
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

#[test]
fn a_model_sidecar_counts_when_the_spdx_check_is_off() {
    // The licensing context serves the artifact check too: switching SPDX off must not make
    // a licensed model look unlicensed.
    let t = hooked("[spdx]\nseverity = \"off\"\n\n[artifact]\nrequire_license = true\n");
    t.write("models/model.safetensors", fixture("p12_valid.safetensors"));
    t.write(
        "models/model.safetensors.license",
        "SPDX-License-Identifier: Apache-2.0\nSPDX-FileCopyrightText: 2026 Jane Doe\n",
    );
    t.git(&["add", "."]);
    let (code, v) = t.json(&["scan", "--staged"]);
    assert_eq!(code, 0, "{v}");
    t.git(&["rm", "-q", "--cached", "models/model.safetensors.license"]);
    let (code, v) = t.json(&["scan", "--staged"]);
    assert_eq!(code, 1, "{v}");
    assert_eq!(rules_of(&v), ["artifact/unlicensed-model"]);
}
