//! What a finding says: the JSON contract, redacted by default, and `--show-secrets` as the
//! only way to print a value.

use crate::common::*;

#[test]
fn directory_scan_reports_the_json_contract_and_redacts() {
    let t = TestRepo::new();
    let token = github_token();
    t.write(
        "src/settings.py",
        format!("# settings\nDEBUG = True\nTOKEN = \"{token}\"\n"),
    );
    let (code, v) = t.json(&["scan", "."]);
    assert_eq!(code, 1);
    assert_eq!(v["version"], 1);
    let f = &findings(&v)[0];
    assert_eq!(f["check"], "secret");
    assert_eq!(f["rule"], "github-pat");
    assert_eq!(f["severity"], "block");
    assert_eq!(f["path"], "src/settings.py");
    assert_eq!(f["line"], 3);
    assert_eq!(f["column"], 10);
    assert_eq!(f["commit"], serde_json::Value::Null);
    assert_eq!(f["excerpt"], "TOKEN = \"ghp_****…\"");
    assert_eq!(f["fingerprint"].as_str().unwrap().len(), 32);
    assert_eq!(v["summary"]["blocking"], 1);
    assert_eq!(v["summary"]["files"], 1);
    let all = serde_json::to_string(&v).unwrap();
    assert!(
        !all.contains(&token[4..]),
        "the secret leaked into the report"
    );
}

#[test]
fn show_secrets_is_the_only_way_to_print_the_value() {
    let t = TestRepo::new();
    let token = github_token();
    t.write("a.txt", format!("t={token}\n"));
    let human = t.outbound(&["scan", "."]);
    assert!(!text(&human).contains(&token), "{}", text(&human));
    let shown = t.outbound(&["scan", ".", "--show-secrets"]);
    assert!(text(&shown).contains(&token));
}
