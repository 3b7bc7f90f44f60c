"""The Khmer Public Speaking course through the Flask test client: its tracks and a whole journey."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from lms.models import Certificate
from tests.helpers import complete_units, course_data, post, submit_quiz

SLUG = "public-speaking-km"


def test_khmer_unit_has_khmer_captions_english_subtitles_and_descriptions(client, auth):
    """A Khmer unit offers Khmer captions, English subtitles and Khmer descriptions, each loading as WebVTT."""
    auth.as_new()
    post(client, f"/courses/{SLUG}/enrol", token_from=f"/courses/{SLUG}")
    html = client.get(f"/courses/{SLUG}/units/why-we-speak").get_data(as_text=True)
    tracks = {
        (m["kind"], m["lang"]): m["src"]
        for m in re.finditer(r'<track kind="(?P<kind>\w+)" srclang="(?P<lang>[\w-]+)"[^>]* src="(?P<src>[^"]+)"', html)
    }
    assert set(tracks) == {("captions", "km"), ("subtitles", "en"), ("descriptions", "km")}
    for src in tracks.values():
        vtt = client.get(src)
        assert vtt.mimetype == "text/vtt" and vtt.get_data(as_text=True).startswith("WEBVTT")
    assert "ស្លាយចំណងជើង" in client.get(tracks[("descriptions", "km")]).get_data(as_text=True)
    assert re.search(r'<h1( lang="km")?>ហេតុអ្វីយើងនិយាយ៖ គោលបំណងទាំងបួន</h1>', html)


def test_khmer_course_journey_issues_a_certificate(app, client, auth, db):
    """Units done and the Khmer quiz passed, with a Khmer short answer typed another accepted way,
    give one certificate that names the Khmer course."""
    auth.as_new(name="Srey Pov")
    post(client, f"/courses/{SLUG}/enrol", token_from=f"/courses/{SLUG}")
    units, answers, _ = course_data(app, SLUG)
    typed = [key for key, value in answers.items() if not value[0].isdigit()]
    assert len(typed) == 1 and answers[typed[0]] == ["លើកទឹកចិត្ត"]
    answers[typed[0]] = ["ដើម្បី លើកទឹកចិត្ត"]
    complete_units(client, SLUG, units)
    r, _ = submit_quiz(client, SLUG, answers)
    assert r.status_code in (200, 302), r.status_code
    cert = db.scalars(select(Certificate)).one()
    assert db.scalar(select(func.count(Certificate.id))) == 1
    page = client.get(f"/certificates/{cert.code}").get_data(as_text=True)
    assert "Srey Pov" in page and "ការនិយាយជាសាធារណៈ" in page
