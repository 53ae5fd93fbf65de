//! Fuzzes the SPDX check and `fix spdx` over any content under a few file names.
#![no_main]

use git_outbound::check::spdx::{self, Project, SpdxOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let project = Project::default();
    let opts = SpdxOptions::default();
    for path in [
        "src/lib.rs",
        "run.py",
        "index.html",
        "data.json",
        "Makefile",
    ] {
        let _ = spdx::check_file(path, data, &project, &opts);
        let _ = spdx::fix(path, data, "Apache-2.0", Some("2026 Example"));
    }
});
