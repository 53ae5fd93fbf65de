//! The client hooks that guard a commit: pre-commit (the staged change) and commit-msg (the
//! message, and the sign-off when `dco.require = "always"`).

use std::io::IsTerminal;

use super::audit::Skip;
use super::{checks, finish, unread};
use crate::cli::HookName;
use crate::encoding;
use crate::error::Error;
use crate::finding::Check;
use crate::git;
use crate::message;
use crate::plan;
use crate::source::{CommitItem, Identity};

/// pre-commit: the index git gives the hook against HEAD.
pub fn pre_commit() -> Result<u8, Error> {
    let cwd = std::env::current_dir().map_err(|e| Error::io(".", e))?;
    let repo = git::open(&cwd)?;
    let policy = plan::client_policy(None, Some(&repo), repo.workdir(), None)?;
    super::budget(&policy);
    let skip = Skip::from_env(&policy)?;
    let on = [
        Check::Secret,
        Check::InternalUrl,
        Check::Spdx,
        Check::Artifact,
    ];
    let mut outcome = plan::staged(&repo, &policy, checks(&on, &skip))?.run(&policy)?;
    unread(&mut outcome, &policy);
    skip.record(&repo, "pre-commit", &[])?;
    finish(
        HookName::PreCommit,
        &outcome,
        std::io::stderr().is_terminal(),
    )
}

/// commit-msg: the message file, cleaned the way git cleans it.
pub fn commit_msg(file: &str) -> Result<u8, Error> {
    let cwd = std::env::current_dir().map_err(|e| Error::io(".", e))?;
    let repo = git::open(&cwd)?;
    let policy = plan::client_policy(None, Some(&repo), repo.workdir(), None)?;
    super::budget(&policy);
    let skip = Skip::from_env(&policy)?;
    let raw = std::fs::read(file).map_err(|e| Error::io(file, e))?;
    let config = repo
        .config()
        .map_err(|e| Error::git("reading git config", e))?;
    // git writes the message and the identities as they are, and records
    // `i18n.commitEncoding` (default UTF-8) as the commit's encoding.
    let label = config.get_string("i18n.commitEncoding").ok();
    let label = label.as_deref();
    // git runs the hook with `GIT_EDITOR=:` when no editor was opened (githooks(5)).
    let editor = std::env::var("GIT_EDITOR").as_deref() != Ok(":");
    let text = message::as_committed(
        &encoding::decode(&raw, label),
        &config.get_string("commit.cleanup").unwrap_or_default(),
        editor,
        &git::comment_prefix(&config),
    );
    let configured = repo
        .signature()
        .ok()
        .map(|s| Identity::from_signature_in(&s, label))
        .unwrap_or_default();
    let item = CommitItem {
        id: String::new(),
        message: text,
        author: identity("AUTHOR", &configured, label),
        committer: identity("COMMITTER", &configured, label),
        parents: 1,
        is_tag: false,
        order: 0,
    };
    let on = checks(&[Check::Secret, Check::InternalUrl, Check::Dco], &skip);
    let outcome = plan::message(&repo, &policy, item, on).run(&policy)?;
    skip.record(&repo, "commit-msg", &[])?;
    finish(
        HookName::CommitMsg,
        &outcome,
        std::io::stderr().is_terminal(),
    )
}

/// The identity git will record: `GIT_<ROLE>_NAME`/`_EMAIL` (git exports the author for its
/// hooks, including `--author`), else `user.name`/`user.email` (`configured`).
fn identity(role: &str, configured: &Identity, label: Option<&str>) -> Identity {
    let var = |key: &str| {
        std::env::var_os(format!("GIT_{role}_{key}"))
            .map(|v| encoding::decode(&v.into_encoded_bytes(), label))
    };
    Identity {
        name: var("NAME").unwrap_or_else(|| configured.name.clone()),
        email: var("EMAIL").unwrap_or_else(|| configured.email.clone()),
    }
}
