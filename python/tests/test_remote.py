"""Remote key sets (docs/REMOTE.md) against a local JWKS server on 127.0.0.1.

The server rotates keys, fails (500, connection reset), answers slowly, serves garbage,
sends Cache-Control and ETag and honours If-None-Match. Time for the state machine comes
from a fake clock, so nothing here sleeps for long or asserts a timing; the server counts
requests, which is what a refetch storm would show.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import socket
import struct
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, Iterator, List, Optional

import pytest

import credgate
from conftest import AUDIENCE, IP_OK, ISSUER, NOW

REQ = credgate.Request("vault", "read")


class Clock:
    """The state machine's time: moved by hand."""

    def __init__(self, t: int) -> None:
        self.t = t

    def __call__(self) -> int:
        return self.t


class JwksServer:
    """A JWKS endpoint whose answers the test sets: ``mode`` is ``ok``, ``500``, ``reset``,
    ``slow``, ``not_json``, ``huge`` or ``too_many``."""

    def __init__(self) -> None:
        self.keys: List[credgate.SigningKey] = []
        self.mode = "ok"
        self.cache_control: Optional[str] = "max-age=60"
        self.send_etag = True
        self.hold: Optional[threading.Event] = None  # when set, ok answers wait for it
        self.requests: List[Optional[str]] = []  # the If-None-Match of each request
        self.lock = threading.Lock()
        self.stop = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.answer(self)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/jwks.json"
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    @property
    def count(self) -> int:
        with self.lock:
            return len(self.requests)

    def body(self) -> bytes:
        return json.dumps(credgate.public_jwks(self.keys)).encode()

    def answer(self, h: BaseHTTPRequestHandler) -> None:
        with self.lock:
            self.requests.append(h.headers.get("If-None-Match"))
            mode = self.mode
        if mode == "reset":
            # An abortive close (RST): the client sees the connection reset.
            h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            h.close_connection = True
            h.connection.close()
            return
        if mode == "slow":
            self.stop.wait(5)
            mode = "ok"
        if self.hold is not None:
            self.hold.wait(5)
        if mode == "500":
            h.send_response(500)
            h.send_header("Content-Length", "0")
            h.end_headers()
            return
        body = {
            "ok": self.body(),
            "not_json": b"<html>oops</html>",
            "huge": b'{"keys": [], "pad": "' + b"x" * 70_000 + b'"}',
            "too_many": json.dumps(
                credgate.public_jwks([credgate.SigningKey(f"k{i}", bytes([i]) * 32) for i in range(33)])
            ).encode(),
        }[mode]
        etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        if self.send_etag and h.headers.get("If-None-Match") == etag:
            h.send_response(304)
            h.send_header("ETag", etag)
            if self.cache_control:
                h.send_header("Cache-Control", self.cache_control)
            h.end_headers()
            return
        h.send_response(200)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", str(len(body)))
        if self.cache_control:
            h.send_header("Cache-Control", self.cache_control)
        if self.send_etag:
            h.send_header("ETag", etag)
        h.end_headers()
        try:
            h.wfile.write(body)
        except OSError:
            pass  # a client that stopped reading (a body over the limit)

    def close(self) -> None:
        self.stop.set()
        if self.hold is not None:
            self.hold.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)


@pytest.fixture()
def server(key: credgate.SigningKey) -> Iterator[JwksServer]:
    s = JwksServer()
    s.keys = [key]
    try:
        yield s
    finally:
        s.close()


@pytest.fixture()
def clock() -> Clock:
    return Clock(NOW + 10)


def wait_for(condition: Any, what: str) -> None:
    """Wait (up to 10 s of real time) for a background fetch to land; not a timing check."""
    done = threading.Event()
    for _ in range(1000):
        if condition():
            return
        done.wait(0.01)
    raise AssertionError(f"never happened: {what}")


def remote(server: JwksServer, clock: Clock, **kw: Any) -> credgate.RemoteKeySet:
    return credgate.RemoteKeySet(server.url, clock=clock, timeout=kw.pop("timeout", 2.0), **kw)


# ---------------------------------------------------------------- the remote key set alone


def test_first_use_fetches_once_then_serves_from_cache(server: JwksServer, clock: Clock) -> None:
    r = remote(server, clock)
    assert server.count == 0  # nothing fetched before it is needed
    assert r.status()["state"] == "empty"
    assert r.keys().kids == ["k1"]
    for _ in range(50):
        clock.t += 1
        assert r.keys().kids == ["k1"]
    assert server.count == 1
    status = r.status()
    assert status["state"] == "fresh"
    assert status["generation"] == 1
    assert status["expires_at"] == NOW + 10 + 60


def test_refresh_ahead_in_the_background_and_304_revalidation(
    server: JwksServer, clock: Clock
) -> None:
    r = remote(server, clock)
    r.keys()
    etag = r.status()["etag"]
    assert etag is not None and server.requests == [None]
    # max-age=60: the refresh is due at 54 s, before expiry; the held set answers at once.
    clock.t += 54
    assert r.keys().kids == ["k1"]
    wait_for(lambda: r.status()["fetched_at"] == clock.t and not r.status()["fetching"], "refresh")
    assert server.requests == [None, etag]  # revalidated with If-None-Match, answered 304
    status = r.status()
    assert (status["etag"], status["generation"], status["failures"]) == (etag, 1, 0)
    assert status["expires_at"] == clock.t + 60


def test_a_failing_server_keeps_the_set_until_usable_until_without_a_storm(
    server: JwksServer, clock: Clock
) -> None:
    r = remote(server, clock, stale_if_error=3600)
    r.keys()
    server.mode = "500"
    start = clock.t
    # Past expiry, still serving (stale-if-error); retries only as the backoff allows.
    clock.t = start + 60
    for _ in range(200):
        assert r.keys().kids == ["k1"]
    wait_for(lambda: r.status()["failures"] == 1 and not r.status()["fetching"], "a failure")
    for _ in range(200):
        assert r.keys().kids == ["k1"]  # within the 5 s backoff: no fetch
    assert server.count == 2
    status = r.status()
    assert status["state"] == "stale"
    assert status["last_error"] == "the key set URL answered 500"
    assert status["retry_at"] == clock.t + 5
    # Past usable_until (fetched + 60 + 3600): refused, saying why.
    clock.t = start + 60 + 3600
    with pytest.raises(credgate.JwksError) as e:
        r.keys()
    assert e.value.code == "jwks.invalid"
    assert "usable until" in e.value.message and "answered 500" in e.value.message
    # The server comes back: the next fetch (after the backoff) restores the keys.
    server.mode = "ok"
    clock.t += 300
    assert r.keys().kids == ["k1"]


@pytest.mark.parametrize(
    "mode, message",
    [
        ("500", "the key set URL answered 500"),
        ("reset", "the fetch failed: "),
        ("not_json", "not JSON"),
        ("huge", "response over 65536 bytes"),
        ("too_many", "33 keys, the limit is 32"),
    ],
)
def test_no_set_and_a_bad_answer_is_jwks_invalid(
    server: JwksServer, clock: Clock, mode: str, message: str
) -> None:
    server.mode = mode
    r = remote(server, clock)
    with pytest.raises(credgate.JwksError) as e:
        r.keys()
    assert message in e.value.message
    assert "none fetched yet" in e.value.message
    # The failure backs off: more calls within 5 s make no request.
    for _ in range(20):
        with pytest.raises(credgate.JwksError):
            r.keys()
    assert server.count == 1
    assert r.status()["failures"] == 1


def test_a_slow_server_times_out(server: JwksServer, clock: Clock) -> None:
    server.mode = "slow"
    r = remote(server, clock, timeout=0.2)
    with pytest.raises(credgate.JwksError) as e:
        r.keys()
    assert "timed out" in e.value.message
    assert r.status()["fetching"] is False


def test_bad_answers_never_replace_the_held_set(server: JwksServer, clock: Clock) -> None:
    r = remote(server, clock, retry_max=5)
    r.keys()
    for mode in ["500", "reset", "not_json", "huge", "too_many"]:
        server.mode = mode
        clock.t += 300  # past expiry and any backoff: a fetch is due
        assert r.keys().kids == ["k1"]
        wait_for(lambda: not r.status()["fetching"], f"the {mode} fetch")
        assert r.status()["last_error"] is not None
    assert r.status()["failures"] == 5
    assert r.generation == 1


def test_concurrent_first_use_makes_one_fetch(server: JwksServer, clock: Clock) -> None:
    server.hold = threading.Event()
    r = remote(server, clock)
    results: List[List[str]] = []
    threads = [threading.Thread(target=lambda: results.append(r.keys().kids)) for _ in range(8)]
    for t in threads:
        t.start()
    wait_for(lambda: server.count == 1, "the first request")
    server.hold.set()
    for t in threads:
        t.join(10)
    assert results == [["k1"]] * 8
    assert server.count == 1


def test_bad_policies_and_urls_are_input_errors(clock: Clock) -> None:
    bad: List[Dict[str, Any]] = [
        {"min_max_age": 0},
        {"retry_min": 10, "retry_max": 5},
        {"fetch_timeout": 0},
        {"max_keys": -1},
        {"timeout": 0},
        {"default_max_age": "300"},
    ]
    for kw in bad:
        with pytest.raises(credgate.InputError):
            credgate.RemoteKeySet("https://issuer.test/jwks", **kw)
    with pytest.raises(credgate.InputError):
        credgate.RemoteKeySet("file:///etc/passwd")
    r = credgate.RemoteKeySet("https://issuer.test/jwks", clock=lambda: float("nan"))
    with pytest.raises(credgate.InputError):
        r.keys()


def test_policy_and_repr(server: JwksServer, clock: Clock) -> None:
    r = remote(server, clock, unknown_key_cooldown=60)
    assert r.policy["unknown_key_cooldown"] == 60
    assert r.policy["max_response_bytes"] == 65_536
    assert r.url == server.url
    assert repr(r) == f"RemoteKeySet({server.url!r}, state='empty', kids=[])"


# ---------------------------------------------------------------- asyncio


def test_async_concurrent_misses_share_one_fetch(server: JwksServer, clock: Clock) -> None:
    async def main() -> List[List[str]]:
        r = credgate.AsyncRemoteKeySet(server.url, clock=clock, timeout=2.0)
        kids = [k.kids for k in await asyncio.gather(*(r.keys() for _ in range(20)))]
        assert r.status()["state"] == "fresh"
        # Refresh ahead: the held set answers, one task revalidates (304).
        clock.t += 54
        assert (await r.keys()).kids == ["k1"]
        task = r._task
        assert task is not None
        await task
        assert r.status()["fetched_at"] == clock.t
        return kids

    assert asyncio.run(main()) == [["k1"]] * 20
    assert len(server.requests) == 2 and server.requests[1] is not None


def test_async_failures_are_jwks_invalid(server: JwksServer, clock: Clock) -> None:
    server.mode = "reset"

    async def main() -> None:
        r = credgate.AsyncRemoteKeySet(server.url, clock=clock, timeout=2.0)
        for _ in range(10):
            with pytest.raises(credgate.JwksError):
                await r.keys()
        assert r.status()["failures"] == 1

    asyncio.run(main())
    assert server.count == 1


# ---------------------------------------------------------------- a Verifier over a remote key set


def issue(new_credential: credgate.NewCredential, key: credgate.SigningKey) -> str:
    cred, secret = new_credential
    resp = credgate.issue_token(
        cred, secret, client_ip=IP_OK, signing_key=key, issuer=ISSUER, audience=AUDIENCE, now=NOW
    )
    assert isinstance(resp, credgate.TokenResponse)
    return resp.access_token


def check(v: credgate.Verifier, token: str, clock: Clock) -> credgate.Decision:
    return v.check(token, client_ip=IP_OK, request=REQ, now=clock.t)


def test_a_rotated_key_is_picked_up_with_one_fetch_for_many_threads(
    server: JwksServer,
    clock: Clock,
    new_credential: credgate.NewCredential,
    key: credgate.SigningKey,
    key2: credgate.SigningKey,
) -> None:
    v = credgate.Verifier(remote(server, clock), issuer=ISSUER, audience=AUDIENCE)
    assert check(v, issue(new_credential, key), clock).allowed
    assert server.count == 1 and v.keys.kids == ["k1"]
    # The issuer rotates to k2; a token signed by k2 arrives at 16 threads at once.
    server.keys = [key, key2]
    clock.t += 30  # the unknown-key cooldown since the last fetch
    token2 = issue(new_credential, key2)
    server.hold = threading.Event()
    decisions: List[credgate.Decision] = []
    threads = [threading.Thread(target=lambda: decisions.append(check(v, token2, clock))) for _ in range(16)]
    for t in threads:
        t.start()
    wait_for(lambda: server.count == 2, "the unknown-key fetch")
    server.hold.set()
    for t in threads:
        t.join(10)
    assert [d.reason for d in decisions] == ["allow"] * 16
    assert server.count == 2
    assert v.keys.kids == ["k1", "k2"]


def test_unknown_kids_cause_no_refetch_storm(
    server: JwksServer, clock: Clock, new_credential: credgate.NewCredential, key: credgate.SigningKey
) -> None:
    v = credgate.Verifier(remote(server, clock), issuer=ISSUER, audience=AUDIENCE)
    assert check(v, issue(new_credential, key), clock).allowed
    stranger = issue(new_credential, credgate.SigningKey("nobody", b"\x07" * 32))
    for _ in range(100):  # within the cooldown: refused, never fetched
        assert check(v, stranger, clock).reason == "token.unknown_key"
    assert server.count == 1
    clock.t += 30
    for _ in range(100):  # one fetch for the whole flood, then the cooldown again
        assert check(v, stranger, clock).reason == "token.unknown_key"
    assert server.count == 2
    with pytest.raises(credgate.TokenError) as e:
        v.verify(stranger, now=clock.t)
    assert e.value.code == "token.unknown_key"
    assert server.count == 2


def test_verify_picks_up_a_rotated_key(
    server: JwksServer,
    clock: Clock,
    new_credential: credgate.NewCredential,
    key: credgate.SigningKey,
    key2: credgate.SigningKey,
) -> None:
    v = credgate.Verifier(remote(server, clock), issuer=ISSUER, audience=AUDIENCE)
    assert v.refresh_keys().kids == ["k1"]
    server.keys = [key2]
    clock.t += 30
    assert v.verify(issue(new_credential, key2), now=clock.t).client_id == new_credential.credential.client_id
    assert v.keys.kids == ["k2"]
    # k1 is gone from the set: its tokens are unknown now.
    with pytest.raises(credgate.TokenError):
        v.verify(issue(new_credential, key), now=clock.t)


def test_no_usable_key_set_is_jwks_error_and_the_set_survives_failures(
    server: JwksServer, clock: Clock, new_credential: credgate.NewCredential, key: credgate.SigningKey
) -> None:
    server.mode = "500"
    v = credgate.Verifier(remote(server, clock, stale_if_error=600), issuer=ISSUER, audience=AUDIENCE)
    token = issue(new_credential, key)
    with pytest.raises(credgate.JwksError) as e:
        check(v, token, clock)
    assert e.value.code == "jwks.invalid"
    server.mode = "ok"
    clock.t += 5  # the backoff
    assert check(v, token, clock).allowed
    # The server fails for good: the held set serves until usable_until (60 + 600 s).
    server.mode = "reset"
    fetched = clock.t
    clock.t = fetched + 659
    assert check(v, token, clock).allowed
    clock.t = fetched + 660
    with pytest.raises(credgate.JwksError):
        check(v, token, clock)


def test_async_verifier_one_fetch_for_many_tasks(
    server: JwksServer,
    clock: Clock,
    new_credential: credgate.NewCredential,
    key: credgate.SigningKey,
    key2: credgate.SigningKey,
) -> None:
    token1, token2 = issue(new_credential, key), issue(new_credential, key2)

    async def main() -> None:
        r = credgate.AsyncRemoteKeySet(server.url, clock=clock, timeout=2.0)
        v = credgate.Verifier(r, issuer=ISSUER, audience=AUDIENCE)
        first = await asyncio.gather(
            *(v.check_async(token1, client_ip=IP_OK, request=REQ, now=clock.t) for _ in range(10))
        )
        assert all(d.allowed for d in first) and server.count == 1
        server.keys = [key, key2]
        clock.t += 30
        second = await asyncio.gather(
            *(v.check_async(token2, client_ip=IP_OK, request=REQ, now=clock.t) for _ in range(10))
        )
        assert [d.reason for d in second] == ["allow"] * 10
        assert server.count == 2
        claims = await v.verify_async(token2, now=clock.t)
        assert claims.jti
        with pytest.raises(credgate.InputError):  # also a TypeError
            v.check(token1, client_ip=IP_OK, request=REQ, now=clock.t)
        assert (await v.refresh_keys_async()).kids == ["k1", "k2"]

    asyncio.run(main())


def test_async_methods_work_with_local_and_threaded_keys(
    server: JwksServer, clock: Clock, new_credential: credgate.NewCredential, key: credgate.SigningKey
) -> None:
    token = issue(new_credential, key)

    async def main() -> None:
        for keys in ([key], remote(server, clock)):
            v = credgate.Verifier(keys, issuer=ISSUER, audience=AUDIENCE)
            d = await v.check_authorization_async(
                f"Bearer {token}", client_ip=IP_OK, request=REQ, now=clock.t
            )
            assert d.allowed

    asyncio.run(main())


def test_a_remote_with_revocations_at_construction_is_refused(server: JwksServer, clock: Clock) -> None:
    with pytest.raises(credgate.InputError):
        credgate.Verifier(remote(server, clock), issuer=ISSUER, audience=AUDIENCE, revocations="x.y.z")
