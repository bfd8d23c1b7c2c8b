"""revocations.json: revocation lists (docs/LIFECYCLE.md "Revocation lists"): sign_revocations,
load_revocations, and verify_token / check with `revocations`.

Lists are assembled here by hand exactly as the doc describes: header
{"alg":"EdDSA","kid":<kid>,"typ":"revocations+jwt"} and payload {"iss","iat","epoch","entries"},
both compact JSON (like the token minting of common.py), base64url, Ed25519 from `cryptography`;
every list expected to load is checked with OpenSSL before it is written. sign_revocations
and load_revocations are beyond CONFORMANCE.md's table, so this file is a host-ops file.
"""

from .authorize import req
from .check import c_allow, c_deny, ck
from .common import IAT, ISS, JWKS, NOW, SEEDS, assert_valid, base_claims, case, compact, mint
from .tokens import OTHER_AUD, OTHER_ISS, ok_claims, vt

LIFETIME = 3600
LIST_AT = NOW - 5


def rev_header(kid="k1", typ="revocations+jwt", alg="EdDSA"):
    return compact({"alg": alg, "kid": kid, "typ": typ})


def rev_list(entries, epoch=7, iat=LIST_AT, iss=ISS, kid="k1", seed=None, header=None, payload=None):
    h = header if header is not None else rev_header(kid)
    p = payload if payload is not None else compact({"iss": iss, "iat": iat, "epoch": epoch, "entries": entries})
    s = seed if seed is not None else SEEDS[kid]
    jws = mint(header=h, payload=p, seed=s)
    if seed is None:
        assert_valid(jws, SEEDS[kid])
    return jws


def kept(entries, now):
    """Entries a list keeps when signed at now: every one younger than a token lifetime."""
    return [e for e in entries if now - (e["not_before"] if "not_before" in e else e["revoked_at"]) < LIFETIME]


def sign_cases():
    cs = []
    key1 = {"kid": "k1", "seed": SEEDS["k1"].hex()}
    key2 = {"kid": "k2", "seed": SEEDS["k2"].hex()}

    def sr(name, entries, expect=None, epoch=7, now=NOW, key=key1):
        inp = {"signing_key": key, "issuer": ISS, "epoch": epoch, "now": now, "entries": entries}
        if expect is None:
            k = kept(entries, now)
            expect = {"ok": True, "revocations": rev_list(k, epoch=epoch, iat=now, kid=key["kid"]), "entries": k,
                      "epoch": epoch}
        return case(name, "sign_revocations", inp, expect)

    c_entry = {"client_id": "cid_vec", "not_before": NOW - 60}
    j_entry = {"jti": "jti-vec-0001", "revoked_at": NOW - 30}
    cs += [
        sr("sign: a client entry and a jti entry, exact bytes", [c_entry, j_entry]),
        sr("sign: signed by k2 (kid k2), epoch 0", [j_entry], epoch=0, key=key2),
        sr("sign: an empty list", []),
        sr("sign: an entry exactly one lifetime old is dropped, one second younger is kept",
           [{"client_id": "cid_old", "not_before": NOW - 3600}, {"client_id": "cid_young", "not_before": NOW - 3599},
            {"jti": "jti-old", "revoked_at": NOW - 3600}, {"jti": "jti-young", "revoked_at": NOW - 3599}],
           {"ok": True, "entries": [{"client_id": "cid_young", "not_before": NOW - 3599},
                                    {"jti": "jti-young", "revoked_at": NOW - 3599}], "epoch": 7,
            "revocations": rev_list([{"client_id": "cid_young", "not_before": NOW - 3599},
                                     {"jti": "jti-young", "revoked_at": NOW - 3599}], iat=NOW)}),
        sr("sign: entries in the future are kept", [{"client_id": "cid_vec", "not_before": NOW + 100}]),
        sr("sign: every entry too old -> an empty list", [{"jti": "jti-old", "revoked_at": NOW - 86400}],
           {"ok": True, "entries": [], "epoch": 7, "revocations": rev_list([], iat=NOW)}),
        sr("sign: a negative epoch is refused", [j_entry], {"ok": False}, epoch=-1),
        sr("sign: an entry with neither client_id nor jti is refused", [{"not_before": NOW}], {"ok": False}),
    ]
    return cs


def load_cases():
    cs = []
    entries = [{"client_id": "cid_vec", "not_before": NOW - 60}, {"jti": "jti-x", "revoked_at": NOW - 30}]
    good = rev_list(entries)

    def lr(name, revocations, expect, held_epoch=None, issuer=ISS, jwks=None):
        inp = {"revocations": revocations, "jwks": JWKS if jwks is None else jwks, "issuer": issuer}
        if held_epoch is not None:
            inp["held_epoch"] = held_epoch
        if isinstance(expect, str):
            expect = {"ok": False, "error": expect}
        return case(name, "load_revocations", inp, expect)

    OK = {"ok": True, "epoch": 7, "issued_at": LIST_AT, "entries": entries}
    INV = "revocations.invalid"
    cs += [
        lr("load: a list signed by k1", good, OK),
        lr("load: a list signed by k2", rev_list(entries, kid="k2"), OK),
        lr("load: held epoch lower", good, OK, held_epoch=6),
        lr("load: held epoch equal (a re-fetch) is accepted", good, OK, held_epoch=7),
        lr("load: held epoch higher -> revocations.stale", good, "revocations.stale", held_epoch=8),
        lr("load: epoch 0 with held epoch 0", rev_list([], epoch=0), {"ok": True, "epoch": 0, "entries": []},
           held_epoch=0),
        lr("load: another issuer -> revocations.invalid", good, INV, issuer=OTHER_ISS),
        lr("load: signed by a key not in the JWKS (k3) -> revocations.invalid", rev_list(entries, kid="k3"), INV),
        lr("load: kid k1 signed by another key -> revocations.invalid", rev_list(entries, seed=SEEDS["attacker"]), INV),
        lr("load: an access token is not a list (typ at+jwt) -> revocations.invalid", mint(payload=base_claims()), INV),
        lr("load: list payload with typ at+jwt -> revocations.invalid",
           rev_list(entries, header=rev_header(typ="at+jwt")), INV),
        lr("load: alg none -> revocations.invalid",
           rev_list(entries, header=compact({"alg": "none", "kid": "k1", "typ": "revocations+jwt"})), INV),
        lr("load: not a JWS -> revocations.invalid", "not-a-list", INV),
        lr("load: a negative epoch -> revocations.invalid", rev_list(entries, epoch=-1), INV),
        lr("load: an epoch that is a string -> revocations.invalid", rev_list(entries, epoch="7"), INV),
        lr("load: no epoch -> revocations.invalid",
           rev_list(None, payload=compact({"iss": ISS, "iat": LIST_AT, "entries": entries})), INV),
        lr("load: entries not an array -> revocations.invalid", rev_list({"jti": "jti-x"}), INV),
        lr("load: an entry of neither kind -> revocations.invalid", rev_list([{"sub": "cid_vec", "at": NOW}]), INV),
        lr("load: an invalid JWKS -> jwks.invalid", good, "jwks.invalid", jwks={"keys": {}}),
    ]
    return cs


def verify_cases():
    cs = []
    tok = mint(payload=base_claims())  # client cid_vec, iat IAT, jti jti-vec-0001; NOW = IAT + 10
    k2_tok = mint(seed=SEEDS["k2"])  # kid k1, signed by k2: bad signature

    def rv(name, token, expect, entries=None, revocations=None, **kw):
        c = vt(name, token, expect, **kw)
        c["input"]["revocations"] = revocations if revocations is not None else rev_list(entries)
        return c

    REV = "token.revoked"
    cs += [
        rv("verify: client entry with not_before after iat -> token.revoked", tok, REV,
           [{"client_id": "cid_vec", "not_before": IAT + 1}]),
        rv("verify: client entry with not_before = iat -> not revoked (iat < not_before only)", tok, ok_claims(),
           [{"client_id": "cid_vec", "not_before": IAT}]),
        rv("verify: client entry for another client -> not revoked", tok, ok_claims(),
           [{"client_id": "cid_other", "not_before": NOW}]),
        rv("verify: jti entry -> token.revoked", tok, REV, [{"jti": "jti-other", "revoked_at": NOW},
                                                            {"jti": "jti-vec-0001", "revoked_at": NOW - 1}]),
        rv("verify: jti compared exactly (case) -> not revoked", tok, ok_claims(),
           [{"jti": "JTI-VEC-0001", "revoked_at": NOW}]),
        rv("verify: an empty list -> verifies", tok, ok_claims(), []),
        rv("verify: expired comes before revoked", tok, "token.expired",
           [{"jti": "jti-vec-0001", "revoked_at": NOW}], now=IAT + 3600),
        rv("verify: wrong audience comes before revoked", tok, "token.wrong_audience",
           [{"jti": "jti-vec-0001", "revoked_at": NOW}], audience=OTHER_AUD),
        rv("verify: bad signature comes before revoked", k2_tok, "token.bad_signature",
           [{"jti": "jti-vec-0001", "revoked_at": NOW}]),
        rv("verify: an invalid list is revocations.invalid even for a good token", tok,
           {"ok": False, "error": "revocations.invalid"}, revocations="not-a-list"),
        rv("verify: the list is verified before the token (malformed token)", "garbage",
           {"ok": False, "error": "revocations.invalid"}, revocations=rev_list([], seed=SEEDS["attacker"])),
        rv("verify: a list from another issuer -> revocations.invalid", tok,
           {"ok": False, "error": "revocations.invalid"}, revocations=rev_list([], iss=OTHER_ISS)),
    ]
    claims = base_claims(scope="balances:read:vault:vlt_1", ips=["203.0.113.0/24"], org="org_1")
    ctok = mint(payload=claims)
    B = req("balances", "read", vault="vlt_1")

    def rc(name, expect, entries=None, revocations=None, token=ctok):
        c = ck(name, token, B, "203.0.113.9", expect)
        c["input"]["revocations"] = revocations if revocations is not None else rev_list(entries)
        return c

    cs += [
        rc("check: a revoked client -> 401 token.revoked", c_deny(401, REV),
           [{"client_id": "cid_vec", "not_before": IAT + 5}]),
        rc("check: a revoked jti -> 401 token.revoked", c_deny(401, REV), [{"jti": "jti-vec-0001", "revoked_at": NOW}]),
        rc("check: not on the list -> 200 allow", c_allow("balances:read:vault:vlt_1"),
           [{"client_id": "cid_other", "not_before": NOW}, {"jti": "jti-other", "revoked_at": NOW}]),
        rc("check: an invalid list -> revocations.invalid", {"ok": False, "error": "revocations.invalid"},
           revocations=rev_list([], kid="k3")),
    ]
    return cs


def cases():
    return sign_cases() + load_cases() + verify_cases()


FILE = "revocations.json"
NAME = "revocations"
COMMENT = (
    "Revocation lists (docs/LIFECYCLE.md): sign_revocations with exact JWS bytes (header "
    "{\"alg\":\"EdDSA\",\"kid\":..,\"typ\":\"revocations+jwt\"}, compact payload iss, iat, epoch, entries), "
    "entries one token lifetime old dropped (now - t >= 3600), the entries kept and the epoch; "
    "load_revocations (epoch, issued_at, entries; held_epoch lower/equal accepted, higher revocations.stale; "
    "wrong issuer, unknown key, wrong signer, typ at+jwt, alg none, bad epoch or entries -> "
    "revocations.invalid); verify_token and check with revocations: token.revoked (401) for a client entry "
    "with iat < not_before or a jti entry, checked after every SPEC §6 check, and an invalid list is "
    "revocations.invalid before the token is looked at. A host-ops file (sign/load are beyond CONFORMANCE.md's "
    "table)."
)
