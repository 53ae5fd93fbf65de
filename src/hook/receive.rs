//! pre-receive, the server side: reads `<old> <new> <ref>` lines and checks the commits the
//! push adds (reachable from a new id and from no ref the repository already has), read
//! through the quarantine object directory git sets up for the hook. Policy comes from the
//! server (`--policy FILE` given to the hook, `$OUTBOUND_POLICY`, `git config outbound.policy`
//! of the repository, `/etc/git-outbound/policy.toml`), never from the pushed content.
//! A time budget bounds the hook; past it the push is refused (fail closed). The break-glass
//! push option `outbound.bypass=<reason>` lets a push through when policy allows it, and is
//! recorded in the audit log.

use std::io::Read;
use std::path::PathBuf;
use std::sync::mpsc;
use std::time::Duration;

use git2::{Oid, Repository};

use super::{audit, finish};
use crate::check::CheckSet;
use crate::cli::HookName;
use crate::error::Error;
use crate::finding::{self, Check, Severity};
use crate::git;
use crate::outcome::Outcome;
use crate::plan::{self, Destination, Plan};
use crate::policy::{Policy, Sources};
use crate::report::say;
use crate::source::push::{self, Outbound, RefUpdate};

pub fn pre_receive(args: &[String]) -> Result<u8, Error> {
    let cwd = std::env::current_dir().map_err(|e| Error::io(".", e))?;
    let repo = git::open(&cwd)?;
    let policy = server_policy(&repo, args)?;
    let mut stdin = String::new();
    std::io::stdin()
        .read_to_string(&mut stdin)
        .map_err(|e| Error::io("<stdin>", e))?;
    let updates = RefUpdate::parse_pre_receive(&stdin)?;
    if bypassed(&repo, &policy, &updates)? {
        return Ok(crate::exit::OK);
    }
    let include: Vec<Oid> = updates
        .iter()
        .filter(|u| !u.is_deletion())
        .filter_map(|u| Oid::from_str(&u.new).ok())
        .collect();
    if include.is_empty() {
        return Ok(crate::exit::OK);
    }
    // Everything the repository already has is not added by this push.
    let known = push::every_ref(&repo)?;
    let out = push::outbound(&repo, &include, &known)?;
    let on = CheckSet::all().without(Check::Approval);
    let mut plan = plan::commits(&repo, &policy, &out.commits, on, Destination::Backstop)?;
    plan.items.commits.extend(out.tags.iter().cloned());
    // The push is on its way in: an LFS object the server's store lacks was not checked.
    plan.lfs.missing = policy
        .lfs_missing
        .unwrap_or(crate::finding::Severity::Block);
    let budget = Duration::from_secs(policy.hooks.time_budget);
    let Some((mut outcome, policy)) = run_within(plan, policy, budget)? else {
        say(&format!(
            "git-outbound: the check did not finish within the time budget ({}s, hooks.time_budget); \
             the push is refused. Push fewer commits at a time, or ask the server's administrators.",
            budget.as_secs()
        ));
        return Ok(crate::exit::BLOCKED);
    };
    if policy.severity(Check::Approval) != Severity::Off {
        let findings = approval(&repo, &policy, &updates[0], &out, !known.is_empty())?;
        outcome.findings.extend(findings);
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
        git_config: plan::git_config_policy(Some(repo)),
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

/// Runs the plan on a worker thread; `None` when it did not finish within `budget`.
fn run_within(
    plan: Plan,
    policy: Policy,
    budget: Duration,
) -> Result<Option<(Outcome, Policy)>, Error> {
    let (tx, rx) = mpsc::channel();
    let worker = std::thread::spawn(move || {
        let result = plan.run(&policy);
        let _ = tx.send(result.map(|o| (o, policy)));
    });
    match rx.recv_timeout(budget) {
        Ok(r) => {
            let _ = worker.join();
            r.map(Some)
        }
        Err(_) => Ok(None),
    }
}

/// The approval findings of the push (first ref update) to this server.
fn approval(
    repo: &Repository,
    policy: &Policy,
    first: &RefUpdate,
    out: &Outbound,
    has_refs: bool,
) -> Result<Vec<finding::Finding>, Error> {
    let destination = repo
        .config()
        .ok()
        .and_then(|c| c.get_string("outbound.destination").ok())
        .unwrap_or_else(|| git::root(repo).display().to_string());
    let push = push::summary(repo, &destination, has_refs, first, &out.commits)?;
    Ok(crate::plan::approval_findings(
        repo,
        &push,
        &policy.approval,
    ))
}
