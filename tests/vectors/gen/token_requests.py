"""token_requests.json: parse_token_request (SPEC §7)."""

import base64

from .common import case


FORM = "application/x-www-form-urlencoded"
GRANT = "grant_type=client_credentials"


def basic(raw: str) -> str:
    return "Basic " + base64.b64encode(raw.encode()).decode()


def tr(name, body, headers=None, method="POST", expect=None):
    h = {"Content-Type": FORM} if headers is None else headers
    return case(name, "parse_token_request", {"method": method, "headers": h, "body": body}, expect)


def tr_ok(cid, secret, method, scope=None):
    e = {"ok": True, "client_id": cid, "client_secret": secret, "auth_method": method}
    if scope is not None:
        e["scope"] = scope
    return e


def tr_err(error, status, reason):
    return {"ok": False, "error": error, "status": status, "reason": reason}


BAD_REQ = tr_err("invalid_request", 400, "request.invalid")
UNSUPPORTED = tr_err("unsupported_grant_type", 400, "grant.unsupported")
NO_AUTH = tr_err("invalid_client", 401, "client.no_auth")
MALFORMED = tr_err("invalid_client", 401, "client.malformed_auth")


def cases():
    B = basic("cid_1:s3cr3t")
    H = {"Content-Type": FORM, "Authorization": B}
    cs = [
        tr("Basic authentication", GRANT, H, expect=tr_ok("cid_1", "s3cr3t", "client_secret_basic")),
        tr("Basic scheme name in lower case", GRANT, {"Content-Type": FORM, "Authorization": "basic " + B[6:]},
           expect=tr_ok("cid_1", "s3cr3t", "client_secret_basic")),
        tr("Basic scheme name in upper case", GRANT, {"Content-Type": FORM, "Authorization": "BASIC " + B[6:]},
           expect=tr_ok("cid_1", "s3cr3t", "client_secret_basic")),
        tr("Basic: secret with percent-encoded colon and plus (RFC 6749 2.3.1)", GRANT,
           {"Content-Type": FORM, "Authorization": basic("cid_1:a%3Ab%2Bc%25d")},
           expect=tr_ok("cid_1", "a:b+c%d", "client_secret_basic")),
        tr("Basic: lower-case hex digits in percent-encoding", GRANT,
           {"Content-Type": FORM, "Authorization": basic("cid_1:a%3ab%2bc")},
           expect=tr_ok("cid_1", "a:b+c", "client_secret_basic")),
        tr("Basic: '+' in the encoded secret means a space", GRANT,
           {"Content-Type": FORM, "Authorization": basic("cid_1:p+q")},
           expect=tr_ok("cid_1", "p q", "client_secret_basic")),
        tr("Basic: client id with a percent-encoded colon", GRANT,
           {"Content-Type": FORM, "Authorization": basic("cid%3Ax:s3cr3t")},
           expect=tr_ok("cid:x", "s3cr3t", "client_secret_basic")),
        tr("Basic: percent-encoded UTF-8 in the secret", GRANT,
           {"Content-Type": FORM, "Authorization": basic("cid_1:caf%C3%A9")},
           expect=tr_ok("cid_1", "caf\u00e9", "client_secret_basic")),
        tr("Basic: split at the first colon, later colons belong to the secret", GRANT,
           {"Content-Type": FORM, "Authorization": basic("cid_1:a:b")},
           expect=tr_ok("cid_1", "a:b", "client_secret_basic")),
        tr("Basic with a scope parameter", GRANT + "&scope=vault%3Aread%3Aorg+key%3Aread%3Akey%3Ak1", H,
           expect=tr_ok("cid_1", "s3cr3t", "client_secret_basic", scope="vault:read:org key:read:key:k1")),
        tr("header names are case-insensitive", GRANT, {"content-type": FORM, "AUTHORIZATION": B},
           expect=tr_ok("cid_1", "s3cr3t", "client_secret_basic")),
        tr("content type with charset parameter", GRANT,
           {"Content-Type": FORM + "; charset=UTF-8", "Authorization": B},
           expect=tr_ok("cid_1", "s3cr3t", "client_secret_basic")),
        tr("body authentication", GRANT + "&client_id=cid_1&client_secret=s3cr3t",
           expect=tr_ok("cid_1", "s3cr3t", "client_secret_post")),
        tr("body authentication, parameters in another order",
           "client_secret=s3cr3t&scope=audit%3Aread%3Aorg&client_id=cid_1&" + GRANT,
           expect=tr_ok("cid_1", "s3cr3t", "client_secret_post", scope="audit:read:org")),
        tr("body authentication with percent-encoded values", GRANT + "&client_id=cid%5F1&client_secret=a%2Bb%26c%3Dd",
           expect=tr_ok("cid_1", "a+b&c=d", "client_secret_post")),
        tr("body authentication: '+' decodes to a space", GRANT + "&client_id=cid_1&client_secret=p+q",
           expect=tr_ok("cid_1", "p q", "client_secret_post")),
        tr("unknown parameters are ignored", GRANT + "&foo=bar", H, expect=tr_ok("cid_1", "s3cr3t",
                                                                                  "client_secret_basic")),
        # invalid_request
        tr("both Basic and body authentication", GRANT + "&client_id=cid_1&client_secret=s3cr3t", H,
           expect=BAD_REQ),
        tr("repeated grant_type", GRANT + "&" + GRANT, H, expect=BAD_REQ),
        # Headers as [name, value] lines: the only JSON form that carries a repeated line.
        tr("headers as lines: Basic authentication", GRANT, [["Content-Type", FORM], ["Authorization", B]],
           expect=tr_ok("cid_1", "s3cr3t", "client_secret_basic")),
        tr("headers as lines: a repeated Authorization is invalid_request, not a malformed Basic", GRANT,
           [["Content-Type", FORM], ["Authorization", B], ["authorization", B]], expect=BAD_REQ),
        tr("headers as lines: a repeated Content-Type is invalid_request", GRANT,
           [["Content-Type", FORM], ["content-type", FORM], ["Authorization", B]], expect=BAD_REQ),
        tr("repeated client_id in the body", GRANT + "&client_id=cid_1&client_id=cid_1&client_secret=s3cr3t",
           expect=BAD_REQ),
        tr("repeated scope", GRANT + "&scope=vault%3Aread%3Aorg&scope=key%3Aread%3Aorg", H, expect=BAD_REQ),
        tr("missing grant_type", "scope=vault%3Aread%3Aorg", H, expect=BAD_REQ),
        tr("empty body", "", H, expect=BAD_REQ),
        tr("GET method", GRANT, H, method="GET", expect=BAD_REQ),
        tr("PUT method", GRANT, H, method="PUT", expect=BAD_REQ),
        tr("JSON content type", '{"grant_type":"client_credentials"}',
           {"Content-Type": "application/json", "Authorization": B}, expect=BAD_REQ),
        tr("multipart content type", GRANT, {"Content-Type": "multipart/form-data", "Authorization": B},
           expect=BAD_REQ),
        tr("no content type", GRANT, {"Authorization": B}, expect=BAD_REQ),
        # grant / client errors
        tr("password grant", "grant_type=password&username=a&password=b", H, expect=UNSUPPORTED),
        tr("authorization_code grant", "grant_type=authorization_code&code=x", H, expect=UNSUPPORTED),
        tr("grant type is case-sensitive", "grant_type=Client_Credentials", H, expect=UNSUPPORTED),
        tr("no client authentication", GRANT, expect=NO_AUTH),
        tr("Basic credentials that are not base64", GRANT, {"Content-Type": FORM, "Authorization": "Basic !!!$$$"},
           expect=MALFORMED),
        tr("Basic credentials without a colon", GRANT,
           {"Content-Type": FORM, "Authorization": basic("cid_1")}, expect=MALFORMED),
        # Order (lead's decision): method, content type, body, both auth, missing grant_type,
        # unsupported grant, malformed Basic, no auth.
        tr("order: GET with a wrong grant is invalid_request", "grant_type=password", H, method="GET",
           expect=BAD_REQ),
        tr("order: wrong content type with no auth is invalid_request", GRANT, {"Content-Type": "text/plain"},
           expect=BAD_REQ),
        tr("order: repeated parameter before unsupported grant", "grant_type=password&grant_type=password", H,
           expect=BAD_REQ),
        tr("order: both auth methods before unsupported grant",
           "grant_type=password&client_id=cid_1&client_secret=s3cr3t", H, expect=BAD_REQ),
        tr("order: missing grant_type before no auth", "scope=vault%3Aread%3Aorg", expect=BAD_REQ),
        tr("order: unsupported grant before malformed Basic", "grant_type=password",
           {"Content-Type": FORM, "Authorization": basic("cid_1")}, expect=UNSUPPORTED),
        tr("order: unsupported grant before no auth", "grant_type=password", expect=UNSUPPORTED),
    ]
    return cs


FILE = "token_requests.json"
NAME = "token_requests"
COMMENT = (
    "parse_token_request (SPEC §7, RFC 6749 §4.4/§2.3.1): client_secret_basic (scheme case-insensitive, id and "
    "secret form-urlencoded before base64: %3A, %2B, %25, '+' as space, UTF-8) and client_secret_post; scope "
    "passed through; header names case-insensitive; charset parameter on the content type; invalid_request "
    "400 request.invalid (both auth methods, repeated parameter, missing grant_type, non-POST, other content "
    "type), unsupported_grant_type 400, invalid_client 401 client.no_auth / client.malformed_auth; and the "
    "lead's check order."
)
