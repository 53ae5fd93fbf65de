//! Layered policy: built-in defaults, the org policy, the repository's `.outbound.toml`, then
//! command-line flags. Later layers win unless an earlier layer locks a key. Every layer is
//! validated on its own (so errors name its file and line), then the layers merge as TOML
//! tables, then one step builds the `Policy` the checks use.

pub mod file;
pub mod render;

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::{Path, PathBuf};

use globset::GlobMatcher;

pub use file::{DcoRequire, PolicyFile};

use crate::check::internal_url::{InternalUrlOptions, Terms};
use crate::error::Error;
use crate::finding::{Check, Finding, Severity};
use crate::rules::{self, Rule, RuleSet};

const DEFAULTS: &str = include_str!("defaults.toml");
const SYSTEM_POLICY: &str = "/etc/git-outbound/policy.toml";

/// Keys whose values are paths, resolved against the directory of the file that sets them.
const PATH_KEYS: &[(&str, &str)] = &[
    ("org", "confidential_terms_file"),
    ("approval", "allowed_signers"),
    ("", "baseline"),
    ("lfs", "store"),
];

/// Where to look for policy layers.
#[derive(Debug, Default, Clone)]
pub struct Sources {
    /// `--policy FILE`.
    pub explicit: Option<PathBuf>,
    /// `git config outbound.policy`, read by the caller from the repository or server.
    pub git_config: Option<String>,
    /// Directory holding the repository's `.outbound.toml`; `None` at pre-receive.
    pub repo_dir: Option<PathBuf>,
    /// `--baseline FILE`: replaces a `baseline` key of the policy files.
    pub baseline: Option<PathBuf>,
}

/// Who wrote a layer: the org's layers may lock keys and decide what the repository's may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LayerKind {
    /// The built-in defaults, the org policy, or a policy given with `--policy`.
    Org,
    /// The repository's own `.outbound.toml`, written by whoever pushes.
    Repository,
}

/// Keys only the org's layers set: which remotes are internal and the standing approvals
/// decide whether the approval gate applies at all, so a repository cannot grant them to
/// itself. `lock.allow_repository_exceptions` is the org's to give.
const ORG_ONLY: &[&str] = &[
    "remotes",
    "approval.standing",
    "lock.allow_repository_exceptions",
];

/// Locking a check's severity locks what would switch the check off by other means: its
/// rules and options, and which files are read at all. A lock protects the effect, not the
/// key's name.
const WEAKENS: &[(&str, &[&str])] = &[
    ("secrets.severity", &["secrets.disable", "scan"]),
    ("internal_url.severity", &["internal_url", "org", "scan"]),
    ("spdx.severity", &["spdx", "scan"]),
    ("artifact.severity", &["artifact", "scan"]),
    ("dco.severity", &["dco"]),
];

/// Keys that exempt findings (`[[secrets.allow]]` entries, a baseline of fingerprints): a
/// repository layer may set them only when the org allows repository exceptions.
const EXCEPTIONS: &[&str] = &["secrets.allow", "baseline"];

/// A parsed layer: its name (for origins), its table and its own compiled rules.
struct Layer {
    name: String,
    kind: LayerKind,
    table: toml::Table,
    /// `[[secrets.rules]]` of this layer, compiled where the layer's text gives their lines.
    rules: Vec<Rule>,
}

/// An exception from `[[secrets.allow]]`.
#[derive(Debug, Clone)]
pub struct Allow {
    pub path: Option<GlobMatcher>,
    pub rule: Option<String>,
    pub fingerprint: Option<String>,
    pub reason: String,
    /// Where it was written, for the "never matched" warning.
    pub describe: String,
}

impl Allow {
    /// Whether this entry exempts `f`.
    pub fn matches(&self, f: &Finding) -> bool {
        let path_ok = match (&self.path, &f.path) {
            (Some(g), Some(p)) => g.is_match(p),
            (Some(_), None) => false,
            (None, _) => true,
        };
        let rule_ok = self
            .rule
            .as_ref()
            .is_none_or(|r| *r == f.rule || *r == f.code() || *r == f.check.name());
        let fp_ok = self
            .fingerprint
            .as_ref()
            .is_none_or(|fp| *fp == f.fingerprint());
        path_ok && rule_ok && fp_ok
    }
}

/// `[hooks]`, validated.
#[derive(Debug, Clone)]
pub struct HooksOptions {
    /// Seconds before a hook gives up (and refuses, failing closed).
    pub time_budget: u64,
    /// pre-receive: whether `git push -o outbound.bypass="reason"` lets a push through.
    pub allow_push_option_bypass: bool,
    /// Client hooks: whether `OUTBOUND_SKIP` with `OUTBOUND_REASON` is honoured.
    pub allow_skip: bool,
}

/// What `fix spdx` writes: `spdx.default_license` and `spdx.copyright`.
#[derive(Debug, Clone, Default)]
pub struct SpdxFixOptions {
    pub default_license: Option<String>,
    pub copyright: Option<String>,
}

/// `[scan]`: how much of a file is read, and what a hook does with the rest.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    /// `scan.max_file_size`, bytes (10 MB unless set).
    pub max_file_size: u64,
    /// `scan.oversize`: how a hook treats a file it did not read (block unless "warn").
    pub oversize: Severity,
    /// `scan.decode_depth`: layers of encoding undone before the text checks (default 3).
    pub decode_depth: usize,
    /// `scan.archive_depth`: archives opened this many deep (default 3).
    pub archive_depth: usize,
}

/// `[dco]`: when sign-off is required, and how it is checked.
#[derive(Debug, Clone)]
pub struct DcoPolicy {
    pub require: DcoRequire,
    pub options: crate::check::dco::DcoOptions,
}

/// The severity of each check, from each section's `severity` key.
#[derive(Debug, Clone, Copy)]
struct Severities {
    secret: Severity,
    internal_url: Severity,
    spdx: Severity,
    dco: Severity,
    approval: Severity,
    artifact: Severity,
    ip_overlap: Severity,
}

/// The validated policy in force.
#[derive(Debug)]
pub struct Policy {
    /// `[scan]`, validated.
    pub scan: ScanOptions,
    /// `[dco]`, validated.
    pub dco: DcoPolicy,
    severities: Severities,
    pub rules: RuleSet,
    pub allow: Vec<Allow>,
    pub terms: Terms,
    pub baseline: HashSet<String>,
    /// Dotted key → the layer that set it.
    pub origins: BTreeMap<String, String>,
    /// The merged layers as TOML values, paths made absolute: what `git outbound policy` shows.
    pub effective: toml::Table,
    /// Problems worth telling the user that do not stop the run (locked keys...).
    pub warnings: Vec<String>,
    /// The layers in force, first to last.
    pub layers: Vec<String>,
    /// `[spdx]`, validated.
    pub spdx: crate::check::spdx::SpdxOptions,
    /// `[artifact]`, with its `data_paths` compiled.
    pub artifact: crate::check::artifact::ArtifactOptions,
    /// `[approval]` with `org.email_domains`; in force only when the policy has `[approval]`.
    pub approval: crate::approval::ApprovalOptions,
    /// `[org]` and `[internal_url]`, as the internal-url check reads them.
    pub internal_url: InternalUrlOptions,
    /// `[hooks]`.
    pub hooks: HooksOptions,
    /// `[spdx]` keys that only `fix spdx` reads.
    pub spdx_fix: SpdxFixOptions,
    /// The key of fingerprints: `$OUTBOUND_FINGERPRINT_KEY`, else `secrets.fingerprint_key`.
    pub fingerprint_key: Option<Vec<u8>>,
    /// `[lfs] missing`: the severity of an LFS object not available to check, when set.
    pub lfs_missing: Option<Severity>,
    /// `[lfs] store`: a server's LFS store.
    pub lfs_store: Option<PathBuf>,
    /// `ip_overlap.indexes`, resolved: the fingerprint indexes of internal code.
    pub ip_indexes: Vec<PathBuf>,
    exclude: Vec<GlobMatcher>,
    internal_remotes: Vec<crate::git::RemotePattern>,
}

impl Policy {
    /// Loads every layer from `sources`.
    pub fn load(sources: &Sources) -> Result<Policy, Error> {
        let mut layers = vec![parse_layer("built-in defaults", DEFAULTS, None)?];
        if let Some(path) = org_policy_path(sources)? {
            layers.push(read_layer(&path)?);
        }
        if let Some(dir) = &sources.repo_dir {
            let path = dir.join(".outbound.toml");
            if path.is_file() {
                let mut layer = read_layer(&path)?;
                layer.kind = LayerKind::Repository;
                refuse_repository_key(&layer)?;
                layers.push(layer);
            }
        }
        let mut policy = build(layers)?;
        if let Some(file) = &sources.baseline {
            policy.baseline = crate::baseline::read(file)?;
            policy
                .origins
                .insert("baseline".into(), "command line".into());
            let shown = toml::Value::String(file.display().to_string());
            policy.effective.insert("baseline".into(), shown);
        }
        Ok(policy)
    }

    /// A policy from the built-in defaults plus one text, for tests and `rules --check`.
    pub fn from_text(name: &str, text: &str) -> Result<Policy, Error> {
        build(vec![
            parse_layer("built-in defaults", DEFAULTS, None)?,
            parse_layer(name, text, None)?,
        ])
    }

    /// The severity a check's findings get (`Off` disables the check).
    pub fn severity(&self, check: Check) -> Severity {
        let s = &self.severities;
        match check {
            Check::Secret => s.secret,
            Check::InternalUrl => s.internal_url,
            Check::Spdx => s.spdx,
            Check::Dco => s.dco,
            Check::Approval => s.approval,
            Check::Artifact => s.artifact,
            Check::IpOverlap => s.ip_overlap,
        }
    }

    /// Whether `path` (relative, `/`-separated) is excluded from scanning.
    pub fn excluded(&self, path: &str) -> bool {
        self.exclude.iter().any(|g| g.is_match(path))
    }

    /// Whether a normalised remote (`host/path`) is internal per `remotes.internal`.
    pub fn remote_is_internal(&self, normalised: &str) -> bool {
        self.internal_remotes.iter().any(|p| p.matches(normalised))
    }
}

/// A fingerprint key in the repository's own file is public, so it protects nothing.
fn refuse_repository_key(layer: &Layer) -> Result<(), Error> {
    let set = layer
        .table
        .get("secrets")
        .and_then(|s| s.get("fingerprint_key"))
        .is_some();
    match set {
        false => Ok(()),
        true => Err(Error::Config {
            file: layer.name.clone(),
            line: None,
            key: "secrets.fingerprint_key".into(),
            message:
                "the fingerprint key is read from the org policy or $OUTBOUND_FINGERPRINT_KEY \
                      only: a key committed with the repository is public and protects nothing"
                    .into(),
        }),
    }
}

fn org_policy_path(sources: &Sources) -> Result<Option<PathBuf>, Error> {
    let named = sources
        .explicit
        .clone()
        .or_else(|| {
            std::env::var_os("OUTBOUND_POLICY")
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        })
        .or_else(|| sources.git_config.as_ref().map(PathBuf::from));
    match named {
        Some(p) if p.is_file() => Ok(Some(p)),
        Some(p) => Err(Error::Config {
            file: p.display().to_string(),
            line: None,
            key: String::new(),
            message: "the org policy file does not exist".into(),
        }),
        None => Ok(Path::new(SYSTEM_POLICY)
            .is_file()
            .then(|| PathBuf::from(SYSTEM_POLICY))),
    }
}

fn read_layer(path: &Path) -> Result<Layer, Error> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    parse_layer(&path.display().to_string(), &text, path.parent())
}

/// Validates one layer by reading it as a `PolicyFile` (errors carry the line), compiles its
/// own rules, checks the values that need more than their type (each error names this layer's
/// file, line and key), and keeps its table with paths made absolute.
fn parse_layer(name: &str, text: &str, dir: Option<&Path>) -> Result<Layer, Error> {
    let typed: PolicyFile = toml::from_str(text).map_err(|e| Error::toml(name, text, &e))?;
    let mut rules = Vec::new();
    for raw in typed.secrets.iter().flat_map(|s| s.rules.iter().flatten()) {
        rules.push(rules::compile_checked(name, text, raw.clone())?);
    }
    validate_layer(name, text, &typed)?;
    let mut table: toml::Table = toml::from_str(text).map_err(|e| Error::toml(name, text, &e))?;
    if let Some(dir) = dir {
        resolve_paths(&mut table, dir);
    }
    Ok(Layer {
        name: name.to_string(),
        kind: LayerKind::Org,
        table,
        rules,
    })
}

/// The checks of one layer's values that serde's types do not make: reasons, remote globs,
/// license ids.
fn validate_layer(name: &str, text: &str, typed: &PolicyFile) -> Result<(), Error> {
    let at = |section: &str, nth: usize, key: &str, message: String| Error::Config {
        file: name.to_string(),
        line: key_line(text, section, nth, key),
        key: format!("{section}.{key}"),
        message,
    };
    let allow = typed.secrets.iter().flat_map(|s| s.allow.iter().flatten());
    for (i, a) in allow.enumerate() {
        if a.reason.trim().is_empty() {
            let message = format!("exception {} has an empty reason", i + 1);
            return Err(at("secrets.allow", i, "reason", message));
        }
    }
    let internal = typed
        .remotes
        .iter()
        .flat_map(|r| r.internal.iter().flatten());
    for g in internal {
        crate::git::RemotePattern::new(&g.0)
            .map_err(|e| at("remotes", 0, "internal", format!("bad glob '{}': {e}", g.0)))?;
    }
    if typed.spdx.is_some() {
        spdx_options(typed).map_err(|e| match e {
            Error::Config { message, .. } => {
                let key = if message.starts_with("spdx.deny") {
                    "deny"
                } else if message.starts_with("spdx.allow") {
                    "allow"
                } else {
                    "classes"
                };
                at("spdx", 0, key, message)
            }
            other => other,
        })?;
    }
    Ok(())
}

/// The 1-based line of `key` in the `nth` (0-based) table headed `[section]` or
/// `[[section]]` of a policy text, when it can be found.
fn key_line(text: &str, section: &str, nth: usize, key: &str) -> Option<usize> {
    let headers = [format!("[{section}]"), format!("[[{section}]]")];
    let mut seen = 0;
    let mut inside = false;
    for (i, line) in text.lines().enumerate() {
        let t = line.trim();
        if t.starts_with('[') {
            let here = headers.iter().any(|h| t.starts_with(h.as_str()));
            inside = here && seen == nth;
            if here {
                seen += 1;
            }
            continue;
        }
        let is_key = t
            .strip_prefix(key)
            .is_some_and(|rest| rest.trim_start().starts_with('='));
        if inside && is_key {
            return Some(i + 1);
        }
    }
    None
}

fn resolve_paths(table: &mut toml::Table, dir: &Path) {
    for (section, key) in PATH_KEYS {
        let holder = if section.is_empty() {
            Some(&mut *table)
        } else {
            table.get_mut(*section).and_then(|v| v.as_table_mut())
        };
        if let Some(toml::Value::String(s)) = holder.and_then(|t| t.get_mut(*key)) {
            if Path::new(s.as_str()).is_relative() {
                *s = dir.join(&*s).display().to_string();
            }
        }
    }
    // `ip_overlap.indexes` is a list of paths.
    let indexes = table
        .get_mut("ip_overlap")
        .and_then(|v| v.get_mut("indexes"));
    for v in indexes.and_then(|v| v.as_array_mut()).into_iter().flatten() {
        if let toml::Value::String(s) = v {
            if Path::new(s.as_str()).is_relative() {
                *s = dir.join(&*s).display().to_string();
            }
        }
    }
}

/// Merges the layers (later wins, arrays of tables append, locked keys stay) and validates.
fn build(layers: Vec<Layer>) -> Result<Policy, Error> {
    let mut merged = toml::Table::new();
    let mut origins = BTreeMap::new();
    let mut locked: BTreeSet<String> = BTreeSet::new();
    let mut warnings = Vec::new();
    let mut names = Vec::new();
    let mut layer_rules = Vec::new();
    let mut repository_exceptions: Option<bool> = None;
    for mut layer in layers {
        if layer.kind == LayerKind::Repository {
            let exceptions = repository_exceptions.unwrap_or_else(|| !any_severity_locked(&locked));
            let mut refused: Vec<&str> = ORG_ONLY.to_vec();
            if !exceptions {
                refused.extend(EXCEPTIONS);
            }
            for key in refused {
                if remove_key(&mut layer.table, key) {
                    warnings.push(format!(
                        "{}: '{key}' is not read from a repository's policy (only the org policy sets it); this setting has no effect",
                        layer.name
                    ));
                }
            }
        }
        // merge() warns about a locked key.
        if !is_locked("secrets.rules", &locked) {
            layer_rules.extend(layer.rules);
        }
        merge(
            &mut merged,
            layer.table.clone(),
            "",
            &layer.name,
            &locked,
            &mut origins,
            &mut warnings,
        );
        let lock = layer.table.get("lock");
        if let Some(keys) = lock.and_then(|l| l.get("keys")).and_then(|k| k.as_array()) {
            locked.extend(keys.iter().filter_map(|k| k.as_str().map(lock_key)));
        }
        if layer.kind == LayerKind::Org {
            if let Some(v) = lock
                .and_then(|l| l.get("allow_repository_exceptions"))
                .and_then(toml::Value::as_bool)
            {
                repository_exceptions = Some(v);
            }
        }
        for (key, weakening) in WEAKENS {
            if is_locked(key, &locked) {
                locked.extend(weakening.iter().map(|k| k.to_string()));
            }
        }
        names.push(layer.name);
    }
    let effective = merged.clone();
    // Rules were compiled per layer, where their lines are known.
    if let Some(toml::Value::Table(secrets)) = merged.get_mut("secrets") {
        secrets.remove("rules");
    }
    let raw: PolicyFile = merged
        .try_into()
        .map_err(|e: toml::de::Error| Error::Config {
            file: names.join(" + "),
            line: None,
            key: String::new(),
            message: e.message().to_string(),
        })?;
    let known = origins.clone();
    let mut policy =
        finish(raw, layer_rules, origins, warnings, names).map_err(|e| with_origin(e, &known))?;
    policy.effective = effective;
    Ok(policy)
}

fn merge(
    into: &mut toml::Table,
    from: toml::Table,
    prefix: &str,
    layer: &str,
    locked: &BTreeSet<String>,
    origins: &mut BTreeMap<String, String>,
    warnings: &mut Vec<String>,
) {
    for (k, v) in from {
        let key = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        if is_locked(&key, locked) {
            warnings.push(format!(
                "{layer}: '{key}' is locked by the org policy; this setting has no effect"
            ));
            continue;
        }
        match (into.get_mut(&k), v) {
            (Some(toml::Value::Table(dst)), toml::Value::Table(src)) => {
                merge(dst, src, &key, layer, locked, origins, warnings)
            }
            (Some(toml::Value::Array(dst)), toml::Value::Array(src))
                if src.iter().all(toml::Value::is_table) && !src.is_empty() =>
            {
                dst.extend(src);
                // Entries appended by several layers: name them all.
                let from = origins.entry(key).or_default();
                if from.is_empty() {
                    from.push_str(layer);
                } else if !from.split(" + ").any(|l| l == layer) {
                    from.push_str(" + ");
                    from.push_str(layer);
                }
            }
            (_, v) => {
                record_origins(&key, &v, layer, origins);
                into.insert(k, v);
            }
        }
    }
}

/// Names the layer a value came from in an error found after the merge (each layer was
/// validated on its own first, so this is the rare error that only the merged values make).
fn with_origin(e: Error, origins: &BTreeMap<String, String>) -> Error {
    match e {
        Error::Config {
            file,
            line,
            key,
            message,
        } if file == "policy" => {
            let layers: BTreeSet<&String> = origins
                .iter()
                .filter(|(k, _)| k.starts_with(&key) || key.starts_with(k.as_str()))
                .map(|(_, layer)| layer)
                .collect();
            let file = match layers.is_empty() {
                true => file,
                false => layers.into_iter().cloned().collect::<Vec<_>>().join(" + "),
            };
            Error::Config {
                file,
                line,
                key,
                message,
            }
        }
        other => other,
    }
}

/// A `lock.keys` entry as a key: `approval.*` locks the table `approval`.
fn lock_key(key: &str) -> String {
    key.strip_suffix(".*").unwrap_or(key).to_string()
}

/// Whether any check's severity is locked: then exceptions could weaken a locked check.
fn any_severity_locked(locked: &BTreeSet<String>) -> bool {
    WEAKENS.iter().any(|(key, _)| is_locked(key, locked))
}

/// Removes the dotted `key` from a layer's table; whether it was there.
fn remove_key(table: &mut toml::Table, key: &str) -> bool {
    match key.split_once('.') {
        None => table.remove(key).is_some(),
        Some((head, rest)) => match table.get_mut(head) {
            Some(toml::Value::Table(t)) => remove_key(t, rest),
            _ => false,
        },
    }
}

/// Whether `key` is locked itself or lies under a locked table.
fn is_locked(key: &str, locked: &BTreeSet<String>) -> bool {
    locked
        .iter()
        .any(|l| key == l || key.starts_with(&format!("{l}.")))
}

fn record_origins(key: &str, v: &toml::Value, layer: &str, origins: &mut BTreeMap<String, String>) {
    match v {
        toml::Value::Table(t) => t
            .iter()
            .for_each(|(k, v)| record_origins(&format!("{key}.{k}"), v, layer, origins)),
        _ => {
            origins.insert(key.to_string(), layer.to_string());
        }
    }
}

fn glob(pattern: &str) -> Result<GlobMatcher, Error> {
    crate::glob::path_glob(pattern)
        .map(|g| g.compile_matcher())
        .map_err(|e| Error::Config {
            file: "policy".into(),
            line: None,
            key: String::new(),
            message: format!("bad glob '{pattern}': {e}"),
        })
}

fn finish(
    raw: PolicyFile,
    layer_rules: Vec<Rule>,
    origins: BTreeMap<String, String>,
    warnings: Vec<String>,
    layers: Vec<String>,
) -> Result<Policy, Error> {
    let mut rule_list: Vec<Rule> = RuleSet::builtin()?;
    let secrets = raw.secrets.clone().unwrap_or_default();
    let disabled: HashSet<String> = secrets
        .disable
        .clone()
        .unwrap_or_default()
        .into_iter()
        .collect();
    rule_list.retain(|r| !disabled.contains(&r.id));
    rule_list.extend(layer_rules);
    let rules = RuleSet::new(rule_list)?;
    let mut allow = Vec::new();
    for (i, a) in secrets
        .allow
        .clone()
        .unwrap_or_default()
        .into_iter()
        .enumerate()
    {
        if a.reason.trim().is_empty() {
            return Err(Error::Config {
                file: "policy".into(),
                line: None,
                key: "secrets.allow.reason".into(),
                message: format!("exception {} has an empty reason", i + 1),
            });
        }
        allow.push(Allow {
            path: a.path.as_ref().map(|g| glob(&g.0)).transpose()?,
            rule: a.rule.clone(),
            fingerprint: a.fingerprint.clone(),
            describe: describe_allow(&a),
            reason: a.reason,
        });
    }
    let terms = match raw
        .org
        .as_ref()
        .and_then(|o| o.confidential_terms_file.as_ref())
    {
        Some(f) => {
            let text = std::fs::read_to_string(f).map_err(|e| Error::io(f, e))?;
            Terms::parse(f, &text)?
        }
        None => Terms::default(),
    };
    let baseline = match &raw.baseline {
        Some(f) => crate::baseline::read(Path::new(f))?,
        None => HashSet::new(),
    };
    let exclude = raw
        .scan
        .as_ref()
        .and_then(|s| s.exclude.clone())
        .unwrap_or_default()
        .iter()
        .map(|g| glob(&g.0))
        .collect::<Result<_, _>>()?;
    let internal_remotes = raw
        .remotes
        .as_ref()
        .and_then(|r| r.internal.clone())
        .unwrap_or_default()
        .iter()
        .map(|g| {
            crate::git::RemotePattern::new(&g.0).map_err(|e| Error::Config {
                file: "policy".into(),
                line: None,
                key: "remotes.internal".into(),
                message: format!("bad glob '{}': {e}", g.0),
            })
        })
        .collect::<Result<_, _>>()?;
    let spdx = spdx_options(&raw)?;
    let artifact = artifact_options(&raw)?;
    let approval = approval_options(&raw);
    let internal_url = internal_url_options(&raw);
    let h = raw.hooks.clone().unwrap_or_default();
    let hooks = HooksOptions {
        time_budget: h.time_budget.unwrap_or(60),
        allow_push_option_bypass: h.allow_push_option_bypass.unwrap_or(false),
        allow_skip: h.allow_skip.unwrap_or(true),
    };
    let s = raw.spdx.clone().unwrap_or_default();
    let spdx_fix = SpdxFixOptions {
        default_license: s.default_license,
        copyright: s.copyright,
    };
    let fingerprint_key = std::env::var("OUTBOUND_FINGERPRINT_KEY")
        .ok()
        .or(secrets.fingerprint_key)
        .filter(|k| !k.is_empty())
        .map(String::into_bytes);
    let lfs = raw.lfs.clone().unwrap_or_default();
    let ip_indexes = (raw.ip_overlap.as_ref().and_then(|i| i.indexes.clone()))
        .unwrap_or_default()
        .into_iter()
        .map(PathBuf::from)
        .collect();
    Ok(Policy {
        ip_indexes,
        lfs_missing: lfs.missing,
        lfs_store: lfs.store.map(PathBuf::from),
        scan: scan_options(&raw),
        dco: dco_policy(&raw),
        severities: severities(&raw),
        rules,
        allow,
        terms,
        baseline,
        origins,
        effective: toml::Table::new(),
        warnings,
        layers,
        spdx,
        artifact,
        approval,
        internal_url,
        hooks,
        spdx_fix,
        fingerprint_key,
        exclude,
        internal_remotes,
    })
}

/// `[scan]`: the size limit and what a hook does with a file over it.
fn scan_options(raw: &PolicyFile) -> ScanOptions {
    let s = raw.scan.clone().unwrap_or_default();
    ScanOptions {
        max_file_size: s.max_file_size.unwrap_or(10_000_000),
        oversize: match s.oversize {
            Some(file::Oversize::Warn) => Severity::Warn,
            Some(file::Oversize::Block) | None => Severity::Block,
        },
        decode_depth: s.decode_depth.unwrap_or(3),
        archive_depth: s.archive_depth.unwrap_or(3),
    }
}

/// `[dco]`: sign-off is required never unless set.
fn dco_policy(raw: &PolicyFile) -> DcoPolicy {
    let d = raw.dco.clone().unwrap_or_default();
    DcoPolicy {
        require: d.require.unwrap_or(DcoRequire::Never),
        options: crate::check::dco::DcoOptions {
            check_merges: d.check_merges.unwrap_or(false),
            bots: d.bots.unwrap_or_default(),
            require_author: d.require_author.unwrap_or(false),
        },
    }
}

/// Each check's severity: block unless its section says otherwise; SPDX is off unless
/// `spdx.require`, approval is on once the policy has an `[approval]` section, ip-overlap once
/// `ip_overlap.indexes` names an index.
fn severities(raw: &PolicyFile) -> Severities {
    let or_block = |s: Option<Severity>| s.unwrap_or(Severity::Block);
    Severities {
        secret: or_block(raw.secrets.as_ref().and_then(|s| s.severity)),
        internal_url: or_block(raw.internal_url.as_ref().and_then(|s| s.severity)),
        spdx: match raw.spdx.as_ref().and_then(|s| s.require) {
            Some(true) => or_block(raw.spdx.as_ref().and_then(|s| s.severity)),
            _ => Severity::Off,
        },
        dco: or_block(raw.dco.as_ref().and_then(|s| s.severity)),
        approval: match raw.approval {
            Some(_) => Severity::Block,
            None => Severity::Off,
        },
        artifact: or_block(raw.artifact.as_ref().and_then(|s| s.severity)),
        // Off until an index is named, then a warning unless set.
        ip_overlap: match raw.ip_overlap.as_ref().and_then(|i| i.indexes.as_ref()) {
            Some(indexes) if !indexes.is_empty() => (raw.ip_overlap.as_ref())
                .and_then(|s| s.severity)
                .unwrap_or(Severity::Warn),
            _ => Severity::Off,
        },
    }
}

/// The internal-url options of `[org]` and `[internal_url]`.
fn internal_url_options(raw: &PolicyFile) -> InternalUrlOptions {
    let iu = raw.internal_url.clone().unwrap_or_default();
    let org = raw.org.clone().unwrap_or_default();
    let mut public_hosts = org.public_hosts.unwrap_or_default();
    public_hosts.extend(iu.allow_hosts.unwrap_or_default());
    let severity = iu.severity.unwrap_or(Severity::Block);
    InternalUrlOptions {
        domains: org.domains.unwrap_or_default(),
        suffixes: iu.suffixes.unwrap_or_default(),
        bucket_prefixes: org.bucket_prefixes.unwrap_or_default(),
        public_hosts,
        networks: org.networks.unwrap_or_default(),
        private_ips: iu.private_ips.unwrap_or(true),
        severity,
        local_severity: iu.local_severity.unwrap_or(Severity::Warn),
    }
}

/// The approval options of `[approval]` and `org.email_domains`.
fn approval_options(raw: &PolicyFile) -> crate::approval::ApprovalOptions {
    use crate::approval::{ApprovalOptions, DEFAULT_NAMESPACE, Standing};
    let a = raw.approval.clone().unwrap_or_default();
    ApprovalOptions {
        significant_lines: a.significant_lines,
        restricted_paths: a
            .restricted_paths
            .unwrap_or_default()
            .into_iter()
            .map(|g| g.0)
            .collect(),
        new_publication: a.new_publication.unwrap_or(false),
        corporate_identity: a.corporate_identity.unwrap_or(false),
        ip_overlap: a.ip_overlap.unwrap_or(false),
        email_domains: raw
            .org
            .as_ref()
            .and_then(|o| o.email_domains.clone())
            .unwrap_or_default(),
        contact: a.contact,
        standing: a
            .standing
            .unwrap_or_default()
            .into_iter()
            .map(|s| Standing {
                remote: s.remote.0,
                max_lines: s.max_lines,
                expires: s.expires.0,
                reason: s.reason,
            })
            .collect(),
        allowed_signers: a.allowed_signers.map(Into::into),
        namespace: a.namespace.unwrap_or_else(|| DEFAULT_NAMESPACE.to_string()),
    }
}

fn artifact_options(raw: &PolicyFile) -> Result<crate::check::artifact::ArtifactOptions, Error> {
    let a = raw.artifact.clone().unwrap_or_default();
    let d = crate::check::artifact::ArtifactOptions::default();
    // Each glob was checked when the layer was read.
    let data_paths = a
        .data_paths
        .unwrap_or_default()
        .iter()
        .map(|g| crate::glob::path_glob(&g.0))
        .collect::<Result<Vec<_>, _>>()
        .and_then(globset::GlobSet::new)
        .map_err(|e| Error::Config {
            file: "policy".into(),
            line: None,
            key: "artifact.data_paths".into(),
            message: e.to_string(),
        })?;
    let phone_regions = match &a.phone_regions {
        None => d.phone_regions.clone(),
        Some(names) => {
            crate::check::artifact::phone_regions(names).map_err(|name| Error::Config {
                file: "policy".into(),
                line: None,
                key: "artifact.phone_regions".into(),
                message: format!(
                    "unknown region '{name}' (two-letter ISO 3166 codes: US, DE, JP…)"
                ),
            })?
        }
    };
    Ok(crate::check::artifact::ArtifactOptions {
        phone_regions,
        allow_globals: a.allow_globals.unwrap_or_default(),
        max_file_size: a.max_file_size.unwrap_or(d.max_file_size),
        large_file_severity: a.large_file_severity.unwrap_or(d.large_file_severity),
        require_license: a.require_license.unwrap_or(false),
        data_paths,
        pii_threshold: a.pii_threshold.unwrap_or(d.pii_threshold),
        ..d
    })
}

fn spdx_options(raw: &PolicyFile) -> Result<crate::check::spdx::SpdxOptions, Error> {
    use crate::check::spdx::{LicenseClass, SpdxOptions};
    let s = raw.spdx.clone().unwrap_or_default();
    let classes = s
        .classes
        .unwrap_or_default()
        .into_iter()
        .map(|c| LicenseClass {
            name: c.name,
            paths: c.paths.into_iter().map(|g| g.0).collect(),
            allow: c.allow,
        })
        .collect();
    SpdxOptions::new(
        s.allow.unwrap_or_default(),
        s.deny.unwrap_or_default(),
        classes,
        s.require_binary.unwrap_or(false),
    )
    .map(|mut opts| {
        opts.deprecated_blocks = s.deprecated == Some(file::DeprecatedMode::Block);
        opts
    })
    .map_err(|message| Error::Config {
        file: "policy".into(),
        line: None,
        key: "spdx".into(),
        message,
    })
}

fn describe_allow(a: &file::AllowFile) -> String {
    let mut parts = Vec::new();
    if let Some(p) = &a.path {
        parts.push(format!("path = \"{}\"", p.0));
    }
    if let Some(r) = &a.rule {
        parts.push(format!("rule = \"{r}\""));
    }
    if let Some(f) = &a.fingerprint {
        parts.push(format!("fingerprint = \"{f}\""));
    }
    format!("[[secrets.allow]] {}", parts.join(", "))
}

#[cfg(test)]
mod tests;
