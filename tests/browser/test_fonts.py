"""Fonts in a real browser: an English page downloads none; a Khmer page downloads the one Khmer
subset only when the device has no Khmer font, and stays under 60 KB; Khmer text is set larger
and taller, never letter-spaced or capitalised."""

from __future__ import annotations

import os
import uuid

import pytest

from tests.browser.helpers import CHROMIUM, CHROMIUM_ARGS, new_context
from tests.factories import make_course, make_user
from tests.helpers import shared_playwright

pytestmark = pytest.mark.browser

KHMER_TITLE = "ការនិយាយជាសាធារណៈ"
KHMER_SUMMARY = "ការនិយាយជាសាធារណៈគឺជាជំនាញដែលលោកអ្នកអាចរៀនបាន។ សូមរៀបចំការនិយាយរបស់លោកអ្នកមុនពេលឡើងនិយាយនៅមុខក្រុម។"
#: What a first visit costs: the page and what it pulls in (images and media are not on these pages).
COUNTED = ("document", "stylesheet", "script", "font")


@pytest.fixture(scope="module")
def bare_browser(tmp_path_factory):
    """Chromium that sees only the DejaVu fonts, like a phone with no Khmer font of its own."""
    folder = tmp_path_factory.mktemp("fontconfig")
    conf = folder / "fonts.conf"
    conf.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>'
        f"<dir>/usr/share/fonts/truetype/dejavu</dir><cachedir>{folder / 'cache'}</cachedir></fontconfig>\n",
        encoding="utf-8",
    )
    env = {**os.environ, "FONTCONFIG_FILE": str(conf)}
    browser = shared_playwright().chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, env=env)
    yield browser
    browser.close()


@pytest.fixture(scope="module")
def khmer_course(site):
    """A published course whose title and summary are Khmer; its page path."""
    slug = f"niyeay-{uuid.uuid4().hex[:6]}"
    owner = make_user(site.app, email=f"{slug}@example.org", name="សុភា", role="trainer")
    make_course(site.app, owner, slug=slug, title=KHMER_TITLE, language="km", summary=KHMER_SUMMARY)
    return f"/courses/{slug}"


def _first_visit(browser, site, path: str) -> dict[str, list]:
    """Resource type → [(url, encoded body bytes)] of one visit in a fresh context (empty cache);
    under "h1 fonts", the fonts Chromium drew the page's heading with: [(family, is a web font)]."""
    context = new_context(browser, site)
    seen: dict[str, list] = {}
    page = context.new_page()
    responses = []
    page.on("response", lambda response: responses.append(response))
    page.goto(path)
    page.wait_for_load_state("networkidle")
    page.evaluate("document.fonts.ready.then(() => true)")
    for response in responses:
        kind = response.request.resource_type
        seen.setdefault(kind, []).append((response.url, response.request.sizes()["responseBodySize"]))
    cdp = context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument")["root"]["nodeId"]
    heading = cdp.send("DOM.querySelector", {"nodeId": root, "selector": "main h1"})["nodeId"]
    fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": heading})["fonts"]
    seen["h1 fonts"] = [(f["familyName"], f["isCustomFont"]) for f in fonts]
    context.close()
    return seen


@pytest.mark.parametrize("path", ["/login", "/verify", "/courses/telling-impact-stories"])
def test_english_page_downloads_no_font(bare_browser, site, path):
    """An English page, even one showing the Khmer name សាលា, downloads no font on a device without
    Khmer fonts. (The catalog lists the Khmer course by its Khmer title, so it rightly fetches the
    font there: see test_khmer_text_on_an_english_page_gets_the_font.)"""
    seen = _first_visit(bare_browser, site, path)
    assert "document" in seen
    assert seen.get("font", []) == []


def test_khmer_page_without_a_device_font_downloads_one_subset_under_60_kb(bare_browser, site, khmer_course):
    """With no Khmer font on the device, a Khmer page loads the one WOFF2 subset, and the visit stays under 60 KB."""
    seen = _first_visit(bare_browser, site, khmer_course)
    fonts = seen.get("font", [])
    assert len(fonts) == 1 and fonts[0][0].endswith(".woff2"), fonts
    total = sum(size for kind in COUNTED for _url, size in seen.get(kind, []))
    assert 20 * 1024 < total <= 60 * 1024, seen
    # and the Khmer title is drawn with it, not as empty boxes in a fallback font
    assert seen["h1 fonts"] == [("Noto Sans Khmer", True)], seen["h1 fonts"]


def test_khmer_page_with_a_device_font_downloads_none(browser, site, khmer_course):
    """Where the device has a Khmer font (here Khmer OS), the page uses it and downloads nothing."""
    seen = _first_visit(browser, site, khmer_course)
    assert seen.get("font", []) == []
    assert [custom for _family, custom in seen["h1 fonts"]] == [False] and "Khmer" in seen["h1 fonts"][0][0]


def test_khmer_text_is_larger_taller_and_never_spaced_or_capitalised(page):
    """Khmer passages get 1.125 times the size of their surroundings and line-height of at least 1.8,
    and letter-spacing or capitals set for other text (a code, a label) never reach them."""
    page.goto("/login")
    brand = page.evaluate(
        """() => {
            const km = document.querySelector('.brand [lang="km"]');
            const s = getComputedStyle(km), p = getComputedStyle(km.parentElement);
            return {size: parseFloat(s.fontSize), parent: parseFloat(p.fontSize), line: parseFloat(s.lineHeight)};
        }"""
    )
    assert brand["size"] == pytest.approx(brand["parent"] * 1.125, abs=0.1)
    assert brand["line"] >= 1.8 * brand["size"] - 0.1
    styled = page.evaluate(
        """() => {
            const holder = document.createElement('div');
            holder.innerHTML = '<p class="code" lang="km">ការនិយាយ</p><p lang="km">ការនិយាយ</p>';
            // Through the CSSOM, which the Content-Security-Policy allows (a style attribute it would not).
            Object.assign(holder.lastChild.style, {letterSpacing: '.2em', textTransform: 'uppercase'});
            document.querySelector('main').append(holder);
            return [...holder.children].map(e => {
                const s = getComputedStyle(e);
                return [s.letterSpacing, s.textTransform];
            });
        }"""
    )
    assert styled == [["normal", "none"], ["normal", "none"]]


def test_khmer_text_on_an_english_page_gets_the_font(bare_browser, site):
    """The English catalog shows the Khmer course's title: on a device without a Khmer font that
    one page fetches the Khmer subset (and nothing else), so the title is not empty boxes."""
    seen = _first_visit(bare_browser, site, "/")
    fonts = seen.get("font", [])
    assert len(fonts) == 1 and fonts[0][0].endswith(".woff2") and fonts[0][1] < 30_000
