//! Policy layering, locks and validation.

use super::*;

fn layers(texts: &[(&str, &str)]) -> Result<Policy, Error> {
    let mut ls = vec![parse_layer("built-in defaults", DEFAULTS, None)?];
    for (name, text) in texts {
        ls.push(parse_layer(name, text, None)?);
    }
    build(ls)
}

#[test]
fn defaults_block_secrets_and_leave_spdx_and_dco_off() {
    let p = layers(&[]).unwrap();
    assert_eq!(p.severity(Check::Secret), Severity::Block);
    assert_eq!(p.severity(Check::InternalUrl), Severity::Block);
    assert_eq!(p.severity(Check::Artifact), Severity::Block);
    assert_eq!(p.severity(Check::Spdx), Severity::Off);
    assert_eq!(p.severity(Check::Approval), Severity::Off);
    assert_eq!(p.dco.require, DcoRequire::Never);
}

#[test]
fn later_layers_win_and_origins_say_which() {
    let p = layers(&[
        ("org.toml", "[secrets]\nseverity = \"warn\"\n"),
        (".outbound.toml", "[dco]\nrequire = \"always\"\n"),
    ])
    .unwrap();
    assert_eq!(p.severity(Check::Secret), Severity::Warn);
    assert_eq!(p.dco.require, DcoRequire::Always);
    assert_eq!(p.origins["secrets.severity"], "org.toml");
    assert_eq!(p.origins["dco.require"], ".outbound.toml");
    assert_eq!(p.origins["internal_url.severity"], "built-in defaults");
}

#[test]
fn a_locked_key_cannot_be_weakened_and_says_so() {
    let org = "[secrets]\nseverity = \"block\"\n[lock]\nkeys = [\"secrets.severity\"]\n";
    let p = layers(&[
        ("org.toml", org),
        (".outbound.toml", "[secrets]\nseverity = \"off\"\n"),
    ])
    .unwrap();
    assert_eq!(p.severity(Check::Secret), Severity::Block);
    assert_eq!(p.warnings.len(), 1);
    assert!(
        p.warnings[0].contains("secrets.severity") && p.warnings[0].contains("locked"),
        "{:?}",
        p.warnings
    );
}

#[test]
fn allow_entries_of_every_layer_add_up() {
    let a = "[[secrets.allow]]\npath = \"a/**\"\nreason = \"one\"\n";
    let b = "[[secrets.allow]]\npath = \"b/**\"\nreason = \"two\"\n";
    let p = layers(&[("org.toml", a), (".outbound.toml", b)]).unwrap();
    assert_eq!(p.allow.len(), 2);
}

#[test]
fn mistakes_name_file_line_and_key() {
    let cases = [
        ("[secrets]\nserverity = \"block\"\n", "line 2", "serverity"),
        ("[secrets]\nseverity = \"blok\"\n", "line 2", "blok"),
        ("[dco]\nrequire = \"sometimes\"\n", "line 2", "sometimes"),
        (
            "[[secrets.allow]]\npath = \"a/[\"\nreason = \"r\"\n",
            "line 2",
            "bad glob",
        ),
        (
            "[[approval.standing]]\nremote = \"x\"\nexpires = \"soon\"\nreason = \"r\"\n",
            "line 3",
            "YYYY-MM-DD",
        ),
        (
            "[[secrets.rules]]\nid = \"mine\"\ndescription = \"d\"\nregex = \"(\"\n",
            "line 4",
            "regex",
        ),
        ("[secrets\n", "line 1", ""),
    ];
    for (text, line, word) in cases {
        let err = layers(&[("repo/.outbound.toml", text)])
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("'repo/.outbound.toml' "), "{err}");
        assert!(err.contains(line) && err.contains(word), "{text:?} → {err}");
    }
}

#[test]
fn remote_patterns_without_slash_match_the_host() {
    let p = layers(&[("org.toml", "[remotes]\ninternal = [\"git.acme-corp.com\", \"github.com/acme-corp/*\", \"*.corp.example\"]\n")]).unwrap();
    assert!(p.remote_is_internal("git.acme-corp.com/team/repo"));
    assert!(p.remote_is_internal("github.com/acme-corp/tool"));
    assert!(p.remote_is_internal("build.corp.example/x"));
    assert!(!p.remote_is_internal("github.com/upstream/project"));
    assert!(!p.remote_is_internal("github.com/acme-corp/tool/sub"));
}

#[test]
fn relative_paths_are_relative_to_the_policy_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("terms.txt"), "Bluefin\n").unwrap();
    let policy = dir.path().join("org.toml");
    std::fs::write(&policy, "[org]\nconfidential_terms_file = \"terms.txt\"\n").unwrap();
    let p = Policy::load(&Sources {
        explicit: Some(policy),
        ..Sources::default()
    })
    .unwrap();
    assert_eq!(p.terms.count, 1);
}

#[test]
fn a_missing_explicit_policy_is_an_error() {
    let err = Policy::load(&Sources {
        explicit: Some("/nonexistent/p.toml".into()),
        ..Sources::default()
    })
    .unwrap_err();
    assert!(err.to_string().contains("does not exist"));
}

#[test]
fn extra_rules_load_from_every_layer_and_a_locked_key_keeps_them_out() {
    let rule = "[[secrets.rules]]\nid = \"acme-deploy-token\"\ndescription = \"Acme deploy token\"\n\
                keywords = [\"acmedt_\"]\nregex = '''(acmedt_[a-z0-9]{32})'''\n";
    let p = layers(&[("org.toml", rule)]).unwrap();
    assert!(p.rules.rules.iter().any(|r| r.id == "acme-deploy-token"));
    let org = "[lock]\nkeys = [\"secrets.rules\"]\n";
    let p = layers(&[("org.toml", org), (".outbound.toml", rule)]).unwrap();
    assert!(!p.rules.rules.iter().any(|r| r.id == "acme-deploy-token"));
    assert!(p.warnings.iter().any(|w| w.contains("secrets.rules")));
}

#[test]
fn value_errors_name_the_layer_file_line_and_key() {
    let text = "[[secrets.allow]]\npath = \"x\"\nreason = \"ok\"\n\n[[secrets.allow]]\npath = \"y\"\nreason = \" \"\n";
    let shown = layers(&[(".outbound.toml", text)]).unwrap_err().to_string();
    assert!(
        shown.starts_with("'.outbound.toml' line 7, key 'secrets.allow.reason'"),
        "{shown}"
    );
    let text = "# org\n[spdx]\nallow = [\"Nope-1\"]\n";
    let shown = layers(&[("org.toml", text)]).unwrap_err().to_string();
    assert!(
        shown.starts_with("'org.toml' line 3: spdx.allow: "),
        "{shown}"
    );
    let text = "[remotes]\ninternal = [\"a[\"]\n";
    let shown = layers(&[("org.toml", text)]).unwrap_err().to_string();
    assert!(shown.starts_with("'org.toml' line 2"), "{shown}");
}

#[test]
fn org_networks_are_read_as_address_ranges() {
    let org = "[org]\nnetworks = [\"10.20.0.0/16\", \"fd12:3456::/48\", \"192.0.2.7\"]\n";
    let p = layers(&[("org.toml", org)]).unwrap();
    let nets = &p.internal_url.networks;
    let shown: Vec<String> = nets.iter().map(ToString::to_string).collect();
    assert_eq!(shown, ["10.20.0.0/16", "fd12:3456::/48", "192.0.2.7/32"]);
    let ip = |s: &str| s.parse::<std::net::IpAddr>().unwrap();
    assert!(nets[0].contains(ip("10.20.255.1")) && !nets[0].contains(ip("10.21.0.1")));
    assert!(nets[1].contains(ip("fd12:3456::9")) && !nets[1].contains(ip("10.20.0.1")));
}

#[test]
fn a_bad_network_names_the_file_line_and_mistake() {
    for (value, says) in [
        ("10.20.0.0/33", "prefix length must be 0 to 32"),
        ("10.20.1.0/16", "did you mean '10.20.0.0/16'"),
        ("acme.internal", "expected an address range"),
    ] {
        let org = format!("[org]\nname = \"Acme\"\nnetworks = [\"{value}\"]\n");
        let err = layers(&[("org.toml", &org)]).unwrap_err().to_string();
        assert!(
            err.contains("'org.toml' line 3") && err.contains(says),
            "{value}: {err}"
        );
    }
}

/// The org layer `org`, then `repo` as a repository's `.outbound.toml`.
fn org_and_repository(org: &str, repo: &str) -> Result<Policy, Error> {
    let mut repository = parse_layer(".outbound.toml", repo, None)?;
    repository.kind = LayerKind::Repository;
    build(vec![
        parse_layer("built-in defaults", DEFAULTS, None)?,
        parse_layer("org.toml", org, None)?,
        repository,
    ])
}

#[test]
fn remotes_and_standing_approvals_come_from_the_org_layer_only() {
    let repo = "[remotes]\ninternal = [\"**\"]\n\n[approval]\nsignificant_lines = 5\n\n\
                [[approval.standing]]\nremote = \"**\"\nexpires = \"2099-01-01\"\nreason = \"self\"\n";
    let p = org_and_repository("", repo).unwrap();
    assert!(!p.remote_is_internal("github.com/acme/x"));
    assert!(p.approval.standing.is_empty());
    assert_eq!(p.approval.significant_lines, Some(5));
    assert!(
        p.warnings.iter().any(|w| w.contains("'remotes'"))
            && p.warnings.iter().any(|w| w.contains("'approval.standing'")),
        "{:?}",
        p.warnings
    );
    // The same keys in the org layer are in force.
    let p = org_and_repository(repo, "").unwrap();
    assert!(p.remote_is_internal("github.com/acme/x"));
    assert_eq!(p.approval.standing.len(), 1);
}

#[test]
fn a_locked_severity_locks_what_would_weaken_the_check() {
    let org = "[lock]\nkeys = [\"secrets.severity\"]\n";
    let repo = "[secrets]\ndisable = [\"github-pat\"]\n\n[[secrets.allow]]\npath = \"**\"\n\
                reason = \"all\"\n\n[scan]\nmax_file_size = 1\nexclude = [\"**\"]\n";
    let p = org_and_repository(org, repo).unwrap();
    assert!(p.allow.is_empty());
    assert_eq!(p.scan.max_file_size, 10_000_000);
    assert!(!p.excluded("src/main.rs"));
    assert!(p.rules.rules.iter().any(|r| r.id == "github-pat"));
    // The org may let repositories keep their exceptions.
    let org = "[lock]\nkeys = [\"secrets.severity\"]\nallow_repository_exceptions = true\n";
    assert_eq!(org_and_repository(org, repo).unwrap().allow.len(), 1);
    // And may refuse them with nothing locked; a repository cannot grant them to itself.
    let org = "[lock]\nallow_repository_exceptions = false\n";
    let repo = "[lock]\nallow_repository_exceptions = true\n\n[[secrets.allow]]\npath = \"**\"\n\
                reason = \"all\"\n";
    assert!(org_and_repository(org, repo).unwrap().allow.is_empty());
}

#[test]
fn a_lock_on_table_star_locks_the_table() {
    let org = "[approval]\nsignificant_lines = 5\n\n[lock]\nkeys = [\"approval.*\"]\n";
    let p = org_and_repository(org, "[approval]\nsignificant_lines = 5000\n").unwrap();
    assert_eq!(p.approval.significant_lines, Some(5));
}

#[test]
fn bad_values_name_the_dotted_key_and_the_values_allowed() {
    let cases: &[(&str, &str)] = &[
        (
            "# org\n[dco]\nrequire = \"sometimes\"\n",
            "'org.toml' line 3: dco.require: unknown value \"sometimes\", expected one of \"always\", \"external\", \"never\"",
        ),
        (
            "dco.require = \"sometimes\"\n",
            "'org.toml' line 1: dco.require: unknown value \"sometimes\"",
        ),
        (
            "[scan]\noversize = \"loud\"\n",
            "'org.toml' line 2: scan.oversize: unknown value \"loud\", expected \"warn\" or \"block\"",
        ),
        (
            "[dco]\ncheck_merges = \"yes\"\n",
            "'org.toml' line 2: dco.check_merges: invalid type: string \"yes\", expected a boolean",
        ),
        (
            "[secrets]\nserverity = \"block\"\n",
            "'org.toml' line 2: secrets.serverity: unknown key \"serverity\", expected one of \"severity\"",
        ),
        (
            "[[secrets.allow]]\npath = \"a\"\nreason = 3\n",
            "'org.toml' line 3: secrets.allow.reason: invalid type: integer `3`, expected a string",
        ),
        (
            "[remotes]\ninternal = [\n  \"a\",\n  4,\n]\n",
            "'org.toml' line 4: remotes.internal: invalid type: integer `4`",
        ),
    ];
    for (text, expected) in cases {
        let shown = layers(&[("org.toml", text)]).unwrap_err().to_string();
        assert!(shown.starts_with(expected), "{text:?}\n  got {shown}");
    }
}
