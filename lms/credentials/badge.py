"""Open Badges 3.0 credentials for course certificates, signed with eddsa-rdfc-2022.

A certificate is published as an ``OpenBadgeCredential`` (1EdTech Open Badges
3.0, a W3C Verifiable Credential 2.0 in JSON-LD) with an embedded Data
Integrity proof made with the site's Ed25519 key, following "Data Integrity
EdDSA Cryptosuites v1.0", cryptosuite ``eddsa-rdfc-2022``:

1. the proof options (type, cryptosuite, created, verificationMethod,
   proofPurpose) get the document's ``@context`` and are canonicalized with
   RDF Dataset Canonicalization (RDFC-1.0), then hashed with SHA-256;
2. the document without its proof is canonicalized and hashed the same way;
3. Ed25519 signs ``proofConfigHash + documentHash`` (64 bytes);
4. ``proofValue`` is the signature as multibase base58btc (``z...``).

Canonicalization uses pyld with an offline document loader that knows only the
JSON-LD contexts bundled in ``jsonld_contexts/`` (see the NOTICE there): no
network access ever happens when signing or verifying, and a document naming
any other context is rejected.

:func:`verify_credential` never raises: every failure comes back as a
:class:`VerifyResult` with ``ok=False`` and a short English ``reason``.
"""
from __future__ import annotations

import copy
import hashlib
import json
import re
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Mapping

from cachetools import LRUCache
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pyld import jsonld
from pyld.canon import URDNA2015
from pyld.context_resolver import ContextResolver

from lms.credentials import keys

CREDENTIALS_V2_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_V3_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
CID_V1_CONTEXT = "https://www.w3.org/ns/cid/v1"
CRYPTOSUITE = "eddsa-rdfc-2022"
PROOF_TYPE = "DataIntegrityProof"
PROOF_PURPOSE = "assertionMethod"

_CONTEXT_DIR = Path(__file__).with_name("jsonld_contexts")
_CONTEXT_FILES = {
    CREDENTIALS_V2_CONTEXT: "credentials-v2.json",
    OB_V3_CONTEXT: "ob-v3p0-context-3.0.3.json",
}

#: Refuse to canonicalize documents bigger than this (JSON text, bytes) ...
MAX_DOCUMENT_BYTES = 256 * 1024
#: ... or with more blank nodes / quads than this.  RDFC-1.0 can take exponential
#: time on crafted graphs of blank nodes; a certificate has fewer than ten.
MAX_BLANK_NODES = 64
MAX_QUADS = 2000

_XSD_DATETIME = re.compile(
    r"^-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$"
)


class CanonicalizationError(ValueError):
    """The document could not be turned into a canonical RDF dataset."""


# --- offline JSON-LD contexts ------------------------------------------------------------

@lru_cache(maxsize=None)
def _bundled_contexts() -> dict[str, str]:
    """URL -> JSON text of each bundled context (text, so every load is a fresh copy)."""
    return {url: (_CONTEXT_DIR / name).read_text(encoding="utf-8") for url, name in _CONTEXT_FILES.items()}


def _make_loader(extra_contexts: Mapping[str, Any] | None):
    known = dict(_bundled_contexts())
    for url, doc in (extra_contexts or {}).items():
        known[url] = json.dumps(doc)

    def load(url, options=None):
        text = known.get(url)
        if text is None:
            raise jsonld.JsonLdError(
                f"JSON-LD context not available offline: {url}",
                "jsonld.LoadDocumentError",
                {"url": url},
                code="loading remote context failed",
            )
        return {
            "contextUrl": None,
            "documentUrl": url,
            "contentType": "application/ld+json",
            "document": json.loads(text),
        }

    return load


_shared_loader = _make_loader(None)
# pyld's resolved-context cache is a plain LRUCache, not thread-safe: one per thread.
_thread_state = threading.local()


def _shared_cache() -> LRUCache:
    cache = getattr(_thread_state, "cache", None)
    if cache is None:
        cache = _thread_state.cache = LRUCache(maxsize=32)
    return cache


def canonicalize(document: dict, *, extra_contexts: Mapping[str, Any] | None = None) -> str:
    """RDFC-1.0 (URDNA2015) canonical N-Quads of a JSON-LD document, offline.

    ``extra_contexts`` maps further context URLs to their content (tests use
    it for the W3C examples context); by default only the bundled ones load.
    """
    if extra_contexts:
        loader = _make_loader(extra_contexts)
        resolver = ContextResolver(LRUCache(maxsize=32), loader)
    else:
        loader = _shared_loader
        resolver = ContextResolver(_shared_cache(), loader)
    options = {
        "documentLoader": loader,
        "contextResolver": resolver,
        "base": None,  # leave relative IRIs relative, so safe mode can refuse them
        "processingMode": "json-ld-1.1",
        "produceGeneralizedRdf": False,
    }
    try:
        # Safe mode: a property that does not map to an IRI would silently vanish
        # from the signed data, so an attacker could add it unnoticed.  Refuse.
        processor = jsonld.JsonLdProcessor(on_property_dropped=_refuse_dropped)
        expanded = processor.expand(copy.deepcopy(document), dict(options))
        _refuse_relative_iris(expanded)
        dataset = processor.to_rdf(expanded, options)
    except CanonicalizationError:
        raise
    except jsonld.JsonLdError as exc:
        raise CanonicalizationError(_jsonld_reason(exc)) from exc
    except (RecursionError, TypeError, ValueError, AttributeError, KeyError) as exc:
        raise CanonicalizationError(f"not valid JSON-LD ({type(exc).__name__})") from exc
    quads = [q for graph in dataset.values() for q in graph]
    if len(quads) > MAX_QUADS:
        raise CanonicalizationError("document too large to canonicalize")
    blank = set()
    for graph_name, graph in dataset.items():
        if graph_name.startswith("_:"):
            blank.add(graph_name)
        for q in graph:
            for part in (q["subject"], q["object"]):
                if part.get("type") == "blank node":
                    blank.add(part["value"])
    if len(blank) > MAX_BLANK_NODES:
        raise CanonicalizationError("document has too many blank nodes to canonicalize")
    return URDNA2015().main(dataset, {"format": "application/n-quads"})


def _refuse_dropped(prop: str | None) -> None:
    what = f"property {prop!r}" if prop else "a property"
    raise CanonicalizationError(f"{what} is not defined by the document's @context")


def _is_absolute_or_blank(iri: Any) -> bool:
    return isinstance(iri, str) and (iri.startswith("_:") or bool(_ABSOLUTE_IRI.match(iri)))


_ABSOLUTE_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def _refuse_relative_iris(node: Any) -> None:
    """Safe mode, continued: node ids and types that are not absolute IRIs drop out of RDF too."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            if "@value" in item:
                continue
            if "@id" in item and not _is_absolute_or_blank(item["@id"]):
                raise CanonicalizationError(f"id {item['@id']!r} is not an absolute IRI")
            types = item.get("@type", [])
            for t in types if isinstance(types, list) else [types]:
                if not _is_absolute_or_blank(t):
                    raise CanonicalizationError(f"type {t!r} is not defined by the document's @context")
            stack.extend(v for k, v in item.items() if k not in ("@id", "@type"))


def _jsonld_reason(exc: BaseException) -> str:
    # Walk to the innermost JSON-LD error: it names the real problem.
    msg = str(getattr(exc, "message", "") or exc).splitlines()[0]
    cause = exc.__cause__
    while cause is not None:
        if isinstance(cause, jsonld.JsonLdError):
            msg = str(getattr(cause, "message", "") or cause).splitlines()[0]
        cause = cause.__cause__
    return f"JSON-LD processing failed: {msg}"


# --- building ----------------------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f]")


def _clean(text: str) -> str:
    """Text safe for any RDFC-1.0 implementation: only '\\n' among control characters."""
    if not isinstance(text, str):
        raise TypeError("expected a string")
    return _CONTROL.sub(" ", text.replace("\r\n", "\n"))


def format_datetime(value: datetime) -> str:
    """XML Schema dateTimeStamp in UTC to the second: ``2026-03-01T09:30:00Z``.

    A naive datetime is taken to be UTC already (the app stores UTC).
    """
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def verify_url(base_url: str, code: str) -> str:
    """Default credential id: the public page where anyone can check the certificate."""
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
    """An unsigned OpenBadgeCredential for one course certificate.

    The learner is named the way Open Badges 3.0 names a recipient without an
    account id: an ``IdentityObject`` in ``credentialSubject.identifier`` with
    ``identityType: "name"`` and ``hashed: false`` (``AchievementSubject`` has no
    ``name`` property in OB 3.0).  ``credential_id`` defaults to
    :func:`verify_url`; ``language`` (BCP 47) goes into ``achievement.inLanguage``.
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
                f"Completed every lesson and passed every quiz of the course “{course_title}” "
                f"on {issuer_name}."
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

def _hash_data(
    unsecured: dict, proof_config: dict, extra_contexts: Mapping[str, Any] | None
) -> tuple[bytes, bytes]:
    """(proofConfigHash, documentHash) per eddsa-rdfc-2022."""
    proof_hash = hashlib.sha256(
        canonicalize(proof_config, extra_contexts=extra_contexts).encode("utf-8")
    ).digest()
    doc_hash = hashlib.sha256(
        canonicalize(unsecured, extra_contexts=extra_contexts).encode("utf-8")
    ).digest()
    return proof_hash, doc_hash


def sign_credential(
    credential: dict,
    key: Ed25519PrivateKey,
    verification_method: str,
    created: datetime,
    *,
    extra_contexts: Mapping[str, Any] | None = None,
) -> dict:
    """A copy of ``credential`` with an eddsa-rdfc-2022 DataIntegrityProof added."""
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
    proof_hash, doc_hash = _hash_data(unsecured, proof_config, extra_contexts)
    signature = key.sign(proof_hash + doc_hash)
    proof["proofValue"] = keys.multibase_b58_encode(signature)
    signed = copy.deepcopy(unsecured)
    signed["proof"] = proof
    return signed


# --- verifying ---------------------------------------------------------------------------

@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    reason: str
    verification_method: str | None = None
    subject_name: str | None = None
    achievement_name: str | None = None
    issuer_id: str | None = None
    valid_from: str | None = None

    def __bool__(self) -> bool:  # `if result:` reads naturally
        return self.ok


KeySource = Mapping[str, Ed25519PublicKey] | Callable[[str], Ed25519PublicKey | None]


def _lookup_key(public_keys: KeySource, vm: str) -> Ed25519PublicKey | None:
    try:
        if callable(public_keys) and not isinstance(public_keys, Mapping):
            found = public_keys(vm)
        else:
            found = public_keys.get(vm)
    except Exception:  # a caller's resolver failing is "unknown key", not a crash
        return None
    if isinstance(found, Ed25519PrivateKey):
        found = found.public_key()
    return found if isinstance(found, Ed25519PublicKey) else None


def _str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def issuer_id_of(doc: dict) -> Any:
    """A credential's ``issuer``, whether written as a bare id or as a Profile object."""
    issuer = doc.get("issuer")
    return issuer.get("id") if isinstance(issuer, dict) else issuer


def _describe(doc: dict) -> dict[str, str | None]:
    """Human-facing facts of an OpenBadgeCredential, read defensively."""
    subject = doc.get("credentialSubject")
    if isinstance(subject, list) and subject:
        subject = subject[0]
    subject = subject if isinstance(subject, dict) else {}
    name = _str_or_none(subject.get("name"))
    identifiers = subject.get("identifier")
    if isinstance(identifiers, dict):
        identifiers = [identifiers]
    if isinstance(identifiers, list):
        for ident in identifiers:
            if (
                isinstance(ident, dict)
                and ident.get("identityType") == "name"
                and ident.get("hashed") is False
                and isinstance(ident.get("identityHash"), str)
            ):
                name = ident["identityHash"]
                break
    achievement = subject.get("achievement")
    achievement = achievement if isinstance(achievement, dict) else {}
    return {
        "subject_name": name,
        "achievement_name": _str_or_none(achievement.get("name")),
        "issuer_id": _str_or_none(issuer_id_of(doc)),
        "valid_from": _str_or_none(doc.get("validFrom")),
    }


def verify_credential(
    doc: Any,
    public_keys: KeySource,
    *,
    extra_contexts: Mapping[str, Any] | None = None,
) -> VerifyResult:
    """Check the eddsa-rdfc-2022 proof on ``doc``; never raises.

    ``public_keys`` maps verification method ids to Ed25519 public keys, or is
    a callable taking the id and returning the key (or None if unknown).
    """
    try:
        return _verify(doc, public_keys, extra_contexts)
    except Exception as exc:  # belt and braces: the contract is "never raises"
        return VerifyResult(False, f"could not verify: {type(exc).__name__}")


def _verify(doc: Any, public_keys: KeySource, extra_contexts) -> VerifyResult:
    if not isinstance(doc, dict):
        return VerifyResult(False, "not a JSON object")
    try:
        size = len(json.dumps(doc, ensure_ascii=False).encode("utf-8"))
    except (TypeError, ValueError, RecursionError):
        return VerifyResult(False, "not plain JSON data")
    if size > MAX_DOCUMENT_BYTES:
        return VerifyResult(False, "document too large")
    proof = doc.get("proof")
    if proof is None:
        return VerifyResult(False, "no proof")
    if isinstance(proof, list):
        if len(proof) != 1:
            return VerifyResult(False, "expected exactly one proof")
        proof = proof[0]
    if not isinstance(proof, dict):
        return VerifyResult(False, "proof is not an object")
    vm = proof.get("verificationMethod")
    vm = vm if isinstance(vm, str) else None

    def fail(reason: str) -> VerifyResult:
        return VerifyResult(False, reason, verification_method=vm)

    if proof.get("type") != PROOF_TYPE:
        return fail(f"unsupported proof type {proof.get('type')!r} (expected {PROOF_TYPE})")
    suite = proof.get("cryptosuite")
    if suite != CRYPTOSUITE:
        return fail(f"unsupported cryptosuite {suite!r} (expected {CRYPTOSUITE})")
    if proof.get("proofPurpose") != PROOF_PURPOSE:
        return fail(f"unexpected proofPurpose {proof.get('proofPurpose')!r} (expected {PROOF_PURPOSE})")
    if vm is None:
        return fail("proof has no verificationMethod")
    created = proof.get("created")
    if created is not None and not (isinstance(created, str) and _XSD_DATETIME.match(created)):
        return fail("proof 'created' is not an XML Schema dateTime")
    proof_value = proof.get("proofValue")
    if not isinstance(proof_value, str):
        return fail("proof has no proofValue")
    try:
        signature = keys.multibase_b58_decode(proof_value)
    except ValueError:
        return fail("proofValue is not base58btc multibase")
    if len(signature) != 64:
        return fail("proofValue is not a 64-byte Ed25519 signature")

    context = doc.get("@context")
    if isinstance(context, str):
        context = [context]
    if not isinstance(context, list) or not context:
        return fail("document has no @context")
    if not all(isinstance(c, str) for c in context):
        # Inline contexts could re-map terms; credentials name published contexts only.
        return fail("document @context must list context URLs only")
    proof_context = proof.get("@context")
    if proof_context is not None:
        doc_ctx = context
        p_ctx = proof_context if isinstance(proof_context, list) else [proof_context]
        if not p_ctx or doc_ctx[: len(p_ctx)] != p_ctx:
            return fail("proof @context does not match the document's @context")
        context = p_ctx  # as the cryptosuite's Verify Proof algorithm says

    public_key = _lookup_key(public_keys, vm)
    if public_key is None:
        return fail(f"unknown verification method {vm}")

    unsecured = {k: v for k, v in doc.items() if k != "proof"}
    unsecured["@context"] = context
    proof_config = {k: v for k, v in proof.items() if k not in ("proofValue", "@context")}
    proof_config["@context"] = context
    try:
        proof_hash, doc_hash = _hash_data(unsecured, proof_config, extra_contexts)
    except CanonicalizationError as exc:
        return fail(str(exc))
    try:
        public_key.verify(signature, proof_hash + doc_hash)
    except InvalidSignature:
        return fail("signature does not match: the document was changed or signed by another key")
    return VerifyResult(True, "valid", verification_method=vm, **_describe(doc))


# --- publishing the key ------------------------------------------------------------------

def issuer_key_document(key: Ed25519PrivateKey | Ed25519PublicKey, base_url: str) -> dict:
    """The controller document to serve (as JSON) at ``keys.issuer_id(base_url)``.

    It lists the site's Multikey as a verification method and authorises it
    for ``assertionMethod`` (issuing credentials), per W3C Controlled
    Identifiers v1.0 / Multikey.  Publish it unchanged; it holds no secret.
    """
    controller = keys.issuer_id(base_url)
    kid = keys.key_id(base_url)
    return {
        "@context": [CID_V1_CONTEXT],
        "id": controller,
        "verificationMethod": [
            {
                "id": kid,
                "type": "Multikey",
                "controller": controller,
                "publicKeyMultibase": keys.public_key_multibase(key),
            }
        ],
        "assertionMethod": [kid],
    }


def public_keys_from_document(document: Any) -> dict[str, Ed25519PublicKey]:
    """Verification method id -> public key, for every Ed25519 Multikey in a key document.

    Accepts what :func:`issuer_key_document` makes, a bare Multikey object,
    and keys embedded in ``assertionMethod``.  Unusable entries are skipped.
    """
    found: dict[str, Ed25519PublicKey] = {}
    if not isinstance(document, dict):
        return found
    candidates: list[Any] = [document]
    for field in ("verificationMethod", "assertionMethod"):
        value = document.get(field)
        if isinstance(value, list):
            candidates.extend(value)
        elif isinstance(value, dict):
            candidates.append(value)
    for entry in candidates:
        if not isinstance(entry, dict) or entry.get("type") != "Multikey":
            continue
        kid, mb = entry.get("id"), entry.get("publicKeyMultibase")
        if not isinstance(kid, str) or not isinstance(mb, str):
            continue
        try:
            found[kid] = keys.public_key_from_multibase(mb)
        except ValueError:
            continue
    return found


def read_json_file(path: str | Path) -> tuple[Any, str | None]:
    """(document, None), or (None, the reason it cannot be read). Never raises."""
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        return None, f"cannot read {path}: {exc.strerror or exc}"
    if len(raw) > MAX_DOCUMENT_BYTES:
        return None, "document too large"
    try:
        return json.loads(raw.decode("utf-8")), None
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None, f"{path} is not JSON"


def load_key_source(key_source: str | Path, *, base_url: str | None = None) -> tuple[KeySource | None, str | None]:
    """(keys, None) or (None, reason), from a saved key document (JSON, as served at ``/issuer``)
    or the instance folder holding ``issuer_ed25519.pem``.  With the instance folder the site's
    own key is accepted under any verificationMethod id, or only under ``keys.key_id(base_url)``
    if ``base_url`` is given.  Never raises."""
    source = Path(key_source)
    try:
        if source.is_dir():
            private = keys.load_issuer_key(source)
            if private is None:
                return None, f"no issuer key in {source}"
            public = private.public_key()
            if base_url:
                return {keys.key_id(base_url): public}, None
            return (lambda _vm: public), None
        key_doc = json.loads(source.read_text(encoding="utf-8"))
        found = public_keys_from_document(key_doc)
        if not found:
            return None, f"no Ed25519 Multikey found in {source}"
        return found, None
    except (OSError, ValueError, RecursionError) as exc:
        return None, f"cannot load keys from {source}: {exc}"


def verify_file(path: str | Path, key_source: str | Path, *, base_url: str | None = None) -> VerifyResult:
    """Verify a saved credential file, for ``lms certificates verify FILE``, with the keys of
    :func:`load_key_source`.  Never raises; problems come back as ok=False."""
    doc, problem = read_json_file(path)
    if problem:
        return VerifyResult(False, problem)
    public_keys, problem = load_key_source(key_source, base_url=base_url)
    if problem:
        return VerifyResult(False, problem)
    return verify_credential(doc, public_keys)
