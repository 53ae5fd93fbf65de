//! `git outbound hook <name>`: what git runs through the shims. Each hook finds what is
//! outbound (the staged change, the message, the commits the remote lacks, the commits a push
//! adds), builds its plan, runs the engine, and refuses with a message that says what, where,
//! why and how to fix. Hooks fail closed: a broken policy or an unreadable repository refuses
//! the commit or push with the error, rather than letting it through.

mod audit;
mod client;
mod push;
mod receive;
pub mod sendemail;
mod unseen;

use crate::check::CheckSet;
use crate::cli::HookName;
use crate::error::Error;
use crate::finding::Check;
use crate::outcome::{Outcome, exit_code};
use crate::report;

pub use audit::Skip;

/// Runs hook `name` with git's arguments; returns the exit code.
pub fn run(name: HookName, args: &[String]) -> Result<u8, Error> {
    let arg = |i: usize| args.get(i).map(String::as_str).unwrap_or("");
    let result = match name {
        HookName::PreCommit => client::pre_commit(),
        HookName::CommitMsg => match args.first() {
            Some(file) => client::commit_msg(file),
            None => Err(Error::Usage("commit-msg needs the message file".into())),
        },
        HookName::PrePush => push::pre_push(arg(0), arg(1)),
        HookName::PreReceive => receive::pre_receive(args),
        HookName::SendemailValidate => sendemail::validate(args),
    };
    result.map_err(|e| fail_closed(name, e))
}

/// A hook that cannot do its job refuses, and says so.
fn fail_closed(hook: HookName, e: Error) -> Error {
    let (hook, what) = (hook.name(), hook.guards());
    Error::Usage(format!(
        "{e}\ngit-outbound: the {hook} hook could not check this {what}, so the {what} is refused; fix the error above and try again"
    ))
}

/// The checks a hook runs, less those skipped with `OUTBOUND_SKIP`.
fn checks(base: &[Check], skip: &Skip) -> CheckSet {
    skip.checks
        .iter()
        .fold(CheckSet::of(base), |s, c| s.without(*c))
}

/// Prints the outcome on stderr (git shows hook output to the user; behind `remote:` on the
/// server side) and returns the exit code.
fn finish(hook: HookName, outcome: &Outcome, color: bool) -> Result<u8, Error> {
    let code = exit_code(outcome);
    report::write_hook(hook, outcome, code, color).map_err(|e| Error::io("<stderr>", e))?;
    Ok(code)
}
