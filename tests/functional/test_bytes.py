"""Bytes and round trips: compression, hashed static files, visitor caching, no render-blocking
request, Save-Data. These assert the causes of a slow first paint on a 3G line, not its time."""

from __future__ import annotations

import base64
import gzip
import hashlib
import re
from html.parser import HTMLParser

import brotli
import pytest

from tests.factories import issue_certificate
from tests.helpers import post

SLUG = "public-speaking"
UNIT = f"/courses/{SLUG}/units/why-we-speak"
VISITOR_PAGES = ["/", f"/courses/{SLUG}", "/login", "/register", "/verify"]
LEARNER_PAGES = ["/", "/my-learning", f"/courses/{SLUG}", UNIT, f"/courses/{SLUG}/quiz", "/certificates"]
BR = {"Accept-Encoding": "br, gzip"}


class _Blocking(HTMLParser):
    """Finds what makes a browser wait before first paint: stylesheets and synchronous scripts."""

    def __init__(self):
        super().__init__()
        self.blocking: list[str] = []
        self.assets: list[str] = []
        self.styles: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        rel = (a.get("rel") or "").lower().split()
        if tag == "link" and "stylesheet" in rel:
            self.assets.append(a["href"])
            if (a.get("media") or "all").lower() not in ("print",):
                self.blocking.append(f"<link rel=stylesheet href={a['href']}>")
        elif tag == "script":
            if a.get("src"):
                self.assets.append(a["src"])
            if a.get("type") != "module" and "defer" not in a and "async" not in a:
                self.blocking.append(f"<script src={a.get('src')}> without defer or async")
        elif tag == "style":
            self._in_style = True
            self.styles.append("")

    def handle_endtag(self, tag):
        if tag == "style":
            self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.styles[-1] += data


def _parse(html: str) -> _Blocking:
    parser = _Blocking()
    parser.feed(html)
    return parser


def _learner_pages(client, auth, db) -> list[str]:
    """LEARNER_PAGES, and a certificate's own page and its public verification page."""
    email = auth.as_new()
    post(client, f"/courses/{SLUG}/enrol", token_from=f"/courses/{SLUG}")
    code = issue_certificate(db, email)
    return [*LEARNER_PAGES, f"/certificates/{code}", f"/verify/{code}"]


@pytest.fixture
def learner(app, client, auth):
    auth.as_new()
    post(client, f"/courses/{SLUG}/enrol", token_from=f"/courses/{SLUG}")
    return client


@pytest.mark.parametrize("who", ["visitor", "learner"])
def test_no_page_needs_a_render_blocking_request(client, auth, db, who):
    """No page links a stylesheet for the screen or a script without defer: its HTML is enough to paint."""
    pages = VISITOR_PAGES
    if who == "learner":
        pages = _learner_pages(client, auth, db)
    for url in pages:
        r = client.get(url)
        assert r.status_code == 200, url
        parsed = _parse(r.get_data(as_text=True))
        assert parsed.blocking == [], (url, parsed.blocking)
        assert parsed.styles and ".skip-link" in parsed.styles[0], f"{url}: the stylesheet is not inline"


def test_inline_stylesheet_is_allowed_by_its_hash_not_unsafe_inline(client):
    """The CSP names the SHA-256 of the inline <style> exactly, and never 'unsafe-inline'."""
    r = client.get("/login")
    css = _parse(r.get_data(as_text=True)).styles[0]
    digest = base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()
    csp = r.headers["Content-Security-Policy"]
    style_src = re.search(r"style-src ([^;]+)", csp).group(1)
    assert f"'sha256-{digest}'" in style_src.split()
    assert "unsafe-inline" not in csp


@pytest.mark.parametrize("encoding, decode", [("br", brotli.decompress), ("gzip", gzip.decompress)])
def test_pages_and_static_files_are_compressed_when_asked(app, client, encoding, decode):
    """With Accept-Encoding, HTML, CSS and JS come back compressed and decode to the plain bytes."""
    html_plain = client.get("/").data
    r = client.get("/", headers={"Accept-Encoding": encoding})
    assert r.headers["Content-Encoding"] == encoding
    assert "Accept-Encoding" in r.headers["Vary"]
    assert decode(r.data) == html_plain and len(r.data) < len(html_plain) / 2
    # The player's script: enhance.js, the one every page loads, is now below the size worth compressing.
    js = "/static/" + app.extensions["lms.assets"].hashed["js/player.js"]
    r = client.get(js, headers={"Accept-Encoding": encoding})
    assert r.headers["Content-Encoding"] == encoding
    assert b"addEventListener" in decode(r.data)
    r.close()


def test_nothing_is_compressed_unasked(client):
    """Without Accept-Encoding the page comes back as it is."""
    r = client.get("/")
    assert "Content-Encoding" not in r.headers and r.data.startswith(b"<!doctype html>")


def test_media_and_range_responses_are_not_compressed(app, learner):
    """A video, whole or a range of it, is sent as stored even when the client accepts brotli."""
    html = learner.get(UNIT).get_data(as_text=True)
    src = re.search(r'<video[^>]* src="([^"]+)"', html).group(1)
    whole = learner.get(src, headers=BR)
    assert whole.status_code == 200 and "Content-Encoding" not in whole.headers
    whole.close()
    part = learner.get(src, headers={**BR, "Range": "bytes=0-99"})
    assert part.status_code == 206 and "Content-Encoding" not in part.headers and len(part.data) == 100
    part.close()


def test_hashed_static_urls_are_immutable_and_plain_urls_still_work(client):
    """Pages link static files by content hash, cached for a year as immutable; the plain name still answers."""
    html = client.get("/").get_data(as_text=True)
    js = _parse(html).assets[0]
    assert re.fullmatch(r"/static/js/enhance\.[0-9a-f]{12}\.js", js), js
    r = client.get(js)
    cache = r.headers["Cache-Control"]
    assert r.status_code == 200 and "immutable" in cache and "max-age=31536000" in cache and "public" in cache
    plain = client.get("/static/js/enhance.js")
    assert plain.status_code == 200 and plain.data == r.data and "immutable" not in plain.headers["Cache-Control"]
    r.close()
    plain.close()
    wrong = client.get("/static/js/enhance.000000000000.js")
    assert wrong.status_code == 404
    wrong.close()


def test_hashed_name_follows_the_content(app):
    """A file's hashed name is the SHA-256 of its bytes, so a changed file gets a new URL."""
    assets = app.extensions["lms.assets"]
    data = (assets.folder / "css" / "sala.css").read_bytes()
    assert assets.hashed["css/sala.css"] == f"css/sala.{hashlib.sha256(data).hexdigest()[:12]}.css"


@pytest.mark.parametrize("url", ["/", f"/courses/{SLUG}"])
def test_visitor_pages_have_an_etag_and_answer_304(client, url):
    """Signed out, catalog and course page are public for a short max-age with an ETag; a match is a bodiless 304."""
    r = client.get(url, headers=BR)
    assert r.status_code == 200
    etag = r.headers["ETag"]
    assert "public" in r.headers["Cache-Control"] and "max-age=60" in r.headers["Cache-Control"]
    assert "Set-Cookie" not in r.headers
    again = client.get(url, headers={**BR, "If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    other = client.get(url, headers={**BR, "If-None-Match": 'W/"something-else"'})
    assert other.status_code == 200


@pytest.mark.parametrize("url", ["/", f"/courses/{SLUG}"])
def test_signed_in_pages_stay_private(learner, url):
    """Signed in, the same pages carry no ETag and stay no-store (they show the person's name and progress)."""
    r = learner.get(url)
    assert r.status_code == 200
    assert "ETag" not in r.headers and r.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("who", ["visitor", "learner"])
def test_first_visit_of_every_page_is_under_30_kb(client, auth, db, who):
    """HTML plus every CSS and JS file it links, compressed as sent, stay under 30 KB on a first visit."""
    pages = VISITOR_PAGES
    if who == "learner":
        pages = _learner_pages(client, auth, db)
    for url in pages:
        r = client.get(url, headers=BR)
        total = len(r.data)
        for asset in _parse(brotli.decompress(r.data).decode()).assets:
            a = client.get(asset, headers=BR)
            assert a.status_code == 200, asset
            total += len(a.data)
            a.close()
        assert total < 30 * 1024, (url, total)


def test_save_data_leaves_out_preloading(learner):
    """With Save-Data: on, the unit's video preloads nothing and shows no poster."""
    normal = learner.get(UNIT).get_data(as_text=True)
    saving = learner.get(UNIT, headers={"Save-Data": "on"}).get_data(as_text=True)
    assert 'preload="none"' in normal  # never a byte before the learner presses play
    video = re.search(r"<video[^>]*>", saving).group(0)
    assert 'preload="none"' in video and "poster=" not in video
