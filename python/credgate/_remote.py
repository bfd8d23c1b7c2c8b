"""Remote key sets: a JWKS fetched from a URL, for verifiers that do not hold the keys
(docs/REMOTE.md).

This module only fetches. When to fetch, what an answer means (status, ``Cache-Control``,
``ETag``, the body's size and keys) and which keys serve are decided by the core's state
machine (``credgate._credgate.RemoteKeySetState``); this layer performs the ``GET`` it is
told to, with the standard library only (``urllib.request``), and reports what came back.

- :class:`RemoteKeySet` is for threads: one fetch at a time (concurrent callers wait for
  it), refreshes ahead of expiry in a daemon thread while the held set serves, and blocks a
  caller only when no usable set is held.
- :class:`AsyncRemoteKeySet` is the same for asyncio: one shared task per fetch; the
  blocking ``urllib`` call runs in the loop's default executor. Use it from one event loop.

Both take an optional ``clock`` (a callable returning Unix seconds) for the state machine's
times; network timeouts are real time.
"""

from __future__ import annotations

import asyncio
import logging
import math
import threading
import time
import urllib.error
import urllib.request
from email.message import Message
from typing import Any, Callable, Dict, NamedTuple, Optional, Tuple, Union

from . import _credgate
from ._credgate import KeySet
from ._errors import JwksError, error_for_code

__all__ = ["RemoteKeySet", "AsyncRemoteKeySet", "Clock"]

#: A clock for the state machine: Unix seconds (``int`` or ``float``).
Clock = Callable[[], Union[int, float]]

_log = logging.getLogger("credgate.remote")

# Bytes read per call while a body arrives, so the total deadline is checked between reads.
_CHUNK = 16 * 1024


class _Answer(NamedTuple):
    status: int
    cache_control: Optional[str]
    etag: Optional[str]
    body: bytes


def _answer(status: int, headers: Message, body: bytes) -> _Answer:
    cache_control = headers.get_all("Cache-Control")
    return _Answer(
        status,
        ", ".join(cache_control) if cache_control else None,
        headers.get("ETag"),
        body,
    )


def _read_body(response: Any, limit: int, deadline: float) -> bytes:
    """At most ``limit`` bytes of the body, in chunks, within ``deadline`` (monotonic time):
    a server dripping bytes cannot hold the fetch past its timeout."""
    chunks = []
    size = 0
    while size < limit:
        if time.monotonic() >= deadline:
            raise TimeoutError("the body did not arrive within the timeout")
        chunk = response.read(min(_CHUNK, limit - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def _get(
    url: str, order: Dict[str, Any], timeout: float, opener: urllib.request.OpenerDirector
) -> _Answer:
    """Perform one fetch order: ``GET url`` with ``If-None-Match`` when given, the body read
    up to one byte past the limit (so the core can tell it is over)."""
    headers = {"Accept": "application/jwk-set+json, application/json"}
    if order["if_none_match"] is not None:
        headers["If-None-Match"] = order["if_none_match"]
    request = urllib.request.Request(url, headers=headers, method="GET")
    deadline = time.monotonic() + timeout
    try:
        with opener.open(request, timeout=timeout) as response:
            body = _read_body(response, order["max_bytes"] + 1, deadline)
            return _answer(response.status, response.headers, body)
    except urllib.error.HTTPError as error:  # every status but 2xx, 304 included
        try:
            return _answer(error.code, error.headers, b"")
        finally:
            error.close()


def _validate(url: object, timeout: Optional[float], fetch_timeout: int) -> float:
    if not isinstance(url, str) or not url.lower().startswith(("https://", "http://")):
        raise error_for_code("input.invalid", f"the key set URL must be http(s), not {url!r}")
    if timeout is None:
        return float(fetch_timeout) if isinstance(fetch_timeout, int) else 0.0
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout > 0:
        raise error_for_code("input.invalid", f"timeout must be positive seconds, not {timeout!r}")
    return float(timeout)


class _Base:
    """What both flavours share: the state machine, the URL, the clock, the HTTP settings."""

    def __init__(
        self,
        url: str,
        *,
        default_max_age: int = 300,
        min_max_age: int = 30,
        max_max_age: int = 86_400,
        unknown_key_cooldown: int = 30,
        retry_min: int = 5,
        retry_max: int = 300,
        stale_if_error: int = 86_400,
        fetch_timeout: int = 10,
        max_keys: int = 32,
        max_response_bytes: int = 65_536,
        timeout: Optional[float] = None,
        clock: Optional[Clock] = None,
        opener: Optional[urllib.request.OpenerDirector] = None,
    ) -> None:
        self._timeout = _validate(url, timeout, fetch_timeout)
        self._state = _credgate.RemoteKeySetState(
            default_max_age=default_max_age,
            min_max_age=min_max_age,
            max_max_age=max_max_age,
            unknown_key_cooldown=unknown_key_cooldown,
            retry_min=retry_min,
            retry_max=retry_max,
            stale_if_error=stale_if_error,
            fetch_timeout=fetch_timeout,
            max_keys=max_keys,
            max_response_bytes=max_response_bytes,
        )
        self._url = url
        self._clock: Clock = time.time if clock is None else clock
        self._opener = urllib.request.build_opener() if opener is None else opener
        self._init_flavour()

    def _init_flavour(self) -> None:
        """The flavour's own state (a lock, a task), made once the shared part is."""

    @property
    def url(self) -> str:
        return self._url

    @property
    def policy(self) -> Dict[str, int]:
        """The policy's fields (docs/REMOTE.md)."""
        return self._state.policy

    @property
    def generation(self) -> int:
        """Grows by one each time the held keys change (0: none fetched yet)."""
        return self._state.generation

    def status(self) -> Dict[str, Any]:
        """What is held and happening now: ``state`` (``empty``, ``fresh``, ``stale``,
        ``unusable``), ``fetched_at``, ``expires_at``, ``usable_until``, ``etag``, ``kids``,
        ``failures``, ``last_error``, ``retry_at``, ``fetching``, ``generation``."""
        return self._state.status(self._now())

    def _now(self) -> int:
        now = self._clock()
        if isinstance(now, bool) or not isinstance(now, (int, float)) or not math.isfinite(now):
            raise error_for_code("input.invalid", f"the clock gave {now!r}, not Unix seconds")
        return math.floor(now)

    def _get(self, order: Dict[str, Any]) -> _Answer:
        return _get(self._url, order, self._timeout, self._opener)

    def _report(self, answer: Union[_Answer, BaseException]) -> bool:
        """Hand the fetch's outcome to the state machine; whether the keys changed."""
        now = self._now()
        if isinstance(answer, BaseException):
            detail = f"{type(answer).__name__}: {answer}"
            self._state.on_failure(now, detail)
            _log.warning("fetching the key set %s failed: %s", self._url, detail)
            return False
        try:
            fetched = self._state.on_response(now, *answer)
        except JwksError as error:
            _log.warning("the key set %s was refused: %s", self._url, error.message)
            return False
        return fetched == "updated"

    def __repr__(self) -> str:
        status = self._state.status(self._now())
        return f"{type(self).__name__}({self._url!r}, state={status['state']!r}, kids={status['kids']!r})"


class RemoteKeySet(_Base):
    """A JWKS fetched from ``url`` for threads; pass it as a :class:`~credgate.Verifier`'s
    ``keys``.

    Keyword arguments: the policy (docs/REMOTE.md; seconds unless said): ``default_max_age``
    (300), ``min_max_age`` (30), ``max_max_age`` (86 400), ``unknown_key_cooldown`` (30),
    ``retry_min`` (5), ``retry_max`` (300), ``stale_if_error`` (86 400), ``fetch_timeout``
    (10), ``max_keys`` (32), ``max_response_bytes`` (65 536); ``timeout``, the real seconds an
    HTTP fetch may take (default ``fetch_timeout``); ``clock``, Unix seconds for the state
    machine (default ``time.time``); ``opener``, a ``urllib.request.OpenerDirector`` (proxies,
    TLS contexts; default ``urllib.request.build_opener()``).

    Nothing is fetched until keys are first needed. A policy that cannot work is
    :class:`~credgate.InputError`; no usable key set is :class:`~credgate.JwksError`.
    """

    def _init_flavour(self) -> None:
        self._lock = threading.Lock()
        # Set when the fetch in flight is reported; None while no fetch of ours is in flight.
        self._fetched: Optional[threading.Event] = None

    def keys(self) -> KeySet:
        """The usable keys, fetching them first when none are; :class:`~credgate.JwksError`
        when there are none (never fetched, or too stale and the server failing)."""
        return self._usable()[0]

    def refresh_unknown_key(self, seen_generation: int) -> bool:
        """A token named a kid missing from the keys of ``seen_generation``: fetch (at most
        once per cooldown; concurrent callers wait for the one fetch) and say whether the
        keys are now of a newer generation."""
        now = self._now()
        with self._lock:
            if self._state.generation != seen_generation:
                return True
            order = self._state.on_unknown_key(now)
            fetched = self._begin() if order is not None else self._fetched
        if order is not None:
            self._fetch(order)
        elif fetched is not None:
            fetched.wait(self._timeout + 1)
        return self._state.generation != seen_generation

    def _begin(self) -> threading.Event:
        # Called with the lock held, right after the state machine gave an order.
        self._fetched = threading.Event()
        return self._fetched

    def _fetch(self, order: Dict[str, Any]) -> bool:
        """Perform an order in this thread and report it, always (the single flight ends only
        when the state machine hears back)."""
        try:
            answer: Union[_Answer, BaseException] = self._get(order)
        except Exception as error:  # any failure to get an answer is the fetch's failure
            answer = error
        try:
            return self._report(answer)
        finally:
            with self._lock:
                fetched, self._fetched = self._fetched, None
            if fetched is not None:
                fetched.set()

    def _usable(self) -> Tuple[KeySet, int]:
        """The usable keys and their generation. A due fetch runs in the background while a
        usable set is held, in this thread when none is."""
        now = self._now()
        with self._lock:
            order = self._state.poll(now)
            fetched = self._begin() if order is not None else self._fetched
        try:
            usable = self._state.usable(now)
        except JwksError:
            if order is not None:
                self._fetch(order)
            elif fetched is not None:
                fetched.wait(self._timeout + 1)
            return self._state.usable(self._now())
        if order is not None:
            self._in_background(order)
        return usable

    def _in_background(self, order: Dict[str, Any]) -> None:
        try:
            threading.Thread(
                target=self._fetch, args=(order,), name="credgate-jwks-refresh", daemon=True
            ).start()
        except RuntimeError as error:  # no thread could start: the order still gets its report
            self._report(error)
            with self._lock:
                fetched, self._fetched = self._fetched, None
            if fetched is not None:
                fetched.set()


class AsyncRemoteKeySet(_Base):
    """A JWKS fetched from ``url`` for asyncio; pass it as a :class:`~credgate.Verifier`'s
    ``keys`` and use the verifier's ``*_async`` methods.

    The keyword arguments are :class:`RemoteKeySet`'s. Concurrent coroutines share one fetch
    task; a refresh ahead of expiry runs as a task while the held set serves. Use one event
    loop per instance.
    """

    def _init_flavour(self) -> None:
        self._task: Optional["asyncio.Task[bool]"] = None

    async def keys(self) -> KeySet:
        """The usable keys, fetching them first when none are; :class:`~credgate.JwksError`
        when there are none."""
        return (await self._usable())[0]

    async def refresh_unknown_key(self, seen_generation: int) -> bool:
        """A token named a kid missing from the keys of ``seen_generation``: fetch (at most
        once per cooldown; concurrent callers await the one fetch) and say whether the keys
        are now of a newer generation."""
        if self._state.generation != seen_generation:
            return True
        order = self._state.on_unknown_key(self._now())
        if order is not None:
            self._start(order)
        task = self._task
        if task is not None:
            await asyncio.shield(task)
        return self._state.generation != seen_generation

    def _start(self, order: Dict[str, Any]) -> None:
        self._task = asyncio.ensure_future(self._fetch(order))

    async def _fetch(self, order: Dict[str, Any]) -> bool:
        """Perform an order in the executor and report it, always."""
        try:
            loop = asyncio.get_running_loop()
            answer: Union[_Answer, BaseException] = await loop.run_in_executor(
                None, self._get, order
            )
        except Exception as error:
            answer = error
        except BaseException as error:  # cancelled: still report, then let it propagate
            self._report(error)
            raise
        finally:
            self._task = None
        return self._report(answer)

    async def _usable(self) -> Tuple[KeySet, int]:
        now = self._now()
        order = self._state.poll(now)
        if order is not None:
            self._start(order)
        try:
            return self._state.usable(now)
        except JwksError:
            task = self._task
            if task is None:
                raise
            await asyncio.shield(task)
            return self._state.usable(self._now())
