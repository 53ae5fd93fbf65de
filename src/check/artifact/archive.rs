//! Containers inside model files: PyTorch checkpoints (`archive/data.pkl`, `archive/version`,
//! `archive/data/0`...), TorchScript archives, NumPy `.npz` files, SageMaker `model.tar.gz`
//! bundles, joblib's compressed files and plain archives. `crate::container` opens them; every
//! member goes back through `scan.rs`, so pickles, arrays and nested containers inside are
//! checked too, within its limits on depth, member count and unpacked size. A container that
//! cannot be opened is reported, never passed.

use super::inspect::Scan;
use crate::container::{self, Kind, Visitor};
use crate::finding::Severity;

/// Opens the container `data` of `kind`, found at `place` under `name`, `depth` deep.
pub(crate) fn scan_container(
    scan: &mut Scan<'_>,
    place: &str,
    name: &str,
    data: &[u8],
    kind: Kind,
    depth: usize,
) {
    if depth >= container::MAX_DEPTH {
        let why = format!(
            "containers nested more than {} deep are not opened",
            container::MAX_DEPTH
        );
        scan.unopened(place, kind, why);
        return;
    }
    let budget = scan.budget.clone();
    let npz = super::extension(name) == "npz";
    let mut visitor = Members {
        scan,
        place,
        depth,
        torch_roots: Vec::new(),
        npz,
        tar: kind == Kind::Tar,
    };
    let result = container::open(kind, name, data, &budget, &mut visitor);
    if let Err(why) = result {
        scan.unopened(place, kind, why);
    }
}

struct Members<'s, 'a> {
    scan: &'s mut Scan<'a>,
    place: &'s str,
    depth: usize,
    /// Roots (`archive/`) of PyTorch checkpoints in this zip, whose `data/<n>` storages hold
    /// raw tensor bytes.
    torch_roots: Vec<String>,
    npz: bool,
    /// A tar archive, whose top-level `storages` and `tensors` are laid out as PyTorch's
    /// oldest checkpoints lay them out.
    tar: bool,
}

impl Visitor for Members<'_, '_> {
    fn listing(&mut self, names: &[String]) {
        if !self.npz {
            self.torch_roots = torch_roots(names);
        }
        self.scan.model |= !self.torch_roots.is_empty()
            || self.npz
            || names.iter().any(|n| n.ends_with("constants.pkl"));
    }

    fn wants(&mut self, name: &str) -> bool {
        !self
            .torch_roots
            .iter()
            .any(|root| is_storage(name.strip_prefix(root.as_str()).unwrap_or("")))
    }

    fn member(&mut self, name: &str, data: &[u8]) {
        let place = container::join(self.place, name);
        if self.tar && matches!(name, "storages" | "tensors") {
            self.scan
                .torch_legacy_member(&place, data, name == "storages");
            return;
        }
        self.scan
            .content(&place, name, data, data.len() as u64, self.depth + 1);
    }

    fn unreadable(&mut self, name: &str, why: String) {
        let place = container::join(self.place, name);
        self.scan.unopened_member(&place, why);
    }
}

/// The roots `<root>/` of the PyTorch checkpoints among zip member names (those holding a
/// `<root>/data.pkl`).
fn torch_roots(names: &[String]) -> Vec<String> {
    let mut roots: Vec<String> = names
        .iter()
        .filter_map(|n| n.strip_suffix("data.pkl"))
        .filter(|root| root.is_empty() || root.ends_with('/'))
        .map(str::to_string)
        .collect();
    roots.sort();
    roots.dedup();
    roots
}

/// `data/<number>` below a checkpoint root: a tensor storage, raw bytes no loader unpickles.
fn is_storage(rest: &str) -> bool {
    rest.strip_prefix("data/")
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

impl Scan<'_> {
    /// Reports a container that could not be opened, at the check's blocking severity (the
    /// policy's `artifact.severity` caps it).
    pub(crate) fn unopened(&mut self, place: &str, kind: Kind, why: String) {
        let message = format!(
            "`{place}` is a {} that was not opened ({why}), so what it holds was not checked",
            kind.name()
        );
        let help = "Unpack it and commit what it holds, or check it by hand; git-outbound cannot vouch for what it did not read.";
        self.report("unopened-container", Severity::Block, message, help);
    }

    /// Reports a container member that could not be read.
    pub(crate) fn unopened_member(&mut self, place: &str, why: String) {
        let message = format!("`{place}` was not read ({why}), so it was not checked");
        let help = "Unpack it and commit what it holds, or check it by hand; git-outbound cannot vouch for what it did not read.";
        self.report("unopened-container", Severity::Block, message, help);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn storages_are_recognised_below_a_checkpoint_root() {
        let names: Vec<String> = ["archive/data.pkl", "archive/data/0", "archive/version"]
            .map(String::from)
            .to_vec();
        assert_eq!(torch_roots(&names), ["archive/"]);
        assert!(is_storage("data/17"));
        assert!(!is_storage("data/0.pkl"));
        assert!(!is_storage("data/"));
        assert!(torch_roots(&["a.npy".to_string(), "xdata.pkl".to_string()]).is_empty());
    }
}
