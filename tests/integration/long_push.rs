//! Long pushes through a real server (issues 20 and 27): thousands of commits through
//! pre-receive with their findings reported, commits the server stored but no ref reaches,
//! pushes among many refs, and a push refused when it cannot finish within
//! `hooks.time_budget`. Histories are written with `git fast-import`, so they are quick to make.

use std::io::Write;

use crate::common::{self, TestRepo, stderr, text};

/// A bare server with pre-receive installed, and a client with it as `origin`.
fn server() -> (TestRepo, TestRepo) {
    let server = TestRepo::bare();
    let out = server.outbound(&["install"]);
    assert!(out.status.success(), "install failed:\n{}", text(&out));
    let client = TestRepo::new();
    let path = server.path().display().to_string();
    client.git(&["remote", "add", "origin", &path]);
    (server, client)
}

/// Writes `n` commits on `refs/heads/main` of `t` (each changes one of 50 files), with the
/// contents of `planted` (commit number, file, content) where listed.
fn import(t: &TestRepo, n: usize, planted: &[(usize, &str, String)]) {
    let mut stream = String::new();
    for i in 0..n {
        let (path, content) = match planted.iter().find(|(k, _, _)| *k == i) {
            Some((_, path, content)) => (path.to_string(), content.clone()),
            None => (format!("src/f{}.txt", i % 50), format!("line {i}\n")),
        };
        let message = format!("change {i}\n");
        stream.push_str(&format!(
            "commit refs/heads/main\ncommitter Jane Doe <jane@example.com> {} +0000\ndata {}\n{message}M 100644 inline {path}\ndata {}\n{content}\n",
            1_767_225_600 + i,
            message.len(),
            content.len(),
        ));
    }
    let out = common::pipe(t, "git", &["fast-import", "--quiet"], stream.as_bytes());
    assert!(out.status.success(), "{}", stderr(&out));
    t.git(&["checkout", "-q", "-f", "main"]);
}

fn settings(token: &str) -> String {
    format!("import os\nGITHUB_TOKEN = \"{token}\"\n")
}

#[test]
fn pre_receive_checks_a_push_of_three_thousand_commits_and_reports_every_finding() {
    let (server, client) = server();
    let (early, late) = (common::github_token(), common::github_token());
    let planted = [
        (10, "config/early.py", settings(&early)),
        (2_990, "config/late.py", settings(&late)),
    ];
    import(&client, 3_000, &planted);
    let out = client.git_any(&["push", "-q", "origin", "main"]);
    assert!(!out.status.success(), "expected a refusal:\n{}", text(&out));
    let err = stderr(&out);
    for at in ["config/early.py:2", "config/late.py:2"] {
        assert!(err.contains(at), "no '{at}' in:\n{err}");
    }
    assert!(!err.contains(&early) && !err.contains(&late), "{err}");
    // Nothing was accepted.
    assert!(
        !server
            .git_any(&["rev-parse", "--verify", "-q", "main"])
            .status
            .success()
    );
}

#[test]
fn pre_receive_checks_commits_the_server_stored_that_no_ref_reaches() {
    let (server, client) = server();
    client.commit_file("README.md", "# demo\n", "Initial commit");
    assert!(
        client
            .git_any(&["push", "-q", "origin", "main"])
            .status
            .success()
    );
    // A branch with a secret reaches the server's store without the hook (fetched by the
    // server itself), then its ref is deleted: the commit stays, reachable from no ref.
    client.git(&["checkout", "-q", "-b", "topic"]);
    let token = common::github_token();
    client.commit_file("settings.py", settings(&token), "Add settings");
    let client_path = client.path().display().to_string();
    server.git(&["fetch", "-q", &client_path, "topic:refs/heads/topic"]);
    server.git(&["update-ref", "-d", "refs/heads/topic"]);
    // A push of one more commit on top brings it back: it is added by this push.
    client.commit_file("notes.txt", "more\n", "One more");
    let out = client.git_any(&["push", "-q", "origin", "topic"]);
    assert!(!out.status.success(), "expected a refusal:\n{}", text(&out));
    let err = stderr(&out);
    assert!(err.contains("settings.py:2"), "{err}");
    assert!(!err.contains(&token), "{err}");
}

#[test]
fn pushes_among_thousands_of_refs_check_only_what_they_add() {
    let (server, client) = server();
    import(&client, 300, &[]);
    assert!(
        client
            .git_any(&["push", "-q", "origin", "main"])
            .status
            .success()
    );
    // 3,000 refs on the server (as Gerrit keeps per patch set) and as tracking refs on the
    // client, spread over the history; a secret far back in history on no ref is not pushed.
    let ids = String::from_utf8_lossy(&client.git(&["rev-list", "main"]).stdout).to_string();
    let ids: Vec<&str> = ids.lines().collect();
    let refs = |prefix: &str| -> String {
        (0..3_000)
            .map(|i| format!("create {prefix}/{i}/1 {}\n", ids[(i * 7) % ids.len()]))
            .collect()
    };
    for (t, prefix) in [
        (&server, "refs/changes"),
        (&client, "refs/remotes/origin/mr"),
    ] {
        let mut child = t
            .command("git")
            .args(["update-ref", "--stdin"])
            .stdin(std::process::Stdio::piped())
            .spawn()
            .expect("update-ref starts");
        let lines = refs(prefix);
        let mut stdin = child.stdin.take().expect("stdin");
        stdin.write_all(lines.as_bytes()).expect("refs written");
        drop(stdin);
        assert!(child.wait().expect("update-ref ends").success());
    }
    client.git(&["fetch", "-q", "origin"]);
    // A new branch from an old commit, and a fast-forward of main, each with one new commit.
    client.git(&["checkout", "-q", "-b", "old-base", ids[250]]);
    client.commit_file("clean.txt", "fine\n", "Clean change");
    let out = client.git_any(&["push", "-q", "origin", "old-base"]);
    assert!(out.status.success(), "{}", text(&out));
    client.git(&["checkout", "-q", "main"]);
    let token = common::github_token();
    client.commit_file("settings.py", settings(&token), "Add settings");
    let out = client.git_any(&["push", "-q", "--no-verify", "origin", "main"]);
    assert!(
        !out.status.success(),
        "expected pre-receive to refuse:\n{}",
        text(&out)
    );
    let err = stderr(&out);
    assert!(
        err.contains("remote: ") && err.contains("settings.py:2"),
        "{err}"
    );
    // The client's own pre-push sees the same single commit.
    let out = client.outbound(&["scan", "--range", "origin/main..main", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["summary"]["commits"], 1, "{}", text(&out));
}

#[test]
fn a_push_that_cannot_finish_within_the_time_budget_is_refused_and_says_so() {
    let (server, client) = server();
    let policy = server.home.path().join("server-policy.toml");
    std::fs::write(&policy, "[hooks]\ntime_budget = 0\n").expect("write policy");
    server.git(&["config", "outbound.policy", &policy.display().to_string()]);
    import(&client, 500, &[]);
    let out = client.git_any(&["push", "-q", "origin", "main"]);
    assert!(!out.status.success(), "expected a refusal:\n{}", text(&out));
    let err = stderr(&out);
    assert!(
        err.contains("did not finish within its time budget") && err.contains("hooks.time_budget"),
        "{err}"
    );
    assert!(
        !server
            .git_any(&["rev-parse", "--verify", "-q", "main"])
            .status
            .success()
    );
}

/// 300 commits, one whose message holds a token, then 300 more: the token, in `main~300`.
fn token_in_a_message_300_commits_back(client: &TestRepo) -> String {
    import(client, 300, &[]);
    let token = common::github_token();
    client.git(&[
        "commit",
        "-q",
        "--allow-empty",
        "-m",
        &format!("Deploy with {token}"),
    ]);
    import_more(client, 300);
    token
}

#[test]
fn messages_of_a_long_range_are_checked_as_its_commits_are_read() {
    let client = TestRepo::new();
    let token = token_in_a_message_300_commits_back(&client);
    let tip = String::from_utf8_lossy(&client.git(&["rev-parse", "main~300"]).stdout)
        .trim()
        .to_string();
    // 600 commits in the range, 601 in the history: both long enough to be checked as read.
    for args in [&["--range", "main~600..main"][..], &["--history"][..]] {
        let mut all = vec!["scan", "--format", "json"];
        all.extend(args);
        let out = client.outbound(&all);
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
        let findings = v["findings"].as_array().expect("findings");
        let in_message: Vec<_> = findings
            .iter()
            .filter(|f| f["commit"] == tip.as_str() && f["path"].is_null())
            .collect();
        assert_eq!(in_message.len(), 1, "{args:?}: {}", text(&out));
        assert!(!text(&out).contains(&token), "{}", text(&out));
        let commits = if args[0] == "--history" { 601 } else { 600 };
        assert_eq!(v["summary"]["commits"], commits, "{args:?}");
    }
}

#[test]
fn a_long_push_with_a_secret_in_one_message_is_refused_by_both_hooks() {
    // 601 commits: long enough that both hooks check messages as the commits are read.
    let (server, client) = server();
    let token = token_in_a_message_300_commits_back(&client);
    let tip = String::from_utf8_lossy(&client.git(&["rev-parse", "--short=12", "main~300"]).stdout)
        .trim()
        .to_string();
    // The client's pre-push, then (skipping it) the server's pre-receive.
    assert!(client.outbound(&["install"]).status.success());
    for verify in ["--verify", "--no-verify"] {
        let out = client.git_any(&["push", "-q", verify, "origin", "main"]);
        assert!(
            !out.status.success(),
            "{verify}: expected a refusal:\n{}",
            text(&out)
        );
        let err = stderr(&out);
        assert!(err.contains(&tip), "{verify}: no commit {tip} in:\n{err}");
        assert!(!err.contains(&token), "{err}");
    }
    assert!(
        !server
            .git_any(&["rev-parse", "--verify", "-q", "main"])
            .status
            .success()
    );
}

/// `n` more commits on top of `main`, as `import` writes them.
fn import_more(t: &TestRepo, n: usize) {
    let mut stream = String::from("reset refs/heads/main\nfrom refs/heads/main^0\n\n");
    for i in 0..n {
        let message = format!("more {i}\n");
        let content = format!("more {i}\n");
        stream.push_str(&format!(
            "commit refs/heads/main\ncommitter Jane Doe <jane@example.com> {} +0000\ndata {}\n{message}M 100644 inline src/g{}.txt\ndata {}\n{content}\n",
            1_767_300_000 + i,
            message.len(),
            i % 50,
            content.len(),
        ));
    }
    let out = common::pipe(t, "git", &["fast-import", "--quiet"], stream.as_bytes());
    assert!(out.status.success(), "{}", stderr(&out));
    t.git(&["checkout", "-q", "-f", "main"]);
}
