//! Which pickle imports may pass. An allow-list decides: the globals that plain tensors, NumPy
//! arrays and standard containers need are allowed, the policy can allow more
//! (`artifact.allow_globals`), and everything else blocks. Known-dangerous imports are named
//! with the reason they are dangerous and block even when the policy allows them. The lists
//! follow picklescan, modelscan and fickling (conformance/artifacts.md §5.1–5.3).

/// The decision for one import.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Allowed by the built-in list or by the policy.
    Allowed,
    /// Known to run code, touch files or the network; the reason says what it can do.
    Dangerous(&'static str),
    /// Not known to be dangerous, but not allowed either.
    Unknown,
}

const RUNS_COMMANDS: &str = "can run shell commands";
const RUNS_CODE: &str = "can run arbitrary Python code";
const NETWORK: &str = "can open network connections";
const FILES: &str = "can read, write or delete files";
const INTROSPECTION: &str = "can reach any attribute or function of any object";
const NATIVE: &str = "can call native code or change the interpreter";

/// Modules that are dangerous as a whole, with their submodules.
const DANGEROUS_MODULES: &[(&str, &str)] = &[
    ("os", RUNS_COMMANDS),
    ("posix", RUNS_COMMANDS),
    ("nt", RUNS_COMMANDS),
    ("subprocess", RUNS_COMMANDS),
    ("_posixsubprocess", RUNS_COMMANDS),
    ("pty", RUNS_COMMANDS),
    ("commands", RUNS_COMMANDS),
    ("multiprocessing", RUNS_COMMANDS),
    ("platform", RUNS_COMMANDS),
    ("pip", RUNS_COMMANDS),
    ("ensurepip", RUNS_COMMANDS),
    ("venv", RUNS_COMMANDS),
    ("webbrowser", RUNS_COMMANDS),
    ("pydoc", RUNS_COMMANDS),
    ("_osx_support", RUNS_COMMANDS),
    ("_aix_support", RUNS_COMMANDS),
    ("runpy", RUNS_CODE),
    ("code", RUNS_CODE),
    ("codeop", RUNS_CODE),
    ("marshal", RUNS_CODE),
    ("types", RUNS_CODE),
    ("importlib", RUNS_CODE),
    ("_frozen_importlib", RUNS_CODE),
    ("_frozen_importlib_external", RUNS_CODE),
    ("_imp", RUNS_CODE),
    ("imp", RUNS_CODE),
    ("pkgutil", RUNS_CODE),
    ("zipimport", RUNS_CODE),
    ("pickle", RUNS_CODE),
    ("_pickle", RUNS_CODE),
    ("dill", RUNS_CODE),
    ("cloudpickle", RUNS_CODE),
    ("shelve", RUNS_CODE),
    ("pdb", RUNS_CODE),
    ("bdb", RUNS_CODE),
    ("doctest", RUNS_CODE),
    ("timeit", RUNS_CODE),
    ("trace", RUNS_CODE),
    ("profile", RUNS_CODE),
    ("cProfile", RUNS_CODE),
    ("idlelib", RUNS_CODE),
    ("lib2to3", RUNS_CODE),
    ("_pyrepl", RUNS_CODE),
    ("test", RUNS_CODE),
    ("site", RUNS_CODE),
    ("torch.hub", RUNS_CODE),
    ("torch.jit", RUNS_CODE),
    ("torch._dynamo", RUNS_CODE),
    ("torch._inductor", RUNS_CODE),
    ("torch.serialization", RUNS_CODE),
    ("torch.utils.collect_env", RUNS_COMMANDS),
    ("torch.utils.bottleneck", RUNS_CODE),
    ("numpy.f2py", RUNS_CODE),
    ("numpy.distutils", RUNS_CODE),
    ("numpy.testing", RUNS_CODE),
    ("distutils", FILES),
    ("socket", NETWORK),
    ("ssl", NETWORK),
    ("http", NETWORK),
    ("httplib", NETWORK),
    ("urllib", NETWORK),
    ("urllib2", NETWORK),
    ("requests", NETWORK),
    ("aiohttp", NETWORK),
    ("asyncio", NETWORK),
    ("ftplib", NETWORK),
    ("smtplib", NETWORK),
    ("imaplib", NETWORK),
    ("poplib", NETWORK),
    ("telnetlib", NETWORK),
    ("nntplib", NETWORK),
    ("socketserver", NETWORK),
    ("xmlrpc", NETWORK),
    ("shutil", FILES),
    ("tempfile", FILES),
    ("fileinput", FILES),
    ("glob", FILES),
    ("tarfile", FILES),
    ("zipfile", FILES),
    ("sqlite3", FILES),
    ("mmap", FILES),
    ("ctypes", NATIVE),
    ("_ctypes", NATIVE),
    ("sys", NATIVE),
    ("gc", NATIVE),
    ("signal", NATIVE),
    ("_signal", NATIVE),
    ("threading", NATIVE),
    ("_thread", NATIVE),
    ("atexit", NATIVE),
    ("inspect", INTROSPECTION),
];

/// Single dangerous names in modules that are otherwise harmless.
const DANGEROUS_NAMES: &[(&str, &[&str], &str)] = &[
    (
        "builtins",
        &["eval", "exec", "compile", "__import__", "execfile", "apply"],
        RUNS_CODE,
    ),
    (
        "builtins",
        &["breakpoint", "input", "help", "exit", "quit"],
        RUNS_CODE,
    ),
    ("builtins", &["open", "file"], FILES),
    (
        "builtins",
        &["getattr", "setattr", "delattr", "globals", "locals", "vars"],
        INTROSPECTION,
    ),
    (
        "operator",
        &["attrgetter", "itemgetter", "methodcaller"],
        INTROSPECTION,
    ),
    (
        "_operator",
        &["attrgetter", "itemgetter", "methodcaller"],
        INTROSPECTION,
    ),
    ("functools", &["partial", "reduce"], INTROSPECTION),
    ("io", &["open", "FileIO", "open_code"], FILES),
    ("_io", &["open", "FileIO", "open_code"], FILES),
    ("logging", &["FileHandler"], FILES),
    ("uuid", &["_get_command_stdout", "_popen"], RUNS_COMMANDS),
    ("torch", &["load", "compile"], RUNS_CODE),
    ("torch.storage", &["_load_from_bytes"], RUNS_CODE),
];

/// What plain tensors, NumPy arrays and standard containers need.
const ALLOWED: &[(&str, &[&str])] = &[
    (
        "collections",
        &["OrderedDict", "Counter", "defaultdict", "deque"],
    ),
    (
        "builtins",
        &[
            "set",
            "frozenset",
            "complex",
            "bytearray",
            "bytes",
            "slice",
            "range",
        ],
    ),
    (
        "builtins",
        &[
            "list", "dict", "tuple", "int", "float", "bool", "str", "object",
        ],
    ),
    ("_codecs", &["encode"]),
    ("copyreg", &["_reconstructor"]),
    (
        "datetime",
        &["date", "datetime", "time", "timedelta", "timezone"],
    ),
    ("decimal", &["Decimal"]),
    ("numpy", &["ndarray", "dtype"]),
    ("numpy.core.multiarray", &["_reconstruct", "scalar"]),
    ("numpy._core.multiarray", &["_reconstruct", "scalar"]),
    (
        "torch._utils",
        &[
            "_rebuild_tensor",
            "_rebuild_tensor_v2",
            "_rebuild_tensor_v3",
        ],
    ),
    (
        "torch._utils",
        &["_rebuild_parameter", "_rebuild_parameter_with_state"],
    ),
    (
        "torch._utils",
        &["_rebuild_sparse_tensor", "_rebuild_meta_tensor_no_storage"],
    ),
    ("torch._tensor", &["_rebuild_from_type_v2"]),
    ("torch.nn.parameter", &["Parameter"]),
    ("torch.storage", &["UntypedStorage", "TypedStorage"]),
    ("torch.serialization", &["_get_layout"]),
    (
        "torch",
        &["Size", "device", "Tensor", "strided", "sparse_coo"],
    ),
    (
        "torch",
        &[
            "float16",
            "float32",
            "float64",
            "bfloat16",
            "complex64",
            "complex128",
        ],
    ),
    (
        "torch",
        &["uint8", "int8", "int16", "int32", "int64", "bool"],
    ),
    (
        "torch",
        &[
            "FloatStorage",
            "DoubleStorage",
            "HalfStorage",
            "BFloat16Storage",
        ],
    ),
    (
        "torch",
        &["LongStorage", "IntStorage", "ShortStorage", "CharStorage"],
    ),
    (
        "torch",
        &[
            "ByteStorage",
            "BoolStorage",
            "ComplexFloatStorage",
            "ComplexDoubleStorage",
        ],
    ),
    (
        "torch",
        &[
            "QInt8Storage",
            "QUInt8Storage",
            "QInt32Storage",
            "QUInt4x2Storage",
        ],
    ),
    ("torch", &["QUInt2x4Storage"]),
];

/// Names that Python 3 maps from their Python 2 spelling when it unpickles protocols 0–2.
fn normalise(module: &str) -> &str {
    match module {
        "__builtin__" | "__builtins__" | "exceptions" => "builtins",
        "copy_reg" => "copyreg",
        "cPickle" => "pickle",
        "httplib" => "http.client",
        "urllib2" => "urllib.request",
        "commands" => "subprocess",
        "Queue" => "queue",
        "_socket" => "socket",
        _ => module,
    }
}

/// `module` is `parent` or one of its submodules.
fn within(module: &str, parent: &str) -> bool {
    module
        .strip_prefix(parent)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
}

/// Matches a policy entry: `"module.name"` exactly, or `"module.*"` for every name in the
/// module and its submodules.
fn policy_allows(module: &str, name: &str, entry: &str) -> bool {
    match entry.strip_suffix(".*") {
        Some(prefix) => within(module, prefix),
        None => entry.strip_prefix(module).and_then(|r| r.strip_prefix('.')) == Some(name),
    }
}

/// Decides one import. `allow` holds the policy's extra entries.
pub fn classify(module: &str, name: &str, allow: &[String]) -> Verdict {
    let module = normalise(module);
    let top_name = name.split('.').next().unwrap_or(name);
    if let Some((_, reason)) = DANGEROUS_MODULES.iter().find(|(m, _)| within(module, m)) {
        return Verdict::Dangerous(reason);
    }
    let named = DANGEROUS_NAMES
        .iter()
        .find(|(m, names, _)| *m == module && names.contains(&top_name));
    if let Some((_, _, reason)) = named {
        return Verdict::Dangerous(reason);
    }
    let built_in = ALLOWED
        .iter()
        .any(|(m, names)| *m == module && names.contains(&name));
    if built_in || allow.iter().any(|entry| policy_allows(module, name, entry)) {
        Verdict::Allowed
    } else {
        Verdict::Unknown
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn imports_are_classified_by_allow_list_first_and_deny_list_always() {
        let allow = vec!["__main__.Custom".to_string(), "sklearn.*".to_string()];
        let cases = [
            ("posix", "system", Verdict::Dangerous(RUNS_COMMANDS)),
            ("os.path", "join", Verdict::Dangerous(RUNS_COMMANDS)),
            ("__builtin__", "eval", Verdict::Dangerous(RUNS_CODE)),
            ("builtins", "getattr", Verdict::Dangerous(INTROSPECTION)),
            ("subprocess", "Popen", Verdict::Dangerous(RUNS_COMMANDS)),
            ("runpy", "_run_code", Verdict::Dangerous(RUNS_CODE)),
            ("socket", "create_connection", Verdict::Dangerous(NETWORK)),
            ("collections", "OrderedDict", Verdict::Allowed),
            ("__builtin__", "set", Verdict::Allowed),
            ("torch._utils", "_rebuild_tensor_v2", Verdict::Allowed),
            ("torch", "FloatStorage", Verdict::Allowed),
            ("numpy.core.multiarray", "_reconstruct", Verdict::Allowed),
            ("__main__", "Custom", Verdict::Allowed),
            ("__main__", "Other", Verdict::Unknown),
            (
                "sklearn.linear_model",
                "LogisticRegression",
                Verdict::Allowed,
            ),
            ("sklearnx", "Model", Verdict::Unknown),
            ("ossify", "x", Verdict::Unknown),
        ];
        for (module, name, expected) in cases {
            assert_eq!(classify(module, name, &allow), expected, "{module}.{name}");
        }
    }

    #[test]
    fn policy_cannot_allow_a_dangerous_import() {
        let allow = vec!["os.*".to_string(), "builtins.eval".to_string()];
        assert_eq!(
            classify("os", "system", &allow),
            Verdict::Dangerous(RUNS_COMMANDS)
        );
        assert_eq!(
            classify("builtins", "eval", &allow),
            Verdict::Dangerous(RUNS_CODE)
        );
    }
}
