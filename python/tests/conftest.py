"""Shared fixtures: fixed keys, times and a credential, plus the vector folders."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import List

import pytest

import credgate

ROOT = Path(os.environ.get("CREDGATE_ROOT", Path(__file__).resolve().parents[2]))
SHARED = Path(os.environ.get("CREDGATE_SHARED", ROOT.parent / "shared"))

ISSUER = "https://auth.example.test"
AUDIENCE = "https://api.example.test"
NOW = 1_700_000_000
IP_OK = "203.0.113.7"
IP_BAD = "198.51.100.9"


def vector_dirs() -> List[Path]:
    """The vector folders that exist: the shared starter set and the project's own."""
    return [d for d in (SHARED / "conformance", ROOT / "tests" / "vectors") if d.is_dir()]


@pytest.fixture(scope="session")
def key() -> credgate.SigningKey:
    # The conformance key k1: seed = sha256("credgate-conformance-k1").
    return credgate.SigningKey("k1", hashlib.sha256(b"credgate-conformance-k1").digest())


@pytest.fixture(scope="session")
def key2() -> credgate.SigningKey:
    return credgate.SigningKey("k2", hashlib.sha256(b"credgate-conformance-k2").digest())


@pytest.fixture()
def spec() -> credgate.CredentialSpec:
    return credgate.CredentialSpec(
        name="Wallet service",
        description="Reads balances",
        permission_set_type="wallets",
        permissions=["vault:read:org", "balances:read:vault:vlt_1", "key:create:vault:vlt_1"],
        ip_allowlist=["203.0.113.0/24"],
        environment="production",
    )


@pytest.fixture()
def new_credential(spec: credgate.CredentialSpec) -> credgate.NewCredential:
    return credgate.create_credential(spec, org="org_1", now=NOW, entropy=bytes(range(48)))


@pytest.fixture()
def verifier(key: credgate.SigningKey) -> credgate.Verifier:
    return credgate.Verifier([key], issuer=ISSUER, audience=AUDIENCE)


@pytest.fixture()
def token(new_credential: credgate.NewCredential, key: credgate.SigningKey) -> str:
    cred, secret = new_credential
    resp = credgate.issue_token(
        cred, secret, client_ip=IP_OK, signing_key=key, issuer=ISSUER, audience=AUDIENCE,
        now=NOW, jti="jti-1",
    )
    return resp.access_token
