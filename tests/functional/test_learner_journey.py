"""The learner's path through the Flask test client: catalog → enrol → units → quiz → certificate."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from lms.models import Attempt, Certificate, Enrollment, UnitProgress
from tests.factories import PASSWORD, make_user
from tests.helpers import complete_units, course_data, csrf_token, post, submit_quiz

SLUG = "public-speaking"


def test_catalog_lists_courses_signed_out(client):
    """The catalog needs no sign-in and lists the three shipped courses."""
    html = client.get("/").get_data(as_text=True)
    for title in ("Public Speaking", "Youth Rights at Work", "Telling Impact Stories"):
        assert title in html


def test_course_page_shows_outcomes_units_and_sign_in_prompt(client):
    """Signed out, a course page shows outcomes and units and invites sign-in to enrol."""
    r = client.get(f"/courses/{SLUG}")
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert "What you will learn" in html and "Sign in to enrol" in html
    assert html.count("<li>\n    <h3>") >= 3


def test_register_creates_the_account_then_sign_in(client):
    """Registering creates the account and sends the person to sign in, where the new password works."""
    r = post(
        client,
        "/register",
        {"name": "Chenda Kim", "email": "Chenda@Example.org", "password": PASSWORD, "confirm": PASSWORD},
    )
    assert r.status_code == 302 and r.headers["Location"].startswith("/login")
    assert "its account is ready" in client.get(r.headers["Location"]).get_data(as_text=True)
    assert post(client, "/login", {"email": "chenda@example.org", "password": PASSWORD}).status_code == 302
    assert "Signed in as Chenda Kim" in client.get("/").get_data(as_text=True)


def test_register_with_taken_email_reads_the_same_as_a_new_one(app, client, auth, db):
    """An address that has an account gets the same answer as a new one (no enumeration), and no second account
    or changed password."""
    from lms.models import User

    auth.as_new()
    client.post("/logout", data={"csrf_token": csrf_token(client)})

    def answer(email):
        r = post(
            client,
            "/register",
            {"name": "X", "email": email, "password": "another long passphrase", "confirm": "another long passphrase"},
        )
        page = client.get(r.headers["Location"]).get_data(as_text=True)
        return r.status_code, r.headers["Location"], re.sub(r'value="[^"]*"', "", page)

    assert answer("LEARNER@example.org") == answer("someone.new@example.org")
    assert db.scalar(select(func.count()).select_from(User).where(User.email == "learner@example.org")) == 1
    assert post(client, "/login", {"email": "learner@example.org", "password": PASSWORD}).status_code == 302


def test_register_errors_are_summarised_and_tied_to_fields(client):
    """Missing fields give an error summary linking to each field and aria-describedby on inputs."""
    r = post(client, "/register", {"name": "", "email": "not-an-email", "password": "short", "confirm": "x"})
    html = r.get_data(as_text=True)
    assert r.status_code == 400
    for field in ("name", "email", "password", "confirm"):
        assert f'href="#{field}"' in html
        assert f'id="{field}-error"' in html
    assert re.search(r'<input[^>]*aria-describedby="[^"]*name-error"[^>]*aria-invalid="true"', html) or re.search(
        r'<input[^>]*aria-invalid="true"[^>]*aria-describedby="[^"]*name-error"', html
    )


def test_wrong_password_and_unknown_account_read_the_same(client, auth):
    """Sign-in failure never reveals whether an account exists."""
    auth.as_new()
    client.post("/logout", data={"csrf_token": csrf_token(client)})
    wrong = post(client, "/login", {"email": "learner@example.org", "password": "nope nope nope"})
    unknown = post(client, "/login", {"email": "nobody@example.org", "password": "nope nope nope"})
    assert wrong.status_code == unknown.status_code == 400
    strip = lambda r: re.sub(r'value="[^"]*"', "", r.get_data(as_text=True))  # noqa: E731
    assert strip(wrong) == strip(unknown)


def test_forms_refuse_posts_without_csrf_token(client, auth):
    """A form posted without its CSRF token is refused with 400 and saves nothing."""
    auth.as_new()
    r = client.post(f"/courses/{SLUG}/enrol")
    assert r.status_code == 400
    assert "expired" in r.get_data(as_text=True)


def test_login_ignores_offsite_next(client, auth):
    """The next parameter never redirects to another site."""

    make_user(client.application, email="a@example.org")
    r = post(
        client, "/login?next=//evil.example/x", {"email": "a@example.org", "password": PASSWORD}, token_from="/login"
    )
    assert r.status_code == 302 and "evil" not in r.location


def test_unit_of_course_not_enrolled_is_forbidden(client, auth):
    """Opening a unit without enrolling gives 403 with a way to enrol."""
    auth.as_new()
    r = client.get(f"/courses/{SLUG}/units/why-we-speak")
    assert r.status_code == 403
    assert "not enrolled" in r.get_data(as_text=True)


def test_unknown_slugs_are_404(client, auth):
    """Unknown course, unit and media names give 404 pages, never 500."""
    auth.as_new()
    post(client, f"/courses/{SLUG}/enrol", token_from=f"/courses/{SLUG}")
    for url in (
        "/courses/nope",
        f"/courses/{SLUG}/units/nope",
        "/media/deadbeef.webm",
        "/courses/nope/quiz",
        "/certificates/ABCDE-ABCDE-ABCDE-ABCDE",
    ):
        assert client.get(url).status_code == 404, url


def test_enrolling_twice_keeps_one_enrolment(app, client, auth, db):
    """A second enrol post changes nothing."""
    auth.as_new()
    for _ in range(2):
        post(client, f"/courses/{SLUG}/enrol", token_from=f"/courses/{SLUG}")
    assert db.scalar(select(func.count(Enrollment.id))) == 1


def test_unit_page_has_video_tracks_and_transcript(client, auth):
    """The unit page has native controls, a track per caption file and a server-rendered transcript."""
    auth.as_new()
    post(client, f"/courses/{SLUG}/enrol", token_from=f"/courses/{SLUG}")
    html = client.get(f"/courses/{SLUG}/units/why-we-speak").get_data(as_text=True)
    assert "<video" in html and " controls" in html
    track = re.search(r'<track kind="captions" srclang="en" label="English" src="([^"]+)"', html)
    assert track
    vtt = client.get(track.group(1))
    assert vtt.mimetype == "text/vtt" and vtt.get_data(as_text=True).startswith("WEBVTT")
    cues = vtt.get_data(as_text=True).count("-->")
    # One time link per caption cue; the descriptions track adds its own rows, marked as such.
    descriptions = html.count('class="cue--description"')
    assert html.count('class="cue-time"') - descriptions == cues > 3
    assert "Download the transcript" in html


def test_transcript_downloads_as_text(client, auth):
    """The transcript comes as a plain-text attachment with a time per cue."""
    auth.as_new()
    post(client, f"/courses/{SLUG}/enrol", token_from=f"/courses/{SLUG}")
    r = client.get(f"/courses/{SLUG}/units/why-we-speak/transcript.txt?lang=en")
    assert r.status_code == 200 and r.mimetype == "text/plain"
    assert "attachment" in r.headers["Content-Disposition"]
    assert re.search(r"^\[0:0\d\] \w", r.get_data(as_text=True), re.M)


def test_media_answers_range_requests(client, auth):
    """Videos are served with 206 Partial Content so phones can seek."""
    auth.as_new()
    post(client, f"/courses/{SLUG}/enrol", token_from=f"/courses/{SLUG}")
    html = client.get(f"/courses/{SLUG}/units/why-we-speak").get_data(as_text=True)
    src = re.search(r'<video[^>]* src="([^"]+)"', html).group(1)
    with client.get(src, headers={"Range": "bytes=0-9"}) as r:
        assert r.status_code == 206 and len(r.data) == 10 and r.data[:4] == b"\x1a\x45\xdf\xa3"


def test_media_behind_nginx_is_handed_over_by_x_accel_redirect(app, client, auth):
    """With MEDIA_ACCEL_REDIRECT, an allowed learner gets an empty answer naming the file for nginx; others get no name."""
    app.config["MEDIA_ACCEL_REDIRECT"] = "/protected-media/"
    stranger = app.test_client()
    make_user(app, email="stranger@example.org")
    post(stranger, "/login", {"email": "stranger@example.org", "password": PASSWORD})
    auth.as_new()
    post(client, f"/courses/{SLUG}/enrol", token_from=f"/courses/{SLUG}")
    html = client.get(f"/courses/{SLUG}/units/why-we-speak").get_data(as_text=True)
    src = re.search(r'<video[^>]* src="([^"]+)"', html).group(1)
    r = client.get(src, headers={"Range": "bytes=0-9"})
    assert r.status_code == 200 and r.data == b"" and r.mimetype == "video/webm"
    assert r.headers["X-Accel-Redirect"] == "/protected-media/" + src.rsplit("/", 1)[1]
    assert r.headers["Cache-Control"].startswith("private")
    refused = stranger.get(src)
    assert refused.status_code == 403 and "X-Accel-Redirect" not in refused.headers
    missing = client.get("/media/deadbeef.webm")
    assert missing.status_code == 404 and "X-Accel-Redirect" not in missing.headers


def test_marking_done_twice_counts_once_and_resume_remembers(app, client, auth, db):
    """Marking a unit done is idempotent, and Continue returns to the last unit opened."""
    auth.as_new()
    post(client, f"/courses/{SLUG}/enrol", token_from=f"/courses/{SLUG}")
    units, _, _ = course_data(app, SLUG)
    for _ in range(2):
        post(client, f"/courses/{SLUG}/units/{units[0]}/done", token_from=f"/courses/{SLUG}/units/{units[0]}")
    assert db.scalar(select(func.count(UnitProgress.id)).where(UnitProgress.completed_at.is_not(None))) == 1
    client.get(f"/courses/{SLUG}/units/{units[2]}")
    assert client.get(f"/courses/{SLUG}/continue").location.endswith(units[2])
    html = client.get(f"/courses/{SLUG}").get_data(as_text=True)
    assert f"1 of {len(units)} units done" in html


def test_quiz_with_nothing_chosen_keeps_answers(app, client, auth, db):
    """Submitting with questions unanswered shows each error, keeps the answers given, counts nothing."""
    auth.as_new()
    post(client, f"/courses/{SLUG}/enrol", token_from=f"/courses/{SLUG}")
    _, answers, _ = course_data(app, SLUG)
    first_key = next(iter(answers))
    partial = {first_key: answers[first_key]}
    r, _url = submit_quiz(client, SLUG, partial)
    html = r.get_data(as_text=True)
    assert r.status_code == 422
    assert "There is a problem" in html and "<title>Error:" in html
    assert html.count('class="field__error"') == len(answers) - 1
    value = answers[first_key][0]
    # The answer given is still chosen (a choice input checked, or the typed text kept).
    assert re.search(rf'name="{re.escape(first_key)}" value="{re.escape(value)}" checked', html) or (
        not value.isdigit() and re.search(rf'name="{re.escape(first_key)}"[^>]*value="{re.escape(value)}"', html)
    ), html
    assert db.scalar(select(func.count(Attempt.id)).where(Attempt.submitted_at.is_not(None))) == 0


def test_quiz_tampered_choice_is_refused(app, client, auth, db):
    """A choice id from another question, or not a number, is a 400 and counts nothing."""
    auth.as_new()
    post(client, f"/courses/{SLUG}/enrol", token_from=f"/courses/{SLUG}")
    _, answers, _ = course_data(app, SLUG)
    keys = [k for k, v in answers.items() if v[0].isdigit()]
    # "²" and "٣" are digits to str.isdigit() but not to int(): they must be refused, not a 500.
    for bad in (answers[keys[1]], ["abc"], ["-1"], ["²"], ["٣"]):
        tampered = dict(answers)
        tampered[keys[0]] = bad
        r, _ = submit_quiz(client, SLUG, tampered)
        assert r.status_code == 400
        assert "not one of this question" in r.get_data(as_text=True)
    assert db.scalar(select(func.count(Attempt.id)).where(Attempt.submitted_at.is_not(None))) == 0


def test_quiz_double_submit_counts_once(app, client, auth, db):
    """Posting the same attempt twice grades it once."""
    auth.as_new()
    post(client, f"/courses/{SLUG}/enrol", token_from=f"/courses/{SLUG}")
    _, answers, wrong = course_data(app, SLUG)
    r, url = submit_quiz(client, SLUG, wrong)
    assert r.status_code == 302
    again = post(client, url, answers, token_from=f"/courses/{SLUG}")
    assert again.status_code == 302
    attempts = db.scalars(select(Attempt).where(Attempt.submitted_at.is_not(None))).all()
    assert len(attempts) == 1 and not attempts[0].passed


def test_quiz_attempt_limit_is_enforced(app, client, auth):
    """After the allowed failed attempts, the quiz closes with 403 and says why."""
    auth.as_new()
    post(client, f"/courses/{SLUG}/enrol", token_from=f"/courses/{SLUG}")
    _, _, wrong = course_data(app, SLUG)
    with app.app_context():
        from lms.db import get_session
        from lms.models import Course

        limit = get_session().scalars(select(Course).where(Course.slug == SLUG)).one().quiz.max_attempts
    for _ in range(limit):
        r, _ = submit_quiz(client, SLUG, wrong)
        result = client.get(r.location).get_data(as_text=True)
        assert "Not passed yet" in result
    r = client.get(f"/courses/{SLUG}/quiz")
    assert r.status_code == 403 and "used all" in r.get_data(as_text=True)


def test_result_page_gives_feedback_per_question(app, client, auth):
    """The result page states the score, pass or fail, and feedback per question in text."""
    auth.as_new()
    post(client, f"/courses/{SLUG}/enrol", token_from=f"/courses/{SLUG}")
    _, answers, _ = course_data(app, SLUG)
    r, _ = submit_quiz(client, SLUG, answers)
    html = client.get(r.location).get_data(as_text=True)
    assert "You passed: 100%" in html and "data-autofocus" in html
    assert html.count("correct</h3>") == len(answers)


def test_whole_journey_issues_a_verifiable_certificate(app, client, auth, db):
    """Units done and quiz passed give one certificate whose public page confirms name, course, date."""
    auth.as_new(name="Srey Pov")
    post(client, f"/courses/{SLUG}/enrol", token_from=f"/courses/{SLUG}")
    units, answers, _ = course_data(app, SLUG)
    r, _ = submit_quiz(client, SLUG, answers)
    assert db.scalar(select(func.count(Certificate.id))) == 0  # units not done yet
    complete_units(client, SLUG, units)
    cert = db.scalars(select(Certificate)).one()
    assert len(cert.code.replace("-", "")) * 5 >= 80
    html = client.get(f"/courses/{SLUG}").get_data(as_text=True)
    assert "You have completed this course" in html
    page = client.get(f"/certificates/{cert.code}").get_data(as_text=True)
    assert "Srey Pov" in page and "Public Speaking" in page
    client.post("/logout", data={"csrf_token": csrf_token(client)})
    verify = client.get(f"/verify?code={cert.code.lower().replace('-', ' ')}")
    assert verify.status_code == 302
    page = client.get(verify.location)
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "This certificate is genuine" in text
    assert "Srey Pov" in text and "Public Speaking" in text and str(cert.issued_at.year) in text


def test_verify_unknown_or_malformed_code_says_so(client):
    """Unknown and malformed codes answer 404 with a plain message."""
    for code in ("ABCDE-ABCDE-ABCDE-ABCDE", "x", "<script>", "' OR 1=1 --"):
        r = client.get("/verify", query_string={"code": code})
        assert r.status_code == 404
        assert "No certificate has this code" in r.get_data(as_text=True)
        assert "<script>" not in r.get_data(as_text=True).split("<main")[1]


def test_someone_elses_certificate_is_not_shown(app, client, auth, db):
    """A learner cannot open another learner's certificate page."""
    from lms.models import Course, User
    from lms.services import certificates

    auth.as_new(email="other@example.org")
    other = db.scalars(select(User).where(User.email == "other@example.org")).one()
    course = db.scalars(select(Course).where(Course.slug == SLUG)).one()
    cert = certificates.issue(db, other, course)
    db.commit()
    client.post("/logout", data={"csrf_token": csrf_token(client)})
    auth.as_new(email="me@example.org")
    assert client.get(f"/certificates/{cert.code}").status_code == 404


def test_logout_is_a_post(client, auth):
    """Signing out needs a POST with a CSRF token; a GET cannot sign anyone out."""
    auth.as_new()
    assert client.get("/logout").status_code == 405
    r = client.post("/logout", data={"csrf_token": csrf_token(client)})
    assert r.status_code == 302
    assert "You are not signed in" in client.get("/").get_data(as_text=True)


def test_pages_run_a_fixed_number_of_queries(app, client, auth, count_queries):
    """Course and unit pages load in a bounded number of queries, whatever the number of units."""
    auth.as_new()
    post(client, f"/courses/{SLUG}/enrol", token_from=f"/courses/{SLUG}")
    for url, limit in (("/", 4), (f"/courses/{SLUG}", 12), (f"/courses/{SLUG}/units/why-we-speak", 16)):
        with count_queries() as counter:
            assert client.get(url).status_code == 200
        assert counter.count <= limit, (url, counter.count)


def test_error_pages_use_the_layout_and_never_leak_traces(app, client):
    """An unexpected error renders the accessible 500 page without a stack trace."""

    @app.route("/boom")
    def boom():
        raise RuntimeError("secret detail")

    app.config["PROPAGATE_EXCEPTIONS"] = False
    r = client.get("/boom")
    html = r.get_data(as_text=True)
    assert r.status_code == 500
    assert "secret detail" not in html and "Traceback" not in html
    assert '<main id="main"' in html and "<h1>" in html


def test_my_learning_runs_the_same_queries_for_one_course_or_three(app, client, auth, count_queries):
    """The My learning page loads progress for all enrolments in a fixed number of queries."""
    auth.as_new()
    counts = []
    for slug in ("public-speaking", "youth-rights-at-work", "telling-impact-stories"):
        post(client, f"/courses/{slug}/enrol", token_from=f"/courses/{slug}")
        with count_queries() as counter:
            html = client.get("/my-learning").get_data(as_text=True)
        assert slug.replace("-", " ")[:6].lower() in html.lower()
        counts.append(counter.count)
    assert counts[0] == counts[1] == counts[2], counts
