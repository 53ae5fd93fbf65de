//! `scan`, `baseline`, `policy` and `rules`.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use crate::check::CheckSet;
use crate::check::spdx::Project;
use crate::cli::{BaselineArgs, OutputArgs, PolicyArgs, RulesArgs, ScanArgs};
use crate::error::Error;
use crate::exit;
use crate::finding::Severity;
use crate::git;
use crate::policy::Policy;
use crate::report::{self, Format, Style};
use crate::rules::RuleSet;
use crate::scan::{Engine, Outcome, project_for};
use crate::source::{self, Items};

/// Resolves the source, the policy and the checks of a scan, and runs it.
pub fn outcome(args: &ScanArgs) -> Result<Outcome, Error> {
    let cwd = std::env::current_dir().map_err(|e| Error::io(".", e))?;
    let git_mode = args.staged || args.range.is_some() || args.history;
    let overrides = args
        .output
        .baseline
        .as_ref()
        .map(|b| format!("baseline = {}\n", toml_string(&absolute(&cwd, b))));
    if git_mode {
        let repo = git::open(&cwd)?;
        let policy = super::client_policy(
            args.policy.policy.as_deref(),
            Some(&repo),
            repo.workdir(),
            overrides,
        )?;
        let checks = requested_checks(&args.output)?;
        // Checks of commits alone (DCO): list the commits and read no tree.
        let commits_only = !Engine::checks_on(&policy, checks).reads_files() && !args.staged;
        let (items, project) = if args.staged {
            staged(&repo, &policy)?
        } else if let Some(spec) = &args.range {
            let (exclude, include) = source::range::parse_range(&repo, spec)?;
            let ids = source::range::commits(
                &repo,
                &[include],
                &exclude.into_iter().collect::<Vec<_>>(),
            )?;
            if commits_only {
                (
                    source::range::commit_items(&repo, &ids)?,
                    Project::default(),
                )
            } else {
                (
                    source::range::items(&repo, &ids)?,
                    project_for(&policy, || tip_project(&repo, include))?,
                )
            }
        } else if commits_only {
            let ids = source::range::all_commits(&repo)?;
            (
                source::range::commit_items(&repo, &ids)?,
                Project::default(),
            )
        } else {
            let head = repo.head().ok().and_then(|h| h.target());
            let project = match head {
                Some(id) => project_for(&policy, || tip_project(&repo, id))?,
                None => Project::default(),
            };
            (source::range::history(&repo)?, project)
        };
        // Sign-offs are checked on ranges (the CI backstop) whenever policy requires them.
        let dco = args.range.is_some() && policy.dco_require() != crate::policy::DcoRequire::Never;
        return engine_run(&policy, checks, items, Some(repo.path()), dco, project);
    }
    let paths: Vec<PathBuf> = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let root = if paths.len() == 1 && paths[0].is_dir() {
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
    let policy = super::client_policy(
        args.policy.policy.as_deref(),
        repo.as_ref(),
        repo_dir.as_deref(),
        overrides,
    )?;
    let items = source::worktree::items(&root, &paths, &policy)?;
    let project = project_for(&policy, || source::reuse::from_disk(&items.files, &root))?;
    let checks = requested_checks(&args.output)?;
    engine_run(&policy, checks, items, None, false, project)
}

/// The checks of `--checks`, or all of them.
fn requested_checks(out: &OutputArgs) -> Result<CheckSet, Error> {
    match &out.checks {
        Some(list) => CheckSet::parse(list).map_err(Error::Usage),
        None => Ok(CheckSet::all()),
    }
}

/// The staged change and the licensing context of the index, from one read of the index.
pub fn staged(repo: &git2::Repository, policy: &Policy) -> Result<(Items, Project), Error> {
    let index = source::staged::index(repo)?;
    let project = project_for(policy, || source::reuse::from_index(repo, &index))?;
    Ok((source::staged::items(repo, &index)?, project))
}

/// The licensing context of a commit's tree.
pub fn tip_project(repo: &git2::Repository, id: git2::Oid) -> Result<Project, Error> {
    let tree = repo
        .find_commit(id)
        .and_then(|c| c.tree())
        .map_err(|e| Error::git(format!("reading the tree of {id}"), e))?;
    source::reuse::from_tree(repo, &tree)
}

fn engine_run(
    policy: &Policy,
    checks: CheckSet,
    items: Items,
    git_dir: Option<&Path>,
    dco: bool,
    project: Project,
) -> Result<Outcome, Error> {
    let mut engine = Engine::new(policy, checks);
    engine.project = project;
    if dco {
        engine.dco = Some(policy.dco_options());
    }
    engine.run(items, git_dir)
}

fn absolute(cwd: &Path, p: &Path) -> PathBuf {
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        cwd.join(p)
    }
}

fn toml_string(p: &Path) -> String {
    toml::Value::String(p.display().to_string()).to_string()
}

/// 2 when something could not be read, 1 when something blocks, else 0.
pub fn exit_code(o: &Outcome) -> u8 {
    if !o.errors.is_empty() {
        exit::ERROR
    } else if o.blocking() > 0 {
        exit::BLOCKED
    } else {
        exit::OK
    }
}

/// Writes the report where the arguments say; with errors, to stderr only (stdout stays
/// empty on exit 2).
pub fn write_outcome(o: &Outcome, out: &OutputArgs) -> Result<(), Error> {
    let stdout = std::io::stdout();
    let style = |terminal: bool| Style {
        show_secrets: out.show_secrets,
        color: terminal && !out.no_color && std::env::var_os("NO_COLOR").is_none(),
        quiet: out.quiet,
    };
    let io = |e| Error::io("<output>", e);
    if !o.errors.is_empty() {
        let stderr = std::io::stderr();
        return report::write(
            &mut stderr.lock(),
            Format::Human,
            o,
            style(stderr.is_terminal()),
        )
        .map_err(io);
    }
    match &out.output {
        Some(path) => {
            let f = std::fs::File::create(path).map_err(|e| Error::io(path, e))?;
            // Reports are written in many small pieces.
            let mut f = std::io::BufWriter::new(f);
            report::write(&mut f, out.format, o, style(false)).map_err(|e| Error::io(path, e))?;
            f.flush().map_err(|e| Error::io(path, e))
        }
        None => report::write(
            &mut stdout.lock(),
            out.format,
            o,
            style(stdout.is_terminal()),
        )
        .map_err(io),
    }
}

pub fn scan(args: &ScanArgs) -> Result<u8, Error> {
    let o = outcome(args)?;
    write_outcome(&o, &args.output)?;
    Ok(exit_code(&o))
}

pub fn baseline(args: &BaselineArgs) -> Result<u8, Error> {
    let o = outcome(&args.scan)?;
    report::write_baseline(&args.file, &o)?;
    #[allow(clippy::print_stderr)]
    {
        eprintln!(
            "git-outbound: wrote {} fingerprint(s) to '{}'",
            o.findings.len(),
            args.file.display()
        );
    }
    Ok(exit::OK)
}

pub(super) fn load_for_cwd(args: &PolicyArgs) -> Result<Policy, Error> {
    let cwd = std::env::current_dir().map_err(|e| Error::io(".", e))?;
    let repo = git::open(&cwd).ok();
    let dir = repo
        .as_ref()
        .and_then(|r| r.workdir().map(Path::to_path_buf));
    super::client_policy(args.policy.as_deref(), repo.as_ref(), dir.as_deref(), None)
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
    print_out(&out)?;
    Ok(exit::OK)
}

pub fn rules(args: &RulesArgs) -> Result<u8, Error> {
    let policy = load_for_cwd(&args.policy)?;
    let set: &RuleSet = &policy.rules;
    let mut out = String::new();
    let mut failures = 0;
    for (i, r) in set.rules.iter().enumerate() {
        let sev = r.severity.unwrap_or(Severity::Block).name();
        out.push_str(&format!(
            "{:<40} {:<6} {}  [{}]\n",
            r.id, sev, r.description, r.origin
        ));
        if args.check {
            for ex in &r.examples {
                if set.find_by(i, ex.as_bytes()).is_empty() {
                    failures += 1;
                    out.push_str(&format!("    FAIL: example not found: {ex}\n"));
                }
            }
            for ex in &r.negative_examples {
                for m in set.find(ex.as_bytes()) {
                    failures += 1;
                    out.push_str(&format!(
                        "    FAIL: negative example matched by {}: {ex}\n",
                        set.rules[m.rule].id
                    ));
                }
            }
        }
    }
    out.push_str(&format!("{} rules", set.rules.len()));
    if args.check {
        out.push_str(&format!(", {failures} example failure(s)"));
    }
    out.push('\n');
    print_out(&out)?;
    Ok(if failures > 0 {
        exit::BLOCKED
    } else {
        exit::OK
    })
}

fn print_out(text: &str) -> Result<(), Error> {
    let stdout = std::io::stdout();
    let mut lock = stdout.lock();
    lock.write_all(text.as_bytes())
        .map_err(|e| Error::io("<stdout>", e))
}
