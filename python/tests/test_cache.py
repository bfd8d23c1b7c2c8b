"""The verifier's cache of verified tokens (docs/CACHE.md), through ``credgate.Verifier``:
a token seen again skips only parsing and the signature, so every answer is the one an
uncached verifier gives — past ``exp``, after a revocation, for another IP or request — and
its counters say what it did. No timing is asserted here (``make bench`` measures)."""

from __future__ import annotations

import threading
from typing import Any, List

import pytest

import credgate
from conftest import AUDIENCE, IP_BAD, IP_OK, ISSUER, NOW

READ = credgate.Request("vault", "read", vault="vlt_1")
EXP = NOW + 3600


def verifiers(key: credgate.SigningKey) -> List[credgate.Verifier]:
    return [
        credgate.Verifier([key], issuer=ISSUER, audience=AUDIENCE),
        credgate.Verifier([key], issuer=ISSUER, audience=AUDIENCE, cache_entries=0),
    ]


def test_a_repeated_token_is_a_hit_with_the_same_decision(key: credgate.SigningKey, token: str) -> None:
    cached, plain = verifiers(key)
    for _ in range(3):
        a = cached.check(token, client_ip=IP_OK, request=READ, now=NOW + 10)
        b = plain.check(token, client_ip=IP_OK, request=READ, now=NOW + 10)
        assert a.to_dict() == b.to_dict() and a.allowed
    stats = cached.cache_stats()
    assert isinstance(stats, credgate.CacheStats)
    assert (stats.hits, stats.misses, stats.entries, stats.evictions) == (2, 1, 1, 0)
    assert stats.bytes > len(token)
    assert plain.cache_stats() == credgate.CacheStats(0, 0, 0, 0, 0)
    assert (cached.cache_entries, cached.cache_bytes) == (credgate.CACHE_ENTRIES, credgate.CACHE_BYTES)
    assert (plain.cache_entries, plain.cache_bytes) == (0, credgate.CACHE_BYTES)


def test_a_hit_still_checks_the_ip_the_request_and_the_time(key: credgate.SigningKey, token: str) -> None:
    cached, plain = verifiers(key)
    cases: List[Any] = [
        (IP_OK, READ, NOW + 1),
        (IP_BAD, READ, NOW + 2),
        (IP_OK, credgate.Request("vault", "delete", vault="vlt_1"), NOW + 3),
        (IP_OK, READ, NOW - 1),  # before `iat`: not yet valid
        (IP_OK, READ, EXP - 1),
        (IP_OK, READ, EXP),  # the fast-jwt pitfall: a cached token past its `exp`
        (IP_OK, READ, NOW + 5),
    ]
    reasons = []
    for ip, request, now in cases:
        a = cached.check(token, client_ip=ip, request=request, now=now)
        b = plain.check(token, client_ip=ip, request=request, now=now)
        assert a.to_dict() == b.to_dict()
        reasons.append(a.reason)
    assert reasons == ["allow", "deny.ip_not_allowed", "deny.no_matching_permission",
                       "token.not_yet_valid", "allow", "token.expired", "allow"]
    with pytest.raises(credgate.TokenError) as e:
        cached.verify(token, now=EXP + 1)
    assert e.value.code == "token.expired"
    # The expired token left the cache when it was found expired.
    assert cached.cache_stats().evictions >= 1


def test_a_token_revoked_after_it_was_cached_is_revoked(key: credgate.SigningKey, token: str) -> None:
    cached, _ = verifiers(key)
    assert cached.check(token, client_ip=IP_OK, request=READ, now=NOW + 1).allowed
    assert cached.check(token, client_ip=IP_OK, request=READ, now=NOW + 2).allowed
    assert cached.cache_stats().hits == 1
    signed = credgate.sign_revocations(key, issuer=ISSUER, epoch=1, now=NOW + 3,
                                       entries=[credgate.RevokeToken("jti-1", NOW + 3)])
    cached.load_revocations(signed.revocations)
    assert cached.cache_stats().entries == 0  # a new list empties the cache
    d = cached.check(token, client_ip=IP_OK, request=READ, now=NOW + 4)
    assert (d.allowed, d.reason, d.status) == (False, "token.revoked", 401)


def test_a_small_cache_evicts_and_stays_within_its_limits(
    key: credgate.SigningKey, new_credential: credgate.NewCredential
) -> None:
    cred, secret = new_credential
    tokens = [
        credgate.issue_token(cred, secret, client_ip=IP_OK, signing_key=key, issuer=ISSUER,
                             audience=AUDIENCE, now=NOW, jti=f"jti-{i}").access_token
        for i in range(5)
    ]
    v = credgate.Verifier([key], issuer=ISSUER, audience=AUDIENCE, cache_entries=2)
    for t in tokens * 2:
        assert v.check(t, client_ip=IP_OK, request=READ, now=NOW + 1).allowed
    stats = v.cache_stats()
    assert stats.entries == 2 and stats.evictions >= 3
    assert stats.hits + stats.misses == 10
    by_bytes = credgate.Verifier([key], issuer=ISSUER, audience=AUDIENCE, cache_bytes=len(tokens[0]))
    by_bytes.verify(tokens[0], now=NOW + 1)
    assert by_bytes.cache_stats().entries == 0  # larger than the whole limit: not held


@pytest.mark.parametrize("name", ["cache_entries", "cache_bytes"])
@pytest.mark.parametrize("bad", [-1, "10", 1.5, True, None, 2**64])
def test_bad_cache_limits_are_input_errors(key: credgate.SigningKey, name: str, bad: Any) -> None:
    with pytest.raises(credgate.InputError):
        credgate.Verifier([key], issuer=ISSUER, audience=AUDIENCE, **{name: bad})


def test_threads_share_one_cache(key: credgate.SigningKey, token: str) -> None:
    v = credgate.Verifier([key], issuer=ISSUER, audience=AUDIENCE)
    errors: List[BaseException] = []

    def worker() -> None:
        try:
            for _ in range(200):
                assert v.check(token, client_ip=IP_OK, request=READ, now=NOW + 1).allowed
        except BaseException as e:  # noqa: BLE001 - reported by the main thread
            errors.append(e)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    stats = v.cache_stats()
    assert stats.hits + stats.misses == 800 and stats.entries == 1
