//! pre-push: every line git gives the hook on stdin. The outbound commits are those reachable
//! from a local id and from none of: the remote ids that exist locally, and the tracking refs
//! of *that* remote (`refs/remotes/<remote>/*`). Deletions check nothing; annotated tags carry
//! their message out; DCO and the approval gate apply per policy and remote.

use std::io::IsTerminal;

use git2::{Oid, Repository};

use super::audit::Skip;
use super::{checks, finish, unread};
use crate::cli::HookName;
use crate::error::Error;
use crate::finding::{self, Check, Severity};
use crate::git;
use crate::outcome::Outcome;
use crate::plan::{self, Destination};
use crate::policy::Policy;
use crate::source::push::{self, RefUpdate, tracking_refs, updates_outbound};

pub fn pre_push(remote: &str, url: &str) -> Result<u8, Error> {
    let from_env = |k: &str| std::env::var(k).unwrap_or_default();
    let (remote, url) = if remote.is_empty() {
        (
            from_env("PRE_COMMIT_REMOTE_NAME"),
            from_env("PRE_COMMIT_REMOTE_URL"),
        )
    } else {
        (remote.to_string(), url.to_string())
    };
    let (remote, url) = (remote.as_str(), url.as_str());
    let cwd = std::env::current_dir().map_err(|e| Error::io(".", e))?;
    let repo = git::open(&cwd)?;
    let policy = plan::client_policy(None, Some(&repo), repo.workdir(), None)?;
    super::budget(&policy);
    let skip = Skip::from_env(&policy)?;
    let url = if url.is_empty() {
        push::push_url(&repo, remote)
    } else {
        url.to_string()
    };
    let mut stdin = push::read_stdin()?;
    if stdin.trim().is_empty() {
        // A hook manager hid git's lines: check every local branch the remote lacks.
        let (lines, note) = super::unseen::lines(&repo, remote, &url, pre_commit_framework_line())?;
        if let Some(note) = note {
            crate::report::say(&note);
        }
        stdin = lines;
    }
    // Notes (approvals travel as refs/notes/outbound-approvals) are text, not contributions:
    // they get the text checks only, never DCO or the approval gate. What a push is decides
    // where it lands (the remote ref) and what it carries: a notes ref whose commits hold
    // anything but notes is a contribution like any other.
    let all: Vec<RefUpdate> = RefUpdate::parse_pre_push(&stdin)?
        .into_iter()
        .filter(|u| !u.is_deletion())
        .collect();
    let tracking = tracking_refs(&repo, remote, &url);
    let (notes, updates) = push::split_notes(&repo, all, &tracking)?;
    let note_outcome = check_notes(&repo, &policy, &skip, &notes, &tracking)?;
    if updates.is_empty() {
        let mut outcome = note_outcome;
        unread(&mut outcome, &policy);
        return finish(HookName::PrePush, &outcome, std::io::stderr().is_terminal());
    }
    let out = updates_outbound(&repo, &updates, &tracking)?;
    let destination = git::normalise_remote(&url);
    let to = if policy.remote_is_internal(&destination) {
        Destination::Internal
    } else {
        Destination::External
    };
    let on = checks(&Check::ALL, &skip);
    let mut outcome = plan::push(&repo, &policy, &out, &updates, on, to)?.run(&policy)?;
    outcome.absorb(note_outcome);
    unread(&mut outcome, &policy);
    let approval_on = on.has(Check::Approval) && policy.severity(Check::Approval) != Severity::Off;
    if to == Destination::External && approval_on {
        let has_refs = !tracking.is_empty() || updates.iter().any(|u| !git::is_zero(&u.old));
        let push = push::summary(
            &repo,
            &destination,
            has_refs,
            &updates[0],
            &out.commits,
            &out.files,
        )?;
        outcome.findings.extend(super::sealed(
            crate::plan::approval_findings(&repo, &push, &policy.approval),
            &policy,
        ));
        finding::sort(&mut outcome.findings);
    }
    let ids: Vec<String> = out.commits.iter().map(Oid::to_string).collect();
    skip.record(&repo, "pre-push", &ids)?;
    finish(HookName::PrePush, &outcome, std::io::stderr().is_terminal())
}

/// The text checks over pushed notes commits, less those skipped with `OUTBOUND_SKIP`.
fn check_notes(
    repo: &Repository,
    policy: &Policy,
    skip: &Skip,
    notes: &[RefUpdate],
    tracking: &[Oid],
) -> Result<Outcome, Error> {
    if notes.is_empty() {
        return Ok(Outcome::default());
    }
    let out = updates_outbound(repo, notes, tracking)?;
    let on = checks(&[Check::Secret, Check::InternalUrl], skip);
    plan::commits(repo, policy, &out.commits, on, Destination::Nowhere)?.run(policy)
}

/// The pre-commit framework runs pre-push hooks without git's stdin and describes the push
/// in `PRE_COMMIT_*` variables instead; this rebuilds git's line from them.
fn pre_commit_framework_line() -> Option<String> {
    let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let to = var("PRE_COMMIT_TO_REF")?;
    let from = var("PRE_COMMIT_FROM_REF").unwrap_or_else(|| "0".repeat(40));
    let local = var("PRE_COMMIT_LOCAL_BRANCH").unwrap_or_else(|| "HEAD".into());
    let remote = var("PRE_COMMIT_REMOTE_BRANCH").unwrap_or_else(|| local.clone());
    Some(format!("{local} {to} {remote} {from}\n"))
}
