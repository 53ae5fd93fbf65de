//! The `approval` check: whether a push to an external remote needs approval (policy
//! `[approval]`: size, restricted paths, new publication, corporate identity) and, if so,
//! whether it carries one: a standing approval from the org policy, or a signed approval stored
//! as a git note on the tip. The caller calls it only for external remotes.
//!
//! ```text
//! Push ──triggers──▶ none fired ─────────────▶ no findings
//!                    fired ──standing──▶ covered ▶ no findings (warnings for expired entries)
//!                                └─────▶ note on tip ──signers, sshsig, statement──▶ approved
//!                                                     └──────────────────────────▶ Block findings
//! ```

mod notes;
mod request;
mod signed;
mod signers;
mod sshsig;
mod standing;
mod statement;
#[cfg(test)]
mod testutil;
mod triggers;

pub use notes::NOTES_REF;
pub use request::{request_json, request_markdown};
pub use signed::{Approver, Verdict, approve, statement_for, verify};
pub use statement::Statement;
pub use triggers::{Author, Trigger, total_lines, triggers};

use crate::finding::{Check, Finding, Severity};
use std::path::PathBuf;

/// The signature namespace used when policy sets none.
pub const DEFAULT_NAMESPACE: &str = "git-outbound-approval";

/// The validated `[approval]` policy.
#[derive(Debug, Clone)]
pub struct ApprovalOptions {
    /// Added plus deleted lines above this need approval.
    pub significant_lines: Option<u64>,
    /// Path globs whose change needs approval.
    pub restricted_paths: Vec<String>,
    /// Pushing to an external remote that has no refs yet needs approval.
    pub new_publication: bool,
    /// Commits authored under `email_domains` need approval.
    pub corporate_identity: bool,
    /// `org.email_domains`.
    pub email_domains: Vec<String>,
    /// Where to ask for approval (a team, an address, a URL).
    pub contact: Option<String>,
    /// `[[approval.standing]]` entries.
    pub standing: Vec<Standing>,
    /// The OpenSSH allowed-signers file of approvers (already resolved against the policy's folder).
    pub allowed_signers: Option<PathBuf>,
    /// The SSH signature namespace of approvals.
    pub namespace: String,
}

impl Default for ApprovalOptions {
    fn default() -> ApprovalOptions {
        ApprovalOptions {
            significant_lines: None,
            restricted_paths: Vec::new(),
            new_publication: false,
            corporate_identity: false,
            email_domains: Vec::new(),
            contact: None,
            standing: Vec::new(),
            allowed_signers: None,
            namespace: DEFAULT_NAMESPACE.to_string(),
        }
    }
}

/// A standing approval from the org policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Standing {
    /// Glob on the normalised `host/path`; without `/` it matches the host alone.
    pub remote: String,
    /// The most outbound lines one push may have, if limited.
    pub max_lines: Option<u64>,
    /// Last day it counts, `YYYY-MM-DD`.
    pub expires: String,
    /// Why (a ticket id).
    pub reason: String,
}

/// One push of one ref to an external remote.
#[derive(Debug, Clone)]
pub struct Push<'a> {
    /// Normalised remote, e.g. `github.com/upstream/project`.
    pub destination: &'a str,
    /// False when the remote has no refs at all (a new publication).
    pub remote_has_refs: bool,
    /// The remote's id for the ref before the push, when it had one.
    pub base: Option<String>,
    /// The local id being pushed (full hex).
    pub tip: String,
    /// The outbound commits (full hex ids).
    pub commits: Vec<PushedCommit>,
    /// `YYYY-MM-DD`, passed in so that results are reproducible.
    pub today: String,
}

/// One outbound commit, as the approval check needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushedCommit {
    pub id: String,
    pub author_name: String,
    pub author_email: String,
    /// Lines added by the commit (against its first parent).
    pub added: u64,
    /// Lines deleted by the commit.
    pub deleted: u64,
    /// Paths the commit changes.
    pub paths: Vec<String>,
}

/// The approval check for one push to an external remote: Block findings when a trigger fires
/// and no valid approval covers the push, Warn findings for approvals that no longer count.
pub fn check(repo: &git2::Repository, push: &Push, opts: &ApprovalOptions) -> Vec<Finding> {
    let fired = match triggers(push, opts) {
        Ok(fired) => fired,
        Err(e) => return vec![policy_error(push, e)],
    };
    if fired.is_empty() {
        return Vec::new();
    }
    let lines = total_lines(push);
    let found = standing::lookup(push, lines, &opts.standing);
    let mut findings = found.warnings;
    if found.covering.is_some() {
        return findings;
    }
    let (verdict, warnings) = verify(repo, push, opts);
    findings.extend(warnings);
    let refusals = match verdict {
        Verdict::Approved { .. } => return findings,
        Verdict::Missing => Vec::new(),
        Verdict::Refused(refusals) => refusals,
    };
    let help = how_to_get_approval(opts, &found.notes);
    for (rule, reason) in refusals {
        let message = format!(
            "approval on {} for {} refused: {reason}",
            triggers::short(&push.tip),
            push.destination
        );
        findings.push(block(rule, push, message, &help));
    }
    for trigger in &fired {
        let message = format!(
            "approval required ({}): {}",
            trigger.name(),
            trigger.describe(push.destination)
        );
        findings.push(block("approval-required", push, message, &help));
    }
    findings
}

fn block(rule: &str, push: &Push, message: String, help: &str) -> Finding {
    let mut finding = Finding::new(Check::Approval, rule, Severity::Block, message);
    finding.commit = Some(push.tip.clone());
    finding.help = help.to_string();
    finding
}

fn policy_error(push: &Push, error: String) -> Finding {
    let help = "fix the [approval] section of the org policy";
    block(
        "approval-policy-invalid",
        push,
        format!("cannot decide on approval: {error}"),
        help,
    )
}

/// The help text of a refusal: whom to ask and the commands on both sides.
fn how_to_get_approval(opts: &ApprovalOptions, notes: &[String]) -> String {
    let whom = opts.contact.as_deref().unwrap_or("your open source office");
    let mut help = format!(
        "ask {whom} for approval: run `git outbound request` and send its output; \
         an approver records it with `git outbound approve`, then push again"
    );
    for note in notes {
        help.push_str(&format!(" ({note})"));
    }
    help
}

#[cfg(test)]
mod tests;
