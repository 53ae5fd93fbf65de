//! The `artifact` check: model files and datasets on their way out.
//!
//! - **Unsafe pickles.** Pickle data is recognised by content (a `PROTO` header, a zip, the NPY
//!   magic) and by name, wherever it hides: raw pickles, PyTorch zip and legacy checkpoints,
//!   NumPy object arrays, `.npz` and nested archives. Every pickle is walked statically
//!   (`pickle.rs`) and its imports decided by an allow-list (`imports.rs`).
//! - **Provenance.** Files over `max_file_size`, and model or data files without a license when
//!   the policy requires one (the caller says whether a `.license` sidecar or a REUSE.toml
//!   entry covers the file).
//! - **Personal data** in CSV, TSV, JSON Lines files and, under the policy's data paths, JSON
//!   and text files (`pii.rs`), streamed line by line.
//!
//! `.safetensors` headers are validated and accepted; ONNX, GGUF and the like are not pickles
//! and get the provenance checks only. Like every check this does no I/O of its own beyond the
//! reader it is handed, and never panics on any input.

mod allowed;
mod archive;
mod identifiers;
mod imports;
mod inspect;
mod numpy;
mod opcodes;
pub mod pickle;
mod pii;
mod safetensors;
mod walker;

use crate::finding::{Finding, Severity};
use globset::GlobSet;
use inspect::{Format, Scan};
use std::io::Read;

/// The `[artifact]` policy, validated.
#[derive(Debug, Clone)]
pub struct ArtifactOptions {
    /// Extra pickle imports to allow: `"module.Name"`, or `"module.*"` for a module and its
    /// submodules. Known-dangerous imports block even when listed.
    pub allow_globals: Vec<String>,
    /// Files larger than this are reported as `large-file`.
    pub max_file_size: u64,
    /// Severity of `large-file`; `Off` disables it.
    pub large_file_severity: Severity,
    /// Model and data files need a license (`.license` sidecar or REUSE.toml).
    pub require_license: bool,
    /// Globs (`/`-separated, relative) under which JSON and text files are datasets.
    pub data_paths: GlobSet,
    /// A data file with more personal-data hits than this blocks; up to it, it warns.
    pub pii_threshold: usize,
    /// Pickles, archives and arrays are read up to this many bytes (archives: decompressed).
    pub max_scan_size: u64,
}

impl Default for ArtifactOptions {
    fn default() -> ArtifactOptions {
        ArtifactOptions {
            allow_globals: Vec::new(),
            max_file_size: 50 * 1024 * 1024,
            large_file_severity: Severity::Warn,
            require_license: false,
            data_paths: GlobSet::empty(),
            pii_threshold: 0,
            max_scan_size: 512 * 1024 * 1024,
        }
    }
}

/// Model formats recognised by name (those with a pickle are also recognised by content).
const MODEL_EXTS: &[&str] = &[
    "pkl",
    "pickle",
    "joblib",
    "dill",
    "pt",
    "pth",
    "ckpt",
    "bin",
    "safetensors",
    "npy",
    "npz",
    "onnx",
    "gguf",
    "ggml",
    "tflite",
    "h5",
    "hdf5",
    "keras",
    "pb",
    "mlmodel",
    "pdparams",
    "msgpack",
    "llamafile",
];
/// Tabular data scanned for personal data anywhere in the tree.
const TABLE_EXTS: &[&str] = &["csv", "tsv", "jsonl", "ndjson"];
/// Text formats that are datasets only under `data_paths`.
const TEXT_EXTS: &[&str] = &["json", "txt"];
/// Binary dataset formats (provenance only).
const DATASET_EXTS: &[&str] = &["parquet", "arrow", "feather", "avro", "tfrecord", "orc"];
/// Head bytes read before deciding how to read the rest.
const HEAD: usize = 64 * 1024;
/// Chunk size for streaming personal-data scans.
const CHUNK: usize = 256 * 1024;

/// The lower-case extension of a `/`-separated path.
pub(crate) fn extension(path: &str) -> String {
    let file = path.rsplit('/').next().unwrap_or(path);
    file.rsplit_once('.')
        .map(|(_, ext)| ext.to_ascii_lowercase())
        .unwrap_or_default()
}

/// A cheap test on the name and the first bytes (16 are enough): whether the file may need
/// this check. Files larger than `max_file_size` need it too, whatever this says.
pub fn is_artifact(path: &str, head: &[u8]) -> bool {
    let ext = extension(path);
    let exts = [MODEL_EXTS, TABLE_EXTS, TEXT_EXTS, DATASET_EXTS];
    exts.iter().any(|list| list.contains(&ext.as_str()))
        || head.starts_with(b"GGUF")
        || !matches!(inspect::sniff(path, head, u64::MAX), Format::Other)
}

/// Checks a file held in memory. `path` is relative and `/`-separated; `has_license` says
/// whether a `.license` sidecar or a REUSE.toml annotation covers it.
pub fn check_file(
    path: &str,
    content: &[u8],
    has_license: bool,
    opts: &ArtifactOptions,
) -> Vec<Finding> {
    let len = content.len() as u64;
    if is_dataset_text(path, content, opts) {
        let mut scanner = pii::Scanner::new();
        scanner.feed(content);
        let mut findings = personal_data(path, scanner.finish(), opts);
        findings.extend(guessed_pickle(path, content, opts));
        findings.extend(provenance(path, len, true, has_license, opts));
        return findings;
    }
    analyse(path, content, len, has_license, opts)
}

/// Checks a file of `len` bytes read from `reader`. Text datasets are streamed in chunks;
/// safetensors files are read up to the end of their header; pickles and archives are read
/// whole up to `max_scan_size` (a longer pickle is checked up to there and reported).
pub fn check_reader(
    path: &str,
    reader: impl Read,
    len: u64,
    has_license: bool,
    opts: &ArtifactOptions,
) -> std::io::Result<Vec<Finding>> {
    let mut reader = reader.take(len);
    let mut data = Vec::new();
    (&mut reader).take(HEAD as u64).read_to_end(&mut data)?;
    if is_dataset_text(path, &data, opts) {
        let mut scanner = pii::Scanner::new();
        scanner.feed(&data);
        let mut chunk = vec![0; CHUNK];
        loop {
            let n = reader.read(&mut chunk)?;
            if n == 0 {
                break;
            }
            scanner.feed(&chunk[..n]);
        }
        let mut findings = personal_data(path, scanner.finish(), opts);
        findings.extend(guessed_pickle(path, &data, opts));
        findings.extend(provenance(path, len, true, has_license, opts));
        return Ok(findings);
    }
    let wanted = match inspect::sniff(path, &data, len) {
        Format::Other => 0,
        Format::Safetensors => {
            safetensors::header_len(&data, len).map_or(0, |n| n.saturating_add(8))
        }
        Format::Container(_) | Format::Npy | Format::Pickle(_) => {
            data.truncate(usize::try_from(opts.max_scan_size).unwrap_or(usize::MAX));
            opts.max_scan_size
        }
    };
    let more = wanted.saturating_sub(data.len() as u64);
    reader.take(more).read_to_end(&mut data)?;
    Ok(analyse(path, &data, len, has_license, opts))
}

/// A text dataset whose first bytes walk like a headerless pickle is checked as one too.
fn guessed_pickle(path: &str, head: &[u8], opts: &ArtifactOptions) -> Vec<Finding> {
    let mut scan = Scan::new(path, opts);
    if inspect::sniff(path, head, u64::MAX) == Format::Pickle(inspect::Mode::Guess) {
        scan.content(path, path, head, head.len() as u64, 0);
    }
    scan.findings
}

/// Whether the file is a text dataset to scan for personal data.
fn is_dataset_text(path: &str, head: &[u8], opts: &ArtifactOptions) -> bool {
    let ext = extension(path);
    // Text that merely walks like a headerless pickle is still text (it is checked as a
    // pickle as well, by `guessed_pickle`).
    let binary = !matches!(
        inspect::sniff(path, head, u64::MAX),
        Format::Other | Format::Pickle(inspect::Mode::Guess)
    );
    let listed = TABLE_EXTS.contains(&ext.as_str())
        || (TEXT_EXTS.contains(&ext.as_str()) && opts.data_paths.is_match(path));
    listed && !binary
}

/// Analyses a model or binary file: `data` holds the file or, when `total_len` is larger, the
/// part of it that was read.
fn analyse(
    path: &str,
    data: &[u8],
    total_len: u64,
    has_license: bool,
    opts: &ArtifactOptions,
) -> Vec<Finding> {
    let mut scan = Scan::new(path, opts);
    scan.content(path, path, data, total_len, 0);
    let ext = extension(path);
    let by_name =
        MODEL_EXTS.contains(&ext.as_str()) && ext != "bin" || DATASET_EXTS.contains(&ext.as_str());
    let model = scan.model || by_name || data.starts_with(b"GGUF");
    let mut findings = scan.findings;
    findings.extend(provenance(path, total_len, model, has_license, opts));
    findings
}

/// `large-file` and `unlicensed-model`.
fn provenance(
    path: &str,
    len: u64,
    model: bool,
    has_license: bool,
    opts: &ArtifactOptions,
) -> Vec<Finding> {
    let mut scan = Scan::new(path, opts);
    if len > opts.max_file_size && opts.large_file_severity != Severity::Off {
        let message = format!(
            "`{path}` is {len} bytes, over the {} byte limit",
            opts.max_file_size
        );
        let help = "Keep large files out of git: publish them as release assets or through Git LFS, or raise artifact.max_file_size.";
        scan.report("large-file", opts.large_file_severity, message, help);
    }
    if model && opts.require_license && !has_license {
        let message = format!(
            "`{path}` is a model or data file without a license, so its provenance is unknown"
        );
        let help = "Add a `<file>.license` sidecar with SPDX-License-Identifier and SPDX-FileCopyrightText lines, or an annotation in REUSE.toml.";
        scan.report("unlicensed-model", Severity::Block, message, help);
    }
    scan.findings
}

/// One `personal-data` finding per kind; blocking when the file holds more hits in total
/// than the threshold.
fn personal_data(path: &str, tallies: Vec<pii::Tally>, opts: &ArtifactOptions) -> Vec<Finding> {
    let total: usize = tallies.iter().map(|t| t.count).sum();
    let severity = if total > opts.pii_threshold {
        Severity::Block
    } else {
        Severity::Warn
    };
    let mut scan = Scan::new(path, opts);
    for tally in tallies {
        let (line, column) = tally.first;
        let message = format!(
            "`{path}` holds {} {} (e.g. {}), the first at line {line}",
            tally.count,
            tally.kind.noun(),
            tally.samples.join(", ")
        );
        let help = "Remove or anonymise the personal data (synthetic values, hashing), or raise artifact.pii_threshold if it is public by design.";
        let finding = scan.report("personal-data", severity, message, help);
        finding.line = Some(line);
        finding.column = Some(column);
        finding.value = Some(tally.kind.id().to_string());
    }
    scan.findings
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod heldout;
