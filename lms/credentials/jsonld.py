"""JSON-LD for credentials: the bundled contexts, an offline document loader, and RDFC-1.0.

Signing and verifying an ``eddsa-rdfc-2022`` proof (W3C "Data Integrity EdDSA Cryptosuites
v1.0", §3.2.3 Transformation and §3.2.5 Proof Configuration) hash the W3C RDF Dataset
Canonicalization (RDFC-1.0; pyld calls it URDNA2015) of the credential and of its proof options.
Canonicalization runs pyld with a document loader that knows only the JSON-LD contexts bundled in
``jsonld_contexts/`` (see the NOTICE there): no network access ever happens (Data Integrity 1.0,
"Network Requests"), and a document naming any other context is refused.

Safe mode: a property or type the document's ``@context`` does not define, or a relative id, would
silently drop out of the RDF, and so out of what is signed; :func:`canonicalize` raises instead, and
resolves nothing against a base URL, as W3C "Verifiable Credential Data Integrity 1.0" (§2.4,
"Securing Data Losslessly") requires.
"""

from __future__ import annotations

import copy
import json
import re
import threading
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cachetools import LRUCache

# pyld (with lxml, frozendict and cachetools, about 19 MiB) is imported by the functions that
# canonicalize, not here: most app workers never sign or verify anything, and each would hold it.

#: W3C Verifiable Credentials Data Model v2.0 base context (bundled).
CREDENTIALS_V2_CONTEXT = "https://www.w3.org/ns/credentials/v2"
#: 1EdTech Open Badges 3.0 context, version 3.0.3 (bundled).
OB_V3_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
#: W3C Controlled Identifiers v1.0 context (bundled): named by the issuer key document.
CID_V1_CONTEXT = "https://www.w3.org/ns/cid/v1"
#: Multikey context (bundled): Digital Bazaar's verifiers require it on a Multikey verification method.
MULTIKEY_V1_CONTEXT = "https://w3id.org/security/multikey/v1"

_CONTEXT_DIR = Path(__file__).with_name("jsonld_contexts")
_CONTEXT_FILES = {
    CREDENTIALS_V2_CONTEXT: "credentials-v2.json",
    OB_V3_CONTEXT: "ob-v3p0-context-3.0.3.json",
    MULTIKEY_V1_CONTEXT: "multikey-v1.json",
    CID_V1_CONTEXT: "cid-v1.json",
}

#: Refuse to canonicalize documents bigger than this (JSON text, bytes) ...
MAX_DOCUMENT_BYTES = 256 * 1024
#: ... or with more blank nodes / quads than this.  RDFC-1.0 can take exponential
#: time on crafted graphs of blank nodes; a certificate has fewer than ten.
MAX_BLANK_NODES = 64
MAX_QUADS = 2000


class CanonicalizationError(ValueError):
    """The document could not be turned into a canonical RDF dataset."""


# --- offline JSON-LD contexts ------------------------------------------------------------


@cache
def _bundled_contexts() -> dict[str, str]:
    """URL -> JSON text of each bundled context (text, so every load is a fresh copy)."""
    return {url: (_CONTEXT_DIR / name).read_text(encoding="utf-8") for url, name in _CONTEXT_FILES.items()}


def _make_loader(extra_contexts: Mapping[str, Any] | None):
    known = dict(_bundled_contexts())
    for url, doc in (extra_contexts or {}).items():
        known[url] = json.dumps(doc)

    def load(url, options=None):
        from pyld import jsonld

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
    from cachetools import LRUCache

    cache = getattr(_thread_state, "cache", None)
    if cache is None:
        cache = _thread_state.cache = LRUCache(maxsize=32)
    return cache


# --- canonicalization --------------------------------------------------------------------


def canonicalize(document: dict, *, extra_contexts: Mapping[str, Any] | None = None) -> str:
    """RDFC-1.0 (URDNA2015) canonical N-Quads of a JSON-LD document, offline.

    :param document: a JSON-LD object (dict of plain JSON values); it is not changed.
    :param extra_contexts: further context URL -> context document (a dict); tests use it for the
        W3C examples context. By default only the bundled contexts load.
    :returns: the canonical N-Quads as one string, each quad ending in ``"\\n"`` (W3C RDFC-1.0
        §4.4 serialization), ready to be UTF-8 encoded and hashed.
    :raises CanonicalizationError: the document is not valid JSON-LD 1.1, names a context that is
        not available offline, has a term or type its context does not define or an id that is not
        an absolute IRI (safe mode), or exceeds :data:`MAX_QUADS` / :data:`MAX_BLANK_NODES`.
    """
    from cachetools import LRUCache
    from pyld import jsonld
    from pyld.canon import URDNA2015
    from pyld.context_resolver import ContextResolver

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
    from pyld import jsonld

    msg = str(getattr(exc, "message", "") or exc).splitlines()[0]
    cause = exc.__cause__
    while cause is not None:
        if isinstance(cause, jsonld.JsonLdError):
            msg = str(getattr(cause, "message", "") or cause).splitlines()[0]
        cause = cause.__cause__
    return f"JSON-LD processing failed: {msg}"
