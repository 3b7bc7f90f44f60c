"""The app starts without the heavy libraries only some requests need: each worker would hold them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

#: Imported by the code that needs them (PDFs, QR codes, credentials, caption formats, media), not at
#: start-up. Together they are tens of MiB per worker (bench/RESULTS.md has the worker memory).
HEAVY = (
    "weasyprint",
    "pikepdf",
    "PIL",
    "fontTools",
    "pycaption",
    "pysubs2",
    "webvtt",
    "pyld",
    "lxml",
    "cachetools",
    "frozendict",
    "segno",
    "imageio_ffmpeg",
    "jsonschema",
    "textstat",
    "cryptography",  # signing and checking credentials (lms.credentials.keys.ed25519)
    "icu",  # segmenting non-ASCII text (lms.segmentation)
    "huey",  # the job queue, bound when a job is first sent (lms.jobs.queue)
    "psycopg",  # psycopg 3: huey's storage module imports it when installed; Sala uses psycopg2
    "psycopg2",  # on SQLite nothing needs the PostgreSQL driver
    "redis",  # likewise, unless JOBS_QUEUE or the rate limits name a Redis server
    "markdown",  # trainers' edits and imports only (lms.content.sanitize.render_markdown)
)

_PROBE = """
import json, sys, tempfile
import lms
folder = tempfile.mkdtemp()
url = sys.argv[1] if len(sys.argv) > 1 else "sqlite:///" + folder + "/probe.db"
app = lms.create_app({"INSTANCE_PATH": folder, "DATABASE_URL": url})
with app.test_request_context("/"):
    pass
print(json.dumps(sorted({name.split(".")[0] for name in sys.modules})))
"""


def _loaded(tmp_path, *args: str) -> set[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT), LMS_INSTANCE_PATH=str(tmp_path))
    out = subprocess.run(
        [sys.executable, "-c", _PROBE, *args], env=env, cwd=tmp_path, capture_output=True, text=True, check=True
    ).stdout
    return set(json.loads(out.splitlines()[-1]))


def test_app_starts_without_heavy_libraries(tmp_path):
    """create_app() imports none of the PDF, image, caption-format, JSON-LD or media libraries."""
    loaded = _loaded(tmp_path)
    assert "flask" in loaded and "sqlalchemy" in loaded  # the probe saw a real start
    assert sorted(loaded & set(HEAVY)) == []


def test_an_app_on_postgresql_never_loads_sqlite(tmp_path):
    """Only SQLite's own sign-in cache and writer queue need sqlite3 (0.8 MiB a worker). create_app
    connects to no database, so an address nobody answers at is enough."""
    loaded = _loaded(tmp_path, "postgresql+psycopg2://nobody@127.0.0.1:1/none")
    assert "psycopg2" in loaded  # the probe saw a real start on PostgreSQL
    assert "sqlite3" not in loaded and "_sqlite3" not in loaded
