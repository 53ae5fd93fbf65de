//! `install`, `uninstall` and `doctor`.

use std::process::Command;

use crate::cli::{InstallArgs, PolicyArgs};
use crate::error::Error;
use crate::exit;
use crate::git;
use crate::install::{self, CHAINED, CLIENT_HOOKS, MARKER, Scope};

fn scope(args: &InstallArgs) -> Scope {
    if args.system {
        Scope::System
    } else if args.global {
        Scope::Global
    } else {
        Scope::Repository
    }
}

fn say(lines: &[String]) -> Result<(), Error> {
    lines.iter().try_for_each(|l| crate::report::line(l))
}

pub fn install(args: &InstallArgs) -> Result<u8, Error> {
    let report = match scope(args) {
        Scope::Repository => install::install_repo(&git::open(&cwd()?)?)?,
        s => install::install_scope(s)?,
    };
    let mut lines = vec![format!("hooks folder: {}", report.dir.display())];
    lines.extend(report.lines);
    say(&lines)?;
    Ok(exit::OK)
}

pub fn uninstall(args: &InstallArgs) -> Result<u8, Error> {
    let report = match scope(args) {
        Scope::Repository => install::uninstall_repo(&git::open(&cwd()?)?)?,
        s => install::uninstall_scope(s)?,
    };
    let mut lines = vec![format!("hooks folder: {}", report.dir.display())];
    lines.extend(report.lines);
    say(&lines)?;
    Ok(exit::OK)
}

fn cwd() -> Result<std::path::PathBuf, Error> {
    std::env::current_dir().map_err(|e| Error::io(".", e))
}

/// Which hooks run here and from where, which policy layers are in force, and a canary: a
/// throwaway repository with the hooks installed must refuse a commit of a fake secret.
pub fn doctor(args: &PolicyArgs) -> Result<u8, Error> {
    let mut lines = vec![format!("git-outbound {}", env!("CARGO_PKG_VERSION"))];
    let on_path = Command::new("sh")
        .args(["-c", "command -v git-outbound"])
        .output()
        .ok()
        .filter(|o| o.status.success());
    let mut healthy = on_path.is_some();
    lines.push(match on_path {
        Some(o) => format!("on PATH: {}", String::from_utf8_lossy(&o.stdout).trim()),
        None => "on PATH: NO — the hooks refuse every commit until git-outbound is on PATH".into(),
    });
    if let Ok(repo) = git::open(&cwd()?) {
        let dir = install::hooks_dir(&repo)?;
        lines.push(format!("hooks folder: {}", dir.display()));
        for hook in CLIENT_HOOKS {
            let text = std::fs::read_to_string(dir.join(hook)).ok();
            let state = match text {
                Some(t) if t.contains(MARKER) => "git-outbound",
                Some(_) => "another hook (git-outbound not installed for it)",
                None => "none",
            };
            let chained = if dir.join(format!("{hook}{CHAINED}")).exists() {
                ", chained to the hook that was there"
            } else {
                ""
            };
            lines.push(format!("  {hook:<11} {state}{chained}"));
        }
        let policy =
            crate::plan::client_policy(args.policy.as_deref(), Some(&repo), repo.workdir(), None)?;
        lines.push(format!("policy layers: {}", policy.layers.join(" → ")));
        lines.extend(policy.warnings.iter().map(|w| format!("warning: {w}")));
    } else {
        lines.push("not in a git repository: no repository hooks to show".into());
    }
    match canary() {
        Ok(()) => lines.push(
            "canary: a commit of a fake secret was refused by the installed pre-commit hook ✓"
                .into(),
        ),
        Err(why) => {
            healthy = false;
            lines.push(format!("canary: FAILED — {why}"));
        }
    }
    say(&lines)?;
    Ok(if healthy { exit::OK } else { exit::BLOCKED })
}

/// Installs the hooks into a throwaway repository and tries to commit a fake token.
fn canary() -> Result<(), String> {
    let dir = tempfile_dir().map_err(|e| e.to_string())?;
    // The throwaway repository's own hooks folder, whatever the user's or the machine's
    // `core.hooksPath` says. An empty `core.hooksPath` would not do: git then looks for hooks
    // in a folder that does not exist and runs none, so the canary always "failed".
    let hooks = dir.join(".git").join("hooks");
    let hooks_path = format!("core.hooksPath={}", hooks.display());
    let run = |args: &[&str]| -> Result<std::process::Output, String> {
        Command::new("git")
            .args([
                "-c",
                "user.name=Canary",
                "-c",
                "user.email=canary@example.com",
                "-c",
                hooks_path.as_str(),
                "-c",
                "commit.gpgsign=false",
            ])
            .args(args)
            .current_dir(&dir)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env_remove("OUTBOUND_SKIP")
            .output()
            .map_err(|e| format!("running git: {e}"))
    };
    run(&["init", "-q"])?;
    install::write_shims(&hooks, CLIENT_HOOKS, Scope::Repository, None)
        .map_err(|e| e.to_string())?;
    std::fs::write(
        dir.join("settings.py"),
        format!("GITHUB_TOKEN = \"{}\"\n", fake_token()),
    )
    .map_err(|e| e.to_string())?;
    run(&["add", "settings.py"])?;
    let out = run(&["commit", "-q", "-m", "canary"])?;
    let _ = std::fs::remove_dir_all(&dir);
    let stderr = String::from_utf8_lossy(&out.stderr);
    if out.status.success() {
        return Err("the commit went through: the pre-commit hook did not block".into());
    }
    if !stderr.contains("secret/") {
        return Err(format!(
            "the commit was refused, but not by git-outbound's secret check: {}",
            stderr.trim()
        ));
    }
    Ok(())
}

fn tempfile_dir() -> std::io::Result<std::path::PathBuf> {
    let base = std::env::temp_dir().join(format!("git-outbound-canary-{}", std::process::id()));
    std::fs::create_dir_all(&base)?;
    Ok(base)
}

/// A GitHub-format token with a valid checksum, made now so no real-looking token is stored.
fn fake_token() -> String {
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(7);
    let alphabet = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    let mut x = seed as u64 | 1;
    let body: String = (0..30)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            alphabet[(x % alphabet.len() as u64) as usize] as char
        })
        .collect();
    format!(
        "ghp_{body}{}",
        crate::rules::checksum::base62(u64::from(crc32fast::hash(body.as_bytes())), 6)
    )
}
