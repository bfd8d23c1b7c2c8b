"""ip.json: ip_allowed (SPEC §4)."""

from .common import case
from .data.ip_cases import ALLOWLISTS, CLIENT_FORMS, INVALID_ENTRIES, MATCHES, VALID_ENTRIES


def ipc(name, allowlist, ip, expect):
    if expect is True:
        expect = {"allowed": True, "reason": "allow"}
    elif expect is False:
        expect = {"allowed": False, "reason": "deny.ip_not_allowed"}
    elif expect == "invalid":
        expect = {"allowed": False, "reason": "deny.ip_invalid"}
    elif isinstance(expect, str):
        expect = {"error": expect}
    return case(name, "ip_allowed", {"allowlist": allowlist, "ip": ip}, expect)


def cases():
    cs = [ipc(*row) for row in MATCHES]
    cs += [ipc(*row) for row in CLIENT_FORMS]
    for entry, code, label in INVALID_ENTRIES:
        cs.append(ipc(f"entry: {label}", [entry], "10.0.0.1", code))
    for entry, ip, label in VALID_ENTRIES:
        cs.append(ipc(f"valid entry: {label}", [entry], ip, True))
    cs += [ipc(*row) for row in ALLOWLISTS]
    return cs


FILE = "ip.json"
NAME = "ip"
COMMENT = (
    "ip_allowed (SPEC §4): strict dotted-quad entries (leading zeros, prefix 0..32 without leading zeros, "
    "spaces, host bits, IPv6 entries -> ip.ipv6_unsupported), a bare address = /32, 0.0.0.0/0, the edges of "
    "/1, /24, /25, /30, /31; client IPs: IPv4-mapped IPv6 treated as IPv4, any other IPv6 never allowed "
    "(even by 0.0.0.0/0, including IPv4-compatible ::a.b.c.d), unparseable -> deny.ip_invalid; an invalid "
    "allowlist -> {error: first failing code} in the order ip.empty, entries in order, ip.too_many, "
    "ip.duplicate (lead's decision)."
)
