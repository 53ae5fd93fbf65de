//! Content analysis of one file or archive member: decide what the bytes are (pickle, PyTorch
//! zip, NumPy array, safetensors, something else) by content first and by name second, walk
//! every pickle and turn its imports into findings. Containers recurse through `archive.rs`.

use super::imports::{self, Verdict};
use super::pickle::{self, Target};
use super::{ArtifactOptions, extension, numpy, safetensors};
use crate::container::{self, Budget, Kind};
use crate::finding::{Check, Finding, Severity};
use std::collections::BTreeSet;
use std::rc::Rc;

/// Unknown imports named in one finding; the rest are counted.
const MAX_NAMED: usize = 10;
/// Bytes of an unrecognised file walked to see whether it is a pickle without a header.
const GUESS_BYTES: usize = 64 * 1024;

const PICKLE_EXTS: &[&str] = &["pkl", "pickle", "joblib", "dill"];
/// Extensions that may hold a pickle without a protocol header (protocol 0/1, legacy PyTorch,
/// scikit-learn and joblib files under the names people give them).
const MAYBE_PICKLE_EXTS: &[&str] = &[
    "pt", "pth", "ckpt", "bin", "dat", "data", "model", "sav", "p", "pck", "pcl", "mdl", "weights",
    "pdparams", "th",
];

/// How sure the content is a pickle, which decides how failures are reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Named as a pickle: every import counts, a parse failure blocks.
    Strict,
    /// Starts with a pickle header under another name: every import counts, failure warns.
    Sniffed,
    /// Named like a file that may be a protocol 0/1 pickle: imports that could have run count,
    /// failure is not reported, so that arbitrary binary data is not mistaken for a pickle.
    Lenient,
    /// Any other content whose first bytes walk like a pickle with an import: dangerous
    /// imports count, other imports only when the whole pickle parses.
    Guess,
}

/// What a file or member holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    Container(Kind),
    Npy,
    Pickle(Mode),
    Safetensors,
    Other,
}

/// Decides the format from the first bytes, the name and the total length.
pub(crate) fn sniff(name: &str, head: &[u8], total_len: u64) -> Format {
    let ext = extension(name);
    if let Some(kind) = container::sniff(name, head) {
        Format::Container(kind)
    } else if numpy::has_npy_magic(head) {
        Format::Npy
    } else if pickle::has_pickle_header(head) {
        let named =
            PICKLE_EXTS.contains(&ext.as_str()) || MAYBE_PICKLE_EXTS.contains(&ext.as_str());
        Format::Pickle(if named { Mode::Strict } else { Mode::Sniffed })
    } else if PICKLE_EXTS.contains(&ext.as_str()) {
        Format::Pickle(Mode::Strict)
    } else if ext == "safetensors" || safetensors::looks_like(head, total_len) {
        Format::Safetensors
    } else if MAYBE_PICKLE_EXTS.contains(&ext.as_str()) && !head.is_empty() {
        Format::Pickle(Mode::Lenient)
    } else if walks_like_a_pickle(head) {
        Format::Pickle(Mode::Guess)
    } else {
        Format::Other
    }
}

/// Whether the first bytes walk like a pickle (of protocol 0 or 1, which has no header) that
/// imports something by a name Python could import.
fn walks_like_a_pickle(head: &[u8]) -> bool {
    let head = &head[..head.len().min(GUESS_BYTES)];
    if head
        .first()
        .is_none_or(|&b| super::opcodes::info(b).is_none())
    {
        return false;
    }
    pickle::walk(head).imports.iter().any(|i| match &i.target {
        Target::Global { module, name } => {
            pickle::is_identifier_path(module) && pickle::is_identifier_path(name)
        }
        Target::Unresolved(_) => false,
    })
}

/// Walks a legacy PyTorch `storages` member (a count, then per storage a pickled
/// `(key, location, storage_type)`, an 8-byte element count and the raw elements, then the
/// pickled views) or `tensors` member (a count, then per tensor a pickled key and 16 + 16 ×
/// ndim raw bytes), collecting every walk.
fn legacy_layout(data: &[u8], storages: bool, walks: &mut Vec<pickle::Walk>) -> Result<(), String> {
    let mut pos = 0usize;
    let next = |pos: &mut usize, walks: &mut Vec<pickle::Walk>| -> Result<usize, String> {
        let rest = data.get(*pos..).unwrap_or_default();
        let mut walk = pickle::walk(rest);
        for import in &mut walk.imports {
            import.offset += *pos;
        }
        let start = *pos;
        *pos += walk.end;
        let failed = walk.error.clone();
        walks.push(walk);
        match failed {
            Some(e) => Err(format!("{} at byte {}", e.message, e.offset + start)),
            None => Ok(walks.len() - 1),
        }
    };
    let count = next(&mut pos, walks)?;
    let count = walks[count]
        .int_result
        .and_then(|n| usize::try_from(n).ok())
        .ok_or("the count of a legacy checkpoint member is not a number")?;
    let raw = |pos: &mut usize, n: u64| -> Result<(), String> {
        let end = usize::try_from(n)
            .ok()
            .and_then(|n| pos.checked_add(n))
            .filter(|&end| end <= data.len())
            .ok_or("raw tensor bytes run past the end")?;
        *pos = end;
        Ok(())
    };
    let read_u64 = |pos: &mut usize| -> Result<u64, String> {
        let bytes = data
            .get(*pos..*pos + 8)
            .ok_or("raw tensor bytes run past the end")?;
        *pos += 8;
        Ok(super::walker::le_u64(bytes))
    };
    for _ in 0..count.min(1_000_000) {
        let index = next(&mut pos, walks)?;
        if storages {
            let size =
                legacy_element_size(&walks[index]).ok_or("a legacy storage of unknown type")?;
            let elements = read_u64(&mut pos)?;
            raw(
                &mut pos,
                elements.checked_mul(size).ok_or("storage too large")?,
            )?;
        } else {
            let ndim = data
                .get(pos..pos + 4)
                .ok_or("raw tensor bytes run past the end")?;
            let ndim = u64::from(u32::from_le_bytes([ndim[0], ndim[1], ndim[2], ndim[3]]));
            raw(&mut pos, 8 + 16 * ndim + 8)?;
        }
    }
    if storages {
        next(&mut pos, walks)?;
    }
    Ok(())
}

/// Bytes per element of the storage type a legacy `(key, location, storage_type)` names.
fn legacy_element_size(walk: &pickle::Walk) -> Option<u64> {
    let Some(Target::Global { module, name }) = walk.imports.last().map(|i| &i.target) else {
        return None;
    };
    if module != "torch" {
        return None;
    }
    Some(match name.strip_suffix("Storage")? {
        "Double" | "Long" | "ComplexFloat" => 8,
        "Float" | "Int" | "QInt32" => 4,
        "Half" | "BFloat16" | "Short" => 2,
        "Char" | "Byte" | "Bool" | "QInt8" | "QUInt8" | "QUInt4x2" | "QUInt2x4" => 1,
        "ComplexDouble" => 16,
        _ => return None,
    })
}

/// The state of the analysis of one top-level file.
pub(crate) struct Scan<'a> {
    pub path: &'a str,
    pub opts: &'a ArtifactOptions,
    pub findings: Vec<Finding>,
    /// Set when model content (pickle, array, safetensors, checkpoint) was recognised.
    pub model: bool,
    /// Decompressed bytes that container members may still take.
    pub budget: Rc<Budget>,
}

impl<'a> Scan<'a> {
    /// Starts the analysis of the file at `path`.
    pub fn new(path: &'a str, opts: &'a ArtifactOptions) -> Scan<'a> {
        Scan {
            path,
            opts,
            findings: Vec::new(),
            model: false,
            budget: Rc::new(Budget::new(opts.max_scan_size)),
        }
    }

    /// Adds a finding about this file and returns it for the caller to refine.
    pub fn report(
        &mut self,
        rule: &str,
        severity: Severity,
        message: String,
        help: &str,
    ) -> &mut Finding {
        let mut finding = Finding::new(Check::Artifact, rule, severity, message);
        finding.path = Some(self.path.to_string());
        finding.help = help.to_string();
        self.findings.push(finding);
        let last = self.findings.len() - 1;
        &mut self.findings[last]
    }

    /// Notes that part of the file could not be checked.
    pub fn unscanned(&mut self, place: &str, why: String) {
        let help = "Check the file by hand or keep it out of the repository; git-outbound cannot vouch for it.";
        self.report(
            "unscanned-artifact",
            Severity::Warn,
            format!("`{place}` was not checked: {why}"),
            help,
        );
    }

    /// Analyses `data` (all of it, or a prefix when `total_len` is larger), found at `place`
    /// (`path` or `path!member`) under `name`, `depth` containers deep.
    pub fn content(&mut self, place: &str, name: &str, data: &[u8], total_len: u64, depth: usize) {
        let format = sniff(name, data, total_len);
        let truncated = (data.len() as u64) < total_len;
        match format {
            Format::Container(kind) if truncated => {
                let why = format!(
                    "containers over {} bytes are not opened",
                    self.opts.max_scan_size
                );
                self.unopened(place, kind, why);
            }
            Format::Container(kind) => {
                super::archive::scan_container(self, place, name, data, kind, depth)
            }
            Format::Npy => self.npy(place, data),
            Format::Pickle(mode) => self.pickle(place, data, mode),
            Format::Safetensors => self.safetensors(place, data, total_len),
            Format::Other => {}
        }
        if truncated && matches!(format, Format::Pickle(_)) {
            self.unscanned(
                place,
                format!("only the first {} bytes were checked", data.len()),
            );
        }
    }

    fn npy(&mut self, place: &str, data: &[u8]) {
        self.model = true;
        match numpy::parse(data) {
            Ok(numpy::Npy::Plain) => {}
            Ok(numpy::Npy::Object { pickle }) => {
                self.pickle(&format!("{place} (object array)"), pickle, Mode::Strict)
            }
            Ok(numpy::Npy::Unknown { pickle }) => {
                self.pickle(&format!("{place} (array)"), pickle, Mode::Sniffed)
            }
            Err(e) => {
                let help = "Regenerate the array with numpy.save; a file numpy cannot read is of no use to anyone.";
                self.report(
                    "malformed-artifact",
                    Severity::Warn,
                    format!("`{place}` is not a valid .npy file: {e}"),
                    help,
                );
            }
        }
    }

    fn safetensors(&mut self, place: &str, data: &[u8], total_len: u64) {
        self.model = true;
        // A file can satisfy the safetensors header checks and still be a pickle that
        // `torch.load` or `pickle.load` would run: walk it as one too.
        self.pickle(place, data, Mode::Guess);
        if let Err(e) = safetensors::validate(data, total_len) {
            let help = "Re-export the tensors with safetensors' save_file; loaders will reject this header.";
            self.report(
                "invalid-safetensors",
                Severity::Warn,
                format!("`{place}` has an invalid safetensors header: {e}"),
                help,
            );
        }
    }

    fn pickle(&mut self, place: &str, data: &[u8], mode: Mode) {
        let walks = pickle::walk_all(data);
        self.judge(place, &walks, mode);
    }

    /// The `storages` or `tensors` member of a legacy PyTorch tar checkpoint: pickles with raw
    /// bytes between them, laid out as `torch.serialization._legacy_load` reads them. Each
    /// pickle is walked; a layout that does not add up is reported as malformed.
    pub(crate) fn torch_legacy_member(&mut self, place: &str, data: &[u8], storages: bool) {
        self.model = true;
        let mut walks = Vec::new();
        let result = legacy_layout(data, storages, &mut walks);
        self.judge(place, &walks, Mode::Sniffed);
        if let Err(why) = result {
            self.malformed(place, why, Severity::Block);
        }
    }

    /// Turns the imports of walked pickles into findings.
    fn judge(&mut self, place: &str, walks: &[pickle::Walk], mode: Mode) {
        let first_ok = walks.first().is_some_and(|w| w.error.is_none());
        if matches!(mode, Mode::Strict | Mode::Sniffed) || first_ok {
            self.model = true;
        }
        let mut unknown = BTreeSet::new();
        let mut dangerous = BTreeSet::new();
        for walk in walks {
            let complete = walk.error.is_none();
            for import in &walk.imports {
                let (label, verdict, importable) = match &import.target {
                    Target::Global { module, name } => (
                        format!("{module}.{name}"),
                        imports::classify(module, name, &self.opts.allow_globals),
                        pickle::is_identifier_path(module) && pickle::is_identifier_path(name),
                    ),
                    Target::Unresolved(why) => (
                        format!("<{why}>"),
                        Verdict::Dangerous("cannot be known without running the pickle"),
                        true,
                    ),
                };
                // In a pickle that fails, what was imported before the failure ran; an
                // import of a name Python cannot import fails itself.
                if !(complete || importable) {
                    continue;
                }
                match verdict {
                    Verdict::Dangerous(reason) if dangerous.insert(label.clone()) => {
                        self.dangerous(place, &label, reason, import.opcode, import.offset);
                    }
                    Verdict::Unknown if mode != Mode::Guess || complete => {
                        unknown.insert(label);
                    }
                    _ => {}
                }
            }
        }
        if !unknown.is_empty() {
            self.unknown(place, &unknown);
        }
        match (walks.first(), mode) {
            (None, Mode::Strict) => {
                self.malformed(place, "the file is empty".into(), Severity::Block)
            }
            (Some(w), Mode::Strict | Mode::Sniffed) => {
                if let Some(e) = &w.error {
                    let severity = if mode == Mode::Strict {
                        Severity::Block
                    } else {
                        Severity::Warn
                    };
                    self.malformed(
                        place,
                        format!("{} at byte {}", e.message, e.offset),
                        severity,
                    );
                }
            }
            _ => {}
        }
    }

    fn dangerous(&mut self, place: &str, label: &str, reason: &str, opcode: &str, offset: usize) {
        let message = format!(
            "`{place}` is a pickle that imports `{label}` ({opcode} at byte {offset}), which {reason}: loading the file runs it"
        );
        let help = "Do not publish this file. Re-export the weights as safetensors (safetensors.torch.save_file) or plain arrays (numpy.save with allow_pickle=False).";
        let finding = self.report("unsafe-pickle", Severity::Block, message, help);
        finding.value = Some(format!("{place}:{label}"));
    }

    fn unknown(&mut self, place: &str, labels: &BTreeSet<String>) {
        let named: Vec<&str> = labels.iter().take(MAX_NAMED).map(String::as_str).collect();
        let more = labels.len().saturating_sub(MAX_NAMED);
        let tail = if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        };
        let message = format!(
            "`{place}` is a pickle that imports `{}`{tail}, which the policy does not allow (`artifact.allow_globals`): loading the file runs their code",
            named.join("`, `")
        );
        let help = "Convert the file to safetensors or another format without code. If these classes are trusted, list them exactly in the policy: [artifact] allow_globals = [\"module.Name\"]; classes of `__main__` belong in a module of their own first.";
        let finding = self.report("unknown-pickle-import", Severity::Block, message, help);
        finding.value = Some(format!("{place}:{}", named.join(",")));
    }

    fn malformed(&mut self, place: &str, why: String, severity: Severity) {
        let message = format!(
            "`{place}` looks like a pickle but cannot be parsed ({why}), so it cannot be checked"
        );
        let help = "Regenerate the file or convert it to safetensors; if it is not a pickle, give it a name that does not claim one.";
        self.report("malformed-pickle", severity, message, help);
    }
}
