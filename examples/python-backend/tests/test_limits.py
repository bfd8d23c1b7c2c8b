"""The failed-token-request limiter on its own (``credgate_backend/limits.py``), with an
injected clock: refill, Retry-After and the memory bound. Its use by the token endpoint is
tested over HTTP in ``test_security_review.py``."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from credgate_backend.limits import FailureLimiter  # noqa: E402


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_bucket_refills_and_says_when() -> None:
    clock = Clock()
    limiter = FailureLimiter(burst=10, refill_seconds=6, max_keys=100, clock=clock)
    for _ in range(10):
        assert limiter.retry_after("a") == 0
        limiter.charge("a")
    assert limiter.retry_after("a") == 6
    assert limiter.retry_after("b") == 0 and limiter.retry_after("b", "a") == 6
    clock.now += 4.5
    assert limiter.retry_after("a") == 2  # 1.5 s left, rounded up
    clock.now += 1.5
    assert limiter.retry_after("a") == 0
    limiter.charge("a")
    assert limiter.retry_after("a") == 6
    clock.now -= 100  # a clock that steps back refills nothing and breaks nothing
    assert limiter.retry_after("a") == 6


def test_memory_is_bounded() -> None:
    clock = Clock()
    limiter = FailureLimiter(burst=10, refill_seconds=6, max_keys=50, clock=clock)
    for i in range(10_000):  # a spray of distinct keys
        limiter.charge(f"k{i}")
    assert len(limiter) == 50
    assert limiter.snapshot("k9999")[0] == 9  # the newest are kept, the oldest dropped
    assert limiter.snapshot("k0")[0] == 10
    clock.now += 60  # every bucket full again: nothing left worth keeping
    limiter.charge("x")
    assert len(limiter) == 1
