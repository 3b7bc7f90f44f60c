"""Revocation that a verifier can check without asking us who they are checking: W3C Bitstring
Status List v1.0.

Each certificate holds a random place (``status_index``) in one site-wide list of
:data:`LIST_SIZE` bits; a revoked certificate's bit is 1. Its Open Badges credential names that
place in ``credentialStatus`` (a ``BitstringStatusListEntry``), and the site publishes the whole
list as a signed ``BitstringStatusListCredential``. Whoever checks a credential downloads the
list, which says nothing about which certificate they are interested in; places are random, so
the list does not reveal the order or the dates of issue either. 131,072 bits is the minimum the
specification asks for, for that herd privacy.

The list itself is signed with the issuer's key (eddsa-rdfc-2022, as the credentials are), so a
saved copy can be checked offline. It is valid for :data:`VALIDITY` only (``validUntil``): a copy
saved before a revocation stops counting a day later, and :func:`check` refuses an expired list.
"""

from __future__ import annotations

import base64
import gzip
import io
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from lms.credentials import keys
from lms.credentials.issue import format_datetime, sign_credential
from lms.credentials.jsonld import CREDENTIALS_V2_CONTEXT
from lms.credentials.verify import KeySource, issuer_id_of, verify_credential

#: Bits in the list; the specification's minimum (16 KB before compression).
LIST_SIZE = 131_072
PURPOSE = "revocation"
LIST_PATH = "/credentials/status/1"
#: How long a signed list counts (its ``validUntil`` - ``validFrom``).
VALIDITY = timedelta(days=1)


def list_url(base_url: str) -> str:
    """Where the site publishes its list: ``<base>/credentials/status/1`` (:data:`LIST_PATH`)."""
    return base_url.rstrip("/") + LIST_PATH


def random_index() -> int:
    """A place in the list, ``0 <= index < LIST_SIZE``, that tells nothing about when or in what
    order it was given (uniform, from :mod:`secrets`; Bitstring Status List v1.0, Privacy
    Considerations)."""
    return secrets.randbelow(LIST_SIZE)


def entry(base_url: str, index: int) -> dict:
    """The ``credentialStatus`` of a credential whose place in the list is ``index``: a
    ``BitstringStatusListEntry`` (Bitstring Status List v1.0 §2.1) for ``revocation``, its
    ``statusListIndex`` a decimal string, as the specification writes it."""
    url = list_url(base_url)
    return {
        "id": f"{url}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": PURPOSE,
        "statusListIndex": str(index),
        "statusListCredential": url,
    }


def encode(revoked: Iterable[int], size: int = LIST_SIZE) -> str:
    """The ``encodedList`` of a list of ``size`` bits with the ``revoked`` places set: multibase
    base64url (``u...``, no padding) of the GZIP-compressed bitstring, bit 0 the left-most bit of
    the first byte (Bitstring Status List v1.0 §3.3 Bitstring Generation Algorithm). The same
    places always give the same text.

    :raises ValueError: a place is outside ``0 <= index < size``.
    """
    bits = bytearray(size // 8)
    for index in revoked:
        if not 0 <= index < size:
            raise ValueError(f"status index {index} is outside the list")
        bits[index // 8] |= 0x80 >> (index % 8)
    # mtime=0: the same revocations always give the same text.
    packed = gzip.compress(bytes(bits), mtime=0)
    return "u" + base64.urlsafe_b64encode(packed).rstrip(b"=").decode("ascii")


def decode(encoded: str, *, max_bytes: int = 1 << 20) -> bytes:
    """The bitstring (bytes) of an ``encodedList`` (§3.4 Bitstring Expansion Algorithm).

    :param max_bytes: refuse a list that inflates to more than this many bytes (1 MiB: a
        compressed list can expand without end).
    :raises ValueError: not multibase base64url, not GZIP, empty or too large.
    """
    if not isinstance(encoded, str) or not encoded.startswith("u"):
        raise ValueError("encodedList is not multibase base64url")
    body = encoded[1:]
    try:
        packed = base64.b64decode(body + "=" * (-len(body) % 4), altchars=b"-_", validate=True)
    except (ValueError, TypeError) as exc:
        raise ValueError("encodedList is not base64url") from exc
    try:
        # Read at most max_bytes + 1: a small list that inflates without end is refused.
        with gzip.GzipFile(fileobj=io.BytesIO(packed)) as unzipped:
            bits = unzipped.read(max_bytes + 1)
    except (OSError, EOFError) as exc:
        raise ValueError("encodedList is not GZIP-compressed") from exc
    if len(bits) > max_bytes:
        raise ValueError("encodedList is too large")
    if not bits:
        raise ValueError("encodedList is empty")
    return bits


def is_set(bits: bytes, index: int) -> bool:
    """Whether bit ``index`` of a decoded list is 1 (bit 0: 0x80 of byte 0).

    :raises ValueError: ``index`` is outside the list.
    """
    if not 0 <= index < len(bits) * 8:
        raise ValueError(f"status index {index} is outside the list")
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def list_credential(base_url: str, revoked: Iterable[int], now: datetime, validity: timedelta = VALIDITY) -> dict:
    """The unsigned ``BitstringStatusListCredential`` (§2.2) as of ``now`` (its ``validFrom``),
    valid until ``now + validity`` (``validUntil``, VC Data Model 2.0 §4.9), with the ``revoked``
    places set, issued by the site's issuer id, at :func:`list_url`.

    :raises ValueError: a place is outside the list.
    """
    url = list_url(base_url)
    return {
        "@context": [CREDENTIALS_V2_CONTEXT],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": keys.issuer_id(base_url),
        "validFrom": format_datetime(now),
        "validUntil": format_datetime(now + validity),
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": PURPOSE,
            "encodedList": encode(revoked),
        },
    }


def signed_list_credential(
    base_url: str, revoked: Iterable[int], now: datetime, key, validity: timedelta = VALIDITY
) -> dict:
    """:func:`list_credential`, signed with the issuer's Ed25519 private ``key`` under
    :func:`lms.credentials.keys.key_id` (eddsa-rdfc-2022, proof ``created`` = ``now``).

    :raises ValueError: a place is outside the list.
    """
    return sign_credential(list_credential(base_url, revoked, now, validity), key, keys.key_id(base_url), now)


def valid_until(status_list: Any) -> datetime | None:
    """The list's ``validUntil`` as an aware UTC datetime, or None when it has none or it cannot be
    read (an XML Schema dateTimeStamp such as ``2026-03-02T09:30:00Z``)."""
    value = status_list.get("validUntil") if isinstance(status_list, dict) else None
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.astimezone(UTC) if parsed.tzinfo else None


@dataclass(frozen=True)
class StatusResult:
    """What :func:`check` found; ``reason`` is a short English sentence for the CLI."""

    #: True: the list says revoked; False: it says not; None: the status could not be checked.
    revoked: bool | None
    reason: str


def check(credential: Any, status_list: Any, public_keys: KeySource, *, now: datetime | None = None) -> StatusResult:
    """Look up a credential's revocation bit in a status list credential, after checking that the
    list is signed by a known key, is the list the credential names, has the same issuer and has a
    ``validUntil`` that ``now`` (default: the current time) has not passed (Bitstring Status List
    v1.0 §3.2 Validate Algorithm, for ``statusPurpose: revocation``; a list without ``validUntil``
    is refused too, since a saved copy of it would hide later revocations for ever).

    :param credential: the parsed credential (its own signature is checked elsewhere).
    :param status_list: the parsed ``BitstringStatusListCredential``.
    :param public_keys: the keys trusted for the list's proof (see
        :data:`lms.credentials.verify.KeySource`).
    :returns: a :class:`StatusResult`; ``revoked`` is None with the reason whenever the status
        cannot be told. Never raises.
    """
    try:
        return _check(credential, status_list, public_keys, now or datetime.now(UTC))
    except Exception as exc:  # the contract is "never raises", as for verify_credential
        return StatusResult(None, f"could not check the status: {type(exc).__name__}")


def status_entry_of(credential: Any) -> dict | None:
    """The credential's ``credentialStatus`` entry of type ``BitstringStatusListEntry`` with
    ``statusPurpose: revocation`` (one object, or one among a list), or None if it has none."""
    if not isinstance(credential, dict):
        return None
    entries = credential.get("credentialStatus")
    for item in entries if isinstance(entries, list) else [entries]:
        if (
            isinstance(item, dict)
            and item.get("type") == "BitstringStatusListEntry"
            and item.get("statusPurpose") == PURPOSE
        ):
            return item
    return None


def _check(credential: Any, status_list: Any, public_keys: KeySource, now: datetime) -> StatusResult:
    item = status_entry_of(credential)
    if item is None:
        return StatusResult(None, "the credential has no revocation status entry")
    try:
        index = int(item.get("statusListIndex"))  # type: ignore[arg-type]  # None → TypeError, caught
    except (TypeError, ValueError):
        return StatusResult(None, "the credential's statusListIndex is not a number")
    signed = verify_credential(status_list, public_keys)
    if not signed.ok:
        return StatusResult(None, f"the status list is not valid: {signed.reason}")
    if status_list.get("id") != item.get("statusListCredential"):
        return StatusResult(None, "the status list is not the one the credential names")
    if issuer_id_of(status_list) != issuer_id_of(credential):
        return StatusResult(None, "the status list has another issuer than the credential")
    until = valid_until(status_list)
    if until is None:
        return StatusResult(None, "the status list has no validUntil, so it may be out of date")
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    if until <= now:
        return StatusResult(None, f"the status list expired at {status_list['validUntil']}: fetch it again")
    subject = status_list.get("credentialSubject")
    if not isinstance(subject, dict) or subject.get("statusPurpose") != PURPOSE:
        return StatusResult(None, "the status list is not a revocation list")
    try:
        bits = decode(str(subject.get("encodedList") or ""))
        revoked = is_set(bits, index)
    except ValueError as exc:
        return StatusResult(None, f"the status list cannot be read: {exc}")
    if revoked:
        return StatusResult(True, "revoked by the issuer")
    return StatusResult(False, "not revoked")
