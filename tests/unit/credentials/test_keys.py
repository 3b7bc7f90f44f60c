"""The site's Ed25519 issuer key: its file, its Multikey encoding, its ids and its published document."""

from __future__ import annotations

import json
import os
import stat
import threading

import pytest

from lms.credentials import keys
from lms.credentials.verify import verify_credential

BASE = "https://sala.example.org"


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


# --- the published key document --------------------------------------------------------------


def test_issuer_key_document_lists_key_for_assertion(key):
    """The controller document names the Multikey and authorises it for assertionMethod."""
    doc = keys.issuer_key_document(key, BASE)
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


def test_issuer_key_document_names_the_multikey_context(key):
    """The key document's @context lists the Multikey context beside the CID one (Digital Bazaar's
    ed25519-multikey refuses a verification method without it)."""
    doc = keys.issuer_key_document(key, BASE)
    assert doc["@context"] == ["https://www.w3.org/ns/cid/v1", "https://w3id.org/security/multikey/v1"]


def test_multikey_context_is_bundled_and_loads_offline(key):
    """The Multikey context is served by the offline loader: a bare Multikey canonicalizes."""
    from lms.credentials.jsonld import MULTIKEY_V1_CONTEXT, canonicalize

    vm = dict(keys.issuer_key_document(key, BASE)["verificationMethod"][0], **{"@context": MULTIKEY_V1_CONTEXT})
    nquads = canonicalize(vm)
    assert "<https://w3id.org/security#publicKeyMultibase>" in nquads
    assert keys.public_key_multibase(key) in nquads


def test_public_keys_from_document_reads_issuer_key_document(key, signed):
    """Keys read back from the published document verify our credentials."""
    found = keys.public_keys_from_document(keys.issuer_key_document(key, BASE))
    assert list(found) == [keys.key_id(BASE)]
    assert verify_credential(signed, found).ok
    assert keys.public_keys_from_document("nope") == {}
    assert (
        keys.public_keys_from_document(
            {"verificationMethod": [{"type": "Multikey", "id": "x", "publicKeyMultibase": "zzz"}]}
        )
        == {}
    )
