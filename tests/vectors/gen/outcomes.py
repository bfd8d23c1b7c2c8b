"""outcomes.json: the answer/failure table of docs/OUTCOMES.md, one case per kind of outcome
of every operation, each pinning the wire member "outcome" ("result", "answer" or "failure")
that every host's runner rebuilds from what the host's public API returned or raised. A host
that raised a refusal, or returned a failure, fails these cases."""

from .common import AUD, ISS, JWKS, NOW, SEEDS, base_claims, case, mint
from .issue import SECRET, credential
from .spec import spec

FILE = "outcomes.json"
NAME = "outcomes"
COMMENT = ("docs/OUTCOMES.md: for every operation, what is returned (a result or an answer) and "
           "what is raised (a failure), pinned by the wire member `outcome`")

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
KEY = {"kid": "k1", "seed": SEEDS["k1"].hex()}
REQ = {"type": "vault", "action": "read"}


def result(**expect):
    return {"outcome": "result", **expect}


def answer(**expect):
    return {"outcome": "answer", **expect}


def failure(code):
    return {"outcome": "failure", "ok": False, "error": code}


def verify(token, jwks=None):
    return {"token": token, "now": NOW, "jwks": JWKS if jwks is None else jwks,
            "issuer": ISS, "audience": AUD}


def check(token, request, jwks=None):
    return {**verify(token, jwks), "client_ip": "203.0.113.7", "request": request}


def issue(cred, secret=SECRET, key=KEY):
    return {"credential": cred, "client_secret": secret, "client_ip": "203.0.113.7", "now": NOW,
            "signing_key": key, "jti": "jti-outcome-1", "issuer": ISS, "audience": AUD}


def _grants(*rows):
    return [f"{kind}:{action}:org" for kind, actions in rows for action in actions.split()]


# Written from the SPEC's tables, not from the engine: a host whose vocabulary drifts fails.
VOCABULARY = {
    "types": [
        {"type": "vault", "scopes": ["org", "vault"]},
        {"type": "key", "scopes": ["org", "vault", "key"]},
        {"type": "balances", "scopes": ["org", "vault", "key"]},
        {"type": "transaction", "scopes": ["org", "vault", "key"]},
        {"type": "address", "scopes": ["org", "vault"]},
        {"type": "policy", "scopes": ["org", "vault"]},
        {"type": "webhook", "scopes": ["org"]},
        {"type": "audit", "scopes": ["org"]},
    ],
    "actions": ["create", "read", "update", "delete"],
    "scopes": ["org", "vault", "key"],
    "set_types": [
        {"set_type": "wallets",
         "summary": "Create, read and update vaults and keys (wallets), and read balances",
         "permissions": _grants(("vault", "create read update"), ("key", "create read update"), ("balances", "read"))},
        {"set_type": "transactions",
         "summary": "Create, read and update transactions, and read keys and balances",
         "permissions": _grants(("transaction", "create read update"), ("key", "read"), ("balances", "read"))},
        {"set_type": "controls",
         "summary": "Create, read, update and delete policies and whitelisted addresses",
         "permissions": _grants(("policy", "create read update delete"), ("address", "create read update delete"))},
        {"set_type": "monitoring",
         "summary": "Manage webhooks, and read the audit log and transactions",
         "permissions": _grants(("webhook", "create read update delete"), ("audit", "read"), ("transaction", "read"))},
    ],
    "environments": ["sandbox", "production"],
    "statuses": ["enabled", "disabled", "deleted"],
    "limits": {"text_chars": {"min": 5, "max": 50}, "permissions": {"min": 1, "max": 100},
               "ip_allowlist": {"min": 1, "max": 6}, "resource_chars": {"min": 1, "max": 64}},
}


def cases():
    token = mint(payload=base_claims())
    entropy = "ab" * 48
    return [
        case("parse_permission: a permission is a result", "parse_permission",
             {"text": "vault:read:org"}, result(ok=True, canonical="vault:read:org")),
        case("parse_permission: an invalid permission is a failure", "parse_permission",
             {"text": "vault:read"}, failure("permission.invalid")),
        case("validate_spec: a valid spec is an answer", "validate_spec",
             {"spec": spec()}, answer(ok=True)),
        case("validate_spec: an invalid spec is an answer listing its problems", "validate_spec",
             {"spec": spec(name="abc")}, answer(ok=False, error="spec.invalid",
                                                errors=[{"path": "name", "code": "name.length"}])),
        case("validate_spec: an input that is not an object is a failure", "validate_spec",
             [], failure("input.invalid")),
        case("ip_allowed: a deny is an answer", "ip_allowed",
             {"allowlist": ["10.0.0.0/8"], "ip": "11.0.0.1"},
             answer(allowed=False, reason="deny.ip_not_allowed")),
        case("ip_allowed: an invalid allowlist is a failure", "ip_allowed",
             {"allowlist": ["10.0.0.1/8"], "ip": "10.0.0.1"}, failure("ip.host_bits_set")),
        case("authorize: a deny is an answer", "authorize",
             {"permissions": ["key:read:org"], "request": REQ},
             answer(allowed=False, reason="deny.no_matching_permission")),
        case("authorize: an invalid request is a failure", "authorize",
             {"permissions": ["vault:read:org"], "request": {"type": "wallet", "action": "read"}},
             failure("request.invalid")),
        case("authorize: an invalid permission is a failure with its index", "authorize",
             {"permissions": ["vault:read:org", "vault:read"], "request": REQ},
             {**failure("permission.invalid"), "index": 1}),
        case("verify_token: claims are a result", "verify_token", verify(token),
             result(ok=True, claims={"client_id": base_claims()["client_id"]})),
        case("verify_token: a token failure is a failure", "verify_token", verify("a.b.c"),
             failure("token.malformed")),
        case("verify_token: an unusable JWKS is a failure", "verify_token",
             verify(token, {"keys": 1}), failure("jwks.invalid")),
        case("check: a token failure is an answer with status 401", "check",
             check("a.b.c", REQ), answer(allowed=False, status=401, reason="token.malformed")),
        case("check: an invalid request is an answer with status 400", "check",
             check(token, {"type": "wallet", "action": "read"}),
             answer(allowed=False, status=400, reason="request.invalid")),
        case("check: an unusable JWKS is a failure", "check", check(token, REQ, {"keys": 1}),
             failure("jwks.invalid")),
        case("parse_token_request: a parsed request is a result", "parse_token_request",
             {"method": "POST", "headers": FORM,
              "body": "grant_type=client_credentials&client_id=cid_1&client_secret=s"},
             result(ok=True, client_id="cid_1", auth_method="client_secret_post")),
        case("parse_token_request: a refusal is an answer", "parse_token_request",
             {"method": "GET", "headers": FORM, "body": ""},
             answer(ok=False, error="invalid_request", status=400, reason="request.invalid")),
        case("parse_token_request: headers that are not text are a failure", "parse_token_request",
             {"method": "POST", "headers": 5, "body": ""}, failure("input.invalid")),
        case("issue_token: a refusal is an answer", "issue_token",
             issue(credential(status="disabled")),
             answer(ok=False, error="invalid_client", status=401, reason="client.disabled")),
        case("issue_token: an issued token is a result", "issue_token", issue(credential()),
             result(ok=True, status=200)),
        case("issue_token: a bad signing key is a failure", "issue_token",
             issue(credential(), key={"kid": "k1", "seed": "00"}), failure("key.invalid")),
        case("issue_token: a broken credential record is a failure", "issue_token",
             issue({"client_id": 1}), failure("credential.invalid")),
        case("preview: a preview is a result", "preview", {"permissions": ["vault:read:org"]},
             result(ok=True, permissions=["vault:read:org"])),
        case("preview: an invalid permission is a failure", "preview",
             {"permissions": ["vault:read:nowhere"]}, {**failure("permission.unknown_scope"), "index": 0}),
        case("lint: findings are an answer", "lint",
             {"spec": spec(ip_allowlist=["0.0.0.0/0"])},
             answer(ok=True, findings=[{"code": "lint.all_addresses", "path": "ip_allowlist[0]"}])),
        case("lint: an invalid spec is an answer with its problems and no findings", "lint",
             {"spec": spec(name="abc")},
             answer(ok=False, error="spec.invalid", findings=[],
                    errors=[{"path": "name", "code": "name.length"}])),
        case("lint: a time that is not an integer is a failure", "lint",
             {"spec": spec(), "now": "today"}, failure("input.invalid")),
        case("create_credential: a credential is a result", "create_credential",
             {"spec": spec(), "org": "org_1", "now": NOW, "entropy": entropy}, result(ok=True)),
        case("create_credential: an invalid spec is a failure with every problem",
             "create_credential", {"spec": spec(name="abc"), "org": "org_1", "now": NOW, "entropy": entropy},
             {**failure("spec.invalid"), "errors": [{"path": "name", "code": "name.length"}]}),
        case("update_credential: the updated record is a result", "update_credential",
             {"credential": credential(), "action": "disable", "now": NOW},
             result(ok=True, credential={"status": "disabled"})),
        case("update_credential: a deleted credential is a failure", "update_credential",
             {"credential": credential(status="deleted"), "action": "enable", "now": NOW},
             failure("credential.deleted")),
        case("update_credential: an unknown action is a failure", "update_credential",
             {"credential": credential(), "action": "pause", "now": NOW}, failure("input.invalid")),
        case("set_type_defaults: the defaults are a result", "set_type_defaults",
             {"set_type": "monitoring"}, result(ok=True)),
        case("set_type_defaults: an unknown set type is a failure", "set_type_defaults",
             {"set_type": "wallet"}, failure("set_type.unknown")),
        case("vocabulary: the words of a spec are a result (SPEC §1's scope table, §3's set types, §4's limits)",
             "vocabulary", {}, result(ok=True, **VOCABULARY)),
        case("public_jwks: a JWKS is a result", "public_jwks", {"signing_keys": [KEY]},
             result(ok=True, keys=[JWKS["keys"][0]])),
        case("public_jwks: two keys with one kid are a failure", "public_jwks",
             {"signing_keys": [KEY, KEY]}, failure("jwks.invalid")),
        case("parse_bearer: a token is a result", "parse_bearer",
             {"authorization": "Bearer abc"}, result(ok=True, token="abc")),
        case("parse_bearer: a missing header is an answer with status 401", "parse_bearer",
             {"authorization": None}, answer(ok=False, error="bearer.missing", status=401)),
        case("verify_secret: a wrong secret is an answer", "verify_secret",
             {"credential": credential(), "client_secret": "cgs_test_wrong"},
             answer(ok=True, valid=False)),
        case("verify_secret: a broken record is a failure", "verify_secret",
             {"credential": {}, "client_secret": "x"}, failure("credential.invalid")),
        # docs/LIFECYCLE.md: explain has authorize's outcomes; a diff, even of an invalid spec, is an
        # answer (like validate_spec); an invalid revocation list is raised; client.expired is a refusal.
        case("explain: a decision is an answer", "explain",
             {"permissions": ["vault:read:org"], "request": REQ},
             answer(allowed=True, reason="allow", narrowest="vault:read:org", wider_than_needed=False)),
        case("explain: an invalid request is a failure", "explain",
             {"permissions": ["vault:read:org"], "request": {"type": "wallet", "action": "read"}},
             failure("request.invalid")),
        case("explain: an invalid permission is a failure with its index", "explain",
             {"permissions": ["vault:read:org", "vault:read"], "request": REQ},
             {**failure("permission.invalid"), "index": 1}),
        case("diff: a diff is an answer", "diff", {"before": spec(), "after": spec(environment="production")},
             answer(ok=True, grants_new_access=True)),
        case("diff: an invalid spec is an answer listing its problems", "diff",
             {"before": spec(), "after": spec(name="abc")},
             answer(ok=False, error="spec.invalid", errors=[{"path": "after.name", "code": "name.length"}])),
        case("diff: an input without after is a failure", "diff", {"before": spec()}, failure("input.invalid")),
        case("issue_token: an expired credential is a refusal (an answer)", "issue_token",
             issue(credential(expires_at=NOW)),
             answer(ok=False, error="invalid_client", status=401, reason="client.expired")),
        case("verify_token: an invalid revocation list is a failure", "verify_token",
             {**verify(token), "revocations": "not-a-list"}, failure("revocations.invalid")),
        case("check: an invalid revocation list is a failure", "check",
             {**check(token, REQ), "revocations": "not-a-list"}, failure("revocations.invalid")),
    ]
