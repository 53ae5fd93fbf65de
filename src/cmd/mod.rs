//! The subcommands. Each resolves its inputs (repository, policy, source), runs the engine
//! and writes a report; the exit code follows the outcome.

mod approval;
mod fix;
mod scan;
mod setup;

use std::path::Path;

use crate::cli::{Cli, Command};
use crate::error::Error;
use crate::policy::{Policy, Sources};

pub use scan::{staged, tip_project, write_outcome};

/// Runs one command and returns its exit code.
pub fn run(cli: Cli) -> Result<u8, Error> {
    match cli.command {
        Command::Scan(args) => scan::scan(&args),
        Command::Baseline(args) => scan::baseline(&args),
        Command::Policy(args) => scan::show_policy(&args),
        Command::Rules(args) => scan::rules(&args),
        Command::Hook(args) => crate::hook::run(&args.name, &args.args),
        Command::Install(args) => setup::install(&args),
        Command::Uninstall(args) => setup::uninstall(&args),
        Command::Doctor(args) => setup::doctor(&args),
        Command::Fix(args) => fix::fix(&args),
        Command::Request(args) => approval::request(&args),
        Command::Approve(args) => approval::approve(&args),
    }
}

/// The `outbound.policy` git config value of the repository at `dir`, if any.
pub fn git_config_policy(repo: Option<&git2::Repository>) -> Option<String> {
    let config = match repo {
        Some(r) => r.config().ok()?,
        None => git2::Config::open_default().ok()?,
    };
    let value = config.get_path("outbound.policy").ok()?;
    Some(value.display().to_string())
}

/// Loads the policy for a client-side run in `repo_dir` (never used at pre-receive).
pub fn client_policy(
    explicit: Option<&Path>,
    repo: Option<&git2::Repository>,
    repo_dir: Option<&Path>,
    overrides: Option<String>,
) -> Result<Policy, Error> {
    Policy::load(&Sources {
        explicit: explicit.map(Path::to_path_buf),
        git_config: git_config_policy(repo),
        repo_dir: repo_dir.map(Path::to_path_buf),
        overrides,
    })
}
