"""lifecycle.json: the ops of CONFORMANCE.md's table on credential records version 2
(docs/LIFECYCLE.md): issue_token with two secrets, secret expiry, the credential's own
expiry (client.expired, checked after client.disabled; exp = min(iat + 3600, expires_at)),
records that are not version 2, and lint's additions (lint.secret_rotation_due,
lint.secret_past_grace, lint.no_expiry, lint.expires_soon, lint.unused_permission).

Expectations are written from SPEC §6-§8 and docs/LIFECYCLE.md, not from the core.
"""

from .common import NOW, case
from .issue import SECRET, credential, it, it_err, it_ok, sha
from .spec import spec

DAY = 86400
SECRET_B = "cgs_test_second0secret0for0rotation0tests0aaaaaaaaaaaa"
BAD = it_err("invalid_client", 401, "client.bad_secret")
EXPIRED = it_err("invalid_client", 401, "client.expired")


def two_secrets(first_expires=None, second_expires=None, **over):
    a = {"sha256": sha(SECRET), "created_at": 1799990000}
    if first_expires is not None:
        a["expires_at"] = first_expires
    b = {"sha256": sha(SECRET_B), "created_at": 1799995000}
    if second_expires is not None:
        b["expires_at"] = second_expires
    return credential(secrets=[a, b], **over)


def issue_cases():
    cs = []
    rot = two_secrets(first_expires=NOW + 100)
    cs += [
        it("two secrets: the older (live in its grace) works, secret 0", rot, it_ok(rot, secret=0)),
        it("two secrets: the newer works, secret 1", rot, it_ok(rot, secret=1), secret=SECRET_B),
        it("two secrets: a third value is a bad secret", rot, BAD, secret=SECRET + "x"),
        it("two secrets: the digest of the newer is not a secret", rot, BAD, secret=sha(SECRET_B)),
        it("two secrets: the older one second before its expires_at still works", rot,
           it_ok(rot, now=NOW + 99, secret=0), now=NOW + 99),
        it("two secrets: the older at its expires_at is expired -> client.bad_secret", rot, BAD, now=NOW + 100),
        it("two secrets: the newer still works when the older has expired", rot,
           it_ok(rot, now=NOW + 100, secret=1), secret=SECRET_B, now=NOW + 100),
        it("two secrets: the older long after its expires_at -> client.bad_secret", rot, BAD, now=NOW + 5000),
    ]
    one_expired = credential(secrets=[{"sha256": sha(SECRET), "created_at": 1799990000, "expires_at": NOW}])
    both = two_secrets(first_expires=NOW - 10, second_expires=NOW)
    cs += [
        it("one secret, expired -> client.bad_secret", one_expired, BAD),
        it("two secrets, both expired: the older -> client.bad_secret", both, BAD),
        it("two secrets, both expired: the newer -> client.bad_secret", both, BAD, secret=SECRET_B),
        it("a secret's last_used_at does not matter",
           credential(secrets=[{"sha256": sha(SECRET), "created_at": 1799990000, "last_used_at": 1799999999}]),
           it_ok(credential(secrets=[{"sha256": sha(SECRET), "created_at": 1799990000,
                                      "last_used_at": 1799999999}]))),
        it("expired secret before IP: client.bad_secret", one_expired, BAD, ip="192.0.2.1"),
    ]
    # The credential's own expiry.
    for label, delta in [("one lifetime and a second after now: exp = iat + 3600", 3601),
                         ("exactly one lifetime after now: exp = iat + 3600", 3600),
                         ("100 s after now: exp = expires_at", 100),
                         ("1 s after now: exp = expires_at", 1)]:
        c = credential(expires_at=NOW + delta)
        cs.append(it(f"expires_at {label}", c, it_ok(c)))
    c = credential(expires_at=NOW + 600, permissions=["vault:read:org", "key:read:vault"])
    cs.append(it("expires_at caps exp of a down-scoped token too", c, it_ok(c, scope="key:read:key:key_1"),
                 scope="key:read:key:key_1"))
    c = two_secrets(first_expires=NOW + 50, expires_at=NOW + 30)
    cs.append(it("expires_at caps exp with the newer secret", c, it_ok(c, secret=1), secret=SECRET_B))
    cs += [
        it("expires_at = now -> client.expired", credential(expires_at=NOW), EXPIRED),
        it("expires_at before now -> client.expired", credential(expires_at=NOW - 86400), EXPIRED),
        it("order: deleted before expired", credential(status="deleted", expires_at=NOW), 
           it_err("invalid_client", 401, "client.deleted")),
        it("order: disabled before expired", credential(status="disabled", expires_at=NOW),
           it_err("invalid_client", 401, "client.disabled")),
        it("order: expired before a wrong secret", credential(expires_at=NOW), EXPIRED, secret="nope"),
        it("order: expired before an expired secret", credential(
            expires_at=NOW - 5, secrets=[{"sha256": sha(SECRET), "created_at": 1799990000, "expires_at": NOW - 5}]),
           EXPIRED),
        it("order: expired before IP", credential(expires_at=NOW), EXPIRED, ip="192.0.2.1"),
        it("order: expired before scope", credential(expires_at=NOW), EXPIRED, scope="policy:read:org"),
    ]
    # Records that are not version 2.
    INVALID = {"ok": False, "error": "credential.invalid"}
    v1 = credential()
    del v1["secrets"]
    v1["secret_sha256"] = sha(SECRET)
    three = credential(secrets=[{"sha256": sha(SECRET), "created_at": 1}, {"sha256": sha(SECRET_B), "created_at": 2},
                                {"sha256": sha("cgs_test_third"), "created_at": 3}])
    cs += [
        it("record version 1 (secret_sha256) -> credential.invalid", v1, INVALID),
        it("record with secrets and secret_sha256 -> credential.invalid",
           dict(credential(), secret_sha256=sha(SECRET)), INVALID),
        it("record with no secrets -> credential.invalid", credential(secrets=[]), INVALID),
        it("record with three secrets -> credential.invalid", three, INVALID),
        it("record with a secret digest that is not 64 hex -> credential.invalid",
           credential(secrets=[{"sha256": "abc", "created_at": 1799990000}]), INVALID),
    ]
    return cs


# ---------------------------------------------------------------------------------- lint

def lint_record(**over):
    """A clean production record at NOW: fresh secret, expires in 60 days, public IPs, wallets-only."""
    base = dict(permissions=["vault:read:org", "balances:read:vault:vlt_9", "key:update:key:key_3"],
                created_at=NOW - 10 * DAY, updated_at=NOW - 10 * DAY, expires_at=NOW + 60 * DAY,
                secrets=[{"sha256": sha(SECRET), "created_at": NOW - 10 * DAY}])
    base.update(over)
    return credential(**base)


def no_expiry(record):
    return {k: v for k, v in record.items() if k != "expires_at"}


def ln(name, findings, cred=None, s=None, **extra):
    inp = {}
    if cred is not None:
        inp["credential"] = cred
    if s is not None:
        inp["spec"] = s
    inp.update(extra)
    return case(name, "lint", inp, {"ok": True, "findings": [{"code": c, "path": p} for c, p in findings]})


def use(t, a, vault=None, key=None, last_at=NOW - DAY, count=3):
    r = {"type": t, "action": a}
    if vault is not None:
        r["vault"] = vault
    if key is not None:
        r["key"] = key
    return {"request": r, "last_at": last_at, "count": count}


def lint_cases():
    cs = []
    N = NOW
    cs += [
        ln("record: clean production record, no findings", [], cred=lint_record(), now=N),
        ln("record: clean without now", [], cred=lint_record()),
        # no_expiry
        ln("no_expiry: production record without expires_at", [("lint.no_expiry", "expires_at")],
           cred=no_expiry(lint_record()), now=N),
        ln("no_expiry: also without now", [("lint.no_expiry", "expires_at")],
           cred=no_expiry(lint_record())),
        ln("no_expiry: not for a sandbox record", [],
           cred=no_expiry(lint_record(environment="sandbox")), now=N),
        ln("no_expiry: not for a production spec (only records)", [], s=spec(environment="production")),
        # expires_soon
        ln("expires_soon: 14 days minus 1 s", [("lint.expires_soon", "expires_at")],
           cred=lint_record(expires_at=N + 14 * DAY - 1), now=N),
        ln("expires_soon boundary: exactly 14 days is not soon", [], cred=lint_record(expires_at=N + 14 * DAY), now=N),
        ln("expires_soon: already passed", [("lint.expires_soon", "expires_at")],
           cred=lint_record(expires_at=N - DAY), now=N),
        ln("expires_soon: sandbox record too", [("lint.expires_soon", "expires_at")],
           cred=lint_record(environment="sandbox", expires_at=N + DAY), now=N),
        ln("expires_soon: needs now", [], cred=lint_record(expires_at=N + DAY)),
        # secret_rotation_due (default 90 days; a record is aged by its secrets, docs/LIFECYCLE.md)
        ln("secret_rotation_due: live secret 90 days and 1 s old (a record is aged by its secrets, never stale_credential)",
           [("lint.secret_rotation_due", "secrets[0]")],
           cred=lint_record(created_at=N - 90 * DAY - 1,
                            secrets=[{"sha256": sha(SECRET), "created_at": N - 90 * DAY - 1}]), now=N),
        ln("secret_rotation_due boundary: exactly 90 days is not due", [],
           cred=lint_record(created_at=N - 90 * DAY, secrets=[{"sha256": sha(SECRET), "created_at": N - 90 * DAY}]),
           now=N),
        ln("secret_rotation_due: rotation_days 30, a 31-day-old secret",
           [("lint.secret_rotation_due", "secrets[0]")],
           cred=lint_record(created_at=N - 31 * DAY, secrets=[{"sha256": sha(SECRET), "created_at": N - 31 * DAY}]),
           now=N, rotation_days=30),
        ln("secret_rotation_due: an old record with a freshly rotated secret has no finding",
           [],
           cred=lint_record(created_at=N - 200 * DAY, secrets=[{"sha256": sha(SECRET), "created_at": N - DAY}]),
           now=N),
        ln("secret_rotation_due: an old secret in its grace is being retired: not due",
           [],
           cred=lint_record(created_at=N - 40 * DAY,
                            secrets=[{"sha256": sha(SECRET), "created_at": N - 40 * DAY, "expires_at": N + DAY},
                                     {"sha256": sha(SECRET_B), "created_at": N - DAY}]), now=N, rotation_days=30),
        ln("secret_rotation_due: needs now", [],
           cred=lint_record(created_at=N - 10 * DAY, secrets=[{"sha256": sha(SECRET), "created_at": N - 200 * DAY}])),
        # secret_past_grace
        ln("secret_past_grace: an expired secret still on the record (not also rotation_due)",
           [("lint.secret_past_grace", "secrets[0]")],
           cred=lint_record(created_at=N - 80 * DAY,
                            secrets=[{"sha256": sha(SECRET), "created_at": N - 100 * DAY,
                                      "expires_at": N - DAY},
                                     {"sha256": sha(SECRET_B), "created_at": N - 2 * DAY}]), now=N),
        ln("secret_past_grace: expires_at = now has passed (a secret is live only while now < expires_at)",
           [("lint.secret_past_grace", "secrets[0]")],
           cred=lint_record(secrets=[{"sha256": sha(SECRET), "created_at": N - 5 * DAY, "expires_at": N},
                                     {"sha256": sha(SECRET_B), "created_at": N - DAY}]), now=N),
        ln("secret_past_grace: still in its grace (1 s left) is no finding", [],
           cred=lint_record(secrets=[{"sha256": sha(SECRET), "created_at": N - 5 * DAY, "expires_at": N + 1},
                                     {"sha256": sha(SECRET_B), "created_at": N - DAY}]), now=N),
        ln("secret_past_grace at secrets[1]", [("lint.secret_past_grace", "secrets[1]")],
           cred=lint_record(secrets=[{"sha256": sha(SECRET), "created_at": N - 5 * DAY},
                                     {"sha256": sha(SECRET_B), "created_at": N - DAY, "expires_at": N - 60}]), now=N),
    ]
    # unused_permission: usage attributed to the first permission allowing each request.
    # balances:read:vault:vlt_9 and balances:read:key:key_1 both allow key_1 in vlt_9 and neither covers
    # the other (no lint.redundant_permission): the first one in the spec gets the use.
    s3 = lint_record(permissions=["balances:read:vault:vlt_9", "balances:read:key:key_1", "vault:read:org"])
    U0, U1, U2 = use("balances", "read", "vlt_9"), use("balances", "read", "vlt_2", "key_1"), use("vault", "read")
    cs += [
        ln("unused_permission: usage given, every permission used: no finding", [], cred=s3, now=N, usage=[U0, U1, U2]),
        ln("unused_permission: attributed to the first permission that allows (key:key_1 in vlt_9 -> vault:vlt_9)",
           [("lint.unused_permission", "permissions[1]")],
           cred=s3, now=N, usage=[use("balances", "read", "vlt_9", "key_1"), use("vault", "read", "vlt_3")]),
        ln("unused_permission: a request no permission allows is not attributed",
           [("lint.unused_permission", "permissions[0]"), ("lint.unused_permission", "permissions[1]")],
           cred=s3, now=N, usage=[U2, use("audit", "read"), use("balances", "update", "vlt_9"),
                                  use("balances", "read", "vlt_8", "key_2")]),
        ln("unused_permission: empty usage -> every permission",
           [("lint.unused_permission", "permissions[0]"), ("lint.unused_permission", "permissions[1]"),
            ("lint.unused_permission", "permissions[2]")], cred=s3, now=N, usage=[]),
        ln("unused_permission: no usage given -> not checked", [], cred=s3, now=N),
        ln("unused_permission: last use 90 days and 1 s ago is unused",
           [("lint.unused_permission", "permissions[2]")], cred=s3, now=N,
           usage=[U0, U1, use("vault", "read", last_at=N - 90 * DAY - 1)]),
        ln("unused_permission boundary: last use exactly 90 days ago is used", [], cred=s3, now=N,
           usage=[U0, U1, use("vault", "read", last_at=N - 90 * DAY)]),
        ln("unused_permission: the latest of two uses counts", [], cred=s3, now=N,
           usage=[U0, U1, use("vault", "read", last_at=N - 300 * DAY), use("vault", "read", "vlt_1", last_at=N - DAY)]),
        ln("unused_permission: unused_after_days 7", [("lint.unused_permission", "permissions[0]")],
           cred=s3, now=N, unused_after_days=7,
           usage=[use("balances", "read", "vlt_9", last_at=N - 8 * DAY), U1, U2]),
        ln("unused_permission: without now only attribution counts", [], cred=s3,
           usage=[use("balances", "read", "vlt_9", last_at=1), use("balances", "read", "vlt_2", "key_1", last_at=1),
                  use("vault", "read", last_at=1)]),
        ln("unused_permission with a spec input", [("lint.unused_permission", "permissions[0]")],
           s=spec(), now=N, usage=[use("balances", "read", "vlt_1")]),
    ]
    v1 = {k: v for k, v in lint_record().items() if k != "secrets"}
    v1["secret_sha256"] = sha(SECRET)
    cs.append(case("lint: a record version 1 is credential.invalid", "lint", {"credential": v1, "now": N},
                   {"ok": False, "error": "credential.invalid"}))
    cs.append(case("usage: 10,001 entries -> input.invalid (checked before any entry is read)", "lint",
                   {"credential": s3, "now": N, "usage": [{}] * 10001}, {"ok": False, "error": "input.invalid"}))
    # Every new code at once.
    cs.append(ln("record: every new finding at once", [
        ("lint.expires_soon", "expires_at"),
        ("lint.secret_rotation_due", "secrets[1]"),
        ("lint.secret_past_grace", "secrets[0]"),
        ("lint.unused_permission", "permissions[1]"),
    ], cred=lint_record(created_at=N - 80 * DAY, expires_at=N + 3 * DAY,
                        permissions=["vault:read:org", "balances:read:vault:vlt_9"],
                        secrets=[{"sha256": sha(SECRET), "created_at": N - 80 * DAY, "expires_at": N - DAY},
                                 {"sha256": sha(SECRET_B), "created_at": N - 45 * DAY}]),
        now=N, rotation_days=40, usage=[use("vault", "read")]))
    return cs


def cases():
    return issue_cases() + lint_cases()


FILE = "lifecycle.json"
NAME = "lifecycle"
COMMENT = (
    "docs/LIFECYCLE.md on the ops of CONFORMANCE.md's table, with credential records version 2 "
    "(secrets: [{sha256, created_at, expires_at?, last_used_at?}], expires_at?): issue_token accepts either "
    "live secret (answer member secret = its index), an expired secret (now >= its expires_at) is "
    "client.bad_secret, the credential's expires_at gives client.expired (after client.deleted and "
    "client.disabled, before the secret, IP and scope) and caps exp = min(iat + 3600, expires_at) (exact token "
    "bytes; expires_in not pinned when capped), records that are not version 2 are credential.invalid; lint on "
    "a record: lint.no_expiry, lint.expires_soon (< 14 days, boundary), lint.secret_rotation_due (> "
    "rotation_days, default 90), lint.secret_past_grace (expires_at <= now), lint.unused_permission (usage "
    "attributed to the first permission that allows it; older than unused_after_days, default 90), usage over "
    "10,000 entries, and all at once. Findings compare as a set."
)
