"""Building Open Badges 3.0 credentials and signing them with eddsa-rdfc-2022."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta, timezone

from lms.credentials import keys
from lms.credentials.issue import build_credential, format_datetime, sign_credential

BASE = "https://sala.example.org"
ISSUED = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)


def test_credential_has_open_badges_3_shape(credential):
    """The credential carries the VC 2.0 and OB 3.0.3 contexts, types, issuer Profile and achievement."""
    assert credential["@context"] == [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ]
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert credential["id"] == BASE + "/verify/K3M9Q-ZB7XD-4RT0C-N8WPA"
    assert credential["issuer"] == {
        "id": BASE + "/issuer",
        "type": ["Profile"],
        "name": "Sala — Linking and Learning Cambodia",
        "url": BASE + "/",
    }
    assert credential["validFrom"] == "2026-03-01T09:30:00Z"
    subject = credential["credentialSubject"]
    assert subject["type"] == ["AchievementSubject"]
    assert subject["identifier"] == [
        {"type": "IdentityObject", "identityHash": "Sokha Chan សុខា", "identityType": "name", "hashed": False}
    ]
    achievement = subject["achievement"]
    assert achievement["type"] == ["Achievement"]
    assert achievement["id"] == BASE + "/courses/safeguarding"
    assert achievement["name"] == "Safeguarding children in community work"
    assert achievement["achievementType"] == "Certificate"
    assert achievement["criteria"]["narrative"]
    assert achievement["description"].startswith("What safeguarding means")


def test_control_characters_are_cleaned(key):
    """Tabs and other control characters become spaces, so every RDFC implementation escapes alike."""
    cred = build_credential(
        code="00000-00000-00000-00000",
        learner_name="A\tB\x07",
        course_title="T\r\nU",
        course_summary="",
        course_url=BASE + "/c",
        issued_at=ISSUED,
        issuer_name="Sala",
        base_url=BASE,
    )
    assert cred["credentialSubject"]["identifier"][0]["identityHash"] == "A B"
    assert cred["credentialSubject"]["achievement"]["name"] == "T\nU"


def test_naive_issue_time_is_taken_as_utc():
    """A naive datetime is formatted as UTC; an aware one is converted to UTC."""
    assert format_datetime(datetime(2026, 1, 2, 3, 4, 5, 678)) == "2026-01-02T03:04:05Z"
    ict = timezone(timedelta(hours=7))  # Cambodia
    assert format_datetime(datetime(2026, 1, 2, 10, 4, 5, tzinfo=ict)) == "2026-01-02T03:04:05Z"


def test_proof_follows_data_integrity_shape(signed):
    """The proof is a DataIntegrityProof with eddsa-rdfc-2022, assertionMethod and a z-multibase value."""
    proof = signed["proof"]
    assert proof["type"] == "DataIntegrityProof"
    assert proof["cryptosuite"] == "eddsa-rdfc-2022"
    assert proof["proofPurpose"] == "assertionMethod"
    assert proof["created"] == "2026-03-01T09:31:00Z"
    assert proof["proofValue"].startswith("z")
    assert len(keys.multibase_b58_decode(proof["proofValue"])) == 64


def test_signing_does_not_change_the_input(credential, key):
    """sign_credential returns a new dict and leaves the unsigned credential alone."""
    before = copy.deepcopy(credential)
    sign_credential(credential, key, keys.key_id(BASE), ISSUED)
    assert credential == before


def test_proof_array_form_signs_the_same(credential, key, public_keys):
    """With proof_array the proof is a one-element array with the same proofValue, and verifies."""
    from lms.credentials.verify import verify_credential

    created = datetime(2026, 3, 1, 9, 31, tzinfo=UTC)
    single = sign_credential(credential, key, keys.key_id(BASE), created)
    as_array = sign_credential(credential, key, keys.key_id(BASE), created, proof_array=True)
    assert isinstance(as_array["proof"], list) and as_array["proof"] == [single["proof"]]
    assert verify_credential(as_array, public_keys).ok and verify_credential(single, public_keys).ok
