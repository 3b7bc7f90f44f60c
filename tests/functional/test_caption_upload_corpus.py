"""Every file of the shared caption corpus, uploaded through the Teach page, gets the manifest's answer:
accepted with exactly the cues a browser would show, or rejected with a reason a trainer understands."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from lms.models import PendingCaption
from tests.helpers import ROOT, new_course, new_unit, post, sign_in_as, upload_captions

CORPUS = (ROOT / ".." / "shared" / "corpus").resolve()


def entries(folder: str, accepted_key: str):
    manifest = CORPUS / folder / "manifest.json"
    if not manifest.is_file():
        return [
            pytest.param(
                None,
                None,
                None,
                marks=pytest.mark.skip(
                    reason=f"shared corpus not found at {CORPUS}: it lives beside the clone and holds files "
                    "(some GPL) that are not copied into this repository"
                ),
            )
        ]
    files = json.loads(manifest.read_text())["files"]
    # Sala's deliberate departures from an upstream verdict (each says why) replace the manifest's answer.
    departures = json.loads((ROOT / "tests" / "data" / "captions" / "departures.json").read_text()).get(folder, {})
    files = [{**e, **{k: v for k, v in departures.get(e["file"], {}).items() if k != "why"}} for e in files]
    return [pytest.param(CORPUS / folder / e["file"], e[accepted_key], e["expected_cues"], id=e["file"]) for e in files]


@pytest.fixture
def unit_id(app, client):
    sign_in_as(app, client)
    return new_unit(client, new_course(client), "Talk")


def check(app, client, db, unit_id, path: Path, accepted: bool, cues: int):
    r = upload_captions(client, unit_id, path.read_bytes(), name=path.name)
    if not accepted:
        html = r.get_data(as_text=True)
        assert r.status_code == 422, (path.name, r.status_code)
        assert "This file was not stored" in html
        reasons = re.findall(r"<li[^>]*>(.*?)</li>", html.split("This file was not stored", 1)[-1], re.S)
        assert reasons and all(len(re.sub(r"<[^>]+>", "", x).strip()) > 10 for x in reasons[:1])
        assert db.scalar(select(PendingCaption)) is None
        return
    assert r.status_code == 302, (path.name, r.status_code, r.get_data(as_text=True)[:500])
    db.expire_all()
    pending = db.scalars(select(PendingCaption)).one()
    if cues is None:  # the manifest gives no count (the file is only known to be readable)
        cues = pending.cue_count
    assert pending.cue_count == cues, (path.name, pending.cue_count, cues)
    assert pending.vtt.startswith("WEBVTT") and pending.vtt.count("-->") == cues
    report = client.get(r.headers["Location"]).get_data(as_text=True)
    if cues == 0:
        # A browser shows nothing from such a file, so the report says it cannot be used.
        assert "Use these captions</button>" not in report and "holds no caption a player would show" in report


@pytest.mark.parametrize("path, accepted, cues", entries("webvtt/wpt", "accepted"))
def test_wpt_files_upload_as_a_browser_reads_them(app, client, db, unit_id, path, accepted, cues):
    """Each WPT WebVTT file: rejected for a bad signature, else accepted with the browser's cue count."""
    check(app, client, db, unit_id, path, accepted, cues)


@pytest.mark.parametrize("path, accepted, cues", entries("srt", "valid"))
def test_srt_fixtures_upload_as_expected(app, client, db, unit_id, path, accepted, cues):
    """Each SRT fixture (BOMs, UTF-16/32, Windows-1252, GB2312, broken files) gets the manifest's answer."""
    check(app, client, db, unit_id, path, accepted, cues)


def test_a_file_with_no_cues_is_reported_but_cannot_go_live(app, client, db, unit_id):
    """A valid WebVTT file with no cues reaches the report, which offers no way to use it; a forced
    confirm is refused and nothing goes live."""
    from lms.models import CaptionTrack

    r = upload_captions(client, unit_id, b"WEBVTT\n\n00:00:00.0 --> 00:00:01.0\nTeams-style times\n", name="t.vtt")
    assert r.status_code == 302
    report = client.get(r.headers["Location"]).get_data(as_text=True)
    # The report names the line and the fix a browser would need ("00:00:00.0" is not WebVTT).
    assert re.search(
        r"<strong>Line 3:</strong> the time &#34;00:00:00\.0&#34; is not valid .*Write it as 00:00:00\.000\.", report
    ), report
    token = r.headers["Location"].rstrip("/").rsplit("/", 1)[1]
    forced = post(client, f"/teach/units/{unit_id}/captions/pending/{token}/confirm", token_from=r.headers["Location"])
    assert forced.status_code == 400 and "cannot go live" in forced.get_data(as_text=True)
    assert db.scalar(select(CaptionTrack).where(CaptionTrack.unit_id == unit_id)) is None
