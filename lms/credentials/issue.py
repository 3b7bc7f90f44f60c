"""Issuing: build an Open Badges 3.0 credential for a course certificate and sign it.

A certificate is published as an ``OpenBadgeCredential`` (1EdTech Open Badges 3.0, a W3C
Verifiable Credential in the VC Data Model 2.0, JSON-LD) with an embedded Data Integrity proof
made with the site's Ed25519 key, following W3C "Data Integrity EdDSA Cryptosuites v1.0",
cryptosuite ``eddsa-rdfc-2022`` (§3.2):

1. the proof options (type, cryptosuite, created, verificationMethod, proofPurpose) get the
   document's ``@context`` and are canonicalized with RDFC-1.0, then hashed with SHA-256
   (§3.2.5 Proof Configuration, §3.2.4 Hashing);
2. the document without its proof is canonicalized and hashed the same way (§3.2.3);
3. Ed25519 (RFC 8032, pure EdDSA) signs ``proofConfigHash + documentHash``, 64 bytes
   (§3.2.6 Proof Serialization);
4. ``proofValue`` is the 64-byte signature as multibase base58btc (``z...``) (§3.2.1).

Canonicalization is :func:`lms.credentials.jsonld.canonicalize`: offline, in safe mode.
"""

from __future__ import annotations

import copy
import hashlib
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from lms.credentials import keys
from lms.credentials.jsonld import CREDENTIALS_V2_CONTEXT, OB_V3_CONTEXT, canonicalize

if TYPE_CHECKING:  # imported when a key is in hand (lms.credentials.keys.ed25519)
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

CRYPTOSUITE = "eddsa-rdfc-2022"
PROOF_TYPE = "DataIntegrityProof"
PROOF_PURPOSE = "assertionMethod"


# --- building ----------------------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f]")


def _clean(text: str) -> str:
    """Text safe for any RDFC-1.0 implementation: only '\\n' among control characters."""
    if not isinstance(text, str):
        raise TypeError("expected a string")
    return _CONTROL.sub(" ", text.replace("\r\n", "\n"))


def format_datetime(value: datetime) -> str:
    """XML Schema ``dateTimeStamp`` in UTC to the second: ``2026-03-01T09:30:00Z``.

    The form the VC Data Model 2.0 (§4.9 Validity Period, §5.8 Representing Time) asks for in
    ``validFrom`` and Data Integrity in ``proof.created``. A naive datetime is taken to be UTC
    already (the app stores UTC); an aware one is converted; microseconds are dropped.
    """
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def verify_url(base_url: str, code: str) -> str:
    """The public page where anyone can check a certificate: ``<base>/verify/<code>``.

    Also the default credential ``id``. ``base_url`` may end in a slash; ``code`` is used as given
    (the canonical form from :func:`lms.credentials.codes.normalize_code`).
    """
    return f"{base_url.rstrip('/')}/verify/{code}"


def build_credential(
    *,
    code: str,
    learner_name: str,
    course_title: str,
    course_summary: str,
    course_url: str,
    issued_at: datetime,
    issuer_name: str,
    base_url: str,
    credential_id: str | None = None,
    language: str | None = None,
) -> dict:
    """An unsigned ``OpenBadgeCredential`` (Open Badges 3.0) for one course certificate.

    The learner is named the way Open Badges 3.0 names a recipient without an account id: an
    ``IdentityObject`` in ``credentialSubject.identifier`` with ``identityType: "name"`` and
    ``hashed: false`` (``AchievementSubject`` has no ``name`` property in OB 3.0). The course is
    the ``Achievement`` (``achievementType: "Certificate"``, id ``course_url``); the issuer a
    ``Profile`` whose id is :func:`lms.credentials.keys.issuer_id`.

    :param credential_id: defaults to :func:`verify_url` of ``base_url`` and ``code``.
    :param language: BCP 47 tag of the course, put in ``achievement.inLanguage``.
    :param issued_at: becomes ``validFrom`` (see :func:`format_datetime`).
    :returns: a JSON-ready dict with the VC 2.0 and OB 3.0.3 contexts, ready for
        :func:`sign_credential`. Control characters in the texts become spaces (only line
        breaks are kept), an empty summary falls back to the title.
    :raises ValueError: ``learner_name`` or ``course_title`` is empty after cleaning.
    :raises TypeError: a text argument is not a string.
    """
    base = base_url.rstrip("/")
    learner_name = _clean(learner_name).strip()
    course_title = _clean(course_title).strip()
    if not learner_name or not course_title:
        raise ValueError("learner_name and course_title must not be empty")
    summary = _clean(course_summary or "").strip() or course_title
    achievement: dict[str, Any] = {
        "id": course_url,
        "type": ["Achievement"],
        "achievementType": "Certificate",
        "name": course_title,
        "description": summary,
        "criteria": {
            "narrative": _clean(
                f"Completed every lesson and passed every quiz of the course “{course_title}” on {issuer_name}."
            ),
        },
    }
    if language:
        achievement["inLanguage"] = language
    return {
        "@context": [CREDENTIALS_V2_CONTEXT, OB_V3_CONTEXT],
        "id": credential_id or verify_url(base, code),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": _clean(f"{course_title} — certificate of completion"),
        "issuer": {
            "id": keys.issuer_id(base),
            "type": ["Profile"],
            "name": _clean(issuer_name),
            "url": base + "/",
        },
        "validFrom": format_datetime(issued_at),
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityHash": learner_name,
                    "identityType": "name",
                    "hashed": False,
                }
            ],
            "achievement": achievement,
        },
    }


# --- signing -----------------------------------------------------------------------------


def hash_data(
    unsecured: dict, proof_config: dict, extra_contexts: Mapping[str, Any] | None = None
) -> tuple[bytes, bytes]:
    """``(proofConfigHash, documentHash)``, 32 bytes each: eddsa-rdfc-2022 §3.2.4 Hashing.

    SHA-256 of the UTF-8 RDFC-1.0 canonical form of the proof configuration (which must carry
    the document's ``@context``) and of the unsecured document. Signing and verifying both use it.

    :raises lms.credentials.jsonld.CanonicalizationError: see
        :func:`lms.credentials.jsonld.canonicalize`.
    """
    proof_hash = hashlib.sha256(canonicalize(proof_config, extra_contexts=extra_contexts).encode("utf-8")).digest()
    doc_hash = hashlib.sha256(canonicalize(unsecured, extra_contexts=extra_contexts).encode("utf-8")).digest()
    return proof_hash, doc_hash


def sign_credential(
    credential: dict,
    key: Ed25519PrivateKey,
    verification_method: str,
    created: datetime,
    *,
    extra_contexts: Mapping[str, Any] | None = None,
    proof_array: bool = False,
) -> dict:
    """A copy of ``credential`` with an eddsa-rdfc-2022 ``DataIntegrityProof`` added (§3.2.1).

    :param credential: a JSON-LD object with an ``@context``; any ``proof`` it has is replaced,
        and it is not changed itself.
    :param verification_method: the proof's ``verificationMethod``, the id of the key's Multikey
        (for the site: :func:`lms.credentials.keys.key_id`).
    :param created: the proof's ``created`` (see :func:`format_datetime`); signing the same
        document with the same key and time gives the same proof (Ed25519 is deterministic).
    :param extra_contexts: further contexts to load offline (tests: the W3C examples context).
    :param proof_array: write ``proof`` as a one-element array (a proof set, Data Integrity 1.0
        §2.1.1), as the 1EdTech Open Badges 3.0 JSON Schema requires of an
        ``OpenBadgeCredential``; otherwise a single object, as in the W3C test vectors. The
        signature is the same either way (the proof is removed before hashing).
    :returns: the signed credential; ``proof.proofValue`` is ``z`` + base58btc of 64 bytes.
    :raises ValueError: ``credential`` is not a dict with an ``@context``.
    :raises lms.credentials.jsonld.CanonicalizationError: the credential is not valid JSON-LD in
        safe mode, or names a context that is not bundled.
    """
    if not isinstance(credential, dict) or "@context" not in credential:
        raise ValueError("credential must be a JSON-LD object with an @context")
    unsecured = copy.deepcopy(credential)
    unsecured.pop("proof", None)
    proof = {
        "type": PROOF_TYPE,
        "cryptosuite": CRYPTOSUITE,
        "created": format_datetime(created),
        "verificationMethod": verification_method,
        "proofPurpose": PROOF_PURPOSE,
    }
    proof_config = dict(proof, **{"@context": unsecured["@context"]})
    proof_hash, doc_hash = hash_data(unsecured, proof_config, extra_contexts)
    signature = key.sign(proof_hash + doc_hash)
    proof["proofValue"] = keys.multibase_b58_encode(signature)
    signed = copy.deepcopy(unsecured)
    signed["proof"] = [proof] if proof_array else proof
    return signed
