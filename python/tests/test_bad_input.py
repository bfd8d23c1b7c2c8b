"""SPEC §9: no input, however malformed, crashes the host — every failure is a credgate.Error
(or a TypeError for a Python value of the wrong type), never a panic or an abort."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest

import credgate
from conftest import IP_OK, NOW


def garbage(rng: random.Random, depth: int = 0) -> Any:
    kinds = ["str", "int", "float", "bool", "none", "list", "dict", "text"]
    if depth > 3:
        kinds = kinds[:5]
    k = rng.choice(kinds)
    if k == "str":
        return "".join(chr(rng.randrange(0, 0x2FFF)) for _ in range(rng.randrange(0, 12)))
    if k == "text":
        return rng.choice(["vault:read:org", "10.0.0.0/8", "::ffff:1.2.3.4", "", "a" * 70, "cid_x"])
    if k == "int":
        return rng.choice([0, -1, 2**63 - 1, -(2**63), rng.randrange(-10**6, 10**6)])
    if k == "float":
        return rng.random() * 1e6
    if k == "bool":
        return rng.random() < 0.5
    if k == "none":
        return None
    if k == "list":
        return [garbage(rng, depth + 1) for _ in range(rng.randrange(0, 4))]
    return {rng.choice(["type", "action", "vault", "key", "org", "keys", "spec", "x"]): garbage(rng, depth + 1)
            for _ in range(rng.randrange(0, 4))}


def test_facade_survives_garbage() -> None:
    rng = random.Random(20261127)
    for i in range(3000):
        op = credgate.OPS[i % len(credgate.OPS)]
        value = garbage(rng)
        payload = value if rng.random() < 0.3 else {"input": value, "spec": value, "token": value,
                                                    "permissions": value, "request": value}
        out = credgate.call(op, payload)
        assert isinstance(out, dict) and out["outcome"] in ("result", "answer", "failure"), (op, out)
    # Not even an object.
    for text in ("", "{", "[1,", "\x00", "9" * 5000, "[" * 10000):
        out = credgate.call("check", text)
        assert out["ok"] is False and out["error"] == "input.invalid"


def test_typed_api_survives_garbage(verifier: credgate.Verifier, token: str) -> None:
    rng = random.Random(7)
    b = bytearray(token.encode())
    req = credgate.Request("vault", "read")
    for _ in range(2000):
        mutated = bytearray(b)
        for _ in range(rng.randrange(1, 4)):
            mutated[rng.randrange(len(mutated))] = rng.randrange(32, 127)
        t = mutated.decode("ascii")
        try:
            verifier.verify(t, now=NOW + 1)
        except credgate.TokenError:
            pass
        d = verifier.check(t, client_ip=IP_OK, request=req, now=NOW + 1)
        assert d.status in (200, 401, 403)
    for value in (garbage(rng) for _ in range(500)):
        for fn in (credgate.KeySet, credgate.PermissionSet, credgate.Request.from_dict):
            try:
                fn(value)
            except (credgate.Error, TypeError):
                pass


def test_unencodable_input_is_an_input_error_not_a_crash() -> None:
    cyclic: list[Any] = []
    cyclic.append(cyclic)
    deep: dict[str, Any] = {}
    cur = deep
    for _ in range(100_000):
        cur["x"] = {}
        cur = cur["x"]
    for bad in (cyclic, deep, float("nan"), object()):
        with pytest.raises(credgate.InputError) as info:
            credgate.validate_spec(bad)
        assert info.value.code == "input.invalid"
        out = credgate.call("validate_spec", {"spec": bad})
        assert (out["outcome"], out["error"]) == ("failure", "input.invalid")
    # the extension still answers normally afterwards
    assert credgate.call("parse_permission", {"text": "vault:read:org"})["ok"] is True


def _nested(levels: int) -> Any:
    """A JWKS whose extra member makes the whole value `levels` containers deep."""
    inner: Any = "leaf"
    for _ in range(levels - 1):
        inner = [inner]
    return {"keys": [], "x": inner}


def _accepted(fn: Any, value: Any) -> bool:
    try:
        fn(value)
    except credgate.Error:
        return False
    return True


def test_nesting_limit_is_the_text_parsers() -> None:
    """A Python value is accepted exactly when its JSON text is accepted by the core's strict
    text parser (``credgate_core::json::parse_strict``, behind ``KeySet(str)``), on both
    sides of the boundary, for the prepared classes and for the façade."""

    seen = set()
    for levels in range(110, 140):
        value = _nested(levels)
        text = json.dumps(value)
        by_text = _accepted(credgate.KeySet, text)
        seen.add(by_text)
        assert _accepted(credgate.KeySet, value) == by_text, levels
        # the façade: a value through `credgate.call` is judged as its text is (wrapped in
        # the input object, it is one level deeper)
        request = {"authorization": None, "x": value}
        wrapped_by_text = _accepted(credgate.KeySet, json.dumps(_nested(levels + 1)))
        facade_value: Any = credgate.call("parse_bearer", request)
        expected = "bearer.missing" if wrapped_by_text else "input.invalid"
        assert facade_value["error"] == expected, levels
        if not by_text:
            with pytest.raises(credgate.InputError) as e:
                credgate.KeySet(value)
            assert e.value.code == "input.invalid"
    assert seen == {True, False}, "the boundary is inside the range tested"
