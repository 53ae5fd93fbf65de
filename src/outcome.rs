//! What a run found, between the engine and the reports: findings, exempted findings, files
//! not read, per-item errors and warnings, with the counts of the summary, and the exit code
//! they make.

use crate::exit;
use crate::finding::{self, Finding, Severity};

/// A finding that an exception let through, with the reason.
#[derive(Debug, Clone)]
pub struct Allowed {
    pub finding: Finding,
    pub reason: String,
}

/// A file that was not checked, and why.
#[derive(Debug, Clone)]
pub struct Skipped {
    pub path: String,
    pub reason: String,
}

/// What a run found.
#[derive(Debug, Default)]
pub struct Outcome {
    pub findings: Vec<Finding>,
    pub allowed: Vec<Allowed>,
    pub skipped: Vec<Skipped>,
    /// Per-item problems (unreadable files): the run goes on, the exit code becomes 2.
    pub errors: Vec<String>,
    /// Things worth saying that do not change the exit code.
    pub warnings: Vec<String>,
    pub files: usize,
    pub commits: usize,
    pub bytes: u64,
}

impl Outcome {
    pub fn blocking(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == Severity::Block)
            .count()
    }

    /// Adds what a second run with the same policy, over other items, found. Its warnings are
    /// left out: they repeat this run's policy warnings, and an allow entry unused there may
    /// have been used here.
    pub fn absorb(&mut self, other: Outcome) {
        self.findings.extend(other.findings);
        finding::sort(&mut self.findings);
        self.allowed.extend(other.allowed);
        self.skipped.extend(other.skipped);
        self.errors.extend(other.errors);
        self.files += other.files;
        self.commits += other.commits;
        self.bytes += other.bytes;
    }
}

/// 2 when something could not be read, 1 when something blocks, else 0.
pub fn exit_code(o: &Outcome) -> u8 {
    if !o.errors.is_empty() {
        exit::ERROR
    } else if o.blocking() > 0 {
        exit::BLOCKED
    } else {
        exit::OK
    }
}
