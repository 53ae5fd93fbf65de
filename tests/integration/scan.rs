//! `git outbound scan` in each source mode, on real temporary repositories.

use crate::common::*;

fn findings(v: &serde_json::Value) -> &Vec<serde_json::Value> {
    v["findings"].as_array().expect("findings array")
}

#[test]
fn directory_scan_reports_the_json_contract_and_redacts() {
    let t = TestRepo::new();
    let token = github_token();
    t.write(
        "src/settings.py",
        format!("# settings\nDEBUG = True\nTOKEN = \"{token}\"\n"),
    );
    let (code, v) = t.json(&["scan", "."]);
    assert_eq!(code, 1);
    assert_eq!(v["version"], 1);
    let f = &findings(&v)[0];
    assert_eq!(f["check"], "secret");
    assert_eq!(f["rule"], "github-pat");
    assert_eq!(f["severity"], "block");
    assert_eq!(f["path"], "src/settings.py");
    assert_eq!(f["line"], 3);
    assert_eq!(f["column"], 10);
    assert_eq!(f["commit"], serde_json::Value::Null);
    assert_eq!(f["excerpt"], "TOKEN = \"ghp_****…\"");
    assert_eq!(f["fingerprint"].as_str().unwrap().len(), 32);
    assert_eq!(v["summary"]["blocking"], 1);
    assert_eq!(v["summary"]["files"], 1);
    let all = serde_json::to_string(&v).unwrap();
    assert!(
        !all.contains(&token[4..]),
        "the secret leaked into the report"
    );
}

#[test]
fn show_secrets_is_the_only_way_to_print_the_value() {
    let t = TestRepo::new();
    let token = github_token();
    t.write("a.txt", format!("t={token}\n"));
    let human = t.outbound(&["scan", "."]);
    assert!(!text(&human).contains(&token), "{}", text(&human));
    let shown = t.outbound(&["scan", ".", "--show-secrets"]);
    assert!(text(&shown).contains(&token));
}

#[test]
fn directory_scan_honours_gitignore_and_reads_hidden_files() {
    let t = TestRepo::new();
    t.write(".gitignore", "build/\n");
    t.write("build/out.txt", format!("k={}\n", github_token()));
    t.write(".env", format!("AWS_ACCESS_KEY_ID={}\n", aws_key_id()));
    let (code, v) = t.json(&["scan", "."]);
    assert_eq!(code, 1);
    let paths: Vec<&str> = findings(&v)
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, vec![".env"]);
}

#[test]
fn a_clean_directory_exits_zero_and_a_missing_path_exits_two() {
    let t = TestRepo::new();
    t.write(
        "README.md",
        "hello, see https://example.com and 192.0.2.1\n",
    );
    let out = t.outbound(&["scan", "."]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let missing = t.outbound(&["scan", "no-such-dir", "--format", "json"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(missing.stdout.is_empty());
    assert!(stderr(&missing).contains("no-such-dir"));
}

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
fn binary_files_are_skipped_and_non_utf8_text_is_scanned() {
    let t = TestRepo::new();
    let mut bin = vec![0u8, 1, 2, 3];
    bin.extend(github_token().as_bytes());
    t.write("blob.bin", bin);
    let mut latin1 = b"caf\xe9 = 1\n".to_vec();
    latin1.extend(format!("key = \"{}\"\n", github_token()).as_bytes());
    t.write("latin1.txt", latin1);
    let (_, v) = t.json(&["scan", "."]);
    let paths: Vec<&str> = findings(&v)
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, vec!["latin1.txt"]);
    assert_eq!(findings(&v)[0]["line"], 2);
}

#[test]
fn file_names_with_spaces_and_non_ascii_are_reported_as_is() {
    let t = TestRepo::new();
    t.write(
        "docs/my notes/clé été.md",
        format!("token {}\n", github_token()),
    );
    let (_, v) = t.json(&["scan", "."]);
    assert_eq!(findings(&v)[0]["path"], "docs/my notes/clé été.md");
    t.git(&["add", "."]);
    let (_, staged) = t.json(&["scan", "--staged"]);
    assert_eq!(findings(&staged)[0]["path"], "docs/my notes/clé été.md");
}

#[test]
fn oversized_files_are_reported_as_not_scanned() {
    let t = TestRepo::new();
    t.write(".outbound.toml", "[scan]\nmax_file_size = 100\n");
    t.write("big.txt", "x".repeat(500));
    let (code, v) = t.json(&["scan", "."]);
    assert_eq!(code, 0);
    assert_eq!(v["skipped"][0]["path"], "big.txt");
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

#[test]
fn range_reports_added_lines_with_the_commit_that_added_them() {
    let t = TestRepo::new();
    let base = t.commit_file("a.txt", format!("old = {}\n", github_token()), "base");
    t.commit_file("a.txt", "clean\n", "remove it");
    let c2 = t.commit_file("b.txt", format!("new = {}\n", github_token()), "add b");
    t.commit_file(
        "b.txt",
        format!(
            "{}\nmore\n",
            std::fs::read_to_string(t.path().join("b.txt")).unwrap()
        ),
        "edit b",
    );
    let (code, v) = t.json(&["scan", "--range", &format!("{base}..HEAD")]);
    assert_eq!(code, 1);
    let f = findings(&v);
    assert_eq!(f.len(), 1, "{v}");
    assert_eq!(f[0]["path"], "b.txt");
    assert_eq!(f[0]["commit"], c2.as_str());
    assert_eq!(v["summary"]["commits"], 3);
    let (_, same) = t.json(&["scan", "--range", &base]);
    assert_eq!(findings(&same).len(), 1);
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

#[test]
fn renames_and_mode_changes_add_nothing() {
    let t = TestRepo::new();
    let base = t.commit_file("old.txt", format!("k = {}\n", github_token()), "secret");
    t.git(&["mv", "old.txt", "new.txt"]);
    t.git(&["commit", "-q", "--no-verify", "-m", "rename"]);
    t.git(&["update-index", "--chmod=+x", "new.txt"]);
    t.git(&["commit", "-q", "--no-verify", "-m", "mode"]);
    let (code, v) = t.json(&["scan", "--range", &format!("{base}..HEAD")]);
    assert_eq!(code, 0, "{v}");
}

#[test]
fn history_finds_a_secret_added_then_deleted_once_at_its_first_commit() {
    let t = TestRepo::new();
    t.commit_file("readme.md", "hi\n", "init");
    let token = github_token();
    let added = t.commit_file("cfg.txt", format!("t = {token}\n"), "add");
    t.commit_file("cfg.txt", format!("t = {token}\nx = 1\n"), "edit keeps it");
    t.git(&["rm", "-q", "cfg.txt"]);
    t.git(&["commit", "-q", "--no-verify", "-m", "delete"]);
    t.git(&["checkout", "-q", "-b", "side", "HEAD~3"]);
    t.commit_file(
        "side.txt",
        format!("aws = \"{}\"\n", aws_key_id()),
        "side branch",
    );
    let (code, v) = t.json(&["scan", "--history"]);
    assert_eq!(code, 1);
    let f = findings(&v);
    assert_eq!(f.len(), 2, "{v}");
    let cfg = f.iter().find(|x| x["path"] == "cfg.txt").unwrap();
    assert_eq!(cfg["commit"], added.as_str());
    assert!(f.iter().any(|x| x["path"] == "side.txt"));
}

#[test]
fn merges_add_only_what_differs_from_every_parent() {
    let t = TestRepo::new();
    t.commit_file("a.txt", "a\n", "base");
    t.git(&["checkout", "-q", "-b", "feature"]);
    t.commit_file(
        "f.txt",
        format!("k = {}\n", github_token()),
        "feature secret",
    );
    t.git(&["checkout", "-q", "main"]);
    t.commit_file("m.txt", "main\n", "main work");
    t.git(&["merge", "-q", "--no-edit", "--no-verify", "feature"]);
    let merge = t.head();
    let (_, v) = t.json(&["scan", "--range", &format!("{merge}^1..{merge}")]);
    // The range holds the feature commit (which adds the secret) and the clean merge.
    let f = findings(&v);
    assert_eq!(f.len(), 1, "{v}");
    assert_ne!(f[0]["commit"], merge.as_str());
}

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
fn sarif_output_is_sarif_2_1_0_with_rules_under_the_driver() {
    let t = TestRepo::new();
    t.write("dir with space/a.txt", format!("{}\n", github_token()));
    let out = t.outbound(&["scan", ".", "--format", "sarif"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["version"], "2.1.0");
    let run = &v["runs"][0];
    assert_eq!(run["tool"]["driver"]["rules"][0]["id"], "secret/github-pat");
    let r = &run["results"][0];
    assert_eq!(r["ruleId"], "secret/github-pat");
    assert_eq!(r["level"], "error");
    assert_eq!(
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "dir%20with%20space/a.txt"
    );
    assert!(
        !String::from_utf8_lossy(&out.stdout).contains("ghp_")
            || !text(&out).contains(&github_token())
    );
}

#[test]
fn internal_urls_need_the_org_policy_for_org_domains() {
    let t = TestRepo::new();
    t.write(
        "deploy.yaml",
        "url: https://jira.acme-corp.com/browse/X-1\nhost: 10.20.30.40\n",
    );
    let (_, v) = t.json(&["scan", "."]);
    assert_eq!(rules_of(&v), vec!["internal-url/private-ip"]);
    let org = t.home.path().join("org.toml");
    std::fs::write(&org, "[org]\ndomains = [\"acme-corp.com\"]\n").unwrap();
    let (_, v) = t.json(&["scan", ".", "--policy", org.to_str().unwrap()]);
    assert_eq!(
        rules_of(&v),
        vec!["internal-url/internal-host", "internal-url/private-ip"]
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
fn a_bad_revision_is_exit_two() {
    let t = TestRepo::new();
    t.commit_file("a.txt", "a\n", "one");
    let out = t.outbound(&["scan", "--range", "nope..HEAD"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("nope"));
}

/// `n` lines of ordinary text.
fn filler(tag: &str, n: usize) -> String {
    (0..n)
        .map(|i| format!("{tag} line {i} of plain text\n"))
        .collect()
}

/// Lines of a PEM body: 64 random base64 characters each.
fn pem_lines(n: usize) -> Vec<String> {
    let b64 = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    (0..n).map(|_| random(b64, 64)).collect()
}

fn pem(body: &[String]) -> String {
    let (begin, end) = (
        "-----BEGIN RSA PRIVATE KEY-----",
        "-----END RSA PRIVATE KEY-----",
    );
    format!("{begin}\n{}\n{end}\n", body.join("\n"))
}

#[test]
fn a_private_key_whose_body_changes_under_the_same_header_is_found_again() {
    // Only the changed lines are searched for keywords; a PEM block's keyword is its header,
    // which here stays the same, ten lines above the change.
    let t = TestRepo::new();
    let mut body = pem_lines(12);
    let first = format!("{}{}{}", filler("a", 60), pem(&body), filler("z", 60));
    let base = t.commit_file("deploy/key.pem.txt", &first, "add key");
    body.splice(9.., pem_lines(3));
    let second = format!("{}{}{}", filler("a", 60), pem(&body), filler("z", 60));
    let rotated = t.commit_file("deploy/key.pem.txt", &second, "rotate key");
    let (code, v) = t.json(&["scan", "--range", &base]);
    assert_eq!(code, 1, "{v}");
    assert_eq!(rules_of(&v), ["secret/private-key-rsa"]);
    assert_eq!(findings(&v)[0]["commit"], rotated.as_str());
    assert_eq!(findings(&v)[0]["line"], 61);
    let (_, all) = t.json(&["scan", "--history"]);
    let commits: Vec<&str> = findings(&all)
        .iter()
        .filter_map(|f| f["commit"].as_str())
        .collect();
    assert_eq!(commits.len(), 2, "{all}");
    assert!(commits.contains(&rotated.as_str()) && commits.contains(&base.as_str()));
}

#[test]
fn a_value_changed_under_an_unchanged_name_is_found() {
    // Kubernetes env entries name the secret one line above its value: the unchanged name
    // line must be searched with the changed value line.
    let t = TestRepo::new();
    let entry = |v: &str| format!("      - name: API_TOKEN\n        value: \"{v}\"\n");
    let old = random(
        b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
        28,
    );
    let new = random(
        b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
        28,
    );
    let base = t.commit_file(
        "k8s/app.yaml",
        format!("{}{}{}", filler("#", 80), entry(&old), filler("#", 80)),
        "app",
    );
    let changed = t.commit_file(
        "k8s/app.yaml",
        format!("{}{}{}", filler("#", 80), entry(&new), filler("#", 80)),
        "new value",
    );
    let (code, v) = t.json(&["scan", "--range", &base]);
    assert_eq!(code, 1, "{v}");
    assert_eq!(rules_of(&v), ["secret/generic-secret-kubernetes-env"]);
    assert_eq!(findings(&v)[0]["commit"], changed.as_str());
}

#[test]
fn scattered_edits_to_a_large_file_report_only_the_new_secret() {
    // Edits at both ends make the changed part the whole file; it is then compared line by
    // line, and the old token on an unchanged line is not reported again.
    let t = TestRepo::new();
    let kept = github_token();
    let mut lines: Vec<String> = filler("x", 400).lines().map(String::from).collect();
    lines[100] = format!("old = {kept}");
    let base = t.commit_file("big.txt", lines.join("\n") + "\n", "big");
    let added = github_token();
    lines[0] = "changed first line".into();
    lines[399] = "changed last line".into();
    lines.insert(250, format!("new = {added}"));
    let edit = t.commit_file("big.txt", lines.join("\n") + "\n", "edit both ends");
    let (code, v) = t.json(&["scan", "--range", &base]);
    assert_eq!(code, 1, "{v}");
    assert_eq!(findings(&v).len(), 1, "{v}");
    assert_eq!(findings(&v)[0]["line"], 251);
    assert_eq!(findings(&v)[0]["commit"], edit.as_str());
    let (_, all) = t.json(&["scan", "--history"]);
    assert_eq!(findings(&all).len(), 2, "{all}");
}

#[test]
fn history_reports_each_secret_once_across_renames_merges_and_submodules() {
    let t = TestRepo::new();
    let first = github_token();
    let added = t.commit_file("dir/a.txt", format!("t = {first}\n"), "add a");
    t.git(&["mv", "dir", "moved"]);
    t.git(&["commit", "-q", "--no-verify", "-m", "rename the folder"]);
    // A submodule is a commit id in the tree, not content.
    let head = t.head();
    t.git(&[
        "update-index",
        "--add",
        "--cacheinfo",
        &format!("160000,{head},sub"),
    ]);
    t.git(&["commit", "-q", "--no-verify", "-m", "submodule"]);
    t.git(&["checkout", "-q", "-b", "side"]);
    let side = t.commit_file("b.txt", format!("t = {}\n", github_token()), "side");
    t.git(&["checkout", "-q", "-"]);
    let main = t.commit_file("c.txt", format!("t = {}\n", github_token()), "main");
    t.git(&["merge", "-q", "--no-edit", "--no-verify", "side"]);
    let (code, v) = t.json(&["scan", "--history"]);
    assert_eq!(code, 1, "{v}");
    let mut found: Vec<(String, String)> = findings(&v)
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().into(),
                f["commit"].as_str().unwrap().into(),
            )
        })
        .collect();
    found.sort();
    assert_eq!(
        found,
        [
            ("b.txt".to_string(), side),
            ("c.txt".to_string(), main),
            ("dir/a.txt".to_string(), added),
        ]
    );
}

#[test]
fn a_key_rotated_two_versions_after_it_was_added_is_found() {
    // Whether a version holds a private-key header is carried from version to version; a
    // wrong "holds none" would hide the rotation in the last commit.
    let t = TestRepo::new();
    let file = |top: &str, key: &str| format!("{top}{}{key}{}", filler("a", 60), filler("z", 60));
    t.commit_file("notes.txt", file("v1\n", ""), "no key yet");
    let mut body = pem_lines(12);
    let added = t.commit_file("notes.txt", file("v1\n", &pem(&body)), "add key");
    t.commit_file("notes.txt", file("v2\n", &pem(&body)), "unrelated edit");
    body.splice(9.., pem_lines(3));
    let rotated = t.commit_file("notes.txt", file("v2\n", &pem(&body)), "rotate key");
    let (code, v) = t.json(&["scan", "--history"]);
    assert_eq!(code, 1, "{v}");
    let mut commits: Vec<&str> = findings(&v)
        .iter()
        .filter_map(|f| f["commit"].as_str())
        .collect();
    commits.sort();
    let mut expected = vec![added.as_str(), rotated.as_str()];
    expected.sort();
    assert_eq!(commits, expected, "{v}");
}

#[test]
fn a_file_that_shrinks_below_the_size_limit_is_searched_whole() {
    // The first version is too large to scan; the next one must not be compared with it,
    // or the token both carry would never be searched.
    let t = TestRepo::new();
    t.commit_file(".outbound.toml", "[scan]\nmax_file_size = 1000\n", "policy");
    let token = github_token();
    let head = format!("t = {token}\n{}", filler("same", 6));
    t.commit_file("data.txt", format!("{head}{}", filler("x", 60)), "large");
    let small = t.commit_file("data.txt", format!("{head}short\n"), "shrink");
    let (code, v) = t.json(&["scan", "--history"]);
    assert_eq!(code, 1, "{v}");
    assert_eq!(rules_of(&v), ["secret/github-pat"]);
    assert_eq!(findings(&v)[0]["commit"], small.as_str());
    assert!(v["skipped"].to_string().contains("data.txt"), "{v}");
}

#[test]
fn a_binary_file_that_becomes_text_is_searched_whole() {
    // A binary version is not searched as text, so the text version after it must not be
    // compared with it: the token below the changed first line would never be searched.
    let t = TestRepo::new();
    let token = github_token();
    let rest = format!("t = {token}\n{}", filler("same", 6));
    t.commit_file("blob.dat", format!("bin\0ary\n{rest}"), "binary");
    let text = t.commit_file("blob.dat", format!("text\n{rest}"), "now text");
    let (code, v) = t.json(&["scan", "--history"]);
    assert_eq!(code, 1, "{v}");
    assert_eq!(rules_of(&v), ["secret/github-pat"]);
    assert_eq!(findings(&v)[0]["commit"], text.as_str());
}

// ---------------------------------------------------------------------------------------------
// internal-url and generic rules on real code (issue 25)

/// The files of `tests/fixtures/real-code`, written into `t`.
fn write_real_code(t: &TestRepo) -> usize {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/real-code");
    let mut lines = 0;
    for entry in std::fs::read_dir(&dir).expect("fixture folder") {
        let path = entry.expect("fixture entry").path();
        let content = std::fs::read(&path).expect("fixture file");
        lines += content.iter().filter(|b| **b == b'\n').count();
        let name = path.file_name().expect("file name").to_string_lossy();
        t.write(&format!("vendor/{name}"), content);
    }
    lines
}

#[test]
fn real_code_shapes_produce_no_blocking_finding() {
    let t = TestRepo::new();
    let lines = write_real_code(&t);
    assert!(lines >= 300, "{lines} lines");
    let (code, v) = t.json(&["scan", "."]);
    let blocking: Vec<String> = findings(&v)
        .iter()
        .filter(|f| f["severity"] == "block")
        .map(|f| format!("{} {}:{}", f["rule"], f["path"], f["line"]))
        .collect();
    assert!(blocking.is_empty(), "{blocking:#?}");
    let generic: Vec<String> = findings(&v)
        .iter()
        .filter(|f| f["rule"].as_str().unwrap_or("").starts_with("generic-"))
        .map(|f| format!("{} {}:{}", f["rule"], f["path"], f["line"]))
        .collect();
    assert!(generic.is_empty(), "{generic:#?}");
    assert_eq!(code, 0, "{v}");
}

#[test]
fn default_scan_blocks_internal_suffixes_where_a_host_stands_and_warns_on_local_ones() {
    let t = TestRepo::new();
    t.write(
        "deploy.env",
        "DB_URL=postgres://app@pg-1.prod.internal:5432/app\nCACHE_HOST=nas.local\n\
         REDIS_HOST=10.20.30.40\nNOTE=see section 10.1.1.4 and color.branch.local\n",
    );
    let (code, v) = t.json(&["scan", "."]);
    let graded: Vec<(String, String)> = findings(&v)
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap_or("").to_string(),
                f["severity"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    let g = |r: &str, s: &str| (r.to_string(), s.to_string());
    assert_eq!(
        graded,
        [
            g("internal-suffix", "block"),
            g("internal-suffix", "warn"),
            g("private-ip", "warn"),
        ]
    );
    assert_eq!(code, 1);
}

#[test]
fn org_networks_block_their_addresses_wherever_they_appear() {
    let t = TestRepo::new();
    t.write(
        "notes.md",
        "The gateway 10.20.30.40 fronts it; a test uses 10.99.0.1 in a table.\n",
    );
    let (code, v) = t.json(&["scan", "."]);
    assert_eq!((code, findings(&v).len()), (0, 0), "{v}");
    let org = t.home.path().join("org.toml");
    std::fs::write(&org, "[org]\nnetworks = [\"10.20.0.0/16\"]\n").unwrap();
    let (code, v) = t.json(&["scan", ".", "--policy", org.to_str().unwrap()]);
    assert_eq!(rules_of(&v), ["internal-url/org-network"]);
    assert_eq!(code, 1);
    std::fs::write(
        &org,
        "[org]\nname = \"Acme\"\nnetworks = [\"10.20.0.0/99\"]\n",
    )
    .unwrap();
    let out = t.outbound(&["scan", ".", "--policy", org.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("line 3") && stderr(&out).contains("0 to 32"),
        "{}",
        text(&out)
    );
}

#[test]
fn policy_command_shows_how_internal_names_are_graded() {
    let t = TestRepo::new();
    t.write(
        ".outbound.toml",
        "[org]\nnetworks = [\"10.20.0.0/16\"]\n[internal_url]\nlocal_severity = \"block\"\n",
    );
    let out = t.outbound(&["policy"]);
    let shown = text(&out);
    assert!(out.status.success(), "{shown}");
    assert!(
        shown.contains("0 org domain(s) and 1 org network(s), wherever they appear: block"),
        "{shown}"
    );
    assert!(
        shown.contains("private, link-local and unique-local addresses in host position: block"),
        "{shown}"
    );
}
