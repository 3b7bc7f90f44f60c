"""What the bench scripts share: a free port, `lms serve` started and waited for, a database made
afresh with the courses in content/courses, an in-process site with a signed-in learner, and
signing in over HTTP.

The scripts run as files (`python bench/serve.py`), so Python puts bench/ first on sys.path and
they import this module as `harness`. It never adds the repository to sys.path and imports `lms`
only inside the functions that need it: bench/bytes.py measures whatever `lms` PYTHONPATH names,
another checkout included.
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
#: The signed-in learner of in_process_site() and the course it is enrolled in.
LEARNER_EMAIL = "bench@example.org"
LEARNER_PASSWORD = "bench password 1"
COURSE = "public-speaking"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listened on a moment ago."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def csrf_token(html: str) -> str:
    """The value of the first csrf_token field in a page; ValueError when there is none."""
    match = CSRF.search(html)
    if match is None:
        raise ValueError("no csrf_token field in the page")
    return match.group(1)


def percentile(seconds: list[float], pct: float) -> float:
    """The pct-th percentile of `seconds` (nearest rank), in milliseconds; 0 for no samples."""
    if not seconds:
        return 0.0
    ordered = sorted(seconds)
    return ordered[min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered)) - 1))] * 1000


def recreate_database(url: str) -> None:
    """Start from nothing: delete the SQLite file (and its -wal and -shm) and make its folder, or
    drop the PostgreSQL database (closing its connections) and create it again.
    Raises sqlalchemy.exc.OperationalError when no PostgreSQL server answers."""
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database:
            for suffix in ("", "-wal", "-shm"):
                Path(parsed.database + suffix).unlink(missing_ok=True)
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        return
    admin = sa.create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{parsed.database}"'))
    admin.dispose()


def import_courses(url: str, media: Path) -> None:
    """Bring the (empty or older) database at `url` to the newest schema with the app's migrations
    and import the courses in content/courses; their media files go to `media`."""
    from lms import create_app, migrate
    from lms.db import get_session
    from lms.services.course_import import import_all

    migrate.upgrade(url)
    app = create_app(
        {"INSTANCE_PATH": str(media.parent), "DATABASE_URL": url, "TESTING": True, "MEDIA_DIR": str(media)}
    )
    with app.app_context():
        import_all(get_session(), Path(app.config["CONTENT_DIR"]), media)
        get_session().commit()
    app.extensions["lms.engine"].dispose()


def in_process_site(folder: Path):
    """A site on a new SQLite file in `folder` with the courses of the `lms` being imported (another
    checkout's when PYTHONPATH names one), built by create_all(), and Flask test clients for a
    visitor and for a learner signed in and enrolled in COURSE: (app, visitor, learner)."""
    from lms import create_app
    from lms.db import Base, get_session
    from lms.services import accounts

    try:
        from lms.services.course_import import import_all
    except ImportError:  # an older checkout, before the importer moved
        from lms.content.importer import import_all  # type: ignore[no-redef]

    content = Path(sys.modules["lms"].__file__).resolve().parent.parent / "content" / "courses"
    app = create_app(
        {
            "INSTANCE_PATH": str(folder / "instance"),
            "DATABASE_URL": f"sqlite:///{folder / 'site.db'}",
            "MEDIA_DIR": str(folder / "media"),
            "TESTING": True,
            "RATELIMIT_ENABLED": False,
        }
    )
    Base.metadata.create_all(app.extensions["lms.engine"])
    with app.app_context():
        import_all(get_session(), content, folder / "media")
        accounts.register(get_session(), name="Bench", email=LEARNER_EMAIL, password=LEARNER_PASSWORD)
        get_session().commit()

    def token(client, url: str) -> str:
        return csrf_token(client.get(url).get_data(as_text=True))

    visitor, learner = app.test_client(), app.test_client()
    learner.post(
        "/login",
        data={"email": LEARNER_EMAIL, "password": LEARNER_PASSWORD, "csrf_token": token(learner, "/login")},
    )
    learner.post(f"/courses/{COURSE}/enrol", data={"csrf_token": token(learner, f"/courses/{COURSE}")})
    return app, visitor, learner


@dataclass
class Server:
    """A running `lms serve`: its address (http://127.0.0.1:PORT), process, log file and environment."""

    base: str
    process: subprocess.Popen
    log: Path
    env: dict[str, str]

    def errors(self, limit: int = 3000) -> str:
        """The last `limit` characters of the log's lines that mention an error."""
        text = self.log.read_text(errors="replace")
        return "".join(line + "\n" for line in text.splitlines() if "Error" in line or "error" in line)[-limit:]


@contextmanager
def lms_serve(url: str, folder: Path, *options: str, **env: str) -> Iterator[Server]:
    """Run `lms serve` (lms/serving.py's gunicorn settings) on a free port over the database at
    `url`, with `folder` as its instance folder and folder/media as its media folder, rate limits
    off (every client here is 127.0.0.1); `options` go to `lms serve`, `env` (LMS_* names) to its
    environment. Yields once /login answers; exits the script with the log if the server stops or
    has not answered within 120 s. Stops the server (SIGTERM, then waits up to 60 s) on leaving."""
    port = free_port()
    environ = dict(
        os.environ,
        LMS_INSTANCE_PATH=str(folder),
        LMS_DATABASE_URL=url,
        LMS_MEDIA_DIR=str(folder / "media"),
        LMS_RATELIMIT_ENABLED="false",
        **env,
    )
    log_path = folder / "server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [str(Path(sys.executable).with_name("lms")), "serve", "--port", str(port), *options],
            env=environ,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        server = Server(f"http://127.0.0.1:{port}", process, log_path, environ)
        try:
            deadline = time.monotonic() + 120
            while True:
                try:
                    urllib.request.urlopen(server.base + "/login", timeout=30).read()
                    break
                except OSError:
                    if process.poll() is not None or time.monotonic() > deadline:
                        sys.exit("lms serve did not start:\n" + log_path.read_text(errors="replace"))
                    time.sleep(0.5)
            yield server
        finally:
            process.terminate()
            process.wait(timeout=60)


#: Sent by every Visitor, and by wrk beside a Visitor's cookie: Flask-Login's "strong" session
#: protection (lms/auth/session.py) signs a session out when a request's User-Agent differs from the
#: one it signed in with, so a cookie sent without it is answered by a redirect to /login.
USER_AGENT = "sala-bench"


class NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer in itself (a post acknowledged, a page that sends visitors to sign in):
    return it instead of following it."""

    def redirect_request(self, *args, **kwargs):
        return None

    def http_error_302(self, req, fp, code, msg, headers):
        return fp

    http_error_301 = http_error_303 = http_error_307 = http_error_308 = http_error_302


@dataclass
class Visitor:
    """One person's browser: a urllib opener with its own cookie jar and USER_AGENT, which returns
    redirects instead of following them and raises urllib.error.HTTPError on 4xx and 5xx."""

    opener: urllib.request.OpenerDirector
    jar: http.cookiejar.CookieJar

    @property
    def headers(self) -> dict[str, str]:
        """What another client (wrk) must send to be this person: its cookies and User-Agent."""
        cookies = "; ".join(f"{c.name}={c.value}" for c in self.jar)
        return {"User-Agent": USER_AGENT} | ({"Cookie": cookies} if cookies else {})


def visitor() -> Visitor:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect())
    opener.addheaders = [("User-Agent", USER_AGENT)]
    return Visitor(opener, jar)


def sign_in(base: str, email: str, password: str) -> Visitor:
    """Sign in through the site's form at `base`. Raises urllib.error.HTTPError when it answers
    4xx/5xx, RuntimeError when it does not redirect (the form again: a wrong email or password)."""
    person = visitor()
    token = csrf_token(person.opener.open(base + "/login", timeout=60).read().decode())
    with person.opener.open(
        base + "/login",
        data=urllib.parse.urlencode({"email": email, "password": password, "csrf_token": token}).encode(),
        timeout=60,
    ) as answer:
        answer.read()
        if answer.status != 302:
            raise RuntimeError(f"{email} could not sign in (HTTP {answer.status})")
    return person
