//! Signed approvals for one contribution: `approve` writes a signed statement as a note on the
//! tip; `verify` checks the note at push time against the allowed signers (key, namespace,
//! validity), the signature, the statement's expiry, and that the statement covers exactly
//! the commits being pushed (so new commits, a rebase or an amend need a new approval).

use super::notes::{self, Block};
use super::signers::{self, AllowedSigners};
use super::sshsig::{self, Signature};
use super::statement::{Statement, is_date};
use super::triggers::{short, total_lines};
use super::{ApprovalOptions, Push};
use crate::finding::{Check, Finding, Severity};
use std::path::Path;

/// Who signs an approval.
#[derive(Debug, Clone, Copy)]
pub struct Approver<'a> {
    /// The approver's private SSH key (unencrypted OpenSSH format).
    pub key: &'a Path,
    /// The approver's principal, as listed in the allowed-signers file.
    pub identity: &'a str,
    /// The signature namespace (`approval.namespace`).
    pub namespace: &'a str,
}

/// What the notes on the tip say about a push.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    /// A valid approval covers the push.
    Approved {
        approver: String,
        expires: String,
        reason: String,
    },
    /// No approval for this destination on the tip.
    Missing,
    /// Approvals exist but none counts: `(rule, reason)` for each.
    Refused(Vec<(&'static str, String)>),
}

/// Signs an approval of exactly `push` and stores it on the tip; returns the note block
/// (statement and signature) that was written.
pub fn approve(
    repo: &git2::Repository,
    push: &Push,
    approver: &Approver,
    expires: &str,
    reason: &str,
) -> Result<String, String> {
    if !is_date(expires) {
        return Err(format!("expiry '{expires}' is not a YYYY-MM-DD date"));
    }
    if expires < push.today.as_str() {
        return Err(format!(
            "expiry {expires} is already past (today is {})",
            push.today
        ));
    }
    let statement = statement_for(push, expires, reason, approver.identity).render()?;
    let signature = sshsig::sign(approver.key, approver.namespace, statement.as_bytes())?;
    let block = Block {
        statement,
        signature,
    };
    notes::add(repo, &push.tip, &block)?;
    Ok(notes::join(&[block]))
}

/// The statement that approves exactly `push`.
pub fn statement_for(push: &Push, expires: &str, reason: &str, approver: &str) -> Statement {
    let mut commits: Vec<String> = push.commits.iter().map(|c| c.id.clone()).collect();
    commits.sort();
    commits.dedup();
    Statement {
        destination: push.destination.to_string(),
        base: push.base.clone(),
        tip: push.tip.clone(),
        commits,
        lines: total_lines(push),
        expires: expires.to_string(),
        reason: reason.to_string(),
        approver: approver.to_string(),
    }
}

/// Checks the approvals on the tip. Warnings are about the allowed-signers file (lines that
/// were skipped).
pub fn verify(
    repo: &git2::Repository,
    push: &Push,
    opts: &ApprovalOptions,
) -> (Verdict, Vec<Finding>) {
    let note = match notes::read_in(repo, push.notes.as_deref(), &push.tip) {
        Ok(Some(note)) => note,
        Ok(None) => return (Verdict::Missing, Vec::new()),
        Err(e) => return (Verdict::Refused(vec![("approval-invalid", e)]), Vec::new()),
    };
    let mut signers: Option<Result<AllowedSigners, String>> = None;
    let verdict = judge(&note, push, opts, &mut signers);
    let warnings = match &signers {
        Some(Ok(allowed)) => signer_warnings(allowed, opts),
        _ => Vec::new(),
    };
    (verdict, warnings)
}

/// The verdict over every block of the note; loads the allowed signers on first need.
fn judge(
    note: &str,
    push: &Push,
    opts: &ApprovalOptions,
    signers: &mut Option<Result<AllowedSigners, String>>,
) -> Verdict {
    let expected = statement_for(push, "", "", "");
    let mut refusals = Vec::new();
    for block in notes::split(note) {
        let statement = match Statement::parse(&block.statement) {
            Ok(s) if s.destination != push.destination => continue,
            Ok(s) => s,
            Err(e) => {
                refusals.push((
                    "approval-invalid",
                    format!("unreadable approval statement: {e}"),
                ));
                continue;
            }
        };
        let allowed = signers.get_or_insert_with(|| load_signers(opts.allowed_signers.as_deref()));
        match check_block(
            &block,
            &statement,
            allowed,
            push,
            &expected,
            &opts.namespace,
        ) {
            Ok(()) => {
                let Statement {
                    approver,
                    expires,
                    reason,
                    ..
                } = statement;
                return Verdict::Approved {
                    approver,
                    expires,
                    reason,
                };
            }
            Err(refusal) => refusals.push(refusal),
        }
    }
    if refusals.is_empty() {
        Verdict::Missing
    } else {
        Verdict::Refused(refusals)
    }
}

fn check_block(
    block: &Block,
    statement: &Statement,
    allowed: &Result<AllowedSigners, String>,
    push: &Push,
    expected: &Statement,
    namespace: &str,
) -> Result<(), (&'static str, String)> {
    let invalid = |reason: String| ("approval-invalid", reason);
    let allowed = allowed.as_ref().map_err(|e| invalid(e.clone()))?;
    if block.signature.is_empty() {
        return Err(invalid("the approval statement is not signed".to_string()));
    }
    let signature = Signature::parse(&block.signature).map_err(invalid)?;
    signature
        .verify(namespace, block.statement.as_bytes())
        .map_err(invalid)?;
    allowed
        .authorize(signature.key(), &statement.approver, namespace, &push.now)
        .map_err(|e| invalid(format!("{e} (key {})", signature.fingerprint())))?;
    if statement.expires < push.today {
        let reason = format!(
            "the approval by {} expired on {}",
            statement.approver, statement.expires
        );
        return Err(("approval-expired", reason));
    }
    let covered = (
        &statement.base,
        &statement.tip,
        &statement.commits,
        statement.lines,
    );
    if covered
        != (
            &expected.base,
            &expected.tip,
            &expected.commits,
            expected.lines,
        )
    {
        return Err(invalid(format!(
            "the approval covers {}, but this push is {}; new commits, a rebase or an amend need a new approval",
            range(statement),
            range(expected)
        )));
    }
    Ok(())
}

fn range(s: &Statement) -> String {
    let base = s.base.as_deref().map_or("(no base)", short);
    format!(
        "{base}..{} ({} commits, {} lines)",
        short(&s.tip),
        s.commits.len(),
        s.lines
    )
}

fn load_signers(path: Option<&Path>) -> Result<AllowedSigners, String> {
    let path =
        path.ok_or("approval.allowed_signers is not set, so signed approvals cannot be checked")?;
    std::fs::read_to_string(path)
        .map(|text| signers::parse(&text))
        .map_err(|e| format!("cannot read allowed signers '{}': {e}", path.display()))
}

fn signer_warnings(allowed: &AllowedSigners, opts: &ApprovalOptions) -> Vec<Finding> {
    let file = opts
        .allowed_signers
        .as_deref()
        .map(|p| p.display().to_string());
    allowed
        .problems
        .iter()
        .map(|(line, problem)| {
            let message = format!("allowed signers line {line} skipped: {problem}");
            let mut f = Finding::new(
                Check::Approval,
                "allowed-signers-line",
                Severity::Warn,
                message,
            );
            f.path = file.clone();
            f.line = Some(*line);
            f.help = "fix the line (see ssh-keygen(1), ALLOWED SIGNERS)".to_string();
            f
        })
        .collect()
}
