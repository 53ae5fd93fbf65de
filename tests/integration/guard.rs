//! Issue 14, part B: nothing leaks while guarding (two secrets on a line, fingerprints that
//! cannot confirm a guess, terminal escapes), and the cases that were broken or silent, each
//! through the real binary, and through real `git commit` / `git push` where it is a hook's.

use std::path::Path;
use std::process::Output;

use sha2::{Digest, Sha256};

use crate::common::*;

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
    for out in [text(&human), json.to_string(), text(&sarif), stderr(&hook)] {
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
        [
            "tokens = \"ghp_****…\" \"AKIA****…\"",
            "tokens = \"ghp_****…\" \"AKIA****…\""
        ]
    );
}

#[test]
fn a_secret_cut_at_the_edge_of_another_findings_excerpt_is_still_hidden() {
    let t = TestRepo::new();
    let (gh, aws) = (github_token(), aws_key_id());
    // 48 characters between them: each excerpt shows the end or the start of the other value.
    t.write(
        "far.txt",
        format!("a = \"{gh}\" {} b = \"{aws}\"\n", "x".repeat(40)),
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
    h.finalize()[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
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
    assert_eq!(fingerprint_of(&a, Some("k")), fingerprint_of(&b, Some("k")));
    // The key from the org policy; a baseline written with it silences the finding.
    let policy = a.home.path().join("org.toml");
    std::fs::write(
        &policy,
        "[secrets]\nfingerprint_key = \"from the org policy\"\n",
    )
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
    assert!(
        written.contains(&fingerprint_of_policy(&a, &policy)),
        "{written}"
    );
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
    t.write(
        ".outbound.toml",
        "[secrets]\nfingerprint_key = \"public\"\n",
    );
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
    t.write(
        name,
        format!("\u{1b}[8mhidden\u{1b}[0m t = \"{gh}\" \u{9b}31m\n"),
    );
    let out = t.outbound(&["scan", "."]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let shown = text(&out);
    assert!(
        !shown.contains('\u{1b}'),
        "ESC reached the terminal:\n{shown:?}"
    );
    assert!(
        !shown.contains('\u{7}'),
        "BEL reached the terminal:\n{shown:?}"
    );
    assert!(
        !shown.contains('\u{9b}'),
        "CSI reached the terminal:\n{shown:?}"
    );
    assert!(shown.contains("evil\\x1b]0;owned\\x07"), "{shown}");
    t.git(&["add", "-A"]);
    let hook = t.git_any(&["commit", "-q", "-m", "evil"]);
    assert!(!hook.status.success());
    let err = stderr(&hook);
    assert!(
        !err.contains('\u{1b}') && !err.contains('\u{9b}'),
        "{err:?}"
    );
}

// ------------------------------------------------------------------- 15, 16: approvals

/// Lines `line 1` … `line n`.
fn lines(n: usize) -> String {
    (1..=n).map(|i| format!("line {i}\n")).collect()
}

/// An org that names its domain, requires approval above 5 lines, and trusts
/// `approver@acme-corp.com` (with `signer_options`, e.g. `valid-before="…"`).
fn approval_policy(t: &TestRepo, signer_options: &str) -> (String, std::path::PathBuf) {
    let (key, public) = ssh_key(t.home.path(), "approver");
    let options = match signer_options {
        "" => "namespaces=\"git-outbound-approval\"".to_string(),
        o => format!("namespaces=\"git-outbound-approval\",{o}"),
    };
    std::fs::write(
        t.home.path().join("allowed_signers"),
        format!("approver@acme-corp.com {options} {public}\n"),
    )
    .expect("write allowed signers");
    let policy = t.home.path().join("org.toml");
    std::fs::write(
        &policy,
        "[org]\ndomains = [\"acme-corp.com\"]\nemail_domains = [\"acme-corp.com\"]\n\n\
         [approval]\nsignificant_lines = 5\nallowed_signers = \"allowed_signers\"\n",
    )
    .expect("write policy");
    (path_of(&policy), key)
}

fn approve(t: &TestRepo, key: &Path) -> Output {
    t.outbound(&[
        "approve",
        "origin",
        "--key",
        &path_of(key),
        "--identity",
        "approver@acme-corp.com",
        "--expires",
        "2099-01-01",
        "--reason",
        "OSPO-1",
    ])
}

/// A bare server with pre-receive and the org policy, and a client with the client hooks and
/// the same policy, `origin` pointing at the server.
fn approval_server() -> (TestRepo, TestRepo, std::path::PathBuf) {
    let server = TestRepo::bare();
    assert!(server.outbound(&["install"]).status.success());
    let client = installed();
    let (policy, key) = approval_policy(&client, "");
    server.git(&["config", "outbound.policy", &policy]);
    client.git(&["config", "outbound.policy", &policy]);
    client.git(&["remote", "add", "origin", &path_of(server.path())]);
    (server, client, key)
}

fn has_ref(t: &TestRepo, name: &str) -> bool {
    t.git_any(&["rev-parse", "--verify", "-q", name])
        .status
        .success()
}

#[test]
fn an_approval_travels_to_the_server_with_its_branch_and_a_tampered_one_is_refused() {
    let (server, client, key) = approval_server();
    client.commit_file("src/big.txt", lines(20), "big change");
    let out = approve(&client, &key);
    assert!(out.status.success(), "{}", text(&out));
    // The note names the approver's corporate address: it must travel all the same.
    let out = client.git_any(&["push", "origin", "refs/notes/outbound-approvals", "main"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(has_ref(&server, "refs/heads/main"));
    assert!(has_ref(&server, "refs/notes/outbound-approvals"));
    // The note alone, again, passes the client and the server.
    client.commit_file("src/small.txt", lines(2), "small change");
    let out = client.git_any(&["push", "origin", "main"]);
    assert!(out.status.success(), "{}", text(&out));

    // A second large change, approved, then its note altered (the line count lowered).
    client.commit_file("src/bigger.txt", lines(30), "bigger change");
    assert!(approve(&client, &key).status.success());
    let tip = client.head();
    let note = String::from_utf8_lossy(
        &client
            .git(&["notes", "--ref", "outbound-approvals", "show", &tip])
            .stdout,
    )
    .into_owned();
    assert!(note.contains("lines 30"), "{note}");
    let forged = note.replace("lines 30", "lines 3");
    client.git(&[
        "notes",
        "--ref",
        "outbound-approvals",
        "add",
        "-f",
        "-m",
        &forged,
        &tip,
    ]);
    let out = client.git_any(&[
        "push",
        "--no-verify",
        "origin",
        "refs/notes/outbound-approvals",
        "main",
    ]);
    assert!(
        !out.status.success(),
        "the server took a forged approval:\n{}",
        text(&out)
    );
    assert!(stderr(&out).contains("approval/"), "{}", text(&out));
    let server_main = String::from_utf8_lossy(&server.git(&["rev-parse", "main"]).stdout)
        .trim()
        .to_string();
    assert_ne!(server_main, tip);
}

#[test]
fn notes_pushed_alone_to_a_server_get_no_approval_gate() {
    let (server, client, key) = approval_server();
    client.commit_file("src/big.txt", lines(20), "big change");
    assert!(approve(&client, &key).status.success());
    let out = client.git_any(&["push", "origin", "refs/notes/outbound-approvals"]);
    assert!(out.status.success(), "{}", text(&out));
    let out = client.git_any(&["push", "origin", "main"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(has_ref(&server, "refs/heads/main"));
}

/// `date -u` of `seconds` from now, in allowed-signers form.
fn signer_time(seconds: i64) -> String {
    let out = std::process::Command::new("date")
        .args(["-u", "-d", &format!("{seconds} seconds"), "+%Y%m%d%H%M%SZ"])
        .output()
        .expect("run date");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

#[test]
fn an_approver_key_that_expired_minutes_ago_no_longer_approves() {
    let t = installed();
    let (policy, key) = approval_policy(&t, &format!("valid-before=\"{}\"", signer_time(-120)));
    t.git(&["config", "outbound.policy", &policy]);
    let origin = TestRepo::bare();
    t.git(&["remote", "add", "origin", &path_of(origin.path())]);
    t.commit_file("src/big.txt", lines(20), "big change");
    assert!(approve(&t, &key).status.success());
    let out = t.git_any(&["push", "origin", "main"]);
    assert!(
        !out.status.success(),
        "an expired key approved:\n{}",
        text(&out)
    );
    assert!(stderr(&out).contains("has expired"), "{}", text(&out));
}

#[test]
fn an_approver_key_valid_for_another_hour_approves() {
    let t = installed();
    let (policy, key) = approval_policy(&t, &format!("valid-before=\"{}\"", signer_time(3600)));
    t.git(&["config", "outbound.policy", &policy]);
    let origin = TestRepo::bare();
    t.git(&["remote", "add", "origin", &path_of(origin.path())]);
    t.commit_file("src/big.txt", lines(20), "big change");
    assert!(approve(&t, &key).status.success());
    let out = t.git_any(&["push", "origin", "main"]);
    assert!(out.status.success(), "{}", text(&out));
}

// ------------------------------------------------------------------- 12: [[secrets.rules]]

#[test]
fn a_repository_rule_from_the_readme_refuses_a_real_commit_of_its_token() {
    let t = installed();
    let prefix = ["acme", "dt_"].concat();
    t.write(
        ".outbound.toml",
        format!(
            "[[secrets.rules]]\nid = \"acme-deploy-token\"\ndescription = \"Acme deploy token\"\n\
             keywords = [\"{prefix}\"]\nregex = '''({prefix}[a-z0-9]{{32}})'''\n\
             examples = [\"{prefix}0123456789abcdefghijklmnopqrstuv\"]\n\
             negative_examples = [\"{prefix}short\"]\n"
        ),
    );
    t.write("deploy.txt", "nothing to see\n");
    t.git(&["add", "."]);
    let out = t.git_any(&["commit", "-q", "-m", "clean"]);
    assert!(out.status.success(), "{}", text(&out));
    let token = format!(
        "{prefix}{}",
        random(b"abcdefghijklmnopqrstuvwxyz0123456789", 32)
    );
    t.write("deploy.txt", format!("DEPLOY = \"{token}\"\n"));
    t.git(&["add", "deploy.txt"]);
    let out = t.git_any(&["commit", "-q", "-m", "deploy"]);
    assert!(!out.status.success(), "the token went in:\n{}", text(&out));
    assert!(
        stderr(&out).contains("secret/acme-deploy-token"),
        "{}",
        text(&out)
    );
    assert_hidden(&text(&out), &token, 5);
}

// ------------------------------------------------------------------- 13: git config as git reads it

/// A policy in `t`'s home that makes the org's domain internal; a staged internal URL.
fn org_domain_policy(t: &TestRepo) -> String {
    let p = t.home.path().join("org-policy.toml");
    std::fs::write(&p, "[org]\ndomains = [\"acme-corp.com\"]\n").expect("write policy");
    t.write("ci.txt", "see https://jenkins.acme-corp.com/job/42\n");
    t.git(&["add", "ci.txt"]);
    path_of(&p)
}

fn assert_internal_url_refused(out: &Output) {
    assert!(
        !out.status.success(),
        "the policy was ignored:\n{}",
        text(out)
    );
    assert!(stderr(out).contains("internal-url/"), "{}", text(out));
}

#[test]
fn outbound_policy_given_with_git_dash_c_is_read() {
    let t = installed();
    let policy = org_domain_policy(&t);
    let setting = format!("outbound.policy={policy}");
    let out = t.git_any(&["-c", &setting, "commit", "-q", "-m", "ci"]);
    assert_internal_url_refused(&out);
}

#[test]
fn outbound_policy_given_in_git_config_count_variables_is_read() {
    let t = installed();
    let policy = org_domain_policy(&t);
    let out = t
        .command("git")
        .args(["commit", "-q", "-m", "ci"])
        .env("GIT_CONFIG_COUNT", "1")
        .env("GIT_CONFIG_KEY_0", "outbound.policy")
        .env("GIT_CONFIG_VALUE_0", &policy)
        .output()
        .expect("run git");
    assert_internal_url_refused(&out);
}

#[test]
fn outbound_policy_in_the_file_git_config_global_names_is_read() {
    let t = installed();
    let policy = org_domain_policy(&t);
    let global = t.home.path().join("other-global.gitconfig");
    std::fs::write(&global, format!("[outbound]\n\tpolicy = {policy}\n")).expect("write");
    let out = t
        .command("git")
        .args(["commit", "-q", "-m", "ci"])
        .env("GIT_CONFIG_GLOBAL", &global)
        .output()
        .expect("run git");
    assert_internal_url_refused(&out);
}

// ------------------------------------------------------------------- 18: hook stdin

#[test]
fn a_huge_bad_stdin_line_is_not_echoed_back_whole() {
    let t = TestRepo::bare();
    let line = format!("{}\n", "x".repeat(10 * 1024 * 1024));
    let mut child = t
        .command(BIN)
        .args(["hook", "pre-receive"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run hook");
    let mut stdin = child.stdin.take().expect("stdin");
    let writer = std::thread::spawn(move || {
        let _ = std::io::Write::write_all(&mut stdin, line.as_bytes());
    });
    let out = child.wait_with_output().expect("wait");
    let _ = writer.join();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        out.stderr.len() < 4096,
        "{} bytes of error:\n{}",
        out.stderr.len(),
        String::from_utf8_lossy(&out.stderr[..out.stderr.len().min(600)])
    );
    assert!(stderr(&out).contains("bytes)"), "{}", text(&out));
}

#[test]
fn a_branch_name_that_is_not_utf8_is_pushed_through_both_hooks() {
    use std::os::unix::ffi::OsStrExt;
    let server = TestRepo::bare();
    assert!(server.outbound(&["install"]).status.success());
    let client = installed();
    client.git(&["remote", "add", "origin", &path_of(server.path())]);
    client.commit_file("README.md", "# demo\n", "Initial commit");
    let refspec = std::ffi::OsStr::from_bytes(b"HEAD:refs/heads/caf\xe9");
    let out = client
        .command("git")
        .arg("push")
        .arg("origin")
        .arg(refspec)
        .output()
        .expect("run git");
    assert!(out.status.success(), "{}", text(&out));
}

// ------------------------------------------------------------------- 14: bounded hooks

/// Waits for `child` at most `secs` seconds; kills it and fails the test past that.
fn wait_at_most(mut child: std::process::Child, secs: u64, what: &str) -> Output {
    let start = std::time::Instant::now();
    loop {
        if child.try_wait().expect("poll child").is_some() {
            return child.wait_with_output().expect("collect output");
        }
        if start.elapsed().as_secs() >= secs {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what} still running after {secs}s");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

#[test]
fn a_truncated_loose_object_refuses_the_commit_instead_of_hanging() {
    let t = installed();
    let content: String = (0..4000).map(|i| format!("line {i} of a file\n")).collect();
    t.write("big.txt", &content);
    t.git(&["add", "big.txt"]);
    let id = String::from_utf8_lossy(&t.git(&["rev-parse", ":big.txt"]).stdout)
        .trim()
        .to_string();
    let object = t.path().join(".git/objects").join(&id[..2]).join(&id[2..]);
    let mut perms = std::fs::metadata(&object).expect("object").permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    std::fs::set_permissions(&object, perms).expect("chmod");
    let bytes = std::fs::read(&object).expect("read object");
    std::fs::write(&object, &bytes[..bytes.len() / 2]).expect("truncate object");
    let child = t
        .command("git")
        .args(["commit", "-q", "-m", "big"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run git commit");
    let out = wait_at_most(child, 30, "git commit");
    assert!(!out.status.success(), "{}", text(&out));
    assert!(stderr(&out).contains("truncated"), "{}", text(&out));
}

#[test]
fn the_time_budget_bounds_the_whole_hook_reading_stdin_included() {
    let t = installed();
    t.commit_file("README.md", "# demo\n", "Initial commit");
    t.write(".outbound.toml", "[hooks]\ntime_budget = 1\n");
    // stdin that never ends: the hook must give up on its own.
    let child = t
        .command(BIN)
        .args(["hook", "pre-push", "origin", "/nowhere"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run hook");
    let out = wait_at_most(child, 20, "the pre-push hook");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(stderr(&out).contains("time budget"), "{}", text(&out));
}

// ------------------------------------------------------------------- 17: what was not checked

/// A client with the hooks, an org policy naming `acme-corp.com`, one clean commit, and an
/// empty bare `origin`.
fn org_client() -> (TestRepo, TestRepo) {
    let t = installed();
    let policy = t.home.path().join("org.toml");
    std::fs::write(&policy, "[org]\ndomains = [\"acme-corp.com\"]\n").expect("write policy");
    t.git(&["config", "outbound.policy", &path_of(&policy)]);
    let origin = TestRepo::bare();
    t.git(&["remote", "add", "origin", &path_of(origin.path())]);
    t.commit_file("README.md", "# demo\n", "Initial commit");
    (t, origin)
}

#[test]
fn a_ref_name_naming_an_internal_host_is_refused_at_push() {
    let (t, origin) = org_client();
    let out = t.git_any(&[
        "push",
        "origin",
        "HEAD:refs/heads/fix/jenkins.acme-corp.com-outage",
    ]);
    assert!(!out.status.success(), "{}", text(&out));
    let err = stderr(&out);
    assert!(err.contains("internal-url/internal-host"), "{err}");
    assert!(err.contains("in the ref name"), "{err}");
    let out = t.git_any(&["push", "origin", "HEAD:refs/heads/fix/outage"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(has_ref(&origin, "refs/heads/fix/outage"));
}

#[test]
fn an_author_address_on_an_internal_host_is_refused_at_push() {
    let (t, _origin) = org_client();
    // Built here, so that this file names no internal host.
    let host = ["jenkins07", "corp"].join(".");
    t.write("a.txt", "hello\n");
    t.git(&["add", "a.txt"]);
    let out = t
        .command("git")
        .args(["commit", "-q", "--no-verify", "-m", "from the build box"])
        .env("GIT_AUTHOR_EMAIL", format!("builder@{host}"))
        .output()
        .expect("commit");
    assert!(out.status.success(), "{}", text(&out));
    let out = t.git_any(&["push", "origin", "main"]);
    assert!(!out.status.success(), "{}", text(&out));
    let err = stderr(&out);
    assert!(err.contains(&host), "{err}");
    assert!(err.contains("author's name or e-mail"), "{err}");
}

#[test]
fn a_committer_on_an_org_subdomain_is_refused_but_the_corporate_address_is_not() {
    let (t, _origin) = org_client();
    t.write("a.txt", "hello\n");
    t.git(&["add", "a.txt"]);
    let commit = |email: &str| {
        t.command("git")
            .args([
                "commit",
                "-q",
                "--no-verify",
                "--allow-empty",
                "-m",
                "change",
            ])
            .env("GIT_COMMITTER_EMAIL", email)
            .env("GIT_AUTHOR_EMAIL", email)
            .output()
            .expect("commit")
    };
    assert!(commit("jane@acme-corp.com").status.success());
    let out = t.git_any(&["push", "origin", "main"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(commit("jane@ci.acme-corp.com").status.success());
    let out = t.git_any(&["push", "origin", "main"]);
    assert!(!out.status.success(), "{}", text(&out));
    assert!(stderr(&out).contains("ci.acme-corp.com"), "{}", text(&out));
}

/// `text` as PowerShell 5.1's `>` writes it: UTF-16 LE with a byte order mark.
fn utf16le(text: &str) -> Vec<u8> {
    let mut out = vec![0xFF, 0xFE];
    out.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    out
}

#[test]
fn a_secret_in_a_utf16_text_file_refuses_the_commit() {
    let t = installed();
    let gh = github_token();
    t.write(
        "settings.txt",
        utf16le(&format!("# settings\r\nTOKEN = \"{gh}\"\r\n")),
    );
    t.git(&["add", "settings.txt"]);
    let out = t.git_any(&["commit", "-q", "-m", "settings"]);
    assert!(
        !out.status.success(),
        "a UTF-16 secret went in:\n{}",
        text(&out)
    );
    let err = stderr(&out);
    assert!(err.contains("settings.txt:2"), "{err}");
    assert!(err.contains("secret/github-pat"), "{err}");
    assert_hidden(&text(&out), &gh, 5);
}

#[test]
fn a_blob_missing_from_a_partial_clone_is_named_with_how_to_fetch_it() {
    let server = TestRepo::new();
    server.commit_file("a.txt", "one\n", "one");
    server.commit_file("b.txt", "two\n", "two");
    server.git(&["config", "uploadpack.allowFilter", "true"]);
    let clone = TestRepo::new();
    let url = format!("file://{}", path_of(server.path()));
    clone.git(&[
        "clone",
        "-q",
        "--no-checkout",
        "--filter=blob:none",
        &url,
        "c",
    ]);
    let run = |args: &[&str]| {
        clone
            .command(BIN)
            .args(args)
            .current_dir(clone.path().join("c"))
            .output()
            .expect("run git-outbound")
    };
    let out = run(&["scan", "--range", "HEAD~1..HEAD"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let err = stderr(&out);
    assert!(err.contains("missing locally"), "{err}");
    assert!(err.contains("partial clone"), "{err}");
    // The command the message gives fetches the blob; then the scan runs.
    let id = String::from_utf8_lossy(
        &clone
            .command("git")
            .args(["rev-parse", "HEAD:b.txt"])
            .current_dir(clone.path().join("c"))
            .output()
            .expect("rev-parse")
            .stdout,
    )
    .trim()
    .to_string();
    assert!(err.contains(&format!("git cat-file blob {id}")), "{err}");
    let fetched = clone
        .command("git")
        .args(["cat-file", "blob", &id])
        .current_dir(clone.path().join("c"))
        .output()
        .expect("cat-file");
    assert!(fetched.status.success(), "{}", text(&fetched));
    let out = run(&["scan", "--range", "HEAD~1..HEAD"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}
