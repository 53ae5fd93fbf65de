//! Commit and tag messages: the commit-msg hook (comments and scissors cleaned as git cleans
//! them), annotated tags through pre-push and pre-receive, and messages in `scan --range`.

use crate::common::{self, *};

#[test]
fn secret_in_commit_message_blocks() {
    let t = installed();
    t.write("README.md", "# demo\n");
    t.git(&["add", "README.md"]);
    let token = common::github_token();
    let out = git_commit(&t, &["-m", &format!("Add readme\n\nused {token} to test")]);
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
    let out = git_commit(&t, &["-m", "Point the client at db-7.prod.corp:5432"]);
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
    let out = git_commit(&t, &["-m", "Point the client at 10.141.214.209:5432"]);
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
    let out = git_commit(&t, &["-m", &format!("Add readme\n\n# token {token}")]);
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

#[test]
fn range_finds_secrets_in_commit_messages() {
    let t = TestRepo::new();
    let base = t.commit_file("a.txt", "a\n", "base");
    t.write("a.txt", "b\n");
    t.git(&["add", "a.txt"]);
    t.git(&[
        "commit",
        "-q",
        "--no-verify",
        "-m",
        &format!("deploy with {}", github_token()),
    ]);
    let (code, v) = t.json(&["scan", "--range", &format!("{base}..HEAD")]);
    assert_eq!(code, 1);
    assert_eq!(findings(&v)[0]["path"], serde_json::Value::Null);
    assert_eq!(findings(&v)[0]["commit"], t.head().as_str());
}
