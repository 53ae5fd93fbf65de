//! Installation: repository and global hooks, chaining an existing hook, `core.hooksPath`,
//! husky left alone, the fail-closed shim, uninstall restoring what was there, and `doctor`.

use std::path::{Path, PathBuf};

use crate::common::{self, *};

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
    assert_ok(&git_commit(&t, &["-m", "Initial commit"]));
    assert!(
        t.path().join(".git/own-hook-ran").exists(),
        "the existing hook did not run"
    );
    let token = common::github_token();
    t.write("settings.py", settings(&token));
    t.git(&["add", "settings.py"]);
    assert_secret_blocked(
        &git_commit(&t, &["-m", "Add settings"]),
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
        &git_commit(&t, &["-m", "Add settings"]),
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
    assert_ok(&git_commit(&t, &["-m", "Initial commit"]));
    assert!(
        t.path().join(".git/own-hook-ran").exists(),
        "the repository's own hook did not run"
    );
    let token = common::github_token();
    t.write("settings.py", settings(&token));
    t.git(&["add", "settings.py"]);
    assert_secret_blocked(
        &git_commit(&t, &["-m", "Add settings"]),
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
    assert_ok(&git_commit(&t, &["-m", "Initial commit"]));
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
    assert_ok(&git_commit(&t, &["-m", "Initial commit"]));
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
