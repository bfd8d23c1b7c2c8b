"""check.json: check (SPEC §8: token -> IP -> org -> permission)."""

from .common import AUD, DROP, IAT, ISS, JWKS, NOW, SEEDS, assert_valid, base_claims, case, hdr, mint
from .authorize import req
from .tokens import OTHER_AUD, OTHER_ISS


def ck(name, token, request, client_ip, expect, now=NOW, leeway=None, jwks=None, issuer=ISS, audience=AUD):
    inp = {"token": token, "jwks": JWKS if jwks is None else jwks, "now": now, "issuer": issuer,
           "audience": audience, "request": request, "client_ip": client_ip}
    if leeway is not None:
        inp["leeway"] = leeway
    return case(name, "check", inp, expect)


def ck_header(name, authorization, request, client_ip, expect):
    """`check` with the raw Authorization header value (absent: no header) instead of `token`."""
    inp = {"jwks": JWKS, "now": NOW, "issuer": ISS, "audience": AUD, "request": request, "client_ip": client_ip}
    if authorization is not None:
        inp["authorization"] = authorization
    return case(name, "check", inp, expect)


def c_allow(matched):
    return {"allowed": True, "status": 200, "reason": "allow", "matched": matched}


# The RFC 6750 `error` code a refusal's challenge names, by status (docs/DECISIONS.md); the
# code-less `bearer.missing` is written out where it is expected.
CHALLENGE_ERRORS = {400: "invalid_request", 401: "invalid_token", 403: "insufficient_scope"}


def c_deny(status, reason):
    return {"allowed": False, "status": status, "reason": reason, "error": CHALLENGE_ERRORS[status]}


def cases():
    k1, k2 = SEEDS["k1"], SEEDS["k2"]
    claims = base_claims(
        scope="balances:read:vault:vlt_1 transaction:read:org key:update:key:key_9 balances:read:org",
        ips=["203.0.113.0/24", "198.51.100.7/32"], org="org_1")
    tok = mint(payload=claims)
    all_ips = mint(payload=base_claims(scope="vault:read:org", ips=["0.0.0.0/0"]))
    IN = "203.0.113.9"
    B = req("balances", "read", vault="vlt_1")
    cs = [
        ck("allow: first matching permission of the scope claim", tok, B, IN, c_allow("balances:read:vault:vlt_1")),
        # SPEC §6: the same decision on every host for an exp no JS number holds exactly.
        ck("allow: a token whose exp is above 2^53", mint(payload=dict(claims, exp=2**53 + 1)), B, IN,
           c_allow("balances:read:vault:vlt_1")),
        ck("allow: later permission matches another vault", tok, req("balances", "read", vault="vlt_2"), IN,
           c_allow("balances:read:org")),
        ck("allow: org-scoped transaction read in any vault", tok, req("transaction", "read", vault="vlt_7"), IN,
           c_allow("transaction:read:org")),
        ck("allow: key-scoped permission on its key", tok, req("key", "update", vault="vlt_3", key="key_9"), IN,
           c_allow("key:update:key:key_9")),
        ck("deny: key-scoped permission on another key", tok, req("key", "update", vault="vlt_3", key="key_8"), IN,
           c_deny(403, "deny.no_matching_permission")),
        ck("deny: key-scoped permission never allows a vault-level update", tok, req("key", "update", vault="vlt_3"),
           IN, c_deny(403, "deny.no_matching_permission")),
        ck("deny: action not granted", tok, req("transaction", "create", vault="vlt_1"), IN,
           c_deny(403, "deny.no_matching_permission")),
        ck("allow: client ip equal to a /32 entry", tok, B, "198.51.100.7", c_allow("balances:read:vault:vlt_1")),
        ck("deny: client ip next to a /32 entry", tok, B, "198.51.100.8", c_deny(403, "deny.ip_not_allowed")),
        ck("allow: IPv4-mapped IPv6 client ip", tok, B, "::ffff:203.0.113.9", c_allow("balances:read:vault:vlt_1")),
        ck("deny: IPv4-mapped IPv6 client ip outside", tok, B, "::ffff:192.0.2.1", c_deny(403, "deny.ip_not_allowed")),
        ck("deny: IPv6 client ip", tok, B, "2001:db8::9", c_deny(403, "deny.ip_not_allowed")),
        ck("deny: IPv6 client ip even when the token allows 0.0.0.0/0", all_ips, req("vault", "read"), "::1",
           c_deny(403, "deny.ip_not_allowed")),
        ck("allow: 0.0.0.0/0 token from any IPv4 address", all_ips, req("vault", "read"), "8.8.4.4",
           c_allow("vault:read:org")),
        ck("deny: unparseable client ip", tok, B, "203.0.113", c_deny(403, "deny.ip_invalid")),
        ck("deny: empty client ip", tok, B, "", c_deny(403, "deny.ip_invalid")),
        ck("allow: request org equal to the token org", tok, req("balances", "read", vault="vlt_1", org="org_1"), IN,
           c_allow("balances:read:vault:vlt_1")),
        ck("deny: request org differs from the token org", tok,
           req("balances", "read", vault="vlt_1", org="org_2"), IN, c_deny(403, "deny.org_mismatch")),
        # Order: token -> IP -> org -> permission.
        ck("order: token failure before IP (expired, ip invalid)", tok, B, "bogus", c_deny(401, "token.expired"),
           now=IAT + 3600),
        ck("order: token failure before IP (bad signature, ip outside)", mint(payload=claims, seed=k2), B,
           "192.0.2.1", c_deny(401, "token.bad_signature")),
        ck("order: IP not allowed before org mismatch",
           tok, req("balances", "read", vault="vlt_1", org="org_2"), "192.0.2.1", c_deny(403, "deny.ip_not_allowed")),
        ck("order: IP invalid before org mismatch",
           tok, req("balances", "read", vault="vlt_1", org="org_2"), "x.y.z.w", c_deny(403, "deny.ip_invalid")),
        ck("order: IP not allowed before missing permission", tok, req("audit", "read"), "192.0.2.1",
           c_deny(403, "deny.ip_not_allowed")),
        ck("order: org mismatch before missing permission", tok, req("audit", "read", org="org_2"), IN,
           c_deny(403, "deny.org_mismatch")),
        # Token failures are 401.
        ck("401: malformed token", "not.a.token", B, IN, c_deny(401, "token.malformed")),
        ck("401: unknown key", mint(header=hdr(kid="k3"), payload=claims, seed=SEEDS["k3"]), B, IN,
           c_deny(401, "token.unknown_key")),
        ck("401: wrong audience", tok, B, IN, c_deny(401, "token.wrong_audience"), audience=OTHER_AUD),
        ck("401: wrong issuer", tok, B, IN, c_deny(401, "token.wrong_issuer"), issuer=OTHER_ISS),
        ck("401: not yet valid", tok, B, IN, c_deny(401, "token.not_yet_valid"), now=IAT - 60),
        ck("401: alg none", mint(header=hdr(alg="none"), payload=claims, sig=b""), B, IN,
           c_deny(401, "token.unsupported_alg")),
        ck("401: forbidden header", mint(header=hdr(jku="https://evil.example.test/jwks"), payload=claims), B, IN,
           c_deny(401, "token.forbidden_header")),
        ck("401: missing claim", mint(payload=base_claims(ips=DROP)), B, IN, c_deny(401, "token.missing_claim")),
        ck("401: too large", "a" * 8193, B, IN, c_deny(401, "token.too_large")),
        ck("leeway applies in check", tok, B, IN, c_allow("balances:read:vault:vlt_1"), now=IAT + 3600 + 5,
           leeway=10),
        ck("second key of the set", mint(header=hdr(kid="k2"), payload=claims, seed=k2), B, IN,
           c_allow("balances:read:vault:vlt_1")),
        # SPEC §8: an invalid request is 400 request.invalid (here the token, IP and org are all fine).
        ck("400: request with a key but no vault", tok, req("key", "update", key="key_9"), IN,
           c_deny(400, "request.invalid")),
        ck("400: request with an unknown type", tok, req("wallet", "read"), IN,
           c_deny(400, "request.invalid")),
        # RFC 6750 from the Authorization header instead of the token: a missing token's
        # challenge names no error code (§3.1), a malformed header is invalid_request.
        ck_header("Authorization header: Bearer token allowed", f"Bearer {tok}", B, IN,
                  c_allow("balances:read:vault:vlt_1")),
        ck_header("Authorization header: none is bearer.missing, a challenge with no error code", None, B, IN,
                  {"allowed": False, "status": 401, "reason": "bearer.missing",
                   "www_authenticate": 'Bearer realm="credgate"'}),
        ck_header("Authorization header: another scheme counts as no bearer token", "Basic Y2lkOnM=", B, IN,
                  {"allowed": False, "status": 401, "reason": "bearer.missing",
                   "www_authenticate": 'Bearer realm="credgate"'}),
        ck_header("Authorization header: Bearer followed by two words is invalid_request", "Bearer a b", B, IN,
                  c_deny(400, "bearer.malformed")),
        ck_header("Authorization header: a malformed token in it is invalid_token", f"Bearer {tok}x", B, IN,
                  c_deny(401, "token.malformed")),
    ]
    assert_valid(tok, k1)
    return cs


FILE = "check.json"
NAME = "check"
COMMENT = (
    "check (SPEC §8), generated by generate.py: the edge path token -> client IP within the token's ips -> "
    "request org = token org -> permissions from the token's scope, with statuses 401 (any token.* failure), "
    "403 (deny.ip_not_allowed, deny.ip_invalid, deny.org_mismatch, deny.no_matching_permission), 200 (allow, "
    "with the first matching permission of the scope claim), 400 (request.invalid); every refusal's RFC 6750 "
    "`error` (invalid_request 400, invalid_token 401, insufficient_scope 403; none for bearer.missing), also "
    "from a raw Authorization header; each step's precedence "
    "proven with an input that also fails a later step; IPv4-mapped client IPs; IPv6 clients never allowed."
)
