"""Shared fixtures for the credential tests: a site key and one certificate credential, signed."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from lms.credentials import keys
from lms.credentials.issue import build_credential, sign_credential

BASE = "https://sala.example.org"
ISSUED = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


@pytest.fixture(scope="module")
def public_keys(key):
    return {keys.key_id(BASE): key.public_key()}


@pytest.fixture(scope="module")
def credential() -> dict:
    return build_credential(
        code="K3M9Q-ZB7XD-4RT0C-N8WPA",
        learner_name="Sokha Chan សុខា",
        course_title="Safeguarding children in community work",
        course_summary="What safeguarding means,\nand what to do when you are worried.",
        course_url=BASE + "/courses/safeguarding",
        issued_at=ISSUED,
        issuer_name="Sala — Linking and Learning Cambodia",
        base_url=BASE + "/",
    )


@pytest.fixture(scope="module")
def signed(credential, key) -> dict:
    return sign_credential(credential, key, keys.key_id(BASE), datetime(2026, 3, 1, 9, 31, tzinfo=UTC))
