//! Issue 14, part B: nothing leaks while guarding (two secrets on a line, fingerprints that
//! cannot confirm a guess, terminal escapes), and the cases that were broken or silent, each
//! through the real binary, and through real `git commit` / `git push` where it is a hook's.

use std::path::Path;

use sha2::{Digest, Sha256};

use crate::common::*;

/// A repository with the client hooks installed.
fn installed() -> TestRepo {
    let t = TestRepo::new();
    let out = t.outbound(&["install"]);
    assert!(out.status.success(), "install failed:\n{}", text(&out));
    t
}

/// No run of `n` characters of `value` past its first four shows in `output`.
fn assert_hidden(output: &str, value: &str, n: usize) {
    let chars: Vec<char> = value.chars().collect();
    for w in chars[4..].windows(n) {
        let piece: String = w.iter().collect();
        assert!(
            !output.contains(&piece),
            "'{piece}' of a secret leaked into:\n{output}"
        );
    }
}

fn path_of(p: &Path) -> String {
    p.display().to_string()
}

// ------------------------------------------------------------------- 9: two secrets, one line

#[test]
fn two_secrets_on_one_line_are_both_redacted_in_every_format_and_the_hook() {
    let t = installed();
    let (gh, aws) = (github_token(), aws_key_id());
    t.write("creds.txt", format!("tokens = \"{gh}\" \"{aws}\"\n"));
    let human = t.outbound(&["scan", "."]);
    let (code, json) = t.json(&["scan", "."]);
    assert_eq!(code, 1);
    assert_eq!(rules_of(&json).len(), 2, "{json}");
    let sarif = t.outbound(&["scan", ".", "--format", "sarif"]);
    t.git(&["add", "creds.txt"]);
    let hook = t.git_any(&["commit", "-q", "-m", "creds"]);
    assert!(!hook.status.success(), "the commit went through");
    for out in [
        text(&human),
        json.to_string(),
        text(&sarif),
        stderr(&hook),
    ] {
        assert_hidden(&out, &gh, 6);
        assert_hidden(&out, &aws, 6);
    }
    let excerpts: Vec<&str> = json["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| f["excerpt"].as_str().expect("excerpt"))
        .collect();
    assert_eq!(
        excerpts,
        ["tokens = \"ghp_****…\" \"AKIA****…\"", "tokens = \"ghp_****…\" \"AKIA****…\""]
    );
}

#[test]
fn a_secret_cut_at_the_edge_of_another_findings_excerpt_is_still_hidden() {
    let t = TestRepo::new();
    let (gh, aws) = (github_token(), aws_key_id());
    // 50 characters between them: the AWS key's excerpt shows only the token's end.
    t.write(
        "far.txt",
        format!("a = \"{gh}\" {} b = \"{aws}\"\n", "x".repeat(50)),
    );
    let (_, json) = t.json(&["scan", "."]);
    assert_eq!(rules_of(&json).len(), 2, "{json}");
    assert_hidden(&json.to_string(), &gh, 5);
    assert_hidden(&json.to_string(), &aws, 5);
}

// ------------------------------------------------------------------- 10: fingerprints

/// The fingerprint as it was: unsalted SHA-256 of rule, value and path.
fn bare_hash(code: &str, value: &str, path: &str) -> String {
    let mut h = Sha256::new();
    h.update(format!("{code}\0{value}\0{path}").as_bytes());
    h.finalize()[..16].iter().map(|b| format!("{b:02x}")).collect()
}

fn fingerprint_of(t: &TestRepo, key: Option<&str>) -> String {
    let mut c = t.command(BIN);
    c.args(["scan", ".", "--format", "json"]);
    match key {
        Some(k) => c.env("OUTBOUND_FINGERPRINT_KEY", k),
        None => c.env_remove("OUTBOUND_FINGERPRINT_KEY"),
    };
    let out = c.output().expect("run git-outbound");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    v["findings"][0]["fingerprint"]
        .as_str()
        .expect("fingerprint")
        .to_string()
}

#[test]
fn a_fingerprint_cannot_confirm_a_guess_of_the_value_with_or_without_a_key() {
    let t = TestRepo::new();
    let gh = github_token();
    t.write("a.txt", format!("t = \"{gh}\"\n"));
    let none = fingerprint_of(&t, None);
    let keyed = fingerprint_of(&t, Some("org secret one"));
    let other = fingerprint_of(&t, Some("org secret two"));
    // Whoever guesses the value right cannot check it against the fingerprint.
    assert_ne!(none, bare_hash("secret/github-pat", &gh, "a.txt"));
    assert_ne!(keyed, bare_hash("secret/github-pat", &gh, "a.txt"));
    assert_ne!(keyed, none);
    assert_ne!(keyed, other);
    // Without a key, the value takes no part in the fingerprint.
    t.write("a.txt", format!("t = \"{}\"\n", github_token()));
    assert_eq!(fingerprint_of(&t, None), none);
    // With the key, it does.
    assert_ne!(fingerprint_of(&t, Some("org secret one")), keyed);
}

#[test]
fn a_baseline_is_the_same_on_another_machine_and_under_the_org_key() {
    let a = TestRepo::new();
    let gh = github_token();
    a.write("conf/app.txt", format!("token = \"{gh}\"\n"));
    let b = TestRepo::new();
    b.write("conf/app.txt", format!("token = \"{gh}\"\n"));
    assert_eq!(fingerprint_of(&a, None), fingerprint_of(&b, None));
    assert_eq!(
        fingerprint_of(&a, Some("k")),
        fingerprint_of(&b, Some("k"))
    );
    // The key from the org policy; a baseline written with it silences the finding.
    let policy = a.home.path().join("org.toml");
    std::fs::write(&policy, "[secrets]\nfingerprint_key = \"from the org policy\"\n")
        .expect("write policy");
    let baseline = a.home.path().join("baseline.txt");
    let out = a.outbound(&[
        "baseline",
        &path_of(&baseline),
        "--policy",
        &path_of(&policy),
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let written = std::fs::read_to_string(&baseline).expect("baseline");
    assert!(written.contains(&fingerprint_of_policy(&a, &policy)), "{written}");
    assert_hidden(&written, &gh, 5);
    let out = a.outbound(&[
        "scan",
        ".",
        "--policy",
        &path_of(&policy),
        "--baseline",
        &path_of(&baseline),
    ]);
    assert!(out.status.success(), "{}", text(&out));
}

fn fingerprint_of_policy(t: &TestRepo, policy: &Path) -> String {
    let (_, v) = t.json(&["scan", ".", "--policy", &path_of(policy)]);
    v["findings"][0]["fingerprint"]
        .as_str()
        .expect("fingerprint")
        .to_string()
}

#[test]
fn a_fingerprint_key_in_the_repository_file_is_refused() {
    let t = TestRepo::new();
    t.write(".outbound.toml", "[secrets]\nfingerprint_key = \"public\"\n");
    let out = t.outbound(&["scan", "."]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        stderr(&out).contains("secrets.fingerprint_key"),
        "{}",
        text(&out)
    );
}

// ------------------------------------------------------------------- 11: terminal escapes

#[test]
fn control_bytes_in_paths_and_content_reach_the_terminal_escaped() {
    let t = installed();
    let gh = github_token();
    let name = "evil\u{1b}]0;owned\u{7}\u{1b}[2J.txt";
    t.write(name, format!("\u{1b}[8mhidden\u{1b}[0m t = \"{gh}\" \u{9b}31m\n"));
    let out = t.outbound(&["scan", "."]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let shown = text(&out);
    assert!(!shown.contains('\u{1b}'), "ESC reached the terminal:\n{shown:?}");
    assert!(!shown.contains('\u{7}'), "BEL reached the terminal:\n{shown:?}");
    assert!(!shown.contains('\u{9b}'), "CSI reached the terminal:\n{shown:?}");
    assert!(shown.contains("evil\\x1b]0;owned\\x07"), "{shown}");
    t.git(&["add", "-A"]);
    let hook = t.git_any(&["commit", "-q", "-m", "evil"]);
    assert!(!hook.status.success());
    let err = stderr(&hook);
    assert!(!err.contains('\u{1b}') && !err.contains('\u{9b}'), "{err:?}");
}
