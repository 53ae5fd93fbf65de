//! The `internal-url` check: names that reveal the inside of the organisation. Hosts under
//! `org.domains` and addresses in `org.networks` wherever they stand; hosts under
//! internal-only suffixes (`.corp`, `.internal`, …) and private, link-local and unique-local
//! addresses only where a host stands (see `position`); storage buckets named after the org,
//! and confidential terms.
//!
//! Host names are found from their suffix: one aho-corasick pass finds every org domain and
//! internal suffix, and each hit is widened to the whole host around it. A hit counts only
//! when the suffix ends the host (so `config.internal.json` and `api.bwsys.network` are not
//! hosts of ours) and the host is not a file name (`.env.local`), a package path
//! (`org.acme.internal.util`) or a name every installation shares
//! (`host.docker.internal`, `metadata.google.internal`).
//!
//! Severity follows the evidence: the org's own names and networks and internal-only
//! suffixes get `internal_url.severity`; `.local` (mDNS) names and private addresses, which
//! every home network and documentation example uses, get `internal_url.local_severity`.

mod network;
mod position;
mod terms;

pub use network::Network;
pub use terms::{TermMatch, Terms};

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::ops::Range;
use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use regex::bytes::Regex;

use super::{LineIndex, locate};
use crate::finding::{Check, Finding, Sensitivity, Severity};

/// Internal names that every installation of some product shares: not the org's own.
const UNIVERSAL: &[&str] = &[
    "docker.internal",
    "containers.internal",
    "metadata.google.internal",
    "cluster.local",
    "svc.cluster.local",
];

/// First labels of reverse-DNS package and module paths.
const PACKAGE_ROOTS: &[&str] = &[
    "org", "com", "net", "io", "java", "javax", "kotlinx", "android", "androidx", "dev", "golang",
    "internal",
];

/// Where a bucket name can stand: after one of these, or before one of the host suffixes.
const BUCKET_BEFORE: &[&str] = &[
    "s3://",
    "s3a://",
    "s3n://",
    "gs://",
    "arn:aws:s3:::",
    "az://",
    "wasbs://",
    "abfss://",
    "storage.googleapis.com/",
    "s3.amazonaws.com/",
];
const BUCKET_AFTER: &[&str] = &[
    ".s3.",
    ".s3-",
    ".storage.googleapis.com",
    ".blob.core.windows.net",
    ".dfs.core.windows.net",
];

// Both regexes open with literals so that the regex engine skips ahead with a literal search;
// the boundaries around a match are checked by hand.
static IPV4: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?-u)(?:10|172|192|100|169)\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}")
        .expect("static regex compiles")
});
/// Every dotted quad, for org networks outside the private ranges.
static ANY_IPV4: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?-u)[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}")
        .expect("static regex compiles")
});
/// Read where a candidate starts (see `ipv6_within`), hence anchored.
static IPV6: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i-u)^(?:f[cd][0-9a-f]{2}|fe[89ab][0-9a-f]):[0-9a-f:]{2,40}")
        .expect("static regex compiles")
});

/// What a pattern of the automaton stands for.
/// Links into an organisation's private collaboration spaces: a Microsoft Teams channel,
/// chat, team, message or meeting link names the tenant and the group, and only members
/// can open it, so it is internal wherever its host is.
static COLLABORATION_LINK: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"(?-u)https?://teams\.(?:microsoft|live|cloud\.microsoft)(?:\.com)?/l/(?:channel|chat|team|message|meetup-join|file)/[^\s"'<>`)\]]+"#,
    )
    .expect("static regex compiles")
});

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Domain,
    Suffix,
    Bucket,
}

/// The suffix of multicast DNS names: every home network has them, so they weigh less.
const MDNS: &str = ".local";

/// One internal name found: where, which rule, what it is and how much it weighs.
#[derive(Debug, Clone)]
struct Hit {
    start: usize,
    end: usize,
    rule: &'static str,
    what: &'static str,
    severity: Severity,
}

/// What the check looks for: `[org]` and `[internal_url]`, validated by the policy.
#[derive(Debug, Clone)]
pub struct InternalUrlOptions {
    /// `org.domains`: hosts under them are the org's own, wherever they appear.
    pub domains: Vec<String>,
    /// `internal_url.suffixes`: internal-only top-level names, in host position.
    pub suffixes: Vec<String>,
    /// `org.bucket_prefixes`.
    pub bucket_prefixes: Vec<String>,
    /// `org.public_hosts` and `internal_url.allow_hosts`: fine to name.
    pub public_hosts: Vec<String>,
    /// `org.networks`.
    pub networks: Vec<Network>,
    /// `internal_url.private_ips`.
    pub private_ips: bool,
    /// The check's severity.
    pub severity: Severity,
    /// `internal_url.local_severity`: `.local` names and private addresses.
    pub local_severity: Severity,
}

/// The check, compiled once from the policy.
#[derive(Debug, Clone)]
pub struct InternalUrls {
    ac: Option<AhoCorasick>,
    kinds: Vec<Kind>,
    public: Vec<String>,
    networks: Vec<Network>,
    private_ips: bool,
    /// For org names, org networks and internal-only suffixes in host position.
    severity: Severity,
    /// For `.local` names and private addresses in host position.
    local_severity: Severity,
}

impl InternalUrls {
    pub fn new(opts: &InternalUrlOptions) -> InternalUrls {
        let mut patterns: Vec<String> = Vec::new();
        let mut kinds = Vec::new();
        let lower = |v: &[String]| v.iter().map(|s| s.to_ascii_lowercase()).collect::<Vec<_>>();
        for d in lower(&opts.domains) {
            patterns.push(d);
            kinds.push(Kind::Domain);
        }
        for s in lower(&opts.suffixes) {
            patterns.push(if s.starts_with('.') {
                s
            } else {
                format!(".{s}")
            });
            kinds.push(Kind::Suffix);
        }
        for b in lower(&opts.bucket_prefixes) {
            patterns.push(b);
            kinds.push(Kind::Bucket);
        }
        let ac = (!patterns.is_empty()).then(|| {
            AhoCorasickBuilder::new()
                .ascii_case_insensitive(true)
                .match_kind(MatchKind::Standard)
                .build(&patterns)
                .expect("literal patterns always build")
        });
        let severity = opts.severity;
        InternalUrls {
            ac,
            kinds,
            public: lower(&opts.public_hosts),
            networks: opts.networks.clone(),
            private_ips: opts.private_ips,
            severity,
            local_severity: opts.local_severity.min(severity),
        }
    }

    /// What is flagged, and how, under this policy (for `git outbound policy`).
    pub fn describe(&self) -> Vec<String> {
        let count = |k: Kind| self.kinds.iter().filter(|x| **x == k).count();
        let mut out = vec![format!(
            "internal-url: {} org domain(s) and {} org network(s), wherever they appear: {}",
            count(Kind::Domain),
            self.networks.len(),
            self.severity.name()
        )];
        out.push(format!(
            "internal-url: {} internal-only suffix(es) in host position: {}, `{MDNS}` names: {}",
            count(Kind::Suffix),
            self.severity.name(),
            self.local_severity.name()
        ));
        let private = match self.private_ips {
            true => self.local_severity.name(),
            false => "off (private_ips = false)",
        };
        out.push(format!(
            "internal-url: private, link-local and unique-local addresses in host position: {private}"
        ));
        out
    }

    /// Every internal name in `content` (path and commit are added by the caller).
    pub fn check(
        &self,
        content: &[u8],
        regions: &[Range<usize>],
        index: &LineIndex,
        terms: &Terms,
        syntax: Syntax,
    ) -> Vec<Finding> {
        let mut hits: Vec<Hit> = Vec::new();
        for region in regions {
            self.hits(content, region.clone(), terms, syntax, &mut hits);
        }
        hits.retain(|h| h.severity != Severity::Off);
        hits.sort_by_key(|h| (h.start, std::cmp::Reverse(h.end)));
        hits.dedup_by(|b, a| b.start >= a.start && b.end <= a.end);
        hits.into_iter()
            .map(|h| self.finding(content, index, h))
            .collect()
    }

    /// What `check` finds in one region.
    fn hits(
        &self,
        content: &[u8],
        region: Range<usize>,
        terms: &Terms,
        syntax: Syntax,
        hits: &mut Vec<Hit>,
    ) {
        if let Some(ac) = &self.ac {
            for m in
                ac.find_overlapping_iter(aho_corasick::Input::new(content).span(region.clone()))
            {
                let kind = self.kinds[m.pattern().as_usize()];
                let hit = match kind {
                    Kind::Bucket => bucket(content, m.start()).map(|(start, end)| Hit {
                        start,
                        end,
                        rule: "org-bucket",
                        what: "storage bucket of the org",
                        severity: self.severity,
                    }),
                    _ => self.host(content, m.start(), m.end(), kind).filter(|h| {
                        kind == Kind::Domain
                            || syntax == Syntax::Text
                            || !code_identifier(content, h.start, h.end)
                    }),
                };
                hits.extend(hit);
            }
        }
        if self.private_ips || !self.networks.is_empty() {
            self.addresses(content, region.clone(), hits);
        }
        if memchr::memmem::find(&content[region.clone()], b"teams.").is_some() {
            for m in COLLABORATION_LINK.find_iter(&content[region.clone()]) {
                hits.push(Hit {
                    start: region.start + m.start(),
                    end: region.start + m.end(),
                    rule: "private-collaboration-link",
                    what: "link into a private collaboration space",
                    severity: self.severity,
                });
            }
        }
        for t in terms.find_in(content, region) {
            hits.push(Hit {
                start: t.start,
                end: t.end,
                rule: "confidential-term",
                what: "confidential term",
                severity: self.severity,
            });
        }
    }

    /// Addresses in the org's networks, wherever they stand; other private, link-local and
    /// unique-local addresses where a host stands.
    fn addresses(&self, content: &[u8], region: Range<usize>, hits: &mut Vec<Hit>) {
        for (start, end, ip, what) in private_addresses(content, region, !self.networks.is_empty())
        {
            let hit = |rule, what, severity| Hit {
                start,
                end,
                rule,
                what,
                severity,
            };
            if self.networks.iter().any(|n| n.contains(ip)) {
                hits.push(hit(
                    "org-network",
                    "address in an org network",
                    self.severity,
                ));
            } else if self.private_ips && what.is_some() && position::is_host(content, start, end) {
                hits.push(hit(
                    "private-ip",
                    what.unwrap_or_default(),
                    self.local_severity,
                ));
            }
        }
    }

    fn finding(&self, content: &[u8], index: &LineIndex, h: Hit) -> Finding {
        let loc = locate(index, content, h.start, h.end);
        let value = String::from_utf8_lossy(&content[h.start..h.end]).into_owned();
        let confidential = h.rule == "confidential-term";
        let message = if confidential {
            "confidential term (code name or customer name)".to_string()
        } else {
            format!("{}: {value}", h.what)
        };
        let mut f = Finding::new(Check::InternalUrl, h.rule, h.severity, message);
        f.line = Some(loc.line);
        f.column = Some(loc.column);
        f.line_text = Some(loc.line_text);
        f.span = Some(loc.span);
        f.value = Some(value);
        f.sensitivity = if confidential {
            Sensitivity::Secret
        } else {
            Sensitivity::Public
        };
        f.help = "internal names tell outsiders how the organisation is built: replace it with a placeholder \
                  (`example.com`, `192.0.2.1`); if it is public, add it to `org.public_hosts`, or mark the line \
                  with `outbound:allow` and say why"
            .into();
        f
    }

    /// Widens a domain or suffix hit to the whole host and decides whether it is one of ours.
    fn host(&self, content: &[u8], start: usize, end: usize, kind: Kind) -> Option<Hit> {
        let is_host = |b: u8| b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b == b'_';
        let mut hs = start;
        while hs > 0 && is_host(content[hs - 1]) {
            hs -= 1;
        }
        let mut he = end;
        while he < content.len() && is_host(content[he]) {
            he += 1;
        }
        // A sentence may end right after the host.
        while he > end && content[he - 1] == b'.' {
            he -= 1;
        }
        if he != end || hs >= start && kind == Kind::Suffix {
            return None;
        }
        if kind == Kind::Domain && hs < start && content[start - 1] != b'.' {
            return None; // `notbwsys.net` is not under `bwsys.net`
        }
        if content[hs] == b'.' || content[hs] == b'-' {
            return None; // `.env.local`
        }
        let host = String::from_utf8_lossy(&content[hs..he]).to_ascii_lowercase();
        if self.is_public(&host, content, he)
            || is_universal(&host)
            || is_package_path(&host)
            || is_override_file(&host)
        {
            return None;
        }
        let (rule, what, severity) = match kind {
            Kind::Domain => ("internal-host", "host under an org domain", self.severity),
            _ if !position::valid_hostname(host.as_bytes())
                || !position::is_host(content, hs, he) =>
            {
                return None;
            }
            _ if host.ends_with(MDNS) => (
                "internal-suffix",
                "host under the mDNS suffix .local",
                self.local_severity,
            ),
            _ => (
                "internal-suffix",
                "host under an internal-only suffix",
                self.severity,
            ),
        };
        Some(Hit {
            start: hs,
            end: he,
            rule,
            what,
            severity,
        })
    }

    /// `org.public_hosts`: a host (`docs.acme-corp.com`) or a host with a path prefix.
    fn is_public(&self, host: &str, content: &[u8], host_end: usize) -> bool {
        let after = &content[host_end..content.len().min(host_end + 200)];
        self.public.iter().any(|p| match p.split_once('/') {
            None => p == host,
            Some((h, path)) => {
                h == host
                    && after.first() == Some(&b'/')
                    && after[1..].to_ascii_lowercase().starts_with(path.as_bytes())
            }
        })
    }
}

/// What kind of file the content is, as far as telling hosts from identifiers goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Syntax {
    /// Source code: `self.internal` and `line.local` are member accesses.
    Code,
    /// Configuration, documentation, messages.
    Text,
}

impl Syntax {
    /// By the file's extension.
    pub fn of(path: &str) -> Syntax {
        const CODE: &[&str] = &[
            "rs", "py", "js", "mjs", "cjs", "ts", "tsx", "jsx", "go", "java", "kt", "kts", "scala",
            "c", "h", "cc", "cpp", "cxx", "hpp", "cs", "rb", "php", "swift", "m", "mm", "dart",
            "lua", "pl", "ex", "exs", "erl", "hs", "jl", "r",
        ];
        let ext = path
            .rsplit_once('.')
            .map(|(_, e)| e.to_ascii_lowercase())
            .unwrap_or_default();
        if CODE.contains(&ext.as_str()) {
            Syntax::Code
        } else {
            Syntax::Text
        }
    }
}

/// In source code, whether a name under an internal suffix reads as a member access
/// (`l.local`, `self.internal`) rather than a host: not in a URL, not in a string literal or
/// comment, and on a line of code rather than prose.
fn code_identifier(content: &[u8], start: usize, end: usize) -> bool {
    let line_start = memchr::memrchr(b'\n', &content[..start]).map_or(0, |i| i + 1);
    let line_end = memchr::memchr(b'\n', &content[end..]).map_or(content.len(), |i| end + i);
    let (before, after) = (&content[line_start..start], &content[end..line_end]);
    let url = before.ends_with(b"//")
        || before.ends_with(b"@")
        || after.first() == Some(&b'/')
        || after.len() > 1 && after[0] == b':' && after[1].is_ascii_digit();
    if url || in_string_or_comment(before) || in_multiline_string(&content[..line_start]) {
        return false;
    }
    let line = &content[line_start..line_end];
    let trimmed = line.trim_ascii_end();
    line.iter().any(|b| b"(){};=&|<>[]".contains(b))
        || trimmed.ends_with(b",")
        || trimmed.ends_with(b";")
}

/// Whether a line starting after `before` lies inside a multi-line string (Python's triple
/// quotes, JavaScript's template literals): an odd number of openers so far.
fn in_multiline_string(before: &[u8]) -> bool {
    let odd = |needle: &[u8]| memchr::memmem::find_iter(before, needle).count() % 2 == 1;
    odd(b"\"\"\"") || odd(b"'''") || memchr::memchr_iter(b'`', before).count() % 2 == 1
}

/// Whether the end of `before` (a line up to some point) is inside a string literal or a
/// comment, by counting quotes and looking for comment starts.
fn in_string_or_comment(before: &[u8]) -> bool {
    let trimmed = before.trim_ascii_start();
    if trimmed.starts_with(b"*") || trimmed.starts_with(b"#") || trimmed.starts_with(b"--") {
        return true;
    }
    let mut quote: Option<u8> = None;
    let mut i = 0;
    while i < before.len() {
        let b = before[i];
        match quote {
            Some(_) if b == b'\\' => i += 1,
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None if b == b'"'
                || b == b'`'
                || b == b'\'' && i + 2 < before.len() && before[i + 2] != b'\'' =>
            {
                quote = Some(b)
            }
            None if b == b'#'
                || before[i..].starts_with(b"//")
                || before[i..].starts_with(b"/*") =>
            {
                return true;
            }
            None => {}
        }
        i += 1;
    }
    quote.is_some()
}

/// `settings.local`, `config.local`: the local-override naming of configuration files.
fn is_override_file(host: &str) -> bool {
    const STEMS: &[&str] = &[
        "settings",
        "config",
        "configuration",
        "env",
        "environment",
        "application",
        "app",
        "values",
        "secrets",
    ];
    host.rsplit_once('.')
        .is_some_and(|(stem, suffix)| suffix == "local" && STEMS.contains(&stem))
}

fn is_universal(host: &str) -> bool {
    UNIVERSAL
        .iter()
        .any(|u| host == *u || host.ends_with(&format!(".{u}")))
}

fn is_package_path(host: &str) -> bool {
    let labels: Vec<&str> = host.split('.').collect();
    labels.len() >= 3 && PACKAGE_ROOTS.contains(&labels[0])
}

/// A bucket named with an org prefix, in a storage URL or ARN.
fn bucket(content: &[u8], start: usize) -> Option<(usize, usize)> {
    let is_name = |b: u8| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.';
    let mut end = start;
    while end < content.len()
        && is_name(content[end])
        && !BUCKET_AFTER
            .iter()
            .any(|a| content[end..].starts_with(a.as_bytes()))
    {
        end += 1;
    }
    let before = &content[start.saturating_sub(32)..start];
    let prefixed = BUCKET_BEFORE.iter().any(|b| before.ends_with(b.as_bytes()));
    let suffixed = BUCKET_AFTER
        .iter()
        .any(|a| content[end..].starts_with(a.as_bytes()));
    let boundary = start == 0 || !is_name(content[start - 1]) || prefixed;
    (boundary && (prefixed || suffixed) && end > start).then_some((start, end))
}

/// Private, shared, link-local and unique-local addresses in `region`, each with what it is;
/// with `any_ipv4`, every other IPv4 address too (without a description), for org networks
/// outside the private ranges.
fn private_addresses(
    content: &[u8],
    region: Range<usize>,
    any_ipv4: bool,
) -> Vec<(usize, usize, IpAddr, Option<&'static str>)> {
    let mut out = Vec::new();
    let re = if any_ipv4 { &*ANY_IPV4 } else { &*IPV4 };
    for m in find_within(re, content, region.clone()) {
        let before = m.start().checked_sub(1).map(|i| content[i]);
        let after = content.get(m.end()..).unwrap_or(&[]);
        let bad_before = before.is_some_and(|b| b.is_ascii_alphanumeric() || b == b'.');
        let bad_after = after.first().is_some_and(|b| b.is_ascii_alphanumeric())
            || after.first() == Some(&b'.') && after.get(1).is_some_and(u8::is_ascii_digit);
        if bad_before || bad_after {
            continue;
        }
        let Ok(ip) = std::str::from_utf8(m.as_bytes())
            .unwrap_or("")
            .parse::<Ipv4Addr>()
        else {
            continue;
        };
        let o = ip.octets();
        let what = if o[0] == 10
            || o[0] == 172 && (16..32).contains(&o[1])
            || o[0] == 192 && o[1] == 168
        {
            Some("private IPv4 address")
        } else if o[0] == 100 && (64..128).contains(&o[1]) {
            Some("shared (carrier-grade NAT) address")
        } else if o[0] == 169 && o[1] == 254 {
            Some("link-local address")
        } else if any_ipv4 {
            None
        } else {
            continue;
        };
        out.push((m.start(), m.end(), IpAddr::V4(ip), what));
    }
    for m in ipv6_within(content, region) {
        let before = m.start.checked_sub(1).map(|i| content[i]);
        if before.is_some_and(|b| b.is_ascii_alphanumeric() || b == b':') {
            continue;
        }
        let text = std::str::from_utf8(&content[m.clone()])
            .unwrap_or("")
            .trim_end_matches(':');
        let Ok(ip) = text.parse::<Ipv6Addr>() else {
            continue;
        };
        let first = ip.segments()[0];
        let what = if first & 0xfe00 == 0xfc00 {
            "unique local IPv6 address"
        } else {
            "link-local IPv6 address"
        };
        out.push((m.start, m.start + text.len(), IpAddr::V6(ip), Some(what)));
    }
    out
}

/// The matches of `IPV6` that start within `region` and end by its end, without overlaps,
/// as an unanchored search would find them. Every match has its first colon five bytes in,
/// after `f` and one of `c d e`: code is full of colons, and a search that started from
/// each of them (what the regex engine chose for the unanchored pattern) cost a twentieth
/// of a history scan.
fn ipv6_within(content: &[u8], region: Range<usize>) -> impl Iterator<Item = Range<usize>> {
    let hay = &content[..region.end];
    let mut from = region.start;
    memchr::memchr_iter(b':', &hay[region.start..]).filter_map(move |colon| {
        let start = (region.start + colon).checked_sub(4)?;
        if start < from
            || !hay[start].eq_ignore_ascii_case(&b'f')
            || !matches!(hay[start + 1].to_ascii_lowercase(), b'c' | b'd' | b'e')
        {
            return None;
        }
        let m = IPV6.find(&hay[start..])?;
        from = start + m.end();
        Some(start..start + m.end())
    })
}

/// The matches of `re` that start within `region`, with offsets into the whole of `content`.
fn find_within<'c>(
    re: &regex::bytes::Regex,
    content: &'c [u8],
    region: Range<usize>,
) -> impl Iterator<Item = regex::bytes::Match<'c>> {
    let hay = &content[..region.end];
    let mut at = region.start;
    std::iter::from_fn(move || {
        if at > hay.len() {
            return None;
        }
        let m = re.find_at(hay, at)?;
        at = if m.end() > m.start() {
            m.end()
        } else {
            m.end() + 1
        };
        Some(m)
    })
}

#[cfg(test)]
mod tests;
