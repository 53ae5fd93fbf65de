//! The client hooks that guard a commit: pre-commit (the staged change) and commit-msg (the
//! message, and the sign-off when `dco.require = "always"`).

use std::io::IsTerminal;

use super::audit::Skip;
use super::{checks, finish};
use crate::encoding;
use crate::error::Error;
use crate::finding::Check;
use crate::git;
use crate::message;
use crate::policy::DcoRequire;
use crate::scan::Engine;
use crate::source::{CommitItem, Identity, Items};

/// pre-commit: the index git gives the hook against HEAD.
pub fn pre_commit() -> Result<u8, Error> {
    let cwd = std::env::current_dir().map_err(|e| Error::io(".", e))?;
    let repo = git::open(&cwd)?;
    let policy = crate::cmd::client_policy(None, Some(&repo), repo.workdir(), None)?;
    let skip = Skip::from_env(&policy)?;
    let mut engine = Engine::new(
        &policy,
        checks(
            &[
                Check::Secret,
                Check::InternalUrl,
                Check::Spdx,
                Check::Artifact,
            ],
            &skip,
        ),
    );
    let (items, project) = crate::cmd::staged(&repo, &policy)?;
    engine.project = project;
    let outcome = engine.run(items, Some(repo.path()))?;
    skip.record(&repo, "pre-commit", &[])?;
    finish("pre-commit", &outcome, std::io::stderr().is_terminal())
}

/// commit-msg: the message file, cleaned the way git cleans it.
pub fn commit_msg(file: &str) -> Result<u8, Error> {
    let cwd = std::env::current_dir().map_err(|e| Error::io(".", e))?;
    let repo = git::open(&cwd)?;
    let policy = crate::cmd::client_policy(None, Some(&repo), repo.workdir(), None)?;
    let skip = Skip::from_env(&policy)?;
    let raw = std::fs::read(file).map_err(|e| Error::io(file, e))?;
    let config = repo
        .config()
        .map_err(|e| Error::git("reading git config", e))?;
    // git writes the message and the identities as they are, and records
    // `i18n.commitEncoding` (default UTF-8) as the commit's encoding.
    let label = config.get_string("i18n.commitEncoding").ok();
    let label = label.as_deref();
    let text = cleaned(&encoding::decode(&raw, label), &config);
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
    let mut engine = Engine::new(
        &policy,
        checks(&[Check::Secret, Check::InternalUrl, Check::Dco], &skip),
    );
    if policy.dco_require() == DcoRequire::Always {
        engine.dco = Some(policy.dco_options());
    }
    let outcome = engine.run(
        Items {
            commits: vec![item],
            ..Items::default()
        },
        Some(repo.path()),
    )?;
    skip.record(&repo, "commit-msg", &[])?;
    finish("commit-msg", &outcome, std::io::stderr().is_terminal())
}

/// The message as git will record it (`get_cleanup_mode` in builtin/commit.c). git runs the
/// hook with `GIT_EDITOR=:` when no editor was opened (githooks(5)); then the default cleanup
/// only trims whitespace and a line starting with `#` stays in the commit, so it is scanned.
/// After an editor, comment lines and everything below the scissors line go, unless
/// `commit.cleanup` keeps them. (A `--cleanup` flag on the command line is invisible to hooks.)
fn cleaned(raw: &str, config: &git2::Config) -> String {
    let editor = std::env::var("GIT_EDITOR").as_deref() != Ok(":");
    let mode = config.get_string("commit.cleanup").unwrap_or_default();
    let comment = comment_prefix(config);
    match (mode.as_str(), editor) {
        ("verbatim" | "whitespace", _) | ("scissors" | "default" | "", false) => {
            message::clean(raw, "")
        }
        ("scissors", true) => message::clean(cut_at_scissors(raw, &comment), ""),
        _ => message::clean(raw, &comment),
    }
}

/// `raw` up to the scissors line that git writes above the template (`wt_status_locate_end`).
fn cut_at_scissors<'a>(raw: &'a str, comment: &str) -> &'a str {
    let line = format!("{comment} ------------------------ >8 ------------------------\n");
    if raw.starts_with(&line) {
        return "";
    }
    raw.find(&format!("\n{line}")).map_or(raw, |i| &raw[..=i])
}

/// `core.commentString` / `core.commentChar` (default `#`; `auto` is treated as `#`).
fn comment_prefix(config: &git2::Config) -> String {
    for key in ["core.commentString", "core.commentChar"] {
        if let Ok(v) = config.get_string(key) {
            if !v.is_empty() && v != "auto" {
                return v;
            }
        }
    }
    message::DEFAULT_COMMENT.to_string()
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
