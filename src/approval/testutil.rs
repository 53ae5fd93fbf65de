//! Test helpers for the approval check: real SSH keys made with `ssh-keygen`, the reference
//! `ssh-keygen -Y sign|verify` to cross-check against, and throw-away git repositories.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Generates an unencrypted key of `kind` (`ed25519`, `ecdsa`, `rsa`) named `name` in `dir`.
pub fn keygen(dir: &Path, kind: &str, name: &str) -> PathBuf {
    keygen_inner(dir, kind, name, "")
}

/// Generates an ed25519 key protected by `passphrase`.
pub fn keygen_with_passphrase(dir: &Path, name: &str, passphrase: &str) -> PathBuf {
    keygen_inner(dir, "ed25519", name, passphrase)
}

fn keygen_inner(dir: &Path, kind: &str, name: &str, passphrase: &str) -> PathBuf {
    let path = dir.join(name);
    let mut cmd = Command::new("ssh-keygen");
    cmd.args(["-q", "-t", kind, "-N", passphrase, "-C", name, "-f"])
        .arg(&path);
    if kind == "rsa" {
        cmd.args(["-b", "2048"]);
    }
    let status = cmd.status().expect("ssh-keygen runs");
    assert!(status.success(), "ssh-keygen -t {kind} failed");
    path
}

/// `keytype base64` of the key's public half, without its comment.
pub fn public_line(key: &Path) -> String {
    let text = std::fs::read_to_string(key.with_extension("pub")).expect("public key written");
    text.split_whitespace()
        .take(2)
        .collect::<Vec<_>>()
        .join(" ")
}

/// Signs `message` with `ssh-keygen -Y sign` and returns the armoured signature.
pub fn ssh_keygen_sign(key: &Path, namespace: &str, message: &[u8]) -> String {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("msg");
    std::fs::write(&file, message).expect("message written");
    let out = Command::new("ssh-keygen")
        .args(["-q", "-Y", "sign", "-n", namespace, "-f"])
        .arg(key)
        .arg(&file)
        .output()
        .expect("ssh-keygen runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::read_to_string(file.with_extension("sig")).expect("signature written")
}

/// True when `ssh-keygen -Y verify` accepts `signature` over `message` for `identity`.
pub fn ssh_keygen_verify(
    signers: &str,
    identity: &str,
    namespace: &str,
    signature: &str,
    message: &[u8],
) -> bool {
    let dir = tempfile::tempdir().expect("temp dir");
    let (allowed, sig) = (dir.path().join("allowed"), dir.path().join("sig"));
    std::fs::write(&allowed, format!("{signers}\n")).expect("signers written");
    std::fs::write(&sig, signature).expect("signature written");
    let mut child = Command::new("ssh-keygen")
        .args(["-Y", "verify", "-n", namespace, "-I", identity, "-f"])
        .arg(&allowed)
        .arg("-s")
        .arg(&sig)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("ssh-keygen runs");
    child
        .stdin
        .take()
        .expect("piped")
        .write_all(message)
        .expect("message sent");
    child.wait().expect("ssh-keygen ends").success()
}

/// A fresh repository with a fixed committer identity.
pub fn repo() -> (tempfile::TempDir, git2::Repository) {
    let dir = tempfile::tempdir().expect("temp dir");
    let repo = git2::Repository::init(dir.path()).expect("repository created");
    let mut config = repo.config().expect("config");
    config.set_str("user.name", "Test User").expect("name set");
    config
        .set_str("user.email", "test@example.org")
        .expect("email set");
    (dir, repo)
}

/// Commits one file on top of `parent` (detached: no ref is moved) and returns the id.
pub fn commit(
    repo: &git2::Repository,
    parent: Option<git2::Oid>,
    path: &str,
    text: &str,
) -> git2::Oid {
    let blob = repo.blob(text.as_bytes()).expect("blob");
    let mut tree = repo.treebuilder(None).expect("tree builder");
    tree.insert(path, blob, 0o100644).expect("entry");
    let tree = repo
        .find_tree(tree.write().expect("tree"))
        .expect("tree found");
    let sig = git2::Signature::now("Test User", "test@example.org").expect("signature");
    let parents: Vec<git2::Commit> = parent
        .map(|p| repo.find_commit(p).expect("parent"))
        .into_iter()
        .collect();
    let refs: Vec<&git2::Commit> = parents.iter().collect();
    repo.commit(None, &sig, &sig, text, &tree, &refs)
        .expect("commit")
}
