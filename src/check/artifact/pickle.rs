//! A static pickle walker in the spirit of `pickletools.genops`: it reads the opcodes of
//! protocols 0–5 and tracks just enough of the unpickler's stack and memo to name every import
//! (`GLOBAL`, `INST`, `STACK_GLOBAL` through the memo, `EXT1/2/4`) and to count the opcodes that
//! call or build objects. Nothing is executed. Bad input ends the walk with an error that the
//! caller reports; the imports seen up to that point are kept, because a real unpickler would
//! already have run them.

use super::opcodes;
use super::walker::Walker;
pub use super::walker::{Calls, Import, Target, Walk, WalkError, is_identifier_path};

/// Whether `head` starts the way pickles of protocol 2 and later do (`PROTO` 0–5).
pub fn has_pickle_header(head: &[u8]) -> bool {
    matches!(head, [0x80, 0..=5, ..])
}

/// Walks the single pickle that starts at the beginning of `data`.
pub fn walk(data: &[u8]) -> Walk {
    let mut walker = Walker::new(data);
    let result = walker.run();
    let mut walk = walker.walk;
    walk.end = walker.pos;
    if let Err(message) = result {
        walk.error = Some(WalkError {
            offset: walker.op_start,
            message,
        });
    }
    walk
}

/// Walks every pickle stored one after another (a legacy PyTorch file holds five, a loader
/// may call `pickle.load` in a loop). Stops at the end of the data, at the first pickle that
/// fails (a loader stops there too), or at a byte that is not an opcode; the failing pickle is
/// included so that the imports it made before failing are not lost.
pub fn walk_all(data: &[u8]) -> Vec<Walk> {
    let mut walks = Vec::new();
    let mut start = 0;
    while start < data.len() {
        if !walks.is_empty() && opcodes::info(data[start]).is_none() {
            break;
        }
        let mut walk = walk(&data[start..]);
        walk.end += start;
        for import in &mut walk.imports {
            import.offset += start;
        }
        if let Some(error) = &mut walk.error {
            error.offset += start;
        }
        let failed = walk.error.is_some() || walk.end <= start;
        start = walk.end;
        walks.push(walk);
        if failed {
            break;
        }
    }
    walks
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::artifact::walker::MAX_STACK;

    fn names(walk: &Walk) -> Vec<String> {
        let name = |i: &Import| match &i.target {
            Target::Global { module, name } => format!("{module}.{name}"),
            Target::Unresolved(_) => "?".to_string(),
        };
        walk.imports.iter().map(name).collect()
    }

    #[test]
    fn imports_are_resolved_for_every_import_opcode() {
        let cases: [(&str, &[u8], &[&str]); 6] = [
            (
                "GLOBAL, protocol 0",
                b"cos\nsystem\n(S'echo'\ntR.",
                &["os.system"],
            ),
            (
                "STACK_GLOBAL",
                b"\x80\x04\x8c\x05posix\x94\x8c\x06system\x94\x93.",
                &["posix.system"],
            ),
            (
                "STACK_GLOBAL via memo",
                b"\x80\x02X\x02\0\0\0osq\x00X\x06\0\0\0systemq\x01h\x00h\x01\x93.",
                &["os.system"],
            ),
            (
                "STACK_GLOBAL of non-strings",
                b"\x80\x04K\x01K\x02\x93.",
                &["?"],
            ),
            ("EXT1", b"\x80\x02\x82\x01.", &["?"]),
            ("INST", b"(S'x'\nios\nsystem\n.", &["os.system"]),
        ];
        for (case, data, expected) in cases {
            let walk = walk(data);
            assert_eq!(walk.error, None, "{case}");
            assert_eq!(names(&walk), expected, "{case}");
        }
    }

    #[test]
    fn memoize_stores_at_the_memo_length_as_cpython_does() {
        // Memo {0, 2} has length 2: MEMOIZE overwrites index 2, not index 3.
        let data = b"\x80\x04\x8c\x01xq\x000\x8c\x0bcollectionsq\x020\x8c\x05posix\x940\x8c\x0bOrderedDictq\x030\x8c\x06system\x940h\x02h\x03\x93.";
        let walk = walk(data);
        assert_eq!(walk.error, None);
        assert_eq!(names(&walk), ["posix.system"]);
    }

    #[test]
    fn text_memo_indices_are_read_as_int_reads_them() {
        let data = b"(S'os'\np1_0\n0S'system'\np+7\n0g 10\ng7\r\n\x93.";
        let walk = walk(data);
        assert_eq!(names(&walk), ["os.system"]);
        assert_eq!(
            super::walk(b"N\x94g1\n.").error.map(|e| e.message),
            Some("GET of memo index 1, which is empty".to_string())
        );
    }

    #[test]
    fn calls_are_counted() {
        let walk = walk(b"\x80\x02cos\nsystem\nU\x02lsq\x00\x85R}b.");
        assert_eq!(walk.calls.reduce, 1);
        assert_eq!(walk.calls.build, 1);
        assert_eq!(walk.protocol, Some(2));
    }

    #[test]
    fn malformed_pickles_end_with_an_error_and_keep_earlier_imports() {
        let cases: [(&[u8], &str, usize); 7] = [
            (b"", "pickle ends without STOP", 0),
            (
                b"\x80\x04\x8c\x05pos",
                "argument of 5 bytes runs past the end",
                0,
            ),
            (b"cos\nsystem\n\xff", "unknown opcode 0xff", 1),
            (b"\x80\x09.", "unsupported pickle protocol 9", 0),
            (b"R.", "stack underflow", 0),
            (b"S'unterminated\n.", "STRING argument is not quoted", 0),
            (b"\x80\x04T\xff\xff\xff\xff.", "negative length", 0),
        ];
        for (data, message, imports) in cases {
            let walk = walk(data);
            assert_eq!(
                walk.error.map(|e| e.message).as_deref(),
                Some(message),
                "{data:?}"
            );
            assert_eq!(walk.imports.len(), imports, "{data:?}");
        }
    }

    #[test]
    fn a_flood_of_marks_does_not_hide_a_later_import() {
        let mut data = vec![0x80, 4];
        data.extend(std::iter::repeat_n(b'(', MAX_STACK + 10));
        data.extend(b"\x8c\x02os\x8c\x06system\x93N\x85R.");
        let walk = walk(&data);
        assert_eq!(walk.error, None);
        assert_eq!(names(&walk), ["os.system"]);
    }

    #[test]
    fn concatenated_pickles_are_all_walked() {
        let walks = walk_all(b"\x80\x04N.cos\nsystem\n.");
        assert_eq!(walks.len(), 2);
        assert_eq!(names(&walks[1]), ["os.system"]);
        assert_eq!(walks[1].imports[0].offset, 4);
        assert_eq!(walk_all(b"\x80\x04N.\xff\xff").len(), 1);
    }

    #[test]
    fn pickle_header_needs_a_known_protocol() {
        assert!(has_pickle_header(b"\x80\x05\x95"));
        assert!(!has_pickle_header(b"\x80\x06"));
        assert!(!has_pickle_header(b"PK\x03\x04"));
    }
}
