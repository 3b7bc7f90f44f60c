"""Signed-in learners' pages kept by each worker (lms.personal_pages) and the page versions that
key them (lms.services.page_versions): a repeat view renders nothing, and no change a page shows
(the learner's own, a trainer's, the job worker's, an edit to the course) ever leaves it stale."""

from __future__ import annotations

import re
import time

import pytest
from sqlalchemy import insert, select, update

from lms.models import Attempt, Certificate, Course, Enrollment, Rendition, Unit, UnitProgress, User
from lms.models._types import utcnow
from lms.services import certificates, publication
from tests.factories import issue_certificate, make_user
from tests.helpers import PASSWORD, complete_units, course_data, post, sign_in_as, statements_of_get, submit_quiz

SLUG = "public-speaking"
UNIT = f"/courses/{SLUG}/units/why-we-speak"
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def _version(db, email: str) -> int:
    db.expire_all()
    return db.scalar(select(User.page_version).where(User.email == email))


@pytest.fixture
def learner(app, client, auth):
    """A learner enrolled in the course, signed in on `client`; their e-mail."""
    app.config["PUBLICATION_CHECK_SECONDS"] = 0
    email = auth.as_new()
    post(client, f"/courses/{SLUG}/enrol", token_from=f"/courses/{SLUG}")
    client.get(f"/courses/{SLUG}").close()  # shows the "enrolled" message: never kept
    return email


PAGES = [
    "/",
    f"/courses/{SLUG}",
    "/my-learning",
    UNIT,
    f"/courses/{SLUG}/quiz",
    "/certificates",
]


@pytest.mark.parametrize("url", PAGES)
def test_a_repeat_view_is_served_without_rendering(app, client, learner, url):
    """The second view of a learner's page reads the sign-in and the version numbers, nothing
    else, and is the same page."""
    first = client.get(url)
    first.close()
    second = client.get(url)  # the first may have written (a visit, an open attempt): kept now
    statements = statements_of_get(app, client, url)
    assert len(statements) <= 2, statements
    sql = "\n".join(statements).lower()
    assert "from units" not in sql and "from enrollments" not in sql and "from courses" not in sql
    # The same page but for the CSRF token, which is signed with the time (a new one each second).
    assert TOKEN.sub("", client.get(url).get_data(as_text=True)) == TOKEN.sub("", second.get_data(as_text=True))


def test_marking_a_unit_done_shows_at_once_on_every_kept_page(app, client, db, learner):
    pages = {url: client.get(url).get_data(as_text=True) for url in (UNIT, f"/courses/{SLUG}", "/my-learning")}
    pages = {url: client.get(url).get_data(as_text=True) for url in pages}  # now from the cache
    assert "You have marked this unit as done." not in pages[UNIT]
    before = _version(db, learner)
    complete_units(client, SLUG, ["why-we-speak"])
    assert _version(db, learner) > before
    assert "You have marked this unit as done." in client.get(UNIT).get_data(as_text=True)
    for url in (f"/courses/{SLUG}", "/my-learning"):
        assert client.get(url).get_data(as_text=True) != pages[url], url


def test_a_certificate_issued_elsewhere_shows_on_my_learning_and_certificates(app, client, db, learner):
    """The job worker issues certificates in its own session: the learner's version still grows."""
    for _ in range(2):
        assert "Issued on" not in client.get("/certificates").get_data(as_text=True)
    code = issue_certificate(db, learner)
    assert code in client.get("/certificates").get_data(as_text=True)


def test_a_revocation_by_an_admin_shows_on_the_learners_kept_certificate_page(app, client, db, learner):
    code = issue_certificate(db, learner)
    for _ in range(2):
        assert "This certificate was revoked" not in client.get(f"/certificates/{code}").get_data(as_text=True)
    admin = app.test_client()
    sign_in_as(app, admin, role="admin")
    answer = post(
        admin, f"/certificates/{code}/revoke", {"reason": "Issued by mistake"}, token_from=f"/certificates/{code}"
    )
    assert answer.status_code in (200, 302)
    page = client.get(f"/certificates/{code}").get_data(as_text=True)
    assert "This certificate was revoked" in page and "Issued by mistake" in page


def test_a_submitted_quiz_is_never_shown_as_still_open(app, client, db, learner):
    client.get(f"/courses/{SLUG}/quiz").close()  # starts the attempt
    html = client.get(f"/courses/{SLUG}/quiz").get_data(as_text=True)  # kept
    action = re.search(r'action="(/courses/[^"]+/quiz/attempts/(\d+))"', html)
    _units, _right, wrong = course_data(app, SLUG)
    assert submit_quiz(client, SLUG, wrong)[0].status_code == 302
    db.expire_all()
    attempt = db.get(Attempt, int(action.group(2)))
    assert attempt.submitted_at is not None
    again = client.get(f"/courses/{SLUG}/quiz").get_data(as_text=True)
    assert action.group(1) not in again  # a new attempt, or the quiz closed: never the submitted one


def test_player_settings_show_at_once_on_the_kept_unit_page(app, client, learner):
    for _ in range(2):
        assert 'data-speed="1.0"' in client.get(UNIT).get_data(as_text=True)
    choices = {"speed": "1.5", "caption_language": "en", "second_language": "", "caption_size": "100"}
    choices |= {"caption_colours": "white-on-black", "caption_opacity": "75", "description_voice": "screen-reader"}
    choices |= {"autoscroll": "y", "rendition": "video"}
    assert post(client, f"{UNIT}/player", choices, token_from=UNIT).status_code == 302
    assert 'data-speed="1.5"' in client.get(UNIT).get_data(as_text=True)


def test_an_edit_to_the_course_shows_on_kept_pages(app, client, db, learner):
    for _ in range(2):
        assert "Speaking to a Room" not in client.get(f"/courses/{SLUG}").get_data(as_text=True)
    course = db.scalars(select(Course).where(Course.slug == SLUG)).one()
    course.title = "Speaking to a Room"
    db.commit()
    for url in ("/", f"/courses/{SLUG}", "/my-learning", UNIT):
        assert "Speaking to a Room" in client.get(url).get_data(as_text=True), url


def test_each_session_gets_its_own_csrf_token_on_a_kept_page(app, client, learner):
    """Another sign-in of the same person is served the kept page with its own session's token,
    and a form sent with it works."""
    client.get(UNIT).close()
    mine = TOKEN.search(client.get(UNIT).get_data(as_text=True)).group(1)
    other = app.test_client()
    post(other, "/login", {"email": learner, "password": PASSWORD})
    html = other.get(UNIT).get_data(as_text=True)
    theirs = TOKEN.search(html).group(1)
    assert "sala-csrf-token" not in html and "\x00" not in html
    with client.session_transaction() as a, other.session_transaction() as b:
        assert a["csrf_token"] != b["csrf_token"]
    assert theirs != mine
    answer = other.post(f"{UNIT}/done", data={"csrf_token": theirs})
    assert answer.status_code == 302


def test_a_flashed_message_is_shown_once_and_never_kept(app, client, learner):
    answer = post(client, f"/courses/{SLUG}/enrol", token_from=f"/courses/{SLUG}")
    assert answer.status_code == 302
    assert "You were already enrolled" in client.get(f"/courses/{SLUG}").get_data(as_text=True)
    assert "You were already enrolled" not in client.get(f"/courses/{SLUG}").get_data(as_text=True)
    assert "You were already enrolled" not in client.get(f"/courses/{SLUG}").get_data(as_text=True)


def test_one_learners_page_never_reaches_another(app, client, learner):
    client.get("/my-learning").close()
    client.get("/my-learning").close()
    make_user(app, email="other@example.org", name="Chan Thida")
    other = app.test_client()
    post(other, "/login", {"email": "other@example.org", "password": PASSWORD})
    page = other.get("/my-learning").get_data(as_text=True)
    assert "Chan Thida" in page and "Sok Dara" not in page


def test_trainers_pages_are_always_rendered(app, client):
    """A trainer's pages show other people's data: never kept."""
    sign_in_as(app, client, role="trainer")
    client.get(f"/courses/{SLUG}").close()
    assert len(statements_of_get(app, client, f"/courses/{SLUG}")) > 2


def test_bulk_writes_bump_the_right_versions(app, db, learner):
    """A bulk insert naming its learners bumps them; a bulk update of their rows, whose rows are
    not known, bumps the publication version; a rendition's progress bumps nothing."""
    user_id = db.scalar(select(User.id).where(User.email == learner))
    unit_id = db.scalar(select(Unit.id).where(Unit.slug == "why-we-speak"))
    before, published = _version(db, learner), publication.current(db)
    db.execute(insert(UnitProgress), [{"user_id": user_id, "unit_id": unit_id, "completed_at": utcnow()}])
    db.commit()
    assert (_version(db, learner), publication.current(db)) == (before + 1, published)
    db.execute(update(Enrollment).where(Enrollment.user_id == user_id).values(completed_at=utcnow()))
    db.commit()
    assert publication.current(db) == published + 1
    db.execute(update(Rendition).where(Rendition.id == -1).values(progress=50))
    db.commit()
    assert publication.current(db) == published + 1


def test_a_request_that_writes_keeps_nothing_it_rendered(app, client, db, learner):
    """Opening the quiz starts an attempt (a write): that view is not kept; the next one is."""
    client.get(f"/courses/{SLUG}/quiz").close()
    statements = statements_of_get(app, client, f"/courses/{SLUG}/quiz")
    assert len(statements) > 2  # rendered: the first view started the attempt
    assert len(statements_of_get(app, client, f"/courses/{SLUG}/quiz")) <= 2


def test_no_pages_are_kept_when_the_cache_is_off(app, client, learner):
    app.config["PERSONAL_PAGE_CACHE_BYTES"] = 0
    client.get("/my-learning").close()
    assert len(statements_of_get(app, client, "/my-learning")) > 2


def test_the_cache_stays_within_its_bytes(app, client, learner):
    from lms.personal_pages import store

    app.config["PERSONAL_PAGE_CACHE_BYTES"] = 60_000
    app.extensions.pop("lms.personal_pages", None)
    for url in PAGES * 2:
        client.get(url).close()
    with app.app_context():
        pages = store()._pages
        assert 0 < pages.currsize <= 60_000 and len(pages) < len(PAGES)


def test_certificates_service_revoke_bumps_the_owner(app, db, learner):
    code = issue_certificate(db, learner)
    before = _version(db, learner)
    cert = db.scalars(select(Certificate).where(Certificate.code == code)).one()
    certificates.revoke(db, cert, "Wrong name")
    db.commit()
    assert _version(db, learner) == before + 1


# --- What the key must hold besides the versions: the host, the raw query ---


@pytest.fixture
def proxied(app_with):
    """An app behind a trusted proxy that answers to two host names (no BASE_URL): public links
    name the host each request came through (lms.config.public_base_url)."""
    return app_with(
        TRUSTED_PROXIES=1, TRUSTED_HOSTS="sala.example.org, www.sala.example.org", PUBLICATION_CHECK_SECONDS=0
    )


def _through(host: str) -> dict[str, str]:
    return {"X-Forwarded-Host": host, "X-Forwarded-Proto": "http"}


def test_the_certificate_page_names_the_host_it_was_asked_through(proxied):
    """Behind a trusted proxy with two host names, the certificate page's verification link and QR
    name the host of the request. A page kept from a visit through one host was served for the
    other, with the first host's link and QR code."""
    make_user(proxied, email="dara@example.org")
    client = proxied.test_client()
    first = _through("sala.example.org")
    html = client.get("/login", headers=first).get_data(as_text=True)
    signed_in = client.post(
        "/login",
        data={"email": "dara@example.org", "password": PASSWORD, "csrf_token": TOKEN.search(html).group(1)},
        headers=first,
    )
    assert signed_in.status_code == 302
    client.get("/certificates", headers=first).close()  # shows the "signed in" message, if any
    with proxied.app_context():
        db = proxied.extensions["lms.sessionmaker"]()
        user = db.scalars(select(User).where(User.email == "dara@example.org")).one()
        course = db.scalars(select(Course).where(Course.slug == SLUG)).one()
        code = certificates.issue(db, user, course).code
        db.commit()
        db.close()
    for _ in range(2):  # the second is served from the kept pages
        page = client.get(f"/certificates/{code}", headers=first).get_data(as_text=True)
        assert f"http://sala.example.org/verify/{code}" in page
    other = client.get(f"/certificates/{code}", headers=_through("www.sala.example.org")).get_data(as_text=True)
    assert f"http://www.sala.example.org/verify/{code}" in other
    assert f"http://sala.example.org/verify/{code}" not in other


def test_a_query_that_is_not_utf8_is_answered_as_the_view_answers_it(app, client, learner):
    """A raw byte that is not UTF-8 in the query (sent by a broken client or a bot, never by a
    browser, which percent-encodes) made every kept page answer 500: the key decoded the query
    strictly (request.full_path). The view itself reads such a query (request.args replaces what
    it cannot decode), so the page answers as it would without the cache."""
    raw = {"QUERY_STRING": "from=\xff"}
    for url in ("/my-learning", "/certificates", f"/courses/{SLUG}"):
        assert client.get(url, environ_overrides=raw).status_code == 200, url
        assert client.get(url, environ_overrides=raw).status_code == 200, url


def test_a_query_that_is_not_utf8_is_answered_on_a_visitors_page(app):
    """The visitors' page cache keyed its pages the same way (lms.visitor_pages)."""
    visitor = app.test_client()
    raw = {"QUERY_STRING": "from=\xff"}
    for url in ("/", f"/courses/{SLUG}"):
        assert visitor.get(url, environ_overrides=raw).status_code == 200, url
        assert visitor.get(url, environ_overrides=raw).status_code == 200, url


def _get_at_once(app, client, url: str, n: int = 6, cookies: bool = True) -> list[tuple[int, str]]:
    """(status, body) of `n` GETs of `url` sent at the same moment to a threaded server, with
    `client`'s cookies (the same signed-in learner in n tabs) or none (n visitors)."""
    import http.client
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from werkzeug.serving import make_server

    # Flask-Login's "strong" session protection ties the session to the browser's User-Agent.
    headers = {"Host": "localhost", "User-Agent": client.get("/login").request.headers["User-Agent"]}
    if cookies:
        headers["Cookie"] = "; ".join(f"{c.key}={c.value}" for c in client._cookies.values())
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    start = threading.Barrier(n)

    def get(_i: int) -> tuple[int, str]:
        conn = http.client.HTTPConnection("127.0.0.1", server.server_port, timeout=60)
        start.wait()
        conn.request("GET", url, headers=headers)
        response = conn.getresponse()
        body = response.read().decode()
        conn.close()
        return response.status, body

    try:
        with ThreadPoolExecutor(n) as pool:
            return list(pool.map(get, range(n)))
    finally:
        server.shutdown()


def test_a_learners_page_missed_by_several_requests_at_once_is_rendered_once(app, client, learner, monkeypatch):
    """Tabs (or a worker's threads) asking for a page nobody has kept yet wait for the first
    render instead of each rendering it (lms.single_flight)."""
    from lms import personal_pages

    renders = []
    render_and_keep = personal_pages._render_and_keep

    def slow(*args, **kwargs):
        renders.append(1)
        time.sleep(0.3)  # every other request arrives meanwhile
        return render_and_keep(*args, **kwargs)

    client.get(UNIT).close()  # records the visit (a write: that answer is never kept)
    app.extensions.pop("lms.personal_pages")  # a worker that has kept nothing yet
    monkeypatch.setattr(personal_pages, "_render_and_keep", slow)
    answers = _get_at_once(app, client, UNIT)
    assert [status for status, _ in answers] == [200] * len(answers)
    assert len({TOKEN.sub("", body) for _, body in answers}) == 1
    assert "Why we speak" in answers[0][1]
    assert len(renders) == 1


def test_a_visitors_page_missed_by_several_requests_at_once_is_rendered_once(app, client, monkeypatch):
    from lms.catalog import views

    renders = []
    render_template = views.render_template

    def slow(name, **context):
        if name == "catalog/course.html":
            renders.append(name)
        time.sleep(0.3)
        return render_template(name, **context)

    monkeypatch.setattr(views, "render_template", slow)
    answers = _get_at_once(app, client, f"/courses/{SLUG}", cookies=False)
    assert [status for status, _ in answers] == [200] * len(answers)
    assert len({body for _, body in answers}) == 1
    assert len(renders) == 1
