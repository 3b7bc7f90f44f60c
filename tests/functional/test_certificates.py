"""Certificates: PDF, credential, issuer key, revocation, verification limits."""

from __future__ import annotations

import json
import secrets
import shutil
import subprocess

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from lms.models import Course
from lms.services import certificates
from tests.factories import issue_certificate
from tests.helpers import csrf_token, ob_schema_errors, post


@pytest.fixture
def issued(app, client, auth, db):
    """A signed-in learner holding a certificate for Public Speaking."""
    auth.as_new(name="ស្រីពៅ Sok")
    return issue_certificate(db)


def test_certificate_page_shows_qr_and_links(client, issued):
    """The certificate page has the code, a QR image with a name, and PDF and credential links."""
    html = client.get(f"/certificates/{issued}").get_data(as_text=True)
    assert issued in html and 'role="img"' in html and "<title" in html
    assert f"/certificates/{issued}.pdf" in html and f"/certificates/{issued}/credential.json" in html


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) is not installed")
def test_pdf_downloads_and_reads_back_the_khmer_name(client, issued, tmp_path):
    """The PDF is served, cached, and its text extracts back to the learner's Khmer name."""
    r = client.get(f"/certificates/{issued}.pdf")
    assert r.status_code == 200 and r.mimetype == "application/pdf" and r.data.startswith(b"%PDF")
    path = tmp_path / "c.pdf"
    path.write_bytes(r.data)
    text = subprocess.run(["pdftotext", "-raw", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "ស្រីពៅ" in text and "Public Speaking" in text and issued in text
    assert client.get(f"/certificates/{issued}.pdf").data == r.data


def test_credential_verifies_and_tampering_fails(app, client, issued, tmp_path):
    """The downloaded credential verifies with the published key; an edited copy does not."""
    doc = client.get(f"/certificates/{issued}/credential.json").get_json(force=True)
    key_doc = client.get("/issuer").get_json()
    good, bad, key = tmp_path / "good.json", tmp_path / "bad.json", tmp_path / "key.json"
    good.write_text(json.dumps(doc))
    key.write_text(json.dumps(key_doc))
    doc["credentialSubject"]["identifier"][0]["identityHash"] = "Someone Else"
    bad.write_text(json.dumps(doc))
    runner = CliRunner()
    from lms.cli import certificates_verify

    with app.app_context():
        ok = runner.invoke(certificates_verify, [str(good), "--key", str(key)])
        tampered = runner.invoke(certificates_verify, [str(bad), "--key", str(key)])
    assert ok.exit_code == 0 and "VALID" in ok.output, ok.output
    assert tampered.exit_code != 0 and "NOT VALID" in tampered.output


def test_served_credential_passes_the_1edtech_schema_with_a_proof_array(client, issued):
    """The credential as downloaded writes `proof` as an array and passes the OB 3.0 JSON Schema."""
    doc = client.get(f"/certificates/{issued}/credential.json").get_json(force=True)
    assert isinstance(doc["proof"], list) and len(doc["proof"]) == 1
    assert ob_schema_errors(doc) == []


def test_issuer_document_names_the_multikey_context(client):
    """/issuer serves the key document with the CID and Multikey contexts."""
    doc = client.get("/issuer").get_json()
    assert "https://w3id.org/security/multikey/v1" in doc["@context"]
    assert doc["verificationMethod"][0]["type"] == "Multikey"


def _cli_verify(app, *args):
    from lms.cli import certificates_verify

    with app.app_context():
        return CliRunner().invoke(certificates_verify, [str(a) for a in args])


def test_revocation_reaches_the_credential_through_the_published_status_list(app, client, issued, auth, db, tmp_path):
    """The credential names its place in the site's signed revocation list; once an admin revokes
    the certificate, that list (public, the same for everyone) says so, and `lms certificates
    verify` reports REVOKED, both with a saved list and on the site itself."""
    doc = client.get(f"/certificates/{issued}/credential.json").get_json(force=True)
    cert = certificates.find(db, issued)
    entry = doc["credentialStatus"]
    assert entry["type"] == "BitstringStatusListEntry" and entry["statusListIndex"] == str(cert.status_index)
    list_path = entry["statusListCredential"].removeprefix("http://localhost")
    files = {name: tmp_path / f"{name}.json" for name in ("cred", "key", "before", "after", "forged")}
    files["cred"].write_text(json.dumps(doc))
    files["key"].write_text(client.get("/issuer").get_data(as_text=True))

    client.post("/logout", data={"csrf_token": csrf_token(client)})
    r = client.get(list_path)  # signed out: anyone may fetch it
    assert r.status_code == 200 and r.mimetype == "application/vc+ld+json"
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    files["before"].write_bytes(r.data)

    ok = _cli_verify(app, files["cred"], "--key", files["key"], "--status", files["before"])
    assert ok.exit_code == 0 and "Not revoked" in ok.output, ok.output
    assert _cli_verify(app, files["cred"]).exit_code == 0
    unchecked = _cli_verify(app, files["cred"], "--key", files["key"])
    assert unchecked.exit_code == 0 and "Revocation not checked" in unchecked.output

    auth.as_new(role="admin", email="admin@example.org")
    r = post(
        client, f"/certificates/{issued}/revoke", {"reason": "Issued by mistake"}, token_from=f"/certificates/{issued}"
    )
    assert r.status_code == 302
    after = client.get(list_path).get_json(force=True)
    files["after"].write_text(json.dumps(after))

    revoked = _cli_verify(app, files["cred"], "--key", files["key"], "--status", files["after"])
    assert revoked.exit_code != 0 and "REVOKED" in revoked.output, revoked.output
    on_site = _cli_verify(app, files["cred"])
    assert on_site.exit_code != 0 and "REVOKED" in on_site.output, on_site.output

    # Someone who clears the bit in the new list breaks its signature: no answer, not "valid".
    forged = json.loads(json.dumps(after))
    forged["credentialSubject"]["encodedList"] = json.loads(files["before"].read_text())["credentialSubject"][
        "encodedList"
    ]
    files["forged"].write_text(json.dumps(forged))
    result = _cli_verify(app, files["cred"], "--key", files["key"], "--status", files["forged"])
    assert result.exit_code != 0 and "STATUS NOT CHECKED" in result.output


def test_each_certificate_gets_its_own_place_in_the_list(app, db):
    """Places are distinct and random, not the certificate ids in order."""
    from lms.services import accounts

    courses = list(db.scalars(select(Course)))
    for n in range(6):
        user = accounts.register(db, name=f"Learner {n}", email=f"l{n}@example.org", password="correct horse battery")
        db.flush()
        for course in courses:
            certificates.issue(db, user, course)
    db.flush()
    from lms.models import Certificate

    places = [c.status_index for c in db.scalars(select(Certificate).order_by(Certificate.id))]
    assert len(places) == 6 * len(courses) == len(set(places))
    assert places != sorted(places)


def test_someone_elses_pdf_and_credential_are_refused(client, issued, auth):
    """Another learner gets 404 for the PDF and the credential."""
    client.post("/logout", data={"csrf_token": csrf_token(client)})
    auth.as_new(email="other@example.org")
    assert client.get(f"/certificates/{issued}.pdf").status_code == 404
    assert client.get(f"/certificates/{issued}/credential.json").status_code == 404


def test_learner_cannot_revoke(client, issued):
    """A learner posting to the revoke route gets 403."""
    r = post(client, f"/certificates/{issued}/revoke", {"reason": "x"}, token_from="/certificates")
    assert r.status_code == 403


def test_admin_revokes_with_reason_and_verification_says_so(app, client, issued, auth):
    """An admin revokes with a reason; the public page then says revoked, with the reason."""
    client.post("/logout", data={"csrf_token": csrf_token(client)})
    auth.as_new(role="admin")
    r = post(client, f"/certificates/{issued}/revoke", {"reason": ""}, token_from=f"/certificates/{issued}")
    assert r.status_code == 422
    r = post(
        client, f"/certificates/{issued}/revoke", {"reason": "Issued by mistake"}, token_from=f"/certificates/{issued}"
    )
    assert r.status_code == 302
    page = client.get(f"/verify/{issued}").get_data(as_text=True)
    assert "has been revoked" in page and "Issued by mistake" in page


def test_verification_is_rate_limited(client):
    """Guessing codes quickly is stopped with 429 and an accessible page."""
    statuses = [client.get(f"/verify/ABCDE-ABCDE-ABCDE-ABC{i:02d}").status_code for i in range(40)]
    assert statuses[0] == 404 and statuses[-1] == 429
    r = client.get("/verify/ABCDE-ABCDE-ABCDE-ABCDE")
    assert "Too many requests" in r.get_data(as_text=True)


def test_cached_verification_page_follows_revocation(app, client, issued, auth):
    """A visitor's verification page, served from the app cache on a repeat view, says revoked
    as soon as the certificate is revoked."""
    visitor = app.test_client()
    first = visitor.get(f"/verify/{issued}")
    again = visitor.get(f"/verify/{issued}")
    assert first.status_code == again.status_code == 200
    assert again.data == first.data and "This certificate is genuine" in again.get_data(as_text=True)
    client.post("/logout", data={"csrf_token": csrf_token(client)})
    auth.as_new(role="admin", email="admin@example.org")
    post(
        client, f"/certificates/{issued}/revoke", {"reason": "Issued by mistake"}, token_from=f"/certificates/{issued}"
    )
    page = app.test_client().get(f"/verify/{issued}").get_data(as_text=True)
    assert "has been revoked" in page and "Issued by mistake" in page


def test_verification_page_shows_a_revocation_made_elsewhere_within_the_check_interval(app, client, issued, db):
    """A revocation made by another worker (here: straight in the database) shows on the cached
    verification page once PUBLICATION_CHECK_SECONDS have passed; 0 shows it at once."""
    from lms.models import Certificate
    from lms.models._types import utcnow

    app.config["PUBLICATION_CHECK_SECONDS"] = 0
    visitor = app.test_client()
    assert "This certificate is genuine" in visitor.get(f"/verify/{issued}").get_data(as_text=True)
    cert = db.scalars(select(Certificate).where(Certificate.code == issued)).one()
    cert.revoked_at, cert.revoked_reason = utcnow(), "Name misspelt"
    db.commit()
    assert "Name misspelt" in visitor.get(f"/verify/{issued}").get_data(as_text=True)


def test_cached_verification_page_still_counts_toward_the_limit(app, issued):
    """Repeat views of one genuine code, served from the cache, are still stopped by the limit."""
    visitor = app.test_client()
    statuses = [visitor.get(f"/verify/{issued}").status_code for _ in range(40)]
    assert statuses[0] == 200 and statuses[-1] == 429


def test_verification_limit_can_be_shared_through_redis(tmp_path, database):
    """With a Redis storage URI, the limit holds across app instances (gunicorn workers)."""
    import redis

    url = "redis://127.0.0.1:6379/15"
    try:
        redis.Redis.from_url(url).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    # Its own key prefix, not flushdb(): another run sharing this Redis keeps its counters.
    prefix = f"sala-test-{secrets.token_hex(8)}"
    db_url = database("schema")
    from lms import create_app

    apps = [
        create_app(
            {
                "INSTANCE_PATH": str(tmp_path / f"i{n}"),
                "DATABASE_URL": db_url,
                "TESTING": True,
                "RATELIMIT_STORAGE_URI": url,
                "RATELIMIT_KEY_PREFIX": prefix,
                "VERIFY_RATE_LIMIT": "5 per minute",
            }
        )
        for n in range(2)
    ]
    statuses = [apps[i % 2].test_client().get("/verify/ABCDE-ABCDE-ABCDE-ABCDE").status_code for i in range(6)]
    store = redis.Redis.from_url(url)
    for key in store.scan_iter(f"*{prefix}*"):
        store.delete(key)
    for app in apps:
        app.extensions["lms.engine"].dispose()
    assert statuses == [404] * 5 + [429]


def test_empty_verification_code_gets_the_page_error_summary(client):
    """An empty code gets the page's own error summary and a field error (400), not the browser's bubble."""
    html = client.get("/verify").get_data(as_text=True)
    assert "novalidate" in html and " required" not in html.split('id="code"')[1].split(">")[0]
    r = client.get("/verify?code=+")
    html = r.get_data(as_text=True)
    assert r.status_code == 400 and "<title>Error:" in html
    assert 'class="error-summary"' in html and 'href="#code"' in html
    assert 'id="code-error"' in html and 'aria-describedby="code-hint code-error"' in html
    assert 'aria-invalid="true"' in html


# --- the status list: signed once per change, honest cache headers ---------------------------


def test_status_list_is_signed_once_per_change_with_truthful_cache_headers(client, issued, auth):
    """The list is the same bytes until a revocation, valid for a day, cacheable for no longer than
    that (and 5 minutes at most), with an ETag that answers 304; a revocation re-signs it."""
    first = client.get("/credentials/status/1")
    doc = first.get_json(force=True)
    assert client.get("/credentials/status/1").data == first.data
    from datetime import datetime, timedelta

    valid_from = datetime.fromisoformat(doc["validFrom"].replace("Z", "+00:00"))
    valid_until = datetime.fromisoformat(doc["validUntil"].replace("Z", "+00:00"))
    assert valid_until - valid_from == timedelta(days=1)
    max_age = int(first.headers["Cache-Control"].split("max-age=")[1])
    assert first.headers["Cache-Control"].startswith("public") and 0 < max_age <= 300
    etag = first.headers["ETag"]
    assert client.get("/credentials/status/1", headers={"If-None-Match": etag}).status_code == 304

    client.post("/logout", data={"csrf_token": csrf_token(client)})
    auth.as_new(role="admin", email="admin@example.org")
    post(
        client, f"/certificates/{issued}/revoke", {"reason": "Issued by mistake"}, token_from=f"/certificates/{issued}"
    )
    after = client.get("/credentials/status/1", headers={"If-None-Match": etag})
    assert after.status_code == 200 and after.headers["ETag"] != etag
    assert after.get_json(force=True)["credentialSubject"]["encodedList"] != doc["credentialSubject"]["encodedList"]


def test_status_list_is_signed_again_when_half_its_validity_is_gone(app, db, tmp_path):
    """The cached list is reused for 12 hours, then signed anew with a later validUntil."""
    from datetime import timedelta

    from lms.credentials.keys import load_or_create_issuer_key
    from lms.models._types import utcnow

    key = load_or_create_issuer_key(app.instance_path)
    now = utcnow()
    first = certificates.status_list(db, key=key, base_url="https://sala.example.org", cache_dir=str(tmp_path), now=now)
    later = certificates.status_list(
        db, key=key, base_url="https://sala.example.org", cache_dir=str(tmp_path), now=now + timedelta(hours=11)
    )
    assert later == first
    renewed = certificates.status_list(
        db, key=key, base_url="https://sala.example.org", cache_dir=str(tmp_path), now=now + timedelta(hours=13)
    )
    assert renewed["validUntil"] > first["validUntil"]
    assert len(list((tmp_path / "status-list").glob("*.json"))) == 1


def test_cli_checks_the_expected_issuer_and_says_what_it_checked(app, client, issued, tmp_path):
    """`lms certificates verify` names what it checked, refuses a credential of another site than
    --issuer, and refuses a key document that is not the credential's issuer."""
    doc = client.get(f"/certificates/{issued}/credential.json").get_json(force=True)
    cred, key_file, other_key = tmp_path / "cred.json", tmp_path / "key.json", tmp_path / "other.json"
    cred.write_text(json.dumps(doc))
    key_doc = client.get("/issuer").get_json()
    key_file.write_text(json.dumps(key_doc))
    ok = _cli_verify(app, cred, "--issuer", "http://localhost")
    assert ok.exit_code == 0 and "Checked:" in ok.output and "issuer is http://localhost/issuer" in ok.output, ok.output
    assert "signature" in ok.output and "valid until" in ok.output

    wrong_site = _cli_verify(app, cred, "--issuer", "https://other.example.org")
    assert wrong_site.exit_code != 0 and "not the expected https://other.example.org/issuer" in wrong_site.output
    wrong_key_site = _cli_verify(app, cred, "--key", key_file, "--issuer", "https://other.example.org")
    assert wrong_key_site.exit_code != 0 and "NOT VALID" in wrong_key_site.output

    # The same key published under another site's document does not vouch for this credential.
    moved = json.loads(json.dumps(key_doc).replace("http://localhost/issuer", "https://evil.example/issuer"))
    other_key.write_text(json.dumps(moved))
    refused = _cli_verify(app, cred, "--key", other_key)
    assert refused.exit_code != 0 and "not the expected https://evil.example/issuer" in refused.output


def test_cli_refuses_an_expired_status_list(app, client, issued, db, tmp_path):
    """A saved list past its validUntil gives no answer, so an old copy cannot hide a revocation."""
    from datetime import timedelta

    from lms.credentials.keys import load_or_create_issuer_key
    from lms.models._types import utcnow

    doc = client.get(f"/certificates/{issued}/credential.json").get_json(force=True)
    cred, key_file, old = tmp_path / "cred.json", tmp_path / "key.json", tmp_path / "old.json"
    cred.write_text(json.dumps(doc))
    key_file.write_text(client.get("/issuer").get_data(as_text=True))
    stale = certificates.status_list(
        db,
        key=load_or_create_issuer_key(app.instance_path),
        base_url="http://localhost",
        now=utcnow() - timedelta(days=2),
    )
    old.write_text(json.dumps(stale))
    result = _cli_verify(app, cred, "--key", key_file, "--status", old)
    assert result.exit_code != 0 and "STATUS NOT CHECKED" in result.output and "expired" in result.output


# --- revocation is visible everywhere ---------------------------------------------------------


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) is not installed")
def test_revoked_certificate_page_pdf_and_credential_say_revoked(client, issued, auth, tmp_path):
    """After revocation the certificate page says revoked, the PDF is rendered again with
    "REVOKED on DATE: reason" (not served from the cache), and the credential is the same signed
    document as before, served with a revoked status header and a Link to the status list."""
    before_pdf = client.get(f"/certificates/{issued}.pdf").data
    before_cred = client.get(f"/certificates/{issued}/credential.json")
    assert "Certificate-Status" not in before_cred.headers
    assert before_cred.headers["Link"] == '<http://localhost/credentials/status/1>; rel="status"'
    assert before_cred.headers["Cache-Control"] == "private, no-store"

    client.post("/logout", data={"csrf_token": csrf_token(client)})
    auth.as_new(role="admin", email="admin@example.org")
    post(
        client, f"/certificates/{issued}/revoke", {"reason": "Issued by mistake"}, token_from=f"/certificates/{issued}"
    )

    page = client.get(f"/certificates/{issued}").get_data(as_text=True)
    assert "This certificate was revoked on" in page and "Issued by mistake" in page
    assert 'id="credential-revoked"' in page

    after_pdf = client.get(f"/certificates/{issued}.pdf").data
    assert after_pdf != before_pdf
    path = tmp_path / "revoked.pdf"
    path.write_bytes(after_pdf)
    text = subprocess.run(["pdftotext", "-raw", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "REVOKED on" in text and "Issued by mistake" in " ".join(text.split())

    after_cred = client.get(f"/certificates/{issued}/credential.json")
    assert after_cred.get_json(force=True) == before_cred.get_json(force=True)
    assert after_cred.headers["Certificate-Status"].startswith("revoked; date=")
    assert after_cred.headers["Link"] == before_cred.headers["Link"]
