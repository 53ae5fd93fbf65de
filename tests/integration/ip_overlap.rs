//! The `ip-overlap` check end to end: `fingerprint build` and `info`, a copied and edited
//! block of internal code found by the real pre-commit and pre-push hooks, the approval gate
//! under `approval.ip_overlap`, and unrelated code let through.

use crate::common::{TestRepo, commit, hooked, path_of, ssh_key, stderr, text, write_home};

/// Internal code: the file the index is built from.
const INTERNAL: &str = r#"/* ledger.c: internal billing core */
#include <stdio.h>
#include "ledger.h"

static int ledger_reconcile(struct ledger *lg, const struct entry *entries, size_t count)
{
	size_t i;
	long balance = lg->opening;
	int mismatches = 0;

	for (i = 0; i < count; i++) {
		const struct entry *e = &entries[i];
		if (e->kind == ENTRY_CREDIT)
			balance += e->amount;
		else if (e->kind == ENTRY_DEBIT && e->amount <= balance)
			balance -= e->amount;
		else {
			mismatches++;
			log_mismatch(lg, e, "unexpected entry kind %d", e->kind);
			continue;
		}
		if (balance % lg->granularity != 0) {
			round_to_granularity(&balance, lg->granularity);
			lg->adjustments[lg->n_adjust++] = i;
		}
	}
	lg->closing = balance;
	return mismatches ? -EINVAL : 0;
}
"#;

/// The same function as someone would paste it: renamed, re-indented, re-commented,
/// reformatted, blank lines moved.
const COPIED: &str = r#"// SPDX-License-Identifier: MIT
#include <stdlib.h>

/* Walk the journal and compute the end balance. */
static int journal_walk(struct journal *j, const struct item *items, size_t n) {
    size_t k;
    long acc = j->start;

    int bad = 0;
    for (k = 0; k < n; k++) {
        const struct item *it = &items[k];   // current item
        if (it->type == ITEM_IN)
            acc += it->value;
        else if (it->type == ITEM_OUT && it->value <= acc)
            acc -= it->value;
        else {
            bad++;
            report(j, it, "bad item %d", it->type);
            continue;
        }

        if (acc % j->step != 0) {
            snap(&acc, j->step);
            j->fixes[j->n_fix++] = k;
        }
    }
    j->end = acc;
    return bad ? -EINVAL : 0;
}
"#;

/// Code with nothing in common with the internal file.
const UNRELATED: &str = r#"// SPDX-License-Identifier: MIT
#include <string.h>

int parse_header(const char *line, char *key, size_t key_len, char *value, size_t value_len)
{
	const char *colon = strchr(line, ':');
	if (!colon)
		return -1;
	size_t n = (size_t)(colon - line);
	if (n + 1 > key_len)
		return -2;
	memcpy(key, line, n);
	key[n] = '\0';
	colon++;
	while (*colon == ' ' || *colon == '\t')
		colon++;
	strncpy(value, colon, value_len - 1);
	value[value_len - 1] = '\0';
	return 0;
}

static const char *names[] = { "alpha", "beta", "gamma", "delta", NULL };

const char *name_of(unsigned idx)
{
	return idx < 4 ? names[idx] : "unknown";
}
"#;

/// Builds the index of `INTERNAL` into the test home as `internal.ofp`, under the policy the
/// repository is configured with.
fn build_index(t: &TestRepo) -> std::process::Output {
    let src = t.home.path().join("internal-src");
    std::fs::create_dir_all(&src).expect("make source folder");
    std::fs::write(src.join("ledger.c"), INTERNAL).expect("write internal code");
    let out = path_of(&t.home.path().join("internal.ofp"));
    t.outbound(&[
        "fingerprint",
        "build",
        "--output",
        &out,
        "--name",
        "billing-core",
        &path_of(&src),
    ])
}

/// A repository whose org policy has a fingerprint key, the index, `approval.ip_overlap`
/// and an approver; `origin` is an external bare repository.
fn gate() -> (TestRepo, TestRepo, std::path::PathBuf) {
    let t = TestRepo::new();
    assert!(t.outbound(&["install"]).status.success());
    let (key, public) = ssh_key(t.home.path(), "approver");
    write_home(
        &t,
        "allowed_signers",
        format!("approver@example.com namespaces=\"git-outbound-approval\" {public}\n"),
    );
    let key_value = ["index", "key", "for", "tests"].join("-");
    let policy = format!(
        "[secrets]\nfingerprint_key = \"{key_value}\"\n\n[ip_overlap]\nindexes = [\"internal.ofp\"]\n\n\
         [approval]\nip_overlap = true\nallowed_signers = \"allowed_signers\"\n"
    );
    write_home(&t, "policy.toml", policy);
    let policy_path = path_of(&t.home.path().join("policy.toml"));
    t.git(&["config", "outbound.policy", &policy_path]);
    let built = build_index(&t);
    assert!(built.status.success(), "{}", text(&built));
    let origin = TestRepo::bare();
    t.git(&["remote", "add", "origin", &path_of(origin.path())]);
    t.commit_file("README.md", "# project\n", "start");
    (t, origin, key)
}

#[test]
fn ip_overlap_copied_block_to_external_remote_is_refused_and_passes_with_approval() {
    let (t, origin, key) = gate();
    assert!(
        t.git_any(&["push", "-q", "origin", "main"])
            .status
            .success()
    );
    t.commit_file("src/journal.c", COPIED, "add the journal walker");
    let out = t.git_any(&["push", "-q", "origin", "main"]);
    let err = stderr(&out);
    assert!(!out.status.success(), "a copied block went out:\n{err}");
    assert!(err.contains("approval required (ip-overlap)"), "{err}");
    assert!(err.contains("src/journal.c"), "{err}");
    assert!(err.contains("billing-core"), "{err}");
    let approve = t.outbound(&[
        "approve",
        "origin",
        "--key",
        &path_of(&key),
        "--identity",
        "approver@example.com",
        "--expires",
        "2099-01-01",
        "--reason",
        "OSS-42",
    ]);
    assert!(approve.status.success(), "{}", text(&approve));
    let out = t.git_any(&["push", "-q", "origin", "main"]);
    assert!(out.status.success(), "{}", text(&out));
    let pushed = origin.git(&["rev-parse", "refs/heads/main"]);
    assert_eq!(String::from_utf8_lossy(&pushed.stdout).trim(), t.head());
}

#[test]
fn ip_overlap_code_the_destination_already_has_is_no_finding() {
    let (t, _origin, _key) = gate();
    // The remote already publishes the code (pushed past the hooks, as history would be).
    t.write("vendor/ledger.c", INTERNAL);
    t.git(&["add", "vendor/ledger.c"]);
    t.git(&["commit", "-q", "--no-verify", "-m", "vendor the ledger"]);
    let out = t.git_any(&["push", "-q", "--no-verify", "origin", "main"]);
    assert!(out.status.success(), "{}", text(&out));
    t.commit_file("src/journal.c", COPIED, "add the journal walker");
    let out = t.git_any(&["push", "-q", "origin", "main"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(!stderr(&out).contains("ip-overlap"), "{}", text(&out));
}

#[test]
fn ip_overlap_unrelated_code_is_pushed_without_approval() {
    let (t, _origin, _key) = gate();
    t.commit_file("src/header.c", UNRELATED, "add a header parser");
    let out = t.git_any(&["push", "-q", "origin", "main"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(!stderr(&out).contains("ip-overlap"), "{}", text(&out));
}

#[test]
fn ip_overlap_pre_commit_warns_and_names_lines_and_index() {
    let t = hooked("[ip_overlap]\nindexes = [\"internal.ofp\"]\n");
    let src = t.path().join("internal-src");
    std::fs::create_dir_all(&src).expect("make source folder");
    std::fs::write(src.join("ledger.c"), INTERNAL).expect("write internal code");
    let built = t.outbound(&[
        "fingerprint",
        "build",
        "--output",
        "internal.ofp",
        "internal-src",
    ]);
    assert!(built.status.success(), "{}", text(&built));
    std::fs::remove_dir_all(&src).expect("remove source folder");
    let out = commit(&t, "journal.c", COPIED, &["-m", "journal"]);
    assert!(out.status.success(), "{}", text(&out));
    let err = stderr(&out);
    assert!(
        err.contains("journal.c:5: warning[ip-overlap/internal-code]"),
        "{err}"
    );
    assert!(err.contains("lines overlap internal code"), "{err}");
    assert!(err.contains("'internal' (internal-src)"), "{err}");
}

#[test]
fn ip_overlap_scan_of_a_folder_reports_the_copy_in_json() {
    let t = TestRepo::new();
    let src = t.path().join("internal-src");
    std::fs::create_dir_all(&src).expect("make source folder");
    std::fs::write(src.join("ledger.c"), INTERNAL).expect("write internal code");
    let built = t.outbound(&[
        "fingerprint",
        "build",
        "--output",
        "idx.ofp",
        "internal-src",
    ]);
    assert!(built.status.success(), "{}", text(&built));
    t.write(
        "policy.toml",
        "[ip_overlap]\nindexes = [\"idx.ofp\"]\nseverity = \"block\"\n",
    );
    t.write("out/journal.c", COPIED);
    t.write("out/header.c", UNRELATED);
    let (code, json) = t.json(&[
        "scan",
        "--policy",
        "policy.toml",
        "--checks",
        "ip-overlap",
        "out",
    ]);
    assert_eq!(code, 1, "{json}");
    let findings = json["findings"].as_array().expect("findings");
    assert_eq!(findings.len(), 1, "{json}");
    let f = &findings[0];
    assert_eq!(f["check"], "ip-overlap");
    assert_eq!(f["path"], "journal.c");
    assert_eq!(f["severity"], "block");
    assert!(f["line"].as_u64().is_some_and(|l| l >= 5), "{json}");
}

#[test]
fn fingerprint_info_describes_the_index_and_no_code_is_in_it() {
    let (t, _origin, _key) = gate();
    let index = t.home.path().join("internal.ofp");
    let out = t.outbound(&["fingerprint", "info", &path_of(&index)]);
    let info = text(&out);
    assert!(out.status.success(), "{info}");
    for want in [
        "name:         billing-core",
        "sources:      internal-src",
        "k = 25",
        "fingerprints:",
        "policy key",
    ] {
        assert!(info.contains(want), "missing {want:?}:\n{info}");
    }
    let bytes = std::fs::read(&index).expect("read index");
    let hay = String::from_utf8_lossy(&bytes);
    assert!(
        !hay.contains("ledger_reconcile") && !hay.contains("balance"),
        "code in the index"
    );
}

#[test]
fn ip_overlap_index_built_with_another_key_is_an_error() {
    let (t, _origin, _key) = gate();
    let policy = t.home.path().join("policy.toml");
    let text_before = std::fs::read_to_string(&policy).expect("read policy");
    std::fs::write(
        &policy,
        text_before.replace("index-key-for-tests", "another-key"),
    )
    .expect("write");
    t.write("a.c", COPIED);
    let out = t.outbound(&["scan", "a.c"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        stderr(&out).contains("built with another key"),
        "{}",
        text(&out)
    );
}

#[test]
fn ip_overlap_pre_receive_refuses_a_copy_under_block_severity() {
    let server = TestRepo::bare();
    assert!(server.outbound(&["install"]).status.success());
    let src = server.home.path().join("internal-src");
    std::fs::create_dir_all(&src).expect("make source folder");
    std::fs::write(src.join("ledger.c"), INTERNAL).expect("write internal code");
    let index = path_of(&server.home.path().join("internal.ofp"));
    let built = server.outbound(&["fingerprint", "build", "--output", &index, &path_of(&src)]);
    assert!(built.status.success(), "{}", text(&built));
    write_home(
        &server,
        "policy.toml",
        "[ip_overlap]\nindexes = [\"internal.ofp\"]\nseverity = \"block\"\n",
    );
    let policy = path_of(&server.home.path().join("policy.toml"));
    server.git(&["config", "outbound.policy", &policy]);
    let client = TestRepo::new();
    client.git(&["remote", "add", "origin", &path_of(server.path())]);
    client.commit_file("src/header.c", UNRELATED, "add a header parser");
    let out = client.git_any(&["push", "-q", "origin", "main"]);
    assert!(out.status.success(), "{}", text(&out));
    client.commit_file("src/journal.c", COPIED, "add the journal walker");
    let out = client.git_any(&["push", "-q", "origin", "main"]);
    let err = stderr(&out);
    assert!(!out.status.success(), "{err}");
    assert!(err.contains("remote: src/journal.c:5 (commit"), "{err}");
    assert!(err.contains("error[ip-overlap/internal-code]: "), "{err}");
}
