//! Fuzzes commit-message handling: cleaning and trailer parsing must never panic, and every
//! trailer they report must point at a line of the message.
#![no_main]

use git_outbound::message;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let cleaned = message::clean(&text, "#");
    let lines = cleaned.lines().count().max(1);
    for t in message::trailers(&cleaned) {
        assert!(t.line >= 1 && t.line <= lines);
    }
    let _ = message::trailers_with_comment(&text, ";");
});
