//! Fuzzes the secret and internal-url checks and pre-push's stdin parser: no panic on any
//! input, and every finding's location lies inside it.
#![no_main]

use git_outbound::check::internal_url::{InternalUrls, Syntax};
use git_outbound::check::{LineIndex, secret};
use git_outbound::finding::Severity;
use git_outbound::policy::Policy;
use libfuzzer_sys::fuzz_target;
use std::sync::LazyLock;

static POLICY: LazyLock<Policy> = LazyLock::new(|| {
    Policy::from_text("fuzz.toml", "[org]\ndomains = [\"acme-corp.com\"]\nbucket_prefixes = [\"acme-\"]\n")
        .expect("fixed policy loads")
});

fuzz_target!(|data: &[u8]| {
    let index = LineIndex::new(data);
    let lines = data.iter().filter(|&&b| b == b'\n').count() + 1;
    for f in secret::check(data, &index, &POLICY.rules, Severity::Block) {
        assert!(f.line.is_some_and(|l| l <= lines));
    }
    let urls = InternalUrls::new(&POLICY);
    for f in urls.check(data, &index, &POLICY.terms, Syntax::Code) {
        assert!(f.line.is_some_and(|l| l <= lines));
    }
    let _ = git_outbound::hook::push::parse_lines(&String::from_utf8_lossy(data));
});
