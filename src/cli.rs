//! The command line (clap derive). The names and flags are the design's contract.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "git-outbound",
    version,
    about = "Guards every contribution on its way out: secrets, internal URLs, SPDX, DCO, approvals, model files."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan files, the staged change, a range of commits or the whole history.
    Scan(ScanArgs),
    /// Run as a git hook (called by the shims in the hooks folder).
    Hook(HookArgs),
    /// Install the hooks into this repository, for the user (--global) or the machine (--system).
    Install(InstallArgs),
    /// Remove the hooks and put back what was there.
    Uninstall(InstallArgs),
    /// Show which hooks and policy layers are in force, and prove the pre-commit hook blocks.
    Doctor(PolicyArgs),
    /// Fix what can be fixed automatically.
    Fix(FixArgs),
    /// Print what an approver needs to see for a push.
    Request(RequestArgs),
    /// Record a signed approval for a contribution (run by an approver).
    Approve(ApproveArgs),
    /// Print the effective policy, each value with the layer it comes from.
    Policy(PolicyArgs),
    /// List the rules in force; `--check` runs every rule's examples.
    Rules(RulesArgs),
    /// Record today's findings so that only new ones block.
    Baseline(BaselineArgs),
}

#[derive(Debug, Args, Clone, Default)]
pub struct PolicyArgs {
    /// The org policy file (else $OUTBOUND_POLICY, git config outbound.policy, /etc/git-outbound/policy.toml).
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
}

#[derive(Debug, Args, Clone, Default)]
pub struct OutputArgs {
    #[arg(long, value_enum, default_value = "human")]
    pub format: Format,
    /// Write the report to FILE instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Only these checks (comma-separated): secret, internal-url, spdx, dco, approval, artifact.
    #[arg(long, value_name = "LIST")]
    pub checks: Option<String>,
    /// Report only findings whose fingerprint is not in FILE.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Print secrets in clear (opt-in; every format redacts them by default).
    #[arg(long)]
    pub show_secrets: bool,
    #[arg(long)]
    pub no_color: bool,
    /// Only findings and errors.
    #[arg(long)]
    pub quiet: bool,
}

#[derive(Debug, Args, Clone, Default)]
pub struct ScanArgs {
    /// Files or directories (default: the current directory).
    #[arg(conflicts_with_all = ["staged", "range", "history"])]
    pub paths: Vec<PathBuf>,
    /// The index against HEAD: what pre-commit sees.
    #[arg(long, conflicts_with_all = ["range", "history"])]
    pub staged: bool,
    /// Commits in a revision range, `A..B`; `A` alone means `A..HEAD`.
    #[arg(long, value_name = "RANGE", conflicts_with = "history")]
    pub range: Option<String>,
    /// Every commit reachable from any ref.
    #[arg(long)]
    pub history: bool,
    /// Patches to be mailed (format-patch files or an mbox; `-` for stdin), checked as
    /// the sendemail-validate hook checks them.
    #[arg(long, value_name = "FILE", num_args = 1.., conflicts_with_all = ["paths", "staged", "range", "history"])]
    pub patch: Vec<String>,
    #[command(flatten)]
    pub policy: PolicyArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct HookArgs {
    /// The hook git runs.
    pub name: HookName,
    /// What git passes to the hook.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    pub args: Vec<String>,
}

#[derive(Debug, Args)]
pub struct InstallArgs {
    /// Every repository of the user: the user's core.hooksPath.
    #[arg(long, conflicts_with = "system")]
    pub global: bool,
    /// Every repository of the machine: the system git config's core.hooksPath.
    #[arg(long)]
    pub system: bool,
}

#[derive(Debug, Args)]
pub struct FixArgs {
    /// What to fix.
    pub what: FixTarget,
    pub paths: Vec<PathBuf>,
    /// For files that cannot hold a header (binaries, data, unknown types), write a
    /// `.license` sidecar.
    #[arg(long)]
    pub sidecar: bool,
    /// Only rewrite deprecated SPDX ids (`GPL-2.0` → `GPL-2.0-only`) in headers and sidecars.
    #[arg(long, conflicts_with = "sidecar")]
    pub update_deprecated: bool,
    #[command(flatten)]
    pub policy: PolicyArgs,
}

#[derive(Debug, Args)]
pub struct RequestArgs {
    /// The remote the push goes to.
    #[arg(default_value = "origin")]
    pub remote: String,
    /// The commit to push (default HEAD).
    #[arg(long, default_value = "HEAD")]
    pub tip: String,
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub policy: PolicyArgs,
}

#[derive(Debug, Args)]
pub struct ApproveArgs {
    /// The remote the push goes to.
    #[arg(default_value = "origin")]
    pub remote: String,
    #[arg(long, default_value = "HEAD")]
    pub tip: String,
    /// The approver's SSH private key.
    #[arg(long, value_name = "FILE")]
    pub key: PathBuf,
    /// The approver's principal (as in the allowed-signers file).
    #[arg(long)]
    pub identity: String,
    /// Last day the approval counts, YYYY-MM-DD.
    #[arg(long)]
    pub expires: String,
    /// Why (a ticket id).
    #[arg(long)]
    pub reason: String,
    #[command(flatten)]
    pub policy: PolicyArgs,
}

#[derive(Debug, Args)]
pub struct RulesArgs {
    /// Run every rule's examples and negative examples.
    #[arg(long)]
    pub check: bool,
    #[command(flatten)]
    pub policy: PolicyArgs,
}

#[derive(Debug, Args)]
pub struct BaselineArgs {
    /// Where to write the fingerprints.
    pub file: PathBuf,
    #[command(flatten)]
    pub scan: ScanArgs,
}

/// The hooks git runs through the shims.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum HookName {
    PreCommit,
    CommitMsg,
    PrePush,
    PreReceive,
    /// `git send-email` runs it on each patch: PATCH [HEADERS].
    SendemailValidate,
}

impl HookName {
    /// The name git gives the hook.
    pub fn name(self) -> &'static str {
        match self {
            HookName::PreCommit => "pre-commit",
            HookName::CommitMsg => "commit-msg",
            HookName::PrePush => "pre-push",
            HookName::PreReceive => "pre-receive",
            HookName::SendemailValidate => "sendemail-validate",
        }
    }

    /// What the hook guards.
    pub fn guards(self) -> &'static str {
        match self {
            HookName::PrePush | HookName::PreReceive => "push",
            HookName::PreCommit | HookName::CommitMsg => "commit",
            HookName::SendemailValidate => "patch",
        }
    }
}

/// What `fix` can fix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FixTarget {
    /// Insert missing SPDX headers.
    Spdx,
}

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    #[default]
    Human,
    Json,
    Sarif,
}
