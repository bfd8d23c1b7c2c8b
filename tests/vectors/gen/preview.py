"""preview.json: preview (docs/PREVIEW.md)."""

from .common import case
from .permissions import ACTIONS, TYPES


# Expectations are computed here from docs/PREVIEW.md and SPEC §2's match rules (a model
# written for this file), not read from the core. The order of ids inside `vaults`/`keys`
# is not documented, so every case lists at most one id per list or gives them sorted.


def parse_text(p):
    if isinstance(p, dict):
        return p["type"], p["action"], p["scope"], p.get("resource")
    parts = p.split(":")
    return parts[0], parts[1], parts[2], (parts[3] if len(parts) == 4 else None)


def model_matches(perm, t, a, vault, key):
    pt, pa, ps, pr = perm
    if (pt, pa) != (t, a):
        return False
    if ps == "org":
        return True
    if ps == "vault":
        return vault is not None and (pr is None or pr == vault)
    return key is not None and (pr is None or pr == key)


def model_preview(perms, resources=None):
    parsed = [parse_text(p) for p in perms]
    out = {"ok": True, "permissions": [":".join(x for x in q if x is not None) for q in parsed], "grants": []}
    for t in TYPES:
        for a in ACTIONS:
            rel = [q for q in parsed if q[0] == t and q[1] == a]
            if not rel:
                continue
            org = any(q[2] == "org" for q in rel)
            all_vaults = org or any(q[2] == "vault" and q[3] is None for q in rel)
            all_keys = all_vaults or any(q[2] == "key" and q[3] is None for q in rel)
            named_v = sorted({q[3] for q in rel if q[2] == "vault" and q[3] is not None})
            named_k = sorted({q[3] for q in rel if q[2] == "key" and q[3] is not None})
            out["grants"].append({"type": t, "action": a, "org": org, "all_vaults": all_vaults,
                                  "vaults": [] if all_vaults else named_v, "all_keys": all_keys,
                                  "keys": [] if all_keys else named_k})
    if resources is not None:
        def allowed(vault, key):
            return [f"{t}:{a}" for t in TYPES for a in ACTIONS
                    if any(model_matches(q, t, a, vault, key) for q in parsed)]
        view = {"org": allowed(None, None), "vaults": {}, "keys": {}}
        for v, keys in resources.get("vaults", {}).items():
            view["vaults"][v] = allowed(v, None)
            for k in keys:
                view["keys"][f"{v}/{k}"] = allowed(v, k)
        out["resources"] = view
    return out


def pv(name, perms, resources=None, expect=None):
    inp = {"permissions": perms}
    if resources is not None:
        inp["resources"] = resources
    return case(name, "preview", inp, expect if expect is not None else model_preview(perms, resources))


def cases():
    doc_perms = ["balances:read:vault:v1", "key:read:org"]
    doc_res = {"vaults": {"v1": ["k1"]}}
    # The worked example of docs/PREVIEW.md, written out by hand; the model must agree with it.
    doc_example = {
        "ok": True,
        "permissions": ["balances:read:vault:v1", "key:read:org"],
        "grants": [
            {"type": "key", "action": "read", "org": True, "all_vaults": True, "vaults": [], "all_keys": True,
             "keys": []},
            {"type": "balances", "action": "read", "org": False, "all_vaults": False, "vaults": ["v1"],
             "all_keys": False, "keys": []},
        ],
        "resources": {"org": ["key:read"], "vaults": {"v1": ["key:read", "balances:read"]},
                      "keys": {"v1/k1": ["key:read", "balances:read"]}},
    }
    assert model_preview(doc_perms, doc_res) == doc_example
    E = {"ok": False, "error": "request.invalid"}
    cs = [
        pv("docs/PREVIEW.md worked example", doc_perms, doc_res, doc_example),
        pv("without resources: grants only", doc_perms),
        pv("org scope: org-level, every vault and every key", ["vault:read:org"]),
        pv("vault scope without resource: every vault and every key, no org-level", ["balances:read:vault"]),
        pv("vault scope on V: only V (and its keys)", ["balances:read:vault:vlt_1"]),
        pv("key scope without resource: every key, no vault", ["key:update:key"]),
        pv("key scope on K: only K", ["key:update:key:key_9"]),
        pv("org scope wins over narrower permissions of the same type and action",
           ["balances:read:vault:vlt_1", "balances:read:key:key_1", "balances:read:org"]),
        pv("vault scope without resource wins over named vaults and keys",
           ["balances:read:vault:vlt_1", "balances:read:vault", "balances:read:key:key_1"]),
        pv("key scope without resource with a named vault", ["key:read:key", "key:read:vault:vlt_2"]),
        pv("named vault and named key together", ["transaction:create:vault:vlt_1", "transaction:create:key:key_2"]),
        pv("grants in vocabulary order (types, then actions), whatever the input order",
           ["audit:read:org", "key:delete:org", "vault:update:org", "key:create:vault", "vault:create:org",
            "webhook:read:org"]),
        pv("JSON-form permissions are printed in text form",
           [{"type": "balances", "action": "read", "scope": "vault", "resource": "vlt_1"},
            {"type": "vault", "action": "read", "scope": "org"}]),
        pv("no permissions: no grants", []),
        pv("resources: vaults with and without keys",
           ["vault:read:org", "balances:read:vault:vlt_1", "key:update:key:key_9", "transaction:read:key"],
           {"vaults": {"vlt_1": ["key_1", "key_9"], "vlt_2": ["key_9"], "vlt_3": []}}),
        pv("resources: key scope allows nothing at org or vault level",
           ["key:read:key:key_1"], {"vaults": {"vlt_1": ["key_1", "key_2"]}}),
        pv("resources: vault:create needs org scope", ["vault:create:org", "key:create:vault:vlt_1"],
           {"vaults": {"vlt_1": [], "vlt_2": []}}),
        pv("resources: empty object gives the org level only", ["vault:read:org"], {}),
        pv("resources: no vaults", ["balances:read:vault"], {"vaults": {}}),
        pv("bad permission -> its code and index", ["vault:read:org", "key:read:org", "vault:frob:org"],
           expect={"ok": False, "error": "permission.unknown_action", "index": 2}),
        pv("bad permission: the first bad one is reported", ["wallet:read:org", "vault:read:galaxy"],
           expect={"ok": False, "error": "permission.unknown_type", "index": 0}),
        pv("bad JSON-form permission", ["vault:read:org", {"type": "vault", "action": "read"}],
           expect={"ok": False, "error": "permission.invalid", "index": 1}),
        pv("resource with org scope in preview", ["balances:read:org:vlt_1"],
           expect={"ok": False, "error": "permission.resource_with_org_scope", "index": 0}),
        pv("bad vault id in resources -> request.invalid", ["vault:read:org"], {"vaults": {"v/1": []}}, E),
        pv("empty vault id in resources -> request.invalid", ["vault:read:org"], {"vaults": {"": []}}, E),
        pv("65-char vault id in resources -> request.invalid", ["vault:read:org"], {"vaults": {"v" * 65: []}}, E),
        pv("bad key id in resources -> request.invalid", ["vault:read:org"], {"vaults": {"vlt_1": ["k 1"]}}, E),
    ]
    return cs


FILE = "preview.json"
NAME = "preview"
COMMENT = (
    "preview (docs/PREVIEW.md), generated by generate.py from a model of the documented shape and SPEC §2's "
    "match rules (checked against the doc's worked example): `permissions` in text form, `grants` per type and "
    "action in vocabulary order with org/all_vaults/vaults/all_keys/keys for org, vault and key scopes with and "
    "without resources, `resources` (org level, each vault, each vault/key) when given, a bad permission -> "
    "{ok:false, error, index}, a bad vault or key id -> request.invalid."
)
