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

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/artifacts");

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(Path::new(FIXTURES).join(name)).expect("read fixture")
}

fn commit(t: &TestRepo, message: &str) -> Output {
    t.git_any(&["commit", "-q", "-m", message])
}

/// The `check/rule` codes of a JSON scan of this repository.
fn scan_rules(t: &TestRepo, args: &[&str]) -> (i32, Vec<String>) {
    let (code, v) = t.json(args);
    (code, common::rules_of(&v))
}

#[test]
fn pre_commit_checks_the_content_of_an_lfs_tracked_file() {
    if !lfs_present() {
        return;
    }
    let (t, _remote) = lfs_repo();
    t.write("people.csv", leaky_csv());
    t.git(&["add", "people.csv"]);
    let staged = t.git(&["show", ":people.csv"]);
    assert!(
        String::from_utf8_lossy(&staged.stdout).starts_with("version https://git-lfs"),
        "the index does not hold a pointer"
    );
    let out = commit(&t, "Add people");
    assert!(!out.status.success(), "{}", text(&out));
    let err = text(&out);
    assert!(
        err.contains("people.csv:2") && err.contains("secret/aws-access-key-id"),
        "{err}"
    );
}

#[test]
fn history_and_range_scans_see_lfs_content() {
    if !lfs_present() {
        return;
    }
    let (t, _remote) = lfs_repo();
    t.write("people.csv", leaky_csv());
    t.git(&["add", "people.csv"]);
    t.git(&["commit", "-q", "--no-verify", "-m", "Add people"]);
    for args in [
        &["scan", "--history"][..],
        &["scan", "--range", "HEAD~1..HEAD"][..],
    ] {
        let (code, rules) = scan_rules(&t, args);
        assert_eq!(code, 1, "{args:?}: {rules:?}");
        assert!(
            rules.contains(&"secret/aws-access-key-id".to_string()),
            "{args:?}: {rules:?}"
        );
    }
}

#[test]
fn lfs_pickles_are_judged_by_their_content_not_the_pointer() {
    if !lfs_present() {
        return;
    }
    let (t, _remote) = lfs_repo();
    t.write("model.pkl", fixture("p01_plain_dict.pkl"));
    t.git(&["add", "model.pkl"]);
    let out = commit(&t, "Add a safe model");
    assert!(out.status.success(), "{}", text(&out));
    t.write("evil.pkl", fixture("p02_os_system.pkl"));
    t.git(&["add", "evil.pkl"]);
    let out = commit(&t, "Add an unsafe model");
    assert!(!out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("unsafe-pickle"), "{}", text(&out));
    assert!(!text(&out).contains("malformed-pickle"), "{}", text(&out));
}

#[test]
fn an_lfs_object_missing_locally_warns_in_scans_and_blocks_a_push() {
    if !lfs_present() {
        return;
    }
    let (t, remote) = lfs_repo();
    t.write("data.csv", "name,size\nwidget,3\n");
    t.git(&["add", "data.csv"]);
    t.git(&["commit", "-q", "--no-verify", "-m", "Add data"]);
    std::fs::remove_dir_all(t.path().join(".git/lfs/objects")).expect("drop the store");
    let (code, rules) = scan_rules(&t, &["scan", "--range", "HEAD~1..HEAD"]);
    assert_eq!(code, 0, "{rules:?}");
    assert_eq!(rules, ["artifact/lfs-object-unchecked"]);
    let out = push(&t);
    assert!(!out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("lfs-object-unchecked"),
        "{}",
        text(&out)
    );
    assert_eq!(lfs_objects(&remote), 0);
    t.write(".outbound.toml", "[lfs]\nmissing = \"warn\"\n");
    let (code, rules) = scan_rules(&t, &["scan", "--range", "HEAD~1..HEAD"]);
    assert_eq!((code, rules.len()), (0, 1));
}

#[test]
fn pre_receive_checks_lfs_content_in_the_servers_store() {
    if !lfs_present() {
        return;
    }
    let server = TestRepo::bare();
    let out = server.outbound(&["install"]);
    assert!(out.status.success(), "{}", text(&out));
    // The client has git-lfs but not git-outbound: the server is the backstop.
    let t = TestRepo::new();
    t.git(&["lfs", "install", "--local"]);
    t.git(&["lfs", "track", "*.csv"]);
    t.git(&["add", ".gitattributes"]);
    t.git(&["commit", "-q", "-m", "Track data with LFS"]);
    let url = format!("file://{}", server.path().display());
    t.git(&["remote", "add", "origin", &url]);
    assert!(push(&t).status.success());
    t.write("people.csv", leaky_csv());
    t.git(&["add", "people.csv"]);
    t.git(&["commit", "-q", "-m", "Add people"]);
    let out = push(&t);
    assert!(!out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("secret/aws-access-key-id"),
        "{}",
        text(&out)
    );
}

#[test]
fn an_lfs_object_above_the_size_limit_is_streamed_to_the_model_checks() {
    if !lfs_present() {
        return;
    }
    let (t, _remote) = lfs_repo();
    t.write(".outbound.toml", "[scan]\nmax_file_size = 16\n");
    t.write("evil.pkl", fixture("p02_os_system.pkl"));
    t.git(&["add", "evil.pkl"]);
    t.git(&["commit", "-q", "--no-verify", "-m", "Add an unsafe model"]);
    let (code, rules) = scan_rules(&t, &["scan", "--range", "HEAD~1..HEAD"]);
    assert_eq!(code, 1, "{rules:?}");
    assert_eq!(rules, ["artifact/unsafe-pickle"]);
}
