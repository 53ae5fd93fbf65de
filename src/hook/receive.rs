//! pre-receive, the server side: reads `<old> <new> <ref>` lines and checks the commits the
//! push adds (reachable from a new id and from no ref the repository already has), read
//! through the quarantine object directory git sets up for the hook. Policy comes from the
//! server (`--policy FILE` given to the hook, `$OUTBOUND_POLICY`, `git config outbound.policy`
//! of the repository, `/etc/git-outbound/policy.toml`), never from the pushed content.
//! The time budget (`hooks.time_budget`, in `hook/mod.rs`) bounds the whole hook; past it the push is refused (fail closed). The break-glass
//! push option `outbound.bypass=<reason>` lets a push through when policy allows it, and is
//! recorded in the audit log.

use std::path::PathBuf;

use git2::Repository;

use super::{audit, finish, unread};
use crate::check::CheckSet;
use crate::cli::HookName;
use crate::error::Error;
use crate::finding::{self, Check, Severity};
use crate::git;
use crate::plan::{self, Destination};
use crate::policy::{Policy, Sources};
use crate::report::say;
use crate::source::push::{self, Outbound, RefUpdate};

pub fn pre_receive(args: &[String]) -> Result<u8, Error> {
    let cwd = std::env::current_dir().map_err(|e| Error::io(".", e))?;
    let repo = git::open(&cwd)?;
    let policy = server_policy(&repo, args)?;
    super::budget(&policy);
    let stdin = push::read_stdin()?;
    let updates = RefUpdate::parse_pre_receive(&stdin)?;
    if bypassed(&repo, &policy, &updates)? {
        return Ok(crate::exit::OK);
    }
    let live: Vec<RefUpdate> = updates.into_iter().filter(|u| !u.is_deletion()).collect();
    if live.is_empty() {
        return Ok(crate::exit::OK);
    }
    // Everything the repository already has is not added by this push.
    let known = push::every_ref(&repo)?;
    // Notes (approvals travel as refs/notes/outbound-approvals) are text, not contributions:
    // a push to refs/notes/* that carries notes only gets the text checks, never DCO or the
    // approval gate; anything else pushed there is a contribution like any other.
    let (notes, updates) = push::split_notes(&repo, live, &known)?;
    let out = push::updates_outbound(&repo, &updates, &known)?;
    let noted = push::updates_outbound(&repo, &notes, &known)?;
    let on = CheckSet::all().without(Check::Approval);
    let plan = plan::push(&repo, &policy, &out, &updates, on, Destination::Backstop)?;
    let text_only = CheckSet::of(&[Check::Secret, Check::InternalUrl]);
    let note_plan = plan::commits(
        &repo,
        &policy,
        &noted.commits,
        text_only,
        Destination::Nowhere,
    )?;
    let mut outcome = plan.run(&policy)?;
    outcome.absorb(note_plan.run(&policy)?);
    unread(&mut outcome, &policy);
    if let (Some(first), Severity::Block | Severity::Warn) =
        (updates.first(), policy.severity(Check::Approval))
    {
        let pushed_notes = notes
            .iter()
            .find(|u| u.target_ref == crate::approval::NOTES_REF)
            .map(|u| u.new.clone());
        let findings = approval(&repo, &policy, first, &out, !known.is_empty(), pushed_notes)?;
        outcome.findings.extend(super::sealed(findings, &policy));
        finding::sort(&mut outcome.findings);
    }
    finish(HookName::PreReceive, &outcome, false)
}

/// The server's policy: never the pushed content's.
fn server_policy(repo: &Repository, args: &[String]) -> Result<Policy, Error> {
    let explicit = match args {
        [] => None,
        [flag, file] if flag == "--policy" => Some(PathBuf::from(file)),
        _ => {
            return Err(Error::Usage(
                "pre-receive takes no arguments but an optional '--policy FILE'".into(),
            ));
        }
    };
    Policy::load(&Sources {
        explicit,
        git_config: plan::git_config_policy(Some(repo))?,
        repo_dir: None,
        baseline: None,
    })
}

/// The push options git hands the hook (`git push -o`), when the server accepts them.
fn push_options() -> Vec<String> {
    let n: usize = std::env::var("GIT_PUSH_OPTION_COUNT")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    (0..n)
        .filter_map(|i| std::env::var(format!("GIT_PUSH_OPTION_{i}")).ok())
        .collect()
}

/// Whether the push carries an `outbound.bypass=<reason>` option that the policy accepts;
/// an accepted bypass is recorded in the audit log.
fn bypassed(repo: &Repository, policy: &Policy, updates: &[RefUpdate]) -> Result<bool, Error> {
    let Some(reason) = push_options()
        .iter()
        .find_map(|o| o.strip_prefix("outbound.bypass=").map(str::to_string))
    else {
        return Ok(false);
    };
    if !policy.hooks.allow_push_option_bypass || reason.trim().is_empty() {
        say(
            "git-outbound: the push option outbound.bypass is not allowed on this server; checking as usual",
        );
        return Ok(false);
    }
    let refs: Vec<String> = updates
        .iter()
        .map(|u| format!("{} {}", u.target_ref, u.new))
        .collect();
    audit::record(
        repo.commondir(),
        "pre-receive",
        &audit::user(None),
        &["all".to_string()],
        &reason,
        &refs,
    )?;
    say(&format!(
        "git-outbound: bypass accepted and recorded: {reason}"
    ));
    Ok(true)
}

/// The approval findings of the push (first ref update) to this server.
fn approval(
    repo: &Repository,
    policy: &Policy,
    first: &RefUpdate,
    out: &Outbound,
    has_refs: bool,
    pushed_notes: Option<String>,
) -> Result<Vec<finding::Finding>, Error> {
    // The name clients push to, normalised as they normalise it: `outbound.destination`, else
    // this repository's own path (a local remote; no trailing `/`).
    let destination = repo
        .config()
        .ok()
        .and_then(|c| c.get_string("outbound.destination").ok())
        .unwrap_or_else(|| git::root(repo).display().to_string());
    let destination = git::normalise_remote(&destination);
    let mut push = push::summary(
        repo,
        &destination,
        has_refs,
        first,
        &out.commits,
        &out.files,
    )?;
    push.notes = pushed_notes;
    Ok(crate::plan::approval_findings(
        repo,
        &push,
        &policy.approval,
    ))
}
