//! What a commit adds: the pre-commit hook through a real `git commit`, and `scan --staged`
//! (partial staging, `commit -a`, pathspecs, unborn branches, merges, linked worktrees).

use crate::common::{self, *};

#[test]
fn staged_secret_blocks_the_commit_redacted() {
    let t = installed();
    t.commit_file("README.md", "# demo\n", "Initial commit");
    let token = common::github_token();
    t.write("src/settings.py", settings(&token));
    t.git(&["add", "src/settings.py"]);
    let out = git_commit(&t, &["-m", "Add settings"]);
    assert_secret_blocked(&out, "src/settings.py:2", &token);
    assert_eq!(commit_count(&t), 1, "the commit went through");
}

#[test]
fn clean_commit_passes() {
    let t = installed();
    t.commit_file("README.md", "# demo\n", "Initial commit");
    t.write("src/lib.rs", "pub fn answer() -> u32 {\n    42\n}\n");
    t.git(&["add", "src/lib.rs"]);
    assert_ok(&git_commit(&t, &["-m", "Add the answer"]));
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
    assert_ok(&git_commit(&t, &["-m", "Turn debug off"]));
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
    let out = git_commit(&t, &["-a", "-m", "Add token"]);
    assert_secret_blocked(&out, "settings.py:2", &token);
    assert_eq!(commit_count(&t), 1);
}

#[test]
fn commit_with_pathspec_scans_the_temporary_index() {
    let t = installed();
    t.commit_file("settings.py", "import os\n", "Initial commit");
    let token = common::github_token();
    t.write("settings.py", settings(&token));
    let out = git_commit(&t, &["-m", "Add token", "settings.py"]);
    assert_secret_blocked(&out, "settings.py:2", &token);
    assert_eq!(commit_count(&t), 1);
}

#[test]
fn first_commit_on_unborn_branch_is_checked() {
    let t = installed();
    let token = common::github_token();
    t.write("settings.py", settings(&token));
    t.git(&["add", "settings.py"]);
    let out = git_commit(&t, &["-m", "Initial commit"]);
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
    let out = git_commit(&t, &["--no-edit"]);
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

#[test]
fn partial_staging_scans_the_index_not_the_worktree() {
    let t = TestRepo::new();
    t.commit_file("app.py", "x = 1\n", "start");
    t.write("app.py", "x = 2\n");
    t.git(&["add", "app.py"]);
    t.write("app.py", format!("x = 2\ntoken = \"{}\"\n", github_token()));
    let (code, v) = t.json(&["scan", "--staged"]);
    assert_eq!(code, 0, "{v}");
    t.git(&["add", "app.py"]);
    let (code, v) = t.json(&["scan", "--staged"]);
    assert_eq!(code, 1);
    assert_eq!(findings(&v)[0]["line"], 2);
}

#[test]
fn staged_scan_works_on_an_unborn_branch() {
    let t = TestRepo::new();
    t.write(
        "first.txt",
        format!("AWS_ACCESS_KEY_ID = \"{}\"\n", aws_key_id()),
    );
    t.git(&["add", "first.txt"]);
    let (code, v) = t.json(&["scan", "--staged"]);
    assert_eq!(code, 1);
    assert_eq!(rules_of(&v), vec!["secret/aws-access-key-id"]);
}

#[test]
fn staged_scan_reports_only_what_the_change_adds() {
    let t = TestRepo::new();
    let old = github_token();
    t.commit_file(
        "conf.txt",
        format!("old = {old}\n"),
        "old secret already committed",
    );
    t.write("conf.txt", format!("old = {old}\nnote = hello\n"));
    t.git(&["add", "conf.txt"]);
    let (code, v) = t.json(&["scan", "--staged"]);
    assert_eq!(code, 0, "{v}");
}
