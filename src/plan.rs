//! Plans: what one run of one mode checks. Each mode (a directory scan, `--staged`, `--range`,
//! `--history`, and the hooks) builds a `Plan` here with one function: the items, where their
//! blobs are read from, the checks that apply, whether sign-offs are required for these
//! commits, and the licensing context of the tree. The engine takes the plan as it is.

use std::path::{Path, PathBuf};

use git2::{Oid, Repository};

use crate::check::CheckSet;
use crate::check::dco::DcoOptions;
use crate::check::spdx::Project;
use crate::error::Error;
use crate::finding::{Check, Severity};
use crate::outcome::Outcome;
use crate::policy::{DcoRequire, Policy, Sources};
use crate::scan::Engine;
use crate::source::lfs::{self, Lfs};
use crate::source::{self, Items};

/// Everything the engine needs for one run.
pub struct Plan {
    pub items: Items,
    /// The git dir blob items are read from (`None` for files on disk).
    pub git_dir: Option<PathBuf>,
    pub checks: CheckSet,
    /// Set when sign-offs are required for these commits.
    pub dco: Option<DcoOptions>,
    /// REUSE.toml files and `.license` sidecars of the tree being checked.
    pub project: Project,
    /// Where the content of LFS pointers is found, and what a missing object costs.
    pub lfs: Lfs,
}

impl Plan {
    /// Runs the plan under `policy`.
    pub fn run(self, policy: &Policy) -> Result<Outcome, Error> {
        let Plan {
            items,
            git_dir,
            checks,
            dco,
            project,
            lfs,
        } = self;
        // The indexes are read only when the check runs and there are files to check.
        let ip = Engine::checks_on(policy, checks).has(Check::IpOverlap) && !items.files.is_empty();
        let indexes = match ip {
            true => Some(crate::fingerprint::Indexes::load(
                &policy.ip_indexes,
                policy.fingerprint_key.as_deref(),
            )?),
            false => None,
        };
        Engine::new(policy, checks, dco, project, lfs)
            .with_indexes(indexes)
            .run(items, git_dir.as_deref())
    }
}

/// Where the commits of a run are going: this decides whether DCO sign-offs are required.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Destination {
    /// A commit being made (commit-msg).
    Commit,
    /// A push to a remote that `remotes.internal` names.
    Internal,
    /// A push to any other remote.
    External,
    /// A range checked in CI, or a push received by a server: the backstop.
    Backstop,
    /// Files or a history, where sign-offs are not the question.
    Nowhere,
}

/// The DCO options when `dco.require` asks for sign-offs on commits going to `to`.
pub fn dco_for(policy: &Policy, to: Destination) -> Option<DcoOptions> {
    let required = match (policy.dco.require, to) {
        (DcoRequire::Never, _) | (_, Destination::Nowhere) => false,
        (DcoRequire::Always, _) => true,
        (DcoRequire::External, d) => matches!(d, Destination::External | Destination::Backstop),
    };
    required.then(|| policy.dco.options.clone())
}

/// Variables through which git takes configuration that libgit2 does not read: `git -c`
/// (`GIT_CONFIG_PARAMETERS`), `GIT_CONFIG_COUNT`/`KEY_n`/`VALUE_n`, and other global or
/// system files.
const GIT_CONFIG_VARS: &[&str] = &[
    "GIT_CONFIG_PARAMETERS",
    "GIT_CONFIG_COUNT",
    "GIT_CONFIG_GLOBAL",
    "GIT_CONFIG_SYSTEM",
    "GIT_CONFIG_NOSYSTEM",
];

/// The `outbound.policy` git config value of `repo` (or the user's), if any, read as git
/// reads it: when one of `GIT_CONFIG_VARS` is set, `git config` itself is asked (it is the
/// only reader that knows them all); otherwise libgit2 reads the files. A `git config` that
/// cannot answer is an error, never the built-in defaults in silence.
pub fn git_config_policy(repo: Option<&Repository>) -> Result<Option<String>, Error> {
    if GIT_CONFIG_VARS
        .iter()
        .any(|v| std::env::var_os(v).is_some())
    {
        return ask_git_config(repo);
    }
    let config = match repo {
        Some(r) => r.config(),
        None => git2::Config::open_default(),
    };
    let Ok(config) = config else {
        return Ok(None);
    };
    Ok(config
        .get_path("outbound.policy")
        .ok()
        .map(|p| p.display().to_string()))
}

/// `git config --type=path --get outbound.policy`, in `repo` when there is one.
fn ask_git_config(repo: Option<&Repository>) -> Result<Option<String>, Error> {
    let mut git = std::process::Command::new("git");
    if let Some(r) = repo {
        git.arg("--git-dir").arg(r.path());
    }
    let out = git
        .args(["config", "--type=path", "--get", "outbound.policy"])
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| Error::Usage(format!(
            "cannot run 'git config' to read outbound.policy (git configuration is given through {}): {e}",
            GIT_CONFIG_VARS.join(", ")
        )))?;
    match out.status.code() {
        Some(0) => {
            let value = String::from_utf8_lossy(&out.stdout)
                .trim_end_matches(['\n', '\r'])
                .to_string();
            Ok(Some(value).filter(|v| !v.is_empty()))
        }
        // Not set.
        Some(1) => Ok(None),
        _ => Err(Error::Usage(format!(
            "'git config --get outbound.policy' failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ))),
    }
}

/// Loads the policy for a client-side run in `repo_dir` (never used at pre-receive).
pub fn client_policy(
    explicit: Option<&Path>,
    repo: Option<&Repository>,
    repo_dir: Option<&Path>,
    baseline: Option<PathBuf>,
) -> Result<Policy, Error> {
    Policy::load(&Sources {
        explicit: explicit.map(Path::to_path_buf),
        git_config: git_config_policy(repo)?,
        repo_dir: repo_dir.map(Path::to_path_buf),
        baseline,
    })
}

/// The LFS stores of `repo` (and the policy's `[lfs] store`), and the severity of an object
/// that none holds: `[lfs] missing`, else `default` (block where content is about to leave,
/// warn in scans).
pub fn lfs_for(policy: &Policy, repo: Option<&Repository>, default: Severity) -> Lfs {
    Lfs {
        stores: lfs::stores(repo, policy.lfs_store.as_deref()),
        missing: policy.lfs_missing.unwrap_or(default),
    }
}

/// The licensing context, read only when a check that uses it runs: the SPDX check reads
/// it, and the artifact check asks it whether a model is licensed.
pub fn project_for(
    policy: &Policy,
    checks: CheckSet,
    read: impl FnOnce() -> Result<Project, Error>,
) -> Result<Project, Error> {
    let on = Engine::checks_on(policy, checks);
    if on.has(Check::Spdx) || on.has(Check::Artifact) {
        read()
    } else {
        Ok(Project::default())
    }
}

/// The licensing context of a commit's tree.
pub fn tip_project(repo: &Repository, id: Oid) -> Result<Project, Error> {
    let tree = repo
        .find_commit(id)
        .and_then(|c| c.tree())
        .map_err(|e| Error::git(format!("reading the tree of {id}"), e))?;
    source::reuse::from_tree(repo, &tree)
}

/// The staged change (the index against HEAD), as `scan --staged` and pre-commit see it.
pub fn staged(repo: &Repository, policy: &Policy, checks: CheckSet) -> Result<Plan, Error> {
    let index = source::staged::index(repo)?;
    let project = project_for(policy, checks, || source::reuse::from_index(repo, &index))?;
    Ok(Plan {
        items: source::staged::items(repo, &index)?,
        git_dir: Some(repo.path().to_path_buf()),
        checks,
        dco: None,
        project,
        lfs: lfs_for(policy, Some(repo), Severity::Block),
    })
}

/// Commits from which a list's messages are checked as they are read.
const CHECKED_AS_READ: usize = 200;

/// The commits of `ids` (oldest first), their tags, with the licensing context of the last.
pub fn commits(
    repo: &Repository,
    policy: &Policy,
    ids: &[Oid],
    checks: CheckSet,
    to: Destination,
) -> Result<Plan, Error> {
    // Checks of commits alone (DCO): list the commits and read no tree.
    if !Engine::checks_on(policy, checks).reads_files() {
        return Ok(Plan {
            items: source::range::commit_items(repo, ids)?,
            git_dir: Some(repo.path().to_path_buf()),
            checks,
            dco: dco_for(policy, to),
            project: Project::default(),
            lfs: Lfs::default(),
        });
    }
    let project = match ids.last() {
        Some(tip) => project_for(policy, checks, || tip_project(repo, *tip))?,
        None => Project::default(),
    };
    let dco = dco_for(policy, to);
    // A long list's messages are checked as the commits are read, not held to the end; a
    // hook's few commits make no engine for that.
    let listed = (ids.len() >= CHECKED_AS_READ).then(|| {
        Engine::new(
            policy,
            checks,
            dco.clone(),
            Project::default(),
            Lfs::default(),
        )
    });
    let check = listed
        .as_ref()
        .map(|e| move |c: &source::CommitItem| e.check_commit(c));
    let check = check.as_ref().map(|f| f as source::CommitCheck);
    Ok(Plan {
        items: source::range::items(repo, ids, check)?,
        git_dir: Some(repo.path().to_path_buf()),
        checks,
        dco,
        project,
        // A range is checked after the fact; a push (`push` below) blocks instead.
        lfs: lfs_for(policy, Some(repo), Severity::Warn),
    })
}

/// What a push sends (pre-push, or pre-receive with `to = Backstop`): its commits, the
/// annotated tags, the files of trees and blobs a ref names directly, and the ref names. The
/// content is on its way out, so an LFS object that cannot be read blocks unless `[lfs]
/// missing` says otherwise.
pub fn push(
    repo: &Repository,
    policy: &Policy,
    out: &source::push::Outbound,
    updates: &[source::push::RefUpdate],
    checks: CheckSet,
    to: Destination,
) -> Result<Plan, Error> {
    let mut plan = commits(repo, policy, &out.commits, checks, to)?;
    plan.items.commits.extend(out.tags.iter().cloned());
    plan.items.files.extend(out.files.iter().cloned());
    plan.items.names = source::NameItem::of_updates(updates);
    plan.lfs.missing = policy.lfs_missing.unwrap_or(Severity::Block);
    Ok(plan)
}

/// Every commit reachable from any ref, each blob once.
pub fn history(repo: &Repository, policy: &Policy, checks: CheckSet) -> Result<Plan, Error> {
    if !Engine::checks_on(policy, checks).reads_files() {
        let ids = source::range::all_commits(repo)?;
        return commits(repo, policy, &ids, checks, Destination::Nowhere);
    }
    let head = repo.head().ok().and_then(|h| h.target());
    let project = match head {
        Some(id) => project_for(policy, checks, || tip_project(repo, id))?,
        None => Project::default(),
    };
    // Messages are checked as the commits are read, not held to the end.
    let listed = Engine::new(policy, checks, None, Project::default(), Lfs::default());
    let check = |c: &source::CommitItem| listed.check_commit(c);
    let mut items = source::range::history(repo, Some(&check))?;
    // Paths `<ref>:<path>` are unique, so each of these files is a group of its own.
    items.files.extend(source::push::ref_named_files(repo)?);
    Ok(Plan {
        items,
        git_dir: Some(repo.path().to_path_buf()),
        checks,
        dco: None,
        project,
        lfs: lfs_for(policy, Some(repo), Severity::Warn),
    })
}

/// Files under `paths` on disk. The licensing context comes from the project root whatever
/// is scanned; `whole_root` says that `root` itself was given, so the walk is the scan's own.
pub fn directory(
    root: &Path,
    paths: &[PathBuf],
    policy: &Policy,
    checks: CheckSet,
    whole_root: bool,
) -> Result<Plan, Error> {
    let items = source::worktree::items(root, paths, policy)?;
    let project = project_for(policy, checks, || {
        source::reuse::for_scan(&items.files, root, whole_root)
    })?;
    Ok(Plan {
        items,
        git_dir: None,
        checks,
        dco: None,
        project,
        lfs: lfs_for(
            policy,
            Repository::discover(root).ok().as_ref(),
            Severity::Warn,
        ),
    })
}

/// A commit message alone (commit-msg): the message and the identities git will record.
pub fn message(
    repo: &Repository,
    policy: &Policy,
    item: source::CommitItem,
    checks: CheckSet,
) -> Plan {
    Plan {
        items: Items {
            commits: vec![item],
            ..Items::default()
        },
        git_dir: Some(repo.path().to_path_buf()),
        checks,
        dco: dco_for(policy, Destination::Commit),
        project: Project::default(),
        lfs: Lfs::default(),
    }
}

/// The approval findings of one push to an external remote: the evidence, then the decision.
pub fn approval_findings(
    repo: &git2::Repository,
    push: &crate::approval::Push,
    opts: &crate::approval::ApprovalOptions,
) -> Vec<crate::finding::Finding> {
    crate::check::approval::check(push, opts, crate::approval::evidence(repo, push, opts))
}

/// The paths of a push's `ip-overlap` findings, for the approval gate. Under
/// `approval.ip_overlap` the gate decides about them: the findings themselves stay warnings.
pub fn overlaps(findings: &mut [crate::finding::Finding], policy: &Policy) -> Vec<String> {
    let mut paths = Vec::new();
    for f in findings.iter_mut().filter(|f| f.check == Check::IpOverlap) {
        if policy.approval.ip_overlap {
            f.severity = f.severity.min(Severity::Warn);
        }
        paths.extend(f.path.clone());
    }
    paths
}

/// Drops the `ip-overlap` findings of a push whose code the destination already has in the
/// trees of `destination` (its refs as this repository knows them).
pub fn drop_public_overlaps(
    repo: &Repository,
    policy: &Policy,
    findings: &mut Vec<crate::finding::Finding>,
    destination: &crate::source::reach::Known,
) -> Result<(), Error> {
    use crate::check::ip_overlap;
    let wanted: std::collections::HashSet<u64> = findings
        .iter()
        .filter(|f| f.check == Check::IpOverlap)
        .flat_map(ip_overlap::matched)
        .collect();
    if wanted.is_empty() {
        return Ok(());
    }
    let destination = destination.tips(repo)?;
    if destination.is_empty() {
        return Ok(());
    }
    let indexes =
        crate::fingerprint::Indexes::load(&policy.ip_indexes, policy.fingerprint_key.as_deref())?;
    let public = crate::fingerprint::public::present(repo, &destination, &wanted, &indexes);
    ip_overlap::drop_public(findings, &public);
    Ok(())
}
