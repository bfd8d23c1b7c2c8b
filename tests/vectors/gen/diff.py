"""diff.json: diff (SPEC §11, docs/LIFECYCLE.md "diff").

Expectations come from a model written here from SPEC §11 (canonical texts, CIDR forms, the
cover rule, the union of before's networks), not from the core; hand-written expectations
are asserted equal to the model's. Invalid specs are hand-written (SPEC §4's codes, as in
spec.json) with before./after. prefixes. `added`, `removed` and `new_access` compare as sets;
`message` is never part of an expectation.
"""

from .common import case
from .preview import parse_text
from .spec import spec


def canon(p):
    return ":".join(x for x in parse_text(p) if x is not None)


def cidr(entry):
    return entry if "/" in entry else entry + "/32"


def ip_range(entry):
    addr, n = cidr(entry).split("/")
    a, b, c, d = (int(x) for x in addr.split("."))
    start = (a << 24) | (b << 16) | (c << 8) | d
    size = 1 << (32 - int(n))
    assert start % size == 0, entry
    return start, start + size - 1


def ip_covered(entry, before):
    """Every address of entry is in some entry of before (the union counts)."""
    lo, hi = ip_range(entry)
    pos = lo
    for s, e in sorted(ip_range(b) for b in before):
        if s <= pos <= e:
            pos = e + 1
            if pos > hi:
                return True
    return pos > hi


def covers(q, p):
    """SPEC §11: Q covers P."""
    qt, qa, qs, qr = parse_text(q)
    pt, pa, ps, pr = parse_text(p)
    if (qt, qa) != (pt, pa):
        return False
    if qs == "org":
        return True
    if qs == "vault" and qr is None:
        return ps in ("vault", "key")
    if qs == "vault":
        return ps == "vault" and pr == qr
    if qs == "key" and qr is None:
        return ps == "key"
    return ps == "key" and pr == qr


def model_diff(before, after):
    bp, ap = [canon(p) for p in before["permissions"]], [canon(p) for p in after["permissions"]]
    bi, ai = [cidr(e) for e in before["ip_allowlist"]], [cidr(e) for e in after["ip_allowlist"]]
    new = []
    for i, p in enumerate(after["permissions"]):
        if not any(covers(q, p) for q in before["permissions"]):
            new.append({"code": "diff.permission_not_covered", "path": f"after.permissions[{i}]"})
    for j, e in enumerate(after["ip_allowlist"]):
        if not ip_covered(e, before["ip_allowlist"]):
            new.append({"code": "diff.ip_not_covered", "path": f"after.ip_allowlist[{j}]"})
    out = {"ok": True, "grants_new_access": bool(new) or before["environment"] != after["environment"],
           "permissions": {"added": [p for p in ap if p not in bp], "removed": [p for p in bp if p not in ap]},
           "ip_allowlist": {"added": [e for e in ai if e not in bi], "removed": [e for e in bi if e not in ai]}}
    if before["environment"] != after["environment"]:
        out["environment"] = {"before": before["environment"], "after": after["environment"]}
        new.append({"code": "diff.environment_changed", "path": "after.environment"})
    out["new_access"] = new
    assert out["grants_new_access"] == bool(new)
    return out


def df(name, before, after, expect=None):
    model = model_diff(before, after)
    if expect is None:
        expect = model
    else:
        assert expect == model, (name, expect, model)
    return case(name, "diff", {"before": before, "after": after}, expect)


def bad(name, before, after, errors):
    return case(name, "diff", {"before": before, "after": after},
                {"ok": False, "error": "spec.invalid", "errors": [{"path": p, "code": c} for p, c in errors]})


def same(**extra):
    """An answer without any change (ok, no new access, nothing added or removed)."""
    e = {"ok": True, "grants_new_access": False, "permissions": {"added": [], "removed": []},
         "ip_allowlist": {"added": [], "removed": []}, "new_access": []}
    e.update(extra)
    return e


def cases():
    cs = []
    base = spec()  # sandbox, vault:read:org + balances:read:vault:vlt_1, 203.0.113.0/24
    # No change / not access.
    cs += [
        df("identical specs: nothing added or removed, no new access", base, spec(), same()),
        df("name, description and set type changes are not access", base,
           spec(name="Renamed backend", description="Another description", permission_set_type="monitoring"),
           same()),
        df("description removed is not access", base, spec(description=None), same()),
        df("JSON-form and text-form permissions canonicalised: no change",
           spec(permissions=[{"type": "vault", "action": "read", "scope": "org"},
                             {"type": "balances", "action": "read", "scope": "vault", "resource": "vlt_1"}]),
           base, same()),
        df("permission order is not a change", base,
           spec(permissions=["balances:read:vault:vlt_1", "vault:read:org"]), same()),
        df("bare address and its /32 are the same entry", spec(ip_allowlist=["203.0.113.7"]),
           spec(ip_allowlist=["203.0.113.7/32"]), same()),
        df("ip order is not a change", spec(ip_allowlist=["203.0.113.0/24", "198.51.100.7"]),
           spec(ip_allowlist=["198.51.100.7/32", "203.0.113.0/24"]), same()),
    ]
    # added / removed in canonical and CIDR form.
    cs += [
        df("added in text form from a JSON-form entry; removed too",
           base, spec(permissions=["vault:read:org", {"type": "key", "action": "read", "scope": "key",
                                                      "resource": "key_1"}]),
           {"ok": True, "grants_new_access": True,
            "permissions": {"added": ["key:read:key:key_1"], "removed": ["balances:read:vault:vlt_1"]},
            "ip_allowlist": {"added": [], "removed": []},
            "new_access": [{"code": "diff.permission_not_covered", "path": "after.permissions[1]"}]}),
        df("removed JSON-form entry printed as text", spec(permissions=[
            "vault:read:org", {"type": "balances", "action": "read", "scope": "vault", "resource": "vlt_1"}]),
           spec(permissions=["vault:read:org"]),
           same(permissions={"added": [], "removed": ["balances:read:vault:vlt_1"]})),
        df("ip entries in CIDR form: 203.0.113.7 -> 203.0.113.7/32 (added, and not covered)",
           base, spec(ip_allowlist=["203.0.113.0/24", "198.51.100.7"]),
           {"ok": True, "grants_new_access": True, "permissions": {"added": [], "removed": []},
            "ip_allowlist": {"added": ["198.51.100.7/32"], "removed": []},
            "new_access": [{"code": "diff.ip_not_covered", "path": "after.ip_allowlist[1]"}]}),
        df("ip removed in CIDR form; an address inside the old /24 is covered",
           spec(ip_allowlist=["203.0.113.0/24", "198.51.100.9"]), spec(ip_allowlist=["203.0.113.7"]),
           same(ip_allowlist={"added": ["203.0.113.7/32"], "removed": ["203.0.113.0/24", "198.51.100.9/32"]})),
        df("narrowing: org replaced by vault:V is added and removed but grants nothing",
           spec(permissions=["vault:read:org"]), spec(permissions=["vault:read:vault:vlt_1"]),
           same(permissions={"added": ["vault:read:vault:vlt_1"], "removed": ["vault:read:org"]})),
        df("removing everything but one permission grants nothing", base, spec(permissions=["vault:read:org"])),
    ]
    # The SPEC §11 example.
    cs.append(df("the SPEC §11 example",
                 spec(permissions=["vault:read:vault:vlt_1"], ip_allowlist=["203.0.113.0/24"]),
                 spec(permissions=["vault:read:org"], ip_allowlist=["10.0.0.0/24", "203.0.113.0/24"],
                      environment="production"),
                 {"ok": True, "grants_new_access": True,
                  "permissions": {"added": ["vault:read:org"], "removed": ["vault:read:vault:vlt_1"]},
                  "ip_allowlist": {"added": ["10.0.0.0/24"], "removed": []},
                  "environment": {"before": "sandbox", "after": "production"},
                  "new_access": [{"code": "diff.permission_not_covered", "path": "after.permissions[0]"},
                                 {"code": "diff.ip_not_covered", "path": "after.ip_allowlist[0]"},
                                 {"code": "diff.environment_changed", "path": "after.environment"}]}))
    # The cover rule, one case per (Q, P): Q alone in before, P alone in after (balances has every scope).
    rules = [
        ("org", "org", True), ("org", "vault", True), ("org", "vault:vlt_1", True), ("org", "key", True),
        ("org", "key:key_1", True),
        ("vault", "org", False), ("vault", "vault", True), ("vault", "vault:vlt_1", True), ("vault", "key", True),
        ("vault", "key:key_1", True),
        ("vault:vlt_1", "org", False), ("vault:vlt_1", "vault", False), ("vault:vlt_1", "vault:vlt_1", True),
        ("vault:vlt_1", "vault:vlt_2", False), ("vault:vlt_1", "key", False), ("vault:vlt_1", "key:key_1", False),
        ("key", "org", False), ("key", "vault", False), ("key", "vault:vlt_1", False), ("key", "key", True),
        ("key", "key:key_1", True),
        ("key:key_1", "org", False), ("key:key_1", "vault:vlt_1", False), ("key:key_1", "key", False),
        ("key:key_1", "key:key_1", True), ("key:key_1", "key:key_2", False),
        # ids are compared exactly
        ("vault:vlt_1", "vault:VLT_1", False), ("key:key_1", "key:key_10", False),
        ("vault:key_1", "key:key_1", False),
    ]
    for q, p, cov in rules:
        Q, P = f"balances:read:{q}", f"balances:read:{p}"
        assert covers(Q, P) == cov
        after = spec(permissions=[P])
        before = spec(permissions=[Q])
        exp = {"ok": True, "grants_new_access": not cov,
               "permissions": {"added": [] if P == Q else [P], "removed": [] if P == Q else [Q]},
               "ip_allowlist": {"added": [], "removed": []},
               "new_access": [] if cov else [{"code": "diff.permission_not_covered", "path": "after.permissions[0]"}]}
        cs.append(df(f"cover: {Q} {'covers' if cov else 'does not cover'} {P}", before, after, exp))
    cs += [
        df("cover: another action never covers (update:org vs read:key:K)", spec(permissions=["balances:update:org"]),
           spec(permissions=["balances:read:key:key_1"])),
        df("cover: another type never covers (transaction:read:org vs balances:read:org)",
           spec(permissions=["transaction:read:org"]), spec(permissions=["balances:read:org"])),
        df("cover: two vault:V grants do not cover vault scope without resource (one member must cover)",
           spec(permissions=["balances:read:vault:vlt_1", "balances:read:vault:vlt_2"]),
           spec(permissions=["balances:read:vault"])),
        df("cover: key:K and vault:V do not cover key scope without resource",
           spec(permissions=["balances:read:key:key_1", "balances:read:vault:vlt_1"]),
           spec(permissions=["balances:read:key"])),
        df("cover: each after entry by a different before entry",
           spec(permissions=["vault:read:org", "key:update:vault", "balances:read:key"]),
           spec(permissions=["key:update:key:key_3", "vault:read:vault:vlt_9", "balances:read:key:key_1"])),
        df("cover: findings at the indexes of the uncovered entries only",
           spec(permissions=["vault:read:org", "balances:read:vault:vlt_1"]),
           spec(permissions=["vault:read:vault:vlt_1", "vault:update:org", "balances:read:vault:vlt_1",
                             "balances:read:vault:vlt_2", "audit:read:org"]),
           {"ok": True, "grants_new_access": True,
            "permissions": {"added": ["vault:read:vault:vlt_1", "vault:update:org", "balances:read:vault:vlt_2",
                                      "audit:read:org"], "removed": ["vault:read:org"]},
            "ip_allowlist": {"added": [], "removed": []},
            "new_access": [{"code": "diff.permission_not_covered", "path": "after.permissions[1]"},
                           {"code": "diff.permission_not_covered", "path": "after.permissions[3]"},
                           {"code": "diff.permission_not_covered", "path": "after.permissions[4]"}]}),
        df("cover: JSON-form entries on both sides",
           spec(permissions=[{"type": "key", "action": "read", "scope": "vault"}]),
           spec(permissions=[{"type": "key", "action": "read", "scope": "key", "resource": "key_1"},
                             {"type": "key", "action": "read", "scope": "org"}])),
    ]
    # IP coverage: the union of before's entries.
    cs += [
        df("ip: two /25 cover the /24", spec(ip_allowlist=["10.0.0.0/25", "10.0.0.128/25"]),
           spec(ip_allowlist=["10.0.0.0/24"]),
           same(ip_allowlist={"added": ["10.0.0.0/24"], "removed": ["10.0.0.0/25", "10.0.0.128/25"]})),
        df("ip: two /25 listed high first cover the /24", spec(ip_allowlist=["10.0.0.128/25", "10.0.0.0/25"]),
           spec(ip_allowlist=["10.0.0.0/24"])),
        df("ip: one /25 does not cover the /24 (partial coverage is new access)",
           spec(ip_allowlist=["10.0.0.0/25"]), spec(ip_allowlist=["10.0.0.0/24"]),
           {"ok": True, "grants_new_access": True, "permissions": {"added": [], "removed": []},
            "ip_allowlist": {"added": ["10.0.0.0/24"], "removed": ["10.0.0.0/25"]},
            "new_access": [{"code": "diff.ip_not_covered", "path": "after.ip_allowlist[0]"}]}),
        df("ip: the upper /25 alone does not cover the /24", spec(ip_allowlist=["10.0.0.128/25"]),
           spec(ip_allowlist=["10.0.0.0/24"])),
        df("ip: a gap in the middle (/26 + /25) is not covered",
           spec(ip_allowlist=["10.0.0.0/26", "10.0.0.128/25"]), spec(ip_allowlist=["10.0.0.0/24"])),
        df("ip: three pieces (/26 + /26 + /25) cover the /24",
           spec(ip_allowlist=["10.0.0.128/25", "10.0.0.0/26", "10.0.0.64/26"]), spec(ip_allowlist=["10.0.0.0/24"])),
        df("ip: two /24 across an octet boundary cover the /23",
           spec(ip_allowlist=["10.0.1.0/24", "10.0.0.0/24"]), spec(ip_allowlist=["10.0.0.0/23"])),
        df("ip: 10.0.0.0/24 + 10.0.2.0/24 do not cover 10.0.0.0/22",
           spec(ip_allowlist=["10.0.0.0/24", "10.0.2.0/24"]), spec(ip_allowlist=["10.0.0.0/22"])),
        df("ip: 0.0.0.0/0 before covers anything", spec(ip_allowlist=["0.0.0.0/0"]),
           spec(ip_allowlist=["203.0.113.7", "10.0.0.0/8", "255.255.255.255", "0.0.0.0"]),
           same(ip_allowlist={"added": ["203.0.113.7/32", "10.0.0.0/8", "255.255.255.255/32", "0.0.0.0/32"],
                              "removed": ["0.0.0.0/0"]})),
        df("ip: 0.0.0.0/0 after is not covered by a /24", base, spec(ip_allowlist=["0.0.0.0/0"]),
           {"ok": True, "grants_new_access": True, "permissions": {"added": [], "removed": []},
            "ip_allowlist": {"added": ["0.0.0.0/0"], "removed": ["203.0.113.0/24"]},
            "new_access": [{"code": "diff.ip_not_covered", "path": "after.ip_allowlist[0]"}]}),
        df("ip: 0.0.0.0/0 after is not covered by 0.0.0.0/1 + 128.0.0.0/2",
           spec(ip_allowlist=["0.0.0.0/1", "128.0.0.0/2"]), spec(ip_allowlist=["0.0.0.0/0"])),
        df("ip: 0.0.0.0/1 + 128.0.0.0/1 cover 0.0.0.0/0",
           spec(ip_allowlist=["128.0.0.0/1", "0.0.0.0/1"]), spec(ip_allowlist=["0.0.0.0/0"])),
        df("ip: the top address 255.255.255.255 covered by 255.255.255.254/31",
           spec(ip_allowlist=["255.255.255.254/31"]), spec(ip_allowlist=["255.255.255.255"])),
        df("ip: an address next to the old network is not covered",
           base, spec(ip_allowlist=["203.0.113.0/24", "203.0.114.0"]),
           same(grants_new_access=True, ip_allowlist={"added": ["203.0.114.0/32"], "removed": []},
                new_access=[{"code": "diff.ip_not_covered", "path": "after.ip_allowlist[1]"}])),
        df("ip: each uncovered entry at its own index",
           spec(ip_allowlist=["198.51.100.0/24"]),
           spec(ip_allowlist=["192.0.2.1", "198.51.100.7", "198.51.100.0/23", "198.51.100.128/25"])),
    ]
    # Environment: only when changed, either direction.
    cs += [
        df("environment sandbox -> production", base, spec(environment="production"),
           same(grants_new_access=True, environment={"before": "sandbox", "after": "production"},
                new_access=[{"code": "diff.environment_changed", "path": "after.environment"}])),
        df("environment production -> sandbox is a change too", spec(environment="production"), base,
           same(grants_new_access=True, environment={"before": "production", "after": "sandbox"},
                new_access=[{"code": "diff.environment_changed", "path": "after.environment"}])),
        df("environment unchanged (production)", spec(environment="production"), spec(environment="production"),
           same()),
    ]
    # Invalid specs: spec.invalid with every problem, paths prefixed.
    cs += [
        bad("invalid before: name too short", spec(name="abc"), base, [("before.name", "name.length")]),
        bad("invalid after: a bad permission and a bad ip entry", base,
            spec(permissions=["vault:read:org", "vault:frob:org"], ip_allowlist=["10.0.0.1/24"]),
            [("after.permissions[1]", "permission.unknown_action"), ("after.ip_allowlist[0]", "ip.host_bits_set")]),
        bad("both invalid at once: every problem of both, prefixed",
            spec(name="abc", environment="dev"),
            spec(permissions=[], description="abcd", ip_allowlist=["::1"]),
            [("before.name", "name.length"), ("before.environment", "environment.unknown"),
             ("after.description", "description.length"), ("after.permissions", "permissions.empty"),
             ("after.ip_allowlist[0]", "ip.ipv6_unsupported")]),
        bad("invalid after: duplicate permission at the later index",
            base, spec(permissions=["vault:read:org", "key:read:org", "vault:read:org"]),
            [("after.permissions[2]", "permissions.duplicate")]),
        bad("invalid before: unknown set type and a control character in the name",
            spec(permission_set_type="admin", name="Pay\u202ements"), base,
            [("before.name", "name.invalid_char"), ("before.permission_set_type", "set_type.unknown")]),
        bad("invalid after: too many ip entries",
            base, spec(ip_allowlist=["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5", "10.0.0.6",
                                     "10.0.0.7"]),
            [("after.ip_allowlist", "ip.too_many")]),
        bad("invalid before with an otherwise new-access after: only the errors",
            spec(ip_allowlist=["010.0.0.1"]), spec(permissions=["audit:read:org"], environment="production"),
            [("before.ip_allowlist[0]", "ip.invalid")]),
        case("input without after is a failure", "diff", {"before": base}, {"ok": False, "error": "input.invalid"}),
    ]
    return cs


FILE = "diff.json"
NAME = "diff"
COMMENT = (
    "diff (SPEC §11): permissions added/removed as canonical texts (text and JSON forms canonicalised), ip "
    "entries in CIDR form (a bare address is /32), environment only when changed; new_access: "
    "diff.permission_not_covered at after.permissions[i] for every line of the cover rule (org covers all; "
    "vault without resource covers vault and key scope; vault:V only vault:V, not key:K; key without resource "
    "covers key scope; key:K only key:K; another type or action never; one member must cover), "
    "diff.ip_not_covered at after.ip_allowlist[j] with the union of before's networks (two /25 cover a /24, "
    "gaps, 0.0.0.0/0), diff.environment_changed at after.environment in either direction; grants_new_access "
    "exactly when new_access is not empty; name, description and set type are not access; invalid before/after "
    "-> ok:false, spec.invalid, errors with before./after. prefixes (both at once too). added, removed and "
    "new_access compare as sets; messages are not pinned."
)
