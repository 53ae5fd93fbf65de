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

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::check::CheckSet;
use crate::cli::HookName;
use crate::error::Error;
use crate::finding::{self, Check, Finding};
use crate::outcome::{Outcome, exit_code};
use crate::policy::Policy;
use crate::report;

pub use audit::Skip;

/// Seconds the running hook may take, all of it (reading stdin, listing what is outbound,
/// checking): the built-in `hooks.time_budget` until the hook has read its policy.
static BUDGET: AtomicU64 = AtomicU64::new(60);

/// Refuses (fails closed) once the hook has run longer than its budget, whatever it is doing:
/// even a read that never returns cannot keep a commit or push waiting for ever.
fn watch(hook: HookName) {
    let start = Instant::now();
    let watchdog = move || {
        loop {
            std::thread::sleep(Duration::from_millis(50));
            let budget = BUDGET.load(Ordering::Relaxed);
            if start.elapsed() >= Duration::from_secs(budget) {
                let what = hook.guards();
                report::say(&format!(
                    "git-outbound: the {} hook did not finish within its time budget ({budget}s, \
                     hooks.time_budget), so the {what} is refused. Check fewer commits at a time, \
                     or ask whoever sets the policy.",
                    hook.name()
                ));
                std::process::exit(i32::from(crate::exit::BLOCKED));
            }
        }
    };
    // Without the watchdog the hook still runs; it is only unbounded.
    let _ = std::thread::Builder::new()
        .name("time-budget".into())
        .spawn(watchdog);
}

/// Sets the budget from the policy the hook has read.
fn budget(policy: &crate::policy::Policy) {
    BUDGET.store(policy.hooks.time_budget, Ordering::Relaxed);
}

/// Runs hook `name` with git's arguments; returns the exit code.
pub fn run(name: HookName, args: &[String]) -> Result<u8, Error> {
    watch(name);
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

/// A hook says what it did not read: each file the engine left unread (above
/// `scan.max_file_size`) becomes a finding naming it, blocking unless `scan.oversize = "warn"`.
/// A scan in CI lists such files as not scanned; a hook cannot let them pass in silence.
fn unread(outcome: &mut Outcome, policy: &Policy) {
    let severity = policy.scan.oversize;
    for s in outcome.skipped.drain(..) {
        let mut f = Finding::new(
            Check::Secret,
            "file-not-scanned",
            severity,
            format!("not scanned: {}", s.reason),
        );
        f.path = Some(s.path);
        f.help = "nothing in this file was checked: split it, keep it out of the change, or ask \
                  for scan.max_file_size to be raised (scan.oversize = \"warn\" lets it through)"
            .into();
        outcome.findings.push(f);
    }
    finding::sort(&mut outcome.findings);
}

/// Findings made outside the engine (the approval gate's), fingerprinted under the policy's
/// key as the engine's are.
fn sealed(
    mut findings: Vec<crate::finding::Finding>,
    policy: &crate::policy::Policy,
) -> Vec<crate::finding::Finding> {
    let key = policy.fingerprint_key.as_deref();
    findings.iter_mut().for_each(|f| f.seal(key));
    findings
}

/// Prints the outcome on stderr (git shows hook output to the user; behind `remote:` on the
/// server side) and returns the exit code.
fn finish(hook: HookName, outcome: &Outcome, color: bool) -> Result<u8, Error> {
    let code = exit_code(outcome);
    report::write_hook(hook, outcome, code, color).map_err(|e| Error::io("<stderr>", e))?;
    Ok(code)
}
