//! IPv4 allowlists and client addresses (SPEC §4), differential against the plain reference
//! matcher of `credgate_fuzz` (strict dotted quad, prefix 0–32 without leading zeros, no
//! host bits, IPv4-mapped IPv6 taken as IPv4, other IPv6 never allowed).
//!
//! The first byte picks the form: even, the rest is text — allowlist entries on the first
//! line separated by `,`, client addresses on the following lines; odd, [`arbitrary`] data
//! that renders addresses in canonical and near-canonical spellings (leading zeros, spaces,
//! host bits, prefixes past 32, IPv6 and IPv4-mapped forms, clients inside an entry).
//! Invariants: each entry is accepted or rejected with the same code by both; the whole list
//! too (first problem in the SPEC's order); every client gets the same verdict; an accepted
//! list prints each entry in CIDR form, which parses back to the same network.
#![no_main]

use std::net::Ipv6Addr;

use arbitrary::{Arbitrary, Unstructured};
use credgate_core::codes::Code;
use credgate_core::ip::{parse_entry, Allowlist, IpVerdict};
use credgate_fuzz::{
    dotted, ref_allowlist, ref_client, ref_entry, ref_mask, ref_verdict, RefIpError,
};
use libfuzzer_sys::fuzz_target;

fn ref_code(error: RefIpError) -> Code {
    match error {
        RefIpError::Empty => Code::IpEmpty,
        RefIpError::TooMany => Code::IpTooMany,
        RefIpError::Invalid => Code::IpEntryInvalid,
        RefIpError::Ipv6Unsupported => Code::IpIpv6Unsupported,
        RefIpError::HostBitsSet => Code::IpHostBitsSet,
        RefIpError::Duplicate => Code::IpDuplicate,
    }
}

fn compare(entries: &[String], clients: &[String]) {
    for entry in entries {
        let core = parse_entry(entry)
            .map(|net| (u32::from(net.network()), u32::from(net.prefix_len())))
            .map_err(|e| e.code());
        assert_eq!(core, ref_entry(entry).map_err(ref_code), "entry {entry:?}");
    }
    let core = Allowlist::parse(entries);
    let reference = ref_allowlist(entries);
    assert_eq!(
        core.as_ref().map(|_| ()).map_err(|e| e.code()),
        reference.as_ref().map(|_| ()).map_err(|e| ref_code(*e)),
        "allowlist {entries:?}"
    );
    let (Ok(list), Ok(networks)) = (core, reference) else {
        return;
    };
    let cidrs = list.cidrs();
    for (cidr, (network, prefix)) in cidrs.iter().zip(&networks) {
        assert_eq!(cidr, &format!("{}/{prefix}", dotted(*network)));
        assert!(
            parse_entry(cidr).is_ok(),
            "the CIDR form `{cidr}` does not parse"
        );
    }
    match Allowlist::parse_claim(&cidrs) {
        Ok(again) => assert_eq!(again.networks(), list.networks()),
        Err(e) => panic!("the CIDR forms {cidrs:?} do not parse as a claim: {e}"),
    }
    for client in clients {
        let verdict = match list.check(client) {
            IpVerdict::Allowed => Some(true),
            IpVerdict::NotAllowed => Some(false),
            IpVerdict::Invalid => None,
        };
        assert_eq!(
            verdict,
            ref_verdict(&networks, ref_client(client)),
            "client {client:?} against {entries:?}"
        );
    }
}

#[derive(Arbitrary, Debug)]
enum Address<'a> {
    Text(&'a str),
    Quad {
        octets: [u8; 4],
        prefix: Option<u8>,
        style: u8,
    },
    V6 {
        segments: [u16; 8],
        prefix: Option<u8>,
        style: u8,
    },
    /// A client address inside (or just outside) entry `entry` of the list.
    Near {
        entry: u8,
        offset: u32,
        style: u8,
    },
}

#[derive(Arbitrary, Debug)]
struct Input<'a> {
    entries: Vec<Address<'a>>,
    clients: Vec<Address<'a>>,
}

fn quad(octets: [u8; 4], style: u8) -> String {
    let mut parts: Vec<String> = octets.iter().map(u8::to_string).collect();
    // Bits 0-3: a leading zero on that octet (only when style bit 7 is set: mostly canonical).
    if style & 0x80 != 0 {
        for (i, part) in parts.iter_mut().enumerate() {
            if style & (1 << i) != 0 {
                part.insert(0, '0');
            }
        }
    }
    parts.join(".")
}

fn render(address: &Address<'_>, networks: &[(u32, u32)]) -> String {
    match *address {
        Address::Text(text) => text.to_owned(),
        Address::Quad {
            octets,
            prefix,
            style,
        } => {
            let Some(prefix) = prefix else {
                return quad(octets, style);
            };
            let prefix = u32::from(prefix) % 40;
            // Mostly clear the host bits, so that valid networks of every size are common.
            let value = u32::from_be_bytes(octets);
            let value = if style & 0x10 == 0 && prefix <= 32 {
                value & ref_mask(prefix)
            } else {
                value
            };
            let prefix_text = if style & 0x20 != 0 {
                format!("0{prefix}")
            } else {
                prefix.to_string()
            };
            let space = if style & 0x40 != 0 { " " } else { "" };
            format!("{}/{prefix_text}{space}", quad(value.to_be_bytes(), style))
        }
        Address::V6 {
            segments,
            prefix,
            style,
        } => {
            let mut segments = segments;
            if style & 1 != 0 {
                // IPv4-mapped.
                segments[..5].fill(0);
                segments[5] = 0xffff;
            }
            let v6 = Ipv6Addr::from(segments);
            let text = match style >> 1 & 3 {
                0 => v6.to_string(),
                1 => segments
                    .iter()
                    .map(|s| format!("{s:x}"))
                    .collect::<Vec<_>>()
                    .join(":"),
                2 => {
                    let v4 = u32::from(segments[6]) << 16 | u32::from(segments[7]);
                    format!("::ffff:{}", dotted(v4))
                }
                _ => segments
                    .iter()
                    .map(|s| format!("{s:04X}"))
                    .collect::<Vec<_>>()
                    .join(":"),
            };
            match prefix {
                Some(p) => format!("{text}/{}", p % 130),
                None => text,
            }
        }
        Address::Near {
            entry,
            offset,
            style,
        } => {
            let Some((network, prefix)) = networks
                .get(usize::from(entry) % networks.len().max(1))
                .copied()
            else {
                return dotted(offset);
            };
            let inside = network | (offset & !ref_mask(prefix));
            let address = match style & 3 {
                0 => inside,
                1 => network.wrapping_sub(1),
                2 => network | !ref_mask(prefix),
                _ => (network | !ref_mask(prefix)).wrapping_add(1),
            };
            if style & 4 != 0 {
                format!("::ffff:{}", dotted(address))
            } else {
                dotted(address)
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    if mode & 1 == 0 {
        let Ok(text) = std::str::from_utf8(rest) else {
            return;
        };
        let mut lines = text.split('\n');
        let entries: Vec<String> = lines
            .next()
            .filter(|l| !l.is_empty())
            .map(|l| l.split(',').map(str::to_owned).collect())
            .unwrap_or_default();
        let clients: Vec<String> = lines.map(str::to_owned).collect();
        compare(&entries, &clients);
        return;
    }
    let Ok(input) = Input::arbitrary_take_rest(Unstructured::new(rest)) else {
        return;
    };
    let entries: Vec<String> = input
        .entries
        .iter()
        .take(10)
        .map(|a| render(a, &[]))
        .collect();
    let networks: Vec<(u32, u32)> = entries.iter().filter_map(|e| ref_entry(e).ok()).collect();
    let clients: Vec<String> = input
        .clients
        .iter()
        .take(16)
        .map(|a| render(a, &networks))
        .collect();
    compare(&entries, &clients);
});
