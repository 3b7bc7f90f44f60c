"""Two people editing the same course, unit, caption or question: the second save never silently
overwrites the first; it gets a 409 page with both versions and keeps its text (issue 10, part 5)."""

from __future__ import annotations

import re

import pytest

from lms.models import CaptionTrack, Course, Question, Unit
from tests.helpers import (
    SRT,
    add_single,
    assert_page_structure,
    choice_rows,
    confirm_upload,
    hidden_version,
    load,
    new_course,
    new_unit,
    open_form,
    post,
    questions,
    quiz_url,
    sign_in_as,
    upload_captions,
    value,
)


@pytest.fixture
def two_editors(app, client):
    """The course's owner in `client` and an admin in a second browser."""
    sign_in_as(app, client, name="Trainer Sophea")
    other = app.test_client()
    sign_in_as(app, other, role="admin", name="Admin Dara")
    return client, other


def _course_data(**extra):
    data = {
        "title": "First Aid Basics",
        "slug": "",
        "summary": "Help in the first minutes.",
        "language": "en",
        "outcomes": "Check for danger\nCall for help",
        "estimated_minutes": "40",
    }
    data.update(extra)
    return data


def _assert_conflict_page(r, mine: str, theirs: str) -> str:
    assert r.status_code == 409
    html = r.get_data(as_text=True)
    assert re.search(r"<title>Error: [^<]*changed by someone else", html), html[:600]
    assert re.search(r"<h1>[^<]*changed by someone else</h1>", html)
    assert "Their version, saved now" in html and "Your version, not saved" in html
    assert html.count(mine) >= 2, "yours shown in the comparison and kept in the form"
    assert theirs in html
    assert_page_structure(html)
    return html


def test_second_course_save_gets_conflict_page_and_keeps_its_text(app, two_editors):
    """Both open the course form; the first save wins, the second is told and loses nothing."""
    first, second = two_editors
    course_id = new_course(first)
    url = f"/teach/courses/{course_id}/edit"
    a, b = open_form(first, url), open_form(second, url)
    assert first.post(url, data={**a, **_course_data(summary="Theirs: first minutes matter.")}).status_code == 302
    r = second.post(url, data={**b, **_course_data(summary="Mine: keep calm and call for help.")})
    html = _assert_conflict_page(r, "Mine: keep calm and call for help.", "Theirs: first minutes matter.")
    assert load(app, Course, course_id).summary == "Theirs: first minutes matter."
    # The page carries the new version: sending it again saves mine over theirs, knowingly.
    newer = hidden_version(html)
    assert newer is not None and int(newer) > int(b["version"])
    r = second.post(url, data={**b, "version": newer, **_course_data(summary="Mine: keep calm and call for help.")})
    assert r.status_code == 302
    assert load(app, Course, course_id).summary == "Mine: keep calm and call for help."


def test_second_unit_save_gets_conflict_page_and_nothing_is_lost(app, two_editors):
    """Two trainers editing one unit no longer overwrite each other silently."""
    first, second = two_editors
    course_id = new_course(first)
    unit_id = new_unit(first, course_id, "Check for danger", body="Look around first.")
    url = f"/teach/units/{unit_id}/edit"
    a, b = open_form(first, url), open_form(second, url)
    data = {"title": "Check for danger", "slug": "", "summary": "", "estimated_minutes": "10", "save": "Save unit"}
    assert first.post(url, data={**a, **data, "body_md": "Look for traffic, fire and wires."}).status_code == 302
    r = second.post(url, data={**b, **data, "body_md": "Stop. Look. Listen before you go near."})
    html = _assert_conflict_page(r, "Stop. Look. Listen before you go near.", "Look for traffic, fire and wires.")
    assert 'value="Save my version"' in html
    assert load(app, Unit, unit_id).body_md == "Look for traffic, fire and wires."
    r = second.post(url, data={**b, **data, "version": hidden_version(html), "body_md": "Stop. Look. Listen."})
    assert r.status_code == 302 and load(app, Unit, unit_id).body_md == "Stop. Look. Listen."


def test_unit_form_without_its_version_is_a_conflict_not_an_overwrite(app, two_editors):
    """A save that does not say which version it edits is shown both versions, never applied blind."""
    first, _second = two_editors
    course_id = new_course(first)
    unit_id = new_unit(first, course_id, "Breathing", body="Tilt the head back.")
    url = f"/teach/units/{unit_id}/edit"
    fields = open_form(first, url)
    fields.pop("version")
    data = {"title": "Breathing", "estimated_minutes": "10", "body_md": "Changed", "save": "Save unit", **fields}
    r = first.post(url, data=data)
    assert r.status_code == 409 and load(app, Unit, unit_id).body_md == "Tilt the head back."


def _track(app, client, course_id):
    unit_id = new_unit(client, course_id, "Speaking")
    r = upload_captions(client, unit_id, SRT.encode("utf-8"))
    r = confirm_upload(client, unit_id, r.headers["Location"])
    return int(r.headers["Location"].rsplit("/", 1)[1])


def test_second_cue_save_gets_conflict_page(app, two_editors):
    """Two people correcting captions of one track: the second is told, with both texts."""
    first, second = two_editors
    course_id = new_course(first)
    track_id = _track(app, first, course_id)
    url = f"/teach/tracks/{track_id}/cues/2/edit"
    a, b = open_form(first, url), open_form(second, url)
    times = {"start": "00:00:03.786", "end": "00:00:06.903"}
    assert first.post(url, data={**a, **times, "text": "Why people speak in public."}).status_code == 302
    r = second.post(url, data={**b, **times, "text": "Why we all speak in public."})
    html = _assert_conflict_page(r, "Why we all speak in public.", "Why people speak in public.")
    assert "You were editing caption 2 of 3." in html
    vtt = load(app, CaptionTrack, track_id).vtt
    assert "Why people speak in public." in vtt and "Why we all speak" not in vtt
    r = second.post(url, data={**b, **times, "version": hidden_version(html), "text": "Why we all speak in public."})
    assert r.status_code == 302 and "Why we all speak in public." in load(app, CaptionTrack, track_id).vtt


def test_seventeen_stale_cue_saves_are_each_saved_or_told(app, two_editors):
    """The probe's finding, sequentially: 17 edits opened at one version; one saves, 16 are told."""
    first, _second = two_editors
    course_id = new_course(first)
    track_id = _track(app, first, course_id)
    url = f"/teach/tracks/{track_id}/cues/3/edit"
    opened = open_form(first, url)
    statuses = []
    for n in range(17):
        r = first.post(url, data={**opened, "start": "00:00:07.000", "end": "00:00:38.900", "text": f"Edit {n}"})
        statuses.append(r.status_code)
    assert statuses == [302] + [409] * 16
    assert "Edit 0" in load(app, CaptionTrack, track_id).vtt


def test_second_question_save_gets_conflict_page(app, two_editors):
    """Two trainers editing one question: the second sees both versions, choices included."""
    first, second = two_editors
    course_id = new_course(first)
    post(first, quiz_url(course_id), {"title": "Check", "pass_mark": "70", "max_attempts": "3"})
    assert add_single(first, course_id).status_code == 302
    (question_id, *_rest) = questions(app, course_id)[0]
    url = quiz_url(course_id, f"/questions/{question_id}")
    a, b = open_form(first, url), open_form(second, url)
    base = {"prompt": "Which number is even?", "feedback": "", "title": ""}
    theirs = choice_rows([("Two", True, ""), ("Three", False, ""), ("Nine", False, "")])
    mine = choice_rows([("Two", True, ""), ("Seven", False, "")])
    assert first.post(url, data={**a, **base, **theirs}).status_code == 302
    r = second.post(
        url, data={**b, **base, **mine, "prompt": "Which number can be split into two equal whole numbers?"}
    )
    html = _assert_conflict_page(r, "Which number can be split into two equal whole numbers?", "Which number is even?")
    assert "3. Nine (not correct)" in html and "2. Seven (not correct)" in html
    assert [c[1] for c in questions(app, course_id)[0][3]] == ["Two", "Three", "Nine"]
    r = second.post(url, data={**b, **base, **mine, "version": hidden_version(html)})
    assert r.status_code == 302
    assert [c[1] for c in questions(app, course_id)[0][3]] == ["Two", "Seven"]
    assert value(app, lambda s: s.get(Question, question_id).version) == 3


def test_seventeen_parallel_cue_edits_are_all_kept_or_told(app, client):
    """17 editors save different cues of one track at once, over a real threaded server and a
    SQLite file: each save is either kept or answered 409; retrying each 409 as the page offers
    ("Save my version", with the version it carries) ends with all 17 edits in the track."""
    import http.client
    import threading
    from concurrent.futures import ThreadPoolExecutor
    from urllib.parse import urlencode

    from werkzeug.serving import make_server

    sign_in_as(app, client)
    course_id = new_course(client)
    unit_id = new_unit(client, course_id, "Seventeen")
    cues = "".join(f"{n}\n00:00:{n:02d},000 --> 00:00:{n:02d},900\nCue {n}\n\n" for n in range(1, 18))
    r = confirm_upload(client, unit_id, upload_captions(client, unit_id, cues.encode()).headers["Location"])
    track_id = int(r.headers["Location"].rsplit("/", 1)[1])
    opened = open_form(client, f"/teach/tracks/{track_id}/cues/1/edit")
    cookie = "; ".join(f"{c.key}={c.value}" for c in client._cookies.values())
    # Flask-Login's "strong" session protection ties the session to the browser's User-Agent.
    agent = client.get("/").request.headers["User-Agent"]

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    start = threading.Barrier(17)

    def save(n: int) -> list[int]:
        statuses, version = [], opened["version"]
        start.wait()
        for _try in range(40):
            conn = http.client.HTTPConnection("127.0.0.1", server.server_port, timeout=60)
            body = urlencode(
                {
                    "csrf_token": opened["csrf_token"],
                    "version": version,
                    "start": f"00:00:{n:02d}.000",
                    "end": f"00:00:{n:02d}.900",
                    "text": f"Corrected cue {n}",
                }
            )
            headers = {
                "Host": "localhost",
                "Cookie": cookie,
                "User-Agent": agent,
                "Content-Type": "application/x-www-form-urlencoded",
            }
            conn.request("POST", f"/teach/tracks/{track_id}/cues/{n}/edit", body, headers)
            response = conn.getresponse()
            html = response.read().decode()
            conn.close()
            statuses.append(response.status)
            if response.status != 409:
                assert response.getheader("Location", "").endswith(f"#cue-{n}"), response.getheader("Location")
                break
            assert f"Corrected cue {n}" in html  # the editor's text is kept on the conflict page
            version = hidden_version(html)
        return statuses

    try:
        with ThreadPoolExecutor(17) as pool:
            results = list(pool.map(save, range(1, 18)))
    finally:
        server.shutdown()
        thread.join()
    assert all(set(s[:-1]) <= {409} and s[-1] == 302 for s in results), results
    assert sum(len(s) for s in results) > 17, "the saves really did collide"
    vtt = load(app, CaptionTrack, track_id).vtt
    assert [n for n in range(1, 18) if f"Corrected cue {n}" not in vtt] == []
