//! The pickle opcode table for protocols 0–5, as documented in CPython's `pickletools`: for
//! each opcode byte its name, how its argument is encoded in the stream and what it does to the
//! unpickler's stack. The walker in `pickle.rs` interprets this table; it never executes anything.

/// How an opcode's argument is encoded after the opcode byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Arg {
    /// No argument.
    None,
    /// A fixed number of bytes (little-endian integer, float or frame length).
    Fixed(usize),
    /// A 1-byte length, then that many bytes.
    Len1,
    /// A 4-byte little-endian length (signed for the old string and long opcodes), then bytes.
    Len4 { signed: bool },
    /// An 8-byte little-endian length, then bytes.
    Len8,
    /// A text line ending in `\n`.
    Line,
    /// Two text lines: module and name (`GLOBAL`, `INST`).
    Lines2,
}

/// What an opcode does to the stack and memo, reduced to what the import analysis needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Effect {
    /// Pushes a text string (a possible operand of `STACK_GLOBAL`).
    PushStr,
    /// Pops `pop` values and pushes `push` values that are not strings.
    Stack { pop: u8, push: u8 },
    /// Pops everything down to the topmost mark, then pushes `push` values.
    PopMark { push: u8 },
    /// Pushes a mark.
    Mark,
    /// Duplicates the top of the stack.
    Dup,
    /// Pops the top item, value or mark.
    PopAny,
    /// Stores the top of the stack in the memo at the index given by the argument.
    Put,
    /// Stores the top of the stack in the memo at the next free index.
    Memoize,
    /// Pushes the memo entry at the index given by the argument.
    Get,
    /// Imports `module.name` from its two text lines and pushes it.
    Global,
    /// Pops name and module, imports them and pushes the result.
    StackGlobal,
    /// Imports from two text lines, pops to the mark and pushes an instance.
    Inst,
    /// Pushes an object from the copyreg extension registry, which cannot be known statically.
    Ext,
    /// Declares the protocol version.
    Proto,
    /// A framing hint with no effect on the stack.
    Frame,
    /// Ends the pickle.
    Stop,
}

/// One entry of the opcode table.
#[derive(Debug, Clone, Copy)]
pub(crate) struct OpInfo {
    pub name: &'static str,
    pub arg: Arg,
    pub effect: Effect,
}

const fn op(name: &'static str, arg: Arg, effect: Effect) -> Option<OpInfo> {
    Some(OpInfo { name, arg, effect })
}

const fn stack(pop: u8, push: u8) -> Effect {
    Effect::Stack { pop, push }
}

const PUSH: Effect = Effect::Stack { pop: 0, push: 1 };
const L4: Arg = Arg::Len4 { signed: false };
const L4S: Arg = Arg::Len4 { signed: true };

/// Looks up an opcode byte; `None` for bytes that are not opcodes of protocols 0–5.
pub(crate) fn info(byte: u8) -> Option<OpInfo> {
    use Arg::{Fixed, Len1, Len8, Line, Lines2};
    use Effect::*;
    match byte {
        b'(' => op("MARK", Arg::None, Mark),
        b'.' => op("STOP", Arg::None, Stop),
        b'0' => op("POP", Arg::None, PopAny),
        b'1' => op("POP_MARK", Arg::None, PopMark { push: 0 }),
        b'2' => op("DUP", Arg::None, Dup),
        b'F' => op("FLOAT", Line, PUSH),
        b'I' => op("INT", Line, PUSH),
        b'J' => op("BININT", Fixed(4), PUSH),
        b'K' => op("BININT1", Fixed(1), PUSH),
        b'L' => op("LONG", Line, PUSH),
        b'M' => op("BININT2", Fixed(2), PUSH),
        b'N' => op("NONE", Arg::None, PUSH),
        b'P' => op("PERSID", Line, PUSH),
        b'Q' => op("BINPERSID", Arg::None, stack(1, 1)),
        b'R' => op("REDUCE", Arg::None, stack(2, 1)),
        b'S' => op("STRING", Line, PushStr),
        b'T' => op("BINSTRING", L4S, PushStr),
        b'U' => op("SHORT_BINSTRING", Len1, PushStr),
        b'V' => op("UNICODE", Line, PushStr),
        b'X' => op("BINUNICODE", L4, PushStr),
        b'a' => op("APPEND", Arg::None, stack(1, 0)),
        b'b' => op("BUILD", Arg::None, stack(1, 0)),
        b'c' => op("GLOBAL", Lines2, Global),
        b'd' => op("DICT", Arg::None, PopMark { push: 1 }),
        b'}' => op("EMPTY_DICT", Arg::None, PUSH),
        b'e' => op("APPENDS", Arg::None, PopMark { push: 0 }),
        b'g' => op("GET", Line, Get),
        b'h' => op("BINGET", Fixed(1), Get),
        b'i' => op("INST", Lines2, Inst),
        b'j' => op("LONG_BINGET", Fixed(4), Get),
        b'l' => op("LIST", Arg::None, PopMark { push: 1 }),
        b']' => op("EMPTY_LIST", Arg::None, PUSH),
        b'o' => op("OBJ", Arg::None, PopMark { push: 1 }),
        b'p' => op("PUT", Line, Put),
        b'q' => op("BINPUT", Fixed(1), Put),
        b'r' => op("LONG_BINPUT", Fixed(4), Put),
        b's' => op("SETITEM", Arg::None, stack(2, 0)),
        b't' => op("TUPLE", Arg::None, PopMark { push: 1 }),
        b')' => op("EMPTY_TUPLE", Arg::None, PUSH),
        b'u' => op("SETITEMS", Arg::None, PopMark { push: 0 }),
        b'G' => op("BINFLOAT", Fixed(8), PUSH),
        0x80 => op("PROTO", Fixed(1), Proto),
        0x81 => op("NEWOBJ", Arg::None, stack(2, 1)),
        0x82 => op("EXT1", Fixed(1), Ext),
        0x83 => op("EXT2", Fixed(2), Ext),
        0x84 => op("EXT4", Fixed(4), Ext),
        0x85 => op("TUPLE1", Arg::None, stack(1, 1)),
        0x86 => op("TUPLE2", Arg::None, stack(2, 1)),
        0x87 => op("TUPLE3", Arg::None, stack(3, 1)),
        0x88 => op("NEWTRUE", Arg::None, PUSH),
        0x89 => op("NEWFALSE", Arg::None, PUSH),
        0x8a => op("LONG1", Len1, PUSH),
        0x8b => op("LONG4", L4S, PUSH),
        b'B' => op("BINBYTES", L4, PUSH),
        b'C' => op("SHORT_BINBYTES", Len1, PUSH),
        0x8c => op("SHORT_BINUNICODE", Len1, PushStr),
        0x8d => op("BINUNICODE8", Len8, PushStr),
        0x8e => op("BINBYTES8", Len8, PUSH),
        0x8f => op("EMPTY_SET", Arg::None, PUSH),
        0x90 => op("ADDITEMS", Arg::None, PopMark { push: 0 }),
        0x91 => op("FROZENSET", Arg::None, PopMark { push: 1 }),
        0x92 => op("NEWOBJ_EX", Arg::None, stack(3, 1)),
        0x93 => op("STACK_GLOBAL", Arg::None, StackGlobal),
        0x94 => op("MEMOIZE", Arg::None, Memoize),
        0x95 => op("FRAME", Fixed(8), Frame),
        0x96 => op("BYTEARRAY8", Len8, PUSH),
        0x97 => op("NEXT_BUFFER", Arg::None, PUSH),
        0x98 => op("READONLY_BUFFER", Arg::None, stack(1, 1)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_names_are_unique_and_cover_all_68_opcodes() {
        let names: Vec<&str> = (0..=255u8).filter_map(info).map(|i| i.name).collect();
        let mut unique = names.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(names.len(), 68);
        assert_eq!(unique.len(), names.len());
    }

    #[test]
    fn imports_and_calls_have_the_documented_effects() {
        let cases = [
            (b'c', Effect::Global),
            (0x93, Effect::StackGlobal),
            (b'i', Effect::Inst),
            (b'R', Effect::Stack { pop: 2, push: 1 }),
            (0x92, Effect::Stack { pop: 3, push: 1 }),
            (0x82, Effect::Ext),
        ];
        for (byte, effect) in cases {
            assert_eq!(
                info(byte).map(|i| i.effect),
                Some(effect),
                "opcode {byte:#x}"
            );
        }
        assert!(info(0xff).is_none());
    }
}
