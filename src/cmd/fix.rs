//! `fix spdx [PATH...]`: inserts missing SPDX headers in each file's comment style; binary and
//! uncommentable files get a `.license` sidecar when `--sidecar` is given.

use std::path::PathBuf;

use crate::check::spdx::{self, FixOutcome};
use crate::cli::FixArgs;
use crate::error::Error;
use crate::exit;
use crate::report;
use crate::source;

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
    let project = source::reuse::from_disk(&items.files, &cwd)?;
    let spdx_cfg = &policy.spdx_fix;
    let license =
        spdx::resolve_license(spdx_cfg.default_license.as_deref(), &project, &policy.spdx)
            .map_err(|message| Error::Config {
                file: "policy".into(),
                line: None,
                key: "spdx.default_license".into(),
                message,
            })?;
    let copyright = spdx_cfg.copyright.as_deref();
    let mut changed = 0;
    for item in items.files.iter().filter(|f| !spdx::is_exempt(&f.path)) {
        let path = cwd.join(&item.path);
        let content = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
        let note = match spdx::fix(&item.path, &content, &license, copyright) {
            FixOutcome::Updated(bytes) => {
                std::fs::write(&path, bytes).map_err(|e| Error::io(&path, e))?;
                changed += 1;
                format!("{}: added SPDX-License-Identifier: {license}", item.path)
            }
            FixOutcome::Binary | FixOutcome::Uncommentable if args.sidecar => {
                let side = cwd.join(spdx::sidecar_path(&item.path));
                if side.exists() {
                    continue;
                }
                std::fs::write(&side, spdx::sidecar_text(&license, copyright))
                    .map_err(|e| Error::io(&side, e))?;
                changed += 1;
                format!("{}: wrote {}", item.path, spdx::sidecar_path(&item.path))
            }
            FixOutcome::Binary | FixOutcome::Uncommentable => format!(
                "{}: cannot hold a header; run with --sidecar to write a .license file",
                item.path
            ),
            FixOutcome::UnknownStyle | FixOutcome::Unchanged => continue,
        };
        report::line(&note)?;
    }
    report::line(&format!("{changed} file(s) changed"))?;
    Ok(exit::OK)
}
