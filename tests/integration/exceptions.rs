//! Exceptions: inline allows, policy exceptions with reasons, baselines, and the bypass with a
//! reason (`OUTBOUND_SKIP`, push options) and its audit log.

use crate::common::{self, *};

#[test]
fn inline_allow_exempts_a_line_and_json_lists_it() {
    let t = TestRepo::new();
    t.write("t.py", format!("T = \"{}\"  # outbound:allow github-pat test fixture\nU = \"{}\"  # outbound:allow slack-bot-token\n", github_token(), github_token()));
    let (code, v) = t.json(&["scan", "."]);
    assert_eq!(code, 1);
    assert_eq!(findings(&v).len(), 1);
    assert_eq!(findings(&v)[0]["line"], 2);
    assert_eq!(v["allowed"][0]["line"], 1);
    assert_eq!(v["allowed"][0]["reason"], "outbound:allow on the line");
}

#[test]
fn policy_exceptions_need_a_reason_and_unused_ones_are_reported() {
    let t = TestRepo::new();
    t.write(".outbound.toml", "[[secrets.allow]]\npath = \"tests/fixtures/**\"\nreason = \"fake keys for parser tests\"\n[[secrets.allow]]\npath = \"nowhere/**\"\nreason = \"stale\"\n");
    t.write("tests/fixtures/key.txt", format!("{}\n", github_token()));
    let (code, v) = t.json(&["scan", "."]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["allowed"][0]["reason"], "fake keys for parser tests");
    assert!(
        v["warnings"][0].as_str().unwrap().contains("nowhere/**"),
        "{v}"
    );
    t.write(".outbound.toml", "[[secrets.allow]]\npath = \"x\"\n");
    assert_eq!(t.outbound(&["scan", "."]).status.code(), Some(2));
}

#[test]
fn a_baseline_hides_known_findings_but_not_new_ones_and_holds_no_secret() {
    let t = TestRepo::new();
    let old = github_token();
    t.write("a.txt", format!("a = {old}\n"));
    let out = t.outbound(&["baseline", "base.txt", "a.txt"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let base = std::fs::read_to_string(t.path().join("base.txt")).unwrap();
    assert!(!base.contains(&old[4..]));
    t.write(
        "a.txt",
        format!("moved down\n\na = {old}\nb = {}\n", github_token()),
    );
    let (code, v) = t.json(&["scan", "a.txt", "--baseline", "base.txt"]);
    assert_eq!(code, 1);
    assert_eq!(findings(&v).len(), 1);
    assert_eq!(findings(&v)[0]["line"], 4);
}

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
