//! Hook installation and chaining. `install` writes shims into the folder git really runs
//! hooks from (`core.hooksPath` when set, else the hooks folder of the common git dir, so
//! linked worktrees share them); a hook already there is kept, renamed beside ours, and still
//! runs: before our check where it can change what is committed (pre-commit, commit-msg),
//! after it, and only when it passes, where it can send (pre-push); installing twice changes
//! nothing; `uninstall` puts back what was there.
//! `--global` and `--system` point `core.hooksPath` of the user or the machine at a folder of
//! shims that also run each repository's own hooks.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::error::Error;

/// Marks a file as ours.
pub const MARKER: &str = "# git-outbound hook shim";
/// The suffix under which a hook that was there before is kept.
pub const CHAINED: &str = ".outbound-chained";
/// Where the `--global` and `--system` shims find each repository's own hooks.
const REPOSITORY_HOOKS: &str = "$(git rev-parse --git-common-dir 2>/dev/null)/hooks/$hook";
/// Hooks a client repository gets.
pub const CLIENT_HOOKS: &[&str] = &["pre-commit", "commit-msg", "pre-push", "sendemail-validate"];

/// Whom an installation is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Repository,
    Global,
    System,
}

/// What an installation did, for the user.
#[derive(Debug, Default)]
pub struct Report {
    pub dir: PathBuf,
    pub lines: Vec<String>,
}

/// The shim for `hook`; `scope` decides whether it also runs the repository's own hooks.
pub fn shim(hook: &str, scope: Scope, previous_global: Option<&Path>) -> String {
    let reads_stdin = matches!(hook, "pre-push" | "pre-receive");
    let mut s = format!(
        "#!/bin/sh\n{MARKER} ({hook}); `git outbound uninstall` restores what was here.\nhook={hook}\nhere=$(dirname \"$0\")\n"
    );
    if reads_stdin {
        s.push_str("input=$(mktemp \"${TMPDIR:-/tmp}/outbound.XXXXXX\") || exit 1\ntrap 'rm -f \"$input\"' EXIT\ncat > \"$input\"\n");
    } else {
        s.push_str("input=/dev/null\n");
    }
    let mut chained = vec![format!("\"$here/$hook{CHAINED}\"")];
    if scope != Scope::Repository {
        // The repository's own hooks, which a global core.hooksPath would otherwise hide.
        chained.push(format!("\"{REPOSITORY_HOOKS}\""));
        if let Some(prev) = previous_global {
            chained.push(format!("\"{}/$hook\"", prev.display()));
        }
    }
    let others = format!(
        "for chained in {}; do\n  if [ -x \"$chained\" ] && ! grep -q '{MARKER}' \"$chained\" 2>/dev/null; then\n    \"$chained\" \"$@\" < \"$input\" || exit $?\n  fi\ndone\n",
        chained.join(" ")
    );
    let ours = "if ! command -v git-outbound >/dev/null 2>&1; then\n  echo \"git-outbound: not found on PATH; the $hook hook refuses (fails closed). Install it, or run 'git outbound uninstall'.\" >&2\n  exit 1\nfi\n";
    if chained_after(hook) {
        // Nothing leaves before the check passes: git-lfs's pre-push uploads objects.
        s.push_str(ours);
        s.push_str("git-outbound hook \"$hook\" \"$@\" < \"$input\" || exit $?\n");
        s.push_str(&others);
    } else {
        // The check sees the final content: lint-staged and formatters re-stage files.
        s.push_str(&others);
        s.push_str(ours);
        s.push_str("git-outbound hook \"$hook\" \"$@\" < \"$input\"\n");
    }
    s
}

/// Whether the hooks kept beside ours run after git-outbound's check (and only when it
/// passes): hooks that can send something (git-lfs's pre-push uploads objects) or act on a
/// push. Hooks that can change what is committed (pre-commit, commit-msg) run before it, so
/// that the check sees the final content.
pub fn chained_after(hook: &str) -> bool {
    matches!(hook, "pre-push" | "pre-receive")
}

/// Another hook manager that owns the hooks folder, if any, and how to add us to it.
fn other_manager(dir: &Path, workdir: Option<&Path>) -> Option<String> {
    let dir_s = dir.display().to_string();
    let hook_text = |name: &str| std::fs::read_to_string(dir.join(name)).unwrap_or_default();
    let any_hook = CLIENT_HOOKS
        .iter()
        .map(|h| hook_text(h))
        .collect::<String>();
    if dir_s.contains(".husky") || any_hook.contains("husky") {
        return Some("husky manages this repository's hooks: add `git-outbound hook pre-commit` to .husky/pre-commit, `git-outbound hook commit-msg \"$1\"` to .husky/commit-msg and `git-outbound hook pre-push \"$@\"` to .husky/pre-push".into());
    }
    if any_hook.contains("lefthook") || workdir.is_some_and(|w| w.join("lefthook.yml").is_file()) {
        return Some("lefthook manages this repository's hooks: add to lefthook.yml\n  pre-commit:\n    commands:\n      outbound:\n        run: git-outbound hook pre-commit\n    commit-msg:\n    commands:\n      outbound:\n        run: git-outbound hook commit-msg {1}\n  pre-push:\n    commands:\n      outbound:\n        run: git-outbound hook pre-push {1} {2}\n        use_stdin: true\n  (use_stdin: true hands git's list of refs to the hook; without it every local branch the remote lacks is checked)".into());
    }
    if any_hook.contains("pre-commit.com") || any_hook.contains("File generated by pre-commit") {
        return Some("the pre-commit framework manages this repository's hooks: add git-outbound to .pre-commit-config.yaml (ids outbound-pre-commit, outbound-commit-msg, outbound-pre-push; see .pre-commit-hooks.yaml), then run `pre-commit install -t pre-commit -t commit-msg -t pre-push`".into());
    }
    None
}

/// The hooks folder git uses for `repo`.
pub fn hooks_dir(repo: &git2::Repository) -> Result<PathBuf, Error> {
    let config = repo
        .config()
        .map_err(|e| Error::git("reading git config", e))?;
    if let Ok(p) = config.get_path("core.hooksPath") {
        let base = repo.workdir().unwrap_or_else(|| repo.path());
        return Ok(if p.is_relative() { base.join(p) } else { p });
    }
    Ok(repo.commondir().join("hooks"))
}

/// Installs the client hooks (or pre-receive in a bare repository) into `repo`.
pub fn install_repo(repo: &git2::Repository) -> Result<Report, Error> {
    let dir = hooks_dir(repo)?;
    if let Some(how) = other_manager(&dir, repo.workdir()) {
        return Err(Error::Usage(format!("not installed: {how}")));
    }
    if !repo.is_bare() && holds_scope_shims(&dir) {
        // Repository shims there would stop running every other repository's own hooks.
        let line = "nothing to do: these are the shims of `git outbound install --global` (or --system), \
                    which already run git-outbound and this repository's own hooks";
        return Ok(Report {
            dir,
            lines: vec![line.into()],
        });
    }
    let hooks: &[&str] = if repo.is_bare() {
        &["pre-receive"]
    } else {
        CLIENT_HOOKS
    };
    write_shims(&dir, hooks, Scope::Repository, None)
}

/// Whether `dir` holds the shims of `install --global` or `--system` (the ones that also run
/// each repository's own hooks), which a user's or machine's `core.hooksPath` points at.
fn holds_scope_shims(dir: &Path) -> bool {
    CLIENT_HOOKS.iter().any(|h| {
        std::fs::read_to_string(dir.join(h))
            .is_ok_and(|t| t.contains(MARKER) && t.contains(REPOSITORY_HOOKS))
    })
}

/// Writes shims into `dir`, keeping hooks that were there.
pub fn write_shims(
    dir: &Path,
    hooks: &[&str],
    scope: Scope,
    previous: Option<&Path>,
) -> Result<Report, Error> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let mut report = Report {
        dir: dir.to_path_buf(),
        lines: Vec::new(),
    };
    for hook in hooks {
        let path = dir.join(hook);
        let text = shim(hook, scope, previous);
        let existing = std::fs::read_to_string(&path).ok();
        match existing {
            Some(old) if old == text => {
                report.lines.push(format!("{hook}: already installed"));
                continue;
            }
            Some(old) if old.contains(MARKER) => report.lines.push(format!("{hook}: updated")),
            Some(_) => {
                let keep = dir.join(format!("{hook}{CHAINED}"));
                std::fs::rename(&path, &keep).map_err(|e| Error::io(&path, e))?;
                let when = match chained_after(hook) {
                    true => "runs after git-outbound's check, only when it passes",
                    false => "runs first",
                };
                report.lines.push(format!(
                    "{hook}: installed; the existing hook is kept as {hook}{CHAINED} and {when}"
                ));
            }
            None => report.lines.push(format!("{hook}: installed")),
        }
        std::fs::write(&path, text).map_err(|e| Error::io(&path, e))?;
        make_executable(&path)?;
    }
    Ok(report)
}

/// Removes our shims from `dir` and puts back the hooks that were there.
pub fn remove_shims(dir: &Path, hooks: &[&str]) -> Result<Report, Error> {
    let mut report = Report {
        dir: dir.to_path_buf(),
        lines: Vec::new(),
    };
    for hook in hooks {
        let path = dir.join(hook);
        let ours = std::fs::read_to_string(&path).is_ok_and(|t| t.contains(MARKER));
        if !ours {
            continue;
        }
        std::fs::remove_file(&path).map_err(|e| Error::io(&path, e))?;
        let keep = dir.join(format!("{hook}{CHAINED}"));
        if keep.exists() {
            std::fs::rename(&keep, &path).map_err(|e| Error::io(&keep, e))?;
            report
                .lines
                .push(format!("{hook}: removed; the earlier hook is back"));
        } else {
            report.lines.push(format!("{hook}: removed"));
        }
    }
    Ok(report)
}

/// Uninstalls from `repo`.
pub fn uninstall_repo(repo: &git2::Repository) -> Result<Report, Error> {
    let dir = hooks_dir(repo)?;
    if !repo.is_bare() && holds_scope_shims(&dir) {
        return Err(Error::Usage(format!(
            "not uninstalled: the hooks in force here are those of `git outbound install --global` (or --system) in {}, \
             shared by every repository; `git outbound uninstall --global` removes them",
            dir.display()
        )));
    }
    let hooks: &[&str] = if repo.is_bare() {
        &["pre-receive"]
    } else {
        CLIENT_HOOKS
    };
    remove_shims(&dir, hooks)
}

/// The folder of shims for `--global` (per user) or `--system` (per machine).
pub fn scope_dir(scope: Scope) -> Result<PathBuf, Error> {
    match scope {
        Scope::System => Ok(PathBuf::from("/usr/local/share/git-outbound/hooks")),
        _ => {
            let base = std::env::var_os("XDG_CONFIG_HOME")
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
                .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))
                .ok_or_else(|| Error::Usage("neither XDG_CONFIG_HOME nor HOME is set".into()))?;
            Ok(base.join("git-outbound").join("hooks"))
        }
    }
}

fn scope_flag(scope: Scope) -> &'static str {
    if scope == Scope::System {
        "--system"
    } else {
        "--global"
    }
}

/// `git config <scope> <args>`: the user's and the machine's config are git's to locate
/// (`GIT_CONFIG_GLOBAL`, XDG, `$(prefix)/etc/gitconfig`), so git itself writes them.
fn git_config(scope: Scope, args: &[&str]) -> Result<Option<String>, Error> {
    let out = Command::new("git")
        .arg("config")
        .arg(scope_flag(scope))
        .args(args)
        .output()
        .map_err(|e| Error::io("git", e))?;
    match out.status.code() {
        Some(0) => Ok(Some(
            String::from_utf8_lossy(&out.stdout).trim().to_string(),
        )),
        Some(1) | Some(5) => Ok(None), // not set / nothing to unset
        _ => Err(Error::GitCommand {
            action: format!("git config {} {}", scope_flag(scope), args.join(" ")),
            stderr: String::from_utf8_lossy(&out.stderr).trim().to_string(),
        }),
    }
}

/// `install --global` / `--system`.
pub fn install_scope(scope: Scope) -> Result<Report, Error> {
    let dir = scope_dir(scope)?;
    let current = git_config(scope, &["--get", "core.hooksPath"])?.filter(|p| !p.is_empty());
    let previous = current.as_deref().map(PathBuf::from).filter(|p| *p != dir);
    if let Some(prev) = &previous {
        std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
        let note = dir.join("previous-hooks-path");
        std::fs::write(&note, prev.display().to_string()).map_err(|e| Error::io(&note, e))?;
    }
    let previous = previous.or_else(|| {
        std::fs::read_to_string(dir.join("previous-hooks-path"))
            .ok()
            .map(PathBuf::from)
    });
    let mut report = write_shims(&dir, CLIENT_HOOKS, scope, previous.as_deref())?;
    git_config(scope, &["core.hooksPath", &dir.display().to_string()])?;
    report.lines.push(format!(
        "core.hooksPath ({}) = {}",
        scope_flag(scope),
        dir.display()
    ));
    Ok(report)
}

/// `uninstall --global` / `--system`: removes the shims and restores `core.hooksPath`.
pub fn uninstall_scope(scope: Scope) -> Result<Report, Error> {
    let dir = scope_dir(scope)?;
    let mut report = remove_shims(&dir, CLIENT_HOOKS)?;
    let note = dir.join("previous-hooks-path");
    match std::fs::read_to_string(&note) {
        Ok(prev) => {
            git_config(scope, &["core.hooksPath", prev.trim()])?;
            let _ = std::fs::remove_file(&note);
            report.lines.push(format!(
                "core.hooksPath ({}) restored to {}",
                scope_flag(scope),
                prev.trim()
            ));
        }
        Err(_) => {
            git_config(scope, &["--unset", "core.hooksPath"])?;
            report
                .lines
                .push(format!("core.hooksPath ({}) unset", scope_flag(scope)));
        }
    }
    Ok(report)
}

#[cfg(unix)]
fn make_executable(path: &Path) -> Result<(), Error> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
        .map_err(|e| Error::io(path, e))
}

#[cfg(not(unix))]
fn make_executable(_path: &Path) -> Result<(), Error> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn install_keeps_and_uninstall_restores_an_existing_hook() {
        let dir = tempfile::tempdir().unwrap();
        let hook = dir.path().join("pre-commit");
        std::fs::write(&hook, "#!/bin/sh\necho mine\n").unwrap();
        write_shims(dir.path(), &["pre-commit"], Scope::Repository, None).unwrap();
        assert!(std::fs::read_to_string(&hook).unwrap().contains(MARKER));
        assert_eq!(
            std::fs::read_to_string(dir.path().join("pre-commit.outbound-chained")).unwrap(),
            "#!/bin/sh\necho mine\n"
        );
        let again = write_shims(dir.path(), &["pre-commit"], Scope::Repository, None).unwrap();
        assert_eq!(again.lines, vec!["pre-commit: already installed"]);
        remove_shims(dir.path(), &["pre-commit"]).unwrap();
        assert_eq!(
            std::fs::read_to_string(&hook).unwrap(),
            "#!/bin/sh\necho mine\n"
        );
        assert!(!dir.path().join("pre-commit.outbound-chained").exists());
    }

    #[test]
    fn stdin_hooks_keep_their_input_for_the_chained_hook() {
        assert!(shim("pre-push", Scope::Repository, None).contains("cat > \"$input\""));
        assert!(!shim("pre-commit", Scope::Repository, None).contains("cat > \"$input\""));
        assert!(shim("pre-commit", Scope::Global, None).contains("--git-common-dir"));
    }

    #[test]
    fn chained_pre_push_hooks_run_only_after_the_check_and_pre_commit_hooks_before() {
        let push = shim("pre-push", Scope::Repository, None);
        let (check, chained) = (
            push.find("git-outbound hook \"$hook\"").unwrap(),
            push.find(CHAINED).unwrap(),
        );
        assert!(check < chained, "{push}");
        assert!(push.contains("< \"$input\" || exit $?\nfor chained"));
        let commit = shim("pre-commit", Scope::Repository, None);
        let (check, chained) = (
            commit.find("git-outbound hook \"$hook\"").unwrap(),
            commit.find(CHAINED).unwrap(),
        );
        assert!(chained < check, "{commit}");
    }

    #[test]
    fn a_husky_folder_is_left_alone_with_instructions() {
        let dir = tempfile::tempdir().unwrap();
        let husky = dir.path().join(".husky");
        std::fs::create_dir_all(&husky).unwrap();
        let how = other_manager(&husky, None).unwrap();
        assert!(how.contains("husky") && how.contains("git-outbound hook pre-commit"));
    }
}
