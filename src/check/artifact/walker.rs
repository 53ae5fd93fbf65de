//! The machine behind `pickle::walk`: reads one opcode at a time through the table in
//! `opcodes.rs` and applies its effect to a symbolic stack of marks, short strings and opaque
//! values, with a memo of strings, so that `STACK_GLOBAL` operands can be resolved.

use super::opcodes::{self, Arg, Effect, OpInfo};
use super::pickle::{Import, Target, Walk};
use std::collections::HashMap;
use std::rc::Rc;

/// Above this depth the walker stops tracking the stack and treats every `STACK_GLOBAL`
/// operand as unknown, so that a flood of marks costs neither memory nor a missed import.
pub(crate) const MAX_STACK: usize = 100_000;
/// Strings longer than this cannot be module or attribute names worth resolving.
const MAX_NAME: usize = 1024;

#[derive(Debug, Clone)]
enum Val {
    Mark,
    Str(Rc<str>),
    Other,
}

/// The decoded argument of one opcode.
enum ArgVal<'a> {
    None,
    Int(u64),
    Bytes(&'a [u8]),
    Pair(&'a [u8], &'a [u8]),
}

pub(crate) struct Walker<'a> {
    data: &'a [u8],
    pub pos: usize,
    pub op_start: usize,
    stack: Vec<Val>,
    memo: HashMap<u64, Rc<str>>,
    memo_len: u64,
    /// Set when the stack grew past `MAX_STACK`: stack errors are no longer reported.
    untracked: bool,
    pub walk: Walk,
}

impl<'a> Walker<'a> {
    pub fn new(data: &'a [u8]) -> Walker<'a> {
        Walker {
            data,
            pos: 0,
            op_start: 0,
            stack: Vec::new(),
            memo: HashMap::new(),
            memo_len: 0,
            untracked: false,
            walk: Walk::default(),
        }
    }

    /// Walks to `STOP`; an error says why the pickle cannot be read further.
    pub fn run(&mut self) -> Result<(), String> {
        loop {
            self.op_start = self.pos;
            let byte = *self.data.get(self.pos).ok_or("pickle ends without STOP")?;
            let info = opcodes::info(byte).ok_or_else(|| format!("unknown opcode {byte:#04x}"))?;
            self.pos += 1;
            let arg = self.read_arg(info.arg)?;
            if info.effect == Effect::Stop {
                return Ok(());
            }
            self.count(info);
            self.apply(info, arg)?;
            if self.stack.len() > MAX_STACK {
                self.stack.clear();
                self.untracked = true;
            }
        }
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&end| end <= self.data.len());
        let end = end.ok_or_else(|| format!("argument of {n} bytes runs past the end"))?;
        let bytes = &self.data[self.pos..end];
        self.pos = end;
        Ok(bytes)
    }

    fn line(&mut self) -> Result<&'a [u8], String> {
        let rest = &self.data[self.pos..];
        let len = memchr::memchr(b'\n', rest).ok_or("text argument without a newline")?;
        self.pos += len + 1;
        Ok(&rest[..len])
    }

    fn read_arg(&mut self, arg: Arg) -> Result<ArgVal<'a>, String> {
        Ok(match arg {
            Arg::None => ArgVal::None,
            Arg::Fixed(n) => ArgVal::Int(le_u64(self.take(n)?)),
            Arg::Len1 => {
                let len = self.take(1)?[0];
                ArgVal::Bytes(self.take(usize::from(len))?)
            }
            Arg::Len4 { signed } => {
                let raw = self.take(4)?;
                let len = u32::from_le_bytes([raw[0], raw[1], raw[2], raw[3]]);
                if signed && len > i32::MAX as u32 {
                    return Err("negative length".into());
                }
                ArgVal::Bytes(self.take(len as usize)?)
            }
            Arg::Len8 => {
                let len = le_u64(self.take(8)?);
                let len = usize::try_from(len).map_err(|_| "length too large".to_string())?;
                ArgVal::Bytes(self.take(len)?)
            }
            Arg::Line => ArgVal::Bytes(self.line()?),
            Arg::Lines2 => ArgVal::Pair(self.line()?, self.line()?),
        })
    }

    fn count(&mut self, info: OpInfo) {
        let calls = &mut self.walk.calls;
        match info.name {
            "REDUCE" => calls.reduce += 1,
            "BUILD" => calls.build += 1,
            "NEWOBJ" => calls.newobj += 1,
            "NEWOBJ_EX" => calls.newobj_ex += 1,
            "INST" | "OBJ" => calls.inst_obj += 1,
            "EXT1" | "EXT2" | "EXT4" => calls.ext += 1,
            "PERSID" | "BINPERSID" => calls.persid += 1,
            _ => {}
        }
    }

    fn apply(&mut self, info: OpInfo, arg: ArgVal<'a>) -> Result<(), String> {
        match info.effect {
            Effect::PushStr => {
                let val = string_value(info.name, &arg)?;
                self.stack.push(val);
            }
            Effect::Stack { pop, push } => {
                for _ in 0..pop {
                    self.pop()?;
                }
                self.push_other(push);
            }
            Effect::PopMark { push } => {
                self.pop_mark()?;
                self.push_other(push);
            }
            Effect::Mark => self.stack.push(Val::Mark),
            Effect::Dup => {
                let top = self.top()?;
                self.stack.push(top);
            }
            Effect::PopAny => self.pop_any()?,
            Effect::Put => self.put(index(info.name, &arg)?)?,
            Effect::Memoize => self.put(self.memo_len)?,
            Effect::Get => self.get(index(info.name, &arg)?),
            Effect::Global => self.global(info, arg)?,
            Effect::StackGlobal => self.stack_global()?,
            Effect::Inst => {
                self.global(info, arg)?;
                self.pop()?;
                self.pop_mark()?;
                self.push_other(1);
            }
            Effect::Ext => self.ext(info, arg),
            Effect::Proto => self.proto(arg)?,
            Effect::Frame | Effect::Stop => {}
        }
        Ok(())
    }

    fn push_other(&mut self, n: u8) {
        for _ in 0..n {
            self.stack.push(Val::Other);
        }
    }

    /// Pops a value; a mark or an empty stack is an underflow, as in CPython.
    fn pop(&mut self) -> Result<Val, String> {
        match self.stack.pop() {
            Some(Val::Mark) | None if !self.untracked => Err("stack underflow".into()),
            Some(Val::Mark) | None => Ok(Val::Other),
            Some(val) => Ok(val),
        }
    }

    fn pop_any(&mut self) -> Result<(), String> {
        match self.stack.pop() {
            None if !self.untracked => Err("stack underflow".into()),
            _ => Ok(()),
        }
    }

    fn pop_mark(&mut self) -> Result<(), String> {
        while let Some(val) = self.stack.pop() {
            if matches!(val, Val::Mark) {
                return Ok(());
            }
        }
        if self.untracked {
            Ok(())
        } else {
            Err("no mark on the stack".into())
        }
    }

    fn top(&self) -> Result<Val, String> {
        match self.stack.last() {
            Some(Val::Mark) | None if !self.untracked => Err("stack underflow".into()),
            Some(Val::Mark) | None => Ok(Val::Other),
            Some(val) => Ok(val.clone()),
        }
    }

    fn put(&mut self, key: u64) -> Result<(), String> {
        let top = self.top()?;
        self.memo_len = self.memo_len.max(key.saturating_add(1));
        match top {
            Val::Str(s) => self.memo.insert(key, s),
            _ => self.memo.remove(&key),
        };
        Ok(())
    }

    fn get(&mut self, key: u64) {
        // A missing key fails in CPython; here it is simply not a string, which is the
        // conservative answer for `STACK_GLOBAL`.
        let val = self
            .memo
            .get(&key)
            .map_or(Val::Other, |s| Val::Str(s.clone()));
        self.stack.push(val);
    }

    fn record(&mut self, target: Target, opcode: &'static str) {
        let offset = self.op_start;
        self.walk.imports.push(Import {
            target,
            offset,
            opcode,
        });
    }

    fn global(&mut self, info: OpInfo, arg: ArgVal<'a>) -> Result<(), String> {
        let ArgVal::Pair(module, name) = arg else {
            return Err("GLOBAL without module and name".into());
        };
        let (Ok(module), Ok(name)) = (std::str::from_utf8(module), std::str::from_utf8(name))
        else {
            return Err(format!("{} names are not UTF-8", info.name));
        };
        let target = Target::Global {
            module: module.to_string(),
            name: name.to_string(),
        };
        self.record(target, info.name);
        self.stack.push(Val::Other);
        Ok(())
    }

    fn stack_global(&mut self) -> Result<(), String> {
        let name = self.pop()?;
        let module = self.pop()?;
        let target = match (module, name) {
            (Val::Str(module), Val::Str(name)) => Target::Global {
                module: module.to_string(),
                name: name.to_string(),
            },
            _ => Target::Unresolved("STACK_GLOBAL operands are not plain strings".into()),
        };
        self.record(target, "STACK_GLOBAL");
        self.stack.push(Val::Other);
        Ok(())
    }

    fn ext(&mut self, info: OpInfo, arg: ArgVal<'a>) {
        let code = if let ArgVal::Int(code) = arg { code } else { 0 };
        let target = Target::Unresolved(format!("extension code {code} from the copyreg registry"));
        self.record(target, info.name);
        self.stack.push(Val::Other);
    }

    fn proto(&mut self, arg: ArgVal<'a>) -> Result<(), String> {
        let ArgVal::Int(version) = arg else {
            return Err("PROTO without a version".into());
        };
        match u8::try_from(version) {
            Ok(v @ 0..=5) => {
                self.walk.protocol = Some(v);
                Ok(())
            }
            _ => Err(format!("unsupported pickle protocol {version}")),
        }
    }
}

/// The value pushed by a string opcode: a `Str` when it is short UTF-8 text.
fn string_value(opcode: &str, arg: &ArgVal<'_>) -> Result<Val, String> {
    let ArgVal::Bytes(bytes) = arg else {
        return Ok(Val::Other);
    };
    let bytes = if opcode == "STRING" {
        unquote(bytes)?
    } else {
        bytes
    };
    Ok(match std::str::from_utf8(bytes) {
        Ok(text) if text.len() <= MAX_NAME => Val::Str(Rc::from(text)),
        _ => Val::Other,
    })
}

/// Strips the quotes that protocol 0 `STRING` arguments must carry.
fn unquote(bytes: &[u8]) -> Result<&[u8], String> {
    match bytes {
        [q @ (b'\'' | b'"'), inner @ .., end] if q == end => Ok(inner),
        _ => Err("STRING argument is not quoted".into()),
    }
}

/// The memo index of `GET`/`PUT` (decimal text) and their binary forms.
fn index(opcode: &str, arg: &ArgVal<'_>) -> Result<u64, String> {
    match arg {
        ArgVal::Int(i) => Ok(*i),
        ArgVal::Bytes(text) => std::str::from_utf8(text)
            .ok()
            .and_then(|t| t.trim().parse().ok())
            .ok_or_else(|| format!("{opcode} index is not a number")),
        _ => Err(format!("{opcode} without an index")),
    }
}

/// A little-endian unsigned integer of up to 8 bytes.
pub(super) fn le_u64(bytes: &[u8]) -> u64 {
    bytes
        .iter()
        .rev()
        .fold(0u64, |acc, &b| (acc << 8) | u64::from(b))
}
