//! End-to-end tests of the approval check: real repositories, real keys from `ssh-keygen`,
//! notes written by `approve` and by hand with `ssh-keygen -Y sign`.

use super::testutil;
use super::*;
use crate::finding::Severity;
use crate::plan::approval_findings as findings;
use std::path::Path;

const DEST: &str = "github.com/upstream/project";
const NS: &str = DEFAULT_NAMESPACE;

struct Fixture {
    dir: tempfile::TempDir,
    _repo_dir: tempfile::TempDir,
    repo: git2::Repository,
    base: String,
    commits: Vec<String>,
    key: std::path::PathBuf,
}

impl Fixture {
    /// A base commit (on the remote) and two outbound commits; the approver key is allowed
    /// as `ospo@acme-corp.com` in `allowed_signers` with `options`.
    fn new(options: &str) -> Fixture {
        let (repo_dir, repo) = testutil::repo();
        let base = testutil::commit(&repo, None, "a.txt", "base\n");
        let c1 = testutil::commit(&repo, Some(base), "a.txt", "one\n");
        let c2 = testutil::commit(&repo, Some(c1), "a.txt", "two\n");
        let dir = tempfile::tempdir().unwrap();
        let key = testutil::keygen(dir.path(), "ed25519", "ospo");
        let line = format!(
            "ospo@acme-corp.com {options} {}\n",
            testutil::public_line(&key)
        );
        std::fs::write(dir.path().join("allowed_signers"), line).unwrap();
        let commits = vec![c1.to_string(), c2.to_string()];
        Fixture {
            dir,
            _repo_dir: repo_dir,
            repo,
            base: base.to_string(),
            commits,
            key,
        }
    }

    fn push(&self) -> Push<'static> {
        let commit = |id: &String, added| PushedCommit {
            id: id.clone(),
            author_name: "Jane Doe".into(),
            author_email: "jane@acme-corp.com".into(),
            added,
            deleted: 6,
            paths: vec!["a.txt".into()],
        };
        Push {
            destination: DEST,
            remote_has_refs: true,
            base: Some(self.base.clone()),
            tip: self.commits[1].clone(),
            commits: vec![commit(&self.commits[0], 300), commit(&self.commits[1], 100)],
            today: "2025-06-01".into(),
            now: "20250601120000".into(),
            notes: None,
        }
    }

    fn opts(&self) -> ApprovalOptions {
        ApprovalOptions {
            significant_lines: Some(100),
            contact: Some("ospo@acme-corp.com".into()),
            allowed_signers: Some(self.dir.path().join("allowed_signers")),
            ..ApprovalOptions::default()
        }
    }

    fn approve_with(&self, key: &Path, namespace: &str, expires: &str) -> String {
        let approver = Approver {
            key,
            identity: "ospo@acme-corp.com",
            namespace,
        };
        approve(&self.repo, &self.push(), &approver, expires, "OSPO-123").unwrap()
    }

    fn rules(&self, push: &Push, opts: &ApprovalOptions) -> Vec<(String, String)> {
        let findings = findings(&self.repo, push, opts);
        findings.into_iter().map(|f| (f.rule, f.message)).collect()
    }
}

fn only_required(findings: &[(String, String)]) -> bool {
    findings.len() == 1 && findings[0].0 == "approval-required"
}

#[test]
fn a_push_below_every_threshold_needs_no_approval() {
    let fx = Fixture::new("");
    let opts = ApprovalOptions {
        significant_lines: Some(1000),
        ..fx.opts()
    };
    assert!(findings(&fx.repo, &fx.push(), &opts).is_empty());
}

#[test]
fn missing_approval_blocks_naming_the_trigger_and_how_to_get_one() {
    let fx = Fixture::new("");
    let findings = findings(&fx.repo, &fx.push(), &fx.opts());
    assert_eq!(findings.len(), 1);
    let f = &findings[0];
    assert_eq!(
        (f.code(), f.severity),
        ("approval/approval-required".to_string(), Severity::Block)
    );
    assert_eq!(
        f.message,
        "approval required (significant-lines): 412 lines to github.com/upstream/project, limit 100"
    );
    assert_eq!(f.commit.as_deref(), Some(fx.commits[1].as_str()));
    for part in [
        "ask ospo@acme-corp.com",
        "`git outbound request`",
        "`git outbound approve`",
    ] {
        assert!(f.help.contains(part), "{part} missing in {}", f.help);
    }
}

#[test]
fn standing_approvals_cover_and_expired_ones_are_reported() {
    let fx = Fixture::new("");
    let entry = |expires: &str, max_lines| Standing {
        remote: "github.com/upstream/*".into(),
        max_lines,
        expires: expires.into(),
        reason: "OSPO-9".into(),
    };
    let covered = ApprovalOptions {
        standing: vec![entry("2025-06-01", Some(500))],
        ..fx.opts()
    };
    assert!(findings(&fx.repo, &fx.push(), &covered).is_empty());
    let stale = ApprovalOptions {
        standing: vec![entry("2025-05-31", None), entry("2030-01-01", Some(10))],
        ..fx.opts()
    };
    let findings = findings(&fx.repo, &fx.push(), &stale);
    let rules: Vec<(&str, Severity)> = findings
        .iter()
        .map(|f| (f.rule.as_str(), f.severity))
        .collect();
    assert_eq!(
        rules,
        [
            ("approval-standing-expired", Severity::Warn),
            ("approval-required", Severity::Block)
        ]
    );
    assert!(
        findings[1]
            .help
            .contains("covers up to 10 lines; this push has 412"),
        "{}",
        findings[1].help
    );
}

#[test]
fn a_signed_approval_covers_exactly_the_pushed_commits() {
    let fx = Fixture::new("namespaces=\"git-outbound-*\",valid-before=\"20991231\"");
    let note = fx.approve_with(&fx.key, NS, "2025-12-31");
    assert!(note.contains(&format!("commit {}\n", fx.commits[0])));
    assert!(
        note.contains(
            "lines 412\nexpires 2025-12-31\nreason OSPO-123\napprover ospo@acme-corp.com\n"
        )
    );
    assert_eq!(fx.rules(&fx.push(), &fx.opts()), []);
    let (verdict, _) = verify(&fx.repo, &fx.push(), &fx.opts());
    assert!(
        matches!(verdict, Verdict::Approved { ref reason, .. } if reason == "OSPO-123"),
        "{verdict:?}"
    );
}

#[test]
fn notes_signed_by_ssh_keygen_verify_and_ours_verify_with_ssh_keygen() {
    let fx = Fixture::new("namespaces=\"git-outbound-approval\"");
    let statement = statement_for(&fx.push(), "2025-12-31", "OSPO-1", "ospo@acme-corp.com")
        .render()
        .unwrap();
    let theirs = testutil::ssh_keygen_sign(&fx.key, NS, statement.as_bytes());
    let tip = git2::Oid::from_str(&fx.commits[1]).unwrap();
    let who = git2::Signature::now("t", "t@example.org").unwrap();
    fx.repo
        .note(
            &who,
            &who,
            Some(NOTES_REF),
            tip,
            &format!("{statement}{theirs}"),
            true,
        )
        .unwrap();
    assert_eq!(fx.rules(&fx.push(), &fx.opts()), []);

    let ours = fx.approve_with(&fx.key, NS, "2025-12-31");
    let (text, sig) = ours.split_at(ours.find("-----BEGIN").unwrap());
    let signers = std::fs::read_to_string(fx.dir.path().join("allowed_signers")).unwrap();
    assert!(testutil::ssh_keygen_verify(
        signers.trim(),
        "ospo@acme-corp.com",
        NS,
        sig,
        text.as_bytes()
    ));
    assert!(!testutil::ssh_keygen_verify(
        signers.trim(),
        "eve@acme-corp.com",
        NS,
        sig,
        text.as_bytes()
    ));
}

#[test]
fn a_tampered_approval_is_refused() {
    let fx = Fixture::new("");
    let note = fx.approve_with(&fx.key, NS, "2025-12-31");
    let tip = git2::Oid::from_str(&fx.commits[1]).unwrap();
    let who = git2::Signature::now("t", "t@example.org").unwrap();
    let forged = note.replace("reason OSPO-123", "reason OSPO-999");
    fx.repo
        .note(&who, &who, Some(NOTES_REF), tip, &forged, true)
        .unwrap();
    let findings = fx.rules(&fx.push(), &fx.opts());
    assert_eq!(findings[0].0, "approval-invalid");
    assert!(
        findings[0]
            .1
            .contains("does not match the statement (tampered?)"),
        "{}",
        findings[0].1
    );
    assert_eq!(findings[1].0, "approval-required");
}

#[test]
fn expired_foreign_key_and_wrong_namespace_approvals_are_refused_with_the_reason() {
    let fx = Fixture::new("valid-before=\"20250501\"");
    let stranger = testutil::keygen(fx.dir.path(), "ed25519", "stranger");
    let cases: [(&Path, &str, &str, &str, &str); 4] = [
        (
            &stranger,
            NS,
            "2025-12-31",
            "approval-invalid",
            "foreign key",
        ),
        (
            &fx.key,
            "file",
            "2025-12-31",
            "approval-invalid",
            "namespace 'file' is not",
        ),
        (
            &fx.key,
            NS,
            "2025-12-31",
            "approval-invalid",
            "key has expired",
        ),
        (
            &fx.key,
            NS,
            "2025-06-01",
            "approval-expired",
            "expired on 2025-06-01",
        ),
    ];
    for (key, namespace, expires, rule, reason) in cases {
        fx.approve_with(key, namespace, expires);
        let mut push = fx.push();
        if rule == "approval-expired" {
            // Allow the key again and check one day after the approval's last day.
            let line = format!("ospo@acme-corp.com {}\n", testutil::public_line(&fx.key));
            std::fs::write(fx.dir.path().join("allowed_signers"), line).unwrap();
            push.today = "2025-06-02".into();
        }
        let findings = fx.rules(&push, &fx.opts());
        assert_eq!(findings[0].0, rule, "{findings:?}");
        assert!(
            findings[0].1.contains(reason),
            "{reason}: {}",
            findings[0].1
        );
    }
}

#[test]
fn new_commits_a_rebase_or_an_amend_need_a_new_approval() {
    let fx = Fixture::new("");
    fx.approve_with(&fx.key, NS, "2025-12-31");
    // The remote moved: same tip, different base and commits.
    let mut rebased = fx.push();
    rebased.base = Some(fx.commits[0].clone());
    rebased.commits.remove(0);
    rebased.commits[0].added = 200;
    let findings = fx.rules(&rebased, &fx.opts());
    assert_eq!(findings[0].0, "approval-invalid");
    assert!(
        findings[0]
            .1
            .contains("(2 commits, 412 lines), but this push is"),
        "{}",
        findings[0].1
    );
    // An amended tip carries no note at all.
    let amended = testutil::commit(
        &fx.repo,
        git2::Oid::from_str(&fx.commits[0]).ok(),
        "a.txt",
        "two!\n",
    );
    let mut push = fx.push();
    push.tip = amended.to_string();
    push.commits[1].id = amended.to_string();
    assert!(only_required(&fx.rules(&push, &fx.opts())));
}

#[test]
fn approvals_for_other_destinations_or_without_signers_do_not_count() {
    let fx = Fixture::new("");
    fx.approve_with(&fx.key, NS, "2025-12-31");
    let mut elsewhere = fx.push();
    elsewhere.destination = "gitlab.com/other/project";
    assert!(only_required(&fx.rules(&elsewhere, &fx.opts())));
    let unset = ApprovalOptions {
        allowed_signers: None,
        ..fx.opts()
    };
    let findings = fx.rules(&fx.push(), &unset);
    assert_eq!(findings[0].0, "approval-invalid");
    assert!(
        findings[0]
            .1
            .contains("approval.allowed_signers is not set"),
        "{}",
        findings[0].1
    );
}

#[test]
fn approve_refuses_bad_expiry_and_bad_policy_is_a_blocking_finding() {
    let fx = Fixture::new("");
    let approver = Approver {
        key: &fx.key,
        identity: "ospo@acme-corp.com",
        namespace: NS,
    };
    for expires in ["2025-05-31", "soon", "2025-02-30"] {
        assert!(
            approve(&fx.repo, &fx.push(), &approver, expires, "R").is_err(),
            "{expires}"
        );
    }
    assert!(approve(&fx.repo, &fx.push(), &approver, "2025-12-31", "two\nlines").is_err());
    let bad = ApprovalOptions {
        restricted_paths: vec!["[".into()],
        ..fx.opts()
    };
    let findings = fx.rules(&fx.push(), &bad);
    assert_eq!(findings[0].0, "approval-policy-invalid");
}

#[test]
fn skipped_allowed_signers_lines_are_warnings() {
    let fx = Fixture::new("");
    let path = fx.dir.path().join("allowed_signers");
    let mut text = std::fs::read_to_string(&path).unwrap();
    text.push_str("ca@acme-corp.com cert-authority ssh-ed25519 AAAA\n");
    std::fs::write(&path, text).unwrap();
    fx.approve_with(&fx.key, NS, "2025-12-31");
    let findings = findings(&fx.repo, &fx.push(), &fx.opts());
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert_eq!(
        (
            findings[0].rule.as_str(),
            findings[0].severity,
            findings[0].line
        ),
        ("allowed-signers-line", Severity::Warn, Some(2))
    );
}

#[test]
fn today_is_a_date() {
    let t = today();
    assert_eq!(t.len(), 10);
    assert!(t.as_str() > "2024-01-01");
}
