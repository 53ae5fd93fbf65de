//! The manual: `git outbound --help` through real git opens the page that `git outbound man`
//! generates from the command-line definitions, and `git outbound help` lists the commands.

use crate::common::{TestRepo, path_of, text};

/// Whether `man` can run here; CI requires it (OUTBOUND_REQUIRE_MAN=1).
fn man_available() -> bool {
    let found = std::process::Command::new("man")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found && std::env::var_os("OUTBOUND_REQUIRE_MAN").is_some() {
        panic!("man is not installed and OUTBOUND_REQUIRE_MAN is set");
    }
    found
}

#[test]
fn git_outbound_help_opens_the_generated_manual() {
    let t = TestRepo::new();
    let mandir = t.home.path().join("share/man");
    let out = t.outbound(&["man", "--output-dir", &path_of(&mandir.join("man1"))]);
    assert!(out.status.success(), "{}", text(&out));
    for page in [
        "git-outbound.1",
        "git-outbound-scan.1",
        "git-outbound-hook.1",
    ] {
        assert!(mandir.join("man1").join(page).is_file(), "{page}");
    }
    if !man_available() {
        eprintln!("skipped: `man` is not installed, so `git outbound --help` cannot be shown");
        return;
    }
    let out = t
        .command("git")
        .args(["outbound", "--help"])
        .env("MANPATH", &mandir)
        .env("MANPAGER", "cat")
        .env("PAGER", "cat")
        .env("MANWIDTH", "100")
        .env_remove("MAN_KEEP_FORMATTING")
        .output()
        .expect("run git");
    let shown = text(&out);
    assert!(out.status.success(), "{shown}");
    for expected in [
        "git-outbound",
        "SUBCOMMANDS",
        "Exit codes",
        "git-outbound-scan(1)",
    ] {
        assert!(shown.contains(expected), "{expected} not in:\n{shown}");
    }
}

#[test]
fn git_outbound_help_lists_the_commands() {
    let t = TestRepo::new();
    let out = t
        .command("git")
        .args(["outbound", "help"])
        .output()
        .expect("run git");
    let shown = text(&out);
    assert!(out.status.success(), "{shown}");
    for command in ["scan", "hook", "install", "policy", "man"] {
        assert!(
            shown.contains(&format!("  {command} ")),
            "{command} not in:\n{shown}"
        );
    }
}
