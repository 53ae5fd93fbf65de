//! The artifact check end to end: pickles, containers, safetensors and datasets through
//! installed hooks and real commits and pushes.

use std::path::Path;

use crate::common::{TestRepo, card_number, rules_of, stderr, text};
use crate::common::{commit, has_head, hooked, path_of};

fn fixture(name: &str) -> Vec<u8> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/artifacts")
        .join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

#[test]
fn artifact_pickle_importing_os_system_is_refused_naming_the_import() {
    let t = hooked("");
    let out = commit(
        &t,
        "models/model.pkl",
        fixture("p02_os_system.pkl"),
        &["-m", "model"],
    );
    assert!(!out.status.success(), "{}", text(&out));
    let err = stderr(&out);
    assert!(err.contains("artifact/unsafe-pickle"), "{err}");
    assert!(err.contains("models/model.pkl"), "{err}");
    assert!(
        err.contains("posix.system") || err.contains("os.system"),
        "the import is not named:\n{err}"
    );
    assert!(!has_head(&t));
}

#[test]
fn artifact_gzipped_pickle_is_opened_and_refused_naming_the_member() {
    use std::io::Write;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&fixture("p02_os_system.pkl"))
        .expect("in memory");
    let t = hooked("");
    let bytes = gz.finish().expect("in memory");
    let out = commit(&t, "models/model.pkl.gz", bytes, &["-m", "model"]);
    assert!(!out.status.success(), "{}", text(&out));
    let err = stderr(&out);
    assert!(err.contains("artifact/unsafe-pickle"), "{err}");
    assert!(err.contains("models/model.pkl.gz!model.pkl"), "{err}");
}

#[test]
fn artifact_policy_wildcard_does_not_pass_a_dotted_path() {
    // STACK_GLOBAL('sklearn', 'os.system'): CPython resolves the attribute path to os.system.
    let mut pickle = b"\x80\x04\x8c\x07sklearn\x8c\x09os.system\x93".to_vec();
    pickle.extend(b"\x8c\x02id\x85R.");
    let t = hooked("[artifact]\nallow_globals = [\"sklearn.*\"]\n");
    let out = commit(&t, "models/model.pkl", pickle, &["-m", "model"]);
    assert!(!out.status.success(), "{}", text(&out));
    let err = stderr(&out);
    assert!(err.contains("artifact/unsafe-pickle"), "{err}");
    assert!(err.contains("sklearn.os.system"), "{err}");
}

#[test]
fn artifact_container_that_cannot_be_opened_is_reported_at_the_policy_severity() {
    let seven_zip = b"7z\xbc\xaf\x27\x1c\x00\x04rest".to_vec();
    let t = hooked("");
    let out = commit(&t, "models/model.7z", seven_zip.clone(), &["-m", "model"]);
    assert!(!out.status.success(), "{}", text(&out));
    assert!(
        stderr(&out).contains("artifact/unopened-container"),
        "{}",
        text(&out)
    );
    let t = hooked("[artifact]\nseverity = \"warn\"\n");
    let out = commit(&t, "models/model.7z", seven_zip, &["-m", "model"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        stderr(&out).contains("warning[artifact/unopened-container]"),
        "{}",
        text(&out)
    );
}

#[test]
fn artifact_clean_safetensors_passes() {
    let t = hooked("");
    let out = commit(
        &t,
        "models/model.safetensors",
        fixture("p12_valid.safetensors"),
        &["-m", "model"],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert!(!stderr(&out).contains("artifact/"), "{}", text(&out));
}

#[test]
fn artifact_csv_with_card_numbers_is_refused_when_pii_threshold_is_zero() {
    let t = hooked("[artifact]\ndata_paths = [\"data/**\"]\npii_threshold = 0\n");
    let cards: Vec<String> = (0..3).map(|_| card_number()).collect();
    let csv: String = std::iter::once("id,name,card\n".to_string())
        .chain(
            cards
                .iter()
                .enumerate()
                .map(|(i, c)| format!("{i},Customer {i},{c}\n")),
        )
        .collect();
    let out = commit(&t, "data/customers.csv", csv, &["-m", "data"]);
    assert!(!out.status.success(), "{}", text(&out));
    let err = stderr(&out);
    assert!(err.contains("artifact/personal-data"), "{err}");
    assert!(err.contains("holds 3 payment card number(s)"), "{err}");
    for c in &cards {
        assert!(
            !err.contains(c.as_str()),
            "card number {c} printed in clear:\n{err}"
        );
    }
}

#[test]
fn artifact_csv_under_the_pii_threshold_passes_with_a_warning() {
    let t = hooked("[artifact]\ndata_paths = [\"data/**\"]\npii_threshold = 5\n");
    let csv: String = (0..3).map(|i| format!("{i},{}\n", card_number())).collect();
    let out = commit(&t, "data/customers.csv", csv, &["-m", "data"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        stderr(&out).contains("warning[artifact/personal-data]"),
        "{}",
        text(&out)
    );
}

#[test]
fn artifact_unsafe_pickle_is_refused_at_pre_push_too() {
    let t = hooked("");
    t.commit_file(
        "weights.bin",
        fixture("weights.bin"),
        "weights, hooks skipped",
    );
    let remote = TestRepo::bare();
    t.git(&["remote", "add", "origin", &path_of(remote.path())]);
    let out = t.git_any(&["push", "-q", "origin", "main"]);
    assert!(!out.status.success(), "{}", text(&out));
    let err = stderr(&out);
    assert!(
        err.contains("artifact/unsafe-pickle") && err.contains("weights.bin"),
        "{err}"
    );
}

#[test]
fn a_model_sidecar_counts_when_the_spdx_check_is_off() {
    // The licensing context serves the artifact check too: switching SPDX off must not make
    // a licensed model look unlicensed.
    let t = hooked("[spdx]\nseverity = \"off\"\n\n[artifact]\nrequire_license = true\n");
    t.write("models/model.safetensors", fixture("p12_valid.safetensors"));
    t.write(
        "models/model.safetensors.license",
        "SPDX-License-Identifier: Apache-2.0\nSPDX-FileCopyrightText: 2026 Jane Doe\n",
    );
    t.git(&["add", "."]);
    let (code, v) = t.json(&["scan", "--staged"]);
    assert_eq!(code, 0, "{v}");
    t.git(&["rm", "-q", "--cached", "models/model.safetensors.license"]);
    let (code, v) = t.json(&["scan", "--staged"]);
    assert_eq!(code, 1, "{v}");
    assert_eq!(rules_of(&v), ["artifact/unlicensed-model"]);
}
