//! `fix spdx [PATH...]`: inserts missing SPDX headers in each file's comment style; files that
//! cannot hold one get a `.license` sidecar when `--sidecar` is given. A file whose license is
//! already known (a tag anywhere in it, a sidecar, a REUSE.toml annotation) is skipped with a
//! note: a fix never changes what license a file is under. `--update-deprecated` only rewrites
//! deprecated ids to their replacements.

use std::path::{Path, PathBuf};

use crate::check::spdx::{self, FixOutcome, Project};
use crate::cli::FixArgs;
use crate::error::Error;
use crate::exit;
use crate::report;
use crate::source::{self, FileItem};

pub fn fix(args: &FixArgs) -> Result<u8, Error> {
    let crate::cli::FixTarget::Spdx = args.what;
    let cwd = std::env::current_dir().map_err(|e| Error::io(".", e))?;
    let policy = super::scan::load_for_cwd(&args.policy)?;
    let paths: Vec<PathBuf> = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let items = source::worktree::items(&cwd, &paths, &policy)?;
    let changed = if args.update_deprecated {
        update_deprecated(&items.files, &cwd)?
    } else {
        let project = source::reuse::for_scan(&items.files, &cwd, false)?;
        let spdx_cfg = &policy.spdx_fix;
        let license =
            spdx::resolve_license(spdx_cfg.default_license.as_deref(), &project, &policy.spdx)
                .map_err(|message| Error::Config {
                    file: "policy".into(),
                    line: None,
                    key: "spdx.default_license".into(),
                    message,
                })?;
        let fix = Fix {
            root: &cwd,
            project: &project,
            license: &license,
            copyright: spdx_cfg.copyright.as_deref(),
            sidecar: args.sidecar,
        };
        let mut changed = 0;
        for item in items.files.iter().filter(|f| !spdx::is_exempt(&f.path)) {
            let (note, done) = fix.one(item)?;
            changed += usize::from(done);
            if let Some(note) = note {
                report::line(&note)?;
            }
        }
        changed
    };
    report::line(&format!("{changed} file(s) changed"))?;
    Ok(exit::OK)
}

/// What one run of `fix spdx` inserts, and where.
struct Fix<'a> {
    root: &'a Path,
    project: &'a Project,
    license: &'a str,
    copyright: Option<&'a str>,
    sidecar: bool,
}

impl Fix<'_> {
    /// Fixes one file: the note to print (if any) and whether a file was written.
    fn one(&self, item: &FileItem) -> Result<(Option<String>, bool), Error> {
        let path = self.root.join(&item.path);
        let content = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
        if content.is_empty() {
            return Ok((None, false));
        }
        let outcome = spdx::fix(
            &item.path,
            &content,
            self.project,
            self.license,
            self.copyright,
        );
        let p = &item.path;
        Ok(match outcome {
            FixOutcome::Updated(bytes) => {
                std::fs::write(&path, bytes).map_err(|e| Error::io(&path, e))?;
                let note = format!("{p}: added SPDX-License-Identifier: {}", self.license);
                (Some(note), true)
            }
            FixOutcome::Unchanged => (None, false),
            FixOutcome::Licensed(known) => (
                Some(format!("{p}: skipped, already licensed by {known}")),
                false,
            ),
            FixOutcome::Binary | FixOutcome::Uncommentable | FixOutcome::UnknownStyle
                if self.sidecar =>
            {
                let side = self.root.join(spdx::sidecar_path(p));
                if side.exists() {
                    let note = format!("{p}: skipped, {} exists", spdx::sidecar_path(p));
                    return Ok((Some(note), false));
                }
                std::fs::write(&side, spdx::sidecar_text(self.license, self.copyright))
                    .map_err(|e| Error::io(&side, e))?;
                (Some(format!("{p}: wrote {}", spdx::sidecar_path(p))), true)
            }
            FixOutcome::Binary | FixOutcome::Uncommentable | FixOutcome::UnknownStyle => {
                let note = format!(
                    "{p}: cannot hold a header comment; run with --sidecar to write {}, or cover it in REUSE.toml",
                    spdx::sidecar_path(p)
                );
                (Some(note), false)
            }
        })
    }
}

/// `--update-deprecated`: rewrites deprecated ids in headers and `.license` sidecars.
fn update_deprecated(files: &[FileItem], root: &Path) -> Result<usize, Error> {
    let mut changed = 0;
    for item in files {
        let sidecar = item.path.ends_with(".license");
        if spdx::is_exempt(&item.path) && !sidecar {
            continue;
        }
        let path = root.join(&item.path);
        let content = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
        if let Some(bytes) = spdx::update_deprecated(&item.path, &content) {
            std::fs::write(&path, bytes).map_err(|e| Error::io(&path, e))?;
            changed += 1;
            report::line(&format!("{}: replaced deprecated license ids", item.path))?;
        }
    }
    Ok(changed)
}
