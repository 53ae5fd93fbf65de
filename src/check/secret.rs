//! The `secret` check: credentials found by the rule packs (see `rules/`).

use std::ops::Range;

use super::{LineIndex, locate};
use crate::finding::{Check, Finding, Sensitivity, Severity};
use crate::rules::RuleSet;

/// Every credential in `regions` of `content` (see `RuleSet::find_in`, also for `outside`
/// and the flag returned), as findings without path or commit (the caller adds them).
pub fn check(
    content: &[u8],
    regions: &[Range<usize>],
    outside: bool,
    index: &LineIndex,
    rules: &RuleSet,
    severity: Severity,
) -> (Vec<Finding>, bool) {
    let mut out = Vec::new();
    let (found, whole_keywords) = rules.find_in(content, regions, outside);
    for m in found {
        let rule = &rules.rules[m.rule];
        let loc = locate(index, content, m.start, m.end);
        let mut f = Finding::new(
            Check::Secret,
            &rule.id,
            rule.severity.map_or(severity, |r| r.min(severity)),
            rule.description.clone(),
        );
        if m.validated {
            f.message.push_str(" (checksum valid)");
        }
        f.line = Some(loc.line);
        f.column = Some(loc.column);
        f.end_line = (loc.end_line > loc.line).then_some(loc.end_line);
        f.line_text = Some(loc.line_text);
        f.span = Some(loc.span);
        f.value = Some(String::from_utf8_lossy(&content[m.start..m.end]).into_owned());
        f.sensitivity = Sensitivity::Secret;
        f.validated = m.validated;
        f.help = format!(
            "remove it from the change and rotate it at the provider: it must be treated as leaked once pushed; \
             if it is not a real credential, mark the line with `outbound:allow {}` and say why in the commit",
            rule.id
        );
        out.push(f);
    }
    (out, whole_keywords)
}
