//! The hooks through real git (issue 3): `git outbound install` in a temporary repository, then
//! a real `git commit` or `git push` with git-outbound on PATH, the way developers and servers
//! run it. Also installation (chaining, `core.hooksPath`, `--global`, husky), the bypass with
//! a reason and its audit log, a broken `.outbound.toml`, and `doctor`.

use std::path::{Path, PathBuf};
use std::process::Output;

use crate::common::{self, TestRepo, stderr, text};

/// The fail-closed shim shipped in this repository's own `hooks/` folder.
const REPO_SHIMS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/hooks");

/// A repository with the client hooks installed.
fn installed() -> TestRepo {
    let t = TestRepo::new();
    let out = t.outbound(&["install"]);
    assert!(out.status.success(), "install failed:\n{}", text(&out));
    t
}

/// A repository with the client hooks installed, one clean commit, and a bare `origin`.
fn pushing() -> (TestRepo, TestRepo) {
    let t = installed();
    let remote = TestRepo::bare();
    t.git(&[
        "remote",
        "add",
        "origin",
        &remote.path().display().to_string(),
    ]);
    t.commit_file("README.md", "# demo\n", "Initial commit");
    (t, remote)
}

/// A bare repository with pre-receive installed, and a clone-to-be with it as `origin`.
fn server() -> (TestRepo, TestRepo) {
    let server = TestRepo::bare();
    let out = server.outbound(&["install"]);
    assert!(
        out.status.success(),
        "install in a bare repository failed:\n{}",
        text(&out)
    );
    assert!(
        server.path().join("hooks/pre-receive").is_file(),
        "no pre-receive hook:\n{}",
        text(&out)
    );
    let client = TestRepo::new();
    client.git(&[
        "remote",
        "add",
        "origin",
        &server.path().display().to_string(),
    ]);
    (server, client)
}

fn settings(token: &str) -> String {
    format!("import os\nGITHUB_TOKEN = \"{token}\"\n")
}

fn commit(t: &TestRepo, args: &[&str]) -> Output {
    let mut all = vec!["commit", "-q"];
    all.extend(args);
    t.git_any(&all)
}

/// The hook refused with a redacted `secret/github-pat` finding at `at`.
fn assert_secret_blocked(out: &Output, at: &str, token: &str) {
    let err = stderr(out);
    assert!(
        !out.status.success(),
        "expected the hook to refuse:\n{}",
        text(out)
    );
    assert!(err.contains(at), "no '{at}' in:\n{err}");
    assert!(
        err.contains("secret/github-pat"),
        "no secret/github-pat in:\n{err}"
    );
    assert!(
        !text(out).contains(token),
        "the token leaked into the output:\n{}",
        text(out)
    );
}

fn assert_ok(out: &Output) {
    assert!(out.status.success(), "expected success:\n{}", text(out));
}

fn commit_count(t: &TestRepo) -> usize {
    let out = t.git_any(&["rev-list", "--count", "HEAD"]);
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .unwrap_or(0)
}

fn short(id: &str) -> &str {
    &id[..12]
}

/// An executable script at `path`.
fn write_script(path: &Path, body: &str) {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("mkdir");
    }
    std::fs::write(path, format!("#!/bin/sh\n{body}\n")).expect("write script");
    make_executable(path);
}

fn make_executable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
}

/// A policy file in `t`'s home; returns its path.
fn policy_file(t: &TestRepo, name: &str, toml: &str) -> String {
    let p = t.home.path().join(name);
    std::fs::write(&p, toml).expect("write policy");
    p.display().to_string()
}

// ---------------------------------------------------------------- pre-commit

#[test]
fn staged_secret_blocks_the_commit_redacted() {
    let t = installed();
    t.commit_file("README.md", "# demo\n", "Initial commit");
    let token = common::github_token();
    t.write("src/settings.py", settings(&token));
    t.git(&["add", "src/settings.py"]);
    let out = commit(&t, &["-m", "Add settings"]);
    assert_secret_blocked(&out, "src/settings.py:2", &token);
    assert_eq!(commit_count(&t), 1, "the commit went through");
}

#[test]
fn clean_commit_passes() {
    let t = installed();
    t.commit_file("README.md", "# demo\n", "Initial commit");
    t.write("src/lib.rs", "pub fn answer() -> u32 {\n    42\n}\n");
    t.git(&["add", "src/lib.rs"]);
    assert_ok(&commit(&t, &["-m", "Add the answer"]));
    assert_eq!(commit_count(&t), 2);
}

#[test]
fn partial_staging_scans_index_not_worktree() {
    let t = installed();
    t.commit_file("settings.py", "import os\n", "Initial commit");
    // What `git add -p` leaves: a clean version staged, the secret only in the working tree.
    t.write("settings.py", "import os\nDEBUG = False\n");
    t.git(&["add", "settings.py"]);
    let token = common::github_token();
    t.write(
        "settings.py",
        format!("import os\nDEBUG = False\nGITHUB_TOKEN = \"{token}\"\n"),
    );
    assert_ok(&commit(&t, &["-m", "Turn debug off"]));
    let committed = t.git(&["show", "HEAD:settings.py"]);
    assert!(!String::from_utf8_lossy(&committed.stdout).contains(&token));
}

#[test]
fn commit_all_scans_the_temporary_index() {
    let t = installed();
    t.commit_file("settings.py", "import os\n", "Initial commit");
    let token = common::github_token();
    t.write("settings.py", settings(&token));
    // Nothing staged: `git commit -a` builds a temporary index and hands it over in GIT_INDEX_FILE.
    let out = commit(&t, &["-a", "-m", "Add token"]);
    assert_secret_blocked(&out, "settings.py:2", &token);
    assert_eq!(commit_count(&t), 1);
}

#[test]
fn commit_with_pathspec_scans_the_temporary_index() {
    let t = installed();
    t.commit_file("settings.py", "import os\n", "Initial commit");
    let token = common::github_token();
    t.write("settings.py", settings(&token));
    let out = commit(&t, &["-m", "Add token", "settings.py"]);
    assert_secret_blocked(&out, "settings.py:2", &token);
    assert_eq!(commit_count(&t), 1);
}

#[test]
fn first_commit_on_unborn_branch_is_checked() {
    let t = installed();
    let token = common::github_token();
    t.write("settings.py", settings(&token));
    t.git(&["add", "settings.py"]);
    let out = commit(&t, &["-m", "Initial commit"]);
    assert_secret_blocked(&out, "settings.py:2", &token);
    assert!(
        !t.git_any(&["rev-parse", "--verify", "-q", "HEAD"])
            .status
            .success(),
        "HEAD was born"
    );
}

#[test]
fn merge_resolution_with_a_secret_is_checked() {
    let t = installed();
    t.commit_file("config.txt", "mode = base\n", "Initial commit");
    t.git(&["checkout", "-q", "-b", "feature"]);
    t.commit_file("config.txt", "mode = feature\n", "Feature mode");
    t.git(&["checkout", "-q", "main"]);
    t.commit_file("config.txt", "mode = main\n", "Main mode");
    let merge = t.git_any(&["merge", "-q", "--no-edit", "feature"]);
    assert!(
        !merge.status.success(),
        "expected a conflict:\n{}",
        text(&merge)
    );
    let token = common::github_token();
    t.write("config.txt", format!("mode = both\ntoken = \"{token}\"\n"));
    t.git(&["add", "config.txt"]);
    let out = commit(&t, &["--no-edit"]);
    assert_secret_blocked(&out, "config.txt:2", &token);
    assert!(
        t.path().join(".git/MERGE_HEAD").exists(),
        "the merge was concluded"
    );
}

#[test]
fn linked_worktree_shares_the_hooks() {
    let t = installed();
    t.commit_file("README.md", "# demo\n", "Initial commit");
    let wt_parent = tempfile::tempdir().expect("temp dir");
    let wt = wt_parent.path().join("wt");
    t.git(&[
        "worktree",
        "add",
        "-q",
        "-b",
        "topic",
        &wt.display().to_string(),
    ]);
    let token = common::github_token();
    std::fs::write(wt.join("settings.py"), settings(&token)).expect("write");
    let in_wt = |args: &[&str]| {
        t.command("git")
            .current_dir(&wt)
            .args(args)
            .output()
            .expect("run git")
    };
    assert!(in_wt(&["add", "settings.py"]).status.success());
    let out = in_wt(&["commit", "-q", "-m", "Add settings"]);
    assert_secret_blocked(&out, "settings.py:2", &token);
}

// ---------------------------------------------------------------- commit-msg

#[test]
fn secret_in_commit_message_blocks() {
    let t = installed();
    t.write("README.md", "# demo\n");
    t.git(&["add", "README.md"]);
    let token = common::github_token();
    let out = commit(&t, &["-m", &format!("Add readme\n\nused {token} to test")]);
    assert!(!out.status.success(), "expected a refusal:\n{}", text(&out));
    let err = stderr(&out);
    assert!(
        err.contains("secret/github-pat") && err.contains("commit message"),
        "{err}"
    );
    assert!(
        !text(&out).contains(&token),
        "the token leaked:\n{}",
        text(&out)
    );
}

#[test]
fn internal_host_in_commit_message_blocks() {
    let t = installed();
    t.write("README.md", "# demo\n");
    t.git(&["add", "README.md"]);
    let out = commit(&t, &["-m", "Point the client at db-7.prod.corp:5432"]);
    assert!(!out.status.success(), "expected a refusal:\n{}", text(&out));
    assert!(
        stderr(&out).contains("internal-url/internal-suffix"),
        "{}",
        text(&out)
    );
}

#[test]
fn private_address_in_commit_message_warns_without_blocking() {
    let t = installed();
    t.write("README.md", "# demo\n");
    t.git(&["add", "README.md"]);
    let out = commit(&t, &["-m", "Point the client at 10.141.214.209:5432"]);
    assert_ok(&out);
    assert!(
        stderr(&out).contains("internal-url/private-ip"),
        "{}",
        text(&out)
    );
}

/// An editor for `GIT_EDITOR` that writes a title, keeps git's template (comments, the
/// scissors line and, with `-v`, the diff) and adds text below the scissors line.
fn editor(t: &TestRepo, comment: &str, below: &str) -> String {
    let path = t.home.path().join("editor.sh");
    write_script(
        &path,
        &format!(
            "{{ printf 'Add readme\\n# {comment}\\n'; cat \"$1\"; printf '{below}\\n'; }} > \"$1.new\" && mv \"$1.new\" \"$1\""
        ),
    );
    path.display().to_string()
}

#[test]
fn comment_lines_and_text_below_scissors_are_not_scanned() {
    let t = installed();
    t.write("README.md", "# demo\n");
    t.git(&["add", "README.md"]);
    let token = common::github_token();
    let editor = editor(
        &t,
        &format!("note {token}"),
        &format!("below the cut 10.141.214.209 {token}"),
    );
    let out = t
        .command("git")
        .args(["commit", "-q", "-v"])
        .env("GIT_EDITOR", &editor)
        .output()
        .expect("run git");
    assert_ok(&out);
    let msg = t.git(&["log", "-1", "--format=%B"]);
    assert_eq!(String::from_utf8_lossy(&msg.stdout).trim(), "Add readme");
}

#[test]
fn text_below_scissors_is_not_scanned_with_cleanup_scissors() {
    let t = installed();
    t.write("README.md", "# demo\n");
    t.git(&["add", "README.md"]);
    let token = common::github_token();
    let editor = editor(&t, "a comment", &format!("below the cut {token}"));
    let out = t
        .command("git")
        .args(["commit", "-q", "--cleanup=scissors"])
        .env("GIT_EDITOR", &editor)
        .output()
        .expect("run git");
    assert_ok(&out);
    let msg = String::from_utf8_lossy(&t.git(&["log", "-1", "--format=%B"]).stdout).into_owned();
    assert!(
        msg.starts_with("Add readme") && !msg.contains(&token),
        "{msg}"
    );
}

#[test]
fn comment_lines_kept_by_git_without_an_editor_are_scanned() {
    // `git commit -m` only trims whitespace (`get_cleanup_mode` in builtin/commit.c): a line
    // starting with `#` is recorded, so it is outbound.
    let t = installed();
    t.write("README.md", "# demo\n");
    t.git(&["add", "README.md"]);
    let token = common::github_token();
    let out = commit(&t, &["-m", &format!("Add readme\n\n# token {token}")]);
    assert!(!out.status.success(), "expected a refusal:\n{}", text(&out));
    assert!(stderr(&out).contains("secret/github-pat"), "{}", text(&out));
    assert!(!text(&out).contains(&token));
}

#[test]
fn comment_lines_kept_by_cleanup_scissors_config_are_scanned() {
    let t = installed();
    t.git(&["config", "commit.cleanup", "scissors"]);
    t.write("README.md", "# demo\n");
    t.git(&["add", "README.md"]);
    let token = common::github_token();
    let editor = editor(&t, &format!("note {token}"), "below the cut");
    let out = t
        .command("git")
        .args(["commit", "-q"])
        .env("GIT_EDITOR", &editor)
        .output()
        .expect("run git");
    assert!(!out.status.success(), "expected a refusal:\n{}", text(&out));
    assert!(stderr(&out).contains("secret/github-pat"), "{}", text(&out));
}

// ---------------------------------------------------------------- pre-push

#[test]
fn new_branch_push_scans_only_new_commits() {
    let (t, _remote) = pushing();
    let old = common::github_token();
    t.commit_file("old.py", settings(&old), "Old token");
    t.git(&["push", "-q", "--no-verify", "origin", "main"]);
    t.git(&["checkout", "-q", "-b", "topic"]);
    t.commit_file("notes.md", "clean\n", "Notes");
    assert_ok(&t.git_any(&["push", "-q", "origin", "topic"]));
    let new = common::github_token();
    let id = t.commit_file("new.py", settings(&new), "New token");
    let out = t.git_any(&["push", "-q", "origin", "topic"]);
    assert_secret_blocked(&out, "new.py:2", &new);
    let err = stderr(&out);
    assert!(err.contains(short(&id)), "no commit id {id} in:\n{err}");
    assert!(
        !err.contains("old.py"),
        "an already pushed line was reported again:\n{err}"
    );
    assert!(!text(&out).contains(&old));
}

#[test]
fn pushed_notes_are_checked_and_honour_outbound_skip() {
    let (t, _remote) = pushing();
    t.git(&["push", "-q", "origin", "main"]);
    let token = common::github_token();
    t.git(&["notes", "add", "-m", &settings(&token), "HEAD"]);
    let push = |skip: bool| {
        let mut c = t.command("git");
        c.args(["push", "-q", "origin", "refs/notes/commits"]);
        if skip {
            c.env("OUTBOUND_SKIP", "secret")
                .env("OUTBOUND_REASON", "fake token in a test note");
        }
        c.output().expect("run git")
    };
    let out = push(false);
    assert!(!out.status.success(), "the note went out:\n{}", text(&out));
    assert!(stderr(&out).contains("secret/"), "{}", text(&out));
    assert!(!text(&out).contains(&token));
    assert_ok(&push(true));
}

#[test]
fn push_of_two_branches_reads_every_line() {
    let (t, _remote) = pushing();
    t.git(&["push", "-q", "origin", "main"]);
    let (ta, tb) = (common::github_token(), common::github_token());
    t.git(&["checkout", "-q", "-b", "one", "main"]);
    t.commit_file("one.py", settings(&ta), "One");
    t.git(&["checkout", "-q", "-b", "two", "main"]);
    t.commit_file("two.py", settings(&tb), "Two");
    let out = t.git_any(&["push", "-q", "origin", "one", "two"]);
    assert_secret_blocked(&out, "one.py:2", &ta);
    assert_secret_blocked(&out, "two.py:2", &tb);
}

#[test]
fn deleting_a_remote_branch_passes() {
    let (t, _remote) = pushing();
    t.git(&["checkout", "-q", "-b", "leaky"]);
    t.commit_file("leak.py", settings(&common::github_token()), "Leak");
    t.git(&["push", "-q", "--no-verify", "origin", "main", "leaky"]);
    assert_ok(&t.git_any(&["push", "-q", "origin", "--delete", "leaky"]));
}

#[test]
fn force_push_after_rewrite_checks_the_new_commits() {
    let (t, _remote) = pushing();
    t.commit_file("app.py", "print('hi')\n", "App");
    t.git(&["push", "-q", "origin", "main"]);
    let token = common::github_token();
    t.write("app.py", format!("print('hi')\nTOKEN = \"{token}\"\n"));
    t.git(&["add", "app.py"]);
    t.git(&["commit", "-q", "--amend", "--no-verify", "--no-edit"]);
    let out = t.git_any(&["push", "-q", "--force", "origin", "main"]);
    assert_secret_blocked(&out, "app.py:2", &token);
    assert!(stderr(&out).contains(short(&t.head())), "{}", text(&out));
}

#[test]
fn annotated_tag_message_with_a_secret_blocks() {
    let (t, _remote) = pushing();
    t.git(&["push", "-q", "origin", "main"]);
    let token = common::github_token();
    t.git(&[
        "tag",
        "-a",
        "v1.0",
        "-m",
        &format!("Release 1.0\n\nbuilt with {token}"),
    ]);
    let out = t.git_any(&["push", "-q", "origin", "v1.0"]);
    assert!(!out.status.success(), "expected a refusal:\n{}", text(&out));
    assert!(stderr(&out).contains("secret/github-pat"), "{}", text(&out));
    assert!(!text(&out).contains(&token));
}

#[test]
fn remote_id_unknown_locally_falls_back_to_tracking_refs() {
    let (t, remote) = pushing();
    let old = common::github_token();
    t.commit_file("old.py", settings(&old), "Old token");
    t.git(&["push", "-q", "--no-verify", "origin", "main"]);
    // Someone else pushes a commit that we never fetch.
    let other = TestRepo::new();
    other.git(&[
        "remote",
        "add",
        "origin",
        &remote.path().display().to_string(),
    ]);
    other.git(&["fetch", "-q", "origin"]);
    other.git(&["checkout", "-q", "-B", "main", "origin/main"]);
    other.commit_file("theirs.md", "theirs\n", "Theirs");
    other.git(&["push", "-q", "origin", "main"]);
    let new = common::github_token();
    t.commit_file("new.py", settings(&new), "New token");
    let out = t.git_any(&["push", "-q", "--force", "origin", "main"]);
    assert_secret_blocked(&out, "new.py:2", &new);
    assert!(!stderr(&out).contains("old.py"), "{}", text(&out));
    assert!(!stderr(&out).contains("could not check"), "{}", text(&out));
}

// ---------------------------------------------------------------- pre-receive

#[test]
fn pre_receive_refuses_a_secret_behind_remote_prefix() {
    let (_server, client) = server();
    let token = common::github_token();
    client.commit_file("settings.py", settings(&token), "Add settings");
    let out = client.git_any(&["push", "-q", "origin", "main"]);
    assert_secret_blocked(&out, "settings.py:2", &token);
    let err = stderr(&out);
    let finding = err
        .lines()
        .find(|l| l.contains("secret/github-pat"))
        .expect("a finding line");
    assert!(
        finding.starts_with("remote: "),
        "not relayed behind 'remote:': {finding}"
    );
    // The client-side escape hatches mean nothing to the server.
    assert!(
        !err.contains("OUTBOUND_SKIP") && err.contains("outbound.bypass"),
        "{err}"
    );
}

#[test]
fn pre_receive_refuses_an_annotated_tag_with_a_secret() {
    let (_server, client) = server();
    client.commit_file("README.md", "# demo\n", "Initial commit");
    client.git(&["push", "-q", "origin", "main"]);
    let token = common::github_token();
    client.git(&[
        "tag",
        "-a",
        "v1.0",
        "-m",
        &format!("Release 1.0\n\nbuilt with {token}"),
    ]);
    let out = client.git_any(&["push", "-q", "origin", "v1.0"]);
    assert!(!out.status.success(), "expected a refusal:\n{}", text(&out));
    assert!(
        stderr(&out).contains("remote: ") && stderr(&out).contains("secret/github-pat"),
        "{}",
        text(&out)
    );
    assert!(!text(&out).contains(&token));
}

/// Creates `<prefix>/<i>` for 2,000 refs, each at one of `ids` in turn.
fn many_refs(repo: &TestRepo, prefix: &str, ids: &[String]) {
    use std::io::Write;
    let lines: String = (0..2000)
        .map(|i| format!("create {prefix}/{i} {}\n", ids[i % ids.len()]))
        .collect();
    let mut child = repo
        .command("git")
        .args(["update-ref", "--stdin"])
        .stdin(std::process::Stdio::piped())
        .spawn()
        .expect("git update-ref starts");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(lines.as_bytes())
        .expect("write refs");
    assert!(child.wait().expect("update-ref ends").success());
}

#[test]
fn both_hooks_among_two_thousand_refs_check_what_the_push_adds_and_nothing_known() {
    let (server, client) = server();
    assert_ok(&client.outbound(&["install"]));
    let mut ids = vec![client.commit_file("README.md", "# demo\n", "Initial commit")];
    for i in 0..5 {
        ids.push(client.commit_file("notes.txt", format!("note {i}\n"), "Note"));
    }
    assert_ok(&client.git_any(&["push", "-q", "origin", "main"]));
    // A secret the server already holds under one ref of many (fetched, so no hook saw it),
    // and that the client knows as one of its many tracking refs of the server.
    let token = common::github_token();
    client.git(&["checkout", "-q", "-b", "old"]);
    let known = client.commit_file("settings.py", settings(&token), "Old settings");
    let client_dir = client.path().display().to_string();
    server.git(&["fetch", "-q", &client_dir, "old:refs/changes/known/1"]);
    many_refs(&server, "refs/changes/many", &ids);
    let mut tracked = ids.clone();
    tracked.push(known.clone());
    many_refs(&client, "refs/remotes/origin/mr", &tracked);
    // A new branch on top of it adds one clean commit: both hooks accept.
    client.commit_file("clean.txt", "clean\n", "Clean change");
    assert_ok(&client.git_any(&["push", "-q", "origin", "old:refs/heads/topic"]));
    // A new secret on main is refused by the client, and by the server behind --no-verify.
    client.git(&["checkout", "-q", "main"]);
    client.commit_file("settings.py", settings(&token), "New settings");
    let out = client.git_any(&["push", "-q", "origin", "main"]);
    assert_secret_blocked(&out, "settings.py:2", &token);
    let out = client.git_any(&["push", "-q", "--no-verify", "origin", "main"]);
    assert_secret_blocked(&out, "settings.py:2", &token);
    assert!(stderr(&out).contains("remote: "), "{}", text(&out));
}

#[test]
fn pre_receive_accepts_a_clean_push() {
    let (server, client) = server();
    let id = client.commit_file("README.md", "# demo\n", "Initial commit");
    assert_ok(&client.git_any(&["push", "-q", "origin", "main"]));
    let there = server.git(&["rev-parse", "main"]);
    assert_eq!(String::from_utf8_lossy(&there.stdout).trim(), id);
}

#[test]
fn pre_receive_policy_comes_from_server_git_config() {
    let (server, client) = server();
    let policy = policy_file(
        &server,
        "server-policy.toml",
        "[secrets]\nseverity = \"warn\"\n",
    );
    server.git(&["config", "outbound.policy", &policy]);
    let token = common::github_token();
    client.commit_file("settings.py", settings(&token), "Add settings");
    let out = client.git_any(&["push", "-q", "origin", "main"]);
    assert_ok(&out);
    let err = stderr(&out);
    assert!(
        err.contains("remote: ") && err.contains("warning[secret/github-pat]"),
        "{err}"
    );
    assert!(!err.contains(&token));
}

#[test]
fn pre_receive_ignores_a_pushed_outbound_toml() {
    let (_server, client) = server();
    client.write(".outbound.toml", "[secrets]\nseverity = \"off\"\n");
    client.git(&["add", ".outbound.toml"]);
    let token = common::github_token();
    client.commit_file("settings.py", settings(&token), "Add settings");
    let out = client.git_any(&["push", "-q", "origin", "main"]);
    assert_secret_blocked(&out, "settings.py:2", &token);
}

#[test]
fn push_option_bypass_is_accepted_and_audited() {
    let (server, client) = server();
    let policy = policy_file(
        &server,
        "server-policy.toml",
        "[hooks]\nallow_push_option_bypass = true\n",
    );
    server.git(&["config", "outbound.policy", &policy]);
    server.git(&["config", "receive.advertisePushOptions", "true"]);
    client.commit_file(
        "settings.py",
        settings(&common::github_token()),
        "Add settings",
    );
    let out = client.git_any(&[
        "-c",
        "push.pushOption=",
        "push",
        "-q",
        "-o",
        "outbound.bypass=incident 4711: rotated already",
        "origin",
        "main",
    ]);
    assert_ok(&out);
    let log = std::fs::read_to_string(server.path().join("outbound-audit.log"))
        .expect("an audit log in the bare repository");
    let entry: serde_json::Value =
        serde_json::from_str(log.lines().last().expect("a line")).expect("JSON");
    assert_eq!(entry["hook"], "pre-receive");
    assert_eq!(entry["reason"], "incident 4711: rotated already");
}

#[test]
fn push_option_bypass_is_refused_without_server_policy() {
    let (server, client) = server();
    server.git(&["config", "receive.advertisePushOptions", "true"]);
    let token = common::github_token();
    client.commit_file("settings.py", settings(&token), "Add settings");
    let out = client.git_any(&[
        "push",
        "-q",
        "-o",
        "outbound.bypass=because",
        "origin",
        "main",
    ]);
    assert_secret_blocked(&out, "settings.py:2", &token);
    assert!(!server.path().join("outbound-audit.log").exists());
}

// ---------------------------------------------------------------- installation

/// Every file in `dir` with its content, sorted.
fn snapshot(dir: &Path) -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = std::fs::read_dir(dir)
        .expect("read hooks folder")
        .flatten()
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read_to_string(e.path()).unwrap_or_default(),
            )
        })
        .collect();
    files.sort();
    files
}

#[test]
fn installing_twice_changes_nothing() {
    let t = installed();
    let hooks = t.path().join(".git/hooks");
    let before = snapshot(&hooks);
    let out = t.outbound(&["install"]);
    assert_ok(&out);
    assert_eq!(snapshot(&hooks), before);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout)
            .matches("already installed")
            .count(),
        4, // pre-commit, commit-msg, pre-push, sendemail-validate
        "{}",
        text(&out)
    );
}

#[test]
fn existing_hook_is_chained_and_restored_by_uninstall() {
    let t = TestRepo::new();
    let hook = t.path().join(".git/hooks/pre-commit");
    write_script(&hook, "echo ran >> .git/own-hook-ran");
    let original = std::fs::read_to_string(&hook).expect("read hook");
    assert_ok(&t.outbound(&["install"]));
    t.write("README.md", "# demo\n");
    t.git(&["add", "README.md"]);
    assert_ok(&commit(&t, &["-m", "Initial commit"]));
    assert!(
        t.path().join(".git/own-hook-ran").exists(),
        "the existing hook did not run"
    );
    let token = common::github_token();
    t.write("settings.py", settings(&token));
    t.git(&["add", "settings.py"]);
    assert_secret_blocked(
        &commit(&t, &["-m", "Add settings"]),
        "settings.py:2",
        &token,
    );
    assert_ok(&t.outbound(&["uninstall"]));
    assert_eq!(
        std::fs::read_to_string(&hook).expect("hook is back"),
        original
    );
    assert!(!t.path().join(".git/hooks/commit-msg").exists());
}

#[test]
fn hooks_path_folder_receives_the_shims() {
    let t = TestRepo::new();
    t.git(&["config", "core.hooksPath", ".githooks"]);
    assert_ok(&t.outbound(&["install"]));
    assert!(t.path().join(".githooks/pre-commit").is_file());
    assert!(!t.path().join(".git/hooks/pre-commit").exists());
    let token = common::github_token();
    t.write("settings.py", settings(&token));
    t.git(&["add", "settings.py"]);
    assert_secret_blocked(
        &commit(&t, &["-m", "Add settings"]),
        "settings.py:2",
        &token,
    );
}

fn global_hooks_path(t: &TestRepo) -> Option<String> {
    let out = t.git_any(&["config", "--global", "core.hooksPath"]);
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

#[test]
fn global_install_sets_hooks_path_and_keeps_repository_hooks() {
    let t = TestRepo::new();
    write_script(
        &t.path().join(".git/hooks/pre-commit"),
        "echo ran >> .git/own-hook-ran",
    );
    let out = t.outbound(&["install", "--global"]);
    assert_ok(&out);
    let dir = global_hooks_path(&t).expect("core.hooksPath set globally");
    assert_eq!(
        PathBuf::from(&dir),
        t.home.path().join(".config/git-outbound/hooks")
    );
    assert!(Path::new(&dir).join("pre-commit").is_file());
    t.write("README.md", "# demo\n");
    t.git(&["add", "README.md"]);
    assert_ok(&commit(&t, &["-m", "Initial commit"]));
    assert!(
        t.path().join(".git/own-hook-ran").exists(),
        "the repository's own hook did not run"
    );
    let token = common::github_token();
    t.write("settings.py", settings(&token));
    t.git(&["add", "settings.py"]);
    assert_secret_blocked(
        &commit(&t, &["-m", "Add settings"]),
        "settings.py:2",
        &token,
    );
    assert_ok(&t.outbound(&["uninstall", "--global"]));
    assert_eq!(global_hooks_path(&t), None);
}

#[test]
fn global_uninstall_restores_the_previous_hooks_path() {
    let t = TestRepo::new();
    let previous = t.home.path().join("company-hooks");
    write_script(
        &previous.join("pre-commit"),
        "echo ran >> .git/company-hook-ran",
    );
    t.git(&[
        "config",
        "--global",
        "core.hooksPath",
        &previous.display().to_string(),
    ]);
    assert_ok(&t.outbound(&["install", "--global"]));
    assert_ne!(
        global_hooks_path(&t).as_deref(),
        Some(previous.display().to_string().as_str())
    );
    t.write("README.md", "# demo\n");
    t.git(&["add", "README.md"]);
    assert_ok(&commit(&t, &["-m", "Initial commit"]));
    assert!(
        t.path().join(".git/company-hook-ran").exists(),
        "the previous global hook did not run"
    );
    assert_ok(&t.outbound(&["uninstall", "--global"]));
    assert_eq!(global_hooks_path(&t), Some(previous.display().to_string()));
}

#[test]
fn repository_install_under_a_global_install_keeps_the_global_shims() {
    let t = TestRepo::new();
    write_script(
        &t.path().join(".git/hooks/pre-commit"),
        "echo ran >> .git/own-hook-ran",
    );
    assert_ok(&t.outbound(&["install", "--global"]));
    let dir = PathBuf::from(global_hooks_path(&t).expect("core.hooksPath set globally"));
    let before = snapshot(&dir);
    let out = t.outbound(&["install"]);
    assert_ok(&out);
    assert_eq!(
        snapshot(&dir),
        before,
        "the shared shims were replaced:\n{}",
        text(&out)
    );
    let out = t.outbound(&["uninstall"]);
    assert!(!out.status.success(), "expected a refusal:\n{}", text(&out));
    assert!(
        stderr(&out).contains("uninstall --global"),
        "{}",
        text(&out)
    );
    assert_eq!(snapshot(&dir), before, "the shared shims were removed");
    t.write("README.md", "# demo\n");
    t.git(&["add", "README.md"]);
    assert_ok(&commit(&t, &["-m", "Initial commit"]));
    assert!(
        t.path().join(".git/own-hook-ran").exists(),
        "the repository's own hook did not run"
    );
}

#[test]
fn husky_hooks_path_is_left_alone_with_instructions() {
    let t = TestRepo::new();
    write_script(&t.path().join(".husky/_/pre-commit"), "echo husky");
    t.git(&["config", "core.hooksPath", ".husky/_"]);
    let before = snapshot(&t.path().join(".husky/_"));
    let out = t.outbound(&["install"]);
    assert!(!out.status.success(), "expected a refusal:\n{}", text(&out));
    assert!(stderr(&out).contains("husky"), "{}", text(&out));
    assert_eq!(snapshot(&t.path().join(".husky/_")), before);
}

#[test]
fn repo_shim_without_binary_on_path_refuses() {
    let t = TestRepo::new();
    let hook = t.path().join(".git/hooks/pre-commit");
    std::fs::copy(Path::new(REPO_SHIMS).join("pre-commit"), &hook).expect("copy shim");
    make_executable(&hook);
    let path: Vec<String> = std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .filter(|d| !d.join("git-outbound").exists())
        .map(|d| d.display().to_string())
        .collect();
    t.write("README.md", "# demo\n");
    t.git(&["add", "README.md"]);
    let out = t
        .command("git")
        .args(["commit", "-q", "-m", "Initial commit"])
        .env("PATH", path.join(":"))
        .output()
        .expect("run git");
    assert!(
        !out.status.success(),
        "the commit went through:\n{}",
        text(&out)
    );
    assert!(
        stderr(&out).contains("git-outbound: not found on PATH"),
        "{}",
        text(&out)
    );
    assert_eq!(commit_count(&t), 0);
}

// ---------------------------------------------------------------- bypass, policy, doctor

#[test]
fn skip_without_reason_refuses() {
    let t = installed();
    t.write("settings.py", settings(&common::github_token()));
    t.git(&["add", "settings.py"]);
    let out = t
        .command("git")
        .args(["commit", "-q", "-m", "Add settings"])
        .env("OUTBOUND_SKIP", "secret")
        .output()
        .expect("run git");
    assert!(
        !out.status.success(),
        "the commit went through:\n{}",
        text(&out)
    );
    assert!(stderr(&out).contains("OUTBOUND_REASON"), "{}", text(&out));
    assert!(!t.path().join(".git/outbound-audit.log").exists());
}

#[test]
fn skip_is_refused_when_policy_turns_it_off() {
    let t = installed();
    t.write(".outbound.toml", "[hooks]\nallow_skip = false\n");
    t.write("settings.py", settings(&common::github_token()));
    t.git(&["add", "settings.py", ".outbound.toml"]);
    let out = t
        .command("git")
        .args(["commit", "-q", "-m", "Add settings"])
        .env("OUTBOUND_SKIP", "secret")
        .env("OUTBOUND_REASON", "trying anyway")
        .output()
        .expect("run git");
    assert!(
        !out.status.success(),
        "the commit went through:\n{}",
        text(&out)
    );
    assert!(stderr(&out).contains("hooks.allow_skip"), "{}", text(&out));
}

#[test]
fn skip_with_reason_passes_and_is_audited() {
    let t = installed();
    t.write("settings.py", settings(&common::github_token()));
    t.git(&["add", "settings.py"]);
    let out = t
        .command("git")
        .args(["commit", "-q", "-m", "Add settings"])
        .env("OUTBOUND_SKIP", "secret")
        .env("OUTBOUND_REASON", "fake key for the parser tests")
        .output()
        .expect("run git");
    assert_ok(&out);
    let log =
        std::fs::read_to_string(t.path().join(".git/outbound-audit.log")).expect("an audit log");
    let entries: Vec<serde_json::Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    let entry = entries
        .iter()
        .find(|e| e["hook"] == "pre-commit")
        .unwrap_or_else(|| panic!("no pre-commit entry in:\n{log}"));
    assert_eq!(entry["skipped"], serde_json::json!(["secret"]));
    assert_eq!(entry["reason"], "fake key for the parser tests");
    assert!(
        entry["user"].as_str().is_some_and(|u| !u.is_empty()),
        "{entry}"
    );
}

#[test]
fn broken_outbound_toml_refuses_the_commit() {
    let t = installed();
    t.write(".outbound.toml", "[secrets]\nserverity = \"warn\"\n");
    t.write("README.md", "# demo\n");
    t.git(&["add", "README.md"]);
    let out = commit(&t, &["-m", "Initial commit"]);
    assert!(
        !out.status.success(),
        "the commit went through:\n{}",
        text(&out)
    );
    let err = stderr(&out);
    assert!(
        err.contains(".outbound.toml") && err.contains("line 2") && err.contains("serverity"),
        "{err}"
    );
}

#[test]
fn doctor_lists_the_hooks_and_its_canary_passes() {
    let t = installed();
    let out = t.outbound(&["doctor"]);
    assert_ok(&out);
    let said = String::from_utf8_lossy(&out.stdout);
    for hook in ["pre-commit", "commit-msg", "pre-push"] {
        assert!(
            said.lines()
                .any(|l| l.contains(hook) && l.contains("git-outbound")),
            "{hook} not listed:\n{said}"
        );
    }
    assert!(
        said.contains("canary:") && !said.contains("FAILED"),
        "{said}"
    );
}

#[test]
fn pre_receive_checks_a_long_push_listed_on_all_cores() {
    // 250 commits over 20 files: the commits are compared with their parents on several
    // workers, each opening the repository again inside the push quarantine.
    let (_server, client) = server();
    let token = common::github_token();
    let mut stream = String::new();
    for i in 0..250 {
        let content = if i == 240 {
            settings(&token)
        } else {
            format!("line {i}\n")
        };
        let message = format!("change {i}\n\nSigned-off-by: Jane Doe <jane@example.com>\n");
        stream.push_str(&format!(
            "commit refs/heads/main\ncommitter Jane Doe <jane@example.com> {} +0000\ndata {}\n{message}M 100644 inline f{}.txt\ndata {}\n{content}\n",
            1_767_225_600 + i,
            message.len(),
            if i == 240 { 3 } else { i % 20 },
            content.len(),
        ));
    }
    let mut import = client
        .command("git")
        .args(["fast-import", "--quiet"])
        .stdin(std::process::Stdio::piped())
        .spawn()
        .expect("git fast-import starts");
    use std::io::Write;
    import
        .stdin
        .take()
        .expect("stdin")
        .write_all(stream.as_bytes())
        .expect("stream written");
    assert!(import.wait().expect("fast-import ends").success());
    client.git(&["checkout", "-q", "main"]);
    let out = client.git_any(&["push", "-q", "origin", "main"]);
    assert_secret_blocked(&out, "f3.txt:2", &token);
}
