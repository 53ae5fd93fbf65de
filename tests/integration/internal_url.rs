//! internal-url on real code: org domains come from the org policy, internal suffixes block
//! where a host stands, org networks block everywhere, and `policy` shows the grading.

use crate::common::*;

#[test]
fn internal_urls_need_the_org_policy_for_org_domains() {
    let t = TestRepo::new();
    t.write(
        "deploy.yaml",
        "url: https://jira.acme-corp.com/browse/X-1\nhost: 10.20.30.40\n",
    );
    let (_, v) = t.json(&["scan", "."]);
    assert_eq!(rules_of(&v), vec!["internal-url/private-ip"]);
    let org = t.home.path().join("org.toml");
    std::fs::write(&org, "[org]\ndomains = [\"acme-corp.com\"]\n").unwrap();
    let (_, v) = t.json(&["scan", ".", "--policy", org.to_str().unwrap()]);
    assert_eq!(
        rules_of(&v),
        vec!["internal-url/internal-host", "internal-url/private-ip"]
    );
}

/// The files of `tests/fixtures/real-code`, written into `t`.
fn write_real_code(t: &TestRepo) -> usize {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/real-code");
    let mut lines = 0;
    for entry in std::fs::read_dir(&dir).expect("fixture folder") {
        let path = entry.expect("fixture entry").path();
        let content = std::fs::read(&path).expect("fixture file");
        lines += content.iter().filter(|b| **b == b'\n').count();
        let name = path.file_name().expect("file name").to_string_lossy();
        t.write(&format!("vendor/{name}"), content);
    }
    lines
}

#[test]
fn real_code_shapes_produce_no_blocking_finding() {
    let t = TestRepo::new();
    let lines = write_real_code(&t);
    assert!(lines >= 300, "{lines} lines");
    let (code, v) = t.json(&["scan", "."]);
    let blocking: Vec<String> = findings(&v)
        .iter()
        .filter(|f| f["severity"] == "block")
        .map(|f| format!("{} {}:{}", f["rule"], f["path"], f["line"]))
        .collect();
    assert!(blocking.is_empty(), "{blocking:#?}");
    let generic: Vec<String> = findings(&v)
        .iter()
        .filter(|f| f["rule"].as_str().unwrap_or("").starts_with("generic-"))
        .map(|f| format!("{} {}:{}", f["rule"], f["path"], f["line"]))
        .collect();
    assert!(generic.is_empty(), "{generic:#?}");
    assert_eq!(code, 0, "{v}");
}

#[test]
fn default_scan_blocks_internal_suffixes_where_a_host_stands_and_warns_on_local_ones() {
    let t = TestRepo::new();
    t.write(
        "deploy.env",
        "DB_URL=postgres://app@pg-1.prod.internal:5432/app\nCACHE_HOST=nas.local\n\
         REDIS_HOST=10.20.30.40\nNOTE=see section 10.1.1.4 and color.branch.local\n",
    );
    let (code, v) = t.json(&["scan", "."]);
    let graded: Vec<(String, String)> = findings(&v)
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap_or("").to_string(),
                f["severity"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    let g = |r: &str, s: &str| (r.to_string(), s.to_string());
    assert_eq!(
        graded,
        [
            g("internal-suffix", "block"),
            g("internal-suffix", "warn"),
            g("private-ip", "warn"),
        ]
    );
    assert_eq!(code, 1);
}

#[test]
fn org_networks_block_their_addresses_wherever_they_appear() {
    let t = TestRepo::new();
    t.write(
        "notes.md",
        "The gateway 10.20.30.40 fronts it; a test uses 10.99.0.1 in a table.\n",
    );
    let (code, v) = t.json(&["scan", "."]);
    assert_eq!((code, findings(&v).len()), (0, 0), "{v}");
    let org = t.home.path().join("org.toml");
    std::fs::write(&org, "[org]\nnetworks = [\"10.20.0.0/16\"]\n").unwrap();
    let (code, v) = t.json(&["scan", ".", "--policy", org.to_str().unwrap()]);
    assert_eq!(rules_of(&v), ["internal-url/org-network"]);
    assert_eq!(code, 1);
    std::fs::write(
        &org,
        "[org]\nname = \"Acme\"\nnetworks = [\"10.20.0.0/99\"]\n",
    )
    .unwrap();
    let out = t.outbound(&["scan", ".", "--policy", org.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("line 3") && stderr(&out).contains("0 to 32"),
        "{}",
        text(&out)
    );
}

#[test]
fn policy_command_shows_how_internal_names_are_graded() {
    let t = TestRepo::new();
    t.write(
        ".outbound.toml",
        "[org]\nnetworks = [\"10.20.0.0/16\"]\n[internal_url]\nlocal_severity = \"block\"\n",
    );
    let out = t.outbound(&["policy"]);
    let shown = text(&out);
    assert!(out.status.success(), "{shown}");
    assert!(
        shown.contains("0 org domain(s) and 1 org network(s), wherever they appear: block"),
        "{shown}"
    );
    assert!(
        shown.contains("private, link-local and unique-local addresses in host position: block"),
        "{shown}"
    );
}
