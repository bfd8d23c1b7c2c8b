"""Literal tables of ip.json (ip_allowed, SPEC §4), read by gen/ip.py: no computation here.

A case row is (name, allowlist, client ip, expect) where expect is True (allow), False
(deny.ip_not_allowed), "invalid" (deny.ip_invalid: the client address cannot be read) or an
allowlist error code (the allowlist itself is invalid: {"error": code}). The rows are written to
ip.json in the order of this file: MATCHES, CLIENT_FORMS, INVALID_ENTRIES, VALID_ENTRIES,
ALLOWLISTS.
"""


# Bare address = /32, prefixes and their edges, several entries.
MATCHES = [
    ("bare address matches itself", ["203.0.113.7"], "203.0.113.7", True),
    ("bare address does not match the next address", ["203.0.113.7"], "203.0.113.8", False),
    ("bare address does not match the previous address", ["203.0.113.7"], "203.0.113.6", False),
    ("/32 matches its address", ["203.0.113.7/32"], "203.0.113.7", True),
    ("/32 does not match the next address", ["203.0.113.7/32"], "203.0.113.8", False),
    ("0.0.0.0/0 allows 0.0.0.0", ["0.0.0.0/0"], "0.0.0.0", True),
    ("0.0.0.0/0 allows 255.255.255.255", ["0.0.0.0/0"], "255.255.255.255", True),
    ("/24 first address", ["198.51.100.0/24"], "198.51.100.0", True),
    ("/24 last address", ["198.51.100.0/24"], "198.51.100.255", True),
    ("/24 just below", ["198.51.100.0/24"], "198.51.99.255", False),
    ("/24 just above", ["198.51.100.0/24"], "198.51.101.0", False),
    ("/31 first address", ["192.0.2.4/31"], "192.0.2.4", True),
    ("/31 second address", ["192.0.2.4/31"], "192.0.2.5", True),
    ("/31 just below", ["192.0.2.4/31"], "192.0.2.3", False),
    ("/31 just above", ["192.0.2.4/31"], "192.0.2.6", False),
    ("/1 upper half includes 128.0.0.0", ["128.0.0.0/1"], "128.0.0.0", True),
    ("/1 upper half excludes 127.255.255.255", ["128.0.0.0/1"], "127.255.255.255", False),
    ("/8", ["10.0.0.0/8"], "10.255.255.255", True),
    ("/25 upper half excluded", ["192.0.2.0/25"], "192.0.2.128", False),
    ("/25 upper half as its own entry", ["192.0.2.128/25"], "192.0.2.128", True),
    ("/30 non-octet boundary", ["192.0.2.8/30"], "192.0.2.11", True),
    ("/30 non-octet boundary, next block", ["192.0.2.8/30"], "192.0.2.12", False),
    ("matches the second of several entries", ["203.0.113.7", "198.51.100.0/24", "192.0.2.0/24"],
     "198.51.100.9", True),
    ("matches the last of six entries",
     ["203.0.113.1", "203.0.113.2", "203.0.113.3", "203.0.113.4", "203.0.113.5", "10.0.0.0/8"],
     "10.1.2.3", True),
    ("no entry of several matches", ["203.0.113.7", "198.51.100.0/24"], "192.0.2.1", False),
    ("0.0.0.0/0 next to other entries allows any address", ["0.0.0.0/0", "203.0.113.7"], "8.8.8.8", True),
]


# Client IP forms: IPv4-mapped IPv6 is its IPv4 address, any other IPv6 is never allowed,
# and an unreadable client address is deny.ip_invalid.
CLIENT_FORMS = [
    ("IPv4-mapped IPv6 client matches its IPv4 entry", ["203.0.113.7"], "::ffff:203.0.113.7", True),
    ("IPv4-mapped IPv6 client within a /24", ["203.0.113.0/24"], "::ffff:203.0.113.200", True),
    ("IPv4-mapped IPv6 client outside the list", ["203.0.113.7"], "::ffff:203.0.113.8", False),
    ("IPv4-mapped IPv6 client allowed by 0.0.0.0/0", ["0.0.0.0/0"], "::ffff:192.0.2.1", True),
    ("IPv4-mapped IPv6 in full form", ["203.0.113.7"], "0:0:0:0:0:ffff:203.0.113.7", True),
    ("IPv6 loopback never allowed, even by 0.0.0.0/0", ["0.0.0.0/0"], "::1", False),
    ("IPv6 global address never allowed, even by 0.0.0.0/0", ["0.0.0.0/0"], "2001:db8::1", False),
    ("IPv6 unspecified never allowed", ["0.0.0.0/0"], "::", False),
    ("IPv4-compatible (not mapped) IPv6 never allowed", ["0.0.0.0/0"], "::203.0.113.7", False),
    ("IPv4-compatible (not mapped) IPv6 not treated as IPv4", ["203.0.113.7"], "::203.0.113.7", False),
    ("unparseable client ip", ["0.0.0.0/0"], "not-an-ip", "invalid"),
    ("empty client ip", ["0.0.0.0/0"], "", "invalid"),
    ("client ip with an octet over 255", ["0.0.0.0/0"], "256.1.1.1", "invalid"),
    ("client ip with 3 octets", ["0.0.0.0/0"], "10.0.0", "invalid"),
    ("client ip with 5 octets", ["0.0.0.0/0"], "10.0.0.0.1", "invalid"),
    ("client ip in CIDR form is not an address", ["0.0.0.0/0"], "203.0.113.7/32", "invalid"),
    ("client ip with a port", ["0.0.0.0/0"], "203.0.113.7:443", "invalid"),
    ("client ip with a leading space", ["0.0.0.0/0"], " 203.0.113.7", "invalid"),
    ("client IPv4-mapped with a bad IPv4 part", ["0.0.0.0/0"], "::ffff:203.0.113.999", "invalid"),
    ("client ip hostname", ["0.0.0.0/0"], "localhost", "invalid"),
]


# Invalid allowlists -> {"error"}; order (lead's decision): ip.empty, entries in order, ip.too_many,
# ip.duplicate.
# One-entry allowlists (entry, code, label): case "entry: <label>", client 10.0.0.1.
INVALID_ENTRIES = [
    ("010.0.0.1", "ip.invalid", "leading zero in an octet"),
    ("10.0.0.01", "ip.invalid", "leading zero in the last octet"),
    ("00.0.0.0", "ip.invalid", "double zero octet"),
    ("10.0.0.0/08", "ip.invalid", "leading zero in the prefix"),
    ("0.0.0.0/00", "ip.invalid", "prefix 00"),
    ("10.0.0.0/33", "ip.invalid", "prefix 33"),
    ("10.0.0.0/-1", "ip.invalid", "negative prefix"),
    ("10.0.0.0/+8", "ip.invalid", "prefix with a plus sign"),
    ("10.0.0.0/", "ip.invalid", "empty prefix"),
    ("10.0.0.0/8/8", "ip.invalid", "two prefixes"),
    ("10.0.0.0/255.0.0.0", "ip.invalid", "netmask instead of a prefix"),
    ("256.0.0.0", "ip.invalid", "octet 256"),
    ("10.0.0", "ip.invalid", "3 octets"),
    ("10.0.0.0.0", "ip.invalid", "5 octets"),
    ("10..0.0", "ip.invalid", "empty octet"),
    ("10.0.0.0.", "ip.invalid", "trailing dot"),
    ("0x0a.0.0.1", "ip.invalid", "hex octet"),
    ("167772161", "ip.invalid", "single integer form"),
    ("+10.0.0.1", "ip.invalid", "plus sign"),
    (" 10.0.0.1", "ip.invalid", "leading space"),
    ("10.0.0.1 ", "ip.invalid", "trailing space"),
    ("10.0.0.0 /8", "ip.invalid", "space before slash"),
    ("10.0.0.0/ 8", "ip.invalid", "space after slash"),
    ("", "ip.invalid", "empty entry"),
    ("example.com", "ip.invalid", "hostname"),
    ("\u0661.2.3.4", "ip.invalid", "non-ASCII digit"),
    ("10.0.0.1/24", "ip.host_bits_set", "host bits set in a /24"),
    ("192.0.2.5/31", "ip.host_bits_set", "host bit set in a /31"),
    ("1.0.0.0/0", "ip.host_bits_set", "host bits set in a /0"),
    ("128.0.0.1/1", "ip.host_bits_set", "host bits set in a /1"),
    ("::1", "ip.ipv6_unsupported", "IPv6 loopback"),
    ("2001:db8::1", "ip.ipv6_unsupported", "IPv6 address"),
    ("2001:db8::/32", "ip.ipv6_unsupported", "IPv6 network"),
    ("::/0", "ip.ipv6_unsupported", "IPv6 everything"),
]


# Valid one-entry allowlists (entry, client ip, label): case "valid entry: <label>", allowed.
VALID_ENTRIES = [
    ("0.0.0.0/32", "0.0.0.0", "0.0.0.0/32"),
    ("255.255.255.255", "255.255.255.255", "broadcast address"),
    ("10.0.0.0/8", "10.0.0.0", "prefix 8"),
    ("100.64.0.0/10", "100.127.255.255", "prefix 10, last address"),
    ("0.0.0.0", "0.0.0.0", "0.0.0.0 as a bare address"),
]


# Whole allowlists: counts, duplicates and the order of their errors.
ALLOWLISTS = [
    ("0.0.0.0 bare is only that address", ["0.0.0.0"], "0.0.0.1", False),
    ("empty allowlist", [], "10.0.0.1", "ip.empty"),
    ("seven entries", ["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5", "10.0.0.6",
                       "10.0.0.7"], "10.0.0.1", "ip.too_many"),
    ("duplicate entries", ["10.0.0.1", "10.0.0.1"], "10.0.0.1", "ip.duplicate"),
    ("duplicate CIDR entries", ["10.0.0.0/8", "203.0.113.7", "10.0.0.0/8"], "10.0.0.1", "ip.duplicate"),
    ("order: first failing entry wins (host bits before invalid)", ["10.0.0.1/24", "010.0.0.1"],
     "10.0.0.1", "ip.host_bits_set"),
    ("order: first failing entry wins (invalid before IPv6)", ["203.0.113.7", "010.0.0.1", "::1"],
     "10.0.0.1", "ip.invalid"),
    ("order: first failing entry wins (IPv6 before host bits)", ["::1", "10.0.0.1/24"],
     "10.0.0.1", "ip.ipv6_unsupported"),
    ("order: bad entry before too many", ["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5",
                                          "10.0.0.6", "10.0.0.256"], "10.0.0.1", "ip.invalid"),
    ("order: too many before duplicate", ["10.0.0.1", "10.0.0.1", "10.0.0.3", "10.0.0.4", "10.0.0.5",
                                          "10.0.0.6", "10.0.0.7"], "10.0.0.1", "ip.too_many"),
    ("order: bad entry before duplicate", ["10.0.0.1", "10.0.0.1", "10.0.0.1/8"], "10.0.0.1",
     "ip.host_bits_set"),
    ("invalid allowlist reported even with an invalid client ip", ["010.0.0.1"], "nonsense", "ip.invalid"),
    ("invalid allowlist reported even with an IPv6 client", ["10.0.0.0/33"], "::1", "ip.invalid"),
]
