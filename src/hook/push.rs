//! pre-push: every line git gives the hook on stdin. The outbound commits are those reachable
//! from a local id and from none of: the remote ids that exist locally, and the tracking refs
//! of *that* remote (`refs/remotes/<remote>/*`). Deletions check nothing; annotated tags carry
//! their message out; DCO and the approval gate apply per policy and remote.

use std::io::{IsTerminal, Read};

use git2::{ObjectType, Oid, Repository};

use super::audit::Skip;
use super::{checks, finish};
use crate::check::approval;
use crate::error::Error;
use crate::finding::{self, Check};
use crate::git;
use crate::policy::{DcoRequire, Policy};
use crate::scan::{Engine, project_for};
use crate::source::{CommitItem, Identity, range};

/// One line of pre-push stdin: `<local ref> <local id> <remote ref> <remote id>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushLine {
    pub local_ref: String,
    pub local: String,
    pub remote: String,
}

/// Parses every line of pre-push stdin; a malformed line is an error (fail closed).
pub fn parse_lines(text: &str) -> Result<Vec<PushLine>, Error> {
    let shape = "<local ref> <local id> <remote ref> <remote id>";
    Ok(super::stdin_lines(text, "pre-push", shape, &[1, 3])?
        .into_iter()
        .map(|f| PushLine {
            local_ref: f[0].into(),
            local: f[1].into(),
            remote: f[3].into(),
        })
        .collect())
}

/// What a push sends: the commits (oldest first) and annotated tags.
pub struct Outbound {
    pub commits: Vec<Oid>,
    pub tags: Vec<CommitItem>,
}

/// The commits the remote lacks, given the ids to send and the ids it has.
pub fn outbound(repo: &Repository, include: &[Oid], exclude: &[Oid]) -> Result<Outbound, Error> {
    let mut commit_tips = Vec::new();
    let mut tags = Vec::new();
    for id in include {
        let obj = repo
            .find_object(*id, None)
            .map_err(|e| Error::git(format!("reading {id}"), e))?;
        if obj.kind() == Some(ObjectType::Tag) {
            if let Some(tag) = obj.as_tag() {
                let who = tag
                    .tagger()
                    .map(|s| Identity::from_signature(&s))
                    .unwrap_or_default();
                tags.push(CommitItem {
                    id: tag.id().to_string(),
                    message: String::from_utf8_lossy(tag.message_bytes().unwrap_or_default())
                        .into_owned(),
                    author: who.clone(),
                    committer: who,
                    parents: 0,
                    is_tag: true,
                    order: 0,
                });
            }
        }
        if let Ok(c) = obj.peel_to_commit() {
            commit_tips.push(c.id());
        }
    }
    Ok(Outbound {
        commits: range::commits(repo, &commit_tips, exclude)?,
        tags,
    })
}

/// Ids of `refs/remotes/<remote>/*`.
pub fn tracking_refs(repo: &Repository, remote: &str) -> Vec<Oid> {
    let glob = format!("refs/remotes/{remote}/*");
    let Ok(refs) = repo.references_glob(&glob) else {
        return Vec::new();
    };
    refs.filter_map(|r| r.ok()?.target()).collect()
}

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
    let policy = crate::cmd::client_policy(None, Some(&repo), repo.workdir(), None)?;
    let skip = Skip::from_env(&policy)?;
    let mut stdin = String::new();
    std::io::stdin()
        .read_to_string(&mut stdin)
        .map_err(|e| Error::io("<stdin>", e))?;
    if stdin.trim().is_empty() {
        stdin = pre_commit_framework_line().unwrap_or_default();
    }
    // Notes (approvals travel as refs/notes/outbound-approvals) are text, not contributions:
    // they get the text checks only, never DCO or the approval gate.
    let (notes, lines): (Vec<PushLine>, Vec<PushLine>) = parse_lines(&stdin)?
        .into_iter()
        .filter(|l| !git::is_zero(&l.local))
        .partition(|l| l.local_ref.starts_with("refs/notes/"));
    let tracking = tracking_refs(&repo, remote);
    let note_outcome = check_notes(&repo, &policy, &skip, &notes, &tracking)?;
    if lines.is_empty() {
        return finish("pre-push", &note_outcome, std::io::stderr().is_terminal());
    }
    let out = lines_outbound(&repo, &lines, &tracking)?;
    let destination = git::normalise_remote(if url.is_empty() { remote } else { url });
    let external = !policy.remote_is_internal(&destination);
    let mut engine = Engine::new(&policy, checks(&Check::ALL, &skip));
    // When only checks of commits apply (DCO), no tree is read for them.
    let reads_files = engine.checks.reads_files();
    let mut items = match reads_files {
        true => range::items(&repo, &out.commits)?,
        false => range::commit_items(&repo, &out.commits)?,
    };
    items.commits.extend(out.tags);
    if let (Some(tip), true) = (out.commits.last(), reads_files) {
        engine.project = project_for(&policy, || crate::cmd::tip_project(&repo, *tip))?;
    }
    if matches!(
        (policy.dco_require(), external),
        (DcoRequire::Always, _) | (DcoRequire::External, true)
    ) {
        engine.dco = Some(policy.dco_options());
    }
    let ids: Vec<String> = out.commits.iter().map(Oid::to_string).collect();
    let mut outcome = engine.run(items, Some(repo.path()))?;
    outcome.absorb(note_outcome);
    if external && engine.checks.has(Check::Approval) {
        let has_refs = !tracking.is_empty() || lines.iter().any(|l| !git::is_zero(&l.remote));
        let push = push_summary(&repo, &destination, has_refs, &lines[0], &out.commits)?;
        outcome
            .findings
            .extend(approval::check(&repo, &push, &approval_options(&policy)));
        finding::sort(&mut outcome.findings);
    }
    skip.record(&repo, "pre-push", &ids)?;
    finish("pre-push", &outcome, std::io::stderr().is_terminal())
}

/// The text checks over pushed notes commits, less those skipped with `OUTBOUND_SKIP`.
fn check_notes(
    repo: &Repository,
    policy: &Policy,
    skip: &Skip,
    notes: &[PushLine],
    tracking: &[Oid],
) -> Result<crate::scan::Outcome, Error> {
    if notes.is_empty() {
        return Ok(crate::scan::Outcome::default());
    }
    let out = lines_outbound(repo, notes, tracking)?;
    let items = range::items(repo, &out.commits)?;
    Engine::new(policy, checks(&[Check::Secret, Check::InternalUrl], skip))
        .run(items, Some(repo.path()))
}

/// What `lines` send: from their local ids, less their remote ids and `tracking`.
fn lines_outbound(
    repo: &Repository,
    lines: &[PushLine],
    tracking: &[Oid],
) -> Result<Outbound, Error> {
    let id = |s: &str| Oid::from_str(s).map_err(|e| Error::git(format!("pre-push id '{s}'"), e));
    let include: Vec<Oid> = lines
        .iter()
        .map(|l| id(&l.local))
        .collect::<Result<_, _>>()?;
    let mut exclude: Vec<Oid> = lines
        .iter()
        .filter(|l| !git::is_zero(&l.remote))
        .map(|l| id(&l.remote))
        .collect::<Result<_, _>>()?;
    exclude.extend_from_slice(tracking);
    outbound(repo, &include, &exclude)
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

/// The approval options of `[approval]` and `org.email_domains`.
pub fn approval_options(policy: &Policy) -> approval::ApprovalOptions {
    let a = policy.raw.approval.clone().unwrap_or_default();
    approval::ApprovalOptions {
        significant_lines: a.significant_lines,
        restricted_paths: a
            .restricted_paths
            .unwrap_or_default()
            .into_iter()
            .map(|g| g.0)
            .collect(),
        new_publication: a.new_publication.unwrap_or(false),
        corporate_identity: a.corporate_identity.unwrap_or(false),
        email_domains: policy
            .raw
            .org
            .as_ref()
            .and_then(|o| o.email_domains.clone())
            .unwrap_or_default(),
        contact: a.contact,
        standing: a
            .standing
            .unwrap_or_default()
            .into_iter()
            .map(|s| approval::Standing {
                remote: s.remote.0,
                max_lines: s.max_lines,
                expires: s.expires.0,
                reason: s.reason,
            })
            .collect(),
        allowed_signers: a.allowed_signers.map(Into::into),
        namespace: a
            .namespace
            .unwrap_or_else(|| approval::DEFAULT_NAMESPACE.to_string()),
    }
}

/// The numbers the approval gate needs: lines added and deleted and paths, per commit.
pub fn push_summary<'a>(
    repo: &Repository,
    destination: &'a str,
    has_refs: bool,
    line: &PushLine,
    commits: &[Oid],
) -> Result<approval::Push<'a>, Error> {
    let mut pushed = Vec::new();
    for id in commits {
        let c = repo
            .find_commit(*id)
            .map_err(|e| Error::git(format!("reading {id}"), e))?;
        let tree = c.tree().map_err(|e| Error::git("reading a tree", e))?;
        let parent = c.parent(0).ok().and_then(|p| p.tree().ok());
        let diff = repo
            .diff_tree_to_tree(parent.as_ref(), Some(&tree), None)
            .map_err(|e| Error::git("diffing a commit", e))?;
        let stats = diff.stats().map_err(|e| Error::git("counting lines", e))?;
        let paths = diff
            .deltas()
            .filter_map(|d| {
                d.new_file()
                    .path()
                    .or(d.old_file().path())
                    .map(|p| p.to_string_lossy().into_owned())
            })
            .collect();
        let author = crate::source::Identity::from_signature(&c.author());
        pushed.push(approval::PushedCommit {
            id: id.to_string(),
            author_name: author.name,
            author_email: author.email,
            added: stats.insertions() as u64,
            deleted: stats.deletions() as u64,
            paths,
        });
    }
    Ok(approval::Push {
        destination,
        remote_has_refs: has_refs,
        base: (!git::is_zero(&line.remote)).then(|| line.remote.clone()),
        tip: line.local.clone(),
        commits: pushed,
        today: today(),
    })
}

/// Today's date (UTC) as `YYYY-MM-DD`.
pub fn today() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let days = (secs / 86_400) as i64;
    // Civil-from-days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_stdin_line_is_read_and_bad_lines_refused() {
        let z = "0".repeat(40);
        let a = "a".repeat(40);
        let text =
            format!("refs/heads/main {a} refs/heads/main {z}\nrefs/tags/v1 {a} refs/tags/v1 {z}\n");
        assert_eq!(parse_lines(&text).unwrap().len(), 2);
        assert!(parse_lines("refs/heads/main oops").is_err());
    }

    #[test]
    fn today_is_a_date() {
        let t = today();
        assert_eq!(t.len(), 10);
        assert!(t.as_str() > "2024-01-01");
    }
}
