//! The approval gate end to end: installed hooks, real `git push` to bare repositories,
//! `request` and `approve`, standing approvals and the triggers.

use std::path::Path;

use crate::common::{TestRepo, bare_in, ssh_key, stderr, text, write_home};
use crate::common::{lines, path_of, short};

/// A repository whose org policy (`git config outbound.policy`) has `[approval]` with
/// `significant_lines = 5` and an allowed-signers file naming `approver@example.com`, plus
/// `extra`; `origin` is an empty external bare repository.
struct Gate {
    t: TestRepo,
    origin: TestRepo,
    key: std::path::PathBuf,
}

impl Gate {
    fn new(extra: &str) -> Gate {
        Gate::with_approval("significant_lines = 5\n", extra)
    }

    fn with_approval(triggers: &str, extra: &str) -> Gate {
        let t = TestRepo::new();
        assert!(t.outbound(&["install"]).status.success());
        let (key, public) = ssh_key(t.home.path(), "approver");
        write_home(
            &t,
            "allowed_signers",
            format!("approver@example.com namespaces=\"git-outbound-approval\" {public}\n"),
        );
        // A relative path: resolved against the folder of the policy file.
        let policy =
            format!("[approval]\n{triggers}allowed_signers = \"allowed_signers\"\n{extra}");
        write_home(&t, "policy.toml", policy);
        t.git(&[
            "config",
            "outbound.policy",
            &path_of(&t.home.path().join("policy.toml")),
        ]);
        let origin = TestRepo::bare();
        t.git(&["remote", "add", "origin", &path_of(origin.path())]);
        Gate { t, origin, key }
    }

    fn push(&self) -> std::process::Output {
        self.t.git_any(&["push", "-q", "origin", "main"])
    }

    fn approve(&self, key: &Path) -> std::process::Output {
        let key = path_of(key);
        self.t.outbound(&[
            "approve",
            "origin",
            "--key",
            &key,
            "--identity",
            "approver@example.com",
            "--expires",
            "2099-01-01",
            "--reason",
            "TICKET-1",
        ])
    }

    fn origin_has_main(&self) -> bool {
        self.origin
            .git_any(&["rev-parse", "--verify", "-q", "refs/heads/main"])
            .status
            .success()
    }
}

#[test]
fn approval_push_over_significant_lines_is_refused_naming_lines_and_limit() {
    let g = Gate::new("");
    g.t.commit_file("src/big.txt", lines(20), "big change");
    let out = g.push();
    assert!(!out.status.success(), "{}", text(&out));
    let err = stderr(&out);
    assert!(err.contains("approval/approval-required"), "{err}");
    assert!(
        err.contains(&format!(
            "approval required (significant-lines): 20 lines to {}, limit 5",
            path_of(g.origin.path())
        )),
        "{err}"
    );
    assert!(
        err.contains("git outbound request"),
        "the refusal should say how to ask:\n{err}"
    );
    assert!(!g.origin_has_main());
}

#[test]
fn approval_small_push_needs_none() {
    let g = Gate::new("");
    g.t.commit_file("src/small.txt", lines(5), "small change");
    let out = g.push();
    assert!(out.status.success(), "{}", text(&out));
}

#[test]
fn approval_is_never_needed_for_internal_remotes() {
    let g = Gate::new("\n[remotes]\ninternal = [\"**/mirror.git\"]\n");
    let mirror = bare_in(&g.t, "mirror.git");
    g.t.git(&["remote", "add", "mirror", &path_of(&mirror)]);
    g.t.commit_file("src/big.txt", lines(20), "big change");
    let out = g.t.git_any(&["push", "-q", "mirror", "main"]);
    assert!(out.status.success(), "{}", text(&out));
    // The mirror's tracking ref does not count for the external remote.
    let out = g.push();
    assert!(!out.status.success(), "{}", text(&out));
    assert!(stderr(&out).contains("20 lines"), "{}", text(&out));
}

#[test]
fn approval_signed_by_an_allowed_approver_lets_the_push_through() {
    let g = Gate::new("");
    g.t.commit_file("src/big.txt", lines(20), "big change");
    assert!(!g.push().status.success());
    let approve = g.approve(&g.key);
    assert!(approve.status.success(), "{}", text(&approve));
    assert!(
        String::from_utf8_lossy(&approve.stdout).contains("recorded as a note"),
        "{}",
        text(&approve)
    );
    let out = g.push();
    assert!(out.status.success(), "{}", text(&out));
    assert!(g.origin_has_main());
}

#[test]
fn approval_covers_exact_commits_so_a_later_commit_is_refused_again() {
    let g = Gate::new("");
    g.t.commit_file("src/big.txt", lines(20), "big change");
    assert!(g.approve(&g.key).status.success());
    g.t.commit_file("src/more.txt", lines(1), "one more");
    let out = g.push();
    assert!(
        !out.status.success(),
        "an approval of other commits let the push through:\n{}",
        text(&out)
    );
    assert!(stderr(&out).contains("21 lines"), "{}", text(&out));
}

#[test]
fn approval_is_needed_again_for_the_next_large_push() {
    let g = Gate::new("");
    g.t.commit_file("src/big.txt", lines(20), "big change");
    assert!(g.approve(&g.key).status.success());
    assert!(g.push().status.success());
    g.t.commit_file("src/bigger.txt", lines(10), "next change");
    let out = g.push();
    assert!(!out.status.success(), "{}", text(&out));
    assert!(stderr(&out).contains("10 lines"), "{}", text(&out));
}

#[test]
fn approval_signed_by_a_key_not_in_allowed_signers_is_refused() {
    let g = Gate::new("");
    g.t.commit_file("src/big.txt", lines(20), "big change");
    let (intruder, _) = ssh_key(g.t.home.path(), "intruder");
    let approve = g.approve(&intruder);
    let out = g.push();
    assert!(
        !out.status.success(),
        "approve said:\n{}\npush said:\n{}",
        text(&approve),
        text(&out)
    );
    let err = stderr(&out);
    assert!(err.contains("approval/approval-invalid"), "{err}");
    assert!(
        err.contains("the signing key is not in the allowed signers file"),
        "{err}"
    );
    assert!(!g.origin_has_main());
}

#[test]
fn approval_note_can_be_pushed_the_way_approve_says() {
    let g = Gate::new("");
    g.t.commit_file("src/big.txt", lines(20), "big change");
    assert!(g.approve(&g.key).status.success());
    assert!(g.push().status.success());
    let out =
        g.t.git_any(&["push", "-q", "origin", "refs/notes/outbound-approvals"]);
    assert!(out.status.success(), "{}", text(&out));
}

#[test]
fn approval_request_lists_the_licenses_of_the_outbound_files() {
    let g = Gate::new("");
    let header = "// SPDX-License-Identifier: MIT OR Apache-2.0\n";
    g.t.commit_file("src/lib.rs", format!("{header}{}", lines(10)), "lib");
    g.t.commit_file("src/plain.txt", lines(3), "unlicensed");
    let out = g.t.outbound(&["request", "origin", "--json"]);
    assert!(out.status.success(), "{}", text(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(
        v["licenses"],
        serde_json::json!(["MIT OR Apache-2.0"]),
        "{v}"
    );
    let md = String::from_utf8_lossy(&g.t.outbound(&["request", "origin"]).stdout).into_owned();
    assert!(md.contains("- licenses: MIT OR Apache-2.0\n"), "{md}");
}

#[test]
fn approval_standing_entry_lets_the_push_through() {
    let g = Gate::new("");
    let standing = format!(
        "\n[[approval.standing]]\nremote = \"{}\"\nexpires = \"2099-01-01\"\nreason = \"OSPO-1\"\n",
        path_of(g.origin.path())
    );
    let policy = std::fs::read_to_string(g.t.home.path().join("policy.toml")).expect("read policy");
    write_home(&g.t, "policy.toml", policy + &standing);
    g.t.commit_file("src/big.txt", lines(20), "big change");
    let out = g.push();
    assert!(out.status.success(), "{}", text(&out));
}

#[test]
fn approval_expired_standing_entry_is_refused() {
    let g = Gate::new("");
    let standing = format!(
        "\n[[approval.standing]]\nremote = \"{}\"\nexpires = \"2020-01-01\"\nreason = \"OSPO-1\"\n",
        path_of(g.origin.path())
    );
    let policy = std::fs::read_to_string(g.t.home.path().join("policy.toml")).expect("read policy");
    write_home(&g.t, "policy.toml", policy + &standing);
    g.t.commit_file("src/big.txt", lines(20), "big change");
    let out = g.push();
    assert!(!out.status.success(), "{}", text(&out));
    let err = stderr(&out);
    assert!(err.contains("approval/approval-standing-expired"), "{err}");
    assert!(err.contains("expired on 2020-01-01"), "{err}");
    assert!(err.contains("approval/approval-required"), "{err}");
}

#[test]
fn approval_new_publication_triggers_for_a_remote_without_refs() {
    let g = Gate::with_approval("new_publication = true\n", "");
    g.t.commit_file("README.txt", "hello\n", "first");
    let out = g.push();
    assert!(!out.status.success(), "{}", text(&out));
    assert!(
        stderr(&out).contains("approval required (new-publication)"),
        "{}",
        text(&out)
    );
    // Once the project is published, a further push is no new publication.
    assert!(
        g.t.git_any(&["push", "-q", "--no-verify", "origin", "main"])
            .status
            .success()
    );
    g.t.commit_file("README.txt", "hello\nagain\n", "second");
    let out = g.push();
    assert!(out.status.success(), "{}", text(&out));
}

#[test]
fn approval_corporate_identity_triggers_for_an_org_email_author() {
    let g = Gate::with_approval(
        "corporate_identity = true\n",
        "\n[org]\nemail_domains = [\"acme-corp.com\"]\n",
    );
    g.t.commit_file("a.txt", "a\n", "personal");
    assert!(
        g.push().status.success(),
        "a personal address needs no approval"
    );
    g.t.write("b.txt", "b\n");
    g.t.git(&["add", "b.txt"]);
    g.t.git(&[
        "commit",
        "-q",
        "--no-verify",
        "--author=Jane Doe <jane@acme-corp.com>",
        "-m",
        "corporate",
    ]);
    let id = g.t.head();
    let out = g.push();
    assert!(!out.status.success(), "{}", text(&out));
    let err = stderr(&out);
    assert!(
        err.contains("approval required (corporate-identity)"),
        "{err}"
    );
    assert!(
        err.contains(&format!("{} <jane@acme-corp.com>", short(&id))),
        "{err}"
    );
}

#[test]
fn approval_request_prints_markdown_with_the_triggers() {
    let g = Gate::new("");
    g.t.commit_file("src/big.txt", lines(20), "big change");
    let out = g.t.outbound(&["request", "origin"]);
    assert!(out.status.success(), "{}", text(&out));
    let md = String::from_utf8_lossy(&out.stdout).into_owned();
    let origin = path_of(g.origin.path());
    assert!(
        md.starts_with(&format!("# Approval request: {origin}\n")),
        "{md}"
    );
    assert!(
        md.contains(&format!(
            "- **significant-lines**: 20 lines to {origin}, limit 5"
        )),
        "{md}"
    );
    assert!(md.contains("- lines: 20 (added plus deleted)"), "{md}");
    assert!(md.contains("- `src/big.txt`"), "{md}");
    assert!(
        md.contains(&format!(
            "`{}` | Jane Doe <jane@example.com> | 20 | 0",
            short(&g.t.head())
        )),
        "{md}"
    );
}

#[test]
fn approval_request_json_is_valid_json() {
    let g = Gate::new("");
    g.t.commit_file("src/big.txt", lines(20), "big change");
    let out = g.t.outbound(&["request", "origin", "--json"]);
    assert!(out.status.success(), "{}", text(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}", text(&out)));
    assert_eq!(v["destination"], path_of(g.origin.path()));
    assert_eq!(v["lines"], 20);
    assert_eq!(v["tip"], g.t.head());
    assert_eq!(v["triggers"][0]["trigger"], "significant-lines");
    assert_eq!(v["triggers"][0]["limit"], 5);
    assert_eq!(v["files"], serde_json::json!(["src/big.txt"]));
}

#[test]
fn approval_of_a_follow_up_push_covers_it_from_the_remote_base() {
    let g = Gate::new("");
    g.t.commit_file("src/small.txt", lines(2), "small change");
    assert!(g.push().status.success());
    g.t.commit_file("src/big.txt", lines(20), "big change");
    assert!(!g.push().status.success());
    let approve = g.approve(&g.key);
    assert!(approve.status.success(), "{}", text(&approve));
    let statement = String::from_utf8_lossy(&approve.stdout).into_owned();
    let base = String::from_utf8_lossy(&g.origin.git(&["rev-parse", "main"]).stdout)
        .trim()
        .to_string();
    assert!(statement.contains(&format!("base {base}\n")), "{statement}");
    let out = g.push();
    assert!(out.status.success(), "{}", text(&out));
}
