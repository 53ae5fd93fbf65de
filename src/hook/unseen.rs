//! pre-push without git's lines: the pre-commit framework reads git's stdin itself and hands
//! its hooks only the first ref with new commits (in `PRE_COMMIT_*` variables), and lefthook
//! gives a command no stdin unless `use_stdin: true`. So that no ref goes out unchecked, a
//! pre-push hook with empty stdin checks every local branch's commits that the remote's
//! tracking refs lack (and says so). When every branch is contained in the remote's tracking
//! refs (git runs pre-push with empty stdin when everything is up to date) nothing is checked.

use git2::{BranchType, Repository};

use crate::error::Error;
use crate::source::push::tracking_refs;
use crate::source::range::commits;

/// The pre-push lines to check when git's are missing, and a note saying what was done.
pub fn lines(
    repo: &Repository,
    remote: &str,
    url: &str,
    framework: Option<String>,
) -> Result<(String, Option<String>), Error> {
    let tracking = tracking_refs(repo, remote, url);
    let zero = "0".repeat(40);
    let mut out = String::new();
    let mut names = Vec::new();
    let branches = repo
        .branches(Some(BranchType::Local))
        .map_err(|e| Error::git("listing branches", e))?;
    for b in branches {
        let (b, _) = b.map_err(|e| Error::git("listing branches", e))?;
        let (Ok(name), Some(tip)) = (b.get().name(), b.get().target()) else {
            continue;
        };
        if commits(repo, &[tip], &tracking)?.is_empty() {
            continue;
        }
        out.push_str(&format!("{name} {tip} {name} {zero}\n"));
        names.push(name.trim_start_matches("refs/heads/").to_string());
    }
    if let Some(line) = framework {
        out.push_str(&line);
    }
    let note = (!names.is_empty()).then(|| {
        format!(
            "git-outbound: pre-push received no list of refs from git (a hook manager such as the pre-commit framework, \
             or lefthook without `use_stdin: true`, hides it), so every local branch's commits that '{remote}' lacks \
             are checked: {}",
            names.join(", ")
        )
    });
    Ok((out, note))
}
