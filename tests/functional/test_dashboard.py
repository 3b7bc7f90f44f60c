"""Course results for trainers: summary, learners, quiz item analysis, chart, table and CSV."""

from __future__ import annotations

import csv
import io
import re
from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from lms.db import get_session
from lms.models import Course, User
from tests.factories import PASSWORD, make_course, make_user
from tests.helpers import add_single, csrf_token, import_text, post, questions, quiz_url, statements_of_get

TRAINER = "trainer@example.org"


def sign_out(client):
    client.post("/logout", data={"csrf_token": csrf_token(client)})


def sign_in(client, email):
    return post(client, "/login", {"email": email, "password": PASSWORD})


class TableReader(HTMLParser):
    """Reads the text of every table cell, by table id."""

    def __init__(self):
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._table = self._row = self._cell = None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self._table = self.tables.setdefault(dict(attrs).get("id", ""), [])
        elif tag == "tr" and self._table is not None:
            self._row = []
            self._table.append(self._row)
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def tables(html: str) -> dict[str, list[list[str]]]:
    reader = TableReader()
    reader.feed(html)
    return reader.tables


def read_csv(response) -> list[list[str]]:
    """The rows of a CSV answer, which is then closed as a WSGI server closes it (a kept file)."""
    with response:
        assert response.status_code == 200 and response.mimetype == "text/csv"
        return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


@pytest.fixture
def course_id(app, auth):
    """A course owned by a signed-in trainer, with a quiz."""
    auth.as_new("trainer", email=TRAINER, name="Trainer Tola")
    with app.app_context():
        uid = get_session().scalars(select(User.id).where(User.email == TRAINER)).one()
    return make_course(app, uid, quiz=True)


# --- Access ----------------------------------------------------------------------------------------


def test_dashboard_signed_out_redirects_to_sign_in(app, client):
    """Signed out, every dashboard route sends you to sign in."""
    cid = make_course(app, None)
    for url in (
        "/dashboard",
        f"/dashboard/courses/{cid}",
        f"/dashboard/courses/{cid}/learners.csv",
        f"/dashboard/courses/{cid}/export.zip",
        "/dashboard/import",
    ):
        r = client.get(url)
        assert r.status_code == 302 and "/login" in r.headers["Location"], url


def test_dashboard_refuses_learners(app, client, auth):
    """A learner gets 403 on every dashboard route, with an accessible error page."""
    cid = make_course(app, None)
    auth.as_new("learner")
    for url in (
        "/dashboard",
        f"/dashboard/courses/{cid}",
        f"/dashboard/courses/{cid}/learners.csv",
        f"/dashboard/courses/{cid}/questions.csv",
        f"/dashboard/courses/{cid}/export.zip",
        "/dashboard/import",
    ):
        r = client.get(url)
        assert r.status_code == 403, url
        assert r.get_data(as_text=True).count("<h1") == 1


def test_trainer_cannot_read_another_trainers_dashboard(app, client, auth):
    """A trainer reading another trainer's course results or CSV gets 403."""
    other = make_user(app, email="other@example.org", name="Other", role="trainer")
    cid = make_course(app, other)
    auth.as_new("trainer")
    for url in (
        f"/dashboard/courses/{cid}",
        f"/dashboard/courses/{cid}/learners.csv",
        f"/dashboard/courses/{cid}/questions.csv",
        f"/dashboard/courses/{cid}/export.zip",
    ):
        assert client.get(url).status_code == 403, url


def test_admin_reads_any_course_dashboard(app, client, auth):
    """An admin can read the results of a course they do not own."""
    other = make_user(app, email="other@example.org", name="Other", role="trainer")
    cid = make_course(app, other)
    auth.as_new("admin")
    assert client.get(f"/dashboard/courses/{cid}").status_code == 200


def test_dashboard_index_lists_editable_courses(client, course_id):
    """The index lists the trainer's courses with links to results, quiz and zip."""
    html = client.get("/dashboard").get_data(as_text=True)
    assert "First Aid" in html and f"/dashboard/courses/{course_id}" in html and html.count("<h1") == 1


# --- Figures ---------------------------------------------------------------------------------------


def learner_takes_quiz(app, client, email, name, answers_by_index, done_units=True):
    """Register a learner, enrol, optionally finish the unit, and submit the quiz with chosen choice texts."""
    sign_out(client)
    make_user(app, email=email, name=name)
    sign_in(client, email)
    post(client, "/courses/first-aid/enrol", token_from="/courses/first-aid")
    if done_units:
        with app.app_context():
            from lms.services import progress

            session = get_session()
            user = session.scalars(select(User).where(User.email == email)).one()
            course = session.scalars(select(Course).where(Course.slug == "first-aid")).one()
            progress.mark_done(session, user, course.units[0])
            session.commit()
    if answers_by_index is None:
        return
    page = client.get("/courses/first-aid/quiz").get_data(as_text=True)
    url = re.search(r'action="(/courses/first-aid/quiz/attempts/\d+)"', page).group(1)
    with app.app_context():
        course = get_session().scalars(select(Course).where(Course.slug == "first-aid")).one()
        data = {}
        for q, answer in zip(course.quiz.questions, answers_by_index, strict=False):
            if q.type == "short_text":
                data[f"q-{q.id}"] = answer
            else:
                data[f"q-{q.id}"] = [str(c.id) for c in q.choices if c.text in answer]
    r = post(client, url, data, token_from="/courses/first-aid/quiz")
    assert r.status_code == 302, r.get_data(as_text=True)


def test_csv_cells_starting_with_formula_characters_are_quoted(app, client, course_id):
    """A learner named like a formula appears in the CSV prefixed with a quote, not as a formula."""
    add_single(client, course_id)
    learner_takes_quiz(app, client, "evil@example.org", '=HYPERLINK("http://x")', [["Two"]])
    sign_out(client)
    sign_in(client, TRAINER)
    rows = read_csv(client.get(f"/dashboard/courses/{course_id}/learners.csv"))
    assert rows[1][0] == '\'=HYPERLINK("http://x")'
    html = client.get(f"/dashboard/courses/{course_id}").get_data(as_text=True)
    assert "=HYPERLINK(&#34;http://x&#34;)" in html  # the page shows the name as typed


def test_dashboard_page_structure(client, course_id):
    """One h1, no skipped heading levels, and the chart is an img with a title and a table after it."""
    add_single(client, course_id)
    html = client.get(f"/dashboard/courses/{course_id}").get_data(as_text=True)
    levels = [int(n) for n in re.findall(r"<h([1-6])", html)]
    assert levels.count(1) == 1 and all(b - a <= 1 for a, b in zip(levels, levels[1:], strict=False))
    assert "Nobody has enrolled" in html


def test_done_when_trainer_fixes_gift_learner_takes_quiz_dashboard_shows_it(app, client, course_id):
    """GIFT with errors → fixed → imported; a learner takes it; the dashboard, its table and CSV agree."""
    broken = (
        "::Motive:: Which motive asks for a decision? {\n=To persuade\n~To inform#Not quite.\n~To motivate\n}\n\n"
        "::Match:: Match these {=a -> b =c -> d}\n\n"
        "::Capital:: Capital of Cambodia? {=Phnom Penh\n"
    )
    r = import_text(client, course_id, broken)
    html = r.get_data(as_text=True)
    assert r.status_code == 422
    assert '<a href="#text">Line 7:' in html and '<a href="#text">Line 9:' in html
    assert "::Capital:: Capital of Cambodia? {=Phnom Penh" in html
    assert questions(app, course_id) == []
    fixed = broken.replace("::Match:: Match these {=a -> b =c -> d}", "::Sky:: The sky is green. {F}") + "}\n"
    r = import_text(client, course_id, fixed)
    assert r.status_code == 302
    assert "3 questions were imported." in client.get(quiz_url(course_id)).get_data(as_text=True)

    learner_takes_quiz(app, client, "dara@example.org", "Sok Dara", [["To inform"], ["False"], "phnom penh"])
    learner_takes_quiz(
        app, client, "chenda@example.org", "Kim Chenda", [["To persuade"], ["True"], "Bangkok"], done_units=False
    )
    learner_takes_quiz(app, client, "vibol@example.org", "Vibol Ly", None, done_units=False)
    sign_out(client)
    sign_in(client, TRAINER)

    r = client.get(f"/dashboard/courses/{course_id}")
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert re.search(r"<dt>Enrolled</dt><dd>3</dd>", html)
    for label, value in (("Completed", "1"), ("In progress", "1"), ("Not started", "1"), ("Completion rate", "33%")):
        assert re.search(rf"<dt>{label}</dt><dd>{value}</dd>", html), label
    assert re.search(r"<dt>Average best quiz score</dt><dd>50%", html)
    assert '<svg role="img" aria-labelledby="chart-title chart-desc"' in html
    assert html.index("</svg>") < html.index('<table id="items">')
    # Every question was answered right by one learner of two: said once, not as "from 50% to 50%".
    assert '<desc id="chart-desc">3 questions, each 50% correct. The same figures' in html
    assert '<th scope="col">' in html and '<th scope="row">' in html and "<caption" in html

    page = tables(html)
    learners = {row[0]: row for row in page["learners"][1:]}
    assert learners["Sok Dara"][1:5] == ["Completed", "1 of 1", "66.7% (passed)", "1"]
    assert learners["Kim Chenda"][1:5] == ["In progress", "0 of 1", "33.3%", "1"]
    assert learners["Vibol Ly"][1:5] == ["Not started", "0 of 1", "no attempt", "0"]
    items = page["items"][1:]
    assert [row[1:] for row in items] == [
        ["2", "1", "50%", "To inform", "1"],
        ["2", "1", "50%", "True", "1"],
        ["2", "1", "50%", "Bangkok", "1"],
    ]

    learners_csv = read_csv(client.get(f"/dashboard/courses/{course_id}/learners.csv"))
    assert learners_csv[0][:6] == ["Name", "Email", "Units done", "Units in the course", "Best score (%)", "Attempts"]
    by_name = {row[0]: row for row in learners_csv[1:]}
    for name, row in learners.items():
        done, total = row[2].split(" of ")
        assert by_name[name][2:4] == [done, total]
        score = row[3].split("%")[0]
        assert by_name[name][4] == ("" if score == "no attempt" else score)
        assert by_name[name][5] == row[4]
        assert (by_name[name][7] != "") == (row[5] != "not yet")
    assert by_name["Sok Dara"][6:] == ["yes", by_name["Sok Dara"][7]] and by_name["Vibol Ly"][4] == ""

    items_csv = read_csv(client.get(f"/dashboard/courses/{course_id}/questions.csv"))
    assert [row[2:] for row in items_csv[1:]] == [
        ["2", "1", "50", "To inform", "1"],
        ["2", "1", "50", "True", "1"],
        ["2", "1", "50", "Bangkok", "1"],
    ]
    assert [row[2:5] for row in items_csv[1:]] == [[r[1], r[2], r[3].rstrip("%")] for r in items]


# --- Pages of learners -----------------------------------------------------------------------------


def _enrol_learners(app, course_id: int, n: int) -> None:
    """n learners named "Learner 000"… enrolled in the course (bulk inserts)."""
    from sqlalchemy import insert

    from lms.models import Enrollment
    from lms.models._types import utcnow

    with app.app_context():
        session = get_session()
        now = utcnow()
        session.execute(
            insert(User),
            [
                {"email": f"many{i}@example.org", "name": f"Learner {i:03d}", "password_hash": "x", "role": "learner"}
                | {"created_at": now}
                for i in range(n)
            ],
        )
        ids = session.scalars(select(User.id).where(User.email.like("many%"))).all()
        session.execute(insert(Enrollment), [{"user_id": u, "course_id": course_id, "enrolled_at": now} for u in ids])
        session.commit()


def _learner_names(html: str) -> list[str]:
    return [row[0] for row in tables(html)["learners"][1:]]


def test_learner_table_is_paginated_with_an_accessible_nav(app, client, course_id):
    """120 learners show 50 a page, a nav marks the current page with aria-current, and the summary and CSV cover all 120."""
    _enrol_learners(app, course_id, 120)
    first = client.get(f"/dashboard/courses/{course_id}").get_data(as_text=True)
    assert _learner_names(first) == [f"Learner {i:03d}" for i in range(50)]
    assert "120 learners enrolled" in first and "Showing 1 to 50, page 1 of 3" in first
    nav = first[first.index('<nav class="pagination"') : first.index("</nav>", first.index('<nav class="pagination"'))]
    assert 'aria-label="Pages of learners"' in nav and 'rel="prev"' not in nav
    assert (
        re.search(r'page=1#learners-title" aria-current="page"', nav)
        and f"/dashboard/courses/{course_id}?page=2" in nav
    )
    last = client.get(f"/dashboard/courses/{course_id}?page=3").get_data(as_text=True)
    assert _learner_names(last) == [f"Learner {i:03d}" for i in range(100, 120)] and 'rel="next"' not in last
    assert "Showing 101 to 120, page 3 of 3" in last
    # Past the last page, or not a number: the nearest real page, never an error.
    assert _learner_names(client.get(f"/dashboard/courses/{course_id}?page=9").get_data(as_text=True)) == (
        _learner_names(last)
    )
    assert _learner_names(client.get(f"/dashboard/courses/{course_id}?page=x").get_data(as_text=True)) == (
        _learner_names(first)
    )
    assert len(read_csv(client.get(f"/dashboard/courses/{course_id}/learners.csv"))) == 121


def test_one_page_of_learners_has_no_pagination_nav(app, client, course_id):
    """A course with 50 learners or fewer shows them all with no page links."""
    _enrol_learners(app, course_id, 3)
    html = client.get(f"/dashboard/courses/{course_id}").get_data(as_text=True)
    assert len(_learner_names(html)) == 3 and 'class="pagination"' not in html


def test_page_links_keep_first_last_and_neighbours_with_gaps_marked():
    """The page nav links the first and last pages and two either side of the current one; None marks a gap."""
    from lms.dashboard.views import page_links

    assert page_links(1, 1) == [1]
    assert page_links(1, 3) == [1, 2, 3]
    assert page_links(10, 200) == [1, None, 8, 9, 10, 11, 12, None, 200]
    assert page_links(4, 7) == [1, 2, 3, 4, 5, 6, 7]
    assert page_links(200, 200) == [1, None, 198, 199, 200]


def _statements(app, client, url: str) -> list[str]:
    return [statement.lower() for statement in statements_of_get(app, client, url)]


def test_a_repeat_view_reuses_the_figures_until_something_in_them_changes(app, client, course_id):
    """A second view reads no learner or attempt; an enrolment, a unit done in another session (as
    the job worker or a second server would) and a renamed learner each show on the next view.
    (The report memo, measured without the kept pages of lms.personal_pages.)"""
    app.config["PERSONAL_PAGE_CACHE_BYTES"] = 0
    url = f"/dashboard/courses/{course_id}"
    learner_takes_quiz(app, client, "dara@example.org", "Sok Dara", None, done_units=True)
    sign_out(client)
    sign_in(client, TRAINER)
    first = client.get(url).get_data(as_text=True)
    assert re.search(r"<dt>Enrolled</dt><dd>1</dd>", first) and re.search(r"<dt>In progress</dt><dd>1</dd>", first)
    again = _statements(app, client, url)
    assert len(again) <= 9, again
    assert not any("from attempts" in s or "unit_progress" in s for s in again), again

    learner_takes_quiz(app, client, "chenda@example.org", "Kim Chenda", None, done_units=False)
    sign_out(client)
    sign_in(client, TRAINER)
    html = client.get(url).get_data(as_text=True)
    assert re.search(r"<dt>Enrolled</dt><dd>2</dd>", html) and re.search(r"<dt>Not started</dt><dd>1</dd>", html)
    client.get(url).close()

    with app.app_context():
        session = get_session()
        session.scalars(select(User).where(User.email == "chenda@example.org")).one().name = "Kim Chenda Sok"
        session.commit()
    assert "Kim Chenda Sok" in client.get(url).get_data(as_text=True)


def test_the_kept_results_page_shows_a_change_and_still_checks_who_may_read_it(app, client, course_id):
    """A trainer's results page is kept (lms.personal_pages) with its figures' stamp: a learner's
    enrolment shows on the next view once the check interval has passed (here 0), and a trainer
    who is no longer assigned to the course is refused, though their page was kept."""
    from lms.services import roles

    app.config["PUBLICATION_CHECK_SECONDS"] = 0
    url = f"/dashboard/courses/{course_id}"
    second = app.test_client()
    make_user(app, email="sophea@example.org", name="Trainer Sophea", role="trainer")
    admin = make_user(app, email="admin@example.org", name="Admin Dara", role="admin")
    with app.app_context():
        session = get_session()
        course = session.get(Course, course_id)
        roles.assign_trainer(
            session,
            session.get(User, admin),
            course,
            session.scalars(select(User.id).where(User.email == "sophea@example.org")).one(),
        )
        session.commit()
    sign_in(second, "sophea@example.org")
    assert re.search(r"<dt>Enrolled</dt><dd>0</dd>", second.get(url).get_data(as_text=True))
    kept = _statements(app, second, url)
    assert not any("from attempts" in s or "from choices" in s for s in kept), kept  # nothing rendered

    learner_takes_quiz(app, client, "dara@example.org", "Sok Dara", None, done_units=False)
    assert re.search(r"<dt>Enrolled</dt><dd>1</dd>", second.get(url).get_data(as_text=True))

    with app.app_context():
        session = get_session()
        course = session.get(Course, course_id)
        sophea = session.scalars(select(User.id).where(User.email == "sophea@example.org")).one()
        roles.unassign_trainer(session, session.get(User, admin), course, sophea)
        session.commit()
    assert second.get(url).status_code == 403


def test_a_trainers_access_is_kept_and_ends_at_once_when_they_are_removed_or_demoted(app, client, course_id):
    """A repeat view of the results page and the CSV does not ask again who may read them (no
    query of course_trainers), yet removing the trainer from the course, or making them a learner,
    refuses their very next view: both grow their page version, which the kept answer is under.
    The publication version is not read again meanwhile (a check interval of an hour)."""
    from lms.services import roles

    app.config["PUBLICATION_CHECK_SECONDS"] = 3600
    page, csv = f"/dashboard/courses/{course_id}", f"/dashboard/courses/{course_id}/learners.csv"
    sophea = make_user(app, email="sophea@example.org", name="Trainer Sophea", role="trainer")
    admin = make_user(app, email="admin@example.org", name="Admin Dara", role="admin")

    def assign(assigned: bool) -> None:
        with app.app_context():
            session = get_session()
            change = roles.assign_trainer if assigned else roles.unassign_trainer
            change(session, session.get(User, admin), session.get(Course, course_id), sophea)
            session.commit()

    assign(True)
    client = app.test_client()  # the fixture's is the course owner's
    sign_in(client, "sophea@example.org")
    for url in (page, csv):
        for _ in range(2):  # the first shows the sign-in message, so the second is the one kept
            client.get(url).close()
        seen = _statements(app, client, url)
        assert not any("course_trainers" in s for s in seen), (url, seen)
    assign(False)
    assert client.get(page).status_code == 403
    assert client.get(csv).status_code == 403
    assign(True)
    assert client.get(page).status_code == 200
    with app.app_context():
        get_session().get(User, sophea).role = "learner"
        get_session().commit()
    assert client.get(page).status_code == 403
    assert client.get(csv).status_code == 403


def test_the_learners_csv_is_kept_on_disk_until_what_it_shows_changes(app, client, course_id, monkeypatch):
    """A second download is the kept file (no learner is read); an enrolment made in another
    session gives a new file, and the older one is removed."""
    from pathlib import Path

    from lms.services import result_files

    monkeypatch.setattr(result_files, "SENDING_SECONDS", -1)
    app.config["PUBLICATION_CHECK_SECONDS"] = 0
    url = f"/dashboard/courses/{course_id}/learners.csv"
    folder = Path(app.config["CACHE_DIR"]) / "results"
    learner_takes_quiz(app, client, "dara@example.org", "Sok Dara", None, done_units=True)
    sign_out(client)
    sign_in(client, TRAINER)
    first = read_csv(client.get(url))
    assert [row[0] for row in first[1:]] == ["Sok Dara"]
    again = _statements(app, client, url)
    assert not any("order by users.name" in s for s in again), again
    assert read_csv(client.get(url)) == first and len(list(folder.iterdir())) == 1

    learner_takes_quiz(app, client, "chenda@example.org", "Kim Chenda", None, done_units=False)
    sign_out(client)
    sign_in(client, TRAINER)
    assert sorted(row[0] for row in read_csv(client.get(url))[1:]) == ["Kim Chenda", "Sok Dara"]
    assert len(list(folder.iterdir())) == 1
