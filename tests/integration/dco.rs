//! DCO as git reads commits (issue 26): a message whose first lines are blank has its title
//! after them, and a sign-off there is no trailer.

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
