"""Open Badges 3.0 credentials signed with eddsa-rdfc-2022, and the issuer key that signs them."""
from __future__ import annotations

import copy
import hashlib
import json
import os
import stat
import threading
from datetime import datetime, timedelta, timezone

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from lms.credentials import badge, keys

BASE = "https://sala.example.org"
ISSUED = datetime(2026, 3, 1, 9, 30, tzinfo=timezone.utc)

# --- W3C "Data Integrity EdDSA Cryptosuites v1.0" test vectors (w3c/vc-di-eddsa, TestVectors/) ---
SPEC_PUBLIC_MULTIBASE = "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
SPEC_PRIVATE_MULTIBASE = "z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq"
SPEC_VM = "https://vc.example/issuers/5678#" + SPEC_PUBLIC_MULTIBASE
SPEC_CREATED = datetime(2023, 2, 24, 23, 36, 38, tzinfo=timezone.utc)
# The examples context the vectors use: https://www.w3.org/ns/credentials/examples/v2
SPEC_CONTEXTS = {
    "https://www.w3.org/ns/credentials/examples/v2": {
        "@context": {"@vocab": "https://www.w3.org/ns/credentials/examples#"}
    }
}
SPEC_UNSECURED = {
    "@context": [
        "https://www.w3.org/ns/credentials/v2",
        "https://www.w3.org/ns/credentials/examples/v2",
    ],
    "id": "urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33",
    "type": ["VerifiableCredential", "AlumniCredential"],
    "name": "Alumni Credential",
    "description": "A minimum viable example of an Alumni Credential.",
    "issuer": "https://vc.example/issuers/5678",
    "validFrom": "2023-01-01T00:00:00Z",
    "credentialSubject": {"id": "did:example:abcdefgh", "alumniOf": "The School of Examples"},
}
# eddsa-rdfc-2022/proofCanonDataInt.txt
SPEC_PROOF_CANON = (
    '_:c14n0 <http://purl.org/dc/terms/created> "2023-02-24T23:36:38Z"'
    "^^<http://www.w3.org/2001/XMLSchema#dateTime> .\n"
    "_:c14n0 <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://w3id.org/security#DataIntegrityProof> .\n"
    '_:c14n0 <https://w3id.org/security#cryptosuite> "eddsa-rdfc-2022"'
    "^^<https://w3id.org/security#cryptosuiteString> .\n"
    "_:c14n0 <https://w3id.org/security#proofPurpose> <https://w3id.org/security#assertionMethod> .\n"
    "_:c14n0 <https://w3id.org/security#verificationMethod> "
    "<https://vc.example/issuers/5678#z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2> .\n"
)
# eddsa-rdfc-2022/proofHashDataInt.txt and combinedHashDataInt.txt (as of the commit that
# published signedDataInt.json with the proofValue below)
SPEC_PROOF_HASH = "4c4d3890a157f8d611b13c265c2c22f39aa0a567c7c7dd9ba3e45cd579784eeb"
SPEC_COMBINED_HASH = (
    "4c4d3890a157f8d611b13c265c2c22f39aa0a567c7c7dd9ba3e45cd579784eeb"
    "517744132ae165a5349155bef0bb0cf2258fff99dfe1dbd914b938d775a36017"
)
# eddsa-rdfc-2022/sigBTC58DataInt.txt (also the proofValue in signedDataInt.json)
SPEC_PROOF_VALUE = "z21EVs3eXERqTn4acNHT9viboqgzUaQ3kTmhPT3eA8qrVPE7CrQq78WkzctnMX5W4CrzcKnHw8V6dvy5pgWYCU5e9"


def spec_key() -> Ed25519PrivateKey:
    raw = keys.multibase_b58_decode(SPEC_PRIVATE_MULTIBASE)
    assert raw[:2] == b"\x80\x26"  # multicodec ed25519-priv
    return Ed25519PrivateKey.from_private_bytes(raw[2:])


@pytest.fixture(scope="module")
def key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


@pytest.fixture(scope="module")
def public_keys(key):
    return {keys.key_id(BASE): key.public_key()}


@pytest.fixture(scope="module")
def credential() -> dict:
    return badge.build_credential(
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
    return badge.sign_credential(credential, key, keys.key_id(BASE), datetime(2026, 3, 1, 9, 31, tzinfo=timezone.utc))


def tampered(doc: dict, change) -> dict:
    doc = copy.deepcopy(doc)
    change(doc)
    return doc


# --- building ------------------------------------------------------------------------------

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


def test_every_term_maps_to_an_iri(credential):
    """Canonicalization drops nothing: each value we wrote appears in the RDF, none under issuer-dependent terms."""
    nquads = badge.canonicalize(credential)
    for text in ("Sokha Chan សុខា", "Safeguarding children in community work", "2026-03-01T09:30:00Z",
                 "Certificate", "Sala — Linking and Learning Cambodia", "#IdentityObject", "#identityType"):
        assert text in nquads, text
    assert "issuer-dependent" not in nquads


def test_control_characters_are_cleaned(key):
    """Tabs and other control characters become spaces, so every RDFC implementation escapes alike."""
    cred = badge.build_credential(
        code="00000-00000-00000-00000", learner_name="A\tB\x07", course_title="T\r\nU",
        course_summary="", course_url=BASE + "/c", issued_at=ISSUED, issuer_name="Sala", base_url=BASE,
    )
    assert cred["credentialSubject"]["identifier"][0]["identityHash"] == "A B"
    assert cred["credentialSubject"]["achievement"]["name"] == "T\nU"


def test_naive_issue_time_is_taken_as_utc():
    """A naive datetime is formatted as UTC; an aware one is converted to UTC."""
    assert badge.format_datetime(datetime(2026, 1, 2, 3, 4, 5, 678)) == "2026-01-02T03:04:05Z"
    ict = timezone(timedelta(hours=7))  # Cambodia
    assert badge.format_datetime(datetime(2026, 1, 2, 10, 4, 5, tzinfo=ict)) == "2026-01-02T03:04:05Z"


# --- signing and verifying -----------------------------------------------------------------

def test_signed_credential_verifies(signed, public_keys):
    """A freshly signed credential verifies and reports who earned what."""
    result = badge.verify_credential(signed, public_keys)
    assert result.ok, result.reason
    assert result.reason == "valid"
    assert result.verification_method == BASE + "/issuer#key-1"
    assert result.subject_name == "Sokha Chan សុខា"
    assert result.achievement_name == "Safeguarding children in community work"
    assert result.issuer_id == BASE + "/issuer"


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
    badge.sign_credential(credential, key, keys.key_id(BASE), ISSUED)
    assert credential == before


def test_verification_survives_a_json_round_trip(signed, public_keys):
    """Saving to a file and reading back (with different key order and spacing) still verifies."""
    text = json.dumps(signed, indent=4, sort_keys=True, ensure_ascii=True)
    assert badge.verify_credential(json.loads(text), public_keys).ok


def test_callable_key_source(signed, key):
    """public_keys may be a function from verification method id to key."""
    seen = []

    def resolve(vm):
        seen.append(vm)
        return key.public_key() if vm == keys.key_id(BASE) else None

    assert badge.verify_credential(signed, resolve).ok
    assert seen == [keys.key_id(BASE)]


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda d: d["credentialSubject"]["identifier"][0].update(identityHash="Someone Else"), id="learner-name"),
        pytest.param(lambda d: d["credentialSubject"]["achievement"].update(name="Advanced Finance"), id="course-title"),
        pytest.param(lambda d: d["credentialSubject"]["achievement"].update(id=BASE + "/courses/other"), id="course-id"),
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
    result = badge.verify_credential(tampered(signed, change), public_keys)
    assert not result.ok
    assert "signature does not match" in result.reason


@pytest.mark.parametrize(
    "change, reason",
    [
        (lambda d: d.update(revoked=False), "property 'revoked' is not defined"),
        (lambda d: d["credentialSubject"]["achievement"].update(grade="A+"), "property 'grade' is not defined"),
        (lambda d: d["credentialSubject"].update(type=["AchievementSubject", "Honours"]), "type 'Honours' is not defined"),
        (lambda d: d.update({"@note": "x"}), "a property is not defined"),
    ],
)
def test_fields_outside_the_vocabulary_are_refused(signed, public_keys, change, reason):
    """Safe mode: a field JSON-LD would silently drop (so unsigned) makes verification fail."""
    result = badge.verify_credential(tampered(signed, change), public_keys)
    assert not result.ok
    assert reason in result.reason, result.reason


def test_removed_proof_value_fails(signed, public_keys):
    """A proof without proofValue is rejected."""
    result = badge.verify_credential(tampered(signed, lambda d: d["proof"].pop("proofValue")), public_keys)
    assert not result.ok
    assert result.reason == "proof has no proofValue"


@pytest.mark.parametrize("cut", [1, 10, 44])
def test_cut_proof_value_fails(signed, public_keys, cut):
    """A truncated proofValue is not a 64-byte signature (or not a matching one)."""
    doc = tampered(signed, lambda d: d["proof"].update(proofValue=d["proof"]["proofValue"][:-cut]))
    result = badge.verify_credential(doc, public_keys)
    assert not result.ok


def test_flipped_signature_fails(signed, public_keys):
    """A 64-byte signature that is not the right one fails."""
    sig = bytearray(keys.multibase_b58_decode(signed["proof"]["proofValue"]))
    sig[5] ^= 1
    doc = tampered(signed, lambda d: d["proof"].update(proofValue=keys.multibase_b58_encode(bytes(sig))))
    result = badge.verify_credential(doc, public_keys)
    assert not result.ok and "signature does not match" in result.reason


def test_another_key_fails(signed):
    """The right verification method id with someone else's key does not verify."""
    other = Ed25519PrivateKey.generate().public_key()
    result = badge.verify_credential(signed, {keys.key_id(BASE): other})
    assert not result.ok
    assert "signature does not match" in result.reason


def test_credential_signed_by_another_key_fails(credential, public_keys):
    """A credential an attacker signed with their own key under our key id fails."""
    forged = badge.sign_credential(credential, Ed25519PrivateKey.generate(), keys.key_id(BASE), ISSUED)
    assert not badge.verify_credential(forged, public_keys).ok


def test_unknown_verification_method_fails(signed, public_keys):
    """A proof naming a key we do not know is rejected before any canonicalization."""
    doc = tampered(signed, lambda d: d["proof"].update(verificationMethod="https://evil.example/issuer#key-1"))
    result = badge.verify_credential(doc, public_keys)
    assert not result.ok
    assert result.reason == "unknown verification method https://evil.example/issuer#key-1"


@pytest.mark.parametrize("suite", ["eddsa-jcs-2022", "ecdsa-rdfc-2019", "eddsa-2022", None, 7])
def test_other_cryptosuite_fails_with_clear_reason(signed, public_keys, suite):
    """A proof naming any cryptosuite but eddsa-rdfc-2022 is refused and says so."""
    result = badge.verify_credential(tampered(signed, lambda d: d["proof"].update(cryptosuite=suite)), public_keys)
    assert not result.ok
    assert result.reason == f"unsupported cryptosuite {suite!r} (expected eddsa-rdfc-2022)"


def test_other_proof_type_fails(signed, public_keys):
    """Only DataIntegrityProof is accepted (not e.g. Ed25519Signature2020)."""
    result = badge.verify_credential(
        tampered(signed, lambda d: d["proof"].update(type="Ed25519Signature2020")), public_keys
    )
    assert not result.ok and "unsupported proof type" in result.reason


def test_other_proof_purpose_fails(signed, public_keys):
    """A proof made for authentication is not a proof of issuance."""
    result = badge.verify_credential(
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
    result = badge.verify_credential(doc, public_keys)
    assert result.ok is False and result.reason


@pytest.mark.parametrize(
    "change, reason",
    [
        (lambda d: d.update(proof="z21EVs3eXERq"), "proof is not an object"),
        (lambda d: d.pop("proof"), "no proof"),
        (lambda d: d.update(proof=[]), "expected exactly one proof"),
        (lambda d: d.update(proof=[d["proof"], d["proof"]]), "expected exactly one proof"),
        (lambda d: d["proof"].update(proofValue="z0OIl+/="), "proofValue is not base58btc multibase"),
        (lambda d: d["proof"].update(proofValue="u" + d["proof"]["proofValue"][1:]), "proofValue is not base58btc multibase"),
        (lambda d: d["proof"].update(proofValue="z"), "proofValue is not base58btc multibase"),
        (lambda d: d["proof"].update(proofValue=["z1"]), "proof has no proofValue"),
        (lambda d: d["proof"].update(proofValue="z" + "1" * 64), "signature does not match"),
        (lambda d: d["proof"].update(verificationMethod={"id": "x"}), "proof has no verificationMethod"),
        (lambda d: d["proof"].update(created="yesterday"), "proof 'created' is not an XML Schema dateTime"),
        (lambda d: d.pop("@context"), "document has no @context"),
        (lambda d: d.update({"@context": 5}), "document has no @context"),
        (lambda d: d.update({"@context": ["https://evil.example/ctx.json"]}), "JSON-LD processing failed"),
        (lambda d: d.update({"@context": [d["@context"][0], {"name": "https://evil.example/name"}]}),
         "document @context must list context URLs only"),
        (lambda d: d["proof"].update({"@context": ["https://other.example/"]}), "proof @context does not match"),
        (lambda d: d.update(credentialSubject=12), "signature does not match"),
        (lambda d: d.update(validFrom="not a date"), "signature does not match"),
        (lambda d: d.update(id="not an iri at all"), "is not an absolute IRI"),
        (lambda d: d.update(deep=_deep(5000)), "not plain JSON data"),
        (lambda d: d.update(big="x" * 300_000), "document too large"),
        (lambda d: d["credentialSubject"].update(
            identifier=[{"type": "IdentityObject", "identityHash": str(i)} for i in range(100)]),
         "too many blank nodes"),
        (lambda d: d["credentialSubject"].update(creditsEarned=float("nan")), "signature does not match"),
        (lambda d: d.update(obj=object()), "not plain JSON data"),
    ],
)
def test_malformed_credentials_give_ok_false_without_exceptions(signed, public_keys, change, reason):
    """Bad JSON types, bad multibase, unknown contexts and oversized input give ok=False with a reason."""
    result = badge.verify_credential(tampered(signed, change), public_keys)
    assert result.ok is False
    assert reason in result.reason, result.reason


def test_concurrent_verification_is_consistent(signed, public_keys):
    """Threads verifying at once (a threaded server) all get the right answer."""
    bad = tampered(signed, lambda d: d.update(validFrom="2020-01-01T00:00:00Z"))
    results: list[tuple[bool, bool]] = []

    def worker():
        for _ in range(10):
            results.append((badge.verify_credential(signed, public_keys).ok,
                            badge.verify_credential(bad, public_keys).ok))

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [(True, False)] * 60


def test_proof_context_prefix_is_accepted(signed, public_keys):
    """A proof carrying the document's @context (as some signers add) still verifies."""
    doc = tampered(signed, lambda d: d["proof"].update({"@context": d["@context"]}))
    assert badge.verify_credential(doc, public_keys).ok


def test_unbundled_context_is_never_fetched(monkeypatch, credential, key):
    """Signing a document with a context we do not ship fails instead of touching the network."""
    import socket

    def no_network(*args, **kwargs):
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    doc = dict(credential, **{"@context": credential["@context"] + ["https://schema.org/"]})
    with pytest.raises(badge.CanonicalizationError, match="not available offline"):
        badge.sign_credential(doc, key, keys.key_id(BASE), ISSUED)


# --- the W3C test vector -------------------------------------------------------------------

def test_spec_key_pair_matches_published_multikey():
    """The spec's private key gives the spec's publicKeyMultibase through our Multikey encoding."""
    assert keys.public_key_multibase(spec_key()) == SPEC_PUBLIC_MULTIBASE
    restored = keys.public_key_from_multibase(SPEC_PUBLIC_MULTIBASE)
    assert keys.public_key_raw(restored) == keys.public_key_raw(spec_key())


def test_rdfc_canonical_proof_config_matches_spec_vector():
    """Our RDFC-1.0 canonical proof configuration is byte-identical to the spec's, and hashes to its proofHash."""
    proof_config = {
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-rdfc-2022",
        "created": "2023-02-24T23:36:38Z",
        "verificationMethod": SPEC_VM,
        "proofPurpose": "assertionMethod",
        "@context": SPEC_UNSECURED["@context"],
    }
    canon = badge.canonicalize(proof_config, extra_contexts=SPEC_CONTEXTS)
    assert canon == SPEC_PROOF_CANON
    assert hashlib.sha256(canon.encode()).hexdigest() == SPEC_PROOF_HASH


def test_rdfc_document_hash_matches_spec_vector():
    """The canonical unsecured credential hashes to the document half of the spec's combined hash."""
    canon = badge.canonicalize(SPEC_UNSECURED, extra_contexts=SPEC_CONTEXTS)
    assert SPEC_PROOF_HASH + hashlib.sha256(canon.encode()).hexdigest() == SPEC_COMBINED_HASH


def test_signing_reproduces_spec_proof_value():
    """Signing the spec's credential with the spec's key and time gives the spec's proofValue exactly."""
    signed = badge.sign_credential(SPEC_UNSECURED, spec_key(), SPEC_VM, SPEC_CREATED, extra_contexts=SPEC_CONTEXTS)
    assert signed["proof"] == {
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-rdfc-2022",
        "created": "2023-02-24T23:36:38Z",
        "verificationMethod": SPEC_VM,
        "proofPurpose": "assertionMethod",
        "proofValue": SPEC_PROOF_VALUE,
    }


def test_spec_signed_document_verifies():
    """The spec's signedDataInt.json verifies with the spec's public key."""
    doc = dict(SPEC_UNSECURED, proof={
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-rdfc-2022",
        "created": "2023-02-24T23:36:38Z",
        "verificationMethod": SPEC_VM,
        "proofPurpose": "assertionMethod",
        "proofValue": SPEC_PROOF_VALUE,
    })
    pub = keys.public_key_from_multibase(SPEC_PUBLIC_MULTIBASE)
    assert badge.verify_credential(doc, {SPEC_VM: pub}, extra_contexts=SPEC_CONTEXTS).ok
    doc["credentialSubject"] = {"id": "did:example:abcdefgh", "alumniOf": "Another School"}
    assert not badge.verify_credential(doc, {SPEC_VM: pub}, extra_contexts=SPEC_CONTEXTS).ok


# --- keys ----------------------------------------------------------------------------------

def test_key_file_created_once_with_mode_0600_and_reused(tmp_path):
    """The first call writes instance/issuer_ed25519.pem (0600); later calls load the same key."""
    instance = tmp_path / "instance"
    first = keys.load_or_create_issuer_key(instance)
    path = instance / "issuer_ed25519.pem"
    assert path.is_file()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    mtime = path.stat().st_mtime_ns
    second = keys.load_or_create_issuer_key(instance)
    assert keys.public_key_raw(second) == keys.public_key_raw(first)
    assert path.stat().st_mtime_ns == mtime
    assert [p.name for p in instance.iterdir()] == ["issuer_ed25519.pem"]  # no temporary files left


def test_concurrent_first_use_shares_one_key(tmp_path):
    """Workers racing to create the key all end up with the same one."""
    results = []
    barrier = threading.Barrier(8)

    def worker():
        barrier.wait()
        results.append(keys.public_key_raw(keys.load_or_create_issuer_key(tmp_path)))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(results)) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["issuer_ed25519.pem"]


def test_loose_key_file_mode_is_tightened(tmp_path):
    """A key file found group- or world-readable is set back to 0600 on load."""
    keys.load_or_create_issuer_key(tmp_path)
    path = tmp_path / "issuer_ed25519.pem"
    os.chmod(path, 0o644)
    keys.load_or_create_issuer_key(tmp_path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_load_issuer_key_never_creates(tmp_path):
    """load_issuer_key returns None when no key exists and writes nothing."""
    assert keys.load_issuer_key(tmp_path) is None
    assert list(tmp_path.iterdir()) == []


def test_public_key_multibase_is_ed25519_multikey(key):
    """publicKeyMultibase is 'z6Mk...' and decodes to 0xed01 plus the raw 32-byte key."""
    value = keys.public_key_multibase(key)
    assert value.startswith("z6Mk")
    raw = keys.multibase_b58_decode(value)
    assert raw[:2] == b"\xed\x01" and raw[2:] == keys.public_key_raw(key)
    assert keys.public_key_multibase(key.public_key()) == value


def test_base58_round_trip_keeps_leading_zeros():
    """base58btc keeps leading zero bytes as '1's and round-trips arbitrary bytes."""
    for data in (b"", b"\0", b"\0\0\x01", bytes(range(256)), b"\xff" * 40):
        assert keys.b58decode(keys.b58encode(data)) == data
    assert keys.b58encode(b"\0\0\x01") == "112"
    with pytest.raises(ValueError):
        keys.b58decode("0OIl")


def test_key_id_and_issuer_id():
    """Ids are built from the base URL with or without a trailing slash."""
    assert keys.issuer_id("https://s.example/") == "https://s.example/issuer"
    assert keys.key_id("https://s.example") == "https://s.example/issuer#key-1"


# --- the published key document and the CLI helper -----------------------------------------

def test_issuer_key_document_lists_key_for_assertion(key):
    """The controller document names the Multikey and authorises it for assertionMethod."""
    doc = badge.issuer_key_document(key, BASE)
    assert doc["id"] == BASE + "/issuer"
    [vm] = doc["verificationMethod"]
    assert vm == {
        "id": BASE + "/issuer#key-1",
        "type": "Multikey",
        "controller": BASE + "/issuer",
        "publicKeyMultibase": keys.public_key_multibase(key),
    }
    assert doc["assertionMethod"] == [vm["id"]]
    assert "PRIVATE" not in json.dumps(doc).upper()


def test_public_keys_from_document_reads_issuer_key_document(key, signed):
    """Keys read back from the published document verify our credentials."""
    found = badge.public_keys_from_document(badge.issuer_key_document(key, BASE))
    assert list(found) == [keys.key_id(BASE)]
    assert badge.verify_credential(signed, found).ok
    assert badge.public_keys_from_document("nope") == {}
    assert badge.public_keys_from_document({"verificationMethod": [{"type": "Multikey", "id": "x",
                                                                    "publicKeyMultibase": "zzz"}]}) == {}


def test_verify_file_with_saved_key_document(tmp_path, key, signed):
    """verify_file accepts a saved key document as the key source."""
    cred = tmp_path / "cert.json"
    cred.write_text(json.dumps(signed), encoding="utf-8")
    key_doc = tmp_path / "key.json"
    key_doc.write_text(json.dumps(badge.issuer_key_document(key, BASE)), encoding="utf-8")
    result = badge.verify_file(cred, key_doc)
    assert result.ok and result.subject_name == "Sokha Chan សុខា"
    other = tmp_path / "other.json"
    other.write_text(json.dumps(badge.issuer_key_document(Ed25519PrivateKey.generate(), BASE)))
    assert not badge.verify_file(cred, other).ok


def test_verify_file_with_instance_dir(tmp_path, credential):
    """verify_file accepts the instance folder and uses the site's own key."""
    site_key = keys.load_or_create_issuer_key(tmp_path / "instance")
    cred = tmp_path / "cert.json"
    cred.write_text(json.dumps(badge.sign_credential(credential, site_key, keys.key_id(BASE), ISSUED)))
    assert badge.verify_file(cred, tmp_path / "instance").ok
    assert badge.verify_file(cred, tmp_path / "instance", base_url=BASE).ok
    wrong_site = badge.verify_file(cred, tmp_path / "instance", base_url="https://other.example")
    assert not wrong_site.ok and "unknown verification method" in wrong_site.reason
    (tmp_path / "empty").mkdir()
    assert badge.verify_file(cred, tmp_path / "empty").reason.startswith("no issuer key in")


@pytest.mark.parametrize("content", [b"", b"not json", b"\xff\xfe", b"[1, 2]", b'"text"', b"{" * 100_000])
def test_verify_file_with_bad_content_gives_ok_false(tmp_path, key, content):
    """Unreadable, non-JSON or non-object files give ok=False, not a traceback."""
    cred = tmp_path / "cert.json"
    cred.write_bytes(content)
    key_doc = tmp_path / "key.json"
    key_doc.write_text(json.dumps(badge.issuer_key_document(key, BASE)))
    assert badge.verify_file(cred, key_doc).ok is False
    assert badge.verify_file(tmp_path / "missing.json", key_doc).ok is False
    assert badge.verify_file(key_doc, cred).ok is False  # key source is not a key document
