//! Fuzzes policy loading: any text must give a policy or an error naming the file, never a
//! panic.
#![no_main]

use git_outbound::policy::Policy;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Err(e) = Policy::from_text("fuzz.toml", &text) {
        assert!(!e.to_string().is_empty());
    }
});
