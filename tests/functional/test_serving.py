"""`lms serve` (gunicorn, a real process) keeps answering while idle and half-sent connections wait.

The failure this guards against (issue 11): gunicorn's sync workers are held by a browser's idle
and speculative connections until `timeout` kills them, and the request behind gets gunicorn's bare
"Internal Server Error". The property does not depend on the number of seconds: it is "a connection
that sends nothing, or half a request, outlives `timeout` without costing anyone an error". So the
server runs with `--timeout 3` and the test waits more than twice that, instead of waiting out the
30 s default; with sync workers the same test fails (the workers are killed, requests get 500s).
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from lms import create_app
from tests.factories import PASSWORD, make_user
from tests.helpers import HttpBrowser, course_data

pytestmark = pytest.mark.slow

SLUG = "public-speaking"
TIMEOUT = 3  # gunicorn --timeout for this test; the default is 30


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(tmp_path, databases, database):
    """`lms serve` on a free port over a copy of the seeded database; yields (base URL, log path)."""
    media = databases.media
    env = dict(
        os.environ,
        LMS_INSTANCE_PATH=str(tmp_path / "instance"),
        LMS_DATABASE_URL=database(),
        LMS_MEDIA_DIR=str(media),
        LMS_CACHE_DIR=str(tmp_path / "cache"),
    )
    app = create_app(
        {"INSTANCE_PATH": env["LMS_INSTANCE_PATH"], "DATABASE_URL": env["LMS_DATABASE_URL"], "MEDIA_DIR": str(media)}
    )
    make_user(app)
    units, answers, _ = course_data(app, SLUG)
    app.extensions["lms.engine"].dispose()
    port = _free_port()
    log = tmp_path / "gunicorn.log"
    lms = Path(sys.executable).with_name("lms")
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [str(lms), "serve", "--port", str(port), "--timeout", str(TIMEOUT)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90  # workers boot slowly on a busy machine
        while True:
            try:
                urllib.request.urlopen(base + "/login", timeout=30).read()
                break
            except OSError:  # refused, reset or timed out: not up yet
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("lms serve did not start:\n" + log.read_text())
                time.sleep(0.2)
        yield base, log, answers
    finally:
        proc.terminate()
        try:
            # gunicorn gives workers graceful_timeout (30 s) to finish, then the job worker 10 s:
            # on a machine loaded by the rest of the suite a stop once took longer than 30 s.
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_idle_and_half_sent_connections_never_cost_a_request(server):
    """Idle and half-sent connections held past gunicorn's timeout: sign-in and quiz answer without error."""
    base, log, answers = server
    port = int(base.rsplit(":", 1)[1])
    idle, half = [], []
    for _ in range(4):
        idle.append(socket.create_connection(("127.0.0.1", port)))
    for _ in range(3):
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(b"GET /login HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: slow")  # the head is not finished
        half.append(s)
    time.sleep(2 * TIMEOUT + 1.5)  # well past the timeout a sync worker would be killed at

    learner = HttpBrowser(base)
    learner.post_form("/login", "/login", {"email": "learner@example.org", "password": PASSWORD})
    learner.post_form(f"/courses/{SLUG}", f"/courses/{SLUG}/enrol", {})
    result = learner.post_form(f"/courses/{SLUG}/quiz", None, answers)
    assert all(status < 400 for _, status in learner.statuses), learner.statuses
    assert "Signed in as" in result and re.search(r"\d+\s*%", result), result[:500]

    # The half-sent requests are still being waited for: finishing them gets the page.
    for s in half:
        s.sendall(b"\r\n\r\n")
        s.settimeout(10)
        assert s.recv(64).startswith(b"HTTP/1.1 200"), "a half-sent request was dropped"
    for s in idle + half:
        s.close()
    text = log.read_text()
    assert "WORKER TIMEOUT" not in text and "Internal Server Error" not in text, text[-2000:]


def _raw(port: int, request: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(request)
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    return data


@pytest.mark.parametrize(
    "request_bytes, status",
    [
        (b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", b"414"),
        (b"GET / HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-%d: y\r\n" % i for i in range(120)) + b"\r\n", b"431"),
        (b"NOT A REQUEST\r\n\r\n", b"400"),
    ],
)
def test_requests_gunicorn_refuses_get_the_apps_error_page(server, request_bytes, status):
    """What gunicorn refuses before the app (too long, too many headers, malformed) gets the app's page."""
    base, _log, _answers = server
    reply = _raw(int(base.rsplit(":", 1)[1]), request_bytes)
    head, _, body = reply.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 " + status), head
    assert b"Content-Security-Policy" in head
    assert b'<main id="main"' in body and b'href="/"' in body and b"<h1><p>" not in body


def test_a_second_server_on_the_same_port_is_refused(server, tmp_path):
    """Workers bind with SO_REUSEPORT (lms/serving.py), which would let a second `lms serve` on the
    same port silently take half the traffic: `lms serve` says the port is taken and stops instead."""
    base, _log, _answers = server
    port = base.rsplit(":", 1)[1]
    env = dict(os.environ, LMS_INSTANCE_PATH=str(tmp_path / "second"), LMS_SERVE_JOBS="0")
    lms = Path(sys.executable).with_name("lms")
    second = subprocess.run([str(lms), "serve", "--port", port], env=env, capture_output=True, text=True, timeout=60)
    assert second.returncode != 0
    assert f"Cannot listen at 127.0.0.1:{port}" in second.stderr and "already running" in second.stderr
    assert urllib.request.urlopen(base + "/login", timeout=30).status == 200  # the first one still serves
