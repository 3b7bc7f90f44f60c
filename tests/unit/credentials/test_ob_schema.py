"""Independent check: credentials against the 1EdTech Open Badges 3.0 JSON Schema (shipped in
tests/data/openbadges with its NOTICE)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from lms.credentials import keys, status
from lms.credentials.issue import sign_credential
from tests.helpers import ob_schema_errors

BASE = "https://sala.example.org"


@pytest.fixture(scope="module")
def with_status(credential) -> dict:
    return dict(credential, credentialStatus=status.entry(BASE, 4242))


def test_signed_credential_with_proof_array_passes_the_1edtech_schema(with_status, key):
    """A signed OpenBadgeCredential with its status entry and proof array has no schema errors."""
    doc = sign_credential(
        with_status, key, keys.key_id(BASE), datetime(2026, 3, 1, 9, 31, tzinfo=UTC), proof_array=True
    )
    assert ob_schema_errors(doc) == []


def test_single_proof_object_fails_the_1edtech_schema(with_status, key):
    """The schema refuses `proof` as a lone object, which is why Sala writes an array."""
    doc = sign_credential(with_status, key, keys.key_id(BASE), datetime(2026, 3, 1, 9, 31, tzinfo=UTC))
    assert any(e.startswith("proof:") for e in ob_schema_errors(doc))
