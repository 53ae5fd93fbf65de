//! The `approval` check: the decision over one push to an external remote and the evidence
//! gathered for it (`crate::approval::evidence`). Block findings when a trigger fires and no
//! valid approval covers the push, Warn findings for approvals that no longer count.
//!
//! ```text
//! Push ──triggers──▶ none fired ─────────────▶ no findings
//!                    fired ──standing──▶ covered ▶ no findings (warnings for expired entries)
//!                                └─────▶ note on tip ──signers, sshsig, statement──▶ approved
//!                                                     └──────────────────────────▶ Block findings
//! ```

use crate::approval::triggers;
use crate::approval::{ApprovalOptions, Evidence, Push, Verdict};
use crate::finding::{Check, Finding, Severity};

/// The approval check for one push to an external remote: Block findings when a trigger fires
/// and no valid approval covers the push, Warn findings for approvals that no longer count.
pub fn check(push: &Push, opts: &ApprovalOptions, evidence: Evidence) -> Vec<Finding> {
    let fired = match evidence.fired {
        Ok(fired) => fired,
        Err(e) => return vec![policy_error(push, e)],
    };
    if fired.is_empty() {
        return Vec::new();
    }
    let found = evidence.standing;
    let mut findings = found.warnings;
    let Some((verdict, warnings)) = evidence.signed else {
        return findings; // a standing approval covers the push
    };
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
