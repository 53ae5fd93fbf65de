//! The policy file as written: every field optional, unknown keys rejected, values checked
//! while they are read so that serde's error carries the line. Layers merge into one of these;
//! `mod.rs` then turns it into the validated `Policy`.

use serde::{Deserialize, Deserializer};

use crate::check::internal_url::Network;
use crate::finding::Severity;
use crate::glob::path_glob;
use crate::rules::RuleFile;

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyFile {
    pub org: Option<OrgFile>,
    pub remotes: Option<RemotesFile>,
    pub scan: Option<ScanFile>,
    pub secrets: Option<SecretsFile>,
    pub internal_url: Option<InternalUrlFile>,
    pub spdx: Option<SpdxFile>,
    pub dco: Option<DcoFile>,
    pub approval: Option<ApprovalFile>,
    pub artifact: Option<ArtifactFile>,
    pub hooks: Option<HooksFile>,
    pub lfs: Option<LfsFile>,
    pub ip_overlap: Option<IpOverlapFile>,
    pub lock: Option<LockFile>,
    /// A baseline file: findings whose fingerprint it lists are not reported.
    pub baseline: Option<String>,
}

/// `[ip_overlap]`: fingerprint indexes of internal code (`git outbound fingerprint build`).
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IpOverlapFile {
    /// Index files, relative to the policy file that names them.
    pub indexes: Option<Vec<String>>,
    /// Default "warn" once an index is set.
    pub severity: Option<Severity>,
}

/// `[lfs]`: what to do with git LFS objects.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LfsFile {
    /// Severity of an LFS object that is not available to check (`"block"` or `"warn"`).
    pub missing: Option<Severity>,
    /// A server's LFS store, for pre-receive (relative to the policy file).
    pub store: Option<String>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrgFile {
    pub name: Option<String>,
    pub domains: Option<Vec<String>>,
    /// Address ranges that are the org's own (`10.20.0.0/16`, `fd12:3456::/48`).
    pub networks: Option<Vec<Network>>,
    pub email_domains: Option<Vec<String>>,
    pub public_hosts: Option<Vec<String>>,
    pub bucket_prefixes: Option<Vec<String>>,
    pub confidential_terms_file: Option<String>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RemotesFile {
    pub internal: Option<Vec<Glob>>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScanFile {
    /// Files larger than this (bytes) are reported as not scanned.
    pub max_file_size: Option<u64>,
    /// Paths never scanned (globs relative to the root).
    pub exclude: Option<Vec<Glob>>,
    /// How many layers of encoding (base64, hex, escapes...) are undone; 0 decodes nothing.
    pub decode_depth: Option<usize>,
    /// How many archives deep members are opened; 0 opens none.
    pub archive_depth: Option<usize>,
    /// What a hook does with a file it did not read (above `max_file_size`).
    pub oversize: Option<Oversize>,
}

/// `scan.oversize`: a hook names every file it did not read, and warns or refuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Oversize {
    Warn,
    Block,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecretsFile {
    pub severity: Option<Severity>,
    pub allow: Option<Vec<AllowFile>>,
    /// Extra rules, in the rule-pack format.
    pub rules: Option<Vec<RuleFile>>,
    /// Built-in rule ids switched off.
    pub disable: Option<Vec<String>>,
    /// The key of fingerprints (HMAC-SHA-256); org policy only.
    pub fingerprint_key: Option<String>,
}

/// An exception, with the reason a reviewer will read.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AllowFile {
    pub path: Option<Glob>,
    /// A rule id (`github-pat`) or a finding code (`internal-url/private-ip`).
    pub rule: Option<String>,
    pub fingerprint: Option<String>,
    pub reason: String,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InternalUrlFile {
    pub severity: Option<Severity>,
    /// Hosts that are internal-looking but fine to name (added to `org.public_hosts`).
    pub allow_hosts: Option<Vec<String>>,
    /// Check private IP addresses (default true).
    pub private_ips: Option<bool>,
    /// Internal-only suffixes (default `.corp .internal .intranet .lan .local .home.arpa`).
    pub suffixes: Option<Vec<String>>,
    /// Severity of the weaker evidence found in host position without an org setting:
    /// `.local` (mDNS) names and private, link-local or unique-local addresses (default warn).
    pub local_severity: Option<Severity>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpdxFile {
    pub require: Option<bool>,
    pub severity: Option<Severity>,
    pub allow: Option<Vec<String>>,
    pub deny: Option<Vec<String>>,
    pub classes: Option<Vec<LicenseClassFile>>,
    pub require_binary: Option<bool>,
    pub default_license: Option<String>,
    pub copyright: Option<String>,
    /// What a deprecated id (`GPL-2.0`) does: warn (the default) or block.
    pub deprecated: Option<DeprecatedMode>,
}

/// `spdx.deprecated`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DeprecatedMode {
    Warn,
    Block,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LicenseClassFile {
    pub name: String,
    pub paths: Vec<Glob>,
    pub allow: Vec<String>,
}

/// Where DCO sign-offs are required.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DcoRequire {
    Always,
    External,
    Never,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DcoFile {
    pub require: Option<DcoRequire>,
    pub severity: Option<Severity>,
    pub check_merges: Option<bool>,
    pub bots: Option<Vec<String>>,
    pub require_author: Option<bool>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApprovalFile {
    pub significant_lines: Option<u64>,
    pub restricted_paths: Option<Vec<Glob>>,
    pub new_publication: Option<bool>,
    pub corporate_identity: Option<bool>,
    pub ip_overlap: Option<bool>,
    pub contact: Option<String>,
    pub allowed_signers: Option<String>,
    pub namespace: Option<String>,
    pub standing: Option<Vec<StandingFile>>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StandingFile {
    pub remote: Glob,
    pub max_lines: Option<u64>,
    pub expires: Date,
    pub reason: String,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArtifactFile {
    pub severity: Option<Severity>,
    pub allow_globals: Option<Vec<String>>,
    pub max_file_size: Option<u64>,
    pub large_file_severity: Option<Severity>,
    pub require_license: Option<bool>,
    pub data_paths: Option<Vec<Glob>>,
    pub pii_threshold: Option<usize>,
    pub phone_regions: Option<Vec<String>>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HooksFile {
    /// pre-receive: seconds before the hook gives up (and refuses, failing closed).
    pub time_budget: Option<u64>,
    /// pre-receive: whether `git push -o outbound.bypass="reason"` lets a push through.
    pub allow_push_option_bypass: Option<bool>,
    /// Client hooks: whether `OUTBOUND_SKIP` with `OUTBOUND_REASON` is honoured.
    pub allow_skip: Option<bool>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LockFile {
    pub keys: Option<Vec<String>>,
    /// Whether a repository's `.outbound.toml` may add exceptions (`[[secrets.allow]]`, a
    /// baseline). Unset: yes, unless a check's severity is locked.
    pub allow_repository_exceptions: Option<bool>,
}

/// A glob, checked when read.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Glob(pub String);

impl<'de> Deserialize<'de> for Glob {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Glob, D::Error> {
        let s = String::deserialize(d)?;
        path_glob(&s)
            .map_err(|e| serde::de::Error::custom(format!("bad glob '{s}': {}", e.kind())))?;
        Ok(Glob(s))
    }
}

/// A `YYYY-MM-DD` date, checked when read (a TOML date or a string).
#[derive(Debug, Default, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date(pub String);

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Date, D::Error> {
        let v = toml::Value::deserialize(d)?;
        let s = match v {
            toml::Value::String(s) => s,
            toml::Value::Datetime(dt) => dt.to_string(),
            other => {
                return Err(serde::de::Error::custom(format!(
                    "expected a date YYYY-MM-DD, found {}",
                    other.type_str()
                )));
            }
        };
        let ok = s.len() == 10
            && s.bytes().enumerate().all(|(i, b)| {
                if i == 4 || i == 7 {
                    b == b'-'
                } else {
                    b.is_ascii_digit()
                }
            });
        if !ok {
            return Err(serde::de::Error::custom(format!(
                "expected a date YYYY-MM-DD, found '{s}'"
            )));
        }
        Ok(Date(s))
    }
}
