"""The stubs' ``Literal`` types, checked by mypy --strict on a small program: the spelling of
every permission word, set type, environment, status and code is known to the type checker,
as it is in the npm package's TypeScript types."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

PROGRAM = '''
from datetime import timedelta
from typing import Any, Dict, List, Literal, Mapping, Optional, Union
from typing_extensions import assert_type

import credgate
from credgate import _credgate

r = credgate.Request("balances", "read", vault="v1")
assert_type(r.type, credgate.ResourceType)
assert_type(r.action, credgate.Action)
d = credgate.authorize(["vault:read:org"], r)
assert_type(d.reason, credgate.CheckReason)
assert_type(d.status, Literal[200, 400, 401, 403])
p = credgate.Permission("vault", "read", "org")
assert_type(p.type, credgate.ResourceType)
assert_type(p.scope, credgate.Scope)
assert_type(credgate.CODES, tuple[credgate.Code, ...])
assert_type(_credgate.CODES, tuple[credgate.Code, ...])
assert_type(credgate.ip_allowed(["10.0.0.0/8"], "10.0.0.1").reason, credgate.IpReason)
c = credgate.Credential({})
assert_type(c.status, credgate.Status)
assert_type(c.environment, credgate.Environment)
assert_type(c.permission_set_type, credgate.SetType)
k = credgate.SigningKey.generate("k")
v = credgate.Verifier([k], issuer="i", audience="a")
claims = v.verify("x.y.z")
assert_type(claims.env, credgate.Environment)
b = credgate.parse_bearer(None)
if isinstance(b, credgate.BearerRefusal):
    assert_type(b.reason, credgate.BearerCode)
    assert_type(b.status, Literal[400, 401])
t = credgate.parse_token_request("POST", {}, "")
if isinstance(t, credgate.TokenRefusal):
    assert_type(t.error, credgate.OAuthErrorName)
    assert_type(t.reason, credgate.IssuanceReason)
    assert_type(t.status, Literal[400, 401])
else:
    assert_type(t.auth_method, credgate.AuthMethod)
try:
    v.verify("x")
except credgate.TokenError as e:
    assert_type(e.code, credgate.Code)
report = credgate.validate_spec({})
for problem in report.errors:
    assert_type(problem.code, credgate.Code)
for finding in credgate.lint({}):
    assert_type(finding.code, credgate.LintCode)
ex = credgate.explain(["vault:read:org"], r)
assert_type(ex.reason, credgate.DecisionCode)
assert_type(ex.narrowest, Optional[str])
assert_type(ex.wider_than_needed, Optional[bool])
df = credgate.diff({}, {})
for change in df.new_access:
    assert_type(change.code, credgate.DiffCode)
assert_type(df.environment, Optional[tuple[str, str]])
assert_type(credgate.suggest({}, []).spec, Optional[credgate.CredentialSpec])
assert_type(c.secrets[0].expires_at, Optional[int])
assert_type(c.verify_secret("s").secret, Optional[int])
try:
    v.load_revocations("x")
except credgate.RevocationsError as re_:
    assert_type(re_.code, credgate.Code)
dc = v.check("x.y.z", client_ip="203.0.113.7", request=r)
assert_type(dc.error, Optional[credgate.ChallengeError])
mapping: Mapping[str, Any] = claims
as_dict: Dict[str, Any] = dict(claims)
assert_type(claims.to_json(), str)
credgate.Verifier([k], issuer="i", audience="a", leeway=timedelta(seconds=30))
credgate.Verifier([k], issuer="i", audience="a", leeway="30")  # expect-error
from credgate.fastapi import Authorized, CredgateBearer
guard = CredgateBearer(v)
guard.require("balances", "read", vault="vault")
guard.require("balance", "read")  # expect-error
from credgate.asgi import Protect
Protect("GET", "/v1/vaults", "vault", "read")
Protect("GET", "/v1/vaults", "vault", "list")  # expect-error
credgate.RevokeClient("cid", "yesterday")  # expect-error
c.rotate_secret(grace="1h")  # expect-error
credgate.Request("vualt", "read")  # expect-error
credgate.Request("vault", "list")  # expect-error
credgate.Permission("vault", "read", "world")  # expect-error
credgate.CredentialSpec("n", "everything", [], [], "sandbox")  # expect-error
credgate.CredentialSpec("n", "wallets", [], [], "staging")  # expect-error
x: Literal["token.expird"] = "token.expird"
y: credgate.Code = x  # expect-error
'''


def test_literal_types_with_mypy(tmp_path: Path) -> None:
    program = tmp_path / "program.py"
    program.write_text(PROGRAM)
    p = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--cache-dir",
         str(tmp_path / "cache"), "--hide-error-context", "--no-error-summary", str(program)],
        capture_output=True, text=True,
    )
    lines = PROGRAM.splitlines()
    expected = {i for i, line in enumerate(lines, start=1) if line.endswith("# expect-error")}
    got = {}
    for m in re.finditer(r"program\.py:(\d+): error: (.*)", p.stdout):
        got.setdefault(int(m.group(1)), m.group(2))
    unexpected = {n: msg for n, msg in got.items() if n not in expected}
    assert unexpected == {}, p.stdout
    assert set(got) == expected, p.stdout
