//! Address ranges of the org's own networks (`org.networks`), read from CIDR notation.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use serde::{Deserialize, Deserializer};

/// An address range in CIDR notation (`10.20.0.0/16`, `fd12:3456::/48`) or a single
/// address, checked when read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Network {
    pub addr: IpAddr,
    pub prefix: u8,
}

impl Network {
    /// Reads `10.20.0.0/16`; a range whose address has bits set beyond its prefix is refused,
    /// as it is almost always a typing mistake.
    pub fn parse(s: &str) -> Result<Network, String> {
        let (a, p) = s.split_once('/').unwrap_or((s, ""));
        let addr: IpAddr = a.trim().parse().map_err(|_| {
            format!("bad network '{s}': expected an address range like 10.20.0.0/16")
        })?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match p.trim() {
            "" => max,
            p => p.parse::<u8>().ok().filter(|n| *n <= max).ok_or_else(|| {
                format!("bad network '{s}': the prefix length must be 0 to {max}")
            })?,
        };
        let net = Network { addr, prefix };
        if net.masked() != addr {
            return Err(format!(
                "bad network '{s}': bits are set beyond the prefix (did you mean '{}/{prefix}'?)",
                net.masked()
            ));
        }
        Ok(net)
    }

    /// Whether `ip` lies in the range.
    pub fn contains(&self, ip: IpAddr) -> bool {
        self.addr.is_ipv4() == ip.is_ipv4()
            && Network {
                addr: ip,
                prefix: self.prefix,
            }
            .masked()
                == self.addr
    }

    fn masked(&self) -> IpAddr {
        match self.addr {
            IpAddr::V4(a) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                IpAddr::V4(Ipv4Addr::from(u32::from(a) & mask))
            }
            IpAddr::V6(a) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                IpAddr::V6(Ipv6Addr::from(u128::from(a) & mask))
            }
        }
    }
}

impl std::fmt::Display for Network {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

impl<'de> Deserialize<'de> for Network {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Network, D::Error> {
        let s = String::deserialize(d)?;
        Network::parse(&s).map_err(serde::de::Error::custom)
    }
}
