//! `request` and `approve`: the push as pre-push will see it (destination, base, tip,
//! commits, lines), turned into a request for approvers, or signed by one.

use std::collections::BTreeSet;

use git2::{Oid, Repository};

use crate::approval::{self, Approver};
use crate::check::spdx;
use crate::cli::{ApproveArgs, RequestArgs};
use crate::error::Error;
use crate::exit;
use crate::git;
use crate::plan;
use crate::policy::Policy;
use crate::source::push::{self, RefUpdate, outbound, tracking_refs};

/// What pushing `tip` to `remote` would send: the destination, the pre-push line, commits.
fn planned(
    repo: &Repository,
    remote: &str,
    tip: &str,
) -> Result<(String, RefUpdate, Vec<Oid>, bool), Error> {
    let url = push::push_url(repo, remote);
    let tip_id = repo
        .revparse_single(tip)
        .and_then(|o| o.peel_to_commit())
        .map_err(|e| Error::git(format!("unknown revision '{tip}'"), e))?
        .id();
    let branch = repo
        .head()
        .ok()
        .and_then(|h| h.shorthand().ok().map(str::to_string))
        .unwrap_or_else(|| "main".into());
    let tracking = tracking_refs(repo, remote, &url);
    let base = repo
        .refname_to_id(&format!("refs/remotes/{remote}/{branch}"))
        .ok();
    let line = RefUpdate {
        source_ref: format!("refs/heads/{branch}"),
        target_ref: format!("refs/heads/{branch}"),
        new: tip_id.to_string(),
        old: base.map_or_else(|| "0".repeat(40), |b| b.to_string()),
    };
    let target = format!("refs/heads/{branch}");
    let commits = outbound(repo, &[(target.as_str(), tip_id)], &tracking)?.commits;
    Ok((
        git::normalise_remote(&url),
        line,
        commits,
        !tracking.is_empty(),
    ))
}

fn load(repo: &Repository, policy: Option<&std::path::Path>) -> Result<Policy, Error> {
    plan::client_policy(policy, Some(repo), repo.workdir(), None)
}

pub fn request(args: &RequestArgs) -> Result<u8, Error> {
    let repo = git::open(&std::env::current_dir().map_err(|e| Error::io(".", e))?)?;
    let policy = load(&repo, args.policy.policy.as_deref())?;
    let (destination, line, commits, has_refs) = planned(&repo, &args.remote, &args.tip)?;
    let push = push::summary(&repo, &destination, has_refs, &line, &commits, &[])?;
    let fired = approval::triggers(&push, &policy.approval).map_err(Error::Usage)?;
    let licenses = outbound_licenses(&repo, &push)?;
    let text = if args.json {
        approval::request_json(&push, &fired, &licenses)
    } else {
        approval::request_markdown(&push, &fired, &licenses)
    };
    crate::report::print(&text)?;
    Ok(exit::OK)
}

/// The SPDX expressions of the files the push changes, as they are at its tip (headers,
/// sidecars, REUSE.toml): what an approver needs to know about licensing.
fn outbound_licenses(repo: &Repository, push: &approval::Push) -> Result<Vec<String>, Error> {
    let tip = Oid::from_str(&push.tip).map_err(|e| Error::git("reading the tip", e))?;
    let tree = repo
        .find_commit(tip)
        .and_then(|c| c.tree())
        .map_err(|e| Error::git(format!("reading the tree of {tip}"), e))?;
    let project = crate::source::reuse::from_tree(repo, &tree)?;
    let paths: BTreeSet<&String> = push.commits.iter().flat_map(|c| &c.paths).collect();
    let mut found = BTreeSet::new();
    for path in paths {
        let Ok(entry) = tree.get_path(std::path::Path::new(path)) else {
            continue;
        };
        if let Ok(blob) = repo.find_blob(entry.id()) {
            found.extend(spdx::licenses(path, blob.content(), &project));
        }
    }
    Ok(found.into_iter().collect())
}

pub fn approve(args: &ApproveArgs) -> Result<u8, Error> {
    let repo = git::open(&std::env::current_dir().map_err(|e| Error::io(".", e))?)?;
    let policy = load(&repo, args.policy.policy.as_deref())?;
    let (destination, line, commits, has_refs) = planned(&repo, &args.remote, &args.tip)?;
    let push = push::summary(&repo, &destination, has_refs, &line, &commits, &[])?;
    let namespace = policy.approval.namespace.clone();
    let approver = Approver {
        key: &args.key,
        identity: &args.identity,
        namespace: &namespace,
    };
    let statement = approval::approve(&repo, &push, &approver, &args.expires, &args.reason)
        .map_err(Error::Usage)?;
    crate::report::line(&format!(
        "{statement}\nrecorded as a note under {} on {}; push it with: git push {} {}",
        approval::NOTES_REF,
        line.new,
        args.remote,
        approval::NOTES_REF
    ))?;
    Ok(exit::OK)
}
