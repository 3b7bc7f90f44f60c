"""W3C "Data Integrity EdDSA Cryptosuites v1.0" test vectors for eddsa-rdfc-2022: canonical forms,
hashes, the proofValue and verification reproduce the specification's exactly."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from lms.credentials import keys
from lms.credentials.issue import sign_credential
from lms.credentials.jsonld import canonicalize
from lms.credentials.verify import verify_credential

# --- W3C "Data Integrity EdDSA Cryptosuites v1.0" test vectors (w3c/vc-di-eddsa, TestVectors/) ---
SPEC_PUBLIC_MULTIBASE = "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
SPEC_PRIVATE_MULTIBASE = "z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq"
SPEC_VM = "https://vc.example/issuers/5678#" + SPEC_PUBLIC_MULTIBASE
SPEC_CREATED = datetime(2023, 2, 24, 23, 36, 38, tzinfo=UTC)
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
    canon = canonicalize(proof_config, extra_contexts=SPEC_CONTEXTS)
    assert canon == SPEC_PROOF_CANON
    assert hashlib.sha256(canon.encode()).hexdigest() == SPEC_PROOF_HASH


def test_rdfc_document_hash_matches_spec_vector():
    """The canonical unsecured credential hashes to the document half of the spec's combined hash."""
    canon = canonicalize(SPEC_UNSECURED, extra_contexts=SPEC_CONTEXTS)
    assert SPEC_PROOF_HASH + hashlib.sha256(canon.encode()).hexdigest() == SPEC_COMBINED_HASH


def test_signing_reproduces_spec_proof_value():
    """Signing the spec's credential with the spec's key and time gives the spec's proofValue exactly."""
    signed = sign_credential(SPEC_UNSECURED, spec_key(), SPEC_VM, SPEC_CREATED, extra_contexts=SPEC_CONTEXTS)
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
    doc = dict(
        SPEC_UNSECURED,
        proof={
            "type": "DataIntegrityProof",
            "cryptosuite": "eddsa-rdfc-2022",
            "created": "2023-02-24T23:36:38Z",
            "verificationMethod": SPEC_VM,
            "proofPurpose": "assertionMethod",
            "proofValue": SPEC_PROOF_VALUE,
        },
    )
    pub = keys.public_key_from_multibase(SPEC_PUBLIC_MULTIBASE)
    assert verify_credential(doc, {SPEC_VM: pub}, extra_contexts=SPEC_CONTEXTS).ok
    doc["credentialSubject"] = {"id": "did:example:abcdefgh", "alumniOf": "Another School"}
    assert not verify_credential(doc, {SPEC_VM: pub}, extra_contexts=SPEC_CONTEXTS).ok
