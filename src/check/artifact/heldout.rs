//! A held-out set of model files built at test time, byte by byte (nothing is ever
//! unpickled): files that run code when loaded, one group per way a loader was seen to
//! differ from the walker (issue classes 1–8) plus the classic payloads, and files that do
//! not, as joblib, NumPy, scikit-learn, PyTorch and the standard library write them. The
//! default policy must block every unsafe file but one at most and pass all safe ones but two
//! at most. `OUTBOUND_HELDOUT_DIR=/some/dir` also writes the files there, to compare other
//! scanners with tests/fixtures/artifacts/differential.py.

use super::*;
use crate::container::build;

/// A pickle under construction.
#[derive(Clone, Default)]
struct P(Vec<u8>);

impl P {
    /// A pickle that declares `proto` (nothing for protocols 0 and 1).
    fn new(proto: u8) -> P {
        P(if proto >= 2 {
            vec![0x80, proto]
        } else {
            vec![]
        })
    }
    fn op(mut self, bytes: &[u8]) -> P {
        self.0.extend_from_slice(bytes);
        self
    }
    /// `SHORT_BINUNICODE`.
    fn s(mut self, text: &str) -> P {
        self.0.push(0x8c);
        self.0.push(text.len() as u8);
        self.0.extend_from_slice(text.as_bytes());
        self
    }
    /// `GLOBAL` (protocol 0 text).
    fn global(self, module: &str, name: &str) -> P {
        self.op(format!("c{module}\n{name}\n").as_bytes())
    }
    /// `STACK_GLOBAL` of two strings.
    fn sg(self, module: &str, name: &str) -> P {
        self.s(module).s(name).op(b"\x93")
    }
    /// Calls what is on the stack with one string argument.
    fn call(self, arg: &str) -> P {
        self.s(arg).op(b"\x85R")
    }
    fn int(self, n: u8) -> P {
        self.op(&[b'K', n])
    }
    fn stop(self) -> Vec<u8> {
        self.op(b".").0
    }
}

/// `module.name("id")` in protocol 4.
fn payload(module: &str, name: &str) -> Vec<u8> {
    P::new(4).sg(module, name).call("id").stop()
}

/// `module.name("id")` in protocol 0.
fn payload0(module: &str, name: &str) -> Vec<u8> {
    format!("c{module}\n{name}\n(S'id'\ntR.").into_bytes()
}

/// Callables that run code, on deny lists or not (the allow-list must catch the others).
const DANGEROUS: &[(&str, &str)] = &[
    ("posix", "system"),
    ("os", "system"),
    ("nt", "system"),
    ("subprocess", "Popen"),
    ("subprocess", "check_output"),
    ("builtins", "eval"),
    ("builtins", "exec"),
    ("__builtin__", "eval"),
    ("runpy", "_run_code"),
    ("pty", "spawn"),
    ("webbrowser", "open"),
    ("socket", "create_connection"),
    ("shutil", "rmtree"),
    ("importlib", "import_module"),
    ("pickle", "loads"),
    ("marshal", "loads"),
    ("types", "FunctionType"),
    ("torch", "load"),
    ("numpy.testing._private.utils", "runstring"),
    ("operator", "attrgetter"),
    ("functools", "partial"),
    ("builtins", "getattr"),
    ("ctypes", "CDLL"),
    ("_posixsubprocess", "fork_exec"),
    ("code", "interact"),
    ("cProfile", "run"),
    ("timeit", "timeit"),
    ("pydoc", "pipepager"),
    ("venv", "create"),
    ("asyncio", "create_subprocess_shell"),
    // Not on any deny list: only the allow-list stops these.
    ("logging.config", "listen"),
    ("sqlite3", "connect"),
    ("xmlrpc.client", "ServerProxy"),
    ("evil_pkg.hooks", "install"),
    ("setuptools.sandbox", "run_setup"),
    ("distutils.spawn", "spawn"),
    ("pip._internal.cli.main", "main"),
    ("jinja2", "Template"),
    ("yaml", "unsafe_load"),
    ("torch.utils.cpp_extension", "load_inline"),
];

fn zip_torch(pickle: &[u8]) -> Vec<u8> {
    build::zip(&[
        ("archive/data.pkl", pickle),
        ("archive/version", b"3\n"),
        ("archive/data/0", &[0u8; 16]),
    ])
}

fn npy(descr: &str, body: &[u8]) -> Vec<u8> {
    let header = format!("{{'descr': {descr}, 'fortran_order': False, 'shape': (1,), }}");
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend((header.len() as u16).to_le_bytes());
    out.extend(header.as_bytes());
    out.extend(body);
    out
}

fn npy_plain() -> Vec<u8> {
    npy("'<f8'", &1.5f64.to_le_bytes())
}

/// A tensor as `torch.save` pickles it: `_rebuild_tensor_v2` of a persistent storage.
fn torch_state_dict() -> Vec<u8> {
    P::new(2)
        .global("collections", "OrderedDict")
        .op(b")R(")
        .s("w")
        .global("torch._utils", "_rebuild_tensor_v2")
        .op(b"((")
        .s("storage")
        .global("torch", "FloatStorage")
        .s("0")
        .s("cpu")
        .int(4)
        .op(b"tQ")
        .int(0)
        .int(4)
        .op(b"\x85")
        .int(1)
        .op(b"\x85\x89")
        .global("collections", "OrderedDict")
        .op(b")Rtq\x00Ru")
        .stop()
}

/// A NumPy dtype as pickled: `numpy.dtype(code, False, True)` with its state.
fn dtype(p: P, code: &str) -> P {
    p.sg("numpy", "dtype")
        .s(code)
        .op(b"\x89\x88\x87R")
        .op(b"(K\x03")
        .s("<")
        .op(b"NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00tb")
}

/// joblib's layout: a dict `{name: NumpyArrayWrapper}` whose `BUILD` is followed by the raw
/// array bytes (`array`), with the alignment padding when `aligned`, then `tail` before the
/// final `STOP`.
fn joblib(code: &str, shape: u8, array: &[u8], aligned: bool, tail: &[u8]) -> Vec<u8> {
    let mut p = P::new(4)
        .op(b"}\x94(")
        .s("w")
        .sg("joblib.numpy_pickle", "NumpyArrayWrapper")
        .op(b")\x81}(")
        .s("subclass")
        .sg("numpy", "ndarray")
        .s("shape")
        .int(shape)
        .op(b"\x85")
        .s("order")
        .s("C")
        .s("dtype");
    p = dtype(p, code);
    if aligned {
        p = p
            .s("allow_mmap")
            .op(b"\x88")
            .s("numpy_array_alignment_bytes")
            .int(16);
    }
    p = p.op(b"ub");
    if aligned {
        p = p.op(&[3, 0xff, 0xff, 0xff]);
    }
    p.op(array).op(tail).op(b"u").stop()
}

/// A joblib object array: the wrapper is followed by a whole nested pickle.
fn joblib_objects(nested: &[u8]) -> Vec<u8> {
    let p = P::new(4)
        .op(b"}\x94(")
        .s("o")
        .sg("joblib.numpy_pickle", "NumpyArrayWrapper")
        .op(b")\x81}(")
        .s("shape")
        .int(2)
        .op(b"\x85")
        .s("dtype");
    dtype(p, "O8").op(b"ub").op(nested).op(b"u").stop()
}

/// An object array pickled as NumPy does (`_reconstruct`), holding `items`.
fn object_array(items: P) -> Vec<u8> {
    let p = P::new(2)
        .global("numpy.core.multiarray", "_reconstruct")
        .global("numpy", "ndarray")
        .int(0)
        .op(b"\x85C\x01b\x87R(K\x01K\x02\x85");
    dtype(p, "O8").op(b"\x89]").op(&items.0).op(b"tb").stop()
}

/// A file that starts like a safetensors header (length 1112, then `{`) but is a pickle.
fn safetensors_pickle(body: &[u8]) -> Vec<u8> {
    let mut out = b"X\x04\x00\x00\x00\x00\x00\x00{0".to_vec();
    out.extend(body);
    out.resize(1200, 0);
    out
}

fn safetensors_valid() -> Vec<u8> {
    let header = r#"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#;
    let mut out = (header.len() as u64).to_le_bytes().to_vec();
    out.extend(header.as_bytes());
    out.extend([0u8; 8]);
    out
}

/// The MEMOIZE desynchronisation: a walker that stores at the highest index + 1 sees
/// `collections.OrderedDict` where CPython, storing at `len(memo)`, gets `module.name`.
fn memo_desync(module: &str, name: &str) -> Vec<u8> {
    P::new(4)
        .s("x")
        .op(b"q\x000")
        .s("collections")
        .op(b"q\x020")
        .s(module)
        .op(b"\x940")
        .s("OrderedDict")
        .op(b"q\x030")
        .s(name)
        .op(b"\x940")
        .op(b"h\x02h\x03\x93")
        .call("id")
        .stop()
}

/// Text memo indices written as `int()` reads them.
fn text_indices(index: &str, module: &str, name: &str) -> Vec<u8> {
    let mut p = P::new(0)
        .op(b"(")
        .op(format!("S'{module}'\np{index}\n0").as_bytes());
    p = p.op(format!("S'{name}'\np7\n0").as_bytes());
    p.op(format!("g{index}\ng7\n").as_bytes())
        .op(b"\x93(S'id'\ntR.")
        .0
}

/// A legacy PyTorch tar checkpoint whose `pickle` member holds `pickle`, with two float
/// storages; `storage_type` names the second one's type (a payload in a bad file).
fn torch_tar_with(pickle: &[u8], storage_type: (&str, &str)) -> Vec<u8> {
    let mut storages = P::new(2).int(2).stop();
    for (key, (module, name)) in [("0", ("torch", "FloatStorage")), ("1", storage_type)] {
        let tuple = P::new(2)
            .s(key)
            .s("cpu")
            .global(module, name)
            .op(b"\x87")
            .stop();
        storages.extend(tuple);
        storages.extend(2u64.to_le_bytes());
        storages.extend(b"cos\nsyst");
    }
    storages.extend(P::new(2).op(b"]").stop());
    let mut tensors = P::new(2).int(1).stop();
    tensors.extend(
        P::new(2)
            .s("t")
            .s("0")
            .global("torch", "FloatTensor")
            .op(b"\x87")
            .stop(),
    );
    tensors.extend(1u32.to_le_bytes());
    tensors.extend([0u8; 4 + 16 + 8]);
    build::tar(&[
        ("sys_info", &P::new(2).op(b"}").stop()),
        ("pickle", pickle),
        ("storages", &storages),
        ("tensors", &tensors),
    ])
}

fn torch_tar(pickle: &[u8]) -> Vec<u8> {
    torch_tar_with(pickle, ("torch", "FloatStorage"))
}

/// Compresses bytes into a container.
type Pack = fn(&[u8]) -> Vec<u8>;

struct Case {
    class: &'static str,
    name: String,
    data: Vec<u8>,
}

fn case(class: &'static str, name: impl Into<String>, data: Vec<u8>) -> Case {
    Case {
        class,
        name: name.into(),
        data,
    }
}

fn unsafe_cases() -> Vec<Case> {
    let d = DANGEROUS;
    let mut out = Vec::new();
    // 1. MEMOIZE stores at len(memo).
    for (m, n) in &d[..5] {
        out.push(case(
            "1 memoize",
            format!("memo_{n}.pkl"),
            memo_desync(m, n),
        ));
    }
    // 2. Back-to-back pickles; imports made before a failure.
    for (i, (m, n)) in d[5..9].iter().enumerate() {
        let mut data = Vec::new();
        for _ in 0..(8 + 3 * i) {
            data.extend(P::new(2).op(b"N").stop());
        }
        data.extend(payload(m, n));
        out.push(case("2 back-to-back", format!("many_{i}.pt"), data));
    }
    for (i, (m, n)) in d[9..12].iter().enumerate() {
        let mut first = P::new(4).sg(m, n).call("id").0;
        first.extend(b"\xff\xff");
        out.push(case(
            "2 fails part-way",
            format!("fail_first_{i}.pkl"),
            first,
        ));
        let mut later = P::new(2).op(b"N").stop();
        later.extend(P::new(4).sg(m, n).call("id").op(b"\xfe").0);
        out.push(case(
            "2 fails part-way",
            format!("fail_later_{i}.pkl"),
            later,
        ));
        let mut lenient = format!("c{m}\n{n}\n(S'id'\ntR").into_bytes();
        lenient.push(0xfe);
        out.push(case(
            "2 fails part-way",
            format!("fail_lenient_{i}.bin"),
            lenient,
        ));
    }
    // 3. Text numbers as int() reads them.
    for (i, index) in ["1_0", "+3", " 4", "05\r", "1_2_3"].iter().enumerate() {
        let (m, n) = d[i];
        let name = format!("numbers_{i}.pkl");
        out.push(case("3 int()", name, text_indices(index, m, n)));
    }
    // 4. Looks like safetensors, parses as a pickle.
    for (i, (m, n)) in d[12..15].iter().enumerate() {
        let body = P::new(0).sg(m, n).call("id").stop();
        let name = ["model.bin", "weights.safetensors", "blob"][i];
        out.push(case("4 safetensors", name, safetensors_pickle(&body)));
    }
    // 5. Zip members: CRC, bzip2, LZMA, storage paths outside a checkpoint.
    for (i, (m, n)) in d[15..18].iter().enumerate() {
        let p = payload(m, n);
        let crc = build::break_crcs(zip_torch(&p));
        out.push(case("5 zip crc", format!("crc_{i}.pt"), crc));
        let bz = build::zip_with(&[("archive/data.pkl", &p)], zip::CompressionMethod::Bzip2);
        out.push(case("5 zip bzip2", format!("bz_{i}.pt"), bz));
        let npy = npy("'|O'", &p);
        out.push(case(
            "5 zip lzma",
            format!("lz_{i}.npz"),
            build::zip_lzma("a.npy", &npy),
        ));
        let npz = build::zip(&[("data.pkl", b"\x80\x02N."), ("data/0", &npy)]);
        out.push(case("5 npz storage path", format!("storage_{i}.npz"), npz));
    }
    // 6. .npy headers as Python literals.
    let descrs = [
        "'|\\x4f'", "'object'", "'|\\117'", "u'|O'", "'|' 'O'", "'i4,O'",
    ];
    for (i, descr) in descrs.iter().enumerate() {
        let (m, n) = d[18 + i];
        out.push(case(
            "6 npy",
            format!("obj_{i}.npy"),
            npy(descr, &payload(m, n)),
        ));
    }
    let escaped_key = {
        let header = "{'\\x64escr': '|O', 'fortran_order': False, 'shape': (1,)}";
        let mut f = b"\x93NUMPY\x01\x00".to_vec();
        f.extend((header.len() as u16).to_le_bytes());
        f.extend(header.as_bytes());
        f.extend(payload("posix", "system"));
        f
    };
    out.push(case("6 npy", "escaped_key.npy", escaped_key));
    // 7. Names and containers.
    let names = [
        "model.model",
        "clf.sav",
        "last.ckpt",
        "noext",
        "notes.txt",
        "w.weights",
    ];
    for (i, name) in names.iter().enumerate() {
        let (m, n) = d[24 + i];
        out.push(case("7 protocol 0", *name, payload0(m, n)));
    }
    let streams: [(&str, Pack); 6] = [
        ("m.pkl.gz", build::gzip),
        ("m.joblib", build::zlib),
        ("m.pkl.bz2", build::bzip2),
        ("m.pkl.xz", build::xz),
        ("m.pkl.zst", build::zstd),
        ("m.pkl", build::lzma_alone),
    ];
    for (i, (name, pack)) in streams.iter().enumerate() {
        let (m, n) = d[30 + i];
        out.push(case(
            "7 streams",
            format!("{i}_{name}"),
            pack(&payload(m, n)),
        ));
    }
    for (i, (m, n)) in d[36..40].iter().enumerate() {
        let p = payload(m, n);
        let tar = build::tar(&[("model.joblib", &p), ("code/inference.py", b"print(1)\n")]);
        out.push(case("7 tar", format!("model_{i}.tar"), tar.clone()));
        out.push(case(
            "7 tar.gz",
            format!("model_{i}.tar.gz"),
            build::gzip(&tar),
        ));
        let legacy = if i % 2 == 0 {
            torch_tar(&p)
        } else {
            torch_tar_with(&torch_state_dict(), (m, n))
        };
        out.push(case("7 torch tar", format!("legacy_{i}.pt"), legacy));
        let nested = build::zip(&[("inner/m.tar.gz", &build::gzip(&tar))]);
        out.push(case("7 nested", format!("nested_{i}.zip"), nested));
    }
    out.push(case(
        "7 7z",
        "m.7z",
        b"7z\xbc\xaf\x27\x1c\x00\x04rest".to_vec(),
    ));
    // 8. Dotted names.
    for (i, (m, n)) in [
        ("sklearn", "os.system"),
        ("torch", "serialization.os.system"),
    ]
    .iter()
    .enumerate()
    {
        out.push(case("8 dotted", format!("dotted_{i}.pkl"), payload(m, n)));
    }
    out.push(case(
        "8 dotted",
        "six.pkl",
        payload("six.moves.builtins", "eval"),
    ));
    // Classic payloads: every dangerous callable in plain, torch, npy and joblib files.
    for (i, (m, n)) in d.iter().take(35).enumerate() {
        let data = match i % 5 {
            0 => payload0(m, n),
            1 => zip_torch(&payload(m, n)),
            2 => npy("'|O'", &P::new(2).global(m, n).call("id").stop()),
            3 => joblib(
                "<f8",
                1,
                &2.0f64.to_le_bytes(),
                true,
                &payload(m, n)[2..payload(m, n).len() - 1],
            ),
            _ => joblib_objects(&payload(m, n)),
        };
        let ext = ["pkl", "pt", "npy", "joblib", "joblib"][i % 5];
        out.push(case("classic", format!("classic_{i}.{ext}"), data));
    }
    let more: [(&str, Vec<u8>); 6] = [
        ("ext.pkl", b"\x80\x02\x82\x01)R.".to_vec()),
        ("inst.pkl", b"(S'id'\nios\nsystem\n.".to_vec()),
        (
            "reconstructor.pkl",
            P::new(2)
                .global("copy_reg", "_reconstructor")
                .global("os", "system")
                .op(b"\x85R.")
                .0,
        ),
        ("user.pkl", P::new(4).sg("__main__", "Evil").op(b")\x81.").0),
        (
            "joblib_short.joblib",
            joblib(
                "<f8",
                0,
                &[],
                true,
                &payload("os", "system")[2..payload("os", "system").len() - 1],
            ),
        ),
        (
            "npz_plain_and_obj.npz",
            build::zip(&[
                ("a.npy", &npy_plain()),
                ("b.npy", &npy("'|O'", &payload("os", "system"))),
            ]),
        ),
    ];
    for (name, data) in more {
        out.push(case("classic", name, data));
    }
    // joblib's layout loaded with pickle.load: the "array bytes" are opcodes.
    let inside = P::new(0).global("os", "system").call("id").0;
    let alt = joblib("|u1", inside.len() as u8, &inside, false, b"");
    out.push(case("classic", "joblib_layout.pkl", alt));
    out
}

fn safe_cases() -> Vec<Case> {
    let mut out = Vec::new();
    let plain = P::new(4)
        .op(b"}(")
        .s("a")
        .int(1)
        .s("b")
        .op(b"]K\x02a")
        .op(b"u")
        .stop();
    out.push(case("plain", "dict.pkl", plain.clone()));
    out.push(case(
        "plain",
        "dict0.pkl",
        b"(dp0\nS'a'\np1\nI1\ns.".to_vec(),
    ));
    out.push(case(
        "plain",
        "ordered.pkl",
        P::new(2).global("collections", "OrderedDict").op(b")R.").0,
    ));
    out.push(case("torch", "model.pt", zip_torch(&torch_state_dict())));
    out.push(case(
        "torch",
        "model_crc.pt",
        build::break_crcs(zip_torch(&torch_state_dict())),
    ));
    let mut storage = torch_state_dict();
    storage.extend(b"cos\nsystem\n");
    let tricky = build::zip(&[
        ("archive/data.pkl", &torch_state_dict()),
        ("archive/data/0", &storage),
    ]);
    out.push(case("torch", "storage_bytes.pt", tricky));
    let mut legacy = Vec::new();
    for _ in 0..3 {
        legacy.extend(P::new(2).int(1).stop());
    }
    legacy.extend(torch_state_dict());
    legacy.extend(P::new(2).op(b"]").s("0").op(b"a").stop());
    legacy.extend(4u64.to_le_bytes());
    legacy.extend([0u8; 16]);
    out.push(case("torch", "legacy.pt", legacy));
    out.push(case(
        "torch",
        "legacy_tar.pt",
        torch_tar(&torch_state_dict()),
    ));
    out.push(case("numpy", "a.npy", npy_plain()));
    out.push(case(
        "numpy",
        "b.npz",
        build::zip(&[("a.npy", &npy_plain()), ("b.npy", &npy_plain())]),
    ));
    let deflated = build::zip_with(&[("a.npy", &npy_plain())], zip::CompressionMethod::Deflated);
    out.push(case("numpy", "c.npz", deflated));
    out.push(case(
        "numpy",
        "bz.npz",
        build::zip_with(&[("a.npy", &npy_plain())], zip::CompressionMethod::Bzip2),
    ));
    out.push(case(
        "numpy",
        "lz.npz",
        build::zip_lzma("a.npy", &npy_plain()),
    ));
    out.push(case(
        "numpy",
        "objects.npy",
        npy("'|O'", &object_array(P::new(0).int(1).s("a"))),
    ));
    let frombuffer = dtype(
        P::new(5)
            .sg("numpy._core.numeric", "_frombuffer")
            .op(b"(\x96\x08\0\0\0\0\0\0\0\0\0\0\0\0\0\xf0?"),
        "f8",
    )
    .int(1)
    .op(b"\x85")
    .s("C")
    .op(b"tR")
    .stop();
    out.push(case("numpy", "proto5.pkl", frombuffer.clone()));
    let generator = P::new(4)
        .sg("numpy.random._pickle", "__generator_ctor")
        .sg("numpy.random._pickle", "__bit_generator_ctor")
        .sg("numpy.random._pcg64", "PCG64")
        .op(b"\x85R\x85R}b")
        .sg("numpy.random.bit_generator", "__pyx_unpickle_SeedSequence")
        .sg("numpy.random.bit_generator", "SeedSequence")
        .op(b"J\"\xa2\xea\x03N\x87R.")
        .0;
    out.push(case("numpy", "rng.pkl", generator));
    out.push(case(
        "numpy",
        "scalar.pkl",
        dtype(P::new(2).global("numpy.core.multiarray", "scalar"), "f8")
            .op(b"C\x08\0\0\0\0\0\0\xf0?\x86R")
            .stop(),
    ));
    // joblib: arrays with and without padding, compressed, object arrays, tricky array bytes.
    let floats: Vec<u8> = (0..4).flat_map(|i| f64::from(i).to_le_bytes()).collect();
    out.push(case(
        "joblib",
        "arrays.joblib",
        joblib("<f8", 4, &floats, true, b""),
    ));
    out.push(case(
        "joblib",
        "old.joblib",
        joblib("<f8", 4, &floats, false, b""),
    ));
    out.push(case(
        "joblib",
        "text.joblib",
        joblib("<U3", 2, &[0x61; 24], true, b""),
    ));
    let fake = b"cos\nsystem\n(S'id'\ntR.".repeat(2);
    out.push(case(
        "joblib",
        "payload_bytes.joblib",
        joblib("|u1", fake.len() as u8, &fake, true, b""),
    ));
    out.push(case(
        "joblib",
        "z.joblib",
        build::zlib(&joblib("<f8", 4, &floats, true, b"")),
    ));
    out.push(case(
        "joblib",
        "g.joblib.gz",
        build::gzip(&joblib("<f8", 4, &floats, true, b"")),
    ));
    out.push(case(
        "joblib",
        "x.pkl.xz",
        build::xz(&joblib("<f8", 4, &floats, true, b"")),
    ));
    out.push(case(
        "joblib",
        "l.pkl",
        build::lzma_alone(&joblib("<f8", 4, &floats, true, b"")),
    ));
    out.push(case(
        "joblib",
        "objects.joblib",
        joblib_objects(&object_array(P::new(0).int(1).s("a"))),
    ));
    // scikit-learn estimators (their globals as scikit-learn 1.9 writes them).
    let est = |module: &str, name: &str| {
        P::new(4)
            .sg(module, name)
            .op(b")\x81}(")
            .s("coef_")
            .op(&frombuffer[2..frombuffer.len() - 1])
            .s("_sklearn_version")
            .s("1.9.1")
            .op(b"ub.")
            .0
    };
    let estimators = [
        ("sklearn.linear_model._logistic", "LogisticRegression"),
        ("sklearn.preprocessing._data", "StandardScaler"),
        ("sklearn.ensemble._forest", "RandomForestClassifier"),
        ("sklearn.tree._classes", "DecisionTreeClassifier"),
        ("sklearn.ensemble._gb", "GradientBoostingClassifier"),
        ("sklearn.svm._classes", "SVC"),
        ("sklearn.cluster._kmeans", "KMeans"),
        ("sklearn.neighbors._classification", "KNeighborsClassifier"),
        ("sklearn.feature_extraction.text", "TfidfVectorizer"),
        (
            "sklearn.ensemble._hist_gradient_boosting.gradient_boosting",
            "HistGradientBoostingClassifier",
        ),
    ];
    for (m, n) in estimators {
        out.push(case("sklearn", format!("{n}.pkl"), est(m, n)));
    }
    let pipeline = P::new(4)
        .sg("sklearn.pipeline", "Pipeline")
        .op(b")\x81}(")
        .s("steps")
        .op(b"]")
        .s("s")
        .sg("sklearn.preprocessing._data", "StandardScaler")
        .op(b")\x81}b\x86a")
        .op(b"ub.")
        .0;
    out.push(case("sklearn", "pipeline.pkl", pipeline.clone()));
    out.push(case("sklearn", "pipeline.joblib", build::zlib(&pipeline)));
    let tree = P::new(4)
        .sg("sklearn.tree._tree", "Tree")
        .int(3)
        .op(b"\x85R}b.")
        .0;
    out.push(case("sklearn", "tree.pkl", tree));
    let sagemaker = build::gzip(&build::tar(&[
        ("model.joblib", &pipeline),
        ("code/inference.py", b"import joblib\n"),
    ]));
    out.push(case("sklearn", "model.tar.gz", sagemaker));
    // The standard library's plain data classes.
    out.push(case(
        "stdlib",
        "xrange.pkl",
        P::new(2)
            .global("__builtin__", "xrange")
            .int(5)
            .op(b"\x85R.")
            .0,
    ));
    let classes = [
        ("fractions", "Fraction"),
        ("uuid", "UUID"),
        ("argparse", "Namespace"),
        ("types", "SimpleNamespace"),
        ("pathlib", "PurePosixPath"),
        ("pathlib", "PureWindowsPath"),
        ("re", "_compile"),
        ("datetime", "datetime"),
        ("decimal", "Decimal"),
    ];
    for (m, n) in classes {
        out.push(case(
            "stdlib",
            format!("{n}.pkl"),
            P::new(4).sg(m, n).call("1").stop(),
        ));
    }
    out.push(case("other", "w.safetensors", safetensors_valid()));
    out.push(case("other", "ckpt.pkl.gz", build::gzip(&plain)));
    out.push(case(
        "other",
        "firmware.bin",
        b"\x7fELF\x02\x01\x01\0cos\nsystem".to_vec(),
    ));
    out.push(case(
        "other",
        "README.txt",
        b"cmake\nbuild\nthen run it\n".to_vec(),
    ));
    out
}

fn blocks(case: &Case) -> bool {
    let findings = check_file(&case.name, &case.data, true, &ArtifactOptions::default());
    findings.iter().any(|f| f.severity == Severity::Block)
}

fn dump(dir: &str, label: &str, cases: &[Case]) {
    let dir = std::path::Path::new(dir).join(label);
    let _ = std::fs::create_dir_all(&dir);
    for (i, c) in cases.iter().enumerate() {
        let _ = std::fs::write(dir.join(format!("{i:03}_{}", c.name)), &c.data);
    }
}

#[allow(clippy::print_stdout)] // prints the figure the closing note quotes
#[test]
fn held_out_set_blocks_the_unsafe_files_and_passes_the_safe_ones() {
    let unsafe_files = unsafe_cases();
    let safe_files = safe_cases();
    if let Ok(dir) = std::env::var("OUTBOUND_HELDOUT_DIR") {
        dump(&dir, "unsafe", &unsafe_files);
        dump(&dir, "safe", &safe_files);
    }
    let missed: Vec<String> = unsafe_files
        .iter()
        .filter(|c| !blocks(c))
        .map(|c| format!("{} {}", c.class, c.name))
        .collect();
    let refused: Vec<String> = safe_files
        .iter()
        .filter(|c| blocks(c))
        .map(|c| format!("{} {}", c.class, c.name))
        .collect();
    println!(
        "held-out set: {}/{} unsafe files blocked, {}/{} safe files blocked",
        unsafe_files.len() - missed.len(),
        unsafe_files.len(),
        refused.len(),
        safe_files.len()
    );
    assert!(refused.is_empty(), "{refused:#?}");
    assert_eq!((unsafe_files.len(), safe_files.len()), (119, 54));
    assert!(missed.len() <= 1, "unsafe files that pass: {missed:#?}");
    assert!(refused.len() <= 2, "safe files that block: {refused:#?}");
}

#[test]
fn every_numbered_class_of_bypass_blocks() {
    for c in unsafe_cases() {
        assert!(blocks(&c), "{} {} passes", c.class, c.name);
    }
}

#[test]
fn a_policy_wildcard_never_lets_a_dotted_path_or_a_dangerous_import_through() {
    let opts = ArtifactOptions {
        allow_globals: vec![
            "sklearn.*".into(),
            "six.*".into(),
            "torch.*".into(),
            "os.*".into(),
        ],
        ..Default::default()
    };
    for c in unsafe_cases() {
        let findings = check_file(&c.name, &c.data, true, &opts);
        let blocked = findings.iter().any(|f| f.severity == Severity::Block);
        let user_class = c.name == "user.pkl";
        assert!(
            blocked || user_class,
            "{} {} passes with wildcards",
            c.class,
            c.name
        );
    }
}

#[test]
fn a_main_class_blocks_naming_the_class_and_the_policy_key() {
    let data = P::new(4).sg("__main__", "MyNet").op(b")\x81.").0;
    let findings = check_file("net.pkl", &data, true, &ArtifactOptions::default());
    let message = findings
        .first()
        .map(|f| f.message.as_str())
        .unwrap_or_default();
    assert!(message.contains("`__main__.MyNet`"), "{message}");
    assert!(message.contains("artifact.allow_globals"), "{message}");
}
