//! `git outbound man`: the manual pages, generated from the command-line definitions so that
//! they always describe the binary that writes them. `install.sh` writes them where `man`
//! finds them; git turns `git outbound --help` into `man git-outbound`.

use std::path::Path;

use clap::CommandFactory;

use crate::cli::{Cli, ManArgs};
use crate::error::Error;
use crate::{exit, report};

pub fn man(args: &ManArgs) -> Result<u8, Error> {
    match &args.output_dir {
        Some(dir) => write_pages(dir)?,
        None => report::print(&String::from_utf8_lossy(&page()?))?,
    }
    Ok(exit::OK)
}

/// `git-outbound.1`, in roff.
pub fn page() -> Result<Vec<u8>, Error> {
    let mut out = Vec::new();
    clap_mangen::Man::new(Cli::command())
        .render(&mut out)
        .map_err(|e| Error::Internal(format!("rendering the manual page: {e}")))?;
    Ok(out)
}

/// `git-outbound.1` and one page per subcommand (`git-outbound-scan.1`...) into `dir`.
fn write_pages(dir: &Path) -> Result<(), Error> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    clap_mangen::generate_to(Cli::command(), dir).map_err(|e| Error::io(dir, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_manual_page_names_every_subcommand() {
        let page = String::from_utf8(page().unwrap()).unwrap();
        assert!(page.contains(".TH git-outbound 1"), "{page}");
        assert!(page.contains(".SH SUBCOMMANDS"), "{page}");
        for sub in Cli::command().get_subcommands() {
            let name = sub.get_name().replace('-', "\\-");
            let entry = format!("git\\-outbound\\-{name}(1)");
            assert!(page.contains(&entry), "{entry} not in:\n{page}");
        }
        assert!(page.contains("Exit codes: 0 nothing blocking"), "{page}");
    }

    #[test]
    fn pages_are_written_for_the_command_and_each_subcommand() {
        let dir = tempfile::tempdir().unwrap();
        write_pages(dir.path()).unwrap();
        for name in [
            "git-outbound.1",
            "git-outbound-scan.1",
            "git-outbound-policy.1",
        ] {
            assert!(dir.path().join(name).is_file(), "{name}");
        }
    }
}
