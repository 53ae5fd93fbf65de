//! git-outbound guards every contribution on its way out of an organisation.
//!
//! Data flows one way:
//!
//! ```text
//!  source ──────────────► items ──────────► checks ─────────► findings ──► report
//!  worktree, staged,      FileItem,         secret,           Finding      human,
//!  range, history,        CommitItem        internal-url,                  json,
//!  pre-push, pre-receive                    spdx, dco,                     sarif
//!                                           approval, artifact
//! ```
//!
//! `policy` says which checks run and how strictly; `scan` is the engine that feeds items to
//! checks on every core; `cmd` holds the subcommands; `main.rs` only parses the command line
//! and maps the outcome to an exit code.

pub mod approval;
pub mod baseline;
pub mod check;
pub mod cli;
pub mod cmd;
pub mod container;
pub mod decode;
pub mod error;
pub mod finding;
pub mod git;
pub mod glob;
pub mod hook;
pub mod install;
pub mod message;
pub mod outcome;
pub mod plan;
pub mod policy;
pub mod report;
pub mod rules;
pub mod scan;
pub mod source;

pub use cmd::run;
pub use error::Error;

/// Exit codes: nothing blocking, at least one blocking finding, the run could not be done.
pub mod exit {
    pub const OK: u8 = 0;
    pub const BLOCKED: u8 = 1;
    pub const ERROR: u8 = 2;
}
