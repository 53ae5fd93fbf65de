//! Where the policy comes from and what a broken one does: exit 2 naming file, line and key;
//! hooks fail closed; the server's policy comes from its git config, never from the push.

use crate::common::{self, *};

#[test]
fn a_bad_policy_is_exit_two_naming_file_line_and_key() {
    let t = TestRepo::new();
    t.write(
        ".outbound.toml",
        "[secrets]\nseverity = \"block\"\nallow_everything = true\n",
    );
    let out = t.outbound(&["scan", "."]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains(".outbound.toml")
            && err.contains("line 3")
            && err.contains("allow_everything"),
        "{err}"
    );
}

#[test]
fn checks_flag_limits_the_checks_and_rejects_unknown_names() {
    let t = TestRepo::new();
    t.write("a.txt", format!("{}\nhost 10.1.1.1\n", github_token()));
    let (_, v) = t.json(&["scan", ".", "--checks", "internal-url"]);
    assert_eq!(rules_of(&v), vec!["internal-url/private-ip"]);
    assert_eq!(
        t.outbound(&["scan", ".", "--checks", "secrets"])
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn broken_outbound_toml_refuses_the_commit() {
    let t = installed();
    t.write(".outbound.toml", "[secrets]\nserverity = \"warn\"\n");
    t.write("README.md", "# demo\n");
    t.git(&["add", "README.md"]);
    let out = git_commit(&t, &["-m", "Initial commit"]);
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
