//! DCO as git reads commits (issue 26): a check of commits alone lists commit objects and reads
//! no tree (proved on a history whose trees were removed), messages whose first line is blank
//! hold no trailers in the title, and names are compared in the commit's own encoding.

use std::io::Write;
use std::process::{Output, Stdio};

use crate::common::{TestRepo, rules_of, text};

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

/// Runs `program` in the repository with `input` on stdin.
fn pipe(t: &TestRepo, program: &str, args: &[&str], input: &[u8]) -> Output {
    let mut child = t
        .command(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input)
        .expect("write stdin");
    child.wait_with_output().expect("wait")
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
