//! Secrets under encodings and inside containers (issue 15), refused by the real pre-commit
//! hook: base64 in a Kubernetes manifest, a docker config, a zip and a tar.gz made now, a
//! notebook and a UTF-16 file. A zip bomb and a corrupt archive are reported, not hung on.

use std::io::Write;
use std::process::Output;

use crate::common::{self, TestRepo, stderr, text};

/// A repository with the hooks installed and one clean commit.
fn installed() -> TestRepo {
    let t = common::installed();
    t.commit_file("README.md", "# demo\n", "Initial commit");
    t
}

/// Stages `rel` with `content` and tries to commit it through the hook.
fn commit(t: &TestRepo, rel: &str, content: impl AsRef<[u8]>) -> Output {
    common::commit(t, rel, content, &["-m", "Add a file"])
}

/// The hook refused with `rule` at `at`, and neither `secret` nor any of `forms` is printed.
fn assert_refused(out: &Output, at: &str, rule: &str, forms: &[&str]) {
    let err = stderr(out);
    assert!(!out.status.success(), "expected a refusal:\n{}", text(out));
    assert!(err.contains(at), "no '{at}' in:\n{err}");
    assert!(err.contains(rule), "no {rule} in:\n{err}");
    for f in forms {
        assert!(!text(out).contains(f), "'{f}' leaked into:\n{}", text(out));
    }
}

fn b64(data: &[u8]) -> String {
    const T: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for c in data.chunks(3) {
        let n = c.iter().fold(0u32, |a, &b| a << 8 | u32::from(b)) << (8 * (3 - c.len()));
        for k in 0..=c.len() {
            out.push(T[(n >> (18 - 6 * k) & 63) as usize] as char);
        }
        out.extend(std::iter::repeat_n('=', 3 - c.len()));
    }
    out
}

fn zip(members: &[(&str, &[u8])], method: zip::CompressionMethod) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, data) in members {
        let options = zip::write::SimpleFileOptions::default().compression_method(method);
        w.start_file(*name, options).expect("a supported method");
        w.write_all(data).expect("in memory");
    }
    w.finish().expect("in memory").into_inner()
}

fn tar_gz(members: &[(&str, &[u8])]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for (name, data) in members {
        let mut header = tar::Header::new_ustar();
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        header.set_entry_type(tar::EntryType::Regular);
        b.append_data(&mut header, name, *data).expect("in memory");
    }
    let tar = b.into_inner().expect("in memory");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&tar).expect("in memory");
    gz.finish().expect("in memory")
}

#[test]
fn base64_secret_in_a_kubernetes_manifest_is_refused_redacted() {
    let t = installed();
    let key = common::aws_key_id();
    let encoded = b64(key.as_bytes());
    let manifest = format!(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: ci\ntype: Opaque\ndata:\n  AWS_ACCESS_KEY_ID: {encoded}\n"
    );
    let out = commit(&t, "deploy/secret.yaml", manifest);
    assert_refused(
        &out,
        "deploy/secret.yaml:7:22",
        "secret/aws-access-key-id",
        &[&key, &encoded],
    );
    assert!(
        stderr(&out).contains("(decoded from base64)"),
        "{}",
        text(&out)
    );
    // The same finding in JSON, of what the hook saw: at the encoded span, the encoding
    // named, the excerpt redacted.
    let (code, v) = t.json(&["scan", "--staged"]);
    assert_eq!(code, 1, "{v}");
    let f = &v["findings"][0];
    assert_eq!(f["rule"], "aws-access-key-id", "{v}");
    assert_eq!(
        (f["line"].as_u64(), f["column"].as_u64()),
        (Some(7), Some(22))
    );
    assert_eq!(f["decoded"], serde_json::json!(["base64"]));
    let excerpt = f["excerpt"].as_str().unwrap_or_default();
    assert!(
        excerpt.contains("AWS_ACCESS_KEY_ID: ") && excerpt.contains('*'),
        "{v}"
    );
    let doc = v.to_string();
    assert!(!doc.contains(&key) && !doc.contains(&encoded), "{doc}");
}

#[test]
fn decoded_findings_say_how_they_were_reached_in_json() {
    let t = TestRepo::new();
    let token = common::github_token();
    let encoded = b64(b64(token.as_bytes()).as_bytes());
    t.write("values.yaml", format!("seed: {encoded}\n"));
    let (code, v) = t.json(&["scan", "."]);
    assert_eq!(code, 1, "{v}");
    let f = &v["findings"][0];
    assert_eq!(f["rule"], "github-pat", "{v}");
    assert_eq!(f["line"], 1);
    assert_eq!(f["column"], 7);
    assert_eq!(f["decoded"], serde_json::json!(["base64", "base64"]));
    let doc = v.to_string();
    assert!(!doc.contains(&token) && !doc.contains(&encoded), "{doc}");
}

#[test]
fn decode_depth_zero_leaves_encodings_alone() {
    let t = TestRepo::new();
    let key = common::aws_key_id();
    t.write("values.yaml", format!("seed: {}\n", b64(key.as_bytes())));
    t.write(".outbound.toml", "[scan]\ndecode_depth = 0\n");
    let (code, v) = t.json(&["scan", "."]);
    assert_eq!(code, 0, "{v}");
}

#[test]
fn docker_config_auth_is_refused() {
    let t = installed();
    let auth = b64(format!("ci-bot:{}", common::github_token()).as_bytes());
    let config = format!(
        "{{\n  \"auths\": {{\n    \"registry.example.org\": {{\n      \"auth\": \"{auth}\"\n    }}\n  }}\n}}\n"
    );
    let out = commit(&t, ".docker/config.json", config);
    assert_refused(&out, ".docker/config.json:4", "secret/", &[&auth]);
}

#[test]
fn pem_key_on_one_line_with_escapes_is_refused() {
    let t = installed();
    let (key, _) = common::ssh_key(t.home.path(), "deploy");
    let pem = std::fs::read_to_string(key).expect("read key");
    let one_line = pem.trim_end().replace('\n', "\\n");
    let out = commit(
        &t,
        "config/app.json",
        format!("{{\n  \"name\": \"app\",\n  \"ssh_key\": \"{one_line}\"\n}}\n"),
    );
    assert_refused(&out, "config/app.json:3", "secret/private-key-openssh", &[]);
}

#[test]
fn secret_in_a_zip_made_now_is_refused_at_its_member_path() {
    let t = installed();
    let token = common::github_token();
    let settings = format!("import os\nGITHUB_TOKEN = \"{token}\"\n");
    let archive = zip(
        &[
            ("app/__init__.py", b"".as_slice()),
            ("app/settings.py", settings.as_bytes()),
        ],
        zip::CompressionMethod::Deflated,
    );
    let out = commit(&t, "dist/app.whl", archive);
    assert_refused(
        &out,
        "dist/app.whl!app/settings.py:2",
        "secret/github-pat",
        &[&token],
    );
}

#[test]
fn secret_in_a_tar_gz_made_now_is_refused_at_its_member_path() {
    let t = installed();
    let token = common::github_token();
    let settings = format!("GITHUB_TOKEN={token}\n");
    let inner = zip(
        &[("conf/.env", settings.as_bytes())],
        zip::CompressionMethod::Stored,
    );
    let archive = tar_gz(&[("bundle/README", b"hello\n"), ("bundle/inner.jar", &inner)]);
    let out = commit(&t, "release.tar.gz", archive);
    assert_refused(
        &out,
        "release.tar.gz!bundle/inner.jar!conf/.env:1",
        "secret/github-pat",
        &[&token],
    );
}

#[test]
fn archive_depth_limits_nesting_and_says_so() {
    let t = TestRepo::new();
    let token = common::github_token();
    let inner = zip(
        &[("a.env", format!("T={token}\n").as_bytes())],
        zip::CompressionMethod::Stored,
    );
    let outer = zip(&[("inner.zip", &inner)], zip::CompressionMethod::Stored);
    t.write("outer.zip", outer);
    t.write(".outbound.toml", "[scan]\narchive_depth = 1\n");
    let (code, v) = t.json(&["scan", "."]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["skipped"][0]["path"], "outer.zip!inner.zip", "{v}");
}

#[test]
fn private_key_across_notebook_cell_lines_is_refused_at_the_notebook_line() {
    let t = installed();
    let (key, _) = common::ssh_key(t.home.path(), "nb");
    let pem = std::fs::read_to_string(key).expect("read key");
    let source: Vec<String> = pem.lines().map(|l| format!("    \"{l}\\n\"")).collect();
    let notebook = format!(
        "{{\n \"cells\": [\n  {{\n   \"cell_type\": \"code\",\n   \"metadata\": {{}},\n   \"source\": [\n    \"KEY = '''\\n\",\n{},\n    \"'''\"\n   ]\n  }}\n ],\n \"nbformat\": 4\n}}\n",
        source.join(",\n")
    );
    let out = commit(&t, "analysis.ipynb", notebook);
    assert_refused(&out, "analysis.ipynb:8", "secret/private-key-openssh", &[]);
}

#[test]
fn secret_in_a_utf16_file_is_refused() {
    let t = installed();
    let token = common::github_token();
    let mut bytes = vec![0xff, 0xfe];
    let body = format!("# settings\r\nGITHUB_TOKEN={token}\r\n");
    bytes.extend(body.encode_utf16().flat_map(u16::to_le_bytes));
    let out = commit(&t, "settings.ini", bytes);
    assert_refused(&out, "settings.ini:2", "secret/github-pat", &[&token]);
}

#[test]
fn zip_bomb_is_reported_not_scanned_and_not_hung_on() {
    let t = TestRepo::new();
    t.write(".outbound.toml", "[scan]\nmax_file_size = 100_000\n");
    let zeros = vec![0u8; 4 << 20];
    let bomb = zip(&[("zeros.txt", &zeros)], zip::CompressionMethod::Deflated);
    assert!(bomb.len() < 100_000);
    t.write("bomb.zip", bomb);
    let (_, v) = t.json(&["scan", "."]);
    let skipped = v["skipped"].to_string();
    assert!(skipped.contains("bomb.zip!zeros.txt"), "{v}");
}

#[test]
fn corrupt_archive_is_reported_naming_the_file() {
    let t = TestRepo::new();
    let mut broken = b"PK\x03\x04".to_vec();
    broken.extend(std::iter::repeat_n(0xa5u8, 300));
    t.write("broken.zip", broken);
    let (_, v) = t.json(&["scan", "."]);
    let skipped = v["skipped"].to_string();
    assert!(
        skipped.contains("broken.zip") && skipped.contains("zip archive not opened"),
        "{v}"
    );
}
