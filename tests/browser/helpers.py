"""Shared checks for the browser tests: axe, keyboard focus, page structure, the pages to visit."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import pytest
import yaml
from babel.support import Translations

from tests.factories import PASSWORD
from tests.helpers import CONTENT, ROOT

#: The interface languages the page tests run in, and the Playwright context locale that asks for
#: each (Chromium then sends it as Accept-Language, as a Khmer phone's browser does).
LANGUAGES = {"en": None, "km": "km-KH"}

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
_axe = None


def assert_no_axe_violations(page, label: str = "") -> None:
    """Run axe-core on the page; fail with each violation's rule, impact, help and failing nodes."""
    global _axe
    if _axe is None:
        from axe_playwright_python.sync_playwright import Axe

        _axe = Axe()
    results = _axe.run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]})
    violations = results.response["violations"]
    if violations:
        lines = [f"axe found {len(violations)} violation(s) on {label or page.url}:"]
        for v in violations:
            lines.append(f"- {v['id']} ({v['impact']}): {v['help']} <{v['helpUrl']}>")
            for node in v["nodes"][:8]:
                lines.append(f"    at {', '.join(map(str, node['target']))}: {node['html'][:200]}")
                if node.get("failureSummary"):
                    lines.append("      " + node["failureSummary"].replace("\n", "\n      "))
        pytest.fail("\n".join(lines), pytrace=False)


# ---------------------------------------------------------------- languages


@cache
def _catalogue(lang: str) -> Translations:
    return Translations.load(str(ROOT / "translations"), [lang])


def t(text: str, lang: str = "en", **variables) -> str:
    """An interface string as a page in `lang` shows it, from the compiled catalogue (`make
    catalogues`): tests find controls by the names a Khmer reader hears, never by hard-coded text."""
    translated = text if lang == "en" else _catalogue(lang).gettext(text)
    assert lang == "en" or translated != text, f"no {lang} translation for {text!r}: compile the catalogues"
    return translated % variables if variables else translated


def page_lang(page) -> str:
    """The page's interface language, from <html lang>."""
    return page.evaluate("document.documentElement.lang")


def context_options(lang: str) -> dict:
    """Browser context options that ask for `lang` (none for English, the default)."""
    return {"locale": LANGUAGES[lang]} if LANGUAGES[lang] else {}


# ---------------------------------------------------------------- keyboard


def is_focused(page, locator) -> bool:
    return locator.evaluate("el => el === document.activeElement")


def describe_focus(page) -> str:
    return page.evaluate("""() => { const el = document.activeElement;
        return el ? el.outerHTML.slice(0, 120) : 'nothing'; }""")


def tab_to(page, locator, max_presses: int = 80, key: str = "Tab") -> None:
    """Press Tab until `locator` has focus: proof it is reachable by keyboard. Fails after max_presses."""
    handle = locator.element_handle()
    for _ in range(max_presses):
        if page.evaluate("el => el === document.activeElement", handle):
            return
        page.keyboard.press(key)
    pytest.fail(
        f"{locator} not reached after {max_presses} presses of {key}; focus is on {describe_focus(page)}", pytrace=False
    )


def reset_focus_to_top(page) -> None:
    """Put the sequential focus starting point at the start of <body>, as on a fresh page load.

    Pages that move focus on load (error summary, result heading) start elsewhere; a temporary
    element focused and removed at the top of the body puts the next Tab back at the beginning.
    """
    page.evaluate("""() => { const t = document.createElement('span'); t.tabIndex = -1;
        document.body.prepend(t); t.focus(); t.remove(); }""")


def press_and_wait(page, key: str = "Enter") -> None:
    """Press a key that submits a form or follows a link, and wait for the next page to load."""
    with page.expect_navigation():
        page.keyboard.press(key)


# ---------------------------------------------------------------- page structure

STRUCTURE_JS = """() => {
  const headings = [...document.querySelectorAll('h1, h2, h3, h4, h5, h6')].map(h => +h.tagName[1]);
  return {
    title: document.title.trim(),
    lang: document.documentElement.getAttribute('lang') || '',
    h1: document.querySelectorAll('h1').length,
    headings: headings,
    mains: document.querySelectorAll('main, [role=main]').length,
  };
}"""


def structure(page) -> dict:
    return page.evaluate(STRUCTURE_JS)


def assert_structure(page) -> dict:
    """One h1, no skipped heading levels, a title, <html lang>, one <main>."""
    s = structure(page)
    assert s["title"], "the page has no <title>"
    assert s["title"] != "– Sala" and not s["title"].startswith("–"), f"empty title block: {s['title']!r}"
    assert re.fullmatch(r"[a-z]{2,3}(-[A-Za-z0-9]+)*", s["lang"]), f"<html lang> is {s['lang']!r}"
    assert s["h1"] == 1, f"{s['h1']} h1 elements (expected exactly one)"
    assert s["mains"] == 1, f"{s['mains']} main landmarks (expected exactly one)"
    levels = s["headings"]
    assert levels and levels[0] == 1, f"the first heading is h{levels[0] if levels else '-'}, not h1"
    for before, after in zip(levels, levels[1:], strict=False):
        assert after <= before + 1, f"heading levels skip from h{before} to h{after}: {levels}"
    return s


def assert_skip_link_first(page) -> None:
    """The first Tab stop is the skip link, and following it moves focus to <main>."""
    if page.evaluate("document.activeElement && document.activeElement !== document.body"):
        reset_focus_to_top(page)
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name=t("Skip to main content", page_lang(page)))
    assert is_focused(page, skip), f"first Tab stop is {describe_focus(page)}, not the skip link"
    assert skip.bounding_box()["y"] >= 0 and skip.is_visible(), "the skip link does not appear when focused"
    page.keyboard.press("Enter")
    page.wait_for_function("document.activeElement && document.activeElement.id === 'main'")


# ---------------------------------------------------------------- course content


def normalize(text: str) -> str:
    return " ".join(str(text).split())


def exactly(text: str) -> re.Pattern:
    """An accessible name that is exactly this text (get_by_role's exact=True, ignoring outer spaces)."""
    return re.compile(rf"^\s*{re.escape(text)}\s*$")


def containing(text: str) -> re.Pattern:
    """An accessible name that contains this text, such as a question's prompt inside its legend."""
    return re.compile(re.escape(text))


@dataclass
class Question:
    type: str
    prompt: str
    #: the labels to choose (choice questions) or the text to type (short_text)
    right: list[str]
    choices: list[str]


def quiz_answers(slug: str) -> list[Question]:
    """The right answers of a course's quiz, read from its quiz.yaml (what a learner would choose)."""
    data = yaml.safe_load((CONTENT / slug / "quiz.yaml").read_text(encoding="utf-8"))
    questions = []
    for item in data["questions"]:
        kind = item["type"]
        if kind == "true_false":
            choices, right = ["True", "False"], ["True" if item["answer"] else "False"]
        elif kind == "short_text":
            choices, right = [], [str(item["answers"][0])]
        else:
            choices = [normalize(c["text"]) for c in item["choices"]]
            right = [normalize(c["text"]) for c in item["choices"] if c.get("correct")]
        questions.append(Question(kind, normalize(item["prompt"]), right, choices))
    return questions


def unit_titles(slug: str) -> list[str]:
    """Unit titles in course order, from the unit files' front matter."""
    titles = []
    for path in sorted((CONTENT / slug / "units").glob("*.md")):
        front = path.read_text(encoding="utf-8").split("---", 2)[1]
        titles.append(normalize(yaml.safe_load(front)["title"]))
    return titles


def course_title(slug: str) -> str:
    return normalize(yaml.safe_load((CONTENT / slug / "course.yaml").read_text(encoding="utf-8"))["title"])


# ---------------------------------------------------------------- the pages and states to check


def _submit_empty(page) -> None:
    names = "|".join(re.escape(t(n, page_lang(page))) for n in ("Create account", "Sign in", "Submit answers"))
    page.get_by_role("main").get_by_role("button", name=re.compile(f"^({names})$")).click()


def _wrong_password(page) -> None:
    lang = page_lang(page)
    page.get_by_label(t("Email address", lang)).fill("progress@example.org")
    page.get_by_label(t("Password", lang)).fill("not the password at all")
    _submit_empty(page)


def _change_password_empty(page) -> None:
    page.get_by_role("button", name=t("Change password", page_lang(page))).click()


@dataclass
class PageCase:
    id: str
    #: the page type: pages of different types must have different titles
    kind: str
    #: who is signed in: "anonymous" or a key of Site.users
    who: str
    #: a path, or a function of the Site giving one
    path: str | Callable
    status: int = 200
    #: what to do on the page before checking it (submit a form...)
    action: Callable | None = None
    #: the page says it has errors: its title must start with "Error:"
    has_errors: bool = False
    #: the element that should have focus after load (data-autofocus)
    autofocus: str | None = None

    def url(self, site) -> str:
        return self.path(site) if callable(self.path) else self.path


UNIT = "/courses/public-speaking/units/why-we-speak"

PAGES = [
    PageCase("catalog-signed-out", "catalog", "anonymous", "/"),
    PageCase("catalog-signed-in", "catalog", "progress", "/"),
    PageCase("course-signed-out", "course", "anonymous", "/courses/public-speaking"),
    PageCase("course-not-enrolled", "course", "newcomer", "/courses/public-speaking"),
    PageCase("course-in-progress", "course", "progress", "/courses/public-speaking"),
    PageCase("course-completed", "course", "graduate", "/courses/telling-impact-stories"),
    PageCase("register-empty", "register", "anonymous", "/register"),
    PageCase(
        "register-with-errors",
        "register",
        "anonymous",
        "/register",
        status=400,
        action=_submit_empty,
        has_errors=True,
        autofocus=".error-summary",
    ),
    PageCase("sign-in-empty", "sign-in", "anonymous", "/login"),
    PageCase(
        "sign-in-wrong-password",
        "sign-in",
        "anonymous",
        "/login",
        status=400,
        action=_wrong_password,
        has_errors=True,
        autofocus=".error-summary",
    ),
    PageCase("account", "account", "progress", "/account"),
    PageCase(
        "account-password-errors",
        "account",
        "progress",
        "/account",
        status=400,
        action=_change_password_empty,
        has_errors=True,
        autofocus=".error-summary",
    ),
    PageCase("reset-link-invalid", "reset-link-invalid", "anonymous", "/password/reset/not-a-token", status=400),
    PageCase("unit-with-video", "unit", "progress", UNIT),
    PageCase("unit-transcript-search", "unit", "progress", UNIT + "?q=speak#transcript-search-results"),
    PageCase("unit-transcript-search-nothing", "unit", "progress", UNIT + "?q=zebra#transcript-search-results"),
    PageCase(
        "unit-transcript-search-too-long",
        "unit",
        "progress",
        UNIT + "?q=" + "a" * 101 + "#transcript-search-results",
        status=400,
        has_errors=True,
        autofocus=".error-summary",
    ),
    PageCase("quiz-fresh", "quiz", "progress", "/courses/public-speaking/quiz"),
    PageCase(
        "quiz-nothing-chosen",
        "quiz",
        "progress",
        "/courses/public-speaking/quiz",
        status=422,
        action=_submit_empty,
        has_errors=True,
        autofocus=".error-summary",
    ),
    PageCase("quiz-already-passed", "quiz", "graduate", "/courses/telling-impact-stories/quiz"),
    PageCase("result-passed", "result", "graduate", lambda s: s.results["passed"], autofocus="h1"),
    PageCase("result-failed", "result", "progress", lambda s: s.results["failed"], autofocus="h1"),
    PageCase("my-learning", "my-learning", "progress", "/my-learning"),
    PageCase("my-learning-empty", "my-learning", "newcomer", "/my-learning"),
    PageCase("my-certificates", "my-certificates", "graduate", "/certificates"),
    PageCase("my-certificates-empty", "my-certificates", "newcomer", "/certificates"),
    PageCase("certificate", "certificate", "graduate", lambda s: f"/certificates/{s.codes['genuine']}"),
    PageCase("certificate-revoked", "certificate", "revoked", lambda s: f"/certificates/{s.codes['revoked']}"),
    PageCase("verify-empty-signed-out", "verify", "anonymous", "/verify"),
    PageCase("verify-empty-signed-in", "verify", "graduate", "/verify"),
    PageCase(
        "verify-genuine", "verify-genuine", "anonymous", lambda s: f"/verify/{s.codes['genuine']}", autofocus="h1"
    ),
    PageCase(
        "verify-revoked", "verify-revoked", "anonymous", lambda s: f"/verify/{s.codes['revoked']}", autofocus="h1"
    ),
    PageCase(
        "verify-unknown",
        "verify-unknown",
        "anonymous",
        "/verify?code=ABCDE-12345-FGHJK-67890",
        status=404,
        autofocus="h1",
    ),
    PageCase("error-404-signed-out", "error-404", "anonymous", "/courses/no-such-course", status=404),
    PageCase("error-404-signed-in", "error-404", "progress", "/courses/no-such-course", status=404),
    PageCase("error-403-not-enrolled", "error-403", "newcomer", UNIT, status=403),
]

#: One GET page per page type, for the layout and weight checks (states reached by a form post excluded).
PAGE_TYPES = [
    c
    for c in PAGES
    if c.action is None
    and c.id
    not in {
        "catalog-signed-in",
        "course-signed-out",
        "course-not-enrolled",
        "course-completed",
        "my-learning-empty",
        "my-certificates-empty",
        "verify-empty-signed-in",
        "error-404-signed-in",
        "certificate-revoked",
        "quiz-already-passed",
    }
]


def open_case(page_as, site, case: PageCase, **context_options):
    """Open the page of a case as its user (in a context with these options), run its action, check the status."""
    page = page_as(case.who, **context_options)
    response = page.goto(case.url(site))
    if case.action is not None:
        with page.expect_navigation() as navigation:
            case.action(page)
        response = navigation.value
    assert response.status == case.status, f"{case.id}: status {response.status}, expected {case.status}"
    site.seen[f"title:{case.id}:{page_lang(page)}"] = page.title().strip()
    return page


# --- Contexts and signing in (shared by conftest and the tests) ------------------------------

#: How long a browser step may take before the test fails, in milliseconds.
TIMEOUT_MS = 10_000


def new_context(browser, site, **kwargs):
    context = browser.new_context(base_url=site.url, **kwargs)
    context.set_default_timeout(TIMEOUT_MS)
    return context


def sign_in(context, site, who: str) -> None:
    """Sign in by posting the login form, CSRF token and all, through the context's own cookies."""
    if who not in site.states:
        email = site.users[who][0]
        html = context.request.get(f"{site.url}/login").text()  # absolute: Orca's context has no base URL
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
        response = context.request.post(
            f"{site.url}/login", form={"csrf_token": token, "email": email, "password": PASSWORD}, max_redirects=0
        )
        assert response.status == 302, f"signing in {email} failed: {response.status}"
        site.states[who] = context.storage_state()
    else:
        context.add_cookies(site.states[who]["cookies"])


# ---------------------------------------------------------------- the player (issue 12)

#: The unit the player tests use, and the learner of their own (so seeded learners keep their defaults).
PLAYER_SLUG, PLAYER_UNIT = "public-speaking", "why-we-speak"
PLAYER_PAGE = f"/courses/{PLAYER_SLUG}/units/{PLAYER_UNIT}"
PLAYER_LEARNER = ("player", "player@example.org", "Ly Sokha")


def prepare_player_unit(site) -> None:
    """Give the player unit descriptions, chapters and French subtitles, and enrol the player learner."""
    from tests.factories import CHAPTERS_VTT, DESCRIPTIONS_VTT, FRENCH_VTT, add_track

    add_track(site.app, PLAYER_SLUG, PLAYER_UNIT, "descriptions", "en", DESCRIPTIONS_VTT)
    add_track(site.app, PLAYER_SLUG, PLAYER_UNIT, "chapters", "en", CHAPTERS_VTT)
    add_track(site.app, PLAYER_SLUG, PLAYER_UNIT, "subtitles", "fr", FRENCH_VTT, "Français")
    enrol_learner(site, *PLAYER_LEARNER, PLAYER_SLUG)


def enrol_learner(site, key: str, email: str, name: str, *slugs: str) -> None:
    """Register the learner (unless they exist) and enrol them in each course; `key` then works
    with page_as()."""
    from sqlalchemy import select

    from lms.db import get_session
    from lms.models import Course
    from lms.services import accounts, enrollment

    with site.app.app_context():
        session = get_session()
        user = accounts.find_user(session, email) or accounts.register(
            session, name=name, email=email, password=PASSWORD
        )
        session.flush()
        for slug in slugs:
            course = session.scalars(select(Course).where(Course.slug == slug)).one()
            if enrollment.get_enrollment(session, user, course) is None:
                enrollment.enroll(session, user, course)
        session.commit()
    site.users[key] = (email, name)


def player_settings(site, email: str = PLAYER_LEARNER[1], **changes) -> None:
    """Save a learner's settings (the player learner's unless `email` names another) through the
    service (the settings form's own path): the defaults with these changes."""
    from dataclasses import replace

    from sqlalchemy import select

    from lms.db import get_session
    from lms.models import User
    from lms.services import preferences

    with site.app.app_context():
        session = get_session()
        user = session.scalars(select(User).where(User.email == email)).one()
        preferences.save(session, user, replace(preferences.DEFAULTS, **changes))
        session.commit()


def load_metadata(page) -> None:
    """Make the unit page's player fetch its media's metadata, as pressing play would: the page
    says preload="none" (nothing downloads until the learner asks), so tests that seek or watch
    the time first ask for the metadata themselves."""
    page.evaluate("() => { const v = document.getElementById('video'); v.preload = 'metadata'; v.load(); }")
    page.wait_for_function("() => document.getElementById('video').readyState >= 1")
