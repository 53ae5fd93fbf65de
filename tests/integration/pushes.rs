//! What a push adds, through a real `git push`: pre-push on the client and pre-receive on the
//! server; new, deleted and force-pushed branches, notes, many refs, long pushes.

use crate::common::{self, *};

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
    assert!(err.contains(id12(&id)), "no commit id {id} in:\n{err}");
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
    assert!(stderr(&out).contains(id12(&t.head())), "{}", text(&out));
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

/// Creates `<prefix>/<i>` for 2,000 refs, each at one of `ids` in turn.
fn many_refs(repo: &TestRepo, prefix: &str, ids: &[String]) {
    let lines: String = (0..2000)
        .map(|i| format!("create {prefix}/{i} {}\n", ids[i % ids.len()]))
        .collect();
    let out = pipe(repo, "git", &["update-ref", "--stdin"], lines.as_bytes());
    assert!(out.status.success(), "{}", stderr(&out));
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
