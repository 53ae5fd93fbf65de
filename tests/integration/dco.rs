//! The DCO check end to end: sign-offs through installed hooks, real commits and pushes to
//! internal and external remotes, and `scan --range` as CI runs it; a check of commits alone
//! lists commit objects and reads no tree (proved on a history whose trees were removed),
//! messages whose first line is blank hold no trailers in the title, and names are compared in
//! the commit's own encoding.

use std::path::Path;

use crate::common::{
    TestRepo, bare_in, commit, commit_signed, has_head, hooked, path_of, pipe, rules_of, short,
    stderr, text, write_home,
};

const DCO_ALWAYS: &str = "[dco]\nrequire = \"always\"\n";

/// Writes a root commit object with these exact header and message bytes and returns its id;
/// its tree is the empty tree (which git knows without storing it).
fn raw_commit(t: &TestRepo, headers: &[u8], message: &[u8]) -> String {
    let mut body = b"tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n".to_vec();
    body.extend_from_slice(headers);
    body.extend_from_slice(b"\n");
    body.extend_from_slice(message);
    let out = pipe(
        t,
        "git",
        &["hash-object", "-t", "commit", "-w", "--stdin"],
        &body,
    );
    assert!(out.status.success(), "{}", text(&out));
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// `author` and `committer` headers for the same person, with optional extra headers.
fn people(name: &[u8], email: &str, extra: &[u8]) -> Vec<u8> {
    let mut h = Vec::new();
    for role in ["author", "committer"] {
        h.extend_from_slice(role.as_bytes());
        h.push(b' ');
        h.extend_from_slice(name);
        h.extend_from_slice(format!(" <{email}> 1767225600 +0000\n").as_bytes());
    }
    h.extend_from_slice(extra);
    h
}

/// The DCO rules reported for `id` by `scan --range id^..id` (or the root commit alone).
fn dco_rules(t: &TestRepo, id: &str) -> Vec<String> {
    let (code, v) = t.json(&["scan", "--range", &format!("..{id}"), "--checks", "dco"]);
    assert!(code == 0 || code == 1, "{v}");
    rules_of(&v)
}

#[test]
fn blank_first_line_makes_the_signoff_the_subject_as_git_reads_it() {
    let t = TestRepo::new();
    t.write(".outbound.toml", DCO_ALWAYS);
    let who = people(b"Jane Doe", "jane@example.com", b"");
    for first in [" \n", "\r\n", "\t\n \n"] {
        let message = format!("{first}Signed-off-by: Jane Doe <jane@example.com>\n");
        let id = raw_commit(&t, &who, message.as_bytes());
        // git's own trailer parser sees no trailer in these messages.
        let git = t.git(&["log", "-1", "--format=%(trailers:key=Signed-off-by)", &id]);
        assert_eq!(String::from_utf8_lossy(&git.stdout).trim(), "", "{first:?}");
        assert_eq!(
            dco_rules(&t, &id),
            ["dco/signoff-not-in-trailers"],
            "{first:?}"
        );
    }
    let fine = raw_commit(
        &t,
        &who,
        b"\nFix\n\nSigned-off-by: Jane Doe <jane@example.com>\n",
    );
    assert_eq!(dco_rules(&t, &fine), Vec::<String>::new());
}

/// A case: its name, the commit's headers, its message and the rules expected.
type Case<'a> = (&'a str, &'a [u8], Vec<u8>, &'a [&'a str]);

#[test]
fn names_are_compared_in_the_commit_encoding() {
    let t = TestRepo::new();
    t.write(".outbound.toml", DCO_ALWAYS);
    let latin1 = people(b"Ren\xe9 Roe", "rene@example.com", b"encoding ISO-8859-1\n");
    let utf8 = people("René Roe".as_bytes(), "rene@example.com", b"");
    let undecodable = people(b"Ren\xe9 Roe", "rene@example.com", b"");
    let sign = |name: &[u8]| {
        let mut m = b"Fix\n\nSigned-off-by: ".to_vec();
        m.extend_from_slice(name);
        m.extend_from_slice(b" <rene@example.com>\n");
        m
    };
    let none: &[&str] = &[];
    let mismatch: &[&str] = &["dco/signoff-mismatch"];
    #[rustfmt::skip]
    let cases: &[Case] = &[
        ("latin1, same name", &latin1, sign(b"Ren\xe9 Roe"), none),
        ("latin1, another letter", &latin1, sign(b"Ren\xe8 Roe"), mismatch),
        ("latin1, the name in UTF-8 bytes", &latin1, sign("René Roe".as_bytes()), mismatch),
        ("utf-8, same name", &utf8, sign("René Roe".as_bytes()), none),
        ("utf-8, another letter", &utf8, sign("Renè Roe".as_bytes()), mismatch),
        ("undecodable, same bytes", &undecodable, sign(b"Ren\xe9 Roe"), none),
        ("undecodable, other bytes", &undecodable, sign(b"Ren\xe8 Roe"), mismatch),
        ("undecodable, other case", &undecodable, sign(b"REN\xe9 ROE"), mismatch),
    ];
    for (case, headers, message, want) in cases {
        let id = raw_commit(&t, headers, message);
        assert_eq!(dco_rules(&t, &id), *want, "{case}");
    }
}

#[test]
fn commit_msg_reads_the_message_and_author_in_the_configured_encoding() {
    use std::os::unix::ffi::OsStrExt;
    let t = TestRepo::new();
    t.write(".outbound.toml", DCO_ALWAYS);
    t.git(&["config", "i18n.commitEncoding", "ISO-8859-1"]);
    let run = |signed: &[u8]| {
        let mut m = b"Fix\n\nSigned-off-by: ".to_vec();
        m.extend_from_slice(signed);
        m.extend_from_slice(b" <rene@example.com>\n");
        t.write("MSG", &m);
        t.command(crate::common::BIN)
            .args(["hook", "commit-msg", "MSG"])
            .env(
                "GIT_AUTHOR_NAME",
                std::ffi::OsStr::from_bytes(b"Ren\xe9 Roe"),
            )
            .env("GIT_AUTHOR_EMAIL", "rene@example.com")
            .output()
            .expect("run hook")
    };
    let same = run(b"Ren\xe9 Roe");
    assert_eq!(same.status.code(), Some(0), "{}", text(&same));
    let other = run(b"Ren\xe8 Roe");
    assert_eq!(other.status.code(), Some(1), "{}", text(&other));
    assert!(
        text(&other).contains("dco/signoff-mismatch"),
        "{}",
        text(&other)
    );
    assert!(text(&other).contains("Renè Roe"), "{}", text(&other));
}

/// A linear history of `n` commits written with `git fast-import`, each touching one file of
/// a small tree; every 97th commit has no sign-off. Returns the numbers of the unsigned ones.
fn fast_import_history(t: &TestRepo, n: usize) -> Vec<usize> {
    let mut stream = Vec::new();
    let mut unsigned = Vec::new();
    for i in 1..=n {
        let (name, email) = [
            ("Jane Doe", "jane@example.com"),
            ("Bex Warner", "bex@example.org"),
        ][i % 2];
        let signed = i % 97 != 0;
        if !signed {
            unsigned.push(i);
        }
        let mut message = format!("Change {i}\n\nBody of change {i}.\n");
        if signed {
            message.push_str(&format!("\nSigned-off-by: {name} <{email}>\n"));
        }
        let content = format!("version {i}\n");
        stream.extend_from_slice(
            format!(
                "commit refs/heads/main\nmark :{i}\ncommitter {name} <{email}> {} +0000\n\
                 data {}\n{message}\nM 100644 inline dir{}/file{}.txt\ndata {}\n{content}\n",
                1_700_000_000 + i,
                message.len(),
                i % 10,
                i % 7,
                content.len(),
            )
            .as_bytes(),
        );
    }
    stream.extend_from_slice(b"done\n");
    let out = pipe(t, "git", &["fast-import", "--quiet", "--done"], &stream);
    assert!(out.status.success(), "{}", text(&out));
    unsigned
}

/// Repacks the repository without any tree object, so that reading a tree fails.
fn remove_trees(t: &TestRepo) {
    let all = t.git(&[
        "cat-file",
        "--batch-all-objects",
        "--batch-check=%(objectname) %(objecttype)",
    ]);
    let kept: String = String::from_utf8_lossy(&all.stdout)
        .lines()
        .filter(|l| !l.ends_with(" tree"))
        .map(|l| format!("{}\n", &l[..40]))
        .collect();
    let pack_dir = t.path().join(".git/objects/pack");
    let old: Vec<_> = std::fs::read_dir(&pack_dir)
        .expect("pack dir")
        .map(|e| e.expect("entry").path())
        .collect();
    let out = pipe(
        t,
        "git",
        &["pack-objects", "-q", ".git/objects/pack/pack"],
        kept.as_bytes(),
    );
    assert!(out.status.success(), "{}", text(&out));
    for p in old {
        std::fs::remove_file(p).expect("remove old pack");
    }
    let tree = t.git_any(&["cat-file", "-e", "HEAD^{tree}"]);
    assert!(!tree.status.success(), "the trees are still there");
}

#[test]
fn dco_range_and_pre_push_read_no_tree_on_a_long_history() {
    let t = TestRepo::new();
    let n = 3000;
    let unsigned = fast_import_history(&t, n);
    remove_trees(&t);
    t.write(".outbound.toml", DCO_ALWAYS);

    let (code, v) = t.json(&["scan", "--range", "..main", "--checks", "dco"]);
    assert_eq!(code, 1, "{v}");
    assert_eq!(v["summary"]["commits"], n, "{v}");
    let flagged: Vec<String> = v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| f["message"].as_str().unwrap_or("").to_string())
        .collect();
    assert_eq!(flagged.len(), unsigned.len(), "{v}");
    assert!(
        rules_of(&v).iter().all(|r| r == "dco/missing-signoff"),
        "{v}"
    );

    // The same range with a check of content has to read trees, and cannot here.
    let content = t.outbound(&["scan", "--range", "..main", "--checks", "secret"]);
    assert_eq!(content.status.code(), Some(2), "{}", text(&content));

    // pre-push when DCO is the only check that applies.
    t.write(
        ".outbound.toml",
        format!(
            "{DCO_ALWAYS}[secrets]\nseverity = \"off\"\n[internal_url]\nseverity = \"off\"\n\
             [artifact]\nseverity = \"off\"\n"
        ),
    );
    let head = String::from_utf8_lossy(&t.git(&["rev-parse", "main"]).stdout)
        .trim()
        .to_string();
    let zero = "0".repeat(40);
    let line = format!("refs/heads/main {head} refs/heads/main {zero}\n");
    let out = pipe(
        &t,
        crate::common::BIN,
        &["hook", "pre-push", "origin", "https://example.com/x.git"],
        line.as_bytes(),
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let report = text(&out);
    assert_eq!(
        report.matches("dco/missing-signoff").count(),
        unsigned.len(),
        "{report}"
    );
}

// Sign-offs through installed hooks, real commits and pushes, and `scan --range` as CI runs it.

#[test]
fn dco_always_refuses_unsigned_commit_at_commit_msg_with_the_remedy() {
    let t = hooked("[dco]\nrequire = \"always\"\n");
    let out = commit(&t, "a.txt", "a\n", &["-m", "x"]);
    assert!(
        !out.status.success(),
        "an unsigned commit went through:\n{}",
        text(&out)
    );
    let err = stderr(&out);
    assert!(err.contains("dco/missing-signoff"), "{err}");
    assert!(err.contains("commit-msg: commit refused"), "{err}");
    assert!(
        err.contains("expected \"Jane Doe <jane@example.com>\""),
        "{err}"
    );
    assert!(
        err.contains("git commit -s"),
        "the remedy should say to commit again with -s:\n{err}"
    );
    assert!(!has_head(&t), "the refused commit was made");
}

#[test]
fn dco_always_passes_a_signed_off_commit() {
    let t = hooked("[dco]\nrequire = \"always\"\n");
    let out = commit(&t, "a.txt", "a\n", &["-s", "-m", "x"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(!stderr(&out).contains("dco/"), "{}", text(&out));
    let message =
        String::from_utf8_lossy(&t.git(&["log", "-1", "--format=%B"]).stdout).into_owned();
    assert!(
        message.contains("Signed-off-by: Jane Doe <jane@example.com>"),
        "{message}"
    );
}

#[test]
fn dco_signoff_by_committer_for_another_author_passes_with_a_warning() {
    let t = hooked("[dco]\nrequire = \"always\"\n");
    let out = commit(
        &t,
        "a.txt",
        "a\n",
        &["-s", "--author=Other <o@example.com>", "-m", "x"],
    );
    assert!(out.status.success(), "{}", text(&out));
    let err = stderr(&out);
    assert!(err.contains("warning[dco/signoff-by-committer]"), "{err}");
    assert!(
        err.contains("not by the author \"Other <o@example.com>\""),
        "{err}"
    );
    assert!(has_head(&t));
}

#[test]
fn dco_always_refuses_a_signoff_by_someone_else() {
    let t = hooked("[dco]\nrequire = \"always\"\n");
    let out = commit(
        &t,
        "a.txt",
        "a\n",
        &["-m", "x\n\nSigned-off-by: Someone Else <else@example.com>"],
    );
    assert!(!out.status.success(), "{}", text(&out));
    assert!(
        stderr(&out).contains("dco/signoff-mismatch"),
        "{}",
        text(&out)
    );
}

/// A repository with two unsigned commits, an internal remote (a bare repository at a path
/// that `internal` names) and an external one; `[dco] require = "external"`. `remotes.*` is
/// read from the org policy only, so the policy is the org's (`git config outbound.policy`).
fn dco_external(internal_pattern: impl Fn(&Path) -> String) -> (TestRepo, TestRepo, Vec<String>) {
    let t = TestRepo::new();
    let internal = bare_in(&t, "internal.git");
    let external = TestRepo::bare();
    assert!(t.outbound(&["install"]).status.success());
    write_home(
        &t,
        "policy.toml",
        format!(
            "[dco]\nrequire = \"external\"\n\n[remotes]\ninternal = [\"{}\"]\n",
            internal_pattern(&internal)
        ),
    );
    t.git(&[
        "config",
        "outbound.policy",
        &path_of(&t.home.path().join("policy.toml")),
    ]);
    let mut ids = Vec::new();
    for (file, message) in [("a.txt", "first"), ("b.txt", "second")] {
        // commit-msg lets unsigned commits through: sign-offs are required on the way out.
        let out = commit(&t, file, format!("{file}\n"), &["-m", message]);
        assert!(out.status.success(), "{}", text(&out));
        ids.push(t.head());
    }
    t.git(&["remote", "add", "internal", &path_of(&internal)]);
    t.git(&["remote", "add", "upstream", &path_of(external.path())]);
    (t, external, ids)
}

#[test]
fn dco_external_lets_unsigned_commits_go_to_an_internal_remote() {
    let (t, _external, _) = dco_external(|_| "**/internal.git".to_string());
    let out = t.git_any(&["push", "-q", "internal", "main"]);
    assert!(
        out.status.success(),
        "push to the internal remote refused:\n{}",
        text(&out)
    );
}

#[test]
fn dco_external_matches_an_internal_remote_by_its_exact_path() {
    let (t, _external, _) = dco_external(path_of);
    let out = t.git_any(&["push", "-q", "internal", "main"]);
    assert!(
        out.status.success(),
        "push to the internal remote refused:\n{}",
        text(&out)
    );
}

#[test]
fn dco_external_refuses_unsigned_commits_to_an_external_remote_naming_each() {
    let (t, external, ids) = dco_external(|_| "**/internal.git".to_string());
    let out = t.git_any(&["push", "-q", "upstream", "main"]);
    assert!(
        !out.status.success(),
        "unsigned commits reached the external remote:\n{}",
        text(&out)
    );
    let err = stderr(&out);
    assert!(err.contains("pre-push: push refused"), "{err}");
    for id in &ids {
        assert!(
            err.contains(&format!("commit {}: the sign-off is missing", short(id))),
            "{} not named:\n{err}",
            short(id)
        );
    }
    assert!(
        !external
            .git_any(&["rev-parse", "--verify", "-q", "refs/heads/main"])
            .status
            .success(),
        "the external remote got the branch"
    );
}

#[test]
fn dco_external_passes_signed_commits_to_an_external_remote() {
    let t = hooked("[dco]\nrequire = \"external\"\n");
    let external = TestRepo::bare();
    commit_signed(&t, "a.txt", "a\n", "first");
    t.git(&["remote", "add", "upstream", &path_of(external.path())]);
    let out = t.git_any(&["push", "-q", "upstream", "main"]);
    assert!(out.status.success(), "{}", text(&out));
}

#[test]
fn dco_alone_reads_no_file() {
    let t = TestRepo::new();
    t.write(".outbound.toml", "[dco]\nrequire = \"always\"\n");
    let base = commit_signed(&t, "a.txt", "a\n", "base");
    let token = crate::common::github_token();
    let unsigned = t.commit_file("settings.py", format!("TOKEN = \"{token}\"\n"), "unsigned");
    let range = format!("{base}..HEAD");
    let (code, v) = t.json(&["scan", "--range", &range, "--checks", "dco"]);
    assert_eq!(code, 1, "{v}");
    let findings = v["findings"].as_array().expect("findings");
    assert!(
        findings
            .iter()
            .all(|f| f["check"] == "dco" && f["commit"] == unsigned.as_str()),
        "{v}"
    );
    assert!(!findings.is_empty(), "{v}");
    assert_eq!(v["summary"]["bytes"], 0, "a file was read: {v}");
}

#[test]
fn dco_scan_range_reports_unsigned_commits_in_ci() {
    let t = TestRepo::new();
    t.write(".outbound.toml", "[dco]\nrequire = \"external\"\n");
    let base = commit_signed(&t, "a.txt", "a\n", "base");
    let signed = commit_signed(&t, "b.txt", "b\n", "signed");
    let unsigned1 = t.commit_file("c.txt", "c\n", "unsigned one");
    let unsigned2 = t.commit_file("d.txt", "d\n", "unsigned two");
    let range = format!("{base}..HEAD");
    let (code, v) = t.json(&["scan", "--range", &range]);
    assert_eq!(code, 1, "{v}");
    let mut flagged: Vec<(String, String)> = v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["check"] == "dco")
        .map(|f| {
            (
                f["rule"].as_str().unwrap_or("").to_string(),
                f["commit"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    flagged.sort();
    let mut want = vec![
        ("missing-signoff".to_string(), unsigned1.clone()),
        ("missing-signoff".to_string(), unsigned2.clone()),
    ];
    want.sort();
    assert_eq!(flagged, want, "signed commit {signed} must not be reported");
    let human = t.outbound(&["scan", "--range", &range]);
    assert_eq!(human.status.code(), Some(1), "{}", text(&human));
    assert!(
        text(&human).contains(&format!(
            "commit {}: the sign-off is missing",
            short(&unsigned1)
        )),
        "{}",
        text(&human)
    );
}

#[test]
fn dco_scan_range_skips_merge_commits() {
    let t = TestRepo::new();
    t.write(".outbound.toml", "[dco]\nrequire = \"always\"\n");
    let base = commit_signed(&t, "a.txt", "a\n", "base");
    t.git(&["checkout", "-q", "-b", "feature"]);
    commit_signed(&t, "b.txt", "b\n", "feature work");
    t.git(&["checkout", "-q", "main"]);
    commit_signed(&t, "c.txt", "c\n", "main work");
    t.git(&[
        "merge",
        "-q",
        "--no-ff",
        "--no-verify",
        "-m",
        "Merge branch 'feature'",
        "feature",
    ]);
    let merge = t.head();
    let message =
        String::from_utf8_lossy(&t.git(&["log", "-1", "--format=%B"]).stdout).into_owned();
    assert!(
        !message.contains("Signed-off-by"),
        "the merge should be unsigned: {message}"
    );
    let (code, v) = t.json(&["scan", "--range", &format!("{base}..HEAD")]);
    assert_eq!(code, 0, "{v}");
    assert!(
        rules_of(&v).iter().all(|r| !r.starts_with("dco/")),
        "merge {merge} reported: {v}"
    );
    assert_eq!(v["summary"]["commits"], 3, "{v}");
}

#[test]
fn dco_always_refuses_at_pre_push_a_commit_that_skipped_commit_msg() {
    let t = hooked("[dco]\nrequire = \"always\"\n");
    let id = t.commit_file("a.txt", "a\n", "made with --no-verify");
    let remote = TestRepo::bare();
    t.git(&["remote", "add", "origin", &path_of(remote.path())]);
    let out = t.git_any(&["push", "-q", "origin", "main"]);
    assert!(!out.status.success(), "{}", text(&out));
    let err = stderr(&out);
    assert!(
        err.contains("dco/missing-signoff") && err.contains(short(&id)),
        "{err}"
    );
}
