//! Path globs as every path glob of a policy is read (`scan.exclude`, `secrets.allow`,
//! `approval.restricted_paths`, REUSE.toml annotations…).

/// A glob over `/`-separated relative paths, as every path glob of a policy is read: `*` stays
/// within a folder, `**` crosses folders.
pub fn path_glob(pattern: &str) -> Result<globset::Glob, globset::Error> {
    globset::GlobBuilder::new(pattern)
        .literal_separator(true)
        .build()
}
