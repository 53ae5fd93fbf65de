//! Hook managers through the real tools (issue 23): the pre-commit framework hands its pre-push
//! hooks only the first ref with new commits, and lefthook gives a command no stdin unless
//! `use_stdin: true`; neither may let a ref go out unchecked.

use std::process::Output;

use crate::common::{self, TestRepo, text};
use crate::lfs::tool_present;

/// A repository with a clean branch and a leaky branch, both unpushed, and a bare `origin`
/// that has `main`.
fn two_branches(t: &TestRepo, config: (&str, &str)) -> TestRepo {
    let remote = TestRepo::bare();
    t.git(&[
        "remote",
        "add",
        "origin",
        &remote.path().display().to_string(),
    ]);
    t.write(config.0, config.1);
    t.commit_file("README.md", "# demo\n", "Initial commit");
    t.git(&["add", config.0]);
    t.git(&["commit", "-q", "--no-verify", "-m", "Hook manager"]);
    t.git(&["push", "-q", "--no-verify", "origin", "main"]);
    t.git(&["checkout", "-q", "-b", "clean-branch"]);
    t.commit_file("NOTES.md", "# notes\n", "Add notes");
    t.git(&["checkout", "-q", "-b", "leaky-branch", "main"]);
    let token = common::github_token();
    t.commit_file(
        "settings.py",
        format!("TOKEN = \"{token}\"\n"),
        "Add settings",
    );
    t.git(&["checkout", "-q", "main"]);
    remote
}

fn push_both(t: &TestRepo) -> Output {
    t.git_any(&["push", "origin", "clean-branch", "leaky-branch"])
}

fn assert_refused_in_full(out: &Output) {
    assert!(!out.status.success(), "{}", text(out));
    let all = text(out);
    assert!(all.contains("secret/github-pat"), "{all}");
}

#[test]
fn pre_commit_framework_push_of_several_refs_is_checked_in_full() {
    if !tool_present("pre-commit", &["--version"]) {
        return;
    }
    let t = TestRepo::new();
    let config = "repos:\n- repo: local\n  hooks:\n  - id: outbound-pre-push\n    name: git-outbound\n    entry: git-outbound hook pre-push\n    language: system\n    pass_filenames: false\n    always_run: true\n    stages: [pre-push]\n";
    let _remote = two_branches(&t, (".pre-commit-config.yaml", config));
    let out = t
        .command("pre-commit")
        .args(["install", "-t", "pre-push"])
        .output()
        .expect("run pre-commit");
    assert!(out.status.success(), "{}", text(&out));
    let out = push_both(&t);
    assert_refused_in_full(&out);
    assert!(text(&out).contains("every local branch"), "{}", text(&out));
    // Everything up to date: the push passes.
    t.git(&["branch", "-q", "-D", "leaky-branch"]);
    let out = t.git_any(&["push", "origin", "clean-branch"]);
    assert!(out.status.success(), "{}", text(&out));
    let out = t.git_any(&["push", "origin", "clean-branch"]);
    assert!(out.status.success(), "{}", text(&out));
}

fn lefthook_repo(use_stdin: bool) -> Option<(TestRepo, TestRepo)> {
    if !tool_present("lefthook", &["version"]) {
        return None;
    }
    let t = TestRepo::new();
    let stdin = if use_stdin {
        "      use_stdin: true\n"
    } else {
        ""
    };
    let config = format!(
        "pre-push:\n  commands:\n    outbound:\n      run: git-outbound hook pre-push {{1}} {{2}}\n{stdin}"
    );
    let remote = two_branches(&t, ("lefthook.yml", &config));
    let out = t
        .command("lefthook")
        .arg("install")
        .output()
        .expect("run lefthook");
    assert!(out.status.success(), "{}", text(&out));
    Some((t, remote))
}

#[test]
fn lefthook_as_advised_checks_what_git_pushes() {
    let Some((t, _remote)) = lefthook_repo(true) else {
        return;
    };
    assert_refused_in_full(&push_both(&t));
    let out = t.git_any(&["push", "origin", "clean-branch"]);
    assert!(out.status.success(), "{}", text(&out));
}

#[test]
fn lefthook_without_stdin_does_not_pass_a_push_silently() {
    let Some((t, _remote)) = lefthook_repo(false) else {
        return;
    };
    let out = push_both(&t);
    assert_refused_in_full(&out);
    assert!(text(&out).contains("use_stdin"), "{}", text(&out));
}

#[test]
fn lefthook_advice_includes_use_stdin() {
    let t = TestRepo::new();
    t.write("lefthook.yml", "pre-commit:\n  commands: {}\n");
    let out = t.outbound(&["install"]);
    assert!(text(&out).contains("use_stdin: true"), "{}", text(&out));
}

/// husky's binary: on PATH, or where `.ci/run` installs it (`target/tools`).
fn husky() -> Option<String> {
    let local = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/target/tools/node_modules/.bin/husky"
    );
    if std::path::Path::new(local).is_file() {
        return Some(local.to_string());
    }
    tool_present("husky", &["--version"]).then(|| "husky".to_string())
}

#[test]
fn husky_as_advised_checks_every_pushed_ref() {
    let Some(husky) = husky() else {
        return;
    };
    let t = TestRepo::new();
    let _remote = two_branches(
        &t,
        (".husky/pre-push", "git-outbound hook pre-push \"$@\"\n"),
    );
    let out = t.command(&husky).output().expect("run husky");
    assert!(out.status.success(), "{}", text(&out));
    assert_refused_in_full(&push_both(&t));
    let out = t.git_any(&["push", "origin", "clean-branch"]);
    assert!(out.status.success(), "{}", text(&out));
}
