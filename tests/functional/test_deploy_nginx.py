"""Two app servers behind nginx, sharing PostgreSQL, Redis and one media folder (issue 11, part 5).

The setup is the one docs/deploy.md describes, built from the files in deploy/ themselves:
nginx runs deploy/nginx-sala.conf (placeholders filled in: free ports, this checkout's static/,
a temporary media folder and a self-signed certificate), and each app server is started with
sala@.service's ExecStart and Environment lines and deploy/sala.env (its addresses pointed at a
fresh PostgreSQL database and a Redis key prefix of the test's own). A learner then goes from
registration to a verified certificate over HTTPS through nginx, the video coming from nginx by
X-Accel-Redirect (a Range request included); nginx's log shows both servers answered, and a rate
limit counted in Redis holds across them.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import re
import secrets
import shutil
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import sqlalchemy as sa

from lms import create_app, sign_in_cache
from tests.helpers import PG_SERVER, ROOT, HttpBrowser, course_data

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
DEPLOY = ROOT / "deploy"
REDIS = "redis://127.0.0.1:6379/15"
SLUG = "public-speaking"
VERIFY_LIMIT = 6
PHRASE = "a long pass phrase 42"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(NGINX is None, reason="nginx is not installed (Debian package nginx)"),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(url: str, proc: subprocess.Popen, log: Path, context: ssl.SSLContext | None = None) -> None:
    deadline = time.monotonic() + 90  # workers boot slowly on a busy machine
    while True:
        try:
            # Host: the servers answer only to LMS_TRUSTED_HOSTS (400 otherwise).
            req = urllib.request.Request(url, headers={"Host": "localhost"})
            urllib.request.urlopen(req, timeout=30, context=context).read()
            return
        except urllib.error.HTTPError as err:
            pytest.fail(f"{url} answered {err.code}:\n" + log.read_text()[-3000:])
        except OSError:  # refused, reset or timed out: not up yet
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"{url} did not come up:\n" + log.read_text()[-3000:])
            time.sleep(0.2)


def _self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for localhost and 127.0.0.1 (what docs/deploy.md makes with openssl)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "sala.crt", folder / "sala.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_file, key_file


def _env_file(path: Path) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in path.read_text().splitlines() if line and not line.startswith("#"))
    return {k.strip(): v.strip() for k, v in pairs}


def _unit(paths: dict[str, str], port: int) -> tuple[list[str], dict[str, str]]:
    """sala@.service's ExecStart (as argv) and Environment lines, for instance `port`."""
    text = (DEPLOY / "sala@.service").read_text().replace("%i", str(port))
    for old, new in paths.items():
        text = text.replace(old, new)
    argv = re.search(r"^ExecStart=(.+)$", text, re.M).group(1).split()
    env = dict(line.split("=", 1) for line in re.findall(r"^Environment=(.+)$", text, re.M))
    return argv, env


@pytest.fixture
def pg_database():
    """A new, empty PostgreSQL database (dropped after), whatever database the suite runs on."""
    admin = sa.create_engine(PG_SERVER, isolation_level="AUTOCOMMIT")
    name = f"sala_deploy_{secrets.token_hex(4)}"
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as err:
        admin.dispose()
        pytest.skip(f"PostgreSQL not reachable at {PG_SERVER}: {type(err).__name__}")
    yield sa.engine.make_url(PG_SERVER).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def redis_prefix():
    """A Redis key prefix of this test's own (its keys deleted after); skips without Redis."""
    import redis

    client = redis.Redis.from_url(REDIS)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    prefix = f"sala-deploy-{secrets.token_hex(6)}"
    yield prefix
    for key in client.scan_iter(f"*{prefix}*"):
        client.delete(key)


@pytest.fixture
def stack(tmp_path, pg_database, redis_prefix):
    """nginx on a free HTTPS port in front of two `lms serve` processes; yields a dict of what it made."""
    shared = tmp_path / "shared"
    https_port, http_port, app_ports = _free_port(), _free_port(), (_free_port(), _free_port())
    base = f"https://localhost:{https_port}"
    lms = Path(sys.executable).with_name("lms")
    paths = {"/srv/sala/.venv/bin/lms": str(lms), "/var/lib/sala": str(shared), "/srv/sala": str(ROOT)}
    file_env = _env_file(DEPLOY / "sala.env")
    # The example's addresses, replaced by this machine's; the rest of the file is used as written.
    overrides = {
        "LMS_DATABASE_URL": pg_database,
        "LMS_RATELIMIT_STORAGE_URI": REDIS,
        "LMS_BASE_URL": base,
        "LMS_TRUSTED_HOSTS": "localhost",
        "LMS_SECRET_KEY": secrets.token_hex(32),
    }
    assert set(overrides) <= set(file_env), "deploy/sala.env no longer sets what the test replaces"
    env = {
        **os.environ,
        **file_env,
        **overrides,
        "LMS_RATELIMIT_KEY_PREFIX": redis_prefix,
        "LMS_VERIFY_RATE_LIMIT": f"{VERIFY_LIMIT} per minute",
        # Each worker's copies of sign-ins, kept fresh by PostgreSQL's notices: on, as deployed
        # (tests/conftest.py turns them off for the rest of the suite); the journey's every
        # change is followed by a page that may come from the other server.
        "LMS_SIGN_IN_CACHE_PEOPLE": "2000",
        # One worker per server is enough here and spares the shared test machine's memory.
        "GUNICORN_CMD_ARGS": "--workers 1 --threads 4",
    }
    argv, unit_env = _unit(paths, app_ports[0])
    env.update(unit_env)  # the same for both instances but the cache folder
    subprocess.run([str(lms), "db", "upgrade"], env=env, check=True, capture_output=True)
    subprocess.run([str(lms), "import-content"], env=env, check=True, capture_output=True)
    app = create_app({"DATABASE_URL": pg_database, "INSTANCE_PATH": env["LMS_INSTANCE_PATH"]})
    units, answers, _ = course_data(app, SLUG)
    app.extensions["lms.engine"].dispose()

    cert, key = _self_signed(tmp_path)
    context = ssl.create_default_context(cafile=str(cert))
    logs = tmp_path / "logs"
    logs.mkdir()
    site = (DEPLOY / "nginx-sala.conf").read_text()
    for word, value in {
        "SERVER_NAME": "localhost",
        "HTTP_PORT": str(http_port),
        "HTTPS_PORT": str(https_port),
        "TLS_CERT": str(cert),
        "TLS_KEY": str(key),
        "APP_1": f"127.0.0.1:{app_ports[0]}",
        "APP_2": f"127.0.0.1:{app_ports[1]}",
        "STATIC_DIR": str(ROOT / "static"),
        "MEDIA_DIR": env["LMS_MEDIA_DIR"],
        "LOG_DIR": str(logs),
    }.items():
        site = site.replace(f"@{word}@", value)
    assert "@" not in re.sub(r"#.*", "", site), "a placeholder in deploy/nginx-sala.conf was not filled in"
    (tmp_path / "sala.conf").write_text(site)
    temp = "\n".join(
        f"  {kind}_temp_path {tmp_path}/{kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    # What /etc/nginx/nginx.conf gives a site file on Debian; as root, workers would otherwise
    # switch to a user that cannot read pytest's private temporary folder.
    (tmp_path / "nginx.conf").write_text(
        ("user root;\n" if os.geteuid() == 0 else "")
        + f"worker_processes 1;\npid {tmp_path}/nginx.pid;\nerror_log {logs}/error.log;\n"
        + "events { worker_connections 256; }\n"
        + "http {\n  include /etc/nginx/mime.types;\n  default_type application/octet-stream;\n"
        + f"  sendfile on;\n{temp}\n  include {tmp_path}/sala.conf;\n}}\n"
    )

    procs: list[subprocess.Popen] = []
    try:
        for n, port in enumerate(app_ports):
            argv, unit_env = _unit(paths, port)
            log = logs / f"app{n}.log"
            with open(log, "wb") as out:
                procs.append(
                    subprocess.Popen(argv, env={**env, **unit_env}, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
                )
            _wait_for(f"http://127.0.0.1:{port}/login", procs[-1], log)
        nginx_log = logs / "nginx.out"
        with open(nginx_log, "wb") as out:
            nginx = subprocess.Popen(
                [
                    NGINX,
                    "-p",
                    str(tmp_path),
                    "-c",
                    str(tmp_path / "nginx.conf"),
                    "-e",
                    str(logs / "error.log"),
                    "-g",
                    "daemon off;",
                ],
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        procs.append(nginx)
        _wait_for(base + "/login", nginx, logs / "error.log", context)
        yield {
            "base": base,
            "http": f"http://127.0.0.1:{http_port}",
            "context": context,
            "answers": answers,
            "units": units,
            "app_ports": app_ports,
            "access_log": logs / "sala.access.log",
            "media": Path(env["LMS_MEDIA_DIR"]),
            "listeners": lambda: _listeners(pg_database),
        }
    finally:
        for proc in reversed(procs):
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()


def _listeners(url: str) -> int:
    """How many connections to the database at `url` listen for notices of changed sign-ins."""
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        count = conn.execute(
            sa.text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name = :name"
            ),
            {"name": sign_in_cache.APPLICATION_NAME},
        ).scalar_one()
    engine.dispose()
    return count


def _upstreams(access_log: Path, path_re: str) -> list[str]:
    """The app server (host:port) nginx sent each logged request matching path_re to, in order
    (requests nginx answered alone, logged with upstream "-", left out)."""
    found = []
    for line in access_log.read_text().splitlines():
        m = re.search(r'"(?:GET|POST) (\S+) [^"]*" \d+ \d+ upstream=(\S+)', line)
        if m and m.group(2) != "-" and re.search(path_re, m.group(1)):
            found.append(m.group(2))
    return found


def test_learner_journey_through_nginx_lands_on_both_app_servers(stack):
    """Register, enrol, watch (video by X-Accel-Redirect, Range too), pass the quiz and verify the
    certificate through nginx over HTTPS: no error, both app servers answered, and a rate limit
    counted in Redis holds across the two."""
    learner = HttpBrowser(stack["base"], context=stack["context"])
    learner.post_form(
        "/register",
        "/register",
        {"name": "Chan Sreymom", "email": "sreymom@example.org", "password": PHRASE, "confirm": PHRASE},
    )
    welcome = learner.post_form("/login", "/login", {"email": "sreymom@example.org", "password": PHRASE})
    assert "Signed in as" in welcome, learner.statuses
    learner.post_form(f"/courses/{SLUG}", f"/courses/{SLUG}/enrol", {})
    unit_page = learner.open(f"/courses/{SLUG}/units/{stack['units'][0]}")
    src = re.search(r'<video[^>]* src="([^"]+)"', unit_page).group(1)
    on_disk = (stack["media"] / src.rsplit("/", 1)[1]).read_bytes()

    part = learner.fetch(src, headers={"Range": "bytes=100-199"})
    assert learner.statuses[-1] == (src, 206) and part == on_disk[100:200]
    assert learner.headers["Content-Range"] == f"bytes 100-199/{len(on_disk)}"
    assert learner.headers["Content-Type"] == "video/webm"
    assert learner.headers["Cache-Control"].startswith("private")
    assert learner.fetch(src) == on_disk and "X-Accel-Redirect" not in learner.headers
    # Both answers came from nginx's sending of the file, after the app's check (not from the app).
    # nginx writes an access-log line once the answer is sent: give the second one a moment.
    deadline = time.monotonic() + 10
    while True:
        accel = re.findall(rf'"GET {re.escape(src)} [^"]*" (\d+) .* accel=(\S+)', stack["access_log"].read_text())
        if len(accel) >= 2 or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert accel == [
        ("206", "/protected-media/" + src.rsplit("/", 1)[1]),
        ("200", "/protected-media/" + src.rsplit("/", 1)[1]),
    ]
    # The internal location is nginx's alone.
    learner.fetch("/protected-media/" + src.rsplit("/", 1)[1])
    assert learner.statuses[-1][1] == 404

    for unit in stack["units"]:
        learner.post_form(f"/courses/{SLUG}/units/{unit}", f"/courses/{SLUG}/units/{unit}/done", {})
    result = learner.post_form(f"/courses/{SLUG}/quiz", None, stack["answers"])
    assert "You passed" in result, result[:500]
    certificate = re.search(r'href="(/certificates/[A-Z0-9-]+)"', result).group(1)
    code = certificate.rsplit("/", 1)[1]
    assert "Chan Sreymom" in learner.open(certificate)
    assert "Chan Sreymom" in learner.open(f"/verify?code={code}")
    assert all(status < 400 for path, status in learner.statuses if "protected-media" not in path), learner.statuses

    # Static files come from nginx, under their hashed names, cached for a year.
    script = re.search(r'src="(/static/js/enhance\.[0-9a-f]{12}\.js)"', unit_page).group(1)
    assert learner.fetch(script) == (ROOT / "static" / "js" / "enhance.js").read_bytes()
    assert learner.headers["Cache-Control"] == "public, max-age=31536000, immutable"

    # The rate limit on certificate pages is counted once for both servers (and per client
    # address, which nginx forwards): the learner's check above used one of the VERIFY_LIMIT, so
    # the visitor from the same address gets VERIFY_LIMIT - 1 answers, whichever server they
    # land on; counted per server it would take twice as many.
    visitor = HttpBrowser(stack["base"], context=stack["context"])
    for _ in range(VERIFY_LIMIT + 1):
        visitor.open("/verify/ABCDE-ABCDE-ABCDE-ABCDE")
    assert [s for _, s in visitor.statuses] == [404] * (VERIFY_LIMIT - 1) + [429, 429]

    servers = {f"127.0.0.1:{port}" for port in stack["app_ports"]}
    assert set(_upstreams(stack["access_log"], r"^/")) == servers
    # Each server's worker listened for notices of changed sign-ins (lms.sign_in_cache) while the
    # journey went from one server to the other after every change.
    assert stack["listeners"]() == len(servers)
    assert set(_upstreams(stack["access_log"], r"^/verify/ABCDE")) == servers

    # Plain HTTP is only a redirect to HTTPS.
    import http.client

    conn = http.client.HTTPConnection(stack["http"].split("//")[1], timeout=10)
    conn.request("GET", "/login", headers={"Host": "localhost"})
    answer = conn.getresponse()
    assert answer.status == 301 and answer.getheader("Location") == "https://localhost/login"
    conn.close()
