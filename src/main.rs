//! The `git-outbound` binary: parse the command line, run, map the outcome to an exit code.

use std::process::ExitCode;

use clap::Parser;
use git_outbound::cli::Cli;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() {
                git_outbound::exit::ERROR
            } else {
                git_outbound::exit::OK
            };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match git_outbound::run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            #[allow(clippy::print_stderr)]
            {
                let text = git_outbound::report::terminal::escape_lines(&e.to_string());
                eprintln!("git-outbound: error: {text}");
            }
            ExitCode::from(git_outbound::exit::ERROR)
        }
    }
}
