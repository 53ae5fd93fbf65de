//! Fuzzes the static pickle walker: any byte string must be walked without a panic, and every
//! offset it reports must lie inside the input. Run with
//! `cd fuzz && cargo fuzz run -s none pickle`.
#![no_main]

use git_outbound::check::artifact::pickle;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for walk in pickle::walk_all(data, 8) {
        assert!(walk.end <= data.len());
        assert!(walk.imports.iter().all(|i| i.offset < data.len()));
        if let Some(error) = &walk.error {
            assert!(error.offset <= data.len());
        }
    }
});
