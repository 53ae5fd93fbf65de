//! Which pickle imports may pass. An allow-list decides: the globals that plain tensors, NumPy
//! arrays and standard containers need are allowed, the policy can allow more
//! (`artifact.allow_globals`), and everything else blocks. Known-dangerous imports are named
//! with the reason they are dangerous and block even when the policy allows them. The lists
//! follow picklescan, modelscan and fickling (conformance/artifacts.md §5.1–5.3); the
//! allow-list is in `allowed.rs`.

use super::allowed::ALLOWED;

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
    ("torch.utils.cpp_extension", RUNS_CODE),
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

/// Top-level modules that must not appear inside a module path or an attribute path: a
/// dotted name is resolved attribute by attribute (`sklearn` then `os` then `system`), and
/// sys.modules may hold aliases such as `six.moves.builtins`.
const NESTED_DANGEROUS: &[&str] = &[
    "builtins",
    "__builtin__",
    "__builtins__",
    "os",
    "posix",
    "nt",
    "subprocess",
    "sys",
    "importlib",
    "pickle",
    "_pickle",
    "marshal",
    "ctypes",
    "runpy",
    "pty",
    "shutil",
    "socket",
    "code",
    "types",
    "functools",
    "operator",
    "_operator",
    "io",
    "_io",
];

/// Function names that run commands, code or file operations wherever they are re-exported:
/// a wildcard in the policy never allows them.
const DANGEROUS_FUNCTIONS: &[&str] = &[
    "system",
    "popen",
    "Popen",
    "spawn",
    "spawnl",
    "spawnv",
    "spawnve",
    "execl",
    "execv",
    "execve",
    "execvp",
    "fork",
    "eval",
    "exec",
    "execfile",
    "compile",
    "__import__",
    "import_module",
    "getattr",
    "setattr",
    "delattr",
    "open",
    "run",
    "call",
    "check_call",
    "check_output",
    "getoutput",
    "getstatusoutput",
    "load",
    "loads",
    "apply",
    "input",
    "breakpoint",
    "remove",
    "unlink",
    "rmtree",
    "rmdir",
    "rename",
    "attrgetter",
    "methodcaller",
    "partial",
];

/// Single names that Python 3 maps from their Python 2 spelling (`_compat_pickle`).
fn normalise_name<'n>(module: &str, name: &'n str) -> (Option<&'static str>, &'n str) {
    match (module, name) {
        ("__builtin__", "xrange") => (Some("builtins"), "range"),
        ("__builtin__", "unicode") => (Some("builtins"), "str"),
        ("__builtin__", "long") => (Some("builtins"), "int"),
        ("__builtin__", "basestring") => (Some("builtins"), "str"),
        ("__builtin__", "reduce") => (Some("functools"), "reduce"),
        ("__builtin__", "intern") => (Some("sys"), "intern"),
        ("__builtin__", "raw_input") => (Some("builtins"), "input"),
        ("UserDict", "UserDict") => (Some("collections"), "UserDict"),
        _ => (None, name),
    }
}

/// Modules that Python 3 maps from their Python 2 spelling when it unpickles protocols 0–2.
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

/// Matches a policy entry: `"module.name"` exactly, or `"module.*"` for the plain names (no
/// attribute path, no dunder, no function that runs code) of the module and its submodules.
fn policy_allows(module: &str, name: &str, entry: &str) -> bool {
    match entry.strip_suffix(".*") {
        Some(prefix) => {
            within(module, prefix)
                && !name.contains('.')
                && !name.starts_with("__")
                && !DANGEROUS_FUNCTIONS.contains(&name)
                && !NESTED_DANGEROUS.contains(&name)
        }
        None => entry.strip_prefix(module).and_then(|r| r.strip_prefix('.')) == Some(name),
    }
}

/// Decides one import. `allow` holds the policy's extra entries.
///
/// An exact built-in entry decides first (it names the final object, so nothing is reached
/// through it). Then the deny-lists: a dangerous module or name, or — since CPython resolves
/// a dotted name attribute by attribute — a dangerous module, function or dunder anywhere
/// along the path. Only then the policy, which therefore can never allow what is denied.
pub fn classify(module: &str, name: &str, allow: &[String]) -> Verdict {
    let (mapped, name) = normalise_name(module, name);
    let module = mapped.unwrap_or_else(|| normalise(module));
    let built_in = ALLOWED
        .iter()
        .any(|(m, names)| *m == module && names.contains(&name));
    if built_in {
        return Verdict::Allowed;
    }
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
    if module
        .split('.')
        .skip(1)
        .any(|part| NESTED_DANGEROUS.contains(&part))
    {
        return Verdict::Dangerous(RUNS_CODE);
    }
    if name.contains('.') {
        let mut parts = name.split('.');
        let through = parts
            .clone()
            .any(|p| NESTED_DANGEROUS.contains(&p) || p.starts_with("__"));
        if through || parts.any(|p| DANGEROUS_FUNCTIONS.contains(&p)) {
            return Verdict::Dangerous(INTROSPECTION);
        }
    }
    if allow.iter().any(|entry| policy_allows(module, name, entry)) {
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
    fn a_wildcard_never_reaches_through_a_dotted_path_or_a_re_export() {
        let allow = vec!["sklearn.*".to_string(), "six.*".to_string()];
        let cases = [
            ("sklearn", "os.system"),
            ("sklearn", "utils.__builtins__"),
            ("sklearn.utils", "fixes.subprocess.Popen"),
            ("six.moves.builtins", "eval"),
            ("sklearn.utils", "system"),
            ("sklearn.utils", "__class__"),
            ("sklearn", "os"),
        ];
        for (module, name) in cases {
            assert_ne!(
                classify(module, name, &allow),
                Verdict::Allowed,
                "{module}.{name}"
            );
        }
        assert_eq!(
            classify("sklearn", "os.system", &allow),
            Verdict::Dangerous(INTROSPECTION)
        );
        assert_eq!(
            classify("sklearn.tree._classes", "DecisionTreeClassifier", &allow),
            Verdict::Allowed
        );
        let exact = vec!["mylib.models.Net.Inner".to_string()];
        assert_eq!(
            classify("mylib.models", "Net.Inner", &exact),
            Verdict::Allowed
        );
    }

    #[test]
    fn ordinary_checkpoints_and_fitted_models_are_allowed_by_default() {
        let cases = [
            ("__builtin__", "xrange"),
            ("numpy._core.numeric", "_frombuffer"),
            ("numpy.random._pickle", "__generator_ctor"),
            ("numpy.random.bit_generator", "__pyx_unpickle_SeedSequence"),
            ("joblib.numpy_pickle", "NumpyArrayWrapper"),
            ("sklearn.pipeline", "Pipeline"),
            ("sklearn.linear_model._logistic", "LogisticRegression"),
            ("sklearn.tree._tree", "Tree"),
            ("fractions", "Fraction"),
            ("uuid", "UUID"),
            ("argparse", "Namespace"),
            ("types", "SimpleNamespace"),
            ("pathlib", "PurePosixPath"),
            ("re", "_compile"),
        ];
        for (module, name) in cases {
            assert_eq!(
                classify(module, name, &[]),
                Verdict::Allowed,
                "{module}.{name}"
            );
        }
        assert_eq!(
            classify("types", "FunctionType", &[]),
            Verdict::Dangerous(RUNS_CODE)
        );
        assert_eq!(
            classify("__builtin__", "reduce", &[]),
            Verdict::Dangerous(INTROSPECTION)
        );
        assert_eq!(
            classify("uuid", "_popen", &[]),
            Verdict::Dangerous(RUNS_COMMANDS)
        );
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
