"""JSON-LD for credentials: every term maps to an IRI, and nothing is ever fetched from the network."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from lms.credentials import keys
from lms.credentials.issue import sign_credential
from lms.credentials.jsonld import CanonicalizationError, canonicalize

BASE = "https://sala.example.org"
ISSUED = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)


def test_every_term_maps_to_an_iri(credential):
    """Canonicalization drops nothing: each value we wrote appears in the RDF, none under issuer-dependent terms."""
    nquads = canonicalize(credential)
    for text in (
        "Sokha Chan សុខា",
        "Safeguarding children in community work",
        "2026-03-01T09:30:00Z",
        "Certificate",
        "Sala — Linking and Learning Cambodia",
        "#IdentityObject",
        "#identityType",
    ):
        assert text in nquads, text
    assert "issuer-dependent" not in nquads


def test_unbundled_context_is_never_fetched(monkeypatch, credential, key):
    """Signing a document with a context we do not ship fails instead of touching the network."""
    import socket

    def no_network(*args, **kwargs):
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    doc = dict(credential, **{"@context": credential["@context"] + ["https://schema.org/"]})
    with pytest.raises(CanonicalizationError, match="not available offline"):
        sign_credential(doc, key, keys.key_id(BASE), ISSUED)
