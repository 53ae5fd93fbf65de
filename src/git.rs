//! The few git2 helpers every git mode needs: opening the repository the way git hands it to
//! a hook (including `GIT_DIR`, `GIT_INDEX_FILE` and the quarantine object directory of
//! pre-receive), zero ids, reading blobs, and remote URL normalisation.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};

use git2::{Oid, Repository, RepositoryOpenFlags};

use crate::error::Error;

/// Variables through which git points a hook at its repository and objects.
const ENV_VARS: &[&str] = &[
    "GIT_DIR",
    "GIT_OBJECT_DIRECTORY",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_QUARANTINE_PATH",
];

/// Opens the repository containing `start` (or the one the environment names, as git does for
/// hooks: libgit2 only follows `GIT_DIR` and the object directories when asked to).
pub fn open(start: &Path) -> Result<Repository, Error> {
    // git-outbound only reads objects, and reads each once: checking every object's SHA-1 on
    // the way (libgit2's default) costs a sixth of a history scan; git itself checks
    // objects when they arrive, not on every read.
    git2::opts::strict_hash_verification(false);
    bound_pack_windows();
    let from_env = ENV_VARS
        .iter()
        .any(|v| std::env::var_os(v).is_some_and(|s| !s.is_empty()));
    let repo = if from_env {
        Repository::open_from_env()
    } else {
        Repository::open_ext(
            start,
            RepositoryOpenFlags::empty(),
            std::iter::empty::<&Path>(),
        )
    };
    repo.map_err(|e| {
        Error::git(
            format!("'{}' is not in a git repository", start.display()),
            e,
        )
    })
}

/// libgit2 reads packs through memory maps ("windows") of 1 GiB each and keeps up to 8 GiB
/// of them mapped. Every page it touches stays resident while its window is mapped, so a
/// history scan, which reads nearly every object of the pack, would hold the whole pack in
/// its resident memory to the end. Small windows under a small limit bound that to
/// `PACK_MAPPED_LIMIT`; the bytes stay in the page cache, so a window mapped again costs a
/// system call and the page-table entries of what is read.
const PACK_WINDOW: usize = 8 << 20;
const PACK_MAPPED_LIMIT: usize = 64 << 20;

/// Sets libgit2's pack window size and mapped limit (see `PACK_WINDOW`).
#[allow(unsafe_code)]
fn bound_pack_windows() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    // SAFETY: these store two global sizes that libgit2 reads when it maps or unmaps a
    // window. They are stored once, when the first repository is opened, before any worker
    // thread uses libgit2. Failure leaves libgit2's defaults, which are correct, only larger.
    ONCE.call_once(|| unsafe {
        let _ = git2::opts::set_mwindow_size(PACK_WINDOW);
        let _ = git2::opts::set_mwindow_mapped_limit(PACK_MAPPED_LIMIT);
    });
}

/// Opens the repository at `git_dir` again (one per worker thread: a `Repository` is not
/// `Sync`).
pub fn reopen(git_dir: &Path) -> Result<Repository, Error> {
    let again = Repository::open(git_dir).map_err(|e| Error::git("reopening the repository", e))?;
    // The quarantine of pre-receive: new objects live in GIT_OBJECT_DIRECTORY until the hook
    // accepts them; the repository's own objects are an alternate.
    if let Some(dir) = std::env::var_os("GIT_OBJECT_DIRECTORY").filter(|d| !d.is_empty()) {
        let odb = again.odb()?;
        odb.add_disk_alternate(&PathBuf::from(dir).to_string_lossy())?;
    }
    Ok(again)
}

/// One value per worker thread of the rayon pool (a repository: `git2::Repository` may move
/// between threads but not be shared), made by the thread that first needs it. Each thread
/// locks only its own slot, so the lock is never waited on.
pub struct PerThread<T>(Vec<Mutex<Option<T>>>);

impl<T> Default for PerThread<T> {
    fn default() -> PerThread<T> {
        PerThread(
            (0..rayon::current_num_threads())
                .map(|_| Mutex::new(None))
                .collect(),
        )
    }
}

impl<T> PerThread<T> {
    /// The calling thread's slot, empty until it fills it.
    pub fn slot(&self) -> MutexGuard<'_, Option<T>> {
        let i = rayon::current_thread_index().unwrap_or(0) % self.0.len();
        self.0[i].lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// `repo`'s object database.
pub fn odb(repo: &Repository) -> Result<git2::Odb<'_>, Error> {
    repo.odb()
        .map_err(|e| Error::git("opening the object database", e))
}

/// Whether a hex id is git's all-zero "no object" id.
/// `f` run with libgit2's object cache off: for walks that read each object once, where the
/// cache would only hold every one of them (per repository) to the end of the run.
pub fn uncached<T>(f: impl FnOnce() -> T) -> T {
    git2::opts::enable_caching(false);
    let out = f();
    git2::opts::enable_caching(true);
    out
}

pub fn is_zero(id: &str) -> bool {
    !id.is_empty() && id.bytes().all(|b| b == b'0')
}

/// Reads a blob's bytes.
pub fn blob(repo: &Repository, id: Oid) -> Result<Vec<u8>, Error> {
    Ok(find_blob(repo, id)?.content().to_vec())
}

/// Looks a blob up. A loose object is inflated here first: the bundled libgit2 loops forever
/// on a truncated one. A blob missing from a partial clone gets an error that says so and
/// how to fetch it.
pub fn find_blob(repo: &Repository, id: Oid) -> Result<git2::Blob<'_>, Error> {
    check_loose(repo, id)?;
    repo.find_blob(id).map_err(|e| blob_error(repo, id, e))
}

fn blob_error(repo: &Repository, id: Oid, e: git2::Error) -> Error {
    match (e.code(), promisor(repo)) {
        (git2::ErrorCode::NotFound, Some(remote)) => Error::GitCommand {
            action: format!("reading blob {id}"),
            stderr: format!(
                "the blob is missing locally: this is a partial clone of '{remote}' (--filter) \
                 and the blob was never fetched. Fetch it with \
                 'git cat-file blob {id} >/dev/null' (git fetches a missing blob from '{remote}' \
                 when it reads it), then run again"
            ),
        },
        _ => Error::git(format!("reading blob {id}"), e),
    }
}

/// The remote a partial clone fetches missing objects from: `extensions.partialClone`, else
/// the first `remote.<name>.promisor = true`.
fn promisor(repo: &Repository) -> Option<String> {
    let config = repo.config().ok()?;
    if let Ok(remote) = config.get_string("extensions.partialclone") {
        return Some(remote);
    }
    let entries = config.entries(Some(r"remote\..*\.promisor")).ok()?;
    let mut found = None;
    entries
        .for_each(|e| {
            if found.is_none() && e.value().is_ok_and(|v| v.eq_ignore_ascii_case("true")) {
                found = e
                    .name()
                    .ok()
                    .and_then(|n| n.strip_prefix("remote."))
                    .and_then(|n| n.strip_suffix(".promisor"))
                    .map(str::to_string);
            }
        })
        .ok()?;
    found
}

/// The object folders of `repo`: the quarantine of pre-receive when the hook runs inside one,
/// then the repository's own (in the common git dir, which linked worktrees share).
pub fn object_dirs(repo: &Repository) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::env::var_os("GIT_OBJECT_DIRECTORY")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .into_iter()
        .collect();
    dirs.push(repo.commondir().join("objects"));
    dirs
}

/// When `id` is a loose object, inflates it and checks that it is whole: the zlib stream ends
/// and holds as many bytes as its header says. A truncated or corrupt loose object is an
/// error naming its file.
pub fn check_loose(repo: &Repository, id: Oid) -> Result<(), Error> {
    let hex = id.to_string();
    let Some(path) = object_dirs(repo)
        .into_iter()
        .map(|d| d.join(&hex[..2]).join(&hex[2..]))
        .find(|p| p.is_file())
    else {
        return Ok(());
    };
    let data = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
    let broken = |why: &str| Error::GitCommand {
        action: format!("reading object {id}"),
        stderr: format!(
            "the loose object '{}' is {why}; restore it from another clone (or remove it and \
             fetch again), and check the disk",
            path.display()
        ),
    };
    let mut z = flate2::Decompress::new(true);
    let mut out: Vec<u8> = Vec::with_capacity(data.len() * 4 + 64);
    loop {
        if out.len() == out.capacity() {
            out.reserve(out.capacity().max(4096));
        }
        let (before_in, before_out) = (z.total_in(), z.total_out());
        let at = usize::try_from(before_in)
            .unwrap_or(usize::MAX)
            .min(data.len());
        let status = z
            .decompress_vec(&data[at..], &mut out, flate2::FlushDecompress::None)
            .map_err(|_| broken("corrupt"))?;
        if status == flate2::Status::StreamEnd {
            break;
        }
        if z.total_in() == before_in && z.total_out() == before_out && out.len() < out.capacity() {
            return Err(broken("truncated"));
        }
    }
    let header_end = memchr::memchr(0, &out).ok_or_else(|| broken("corrupt (no header)"))?;
    let size: Option<usize> = std::str::from_utf8(&out[..header_end])
        .ok()
        .and_then(|h| h.split_once(' '))
        .and_then(|(_, n)| n.parse().ok());
    match size {
        Some(n) if n == out.len() - header_end - 1 => Ok(()),
        _ => Err(broken("truncated (shorter than its header says)")),
    }
}

/// The working directory, or the git dir of a bare repository.
pub fn root(repo: &Repository) -> PathBuf {
    repo.workdir()
        .map_or_else(|| repo.path().to_path_buf(), Path::to_path_buf)
}

/// A `remotes.internal` or `[[approval.standing]]` pattern: a glob matched, without regard
/// to case, against a normalised remote (`host/path`); a pattern with no `/` matches the host
/// alone.
#[derive(Debug, Clone)]
pub struct RemotePattern {
    glob: globset::GlobMatcher,
    host_only: bool,
}

impl RemotePattern {
    pub fn new(pattern: &str) -> Result<RemotePattern, globset::Error> {
        let glob = globset::GlobBuilder::new(pattern)
            .literal_separator(true)
            .case_insensitive(true)
            .build()?;
        Ok(RemotePattern {
            glob: glob.compile_matcher(),
            host_only: !pattern.contains('/'),
        })
    }

    pub fn matches(&self, normalised: &str) -> bool {
        let target = if self.host_only {
            normalised.split('/').next().unwrap_or(normalised)
        } else {
            normalised
        };
        self.glob.is_match(target)
    }
}

/// Normalises a remote URL to `host/path` (lower-case host, no user, port or `.git`); local
/// paths and `file://` URLs stay paths, and never look like `host/path`: git ignores the host
/// of a `file://` URL and writes to the local path (`file://git.acme-corp.com/tmp/x` is
/// `/tmp/x`), and a relative path is made to start with `./`, so that neither matches a
/// pattern naming a host.
pub fn normalise_remote(url: &str) -> String {
    let url = url.trim();
    if let Some(rest) = url.strip_prefix("file://") {
        let path = match rest.find('/') {
            Some(i) => &rest[i..],
            None => "/",
        };
        let path = path.trim_end_matches('/').trim_end_matches(".git");
        return if path.is_empty() {
            "/".into()
        } else {
            path.into()
        };
    }
    let (host, path) = if let Some((_, rest)) = url.split_once("://") {
        let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
        let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
        let host = if host.starts_with('[') {
            host.split_once(']')
                .map_or(host, |(h, _)| h)
                .trim_start_matches('[')
        } else {
            host.split(':').next().unwrap_or(host)
        };
        (host.to_string(), path.to_string())
    } else if let Some((authority, path)) = url
        .split_once(':')
        .filter(|(a, _)| !a.contains('/') && !a.is_empty())
    {
        // scp-like `user@host:path`
        let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
        (host.to_string(), path.to_string())
    } else {
        let path = url.trim_end_matches('/');
        return match path.starts_with('/') || path.starts_with("./") || path.starts_with("../") {
            true => path.to_string(),
            false => format!("./{path}"),
        };
    };
    let path = path
        .trim_matches('/')
        .trim_end_matches(".git")
        .trim_start_matches('~');
    if path.is_empty() {
        host.to_ascii_lowercase()
    } else {
        format!("{}/{}", host.to_ascii_lowercase(), path)
    }
}

/// `core.commentString` / `core.commentChar` (default `#`; `auto` is treated as `#`).
pub fn comment_prefix(config: &git2::Config) -> String {
    for key in ["core.commentString", "core.commentChar"] {
        if let Ok(v) = config.get_string(key) {
            if !v.is_empty() && v != "auto" {
                return v;
            }
        }
    }
    crate::message::DEFAULT_COMMENT.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remote_urls_normalise_to_host_and_path() {
        let cases = [
            (
                "git@github.com:Upstream/Project.git",
                "github.com/Upstream/Project",
            ),
            (
                "ssh://git@GitHub.com:22/upstream/project.git",
                "github.com/upstream/project",
            ),
            (
                "https://user:pw@github.com/upstream/project.git/",
                "github.com/upstream/project",
            ),
            (
                "https://git.acme-corp.com:8443/team/repo",
                "git.acme-corp.com/team/repo",
            ),
            ("/srv/git/project.git", "/srv/git/project.git"),
            ("file:///srv/git/project.git", "/srv/git/project"),
            ("file://git.acme-corp.com/srv/git/x.git", "/srv/git/x"),
            ("../other", "../other"),
            (
                "git.acme-corp.com/team/x.git",
                "./git.acme-corp.com/team/x.git",
            ),
        ];
        for (url, want) in cases {
            assert_eq!(normalise_remote(url), want, "{url}");
        }
    }

    #[test]
    fn zero_ids() {
        assert!(is_zero("0000000000000000000000000000000000000000"));
        assert!(!is_zero("0000000000000000000000000000000000000001"));
        assert!(!is_zero(""));
    }
}
