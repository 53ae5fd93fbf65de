//! Fuzzes the decoders and their candidate finder: no panic on any input, every decoded span
//! lies inside the input, every decoded text is UTF-8 and the output stays within its budget.
//! Run with `cd fuzz && cargo fuzz run -s none decode`.
#![no_main]

use git_outbound::decode::decode;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The first byte chooses the depth and where the searched region starts.
    let (depth, rest) = match data.split_first() {
        Some((d, rest)) => (usize::from(d % 6), rest),
        None => (3, data),
    };
    let from = rest.len() / 3;
    for regions in [vec![0..rest.len()], vec![from..rest.len()]] {
        let found = decode(rest, &regions, depth);
        let mut total = 0;
        for d in &found {
            assert!(d.span.start <= d.span.end && d.span.end <= rest.len());
            assert!(std::str::from_utf8(&d.text).is_ok());
            assert!(!d.chain.is_empty() && d.chain.len() <= depth);
            total += d.text.len();
        }
        assert!(total <= (rest.len() * 2).max(1 << 16));
    }
});
