"""Layout in Chromium: reflow at 320 CSS px, reduced motion, page weight and request count."""

from __future__ import annotations

import gzip

import pytest

from tests.browser.helpers import PAGE_TYPES, PAGES, open_case

pytestmark = pytest.mark.browser

WEIGHT_BUDGET = 30 * 1024
MAX_REQUESTS = 4


def _is_media(request) -> bool:
    return request.resource_type in ("media", "texttrack") or "/media/" in request.url or request.url.endswith(".vtt")


#: Every page type, and the states where long error messages appear.
REFLOW = PAGE_TYPES + [c for c in PAGES if c.action is not None]


@pytest.mark.parametrize("case", REFLOW, ids=[c.id for c in REFLOW])
def test_page_reflows_at_320_css_pixels(page_as, site, case):
    """At 320 CSS px wide (400% zoom of 1280) the page needs no horizontal scrolling."""
    page = open_case(page_as, site, case, viewport={"width": 320, "height": 640})
    width = page.evaluate("document.documentElement.scrollWidth")
    if width > 320:
        wide = page.evaluate("""() => [...document.querySelectorAll('body *')]
            .filter(el => el.getBoundingClientRect().right > 320.5)
            .slice(0, 5).map(el => el.outerHTML.slice(0, 120))""")
        pytest.fail(f"{case.id}: scrollWidth {width} > 320; too wide: {wide}", pytrace=False)


MOTION_JS = """() => {
  const moving = [];
  for (const el of document.querySelectorAll('*')) {
    const s = getComputedStyle(el);
    if (!s.animationName) { continue; }  // not rendered (the fallback inside <video>): no style at all
    const durations = (s.transitionDuration + ',' + s.animationDuration).split(',').map(parseFloat);
    if (durations.some(d => d > 0) || s.animationName !== 'none') { moving.push(el.tagName + '.' + el.className); }
  }
  return {animations: document.getAnimations().length, moving: moving.slice(0, 5)};
}"""


@pytest.mark.parametrize("case", PAGE_TYPES, ids=[c.id for c in PAGE_TYPES])
def test_reduced_motion_stops_animations_and_transitions(page_as, site, case):
    """With prefers-reduced-motion, nothing on the page animates or transitions."""
    page = page_as(case.who, reduced_motion="reduce")
    page.goto(case.url(site))
    assert page.evaluate("matchMedia('(prefers-reduced-motion: reduce)').matches")
    page.keyboard.press("Tab")  # focus styles are where transitions usually hide
    result = page.evaluate(MOTION_JS)
    assert result == {"animations": 0, "moving": []}, f"{case.id}: {result}"


def _load_recording(page_as, site, case) -> list[tuple[str, str, int]]:
    """(resource type, path, gzip size of HTML/CSS/JS bodies) of every request the page made; measured once."""
    key = f"load:{case.id}"
    if key not in site.seen:
        page = page_as(case.who)
        requests = []
        page.on("request", lambda request: requests.append(request))
        page.goto(case.url(site))
        page.wait_for_load_state("load")
        # The screen stylesheet is inline (lms/assets.py); any sheet, inline or linked, counts.
        site.seen[f"styled:{case.id}"] = page.evaluate("document.styleSheets.length") > 0
        rows = []
        for request in requests:
            size = 0
            if request.resource_type in ("document", "stylesheet", "script"):
                size = len(gzip.compress(page.context.request.get(request.url).body(), 6))
            path = request.url.replace(site.url, "")
            rows.append(("media" if _is_media(request) else request.resource_type, path, size))
        site.seen[key] = rows
        page.context.close()
    return site.seen[key]


@pytest.mark.parametrize("case", PAGE_TYPES, ids=[c.id for c in PAGE_TYPES])
def test_page_weight_is_under_30_kb_compressed(page_as, site, case):
    """HTML, CSS and JavaScript of the page together weigh under 30 KB gzip-compressed (media excluded)."""
    rows = _load_recording(page_as, site, case)
    sizes = {path: size for kind, path, size in rows if kind in ("document", "stylesheet", "script")}
    assert site.seen[f"styled:{case.id}"], f"{case.id}: no stylesheet, linked or inline"
    total = sum(sizes.values())
    assert total < WEIGHT_BUDGET, f"{case.id}: {total} bytes compressed: {sizes}"


@pytest.mark.parametrize("case", PAGE_TYPES, ids=[c.id for c in PAGE_TYPES])
def test_page_makes_few_requests(page_as, site, case):
    """Apart from video and captions, a page needs at most 4 requests."""
    urls = [f"{kind} {path}" for kind, path, _ in _load_recording(page_as, site, case) if kind != "media"]
    assert len(urls) <= MAX_REQUESTS, f"{case.id}: {len(urls)} requests: {urls}"
