"""The store's methods the API codes against, on SQLite and on PostgreSQL (``database_url``):
the credentials list (keyset pages newest first, filters, cursors), ``last_used``, the logs
filtered to one client, a change's ``detail``, paged vaults and keys, the URL rules, and the
locked operations when two stores (two processes' worth of engines) share one database."""

from __future__ import annotations

import threading
import time
from typing import Any, Dict, List

import credgate
import pytest

from credgate_backend.store import KeyIdTaken, Store, spec_of

T0 = 1_800_000_000


def new(environment: str = "sandbox", now: int = T0, name: str = "Wallet service") -> credgate.Credential:
    spec = credgate.CredentialSpec.from_dict({
        "name": name, "permission_set_type": "wallets", "permissions": ["vault:read:org"],
        "ip_allowlist": ["127.0.0.1"], "environment": environment})
    return credgate.create_credential(spec, org="org_a", now=now).credential


def decision(client_id: str, time: int, allowed: bool) -> Dict[str, Any]:
    return {"time": time, "client_id": client_id, "org": "org_a", "jti": "j", "client_ip": "127.0.0.1",
            "request": {"resource": "vault", "action": "read"}, "allowed": allowed,
            "status": 200 if allowed else 403, "reason": "allowed" if allowed else "permission.denied"}


@pytest.fixture()
def store(database_url: str) -> Store:
    return Store(database_url)


def test_credentials_list_pages_newest_first(store: Store) -> None:
    # Three share a creation second: the client id (descending) orders them.
    creds = [new("production" if i % 3 == 0 else "sandbox", T0 + i // 3) for i in range(9)]
    for c in creds:
        store.create_credential(c, "alice", T0)
    want = sorted(creds, key=lambda c: (c.created_at, c.client_id), reverse=True)
    pages: List[List[str]] = []
    after = None
    while True:
        page = store.list_credentials(limit=2, after=after)
        if not page:
            break
        pages.append([c.client_id for c in page])
        after = page[-1].client_id
    assert [cid for p in pages for cid in p] == [c.client_id for c in want]
    assert [len(p) for p in pages] == [2, 2, 2, 2, 1]
    assert [c.client_id for c in store.list_credentials()] == [c.client_id for c in want]
    # The filters: an index lookup on the columns, kept in sync by every write.
    production = [c.client_id for c in want if c.environment == "production"]
    assert [c.client_id for c in store.list_credentials(environment="production")] == production
    gone = want[1].client_id
    store.change_credential(gone, "disable", lambda c: c.disable(now=T0 + 10), T0 + 10, admin="alice")
    assert [c.client_id for c in store.list_credentials(status="disabled")] == [gone]
    assert gone not in [c.client_id for c in store.list_credentials(status="enabled")]
    assert [c.client_id for c in store.list_credentials(status="disabled", environment="sandbox",
                                                       after=want[0].client_id)] == \
        ([gone] if want[1].environment == "sandbox" else [])
    # An update that moves a credential to production moves it in the filter too.
    moved = next(c for c in want if c.environment == "sandbox" and c.client_id != gone)
    store.change_credential(moved.client_id, "set_spec",
                            lambda c: c.set_spec({**spec_of(c), "environment": "production"}, now=T0 + 11), T0 + 11)
    assert moved.client_id in [c.client_id for c in store.list_credentials(environment="production")]
    assert moved.client_id not in [c.client_id for c in store.list_credentials(environment="sandbox")]


def test_credentials_list_refuses_bad_pages(store: Store) -> None:
    store.create_credential(new(), "alice", T0)
    with pytest.raises(ValueError, match="unknown cursor"):
        store.list_credentials(after="cid_" + "a" * 26)
    for bad in ({"limit": 0}, {"limit": 501}, {"status": "active"}, {"environment": "staging"}):
        with pytest.raises(ValueError):
            store.list_credentials(**bad)
    assert len(store.list_credentials(limit=500)) == 1


def test_last_used_is_the_latest_allowed_decision(store: Store) -> None:
    a, b, c = (new() for _ in range(3))
    store.audit(decision(a.client_id, T0 + 5, True), "GET", "/v1/vaults")
    store.audit(decision(a.client_id, T0 + 9, True), "GET", "/v1/vaults")
    store.audit(decision(a.client_id, T0 + 20, False), "GET", "/v1/vaults")  # a refusal is not a use
    store.audit(decision(b.client_id, T0 + 7, False), "GET", "/v1/vaults")
    assert store.last_used([a.client_id, b.client_id, c.client_id]) == {a.client_id: T0 + 9}
    assert store.last_used([]) == {}


def test_logs_filter_to_one_client_and_keep_paging(store: Store) -> None:
    a, b = new(), new()
    for c in (a, b):
        store.create_credential(c, "alice", T0)
    for i in range(3):
        for c in (a, b):
            store.audit(decision(c.client_id, T0 + i, True), "GET", "/v1/vaults")
            store.log_token(T0 + i, c.client_id, "127.0.0.1", "issued", f"j{i}")
            store.change_credential(c.client_id, "disable" if i % 2 == 0 else "enable",
                                    (lambda x: x.disable(now=T0)) if i % 2 == 0 else (lambda x: x.enable(now=T0)),
                                    T0 + i, admin="bob")
    for log in (store.audit_log, store.token_log, store.credential_changes, store.admin_log):
        rows = log(100, None, a.client_id)
        assert rows and {r["client_id"] for r in rows} == {a.client_id}, log
        assert [r["id"] for r in rows] == sorted((r["id"] for r in rows), reverse=True)
        first = log(1, None, a.client_id)
        older = log(100, first[0]["id"], a.client_id)
        assert [r["id"] for r in first + older] == [r["id"] for r in rows]
        assert len(log(100)) > len(rows)  # unfiltered: both clients
    assert len(store.credential_changes(100, None, a.client_id)) == 3
    assert len(store.admin_log(100, None, a.client_id)) == 1  # its creation
    with pytest.raises(ValueError):
        store.audit_log(0, None, a.client_id)


def test_a_change_keeps_its_detail(store: Store) -> None:
    c = new()
    store.create_credential(c, "alice", T0)
    reason = {"reason": "compromised", "comment": "seen in a `public` paste ünïcode"}
    store.change_credential(c.client_id, "disable", lambda x: x.disable(now=T0 + 1), T0 + 1, admin="alice",
                            revoke=lambda _: True, detail=reason)
    store.change_credential(c.client_id, "enable", lambda x: x.enable(now=T0 + 2), T0 + 2, admin="alice")
    enabled, disabled = store.credential_changes()
    assert (disabled["action"], disabled["detail"]) == ("disable", reason)
    assert (enabled["action"], enabled["detail"]) == ("enable", None)
    assert store.revocation_epoch() == 1


def test_vaults_and_keys_page_by_id(store: Store) -> None:
    ids = ["v10", "v2", "V1", "_x", "a-b"]
    for v in ids:
        assert store.add_vault("org_a", v, v.upper())
    assert not store.add_vault("org_a", "v2", "again")
    assert store.add_vault("org_b", "v2", "other org")
    ordered = sorted(ids)  # byte order on both databases (PostgreSQL: the C collation)
    assert [v["id"] for v in store.vaults("org_a")] == ordered
    assert [v["id"] for v in store.vaults("org_a", limit=2, after=ordered[1])] == ordered[2:4]
    assert store.vaults("org_a", after=ordered[-1]) == []
    assert store.vault("org_a", "v2") == {"id": "v2", "name": "V2"}
    for k in ("k3", "k1", "k2"):
        store.add_key("org_a", "v2", k)
    with pytest.raises(KeyIdTaken) as taken:
        store.add_key("org_a", "v10", "k1")
    assert taken.value.vault == "v2"
    assert store.keys("org_a", "v2") == ["k1", "k2", "k3"]
    assert store.keys("org_a", "v2", limit=1, after="k1") == ["k2"]
    assert store.key_exists("org_a", "v2", "k3") and not store.key_exists("org_a", "v10", "k3")
    for bad in (0, 501):
        with pytest.raises(ValueError):
            store.vaults("org_a", limit=bad)
        with pytest.raises(ValueError):
            store.keys("org_a", "v2", limit=bad)


def test_two_stores_start_together_and_make_one_key(database_url: str) -> None:
    stores: List[Store] = []
    errors: List[BaseException] = []
    made: List[str] = []
    barrier = threading.Barrier(4)

    def open_and_key(n: int) -> None:
        try:
            barrier.wait()
            s = Store(database_url)  # migrations under the lock
            stores.append(s)

            def make() -> credgate.SigningKey:
                made.append(f"k{n}")
                time.sleep(0.2)  # a slow key store: the others are asking meanwhile
                return credgate.SigningKey.generate(f"k{n}")

            barrier.wait()  # every store open: now all ask for the first key at once
            s.ensure_signing_key(make, T0)
        except BaseException as e:  # reported below
            errors.append(e)

    threads = [threading.Thread(target=open_and_key, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(made) == 1
    assert {tuple(k.kid for k in s.published_signing_keys(T0, 3600)) for s in stores} == {(made[0],)}


def test_two_stores_serialize_lifecycle_changes(database_url: str) -> None:
    a, b = Store(database_url), Store(database_url)
    c = new()
    a.create_credential(c, "alice", T0)
    errors: List[BaseException] = []

    def flip(s: Store, n: int) -> None:
        for i in range(10):
            action = "disable" if (i + n) % 2 else "enable"
            try:
                s.change_credential(c.client_id, action, lambda x: x.disable(now=T0) if action == "disable"
                                    else x.enable(now=T0), T0, admin="bob", revoke=lambda _: action == "disable")
            except credgate.Error:
                pass  # enabling an enabled credential: credgate refuses, nothing changes
            except BaseException as e:
                errors.append(e)

    threads = [threading.Thread(target=flip, args=(s, n)) for n, s in enumerate((a, b, a, b))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    rows = list(reversed(a.credential_changes(500)))
    # Each change started from the state the previous one left: none acted on a stale read.
    assert all(prev["status"] == row["from_status"] for prev, row in zip(rows, rows[1:]))
    assert a.get_credential(c.client_id).status == (rows[-1]["status"] if rows else "enabled")  # type: ignore[union-attr]
    assert b.revocation_epoch() == sum(1 for r in rows if r["action"] == "disable")


def test_database_urls() -> None:
    for bad in ("credgate.sqlite3", "mysql://u:hunter2@db/x", "sqlite://", "sqlite:///:memory:"):
        with pytest.raises(ValueError) as e:
            Store(bad)
        assert "hunter2" not in str(e.value)
        assert str(e.value) == str(e.value).rstrip(".") and str(e.value)[0].islower()
