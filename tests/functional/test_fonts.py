"""The Khmer web font: one subset WOFF2 behind the device's own fonts, limited to Khmer characters,
served by hash; a Khmer page's first visit stays under 60 KB with it."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import brotli

from tests.factories import make_course, make_user

STATIC = Path(__file__).resolve().parents[2] / "static"
BR = {"Accept-Encoding": "br, gzip"}
#: Public Speaking, in Khmer: "Speaking in public" and a sentence a course summary would hold.
KHMER_TITLE = "ការនិយាយជាសាធារណៈ"
KHMER_SUMMARY = "ការនិយាយជាសាធារណៈគឺជាជំនាញដែលលោកអ្នកអាចរៀនបាន។ សូមរៀបចំការនិយាយរបស់លោកអ្នកមុនពេលឡើងនិយាយនៅមុខក្រុម។"


class _Page(HTMLParser):
    """The inline stylesheet and the CSS and JS files a page links."""

    def __init__(self):
        super().__init__()
        self.style, self.assets, self._in_style = "", [], False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "style":
            self._in_style = True
        elif tag == "script" and a.get("src"):
            self.assets.append(a["src"])
        elif tag == "link" and "stylesheet" in (a.get("rel") or ""):
            self.assets.append(a["href"])

    def handle_endtag(self, tag):
        self._in_style = self._in_style and tag != "style"

    def handle_data(self, data):
        if self._in_style:
            self.style += data


def _page(html: str) -> _Page:
    parser = _Page()
    parser.feed(html)
    return parser


def _font_face(css: str) -> str:
    match = re.search(r"@font-face\s*{([^}]*)}", css)
    assert match, "no @font-face in the inline stylesheet"
    return match.group(1)


def test_khmer_font_is_served_by_hash_as_an_immutable_woff2(client):
    """The @font-face names the WOFF2 by its hashed URL, which answers font/woff2 cached for a year."""
    face = _font_face(_page(client.get("/login").get_data(as_text=True)).style)
    url = re.search(r'url\(([^)"\']+)\) format\("woff2"\)', face).group(1)
    assert re.fullmatch(r"/static/fonts/noto-sans-khmer-khmer-400-normal\.[0-9a-f]{12}\.woff2", url), url
    r = client.get(url, headers=BR)
    assert r.status_code == 200 and r.mimetype == "font/woff2"
    assert "immutable" in r.headers["Cache-Control"] and "Content-Encoding" not in r.headers
    assert r.data == (STATIC / "fonts" / "noto-sans-khmer-khmer-400-normal.woff2").read_bytes()
    assert r.data[:4] == b"wOF2"
    r.close()


def test_khmer_font_face_prefers_device_fonts_and_covers_only_khmer(client):
    """Device fonts (local()) come before the download, the face covers the Khmer blocks only, and text shows at once."""
    face = _font_face(_page(client.get("/login").get_data(as_text=True)).style)
    src = re.search(r"src:([^;]+);", face).group(1)
    sources = [s.strip() for s in re.findall(r"(local\([^)]*\)|url\([^)]*\))", src)]
    assert sources[-1].startswith("url(") and all(s.startswith("local(") for s in sources[:-1])
    for name in ("Noto Sans Khmer", "Khmer OS", "Khmer OS System", "Khmer UI", "Leelawadee UI"):
        assert f'local("{name}")' in sources
    assert re.search(r"unicode-range:\s*U\+1780-17FF, U\+19E0-19FF, U\+200B-200D, U\+25CC;", face)
    assert "font-display: swap" in face


def test_font_licence_sits_beside_the_font():
    """The SIL Open Font License of Noto Sans Khmer is shipped with the font file."""
    licence = (STATIC / "fonts" / "OFL.txt").read_text(encoding="utf-8")
    assert "SIL Open Font License, Version 1.1" in licence and "The Noto Project Authors" in licence


def test_khmer_page_first_visit_with_the_font_is_under_60_kb(app, client):
    """A page of Khmer text: HTML, its CSS and JS and the Khmer font, compressed as sent, under 60 KB."""
    owner = make_user(app, email="sophea@example.org", name="សុភា", role="trainer")
    make_course(app, owner, slug="niyeay", title=KHMER_TITLE, language="km", summary=KHMER_SUMMARY)
    r = client.get("/courses/niyeay", headers=BR)
    assert r.status_code == 200 and r.headers["Content-Encoding"] == "br"
    html = brotli.decompress(r.data).decode()
    assert KHMER_TITLE in html
    page = _page(html)
    sizes = {"html": len(r.data)}
    for url in page.assets + re.findall(r"url\((/static/[^)\"']+)\)", page.style):
        asset = client.get(url, headers=BR)
        assert asset.status_code == 200, url
        sizes[url] = len(asset.data)
        asset.close()
    assert any(name.endswith(".woff2") for name in sizes), sizes
    assert sum(sizes.values()) <= 60 * 1024, sizes
