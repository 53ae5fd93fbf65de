//! Internal names: what is flagged and, as much, what is not.

use super::*;
use crate::check::LineIndex;
use crate::policy::Policy;
use crate::rules::whole;

const ORG: &str = r#"
[org]
domains = ["acme-corp.com", "acme.internal"]
public_hosts = ["www.acme-corp.com", "docs.acme-corp.com"]
bucket_prefixes = ["acme-"]
"#;

fn found(text: &str) -> Vec<(String, String)> {
    let policy = Policy::from_text("org.toml", ORG).unwrap();
    let urls = InternalUrls::new(&policy.internal_url);
    let content = text.as_bytes();
    urls.check(
        content,
        &whole(content.len()),
        &LineIndex::new(content),
        &policy.terms,
        Syntax::Text,
    )
    .into_iter()
    .map(|f| (f.rule, f.value.unwrap()))
    .collect()
}

/// Rule, value and severity of each finding.
fn graded(text: &str, policy: &str) -> Vec<(String, String, Severity)> {
    let policy = Policy::from_text("org.toml", policy).unwrap();
    let urls = InternalUrls::new(&policy.internal_url);
    let content = text.as_bytes();
    urls.check(
        content,
        &whole(content.len()),
        &LineIndex::new(content),
        &policy.terms,
        Syntax::Text,
    )
    .into_iter()
    .map(|f| (f.rule, f.value.unwrap(), f.severity))
    .collect()
}

#[test]
fn internal_names_are_flagged() {
    let cases = [
        (
            "url = \"https://jira.acme-corp.com/browse/OPS-1\"",
            "internal-host",
            "jira.acme-corp.com",
        ),
        (
            "DB_HOST=orders-db.acme.internal",
            "internal-host",
            "orders-db.acme.internal",
        ),
        (
            "ssh bastion.prod.corp",
            "internal-suffix",
            "bastion.prod.corp",
        ),
        (
            "printer_host: printer-3f4.lan",
            "internal-suffix",
            "printer-3f4.lan",
        ),
        (
            "see https://gitea5.home.arpa/ first.",
            "internal-suffix",
            "gitea5.home.arpa",
        ),
        ("host = \"10.141.214.209\"", "private-ip", "10.141.214.209"),
        ("http://192.168.1.20:8080/", "private-ip", "192.168.1.20"),
        ("addr: 172.24.219.233", "private-ip", "172.24.219.233"),
        ("peer=100.64.3.4", "private-ip", "100.64.3.4"),
        (
            "metadata_url: http://169.254.52.144/",
            "private-ip",
            "169.254.52.144",
        ),
        (
            "peer_addr: fd67:1f80:51b1::f1c",
            "private-ip",
            "fd67:1f80:51b1::f1c",
        ),
        (
            "ll: [fe80::1ff:fe23:4567:890a]:22",
            "private-ip",
            "fe80::1ff:fe23:4567:890a",
        ),
        ("ip=FEA0::1FF:FE23", "private-ip", "FEA0::1FF:FE23"),
        ("ping fd12:3456:789a::1", "private-ip", "fd12:3456:789a::1"),
        ("ip=fdff:3456::1", "private-ip", "fdff:3456::1"),
        (
            "s3://acme-prod-terraform-state/x",
            "org-bucket",
            "acme-prod-terraform-state",
        ),
        (
            "arn:aws:s3:::acme-dev-exports/*",
            "org-bucket",
            "acme-dev-exports",
        ),
        (
            "https://acme-data.s3.amazonaws.com/x",
            "org-bucket",
            "acme-data",
        ),
        (
            "rediss://default:pw@pihole7.lan:6380",
            "internal-suffix",
            "pihole7.lan",
        ),
        ("mail ops@mail.corp today", "internal-suffix", "mail.corp"),
    ];
    for (text, rule, value) in cases {
        assert_eq!(
            found(text),
            vec![(rule.to_string(), value.to_string())],
            "{text}"
        );
    }
    let ip = |v: &str| ("private-ip".to_string(), v.to_string());
    assert_eq!(
        found("dns = [fd00::1,fe80::2 fc00:1::3]"),
        vec![ip("fd00::1"), ip("fe80::2"), ip("fc00:1::3")]
    );
    assert_eq!(
        found("ping fd00::1\nping fe80::2\nping fc00:1::3"),
        vec![ip("fd00::1"), ip("fe80::2"), ip("fc00:1::3")]
    );
}

#[test]
fn public_reserved_and_look_alike_names_are_not_flagged() {
    let cases = [
        "see https://www.acme-corp.com/ and https://docs.acme-corp.com/sdk",
        "https://api.acme-corp.com.example.net/v1",
        "https://api.acme.internal-tools.dev/v1",
        "notacme-corp.com",
        "localhost:8080 127.0.0.1 0.0.0.0 ::1",
        "host: 192.0.2.1 ip=198.51.100.7 203.0.113.9 2001:db8::1",
        "public 8.8.8.8 and 1.1.1.1",
        "version 10.2.1 and 1.10.0.3-beta",
        "host.docker.internal metadata.google.internal gateway.docker.internal",
        "value: \"logback.corp.xml\" profile: \".env.local\" org.acme.internal.util.Retry",
        "kotlinx.coroutines.internal",
        "configFile: \"settings.local\"",
        "color: #fe80aa",
        "my-service.default.svc.cluster.local",
        "example.com test.example foo.test bar.invalid",
        "bucket named acme-prod without a storage context",
    ];
    for text in cases {
        assert_eq!(found(text), Vec::<(String, String)>::new(), "{text}");
    }
}

#[test]
fn suffixes_and_private_addresses_count_only_where_a_host_stands() {
    for text in [
        "gitea5.home.arpa is down.",
        "cgnat 100.64.3.4 peer",
        "/* 10.1.1.4 step 2b */",
        "see section 10.3.1.1",
        "color.branch.local",
        "git add A.internal",
        "Cc: Tianyu.Lan@microsoft.com",
        "https://lore.kernel.org/git/Y2x.1@nand.local/",
        "fd12:3456:789a::1 opens",
    ] {
        assert_eq!(found(text), Vec::<(String, String)>::new(), "{text}");
    }
}

#[test]
fn evidence_decides_severity() {
    use Severity::{Block, Warn};
    let g = |rule: &str, v: &str, s| (rule.to_string(), v.to_string(), s);
    assert_eq!(
        graded(
            "url: https://db.corp/ url: https://nas.local/ ip=10.1.2.3",
            ""
        ),
        vec![
            g("internal-suffix", "db.corp", Block),
            g("internal-suffix", "nas.local", Warn),
            g("private-ip", "10.1.2.3", Warn),
        ]
    );
    // The org's own networks block wherever their addresses appear; other private
    // addresses keep their weight.
    let org = "[org]\nnetworks = [\"10.20.0.0/16\", \"fd12:3456::/48\", \"198.51.100.0/24\"]\n";
    assert_eq!(
        graded(
            "/* 10.20.1.4 step 2 */ fd12:3456::9 198.51.100.7 host=10.30.0.1 10.30.0.2",
            org
        ),
        vec![
            g("org-network", "10.20.1.4", Block),
            g("org-network", "fd12:3456::9", Block),
            g("org-network", "198.51.100.7", Block),
            g("private-ip", "10.30.0.1", Warn),
        ]
    );
    // `[internal_url]` keys: the weaker evidence raised, or the check lowered as a whole.
    let raised = "[internal_url]\nlocal_severity = \"block\"\n";
    assert_eq!(
        graded("ip=10.1.2.3", raised),
        vec![g("private-ip", "10.1.2.3", Block)]
    );
    let lowered = "[internal_url]\nseverity = \"warn\"\nlocal_severity = \"block\"\n";
    assert_eq!(
        graded("url: https://db.corp/ ip=10.1.2.3", lowered),
        vec![
            g("internal-suffix", "db.corp", Warn),
            g("private-ip", "10.1.2.3", Warn),
        ]
    );
    let quiet = "[internal_url]\nlocal_severity = \"off\"\nprivate_ips = false\n";
    assert_eq!(
        graded(
            "url: https://db.corp/ https://nas.local/ ip=10.1.2.3",
            quiet
        ),
        vec![g("internal-suffix", "db.corp", Block)]
    );
}

#[test]
fn member_accesses_in_code_are_not_hosts_but_strings_urls_and_comments_are() {
    let policy = Policy::from_text("org.toml", ORG).unwrap();
    let urls = InternalUrls::new(&policy.internal_url);
    let found = |text: &str| {
        let c = text.as_bytes();
        urls.check(
            c,
            &whole(c.len()),
            &LineIndex::new(c),
            &policy.terms,
            Syntax::Code,
        )
        .len()
    };
    assert_eq!(found("    .filter(|l| !git::is_zero(&l.local))\n"), 0);
    assert_eq!(found("        line.local,\n"), 0);
    assert_eq!(found("x = self.internal\n"), 0);
    assert_eq!(found("client = Client(\"pihole7.lan\")\n"), 1);
    assert_eq!(
        found("url = f(\"redis://:pw@kafka.bw.internal:6379/0\")\n"),
        1
    );
    assert_eq!(found("    # talks to bastion.internal first\n"), 1);
    assert_eq!(found("    Connects to gitea5.home.arpa at start.\n"), 1);
    assert_eq!(
        found("CONF = \"\"\"\n[mail]\nsmtp_host = bastion.internal\n\"\"\"\n"),
        1
    );
}

#[test]
fn teams_channel_and_chat_links_are_internal_wherever_they_stand() {
    let channel = "https://teams.microsoft.com/l/channel/19%3a4f1c2d9e8b7a6f5e4d3c2b1a0f9e8d7c%40thread.tacv2/Releases?groupId=7c1e2d3f-4a5b-4c6d-8e9f-0a1b2c3d4e5f&tenantId=2b3c4d5e-6f70-4812-9a3b-4c5d6e7f8091";
    let chat = "https://teams.microsoft.com/l/chat/19:meeting_NzQ1ZjE2@thread.v2/0?context=x";
    let text = format!("See the thread: {channel}\n- [chat]({chat})\n");
    assert_eq!(
        found(&text),
        vec![
            (
                "private-collaboration-link".to_string(),
                channel.to_string()
            ),
            ("private-collaboration-link".to_string(), chat.to_string()),
        ]
    );
    // The public product pages are not links into a space.
    assert!(found("Download https://teams.microsoft.com/downloads and docs at https://learn.microsoft.com/microsoftteams/").is_empty());
}
