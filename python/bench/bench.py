"""credgate's Python extension against its Python peers, side by side in one run.

    make bench-python            (or: .venv/bin/python python/bench/bench.py [--out PATH])

- Token verification, interleaved call by call in a rotating order (as bench/src/harness.rs
  does natively): cryptography's bare ``Ed25519PublicKey.verify`` on the signing input (the
  floor), PyJWT's ``jwt.decode`` of the same EdDSA token with the same key, and credgate's
  ``Verifier.check`` uncached (cache disabled) and cached (the same token again, warm cache),
  ``verify``, the native call without the Python wrapper, the one-off ``verify_token``.
  Targets: credgate's uncached check at least 2.5x faster than PyJWT's ``decode``; a cached
  check under 3 µs and at least 20x faster than an uncached one.
- Authorization over the 20-permission credential of bench/cedar/credential.json: credgate's
  ``PermissionSet.authorize`` against ``cedarpy`` (Cedar) on the equivalent policies of
  bench/cedar/policies.cedar, after checking that both decide a grid of requests alike (exit
  status 1 otherwise). Skipped, and said so, when cedarpy is not installed.
- A 1,000-request ``authorize_many`` (under 1 µs per request including the crossing), and
  verification throughput with 2 threads vs 1 (the GIL is released around signature work).

Writes target/bench/python.json for bench/report.py.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.metadata
import json
import os
import pathlib
import platform
import statistics
import sys
import threading
import time
from typing import Any, Callable, Dict, List, Optional, Tuple

import jwt
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

import credgate

ISSUER = "https://auth.example.test"
AUDIENCE = "https://api.example.test"
ROUNDS = 7


def best_us(fn: Callable[[], object], n: int) -> float:
    """Best-of-ROUNDS time per call, in µs."""
    best = float("inf")
    for _ in range(ROUNDS):
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        best = min(best, (time.perf_counter() - t0) / n)
    return best * 1e6


def threaded_ops_per_s(fn: Callable[[], object], threads: int, per_thread: int) -> float:
    barrier = threading.Barrier(threads + 1)

    def loop() -> None:
        barrier.wait()
        for _ in range(per_thread):
            fn()

    ts = [threading.Thread(target=loop) for _ in range(threads)]
    for t in ts:
        t.start()
    barrier.wait()
    t0 = time.perf_counter()
    for t in ts:
        t.join()
    return threads * per_thread / (time.perf_counter() - t0)


def gil_wait_ms(work: Callable[[], object], samples: int) -> float:
    """Median time a second thread waits to get the GIL back while ``work`` loops (switch
    interval 50 ms): ~50 ms when ``work`` holds the GIL, ~0 when it releases it."""
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

    old = sys.getswitchinterval()
    sys.setswitchinterval(0.05)
    try:
        t = threading.Thread(target=waiter)
        t.start()
        work()
        go.set()
        while not done.is_set():
            work()
        t.join()
    finally:
        sys.setswitchinterval(old)
    return statistics.median(waits) * 1e3


def interleave(subjects: "List[Tuple[str, str, Callable[[], object]]]", warm_up: int,
               samples: int) -> "List[Dict[str, Any]]":
    """Times the subjects side by side: one sample of each per round, in an order that rotates
    from round to round, so a slow phase of the machine hits all alike. A sample is one call,
    or for subjects far below the cost of reading the clock a small batch sized to about
    20 µs. Per subject: median and 10th percentile of the time per call, in ns."""
    clock = time.perf_counter_ns
    batches = []
    for _, _, fn in subjects:
        best = min(_once(fn, clock) for _ in range(30))
        batches.append(max(1, min(1000, -(-20_000 // max(best, 1)))))
    times: List[List[float]] = [[] for _ in subjects]
    count = len(subjects)
    for rnd in range(warm_up + samples):
        for step in range(count):
            which = (rnd + step) % count
            fn, batch = subjects[which][2], batches[which]
            t0 = clock()
            for _ in range(batch):
                fn()
            elapsed = (clock() - t0) / batch
            if rnd >= warm_up:
                times[which].append(elapsed)
    out = []
    for (key, name, _), batch, ts in zip(subjects, batches, times):
        ts.sort()
        out.append({"key": key, "name": name, "median_ns": _pct(ts, 0.5), "p10_ns": _pct(ts, 0.1),
                    "batch": batch, "samples": len(ts), "iterations": len(ts) * batch})
    return out


def _once(fn: Callable[[], object], clock: Callable[[], int]) -> int:
    t0 = clock()
    fn()
    return clock() - t0


def _pct(sorted_times: List[float], fraction: float) -> float:
    return sorted_times[min(len(sorted_times) - 1, int(len(sorted_times) * fraction))]


def human(ns: float) -> str:
    if ns >= 1e6:
        return f"{ns / 1e6:.2f} ms"
    if ns >= 1e3:
        return f"{ns / 1e3:.2f} µs"
    return f"{ns:.1f} ns"


def print_group(title: str, stats: "List[Dict[str, Any]]", base: Optional[str]) -> None:
    print(title)
    print(f"  {'':<56} {'median':>11} {'p10':>11} {'calls':>9}" + ("   ratio median / p10" if base else ""))
    b = next((s for s in stats if s["key"] == base), None)
    for s in stats:
        ratio = ""
        if b is not None and b is not s:
            ratio = f"   {s['median_ns'] / b['median_ns']:.3f}x / {s['p10_ns'] / b['p10_ns']:.3f}x"
        print(f"  {s['name']:<56} {human(s['median_ns']):>11} {human(s['p10_ns']):>11} {s['iterations']:>9}{ratio}")
    print()


def met(ok: bool) -> str:
    return "met" if ok else "NOT met"


# ---------------------------------------------------------------- Cedar (cedarpy)

TYPES = ["vault", "key", "balances", "transaction", "address", "policy", "webhook", "audit"]
ACTIONS = ["create", "read", "update", "delete"]


def cedar_entities(request: "Dict[str, str]", principal: str, credential_org: str) -> "Tuple[Dict[str, Any], List[Dict[str, Any]]]":
    """The Cedar request and entities of a credgate request, by the rule at the top of
    bench/cedar/policies.cedar (the same as bench/src/cedar.rs)."""
    org = request.get("org") or credential_org
    uid = lambda kind, id_: {"type": kind, "id": id_}  # noqa: E731
    entities = [{"uid": uid("Credential", principal), "attrs": {}, "parents": []},
                {"uid": uid("Org", org), "attrs": {}, "parents": []}]
    resource = uid("Org", org)
    if "vault" in request:
        entities.append({"uid": uid("Vault", request["vault"]), "attrs": {}, "parents": [uid("Org", org)]})
        resource = uid("Vault", request["vault"])
        if "key" in request:
            entities.append({"uid": uid("Key", request["key"]), "attrs": {}, "parents": [resource]})
            resource = uid("Key", request["key"])
    cedar_request = {"principal": uid("Credential", principal),
                     "action": uid("Action", f"{request['type']}:{request['action']}"),
                     "resource": resource, "context": {}}
    return cedar_request, entities


def cedar_grid(credential_org: str) -> "List[Dict[str, str]]":
    """Every type x action, at org level, in vaults and keys the policies name and ones they
    do not, naming no org, the credential's, or another (as bench/src/cedar.rs)."""
    places: List[Dict[str, str]] = [{}]
    for vault in ["v1", "v2", "v3", "v9", "v5"]:
        places.append({"vault": vault})
        places += [{"vault": vault, "key": key} for key in ["k1", "k2", "k7", "k8"]]
    out = []
    for t in TYPES:
        for a in ACTIONS:
            for place in places:
                for org in [None, credential_org, "org_2"]:
                    out.append({"type": t, "action": a, **place, **({"org": org} if org else {})})
    return out


def authorization_vs_cedar(samples: int) -> "Dict[str, Any]":
    root = pathlib.Path(__file__).resolve().parents[2] / "bench" / "cedar"
    credential = json.loads((root / "credential.json").read_text())
    policies_text = (root / "policies.cedar").read_text()
    principal, org = credential["principal"], credential["org"]
    ps = credgate.PermissionSet(credential["permissions"])
    bench_requests = credential["benchmarked_requests"]
    try:
        import cedarpy
    except ImportError as e:
        print(f"  cedarpy is not installed ({e}): the Cedar comparison is skipped")
        print()
        return {"cedarpy": None, "error": str(e)}
    policies = cedarpy.PolicySet.from_str(policies_text)

    def cedar_allows(request: "Dict[str, str]") -> bool:
        req, entities = cedar_entities(request, principal, org)
        return cedarpy.is_authorized(req, policies, entities).allowed

    requests = [bench_requests["allow"], bench_requests["deny"]] + cedar_grid(org)
    differ = []
    allowed = 0
    for request in requests:
        ours = ps.authorize(credgate.Request.from_dict(request), org).allowed
        theirs = cedar_allows(request)
        allowed += ours
        if ours != theirs:
            differ.append(f"{request}: credgate allowed={ours}, cedarpy allowed={theirs}")
    if differ:
        for d in differ:
            print(f"credgate and cedarpy disagree: {d}", file=sys.stderr)
        sys.exit(1)
    print(f"  credgate and cedarpy agree on all {len(requests)} requests ({allowed} allowed), "
          "the benchmarked ones included")

    prepared = {}
    for which in ("allow", "deny"):
        request = bench_requests[which]
        cedar_request, entities = cedar_entities(request, principal, org)
        prepared[which] = (credgate.Request.from_dict(request), cedar_request,
                           cedarpy.Entities.from_json_str(json.dumps(entities)))
    ok_allow, ok_deny = prepared["allow"], prepared["deny"]
    if not ps.authorize(ok_allow[0], org).allowed or ps.authorize(ok_deny[0], org).allowed:
        sys.exit("the benchmarked requests are not one allow and one deny")
    subjects = [
        ("credgate_authorize_allow", "credgate PermissionSet.authorize, allow",
         lambda: ps.authorize(ok_allow[0], org)),
        ("credgate_authorize_deny", "credgate PermissionSet.authorize, deny",
         lambda: ps.authorize(ok_deny[0], org)),
        ("cedarpy_allow", "cedarpy is_authorized, allow (parsed policies, entities)",
         lambda: cedarpy.is_authorized(ok_allow[1], policies, ok_allow[2])),
        ("cedarpy_deny", "cedarpy is_authorized, deny (parsed policies, entities)",
         lambda: cedarpy.is_authorized(ok_deny[1], policies, ok_deny[2])),
    ]
    stats = interleave(subjects, 50, samples)
    title = (f"authorization, 20-permission credential vs the {len(credential['permissions'])} "
             f"equivalent Cedar policies ({samples} samples each)")
    print_group(title, stats, "credgate_authorize_allow")
    by = {s["key"]: s["median_ns"] for s in stats}
    print(f"  cedarpy / credgate: allow {by['cedarpy_allow'] / by['credgate_authorize_allow']:.0f}x, "
          f"deny {by['cedarpy_deny'] / by['credgate_authorize_deny']:.0f}x")
    print()
    return {"group": {"id": "authorize", "title": title, "subjects": stats},
            "equivalence": {"requests": len(requests), "allowed": allowed, "agree": True}}


def main() -> None:
    out_path = pathlib.Path(sys.argv[sys.argv.index("--out") + 1]) if "--out" in sys.argv else \
        pathlib.Path(__file__).resolve().parents[2] / "target" / "bench" / "python.json"
    samples = int(sys.argv[sys.argv.index("--samples") + 1]) if "--samples" in sys.argv else 2000
    load_at_start = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    seed = hashlib.sha256(b"credgate-conformance-k1").digest()
    key = credgate.SigningKey("k1", seed)
    spec = credgate.CredentialSpec(
        name="Benchmark service", permission_set_type="wallets",
        permissions=["balances:read:vault:vlt_1", "transaction:read:org", "key:update:key:key_9"],
        ip_allowlist=["203.0.113.0/24", "198.51.100.7"], environment="production",
    )
    now = int(time.time())  # the wall clock: PyJWT checks exp against it
    cred, secret = credgate.create_credential(spec, org="org_1", now=now, entropy=bytes(48))
    token = credgate.issue_token(
        cred, secret, client_ip="203.0.113.7", signing_key=key, issuer=ISSUER, audience=AUDIENCE,
        now=now, jti="jti-0001",
    ).access_token
    at = now + 10
    verifier = credgate.Verifier([key], issuer=ISSUER, audience=AUDIENCE, cache_entries=0)
    cached = credgate.Verifier([key], issuer=ISSUER, audience=AUDIENCE)
    request = credgate.Request("balances", "read", vault="vlt_1")
    ip = "203.0.113.7"

    public = Ed25519PrivateKey.from_private_bytes(seed).public_key()  # same key, pre-parsed
    signing_input, _, sig_text = token.rpartition(".")
    message = signing_input.encode()
    signature = base64.urlsafe_b64decode(sig_text + "=" * (-len(sig_text) % 4))
    decode = lambda t=token: jwt.decode(t, public, algorithms=["EdDSA"], audience=AUDIENCE, issuer=ISSUER)  # noqa: E731
    jwks = credgate.public_jwks([key])

    # Every subject accepts the token, and refuses it with one signature bit flipped, before
    # anything is timed (so none of them skips the signature).
    flipped = bytes([signature[0] ^ 1]) + signature[1:]
    tampered = signing_input + "." + base64.urlsafe_b64encode(flipped).rstrip(b"=").decode()
    for v in (verifier, cached):
        assert v.check(token, client_ip=ip, request=request, now=at).allowed
        assert not v.check(tampered, client_ip=ip, request=request, now=at).allowed
    assert decode()["client_id"] == cred.client_id
    try:
        decode(tampered)
        sys.exit("PyJWT accepted a bad signature")
    except jwt.InvalidSignatureError:
        pass
    public.verify(signature, message)
    try:
        public.verify(flipped, message)
        sys.exit("cryptography accepted a bad signature")
    except InvalidSignature:
        pass

    print(f"credgate {credgate.__version__} — Python extension benchmark (Python "
          f"{platform.python_version()}, {len(token)}-byte EdDSA token, {os.cpu_count()} CPUs)")
    print()
    core = verifier._core
    subjects = [
        ("ed25519_verify", "cryptography Ed25519PublicKey.verify (bare signature)",
         lambda: public.verify(signature, message)),
        ("pyjwt_decode", f"PyJWT {jwt.__version__} jwt.decode (signature + exp/aud/iss)", decode),
        ("check_uncached", "credgate Verifier.check, uncached",
         lambda: verifier.check(token, client_ip=ip, request=request, now=at)),
        ("check_cached", "credgate Verifier.check, cached",
         lambda: cached.check(token, client_ip=ip, request=request, now=at)),
        ("verify_uncached", "credgate Verifier.verify, uncached", lambda: verifier.verify(token, now=at)),
        ("native_check_uncached", "credgate native check, no Python wrapper, uncached",
         lambda: core.check(token, at, ip, request)),
        ("verify_token_oneoff", "credgate.verify_token one-off (JWKS parsed per call)",
         lambda: credgate.verify_token(token, jwks, issuer=ISSUER, audience=AUDIENCE, now=at)),
    ]
    title = f"token verification, interleaved call by call ({samples} samples each, {len(token)}-byte token)"
    token_stats = interleave(subjects, 200, samples)
    # The cached subject hit the cache every time, the uncached ones never did.
    hits, plain = cached.cache_stats(), verifier.cache_stats()
    if hits.entries != 1 or hits.hits == 0 or plain.hits != 0 or plain.entries != 0:
        sys.exit(f"unexpected cache counters: cached {hits}, uncached {plain}")
    print_group(title, token_stats, "ed25519_verify")
    by = {s["key"]: s["median_ns"] for s in token_stats}
    ratio = by["pyjwt_decode"] / by["check_uncached"]
    speedup = by["check_uncached"] / by["check_cached"]
    print(f"  PyJWT decode / credgate check uncached = {ratio:.2f}x   (target >= 2.5x: {met(ratio >= 2.5)})")
    print(f"  credgate cached check {human(by['check_cached'])} (target < 3 µs: {met(by['check_cached'] < 3000)}), "
          f"{speedup:.1f}x faster than uncached (target >= 20x: {met(speedup >= 20)})")
    print()
    groups: List[Dict[str, Any]] = [{"id": "token", "title": title, "subjects": token_stats}]

    cedar = authorization_vs_cedar(samples // 4)
    if "group" in cedar:
        groups.append(cedar["group"])

    # 1,000 authorize calls in one crossing, over the same 20-permission credential.
    credential = json.loads((pathlib.Path(__file__).resolve().parents[2] / "bench" / "cedar" /
                             "credential.json").read_text())
    ps = credgate.PermissionSet(credential["permissions"])
    assert len(ps) == 20
    reqs = [credgate.Request(t, a, vault=f"v{i % 17}") for i in range(1000)
            for t, a in [(("balances", "key", "vault", "transaction")[i % 4], ("read", "update")[i % 2])]]
    assert len(reqs) == 1000
    batch = best_us(lambda: ps.authorize_many(reqs), 20) / 1000
    batch_api = best_us(lambda: credgate.authorize_many(ps, reqs), 20) / 1000
    single = best_us(lambda: ps.authorize(request), 20000)
    dicts = [r.to_dict() for r in reqs]
    batch_dicts = best_us(lambda: ps.authorize_many(dicts), 20) / 1000
    batch_rows = [
        ("authorize_many_objects", "PermissionSet.authorize_many, 1,000 Request objects", batch),
        ("authorize_many_api", "credgate.authorize_many(set, requests), 1,000 requests", batch_api),
        ("authorize_many_dicts", "PermissionSet.authorize_many, 1,000 dicts (parsed by core)", batch_dicts),
        ("authorize_single", "PermissionSet.authorize, one call per request", single),
    ]
    print(f"authorize over the 20-permission set, per request (best of {ROUNDS} rounds)")
    for key_, name, us in batch_rows:
        note = f"   (target < 1 µs: {met(us < 1)})" if key_ == "authorize_many_objects" else ""
        print(f"  {name:<60} {us:8.3f} µs/request{note}")
    print()

    # Threads: the GIL is released while the signature is checked.
    per = 1500
    work = lambda: core.verify(token, at)  # noqa: E731
    threaded_ops_per_s(work, 1, 200)  # warm-up
    one = two = p_one = p_two = 0.0
    for _ in range(3):  # interleaved, best of three
        one = max(one, threaded_ops_per_s(work, 1, per * 2))
        two = max(two, threaded_ops_per_s(work, 2, per))
        p_one = max(p_one, threaded_ops_per_s(decode, 1, per // 2))
        p_two = max(p_two, threaded_ops_per_s(decode, 2, per // 4))
    try:
        load = os.getloadavg()[0]
    except OSError:
        load = float("nan")
    print(f"verify throughput, 1 thread vs 2 (load average {load:.1f} on {os.cpu_count()} CPUs; uncached)")
    print(f"  {'credgate Verifier.verify':<40} {one:9.0f} ops/s (1) {two:9.0f} ops/s (2)   x{two / one:.2f}")
    print(f"  {'PyJWT jwt.decode':<40} {p_one:9.0f} ops/s (1) {p_two:9.0f} ops/s (2)   x{p_two / p_one:.2f}")
    held = gil_wait_ms(lambda: sum(i * i for i in range(300)), 9)
    released = gil_wait_ms(work, 200)
    print("GIL hand-off (median wait of a second thread, switch interval 50 ms; load-independent):")
    print(f"  {'while a pure-Python loop runs':<40} {held:9.3f} ms")
    print(f"  {'while Verifier.verify loops':<40} {released:9.3f} ms")

    versions = {"python": platform.python_version(), "implementation": platform.python_implementation()}
    for dist in ("credgate", "PyJWT", "cryptography", "cedarpy"):
        try:
            versions[dist] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            versions[dist] = None
    result = {
        "host": "python",
        "generated_unix": int(time.time()),
        "load_average": load_at_start,
        "versions": versions,
        "fixture": {"token_bytes": len(token)},
        "groups": groups,
        "cedar": cedar.get("equivalence") or {"error": cedar.get("error")},
        "batch_us_per_request": {key_: us for key_, _, us in batch_rows},
        "threads": {"load_average": load, "credgate_verify_ops": [one, two], "pyjwt_decode_ops": [p_one, p_two],
                    "gil_wait_ms": {"python_loop": held, "credgate_verify": released}},
    }
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(json.dumps(result, indent=2) + "\n")
    print()
    print(f"wrote {out_path}")


if __name__ == "__main__":
    main()
