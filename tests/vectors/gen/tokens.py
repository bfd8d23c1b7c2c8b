"""tokens.json: verify_token (SPEC §6)."""

import json

from .common import (
    AUD, DROP, HEADER, IAT, IDENTITY, ISS, JWKS, L, NOW, RSA_N, SEEDS, assert_valid, b64u, b64u_dec,
    base_claims, case, compact, hdr, identity_r_signature, jwk, mint, non_canonical_last_char,
    openssl_accepts, pub, sign, signing_input_of,
)


OTHER_AUD = "https://other.example.test"
OTHER_ISS = "https://evil.example.test"
ZERO_SIG = bytes(64)


def vt(name, token, expect, jwks=None, now=NOW, leeway=None, issuer=ISS, audience=AUD):
    inp = {"token": token, "jwks": JWKS if jwks is None else jwks, "now": now, "issuer": issuer,
           "audience": audience}
    if leeway is not None:
        inp["leeway"] = leeway
    if isinstance(expect, str):
        expect = {"ok": False, "error": expect}
    return case(name, "verify_token", inp, expect)


def ok_claims(claims=None, drop=()):
    c = dict(base_claims() if claims is None else claims)
    out = {k: c[k] for k in ("iss", "sub", "client_id", "iat", "exp", "jti", "scope", "org", "ips", "env")
           if k in c and k not in drop}
    return {"ok": True, "claims": out}


def token_of_length(target, seed=SEEDS["k1"]):
    """A correctly signed token whose compact form is exactly `target` bytes (padding claim)."""
    # With the 41-byte canonical header some lengths are unreachable (base64url never has
    # length 4n+1), so fall back to the 43-byte header with alg "Ed25519".
    for header in (HEADER, compact(hdr(alg="Ed25519"))):
        found = _token_of_length(target, seed, header)
        if found:
            return found
    raise AssertionError("no token of length %d" % target)


def _token_of_length(target, seed, header):
    h = b64u(header)
    for jti_extra in range(0, 8):
        for n in range(0, target):
            claims = base_claims(jti="jti-size-" + "x" * jti_extra)
            claims["pad"] = "p" * n
            length = len(h) + 1 + len(b64u(compact(claims))) + 1 + 86
            if length == target:
                t = mint(header=header, payload=claims, seed=seed)
                assert len(t) == target
                return t, claims
            if length > target:
                break
    return None


def token_with_sig_char(chars):
    """A valid k1 token whose signature part contains every char in `chars`."""
    for i in range(1000):
        claims = base_claims(jti=f"jti-b64-{i:04d}")
        t = mint(payload=claims)
        if all(ch in t.split(".")[2] for ch in chars):
            return t, claims
    raise AssertionError("not found")


def payload_with_dash_underscore():
    """base64url of a claim set whose encoding contains both '-' and '_'."""
    for i in range(3):
        p = b64u(compact(base_claims(jti="jti-alphabet-" + "x" * i + ">>>???")))
        if "-" in p and "_" in p:
            return p
    raise AssertionError("not found")


def cases():
    cs = []
    k1, k2, k3, att = SEEDS["k1"], SEEDS["k2"], SEEDS["k3"], SEEDS["attacker"]
    valid = mint()
    assert_valid(valid, k1)

    # ---- accepted tokens
    cs += [
        vt("valid token signed by k1", valid, ok_claims()),
        vt("valid token signed by k2", mint(header=hdr(kid="k2"), seed=k2), ok_claims()),
        vt("alg Ed25519 (RFC 9864 name) accepted", mint(header=hdr(alg="Ed25519")), ok_claims()),
        vt("typ application/at+jwt accepted", mint(header=hdr(typ="application/at+jwt")), ok_claims()),
        vt("header members in another order", mint(header=b'{"typ":"at+jwt","kid":"k1","alg":"EdDSA"}'),
           ok_claims()),
        vt("header JSON with insignificant whitespace",
           mint(header=b'{ "alg" : "EdDSA" ,\n "kid" : "k1" , "typ" : "at+jwt" }'), ok_claims()),
        vt("unknown extra header member is ignored", mint(header=hdr(x_note="hello")), ok_claims()),
        vt("aud array containing the audience", mint(payload=base_claims(aud=[OTHER_AUD, AUD])), ok_claims()),
        vt("aud array with only the audience", mint(payload=base_claims(aud=[AUD])), ok_claims()),
        vt("extra claims are allowed", mint(payload=dict(base_claims(), cnf={"x": 1}, tenant="t1")),
           ok_claims()),
        vt("nbf equal to now", mint(payload=dict(base_claims(), nbf=NOW)), ok_claims()),
        vt("nbf in the past", mint(payload=dict(base_claims(), nbf=IAT)), ok_claims()),
        vt("iat equal to now", mint(payload=base_claims(iat=NOW)), ok_claims(base_claims(iat=NOW))),
        vt("claims in reverse order",
           mint(payload=compact({k: base_claims()[k] for k in reversed(list(base_claims()))})), ok_claims()),
        vt("payload JSON with whitespace",
           mint(payload=json.dumps(base_claims(), indent=2).encode()), ok_claims()),
        vt("non-ASCII claim values", mint(payload=base_claims(jti="jti-\u00e9\u4e2d\U0001F600")),
           ok_claims(base_claims(jti="jti-\u00e9\u4e2d\U0001F600"))),
        # SPEC §6: an integer a host's native number cannot hold exactly (JS above 2^53) is
        # still valid, and comes back exactly (JS: a BigInt).
        vt("exp above 2^53 is valid and kept exactly", mint(payload=base_claims(exp=2**53 + 1)),
           ok_claims(base_claims(exp=2**53 + 1))),
        vt("exp at i64::MAX is valid", mint(payload=base_claims(exp=2**63 - 1)),
           ok_claims(base_claims(exp=2**63 - 1))),
        vt("an extra integer claim above 2^53 is kept exactly",
           mint(payload=dict(base_claims(), big=2**60 + 3)),
           {"ok": True, "claims": {"big": 2**60 + 3}}),
    ]
    # size boundary
    t8192, c8192 = token_of_length(8192)
    t8193, _ = token_of_length(8193)
    assert len(t8192) == 8192 and len(t8193) == 8193
    cs += [
        vt("token of exactly 8192 bytes is accepted", t8192, ok_claims(c8192)),
        vt("token of 8193 bytes is too large (otherwise valid)", t8193, "token.too_large"),
        vt("too_large beats malformed", "a" * 8193, "token.too_large"),
        vt("too_large beats everything (alg none, no signature, expired)",
           mint(header=hdr(alg="none", typ="JWT", kid="k9", crit=["exp"]),
                payload=dict(base_claims(exp=1, iss="x"), pad="q" * 6500), sig=b""),
           "token.too_large"),
    ]
    assert len(cs[-1]["input"]["token"]) > 8192

    # ---- token.malformed (each also has a later failure: alg none / bad signature / ...)
    none_hdr = hdr(alg="none", typ="JWT")
    nh = b64u(compact(none_hdr))
    assert len(nh) % 4 in (2, 3)
    vp = valid.split(".")[1]
    vsig = valid.split(".")[2]
    t_plus, c_plus = token_with_sig_char("-_")
    tp = t_plus.split(".")
    cs += [
        vt("empty token", "", "token.malformed"),
        vt("one part", nh, "token.malformed"),
        vt("two parts (alg none)", nh + "." + vp, "token.malformed"),
        vt("four parts (alg none)", nh + "." + vp + "." + vsig + "." + vsig, "token.malformed"),
        vt("four parts, first three valid", valid + ".", "token.malformed"),
        vt("three empty parts", "..", "token.malformed"),
        vt("empty header part", "." + vp + "." + vsig, "token.malformed"),
        vt("empty payload part", valid.split(".")[0] + ".." + vsig, "token.malformed"),
        vt("padding on the signature part of a valid token", valid + "==", "token.malformed"),
        vt("padding on the header part (alg none)", nh + "=" * (-len(nh) % 4) + "." + vp + ".", "token.malformed"),
        vt("non-canonical trailing bits in the header part (alg none)",
           non_canonical_last_char(nh) + "." + vp + ".", "token.malformed"),
        vt("non-canonical trailing bits in the signature of a valid token",
           valid.rsplit(".", 1)[0] + "." + non_canonical_last_char(vsig), "token.malformed"),
        vt("'+' instead of '-' in the signature of a valid token",
           tp[0] + "." + tp[1] + "." + tp[2].replace("-", "+"), "token.malformed"),
        vt("'/' instead of '_' in the signature of a valid token",
           tp[0] + "." + tp[1] + "." + tp[2].replace("_", "/"), "token.malformed"),
        vt("'+' and '/' (standard base64) in the payload part (alg none)",
           nh + "." + payload_with_dash_underscore().replace("-", "+").replace("_", "/") + ".", "token.malformed"),
        vt("character outside base64url in the payload", nh + "." + vp[:10] + "*" + vp[11:] + ".",
           "token.malformed"),
        vt("space in the payload part", nh + "." + vp[:10] + " " + vp[10:] + ".", "token.malformed"),
        vt("signature part of impossible length (4n+1)", valid + "A" * ((1 - len(vsig)) % 4), "token.malformed"),
        vt("header is a JSON array", mint(header=b'["EdDSA"]'), "token.malformed"),
        vt("header is a JSON string", mint(header=b'"EdDSA"'), "token.malformed"),
        vt("header is not JSON", mint(header=b'alg=EdDSA'), "token.malformed"),
        vt("header JSON truncated", mint(header=b'{"alg":"none","typ":"JWT"'), "token.malformed"),
        vt("header with trailing garbage", mint(header=compact(none_hdr) + b"x"), "token.malformed"),
        vt("header is not UTF-8", mint(header=b'{"alg":"none","typ":"JWT","kid":"\xff"}'), "token.malformed"),
        vt("payload is a JSON array (alg none)", mint(header=none_hdr, payload=b"[1,2]", sig=b""),
           "token.malformed"),
        vt("payload is JSON null (alg none)", mint(header=none_hdr, payload=b"null", sig=b""),
           "token.malformed"),
        vt("payload is not JSON (alg none)", mint(header=none_hdr, payload=b"hello", sig=b""),
           "token.malformed"),
        vt("payload is not JSON, validly signed", mint(payload=b"hello"), "token.malformed"),
        vt("duplicate alg in header (EdDSA then none)",
           mint(header=b'{"alg":"EdDSA","alg":"none","kid":"k1","typ":"at+jwt"}'), "token.malformed"),
        vt("duplicate alg in header (none then EdDSA)",
           mint(header=b'{"alg":"none","kid":"k1","typ":"at+jwt","alg":"EdDSA"}'), "token.malformed"),
        vt("duplicate kid in header", mint(header=b'{"alg":"EdDSA","kid":"k9","kid":"k1","typ":"at+jwt"}'),
           "token.malformed"),
        vt("duplicate claim in a validly signed payload",
           mint(payload=compact(base_claims())[:-1] + b',"org":"org_evil"}'), "token.malformed"),
        vt("duplicate claim with the same value in a validly signed payload",
           mint(payload=compact(base_claims())[:-1] + b',"sub":"cid_vec"}'), "token.malformed"),
    ]
    cs = [c for c in cs if c is not None]

    # ---- token.unsupported_alg (also typ wrong)
    cs += [
        vt("alg none (and typ JWT)", mint(header=none_hdr, sig=b""), "token.unsupported_alg"),
        vt("alg HS256 (and typ JWT)", mint(header=hdr(alg="HS256", typ="JWT")), "token.unsupported_alg"),
        vt("alg RS256 on an otherwise valid token", mint(header=hdr(alg="RS256")), "token.unsupported_alg"),
        vt("alg ES256 (and typ JWT)", mint(header=hdr(alg="ES256", typ="JWT")), "token.unsupported_alg"),
        vt("alg is case-sensitive: eddsa (and typ JWT)", mint(header=hdr(alg="eddsa", typ="JWT")),
           "token.unsupported_alg"),
        vt("alg is case-sensitive: ED25519", mint(header=hdr(alg="ED25519")), "token.unsupported_alg"),
        vt("alg with a trailing space", mint(header=hdr(alg="EdDSA ")), "token.unsupported_alg"),
        vt("alg Ed448 (and a forbidden header)", mint(header=hdr(alg="Ed448", jku="https://evil.example.test/")),
           "token.unsupported_alg"),
    ]
    # ---- token.wrong_type (also a forbidden header)
    cs += [
        vt("typ JWT (and jku)", mint(header=hdr(typ="JWT", jku="https://evil.example.test/jwks")),
           "token.wrong_type"),
        vt("typ missing (and crit)", mint(header=hdr(typ=DROP, crit=["exp"])), "token.wrong_type"),
        vt("typ application/jwt", mint(header=hdr(typ="application/jwt")), "token.wrong_type"),
        vt("typ jwt+at", mint(header=hdr(typ="jwt+at")), "token.wrong_type"),
        vt("typ at+jwt with a trailing space", mint(header=hdr(typ="at+jwt ")), "token.wrong_type"),
    ]
    # ---- token.forbidden_header (also unknown kid and a bad signature)
    attacker_jwk = jwk("k9", att)
    for member, value in [("crit", ["exp"]), ("jku", "https://evil.example.test/jwks.json"),
                          ("jwk", attacker_jwk), ("x5u", "https://evil.example.test/cert.pem"),
                          ("x5c", ["MIIBszCCAVmgAwIBAgIUZXhhbXBsZQ=="]), ("b64", False)]:
        cs.append(vt(f"forbidden header {member} (and unknown kid)",
                     mint(header=hdr(kid="k9", **{member: value}), seed=att), "token.forbidden_header"))
    cs += [
        vt("forbidden header b64:true on an otherwise valid token", mint(header=hdr(b64=True)),
           "token.forbidden_header"),
        vt("forbidden header crit:[] on an otherwise valid token", mint(header=hdr(crit=[])),
           "token.forbidden_header"),
        vt("embedded jwk matching the real k1 key is still forbidden", mint(header=hdr(jwk=jwk("k1", k1))),
           "token.forbidden_header"),
    ]
    # ---- token.unknown_key (also a bad signature)
    cs += [
        vt("unknown kid (and a zero signature)", mint(header=hdr(kid="k9"), sig=ZERO_SIG), "token.unknown_key"),
        vt("kid missing (lead's decision) and a zero signature", mint(header=hdr(kid=DROP), sig=ZERO_SIG),
           "token.unknown_key"),
        vt("kid of the skipped RSA key", mint(header=hdr(kid="rsa1")), "token.unknown_key"),
        vt("kid is case-sensitive", mint(header=hdr(kid="K1")), "token.unknown_key"),
        vt("validly signed by a key that is not in the set", mint(header=hdr(kid="k3"), seed=k3),
           "token.unknown_key"),
        # SPEC §6: a kid that is not a non-empty string counts as absent, in the JWKS and in the
        # header alike, so a JWKS key with "kid": "" never matches anything.
        vt("a JWKS key with an empty kid does not match a token without kid",
           mint(header=hdr(kid=DROP), seed=k3), "token.unknown_key", jwks={"keys": [jwk("", k3)]}),
        vt("a JWKS key with an empty kid does not match a token with an empty kid",
           mint(header=hdr(kid=""), seed=k3), "token.unknown_key", jwks={"keys": [jwk("", k3)]}),
        vt("a JWKS key with an empty kid does not match a token whose kid is not a string",
           mint(header=hdr(kid=5), seed=k3), "token.unknown_key", jwks={"keys": [jwk("", k3)]}),
        vt("a token with an empty kid is an unknown key", mint(header=hdr(kid="")), "token.unknown_key"),
        vt("a token whose kid is null is an unknown key", mint(header=hdr(kid=None)), "token.unknown_key"),
        vt("two JWKS keys with an empty kid are skipped, not duplicates", valid, ok_claims(),
           jwks={"keys": [jwk("", k3), jwk("", k2), jwk("k1", k1)]}),
    ]
    # ---- token.bad_signature (also a missing claim / other later failures)
    no_jti = base_claims(jti=DROP)
    t = mint(payload=no_jti)
    sig = b64u_dec(t.split(".")[2])
    s_int = int.from_bytes(sig[32:], "little")
    assert s_int + L < 2**256
    sig_sl = sig[:32] + (s_int + L).to_bytes(32, "little")
    t_valid_sig = b64u_dec(vsig)
    sig_sl_valid = t_valid_sig[:32] + (int.from_bytes(t_valid_sig[32:], "little") + L).to_bytes(32, "little")
    # identity R with a satisfied equation
    si = signing_input_of(valid)
    id_sig = identity_r_signature(k1, si)
    assert openssl_accepts(pub(k1), id_sig, si), "identity-R signature should satisfy the equation"
    cs += [
        vt("signed by k2 but kid k1 (and jti missing)", mint(payload=no_jti, seed=k2), "token.bad_signature"),
        vt("signed by k2 but kid k1, otherwise valid", mint(seed=k2), "token.bad_signature"),
        vt("payload changed after signing (and jti missing)",
           t.split(".")[0] + "." + b64u(compact(dict(no_jti, scope="vault:delete:org"))) + "." + t.split(".")[2],
           "token.bad_signature"),
        vt("header changed after signing (kid k1 -> k2)",
           b64u(compact(hdr(kid="k2"))) + "." + vp + "." + vsig, "token.bad_signature"),
        vt("63-byte signature (and jti missing)", mint(payload=no_jti, sig=sig[:63]), "token.bad_signature"),
        vt("65-byte signature (and jti missing)", mint(payload=no_jti, sig=sig + b"\x00"), "token.bad_signature"),
        vt("63-byte signature, otherwise valid", valid.rsplit(".", 1)[0] + "." + b64u(t_valid_sig[:63]),
           "token.bad_signature"),
        vt("65-byte signature, otherwise valid", valid.rsplit(".", 1)[0] + "." + b64u(t_valid_sig + b"\x00"),
           "token.bad_signature"),
        vt("empty signature (and jti missing)", mint(payload=no_jti, sig=b""), "token.bad_signature"),
        vt("all-zero 64-byte signature", mint(sig=ZERO_SIG), "token.bad_signature"),
        vt("non-canonical S (S+L) (and jti missing)", mint(payload=no_jti, sig=sig_sl), "token.bad_signature"),
        vt("non-canonical S (S+L), otherwise valid", valid.rsplit(".", 1)[0] + "." + b64u(sig_sl_valid),
           "token.bad_signature"),
        vt("small-order R (identity) satisfying the equation", valid.rsplit(".", 1)[0] + "." + b64u(id_sig),
           "token.bad_signature"),
        vt("small-order A (identity public key) with identity R and S=0",
           mint(header=hdr(kid="weak"), sig=IDENTITY + bytes(32)), "token.bad_signature",
           jwks={"keys": JWKS["keys"] + [jwk("weak", x=b64u(IDENTITY))]}),
        vt("signature over the payload alone", valid.rsplit(".", 1)[0] + "." + b64u(sign(k1, vp.encode())),
           "token.bad_signature"),
    ]
    # ---- token.missing_claim (also wrong audience and, where exp is present, expired)
    for claim in ["iss", "sub", "aud", "client_id", "iat", "exp", "jti", "scope", "org", "ips", "env"]:
        cs.append(vt(f"missing claim {claim} (and wrong audience, expired)",
                     mint(payload=base_claims(**{claim: DROP})), "token.missing_claim",
                     now=IAT + 7200, audience=OTHER_AUD))
    cs += [
        vt("presence before types: iss a number and jti missing", mint(payload=base_claims(iss=5, jti=DROP)),
           "token.missing_claim"),
        vt("presence before types: exp a string and env missing (last)",
           mint(payload=base_claims(exp="soon", env=DROP)), "token.missing_claim"),
        vt("empty payload object", mint(payload=b"{}"), "token.missing_claim"),
    ]
    # ---- token.invalid_claim (also expired or later failures)
    late = IAT + 7200
    for label, over, now in [
        ("iss a number", {"iss": 1}, late),
        ("sub a number", {"sub": 1}, late),
        ("aud a number", {"aud": 1}, late),
        ("aud an object", {"aud": {"a": AUD}}, late),
        ("client_id an array", {"client_id": ["cid_vec"]}, late),
        ("iat a string", {"iat": str(IAT)}, late),
        ("jti a number", {"jti": 1}, late),
        ("scope an array", {"scope": ["transaction:read:org"]}, late),
        ("org a number", {"org": 1}, late),
        ("ips a string", {"ips": "203.0.113.0/24"}, late),
        ("env a boolean", {"env": True}, late),
        ("exp a string (and wrong issuer)", {"exp": str(IAT + 3600)}, NOW),
        ("iat a boolean", {"iat": True}, late),
    ]:
        cs.append(vt(f"invalid claim: {label}", mint(payload=base_claims(**over)), "token.invalid_claim", now=now,
                     issuer=OTHER_ISS if "issuer" in label else ISS))
    cs += [
        vt("invalid claim: exp a float (1800003600.0), also expired",
           mint(payload=compact(base_claims()).replace(b'"exp":1800003600', b'"exp":1800003600.0')),
           "token.invalid_claim", now=late),
        vt("invalid claim: iat a float, also expired",
           mint(payload=compact(base_claims()).replace(b'"iat":1800000000', b'"iat":1800000000.5')),
           "token.invalid_claim", now=late),
        vt("invalid claim: nbf null is not an absent nbf (SPEC 6), also expired",
           mint(payload=dict(base_claims(), nbf=None)), "token.invalid_claim", now=late),
        vt("invalid claim: nbf a string (optional but typed), also expired",
           mint(payload=dict(base_claims(), nbf=str(IAT))), "token.invalid_claim", now=late),
        vt("invalid claim: nbf a float, also expired",
           mint(payload=compact(dict(base_claims(), nbf=IAT))[:-1].replace(b'"nbf":1800000000', b'"nbf":1800000000.0') + b"}"),
           "token.invalid_claim", now=late),
    ]
    # ---- time: token.expired (also not yet valid), token.not_yet_valid (also wrong issuer)
    exp = IAT + 3600
    cs += [
        vt("one second before exp", valid, ok_claims(), now=exp - 1),
        vt("at exp: expired", valid, "token.expired", now=exp),
        vt("after exp: expired", valid, "token.expired", now=exp + 1),
        vt("leeway 60: 59 s after exp still valid", valid, ok_claims(), now=exp + 59, leeway=60),
        vt("leeway 60: 60 s after exp expired", valid, "token.expired", now=exp + 60, leeway=60),
        vt("leeway 0 given explicitly: at exp expired", valid, "token.expired", now=exp, leeway=0),
        vt("expired beats not yet valid (nbf in the future)",
           mint(payload=dict(base_claims(), nbf=exp + 100)), "token.expired", now=exp),
        vt("expired beats not yet valid (iat in the future)",
           mint(payload=base_claims(iat=NOW + 100, exp=NOW)), "token.expired", now=NOW),
        vt("nbf one second in the future (and wrong issuer)", mint(payload=dict(base_claims(), nbf=NOW + 1)),
           "token.not_yet_valid", issuer=OTHER_ISS),
        vt("iat one second in the future (and wrong issuer)", mint(payload=base_claims(iat=NOW + 1)),
           "token.not_yet_valid", issuer=OTHER_ISS),
        vt("iat in the future even with nbf in the past", mint(payload=dict(base_claims(iat=NOW + 5), nbf=IAT)),
           "token.not_yet_valid"),
        vt("leeway 30: nbf 30 s ahead is valid", mint(payload=dict(base_claims(), nbf=NOW + 30)), ok_claims(),
           leeway=30),
        vt("leeway 30: nbf 31 s ahead is not yet valid", mint(payload=dict(base_claims(), nbf=NOW + 31)),
           "token.not_yet_valid", leeway=30),
        vt("leeway 30: iat 30 s ahead is valid", mint(payload=base_claims(iat=NOW + 30)),
           ok_claims(base_claims(iat=NOW + 30)), leeway=30),
        vt("leeway 30: iat 31 s ahead is not yet valid", mint(payload=base_claims(iat=NOW + 31)),
           "token.not_yet_valid", leeway=30),
        vt("now before iat of the starter-style token", valid, "token.not_yet_valid", now=IAT - 1),
    ]
    # ---- token.wrong_issuer (also wrong audience), token.wrong_audience
    cs += [
        vt("wrong issuer (and wrong audience)", valid, "token.wrong_issuer", issuer=OTHER_ISS, audience=OTHER_AUD),
        vt("issuer with a trailing slash", valid, "token.wrong_issuer", issuer=ISS + "/"),
        vt("issuer compared case-sensitively", valid, "token.wrong_issuer", issuer="https://Auth.example.test"),
        vt("issuer in the token differs", mint(payload=base_claims(iss=OTHER_ISS)), "token.wrong_issuer"),
        vt("wrong audience", valid, "token.wrong_audience", audience=OTHER_AUD),
        vt("audience with a trailing slash", valid, "token.wrong_audience", audience=AUD + "/"),
        vt("aud array without the audience", mint(payload=base_claims(aud=[OTHER_AUD, AUD + "/"])),
           "token.wrong_audience"),
        vt("aud empty array", mint(payload=base_claims(aud=[])), "token.wrong_audience"),
    ]
    # ---- JWKS rules
    k1j, k2j, k3j = jwk("k1", k1), jwk("k2", k2), jwk("k3", k3)
    x_k1 = pub(k1)
    cs += [
        vt("JWKS keys without alg and use are usable", valid, ok_claims(), jwks={"keys": [k1j]}),
        vt("JWKS key with alg Ed25519 is usable", valid, ok_claims(), jwks={"keys": [jwk("k1", k1, alg="Ed25519")]}),
        vt("JWKS: RSA key listed first is skipped", valid, ok_claims(), jwks={"keys": [JWKS["keys"][2], k1j]}),
        vt("JWKS: extra unknown members on a key are fine", valid, ok_claims(),
           jwks={"keys": [jwk("k1", k1, key_ops=["verify"], note="primary")]}),
        vt("JWKS: extra top-level members are fine", valid, ok_claims(), jwks={"keys": [k1j], "note": "x"}),
        vt("JWKS: empty keys array -> unknown key", valid, "token.unknown_key", jwks={"keys": []}),
        vt("JWKS: OKP key without kid is skipped", valid, "token.unknown_key",
           jwks={"keys": [jwk(None, k1), k2j]}),
        vt("JWKS: x of 31 bytes is skipped", valid, "token.unknown_key",
           jwks={"keys": [jwk("k1", x=b64u(x_k1[:31])), k2j]}),
        vt("JWKS: x of 33 bytes is skipped", valid, "token.unknown_key",
           jwks={"keys": [jwk("k1", x=b64u(x_k1 + b"\x00")), k2j]}),
        vt("JWKS: OKP key without x is skipped", valid, "token.unknown_key",
           jwks={"keys": [{"kty": "OKP", "crv": "Ed25519", "kid": "k1"}, k2j]}),
        vt("JWKS: crv X25519 is another kind of key, skipped", valid, "token.unknown_key",
           jwks={"keys": [dict(k1j, crv="X25519"), k2j]}),
        vt("JWKS: kty EC is skipped", valid, "token.unknown_key",
           jwks={"keys": [{"kty": "EC", "crv": "P-256", "kid": "k1", "x": "AA", "y": "AA"}, k2j]}),
        vt("JWKS: key with use enc is skipped (lead's decision)", valid, "token.unknown_key",
           jwks={"keys": [jwk("k1", k1, use="enc"), k2j]}),
        vt("JWKS: key with alg RS256 is skipped (lead's decision)", valid, "token.unknown_key",
           jwks={"keys": [jwk("k1", k1, alg="RS256"), k2j]}),
        vt("JWKS: a skipped key may share a kid with a usable key", valid, ok_claims(),
           jwks={"keys": [jwk("k1", x=b64u(x_k1[:31])), k1j, {"kty": "RSA", "kid": "k1", "n": RSA_N, "e": "AQAB"}]}),
        vt("JWKS: two usable keys with the same kid", valid, "jwks.invalid",
           jwks={"keys": [k1j, jwk("k1", k2)]}),
        vt("JWKS: the same key twice", valid, "jwks.invalid", jwks={"keys": [k1j, k1j]}),
        vt("JWKS: duplicate kid rejected even for a token signed by a third key",
           mint(header=hdr(kid="k3"), seed=k3), "jwks.invalid",
           jwks={"keys": [jwk("dup", k1), jwk("dup", k2), k3j]}),
        vt("JWKS: not an object (array)", valid, "jwks.invalid", jwks=[k1j]),
        vt("JWKS: no keys member", valid, "jwks.invalid", jwks={"key": [k1j]}),
        vt("JWKS: keys is an object", valid, "jwks.invalid", jwks={"keys": k1j}),
        vt("JWKS: keys is a string", valid, "jwks.invalid", jwks={"keys": "k1"}),
        vt("JWKS: a string", valid, "jwks.invalid", jwks="k1"),
        vt("JWKS is checked before the token (malformed token)", "hello", "jwks.invalid", jwks={"keys": {}}),
        vt("JWKS is checked before the token (too large token)", "a" * 9000, "jwks.invalid", jwks=[]),
        vt("JWKS duplicate kid is checked before the token", "hello", "jwks.invalid",
           jwks={"keys": [k1j, jwk("k1", k2)]}),
    ]
    # sanity: every token expected to verify really verifies with OpenSSL under its kid's key
    seeds_by_kid = {"k1": k1, "k2": k2}
    for c in cs:
        if c["expect"].get("ok") is True:
            tok = c["input"]["token"]
            kid = json.loads(b64u_dec(tok.split(".")[0]))["kid"]
            assert_valid(tok, seeds_by_kid[kid])
            assert len(tok) <= 8192
    return cs


FILE = "tokens.json"
NAME = "tokens"
COMMENT = (
    "verify_token (SPEC §6), generated by generate.py with keys k1/k2 (the starter JWKS), k3 and an attacker "
    "key: accepted forms (alg Ed25519, typ application/at+jwt, aud arrays, extra claims, 8192-byte token), "
    "every failure code in the SPEC's order, each proven with a token that also has a LATER failure "
    "(too_large > malformed > unsupported_alg > wrong_type > forbidden_header > unknown_key > bad_signature > "
    "missing_claim > invalid_claim > expired > not_yet_valid > wrong_issuer > wrong_audience); strict "
    "base64url (padding, non-canonical trailing bits, +/); duplicate JSON members; each forbidden header; "
    "63/65-byte signatures, S+L, small-order R and A; exp/nbf/iat boundaries with and without leeway; JWKS "
    "rules (skipped keys, jwks.invalid for bad shape and duplicate usable kids, checked before the token)."
)
