//! Byte encodings: strict base64url (RFC 7515 §2: no padding, canonical trailing bits),
//! lowercase hex, and the RFC 4648 base32 alphabet used in credential ids and secrets.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;

/// Decodes base64url without padding, rejecting padding, `+`/`/`, whitespace and
/// non-zero trailing bits, so every byte string has exactly one accepted encoding.
pub fn b64url_decode(text: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(text).ok()
}

/// Encodes base64url without padding.
pub fn b64url_encode(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Lowercase hex.
pub fn hex_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        for nibble in [b >> 4, b & 0xf] {
            out.extend(char::from_digit(u32::from(nibble), 16));
        }
    }
    out
}

/// Decodes hex (either case); `None` on odd length or a non-hex character.
pub fn hex_decode(text: &str) -> Option<Vec<u8>> {
    fn nibble(c: u8) -> Option<u8> {
        match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'a'..=b'f' => Some(c - b'a' + 10),
            b'A'..=b'F' => Some(c - b'A' + 10),
            _ => None,
        }
    }
    if text.len() % 2 != 0 {
        return None;
    }
    text.as_bytes()
        .chunks_exact(2)
        .map(|pair| match pair {
            [hi, lo] => Some(nibble(*hi)? << 4 | nibble(*lo)?),
            _ => None,
        })
        .collect()
}

/// RFC 4648 base32, lowercase, no padding: unambiguous to read aloud and easy for secret
/// scanners to match.
pub fn base32_encode(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";
    let mut out = String::with_capacity(bytes.len().div_ceil(5) * 8);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for b in bytes {
        buffer = (buffer << 8) | u32::from(*b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.extend(
                ALPHABET
                    .get(((buffer >> bits) & 31) as usize)
                    .map(|c| char::from(*c)),
            );
        }
    }
    if bits > 0 {
        out.extend(
            ALPHABET
                .get(((buffer << (5 - bits)) & 31) as usize)
                .map(|c| char::from(*c)),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64url_is_strict() {
        assert_eq!(b64url_decode("").unwrap(), b"");
        assert_eq!(b64url_decode("QQ").unwrap(), b"A");
        assert!(b64url_decode("QR").is_none(), "non-zero trailing bits");
        assert!(b64url_decode("QQ==").is_none(), "padding");
        assert!(b64url_decode("+/8").is_none(), "standard alphabet");
    }

    #[test]
    fn hex_round_trip() {
        assert_eq!(
            hex_decode(&hex_encode(&[0, 1, 254, 255])).unwrap(),
            [0, 1, 254, 255]
        );
        assert!(hex_decode("abc").is_none());
        assert!(hex_decode("zz").is_none());
    }

    #[test]
    fn base32_matches_rfc4648() {
        assert_eq!(base32_encode(b"foobar"), "mzxw6ytboi");
    }
}
