//! Code the destination already has is no finding: a copy of code that is public there leaks
//! nothing. After a push's `ip-overlap` check, the trees that the destination's refs point at
//! (a client's tracking refs of the remote, a server's own refs) are fingerprinted, and the
//! matched fingerprints found there are handed to `check::ip_overlap::drop_public`. This reads
//! the destination only when there is a finding to question.

use std::collections::HashSet;

use git2::{Oid, Repository};

use super::{Indexes, Params, Scratch, grams};

/// The fingerprints of `wanted` (keyed, as findings carry them) that occur in the files of
/// the trees of `tips`, fingerprinted with the parameters of every index.
pub fn present(
    repo: &Repository,
    tips: &[Oid],
    wanted: &HashSet<u64>,
    indexes: &Indexes,
) -> HashSet<u64> {
    let mut found = HashSet::new();
    if wanted.is_empty() {
        return found;
    }
    let mut params: Vec<Params> = Vec::new();
    for p in indexes.list.iter().map(|i| i.params()) {
        if !params.contains(&p) {
            params.push(p);
        }
    }
    let mut seen = HashSet::new();
    let (mut scratch, mut out) = (Scratch::default(), Vec::new());
    for tip in tips {
        let Ok(tree) = repo.find_commit(*tip).and_then(|c| c.tree()) else {
            continue;
        };
        let _ = tree.walk(git2::TreeWalkMode::PreOrder, |dir, entry| {
            if entry.kind() != Some(git2::ObjectType::Blob) || !seen.insert(entry.id()) {
                return git2::TreeWalkResult::Ok;
            }
            let Ok(blob) = repo.find_blob(entry.id()) else {
                return git2::TreeWalkResult::Ok;
            };
            if crate::check::looks_binary(blob.content()) {
                return git2::TreeWalkResult::Ok;
            }
            let path = format!("{dir}{}", entry.name().unwrap_or(""));
            for p in &params {
                grams(&path, blob.content(), *p, &mut scratch, &mut out);
                found.extend(
                    out.iter()
                        .map(|g| indexes.keyer.key(g.hash))
                        .filter(|h| wanted.contains(h)),
                );
            }
            match found.len() == wanted.len() {
                true => git2::TreeWalkResult::Abort,
                false => git2::TreeWalkResult::Ok,
            }
        });
    }
    found
}
