//! git LFS through the real git-lfs (issue 23): the content of an LFS-tracked file is what
//! leaves, so that is what is checked at pre-commit, pre-push and in scans; a pointer is never
//! taken for a malformed pickle; git-lfs's own pre-push hook (which uploads the objects) runs
//! only after git-outbound's check passed.

use std::path::Path;
use std::process::Output;

use crate::common::{self, TestRepo, text};

/// Whether a tool the tests drive is present. Absent: the test is skipped with a note, unless
/// `OUTBOUND_REQUIRE_HOOK_TOOLS` is set (CI sets it in `.ci/run`), where absence is a failure.
pub fn tool_present(program: &str, args: &[&str]) -> bool {
    let ok = std::process::Command::new(program)
        .args(args)
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            std::env::var_os("OUTBOUND_REQUIRE_HOOK_TOOLS").is_none(),
            "{program} is required (OUTBOUND_REQUIRE_HOOK_TOOLS is set) but `{program} {}` failed",
            args.join(" ")
        );
        println!("note: {program} is not installed; test skipped");
    }
    ok
}

fn lfs_present() -> bool {
    tool_present("git", &["lfs", "version"])
}

fn write_script(path: &Path, body: &str) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::write(path, format!("#!/bin/sh\n{body}\n")).expect("write script");
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
}

/// A repository with git-lfs's hooks and filters, then git-outbound's hooks, tracking `*.csv`
/// and `*.pkl` with LFS, and a bare `origin` reached through a `file://` URL (git-lfs stores
/// pushed objects in `<bare>/lfs/objects` itself, no server needed).
fn lfs_repo() -> (TestRepo, TestRepo) {
    let t = TestRepo::new();
    t.git(&["lfs", "install", "--local"]);
    let out = t.outbound(&["install"]);
    assert!(out.status.success(), "{}", text(&out));
    t.git(&["lfs", "track", "*.csv", "*.pkl"]);
    t.commit_file("README.md", "# data\n", "Initial commit");
    t.git(&["add", ".gitattributes"]);
    t.git(&["commit", "-q", "--no-verify", "-m", "Track data with LFS"]);
    let remote = TestRepo::bare();
    let url = format!("file://{}", remote.path().display());
    t.git(&["remote", "add", "origin", &url]);
    (t, remote)
}

fn lfs_objects(bare: &TestRepo) -> usize {
    fn count(p: &Path) -> usize {
        std::fs::read_dir(p).map_or(0, |d| {
            d.flatten()
                .map(|e| match e.path().is_dir() {
                    true => count(&e.path()),
                    false => 1,
                })
                .sum()
        })
    }
    count(&bare.path().join("lfs/objects"))
}

fn leaky_csv() -> String {
    format!(
        "name,key\ndeploy,{}\nsecret,{}\n",
        common::aws_key_id(),
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCY".to_string() + "EXAMPLEKEY"
    )
}

fn push(t: &TestRepo) -> Output {
    t.git_any(&["push", "-q", "origin", "main"])
}

#[test]
fn a_chained_pre_push_hook_runs_only_after_the_check_passes() {
    let t = TestRepo::new();
    let hooks = t.path().join(".git/hooks");
    std::fs::create_dir_all(&hooks).expect("mkdir");
    write_script(
        &hooks.join("pre-push"),
        "cat > /dev/null\necho ran >> .git/uploaded",
    );
    let out = t.outbound(&["install"]);
    assert!(
        text(&out).contains("after git-outbound's check"),
        "{}",
        text(&out)
    );
    let remote = TestRepo::bare();
    t.git(&[
        "remote",
        "add",
        "origin",
        &remote.path().display().to_string(),
    ]);
    t.commit_file("README.md", "# demo\n", "Initial commit");
    let token = common::github_token();
    t.commit_file(
        "settings.py",
        format!("TOKEN = \"{token}\"\n"),
        "Add settings",
    );
    let out = push(&t);
    assert!(!out.status.success(), "{}", text(&out));
    assert!(
        !t.path().join(".git/uploaded").exists(),
        "the chained pre-push hook ran before the check refused:\n{}",
        text(&out)
    );
    t.git(&["reset", "-q", "--hard", "HEAD~1"]);
    t.commit_file("NOTES.md", "# clean\n", "Add notes");
    let out = push(&t);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        t.path().join(".git/uploaded").exists(),
        "chained hook never ran"
    );
}

#[test]
fn git_lfs_uploads_nothing_when_the_push_is_refused() {
    if !lfs_present() {
        return;
    }
    let (t, remote) = lfs_repo();
    t.write("people.csv", leaky_csv());
    t.git(&["add", "people.csv"]);
    t.git(&["commit", "-q", "--no-verify", "-m", "Add people"]);
    let out = push(&t);
    assert!(!out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("people.csv"), "{}", text(&out));
    assert_eq!(
        lfs_objects(&remote),
        0,
        "git-lfs uploaded before the refusal"
    );
    // A clean LFS file goes out, and git-lfs uploads it after the check.
    t.git(&["reset", "-q", "--hard", "HEAD~1"]);
    t.write("clean.csv", "name,size\nwidget,3\n");
    t.git(&["add", "clean.csv"]);
    t.git(&["commit", "-q", "-m", "Add clean data"]);
    let out = push(&t);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(lfs_objects(&remote), 1, "{}", text(&out));
}
