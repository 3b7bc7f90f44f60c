"""Independent check: credentials against the 1EdTech Open Badges 3.0 JSON Schema (shipped in
tests/data/openbadges with its NOTICE)."""
from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from jsonschema import Draft201909Validator

from lms.credentials import keys, status
from lms.credentials.issue import sign_credential

SCHEMA_PATH = Path(__file__).parents[2] / "data" / "openbadges" / "ob_v3p0_achievementcredential_schema.json"
BASE = "https://sala.example.org"


@pytest.fixture(scope="module")
def validator() -> Draft201909Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    Draft201909Validator.check_schema(schema)
    return Draft201909Validator(schema, format_checker=Draft201909Validator.FORMAT_CHECKER)


def schema_errors(validator, doc) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(doc)]


@pytest.fixture(scope="module")
def with_status(credential) -> dict:
    return dict(credential, credentialStatus=status.entry(BASE, 4242))


def test_signed_credential_with_proof_array_passes_the_1edtech_schema(validator, with_status, key):
    """A signed OpenBadgeCredential with its status entry and proof array has no schema errors."""
    doc = sign_credential(with_status, key, keys.key_id(BASE), datetime(2026, 3, 1, 9, 31, tzinfo=UTC),
                          proof_array=True)
    assert schema_errors(validator, doc) == []


def test_single_proof_object_fails_the_1edtech_schema(validator, with_status, key):
    """The schema refuses `proof` as a lone object, which is why Sala writes an array."""
    doc = sign_credential(with_status, key, keys.key_id(BASE), datetime(2026, 3, 1, 9, 31, tzinfo=UTC))
    assert any(e.startswith("proof:") for e in schema_errors(validator, doc))
