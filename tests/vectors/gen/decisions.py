"""decisions.json: the decisions of docs/DECISIONS.md (where the SPEC is silent)."""

import hashlib

from .common import DROP, IAT, SEEDS, b64u, base_claims, case, hdr, jwk, mint
from .permissions import perm_obj, pj_err, pj_ok, pp_err
from .authorize import allow, az, deny, req
from .spec import spec, vs
from .ip import ipc
from .tokens import OTHER_AUD, ok_claims, vt
from .check import c_allow, c_deny, ck
from .token_requests import BAD_REQ, FORM, GRANT, MALFORMED, NO_AUTH, basic, tr, tr_ok
from .issue import credential, it, it_err, it_ok


# Every case name starts with "decision (<section>: <the decision>)" so a reader can find
# the line of docs/DECISIONS.md it pins. Decisions already pinned by the files above
# (e.g. the allowlist error order in ip.json, the issuance order in issue.json) are not
# repeated here.

P25519 = 2**255 - 19
D25519 = (-121665 * pow(121666, P25519 - 2, P25519)) % P25519


def is_ed25519_point(enc: bytes) -> bool:
    """RFC 8032 §5.1.3 point decoding: y < p and (y^2-1)/(d*y^2+1) has a square root."""
    y = int.from_bytes(enc, "little") & ((1 << 255) - 1)
    if y >= P25519:
        return False
    u = (y * y - 1) % P25519
    v = (D25519 * y * y + 1) % P25519
    x2 = u * pow(v, P25519 - 2, P25519) % P25519
    if x2 == 0:
        return not enc[31] >> 7
    return pow(x2, (P25519 - 1) // 2, P25519) == 1


def not_a_point() -> bytes:
    """32 bytes (canonical y < p) that are not the encoding of any Ed25519 point."""
    for i in range(100):
        cand = hashlib.sha256(b"credgate-not-a-point-%d" % i).digest()
        cand = cand[:31] + bytes([cand[31] & 0x7F])
        if not is_ed25519_point(cand):
            return cand
    raise AssertionError("not found")


# Fixed WWW-Authenticate challenges of the edge path (docs/DECISIONS.md "The edge path":
# every 403 is insufficient_scope; descriptions are fixed text, never user input). The docs
# do not spell the description texts out: these (and the two constants below) are the texts
# the core prints, pinned so that every host prints the same bytes.
def challenge_403(description):
    return 'Bearer realm="credgate", error="insufficient_scope", error_description="' + description + '"'


# One description for every invalid_client refusal at issuance (docs/DECISIONS.md).
INVALID_CLIENT_DESCRIPTION = "client authentication failed"
BASIC_CHALLENGE = 'Basic realm="credgate", charset="UTF-8"'


def cases():
    cs = []
    k1, k2 = SEEDS["k1"], SEEDS["k2"]

    # ---- Permissions and requests
    d = "decision (permissions: words are exact lower case, JSON form checked like text)"
    cs += [
        pp_err(f"{d}: Vault:read:org -> unknown_type", "Vault:read:org", "permission.unknown_type"),
        pp_err(f"{d}: vault:READ:org -> unknown_action", "vault:READ:org", "permission.unknown_action"),
        pp_err(f"{d}: vault:read:ORG -> unknown_scope", "vault:read:ORG", "permission.unknown_scope"),
        pj_err(f"{d}: JSON type Vault -> unknown_type", {"type": "Vault", "action": "read", "scope": "org"},
               "permission.unknown_type"),
        pj_err(f"{d}: JSON action READ -> unknown_action", {"type": "vault", "action": "READ", "scope": "org"},
               "permission.unknown_action"),
    ]
    d = "decision (permissions: JSON form takes exactly type, action, scope, resource; null resource = none)"
    cs += [
        pj_err(f"{d}: another member -> invalid",
               {"type": "vault", "action": "read", "scope": "org", "note": "x"}, "permission.invalid"),
        pj_err(f"{d}: resource \"\" -> invalid_resource",
               {"type": "balances", "action": "read", "scope": "vault", "resource": ""},
               "permission.invalid_resource"),
        pj_ok(f"{d}: resource null on vault scope is absent",
              {"type": "balances", "action": "read", "scope": "vault", "resource": None},
              "balances:read:vault", perm_obj("balances", "read", "vault")),
        pj_ok(f"{d}: resource null on org scope is absent (no resource_with_org_scope)",
              {"type": "vault", "action": "read", "scope": "org", "resource": None},
              "vault:read:org", perm_obj("vault", "read", "org")),
        az(f"{d}: resource null in authorize matches any vault",
           [{"type": "vault", "action": "read", "scope": "vault", "resource": None}],
           req("vault", "read", vault="vlt_1"), allow("vault:read:vault")),
    ]
    d = "decision (requests: exactly type, action, vault, key, org; other members are request.invalid)"
    cs += [
        az(f"{d}: misspelt vualt in authorize", ["vault:read:org"],
           {"type": "vault", "action": "read", "vualt": "vlt_1"}, {"error": "request.invalid"}),
    ]
    d = "decision (requests: the org id follows the resource grammar)"
    cs += [
        az(f"{d}: org with a slash", ["vault:read:org"], req("vault", "read", org="org/1"),
           {"error": "request.invalid"}, org="org/1"),
        az(f"{d}: empty org", ["vault:read:org"], req("vault", "read", org=""), {"error": "request.invalid"}),
        az(f"{d}: 65-char org", ["vault:read:org"], req("vault", "read", org="o" * 65),
           {"error": "request.invalid"}, org="o" * 65),
        az(f"{d}: org a number", ["vault:read:org"], {"type": "vault", "action": "read", "org": 1},
           {"error": "request.invalid"}),
        az(f"{d}: 64-char org accepted", ["vault:read:org"], req("vault", "read", org="o" * 64),
           allow("vault:read:org"), org="o" * 64),
    ]
    d = "decision (authorize: request, then permissions, then org, then matching)"
    cs += [
        az(f"{d}: two invalid permissions -> the first one's code and index",
           ["vault:read:org", "vault:frob:org", "wallet:read:org"], req("vault", "read"),
           {"ok": False, "error": "permission.unknown_action", "index": 1}),
        az(f"{d}: request naming an org when no org is given -> org_mismatch (fail closed)",
           ["balances:read:org"], req("balances", "read", vault="vlt_1", org="org_1"),
           deny(reason="deny.org_mismatch")),
    ]
    d = "decision (authorize: near_misses lists same type and action only)"
    cs += [
        az(f"{d}: near_misses is [] when nothing is a near miss",
           ["balances:read:vault:vlt_2", "transaction:read:org"], req("transaction", "update"), deny([])),
    ]

    # ---- Allowlists
    d = "decision (allowlists: duplicates compare networks, the later entry is reported)"
    cs += [
        ipc(f"{d}: 203.0.113.7 then 203.0.113.7/32", ["203.0.113.7", "203.0.113.7/32"], "203.0.113.7",
            "ip.duplicate"),
        vs(f"{d}: 203.0.113.7 then 203.0.113.7/32 in a spec",
           spec(ip_allowlist=["203.0.113.7", "203.0.113.7/32"]), [("ip_allowlist[1]", "ip.duplicate")]),
        vs(f"{d}: 203.0.113.7/32 then 203.0.113.7 in a spec",
           spec(ip_allowlist=["198.51.100.0/24", "203.0.113.7/32", "203.0.113.7"]),
           [("ip_allowlist[2]", "ip.duplicate")]),
    ]
    d = "decision (allowlists: entries are IPv4 only, an IPv4-mapped IPv6 entry too is IPv6)"
    cs += [
        ipc(f"{d}: ::ffff:203.0.113.7 entry", ["::ffff:203.0.113.7"], "203.0.113.7", "ip.ipv6_unsupported"),
        vs(f"{d}: ::ffff:203.0.113.7 entry in a spec", spec(ip_allowlist=["::ffff:203.0.113.7"]),
           [("ip_allowlist[0]", "ip.ipv6_unsupported")]),
    ]
    d = "decision (client address: strict dotted quad or IPv6; spaces, brackets, zones, leading zeros invalid)"
    cs += [
        ipc(f"{d}: 010.0.0.1", ["0.0.0.0/0"], "010.0.0.1", "invalid"),
        ipc(f"{d}: 203.0.113.07", ["0.0.0.0/0"], "203.0.113.07", "invalid"),
        ipc(f"{d}: trailing space", ["0.0.0.0/0"], "203.0.113.7 ", "invalid"),
        ipc(f"{d}: bracketed IPv6", ["0.0.0.0/0"], "[::1]", "invalid"),
        ipc(f"{d}: bracketed IPv4-mapped IPv6", ["203.0.113.7"], "[::ffff:203.0.113.7]", "invalid"),
        ipc(f"{d}: IPv6 with a zone", ["0.0.0.0/0"], "fe80::1%eth0", "invalid"),
    ]
    d = "decision (client address: IPv4-mapped IPv6 in either notation is that IPv4 address)"
    cs += [
        ipc(f"{d}: hex ::ffff:cb00:7107 allowed by 203.0.113.0/24", ["203.0.113.0/24"], "::ffff:cb00:7107", True),
        ipc(f"{d}: hex ::ffff:cb00:7107 is 203.0.113.7", ["203.0.113.7"], "::ffff:cb00:7107", True),
        ipc(f"{d}: hex ::FFFF:CB00:7107 in upper case", ["203.0.113.7"], "::FFFF:CB00:7107", True),
        ipc(f"{d}: hex ::ffff:cb00:7107 outside 198.51.100.0/24", ["198.51.100.0/24"], "::ffff:cb00:7107", False),
    ]

    # ---- Specs
    d = "decision (specs: missing or wrongly typed members get the member's own code)"
    cs += [
        vs(f"{d}: missing name -> name.length", spec(name=DROP), [("name", "name.length")]),
        vs(f"{d}: name a number -> name.length", spec(name=12345), [("name", "name.length")]),
        vs(f"{d}: missing set type -> set_type.unknown", spec(permission_set_type=DROP),
           [("permission_set_type", "set_type.unknown")]),
        vs(f"{d}: missing permissions -> permissions.empty", spec(permissions=DROP),
           [("permissions", "permissions.empty")]),
        vs(f"{d}: missing ip_allowlist -> ip.empty", spec(ip_allowlist=DROP), [("ip_allowlist", "ip.empty")]),
        vs(f"{d}: missing environment -> environment.unknown", spec(environment=DROP),
           [("environment", "environment.unknown")]),
        vs(f"{d}: empty object -> all five at once", {}, [
            ("name", "name.length"), ("permission_set_type", "set_type.unknown"),
            ("permissions", "permissions.empty"), ("ip_allowlist", "ip.empty"),
            ("environment", "environment.unknown")]),
    ]
    d = "decision (specs: a spec that is not a JSON object is spec.invalid at path \"\")"
    cs += [
        vs(f"{d}: an array", ["Payments backend"], [("", "spec.invalid")]),
        vs(f"{d}: null", None, [("", "spec.invalid")]),
    ]
    d = "decision (specs: a name both too short and with a control character gets both problems)"
    cs += [
        vs(f"{d}: 4 characters with U+0001", spec(name="ab\u0001c"),
           [("name", "name.length"), ("name", "name.invalid_char")]),
    ]
    d = ("decision (specs: too_many is reported at the list's path; the entries within the limit are "
         "checked, those past it are not (SPEC 9: bounded work))")
    p101 = [f"vault:read:vault:v{i}" for i in range(100)] + ["vault:frob:org"]
    p101_early = ["vault:frob:org"] + [f"vault:read:vault:v{i}" for i in range(100)]
    cs += [
        vs(f"{d}: 101 permissions, the last one invalid", spec(permissions=p101),
           [("permissions", "permissions.too_many")]),
        vs(f"{d}: 101 permissions, the first one invalid", spec(permissions=p101_early),
           [("permissions", "permissions.too_many"), ("permissions[0]", "permission.unknown_action")]),
        vs(f"{d}: 7 ip entries, the seventh invalid",
           spec(ip_allowlist=["203.0.113.1", "203.0.113.2", "198.51.100.0/24", "192.0.2.0/25", "10.0.0.0/8",
                              "172.16.0.0/12", "010.0.0.1"]),
           [("ip_allowlist", "ip.too_many")]),
        vs(f"{d}: 7 ip entries, the sixth invalid",
           spec(ip_allowlist=["203.0.113.1", "203.0.113.2", "198.51.100.0/24", "192.0.2.0/25", "10.0.0.0/8",
                              "010.0.0.1", "172.16.0.0/12"]),
           [("ip_allowlist", "ip.too_many"), ("ip_allowlist[5]", "ip.invalid")]),
    ]
    d = "decision (specs: unknown spec members are not errors, and lint does not flag them)"
    extra = dict(spec(), labels=["team-payments"], owner="ops@example.test")
    cs += [
        vs(f"{d}: validate_spec", extra),
        case(f"{d}: lint", "lint", {"spec": extra}, {"ok": True, "findings": []}),
    ]

    # ---- Tokens
    valid = mint()
    d = "decision (tokens: typ is compared case-insensitively, RFC 7515 §4.1.9)"
    cs += [
        vt(f"{d}: AT+JWT accepted", mint(header=hdr(typ="AT+JWT")), ok_claims()),
        vt(f"{d}: Application/At+Jwt accepted", mint(header=hdr(typ="Application/At+Jwt")), ok_claims()),
    ]
    d = "decision (tokens: a missing alg or typ is a wrong one)"
    cs += [
        vt(f"{d}: missing alg -> unsupported_alg (also typ missing)", mint(header=hdr(alg=DROP, typ=DROP)),
           "token.unsupported_alg"),
        vt(f"{d}: alg null -> unsupported_alg", mint(header=hdr(alg=None)), "token.unsupported_alg"),
        vt(f"{d}: missing typ -> wrong_type", mint(header=hdr(typ=DROP)), "token.wrong_type"),
    ]
    d = "decision (tokens: a kid that is not a string is unknown_key)"
    cs += [
        vt(f"{d}: kid a number", mint(header=hdr(kid=1)), "token.unknown_key"),
        vt(f"{d}: kid null", mint(header=hdr(kid=None)), "token.unknown_key"),
    ]
    np_x = b64u(not_a_point())
    k1j, k2j = jwk("k1", k1), jwk("k2", k2)
    d = "decision (JWKS: x values that are not a valid Ed25519 point are skipped)"
    cs += [
        vt(f"{d}: 32-byte x off the curve -> key skipped, unknown_key", valid, "token.unknown_key",
           jwks={"keys": [jwk("k1", x=np_x), k2j]}),
        vt(f"{d}: a skipped off-curve key does not clash with a usable key of the same kid", valid, ok_claims(),
           jwks={"keys": [jwk("k1", x=np_x), k1j]}),
    ]
    d = "decision (JWKS: entries of keys that are not objects are skipped like keys of other kinds)"
    cs += [
        vt(f"{d}: string, number, null and array entries", valid, ok_claims(),
           jwks={"keys": ["k1", 5, None, [], k1j]}),
    ]
    d = "decision (tokens: scope must be canonical permissions separated by single spaces)"
    late = IAT + 7200  # every case below would also be expired: invalid_claim comes first
    for label, scope in [("not permission text", "vault:read"), ("upper-case word", "Vault:read:org"),
                         ("double space", "vault:read:org  key:read:org"), ("trailing space", "vault:read:org "),
                         ("a tab", "vault:read:org\tkey:read:org"), ("resource with org scope", "vault:read:org:v1")]:
        cs.append(vt(f"{d}: {label} -> invalid_claim", mint(payload=base_claims(scope=scope)),
                     "token.invalid_claim", now=late))
    d = "decision (tokens: ips must be strict CIDRs, no count limit)"
    for label, ips in [("host bits set", ["203.0.113.7/24"]), ("leading zero", ["010.0.0.1/32"]),
                       ("IPv6", ["::1/128"]), ("a number", [5])]:
        cs.append(vt(f"{d}: {label} -> invalid_claim", mint(payload=base_claims(ips=ips)), "token.invalid_claim",
                     now=late))
    ten = base_claims(ips=[f"10.0.0.{i}/32" for i in range(10)])
    cs.append(vt(f"{d}: 10 entries accepted", mint(payload=ten), ok_claims(ten)))
    d = "decision (tokens: env must be sandbox or production)"
    cs += [
        vt(f"{d}: staging -> invalid_claim", mint(payload=base_claims(env="staging")), "token.invalid_claim",
           now=late),
        vt(f"{d}: Production -> invalid_claim", mint(payload=base_claims(env="Production")),
           "token.invalid_claim", now=late),
    ]
    d = "decision (tokens: exp - iat is not checked on input)"
    day = base_claims(exp=IAT + 86400)
    minute = base_claims(exp=IAT + 60)
    cs += [
        vt(f"{d}: a 24-hour token verifies", mint(payload=day), ok_claims(day), now=IAT + 7200),
        vt(f"{d}: a 60-second token verifies", mint(payload=minute), ok_claims(minute), now=IAT + 30),
    ]
    d = "decision (tokens: claims other than the known ones are kept and returned as given)"
    extra_claims = dict(base_claims(), cnf={"x5t#S256": "abc", "n": [1, 2]}, tenant="t1", flag=None)
    exp_extra = ok_claims(extra_claims)
    exp_extra["claims"].update({"cnf": {"x5t#S256": "abc", "n": [1, 2]}, "tenant": "t1", "flag": None})
    cs.append(vt(f"{d}: object, string and null claims", mint(payload=extra_claims), exp_extra))
    d = "decision (tokens: the optional revocation list is checked after every SPEC check, token.revoked)"

    def revoked(name, token, expect, jtis, **kw):
        c = vt(name, token, expect, **kw)
        c["input"]["revoked_jtis"] = jtis
        return c

    cs += [
        revoked(f"{d}: jti on the list -> revoked", valid, "token.revoked", ["jti-other", "jti-vec-0001"]),
        revoked(f"{d}: jti not on the list -> verifies", valid, ok_claims(), ["jti-other"]),
        revoked(f"{d}: empty list -> verifies", valid, ok_claims(), []),
        revoked(f"{d}: jti compared exactly (case)", valid, ok_claims(), ["JTI-VEC-0001"]),
        revoked(f"{d}: wrong audience comes before revoked", valid, "token.wrong_audience", ["jti-vec-0001"],
                audience=OTHER_AUD),
        revoked(f"{d}: expired comes before revoked", valid, "token.expired", ["jti-vec-0001"], now=IAT + 3600),
        revoked(f"{d}: bad signature comes before revoked", mint(seed=k2), "token.bad_signature",
                ["jti-vec-0001"]),
    ]

    # ---- The edge path (check)
    claims = base_claims(scope="balances:read:vault:vlt_1 transaction:read:org", ips=["203.0.113.0/24"],
                         org="org_1")
    tok = mint(payload=claims)
    IN = "203.0.113.9"
    B = req("balances", "read", vault="vlt_1")
    d = "decision (check: the request is validated before the token, 400 request.invalid)"
    cs += [
        ck(f"{d}: invalid request with a malformed token", "garbage", req("wallet", "read"), IN,
           {"allowed": False, "status": 400, "reason": "request.invalid"}),
        ck(f"{d}: misspelt vualt member", tok, {"type": "balances", "action": "read", "vualt": "vlt_1"}, IN,
           {"allowed": False, "status": 400, "reason": "request.invalid"}),
    ]
    d = "decision (check: every 403 carries a Bearer insufficient_scope challenge with a fixed description)"
    cs += [
        ck(f"{d}: no matching permission", tok, req("audit", "read"), IN,
           dict(c_deny(403, "deny.no_matching_permission"),
                www_authenticate=challenge_403("the access token does not grant this action"))),
        ck(f"{d}: ip not allowed", tok, B, "192.0.2.1",
           dict(c_deny(403, "deny.ip_not_allowed"),
                www_authenticate=challenge_403("the client IP address is not allowed for this token"))),
        ck(f"{d}: ip invalid (010.0.0.1)", tok, B, "010.0.0.1",
           dict(c_deny(403, "deny.ip_invalid"),
                www_authenticate=challenge_403("the client IP address could not be read"))),
        ck(f"{d}: org mismatch", tok, req("balances", "read", vault="vlt_1", org="org_2"), IN,
           dict(c_deny(403, "deny.org_mismatch"),
                www_authenticate=challenge_403("the access token belongs to another organisation"))),
    ]
    d = "decision (check: IPv4-mapped IPv6 in hex notation is that IPv4 address)"
    cs.append(ck(f"{d}: ::ffff:cb00:7109 is 203.0.113.9", tok, B, "::ffff:cb00:7109",
                 c_allow("balances:read:vault:vlt_1")))
    d = "decision (check: revoked jti -> 401 token.revoked)"
    c = ck(f"{d}: jti on the list", tok, B, IN, c_deny(401, "token.revoked"))
    c["input"]["revoked_jtis"] = ["jti-vec-0001"]
    cs.append(c)
    d = "decision (JWKS: an invalid JWKS is refused before any token is looked at)"
    cs.append(ck(f"{d}: check with keys an object", tok, B, IN, {"ok": False, "error": "jwks.invalid"},
                 jwks={"keys": {}}))

    # ---- Token endpoint: parse_token_request
    Bh = basic("cid_1:s3cr3t")
    H = {"Content-Type": FORM, "Authorization": Bh}
    d = "decision (token endpoint: methods are case-sensitive, content type media type is not)"
    cs += [
        tr(f"{d}: post -> invalid_request", GRANT, H, method="post", expect=BAD_REQ),
        tr(f"{d}: post with a Bearer header -> invalid_request (method first)", GRANT,
           {"Content-Type": FORM, "Authorization": "Bearer x"}, method="post", expect=BAD_REQ),
        tr(f"{d}: mixed-case content type accepted", GRANT,
           {"Content-Type": "Application/X-WWW-Form-URLENCODED", "Authorization": Bh},
           expect=tr_ok("cid_1", "s3cr3t", "client_secret_basic")),
    ]
    d = "decision (token endpoint: empty parameters count as omitted, RFC 6749 §3.1; repeats never allowed)"
    cs += [
        tr(f"{d}: empty scope= is not an error", GRANT + "&scope=", H,
           expect=tr_ok("cid_1", "s3cr3t", "client_secret_basic")),
        tr(f"{d}: empty grant_type= is a missing grant_type", "grant_type=", H, expect=BAD_REQ),
        tr(f"{d}: empty client_id= and client_secret= are no authentication",
           GRANT + "&client_id=&client_secret=", expect=NO_AUTH),
        tr(f"{d}: scope=&scope= is a repeat", GRANT + "&scope=&scope=", H, expect=BAD_REQ),
        tr(f"{d}: an empty grant_type repeated by a real one is a repeat",
           "grant_type=&grant_type=client_credentials", H, expect=BAD_REQ),
    ]
    d = "decision (token endpoint: a repeated Authorization or Content-Type header is invalid_request)"
    cs += [
        tr(f"{d}: Authorization and authorization", GRANT, {"Content-Type": FORM, "Authorization": Bh,
                                                            "authorization": Bh}, expect=BAD_REQ),
        tr(f"{d}: Content-Type and content-type", GRANT, {"Content-Type": FORM, "content-type": FORM,
                                                          "Authorization": Bh}, expect=BAD_REQ),
    ]
    d = "decision (token endpoint: a non-Basic scheme or Basic without id:secret and a non-empty id is malformed)"
    cs += [
        tr(f"{d}: Authorization: Bearer x", GRANT, {"Content-Type": FORM, "Authorization": "Bearer x"},
           expect=MALFORMED),
        tr(f"{d}: empty Basic", GRANT, {"Content-Type": FORM, "Authorization": "Basic "}, expect=MALFORMED),
        tr(f"{d}: Basic with an empty client id", GRANT, {"Content-Type": FORM, "Authorization": basic(":s3cr3t")},
           expect=MALFORMED),
    ]
    d = "decision (token endpoint: a body client_id without client_secret is client.no_auth)"
    cs += [
        tr(f"{d}: client_id only", GRANT + "&client_id=cid_1", expect=NO_AUTH),
        tr(f"{d}: client_id with an empty client_secret", GRANT + "&client_id=cid_1&client_secret=", expect=NO_AUTH),
    ]
    d = "decision (token endpoint: the body is at most 16 KiB and must be well encoded)"
    head = GRANT + "&client_id=cid_1&client_secret=s&x="
    cs += [
        tr(f"{d}: 16384 bytes accepted", head + "a" * (16384 - len(head)),
           expect=tr_ok("cid_1", "s", "client_secret_post")),
        tr(f"{d}: 16385 bytes -> invalid_request", head + "a" * (16385 - len(head)), expect=BAD_REQ),
        tr(f"{d}: bad percent-encoding -> invalid_request", GRANT + "&client_id=cid_1&client_secret=a%zz",
           expect=BAD_REQ),
        tr(f"{d}: percent-encoding that is not UTF-8 -> invalid_request",
           GRANT + "&client_id=cid_1&client_secret=a%ff", expect=BAD_REQ),
    ]

    # ---- Token endpoint: issue_token
    cred = credential()
    CLIENT = dict(it_err("invalid_client", 401, "client.unknown"), error_description=INVALID_CLIENT_DESCRIPTION)

    def refused(reason):
        return dict(it_err("invalid_client", 401, reason), error_description=INVALID_CLIENT_DESCRIPTION)

    d = "decision (issuance: client.unknown comes first)"
    c_other = it(f"{d}: client_id in the input differs from the credential's", cred, CLIENT)
    c_other["input"]["client_id"] = "cid_other"
    c_same = it(f"{d}: client_id in the input equal to the credential's is fine", cred, it_ok(cred))
    c_same["input"]["client_id"] = "cid_issue_1"
    c_del = it(f"{d}: unknown before deleted", credential(status="deleted"), CLIENT, secret="nope")
    c_del["input"]["client_id"] = "cid_other"
    cs += [c_other, c_same, c_del, it(f"{d}: no credential record (null)", None, CLIENT)]
    d = "decision (issuance: every invalid_client refusal has one description)"
    cs += [
        it(f"{d}: bad secret", cred, refused("client.bad_secret"), secret="nope"),
        it(f"{d}: disabled", credential(status="disabled"), refused("client.disabled")),
        it(f"{d}: deleted", credential(status="deleted"), refused("client.deleted")),
        it(f"{d}: ip not allowed", cred, refused("client.ip_not_allowed"), ip="192.0.2.1"),
    ]
    d = "decision (issuance: an unparseable client IP is client.ip_not_allowed)"
    cs += [
        it(f"{d}: not-an-ip", cred, refused("client.ip_not_allowed"), ip="not-an-ip"),
        it(f"{d}: 010.0.0.1", cred, refused("client.ip_not_allowed"), ip="010.0.0.1"),
    ]
    d = "decision (issuance: WWW-Authenticate Basic when the client used Basic, SPEC §7)"
    c_basic = it(f"{d}: bad secret over Basic", cred,
                 dict(refused("client.bad_secret"), headers={"WWW-Authenticate": BASIC_CHALLENGE}), secret="nope")
    c_basic["input"]["auth_method"] = "client_secret_basic"
    cs.append(c_basic)
    d = "decision (issuance: a malformed scope is invalid_scope, scope.not_covered)"
    NOT = it_err("invalid_scope", 400, "scope.not_covered")
    cs += [
        it(f"{d}: not permission text", cred, NOT, scope="vault:read"),
        it(f"{d}: upper-case word", cred, NOT, scope="Vault:read:org"),
        it(f"{d}: empty after decoding (one space, from scope=+)", cred, NOT, scope=" "),
        it(f"{d}: double space between covered permissions", cred, NOT, scope="vault:read:org  key:read:vault"),
        it(f"{d}: trailing space", cred, NOT, scope="vault:read:org "),
        it(f"{d}: client checks come first (ip not allowed)", cred, refused("client.ip_not_allowed"),
           scope="vault:read", ip="192.0.2.1"),
    ]
    return cs


FILE = "decisions.json"
NAME = "decisions"
COMMENT = (
    "The decisions of docs/DECISIONS.md (where the SPEC is silent) not already pinned by the other files, "
    "generated by generate.py; each case name starts with \"decision (<section>: <decision>)\". Permission words "
    "exact and lower case (Vault/READ/ORG), the JSON form's members and null resource, request members and the "
    "org grammar, authorize's input order (first invalid permission with its index, org without a caller org), "
    "near_misses [], duplicate allowlist networks (a.b.c.d = a.b.c.d/32), IPv4-mapped entries are IPv6, strict "
    "client addresses and hex IPv4-mapped clients, missing spec members, spec.invalid, a name with two "
    "problems, too_many with entries still checked, unknown spec members, typ case-insensitive, missing "
    "alg/typ, non-string kid, off-curve and non-object JWKS keys, claim grammars (scope, ips, env), lifetimes "
    "other than 3600, extra claims, the revocation list (revoked_jtis, checked last), check's request-first "
    "400 and 403 challenges, jwks.invalid in check, the token endpoint's method/content type/empty and "
    "repeated parameters/headers/Authorization rules and body limits, and issuance's client.unknown, one "
    "invalid_client description, the Basic challenge, unparseable client IPs and malformed scopes."
)
