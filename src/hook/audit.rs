//! Bypass with a reason. `OUTBOUND_SKIP=<check>[,…]` skips checks in client hooks only
//! together with `OUTBOUND_REASON="…"`, and every use is appended to an audit log in the git
//! dir (JSON lines: time, user, hook, checks skipped, reason, commits). The server-side
//! break-glass push option is recorded the same way.

use std::io::Write;
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::check::CheckSet;
use crate::error::Error;
use crate::finding::Check;

/// The audit log, in the (common) git dir.
pub const LOG: &str = "outbound-audit.log";

/// The checks a user asked to skip, with the reason.
#[derive(Debug, Default)]
pub struct Skip {
    pub checks: Vec<Check>,
    pub reason: String,
}

impl Skip {
    /// Reads `OUTBOUND_SKIP` and `OUTBOUND_REASON`; a skip without a reason is an error.
    /// `hooks.allow_skip = false` in the policy turns skipping off (locked by the org, it
    /// cannot be turned back on by a repository).
    pub fn from_env(policy: &crate::policy::Policy) -> Result<Skip, Error> {
        let list = std::env::var("OUTBOUND_SKIP").unwrap_or_default();
        if list.trim().is_empty() {
            return Ok(Skip::default());
        }
        if !policy.hooks.allow_skip {
            return Err(Error::Usage(format!(
                "OUTBOUND_SKIP={list} is not allowed by the policy (hooks.allow_skip = false)"
            )));
        }
        let reason = std::env::var("OUTBOUND_REASON").unwrap_or_default();
        if reason.trim().is_empty() {
            return Err(Error::Usage(format!(
                "OUTBOUND_SKIP={list} needs a reason: set OUTBOUND_REASON=\"why this is safe\" (the skip is logged)"
            )));
        }
        let set = if list.trim() == "all" {
            CheckSet::all()
        } else {
            CheckSet::parse(&list).map_err(Error::Usage)?
        };
        Ok(Skip {
            checks: Check::ALL.into_iter().filter(|c| set.has(*c)).collect(),
            reason,
        })
    }

    pub fn is_empty(&self) -> bool {
        self.checks.is_empty()
    }

    /// Appends this skip, if any, to the audit log of `repo`.
    pub fn record(
        &self,
        repo: &git2::Repository,
        hook: &str,
        commits: &[String],
    ) -> Result<(), Error> {
        if self.is_empty() {
            return Ok(());
        }
        let names: Vec<String> = self.checks.iter().map(|c| c.name().to_string()).collect();
        record(
            repo.commondir(),
            hook,
            &user(Some(repo)),
            &names,
            &self.reason,
            commits,
        )
    }
}

/// Who is running this: the git identity if configured, else the login name.
pub fn user(repo: Option<&git2::Repository>) -> String {
    for var in [
        "GIT_PUSHER",
        "GL_USERNAME",
        "GITEA_PUSHER_NAME",
        "REMOTE_USER",
    ] {
        if let Ok(v) = std::env::var(var) {
            if !v.is_empty() {
                return v;
            }
        }
    }
    if let Some(sig) = repo.and_then(|r| r.signature().ok()) {
        return format!(
            "{} <{}>",
            sig.name().unwrap_or(""),
            sig.email().unwrap_or("")
        );
    }
    std::env::var("USER")
        .or_else(|_| std::env::var("USERNAME"))
        .unwrap_or_else(|_| "unknown".into())
}

/// Appends one JSON line to the audit log of the repository at `git_dir`.
pub fn record(
    git_dir: &Path,
    hook: &str,
    user: &str,
    skipped: &[String],
    reason: &str,
    commits: &[String],
) -> Result<(), Error> {
    let time = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let line = serde_json::json!({
        "time": time,
        "user": user,
        "hook": hook,
        "skipped": skipped,
        "reason": reason,
        "commits": commits,
    });
    let path = git_dir.join(LOG);
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .map_err(|e| Error::io(&path, e))?;
    writeln!(f, "{line}").map_err(|e| Error::io(&path, e))
}
