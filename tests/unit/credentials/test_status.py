"""The revocation list (W3C Bitstring Status List v1.0): encoding, and checking a credential against it."""

from __future__ import annotations

import base64
import copy
import gzip
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from lms.credentials import keys, status
from lms.credentials.issue import build_credential, sign_credential
from lms.credentials.verify import verify_credential

BASE = "https://sala.example.org"
NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
#: The example list of the specification (every bit 0), as published there.
SPEC_EMPTY_LIST = "uH4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA"


def test_reads_the_specifications_example_list():
    """The specification's example decodes to 16 KB (131,072 bits), none of them set."""
    bits = status.decode(SPEC_EMPTY_LIST)
    assert len(bits) == 16_384 and not any(bits)


def test_bit_zero_is_the_left_most_bit_of_the_first_byte():
    """Index 0 is 0x80 of byte 0, index 7 is 0x01 of byte 0, the last index the last bit."""
    bits = status.decode(status.encode([0, 7, 9, status.LIST_SIZE - 1]))
    assert len(bits) == status.LIST_SIZE // 8
    assert bits[0] == 0x81 and bits[1] == 0x40 and bits[-1] == 0x01
    assert [i for i in range(status.LIST_SIZE) if status.is_set(bits, i)] == [0, 7, 9, status.LIST_SIZE - 1]


def test_encoding_is_the_same_every_time():
    assert status.encode([5, 3]) == status.encode([3, 5])


@pytest.mark.parametrize("bad", ["", "zABC", "u!!!!", "u" + base64.urlsafe_b64encode(b"not gzip").decode(), None])
def test_bad_encoded_lists_are_refused(bad):
    with pytest.raises(ValueError):
        status.decode(bad)


def test_a_list_that_inflates_too_far_is_refused():
    """A small encodedList that unpacks to 2 MB is refused rather than read whole."""
    bomb = "u" + base64.urlsafe_b64encode(gzip.compress(bytes(2 << 20))).rstrip(b"=").decode()
    assert len(bomb) < 4000
    with pytest.raises(ValueError, match="too large"):
        status.decode(bomb)


def test_random_places_cover_the_list():
    places = {status.random_index() for _ in range(200)}
    assert all(0 <= p < status.LIST_SIZE for p in places) and len(places) > 190


@pytest.fixture
def key():
    return Ed25519PrivateKey.generate()


def credential(key, index=4242):
    doc = build_credential(
        code="ABCDE-12345-FGHJK-67890",
        learner_name="Sok Dara",
        course_title="Public Speaking",
        course_summary="",
        course_url=f"{BASE}/courses/public-speaking",
        issued_at=NOW,
        issuer_name="Sala",
        base_url=BASE,
    )
    doc["credentialStatus"] = status.entry(BASE, index)
    return sign_credential(doc, key, keys.key_id(BASE), NOW)


def test_credential_with_its_status_entry_signs_and_verifies(key):
    """credentialStatus is defined by the VC 2.0 context, so it is signed with the rest."""
    doc = credential(key)
    assert doc["credentialStatus"] == {
        "id": f"{BASE}/credentials/status/1#4242",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "4242",
        "statusListCredential": f"{BASE}/credentials/status/1",
    }
    keys_ = {keys.key_id(BASE): key.public_key()}
    assert verify_credential(doc, keys_).ok
    moved = copy.deepcopy(doc)
    moved["credentialStatus"]["statusListIndex"] = "1"  # pointing at a bit that is not set
    assert not verify_credential(moved, keys_).ok


def test_status_list_is_a_signed_credential(key):
    doc = status.signed_list_credential(BASE, [1, 2], NOW, key)
    assert doc["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert doc["credentialSubject"]["type"] == "BitstringStatusList"
    assert verify_credential(doc, {keys.key_id(BASE): key.public_key()}).ok


def test_check_says_revoked_or_not(key):
    keys_ = {keys.key_id(BASE): key.public_key()}
    doc = credential(key, 4242)
    assert status.check(doc, status.signed_list_credential(BASE, [1, 4243], NOW, key), keys_, now=NOW).revoked is False
    assert status.check(doc, status.signed_list_credential(BASE, [4242], NOW, key), keys_, now=NOW).revoked is True


def test_check_refuses_lists_it_cannot_trust(key):
    """A list signed by another key, changed after signing, from another address or issuer, or for
    another purpose, gives no answer (None) rather than 'not revoked'."""
    keys_ = {keys.key_id(BASE): key.public_key()}
    doc = credential(key, 4242)
    other_key = status.signed_list_credential(BASE, [], NOW, Ed25519PrivateKey.generate())
    assert "not valid" in status.check(doc, other_key, keys_, now=NOW).reason

    changed = status.signed_list_credential(BASE, [4242], NOW, key)
    changed["credentialSubject"]["encodedList"] = status.encode([])
    result = status.check(doc, changed, keys_, now=NOW)
    assert result.revoked is None and "not valid" in result.reason

    elsewhere = status.signed_list_credential("https://other.example.org", [], NOW, key)
    assert (
        status.check(
            doc, elsewhere, {**keys_, keys.key_id("https://other.example.org"): key.public_key()}, now=NOW
        ).revoked
        is None
    )

    suspension = status.list_credential(BASE, [], NOW)
    suspension["credentialSubject"]["statusPurpose"] = "suspension"
    suspension = sign_credential(suspension, key, keys.key_id(BASE), NOW)
    assert "not a revocation list" in status.check(doc, suspension, keys_, now=NOW).reason

    assert status.check({"no": "status"}, changed, keys_, now=NOW).revoked is None
    assert status.check(doc, "not a list", keys_, now=NOW).revoked is None


def test_status_list_is_valid_for_one_day(key):
    """The signed list carries validUntil one day after validFrom."""
    doc = status.signed_list_credential(BASE, [], NOW, key)
    assert doc["validFrom"] == "2026-11-25T09:00:00Z" and doc["validUntil"] == "2026-11-26T09:00:00Z"
    assert status.valid_until(doc) == NOW + status.VALIDITY


def test_check_refuses_an_expired_or_open_ended_list(key):
    """A list past its validUntil, or without one, gives no answer: a saved copy cannot hide a revocation."""
    keys_ = {keys.key_id(BASE): key.public_key()}
    doc = credential(key, 4242)
    listed = status.signed_list_credential(BASE, [], NOW, key)
    assert status.check(doc, listed, keys_, now=NOW + timedelta(hours=23)).revoked is False
    expired = status.check(doc, listed, keys_, now=NOW + timedelta(days=1))
    assert expired.revoked is None and "expired" in expired.reason
    open_ended = status.list_credential(BASE, [], NOW)
    del open_ended["validUntil"]
    open_ended = sign_credential(open_ended, key, keys.key_id(BASE), NOW)
    result = status.check(doc, open_ended, keys_, now=NOW)
    assert result.revoked is None and "no validUntil" in result.reason
