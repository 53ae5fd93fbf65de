//! Where a host stands. Without an org setting, the `internal-url` check counts a name under
//! an internal suffix or a private address only where text puts a host: a URL's authority,
//! the host part of an e-mail or ssh address, a `host:port` pair, the value of a setting whose
//! key names a host (`host=`, `Host:`, `ip=`, `server=`, `smtp_host`, `peerAddr`…), the
//! argument of a network command (`ssh`, `ping`, `-h`), a hosts, known_hosts or DNS zone line,
//! and a string handed to a client's constructor. Identifiers, member accesses, config keys,
//! file names, section numbers and e-mail local parts stand nowhere of the kind.

use std::net::IpAddr;

/// Words that make a setting's key name a host (compared with each word of the key).
const HOST_WORDS: &[&str] = &[
    "host",
    "hosts",
    "hostname",
    "hostnames",
    "fqdn",
    "server",
    "servers",
    "srv",
    "ip",
    "ips",
    "ip4",
    "ip6",
    "ipv4",
    "ipv6",
    "ipaddr",
    "addr",
    "address",
    "addresses",
    "url",
    "urls",
    "uri",
    "endpoint",
    "endpoints",
    "broker",
    "brokers",
    "peer",
    "peers",
    "proxy",
    "gateway",
    "gw",
    "dns",
    "nameserver",
    "nameservers",
    "resolver",
    "upstream",
    "upstreams",
    "remote",
    "origin",
    "domain",
    "dsn",
    "bind",
    "listen",
    "nfsroot",
    "master",
    "replica",
    "registry",
    "mirror",
    "relay",
    "bastion",
    "datasource",
    "saddr",
    "daddr",
];

/// Keys whose value names something else than a host (a file, a module).
const NAME_WORDS: &[&str] = &[
    "file", "filename", "path", "dir", "module", "package", "class",
];

/// Commands whose first plain argument is a host.
const HOST_COMMANDS: &[&str] = &[
    "ssh",
    "ping",
    "ping6",
    "telnet",
    "nc",
    "ncat",
    "netcat",
    "curl",
    "wget",
    "dig",
    "nslookup",
    "traceroute",
    "tracepath",
    "mtr",
    "mosh",
    "sftp",
    "ftp",
    "nmap",
    "ssh-keyscan",
    "ssh-copy-id",
];

/// Flags whose value is a host.
const HOST_FLAGS: &[&str] = &["-h", "-H", "--host", "--hostname", "--server", "--address"];

/// Words of a callee that takes a host as its first argument (`new Client("db.lan")`).
const CALL_WORDS: &[&str] = &[
    "client",
    "connect",
    "connection",
    "dial",
    "host",
    "server",
    "socket",
    "resolve",
    "lookup",
    "session",
    "addr",
    "address",
    "url",
    "endpoint",
    "proxy",
    "remote",
    "ping",
];

/// Whether the name or address at `start..end` stands where a host does.
pub fn is_host(content: &[u8], start: usize, end: usize) -> bool {
    let ls = memchr::memrchr(b'\n', &content[..start]).map_or(0, |i| i + 1);
    let le = memchr::memchr(b'\n', &content[end..]).map_or(content.len(), |i| end + i);
    let (mut before, mut after) = (&content[ls..start], &content[end..le]);
    if after.first() == Some(&b'@') {
        return false; // the local part of an e-mail address
    }
    // An IPv6 address stands in brackets in URLs and `[addr]:port`.
    if let (Some(b'['), Some(b']')) = (before.last(), after.first()) {
        before = &before[..before.len() - 1];
        after = &after[1..];
    }
    url_authority(before)
        || address_host(before, &content[ls..le])
        || port_follows(after)
        || setting_value(before)
        || list_value(before)
        || list_item(content, ls, before)
        || command_argument(before)
        || record_line(&content[ls..le], start - ls, end - ls)
        || call_argument(before, after)
}

/// Whether `name` can be a DNS name: labels of letters, digits and hyphens (an underscore may
/// open a service label), 1 to 63 bytes each, 253 in all, the last one not numeric.
pub fn valid_hostname(name: &[u8]) -> bool {
    let name = name.strip_suffix(b".").unwrap_or(name);
    if name.is_empty() || name.len() > 253 {
        return false;
    }
    let ok = name.split(|&b| b == b'.').all(|l| {
        let body = l.strip_prefix(b"_").unwrap_or(l);
        !body.is_empty()
            && l.len() <= 63
            && body.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'-')
            && body[0] != b'-'
            && body[body.len() - 1] != b'-'
    });
    let last = name.rsplit(|&b| b == b'.').next().unwrap_or_default();
    ok && !last.iter().all(u8::is_ascii_digit)
}

/// `scheme://`, `scheme://user:password@`, `//host` and `\\host\share`.
fn url_authority(before: &[u8]) -> bool {
    if before.ends_with(b"//") || before.ends_with(b"\\\\") {
        return true;
    }
    let Some(at) = before.strip_suffix(b"@") else {
        return false;
    };
    let from = at
        .iter()
        .rposition(|b| b.is_ascii_whitespace() || b"\"'`<>()[],/".contains(b))
        .map_or(0, |i| i + 1);
    at[..from].ends_with(b"://")
}

/// `user@host` and `git@host:path`, where the user part is a plain local part: not inside a
/// path (`/r/2020.1234@nand.local/`) and not a message id.
fn address_host(before: &[u8], line: &[u8]) -> bool {
    let Some(at) = before.strip_suffix(b"@") else {
        return false;
    };
    let local = at
        .iter()
        .rev()
        .take_while(|b| b.is_ascii_alphanumeric() || b"._%+-".contains(b))
        .count();
    let prev = at.len().checked_sub(local + 1).map(|i| at[i]);
    let header = |h: &[u8]| line.len() >= h.len() && line[..h.len()].eq_ignore_ascii_case(h);
    local > 0
        && !matches!(prev, Some(b'/' | b'@' | b'\\'))
        && !(header(b"message-id:") || header(b"in-reply-to:") || header(b"references:"))
}

/// `:port` right after: `pihole7.lan:6380`, `10.0.0.1:9000`.
fn port_follows(after: &[u8]) -> bool {
    let Some(rest) = after.strip_prefix(b":") else {
        return false;
    };
    let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    let next = rest.get(digits);
    (1..=5).contains(&digits)
        && !matches!(next, Some(b'.' | b':' | b'-'))
        && std::str::from_utf8(&rest[..digits])
            .ok()
            .and_then(|p| p.parse::<u32>().ok())
            .is_some_and(|p| (1..=65535).contains(&p))
}

/// An item of a bracketed list that is a setting's value: `dns = [10.0.0.1, 10.0.0.2]`,
/// `"hosts": ["db1.corp", "db2.corp"]`.
fn list_value(before: &[u8]) -> bool {
    let Some(open) = memchr::memrchr(b'[', before) else {
        return false;
    };
    let inside = &before[open + 1..];
    !inside.iter().any(|b| b"]=".contains(b)) && setting_value(&before[..=open])
}

/// The value of a setting whose key names a host: `smtp_host = x`, `"peerAddr": "x"`,
/// `ip=x`, `Host x` (ssh config), `--host x`, `os.environ.get("REDIS_HOST", "x")`.
fn setting_value(before: &[u8]) -> bool {
    let mut b = strip_quote(before);
    b = b.strip_suffix(b"tcp:").unwrap_or(b);
    b = b.strip_suffix(b"[").unwrap_or(b);
    b = b.trim_ascii_end();
    let (rest, quoted_key_only) = match separator(b) {
        Some(r) => r,
        None => {
            // `Host bastion.corp`, `nameserver 10.0.0.1`, `--host x`: a key and a space.
            let key = last_word(b);
            let first = b[..b.len() - key.len()]
                .trim_ascii()
                .iter()
                .all(|c| b"#;/ \t".contains(c));
            if key.is_empty() || b.len() == before.len() && !before.ends_with(b" ") {
                return false;
            }
            return (first || key.starts_with(b"-")) && names_host(key)
                || HOST_FLAGS.iter().any(|f| f.as_bytes() == key);
        }
    };
    let rest = strip_type(rest.trim_ascii_end());
    let unquoted = strip_quote(rest);
    if quoted_key_only && rest.len() == unquoted.len() {
        return false;
    }
    let key = unquoted.strip_suffix(b"]").unwrap_or(unquoted);
    names_host(last_word(strip_quote(key)))
}

/// Strips a type annotation after a name: `NODE_IP: &str`, `SERVER: string`.
fn strip_type(b: &[u8]) -> &[u8] {
    let n = b
        .iter()
        .rev()
        .take_while(|c| c.is_ascii_alphanumeric() || b"_<>&' ".contains(c))
        .count();
    match b[..b.len() - n].strip_suffix(b":") {
        Some(name) if n > 0 && !name.ends_with(b":") => name.trim_ascii_end(),
        _ => b,
    }
}

/// Strips one quote (and the backslash that escapes it) and the spaces before it.
fn strip_quote(b: &[u8]) -> &[u8] {
    let b = b.trim_ascii_end();
    match b.last() {
        Some(b'"' | b'\'' | b'`') => {
            let b = &b[..b.len() - 1];
            b.strip_suffix(b"\\").unwrap_or(b)
        }
        _ => b,
    }
}

/// The text before an assignment's separator, and whether the separator (`,`) counts only
/// when the key is quoted.
fn separator(b: &[u8]) -> Option<(&[u8], bool)> {
    for sep in [&b"=>"[..], b":=", b"=", b":"] {
        if let Some(r) = b.strip_suffix(sep) {
            return Some((r, false));
        }
    }
    b.strip_suffix(b",").map(|r| (r, true))
}

/// The key-shaped word that ends `b`.
fn last_word(b: &[u8]) -> &[u8] {
    let n = b
        .iter()
        .rev()
        .take_while(|c| c.is_ascii_alphanumeric() || b"_.-$".contains(c))
        .count();
    &b[b.len() - n..]
}

/// Whether a key's words name a host (`smtp_host`, `upstreamHost`, `NODE_IP6`) and none
/// names a file or a module (`hosts_file`, `url_path`).
fn names_host(key: &[u8]) -> bool {
    let words = key_words(key);
    words.iter().any(|w| HOST_WORDS.contains(&w.as_str()))
        && !words.iter().any(|w| NAME_WORDS.contains(&w.as_str()))
}

/// The lower-case words of a key: split at `_ - . $`, at a lower-to-upper step and before
/// trailing digits (`ip6` stays whole).
fn key_words(key: &[u8]) -> Vec<String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut prev: Option<u8> = None;
    for &c in key {
        if !c.is_ascii_alphanumeric() {
            words.push(std::mem::take(&mut cur));
            prev = None;
            continue;
        }
        if c.is_ascii_uppercase() && prev.is_some_and(|p| p.is_ascii_lowercase()) {
            words.push(std::mem::take(&mut cur));
        }
        cur.push(c.to_ascii_lowercase() as char);
        prev = Some(c);
    }
    words.push(cur);
    words.retain(|w| !w.is_empty());
    words
}

/// An item of a YAML list, or the `value:` of a Kubernetes env entry, under a key that names
/// a host (`hosts:` then `  - db1.corp`; `- name: DB_HOST` then `value: db1.corp`).
fn list_item(content: &[u8], ls: usize, before: &[u8]) -> bool {
    let b = strip_quote(before).trim_ascii();
    let value_line = b == b"value:";
    if b != b"-" && !value_line {
        return false;
    }
    let Some(prev) = previous_line(content, ls) else {
        return false;
    };
    let prev = prev.trim_ascii();
    if value_line {
        let name = prev.strip_prefix(b"- ").unwrap_or(prev).trim_ascii_start();
        return name
            .strip_prefix(b"name:")
            .is_some_and(|k| names_host(last_word(strip_quote(k))));
    }
    prev.strip_suffix(b":")
        .is_some_and(|k| names_host(last_word(strip_quote(k))))
}

/// The last non-blank line before the line that starts at `ls`.
fn previous_line(content: &[u8], ls: usize) -> Option<&[u8]> {
    let mut end = ls.checked_sub(1)?;
    loop {
        let start = memchr::memrchr(b'\n', &content[..end]).map_or(0, |i| i + 1);
        let line = &content[start..end];
        if !line.trim_ascii().is_empty() {
            return Some(line);
        }
        end = start.checked_sub(1)?;
    }
}

/// `ssh host`, `ping -c 1 host`, `netperf -H host`, "connects to host", "runs on host".
fn command_argument(before: &[u8]) -> bool {
    let b = strip_quote(before);
    if b.len() == before.len() && !before.ends_with(b" ") && !before.ends_with(b"\t") {
        return false;
    }
    let words: Vec<&[u8]> = b
        .split(u8::is_ascii_whitespace)
        .filter(|w| !w.is_empty())
        .collect();
    let Some(&last) = words.last() else {
        return false;
    };
    if HOST_FLAGS.iter().any(|f| f.as_bytes() == last) {
        return true;
    }
    // The command, then flags and their values.
    let command = words.iter().rev().take(5).any(|w| {
        let w = w.rsplit(|&c| c == b'/').next().unwrap_or(w);
        HOST_COMMANDS.iter().any(|c| c.as_bytes() == w)
    });
    let flags_only = words
        .iter()
        .rev()
        .take_while(|w| !HOST_COMMANDS.iter().any(|c| c.as_bytes() == **w))
        .all(|w| w.starts_with(b"-") || w.iter().all(u8::is_ascii_digit));
    if command && flags_only {
        return true;
    }
    let prose = |verb: &[u8]| {
        let v: Vec<u8> = verb
            .iter()
            .filter(|c| c.is_ascii_alphabetic())
            .map(u8::to_ascii_lowercase)
            .collect();
        [
            &b"connect"[..],
            b"connects",
            b"connecting",
            b"connected",
            b"talk",
            b"talks",
            b"talking",
        ]
        .contains(&v.as_slice())
    };
    let runs = |verb: &[u8]| {
        let v: Vec<u8> = verb.iter().map(u8::to_ascii_lowercase).collect();
        [
            &b"runs"[..],
            b"running",
            b"hosted",
            b"deployed",
            b"served",
            b"lives",
        ]
        .contains(&v.as_slice())
    };
    words.len() >= 2
        && (matches!(last, b"to" | b"To") && prose(words[words.len() - 2])
            || matches!(last, b"on" | b"at") && runs(words[words.len() - 2]))
}

/// A hosts-file line (`10.0.0.5 db1.corp db1`: lower-case names, one with a dot), a
/// known_hosts line (`host,10.0.0.5 ssh-ed25519 AAAA…`) or a DNS record (`db1 IN A
/// 10.0.0.5`); `s..e` is the candidate.
fn record_line(line: &[u8], s: usize, e: usize) -> bool {
    let body = match memchr::memchr(b'#', line) {
        Some(i) if i > 0 => &line[..i],
        _ => line,
    };
    if e > body.len() {
        return false;
    }
    let tokens: Vec<(usize, &[u8])> = tokens(body);
    let Some(&(_, first)) = tokens.first() else {
        return false;
    };
    let parse_ip = |t: &[u8]| {
        std::str::from_utf8(t)
            .ok()
            .and_then(|t| t.parse::<IpAddr>().ok())
    };
    // hosts: an address, then names only.
    if tokens.len() >= 2
        && parse_ip(first).is_some()
        && tokens[1..]
            .iter()
            .all(|(_, t)| valid_hostname(t) && !t.iter().any(u8::is_ascii_uppercase))
        && tokens[1..].iter().any(|(_, t)| t.contains(&b'.'))
    {
        return true;
    }
    // known_hosts: hosts, key type, key (a marker like `@cert-authority` may open the line).
    let k = usize::from(first.starts_with(b"@"));
    if tokens.len() >= k + 3 {
        let (at, hosts) = tokens[k];
        let key_type = tokens[k + 1].1;
        let key_like = key_type.starts_with(b"ssh-")
            || key_type.starts_with(b"ecdsa-")
            || key_type.starts_with(b"sk-");
        if key_like && tokens[k + 2].1.starts_with(b"AAAA") && s >= at && e <= at + hosts.len() {
            return true;
        }
    }
    // DNS zone: `IN` followed by a record type.
    tokens.windows(2).any(|w| {
        w[0].1 == b"IN"
            && matches!(
                w[1].1,
                b"A" | b"AAAA" | b"CNAME" | b"MX" | b"NS" | b"PTR" | b"SRV" | b"SOA"
            )
    })
}

fn tokens(line: &[u8]) -> Vec<(usize, &[u8])> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < line.len() {
        while i < line.len() && line[i].is_ascii_whitespace() {
            i += 1;
        }
        let start = i;
        while i < line.len() && !line[i].is_ascii_whitespace() {
            i += 1;
        }
        if i > start {
            out.push((start, &line[start..i]));
        }
    }
    out
}

/// A string that is exactly the host, given to a client's constructor or a connect call:
/// `new Client("db1.lan")`, `NewClient("10.0.0.5", …)`, `socket.connect(("db1.lan", 5432))`.
fn call_argument(before: &[u8], after: &[u8]) -> bool {
    let Some(&q) = before.last().filter(|q| matches!(q, b'"' | b'\'' | b'`')) else {
        return false;
    };
    let after = match after.strip_prefix(b":") {
        Some(a) => {
            let n = a.iter().take_while(|b| b.is_ascii_digit()).count();
            &a[n..]
        }
        None => after,
    };
    if after.first() != Some(&q) {
        return false;
    }
    let b = before[..before.len() - 1].trim_ascii_end();
    let Some(b) = b.strip_suffix(b"(") else {
        return false;
    };
    key_words(last_word(b.strip_suffix(b"(").unwrap_or(b)))
        .iter()
        .any(|w| CALL_WORDS.contains(&w.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether the first occurrence of `what` in `line` stands where a host does.
    fn host_at(line: &str, what: &str) -> bool {
        let s = line.find(what).expect("the candidate is in the line");
        is_host(line.as_bytes(), s, s + what.len())
    }

    #[test]
    fn hosts_stand_in_urls_addresses_settings_commands_and_records() {
        let cases = [
            ("https://jira.data.corp/browse/X-1", "jira.data.corp"),
            ("redis://:pw@kafka.bw.internal:6379/0", "kafka.bw.internal"),
            ("http://[fd4b:b13d:dc23::917]:8080/", "fd4b:b13d:dc23::917"),
            (r"\\fileserver.corp\share", "fileserver.corp"),
            ("mail ops@mail.corp now", "mail.corp"),
            ("git@git.corp:team/repo.git", "git.corp"),
            ("broker kafka.lan:9092 is up", "kafka.lan"),
            ("smtp_host = bastion.internal", "bastion.internal"),
            (
                "  \"smtp_host\": \"jenkins.data.corp\",",
                "jenkins.data.corp",
            ),
            ("UPSTREAM_HOST=\"grafana.corp\"", "grafana.corp"),
            ("# ENV DB_HOST=10.1.2.3", "10.1.2.3"),
            (
                "os.environ[\"PEER_ADDR\"] = \"169.254.104.62\"",
                "169.254.104.62",
            ),
            (
                "redis_host = os.environ.get(\"REDIS_HOST\", \"172.26.142.25\")",
                "172.26.142.25",
            ),
            ("var upstreamHost = \"search.corp\"", "search.corp"),
            (
                "const NODE_IP6: &str = \"fd5b:8ec3:b061::6c7\";",
                "fd5b:8ec3:b061::6c7",
            ),
            (
                "export const SERVER: string = \"10.84.66.178\";",
                "10.84.66.178",
            ),
            (
                "createClient({ kafkaBroker: '192.168.192.114' });",
                "192.168.192.114",
            ),
            ("Host bastion.corp", "bastion.corp"),
            ("    HostName build.lan", "build.lan"),
            ("nameserver 10.0.0.53", "10.0.0.53"),
            ("Server=tcp:sql01.corp,1433;Database=x", "sql01.corp"),
            ("ip=192.168.168.5:192.168.168.1", "192.168.168.5"),
            ("$ ssh build.lan", "build.lan"),
            ("ping -c 1 10.0.0.2", "10.0.0.2"),
            ("netperf -H 192.168.253.2 -t TCP", "192.168.253.2"),
            (
                "\"Connect to `169.254.143.185` from the VPN.\"",
                "169.254.143.185",
            ),
            (
                "The service runs on `superset.perf.corp`.",
                "superset.perf.corp",
            ),
            ("10.0.0.5   db1.corp db1", "db1.corp"),
            ("10.0.0.5   db1.corp db1", "10.0.0.5"),
            ("\"hosts\": [\"db1.corp\", \"db2.corp\"]", "db2.corp"),
            (
                "gw.corp,10.0.0.1 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAA",
                "gw.corp",
            ),
            ("db1.corp.  300 IN A 10.0.0.5", "db1.corp"),
            (
                " * Client c = new Client(\"buildbox2.lan\");",
                "buildbox2.lan",
            ),
            (
                "return NewClient(\"192.168.198.119\", 30*time.Second)",
                "192.168.198.119",
            ),
        ];
        for (line, what) in cases {
            assert!(host_at(line, what), "{line}");
        }
        let yaml = "hosts:\n  - db1.corp\nenv:\n  - name: DB_HOST\n    value: \"db2.corp\"\n";
        assert!(host_at(yaml, "db1.corp") && host_at(yaml, "db2.corp"));
    }

    #[test]
    fn identifiers_keys_files_sections_and_local_parts_are_not_hosts() {
        let cases = [
            ("    .filter(|l| !git::is_zero(&l.local))", "l.local"),
            ("color.branch.local", "color.branch.local"),
            ("user.local=true", "user.local"),
            ("\tpo_args.local = 1;", "po_args.local"),
            ("test_commit A.internal", "A.internal"),
            ("echo content >W.d.internal", "W.d.internal"),
            ("/* 10.1.1.4 step 2b */", "10.1.1.4"),
            ("as described in section 10.3.1.1 of the spec", "10.3.1.1"),
            (" * Tianyu Lan <Tianyu.Lan@microsoft.com>", "Tianyu.Lan"),
            (
                "https://lore.kernel.org/git/Y2x.1@nand.local/",
                "nand.local",
            ),
            ("Message-Id: <20200101.1@nand.local>", "nand.local"),
            ("/pub/192.168.1.200/software", "192.168.1.200"),
            ("edit /etc/rc.local and add", "rc.local"),
            (".name = \"events.local\",", "events.local"),
            (
                "assert_eq!(khs[9].patterns, \"192.168.42.12\");",
                "192.168.42.12",
            ),
            ("10.3.1.1 Overview", "10.3.1.1"),
            ("ip route add 10.10.1.0/24 via", "10.10.1.0"),
            ("import_module(\"pkg.internal\")", "pkg.internal"),
        ];
        for (line, what) in cases {
            assert!(!host_at(line, what), "{line}");
        }
    }

    #[test]
    fn hostnames_are_checked_label_by_label() {
        for ok in ["db1.corp", "_ldap._tcp.corp", "a-b.lan", "x.home.arpa."] {
            assert!(valid_hostname(ok.as_bytes()), "{ok}");
        }
        let long = format!("{}.corp", "a".repeat(64));
        for bad in [
            "-a.corp",
            "a-.lan",
            "a..lan",
            "a b.lan",
            "10.1.1.4",
            long.as_str(),
        ] {
            assert!(!valid_hostname(bad.as_bytes()), "{bad}");
        }
    }
}
