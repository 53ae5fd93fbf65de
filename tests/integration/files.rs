//! Reading a directory: `.gitignore`, hidden files, binary and non-UTF-8 content, odd file
//! names, oversized files, missing paths.

use crate::common::*;

#[test]
fn directory_scan_honours_gitignore_and_reads_hidden_files() {
    let t = TestRepo::new();
    t.write(".gitignore", "build/\n");
    t.write("build/out.txt", format!("k={}\n", github_token()));
    t.write(".env", format!("AWS_ACCESS_KEY_ID={}\n", aws_key_id()));
    let (code, v) = t.json(&["scan", "."]);
    assert_eq!(code, 1);
    let paths: Vec<&str> = findings(&v)
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, vec![".env"]);
}

#[test]
fn a_clean_directory_exits_zero_and_a_missing_path_exits_two() {
    let t = TestRepo::new();
    t.write(
        "README.md",
        "hello, see https://example.com and 192.0.2.1\n",
    );
    let out = t.outbound(&["scan", "."]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let missing = t.outbound(&["scan", "no-such-dir", "--format", "json"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(missing.stdout.is_empty());
    assert!(stderr(&missing).contains("no-such-dir"));
}

#[test]
fn binary_files_are_skipped_and_non_utf8_text_is_scanned() {
    let t = TestRepo::new();
    let mut bin = vec![0u8, 1, 2, 3];
    bin.extend(github_token().as_bytes());
    t.write("blob.bin", bin);
    let mut latin1 = b"caf\xe9 = 1\n".to_vec();
    latin1.extend(format!("key = \"{}\"\n", github_token()).as_bytes());
    t.write("latin1.txt", latin1);
    let (_, v) = t.json(&["scan", "."]);
    let paths: Vec<&str> = findings(&v)
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, vec!["latin1.txt"]);
    assert_eq!(findings(&v)[0]["line"], 2);
}

#[test]
fn file_names_with_spaces_and_non_ascii_are_reported_as_is() {
    let t = TestRepo::new();
    t.write(
        "docs/my notes/clé été.md",
        format!("token {}\n", github_token()),
    );
    let (_, v) = t.json(&["scan", "."]);
    assert_eq!(findings(&v)[0]["path"], "docs/my notes/clé été.md");
    t.git(&["add", "."]);
    let (_, staged) = t.json(&["scan", "--staged"]);
    assert_eq!(findings(&staged)[0]["path"], "docs/my notes/clé été.md");
}

#[test]
fn oversized_files_are_reported_as_not_scanned() {
    let t = TestRepo::new();
    t.write(".outbound.toml", "[scan]\nmax_file_size = 100\n");
    t.write("big.txt", "x".repeat(500));
    let (code, v) = t.json(&["scan", "."]);
    assert_eq!(code, 0);
    assert_eq!(v["skipped"][0]["path"], "big.txt");
}
