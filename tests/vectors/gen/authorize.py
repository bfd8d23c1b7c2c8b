"""authorize.json: authorize (SPEC §2)."""

from .common import case


def az(name, perms, request, expect, org=None):
    inp = {"permissions": perms, "request": request}
    if org is not None:
        inp["org"] = org
    return case(name, "authorize", inp, expect)


def allow(matched):
    return {"allowed": True, "reason": "allow", "matched": matched}


def deny(near=None, reason="deny.no_matching_permission"):
    e = {"allowed": False, "reason": reason}
    if near is not None:
        e["near_misses"] = near
    return e


def req(t, a, vault=None, key=None, org=None, **extra):
    r = {"type": t, "action": a}
    if vault is not None:
        r["vault"] = vault
    if key is not None:
        r["key"] = key
    if org is not None:
        r["org"] = org
    r.update(extra)
    return r


def cases():
    cs = []
    ORG = req("balances", "read")
    VLT = req("balances", "read", vault="vlt_1")
    KEY = req("balances", "read", vault="vlt_1", key="key_1")
    # Match table, scope org: always.
    p = "balances:read:org"
    cs += [
        az("org scope allows an org-level request", [p], ORG, allow(p)),
        az("org scope allows a vault-level request", [p], VLT, allow(p)),
        az("org scope allows a key-level request", [p], KEY, allow(p)),
    ]
    # Scope vault, no resource: R names a vault.
    p = "balances:read:vault"
    cs += [
        az("vault scope without resource denies an org-level request", [p], ORG, deny([p])),
        az("vault scope without resource allows any vault", [p], VLT, allow(p)),
        az("vault scope without resource allows a key-level request (it names a vault)", [p], KEY, allow(p)),
    ]
    # Scope vault with resource.
    p = "balances:read:vault:vlt_1"
    cs += [
        az("vault scope on V denies an org-level request", [p], ORG, deny([p])),
        az("vault scope on V allows vault V", [p], VLT, allow(p)),
        az("vault scope on V denies vault W", [p], req("balances", "read", vault="vlt_2"), deny([p])),
        az("vault scope on V allows a key in vault V", [p], KEY, allow(p)),
        az("vault scope on V denies a key in vault W", [p], req("balances", "read", vault="vlt_2", key="key_1"),
           deny([p])),
        az("vault scope resource is compared exactly (case)", [p], req("balances", "read", vault="VLT_1"),
           deny([p])),
        az("vault scope resource is compared exactly (prefix)", [p], req("balances", "read", vault="vlt_10"),
           deny([p])),
        az("vault resource never matches the key id", [p], req("balances", "read", vault="vlt_2", key="vlt_1"),
           deny([p])),
    ]
    # Scope key, no resource: R names a key.
    p = "balances:read:key"
    cs += [
        az("key scope without resource denies an org-level request", [p], ORG, deny([p])),
        az("key scope without resource denies a vault-level request", [p], VLT, deny([p])),
        az("key scope without resource allows any key", [p], KEY, allow(p)),
    ]
    # Scope key with resource.
    p = "balances:read:key:key_1"
    cs += [
        az("key scope on K denies an org-level request", [p], ORG, deny([p])),
        az("key scope on K denies a vault-level request", [p], VLT, deny([p])),
        az("key scope on K denies a vault-level request on a vault named like K", [p],
           req("balances", "read", vault="key_1"), deny([p])),
        az("key scope on K allows key K", [p], KEY, allow(p)),
        az("key scope on K allows key K whatever its vault", [p],
           req("balances", "read", vault="vlt_9", key="key_1"), allow(p)),
        az("key scope on K denies key J", [p], req("balances", "read", vault="vlt_1", key="key_2"), deny([p])),
    ]
    # Creating things.
    cs += [
        az("vault:create with org scope allows creating a vault", ["vault:create:org"], req("vault", "create"),
           allow("vault:create:org")),
        az("vault:create with vault scope cannot create a vault", ["vault:create:vault"], req("vault", "create"),
           deny(["vault:create:vault"])),
        az("vault:create with vault scope on V cannot create a vault", ["vault:create:vault:vlt_1"],
           req("vault", "create"), deny(["vault:create:vault:vlt_1"])),
        az("key:create in V allowed by org scope", ["key:create:org"], req("key", "create", vault="vlt_1"),
           allow("key:create:org")),
        az("key:create in V allowed by vault scope on V", ["key:create:vault:vlt_1"],
           req("key", "create", vault="vlt_1"), allow("key:create:vault:vlt_1")),
        az("key:create in V allowed by vault scope without resource", ["key:create:vault"],
           req("key", "create", vault="vlt_1"), allow("key:create:vault")),
        az("key:create in V denied by vault scope on W", ["key:create:vault:vlt_2"],
           req("key", "create", vault="vlt_1"), deny(["key:create:vault:vlt_2"])),
        az("key:create in V denied by key scope", ["key:create:key"], req("key", "create", vault="vlt_1"),
           deny(["key:create:key"])),
        az("key-scoped permission never allows an org-level listing", ["key:read:key:key_1"], req("key", "read"),
           deny(["key:read:key:key_1"])),
        az("key-scoped transaction permission never allows a vault-level action",
           ["transaction:create:key"], req("transaction", "create", vault="vlt_1"),
           deny(["transaction:create:key"])),
    ]
    # Type and action must both match.
    cs += [
        az("other action does not match", ["balances:update:org"], VLT, deny()),
        az("other type does not match", ["transaction:read:org"], VLT, deny()),
        az("no permissions at all: deny by default", [], VLT, deny()),
        az("delete needs delete", ["policy:create:org", "policy:read:org", "policy:update:org"],
           req("policy", "delete", vault="vlt_1"), deny()),
    ]
    # matched = first matching permission in credential order.
    cs += [
        az("first match wins: vault scope listed first",
           ["balances:read:vault:vlt_1", "balances:read:org"], VLT, allow("balances:read:vault:vlt_1")),
        az("first match wins: org scope listed first",
           ["balances:read:org", "balances:read:vault:vlt_1"], VLT, allow("balances:read:org")),
        az("first match skips non-matching permissions",
           ["balances:read:vault:vlt_2", "transaction:read:org", "balances:read:key:key_1",
            "balances:read:vault"], KEY, allow("balances:read:key:key_1")),
        az("matched is printed in text form for a JSON permission",
           [{"type": "balances", "action": "read", "scope": "vault", "resource": "vlt_1"}], VLT,
           allow("balances:read:vault:vlt_1")),
        az("mixed text and JSON forms, JSON one matches first",
           ["vault:read:vault:vlt_2", {"type": "vault", "action": "read", "scope": "org"}, "vault:read:vault"],
           req("vault", "read", vault="vlt_1"), allow("vault:read:org")),
    ]
    # near_misses: same type and action only, as a set.
    cs += [
        az("near misses list every same type+action permission that did not cover",
           ["balances:read:vault:vlt_2", "balances:update:org", "transaction:read:org", "balances:read:key:key_1",
            "balances:read:key"],
           req("balances", "read", vault="vlt_1"),
           deny(["balances:read:vault:vlt_2", "balances:read:key:key_1", "balances:read:key"])),
        az("near misses in text form for JSON permissions",
           [{"type": "key", "action": "read", "scope": "key", "resource": "key_2"}, "key:delete:org"],
           req("key", "read", vault="vlt_1", key="key_1"), deny(["key:read:key:key_2"])),
    ]
    # Org.
    cs += [
        az("request org equal to the credential org", ["vault:read:org"], req("vault", "read", org="org_1"),
           allow("vault:read:org"), org="org_1"),
        az("request org different from the credential org", ["vault:read:org"],
           req("vault", "read", org="org_2"), deny(reason="deny.org_mismatch"), org="org_1"),
        az("org mismatch is checked before matching (nothing would match either)", ["key:read:org"],
           req("vault", "read", vault="vlt_1", org="org_2"), deny(reason="deny.org_mismatch"), org="org_1"),
        az("org compared exactly (case)", ["vault:read:org"], req("vault", "read", org="ORG_1"),
           deny(reason="deny.org_mismatch"), org="org_1"),
        az("request without org: no org check", ["vault:read:org"], req("vault", "read"), allow("vault:read:org"),
           org="org_1"),
        # Lead's decision: request names an org but the input has no "org" -> mismatch.
        az("request org given but no credential org -> org mismatch", ["vault:read:org"],
           req("vault", "read", org="org_1"), deny(reason="deny.org_mismatch")),
    ]
    # request.invalid
    E = {"error": "request.invalid"}
    good = ["vault:read:org"]
    r65 = "v" * 65
    cs += [
        az("request: unknown type", good, req("wallet", "read"), E),
        az("request: unknown action", good, req("vault", "list"), E),
        az("request: type in upper case is unknown", good, req("Vault", "read"), E),
        az("request: key without vault", ["key:read:org"], req("key", "read", key="key_1"), E),
        az("request: vault id with a slash", good, req("vault", "read", vault="v/1"), E),
        az("request: empty vault id", good, req("vault", "read", vault=""), E),
        az("request: 65-char vault id", good, req("vault", "read", vault=r65), E),
        az("request: key id with a space", ["key:read:org"], req("key", "read", vault="vlt_1", key="key 1"), E),
        az("request: vault id is a number", good, {"type": "vault", "action": "read", "vault": 7}, E),
        az("request: missing type", good, {"action": "read"}, E),
        az("request: missing action", good, {"type": "vault"}, E),
        # Lead's decisions: only type/action/vault/key/org; unknown fields are invalid; null = absent.
        az("request: unknown field", good, req("vault", "read", vault="vlt_1", wallet="w1"), E),
        az("request: scope is not a request field", good, req("vault", "read", scope="org"), E),
        az("request: null vault is absent", ["vault:create:org"],
           {"type": "vault", "action": "create", "vault": None, "key": None, "org": None},
           allow("vault:create:org")),
        az("request: 64-char ids accepted", ["key:read:key:" + "k" * 64],
           req("key", "read", vault="v" * 64, key="k" * 64), allow("key:read:key:" + "k" * 64)),
        az("request: id with every allowed character class", ["vault:read:vault:Az09_.-"],
           req("vault", "read", vault="Az09_.-"), allow("vault:read:vault:Az09_.-")),
    ]
    # Invalid permission in the list -> {"error": code}; input check order (lead's decision):
    # request.invalid, then permissions, then org, then matching.
    cs += [
        az("invalid permission after a matching one", ["vault:read:org", "vault:frob:org"],
           req("vault", "read"), {"error": "permission.unknown_action"}),
        az("unparseable permission", ["vault:read"], req("vault", "read"), {"error": "permission.invalid"}),
        az("permission with org-scope resource", ["vault:read:org:v1"], req("vault", "read"),
           {"error": "permission.resource_with_org_scope"}),
        az("permission scope not applicable", ["webhook:read:key"], req("webhook", "read"),
           {"error": "permission.scope_not_applicable"}),
        az("invalid JSON-form permission", [{"type": "vault", "action": "read"}], req("vault", "read"),
           {"error": "permission.invalid"}),
        az("order: invalid request before invalid permission", ["wallet:read:org"], req("wallet", "read"),
           {"error": "request.invalid"}),
        az("order: invalid permission before org mismatch", ["vault:read:galaxy"],
           req("vault", "read", org="org_2"), {"error": "permission.unknown_scope"}, org="org_1"),
    ]
    return cs


FILE = "authorize.json"
NAME = "authorize"
COMMENT = (
    "authorize (SPEC §2): every line of the match table (org scope always; vault scope with and without "
    "resource; key scope with and without resource; key scope never allows org- or vault-level requests; "
    "vault:create needs org scope; key:create in V), `matched` = first matching permission in credential "
    "order (text form), near_misses (same type and action only, as a set), org equality (deny.org_mismatch), "
    "request.invalid (unknown type/action, key without vault, ids outside the resource grammar, unknown "
    "fields), invalid permissions -> {error}, and the input check order request -> permissions -> org -> match."
)
