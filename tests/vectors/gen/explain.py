"""explain.json: explain (SPEC §10, docs/LIFECYCLE.md "explain").

Expectations come from a model written here from SPEC §2 (the match rule, first match in
credential order, near misses) and §10 (narrowest on the chain key -> vault -> org following
§1's scope table), not from the core. Hand-written expectations are asserted equal to the
model's, so a slip in either shows up when the generator runs.
"""

from .authorize import req
from .common import case
from .permissions import APPLICABLE, TYPES
from .preview import model_matches, parse_text


def text_of(p):
    parts = p if isinstance(p, tuple) else parse_text(p)
    return ":".join(x for x in parts if x is not None)


def narrowest(t, a, vault=None, key=None):
    """SPEC §10: key scope on K when the request names K and the type has key scope; else vault
    scope on V when it names V and the type has vault scope; else org scope."""
    if key is not None and APPLICABLE[t]["key"]:
        return f"{t}:{a}:key:{key}"
    if vault is not None and APPLICABLE[t]["vault"]:
        return f"{t}:{a}:vault:{vault}"
    return f"{t}:{a}:org"


def model_explain(perms, request, org=None):
    """authorize's decision (SPEC §2) plus narrowest / wider_than_needed (SPEC §10)."""
    t, a = request["type"], request["action"]
    vault, key = request.get("vault"), request.get("key")
    if request.get("org") is not None and request["org"] != org:
        return {"allowed": False, "reason": "deny.org_mismatch"}
    parsed = [parse_text(p) for p in perms]
    n = narrowest(t, a, vault, key)
    for q in parsed:
        if model_matches(q, t, a, vault, key):
            m = text_of(q)
            return {"allowed": True, "reason": "allow", "matched": m, "narrowest": n, "wider_than_needed": m != n}
    near = [text_of(q) for q in parsed if q[0] == t and q[1] == a]
    out = {"allowed": False, "reason": "deny.no_matching_permission"}
    if near:
        out["near_misses"] = near
    out["narrowest"] = n
    return out


def ex(name, perms, request, expect=None, org=None):
    inp = {"permissions": perms, "request": request}
    if org is not None:
        inp["org"] = org
    model = model_explain(perms, request, org)
    if expect is None:
        expect = model
    else:
        assert expect == model, (name, expect, model)
    return case(name, "explain", inp, expect)


def err(name, perms, request, expect, org=None):
    inp = {"permissions": perms, "request": request}
    if org is not None:
        inp["org"] = org
    return case(name, "explain", inp, expect)


def cases():
    cs = []
    ORG = req("balances", "read")
    VLT = req("balances", "read", vault="vlt_1")
    KEY = req("balances", "read", vault="vlt_1", key="key_1")

    # Narrowest for each type x request level, allowed by the org-scope permission: the
    # scope table decides (vault/address/policy have no key scope, webhook/audit only org).
    expected_narrowest = {
        ("vault", "key"): "vault:read:vault:vlt_1",
        ("key", "key"): "key:read:key:key_1",
        ("balances", "key"): "balances:read:key:key_1",
        ("transaction", "key"): "transaction:read:key:key_1",
        ("address", "key"): "address:read:vault:vlt_1",
        ("policy", "key"): "policy:read:vault:vlt_1",
        ("webhook", "key"): "webhook:read:org",
        ("audit", "key"): "audit:read:org",
        ("webhook", "vault"): "webhook:read:org",
        ("audit", "vault"): "audit:read:org",
    }
    for t in TYPES:
        for level, r in [("org-level", req(t, "read")), ("vault-level", req(t, "read", vault="vlt_1")),
                         ("key-level", req(t, "read", vault="vlt_1", key="key_1"))]:
            lvl = level.split("-")[0]
            n = narrowest(t, "read", r.get("vault"), r.get("key"))
            want = expected_narrowest.get((t, lvl), {"org": f"{t}:read:org", "vault": f"{t}:read:vault:vlt_1",
                                                     "key": f"{t}:read:key:key_1"}[lvl])
            assert n == want, (t, lvl, n, want)
            p = f"{t}:read:org"
            cs.append(ex(f"narrowest: {t} {level} request, allowed by org scope (wider {n != p})", [p], r,
                         {"allowed": True, "reason": "allow", "matched": p, "narrowest": n,
                          "wider_than_needed": n != p}))
    # Narrowest on a deny too (no permission of the type at all; and every type's key-level request).
    for t in TYPES:
        r = req(t, "update", vault="vlt_1", key="key_1")
        cs.append(ex(f"narrowest on a deny without near misses: {t} key-level request", ["audit:read:org"]
                     if t != "audit" else ["webhook:read:org"], r,
                     {"allowed": False, "reason": "deny.no_matching_permission",
                      "narrowest": narrowest(t, "update", "vlt_1", "key_1")}))

    # wider_than_needed true / false.
    cs += [
        ex("wider false: key:K allows key K", ["balances:read:key:key_1"], KEY,
           {"allowed": True, "reason": "allow", "matched": "balances:read:key:key_1",
            "narrowest": "balances:read:key:key_1", "wider_than_needed": False}),
        ex("wider true: key scope without resource allows key K", ["balances:read:key"], KEY,
           {"allowed": True, "reason": "allow", "matched": "balances:read:key",
            "narrowest": "balances:read:key:key_1", "wider_than_needed": True}),
        ex("wider true: vault:V allows key K in V (key scope would do)", ["balances:read:vault:vlt_1"], KEY,
           {"allowed": True, "reason": "allow", "matched": "balances:read:vault:vlt_1",
            "narrowest": "balances:read:key:key_1", "wider_than_needed": True}),
        ex("wider true: vault scope without resource allows a key", ["balances:read:vault"], KEY),
        ex("wider false: vault:V allows vault V", ["balances:read:vault:vlt_1"], VLT,
           {"allowed": True, "reason": "allow", "matched": "balances:read:vault:vlt_1",
            "narrowest": "balances:read:vault:vlt_1", "wider_than_needed": False}),
        ex("wider true: vault scope without resource allows vault V", ["balances:read:vault"], VLT,
           {"allowed": True, "reason": "allow", "matched": "balances:read:vault",
            "narrowest": "balances:read:vault:vlt_1", "wider_than_needed": True}),
        ex("wider true: org scope allows vault V", ["balances:read:org"], VLT),
        ex("wider false: org scope allows an org-level request", ["balances:read:org"], ORG,
           {"allowed": True, "reason": "allow", "matched": "balances:read:org", "narrowest": "balances:read:org",
            "wider_than_needed": False}),
        ex("wider false: vault:V allows a vault-type key-level request (vault has no key scope)",
           ["vault:read:vault:vlt_1"], req("vault", "read", vault="vlt_1", key="key_1"),
           {"allowed": True, "reason": "allow", "matched": "vault:read:vault:vlt_1",
            "narrowest": "vault:read:vault:vlt_1", "wider_than_needed": False}),
        ex("wider false: policy vault:V for a key-level policy request (policy has no key scope)",
           ["policy:update:vault:vlt_1"], req("policy", "update", vault="vlt_1", key="key_1"),
           {"allowed": True, "reason": "allow", "matched": "policy:update:vault:vlt_1",
            "narrowest": "policy:update:vault:vlt_1", "wider_than_needed": False}),
        ex("wider false: webhook org scope for a vault-level request (webhook is org only)",
           ["webhook:delete:org"], req("webhook", "delete", vault="vlt_1"),
           {"allowed": True, "reason": "allow", "matched": "webhook:delete:org", "narrowest": "webhook:delete:org",
            "wider_than_needed": False}),
        ex("wider false: vault:create needs org scope", ["vault:create:org"], req("vault", "create"),
           {"allowed": True, "reason": "allow", "matched": "vault:create:org", "narrowest": "vault:create:org",
            "wider_than_needed": False}),
        ex("wider true: key:create in V allowed by org scope", ["key:create:org"], req("key", "create", vault="vlt_1"),
           {"allowed": True, "reason": "allow", "matched": "key:create:org", "narrowest": "key:create:vault:vlt_1",
            "wider_than_needed": True}),
        ex("wider false: key:create in V allowed by vault scope on V", ["key:create:vault:vlt_1"],
           req("key", "create", vault="vlt_1"),
           {"allowed": True, "reason": "allow", "matched": "key:create:vault:vlt_1",
            "narrowest": "key:create:vault:vlt_1", "wider_than_needed": False}),
        ex("wider false: JSON-form permission printed as text equals narrowest",
           [{"type": "balances", "action": "read", "scope": "key", "resource": "key_1"}], KEY,
           {"allowed": True, "reason": "allow", "matched": "balances:read:key:key_1",
            "narrowest": "balances:read:key:key_1", "wider_than_needed": False}),
        ex("wider true: JSON-form org permission", [{"type": "transaction", "action": "create", "scope": "org"}],
           req("transaction", "create", vault="vlt_1", key="key_1"),
           {"allowed": True, "reason": "allow", "matched": "transaction:create:org",
            "narrowest": "transaction:create:key:key_1", "wider_than_needed": True}),
    ]
    # matched is the first match in credential order, even when a narrower one follows.
    cs += [
        ex("first match: org listed before key:K -> matched org, wider true",
           ["balances:read:org", "balances:read:key:key_1"], KEY,
           {"allowed": True, "reason": "allow", "matched": "balances:read:org",
            "narrowest": "balances:read:key:key_1", "wider_than_needed": True}),
        ex("first match: key:K listed before org -> matched key:K, wider false",
           ["balances:read:key:key_1", "balances:read:org"], KEY,
           {"allowed": True, "reason": "allow", "matched": "balances:read:key:key_1",
            "narrowest": "balances:read:key:key_1", "wider_than_needed": False}),
        ex("first match skips non-matching permissions",
           ["balances:read:vault:vlt_2", "transaction:read:org", "balances:read:vault", "balances:read:key:key_1"],
           KEY, {"allowed": True, "reason": "allow", "matched": "balances:read:vault",
                 "narrowest": "balances:read:key:key_1", "wider_than_needed": True}),
    ]
    # Denies: near misses as authorize's, narrowest present.
    cs += [
        ex("deny: vault:W near miss, narrowest vault:V", ["balances:read:vault:vlt_2"], VLT,
           {"allowed": False, "reason": "deny.no_matching_permission", "near_misses": ["balances:read:vault:vlt_2"],
            "narrowest": "balances:read:vault:vlt_1"}),
        ex("deny: key scope never allows a vault-level request, narrowest vault:V",
           ["balances:read:key:key_1", "balances:read:key", "balances:update:org"], VLT,
           {"allowed": False, "reason": "deny.no_matching_permission",
            "near_misses": ["balances:read:key:key_1", "balances:read:key"], "narrowest": "balances:read:vault:vlt_1"}),
        ex("deny: key:J near miss, narrowest key:K", ["balances:read:key:key_2"], KEY,
           {"allowed": False, "reason": "deny.no_matching_permission", "near_misses": ["balances:read:key:key_2"],
            "narrowest": "balances:read:key:key_1"}),
        ex("deny: vault:create with vault scope, narrowest org", ["vault:create:vault:vlt_1"], req("vault", "create"),
           {"allowed": False, "reason": "deny.no_matching_permission", "near_misses": ["vault:create:vault:vlt_1"],
            "narrowest": "vault:create:org"}),
        ex("deny: other action only, narrowest key:K", ["balances:update:org"], KEY,
           {"allowed": False, "reason": "deny.no_matching_permission", "narrowest": "balances:read:key:key_1"}),
        ex("deny: no permissions at all", [], VLT,
           {"allowed": False, "reason": "deny.no_matching_permission", "narrowest": "balances:read:vault:vlt_1"}),
    ]
    # Org: matching org -> decision with narrowest; mismatch -> deny.org_mismatch (narrowest absent:
    # the JSON-subset comparison cannot pin an absent member; the case pins the reason).
    cs += [
        ex("org equal: allowed, narrowest as usual", ["balances:read:org"],
           req("balances", "read", vault="vlt_1", org="org_1"),
           {"allowed": True, "reason": "allow", "matched": "balances:read:org",
            "narrowest": "balances:read:vault:vlt_1", "wider_than_needed": True}, org="org_1"),
        ex("org equal: denied, narrowest present", ["balances:read:vault:vlt_2"],
           req("balances", "read", vault="vlt_1", org="org_1"),
           {"allowed": False, "reason": "deny.no_matching_permission", "near_misses": ["balances:read:vault:vlt_2"],
            "narrowest": "balances:read:vault:vlt_1"}, org="org_1"),
        ex("org mismatch: deny.org_mismatch (no narrowest: no permission fixes it)", ["balances:read:org"],
           req("balances", "read", vault="vlt_1", org="org_2"),
           {"allowed": False, "reason": "deny.org_mismatch"}, org="org_1"),
        ex("org mismatch even though a permission would match the rest", ["balances:read:key:key_1"],
           req("balances", "read", vault="vlt_1", key="key_1", org="ORG_1"),
           {"allowed": False, "reason": "deny.org_mismatch"}, org="org_1"),
        ex("request org but no credential org -> org mismatch", ["vault:read:org"],
           req("vault", "read", org="org_1"), {"allowed": False, "reason": "deny.org_mismatch"}),
        ex("request without org: no org check", ["vault:read:org"], req("vault", "read"),
           {"allowed": True, "reason": "allow", "matched": "vault:read:org", "narrowest": "vault:read:org",
            "wider_than_needed": False}, org="org_1"),
    ]
    # Errors: authorize's, identical (request.invalid; permission.* with its index).
    RI = {"ok": False, "error": "request.invalid"}
    good = ["vault:read:org"]
    cs += [
        err("error: request unknown type", good, req("wallet", "read"), RI),
        err("error: request unknown action", good, req("vault", "list"), RI),
        err("error: request key without vault", ["key:read:org"], req("key", "read", key="key_1"), RI),
        err("error: request vault id outside the grammar", good, req("vault", "read", vault="v/1"), RI),
        err("error: request 65-char key id", ["key:read:org"], req("key", "read", vault="vlt_1", key="k" * 65), RI),
        err("error: request unknown field", good, req("vault", "read", scope="org"), RI),
        err("error: request missing action", good, {"type": "vault"}, RI),
        err("error: invalid permission after a matching one, with its index", ["vault:read:org", "vault:frob:org"],
            req("vault", "read"), {"ok": False, "error": "permission.unknown_action", "index": 1}),
        err("error: unparseable permission at index 0", ["vault:read"], req("vault", "read"),
            {"ok": False, "error": "permission.invalid", "index": 0}),
        err("error: scope not applicable (webhook vault scope) at index 2",
            ["webhook:read:org", "audit:read:org", "webhook:read:vault"], req("webhook", "read"),
            {"ok": False, "error": "permission.scope_not_applicable", "index": 2}),
        err("error: scope not applicable (vault type, key scope)", ["vault:read:key:key_1"],
            req("vault", "read", vault="vlt_1", key="key_1"),
            {"ok": False, "error": "permission.scope_not_applicable", "index": 0}),
        err("error: resource with org scope", ["vault:read:org:v1"], req("vault", "read"),
            {"ok": False, "error": "permission.resource_with_org_scope", "index": 0}),
        err("error: invalid resource", ["key:read:org", "key:read:key:k!"], req("key", "read"),
            {"ok": False, "error": "permission.invalid_resource", "index": 1}),
        err("error: JSON-form permission without scope", [{"type": "vault", "action": "read"}], req("vault", "read"),
            {"ok": False, "error": "permission.invalid", "index": 0}),
        err("error order: invalid request before invalid permission", ["wallet:read:org"], req("wallet", "read"), RI),
        err("error order: invalid permission before org mismatch", ["vault:read:galaxy"],
            req("vault", "read", org="org_2"), {"ok": False, "error": "permission.unknown_scope", "index": 0},
            org="org_1"),
        err("error: permissions not an array", "vault:read:org", req("vault", "read"),
            {"ok": False, "error": "input.invalid"}),
    ]
    return cs


FILE = "explain.json"
NAME = "explain"
COMMENT = (
    "explain (SPEC §10): authorize's decision plus narrowest = the narrowest single permission allowing the "
    "request on the chain key:K -> vault:V -> org following §1's scope table (vault, address, policy have no "
    "key scope; webhook and audit are org only), for every type at org, vault and key level; "
    "wider_than_needed (allow only) = matched != narrowest, true and false; matched = first match in credential "
    "order even when a narrower permission follows; narrowest present on deny.no_matching_permission and "
    "absent on deny.org_mismatch (absence cannot be pinned by a subset comparison: those cases pin the reason); "
    "near_misses as authorize's (a set); errors identical to authorize's: request.invalid, permission.* with "
    "the index of the first bad entry, the order request -> permissions -> org, input.invalid."
)
