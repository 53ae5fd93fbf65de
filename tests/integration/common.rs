//! `TestRepo`: a temporary repository isolated from the user's git configuration (no system
//! config, a private global config and HOME, fixed names and dates, `main` as the default
//! branch), and helpers that run git and git-outbound in it. Fake credentials are built at
//! test time, so this file holds none.

#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};

pub const BIN: &str = env!("CARGO_BIN_EXE_git-outbound");

pub struct TestRepo {
    pub dir: tempfile::TempDir,
    pub home: tempfile::TempDir,
}

impl TestRepo {
    /// An empty repository on an unborn `main`.
    pub fn new() -> TestRepo {
        let t = TestRepo::empty();
        t.git(&["init", "-q", "-b", "main", "."]);
        t
    }

    /// A bare repository.
    pub fn bare() -> TestRepo {
        let t = TestRepo::empty();
        t.git(&["init", "-q", "--bare", "-b", "main", "."]);
        t
    }

    fn empty() -> TestRepo {
        let t = TestRepo {
            dir: tempfile::tempdir().expect("temp dir"),
            home: tempfile::tempdir().expect("temp home"),
        };
        std::fs::write(
            t.home.path().join(".gitconfig"),
            "[init]\n\tdefaultBranch = main\n[advice]\n\tdetachedHead = false\n",
        )
        .expect("write gitconfig");
        t
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// A command in this repository with git isolated from the machine's configuration and
    /// git-outbound on PATH (as the installed hooks expect).
    pub fn command(&self, program: &str) -> Command {
        let mut c = Command::new(program);
        let bin_dir = Path::new(BIN).parent().expect("binary has a folder");
        let path = format!(
            "{}:{}",
            bin_dir.display(),
            std::env::var("PATH").unwrap_or_default()
        );
        c.current_dir(self.path())
            .env("PATH", path)
            .env("HOME", self.home.path())
            .env("XDG_CONFIG_HOME", self.home.path().join(".config"))
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", self.home.path().join(".gitconfig"))
            .env("GIT_AUTHOR_NAME", "Jane Doe")
            .env("GIT_AUTHOR_EMAIL", "jane@example.com")
            .env("GIT_COMMITTER_NAME", "Jane Doe")
            .env("GIT_COMMITTER_EMAIL", "jane@example.com")
            .env("GIT_AUTHOR_DATE", "2026-01-01T00:00:00Z")
            .env("GIT_COMMITTER_DATE", "2026-01-01T00:00:00Z")
            .env_remove("OUTBOUND_POLICY")
            .env_remove("OUTBOUND_SKIP")
            .env_remove("OUTBOUND_REASON")
            .env_remove("GIT_DIR")
            .env_remove("GIT_INDEX_FILE")
            .env("NO_COLOR", "1");
        c
    }

    /// Runs git; panics with its output when it fails.
    pub fn git(&self, args: &[&str]) -> Output {
        let out = self.command("git").args(args).output().expect("run git");
        assert!(out.status.success(), "git {args:?} failed:\n{}", text(&out));
        out
    }

    /// Runs git and returns the output whatever the exit code.
    pub fn git_any(&self, args: &[&str]) -> Output {
        self.command("git").args(args).output().expect("run git")
    }

    /// Runs git-outbound.
    pub fn outbound(&self, args: &[&str]) -> Output {
        self.command(BIN)
            .args(args)
            .output()
            .expect("run git-outbound")
    }

    pub fn write(&self, rel: &str, content: impl AsRef<[u8]>) {
        let p = self.path().join(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(p, content).expect("write file");
    }

    /// Writes, stages and commits one file; returns the new commit id.
    pub fn commit_file(&self, rel: &str, content: impl AsRef<[u8]>, message: &str) -> String {
        self.write(rel, content);
        self.git(&["add", "--", rel]);
        self.git(&["commit", "-q", "--no-verify", "-m", message]);
        self.head()
    }

    pub fn head(&self) -> String {
        String::from_utf8_lossy(&self.git(&["rev-parse", "HEAD"]).stdout)
            .trim()
            .to_string()
    }

    /// Runs git-outbound with JSON output and parses it.
    pub fn json(&self, args: &[&str]) -> (i32, serde_json::Value) {
        let mut all = args.to_vec();
        all.extend(["--format", "json"]);
        let out = self.outbound(&all);
        let v = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}", text(&out)));
        (out.status.code().unwrap_or(-1), v)
    }
}

/// stdout and stderr together, for assertion messages.
/// `program args` run in `t` with `input` on its standard input; its output.
pub fn pipe(t: &TestRepo, program: &str, args: &[&str], input: &[u8]) -> Output {
    let mut child = t
        .command(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input)
        .expect("write stdin");
    child.wait_with_output().expect("wait")
}

pub fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

static SEED: AtomicU64 = AtomicU64::new(0x9E37_79B9_7F4A_7C15);

/// `n` random characters from `alphabet` (xorshift; different on every call).
pub fn random(alphabet: &[u8], n: usize) -> String {
    let mut x =
        SEED.fetch_add(0x2545_F491_4F6C_DD1D, Ordering::Relaxed) ^ std::process::id() as u64;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            alphabet[(x % alphabet.len() as u64) as usize] as char
        })
        .collect()
}

const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// A GitHub classic token with a valid CRC32 checksum, made now.
pub fn github_token() -> String {
    let body = random(ALNUM, 30);
    format!(
        "ghp_{body}{}",
        git_outbound::rules::checksum::base62(u64::from(crc32fast::hash(body.as_bytes())), 6)
    )
}

/// An AWS access key id, made now.
pub fn aws_key_id() -> String {
    format!("AKIA{}", random(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16))
}

/// The `check/rule` codes of a JSON report's findings, in order.
pub fn rules_of(v: &serde_json::Value) -> Vec<String> {
    v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            format!(
                "{}/{}",
                f["check"].as_str().unwrap_or(""),
                f["rule"].as_str().unwrap_or("")
            )
        })
        .collect()
}

/// A bare repository at `<t's home>/<name>`, so that its path ends in a known name (for
/// `remotes.internal` globs); returns the path.
pub fn bare_in(t: &TestRepo, name: &str) -> PathBuf {
    let p = t.home.path().join(name);
    t.git(&[
        "init",
        "-q",
        "--bare",
        "-b",
        "main",
        &p.display().to_string(),
    ]);
    p
}

/// A new ed25519 key pair in `dir` (no passphrase): the private key's path and the public key
/// line (`ssh-ed25519 AAAA… comment`).
pub fn ssh_key(dir: &Path, name: &str) -> (PathBuf, String) {
    let key = dir.join(name);
    let out = Command::new("ssh-keygen")
        .args(["-t", "ed25519", "-N", "", "-C", name, "-q", "-f"])
        .arg(&key)
        .output()
        .expect("run ssh-keygen");
    assert!(out.status.success(), "ssh-keygen failed:\n{}", text(&out));
    let public = std::fs::read_to_string(key.with_extension("pub")).expect("read public key");
    (key, public.trim().to_string())
}

/// A 16-digit Visa-style card number with a valid Luhn check digit, made now.
pub fn card_number() -> String {
    let body = format!("4{}", random(b"0123456789", 14));
    let sum: u32 = body
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            // The check digit will sit to the right, so the rightmost body digit is doubled.
            if i % 2 == 0 {
                if d * 2 > 9 { d * 2 - 9 } else { d * 2 }
            } else {
                d
            }
        })
        .sum();
    format!("{body}{}", (10 - sum % 10) % 10)
}

/// A repository with the hooks installed and `policy` as its `.outbound.toml` (left untracked,
/// so that commits only hold what each test adds).
pub fn hooked(policy: &str) -> TestRepo {
    let t = TestRepo::new();
    let out = t.outbound(&["install"]);
    assert!(out.status.success(), "install failed:\n{}", text(&out));
    t.write(".outbound.toml", policy);
    t
}

/// Stages `rel` with `content` and runs a real `git commit` with `args`.
pub fn commit(
    t: &TestRepo,
    rel: &str,
    content: impl AsRef<[u8]>,
    args: &[&str],
) -> std::process::Output {
    t.write(rel, content);
    t.git(&["add", "--", rel]);
    let mut all = vec!["commit", "-q"];
    all.extend(args);
    t.git_any(&all)
}

/// Commits one file, signed off, without running hooks; returns the commit id.
pub fn commit_signed(t: &TestRepo, rel: &str, content: &str, message: &str) -> String {
    t.write(rel, content);
    t.git(&["add", "--", rel]);
    t.git(&["commit", "-q", "--no-verify", "-s", "-m", message]);
    t.head()
}

pub fn has_head(t: &TestRepo) -> bool {
    t.git_any(&["rev-parse", "--verify", "-q", "HEAD"])
        .status
        .success()
}

pub fn path_of(p: &Path) -> String {
    p.display().to_string()
}

pub fn short(id: &str) -> &str {
    &id[..7]
}

/// `n` lines of text.
pub fn lines(n: usize) -> String {
    (1..=n).map(|i| format!("line {i}\n")).collect()
}

/// Writes `content` to `rel` under the test home (org policies, allowed signers).
pub fn write_home(t: &TestRepo, rel: &str, content: impl AsRef<[u8]>) {
    std::fs::write(t.home.path().join(rel), content).expect("write into home");
}

// Shared by the hook tests.

/// The fail-closed shim shipped in this repository's own `hooks/` folder.
pub const REPO_SHIMS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/hooks");

/// A repository with the client hooks installed.
pub fn installed() -> TestRepo {
    let t = TestRepo::new();
    let out = t.outbound(&["install"]);
    assert!(out.status.success(), "install failed:\n{}", text(&out));
    t
}

/// A repository with the client hooks installed, one clean commit, and a bare `origin`.
pub fn pushing() -> (TestRepo, TestRepo) {
    let t = installed();
    let remote = TestRepo::bare();
    t.git(&[
        "remote",
        "add",
        "origin",
        &remote.path().display().to_string(),
    ]);
    t.commit_file("README.md", "# demo\n", "Initial commit");
    (t, remote)
}

/// A bare repository with pre-receive installed, and a clone-to-be with it as `origin`.
pub fn server() -> (TestRepo, TestRepo) {
    let server = TestRepo::bare();
    let out = server.outbound(&["install"]);
    assert!(
        out.status.success(),
        "install in a bare repository failed:\n{}",
        text(&out)
    );
    assert!(
        server.path().join("hooks/pre-receive").is_file(),
        "no pre-receive hook:\n{}",
        text(&out)
    );
    let client = TestRepo::new();
    client.git(&[
        "remote",
        "add",
        "origin",
        &server.path().display().to_string(),
    ]);
    (server, client)
}

pub fn settings(token: &str) -> String {
    format!("import os\nGITHUB_TOKEN = \"{token}\"\n")
}

pub fn git_commit(t: &TestRepo, args: &[&str]) -> Output {
    let mut all = vec!["commit", "-q"];
    all.extend(args);
    t.git_any(&all)
}

/// The hook refused with a redacted `secret/github-pat` finding at `at`.
pub fn assert_secret_blocked(out: &Output, at: &str, token: &str) {
    let err = stderr(out);
    assert!(
        !out.status.success(),
        "expected the hook to refuse:\n{}",
        text(out)
    );
    assert!(err.contains(at), "no '{at}' in:\n{err}");
    assert!(
        err.contains("secret/github-pat"),
        "no secret/github-pat in:\n{err}"
    );
    assert!(
        !text(out).contains(token),
        "the token leaked into the output:\n{}",
        text(out)
    );
}

pub fn assert_ok(out: &Output) {
    assert!(out.status.success(), "expected success:\n{}", text(out));
}

pub fn commit_count(t: &TestRepo) -> usize {
    let out = t.git_any(&["rev-list", "--count", "HEAD"]);
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .unwrap_or(0)
}

pub fn id12(id: &str) -> &str {
    &id[..12]
}

/// An executable script at `path`.
pub fn write_script(path: &Path, body: &str) {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("mkdir");
    }
    std::fs::write(path, format!("#!/bin/sh\n{body}\n")).expect("write script");
    make_executable(path);
}

pub fn make_executable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
}

/// A policy file in `t`'s home; returns its path.
pub fn policy_file(t: &TestRepo, name: &str, toml: &str) -> String {
    let p = t.home.path().join(name);
    std::fs::write(&p, toml).expect("write policy");
    p.display().to_string()
}

pub fn findings(v: &serde_json::Value) -> &Vec<serde_json::Value> {
    v["findings"].as_array().expect("findings array")
}
