"""Verifying eddsa-rdfc-2022 proofs: valid credentials pass; tampered, forged or malformed ones fail
with a reason and never an exception; saved files verify with a key document or the instance key."""

from __future__ import annotations

import copy
import json
import threading
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from lms.credentials import keys
from lms.credentials.issue import sign_credential
from lms.credentials.verify import verify_credential, verify_file

BASE = "https://sala.example.org"
ISSUED = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)


def tampered(doc: dict, change) -> dict:
    doc = copy.deepcopy(doc)
    change(doc)
    return doc


def test_signed_credential_verifies(signed, public_keys):
    """A freshly signed credential verifies and reports who earned what."""
    result = verify_credential(signed, public_keys)
    assert result.ok, result.reason
    assert result.reason == "valid"
    assert result.verification_method == BASE + "/issuer#key-1"
    assert result.subject_name == "Sokha Chan សុខា"
    assert result.achievement_name == "Safeguarding children in community work"
    assert result.issuer_id == BASE + "/issuer"


def test_verification_survives_a_json_round_trip(signed, public_keys):
    """Saving to a file and reading back (with different key order and spacing) still verifies."""
    text = json.dumps(signed, indent=4, sort_keys=True, ensure_ascii=True)
    assert verify_credential(json.loads(text), public_keys).ok


def test_callable_key_source(signed, key):
    """public_keys may be a function from verification method id to key."""
    seen = []

    def resolve(vm):
        seen.append(vm)
        return key.public_key() if vm == keys.key_id(BASE) else None

    assert verify_credential(signed, resolve).ok
    assert seen == [keys.key_id(BASE)]


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(
            lambda d: d["credentialSubject"]["identifier"][0].update(identityHash="Someone Else"), id="learner-name"
        ),
        pytest.param(
            lambda d: d["credentialSubject"]["achievement"].update(name="Advanced Finance"), id="course-title"
        ),
        pytest.param(
            lambda d: d["credentialSubject"]["achievement"].update(id=BASE + "/courses/other"), id="course-id"
        ),
        pytest.param(lambda d: d.update(validFrom="2025-03-01T09:30:00Z"), id="validFrom"),
        pytest.param(lambda d: d["issuer"].update(id="https://evil.example/issuer"), id="issuer-id"),
        pytest.param(lambda d: d["issuer"].update(name="Another NGO"), id="issuer-name"),
        pytest.param(lambda d: d.update(id=BASE + "/verify/00000-00000-00000-00000"), id="credential-id"),
        pytest.param(lambda d: d["credentialSubject"].update(creditsEarned=10), id="added-field"),
        pytest.param(lambda d: d.update(validUntil="2030-01-01T00:00:00Z"), id="added-expiry"),
        pytest.param(lambda d: d["proof"].update(created="2026-03-02T09:31:00Z"), id="proof-created"),
        pytest.param(lambda d: d["credentialSubject"]["identifier"][0].update(hashed=True), id="hashed-flag"),
    ],
)
def test_tampered_credential_fails(signed, public_keys, change):
    """Changing any signed statement (name, course, dates, issuer, proof options) breaks the signature."""
    result = verify_credential(tampered(signed, change), public_keys)
    assert not result.ok
    assert "signature does not match" in result.reason


@pytest.mark.parametrize(
    "change, reason",
    [
        (lambda d: d.update(revoked=False), "property 'revoked' is not defined"),
        (lambda d: d["credentialSubject"]["achievement"].update(grade="A+"), "property 'grade' is not defined"),
        (
            lambda d: d["credentialSubject"].update(type=["AchievementSubject", "Honours"]),
            "type 'Honours' is not defined",
        ),
        (lambda d: d.update({"@note": "x"}), "a property is not defined"),
    ],
)
def test_fields_outside_the_vocabulary_are_refused(signed, public_keys, change, reason):
    """Safe mode: a field JSON-LD would silently drop (so unsigned) makes verification fail."""
    result = verify_credential(tampered(signed, change), public_keys)
    assert not result.ok
    assert reason in result.reason, result.reason


def test_removed_proof_value_fails(signed, public_keys):
    """A proof without proofValue is rejected."""
    result = verify_credential(tampered(signed, lambda d: d["proof"].pop("proofValue")), public_keys)
    assert not result.ok
    assert result.reason == "proof has no proofValue"


@pytest.mark.parametrize("cut", [1, 10, 44])
def test_cut_proof_value_fails(signed, public_keys, cut):
    """A truncated proofValue is not a 64-byte signature (or not a matching one)."""
    doc = tampered(signed, lambda d: d["proof"].update(proofValue=d["proof"]["proofValue"][:-cut]))
    result = verify_credential(doc, public_keys)
    assert not result.ok


def test_flipped_signature_fails(signed, public_keys):
    """A 64-byte signature that is not the right one fails."""
    sig = bytearray(keys.multibase_b58_decode(signed["proof"]["proofValue"]))
    sig[5] ^= 1
    doc = tampered(signed, lambda d: d["proof"].update(proofValue=keys.multibase_b58_encode(bytes(sig))))
    result = verify_credential(doc, public_keys)
    assert not result.ok and "signature does not match" in result.reason


def test_another_key_fails(signed):
    """The right verification method id with someone else's key does not verify."""
    other = Ed25519PrivateKey.generate().public_key()
    result = verify_credential(signed, {keys.key_id(BASE): other})
    assert not result.ok
    assert "signature does not match" in result.reason


def test_credential_signed_by_another_key_fails(credential, public_keys):
    """A credential an attacker signed with their own key under our key id fails."""
    forged = sign_credential(credential, Ed25519PrivateKey.generate(), keys.key_id(BASE), ISSUED)
    assert not verify_credential(forged, public_keys).ok


def test_unknown_verification_method_fails(signed, public_keys):
    """A proof naming a key we do not know is rejected before any canonicalization."""
    doc = tampered(signed, lambda d: d["proof"].update(verificationMethod="https://evil.example/issuer#key-1"))
    result = verify_credential(doc, public_keys)
    assert not result.ok
    assert result.reason == "unknown verification method https://evil.example/issuer#key-1"


@pytest.mark.parametrize("suite", ["eddsa-jcs-2022", "ecdsa-rdfc-2019", "eddsa-2022", None, 7])
def test_other_cryptosuite_fails_with_clear_reason(signed, public_keys, suite):
    """A proof naming any cryptosuite but eddsa-rdfc-2022 is refused and says so."""
    result = verify_credential(tampered(signed, lambda d: d["proof"].update(cryptosuite=suite)), public_keys)
    assert not result.ok
    assert result.reason == f"unsupported cryptosuite {suite!r} (expected eddsa-rdfc-2022)"


def test_other_proof_type_fails(signed, public_keys):
    """Only DataIntegrityProof is accepted (not e.g. Ed25519Signature2020)."""
    result = verify_credential(tampered(signed, lambda d: d["proof"].update(type="Ed25519Signature2020")), public_keys)
    assert not result.ok and "unsupported proof type" in result.reason


def test_other_proof_purpose_fails(signed, public_keys):
    """A proof made for authentication is not a proof of issuance."""
    result = verify_credential(
        tampered(signed, lambda d: d["proof"].update(proofPurpose="authentication")), public_keys
    )
    assert not result.ok and "proofPurpose" in result.reason


def _deep(depth: int) -> dict:
    node: dict = {"x": 1}
    for _ in range(depth):
        node = {"x": node}
    return node


@pytest.mark.parametrize(
    "doc",
    [
        pytest.param(None, id="None"),
        pytest.param("a string", id="string"),
        pytest.param(42, id="int"),
        pytest.param([], id="list"),
        pytest.param({}, id="empty"),
        pytest.param({"proof": None}, id="proof-none"),
    ],
)
def test_non_credentials_give_ok_false(doc, public_keys):
    """Things that are not credentials at all come back ok=False, never an exception."""
    result = verify_credential(doc, public_keys)
    assert result.ok is False and result.reason


@pytest.mark.parametrize(
    "change, reason",
    [
        (lambda d: d.update(proof="z21EVs3eXERq"), "proof is not an object"),
        (lambda d: d.pop("proof"), "no proof"),
        (lambda d: d.update(proof=[]), "expected exactly one proof"),
        (lambda d: d.update(proof=[d["proof"], d["proof"]]), "expected exactly one proof"),
        (lambda d: d["proof"].update(proofValue="z0OIl+/="), "proofValue is not base58btc multibase"),
        (
            lambda d: d["proof"].update(proofValue="u" + d["proof"]["proofValue"][1:]),
            "proofValue is not base58btc multibase",
        ),
        (lambda d: d["proof"].update(proofValue="z"), "proofValue is not base58btc multibase"),
        (lambda d: d["proof"].update(proofValue=["z1"]), "proof has no proofValue"),
        (lambda d: d["proof"].update(proofValue="z" + "1" * 64), "signature does not match"),
        (lambda d: d["proof"].update(verificationMethod={"id": "x"}), "proof has no verificationMethod"),
        (lambda d: d["proof"].update(created="yesterday"), "proof 'created' is not an XML Schema dateTime"),
        (lambda d: d.pop("@context"), "document has no @context"),
        (lambda d: d.update({"@context": 5}), "document has no @context"),
        (lambda d: d.update({"@context": ["https://evil.example/ctx.json"]}), "JSON-LD processing failed"),
        (
            lambda d: d.update({"@context": [d["@context"][0], {"name": "https://evil.example/name"}]}),
            "document @context must list context URLs only",
        ),
        (lambda d: d["proof"].update({"@context": ["https://other.example/"]}), "proof @context does not match"),
        (lambda d: d.update(credentialSubject=12), "signature does not match"),
        (lambda d: d.update(validFrom="not a date"), "signature does not match"),
        (lambda d: d.update(id="not an iri at all"), "is not an absolute IRI"),
        (lambda d: d.update(deep=_deep(5000)), "not plain JSON data"),
        (lambda d: d.update(big="x" * 300_000), "document too large"),
        (
            lambda d: d["credentialSubject"].update(
                identifier=[{"type": "IdentityObject", "identityHash": str(i)} for i in range(100)]
            ),
            "too many blank nodes",
        ),
        (lambda d: d["credentialSubject"].update(creditsEarned=float("nan")), "signature does not match"),
        (lambda d: d.update(obj=object()), "not plain JSON data"),
    ],
)
def test_malformed_credentials_give_ok_false_without_exceptions(signed, public_keys, change, reason):
    """Bad JSON types, bad multibase, unknown contexts and oversized input give ok=False with a reason."""
    result = verify_credential(tampered(signed, change), public_keys)
    assert result.ok is False
    assert reason in result.reason, result.reason


def test_concurrent_verification_is_consistent(signed, public_keys):
    """Threads verifying at once (a threaded server) all get the right answer."""
    bad = tampered(signed, lambda d: d.update(validFrom="2020-01-01T00:00:00Z"))
    results: list[tuple[bool, bool]] = []

    def worker():
        for _ in range(10):
            results.append((verify_credential(signed, public_keys).ok, verify_credential(bad, public_keys).ok))

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [(True, False)] * 60


def test_proof_context_prefix_is_accepted(signed, public_keys):
    """A proof carrying the document's @context (as some signers add) still verifies."""
    doc = tampered(signed, lambda d: d["proof"].update({"@context": d["@context"]}))
    assert verify_credential(doc, public_keys).ok


# --- saved files, for `lms certificates verify` ----------------------------------------------


def test_verify_file_with_saved_key_document(tmp_path, key, signed):
    """verify_file accepts a saved key document as the key source."""
    cred = tmp_path / "cert.json"
    cred.write_text(json.dumps(signed), encoding="utf-8")
    key_doc = tmp_path / "key.json"
    key_doc.write_text(json.dumps(keys.issuer_key_document(key, BASE)), encoding="utf-8")
    result = verify_file(cred, key_doc)
    assert result.ok and result.subject_name == "Sokha Chan សុខា"
    other = tmp_path / "other.json"
    other.write_text(json.dumps(keys.issuer_key_document(Ed25519PrivateKey.generate(), BASE)))
    assert not verify_file(cred, other).ok


def test_verify_file_with_instance_dir(tmp_path, credential):
    """verify_file accepts the instance folder and uses the site's own key."""
    site_key = keys.load_or_create_issuer_key(tmp_path / "instance")
    cred = tmp_path / "cert.json"
    cred.write_text(json.dumps(sign_credential(credential, site_key, keys.key_id(BASE), ISSUED)))
    assert verify_file(cred, tmp_path / "instance").ok
    assert verify_file(cred, tmp_path / "instance", base_url=BASE).ok
    wrong_site = verify_file(cred, tmp_path / "instance", base_url="https://other.example")
    assert not wrong_site.ok and "unknown verification method" in wrong_site.reason
    (tmp_path / "empty").mkdir()
    assert verify_file(cred, tmp_path / "empty").reason.startswith("no issuer key in")


@pytest.mark.parametrize("content", [b"", b"not json", b"\xff\xfe", b"[1, 2]", b'"text"', b"{" * 100_000])
def test_verify_file_with_bad_content_gives_ok_false(tmp_path, key, content):
    """Unreadable, non-JSON or non-object files give ok=False, not a traceback."""
    cred = tmp_path / "cert.json"
    cred.write_bytes(content)
    key_doc = tmp_path / "key.json"
    key_doc.write_text(json.dumps(keys.issuer_key_document(key, BASE)))
    assert verify_file(cred, key_doc).ok is False
    assert verify_file(tmp_path / "missing.json", key_doc).ok is False
    assert verify_file(key_doc, cred).ok is False  # key source is not a key document
