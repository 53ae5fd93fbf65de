//! Where the policy comes from and what a broken one does: exit 2 naming file, line and key;
//! hooks fail closed; the server's policy comes from its git config, never from the push.
//! `git outbound policy` prints the effective policy as TOML that reads back, with each key's
//! layer, or as JSON.

use crate::common::{self, *};

#[test]
fn a_bad_policy_is_exit_two_naming_file_line_and_key() {
    let t = TestRepo::new();
    t.write(
        ".outbound.toml",
        "[secrets]\nseverity = \"block\"\nallow_everything = true\n",
    );
    let out = t.outbound(&["scan", "."]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains(".outbound.toml")
            && err.contains("line 3")
            && err.contains("allow_everything"),
        "{err}"
    );
}

#[test]
fn checks_flag_limits_the_checks_and_rejects_unknown_names() {
    let t = TestRepo::new();
    t.write("a.txt", format!("{}\nhost 10.1.1.1\n", github_token()));
    let (_, v) = t.json(&["scan", ".", "--checks", "internal-url"]);
    assert_eq!(rules_of(&v), vec!["internal-url/private-ip"]);
    assert_eq!(
        t.outbound(&["scan", ".", "--checks", "secrets"])
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn broken_outbound_toml_refuses_the_commit() {
    let t = installed();
    t.write(".outbound.toml", "[secrets]\nserverity = \"warn\"\n");
    t.write("README.md", "# demo\n");
    t.git(&["add", "README.md"]);
    let out = git_commit(&t, &["-m", "Initial commit"]);
    assert!(
        !out.status.success(),
        "the commit went through:\n{}",
        text(&out)
    );
    let err = stderr(&out);
    assert!(
        err.contains(".outbound.toml") && err.contains("line 2") && err.contains("serverity"),
        "{err}"
    );
}

#[test]
fn pre_receive_policy_comes_from_server_git_config() {
    let (server, client) = server();
    let policy = policy_file(
        &server,
        "server-policy.toml",
        "[secrets]\nseverity = \"warn\"\n",
    );
    server.git(&["config", "outbound.policy", &policy]);
    let token = common::github_token();
    client.commit_file("settings.py", settings(&token), "Add settings");
    let out = client.git_any(&["push", "-q", "origin", "main"]);
    assert_ok(&out);
    let err = stderr(&out);
    assert!(
        err.contains("remote: ") && err.contains("warning[secret/github-pat]"),
        "{err}"
    );
    assert!(!err.contains(&token));
}

#[test]
fn pre_receive_ignores_a_pushed_outbound_toml() {
    let (_server, client) = server();
    client.write(".outbound.toml", "[secrets]\nseverity = \"off\"\n");
    client.git(&["add", ".outbound.toml"]);
    let token = common::github_token();
    client.commit_file("settings.py", settings(&token), "Add settings");
    let out = client.git_any(&["push", "-q", "origin", "main"]);
    assert_secret_blocked(&out, "settings.py:2", &token);
}

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
