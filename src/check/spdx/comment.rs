//! Comment styles by file type: which markers open a comment in a file, and which one `fix
//! spdx` writes. Chosen by file name first (`Makefile`, `Dockerfile`), then by extension, the
//! way `reuse annotate` does; files that cannot hold a comment (JSON, CSV, notebooks) and
//! binaries need a `.license` sidecar or a REUSE.toml entry instead.

/// How a file type writes comments.
#[derive(Debug, PartialEq, Eq)]
pub struct Style {
    pub name: &'static str,
    /// Line-comment markers, recognised at the start of a line (after indentation).
    pub line: &'static [&'static str],
    /// Block-comment delimiters.
    pub block: Option<(&'static str, &'static str)>,
    /// `fix spdx` writes block comments even though line comments are understood (C89).
    pub write_block: bool,
}

impl Style {
    /// One header line as `fix spdx` writes it.
    pub fn comment(&self, text: &str) -> String {
        match (self.line.first(), self.block) {
            (_, Some((open, close))) if self.write_block => format!("{open} {text} {close}"),
            (Some(marker), _) => format!("{marker} {text}"),
            (None, Some((open, close))) => format!("{open} {text} {close}"),
            (None, None) => text.to_string(),
        }
    }
}

const fn style(
    name: &'static str,
    line: &'static [&'static str],
    block: Option<(&'static str, &'static str)>,
) -> Style {
    Style {
        name,
        line,
        block,
        write_block: false,
    }
}

pub const HASH: Style = style("hash", &["#"], None);
pub const C: Style = Style {
    write_block: true,
    ..style("c", &["//"], Some(("/*", "*/")))
};
pub const CSS: Style = style("css", &[], Some(("/*", "*/")));
pub const CPP: Style = style("cpp", &["//"], Some(("/*", "*/")));
pub const POWERSHELL: Style = style("powershell", &["#"], Some(("<#", "#>")));
pub const JULIA: Style = style("julia", &["#"], Some(("#=", "=#")));
pub const DASH: Style = style("dash", &["--"], None);
pub const HASKELL: Style = style("haskell", &["--"], Some(("{-", "-}")));
pub const SQL: Style = style("sql", &["--"], Some(("/*", "*/")));
pub const LUA: Style = style("lua", &["--"], Some(("--[[", "]]")));
pub const LISP: Style = style("lisp", &[";;", ";"], Some(("#|", "|#")));
pub const SEMICOLON: Style = style("semicolon", &[";", "#"], None);
pub const HTML: Style = style("html", &[], Some(("<!--", "-->")));
pub const TEX: Style = style("tex", &["%"], None);
pub const FORTRAN: Style = style("fortran", &["!"], None);
pub const FORTRAN_FIXED: Style = style("fortran-fixed", &["C", "c", "*", "!"], None);
pub const BATCH: Style = style("batch", &["REM", "@REM", "rem", "@rem", "::"], None);
pub const BASIC: Style = style("basic", &["'"], None);
pub const VIM: Style = style("vim", &["\""], None);
pub const RST: Style = style("rst", &[".."], None);
pub const ML: Style = style("ml", &[], Some(("(*", "*)")));
pub const JINJA: Style = style("jinja", &[], Some(("{#", "#}")));
pub const HANDLEBARS: Style = style("handlebars", &[], Some(("{{!--", "--}}")));
pub const M4: Style = style("m4", &["dnl"], None);
/// GNU as: `/* */` and `//` everywhere, and the line-comment character of each target: `#`
/// (x86, most), `@` (ARM), `!` (SuperH, SPARC), `;` (AVR, NASM), `|` (m68k). `fix spdx`
/// writes `/* */`, as the kernel's license rules ask for `.S` files.
pub const ASM: Style = Style {
    write_block: true,
    ..style("asm", &["//", "#", "@", "!", ";", "|"], Some(("/*", "*/")))
};

/// What a path is, as far as license headers go.
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub enum Kind {
    /// A text file with this comment style.
    Commentable(&'static Style),
    /// Text that cannot hold a comment: needs a sidecar or REUSE.toml.
    Uncommentable,
    /// A binary by type. Whether a file is binary is decided by its content; a text file with a
    /// binary's extension (a `.doc` that is plain text) is read like a file of no known style.
    Binary,
    /// No known comment style: a `SPDX-License-Identifier:` line counts wherever it stands in
    /// the window; without one the file needs a sidecar or a REUSE.toml annotation.
    Unknown,
}

const BY_NAME: &[(&str, Kind)] = &[
    ("Makefile", Kind::Commentable(&HASH)),
    ("GNUmakefile", Kind::Commentable(&HASH)),
    ("makefile", Kind::Commentable(&HASH)),
    ("Dockerfile", Kind::Commentable(&HASH)),
    ("Containerfile", Kind::Commentable(&HASH)),
    ("CMakeLists.txt", Kind::Commentable(&HASH)),
    ("Gemfile", Kind::Commentable(&HASH)),
    ("Rakefile", Kind::Commentable(&HASH)),
    ("Vagrantfile", Kind::Commentable(&HASH)),
    ("BUILD", Kind::Commentable(&HASH)),
    ("WORKSPACE", Kind::Commentable(&HASH)),
    ("Pipfile", Kind::Commentable(&HASH)),
    (".gitignore", Kind::Commentable(&HASH)),
    (".gitattributes", Kind::Commentable(&HASH)),
    (".gitmodules", Kind::Commentable(&HASH)),
    (".dockerignore", Kind::Commentable(&HASH)),
    (".editorconfig", Kind::Commentable(&HASH)),
    (".bashrc", Kind::Commentable(&HASH)),
    (".profile", Kind::Commentable(&HASH)),
    (".vimrc", Kind::Commentable(&VIM)),
    (".envrc", Kind::Commentable(&HASH)),
    ("Kconfig", Kind::Commentable(&HASH)),
    ("Kbuild", Kind::Commentable(&HASH)),
    ("defconfig", Kind::Commentable(&HASH)),
    ("Jenkinsfile", Kind::Commentable(&CPP)),
    ("go.mod", Kind::Commentable(&CPP)),
    ("go.sum", Kind::Uncommentable),
    ("Cargo.lock", Kind::Uncommentable),
    ("package-lock.json", Kind::Uncommentable),
];

const BY_EXT: &[(&[&str], Kind)] = &[
    (
        &[
            "py",
            "pyi",
            "pyw",
            "pyx",
            "sh",
            "bash",
            "zsh",
            "ksh",
            "fish",
            "rb",
            "gemspec",
            "rake",
            "pl",
            "pm",
            "t",
            "r",
            "yaml",
            "yml",
            "toml",
            "tf",
            "tfvars",
            "hcl",
            "nix",
            "awk",
            "cmake",
            "ex",
            "exs",
            "coffee",
            "cr",
            "nim",
            "tcl",
            "bzl",
            "gn",
            "mk",
            "dockerfile",
            "conf",
            "cfg",
            "properties",
            "env",
            "sed",
            "graphql",
        ],
        Kind::Commentable(&HASH),
    ),
    (&["ps1", "psm1", "psd1"], Kind::Commentable(&POWERSHELL)),
    (&["jl"], Kind::Commentable(&JULIA)),
    (&["c", "h"], Kind::Commentable(&C)),
    (&["S", "s", "asm", "nasm"], Kind::Commentable(&ASM)),
    (&["css"], Kind::Commentable(&CSS)),
    (
        &[
            "rs", "go", "java", "kt", "kts", "scala", "sc", "groovy", "gradle", "js", "mjs", "cjs",
            "jsx", "ts", "tsx", "mts", "cts", "swift", "dart", "cs", "cc", "cpp", "cxx", "c++",
            "hh", "hpp", "hxx", "cu", "cuh", "mm", "proto", "php", "zig", "v", "sv", "svh", "vh",
            "dts", "dtsi", "scss", "sass", "less", "fs", "fsx", "sol", "jsonc", "json5",
        ],
        Kind::Commentable(&CPP),
    ),
    (&["hs", "elm", "purs", "cabal"], Kind::Commentable(&HASKELL)),
    (&["adb", "ads", "vhd", "vhdl"], Kind::Commentable(&DASH)),
    (&["sql"], Kind::Commentable(&SQL)),
    (&["lua"], Kind::Commentable(&LUA)),
    (
        &[
            "el", "lisp", "lsp", "cl", "clj", "cljs", "cljc", "edn", "scm", "ss", "rkt", "fnl",
        ],
        Kind::Commentable(&LISP),
    ),
    (&["ini"], Kind::Commentable(&SEMICOLON)),
    (
        &[
            "html", "htm", "xhtml", "xml", "svg", "md", "markdown", "vue", "svelte", "xsd", "xsl",
            "xslt", "csproj", "fsproj", "vbproj", "props", "targets", "xaml", "wsdl", "plist",
            "kml", "dtd", "resx",
        ],
        Kind::Commentable(&HTML),
    ),
    (
        &["tex", "sty", "cls", "bib", "erl", "hrl"],
        Kind::Commentable(&TEX),
    ),
    (&["f90", "f95", "f03", "f08"], Kind::Commentable(&FORTRAN)),
    (&["f", "for", "f77"], Kind::Commentable(&FORTRAN_FIXED)),
    (&["bat", "cmd"], Kind::Commentable(&BATCH)),
    (&["vb", "vbs", "bas"], Kind::Commentable(&BASIC)),
    (&["vim"], Kind::Commentable(&VIM)),
    (&["rst"], Kind::Commentable(&RST)),
    (&["ml", "mli", "sml"], Kind::Commentable(&ML)),
    (&["j2", "jinja", "jinja2"], Kind::Commentable(&JINJA)),
    (&["hbs", "handlebars"], Kind::Commentable(&HANDLEBARS)),
    (&["m4"], Kind::Commentable(&M4)),
    (
        &["json", "csv", "tsv", "ipynb", "lock"],
        Kind::Uncommentable,
    ),
    (
        &[
            "png",
            "jpg",
            "jpeg",
            "gif",
            "bmp",
            "ico",
            "webp",
            "tif",
            "tiff",
            "pdf",
            "zip",
            "gz",
            "tgz",
            "bz2",
            "xz",
            "zst",
            "7z",
            "tar",
            "jar",
            "war",
            "class",
            "so",
            "dll",
            "dylib",
            "exe",
            "o",
            "a",
            "wasm",
            "pkl",
            "pickle",
            "pt",
            "pth",
            "ckpt",
            "bin",
            "safetensors",
            "onnx",
            "h5",
            "npy",
            "npz",
            "parquet",
            "woff",
            "woff2",
            "ttf",
            "otf",
            "mp3",
            "mp4",
            "wav",
            "ogg",
            "flac",
            "webm",
            "doc",
            "docx",
            "xls",
            "xlsx",
            "ppt",
            "pptx",
        ],
        Kind::Binary,
    ),
];

/// Model and data serialisations (a protocol-0 pickle is ASCII): whatever their bytes, a tag
/// inside them is data, never a license header (conformance S22).
pub fn is_serialised(path: &str) -> bool {
    const EXTS: [&str; 12] = [
        "pkl",
        "pickle",
        "pt",
        "pth",
        "ckpt",
        "bin",
        "safetensors",
        "onnx",
        "h5",
        "npy",
        "npz",
        "parquet",
    ];
    path.rsplit_once('.')
        .is_some_and(|(_, ext)| EXTS.contains(&ext.to_ascii_lowercase().as_str()))
}

/// The kind of `path` (`/`-separated), by name then extension (case-sensitive first, then not).
pub fn kind(path: &str) -> Kind {
    let name = path.rsplit('/').next().unwrap_or(path);
    if let Some((_, k)) = BY_NAME.iter().find(|(n, _)| *n == name) {
        return *k;
    }
    if name.starts_with("Dockerfile.") || name.starts_with("Containerfile.") {
        return Kind::Commentable(&HASH);
    }
    if name.starts_with("requirements") && name.ends_with(".txt") {
        return Kind::Commentable(&HASH);
    }
    // The kernel's build files: `Kconfig.debug`, `Makefile.lib`, `Kbuild.include`,
    // `x86_64_defconfig`.
    let build = ["Kconfig.", "Kbuild.", "Makefile."];
    if build.iter().any(|b| name.starts_with(b)) || name.ends_with("_defconfig") {
        return Kind::Commentable(&HASH);
    }
    let Some((stem, ext)) = name.rsplit_once('.') else {
        return Kind::Unknown;
    };
    if stem.is_empty() && !name[1..].contains('.') {
        // A dot file with no other extension (`.envrc`): no known style.
        return Kind::Unknown;
    }
    let find = |e: &str| {
        BY_EXT
            .iter()
            .find(|(exts, _)| exts.contains(&e))
            .map(|(_, k)| *k)
    };
    find(ext)
        .or_else(|| find(&ext.to_ascii_lowercase()))
        .unwrap_or(Kind::Unknown)
}

pub use crate::check::looks_binary;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_types_map_to_styles() {
        let cases: &[(&str, &str)] = &[
            ("src/main.rs", "cpp"),
            ("drv.c", "c"),
            ("x.h", "c"),
            ("a.hpp", "cpp"),
            ("main.go", "cpp"),
            ("A.java", "cpp"),
            ("b.kt", "cpp"),
            ("c.scala", "cpp"),
            ("d.ts", "cpp"),
            ("e.js", "cpp"),
            ("mod.py", "hash"),
            ("run.sh", "hash"),
            ("x.rb", "hash"),
            ("y.pl", "hash"),
            ("z.ps1", "powershell"),
            ("t.lua", "lua"),
            ("q.sql", "sql"),
            ("h.hs", "haskell"),
            ("l.el", "lisp"),
            ("l.clj", "lisp"),
            ("p.html", "html"),
            ("layout.xml", "html"),
            ("logo.svg", "html"),
            ("README.md", "html"),
            ("s.css", "css"),
            ("s.scss", "cpp"),
            ("ci.yml", "hash"),
            ("Cargo.toml", "hash"),
            ("setup.ini", "semicolon"),
            ("Dockerfile", "hash"),
            ("Dockerfile.dev", "hash"),
            ("Makefile", "hash"),
            ("CMakeLists.txt", "hash"),
            ("main.tf", "hash"),
            ("api.proto", "cpp"),
            ("paper.tex", "tex"),
            ("stats.R", "hash"),
            ("fit.jl", "julia"),
            ("App.swift", "cpp"),
            ("w.dart", "cpp"),
            ("index.php", "cpp"),
            ("lib.ex", "hash"),
            ("srv.erl", "tex"),
            ("solve.f90", "fortran"),
            ("old.f", "fortran-fixed"),
            ("top.vhd", "dash"),
            ("top.v", "cpp"),
            ("build.bat", "batch"),
            ("doc.rst", "rst"),
            (".gitignore", "hash"),
            (".envrc", "hash"),
            ("arch/x86/Kconfig", "hash"),
            ("Kconfig.debug", "hash"),
            ("scripts/Makefile.lib", "hash"),
            ("arch/arm/configs/multi_v7_defconfig", "hash"),
            ("head.S", "asm"),
            ("start.s", "asm"),
            ("boot.asm", "asm"),
        ];
        for (path, want) in cases {
            match kind(path) {
                Kind::Commentable(s) => assert_eq!(s.name, *want, "{path}"),
                other => panic!("{path}: {other:?}"),
            }
        }
    }

    #[test]
    fn data_and_binaries_are_not_commentable() {
        let cases = [
            ("package.json", Kind::Uncommentable),
            ("nb.ipynb", Kind::Uncommentable),
            ("Cargo.lock", Kind::Uncommentable),
            ("logo.png", Kind::Binary),
            ("model.pkl", Kind::Binary),
            ("notes.txt", Kind::Unknown),
            ("README", Kind::Unknown),
            (".mailmap", Kind::Unknown),
            ("LICENSE", Kind::Unknown),
        ];
        for (path, want) in cases {
            assert_eq!(kind(path), want, "{path}");
        }
    }

    #[test]
    fn header_lines_use_the_preferred_marker() {
        assert_eq!(CPP.comment("x"), "// x");
        assert_eq!(C.comment("x"), "/* x */");
        assert_eq!(HTML.comment("x"), "<!-- x -->");
        assert_eq!(BATCH.comment("x"), "REM x");
    }

    #[test]
    fn nul_bytes_mean_binary() {
        assert!(looks_binary(b"\x89PNG\r\n\x1a\n\0\0"));
        assert!(!looks_binary(
            "// SPDX-License-Identifier: MIT\n".as_bytes()
        ));
    }
}
