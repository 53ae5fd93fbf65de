//! Fuzzes the secret and internal-url checks, the changed regions between two versions, and
//! pre-push's stdin parser: no panic on any input, every finding's location lies inside it,
//! and regions are sorted, disjoint, in bounds and in whole lines.
#![no_main]

use git_outbound::check::internal_url::{InternalUrls, Syntax};
use git_outbound::check::{LineIndex, secret};
use git_outbound::finding::Severity;
use git_outbound::policy::Policy;
use git_outbound::rules::whole;
use git_outbound::scan::changed_regions;
use libfuzzer_sys::fuzz_target;
use std::sync::LazyLock;

static POLICY: LazyLock<Policy> = LazyLock::new(|| {
    Policy::from_text(
        "fuzz.toml",
        "[org]\ndomains = [\"acme-corp.com\"]\nbucket_prefixes = [\"acme-\"]\n",
    )
    .expect("fixed policy loads")
});

fuzz_target!(|data: &[u8]| {
    // The first half is an old version, the whole input the new one.
    let old = &data[..data.len() / 2];
    let regions = changed_regions(old, data);
    let mut end = 0;
    for r in &regions {
        assert!(r.start >= end && r.start < r.end && r.end <= data.len());
        assert!(r.start == 0 || data[r.start - 1] == b'\n');
        end = r.end;
    }
    let index = LineIndex::new(data);
    let lines = data.iter().filter(|&&b| b == b'\n').count() + 1;
    for search in [&regions[..], &whole(data.len())[..]] {
        let (found, _) = secret::check(data, search, true, &index, &POLICY.rules, Severity::Block);
        for f in found {
            assert!(f.line.is_some_and(|l| l <= lines));
        }
    }
    let urls = InternalUrls::new(&POLICY);
    for f in urls.check(data, &regions, &index, &POLICY.terms, Syntax::Code) {
        assert!(f.line.is_some_and(|l| l <= lines));
    }
    let _ = git_outbound::hook::push::parse_lines(&String::from_utf8_lossy(data));
});
