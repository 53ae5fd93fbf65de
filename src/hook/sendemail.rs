//! Patches by mail: the `sendemail-validate` hook that `git send-email` runs on each patch
//! (the patch file, and from git 2.41 a file with the mail's headers), and `scan --patch` for
//! tools that send without git. What a patch adds is checked as a push would be: secrets,
//! internal URLs and confidential terms in added lines and in the message, SPDX headers of new
//! files, and the DCO sign-off against the patch's author. Recipients all inside the
//! organisation's domains count like an internal remote.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::finish;
use crate::check::CheckSet;
use crate::check::spdx::Project;
use crate::cli::HookName;
use crate::error::Error;
use crate::finding::Check;
use crate::outcome::Outcome;
use crate::plan::{self, Destination, Plan};
use crate::policy::Policy;
use crate::source::lfs::Lfs;
use crate::source::patch::{self, Patch};
use crate::source::{Bytes, CommitItem, FileItem, Items};

/// `git outbound hook sendemail-validate PATCH [HEADERS]`.
pub fn validate(args: &[String]) -> Result<u8, Error> {
    let Some(file) = args.first() else {
        return Err(Error::Usage(
            "sendemail-validate needs the patch file".into(),
        ));
    };
    let cwd = std::env::current_dir().map_err(|e| Error::io(".", e))?;
    let repo = crate::git::open(&cwd).ok();
    let workdir = repo
        .as_ref()
        .and_then(|r| r.workdir().map(Path::to_path_buf));
    let policy = plan::client_policy(None, repo.as_ref(), workdir.as_deref(), None)?;
    let text = read(file)?;
    let headers = args.get(1).map(|h| read(h)).transpose()?;
    let outcome = check(&text, headers.as_deref(), &policy)?;
    finish(
        HookName::SendemailValidate,
        &outcome,
        std::io::stderr().is_terminal(),
    )
}

/// Reads a patch file, `-` for stdin.
pub fn read(file: &str) -> Result<String, Error> {
    let bytes = match file {
        "-" => {
            let mut b = Vec::new();
            std::io::Read::read_to_end(&mut std::io::stdin(), &mut b)
                .map_err(|e| Error::io("<stdin>", e))?;
            b
        }
        f => std::fs::read(f).map_err(|e| Error::io(f, e))?,
    };
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// Where the patches go: internal when every recipient is under the organisation's domains.
fn destination(recipients: &[String], policy: &Policy) -> Destination {
    let domains: Vec<String> = (policy.internal_url.domains.iter())
        .chain(&policy.approval.email_domains)
        .map(|d| d.to_lowercase())
        .collect();
    let inside = |addr: &String| {
        let host = addr.rsplit_once('@').map_or("", |(_, h)| h);
        domains
            .iter()
            .any(|d| host == d || host.ends_with(&format!(".{d}")))
    };
    match !recipients.is_empty() && recipients.iter().all(inside) {
        true => Destination::Internal,
        false => Destination::External,
    }
}

/// A folder removed when dropped, holding the added lines of each file.
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Checks every patch in `text`; `headers` is the mail's header block, when git gives it.
pub fn check(text: &str, headers: Option<&str>, policy: &Policy) -> Result<Outcome, Error> {
    let patches = patch::parse(text);
    let mut recipients: Vec<String> = patches
        .iter()
        .flat_map(|p| p.recipients.iter().cloned())
        .collect();
    if let Some(h) = headers {
        recipients.extend(header_recipients(h));
    }
    // git send-email copies the author and the sender: they are not where the patch goes.
    let senders: Vec<String> = patches
        .iter()
        .map(|p| p.author.email.to_lowercase())
        .chain(headers.into_iter().flat_map(header_from))
        .collect();
    recipients.retain(|r| !senders.contains(r));
    let to = destination(&recipients, policy);
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let scratch = Scratch(
        std::env::temp_dir().join(format!("git-outbound-patch-{}-{stamp}", std::process::id())),
    );
    let (mut all, mut new) = (Items::default(), Items::default());
    for (order, p) in patches.iter().enumerate() {
        for item in file_items(&scratch.0, order, p)? {
            if p.files.iter().any(|f| f.new && f.path == item.path) {
                new.files.push(item.clone());
            }
            all.files.push(item);
        }
        all.commits.push(CommitItem {
            id: String::new(),
            message: p.message.clone(),
            author: p.author.clone(),
            committer: p.author.clone(),
            parents: 1,
            is_tag: false,
            order,
        });
    }
    let run = |items: Items, checks: CheckSet, dco| {
        Plan {
            items,
            git_dir: None,
            checks,
            dco,
            project: Project::default(),
            lfs: Lfs::default(),
        }
        .run(policy)
    };
    let text_checks = CheckSet::of(&[
        Check::Secret,
        Check::InternalUrl,
        Check::Artifact,
        Check::Dco,
    ]);
    let mut outcome = run(all, text_checks, plan::dco_for(policy, to))?;
    if !new.files.is_empty() {
        // The same files, read a second time for their headers: counted once.
        let spdx = Outcome {
            files: 0,
            bytes: 0,
            ..run(new, CheckSet::of(&[Check::Spdx]), None)?
        };
        outcome.absorb(spdx);
    }
    Ok(outcome)
}

/// The `From:` address of a header block.
fn header_from(headers: &str) -> Vec<String> {
    headers
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("from").then(|| patch::addresses(v))
        })
        .unwrap_or_default()
}

/// The `To:` and `Cc:` addresses of a header block (git 2.41's second hook argument).
fn header_recipients(headers: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current: Option<String> = None;
    for line in headers.lines().chain(std::iter::once("")) {
        if line.starts_with([' ', '\t']) {
            if let Some(c) = current.as_mut() {
                c.push_str(line);
            }
            continue;
        }
        if let Some(c) = current.take() {
            out.extend(patch::addresses(&c));
        }
        let lower = line.to_ascii_lowercase();
        if lower.starts_with("to:") || lower.starts_with("cc:") {
            current = Some(line[3..].to_string());
        }
    }
    out
}

/// The added lines of each file of `p`, written under `dir/<order>/` for the engine to read.
fn file_items(dir: &Path, order: usize, p: &Patch) -> Result<Vec<FileItem>, Error> {
    let mut out = Vec::new();
    for f in &p.files {
        // Paths from the patch stay inside the scratch folder.
        let safe: PathBuf = Path::new(&f.path)
            .components()
            .filter(|c| matches!(c, std::path::Component::Normal(_)))
            .collect();
        let disk = dir.join(order.to_string()).join(&safe);
        if let Some(parent) = disk.parent() {
            std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        }
        std::fs::write(&disk, &f.added).map_err(|e| Error::io(&disk, e))?;
        out.push(FileItem {
            path: f.path.clone(),
            bytes: Bytes::Disk(disk),
            previous: Vec::new(),
            commit: None::<Arc<str>>,
            order,
        });
    }
    Ok(out)
}
