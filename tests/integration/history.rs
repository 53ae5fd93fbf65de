//! What a range or a history adds: `scan --range` and `scan --history` report each secret once,
//! at the commit that added it, across renames, merges, submodules, rotations and large files.

use crate::common::*;

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
