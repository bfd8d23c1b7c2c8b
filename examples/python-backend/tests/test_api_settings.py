"""Settings through pydantic-settings: the same variables and start-up refusals as before,
the database URL (derived from CREDGATE_DB unless given, its password never shown), and
the console folder checked at start-up."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from conftest import BACKEND, Service

sys.path.insert(0, str(BACKEND))
from credgate_backend.config import ConfigError, Settings  # noqa: E402

SECRET = "hunter2-Zq9"


def test_variables_and_defaults() -> None:
    s = Settings.from_env({})
    assert (s.db_path, s.database_url) == (Path("credgate-backend.sqlite3"), "sqlite:///credgate-backend.sqlite3")
    assert (s.issuer, s.audience, s.approval_policy, s.default_org) == (
        "http://127.0.0.1:8000", "credgate-example-api", "production", "org_demo")
    assert (s.revocations_refresh, s.key_retention, s.token_failure_burst, s.token_failure_refill_seconds) == (
        60, 3600, 10, 6)
    assert s.admins == () and s.trusted_proxies == () and s.console_dir is None and not s.verify_revocations
    s = Settings.from_env({"CREDGATE_DB": "/data/b.sqlite3", "CREDGATE_ORG": "org_x", "CREDGATE_ISSUER": "https://i",
                           "CREDGATE_TOKEN_FAILURE_REFILL": "3", "CREDGATE_VERIFY_REVOCATIONS": "1",
                           "CREDGATE_TRUST_PROXY": "1", "CREDGATE_TRUSTED_PROXIES": "10.0.0.5, 10.1.0.0/16",
                           "CREDGATE_APPROVAL_POLICY": "", "CREDGATE_ADMINS": "alice:owner:" + "a" * 64})
    assert s.database_url == "sqlite:////data/b.sqlite3" and s.default_org == "org_x" and s.issuer == "https://i"
    assert s.token_failure_refill_seconds == 3 and s.verify_revocations and s.approval_policy == "production"
    assert [str(n) for n in s.trusted_proxies] == ["10.0.0.5/32", "10.1.0.0/16"]
    assert [(a.id, a.role) for a in s.admins] == [("alice", "owner")]
    assert "a" * 64 not in repr(s)  # the digest is not shown either
    assert not Settings.from_env({"CREDGATE_VERIFY_REVOCATIONS": "0"}).verify_revocations


def test_only_the_given_mapping_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CREDGATE_ISSUER", "https://from-the-process")
    assert Settings.from_env().issuer == "https://from-the-process"
    assert Settings.from_env({}).issuer == "http://127.0.0.1:8000"


@pytest.mark.parametrize("env, says", [
    ({"CREDGATE_KEY_RETENTION": "soon"}, "CREDGATE_KEY_RETENTION must be an integer, not `soon`"),
    ({"CREDGATE_TOKEN_FAILURE_BURST": "0"}, "CREDGATE_TOKEN_FAILURE_BURST must be at least 1"),
    ({"CREDGATE_APPROVAL_POLICY": "sometimes"}, "CREDGATE_APPROVAL_POLICY must be always, production or never"),
    ({"CREDGATE_TRUST_PROXY": "1"}, "CREDGATE_TRUSTED_PROXIES is empty"),
    ({"CREDGATE_ADMIN_TOKEN": "old-secret"}, "is replaced by CREDGATE_ADMINS"),
    ({"CREDGATE_DATABASE_URL": "mysql://u@h/db"}, "CREDGATE_DATABASE_URL must name SQLite or PostgreSQL"),
    ({"CREDGATE_DATABASE_URL": "not a url"}, "CREDGATE_DATABASE_URL is not a database URL"),
    ({"CREDGATE_DATABASE_URL": "sqlite:///:memory:"}, "CREDGATE_DATABASE_URL needs a file for SQLite"),
    ({"CREDGATE_CONSOLE_DIR": "/no/such/folder"}, "CREDGATE_CONSOLE_DIR must be a folder holding index.html"),
])
def test_refusals_name_the_variable(env: dict, says: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(ConfigError) as e:
        Settings.from_env(env)
    assert says in str(e.value)
    assert "old-secret" not in str(e.value) and "validation error" not in str(e.value)


def test_database_url_password_is_never_shown() -> None:
    url = f"postgresql+psycopg://credgate:{SECRET}@db.internal:5432/credgate"
    s = Settings.from_env({"CREDGATE_DATABASE_URL": url, "CREDGATE_DB": "/ignored"})
    assert s.database_url == url  # the store gets it whole
    for shown in (repr(s), str(s), f"{s}"):
        assert SECRET not in shown and "postgresql+psycopg://credgate:***@db.internal:5432/credgate" in shown
    with pytest.raises(ConfigError) as e:
        Settings.from_env({"CREDGATE_DATABASE_URL": f"mysql://credgate:{SECRET}@db/credgate"})
    assert SECRET not in str(e.value) and "mysql://credgate:***@db/credgate" in str(e.value)


def test_console_folder_is_checked_at_start_up(service: Service, tmp_path: Path) -> None:
    folder = tmp_path / "console"
    folder.mkdir()
    service.stop()
    with pytest.raises(RuntimeError, match="refusing to start: CREDGATE_CONSOLE_DIR must be a folder"):
        service.start(CREDGATE_CONSOLE_DIR=str(folder))
    (folder / "index.html").write_text("<!doctype html>")
    assert Settings.from_env({"CREDGATE_CONSOLE_DIR": str(folder)}).console_dir == folder
    with pytest.raises(ConfigError):
        Settings.from_env({"CREDGATE_CONSOLE_DIR": str(folder / "index.html")})  # a file, not the folder
    service.start(CREDGATE_CONSOLE_DIR=str(folder))


def test_a_database_url_reaches_the_store(service: Service, tmp_path: Path) -> None:
    elsewhere = tmp_path / "by-url.sqlite3"
    service.stop()
    with pytest.raises(RuntimeError) as e:
        service.start(CREDGATE_DATABASE_URL=f"mysql://u:{SECRET}@h/db")
    assert SECRET not in str(e.value) and "CREDGATE_DATABASE_URL" in str(e.value)
    service.start(CREDGATE_DATABASE_URL=f"sqlite:///{elsewhere}")
    with service.admin() as admin:
        assert admin.get("/admin/me").status_code == 200
    assert elsewhere.exists()
