"""Verifying: check the eddsa-rdfc-2022 proof on a credential, for the site and for the CLI.

:func:`verify_credential` follows W3C "Data Integrity EdDSA Cryptosuites v1.0" §3.2.2 Verify
Proof (eddsa-rdfc-2022): the proof must be one ``DataIntegrityProof`` with cryptosuite
``eddsa-rdfc-2022`` and ``proofPurpose: assertionMethod``; the document without its proof and the
proof options without ``proofValue`` are canonicalized and hashed as when signing
(:func:`lms.credentials.issue.hash_data`), and the Ed25519 signature is checked against the key
the caller trusts for the proof's ``verificationMethod``. JSON-LD is processed offline and in safe
mode (:mod:`lms.credentials.jsonld`), so a field outside the contexts' vocabulary fails.

Nothing here raises: every failure comes back as a :class:`VerifyResult` with ``ok=False`` and a
short English ``reason`` (the CLI prints it; the page does not show it).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lms.credentials import keys
from lms.credentials.issue import CRYPTOSUITE, PROOF_PURPOSE, PROOF_TYPE, hash_data
from lms.credentials.jsonld import MAX_DOCUMENT_BYTES, CanonicalizationError

if TYPE_CHECKING:  # imported when a signature is checked (lms.credentials.keys.ed25519)
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

_XSD_DATETIME = re.compile(r"^-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


@dataclass(frozen=True)
class VerifyResult:
    """What :func:`verify_credential` found. Truthy exactly when ``ok``.

    ``reason`` is ``"valid"`` or why not. ``verification_method`` is the proof's, when it names
    one; the other fields describe a valid credential (None when absent or not a string):
    the learner's name, the achievement's name, the issuer id and ``validFrom`` as written.
    """

    ok: bool
    reason: str
    verification_method: str | None = None
    subject_name: str | None = None
    achievement_name: str | None = None
    issuer_id: str | None = None
    valid_from: str | None = None

    def __bool__(self) -> bool:  # `if result:` reads naturally
        return self.ok


#: Trusted keys: verification method id -> Ed25519 public key (a private key counts as its public
#: half), or a callable from the id to the key or None.
KeySource = Mapping[str, "Ed25519PublicKey"] | Callable[[str], "Ed25519PublicKey | None"]


def _lookup_key(public_keys: KeySource, vm: str) -> Ed25519PublicKey | None:
    try:
        if callable(public_keys) and not isinstance(public_keys, Mapping):
            found = public_keys(vm)
        else:
            found = public_keys.get(vm)
    except Exception:  # a caller's resolver failing is "unknown key", not a crash
        return None
    ed25519 = keys.ed25519()
    if isinstance(found, ed25519.Ed25519PrivateKey):
        found = found.public_key()
    return found if isinstance(found, ed25519.Ed25519PublicKey) else None


def _str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def issuer_id_of(doc: dict) -> Any:
    """A credential's ``issuer`` id, whether written as a bare id or as a Profile object with an
    ``id`` (VC Data Model 2.0 §4.7 Issuer). Returns the value as found, not checked."""
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
    """Check the eddsa-rdfc-2022 proof on ``doc`` (§3.2.2 Verify Proof); never raises.

    :param doc: the parsed JSON of a credential (anything: non-objects fail cleanly). At most
        :data:`lms.credentials.jsonld.MAX_DOCUMENT_BYTES` of UTF-8 JSON; its ``@context`` must
        list context URLs only (an inline context could re-map terms).
    :param public_keys: a :data:`KeySource`; a key not found there fails as "unknown
        verification method" before any canonicalization.
    :param extra_contexts: further contexts to load offline (tests: the W3C examples context).
    :returns: a :class:`VerifyResult`; ``ok`` only when the signature matches.
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
        proof_hash, doc_hash = hash_data(unsecured, proof_config, extra_contexts)
    except CanonicalizationError as exc:
        return fail(str(exc))
    from cryptography.exceptions import InvalidSignature

    try:
        public_key.verify(signature, proof_hash + doc_hash)
    except InvalidSignature:
        return fail("signature does not match: the document was changed or signed by another key")
    return VerifyResult(True, "valid", verification_method=vm, **_describe(doc))


def issuer_problem(doc: Any, expected_issuer_id: str) -> str | None:
    """Why ``doc`` does not come from the expected issuer, or None when it does: its ``issuer`` id
    must be ``expected_issuer_id`` and its proof's ``verificationMethod`` a fragment of that same
    document (``<issuer id>#...``), so a credential signed with a key published elsewhere is not
    taken for this site's. Never raises."""
    if not isinstance(doc, dict):
        return "not a JSON object"
    issuer = issuer_id_of(doc)
    if issuer != expected_issuer_id:
        return f"the issuer is {issuer!r}, not the expected {expected_issuer_id}"
    proof = doc.get("proof")
    proof = proof[0] if isinstance(proof, list) and proof else proof
    vm = proof.get("verificationMethod") if isinstance(proof, dict) else None
    if not isinstance(vm, str) or not vm.startswith(expected_issuer_id + "#"):
        return f"the signing key {vm!r} is not one of {expected_issuer_id}"
    return None


# --- files, for `lms certificates verify` -------------------------------------------------


def read_json_file(path: str | Path) -> tuple[Any, str | None]:
    """``(document, None)``, or ``(None, the reason it cannot be read)``. Never raises.

    Refuses files over :data:`lms.credentials.jsonld.MAX_DOCUMENT_BYTES` bytes and anything that
    is not UTF-8 JSON; the document may be any JSON value.
    """
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
    """``(keys, None)`` or ``(None, reason)``, from a saved key document or the instance folder.

    A key document is JSON as served at ``/issuer`` (see
    :func:`lms.credentials.keys.public_keys_from_document`). With the instance folder holding
    ``issuer_ed25519.pem``, the site's own key is accepted under any verificationMethod id, or
    only under :func:`lms.credentials.keys.key_id` of ``base_url`` if that is given. Never raises.
    """
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
        found = keys.public_keys_from_document(key_doc)
        if not found:
            return None, f"no Ed25519 Multikey found in {source}"
        return found, None
    except (OSError, ValueError, RecursionError) as exc:
        return None, f"cannot load keys from {source}: {exc}"


def verify_file(path: str | Path, key_source: str | Path, *, base_url: str | None = None) -> VerifyResult:
    """Verify a saved credential file with the keys of :func:`load_key_source`.

    What ``lms certificates verify FILE`` checks first (then the revocation list). Never raises;
    an unreadable file or key source comes back as ``ok=False`` with the reason.
    """
    doc, problem = read_json_file(path)
    if problem:
        return VerifyResult(False, problem)
    public_keys, problem = load_key_source(key_source, base_url=base_url)
    if problem or public_keys is None:
        return VerifyResult(False, problem or "no public key was found")
    return verify_credential(doc, public_keys)
