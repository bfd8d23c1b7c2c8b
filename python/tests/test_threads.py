"""Objects are shared between threads safely, and signature work releases the GIL."""

from __future__ import annotations

import statistics
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, List

import credgate
from conftest import IP_BAD, IP_OK, NOW


def test_shared_verifier_and_permission_set_across_threads(
    verifier: credgate.Verifier, token: str
) -> None:
    ps = credgate.PermissionSet(["vault:read:org", "balances:read:vault:v1"])
    reqs = [credgate.Request("balances", "read", vault=f"v{i % 3}") for i in range(300)]
    want = [d.allowed for d in ps.authorize_many(reqs)]
    req = credgate.Request("balances", "read", vault="vlt_1")

    def work(i: int) -> bool:
        ip = IP_OK if i % 2 == 0 else IP_BAD
        d = verifier.check(token, client_ip=ip, request=req, now=NOW + 1)
        assert d.allowed == (i % 2 == 0)
        assert d.reason == ("allow" if i % 2 == 0 else "deny.ip_not_allowed")
        assert verifier.verify(token, now=NOW + 1).jti == "jti-1"
        assert [d.allowed for d in ps.authorize_many(reqs)] == want
        return True

    with ThreadPoolExecutor(max_workers=8) as pool:
        assert all(pool.map(work, range(200)))


def test_revocation_lists_load_while_other_threads_verify(
    key: credgate.SigningKey, token: str
) -> None:
    """Verifier.load_revocations replaces the held list while other threads verify: each
    verification sees one whole list (the token valid or revoked, nothing else), epochs only
    grow, and the last list loaded is the one held."""
    verifier = credgate.Verifier([key], issuer="https://auth.example.test",
                                 audience="https://api.example.test")
    lists = [
        credgate.sign_revocations(
            key, issuer="https://auth.example.test", epoch=epoch, now=NOW,
            entries=[credgate.RevokeToken("jti-1", NOW)] if epoch % 2 else [],
        ).revocations
        for epoch in range(40)
    ]

    def verify(_: int) -> str:
        try:
            verifier.verify(token, now=NOW + 1)
            return "valid"
        except credgate.TokenError as e:
            return e.code

    def load() -> None:
        for text in lists:
            assert verifier.load_revocations(text).epoch >= 0

    loader = threading.Thread(target=load)
    loader.start()
    with ThreadPoolExecutor(max_workers=4) as pool:
        seen = set(pool.map(verify, range(400)))
    loader.join()
    assert seen <= {"valid", "token.revoked"}
    held = verifier.revocations
    assert held is not None and held.epoch == 39 and held.entries
    assert verify(0) == "token.revoked"


def _speedup(work: Callable[[], None], n: int) -> float:
    """Throughput with 2 threads divided by throughput with 1 (same total work)."""

    def run(threads: int) -> float:
        per = n // threads
        barrier = threading.Barrier(threads + 1)

        def loop() -> None:
            barrier.wait()
            for _ in range(per):
                work()

        ts = [threading.Thread(target=loop) for _ in range(threads)]
        for t in ts:
            t.start()
        barrier.wait()
        t0 = time.perf_counter()
        for t in ts:
            t.join()
        return time.perf_counter() - t0

    return run(1) / run(2)


def _gil_wait(work: Callable[[], None], samples: int) -> float:
    """Median time another thread waits to get the GIL back while ``work`` runs in a loop.

    The waiting thread gives the GIL up (``time.sleep(0)``) and asks for it again. If ``work``
    holds the GIL, the request is served only when the interpreter forces a switch (the
    switch interval, set to 50 ms here); if ``work`` releases it, the request is served at
    once.
    """
    waits: List[float] = []
    done = threading.Event()

    go = threading.Event()

    def waiter() -> None:
        go.wait()  # start measuring only once `work` is running
        while len(waits) < samples:
            t0 = time.perf_counter()
            time.sleep(0)
            waits.append(time.perf_counter() - t0)
        done.set()

    t = threading.Thread(target=waiter)
    t.start()
    work()
    go.set()
    while not done.is_set():
        work()
    t.join()
    return statistics.median(waits)


def test_verify_releases_the_gil(verifier: credgate.Verifier, token: str) -> None:
    old = sys.getswitchinterval()
    sys.setswitchinterval(0.05)
    try:
        held = _gil_wait(lambda: sum(i * i for i in range(300)), 9)
        released = _gil_wait(lambda: verifier.verify(token, now=NOW + 1), 200)
    finally:
        sys.setswitchinterval(old)
    assert held > 0.02, held  # the control really holds the GIL
    assert released < held / 5, (released, held)


def test_objects_are_immutable(verifier: credgate.Verifier) -> None:
    r = credgate.Request("vault", "read")
    for obj, attr in ((r, "type"), (credgate.PermissionSet(["vault:read:org"]), "scope")):
        try:
            setattr(obj, attr, "x")
        except AttributeError:
            pass
        else:  # pragma: no cover
            raise AssertionError(f"{type(obj).__name__}.{attr} is writable")
    results: List[str] = []
    threads = [threading.Thread(target=lambda: results.append(repr(verifier))) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(results)) == 1
