"""axe-core and structural checks on every page type and state, signed out and signed in."""

from __future__ import annotations

from collections import defaultdict

import pytest

from tests.browser.helpers import (
    LANGUAGES,
    PAGES,
    assert_no_axe_violations,
    assert_skip_link_first,
    assert_structure,
    context_options,
    open_case,
    t,
)

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("case", PAGES, ids=[c.id for c in PAGES])
def test_page_has_no_axe_violations(page_as, site, case, lang):
    """axe (WCAG 2.2 A/AA and best practice) finds nothing on the page, in English and in Khmer."""
    page = open_case(page_as, site, case, **context_options(lang))
    assert page.evaluate("document.documentElement.lang") == lang
    assert_no_axe_violations(page, f"{case.id} ({lang})")


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("case", PAGES, ids=[c.id for c in PAGES])
def test_page_structure_is_sound(page_as, site, case, lang):
    """One h1, no skipped heading levels, a title, <html lang>, one <main>, the skip link first in Tab order."""
    page = open_case(page_as, site, case, **context_options(lang))
    s = assert_structure(page)
    assert s["lang"] == lang
    error = t("Error:", lang)
    if case.has_errors:
        assert s["title"].startswith(error), f"a page with errors must say so in its title: {s['title']!r}"
    else:
        assert not s["title"].startswith(error), f"title claims an error: {s['title']!r}"
    if case.autofocus:
        focused = page.evaluate(
            "sel => document.activeElement === document.querySelector('main ' + sel)", case.autofocus
        )
        assert focused, f"{case.autofocus} did not receive focus on load"
    assert_skip_link_first(page)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_titles_differ_between_page_types(page_as, site, lang):
    """Each page type has its own <title> in each language, so the browser tab and history tell pages apart."""
    titles = defaultdict(set)
    for case in PAGES:
        key = f"title:{case.id}:{lang}"
        if key not in site.seen:  # the tests above record titles; open what they did not
            open_case(page_as, site, case, **context_options(lang)).context.close()
        titles[site.seen[key]].add(case.kind)
    shared = {title: kinds for title, kinds in titles.items() if len(kinds) > 1}
    assert not shared, f"page types sharing a title: {shared}"
