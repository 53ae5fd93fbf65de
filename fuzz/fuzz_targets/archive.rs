//! Fuzzes the archive walk the text checks make: `container::sniff` and `container::open`,
//! recursing into members that are containers as `scan::archive` does, within one budget. No
//! panic on any input, no more unpacked bytes than the budget, no hang. Run with
//! `cd fuzz && cargo fuzz run -s none archive`.
#![no_main]

use git_outbound::container::{self, Budget, Visitor};
use libfuzzer_sys::fuzz_target;

const BUDGET: u64 = 8 << 20;

struct Walk<'b> {
    budget: &'b Budget,
    depth: usize,
    unpacked: u64,
}

impl Visitor for Walk<'_> {
    fn member(&mut self, name: &str, data: &[u8]) {
        self.unpacked += data.len() as u64;
        assert!(self.unpacked <= BUDGET);
        let head = &data[..data.len().min(512)];
        if self.depth < 4
            && let Some(kind) = container::sniff(name, head)
        {
            let mut inner = Walk {
                budget: self.budget,
                depth: self.depth + 1,
                unpacked: 0,
            };
            let _ = container::open(kind, name, data, self.budget, &mut inner);
            self.unpacked += inner.unpacked;
        }
    }

    fn unreadable(&mut self, _name: &str, _why: String) {}
}

fuzz_target!(|data: &[u8]| {
    let budget = Budget::new(BUDGET);
    for name in ["input.zip", "input.tar.gz", "input.pkl"] {
        if let Some(kind) = container::sniff(name, &data[..data.len().min(512)]) {
            let mut walk = Walk {
                budget: &budget,
                depth: 0,
                unpacked: 0,
            };
            let _ = container::open(kind, name, data, &budget, &mut walk);
        }
    }
});
