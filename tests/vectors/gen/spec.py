"""spec.json: validate_spec (SPEC §4). spec() is also the base spec of decisions, lint and
decisions_host_ops.
"""

from .common import DROP, case


def spec(**over):
    s = {
        "name": "Payments backend",
        "description": "Reads balances for the ledger",
        "permission_set_type": "wallets",
        "permissions": ["vault:read:org", "balances:read:vault:vlt_1"],
        "ip_allowlist": ["203.0.113.0/24"],
        "environment": "sandbox",
    }
    for k, v in over.items():
        if v is DROP:
            s.pop(k, None)
        else:
            s[k] = v
    return s


def vs(name, s, errors=None):
    exp = {"ok": True} if errors is None else {
        "ok": False, "errors": [{"path": p, "code": c} for p, c in errors]}
    return case(name, "validate_spec", {"spec": s}, exp)


def cases():
    cs = []
    E_ACUTE = "\u00e9"  # 1 scalar, 2 UTF-8 bytes
    EMOJI = "\U0001F600"  # 1 scalar, 4 UTF-8 bytes, 2 UTF-16 units
    COMB = "e\u0301"  # 2 scalars (e + COMBINING ACUTE ACCENT), 1 grapheme
    cs.append(vs("valid spec", spec()))
    # name length in Unicode scalar values
    for label, value, ok in [
        ("4 ASCII chars", "abcd", False),
        ("5 ASCII chars", "abcde", True),
        ("50 ASCII chars", "n" * 50, True),
        ("51 ASCII chars", "n" * 51, False),
        ("empty", "", False),
        ("4 e-acute (8 bytes)", E_ACUTE * 4, False),
        ("5 e-acute (10 bytes)", E_ACUTE * 5, True),
        ("50 e-acute (100 bytes)", E_ACUTE * 50, True),
        ("51 e-acute", E_ACUTE * 51, False),
        ("4 emoji (16 bytes, 8 UTF-16 units)", EMOJI * 4, False),
        ("5 emoji", EMOJI * 5, True),
        ("50 emoji (100 UTF-16 units)", EMOJI * 50, True),
        ("51 emoji", EMOJI * 51, False),
        ("2 combining pairs = 4 scalars", COMB * 2, False),
        ("2 combining pairs + 1 = 5 scalars (3 graphemes)", COMB * 2 + "e", True),
        ("25 combining pairs = 50 scalars", COMB * 25, True),
        ("25 combining pairs + 1 = 51 scalars (26 graphemes)", COMB * 25 + "e", False),
        ("mixed scripts, 5 scalars", "a" + E_ACUTE + EMOJI + "\u4e2d" + "z", True),
        ("spaces count", "ab cd", True),
    ]:
        cs.append(vs(f"name {label}", spec(name=value), None if ok else [("name", "name.length")]))
    # name control characters
    for label, ch in [("NUL", "\u0000"), ("tab", "\t"), ("newline", "\n"), ("carriage return", "\r"),
                      ("unit separator U+001F", "\u001f"), ("DEL U+007F", "\u007f"),
                      ("C1 NEL U+0085", "\u0085"), ("C1 U+009F", "\u009f"), ("escape", "\u001b"),
                      # SPEC §4: general categories Cf, Zl and Zp too
                      ("right-to-left override U+202E (Cf)", "\u202e"), ("left-to-right mark U+200E (Cf)", "\u200e"),
                      ("zero-width space U+200B (Cf)", "\u200b"), ("zero-width joiner U+200D (Cf)", "\u200d"),
                      ("BOM U+FEFF (Cf)", "\ufeff"), ("soft hyphen U+00AD (Cf)", "\u00ad"),
                      ("first strong isolate U+2068 (Cf)", "\u2068"), ("tag letter A U+E0041 (Cf)", "\U000e0041"),
                      ("line separator U+2028 (Zl)", "\u2028"), ("paragraph separator U+2029 (Zp)", "\u2029")]:
        cs.append(vs(f"name with {label}", spec(name=f"Payments{ch}backend"), [("name", "name.invalid_char")]))
    for label, ch in [("no-break space U+00A0 (Zs)", "\u00a0"), ("ideographic space U+3000 (Zs)", "\u3000"),
                      ("combining acute U+0301 (Mn)", "\u0301"), ("emoji with variation selector U+FE0F (Mn)",
                                                                    "\u2764\ufe0f")]:
        cs.append(vs(f"name with {label} is valid", spec(name=f"Payments{ch}backend")))
    # description
    cs += [
        vs("description absent", spec(description=DROP)),
        vs("description null", spec(description=None)),
        vs("description empty string", spec(description="")),
        vs("description 4 chars", spec(description="abcd"), [("description", "description.length")]),
        vs("description 5 chars", spec(description="abcde")),
        vs("description 50 chars", spec(description="d" * 50)),
        vs("description 51 chars", spec(description="d" * 51), [("description", "description.length")]),
        vs("description 4 e-acute", spec(description=E_ACUTE * 4), [("description", "description.length")]),
        vs("description 5 e-acute", spec(description=E_ACUTE * 5)),
        vs("description 50 emoji", spec(description=EMOJI * 50)),
        vs("description 51 emoji", spec(description=EMOJI * 51), [("description", "description.length")]),
        vs("description 25 combining pairs + 1 = 51 scalars", spec(description=COMB * 25 + "e"),
           [("description", "description.length")]),
        vs("description with newline", spec(description="Reads balances\nfor ledger"),
           [("description", "description.invalid_char")]),
        vs("description with NUL", spec(description="Reads\u0000balances"),
           [("description", "description.invalid_char")]),
        vs("description with DEL", spec(description="Reads\u007fbalances"),
           [("description", "description.invalid_char")]),
        vs("description with a right-to-left override U+202E", spec(description="Read only\u202e etirw"),
           [("description", "description.invalid_char")]),
        vs("description with a paragraph separator U+2029", spec(description="Reads\u2029balances"),
           [("description", "description.invalid_char")]),
    ]
    # permission_set_type
    for st in ["wallets", "transactions", "controls", "monitoring"]:
        cs.append(vs(f"set type {st}", spec(permission_set_type=st)))
    cs += [
        vs("set type unknown", spec(permission_set_type="wallet"), [("permission_set_type", "set_type.unknown")]),
        vs("set type is case-sensitive", spec(permission_set_type="Wallets"),
           [("permission_set_type", "set_type.unknown")]),
        vs("set type defaults may be changed: monitoring with a vault permission",
           spec(permission_set_type="monitoring", permissions=["vault:create:org"])),
    ]
    # permissions count
    p100 = [f"vault:read:vault:v{i}" for i in range(100)]
    p101 = [f"vault:read:vault:v{i}" for i in range(101)]
    cs += [
        vs("0 permissions", spec(permissions=[]), [("permissions", "permissions.empty")]),
        vs("1 permission", spec(permissions=["audit:read:org"])),
        vs("100 permissions", spec(permissions=p100)),
        vs("101 permissions", spec(permissions=p101), [("permissions", "permissions.too_many")]),
        vs("permissions in JSON form", spec(permissions=[
            {"type": "vault", "action": "read", "scope": "org"},
            {"type": "balances", "action": "read", "scope": "vault", "resource": "vlt_1"}])),
    ]
    # per-entry codes with paths
    cs += [
        vs("every per-entry permission code at its index", spec(permissions=[
            "vault:read:org",
            "vault:read",
            "wallet:read:org",
            "vault:list:org",
            "vault:read:galaxy",
            "webhook:read:vault",
            "vault:read:org:v1",
            "vault:read:vault:v/1",
            {"type": "vault", "action": "read"},
        ]), [
            ("permissions[1]", "permission.invalid"),
            ("permissions[2]", "permission.unknown_type"),
            ("permissions[3]", "permission.unknown_action"),
            ("permissions[4]", "permission.unknown_scope"),
            ("permissions[5]", "permission.scope_not_applicable"),
            ("permissions[6]", "permission.resource_with_org_scope"),
            ("permissions[7]", "permission.invalid_resource"),
            ("permissions[8]", "permission.invalid"),
        ]),
        vs("per-entry check order inside a spec", spec(permissions=["foo:bar:baz:!!", "webhook:read:vault:!!"]),
           [("permissions[0]", "permission.unknown_type"), ("permissions[1]", "permission.invalid_resource")]),
        vs("duplicate permission: path is the later index",
           spec(permissions=["vault:read:org", "key:read:org", "vault:read:org"]),
           [("permissions[2]", "permissions.duplicate")]),
        vs("duplicate across text and JSON forms (same canonical text)",
           spec(permissions=["balances:read:vault:vlt_1", "vault:read:org",
                             {"type": "balances", "action": "read", "scope": "vault", "resource": "vlt_1"}]),
           [("permissions[2]", "permissions.duplicate")]),
        vs("three copies: both later indexes are duplicates",
           spec(permissions=["vault:read:org", "vault:read:org", "key:read:org", "vault:read:org"]),
           [("permissions[1]", "permissions.duplicate"), ("permissions[3]", "permissions.duplicate")]),
        vs("same permission on different resources is not a duplicate",
           spec(permissions=["vault:read:vault:v1", "vault:read:vault:v2", "vault:read:vault",
                             "vault:read:org"])),
        vs("resources are case-sensitive: not duplicates",
           spec(permissions=["vault:read:vault:v1", "vault:read:vault:V1"])),
    ]
    # ip_allowlist
    ip6 = ["203.0.113.1", "203.0.113.2", "198.51.100.0/24", "192.0.2.0/25", "10.0.0.0/8", "0.0.0.0/0"]
    ip7 = ip6 + ["172.16.0.0/12"]
    cs += [
        vs("0 ip entries", spec(ip_allowlist=[]), [("ip_allowlist", "ip.empty")]),
        vs("1 ip entry", spec(ip_allowlist=["203.0.113.7"])),
        vs("6 ip entries", spec(ip_allowlist=ip6)),
        vs("7 ip entries", spec(ip_allowlist=ip7), [("ip_allowlist", "ip.too_many")]),
        vs("all addresses", spec(ip_allowlist=["0.0.0.0/0"])),
        vs("every per-entry ip code at its index", spec(ip_allowlist=[
            "010.0.0.1", "2001:db8::/32", "10.0.0.1/24", "203.0.113.7", "10.0.0.0/33", "203.0.113.7"]), [
            ("ip_allowlist[0]", "ip.invalid"),
            ("ip_allowlist[1]", "ip.ipv6_unsupported"),
            ("ip_allowlist[2]", "ip.host_bits_set"),
            ("ip_allowlist[4]", "ip.invalid"),
            ("ip_allowlist[5]", "ip.duplicate"),
        ]),
        vs("duplicate ip entry: path is the later index",
           spec(ip_allowlist=["198.51.100.0/24", "203.0.113.7", "198.51.100.0/24"]),
           [("ip_allowlist[2]", "ip.duplicate")]),
        vs("ip entry with a space", spec(ip_allowlist=["203.0.113.7 "]), [("ip_allowlist[0]", "ip.invalid")]),
        vs("ip prefix with a leading zero", spec(ip_allowlist=["10.0.0.0/08"]), [("ip_allowlist[0]", "ip.invalid")]),
        vs("ipv6 loopback", spec(ip_allowlist=["::1"]), [("ip_allowlist[0]", "ip.ipv6_unsupported")]),
    ]
    # environment
    cs += [
        vs("environment production", spec(environment="production")),
        vs("environment unknown", spec(environment="staging"), [("environment", "environment.unknown")]),
        vs("environment is case-sensitive", spec(environment="Production"), [("environment", "environment.unknown")]),
    ]
    # Several problems at once.
    cs += [
        vs("every field wrong at once", {
            "name": "abc",
            "description": "a\u0007bcdef",
            "permission_set_type": "admin",
            "permissions": ["vault:read:org", "vault:read:org", "key:read:key:k!"],
            "ip_allowlist": ["10.0.0.1/24", "::1", "010.0.0.1"],
            "environment": "dev",
        }, [
            ("name", "name.length"),
            ("description", "description.invalid_char"),
            ("permission_set_type", "set_type.unknown"),
            ("permissions[1]", "permissions.duplicate"),
            ("permissions[2]", "permission.invalid_resource"),
            ("ip_allowlist[0]", "ip.host_bits_set"),
            ("ip_allowlist[1]", "ip.ipv6_unsupported"),
            ("ip_allowlist[2]", "ip.invalid"),
            ("environment", "environment.unknown"),
        ]),
        vs("empty lists and a long name at once",
           spec(name="x" * 51, permissions=[], ip_allowlist=[], description="abcd"), [
               ("name", "name.length"),
               ("description", "description.length"),
               ("permissions", "permissions.empty"),
               ("ip_allowlist", "ip.empty"),
           ]),
        vs("too many of both lists at once", spec(permissions=p101, ip_allowlist=ip7), [
            ("permissions", "permissions.too_many"),
            ("ip_allowlist", "ip.too_many"),
        ]),
    ]
    return cs


FILE = "spec.json"
NAME = "spec"
COMMENT = (
    "validate_spec (SPEC §4): name and description lengths counted in Unicode scalar values (4/5/50/51, "
    "with 2-byte, 4-byte and combining characters, where a combining mark counts as its own scalar), control "
    "characters (C0, DEL, C1), description absent/null/\"\" all mean none, set types, 0/1/100/101 "
    "permissions, 0/1/6/7 ip entries, every per-entry code with its indexed path, duplicates reported at the "
    "later index, environment, and several problems reported at once (errors compared as a set)."
)
