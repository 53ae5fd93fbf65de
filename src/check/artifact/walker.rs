//! The machine behind `pickle::walk`: reads one opcode at a time through the table in
//! `opcodes.rs` and applies its effect to a symbolic stack and memo that mirror CPython's
//! unpickler closely enough to name every import: strings (for `STACK_GLOBAL` operands),
//! small integers, tuples, dictionaries, imported globals, the objects they build and NumPy
//! dtypes. The memo behaves as CPython's: `MEMOIZE` stores at `len(memo)`, a `GET` of a
//! missing index fails, and text indices are read as `int()` reads them.
//!
//! Two loaders read bytes that are not opcodes in the middle of a pickle, and the walker
//! follows them exactly: joblib's `NumpyArrayWrapper` (after its `BUILD` come the raw array
//! bytes, or a nested pickle for object arrays) and nothing else; anything it cannot size
//! exactly ends the walk with an error rather than a guess.

use super::opcodes::{self, Arg, Effect, OpInfo};
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

/// The target of an import opcode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// `module` and `name` as written in the pickle.
    Global { module: String, name: String },
    /// An import that cannot be known without running the pickle (a `STACK_GLOBAL` whose
    /// operands are not plain strings, an `EXT` code from the copyreg registry).
    Unresolved(String),
}

/// One import found in a pickle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Import {
    pub target: Target,
    /// Byte offset of the opcode inside the walked data.
    pub offset: usize,
    /// The opcode that imports: `GLOBAL`, `STACK_GLOBAL`, `INST`, `EXT1`...
    pub opcode: &'static str,
}

/// How often the opcodes that call, build or fetch objects occur.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Calls {
    pub reduce: usize,
    pub build: usize,
    pub newobj: usize,
    pub newobj_ex: usize,
    pub inst_obj: usize,
    pub ext: usize,
    pub persid: usize,
}

/// Why a walk stopped before `STOP`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WalkError {
    pub offset: usize,
    pub message: String,
}

/// The result of walking one pickle.
#[derive(Debug, Clone, Default)]
pub struct Walk {
    pub imports: Vec<Import>,
    pub calls: Calls,
    /// The protocol declared by `PROTO`, if any.
    pub protocol: Option<u8>,
    /// Offset just past `STOP`, or where the walk stopped.
    pub end: usize,
    pub error: Option<WalkError>,
    /// The pickled value when it is a small integer (a count in legacy PyTorch files).
    pub int_result: Option<i128>,
}

/// Whether `path` could be imported by an unpickler: dot-separated Python identifiers. An
/// import of anything else fails before it can run, whatever the module.
pub fn is_identifier_path(path: &str) -> bool {
    path.split('.').all(|part| {
        let mut chars = part.chars();
        chars.next().is_some_and(|c| c == '_' || c.is_alphabetic())
            && chars.all(|c| c == '_' || c.is_alphanumeric())
    })
}

/// Above this depth the walker stops tracking the stack and treats every `STACK_GLOBAL`
/// operand as unknown, so that a flood of marks costs neither memory nor a missed import.
pub(crate) const MAX_STACK: usize = 100_000;
/// Strings longer than this cannot be module or attribute names worth resolving.
const MAX_NAME: usize = 1024;
/// Tuples and dictionaries with more items than this are not tracked item by item.
const MAX_ITEMS: usize = 64;
/// Nested pickles (joblib object arrays) deeper than this are refused.
const MAX_NESTING: usize = 8;

/// joblib's placeholder for an array whose bytes follow the pickle opcode `BUILD`.
const JOBLIB_WRAPPERS: &[(&str, &str)] = &[
    ("joblib.numpy_pickle", "NumpyArrayWrapper"),
    ("sklearn.externals.joblib.numpy_pickle", "NumpyArrayWrapper"),
];

/// A NumPy dtype seen in the pickle: its type string (`'<f8'`, `'U3'`, `'V16'`) and, once
/// its state was built, whether a structured dtype holds objects.
#[derive(Debug, Default)]
struct Dtype {
    code: String,
    object_fields: Option<bool>,
}

#[derive(Debug, Clone)]
enum Val {
    Mark,
    Str(Rc<str>),
    Int(i128),
    None,
    Global(Rc<(String, String)>),
    Tuple(Rc<Vec<Val>>),
    Dict(Rc<RefCell<Vec<(Val, Val)>>>),
    /// An instance of the imported class `module.name`.
    Obj(Rc<(String, String)>),
    Dtype(Rc<RefCell<Dtype>>),
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
    memo: HashMap<u64, Val>,
    /// Set when the stack grew past `MAX_STACK`: stack errors are no longer reported.
    untracked: bool,
    /// Whether joblib's array layout is followed (off inside a nested pickle).
    joblib: bool,
    nesting: usize,
    /// End of the current `FRAME`, if one is open.
    frame_end: usize,
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
            untracked: false,
            joblib: true,
            nesting: 0,
            frame_end: 0,
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
                if let Some(Val::Int(n)) = self.stack.last() {
                    self.walk.int_result = Some(*n);
                }
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
        match info.name {
            "BININT" => {
                let ArgVal::Int(v) = arg else { return Ok(()) };
                self.stack.push(Val::Int(i128::from(v as u32 as i32)));
                return Ok(());
            }
            "BININT1" | "BININT2" => {
                let ArgVal::Int(v) = arg else { return Ok(()) };
                self.stack.push(Val::Int(i128::from(v)));
                return Ok(());
            }
            "INT" | "LONG" => {
                let ArgVal::Bytes(text) = arg else {
                    return Ok(());
                };
                self.stack
                    .push(plain_int(text).map_or(Val::Other, Val::Int));
                return Ok(());
            }
            "LONG1" => {
                let ArgVal::Bytes(bytes) = arg else {
                    return Ok(());
                };
                self.stack.push(long1(bytes).map_or(Val::Other, Val::Int));
                return Ok(());
            }
            "NONE" => {
                self.stack.push(Val::None);
                return Ok(());
            }
            "EMPTY_TUPLE" => {
                self.stack.push(Val::Tuple(Rc::new(Vec::new())));
                return Ok(());
            }
            "TUPLE1" | "TUPLE2" | "TUPLE3" => {
                let n = usize::from(info.name.as_bytes()[5] - b'0');
                let mut items = Vec::with_capacity(n);
                for _ in 0..n {
                    items.push(self.pop()?);
                }
                items.reverse();
                self.stack.push(Val::Tuple(Rc::new(items)));
                return Ok(());
            }
            "TUPLE" => {
                let items = self.pop_to_mark()?;
                self.stack.push(tuple(items));
                return Ok(());
            }
            "EMPTY_DICT" => {
                self.stack.push(Val::Dict(Rc::default()));
                return Ok(());
            }
            "DICT" => {
                let items = self.pop_to_mark()?;
                let dict = Val::Dict(Rc::default());
                set_items(&dict, items);
                self.stack.push(dict);
                return Ok(());
            }
            "SETITEM" => {
                let value = self.pop()?;
                let key = self.pop()?;
                set_items(&self.top()?, Some(vec![key, value]));
                return Ok(());
            }
            "SETITEMS" => {
                let items = self.pop_to_mark()?;
                set_items(&self.top()?, items);
                return Ok(());
            }
            "REDUCE" => {
                let args = self.pop()?;
                let func = self.pop()?;
                self.stack.push(reduced(&func, &args));
                return Ok(());
            }
            "NEWOBJ" | "NEWOBJ_EX" => {
                if info.name == "NEWOBJ_EX" {
                    self.pop()?;
                }
                self.pop()?;
                let class = self.pop()?;
                self.stack.push(match class {
                    Val::Global(g) => Val::Obj(g),
                    _ => Val::Other,
                });
                return Ok(());
            }
            "BUILD" => return self.build(),
            _ => {}
        }
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
            Effect::Memoize => self.put(self.memo.len() as u64)?,
            Effect::Get => self.get(info.name, index(info.name, &arg)?)?,
            Effect::Global => {
                self.global(info, arg)?;
            }
            Effect::StackGlobal => self.stack_global()?,
            Effect::Inst => {
                let class = self.global(info, arg)?;
                self.pop()?;
                self.pop_mark()?;
                self.stack.push(Val::Obj(class));
            }
            Effect::Ext => self.ext(info, arg),
            Effect::Proto => self.proto(arg)?,
            Effect::Frame => {
                let ArgVal::Int(len) = arg else { return Ok(()) };
                self.frame_end = usize::try_from(len)
                    .ok()
                    .and_then(|len| self.pos.checked_add(len))
                    .unwrap_or(usize::MAX);
            }
            Effect::Stop => {}
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
        self.pop_to_mark().map(|_| ())
    }

    /// Pops down to the topmost mark: the items above it in order, or `None` when there were
    /// too many to track.
    fn pop_to_mark(&mut self) -> Result<Option<Vec<Val>>, String> {
        let mut items = Vec::new();
        let mut tracked = true;
        while let Some(val) = self.stack.pop() {
            if matches!(val, Val::Mark) {
                items.reverse();
                return Ok(tracked.then_some(items));
            }
            if items.len() < MAX_ITEMS * 2 {
                items.push(val);
            } else {
                tracked = false;
            }
        }
        if self.untracked {
            Ok(None)
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
        self.memo.insert(key, top);
        Ok(())
    }

    fn get(&mut self, opcode: &str, key: u64) -> Result<(), String> {
        match self.memo.get(&key) {
            Some(val) => {
                let val = val.clone();
                self.stack.push(val);
                Ok(())
            }
            None if self.untracked => {
                self.stack.push(Val::Other);
                Ok(())
            }
            None => Err(format!("{opcode} of memo index {key}, which is empty")),
        }
    }

    fn record(&mut self, target: Target, opcode: &'static str) {
        let offset = self.op_start;
        self.walk.imports.push(Import {
            target,
            offset,
            opcode,
        });
    }

    fn global(&mut self, info: OpInfo, arg: ArgVal<'a>) -> Result<Rc<(String, String)>, String> {
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
        let global = Rc::new((module.to_string(), name.to_string()));
        if info.effect == Effect::Global {
            self.stack.push(Val::Global(global.clone()));
        }
        Ok(global)
    }

    fn stack_global(&mut self) -> Result<(), String> {
        let name = self.pop()?;
        let module = self.pop()?;
        let (target, val) = match (module, name) {
            (Val::Str(module), Val::Str(name)) => (
                Target::Global {
                    module: module.to_string(),
                    name: name.to_string(),
                },
                Val::Global(Rc::new((module.to_string(), name.to_string()))),
            ),
            _ => (
                Target::Unresolved("STACK_GLOBAL operands are not plain strings".into()),
                Val::Other,
            ),
        };
        self.record(target, "STACK_GLOBAL");
        self.stack.push(val);
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

    /// `BUILD`: pops the state and sets it on the object below. A NumPy dtype learns whether
    /// its fields hold objects; a joblib array wrapper is followed by its array's bytes.
    fn build(&mut self) -> Result<(), String> {
        let state = self.pop()?;
        match self.top()? {
            Val::Dtype(dtype) => {
                let mut dtype = dtype.borrow_mut();
                dtype.object_fields = Some(holds_object_dtype(&state, 0));
            }
            Val::Obj(class) if self.joblib && is_joblib_wrapper(&class) => {
                self.joblib_array(&state)?;
                self.stack.pop();
                self.stack.push(Val::Other);
            }
            _ => {}
        }
        Ok(())
    }

    /// Skips or walks what joblib reads after a `NumpyArrayWrapper`: a nested pickle for an
    /// array of objects, else an optional padding byte and padding, then the raw elements.
    fn joblib_array(&mut self, state: &Val) -> Result<(), String> {
        if self.pos < self.frame_end {
            return Err("a joblib array starts inside a pickle frame".into());
        }
        let field = |key: &str| dict_get(state, key);
        let dtype = match field("dtype") {
            Some(Val::Dtype(dtype)) => dtype,
            _ => return Err("a joblib array without a readable dtype".into()),
        };
        let dtype = dtype.borrow();
        let (itemsize, object) = itemsize(&dtype.code, dtype.object_fields)
            .ok_or_else(|| format!("a joblib array of dtype {:?} cannot be sized", dtype.code))?;
        if object {
            return self.nested_pickle();
        }
        self.as_plain_pickle();
        let count = match field("shape") {
            Some(Val::Tuple(dims)) => dims.iter().try_fold(1u64, |acc, d| match d {
                Val::Int(n) => u64::try_from(*n).ok().and_then(|n| acc.checked_mul(n)),
                _ => None,
            }),
            _ => None,
        };
        let count = count.ok_or("a joblib array without a readable shape")?;
        if field("numpy_array_alignment_bytes").is_some() {
            let padding = self.take(1)?[0];
            self.take(usize::from(padding))?;
        }
        let len = count
            .checked_mul(itemsize)
            .and_then(|n| usize::try_from(n).ok())
            .ok_or("a joblib array too large to exist")?;
        self.take(len)
            .map_err(|_| format!("a joblib array of {len} bytes runs past the end"))?;
        Ok(())
    }

    /// `pickle.load` does not know joblib's layout and reads raw array bytes as opcodes: walk
    /// them that way too, from a copy of the stack and memo (strings, numbers and imports
    /// kept), and keep the imports that could have run, resolved to importable names. (The
    /// nested pickle of an object array is walked as joblib reads it only: read by
    /// `pickle.load` it would refer to the outer memo, and its ordinary references to the
    /// outer strings would look like imports.)
    fn as_plain_pickle(&mut self) {
        if self.nesting >= MAX_NESTING {
            return;
        }
        let mut alt = Walker::new(self.data);
        alt.pos = self.pos;
        alt.joblib = false;
        alt.nesting = self.nesting + 1;
        alt.frame_end = self.frame_end;
        alt.stack = self.stack.iter().map(plain_copy).collect();
        alt.memo = self.memo.iter().map(|(k, v)| (*k, plain_copy(v))).collect();
        let _ = alt.run();
        let imports = alt.walk.imports.into_iter().filter(|i| match &i.target {
            Target::Global { module, name } => {
                is_identifier_path(module) && is_identifier_path(name)
            }
            Target::Unresolved(_) => false,
        });
        self.walk.imports.extend(imports);
    }

    /// A complete pickle inside this one, read by a fresh unpickler (joblib object arrays).
    fn nested_pickle(&mut self) -> Result<(), String> {
        if self.nesting >= MAX_NESTING {
            return Err("joblib arrays nested too deep".into());
        }
        let mut inner = Walker::new(self.data);
        inner.pos = self.pos;
        inner.joblib = false;
        inner.nesting = self.nesting + 1;
        let result = inner.run();
        let walk = std::mem::take(&mut inner.walk);
        self.walk.imports.extend(walk.imports);
        let c = walk.calls;
        let calls = &mut self.walk.calls;
        calls.reduce += c.reduce;
        calls.build += c.build;
        calls.newobj += c.newobj;
        calls.newobj_ex += c.newobj_ex;
        calls.inst_obj += c.inst_obj;
        calls.ext += c.ext;
        calls.persid += c.persid;
        self.pos = inner.pos;
        result.map_err(|e| {
            self.op_start = inner.op_start;
            format!("in a joblib object array: {e}")
        })
    }
}

/// A value without shared mutable parts, for a walk that must not change this one's.
fn plain_copy(val: &Val) -> Val {
    match val {
        Val::Mark | Val::Str(_) | Val::Int(_) | Val::None | Val::Global(_) | Val::Obj(_) => {
            val.clone()
        }
        _ => Val::Other,
    }
}

fn is_joblib_wrapper(class: &(String, String)) -> bool {
    JOBLIB_WRAPPERS
        .iter()
        .any(|(m, n)| class.0 == *m && class.1 == *n)
}

fn tuple(items: Option<Vec<Val>>) -> Val {
    match items {
        Some(items) if items.len() <= MAX_ITEMS => Val::Tuple(Rc::new(items)),
        _ => Val::Other,
    }
}

/// Adds key/value pairs to a tracked dictionary; untracked items make it forget its keys.
fn set_items(dict: &Val, items: Option<Vec<Val>>) {
    let Val::Dict(dict) = dict else { return };
    let mut dict = dict.borrow_mut();
    let Some(items) = items else {
        dict.clear();
        dict.push((Val::Other, Val::Other));
        return;
    };
    for pair in items.chunks(2) {
        if let [key, value] = pair {
            if let Val::Str(k) = key {
                dict.retain(|(old, _)| !matches!(old, Val::Str(o) if o == k));
            }
            if dict.len() < MAX_ITEMS {
                dict.push((key.clone(), value.clone()));
            }
        }
    }
}

/// The value of the string key `key` in a tracked dictionary. A dictionary holding a key
/// that is not a string (or an untracked item) answers nothing, since that key might equal
/// `key` at load time.
fn dict_get(dict: &Val, key: &str) -> Option<Val> {
    let Val::Dict(dict) = dict else { return None };
    let dict = dict.borrow();
    if dict.iter().any(|(k, _)| !matches!(k, Val::Str(_))) {
        return None;
    }
    dict.iter()
        .find(|(k, _)| matches!(k, Val::Str(s) if &**s == key))
        .map(|(_, v)| v.clone())
}

/// What `REDUCE` of `func` with `args` gives: a dtype for `numpy.dtype('<code>', ...)`, an
/// instance for a class called directly or through `copyreg._reconstructor`.
fn reduced(func: &Val, args: &Val) -> Val {
    let Val::Global(g) = func else {
        return Val::Other;
    };
    let first = match args {
        Val::Tuple(items) => items.first().cloned(),
        _ => None,
    };
    match (g.0.as_str(), g.1.as_str(), first) {
        ("numpy", "dtype", Some(Val::Str(code))) => Val::Dtype(Rc::new(RefCell::new(Dtype {
            code: code.to_string(),
            object_fields: None,
        }))),
        ("copyreg" | "copy_reg", "_reconstructor", Some(Val::Global(class))) => Val::Obj(class),
        _ => Val::Obj(g.clone()),
    }
}

/// Whether a dtype's state (or anything inside it) names an object dtype.
fn holds_object_dtype(val: &Val, depth: usize) -> bool {
    if depth > 16 {
        return true;
    }
    match val {
        Val::Dtype(d) => {
            let d = d.borrow();
            itemsize(&d.code, d.object_fields).is_none_or(|(_, object)| object)
        }
        Val::Tuple(items) => items.iter().any(|v| holds_object_dtype(v, depth + 1)),
        Val::Dict(items) => items
            .borrow()
            .iter()
            .any(|(k, v)| holds_object_dtype(k, depth + 1) || holds_object_dtype(v, depth + 1)),
        Val::Other | Val::Obj(_) | Val::Global(_) => true,
        _ => false,
    }
}

/// Bytes per element of a NumPy type string, and whether it holds Python objects; `None`
/// when the string is not understood (or a structured dtype's fields are unknown).
fn itemsize(code: &str, object_fields: Option<bool>) -> Option<(u64, bool)> {
    let code = code.trim_start_matches(['<', '>', '|', '=']);
    let kind = code.chars().next()?;
    let rest = &code[kind.len_utf8()..];
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    let tail = &rest[digits.len()..];
    let n: Option<u64> = digits.parse().ok();
    match kind {
        'O' => Some((8, true)),
        '?' if rest.is_empty() => Some((1, false)),
        'b' | 'i' | 'u' | 'f' | 'c' if tail.is_empty() => n.map(|n| (n, false)),
        'M' | 'm' if tail.is_empty() || (tail.starts_with('[') && tail.ends_with(']')) => {
            n.map(|n| (n, false))
        }
        'S' | 'a' if tail.is_empty() => n.map(|n| (n, false)),
        'U' if tail.is_empty() => n.and_then(|n| n.checked_mul(4)).map(|n| (n, false)),
        'V' if tail.is_empty() => {
            let object = object_fields?;
            n.map(|n| (n, object))
        }
        _ => None,
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

/// The memo index of `GET`/`PUT` (decimal text, read as Python's `int()` reads it) and of
/// their binary forms. Negative text indices fail, as in CPython.
fn index(opcode: &str, arg: &ArgVal<'_>) -> Result<u64, String> {
    match arg {
        ArgVal::Int(i) => Ok(*i),
        ArgVal::Bytes(text) => match py_int10(text) {
            Some(i) if i >= 0 => {
                u64::try_from(i).map_err(|_| format!("{opcode} index {i} is too large"))
            }
            Some(i) => Err(format!("negative {opcode} argument {i}")),
            None => Err(format!("{opcode} index is not a number")),
        },
        _ => Err(format!("{opcode} without an index")),
    }
}

/// Parses text as Python's `int(text)` does in base 10: surrounding ASCII whitespace, an
/// optional sign, digits with single underscores between them. `None` when `int()` would
/// fail (or the value is beyond 38 digits, which no memo index reaches).
pub(crate) fn py_int10(text: &[u8]) -> Option<i128> {
    let ws = |b: &u8| matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c);
    let start = text.iter().position(|b| !ws(b))?;
    let end = text.iter().rposition(|b| !ws(b))? + 1;
    let mut body = &text[start..end];
    let negative = match body.first() {
        Some(b'-') => {
            body = &body[1..];
            true
        }
        Some(b'+') => {
            body = &body[1..];
            false
        }
        _ => false,
    };
    if body.first().is_none_or(|b| !b.is_ascii_digit()) || body.last() == Some(&b'_') {
        return None;
    }
    let mut value: i128 = 0;
    let mut last_underscore = false;
    for &b in body {
        if b == b'_' {
            if last_underscore {
                return None;
            }
            last_underscore = true;
            continue;
        }
        last_underscore = false;
        if !b.is_ascii_digit() {
            return None;
        }
        value = value.checked_mul(10)?.checked_add(i128::from(b - b'0'))?;
    }
    Some(if negative { -value } else { value })
}

/// An `INT`/`LONG` argument, only when every unpickler reads it the same way: plain decimal
/// digits with an optional sign (and `L` for `LONG`), no leading zero.
fn plain_int(text: &[u8]) -> Option<i128> {
    let text = text.strip_suffix(b"L").unwrap_or(text);
    let digits = text.strip_prefix(b"-").unwrap_or(text);
    let plain = !digits.is_empty()
        && digits.iter().all(u8::is_ascii_digit)
        && (digits == b"0" || digits[0] != b'0');
    if !plain || digits.len() > 30 {
        return None;
    }
    py_int10(text)
}

/// A little-endian two's complement integer of up to 15 bytes (`LONG1`).
fn long1(bytes: &[u8]) -> Option<i128> {
    if bytes.len() > 15 {
        return None;
    }
    let mut value: i128 = 0;
    for &b in bytes.iter().rev() {
        value = (value << 8) | i128::from(b);
    }
    if bytes.last().is_some_and(|b| b & 0x80 != 0) {
        value -= 1i128 << (8 * bytes.len());
    }
    Some(value)
}

/// A little-endian unsigned integer of up to 8 bytes.
pub(super) fn le_u64(bytes: &[u8]) -> u64 {
    bytes
        .iter()
        .rev()
        .fold(0u64, |acc, &b| (acc << 8) | u64::from(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_numbers_are_read_as_python_int_reads_them() {
        let cases: [(&[u8], Option<i128>); 10] = [
            (b"1", Some(1)),
            (b"1_0", Some(10)),
            (b" +7 ", Some(7)),
            (b"-3", Some(-3)),
            (b"\t012\r", Some(12)),
            (b"1__0", None),
            (b"_1", None),
            (b"1_", None),
            (b"0x10", None),
            (b"", None),
        ];
        for (text, expected) in cases {
            assert_eq!(py_int10(text), expected, "{text:?}");
        }
    }

    #[test]
    fn numpy_type_strings_are_sized() {
        assert_eq!(itemsize("<f8", None), Some((8, false)));
        assert_eq!(itemsize("U3", None), Some((12, false)));
        assert_eq!(itemsize("|O", None), Some((8, true)));
        assert_eq!(itemsize("<M8[ns]", None), Some((8, false)));
        assert_eq!(itemsize("V16", None), None);
        assert_eq!(itemsize("V16", Some(true)), Some((16, true)));
        assert_eq!(itemsize("x9", None), None);
    }
}
