"""The site's Ed25519 issuer key, and how it is named and published.

The private key is made once, on first use, and kept as an unencrypted PKCS#8
PEM file at ``instance/issuer_ed25519.pem`` with mode 0600.  It is written to a
temporary file first and then hard-linked into place, so a crash never leaves a
half-written key and two workers starting at the same moment end up sharing
whichever key was linked first (the loser reads the winner's key).

Losing this file means every certificate issued so far can no longer be
checked against the published key: back it up with the database.

Names (all under the site's base URL):

* ``issuer_id(base_url)``      ``<base>/issuer``  the issuer Profile id in each
  credential *and* the id of the controller document that lists the key
  (:func:`issuer_key_document`); serve that JSON there.
* ``key_id(base_url)``         ``<base>/issuer#key-1``  the proof's
  ``verificationMethod``.

Issuer id and key controller are the same URL on purpose: common verifiers
(e.g. Digital Bazaar's ``vc`` library used by the DCC verifier) check that the
credential's issuer is the controller of the key that signed it.
"""

from __future__ import annotations

import logging
import os
import stat
import tempfile
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from lms.credentials.jsonld import CID_V1_CONTEXT, MULTIKEY_V1_CONTEXT

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey


def ed25519() -> ModuleType:
    """cryptography's Ed25519 module (``cryptography.hazmat.primitives.asymmetric.ed25519``).

    Imported on first use: cryptography's Rust core adds ~9 MiB to every process that imports it,
    and a web worker needs it only to sign or check a credential, not to show a certificate."""
    from cryptography.hazmat.primitives.asymmetric import ed25519 as module

    return module


def _serialization() -> ModuleType:
    from cryptography.hazmat.primitives import serialization

    return serialization


log = logging.getLogger(__name__)

KEY_FILENAME = "issuer_ed25519.pem"
ISSUER_PATH = "/issuer"
KEY_FRAGMENT = "key-1"
#: Multicodec prefix of an Ed25519 public key (varint of 0xed): see the Multikey spec.
ED25519_PUB_MULTICODEC = b"\xed\x01"

_B58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_B58_INDEX = {c: i for i, c in enumerate(_B58_ALPHABET)}


# --- base58btc / multibase ---------------------------------------------------------------


def b58encode(data: bytes) -> str:
    """Bitcoin base58 (base58btc) of ``data``; leading zero bytes become '1's."""
    zeros = len(data) - len(data.lstrip(b"\0"))
    n = int.from_bytes(data, "big")
    out = []
    while n:
        n, r = divmod(n, 58)
        out.append(_B58_ALPHABET[r])
    return "1" * zeros + "".join(reversed(out))


def b58decode(text: str) -> bytes:
    """Inverse of :func:`b58encode`; ValueError on a character outside the alphabet."""
    if not isinstance(text, str):
        raise ValueError("base58 input must be a string")
    n = 0
    for ch in text:
        try:
            n = n * 58 + _B58_INDEX[ch]
        except KeyError:
            raise ValueError(f"not a base58 character: {ch!r}") from None
    zeros = len(text) - len(text.lstrip("1"))
    body = n.to_bytes((n.bit_length() + 7) // 8, "big") if n else b""
    return b"\0" * zeros + body


def multibase_b58_encode(data: bytes) -> str:
    """Multibase base58btc: ``"z"`` + :func:`b58encode` (how proofValue and Multikey are written)."""
    return "z" + b58encode(data)


def multibase_b58_decode(text: str) -> bytes:
    """Bytes of a base58btc multibase string ('z...'); ValueError otherwise."""
    if not isinstance(text, str) or not text.startswith("z") or len(text) < 2:
        raise ValueError("not a base58btc multibase value (must start with 'z')")
    return b58decode(text[1:])


# --- the key file ------------------------------------------------------------------------


def key_path(instance_dir: Path) -> Path:
    """Where the issuer key lives: ``<instance_dir>/issuer_ed25519.pem``."""
    return Path(instance_dir) / KEY_FILENAME


def _read_key(path: Path) -> Ed25519PrivateKey:
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        log.warning("issuer key %s had mode %o; tightening to 0600", path, mode)
        os.chmod(path, 0o600)
    key = _serialization().load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, ed25519().Ed25519PrivateKey):
        raise ValueError(f"{path} does not hold an Ed25519 private key")
    return key


def load_issuer_key(instance_dir: Path) -> Ed25519PrivateKey | None:
    """The existing issuer key, or None if none has been made yet (never creates one).

    A key file readable by group or others is set back to mode 0600 (and a warning logged).

    :raises ValueError: the file does not hold an unencrypted Ed25519 private key (PKCS#8 PEM).
    :raises OSError: the file cannot be read.
    """
    path = key_path(instance_dir)
    if not path.exists():
        return None
    return _read_key(path)


def load_or_create_issuer_key(instance_dir: str | Path) -> Ed25519PrivateKey:
    """The site's issuer key: read from instance_dir, or made and saved there once.

    Safe when several workers start at once: all end up with the key that was linked first.

    :raises ValueError: an existing key file does not hold an Ed25519 private key.
    :raises OSError: the folder cannot be created or written.
    """
    instance_dir = Path(instance_dir)
    path = key_path(instance_dir)
    if path.exists():
        return _read_key(path)
    instance_dir.mkdir(parents=True, exist_ok=True)
    serialization = _serialization()
    key = ed25519().Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    fd, tmp_name = tempfile.mkstemp(prefix=".issuer_ed25519.", suffix=".tmp", dir=instance_dir)
    tmp = Path(tmp_name)
    try:
        os.fchmod(fd, 0o600)  # mkstemp already uses 0600; make it explicit
        with os.fdopen(fd, "wb") as fh:
            fh.write(pem)
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.link(tmp, path)  # atomic, and fails rather than replace a key made meanwhile
        except FileExistsError:
            return _read_key(path)
        except OSError:
            # A file system without hard links: fall back to an atomic rename.
            if path.exists():
                return _read_key(path)
            os.replace(tmp, path)
        _fsync_dir(instance_dir)
        log.info("created issuer key %s", path)
        return key
    finally:
        tmp.unlink(missing_ok=True)


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# --- public key and names ----------------------------------------------------------------


def _public(key: Ed25519PrivateKey | Ed25519PublicKey) -> Ed25519PublicKey:
    if isinstance(key, ed25519().Ed25519PrivateKey):
        return key.public_key()
    return key  # type: ignore[return-value]  # not a private key, so the public one (mypy cannot see through ed25519())


def public_key_raw(key: Ed25519PrivateKey | Ed25519PublicKey) -> bytes:
    """The 32 raw bytes of the (public half of the) key (RFC 8032 encoding)."""
    serialization = _serialization()
    return _public(key).public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def public_key_multibase(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    """Multikey ``publicKeyMultibase``: 'z' + base58btc(0xed 0x01 + 32-byte key), 'z6Mk...'
    (W3C Controlled Identifiers v1.0, Multikey; "Data Integrity EdDSA Cryptosuites v1.0" §2.1.1)."""
    return multibase_b58_encode(ED25519_PUB_MULTICODEC + public_key_raw(key))


def public_key_from_multibase(value: str) -> Ed25519PublicKey:
    """Inverse of :func:`public_key_multibase`; ValueError if it is not an Ed25519 Multikey."""
    raw = multibase_b58_decode(value)
    if len(raw) != 34 or raw[:2] != ED25519_PUB_MULTICODEC:
        raise ValueError("not an Ed25519 Multikey value")
    return ed25519().Ed25519PublicKey.from_public_bytes(raw[2:])


def _base(base_url: str) -> str:
    return base_url.rstrip("/")


def issuer_id(base_url: str) -> str:
    """The issuer Profile id, also the controller of the signing key: ``<base>/issuer``."""
    return _base(base_url) + ISSUER_PATH


def key_id(base_url: str) -> str:
    """The verification method id that proofs name: ``<base>/issuer#key-1``."""
    return f"{issuer_id(base_url)}#{KEY_FRAGMENT}"


# --- the published key document ----------------------------------------------------------


def issuer_key_document(key: Ed25519PrivateKey | Ed25519PublicKey, base_url: str) -> dict:
    """The controller document to serve (as JSON) at :func:`issuer_id` of ``base_url``.

    It lists the site's key as a ``Multikey`` verification method (id :func:`key_id`) and
    authorises it for ``assertionMethod`` (issuing credentials), per W3C Controlled Identifiers
    v1.0 and its Multikey type (also "Data Integrity EdDSA Cryptosuites v1.0" §2.1.1). Publish it
    unchanged; it holds no secret (a private key is reduced to its public half).

    ``@context`` names the Multikey context beside the CID one: Digital Bazaar's
    ``@digitalbazaar/ed25519-multikey`` (used by ``@digitalbazaar/vc``) refuses a verification
    method whose context lacks ``https://w3id.org/security/multikey/v1``, and a document loader that
    resolves ``<base>/issuer#key-1`` hands the method on with the document's context.
    """
    controller = issuer_id(base_url)
    kid = key_id(base_url)
    return {
        "@context": [CID_V1_CONTEXT, MULTIKEY_V1_CONTEXT],
        "id": controller,
        "verificationMethod": [
            {
                "id": kid,
                "type": "Multikey",
                "controller": controller,
                "publicKeyMultibase": public_key_multibase(key),
            }
        ],
        "assertionMethod": [kid],
    }


def public_keys_from_document(document: Any) -> dict[str, Ed25519PublicKey]:
    """Verification method id -> public key, for every Ed25519 Multikey in a key document.

    Accepts what :func:`issuer_key_document` makes, a bare Multikey object, and keys embedded in
    ``assertionMethod``. Unusable entries (not Multikey, no id, not an Ed25519
    ``publicKeyMultibase``) are skipped, so the result may be empty; never raises.
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
            found[kid] = public_key_from_multibase(mb)
        except ValueError:
            continue
    return found
