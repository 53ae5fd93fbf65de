//! git-outbound guards every contribution on its way out of an organisation.
//!
//! Data flows one way; each mode builds one plan, and the engine takes it:
//!
//! ```text
//!   cmd/ (scan, fix, install…)   hook/ (pre-commit, commit-msg, pre-push, pre-receive)
//!          │                          │
//!          └──────────► plan ◄────────┘   one function per mode: items, checks, DCO rule
//!                        │                 for the destination, licensing context
//!   source ────────► items ──────► scan (engine) ──► check ───► findings ──► outcome ──► report
//!   worktree,        FileItem,     all cores,         secret,    Finding     Outcome     human,
//!   staged, range,   CommitItem,   changed regions,   internal-  (finding)   exit code   json,
//!   history, push,   NameItem      decoded spans,     url, spdx,                         sarif
//!   lfs, patch,                    archive members,   dco,
//!   reuse (context)                exceptions,        artifact,
//!                                  baseline           ip-overlap,
//!                                                     approval ◄── approval/ (evidence:
//!                                                                  notes, signatures, signers)
//! ```
//!
//! Beside the flow: `policy` (layers, locks, validation into typed options), `rules` (rule
//! packs), `container` (archives and compressed streams, one member at a time), `reuse`
//! (REUSE.toml, sidecars, license texts), `decode` (encoded spans), `fingerprint` (indexes of
//! internal code), `glob`, `git`, `pack` (objects read straight from pack files), `message` (trailers and cleanup),
//! `encoding` (commit encodings), `baseline`, `install` (hook installation and chaining),
//! `error`. `main.rs` only parses the command line and maps the outcome to an exit code.

pub mod approval;
pub mod baseline;
pub mod calendar;
pub mod check;
pub mod cli;
pub mod cmd;
pub mod container;
pub mod decode;
pub mod diff;
pub mod encoding;
pub mod error;
pub mod finding;
pub mod fingerprint;
pub mod git;
pub mod glob;
pub mod hook;
pub mod install;
pub mod message;
pub mod outcome;
pub mod pack;
pub mod plan;
pub mod policy;
pub mod report;
pub mod reuse;
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
