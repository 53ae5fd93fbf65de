//! SARIF that code scanning accepts (issue 19): the output of a scan with findings of every
//! check goes through the SARIF SDK's own validator (`sarif-multitool validate`, from the npm
//! package `@microsoft/sarif-multitool`) with GitHub's rule set and with the default one, and
//! must come out without a single error or warning.
//!
//! `.ci/run` installs the validator and sets `OUTBOUND_REQUIRE_SARIF_VALIDATOR=1`, so CI fails
//! when it is missing; elsewhere the validator runs when it is on PATH (or named by
//! `SARIF_MULTITOOL`) and the structural assertions run regardless.

use std::path::{Path, PathBuf};
use std::process::Command;

use git_outbound::approval::{ApprovalOptions, Push, PushedCommit, Standing};
use git_outbound::outcome::Outcome;
use git_outbound::report::{self, Format, Style};

use crate::common::*;

/// A repository whose last commit has findings of every check a scan runs: a secret in a file
/// and in the commit message, internal hosts, a file without an SPDX header (policy requires
/// one), an unsafe pickle, and no sign-off (policy requires one).
fn repo_with_findings_of_every_scan_check() -> (TestRepo, String) {
    let t = TestRepo::new();
    t.write(
        ".outbound.toml",
        "[spdx]\nrequire = true\n\n[dco]\nrequire = \"always\"\n",
    );
    t.write(
        "README.md",
        "<!-- SPDX-License-Identifier: MIT -->\n# demo\n",
    );
    t.git(&["add", "."]);
    t.git(&["commit", "-q", "--no-verify", "-s", "-m", "base"]);
    let base = t.head();
    t.write(
        "src/settings.py",
        format!(
            "# SPDX-License-Identifier: MIT\nTOKEN = \"{}\"\n",
            github_token()
        ),
    );
    t.write(
        "deploy/hosts.yaml",
        "# SPDX-License-Identifier: MIT\nurl: https://build.acme.internal/job\nhost: 10.20.30.40\n",
    );
    t.write("src/main.rs", "fn main() {}\n");
    let pickle =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/artifacts/p02_os_system.pkl");
    t.write("models/model.pkl", std::fs::read(pickle).expect("fixture"));
    t.git(&["add", "."]);
    let message = format!("add the service\n\nkey for the demo: {}\n", aws_key_id());
    t.git(&["commit", "-q", "--no-verify", "-m", &message]);
    (t, base)
}

/// Real approval findings (a push over the line limit, an expired standing approval) written
/// by the same SARIF writer: approvals are decided at pre-push and pre-receive, which report
/// in human form only, so no `scan` can produce them.
fn approval_sarif(t: &TestRepo) -> Vec<u8> {
    let repo = git2::Repository::open(t.path()).expect("open repository");
    let tip = t.head();
    let destination = "github.com/upstream/project";
    let push = Push {
        destination,
        remote_has_refs: true,
        base: None,
        tip: tip.clone(),
        commits: vec![PushedCommit {
            id: tip,
            author_name: "Jane Doe".into(),
            author_email: "jane@example.com".into(),
            added: 20,
            deleted: 0,
            paths: vec!["src/main.rs".into()],
        }],
        today: "2026-01-01".into(),
        now: "20260101000000".into(),
        notes: None,
    };
    let opts = ApprovalOptions {
        significant_lines: Some(5),
        standing: vec![Standing {
            remote: destination.into(),
            max_lines: None,
            expires: "2020-01-01".into(),
            reason: "OSPO-1".into(),
        }],
        ..ApprovalOptions::default()
    };
    let outcome = Outcome {
        findings: git_outbound::plan::approval_findings(&repo, &push, &opts),
        ..Outcome::default()
    };
    let style = Style {
        show_secrets: false,
        color: false,
        quiet: false,
    };
    let mut out = Vec::new();
    report::write(&mut out, Format::Sarif, &outcome, style).expect("write SARIF");
    out
}

fn checks_of(sarif: &serde_json::Value) -> Vec<String> {
    let mut checks: Vec<String> = sarif["runs"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| {
            let id = r["ruleId"].as_str().unwrap_or("");
            id.split('/').next().unwrap_or("").to_string()
        })
        .collect();
    checks.sort();
    checks.dedup();
    checks
}

/// What GitHub's rule set asks of every rule and result, checked here so that it holds even
/// where the validator is not installed.
fn assert_rules_and_results_are_complete(sarif: &serde_json::Value) {
    let run = &sarif["runs"][0];
    for rule in run["tool"]["driver"]["rules"].as_array().expect("rules") {
        let id = rule["id"].as_str().expect("rule id");
        for key in ["shortDescription", "fullDescription"] {
            assert!(
                rule[key]["text"].as_str().is_some_and(|s| !s.is_empty()),
                "{id}: no {key}"
            );
        }
        for key in ["text", "markdown"] {
            let help = rule["help"][key].as_str().unwrap_or("");
            assert!(
                help.contains("Fix: ") || help.contains("**Fix:** "),
                "{id}: help {key} has no fix: {help}"
            );
        }
    }
    for r in run["results"].as_array().expect("results") {
        let location = &r["locations"][0]["physicalLocation"];
        assert!(
            location["artifactLocation"]["uri"].is_string(),
            "no location: {r}"
        );
        assert!(
            location["region"]["startLine"].is_u64(),
            "no start line: {r}"
        );
    }
}

/// The validator: `$SARIF_MULTITOOL`, else `sarif-multitool` on PATH; `None` when neither runs.
fn validator() -> Option<PathBuf> {
    let tool = std::env::var_os("SARIF_MULTITOOL")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("sarif-multitool"));
    let runs = Command::new(&tool)
        .arg("--version")
        .env("DOTNET_SYSTEM_GLOBALIZATION_INVARIANT", "1")
        .output()
        .is_ok_and(|o| o.status.success());
    if runs {
        return Some(tool);
    }
    let required = std::env::var("OUTBOUND_REQUIRE_SARIF_VALIDATOR").is_ok_and(|v| v == "1");
    assert!(
        !required,
        "OUTBOUND_REQUIRE_SARIF_VALIDATOR=1 but the SARIF validator does not run: install it with \
         `npm install --global @microsoft/sarif-multitool` or name it in SARIF_MULTITOOL"
    );
    eprintln!(
        "note: sarif-multitool not found; SARIF validation skipped (set OUTBOUND_REQUIRE_SARIF_VALIDATOR=1 to require it)"
    );
    None
}

/// Runs `sarif-multitool validate FILE [--rule-kind KIND]` and returns its error and warning
/// lines. The validator exits 0 whatever it finds, so its report is read instead.
fn problems(tool: &Path, file: &Path, rule_kind: Option<&str>) -> Vec<String> {
    let mut c = Command::new(tool);
    c.arg("validate").arg(file);
    if let Some(kind) = rule_kind {
        c.args(["--rule-kind", kind]);
    }
    let out = c
        .env("DOTNET_SYSTEM_GLOBALIZATION_INVARIANT", "1")
        .output()
        .expect("run sarif-multitool");
    let report = text(&out);
    assert!(
        out.status.success() && report.contains("Analysis completed successfully"),
        "the validator did not finish:\n{report}"
    );
    report
        .lines()
        .filter(|l| l.contains(": error ") || l.contains(": warning "))
        .map(str::to_string)
        .collect()
}

fn assert_validates_clean(tool: &Path, file: &Path) {
    for kind in [Some("Gh"), None] {
        let found = problems(tool, file, kind);
        assert!(
            found.is_empty(),
            "{} with rule kind {}:\n{}",
            file.display(),
            kind.unwrap_or("default"),
            found.join("\n")
        );
    }
}

#[test]
fn sarif_of_a_scan_with_findings_of_every_check_validates_clean_for_code_scanning() {
    let (t, base) = repo_with_findings_of_every_scan_check();
    let file = t.home.path().join("scan.sarif");
    let out = t.outbound(&[
        "scan",
        "--range",
        &format!("{base}..HEAD"),
        "--format",
        "sarif",
        "--output",
        file.to_str().expect("utf-8 path"),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let sarif: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&file).expect("read SARIF")).expect("SARIF is JSON");
    assert_eq!(
        checks_of(&sarif),
        ["artifact", "dco", "internal-url", "secret", "spdx"]
    );
    assert_rules_and_results_are_complete(&sarif);

    let approval = t.home.path().join("approval.sarif");
    std::fs::write(&approval, approval_sarif(&t)).expect("write SARIF");
    let sarif: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&approval).expect("read SARIF")).expect("JSON");
    assert_eq!(checks_of(&sarif), ["approval"]);
    assert_rules_and_results_are_complete(&sarif);

    if let Some(tool) = validator() {
        assert_validates_clean(&tool, &file);
        assert_validates_clean(&tool, &approval);
    }
}

#[test]
fn sarif_rule_help_carries_the_fix_line_of_the_human_report() {
    let (t, base) = repo_with_findings_of_every_scan_check();
    let range = format!("{base}..HEAD");
    let human = text(&t.outbound(&["scan", "--range", &range]));
    let out = t.outbound(&["scan", "--range", &range, "--format", "sarif"]);
    let sarif: serde_json::Value = serde_json::from_slice(&out.stdout).expect("SARIF is JSON");
    let rules = sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .expect("rules");
    let pickle = rules
        .iter()
        .find(|r| r["id"] == "artifact/unsafe-pickle")
        .expect("pickle rule");
    let help = pickle["help"]["text"].as_str().expect("help text");
    let fix = help.split("Fix: ").nth(1).expect("a fix");
    assert!(
        human.contains(&format!("= fix: {fix}")),
        "{fix}\nnot in\n{human}"
    );
    assert!(
        pickle["fullDescription"]["text"]
            .as_str()
            .expect("text")
            .contains("when they are loaded")
    );
    assert_eq!(pickle["name"], "UnsafePickle");
    let signoff = sarif["runs"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .find(|r| r["ruleId"] == "dco/missing-signoff")
        .expect("dco result");
    assert_eq!(
        signoff["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "COMMIT_MSG"
    );
}
