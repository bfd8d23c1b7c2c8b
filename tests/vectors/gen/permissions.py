"""permissions.json: parse_permission (SPEC §1)."""

from .common import case
from .data.permission_cases import RESOURCE_BAD_CHARS, STRUCTURE_INVALID, TEXT_ERRORS


TYPES = ["vault", "key", "balances", "transaction", "address", "policy", "webhook", "audit"]
ACTIONS = ["create", "read", "update", "delete"]
SCOPES = ["org", "vault", "key"]
# SPEC §1 applicability table, copied row by row.
APPLICABLE = {
    "vault": {"org": True, "vault": True, "key": False},
    "key": {"org": True, "vault": True, "key": True},
    "balances": {"org": True, "vault": True, "key": True},
    "transaction": {"org": True, "vault": True, "key": True},
    "address": {"org": True, "vault": True, "key": False},
    "policy": {"org": True, "vault": True, "key": False},
    "webhook": {"org": True, "vault": False, "key": False},
    "audit": {"org": True, "vault": False, "key": False},
}


def perm_obj(t, a, s, r=None):
    o = {"type": t, "action": a, "scope": s}
    if r is not None:
        o["resource"] = r
    return o


def pp_ok(name, text, t, a, s, r=None):
    canon = f"{t}:{a}:{s}" + (f":{r}" if r is not None else "")
    return case(name, "parse_permission", {"text": text},
                {"ok": True, "canonical": canon, "permission": perm_obj(t, a, s, r)})


def pp_err(name, text, code):
    return case(name, "parse_permission", {"text": text}, {"ok": False, "error": code})


def pj_ok(name, obj, canon, parsed):
    return case(name, "parse_permission", {"permission": obj},
                {"ok": True, "canonical": canon, "permission": parsed})


def pj_err(name, obj, code):
    return case(name, "parse_permission", {"permission": obj}, {"ok": False, "error": code})


def cases():
    cs = []
    # Every row x column of the applicability table, without and with a resource.
    for t in TYPES:
        for s in SCOPES:
            text = f"{t}:read:{s}"
            if APPLICABLE[t][s]:
                cs.append(pp_ok(f"table {t} x {s}: allowed", text, t, "read", s))
            else:
                cs.append(pp_err(f"table {t} x {s}: scope_not_applicable", text,
                                 "permission.scope_not_applicable"))
            if s != "org":
                text_r = f"{t}:update:{s}:res_1"
                if APPLICABLE[t][s]:
                    cs.append(pp_ok(f"table {t} x {s} with resource: allowed", text_r, t, "update", s, "res_1"))
                else:
                    cs.append(pp_err(f"table {t} x {s} with resource: scope_not_applicable", text_r,
                                     "permission.scope_not_applicable"))
    # Every action.
    for a in ACTIONS:
        cs.append(pp_ok(f"action {a}", f"policy:{a}:org", "policy", a, "org"))
        cs.append(pp_ok(f"action {a} on a key resource", f"key:{a}:key:key_7", "key", a, "key", "key_7"))

    # Resource grammar: 1..64 of [A-Za-z0-9_.-].
    r64 = "v" * 64
    r65 = "v" * 65
    cs += [
        pp_ok("resource of 1 character", "balances:read:vault:v", "balances", "read", "vault", "v"),
        pp_ok("resource of 64 characters", f"balances:read:vault:{r64}", "balances", "read", "vault", r64),
        pp_err("resource of 65 characters", f"balances:read:vault:{r65}", "permission.invalid_resource"),
        pp_ok("resource uses every allowed character class",
              "balances:read:vault:AZaz09_.-", "balances", "read", "vault", "AZaz09_.-"),
        pp_ok("resource keeps its upper case", "key:read:key:KEY_Main", "key", "read", "key", "KEY_Main"),
        pp_ok("resource made of dots only", "key:read:key:...", "key", "read", "key", "..."),
        pp_ok("resource made of dashes only", "key:read:key:---", "key", "read", "key", "---"),
        pp_ok("resource made of digits only", "key:read:key:0123", "key", "read", "key", "0123"),
    ]
    for ch, label in RESOURCE_BAD_CHARS:
        cs.append(pp_err(f"resource with {label} is invalid", f"balances:read:vault:v{ch}1",
                         "permission.invalid_resource"))
    cs.append(pp_err("resource that is only a star", "balances:read:vault:*", "permission.invalid_resource"))

    # Structure -> permission.invalid
    for text, label in STRUCTURE_INVALID:
        cs.append(pp_err(f"invalid: {label}", text, "permission.invalid"))

    # Check order, first failure wins; then one case per code.
    cs += [pp_err(*row) for row in TEXT_ERRORS]

    # JSON form.
    cs += [
        pj_ok("json: org scope", {"type": "vault", "action": "read", "scope": "org"}, "vault:read:org",
              perm_obj("vault", "read", "org")),
        pj_ok("json: vault scope with resource", {"type": "balances", "action": "read", "scope": "vault",
                                                  "resource": "vlt_01"},
              "balances:read:vault:vlt_01", perm_obj("balances", "read", "vault", "vlt_01")),
        pj_ok("json: members in another order",
              {"resource": "key_3", "scope": "key", "action": "delete", "type": "transaction"},
              "transaction:delete:key:key_3", perm_obj("transaction", "delete", "key", "key_3")),
        pj_ok("json: 64-char resource", {"type": "key", "action": "create", "scope": "vault", "resource": r64},
              f"key:create:vault:{r64}", perm_obj("key", "create", "vault", r64)),
        pj_err("json: missing type", {"action": "read", "scope": "org"}, "permission.invalid"),
        pj_err("json: missing action", {"type": "vault", "scope": "org"}, "permission.invalid"),
        pj_err("json: missing scope", {"type": "vault", "action": "read"}, "permission.invalid"),
        pj_err("json: type is a number", {"type": 1, "action": "read", "scope": "org"}, "permission.invalid"),
        pj_err("json: action is null", {"type": "vault", "action": None, "scope": "org"}, "permission.invalid"),
        pj_err("json: scope is an array", {"type": "vault", "action": "read", "scope": ["org"]},
               "permission.invalid"),
        pj_err("json: resource is a number", {"type": "key", "action": "read", "scope": "key", "resource": 7},
               "permission.invalid"),
        pj_err("json: unknown type", {"type": "wallet", "action": "read", "scope": "org"},
               "permission.unknown_type"),
        pj_err("json: unknown action", {"type": "vault", "action": "list", "scope": "org"},
               "permission.unknown_action"),
        pj_err("json: unknown scope", {"type": "vault", "action": "read", "scope": "galaxy"},
               "permission.unknown_scope"),
        pj_err("json: invalid resource", {"type": "key", "action": "read", "scope": "key", "resource": "k/1"},
               "permission.invalid_resource"),
        pj_err("json: 65-char resource", {"type": "key", "action": "read", "scope": "key", "resource": r65},
               "permission.invalid_resource"),
        pj_err("json: resource with org scope", {"type": "vault", "action": "read", "scope": "org",
                                                 "resource": "v1"},
               "permission.resource_with_org_scope"),
        pj_err("json: scope not applicable", {"type": "webhook", "action": "read", "scope": "vault"},
               "permission.scope_not_applicable"),
        pj_err("json: order, unknown type before unknown action",
               {"type": "wallet", "action": "frob", "scope": "org"}, "permission.unknown_type"),
        pj_err("json: order, invalid resource before scope_not_applicable",
               {"type": "audit", "action": "read", "scope": "key", "resource": "!!"},
               "permission.invalid_resource"),
    ]
    return cs


FILE = "permissions.json"
NAME = "permissions"
COMMENT = (
    "parse_permission (SPEC §1): every type, action and scope; all 8x3 cells of the applicability "
    "table with and without a resource; the resource grammar (1 and 64 chars ok, 65 invalid, only "
    "[A-Za-z0-9_.-]); structure errors (segment count, empty segments, whitespace) -> permission.invalid; "
    "the check order (invalid -> unknown_type -> unknown_action -> unknown_scope -> invalid_resource -> "
    "resource_with_org_scope -> scope_not_applicable), each proven with an input that also fails a later "
    "check; the JSON form, valid and invalid (missing or non-string member -> permission.invalid)."
)
