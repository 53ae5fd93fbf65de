//! Rule metadata for reports that describe their rules (SARIF's `reportingDescriptor`): what
//! each rule finds and why its check matters. Secret rules are described by their rule pack;
//! the rules of the other checks are listed here. How to fix a finding is not here: that is the
//! finding's own `help`, the words of the human report's `fix:` line.

use crate::finding::Check;

/// Why findings of `check` matter, in one or two sentences.
pub fn why(check: Check) -> &'static str {
    match check {
        Check::Secret => {
            "A credential that leaves in a contribution must be treated as leaked: anyone who \
             can read the history can use it, and deleting it in a later commit does not take \
             it back."
        }
        Check::InternalUrl => {
            "Internal host names, addresses and confidential terms tell outsiders how the \
             organisation is built and what it works on, and help an attacker aim."
        }
        Check::Spdx => {
            "Every file that leaves needs a clear license: without a valid \
             SPDX-License-Identifier, or under a license the policy denies, the contribution \
             cannot be accepted or reused safely."
        }
        Check::Dco => {
            "The Developer Certificate of Origin sign-off is the author's statement that they \
             may contribute the change; projects that require it refuse commits without a \
             Signed-off-by trailer that matches the author."
        }
        Check::Approval => {
            "The organisation's policy says that some contributions to external remotes (large \
             ones, restricted paths, new publications, corporate identities) leave only with a \
             recorded, signed approval."
        }
        Check::Artifact => {
            "Model and data files can run code when they are loaded, can carry no license or \
             provenance, or can hold personal data; once published they cannot be taken back."
        }
    }
}

/// What the rule `rule` of `check` finds, as a short title; `None` for secret rules (their
/// rule pack describes them) and for a rule this table does not know.
pub fn what(check: Check, rule: &str) -> Option<&'static str> {
    RULES
        .iter()
        .find(|(c, r, _)| *c == check && *r == rule)
        .map(|(_, _, what)| *what)
}

const RULES: &[(Check, &str, &str)] = &[
    (
        Check::InternalUrl,
        "internal-host",
        "Host name under one of the organisation's domains",
    ),
    (
        Check::InternalUrl,
        "internal-suffix",
        "Host name under an internal-only suffix",
    ),
    (
        Check::InternalUrl,
        "private-ip",
        "Private, shared or link-local network address",
    ),
    (
        Check::InternalUrl,
        "confidential-term",
        "Confidential term (code name or customer name)",
    ),
    (
        Check::InternalUrl,
        "org-bucket",
        "Storage bucket named after the organisation",
    ),
    (
        Check::Spdx,
        "missing-spdx-header",
        "File without an SPDX-License-Identifier",
    ),
    (
        Check::Spdx,
        "missing-binary-license",
        "Binary file without license information",
    ),
    (
        Check::Spdx,
        "multiple-spdx-lines",
        "Several SPDX-License-Identifier lines in one file",
    ),
    (
        Check::Spdx,
        "misplaced-preamble",
        "Line that must come first placed below the license header",
    ),
    (
        Check::Spdx,
        "spdx-tag-spacing",
        "No space after the SPDX-License-Identifier tag",
    ),
    (
        Check::Spdx,
        "non-canonical-spdx-id",
        "License id not in the case the SPDX list uses",
    ),
    (
        Check::Spdx,
        "invalid-spdx-expression",
        "SPDX license expression that does not parse",
    ),
    (
        Check::Spdx,
        "unknown-spdx-license",
        "License id not on the SPDX license list",
    ),
    (
        Check::Spdx,
        "deprecated-spdx-license",
        "Deprecated SPDX license id",
    ),
    (
        Check::Spdx,
        "denied-license",
        "License that the policy denies",
    ),
    (
        Check::Spdx,
        "license-not-allowed",
        "License that the policy does not allow",
    ),
    (
        Check::Dco,
        "missing-signoff",
        "Commit without a Signed-off-by trailer",
    ),
    (
        Check::Dco,
        "signoff-mismatch",
        "Sign-off that is not the author's",
    ),
    (
        Check::Dco,
        "malformed-signoff",
        "Malformed Signed-off-by line",
    ),
    (
        Check::Dco,
        "signoff-not-in-trailers",
        "Signed-off-by line outside the trailer block",
    ),
    (
        Check::Dco,
        "invalid-author-email",
        "Author email that is not a valid address",
    ),
    (
        Check::Dco,
        "duplicate-signoff",
        "Repeated Signed-off-by line",
    ),
    (
        Check::Dco,
        "signoff-style",
        "Sign-off written in a non-standard way",
    ),
    (
        Check::Dco,
        "signoff-by-committer",
        "Sign-off by the committer, not the author",
    ),
    (
        Check::Approval,
        "approval-required",
        "Contribution that needs an approval and has none",
    ),
    (
        Check::Approval,
        "approval-invalid",
        "Approval that does not verify",
    ),
    (
        Check::Approval,
        "approval-expired",
        "Approval past its expiry date",
    ),
    (
        Check::Approval,
        "approval-policy-invalid",
        "Approval policy that cannot be applied",
    ),
    (
        Check::Approval,
        "approval-standing-expired",
        "Expired standing approval",
    ),
    (
        Check::Approval,
        "approval-standing-invalid",
        "Standing approval that cannot be applied",
    ),
    (
        Check::Approval,
        "allowed-signers-line",
        "Unreadable line in the allowed signers file",
    ),
    (
        Check::Artifact,
        "unsafe-pickle",
        "Pickle that imports functions able to run code",
    ),
    (
        Check::Artifact,
        "unknown-pickle-import",
        "Pickle that imports classes the policy does not know",
    ),
    (
        Check::Artifact,
        "lfs-object-unchecked",
        "git LFS object not available to check",
    ),
    (
        Check::Artifact,
        "malformed-pickle",
        "Pickle that does not parse",
    ),
    (
        Check::Artifact,
        "malformed-archive",
        "Archive that loaders could read differently",
    ),
    (
        Check::Artifact,
        "malformed-artifact",
        "Array file that numpy cannot read",
    ),
    (
        Check::Artifact,
        "invalid-safetensors",
        "safetensors file with an invalid header",
    ),
    (
        Check::Artifact,
        "unscanned-artifact",
        "Model or archive content that could not be checked",
    ),
    (Check::Artifact, "large-file", "File over the size limit"),
    (
        Check::Artifact,
        "unlicensed-model",
        "Model or data file without a license",
    ),
    (
        Check::Artifact,
        "personal-data",
        "Dataset that holds personal data",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_check_says_why_it_matters_in_full_sentences() {
        for check in Check::ALL {
            let text = why(check);
            assert!(text.ends_with('.'), "{check}: {text}");
            assert!(text.len() > 60, "{check}: {text}");
        }
    }

    #[test]
    fn rule_titles_are_unique_per_check_and_secrets_come_from_their_pack() {
        for (i, (check, rule, title)) in RULES.iter().enumerate() {
            assert_ne!(*check, Check::Secret);
            assert!(!title.ends_with('.'), "{rule}: {title}");
            assert!(
                !RULES[..i].iter().any(|(c, r, _)| c == check && r == rule),
                "{check}/{rule} listed twice"
            );
        }
        assert_eq!(
            what(Check::Dco, "missing-signoff"),
            Some("Commit without a Signed-off-by trailer")
        );
        assert_eq!(what(Check::Secret, "github-pat"), None);
    }
}
