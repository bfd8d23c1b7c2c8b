//! IPv4 allowlists (SPEC §4): strict parsing of entries and matching of client addresses.
//!
//! This module owns the address grammar. It accepts only the unambiguous dotted-quad form:
//! no leading zeros, no octal or hex, no spaces, no host bits past the prefix. It never
//! looks at requests or tokens.

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

use ipnet::Ipv4Net;

use crate::codes::Code;
use crate::reason::Reason;

/// The most entries an allowlist may hold.
pub const MAX_ENTRIES: usize = 6;

/// Longest text considered for a client address; anything longer is invalid without parsing.
const MAX_CLIENT_IP_LEN: usize = 64;

/// Why an allowlist or one of its entries was rejected.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum IpError {
    /// `ip.empty`: the allowlist has no entries.
    Empty,
    /// `ip.too_many`: more than six entries.
    TooMany(usize),
    /// `ip.invalid`: not a strict dotted-quad address or CIDR.
    Invalid(String),
    /// `ip.ipv6_unsupported`: an IPv6 address or network.
    Ipv6Unsupported(String),
    /// `ip.host_bits_set`: bits set past the prefix; `network` is what was probably meant.
    HostBitsSet {
        /// The entry as given.
        entry: String,
        /// The network with the host bits cleared.
        network: String,
    },
    /// `ip.duplicate`: the same network twice (`10.0.0.1` and `10.0.0.1/32` are the same).
    Duplicate(String),
}

impl IpError {
    /// The stable SPEC §8 code.
    pub fn code(&self) -> Code {
        match self {
            Self::Empty => Code::IpEmpty,
            Self::TooMany(_) => Code::IpTooMany,
            Self::Invalid(_) => Code::IpEntryInvalid,
            Self::Ipv6Unsupported(_) => Code::IpIpv6Unsupported,
            Self::HostBitsSet { .. } => Code::IpHostBitsSet,
            Self::Duplicate(_) => Code::IpDuplicate,
        }
    }
}

impl fmt::Display for IpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("the IP allowlist needs at least one address or CIDR (use `0.0.0.0/0` for all addresses)"),
            Self::TooMany(n) => write!(f, "the IP allowlist has {n} entries; at most {MAX_ENTRIES} are allowed"),
            Self::Invalid(e) => write!(
                f,
                "`{e}` is not an IPv4 address or CIDR: write four decimal octets 0-255 without leading zeros, optionally `/` and a prefix 0-32"
            ),
            Self::Ipv6Unsupported(e) => write!(f, "`{e}` is IPv6; only IPv4 addresses and CIDRs are supported"),
            Self::HostBitsSet { entry, network } => write!(
                f,
                "`{entry}` has host bits set past its prefix: write `{network}`"
            ),
            Self::Duplicate(e) => write!(f, "`{e}` is already in the allowlist"),
        }
    }
}

impl std::error::Error for IpError {}

/// Parses one dotted-quad octet: 1–3 digits, no leading zero, at most 255.
fn parse_octet(text: &str) -> Option<u8> {
    let canonical = !text.is_empty()
        && text.len() <= 3
        && text.bytes().all(|b| b.is_ascii_digit())
        && !(text.len() > 1 && text.starts_with('0'));
    if canonical {
        text.parse().ok()
    } else {
        None
    }
}

/// Parses a strict dotted-quad IPv4 address.
pub fn parse_ipv4_strict(text: &str) -> Option<Ipv4Addr> {
    if text.len() > 15 {
        return None;
    }
    let mut octets = [0u8; 4];
    let mut parts = text.split('.');
    for octet in &mut octets {
        *octet = parse_octet(parts.next()?)?;
    }
    if parts.next().is_some() {
        return None;
    }
    Some(Ipv4Addr::from(octets))
}

/// Parses one allowlist entry: `a.b.c.d` (a /32) or `a.b.c.d/n`.
pub fn parse_entry(entry: &str) -> Result<Ipv4Net, IpError> {
    let invalid = || IpError::Invalid(entry.to_owned());
    if entry.contains(':') {
        let address = entry.split_once('/').map_or(entry, |(a, _)| a);
        return Err(if address.parse::<Ipv6Addr>().is_ok() {
            IpError::Ipv6Unsupported(entry.to_owned())
        } else {
            invalid()
        });
    }
    let (address, prefix) = match entry.split_once('/') {
        Some((address, prefix)) => {
            let canonical = !prefix.is_empty()
                && prefix.len() <= 2
                && prefix.bytes().all(|b| b.is_ascii_digit())
                && !(prefix.len() > 1 && prefix.starts_with('0'));
            let prefix: u8 = if canonical {
                prefix.parse().map_err(|_| invalid())?
            } else {
                return Err(invalid());
            };
            (address, prefix)
        }
        None => (entry, 32),
    };
    let address = parse_ipv4_strict(address).ok_or_else(invalid)?;
    let net = Ipv4Net::new(address, prefix).map_err(|_| invalid())?;
    if net.network() != address {
        return Err(IpError::HostBitsSet {
            entry: entry.to_owned(),
            network: net.trunc().to_string(),
        });
    }
    Ok(net)
}

/// A client address as presented at run time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClientIp {
    /// An IPv4 address, or the IPv4 address inside an IPv4-mapped IPv6 address.
    V4(Ipv4Addr),
    /// Any other IPv6 address: never allowed.
    OtherV6,
    /// Not an address at all.
    Invalid,
}

impl ClientIp {
    /// Parses a client address: strict dotted quad, or IPv6 (`::ffff:a.b.c.d` maps to IPv4).
    pub fn parse(text: &str) -> Self {
        if text.len() > MAX_CLIENT_IP_LEN {
            return Self::Invalid;
        }
        if let Some(v4) = parse_ipv4_strict(text) {
            return Self::V4(v4);
        }
        if !text.contains(':') {
            return Self::Invalid;
        }
        match text.parse::<Ipv6Addr>() {
            Ok(v6) => v6.to_ipv4_mapped().map_or(Self::OtherV6, Self::V4),
            Err(_) => Self::Invalid,
        }
    }
}

/// The verdict of an allowlist on a client address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IpVerdict {
    /// `allow`
    Allowed,
    /// `deny.ip_not_allowed`: a valid address outside every entry, or a non-mapped IPv6 one.
    NotAllowed,
    /// `deny.ip_invalid`: the client address could not be parsed.
    Invalid,
}

impl IpVerdict {
    /// The decision reason.
    pub fn reason(self) -> Reason {
        match self {
            Self::Allowed => Reason::Allow,
            Self::NotAllowed => Reason::IpNotAllowed,
            Self::Invalid => Reason::IpInvalid,
        }
    }

    /// The stable reason code.
    pub fn code(self) -> Code {
        self.reason().code()
    }
}

/// A validated allowlist, compiled to (network, mask) pairs for matching.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Allowlist {
    networks: Vec<Ipv4Net>,
    compiled: Vec<(u32, u32)>,
}

impl Allowlist {
    /// Parses a full allowlist (1–6 distinct entries). The first problem is reported, in this
    /// order: `ip.empty`, each entry in order, `ip.too_many`, `ip.duplicate`.
    pub fn parse<S: AsRef<str>>(entries: &[S]) -> Result<Self, IpError> {
        if entries.is_empty() {
            return Err(IpError::Empty);
        }
        let networks = entries
            .iter()
            .map(|e| parse_entry(e.as_ref()))
            .collect::<Result<Vec<_>, _>>()?;
        if networks.len() > MAX_ENTRIES {
            return Err(IpError::TooMany(networks.len()));
        }
        if let Some(dup) = first_duplicate(&networks) {
            let entry = entries.get(dup).map_or("", |e| e.as_ref());
            return Err(IpError::Duplicate(entry.to_owned()));
        }
        Ok(Self::from_networks(networks))
    }

    /// Parses the `ips` claim of a token: the same strict grammar, with no count limits
    /// (the issuer enforced those when it made the credential).
    pub fn parse_claim<S: AsRef<str>>(entries: &[S]) -> Result<Self, IpError> {
        entries
            .iter()
            .map(|e| parse_entry(e.as_ref()))
            .collect::<Result<Vec<_>, _>>()
            .map(Self::from_networks)
    }

    fn from_networks(networks: Vec<Ipv4Net>) -> Self {
        let compiled = networks
            .iter()
            .map(|n| (u32::from(n.network()), u32::from(n.netmask())))
            .collect();
        Self { networks, compiled }
    }

    /// Whether an IPv4 address falls in some entry.
    #[inline]
    pub fn contains(&self, address: Ipv4Addr) -> bool {
        let address = u32::from(address);
        self.compiled
            .iter()
            .any(|(network, mask)| address & mask == *network)
    }

    /// Decides a parsed client address.
    pub fn verdict(&self, client: ClientIp) -> IpVerdict {
        match client {
            ClientIp::V4(v4) if self.contains(v4) => IpVerdict::Allowed,
            ClientIp::V4(_) | ClientIp::OtherV6 => IpVerdict::NotAllowed,
            ClientIp::Invalid => IpVerdict::Invalid,
        }
    }

    /// Decides a client address given as text.
    pub fn check(&self, client_ip: &str) -> IpVerdict {
        self.verdict(ClientIp::parse(client_ip))
    }

    /// The entries in CIDR form (`a.b.c.d/n`, `/32` for one address), as tokens carry them.
    pub fn cidrs(&self) -> Vec<String> {
        self.networks.iter().map(Ipv4Net::to_string).collect()
    }

    /// The parsed networks, in order.
    pub fn networks(&self) -> &[Ipv4Net] {
        &self.networks
    }
}

/// The index of the first entry equal to an earlier one.
pub(crate) fn first_duplicate<T: PartialEq>(items: &[T]) -> Option<usize> {
    items
        .iter()
        .enumerate()
        .position(|(i, item)| items.iter().take(i).any(|earlier| earlier == item))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strict_entries() {
        assert!(parse_entry("203.0.113.7").is_ok());
        assert_eq!(parse_entry("0.0.0.0/0").unwrap().prefix_len(), 0);
        for bad in [
            "010.0.0.1",
            "10.0.0.1/033",
            "10.0.0/8",
            "1.2.3.4 ",
            "1.2.3.256",
            "10.0.0.0/33",
            "",
            "1.2.3.4/",
            "+1.2.3.4",
        ] {
            assert_eq!(
                parse_entry(bad).unwrap_err().code(),
                Code::IpEntryInvalid,
                "{bad}"
            );
        }
        assert_eq!(
            parse_entry("10.0.0.1/24").unwrap_err().code(),
            Code::IpHostBitsSet
        );
        assert_eq!(
            parse_entry("2001:db8::/32").unwrap_err().code(),
            Code::IpIpv6Unsupported
        );
    }

    #[test]
    fn client_addresses() {
        let list = Allowlist::parse(&["0.0.0.0/0"]).unwrap();
        assert_eq!(list.check("::ffff:203.0.113.7"), IpVerdict::Allowed);
        assert_eq!(list.check("2001:db8::1"), IpVerdict::NotAllowed);
        assert_eq!(list.check("nope"), IpVerdict::Invalid);
        assert_eq!(list.check("01.2.3.4"), IpVerdict::Invalid);
    }

    #[test]
    fn duplicates_compare_networks() {
        let err = Allowlist::parse(&["10.0.0.1", "10.0.0.1/32"]).unwrap_err();
        assert_eq!(err, IpError::Duplicate("10.0.0.1/32".to_owned()));
    }
}
