"""lifecycle_host_ops.json: docs/LIFECYCLE.md's operations on records and usage that are not in
CONFORMANCE.md's table (create_credential with expires_at, update_credential's new actions,
rotate_secret, verify_secret, suggest). Like decisions_host_ops.json, a runner of only that
table can leave this file out; every credgate host runs it.

Expectations are written from docs/LIFECYCLE.md and docs/DECISIONS.md ("Credentials"), not
from the core: secrets are computed from the entropy here, suggestions by a model of
"Usage, and suggest" (hand-written expectations asserted equal to it), diffs by diff.py's
model of SPEC §11. updated_at is not pinned on the new actions (the docs say only that it is
"the last status change").
"""

import hashlib

from .common import NOW, case
from .decisions_host_ops import expected_created, secret_of
from .diff import canon, covers, model_diff
from .explain import narrowest
from .issue import credential, sha
from .preview import model_matches, parse_text
from .spec import spec

DAY = 86400


def ent(label, n=32):
    return hashlib.sha256(label.encode()).digest()[:n]


GEN_A = secret_of(ent("credgate-conformance-secret-a"), "production")
GEN_B = secret_of(ent("credgate-conformance-secret-b"), "production")


def rec(**over):
    """A version-2 record whose secrets are well-formed production secrets."""
    base = dict(secrets=[{"sha256": sha(GEN_A), "created_at": 1799990000}])
    base.update(over)
    return credential(**base)


def sec(secret, created_at, expires_at=None, last_used_at=None):
    s = {"sha256": sha(secret), "created_at": created_at}
    if expires_at is not None:
        s["expires_at"] = expires_at
    if last_used_at is not None:
        s["last_used_at"] = last_used_at
    return s


def no_updated_at(record):
    return {k: v for k, v in record.items() if k != "updated_at"}


# ------------------------------------------------------------------------------ suggest model

def chain_narrowest(p, request):
    """The narrowest permission on the chain key -> vault -> org (explain's narrowest) that P covers."""
    t, a = request["type"], request["action"]
    vault, key = request.get("vault"), request.get("key")
    chain = []
    n = narrowest(t, a, vault, key)
    chain.append(n)
    if key is not None and vault is not None and n.split(":")[2] == "key":
        chain.append(narrowest(t, a, vault, None))
    chain.append(f"{t}:{a}:org")
    for q in chain:
        if covers(p, q):
            return q
    raise AssertionError((p, request))


def model_suggest(s, usage, now=None, unused_after_days=90):
    perms = [canon(p) for p in s["permissions"]]
    attributed = {i: [] for i in range(len(perms))}
    for u in usage:
        r = u["request"]
        for i, p in enumerate(perms):
            if model_matches(parse_text(p), r["type"], r["action"], r.get("vault"), r.get("key")):
                attributed[i].append(u)
                break
    out_perms, removed, narrowed = [], [], []
    for i, p in enumerate(perms):
        uses = attributed[i]
        if now is not None:
            uses = [u for u in uses if now - u["last_at"] <= unused_after_days * DAY]
        if not uses:
            removed.append(p)
            continue
        to = []
        for u in uses:
            q = chain_narrowest(p, u["request"])
            if q not in to:
                to.append(q)
        if to == [p] or len(out_perms) + len(to) + (len(perms) - i - 1) > 100:
            out_perms.append(p)
        else:
            out_perms += to
            narrowed.append({"from": p, "to": to})
    if not out_perms:
        return {"ok": True, "unused_credential": True}
    after = dict(s, permissions=out_perms)
    d = model_diff(s, after)
    assert d["grants_new_access"] is False and d["new_access"] == []
    return {"ok": True, "spec": {"permissions": out_perms}, "removed": removed, "narrowed": narrowed, "diff": d}


def use(t, a, vault=None, key=None, last_at=NOW - DAY, count=4):
    r = {"type": t, "action": a}
    if vault is not None:
        r["vault"] = vault
    if key is not None:
        r["key"] = key
    return {"request": r, "last_at": last_at, "count": count}


def sg(name, s, usage, expect=None, now=None, unused_after_days=None):
    inp = {"spec": s, "usage": usage}
    if now is not None:
        inp["now"] = now
    if unused_after_days is not None:
        inp["unused_after_days"] = unused_after_days
    model = model_suggest(s, usage, now, unused_after_days if unused_after_days is not None else 90)
    if expect is None:
        expect = model
    else:
        assert expect == model, (name, expect, model)
    return case(name, "suggest", inp, expect)


def suggest_cases():
    cs = []
    s1 = spec(permissions=["balances:read:org", "webhook:read:org", "vault:read:org"])
    cs.append(sg("suggest: narrows a used org permission in place, removes an unused one, keeps one already narrowest",
                 s1, [use("balances", "read", "vlt_1"), use("vault", "read")],
                 {"ok": True, "spec": {"permissions": ["balances:read:vault:vlt_1", "vault:read:org"]},
                  "removed": ["webhook:read:org"],
                  "narrowed": [{"from": "balances:read:org", "to": ["balances:read:vault:vlt_1"]}],
                  "diff": {"ok": True, "grants_new_access": False,
                           "permissions": {"added": ["balances:read:vault:vlt_1"],
                                           "removed": ["balances:read:org", "webhook:read:org"]},
                           "ip_allowlist": {"added": [], "removed": []}, "new_access": []}}))
    cs.append(sg("suggest: the suggestion's diff never grants new access (pinned)",
                 spec(permissions=["key:read:org", {"type": "balances", "action": "read", "scope": "vault"},
                                   "transaction:create:vault:vlt_1", "vault:read:org"],
                      ip_allowlist=["203.0.113.7", "198.51.100.0/24"], environment="production"),
                 [use("key", "read", "vlt_1", "key_1"), use("balances", "read", "vlt_2", "key_2"),
                  use("transaction", "create", "vlt_1", "key_3"), use("vault", "read", "vlt_1")],
                 {"ok": True,
                  "spec": {"permissions": ["key:read:key:key_1", "balances:read:key:key_2",
                                           "transaction:create:vault:vlt_1", "vault:read:vault:vlt_1"]},
                  "removed": [],
                  "narrowed": [{"from": "key:read:org", "to": ["key:read:key:key_1"]},
                               {"from": "balances:read:vault", "to": ["balances:read:key:key_2"]},
                               {"from": "vault:read:org", "to": ["vault:read:vault:vlt_1"]}],
                  "diff": {"ok": True, "grants_new_access": False,
                           "permissions": {"added": ["key:read:key:key_1", "balances:read:key:key_2",
                                                     "vault:read:vault:vlt_1"],
                                           "removed": ["key:read:org", "balances:read:vault", "vault:read:org"]},
                           "ip_allowlist": {"added": [], "removed": []}, "new_access": []}}))
    cs += [
        sg("suggest: vault:V used on a key in V stays (key:K is not covered by vault:V)",
           spec(permissions=["balances:read:vault:vlt_1"]), [use("balances", "read", "vlt_1", "key_1")],
           {"ok": True, "spec": {"permissions": ["balances:read:vault:vlt_1"]}, "removed": [], "narrowed": [],
            "diff": {"ok": True, "grants_new_access": False, "permissions": {"added": [], "removed": []},
                     "ip_allowlist": {"added": [], "removed": []}, "new_access": []}}),
        sg("suggest: a type without key scope narrows to vault scope (policy), an org-only type stays (webhook)",
           spec(permissions=["policy:update:org", "webhook:read:org"], permission_set_type="controls"),
           [use("policy", "update", "vlt_1", "key_1"), use("webhook", "read", "vlt_1")]),
        sg("suggest: key scope without resource narrows to each key used, in first-use order",
           spec(permissions=["balances:read:key"]),
           [use("balances", "read", "vlt_1", "key_2"), use("balances", "read", "vlt_1", "key_1")],
           {"ok": True, "spec": {"permissions": ["balances:read:key:key_2", "balances:read:key:key_1"]},
            "removed": [],
            "narrowed": [{"from": "balances:read:key", "to": ["balances:read:key:key_2", "balances:read:key:key_1"]}],
            "diff": {"ok": True, "grants_new_access": False,
                     "permissions": {"added": ["balances:read:key:key_2", "balances:read:key:key_1"],
                                     "removed": ["balances:read:key"]},
                     "ip_allowlist": {"added": [], "removed": []}, "new_access": []}}),
        sg("suggest: replacements deduplicated (vault type: a key-level and a vault-level use give vault:V once)",
           spec(permissions=["vault:read:org"]),
           [use("vault", "read", "vlt_1", "key_1"), use("vault", "read", "vlt_2"), use("vault", "read", "vlt_1")],
           {"ok": True, "spec": {"permissions": ["vault:read:vault:vlt_1", "vault:read:vault:vlt_2"]},
            "removed": [],
            "narrowed": [{"from": "vault:read:org", "to": ["vault:read:vault:vlt_1", "vault:read:vault:vlt_2"]}],
            "diff": {"ok": True, "grants_new_access": False,
                     "permissions": {"added": ["vault:read:vault:vlt_1", "vault:read:vault:vlt_2"],
                                     "removed": ["vault:read:org"]},
                     "ip_allowlist": {"added": [], "removed": []}, "new_access": []}}),
        sg("suggest: uses attributed to the first permission that allows them",
           spec(permissions=["balances:read:vault:vlt_9", "balances:read:key:key_1", "vault:read:org"]),
           [use("balances", "read", "vlt_9", "key_1"), use("vault", "read")]),
        sg("suggest: with now, a permission last used more than 90 days ago is removed",
           spec(permissions=["balances:read:org", "vault:read:org"]),
           [use("balances", "read", "vlt_1", last_at=NOW - 90 * DAY - 1), use("vault", "read", last_at=NOW - 90 * DAY)],
           {"ok": True, "spec": {"permissions": ["vault:read:org"]}, "removed": ["balances:read:org"], "narrowed": [],
            "diff": {"ok": True, "grants_new_access": False,
                     "permissions": {"added": [], "removed": ["balances:read:org"]},
                     "ip_allowlist": {"added": [], "removed": []}, "new_access": []}}, now=NOW),
        sg("suggest: unused_after_days 7", spec(permissions=["balances:read:org", "vault:read:org"]),
           [use("balances", "read", "vlt_1", last_at=NOW - 8 * DAY), use("vault", "read", last_at=NOW - 6 * DAY)],
           now=NOW, unused_after_days=7),
        sg("suggest: without now old uses still count", spec(permissions=["balances:read:org", "vault:read:org"]),
           [use("balances", "read", "vlt_1", last_at=1), use("vault", "read", last_at=1)]),
        sg("suggest: nothing used -> unused_credential, no spec", spec(), [],
           {"ok": True, "unused_credential": True}),
        sg("suggest: only uses that no permission allows -> unused_credential", spec(),
           [use("audit", "read"), use("balances", "read", "vlt_2")],
           {"ok": True, "unused_credential": True}),
    ]
    # 100 permissions, all used; one would become two -> it stays.
    p99 = [f"vault:read:vault:v{i}" for i in range(99)]
    u99 = [use("vault", "read", f"v{i}") for i in range(99)]
    s100 = spec(permissions=["balances:read:org"] + p99)
    cs.append(sg("suggest: a replacement that would pass 100 permissions keeps the permission", s100,
                 [use("balances", "read", "vlt_a"), use("balances", "read", "vlt_b")] + u99,
                 {"ok": True, "spec": {"permissions": ["balances:read:org"] + p99}, "removed": [], "narrowed": [],
                  "diff": {"ok": True, "grants_new_access": False, "permissions": {"added": [], "removed": []},
                           "ip_allowlist": {"added": [], "removed": []}, "new_access": []}}))
    s99 = spec(permissions=["balances:read:org"] + p99[:98])
    cs.append(sg("suggest: a replacement reaching exactly 100 permissions is made", s99,
                 [use("balances", "read", "vlt_a"), use("balances", "read", "vlt_b")] + u99[:98]))
    assert len(model_suggest(s99, [use("balances", "read", "vlt_a"), use("balances", "read", "vlt_b")] + u99[:98])
               ["spec"]["permissions"]) == 100
    cs += [
        case("suggest: an invalid spec -> spec.invalid with every problem", "suggest",
             {"spec": spec(name="abc", permissions=["vault:read:org", "vault:read:org"]), "usage": []},
             {"ok": False, "error": "spec.invalid", "errors": [{"path": "name", "code": "name.length"},
                                                               {"path": "permissions[1]",
                                                                "code": "permissions.duplicate"}]}),
        case("suggest: 10,001 usage entries -> input.invalid", "suggest",
             {"spec": spec(), "usage": [{}] * 10001}, {"ok": False, "error": "input.invalid"}),
    ]
    return cs


# ------------------------------------------------------------------------------ records

def uc(name, cred, action, expect, now=NOW + 5, **members):
    inp = {"credential": cred, "action": action, "now": now}
    inp.update(members)
    return case(name, "update_credential", inp, expect)


def record_cases():
    cs = []
    e48 = ent("credgate-conformance-entropy-1") + ent("credgate-conformance-entropy-2", 16)
    s = spec(environment="production")
    cs += [
        case("create_credential: expires_at stored on the record", "create_credential",
             {"spec": s, "org": "org_acme", "now": NOW, "entropy": e48.hex(), "expires_at": NOW + 90 * DAY},
             expected_created(s, "org_acme", NOW, e48, expires_at=NOW + 90 * DAY)),
        case("create_credential: record version 2 with one secret created now", "create_credential",
             {"spec": s, "org": "org_acme", "now": NOW, "entropy": e48.hex()}, expected_created(s, "org_acme", NOW, e48)),
        case("create_credential: expires_at = now is refused (it must be after now)", "create_credential",
             {"spec": s, "org": "org_acme", "now": NOW, "entropy": e48.hex(), "expires_at": NOW}, {"ok": False}),
    ]
    base = rec()
    two = rec(secrets=[sec(GEN_A, 1799990000, expires_at=NOW + DAY), sec(GEN_B, 1799999000)])
    new_spec = spec(name="Renamed backend", description="", permission_set_type="transactions",
                    permissions=[{"type": "transaction", "action": "read", "scope": "org"}, "key:read:vault:vlt_2"],
                    ip_allowlist=["192.0.2.7", "198.51.100.0/24"], environment="sandbox")
    replaced = no_updated_at(dict(base, name="Renamed backend", description=None, permission_set_type="transactions",
                                  permissions=["transaction:read:org", "key:read:vault:vlt_2"],
                                  ip_allowlist=["192.0.2.7", "198.51.100.0/24"], environment="sandbox"))
    cs += [
        uc("set_spec: name, description, set type, permissions (canonical), allowlist, environment replaced",
           base, "set_spec", {"ok": True, "credential": replaced}, spec=new_spec),
        uc("set_spec: an invalid spec -> spec.invalid with every problem", base, "set_spec",
           {"ok": False, "error": "spec.invalid", "errors": [{"path": "name", "code": "name.length"},
                                                             {"path": "ip_allowlist[0]", "code": "ip.invalid"}]},
           spec=spec(name="abc", ip_allowlist=["010.0.0.1"])),
        uc("set_expiry: an integer", base, "set_expiry", {"ok": True, "credential": dict(
            no_updated_at(base), expires_at=NOW + 30 * DAY)}, expires_at=NOW + 30 * DAY),
        uc("set_expiry: null for never", rec(expires_at=NOW + DAY), "set_expiry",
           {"ok": True, "credential": {"client_id": base["client_id"], "secrets": base["secrets"]}}, expires_at=None),
        uc("set_expiry: a string is input.invalid", base, "set_expiry", {"ok": False, "error": "input.invalid"},
           expires_at="tomorrow"),
        uc("secret_used: sets last_used_at of secret 1", two, "secret_used",
           {"ok": True, "credential": {"secrets": [two["secrets"][0], dict(two["secrets"][1], last_used_at=NOW + 5)]}},
           secret=1),
        uc("secret_used: replaces an earlier last_used_at of secret 0",
           rec(secrets=[sec(GEN_A, 1799990000, last_used_at=1799990100)]), "secret_used",
           {"ok": True, "credential": {"secrets": [sec(GEN_A, 1799990000, last_used_at=NOW + 5)]}}, secret=0),
        uc("secret_used: an index past the secrets is refused", base, "secret_used", {"ok": False}, secret=1),
        uc("revoke_secret: the older of two", two, "revoke_secret",
           {"ok": True, "credential": {"secrets": [two["secrets"][1]]}}, secret=0),
        uc("revoke_secret: the newer of two", two, "revoke_secret",
           {"ok": True, "credential": {"secrets": [two["secrets"][0]]}}, secret=1),
        uc("revoke_secret: the last secret -> credential.secret_required", base, "revoke_secret",
           {"ok": False, "error": "credential.secret_required"}, secret=0),
        uc("revoke_secret: an expired secret can be removed",
           rec(secrets=[sec(GEN_A, 1799990000, expires_at=NOW - DAY), sec(GEN_B, 1799999000)]), "revoke_secret",
           {"ok": True, "credential": {"secrets": [sec(GEN_B, 1799999000)]}}, secret=0),
    ]
    deleted = rec(status="deleted", secrets=two["secrets"])
    for action, members in [("set_spec", {"spec": spec()}), ("set_expiry", {"expires_at": NOW + DAY}),
                            ("secret_used", {"secret": 0}), ("revoke_secret", {"secret": 0})]:
        cs.append(uc(f"{action} on a deleted credential -> credential.deleted", deleted, action,
                     {"ok": False, "error": "credential.deleted"}, **members))
    cs.append(uc("revoke_secret: deleted is reported before the last secret",
                 rec(status="deleted"), "revoke_secret", {"ok": False, "error": "credential.deleted"}, secret=0))

    # rotate_secret
    e32 = ent("credgate-conformance-rotate-1")
    new_live = secret_of(e32, "production")
    new_test = secret_of(e32, "sandbox")

    def rs(name, cred, expect, grace=DAY, now=NOW, entropy=e32):
        return case(name, "rotate_secret",
                    {"credential": cred, "now": now, "entropy": entropy.hex(), "grace_seconds": grace}, expect)

    def rotated(secrets, client_secret=new_live):
        return {"ok": True, "credential": {"secrets": secrets}, "client_secret": client_secret}

    NEW = {"sha256": sha(new_live), "created_at": NOW}
    cs += [
        rs("rotate: the current secret gets now + grace, the new one is appended", base,
           rotated([dict(base["secrets"][0], expires_at=NOW + DAY), NEW])),
        rs("rotate: a sandbox credential's new secret is cgs_test_", rec(environment="sandbox"),
           rotated([dict(base["secrets"][0], expires_at=NOW + DAY), {"sha256": sha(new_test), "created_at": NOW}],
                   new_test)),
        rs("rotate: grace 0 drops the current secret at once", base, rotated([NEW]), grace=0),
        rs("rotate: grace 30 days is the most", base,
           rotated([dict(base["secrets"][0], expires_at=NOW + 30 * DAY), NEW]), grace=30 * DAY),
        rs("rotate: grace over 30 days is refused", base, {"ok": False}, grace=30 * DAY + 1),
        rs("rotate: a negative grace is refused", base, {"ok": False}, grace=-1),
        rs("rotate: the current secret's earlier expires_at is kept (min)",
           rec(secrets=[sec(GEN_A, 1799990000, expires_at=NOW + 100)]),
           rotated([sec(GEN_A, 1799990000, expires_at=NOW + 100), NEW])),
        rs("rotate: a later expires_at is capped at now + grace",
           rec(secrets=[sec(GEN_A, 1799990000, expires_at=NOW + 10 * DAY)]),
           rotated([sec(GEN_A, 1799990000, expires_at=NOW + DAY), NEW])),
        rs("rotate: two live secrets -> credential.secret_limit", two, {"ok": False, "error": "credential.secret_limit"}),
        rs("rotate: two live secrets, one in its last second -> credential.secret_limit",
           rec(secrets=[sec(GEN_A, 1799990000, expires_at=NOW + 1), sec(GEN_B, 1799999000)]),
           {"ok": False, "error": "credential.secret_limit"}),
        rs("rotate: an expired older secret is dropped first, then the rotation proceeds",
           rec(secrets=[sec(GEN_A, 1799990000, expires_at=NOW), sec(GEN_B, 1799999000)]),
           rotated([sec(GEN_B, 1799999000, expires_at=NOW + DAY), NEW])),
        rs("rotate: the last_used_at of the current secret is kept",
           rec(secrets=[sec(GEN_A, 1799990000, last_used_at=1799999999)]),
           rotated([sec(GEN_A, 1799990000, expires_at=NOW + DAY, last_used_at=1799999999), NEW])),
        rs("rotate: 31 bytes of entropy -> entropy.insufficient", base,
           {"ok": False, "error": "entropy.insufficient"}, entropy=e32[:31]),
        rs("rotate: a deleted credential -> credential.deleted", rec(status="deleted"),
           {"ok": False, "error": "credential.deleted"}),
    ]

    # verify_secret
    def vs(name, cred, secret, expect, now=NOW):
        inp = {"credential": cred, "client_secret": secret}
        if now is not None:
            inp["now"] = now
        return case(name, "verify_secret", inp, expect)

    typo = GEN_A[:-1] + ("a" if GEN_A[-1] != "a" else "b")
    other = secret_of(ent("credgate-conformance-secret-c"), "production")
    cs += [
        vs("verify_secret: the older live secret -> 0", two, GEN_A, {"ok": True, "valid": True, "well_formed": True,
                                                                   "secret": 0}),
        vs("verify_secret: the newer -> 1", two, GEN_B, {"ok": True, "valid": True, "well_formed": True, "secret": 1}),
        vs("verify_secret: the older at its expires_at is not valid", two, GEN_A,
           {"ok": True, "valid": False, "well_formed": True}, now=NOW + DAY),
        vs("verify_secret: another well-formed secret is not valid", two, other,
           {"ok": True, "valid": False, "well_formed": True}),
        vs("verify_secret: a checksum typo is not well-formed", two, typo,
           {"ok": True, "valid": False, "well_formed": False}),
        vs("verify_secret: a short string", two, "nope", {"ok": True, "valid": False, "well_formed": False}),
        vs("verify_secret: a record version 1 -> credential.invalid",
           {k: v for k, v in dict(base, secret_sha256=sha(GEN_A)).items() if k != "secrets"}, GEN_A,
           {"ok": False, "error": "credential.invalid"}),
    ]
    return cs


def cases():
    return record_cases() + suggest_cases()


FILE = "lifecycle_host_ops.json"
NAME = "lifecycle_host_ops"
COMMENT = (
    "docs/LIFECYCLE.md operations beyond CONFORMANCE.md's table (a runner of only that table can leave this "
    "file out): create_credential making a version-2 record (secrets: [{sha256, created_at}], expires_at), "
    "update_credential's set_spec (canonical permissions, \"\" description stored as null, spec.invalid), "
    "set_expiry, secret_used, revoke_secret (credential.secret_required), credential.deleted for each; "
    "rotate_secret (the new secret computed from the entropy; current secret expires_at = min(its own, now + "
    "grace); expired secrets dropped first; credential.secret_limit with two live secrets; grace 0 ... 30 days); "
    "verify_secret (valid, well_formed, secret index, expired secrets); suggest (narrowing on the chain key -> "
    "vault -> org within the cover rule, in place and in first-use order, removal of unused permissions, "
    "unused_after_days, the 100-permission cap, unused_credential, spec.invalid, and a diff that grants no new "
    "access). updated_at is not pinned by the new actions."
)
