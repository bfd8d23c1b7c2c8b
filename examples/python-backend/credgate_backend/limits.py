"""The rate limit on failed token requests: a token bucket per key, bounded in memory.

This is our own code rather than a library: the limit counts *failures* only (a success
must not consume the bucket, so the decision to charge comes after credgate's answer),
which request-counting middlewares such as slowapi do not offer, and the whole thing is
a few lines over an ``OrderedDict``.

Each key (a client id, a client address) has a bucket of ``burst`` attempts that refills
by one every ``refill_seconds``. A request is refused while its bucket holds less than one
attempt; a failed request takes one. Memory is bounded: a bucket that has refilled
completely carries no information and is dropped, and when ``max_keys`` buckets are
tracked the least recently touched one is dropped first (it is also the fullest).
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Callable, Tuple


@dataclass
class _Bucket:
    attempts: float
    updated: float


class FailureLimiter:
    """Token buckets keyed by string. ``clock`` returns seconds (injectable for tests)."""

    def __init__(self, *, burst: int, refill_seconds: float, max_keys: int, clock: Callable[[], float]) -> None:
        if burst < 1 or refill_seconds <= 0 or max_keys < 1:
            raise ValueError("burst and max_keys must be at least 1, refill_seconds positive")
        self.burst = burst
        self.refill_seconds = refill_seconds
        self.max_keys = max_keys
        self._clock = clock
        self._buckets: "OrderedDict[str, _Bucket]" = OrderedDict()  # least recently touched first
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._buckets)

    def _attempts(self, bucket: _Bucket, now: float) -> float:
        elapsed = max(0.0, now - bucket.updated)
        return min(float(self.burst), bucket.attempts + elapsed / self.refill_seconds)

    def _drop_idle(self, now: float) -> None:
        while self._buckets:
            key, oldest = next(iter(self._buckets.items()))
            if self._attempts(oldest, now) < self.burst:
                return
            del self._buckets[key]

    def retry_after(self, *keys: str) -> int:
        """0 when every key may try now; else the whole seconds until all of them may."""
        now = self._clock()
        wait = 0.0
        with self._lock:
            self._drop_idle(now)
            for key in keys:
                bucket = self._buckets.get(key)
                if bucket is not None:
                    missing = 1.0 - self._attempts(bucket, now)
                    wait = max(wait, missing * self.refill_seconds)
        return math.ceil(wait) if wait > 0 else 0

    def charge(self, *keys: str) -> None:
        """A failed attempt: take one from each key's bucket (never below zero)."""
        now = self._clock()
        with self._lock:
            for key in keys:
                bucket = self._buckets.pop(key, None)
                attempts = self._attempts(bucket, now) if bucket is not None else float(self.burst)
                self._buckets[key] = _Bucket(max(0.0, attempts - 1.0), now)
            self._drop_idle(now)
            while len(self._buckets) > self.max_keys:
                self._buckets.popitem(last=False)

    def snapshot(self, key: str) -> Tuple[float, int]:
        """(attempts left, tracked keys) — for tests and diagnostics."""
        now = self._clock()
        with self._lock:
            bucket = self._buckets.get(key)
            return (self._attempts(bucket, now) if bucket else float(self.burst), len(self._buckets))
