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

use git2::Oid;

use super::audit;
use super::finish;
use super::push::{approval_options, outbound, push_summary};
use crate::check::{CheckSet, approval};
use crate::error::Error;
use crate::finding::{self, Check};
use crate::git;
use crate::outcome::Outcome;
use crate::policy::{DcoRequire, Policy, Sources};
use crate::scan::{Engine, project_for};
use crate::source::range;

/// `<old> <new> <ref>`.
fn parse_lines(text: &str) -> Result<Vec<(String, String, String)>, Error> {
    Ok(
        super::stdin_lines(text, "pre-receive", "<old> <new> <ref>", &[0, 1])?
            .into_iter()
            .map(|f| (f[0].to_string(), f[1].to_string(), f[2].to_string()))
            .collect(),
    )
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

fn explicit_policy(args: &[String]) -> Result<Option<PathBuf>, Error> {
    match args {
        [] => Ok(None),
        [flag, file] if flag == "--policy" => Ok(Some(PathBuf::from(file))),
        _ => Err(Error::Usage(
            "pre-receive takes no arguments but an optional '--policy FILE'".into(),
        )),
    }
}

pub fn pre_receive(args: &[String]) -> Result<u8, Error> {
    let cwd = std::env::current_dir().map_err(|e| Error::io(".", e))?;
    let repo = git::open(&cwd)?;
    let explicit = explicit_policy(args)?;
    let policy = Policy::load(&Sources {
        explicit,
        git_config: crate::cmd::git_config_policy(Some(&repo)),
        repo_dir: None,
        overrides: None,
    })?;
    let mut stdin = String::new();
    std::io::stdin()
        .read_to_string(&mut stdin)
        .map_err(|e| Error::io("<stdin>", e))?;
    let lines = parse_lines(&stdin)?;
    let hooks = policy.raw.hooks.clone().unwrap_or_default();
    if let Some(reason) = push_options()
        .iter()
        .find_map(|o| o.strip_prefix("outbound.bypass=").map(str::to_string))
    {
        if hooks.allow_push_option_bypass.unwrap_or(false) && !reason.trim().is_empty() {
            let refs: Vec<String> = lines
                .iter()
                .map(|(_, new, r)| format!("{r} {new}"))
                .collect();
            audit::record(
                repo.commondir(),
                "pre-receive",
                &audit::user(None),
                &["all".to_string()],
                &reason,
                &refs,
            )?;
            eprintln_lines(&format!(
                "git-outbound: bypass accepted and recorded: {reason}"
            ));
            return Ok(crate::exit::OK);
        }
        eprintln_lines(
            "git-outbound: the push option outbound.bypass is not allowed on this server; checking as usual",
        );
    }
    let include: Vec<Oid> = lines
        .iter()
        .filter(|(_, new, _)| !git::is_zero(new))
        .filter_map(|(_, new, _)| Oid::from_str(new).ok())
        .collect();
    if include.is_empty() {
        return Ok(crate::exit::OK);
    }
    // Everything the repository already has is not added by this push.
    let mut exclude = Vec::new();
    for r in repo
        .references()
        .map_err(|e| Error::git("listing refs", e))?
        .flatten()
    {
        if let Ok(c) = r.peel_to_commit() {
            exclude.push(c.id());
        }
    }
    let out = outbound(&repo, &include, &exclude)?;
    let mut items = range::items(&repo, &out.commits)?;
    items.commits.extend(out.tags);
    let budget = Duration::from_secs(hooks.time_budget.unwrap_or(60));
    let git_dir = repo.path().to_path_buf();
    let (tx, rx) = mpsc::channel();
    let dco = policy.dco_require() != DcoRequire::Never;
    let project = match out.commits.last() {
        Some(tip) => project_for(&policy, || crate::cmd::tip_project(&repo, *tip))?,
        None => Default::default(),
    };
    let worker = std::thread::spawn(move || {
        let mut engine = Engine::new(&policy, CheckSet::all().without(Check::Approval));
        engine.project = project;
        if dco {
            engine.dco = Some(policy.dco_options());
        }
        let result = engine.run(items, Some(&git_dir));
        let _ = tx.send(result.map(|o| (o, policy)));
    });
    let (mut outcome, policy): (Outcome, Policy) = match rx.recv_timeout(budget) {
        Ok(r) => r?,
        Err(_) => {
            eprintln_lines(&format!(
                "git-outbound: the check did not finish within the time budget ({}s, hooks.time_budget); \
                 the push is refused. Push fewer commits at a time, or ask the server's administrators.",
                budget.as_secs()
            ));
            return Ok(crate::exit::BLOCKED);
        }
    };
    let _ = worker.join();
    if policy.severity(Check::Approval) != finding::Severity::Off {
        let destination = repo
            .config()
            .ok()
            .and_then(|c| c.get_string("outbound.destination").ok())
            .unwrap_or_else(|| git::root(&repo).display().to_string());
        let first = &lines[0];
        let line = super::push::PushLine {
            local_ref: first.2.clone(),
            local: first.1.clone(),
            remote: first.0.clone(),
        };
        let push = push_summary(
            &repo,
            &destination,
            !exclude.is_empty(),
            &line,
            &out.commits,
        )?;
        outcome
            .findings
            .extend(approval::check(&repo, &push, &approval_options(&policy)));
        finding::sort(&mut outcome.findings);
    }
    finish("pre-receive", &outcome, false)
}

/// Server-side messages go to stderr, which git relays behind `remote:`.
fn eprintln_lines(text: &str) {
    #[allow(clippy::print_stderr)]
    {
        eprintln!("{text}");
    }
}
