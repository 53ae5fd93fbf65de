//! Patches by mail (issue 23): `git outbound install` adds the sendemail-validate hook, and a
//! real `git send-email --dry-run` refuses a patch holding a secret or lacking a sign-off;
//! `scan --patch` checks patch files and mboxes for tools that send without git.

use std::io::Write;
use std::process::{Output, Stdio};

use crate::common::{self, TestRepo, text};
use crate::lfs::tool_present;

/// `--dump-aliases` runs git-send-email itself (its Perl modules included) and needs no manual
/// page, which `--help` opens.
fn send_email_present() -> bool {
    tool_present("git", &["send-email", "--dump-aliases"])
}

fn send(t: &TestRepo, to: &str) -> Output {
    t.git_any(&[
        "send-email",
        "--dry-run",
        "--confirm=never",
        "--from=Jane Doe <jane@example.com>",
        &format!("--to={to}"),
        "HEAD~1..HEAD",
    ])
}

fn installed() -> TestRepo {
    let t = TestRepo::new();
    let out = t.outbound(&["install"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(t.path().join(".git/hooks/sendemail-validate").is_file());
    t.commit_file("README.md", "# demo\n", "Initial commit");
    t
}

fn leaky() -> String {
    format!("KEY_ID = \"{}\"\n", common::aws_key_id())
}

#[test]
fn send_email_refuses_a_patch_that_adds_a_secret() {
    if !send_email_present() {
        return;
    }
    let t = installed();
    t.commit_file("settings.py", leaky(), "Add settings");
    let out = send(&t, "dev@lists.example.org");
    assert!(!out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("secret/aws-access-key-id"),
        "{}",
        text(&out)
    );
    assert!(text(&out).contains("settings.py:1"), "{}", text(&out));
    t.commit_file("NOTES.md", "# notes\n", "Add notes");
    let out = send(&t, "dev@lists.example.org");
    assert!(out.status.success(), "{}", text(&out));
}

#[test]
fn send_email_refuses_a_patch_without_sign_off_when_dco_is_always_required() {
    if !send_email_present() {
        return;
    }
    let t = installed();
    t.write(".outbound.toml", "[dco]\nrequire = \"always\"\n");
    t.commit_file("NOTES.md", "# notes\n", "Add notes");
    let out = send(&t, "dev@lists.example.org");
    assert!(!out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("dco/"), "{}", text(&out));
    t.git(&["commit", "-q", "--amend", "--no-verify", "-s", "--no-edit"]);
    let out = send(&t, "dev@lists.example.org");
    assert!(out.status.success(), "{}", text(&out));
}

#[test]
fn sign_offs_under_external_rules_are_not_required_for_mail_inside_the_org() {
    if !send_email_present() {
        return;
    }
    let t = installed();
    t.write(
        ".outbound.toml",
        "[org]\ndomains = [\"acme-corp.com\"]\n[dco]\nrequire = \"external\"\n",
    );
    t.commit_file("NOTES.md", "# notes\n", "Add notes");
    let out = send(&t, "team@acme-corp.com");
    assert!(out.status.success(), "{}", text(&out));
    let out = send(&t, "dev@lists.example.org");
    assert!(!out.status.success(), "{}", text(&out));
}

#[test]
fn scan_patch_checks_format_patch_files_and_stdin() {
    let t = TestRepo::new();
    t.commit_file("README.md", "# demo\n", "Initial commit");
    t.commit_file("settings.py", leaky(), "Add settings");
    t.git(&["format-patch", "-q", "-1", "-o", "out"]);
    let file = std::fs::read_dir(t.path().join("out"))
        .expect("patches")
        .flatten()
        .next()
        .expect("one patch")
        .path();
    let (code, v) = t.json(&["scan", "--patch", &file.display().to_string()]);
    assert_eq!(code, 1, "{v}");
    assert_eq!(common::rules_of(&v), ["secret/aws-access-key-id"]);
    assert_eq!(v["findings"][0]["path"], "settings.py");
    let mut child = t
        .command(common::BIN)
        .args(["scan", "--patch", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run");
    let patch = std::fs::read(&file).expect("read patch");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(&patch)
        .expect("write");
    let out = child.wait_with_output().expect("wait");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
}

#[test]
fn scan_patch_requires_spdx_on_files_the_patch_creates_only() {
    let t = TestRepo::new();
    t.write(".outbound.toml", "[spdx]\nrequire = true\n");
    t.commit_file("old.py", "x = 1\n", "Add old");
    t.commit_file("old.py", "x = 1\ny = 2\n", "Change old");
    let out = t.git(&["format-patch", "-1", "--stdout"]);
    std::fs::write(t.path().join("change.patch"), &out.stdout).expect("write");
    let (code, v) = t.json(&["scan", "--patch", "change.patch"]);
    assert_eq!(code, 0, "{v}");
    t.commit_file("new.py", "z = 3\n", "Add new");
    let out = t.git(&["format-patch", "-1", "--stdout"]);
    std::fs::write(t.path().join("new.patch"), &out.stdout).expect("write");
    let (code, v) = t.json(&["scan", "--patch", "new.patch"]);
    assert_eq!(code, 1, "{v}");
    assert!(
        common::rules_of(&v).iter().all(|r| r.starts_with("spdx/")),
        "{v}"
    );
}
