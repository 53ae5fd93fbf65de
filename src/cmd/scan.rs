//! `scan`, `baseline`, `policy` and `rules`.

use std::path::{Path, PathBuf};

use crate::check::CheckSet;
use crate::cli::{BaselineArgs, PolicyArgs, RulesArgs, ScanArgs};
use crate::error::Error;
use crate::exit;
use crate::finding::{Check, Severity};
use crate::git;
use crate::outcome::{Outcome, exit_code};
use crate::plan::{self, Destination};
use crate::policy::Policy;
use crate::report;
use crate::rules::RuleSet;
use crate::source;

/// Resolves the source, the policy and the checks of a scan, and runs it.
pub fn outcome(args: &ScanArgs) -> Result<Outcome, Error> {
    let cwd = std::env::current_dir().map_err(|e| Error::io(".", e))?;
    let git_mode = args.staged || args.range.is_some() || args.history;
    let baseline = args.output.baseline.as_ref().map(|b| absolute(&cwd, b));
    let checks = match &args.output.checks {
        Some(list) => CheckSet::parse(list).map_err(Error::Usage)?,
        None => CheckSet::all(),
    };
    if !args.patch.is_empty() {
        let repo = git::open(&cwd).ok();
        let workdir = repo
            .as_ref()
            .and_then(|r| r.workdir().map(Path::to_path_buf));
        let policy = plan::client_policy(
            args.policy.policy.as_deref(),
            repo.as_ref(),
            workdir.as_deref(),
            baseline,
        )?;
        let mut text = String::new();
        for file in &args.patch {
            text.push_str(&crate::hook::sendemail::read(file)?);
        }
        return crate::hook::sendemail::check(&text, None, &policy);
    }
    if git_mode {
        let repo = git::open(&cwd)?;
        let policy = plan::client_policy(
            args.policy.policy.as_deref(),
            Some(&repo),
            repo.workdir(),
            baseline,
        )?;
        let plan = if args.staged {
            plan::staged(&repo, &policy, checks)?
        } else if let Some(spec) = &args.range {
            let (exclude, include) = source::range::parse_range(&repo, spec)?;
            let ids = source::range::commits(
                &repo,
                &[include],
                &exclude.into_iter().collect::<Vec<_>>(),
            )?;
            // Sign-offs are checked on ranges (the CI backstop) whenever policy requires them.
            plan::commits(&repo, &policy, &ids, checks, Destination::Backstop)?
        } else {
            plan::history(&repo, &policy, checks)?
        };
        return plan.run(&policy);
    }
    let paths: Vec<PathBuf> = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let whole_root = paths.len() == 1 && paths[0].is_dir();
    let root = if whole_root {
        paths[0].clone()
    } else {
        cwd.clone()
    };
    let repo = git::open(&root).ok();
    let repo_dir = if root.join(".outbound.toml").is_file() {
        Some(root.clone())
    } else {
        repo.as_ref()
            .and_then(|r| r.workdir().map(Path::to_path_buf))
    };
    let policy = plan::client_policy(
        args.policy.policy.as_deref(),
        repo.as_ref(),
        repo_dir.as_deref(),
        baseline,
    )?;
    plan::directory(&root, &paths, &policy, checks, whole_root)?.run(&policy)
}

fn absolute(cwd: &Path, p: &Path) -> PathBuf {
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        cwd.join(p)
    }
}

pub fn scan(args: &ScanArgs) -> Result<u8, Error> {
    let o = outcome(args)?;
    report::write_outcome(&o, &args.output)?;
    Ok(exit_code(&o))
}

pub fn baseline(args: &BaselineArgs) -> Result<u8, Error> {
    let o = outcome(&args.scan)?;
    crate::baseline::write(&args.file, &o)?;
    report::say(&format!(
        "git-outbound: wrote {} fingerprint(s) to '{}'",
        o.findings.len(),
        args.file.display()
    ));
    Ok(exit::OK)
}

pub(super) fn load_for_cwd(args: &PolicyArgs) -> Result<Policy, Error> {
    let cwd = std::env::current_dir().map_err(|e| Error::io(".", e))?;
    let repo = git::open(&cwd).ok();
    let dir = repo
        .as_ref()
        .and_then(|r| r.workdir().map(Path::to_path_buf));
    plan::client_policy(args.policy.as_deref(), repo.as_ref(), dir.as_deref(), None)
}

pub fn show_policy(args: &PolicyArgs) -> Result<u8, Error> {
    let policy = load_for_cwd(args)?;
    let mut out = String::new();
    out.push_str(&format!(
        "# layers, first to last: {}\n",
        policy.layers.join(" → ")
    ));
    for (key, origin) in &policy.origins {
        out.push_str(&format!("{key:<40} # from {origin}\n"));
    }
    for w in &policy.warnings {
        out.push_str(&format!("warning: {w}\n"));
    }
    out.push_str(&format!(
        "{} secret rules, {} confidential terms\n",
        policy.rules.rules.len(),
        policy.terms.count
    ));
    if policy.severity(Check::InternalUrl) != Severity::Off {
        for line in crate::check::internal_url::InternalUrls::new(&policy.internal_url).describe() {
            out.push_str(&line);
            out.push('\n');
        }
    }
    report::print(&out)?;
    Ok(exit::OK)
}

pub fn rules(args: &RulesArgs) -> Result<u8, Error> {
    let policy = load_for_cwd(&args.policy)?;
    let set: &RuleSet = &policy.rules;
    let mut out = String::new();
    for r in &set.rules {
        let sev = r.severity.unwrap_or(Severity::Block).name();
        out.push_str(&format!(
            "{:<40} {:<6} {}  [{}]\n",
            r.id, sev, r.description, r.origin
        ));
    }
    let failures = if args.check {
        set.example_failures()
    } else {
        Vec::new()
    };
    for f in &failures {
        out.push_str(&format!("    FAIL: {f}\n"));
    }
    out.push_str(&format!("{} rules", set.rules.len()));
    if args.check {
        out.push_str(&format!(", {} example failure(s)", failures.len()));
    }
    out.push('\n');
    report::print(&out)?;
    Ok(if !failures.is_empty() {
        exit::BLOCKED
    } else {
        exit::OK
    })
}
