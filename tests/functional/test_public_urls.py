"""Public links (certificate page, QR, PDF, credential, /issuer, status list) come from configuration,
never from a request's Host header (issue 10, item 1)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from lms import create_app
from lms.config import LOCAL_BASE_URL, public_base_url, public_url_problem
from lms.models import Course, User
from lms.services import certificates

FORGED = {"Host": "evil.example"}


def forged(client, url: str):
    """GET url with a forged Host header, still carrying the signed-in session cookie (the test
    client's cookie jar would otherwise keep it for localhost only)."""
    cookie = client.get_cookie("session", domain="localhost")
    if cookie is not None:
        client.set_cookie("session", cookie.value, domain="evil.example")
    return client.get(url, headers=FORGED)


@pytest.fixture
def issued(app, client, auth, db):
    """A signed-in learner holding a certificate for Public Speaking."""
    auth.as_new(name="Sok Dara")
    user = db.scalars(select(User).where(User.email == "learner@example.org")).one()
    course = db.scalars(select(Course).where(Course.slug == "public-speaking")).one()
    cert = certificates.issue(db, user, course)
    db.commit()
    return cert.code


def _pdf_text(data: bytes, tmp_path) -> str:
    path = tmp_path / "c.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", "-raw", str(path), "-"], capture_output=True, text=True, check=True).stdout


def test_forged_host_changes_no_credential_issuer_or_status_list(client, issued):
    """A forged Host header leaves the credential, /issuer and the status list naming the configured site."""
    plain = client.get(f"/certificates/{issued}/credential.json").get_data(as_text=True)
    other = forged(client, f"/certificates/{issued}/credential.json").get_data(as_text=True)
    assert other == plain and "evil.example" not in other and "http://localhost/" in other
    assert client.get("/issuer", headers=FORGED).get_data() == client.get("/issuer").get_data()
    doc = json.loads(
        client.get(
            json.loads(plain)["credentialStatus"]["statusListCredential"].removeprefix("http://localhost"),
            headers=FORGED,
        ).get_data(as_text=True)
    )
    assert "evil.example" not in json.dumps(doc) and doc["id"].startswith("http://localhost/")


def test_forged_host_changes_no_qr_link_on_the_certificate_page(client, issued):
    """The certificate page's verification link and QR drawing are the same whatever Host is sent."""
    plain = client.get(f"/certificates/{issued}").get_data(as_text=True)
    other = forged(client, f"/certificates/{issued}").get_data(as_text=True)
    assert "evil.example" not in other and f"http://localhost/verify/{issued}" in other
    assert other.split("<svg", 1)[1].split("</svg>")[0] == plain.split("<svg", 1)[1].split("</svg>")[0]


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) is not installed")
def test_forged_host_first_changes_no_pdf_text(client, issued, tmp_path):
    """A PDF first rendered for a forged Host prints the configured address, and so does every copy after."""
    first = forged(client, f"/certificates/{issued}.pdf")
    assert first.status_code == 200
    text = _pdf_text(first.data, tmp_path)
    assert "evil.example" not in text and "localhost" in text
    assert client.get(f"/certificates/{issued}.pdf").data == first.data


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) is not installed")
def test_pdf_cache_is_keyed_by_the_base_url(app, client, issued, tmp_path):
    """After the site's address changes, the PDF prints the new address, not a cached old one."""
    client.get(f"/certificates/{issued}.pdf")
    app.config["BASE_URL"] = "https://sala.example.org"
    text = _pdf_text(client.get(f"/certificates/{issued}.pdf").data, tmp_path)
    assert "sala.example.org" in text and "localhost" not in text


def test_trusted_proxy_host_is_used_only_when_listed(app_with):
    """Behind a trusted proxy the forwarded host names the site when it is in TRUSTED_HOSTS; any other is 400."""
    app = app_with(TRUSTED_PROXIES=1, TRUSTED_HOSTS="sala.example.org, www.sala.example.org")
    client = app.test_client()
    good = client.get("/issuer", headers={"X-Forwarded-Host": "sala.example.org", "X-Forwarded-Proto": "https"})
    assert good.status_code == 200 and good.get_json()["id"].startswith("https://sala.example.org/")
    bad = client.get("/issuer", headers={"X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https"})
    assert bad.status_code == 400 and b"evil.example" not in bad.data
    assert client.get("/issuer", headers={"Host": "evil.example"}).status_code == 400


def test_base_url_outside_a_request_behind_a_proxy_is_the_first_trusted_host(app):
    """The CLI (no request) behind a trusted proxy names https:// and the first trusted host, not 127.0.0.1."""
    app.config.update(TRUSTED_PROXIES=1, TRUSTED_HOSTS=[".example.org", "sala.example.org"])
    with app.app_context():
        assert public_base_url() == "https://sala.example.org"


def test_forwarded_headers_are_ignored_without_a_trusted_proxy(client):
    """With no TRUSTED_PROXIES, X-Forwarded-Host changes nothing."""
    doc = client.get("/issuer", headers={"X-Forwarded-Host": "evil.example"}).get_json()
    assert doc["id"].startswith("http://localhost/")


def test_base_url_without_configuration_is_the_local_default(app):
    """With neither BASE_URL, a trusted proxy nor SERVER_NAME, links name the embedded server's address."""
    app.config["SERVER_NAME"] = None
    with app.test_request_context("/", headers=FORGED):
        assert public_base_url() == LOCAL_BASE_URL == "http://127.0.0.1:5000"


def test_production_without_a_public_address_refuses_to_start():
    """Serving without LMS_BASE_URL or a trusted proxy with its hosts is refused with a message naming both."""
    problem = public_url_problem({})
    assert "LMS_BASE_URL" in problem and "LMS_TRUSTED_PROXIES" in problem and "LMS_TRUSTED_HOSTS" in problem
    assert public_url_problem({"TRUSTED_PROXIES": 1}) is not None
    assert public_url_problem({"TRUSTED_PROXIES": 1, "TRUSTED_HOSTS": ["sala.example.org"]}) is None
    assert public_url_problem({"BASE_URL": "https://sala.example.org"}) is None
    assert "must be the site's address" in public_url_problem({"BASE_URL": "sala.example.org"})


def test_serve_on_a_public_address_without_base_url_refuses(app, monkeypatch):
    """`lms serve --host 0.0.0.0` with no public address configured stops with the message; on 127.0.0.1 it
    serves with its own address as the base URL."""
    from lms.cli import serve

    started = []
    monkeypatch.setattr("os.execv", lambda *args: started.append(args))
    monkeypatch.setenv("LMS_BASE_URL", "")  # recorded, so the value serve sets is undone after the test
    monkeypatch.delenv("LMS_BASE_URL")
    runner = CliRunner()
    with app.app_context():
        refused = runner.invoke(serve, ["--host", "0.0.0.0"])
        assert refused.exit_code != 0 and "LMS_BASE_URL" in refused.output and not started
        local = runner.invoke(serve, ["--host", "127.0.0.1", "--port", "5001"])
    assert local.exit_code == 0 and started
    assert os.environ["LMS_BASE_URL"] == "http://127.0.0.1:5001"


def test_serve_runs_its_workers_without_docstrings_or_asserts(app, monkeypatch):
    """`lms serve` starts gunicorn with PYTHONOPTIMIZE=2 (python -OO, less memory a worker) and two
    malloc arenas, unless the environment already says otherwise."""
    from lms.cli import serve

    started = []
    monkeypatch.setattr("os.execv", lambda *args: started.append(args))
    for name in ("PYTHONOPTIMIZE", "MALLOC_ARENA_MAX"):
        monkeypatch.setenv(name, "")  # recorded, so what serve sets is undone after the test
        monkeypatch.delenv(name)
    with app.app_context():
        assert CliRunner().invoke(serve, ["--host", "127.0.0.1", "--port", "5001"]).exit_code == 0
    assert started and os.environ["PYTHONOPTIMIZE"] == "2" and os.environ["MALLOC_ARENA_MAX"] == "2"
    monkeypatch.setenv("PYTHONOPTIMIZE", "1")
    with app.app_context():
        assert CliRunner().invoke(serve, ["--host", "127.0.0.1", "--port", "5001"]).exit_code == 0
    assert os.environ["PYTHONOPTIMIZE"] == "1"


def test_ids_beyond_the_database_integer_range_are_404(client, auth):
    """A huge id in any <int:...> URL is 404, not 500."""
    auth.as_new("admin")
    for url in ("/teach/courses/99999999999999999999999", "/teach/courses/2147483648"):
        assert client.get(url).status_code == 404


def test_environment_numbers_are_ascii_digits_only(monkeypatch, tmp_path):
    """An LMS_ variable holding a superscript digit stays text instead of stopping the app from starting."""
    monkeypatch.setenv("LMS_TRUSTED_PROXIES", "1")
    monkeypatch.setenv("LMS_ISSUER_NAME", "²")
    app = create_app({"INSTANCE_PATH": str(tmp_path), "DATABASE_URL": "sqlite://"})
    assert app.config["TRUSTED_PROXIES"] == 1 and app.config["ISSUER_NAME"] == "²"
