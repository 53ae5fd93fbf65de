//! `git outbound policy` and policy errors through the real binary: the effective policy as
//! TOML that reads back, with each key's layer, as JSON, and a bad value named by its key.

use crate::common::{TestRepo, path_of, stderr, text};

/// A repository with an org policy beside it and its own `.outbound.toml`.
fn with_layers() -> (TestRepo, String) {
    let t = TestRepo::new();
    let org = t.home.path().join("org.toml");
    std::fs::write(
        &org,
        "[org]\ndomains = [\"acme-corp.com\"]\n[dco]\nrequire = \"external\"\n\
         [[secrets.allow]]\npath = \"fixtures/**\"\nreason = \"fake keys\"\n",
    )
    .expect("org policy");
    t.write(
        ".outbound.toml",
        "[spdx]\nrequire = true\nallow = [\"MIT\"]\n",
    );
    (t, path_of(&org))
}

#[test]
fn policy_prints_toml_that_reads_back_with_each_layer() {
    let (t, org) = with_layers();
    let out = t.outbound(&["policy", "--policy", &org]);
    assert!(out.status.success(), "{}", text(&out));
    let shown = String::from_utf8_lossy(&out.stdout).to_string();
    let table: toml::Table = shown.parse().unwrap_or_else(|e| panic!("{e}\n{shown}"));
    assert_eq!(table["dco"]["require"].as_str(), Some("external"));
    assert_eq!(table["spdx"]["require"].as_bool(), Some(true));
    assert_eq!(
        table["secrets"]["allow"][0]["reason"].as_str(),
        Some("fake keys")
    );
    assert_eq!(
        table["scan"]["max_file_size"].as_integer(),
        Some(10_000_000)
    );
    let org_name = format!("# from {org}\n");
    assert!(
        shown.contains(&format!("require = \"external\"  {org_name}")),
        "{shown}"
    );
    let repo_layer = format!("{}/.outbound.toml", path_of(t.path()));
    assert!(
        shown.contains(&format!("allow = [\"MIT\"]  # from {repo_layer}\n")),
        "{shown}"
    );
    assert!(
        shown.contains("severity = \"block\"  # from built-in defaults\n"),
        "{shown}"
    );
}

#[test]
fn policy_json_has_the_same_values_and_their_layers() {
    let (t, org) = with_layers();
    let out = t.outbound(&["policy", "--policy", &org, "--format", "json"]);
    assert!(out.status.success(), "{}", text(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["policy"]["dco"]["require"], "external");
    assert_eq!(v["policy"]["org"]["domains"][0], "acme-corp.com");
    assert_eq!(v["origins"]["dco.require"], org.as_str());
    assert_eq!(v["origins"]["scan.max_file_size"], "built-in defaults");
    let toml_out = t.outbound(&["policy", "--policy", &org]);
    let table: toml::Table = String::from_utf8_lossy(&toml_out.stdout)
        .parse()
        .expect("toml");
    let as_json = serde_json::to_value(&table).expect("to json");
    assert_eq!(v["policy"], as_json);
}

#[test]
fn a_bad_value_names_the_key_the_file_and_the_line() {
    let t = TestRepo::new();
    t.write(
        ".outbound.toml",
        "# team policy\n[dco]\nrequire = \"sometimes\"\n",
    );
    let out = t.outbound(&["scan", "."]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let err = stderr(&out);
    let expected = "line 3: dco.require: unknown value \"sometimes\", expected one of \"always\", \"external\", \"never\"";
    assert!(
        err.contains(".outbound.toml' line 3") && err.contains(expected),
        "{err}"
    );
}
