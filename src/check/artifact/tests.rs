//! The conformance cases of conformance/artifacts.md §5.5 and the public API, run against the
//! fixtures that tests/fixtures/artifacts/make.py generates.

use super::*;

macro_rules! fixture {
    ($name:literal) => {
        (
            $name,
            include_bytes!(concat!("../../../tests/fixtures/artifacts/", $name)) as &[u8],
        )
    };
}

const FIXTURES: &[(&str, &[u8])] = &[
    fixture!("p01_plain_dict.pkl"),
    fixture!("p02_os_system.pkl"),
    fixture!("p03_os_system_proto0.pkl"),
    fixture!("p04_eval_proto2.pkl"),
    fixture!("p05_ordered_dict.pkl"),
    fixture!("p06_custom_class.pkl"),
    fixture!("p07_torchlike.pt"),
    fixture!("p07_torch_clean.pt"),
    fixture!("p08_object_array.npy"),
    fixture!("p09_float32.npy"),
    fixture!("weights.bin"),
    fixture!("model.joblib"),
    fixture!("p12_valid.safetensors"),
    fixture!("p13_object_arrays.npz"),
    fixture!("p14_legacy.pt"),
    fixture!("p15_nested.zip"),
    fixture!("p16_truncated.pkl"),
    fixture!("p17_bad_offsets.safetensors"),
    fixture!("p18_sniffed_payload"),
];

fn bytes(name: &str) -> &'static [u8] {
    FIXTURES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, b)| *b)
        .unwrap_or_default()
}

/// `rule:severity` of every finding, sorted.
fn outcome(findings: &[Finding]) -> Vec<String> {
    let mut out: Vec<String> = findings
        .iter()
        .map(|f| format!("{}:{}", f.rule, f.severity.name()))
        .collect();
    out.sort();
    out
}

#[test]
fn conformance_table_model_files() {
    let cases: &[(&str, &str, &[&str])] = &[
        ("P01", "p01_plain_dict.pkl", &[]),
        ("P02", "p02_os_system.pkl", &["unsafe-pickle:block"]),
        ("P03", "p03_os_system_proto0.pkl", &["unsafe-pickle:block"]),
        ("P04", "p04_eval_proto2.pkl", &["unsafe-pickle:block"]),
        ("P05", "p05_ordered_dict.pkl", &[]),
        (
            "P06",
            "p06_custom_class.pkl",
            &["unknown-pickle-import:block"],
        ),
        ("P07", "p07_torchlike.pt", &["unsafe-pickle:block"]),
        ("P07 clean", "p07_torch_clean.pt", &[]),
        ("P08", "p08_object_array.npy", &["unsafe-pickle:block"]),
        ("P09", "p09_float32.npy", &[]),
        ("P10", "weights.bin", &["unsafe-pickle:block"]),
        ("P11", "model.joblib", &["unsafe-pickle:block"]),
        ("P12", "p12_valid.safetensors", &[]),
        ("P13", "p13_object_arrays.npz", &["unsafe-pickle:block"]),
        ("legacy", "p14_legacy.pt", &["unsafe-pickle:block"]),
        ("nested", "p15_nested.zip", &["unsafe-pickle:block"]),
        (
            "truncated",
            "p16_truncated.pkl",
            &["malformed-pickle:block"],
        ),
        (
            "bad safetensors",
            "p17_bad_offsets.safetensors",
            &["invalid-safetensors:warn"],
        ),
        ("sniffed", "p18_sniffed_payload", &["unsafe-pickle:block"]),
    ];
    let opts = ArtifactOptions::default();
    for (id, name, expected) in cases {
        let findings = check_file(name, bytes(name), false, &opts);
        assert_eq!(outcome(&findings), *expected, "{id} {name}: {findings:#?}");
        assert!(is_artifact(name, bytes(name)), "{id} {name}");
    }
}

#[test]
fn dangerous_findings_name_the_import_and_the_member() {
    let opts = ArtifactOptions::default();
    let cases = [
        ("p02_os_system.pkl", "`posix.system`"),
        ("p04_eval_proto2.pkl", "`__builtin__.eval`"),
        ("p07_torchlike.pt", "`p07_torchlike.pt!archive/data.pkl`"),
        (
            "p13_object_arrays.npz",
            "`p13_object_arrays.npz!a.npy (object array)`",
        ),
        ("p15_nested.zip", "p15_nested.zip!inner/p13.npz!a.npy"),
    ];
    for (name, needle) in cases {
        let findings = check_file(name, bytes(name), false, &opts);
        let message = findings
            .first()
            .map(|f| f.message.as_str())
            .unwrap_or_default();
        assert!(message.contains(needle), "{name}: {message}");
        assert!(
            findings
                .iter()
                .all(|f| !f.help.is_empty() && f.path.as_deref() == Some(name))
        );
    }
}

#[test]
fn policy_can_allow_a_custom_class_but_not_os_system() {
    let opts = ArtifactOptions {
        allow_globals: vec!["__main__.Custom".into(), "posix.*".into()],
        ..Default::default()
    };
    assert!(check_file("m.pkl", bytes("p06_custom_class.pkl"), false, &opts).is_empty());
    assert_eq!(
        outcome(&check_file(
            "m.pkl",
            bytes("p02_os_system.pkl"),
            false,
            &opts
        )),
        ["unsafe-pickle:block"]
    );
}

#[test]
fn large_files_warn_or_block_per_policy() {
    let mut opts = ArtifactOptions {
        max_file_size: 10,
        ..Default::default()
    };
    let data = bytes("p12_valid.safetensors");
    assert_eq!(
        outcome(&check_file("m.safetensors", data, true, &opts)),
        ["large-file:warn"]
    );
    opts.large_file_severity = Severity::Block;
    assert_eq!(
        outcome(&check_file("notes.md", &[b'x'; 20], true, &opts)),
        ["large-file:block"]
    );
    opts.large_file_severity = Severity::Off;
    assert!(check_file("notes.md", &[b'x'; 20], true, &opts).is_empty());
}

#[test]
fn model_and_data_files_need_a_license_when_required() {
    let opts = ArtifactOptions {
        require_license: true,
        ..Default::default()
    };
    let cases: [(&str, &[u8], bool, bool); 7] = [
        ("m.safetensors", bytes("p12_valid.safetensors"), false, true),
        ("m.safetensors", bytes("p12_valid.safetensors"), true, false),
        ("model.gguf", b"GGUF\x03\x00\x00\x00", false, true),
        ("p09.npy", bytes("p09_float32.npy"), false, true),
        ("data/rows.csv", b"a,b\n1,2\n", false, true),
        ("firmware.bin", b"\x7fELF....", false, false),
        ("src/main.rs", b"fn main() {}", false, false),
    ];
    for (path, data, licensed, expected) in cases {
        let findings = check_file(path, data, licensed, &opts);
        assert_eq!(
            findings.iter().any(|f| f.rule == "unlicensed-model"),
            expected,
            "{path}"
        );
    }
}

#[test]
fn personal_data_is_counted_per_kind_and_blocks_over_the_threshold() {
    let csv = b"name,email,card\nJane,jane.doe@gmail.com,4111 1111 1111 1111\nJoe,joe@example.com,\nAl,al@mail.de,\n";
    let mut opts = ArtifactOptions::default();
    let findings = check_file("data/users.csv", csv, false, &opts);
    assert_eq!(
        outcome(&findings),
        [
            "personal-data:block",
            "personal-data:block",
            "personal-data:block"
        ]
    );
    let name = findings
        .iter()
        .find(|f| f.value.as_deref() == Some("person-name"));
    let expected =
        "`data/users.csv` holds 3 personal name(s) (e.g. J***, A***), the first at line 2";
    assert_eq!(name.map(|f| f.message.as_str()), Some(expected));
    let email = findings
        .iter()
        .find(|f| f.value.as_deref() == Some("email-address"));
    let email = email.map(|f| (f.message.as_str(), f.line, f.column));
    let expected = "`data/users.csv` holds 2 e-mail address(es) (e.g. j***@***.com, a***@***.de), the first at line 2";
    assert_eq!(email, Some((expected, Some(2), Some(6))));
    opts.pii_threshold = 6;
    assert_eq!(
        outcome(&check_file("data/users.csv", csv, false, &opts)),
        [
            "personal-data:warn",
            "personal-data:warn",
            "personal-data:warn"
        ]
    );
}

#[test]
fn json_and_text_are_datasets_only_under_data_paths() {
    let text = b"contact: jane.doe@gmail.com\n";
    let mut opts = ArtifactOptions::default();
    assert!(check_file("datasets/a/b.json", text, false, &opts).is_empty());
    opts.data_paths =
        globset::GlobSet::new([crate::glob::path_glob("datasets/**").expect("a glob")])
            .expect("a glob set");
    assert_eq!(
        outcome(&check_file("datasets/a/b.json", text, false, &opts)),
        ["personal-data:block"]
    );
    assert!(check_file("docs/b.txt", text, false, &opts).is_empty());
}

#[test]
fn reader_streams_datasets_and_matches_check_file() {
    let mut csv = String::from("id,phone\n");
    for i in 0..20_000 {
        csv.push_str(&format!("{i},n/a\n"));
    }
    csv.push_str("20000,+44 20 7946 0958\n");
    let opts = ArtifactOptions::default();
    let streamed =
        check_reader("big.csv", csv.as_bytes(), csv.len() as u64, false, &opts).unwrap_or_default();
    assert_eq!(streamed.len(), 1);
    assert_eq!(streamed[0].line, Some(20_002));
    for (name, data) in FIXTURES {
        let read = check_reader(name, *data, data.len() as u64, false, &opts).unwrap_or_default();
        assert_eq!(
            outcome(&read),
            outcome(&check_file(name, data, false, &opts)),
            "{name}"
        );
    }
}

#[test]
fn pickles_over_the_scan_limit_are_checked_up_to_it() {
    let opts = ArtifactOptions {
        max_scan_size: 30,
        ..Default::default()
    };
    let data = bytes("p03_os_system_proto0.pkl");
    let findings = check_reader("p.pkl", data, data.len() as u64, false, &opts).unwrap_or_default();
    assert!(
        findings.iter().any(|f| f.rule == "unscanned-artifact"),
        "{findings:#?}"
    );
    assert!(
        findings.iter().any(|f| f.rule == "unsafe-pickle"),
        "{findings:#?}"
    );
}

#[test]
fn a_dataset_that_walks_like_a_pickle_is_scanned_for_personal_data_and_as_a_pickle() {
    let opts = ArtifactOptions::default();
    let csv = b"city\nLondon\njane.doe@gmail.com\n";
    assert_eq!(
        outcome(&check_file("data/c.csv", csv, false, &opts)),
        ["personal-data:block"]
    );
    let payload = b"cos\nsystem\n(S'id'\ntR.";
    let findings = check_file("data/p.csv", payload, false, &opts);
    assert_eq!(outcome(&findings), ["unsafe-pickle:block"]);
}

#[test]
fn ordinary_source_files_are_not_artifacts() {
    assert!(!is_artifact("src/main.rs", b"fn main() {}"));
    assert!(!is_artifact("README.md", b"# title"));
    assert!(is_artifact("x/unnamed", b"\x80\x04\x95"));
    assert!(is_artifact("x/archive", b"PK\x03\x04"));
    assert!(is_artifact("data/t.csv", b""));
}

#[test]
fn garbage_never_panics() {
    let opts = ArtifactOptions::default();
    let mut seed = 0x9e37_79b9_u32;
    for len in 0..400 {
        let data: Vec<u8> = (0..len)
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 17;
                seed ^= seed << 5;
                (seed >> 24) as u8
            })
            .collect();
        for name in ["a.pkl", "a.pt", "a.npy", "a.safetensors", "a.zip", "a.csv"] {
            let _ = check_file(name, &data, false, &opts);
        }
    }
}
