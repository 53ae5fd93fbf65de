//! Approvals: whether a push to an external remote needs approval (policy `[approval]`: size,
//! restricted paths, new publication, corporate identity) and the evidence that it has one: a
//! standing approval from the org policy, or an SSH-signed statement stored as a git note on
//! the tip (`statement`, `sshsig`, `signers`, `notes`, `signed`), and the request an approver
//! reads (`request`). The decision over that evidence is `check::approval`, which does no I/O.
//!
//! ```text
//! Push ──triggers──▶ none fired ─────────────▶ no findings
//!                    fired ──standing──▶ covered ▶ no findings (warnings for expired entries)
//!                                └─────▶ note on tip ──signers, sshsig, statement──▶ approved
//!                                                     └──────────────────────────▶ Block findings
//! ```

mod notes;
mod request;
mod signed;
mod signers;
mod sshsig;
pub mod standing;
mod statement;
#[cfg(test)]
mod testutil;
pub mod triggers;

pub use notes::NOTES_REF;
pub use request::{request_json, request_markdown};
pub use signed::{Approver, Verdict, approve, statement_for, verify};
pub use statement::HEADER;
pub use statement::Statement;
pub use triggers::{Author, Trigger, total_lines, triggers};

use std::path::PathBuf;

/// The signature namespace used when policy sets none.
pub const DEFAULT_NAMESPACE: &str = "git-outbound-approval";

/// The validated `[approval]` policy.
#[derive(Debug, Clone)]
pub struct ApprovalOptions {
    /// Added plus deleted lines above this need approval.
    pub significant_lines: Option<u64>,
    /// Path globs whose change needs approval.
    pub restricted_paths: Vec<String>,
    /// Pushing to an external remote that has no refs yet needs approval.
    pub new_publication: bool,
    /// Commits authored under `email_domains` need approval.
    pub corporate_identity: bool,
    /// Changes that overlap internal code (the `ip-overlap` check) need approval.
    pub ip_overlap: bool,
    /// `org.email_domains`.
    pub email_domains: Vec<String>,
    /// Where to ask for approval (a team, an address, a URL).
    pub contact: Option<String>,
    /// `[[approval.standing]]` entries.
    pub standing: Vec<Standing>,
    /// The OpenSSH allowed-signers file of approvers (already resolved against the policy's folder).
    pub allowed_signers: Option<PathBuf>,
    /// The SSH signature namespace of approvals.
    pub namespace: String,
}

impl Default for ApprovalOptions {
    fn default() -> ApprovalOptions {
        ApprovalOptions {
            significant_lines: None,
            restricted_paths: Vec::new(),
            new_publication: false,
            corporate_identity: false,
            ip_overlap: false,
            email_domains: Vec::new(),
            contact: None,
            standing: Vec::new(),
            allowed_signers: None,
            namespace: DEFAULT_NAMESPACE.to_string(),
        }
    }
}

/// A standing approval from the org policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Standing {
    /// Glob on the normalised `host/path`; without `/` it matches the host alone.
    pub remote: String,
    /// The most outbound lines one push may have, if limited.
    pub max_lines: Option<u64>,
    /// Last day it counts, `YYYY-MM-DD`.
    pub expires: String,
    /// Why (a ticket id).
    pub reason: String,
}

/// One push of one ref to an external remote.
#[derive(Debug, Clone)]
pub struct Push<'a> {
    /// Normalised remote, e.g. `github.com/upstream/project`.
    pub destination: &'a str,
    /// False when the remote has no refs at all (a new publication).
    pub remote_has_refs: bool,
    /// The remote's id for the ref before the push, when it had one.
    pub base: Option<String>,
    /// The local id being pushed (full hex).
    pub tip: String,
    /// The outbound commits (full hex ids).
    pub commits: Vec<PushedCommit>,
    /// `YYYY-MM-DD`, passed in so that results are reproducible.
    pub today: String,
    /// `YYYYMMDDHHMMSS` (UTC): the moment an approver key's `valid-before`/`valid-after` is
    /// checked against, as `ssh-keygen -Y verify` checks it.
    pub now: String,
    /// Paths whose outbound lines overlap internal code (the `ip-overlap` check's findings).
    pub overlaps: Vec<String>,
    /// The notes commit to read approvals from when the push itself carries
    /// `refs/notes/outbound-approvals` (pre-receive); else the ref is read.
    pub notes: Option<String>,
}

/// One outbound commit, as the approval check needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushedCommit {
    pub id: String,
    pub author_name: String,
    pub author_email: String,
    /// Lines added by the commit (against its first parent).
    pub added: u64,
    /// Lines deleted by the commit.
    pub deleted: u64,
    /// Paths the commit changes.
    pub paths: Vec<String>,
}

/// What a push carries for the approval decision, gathered here because it takes I/O: which
/// triggers fire, what the standing approvals say, and (only when a trigger fires and no
/// standing approval covers the push) the verdict over the signed note on the tip.
#[derive(Debug)]
pub struct Evidence<'o> {
    /// The triggers that fired, or why the `[approval]` policy could not be applied.
    pub fired: Result<Vec<Trigger>, String>,
    pub standing: standing::Lookup<'o>,
    /// The verdict over the note, and warnings about the allowed-signers file.
    pub signed: Option<(Verdict, Vec<crate::finding::Finding>)>,
}

/// Gathers the evidence for `push`: reads the note and the allowed signers only when needed.
pub fn evidence<'o>(
    repo: &git2::Repository,
    push: &Push,
    opts: &'o ApprovalOptions,
) -> Evidence<'o> {
    let fired = triggers(push, opts);
    let standing = match &fired {
        Ok(f) if !f.is_empty() => standing::lookup(push, total_lines(push), &opts.standing),
        _ => standing::Lookup::default(),
    };
    let needed = matches!(&fired, Ok(f) if !f.is_empty()) && standing.covering.is_none();
    Evidence {
        signed: needed.then(|| verify(repo, push, opts)),
        fired,
        standing,
    }
}

/// Today's date (UTC) as `YYYY-MM-DD`.
pub fn today() -> String {
    date(epoch_seconds())
}

/// This moment (UTC) as `YYYYMMDDHHMMSS`, the form of allowed-signers times.
pub fn now() -> String {
    let secs = epoch_seconds();
    let of_day = secs % 86_400;
    format!(
        "{}{:02}{:02}{:02}",
        date(secs).replace('-', ""),
        of_day / 3_600,
        of_day % 3_600 / 60,
        of_day % 60
    )
}

fn epoch_seconds() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// The date (UTC) of `secs` since the epoch, as `YYYY-MM-DD`.
fn date(secs: u64) -> String {
    crate::calendar::iso_date((secs / 86_400) as i64)
}

#[cfg(test)]
mod tests;
