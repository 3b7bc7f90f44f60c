"""Independent check: Digital Bazaar's Data Integrity stack (npm @digitalbazaar/vc with the
eddsa-rdfc-2022 cryptosuite, installed in tests/node by `make test` with `npm ci`) verifies a
freshly issued credential, refuses a tampered one, and finds a revoked one revoked through the
signed status list. Offline: the script's document loader serves only the bundled contexts, the
issuer document and the status list handed to it."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from lms.credentials.jsonld import _CONTEXT_DIR, _CONTEXT_FILES
from lms.services import certificates
from tests.factories import issue_certificate
from tests.helpers import csrf_token, post

NODE_DIR = Path(__file__).parents[1] / "node"
_MISSING = (
    "node is not installed"
    if shutil.which("node") is None
    else "tests/node/node_modules is missing: run `npm ci` in tests/node (make test does)"
    if not (NODE_DIR / "node_modules" / "@digitalbazaar" / "vc").is_dir()
    else None
)
pytestmark = pytest.mark.skipif(_MISSING is not None, reason=_MISSING or "")


def node_verify(tmp_path, credential, issuer_document, status_list, now=None) -> dict:
    contexts = {
        url: json.loads((_CONTEXT_DIR / name).read_text(encoding="utf-8")) for url, name in _CONTEXT_FILES.items()
    }
    data = {
        "credential": credential,
        "issuerDocument": issuer_document,
        "statusList": status_list,
        "contexts": contexts,
        "now": now,
    }
    path = tmp_path / "input.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    run = subprocess.run(
        ["node", str(NODE_DIR / "verify.mjs"), str(path)], capture_output=True, text=True, timeout=120, cwd=NODE_DIR
    )
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout.strip().splitlines()[-1])


@pytest.fixture
def issued(app, client, auth, db):
    auth.as_new(name="ស្រីពៅ Sok")
    return issue_certificate(db)


def _documents(client, code):
    doc = client.get(f"/certificates/{code}/credential.json").get_json(force=True)
    issuer_doc = client.get("/issuer").get_json()
    status_list = client.get(doc["credentialStatus"]["statusListCredential"].removeprefix("http://localhost")).get_json(
        force=True
    )
    return doc, issuer_doc, status_list


def test_digital_bazaar_verifies_a_fresh_credential(client, issued, tmp_path):
    """A freshly issued credential verifies, signature and status (not revoked)."""
    doc, issuer_doc, status_list = _documents(client, issued)
    result = node_verify(tmp_path, doc, issuer_doc, status_list)
    assert result["verified"] and result["proofsVerified"], result
    assert result["statusVerified"] and result["revoked"] is False, result


def test_digital_bazaar_refuses_a_tampered_credential(client, issued, tmp_path):
    """Changing the learner's name breaks the signature for the independent verifier too."""
    doc, issuer_doc, status_list = _documents(client, issued)
    doc["credentialSubject"]["identifier"][0]["identityHash"] = "Someone Else"
    result = node_verify(tmp_path, doc, issuer_doc, status_list)
    assert not result["verified"] and not result["proofsVerified"], result


def test_digital_bazaar_finds_a_revoked_credential_revoked(client, issued, auth, tmp_path):
    """After revocation the credential's signature still verifies, and the signed list says revoked."""
    client.post("/logout", data={"csrf_token": csrf_token(client)})
    auth.as_new(role="admin", email="admin@example.org")
    r = post(
        client, f"/certificates/{issued}/revoke", {"reason": "Issued by mistake"}, token_from=f"/certificates/{issued}"
    )
    assert r.status_code == 302
    doc, issuer_doc, status_list = _documents(client, issued)
    result = node_verify(tmp_path, doc, issuer_doc, status_list)
    assert result["proofsVerified"] and result["statusVerified"], result
    assert result["revoked"] is True and not result["verified"], result


def test_digital_bazaar_refuses_an_expired_status_list(app, client, issued, db, tmp_path):
    """A status list past its validUntil does not verify for the independent verifier either."""
    from datetime import timedelta

    from lms.credentials.keys import load_or_create_issuer_key
    from lms.models._types import utcnow

    doc, issuer_doc, _ = _documents(client, issued)
    stale = certificates.status_list(
        db,
        key=load_or_create_issuer_key(app.instance_path),
        base_url="http://localhost",
        now=utcnow() - timedelta(days=2),
    )
    result = node_verify(tmp_path, doc, issuer_doc, stale)
    assert result["proofsVerified"] and result["statusVerified"] is False and not result["verified"], result
