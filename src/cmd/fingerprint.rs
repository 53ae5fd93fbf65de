//! `git outbound fingerprint build` and `info`: make an index of internal code under the
//! policy's key, and describe one.

use crate::cli::{FingerprintArgs, FingerprintBuildArgs, FingerprintCommand};
use crate::error::Error;
use crate::exit;
use crate::fingerprint::build::{BuildOptions, build};
use crate::fingerprint::{Header, Index};
use crate::report;

pub fn run(args: &FingerprintArgs) -> Result<u8, Error> {
    match &args.command {
        FingerprintCommand::Build(b) => build_index(b),
        FingerprintCommand::Info { file } => info(file),
    }
}

fn build_index(args: &FingerprintBuildArgs) -> Result<u8, Error> {
    if args.k == 0 || args.window == 0 {
        return Err(Error::Usage("--k and --window must be at least 1".into()));
    }
    let policy = super::scan::load_for_cwd(&args.policy)?;
    let name = args.name.clone().unwrap_or_else(|| {
        let stem = args
            .output
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned());
        stem.unwrap_or_else(|| "internal-code".into())
    });
    let started = std::time::Instant::now();
    let (header, size) = build(&BuildOptions {
        output: args.output.clone(),
        name,
        exclude: args.exclude.clone(),
        paths: args.paths.clone(),
        all_versions: args.all_versions,
        key: policy.fingerprint_key.clone(),
        params: crate::fingerprint::Params {
            k: args.k,
            window: args.window,
            identifiers: args.identifiers,
        },
        common_files: args.common_files,
    })?;
    let secs = started.elapsed().as_secs_f64();
    let mut out = describe(&header, size);
    out.push_str(&format!(
        "built in {secs:.2} s ({:.1} MB/s)\n",
        header.bytes as f64 / 1e6 / secs.max(1e-9)
    ));
    if !header.keyed {
        out.push_str(
            "warning: no secrets.fingerprint_key in the policy: the index is keyed with the \
             built-in key, so anyone with git-outbound can test code against it\n",
        );
    }
    report::print(&out)?;
    Ok(exit::OK)
}

fn info(file: &std::path::Path) -> Result<u8, Error> {
    let index = Index::read(file)?;
    report::print(&describe(&index.header, index.size()))?;
    Ok(exit::OK)
}

/// The lines of `fingerprint info`.
fn describe(h: &Header, size: u64) -> String {
    let pct = |part: u64| match h.bytes {
        0 => 0.0,
        b => part as f64 * 100.0 / b as f64,
    };
    let exclude = match h.exclude.is_empty() {
        true => "none".to_string(),
        false => h.exclude.join(", "),
    };
    let key = match h.keyed {
        true => format!("policy key (check {})", h.key_check),
        false => "built-in key (no secrets.fingerprint_key)".to_string(),
    };
    format!(
        "name:         {}\nsources:      {}\nexcluded:     {exclude}\n\
         parameters:   k = {} tokens, window = {}, identifiers by {}, boilerplate above {} files\n\
         key:          {key}\n\
         source:       {} files, {} bytes\n\
         fingerprints: {} ({} dropped as boilerplate)\n\
         size:         {size} bytes ({:.2} % of the source)\n\
         built by:     {}\n",
        h.name,
        h.sources.join(", "),
        h.k,
        h.window,
        match h.identifiers {
            crate::fingerprint::Identifiers::Kind => "kind",
            crate::fingerprint::Identifiers::Order => "order",
        },
        h.common_files,
        h.files,
        h.bytes,
        h.fingerprints,
        h.dropped_common,
        pct(size),
        h.built_by,
    )
}
