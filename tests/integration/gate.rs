//! Walking around the gate (issue 14, classes 1–8), tried the way an attacker would: hooks
//! installed, an org policy (`org.domains`, `remotes.internal`, an approval policy with
//! `allowed_signers`), and real `git commit` / `git push` on real repositories. Each test
//! names the class it closes.

use std::path::Path;
use std::process::Output;

use crate::common::{self, TestRepo, bare_in, ssh_key, stderr, text};

/// The org policy every test starts from; `extra` is appended.
fn org_policy(extra: &str) -> String {
    format!(
        "[org]\ndomains = [\"acme-corp.com\"]\n\n[remotes]\ninternal = [\"git.acme-corp.com/**\"]\n\n\
         [approval]\nsignificant_lines = 5\nallowed_signers = \"allowed_signers\"\n{extra}"
    )
}

/// A repository with the client hooks installed, the org policy (plus `extra`) set through
/// `git config outbound.policy`, and one clean commit.
fn org_repo(extra: &str) -> TestRepo {
    let t = TestRepo::new();
    assert!(t.outbound(&["install"]).status.success());
    let (_key, public) = ssh_key(t.home.path(), "approver");
    std::fs::write(
        t.home.path().join("allowed_signers"),
        format!("approver@acme-corp.com namespaces=\"git-outbound-approval\" {public}\n"),
    )
    .expect("write allowed signers");
    let policy = t.home.path().join("policy.toml");
    std::fs::write(&policy, org_policy(extra)).expect("write policy");
    t.git(&["config", "outbound.policy", &policy.display().to_string()]);
    t.commit_file("README.md", "# demo\n", "Initial commit");
    t
}

/// An empty bare repository added to `t` as remote `name`; returns its path.
fn external(t: &TestRepo, name: &str) -> String {
    let p = bare_in(t, &format!("{name}.git")).display().to_string();
    t.git(&["remote", "add", name, &p]);
    p
}

/// Runs git with `input` on stdin; returns trimmed stdout.
fn git_stdin(t: &TestRepo, args: &[&str], input: &[u8]) -> String {
    let out = common::pipe(t, "git", args, input);
    assert!(out.status.success(), "git {args:?} failed:\n{}", text(&out));
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// A blob holding `content`, written into `t`'s object store; returns its id.
fn blob(t: &TestRepo, content: &[u8]) -> String {
    git_stdin(t, &["hash-object", "-w", "--stdin"], content)
}

/// A tree with one file `name` holding `content`; returns its id.
fn tree(t: &TestRepo, name: &str, content: &[u8]) -> String {
    let id = blob(t, content);
    git_stdin(
        t,
        &["mktree"],
        format!("100644 blob {id}\t{name}\n").as_bytes(),
    )
}

fn settings(token: &str) -> String {
    format!("import os\nGITHUB_TOKEN = \"{token}\"\n")
}

fn lines(n: usize) -> String {
    (1..=n).map(|i| format!("line {i}\n")).collect()
}

fn refused_with(out: &Output, code: &str) {
    assert!(!out.status.success(), "expected a refusal:\n{}", text(out));
    assert!(text(out).contains(code), "no {code} in:\n{}", text(out));
}

fn passed(out: &Output) {
    assert!(out.status.success(), "expected success:\n{}", text(out));
}

// ------------------------------------------------------- 1. tags naming blobs and trees

#[test]
fn pushed_tags_naming_a_blob_or_a_tree_are_scanned() {
    let t = org_repo("");
    external(&t, "ext");
    passed(&t.git_any(&["push", "-q", "ext", "main"]));
    let token = common::github_token();
    let b = blob(&t, settings(&token).as_bytes());
    t.git(&["tag", "leak", &b]);
    let out = t.git_any(&["push", "-q", "ext", "refs/tags/leak"]);
    refused_with(&out, "secret/github-pat");
    assert!(!text(&out).contains(&token));
    let other = common::github_token();
    let tr = tree(&t, "settings.py", settings(&other).as_bytes());
    t.git(&["tag", "-a", "snapshot", "-m", "a tree", &tr]);
    let out = t.git_any(&["push", "-q", "ext", "refs/tags/snapshot"]);
    refused_with(&out, "secret/github-pat");
    assert!(stderr(&out).contains("settings.py"), "{}", text(&out));
}

#[test]
fn history_scan_reads_tags_naming_a_blob() {
    let t = TestRepo::new();
    t.commit_file("README.md", "# demo\n", "Initial commit");
    let token = common::github_token();
    let b = blob(&t, settings(&token).as_bytes());
    t.git(&["tag", "leak", &b]);
    refused_with(&t.outbound(&["scan", "--history"]), "refs/tags/leak");
}

#[test]
fn pre_receive_scans_a_tag_naming_a_blob() {
    let server = TestRepo::bare();
    assert!(server.outbound(&["install"]).status.success());
    let client = TestRepo::new();
    client.git(&[
        "remote",
        "add",
        "origin",
        &server.path().display().to_string(),
    ]);
    let token = common::github_token();
    let b = blob(&client, settings(&token).as_bytes());
    client.git(&["tag", "leak", &b]);
    let out = client.git_any(&["push", "-q", "--no-verify", "origin", "refs/tags/leak"]);
    refused_with(&out, "remote: ");
    assert!(stderr(&out).contains("secret/github-pat"), "{}", text(&out));
}

#[test]
fn tag_naming_a_tree_needs_approval_like_a_commit() {
    let t = org_repo("");
    external(&t, "ext");
    passed(&t.git_any(&["push", "-q", "ext", "main"]));
    let tr = tree(&t, "big.txt", lines(20).as_bytes());
    t.git(&["tag", "-a", "drop", "-m", "the code", &tr]);
    refused_with(
        &t.git_any(&["push", "-q", "ext", "refs/tags/drop"]),
        "approval/approval-required",
    );
}

// ------------------------------------------------------- 2. pushurl

#[test]
fn tracking_refs_of_a_remote_with_an_external_pushurl_exclude_nothing() {
    let t = org_repo("");
    let internal = bare_in(&t, "internal.git").display().to_string();
    t.git(&["remote", "add", "origin", &internal]);
    let token = common::github_token();
    t.commit_file("settings.py", settings(&token), "settings");
    t.git(&["push", "-q", "--no-verify", "origin", "main"]);
    t.git(&["fetch", "-q", "origin"]);
    let ext = bare_in(&t, "ext.git").display().to_string();
    t.git(&["config", "remote.origin.pushurl", &ext]);
    let out = t.git_any(&["push", "-q", "origin", "main"]);
    refused_with(&out, "secret/github-pat");
}

#[test]
fn tracking_refs_filled_from_another_remote_exclude_nothing() {
    let t = org_repo("");
    let internal = bare_in(&t, "internal.git").display().to_string();
    t.git(&["remote", "add", "internal", &internal]);
    let token = common::github_token();
    t.commit_file("settings.py", settings(&token), "settings");
    t.git(&["push", "-q", "--no-verify", "internal", "main"]);
    external(&t, "ext");
    // The internal remote's fetch writes into the external remote's tracking refs.
    t.git(&[
        "config",
        "--add",
        "remote.internal.fetch",
        "+refs/heads/*:refs/remotes/ext/*",
    ]);
    t.git(&["fetch", "-q", "internal"]);
    let out = t.git_any(&["push", "-q", "ext", "main"]);
    refused_with(&out, "secret/github-pat");
}

// ------------------------------------------------------- 3. notes by local ref name

#[test]
fn a_push_is_classed_by_the_remote_ref_and_by_what_a_notes_ref_carries() {
    let t = org_repo("");
    external(&t, "ext");
    t.commit_file("src/big.txt", lines(20), "big change");
    t.git(&["update-ref", "refs/notes/x", "main"]);
    refused_with(
        &t.git_any(&["push", "-q", "ext", "refs/notes/x:refs/heads/main"]),
        "approval/approval-required",
    );
    // Code pushed into a notes ref on the remote is still code.
    refused_with(
        &t.git_any(&["push", "-q", "ext", "main:refs/notes/commits"]),
        "approval/approval-required",
    );
}

// ------------------------------------------------------- 4. unscanned previous version

#[test]
fn a_value_in_a_binary_parent_version_is_still_outbound() {
    let t = org_repo("");
    let ext = external(&t, "ext");
    let token = common::github_token();
    t.commit_file("settings.py", format!("\0\n{}", settings(&token)), "binary");
    t.write("settings.py", settings(&token));
    t.git(&["add", "settings.py"]);
    refused_with(
        &t.git_any(&["commit", "-q", "-m", "text"]),
        "secret/github-pat",
    );
    t.git(&["commit", "-q", "--no-verify", "-m", "text"]);
    refused_with(
        &t.git_any(&["push", "-q", "ext", "main"]),
        "secret/github-pat",
    );
    refused_with(
        &t.outbound(&["scan", "--range", "HEAD~1..HEAD"]),
        "secret/github-pat",
    );
    // The server too.
    let server = TestRepo::bare();
    assert!(server.outbound(&["install"]).status.success());
    let _ = ext;
    t.git(&[
        "remote",
        "add",
        "server",
        &server.path().display().to_string(),
    ]);
    refused_with(
        &t.git_any(&["push", "-q", "--no-verify", "server", "main"]),
        "secret/github-pat",
    );
}

#[test]
fn a_value_in_an_oversized_parent_version_is_still_outbound() {
    let t = org_repo("\n[scan]\nmax_file_size = 300\n");
    let token = common::github_token();
    let padding = "# padding\n".repeat(40);
    t.commit_file(
        "settings.py",
        format!("{padding}{}", settings(&token)),
        "large",
    );
    t.write("settings.py", settings(&token));
    t.git(&["add", "settings.py"]);
    refused_with(
        &t.git_any(&["commit", "-q", "-m", "small"]),
        "secret/github-pat",
    );
}

// ------------------------------------------------------- 5. oversized files in hooks

#[test]
fn a_hook_names_the_file_it_did_not_read_and_blocks_by_default() {
    let t = org_repo("\n[scan]\nmax_file_size = 100\n");
    t.write("big.txt", "x".repeat(200));
    t.git(&["add", "big.txt"]);
    let out = t.git_any(&["commit", "-q", "-m", "big"]);
    refused_with(&out, "big.txt");
    assert!(stderr(&out).contains("not scanned"), "{}", text(&out));
}

#[test]
fn a_hook_warns_about_a_file_it_did_not_read_when_the_policy_says_warn() {
    let t = org_repo("\n[scan]\nmax_file_size = 100\noversize = \"warn\"\n");
    t.write("big.txt", "x".repeat(200));
    t.git(&["add", "big.txt"]);
    let out = t.git_any(&["commit", "-q", "-m", "big"]);
    passed(&out);
    assert!(stderr(&out).contains("big.txt"), "{}", text(&out));
}

// ------------------------------------------------------- 6. line counts

#[test]
fn diff_attributes_do_not_hide_lines_from_the_approval_gate() {
    let t = org_repo("");
    external(&t, "ext");
    std::fs::write(t.path().join(".git/info/attributes"), "* -diff\n").expect("attributes");
    t.commit_file("src/big.txt", lines(20), "big change");
    refused_with(
        &t.git_any(&["push", "-q", "ext", "main"]),
        "approval/approval-required",
    );
}

#[test]
fn a_nul_byte_does_not_hide_lines_from_the_approval_gate_on_client_or_server() {
    let t = org_repo("");
    external(&t, "ext");
    t.commit_file("src/big.txt", format!("\0{}", lines(5000)), "big change");
    refused_with(
        &t.git_any(&["push", "-q", "ext", "main"]),
        "approval/approval-required",
    );
    let server = TestRepo::bare();
    assert!(server.outbound(&["install"]).status.success());
    let policy = server.path().join("server-policy.toml");
    std::fs::write(&policy, "[approval]\nsignificant_lines = 5\n").expect("policy");
    server.git(&["config", "outbound.policy", &policy.display().to_string()]);
    t.git(&[
        "remote",
        "add",
        "server",
        &server.path().display().to_string(),
    ]);
    refused_with(
        &t.git_any(&["push", "-q", "--no-verify", "server", "main"]),
        "approval/approval-required",
    );
}

// ------------------------------------------------------- 7. locks protect the effect

#[test]
fn a_repository_layer_cannot_approve_itself() {
    let t = org_repo("\n[lock]\nkeys = [\"approval.significant_lines\"]\n");
    external(&t, "ext");
    t.write(
        ".outbound.toml",
        "[remotes]\ninternal = [\"**\"]\n\n[[approval.standing]]\nremote = \"**\"\n\
         expires = \"2099-01-01\"\nreason = \"self\"\n",
    );
    t.commit_file("src/big.txt", lines(20), "big change");
    let out = t.git_any(&["push", "-q", "ext", "main"]);
    refused_with(&out, "approval/approval-required");
}

#[test]
fn a_locked_secret_severity_locks_what_would_switch_the_check_off() {
    let t = org_repo("\n[lock]\nkeys = [\"secrets.severity\"]\n");
    let weakenings = [
        "[[secrets.allow]]\npath = \"**\"\nreason = \"everything\"\n",
        "[secrets]\ndisable = [\"github-pat\"]\n",
        "[scan]\nmax_file_size = 1\noversize = \"warn\"\n",
        "[scan]\nexclude = [\"**\"]\n",
    ];
    for weakening in weakenings {
        t.write(".outbound.toml", weakening);
        let token = common::github_token();
        t.write("settings.py", settings(&token));
        t.git(&["add", "settings.py"]);
        let out = t.git_any(&["commit", "-q", "-m", "settings"]);
        assert!(
            !out.status.success() && stderr(&out).contains("secret/"),
            "{weakening} switched the check off:\n{}",
            text(&out)
        );
    }
}

#[test]
fn repository_exceptions_stay_when_the_org_allows_them() {
    let t =
        org_repo("\n[lock]\nkeys = [\"secrets.severity\"]\nallow_repository_exceptions = true\n");
    t.write(
        ".outbound.toml",
        "[[secrets.allow]]\npath = \"fixtures/**\"\nreason = \"test data\"\n",
    );
    t.write("fixtures/settings.py", settings(&common::github_token()));
    t.git(&["add", "fixtures/settings.py"]);
    passed(&t.git_any(&["commit", "-q", "-m", "fixture"]));
}

// ------------------------------------------------------- 8. what git really contacts

#[test]
fn a_file_url_naming_the_internal_host_is_a_local_path() {
    let t = org_repo("");
    let p = bare_in(&t, "ext.git").display().to_string();
    t.git(&[
        "remote",
        "add",
        "ext",
        &format!("file://git.acme-corp.com{p}"),
    ]);
    t.commit_file("src/big.txt", lines(20), "big change");
    refused_with(
        &t.git_any(&["push", "-q", "ext", "main"]),
        "approval/approval-required",
    );
}

#[test]
fn a_relative_path_that_looks_like_the_internal_host_is_a_local_path() {
    let t = org_repo("");
    let dir = Path::new("git.acme-corp.com/team/project.git");
    let out = t.git_any(&[
        "init",
        "-q",
        "--bare",
        &t.path().join(dir).display().to_string(),
    ]);
    passed(&out);
    std::fs::write(t.path().join(".git/info/exclude"), "git.acme-corp.com/\n").expect("exclude");
    t.git(&["remote", "add", "ext", &dir.display().to_string()]);
    t.commit_file("src/big.txt", lines(20), "big change");
    refused_with(
        &t.git_any(&["push", "-q", "ext", "main"]),
        "approval/approval-required",
    );
}
