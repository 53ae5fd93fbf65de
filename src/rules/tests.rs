//! Runs every rule's own examples: each example must be found by that rule, each negative
//! example must be found by no rule at all (after every filter).

use super::*;

fn builtin() -> RuleSet {
    RuleSet::new(RuleSet::builtin().expect("built-in packs parse")).expect("built-in packs compile")
}

/// The same rules as a small run searches them (NFA) and as a long run does (DFA).
fn both_ways(make: impl Fn() -> RuleSet) -> [(&'static str, RuleSet); 2] {
    let long = make();
    long.keywords.as_if_long();
    [("small run", make()), ("long run", long)]
}

#[test]
fn every_rule_finds_its_examples() {
    for (way, set) in both_ways(builtin) {
        every_example_found(way, &set);
    }
}

fn every_example_found(way: &str, set: &RuleSet) {
    let mut failures: Vec<String> = set
        .rules
        .iter()
        .filter(|r| r.examples.is_empty())
        .map(|r| format!("{}: no examples", r.id))
        .collect();
    failures.extend(
        set.example_failures()
            .iter()
            .filter(|f| matches!(f, ExampleFailure::Missed { .. }))
            .map(|f| format!("{f} ({way})")),
    );
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn batched_generic_rules_find_what_each_finds_alone() {
    let set = builtin();
    assert!(!set.batches.is_empty(), "the generic rules form a batch");
    let mut alone = builtin();
    alone.batches.clear();
    // Batches serve long runs only; both sets search as a long run does.
    set.keywords.as_if_long();
    alone.keywords.as_if_long();
    let mut inputs: Vec<String> = Vec::new();
    for r in &set.rules {
        inputs.extend(r.examples.iter().chain(&r.negative_examples).cloned());
    }
    // All of them in one input: windows with several rules' matches, several lines apart.
    inputs.push(inputs.join("\n"));
    let spans = |v: Vec<Match>| -> Vec<(usize, usize, usize)> {
        v.iter().map(|m| (m.rule, m.start, m.end)).collect()
    };
    for input in &inputs {
        assert_eq!(
            spans(set.find(input.as_bytes())),
            spans(alone.find(input.as_bytes())),
            "{input:?}"
        );
    }
}

#[test]
fn no_rule_fires_on_negative_examples() {
    for (way, set) in both_ways(builtin) {
        no_negative_found(way, &set);
    }
}

fn no_negative_found(way: &str, set: &RuleSet) {
    let mut failures: Vec<String> = set
        .rules
        .iter()
        .filter(|r| r.negative_examples.is_empty())
        .map(|r| format!("{}: no negative examples", r.id))
        .collect();
    failures.extend(
        set.example_failures()
            .iter()
            .filter(|f| matches!(f, ExampleFailure::Matched { .. }))
            .map(|f| format!("{f} ({way})")),
    );
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_builtin_regex_compiles() {
    for (origin, text) in BUILTIN_PACKS {
        let pack: PackFile = toml::from_str(text).expect("pack parses");
        for raw in pack.rule {
            compile_checked(origin, text, raw).unwrap_or_else(|e| panic!("{e}"));
        }
    }
}

#[test]
fn rule_ids_are_unique_and_there_are_enough() {
    let set = builtin();
    assert!(set.rules.len() >= 150, "only {} rules", set.rules.len());
}

#[test]
fn a_bad_regex_names_file_line_and_key() {
    let text = "[[rule]]\nid = \"x\"\ndescription = \"d\"\nregex = '(unclosed'\n";
    let pack: PackFile = toml::from_str(text).unwrap();
    let raw = pack.rule.into_iter().next().unwrap();
    let err = compile_checked("patterns/bad.toml", text, raw)
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("'patterns/bad.toml' line 4, key 'regex'"),
        "{err}"
    );
}

#[test]
fn a_service_named_rule_without_its_group_names_file_line_and_key() {
    let text =
        "[[rule]]\nid = \"x\"\ndescription = \"d\"\nregex = 'k=(\\w+)'\nservice_named = true\n";
    let pack: PackFile = toml::from_str(text).unwrap();
    let raw = pack.rule.into_iter().next().unwrap();
    let err = compile_checked("policy.toml", text, raw)
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("'policy.toml' line 4, key 'regex'") && err.contains("service"),
        "{err}"
    );
}

#[test]
fn an_unknown_key_is_an_error() {
    let text = "[[rule]]\nid = \"x\"\ndescription = \"d\"\nregex = 'a'\nkeywrods = []\n";
    let err = parse_pack("p.toml", text).unwrap_err().to_string();
    assert!(err.contains("line 5") && err.contains("keywrods"), "{err}");
}

#[test]
fn overlapping_and_nested_keywords_all_trigger_their_rules() {
    let text = "[[rule]]\nid = \"a\"\ndescription = \"d\"\nkeywords = [\"abcd\"]\nregex = 'x'\n\
                [[rule]]\nid = \"b\"\ndescription = \"d\"\nkeywords = [\"bcde\"]\nregex = 'x'\n\
                [[rule]]\nid = \"c\"\ndescription = \"d\"\nkeywords = [\"pass\"]\nregex = 'x'\n\
                [[rule]]\nid = \"e\"\ndescription = \"d\"\nkeywords = [\"password\"]\nregex = 'x'\n";
    for (way, set) in both_ways(|| RuleSet::new(parse_pack("t.toml", text).unwrap()).unwrap()) {
        assert_eq!(set.candidates(b"..ABCDE.."), vec![0, 1], "{way}");
        assert_eq!(set.candidates(b"my_Password = 1"), vec![2, 3], "{way}");
        assert_eq!(set.candidates(b"passport"), vec![2], "{way}");
    }
}

#[test]
fn case_sensitive_keywords_match_only_as_written() {
    // One automaton holds both kinds: rule c's keyword in any case shares a spelling with
    // rule a's, and begins rule b's. Rule c's other keywords make the set large enough for
    // a long run to search it with the table.
    let others: String = (0..70).map(|i| format!(", \"kw{i:02}\"")).collect();
    let text = format!(
        "[[rule]]\nid = \"a\"\ndescription = \"d\"\nkeywords = [\"SK\"]\ncase_sensitive = true\nregex = 'x'\n\
         [[rule]]\nid = \"b\"\ndescription = \"d\"\nkeywords = [\"sk_\"]\ncase_sensitive = true\nregex = 'x'\n\
         [[rule]]\nid = \"c\"\ndescription = \"d\"\nkeywords = [\"sK\"{others}]\nregex = 'x'\n"
    );
    for (way, set) in both_ways(|| RuleSet::new(parse_pack("t.toml", &text).unwrap()).unwrap()) {
        assert_eq!(set.candidates(b"x = sk_1"), vec![1, 2], "{way}");
        assert_eq!(set.candidates(b"x = SK_1"), vec![0, 2], "{way}");
        assert_eq!(set.candidates(b"x = Sk_1"), vec![2], "{way}");
        assert!(set.candidates(b"x = s_k").is_empty(), "{way}");
        // Long enough for the table to search it in lanes.
        let long = format!(
            "{}SK{}sk_{}",
            "a".repeat(5000),
            "b".repeat(70),
            "c".repeat(300)
        );
        assert_eq!(set.candidates(long.as_bytes()), vec![0, 1, 2], "{way}");
    }
}

#[test]
fn generic_rules_leave_provider_tokens_to_their_rules() {
    let set = builtin();
    let generic: Vec<usize> = (0..set.rules.len())
        .filter(|&i| set.rules[i].generic)
        .collect();
    // Built here, not written out: a GitHub token and a Stripe key in generic assignments.
    let body: String = "k7Qx2mN9pL4vR8sT1wY6zA3bC5dE0fG".chars().take(30).collect();
    let github = format!(
        "ghp_{body}{}",
        checksum::base62(u64::from(crc32fast::hash(body.as_bytes())), 6)
    );
    let stripe = format!("sk_live_{}", "4eC39HqLyjWDarjtT1zdp7dc9x2Z");
    for (value, owner) in [(&github, "github-pat"), (&stripe, "stripe-secret-key")] {
        let line = format!("api_key = \"{value}\"\n");
        for &i in &generic {
            assert!(
                set.find_by(i, line.as_bytes()).is_empty(),
                "{} took {value}",
                set.rules[i].id
            );
        }
        let found: Vec<&str> = set
            .find(line.as_bytes())
            .iter()
            .map(|m| set.rules[m.rule].id.as_str())
            .collect();
        assert_eq!(found, [owner]);
    }
    // Without a provider prefix the same assignment is generic.
    let line = b"api_key = \"k7Qx2mN9pL4vR8sT1wY6zA3bC5dE0fG\"\n";
    assert!(generic.iter().any(|&i| !set.find_by(i, line).is_empty()));
}

/// A held-out set kept apart from the rules' own examples (`tests/fixtures/secrets-heldout`):
/// positives and negatives written from each provider's documented format for the rules
/// and filters of the latest changes. Reports recall and negatives flagged, and holds them.
#[test]
#[allow(clippy::print_stdout)] // prints the figure the closing note quotes
fn held_out_cases_are_found_and_their_negatives_are_not() {
    let set = builtin();
    let text = include_str!("../../tests/fixtures/secrets-heldout/cases.jsonl");
    let (mut positives, mut found, mut by_rule, mut negatives) = (0, 0, 0, 0);
    // Cases of rules that are not built in (yet) are kept in the set and counted apart.
    let mut not_built_in = 0;
    let mut misses = Vec::new();
    let mut flagged = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let case: serde_json::Value = serde_json::from_str(line).expect("fixture lines are JSON");
        let input = case["text"].as_str().expect("a text");
        let hits = set.find(input.as_bytes());
        let rules: Vec<&str> = hits.iter().map(|m| set.rules[m.rule].id.as_str()).collect();
        if case["expect"] == "pos" {
            let want = case["rule"].as_str().expect("a rule");
            if !set.rules.iter().any(|r| r.id == want) {
                not_built_in += 1;
                continue;
            }
            positives += 1;
            found += usize::from(!hits.is_empty());
            by_rule += usize::from(rules.contains(&want));
            if hits.is_empty() {
                misses.push(format!("{want}: {input} (found by {rules:?})"));
            }
        } else {
            negatives += 1;
            if !hits.is_empty() {
                flagged.push(format!("{rules:?}: {input}"));
            }
        }
    }
    println!(
        "held-out: {found}/{positives} positives found ({by_rule} by the expected rule), \
         {} of {negatives} negatives flagged, {not_built_in} positives of rules not built in",
        flagged.len()
    );
    assert!(misses.is_empty(), "missed:\n{}", misses.join("\n"));
    assert!(flagged.is_empty(), "flagged:\n{}", flagged.join("\n"));
}

#[test]
fn a_service_named_rule_takes_only_its_services_and_their_suffixes() {
    let text = "[[rule]]\nid = \"s\"\ndescription = \"d\"\nkeywords = [\"acme\", \"box\"]\n\
                regex = '''(?:^|[^A-Za-z0-9])(?P<service>[A-Za-z0-9]+)[_.-]?(?i:key)[ \\t]*=[ \\t]*(?P<secret>[A-Za-z0-9]{8,})'''\n\
                service_named = true\nservice_suffixes = [\"api\", \"app\"]\n";
    let set = RuleSet::new(parse_pack("t.toml", text).unwrap()).unwrap();
    let found = |line: &str| !set.find(line.as_bytes()).is_empty();
    for yes in [
        "acme_key = Vq3kR8wLp2",
        "ACMEKey = Vq3kR8wLp2",
        "acmeApiKey = Vq3kR8wLp2",
        "acmeapiappKey = Vq3kR8wLp2",
        "box.key = Vq3kR8wLp2",
    ] {
        assert!(found(yes), "{yes}");
    }
    // Not a service, a service inside another word, a word the suffixes do not make.
    for no in [
        "release_key = Vq3kR8wLp2",
        "myacme_key = Vq3kR8wLp2",
        "boxerKey = Vq3kR8wLp2",
        "acmeapiapiappKey = Vq3kR8wLp2",
    ] {
        assert!(!found(no), "{no}");
    }
}
