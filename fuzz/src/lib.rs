//! Shared pieces of the credgate fuzz targets: the fixed keys and verifier options (those of
//! the conformance vectors, so the vectors' tokens are good seeds), and the plain reference
//! implementations the differential targets compare the core against.
//!
//! The references are written from SPEC.md, not from the core's code: they are meant to be
//! obviously right rather than fast.

use std::net::Ipv6Addr;

use credgate_core::token::{Claims, IssueParams, IssueTime};
use credgate_core::{Allowlist, Environment, KeySet, PermissionSet, SigningKey, Verifier};
use credgate_core::{CacheLimits, Permission, VerifyOptions};

/// The issuer every fuzzed verifier expects (the vectors' issuer).
pub const ISSUER: &str = "https://auth.example.test";
/// The audience every fuzzed verifier expects (the vectors' audience).
pub const AUDIENCE: &str = "https://api.example.test";
/// The `now` of most verification vectors: their valid tokens verify at this time.
pub const VECTOR_NOW: i64 = 1_800_000_010;

/// `sha256("credgate-conformance-k1")`, the seed of the vectors' key `k1`.
pub const K1_SEED: [u8; 32] =
    hex32("53c9bb55c4888ecfc781d616ce919ebcbe17fbcd3e0b80de3e08b0611e537438");
/// `sha256("credgate-conformance-k2")`, the seed of the vectors' key `k2`.
pub const K2_SEED: [u8; 32] =
    hex32("4c3799be32e1a84ccc804595e02008fa73d388f22fe3cf3276b345adbdc15907");
/// A key no verifier trusts, for re-signed forgeries.
pub const ATTACKER_SEED: [u8; 32] = [0xa5; 32];

const fn hex32(text: &str) -> [u8; 32] {
    const fn nibble(c: u8) -> u8 {
        match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            _ => panic!("not lowercase hex"),
        }
    }
    let bytes = text.as_bytes();
    assert!(bytes.len() == 64);
    let mut out = [0u8; 32];
    let mut i = 0;
    while i < 32 {
        out[i] = nibble(bytes[2 * i]) << 4 | nibble(bytes[2 * i + 1]);
        i += 1;
    }
    out
}

/// A signing key from a fixed seed (building one cannot fail for a non-empty kid).
pub fn signing_key(kid: &str, seed: &[u8; 32]) -> SigningKey {
    match SigningKey::from_seed(kid, seed) {
        Ok(key) => key,
        Err(e) => unreachable!("a fixed key is valid: {e}"),
    }
}

/// `k1` and `k2`, the vectors' starter key set.
pub fn vector_keys() -> [SigningKey; 2] {
    [signing_key("k1", &K1_SEED), signing_key("k2", &K2_SEED)]
}

/// A verifier trusting `k1` and `k2` with the vectors' issuer and audience, and the
/// default verified-token cache.
pub fn vector_verifier(leeway: u64) -> Verifier {
    vector_verifier_with(leeway, CacheLimits::DEFAULT)
}

/// [`vector_verifier`] with a cache of these limits ([`CacheLimits::DISABLED`]: none).
pub fn vector_verifier_with(leeway: u64, cache: CacheLimits) -> Verifier {
    let keys = vector_keys();
    let set = match KeySet::from_signing_keys(&keys) {
        Ok(set) => set,
        Err(e) => unreachable!("two distinct kids: {e}"),
    };
    Verifier::new(
        set,
        VerifyOptions {
            issuer: ISSUER.to_owned(),
            audience: AUDIENCE.to_owned(),
            leeway,
            revoked_jtis: Vec::new(),
            cache,
        },
    )
}

/// What a fuzzed token is issued for (all strings as the fuzzer chose them).
#[derive(Clone, Debug)]
pub struct TokenParams<'a> {
    /// `sub` and `client_id`.
    pub client_id: &'a str,
    /// `org`.
    pub org: &'a str,
    /// `jti`.
    pub jti: &'a str,
    /// The issue time (clamped into the range the core issues at).
    pub now: i64,
    /// The environment.
    pub production: bool,
    /// The permissions (already valid).
    pub permissions: Vec<Permission>,
    /// The allowlist (already valid).
    pub allowlist: Allowlist,
}

/// A token the core itself issues with `key`, and the issue time used.
pub fn issue(key: &SigningKey, params: &TokenParams<'_>) -> (String, i64) {
    let now = params
        .now
        .rem_euclid(credgate_core::token::MAX_ISSUE_TIME + 1);
    let now = match IssueTime::new(now) {
        Ok(now) => now,
        Err(e) => unreachable!("clamped into range: {e}"),
    };
    let claims = Claims::issue(
        &IssueParams {
            issuer: ISSUER,
            audience: AUDIENCE,
            client_id: params.client_id,
            org: params.org,
            env: if params.production {
                Environment::Production
            } else {
                Environment::Sandbox
            },
            now,
            jti: params.jti,
            not_after: None,
        },
        PermissionSet::new(params.permissions.clone()),
        params.allowlist.clone(),
    );
    (key.sign(&claims), now.get())
}

// ---------------------------------------------------------------------------------------
// Reference IPv4 allowlist matcher (SPEC §4), for `allowlist_differential`.
// ---------------------------------------------------------------------------------------

/// Why the reference rejects an entry or a list; mirrors the SPEC §4 codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RefIpError {
    /// `ip.empty`
    Empty,
    /// `ip.too_many`
    TooMany,
    /// `ip.invalid`
    Invalid,
    /// `ip.ipv6_unsupported`
    Ipv6Unsupported,
    /// `ip.host_bits_set`
    HostBitsSet,
    /// `ip.duplicate`
    Duplicate,
}

/// A decimal number of 1..=`max_digits` digits without a leading zero.
fn ref_decimal(text: &str, max_digits: usize) -> Option<u32> {
    let digits = text.as_bytes();
    if digits.is_empty() || digits.len() > max_digits {
        return None;
    }
    if digits.len() > 1 && digits.first() == Some(&b'0') {
        return None;
    }
    let mut value = 0u32;
    for d in digits {
        if !d.is_ascii_digit() {
            return None;
        }
        value = value * 10 + u32::from(d - b'0');
    }
    Some(value)
}

/// Strict dotted quad: exactly four decimal octets 0-255, no leading zeros, nothing else.
pub fn ref_ipv4(text: &str) -> Option<u32> {
    let mut value = 0u32;
    let mut count = 0;
    for part in text.split('.') {
        count += 1;
        if count > 4 {
            return None;
        }
        let octet = ref_decimal(part, 3).filter(|n| *n <= 255)?;
        value = value << 8 | octet;
    }
    (count == 4).then_some(value)
}

/// The netmask of a prefix length 0..=32.
pub fn ref_mask(prefix: u32) -> u32 {
    if prefix == 0 {
        0
    } else {
        u32::MAX << (32 - prefix)
    }
}

/// One allowlist entry: `(network, prefix)`.
pub fn ref_entry(text: &str) -> Result<(u32, u32), RefIpError> {
    let (address, prefix) = match text.split_once('/') {
        Some((address, prefix)) => (address, Some(prefix)),
        None => (text, None),
    };
    if text.contains(':') {
        // An IPv6 address or network is its own code; other text with a colon is invalid.
        return Err(if address.parse::<Ipv6Addr>().is_ok() {
            RefIpError::Ipv6Unsupported
        } else {
            RefIpError::Invalid
        });
    }
    let address = ref_ipv4(address).ok_or(RefIpError::Invalid)?;
    let prefix = match prefix {
        None => 32,
        Some(p) => ref_decimal(p, 2)
            .filter(|p| *p <= 32)
            .ok_or(RefIpError::Invalid)?,
    };
    if address & !ref_mask(prefix) != 0 {
        return Err(RefIpError::HostBitsSet);
    }
    Ok((address, prefix))
}

/// A whole allowlist: empty, then each entry in order, then the count, then duplicates.
pub fn ref_allowlist(entries: &[String]) -> Result<Vec<(u32, u32)>, RefIpError> {
    if entries.is_empty() {
        return Err(RefIpError::Empty);
    }
    let mut networks = Vec::new();
    for entry in entries {
        networks.push(ref_entry(entry)?);
    }
    if networks.len() > 6 {
        return Err(RefIpError::TooMany);
    }
    for (i, n) in networks.iter().enumerate() {
        if networks.iter().take(i).any(|m| m == n) {
            return Err(RefIpError::Duplicate);
        }
    }
    Ok(networks)
}

/// A client address as the reference reads it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RefClient {
    /// IPv4, or the IPv4 address inside `::ffff:0:0/96`.
    V4(u32),
    /// Any other IPv6 address.
    OtherV6,
    /// Not an address.
    Invalid,
}

/// Reads a client address: strict dotted quad, else IPv6 (std's parser) with the
/// IPv4-mapped range taken as IPv4.
pub fn ref_client(text: &str) -> RefClient {
    if let Some(v4) = ref_ipv4(text) {
        return RefClient::V4(v4);
    }
    match text.parse::<Ipv6Addr>() {
        Ok(v6) => match v6.segments() {
            [0, 0, 0, 0, 0, 0xffff, hi, lo] => RefClient::V4(u32::from(hi) << 16 | u32::from(lo)),
            _ => RefClient::OtherV6,
        },
        Err(_) => RefClient::Invalid,
    }
}

/// The reference verdict: `Some(true)` allowed, `Some(false)` not allowed, `None` invalid.
pub fn ref_verdict(networks: &[(u32, u32)], client: RefClient) -> Option<bool> {
    match client {
        RefClient::V4(address) => Some(
            networks
                .iter()
                .any(|(network, prefix)| address & ref_mask(*prefix) == *network),
        ),
        RefClient::OtherV6 => Some(false),
        RefClient::Invalid => None,
    }
}

/// `a.b.c.d` of an address.
pub fn dotted(address: u32) -> String {
    let [a, b, c, d] = address.to_be_bytes();
    format!("{a}.{b}.{c}.{d}")
}

// ---------------------------------------------------------------------------------------
// Encodings for building token requests (RFC 6749 §2.3.1 and Appendix B, RFC 7617).
// ---------------------------------------------------------------------------------------

/// `application/x-www-form-urlencoded` for one component: unreserved bytes as they are,
/// space as `+`, everything else `%XX`.
pub fn form_encode(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'*' => {
                out.push(char::from(b))
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Standard base64 with padding (RFC 4648 §4), for Basic credentials.
pub fn base64_standard(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let mut group = [0u8; 3];
        group
            .iter_mut()
            .zip(chunk)
            .for_each(|(slot, byte)| *slot = *byte);
        let n = u32::from(group[0]) << 16 | u32::from(group[1]) << 8 | u32::from(group[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Unpadded base64url (RFC 4648 §5), to re-encode tampered token parts.
pub fn base64url(bytes: &[u8]) -> String {
    base64_standard(bytes)
        .trim_end_matches('=')
        .replace('+', "-")
        .replace('/', "_")
}

/// Lenient base64url decoding of a token part (for the tamper mode only: the core's own
/// decoder is what is under test).
pub fn base64url_decode_lenient(text: &str) -> Vec<u8> {
    let mut bits = 0u32;
    let mut count = 0u32;
    let mut out = Vec::new();
    for c in text.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' => 62,
            b'_' => 63,
            _ => continue,
        };
        bits = bits << 6 | u32::from(v);
        count += 6;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings() {
        assert_eq!(base64_standard(b"cid_1:s3cr3t"), "Y2lkXzE6czNjcjN0");
        assert_eq!(base64_standard(b"a"), "YQ==");
        assert_eq!(base64url(&[0xfb, 0xff]), "-_8");
        assert_eq!(base64url_decode_lenient("-_8"), [0xfb, 0xff]);
        assert_eq!(form_encode("a b:c"), "a+b%3Ac");
    }

    #[test]
    fn reference_matcher() {
        assert_eq!(ref_entry("10.0.0.0/8"), Ok((0x0a00_0000, 8)));
        assert_eq!(ref_entry("10.0.0.1/8"), Err(RefIpError::HostBitsSet));
        assert_eq!(ref_entry("010.0.0.1"), Err(RefIpError::Invalid));
        assert_eq!(ref_entry("::1"), Err(RefIpError::Ipv6Unsupported));
        assert_eq!(ref_client("::ffff:1.2.3.4"), RefClient::V4(0x0102_0304));
        assert_eq!(ref_client("::1"), RefClient::OtherV6);
    }
}

/// Reads JSON the core wrote, without serde_json's recursion limit: an answer may nest a
/// few levels deeper than the input it echoes (which the core bounds at 128 levels).
pub fn read_output(text: &str) -> Result<serde_json::Value, serde_json::Error> {
    use serde::Deserialize as _;
    let mut deserializer = serde_json::Deserializer::from_str(text);
    deserializer.disable_recursion_limit();
    let value = serde_json::Value::deserialize(&mut deserializer)?;
    deserializer.end()?;
    Ok(value)
}
