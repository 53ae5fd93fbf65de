//! The subcommands. Each resolves its inputs (repository, policy, source), runs the engine
//! and writes a report; the exit code follows the outcome.

mod approval;
mod fingerprint;
mod fix;
mod man;
mod scan;
mod setup;

use crate::cli::{Cli, Command};
use crate::error::Error;

/// Runs one command and returns its exit code.
pub fn run(cli: Cli) -> Result<u8, Error> {
    match cli.command {
        Command::Scan(args) => scan::scan(&args),
        Command::Baseline(args) => scan::baseline(&args),
        Command::Policy(args) => scan::show_policy(&args),
        Command::Rules(args) => scan::rules(&args),
        Command::Hook(args) => crate::hook::run(args.name, &args.args),
        Command::Install(args) => setup::install(&args),
        Command::Uninstall(args) => setup::uninstall(&args),
        Command::Doctor(args) => setup::doctor(&args),
        Command::Fix(args) => fix::fix(&args),
        Command::Request(args) => approval::request(&args),
        Command::Approve(args) => approval::approve(&args),
        Command::Man(args) => man::man(&args),
        Command::Fingerprint(args) => fingerprint::run(&args),
    }
}
