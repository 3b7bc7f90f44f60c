"""Configuration: defaults, then instance/settings.py, then LMS_* environment variables."""

from __future__ import annotations

import ipaddress
import os
import secrets
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask, current_app, has_request_context, request

#: The folder that holds pyproject.toml, templates/, static/ and content/.
PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Defaults:
    DATABASE_URL = None  # None = SQLite at instance/lms.db
    CONTENT_DIR = str(PROJECT_ROOT / "content" / "courses")
    MEDIA_DIR = None  # None = instance/media
    CACHE_DIR = None  # None = instance/cache
    #: Biggest request body accepted, in bytes; video uploads are the largest thing we take.
    MAX_CONTENT_LENGTH = 200 * 1024 * 1024
    MAX_CAPTION_BYTES = 2 * 1024 * 1024
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SAMESITE = "Lax"
    #: "Keep me signed in" lasts this long (lms.services.sign_ins.REMEMBER_FOR ends the sign-in itself).
    REMEMBER_COOKIE_DURATION = timedelta(days=30)
    WTF_CSRF_TIME_LIMIT = None  # a learner may take an hour over a quiz on a slow phone
    BABEL_DEFAULT_LOCALE = "en"
    BABEL_TRANSLATION_DIRECTORIES = str(PROJECT_ROOT / "translations")
    ISSUER_NAME = "Sala — Linking and Learning Cambodia"
    #: The site's public address ("https://sala.example.org", optionally with a path prefix): what
    #: certificate PDFs, QR codes, signed credentials, /issuer and the revocation list print. Never
    #: taken from a request's Host header, which anyone can forge.
    BASE_URL = None
    #: How many reverse proxies in front of Sala to believe about the client (X-Forwarded-For, -Proto,
    #: -Host, -Port; Werkzeug's ProxyFix). 0 = no proxy: those headers are ignored.
    TRUSTED_PROXIES = 0
    #: Host names this site answers to (Flask's TRUSTED_HOSTS; other Host headers get 400). With
    #: TRUSTED_PROXIES and no BASE_URL, public links use the proxy's forwarded host, once checked
    #: against this list. A comma-separated string in LMS_TRUSTED_HOSTS.
    TRUSTED_HOSTS = None
    #: Verification look-ups allowed per client; stops anyone walking the code space.
    VERIFY_RATE_LIMIT = "30 per minute; 300 per hour"
    #: Sign-ins that fail, per account (from any address) and per client address (any account).
    #: Only failures count; a success never uses up the allowance. An office of 50 people behind one
    #: address can still sign in when some of them mistype.
    SIGN_IN_ACCOUNT_LIMIT = "10 per 15 minutes"
    SIGN_IN_ADDRESS_LIMIT = "50 per 15 minutes"
    #: Accounts created from one client address (a training room registering together fits).
    REGISTER_ADDRESS_LIMIT = "60 per hour"
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    SEND_FILE_MAX_AGE_DEFAULT = 3600
    #: The background job queue (lms/jobs.py, huey): "sqlite" keeps it in instance/jobs.db (the
    #: embedded default; `lms serve` starts its worker), a redis:// URL shares one queue between
    #: app servers, "immediate" runs each job in the request that queued it, and "off" queues
    #: nothing (the rows wait for `lms jobs sweep`).
    JOBS_QUEUE = "sqlite"
    #: Strict-Transport-Security max-age (seconds) sent on HTTPS answers; 0 sends none.
    HSTS_MAX_AGE = 31536000
    #: Flask-Compress: brotli, else gzip, when the client asks (Accept-Encoding). Text types only:
    #: video, audio and images are compressed already, and range (206) responses are never touched.
    COMPRESS_ALGORITHM = ["br", "gzip"]
    COMPRESS_ALGORITHM_STREAMING = ["br", "gzip"]
    COMPRESS_MIMETYPES = [
        "text/html",
        "text/css",
        "text/javascript",
        "application/javascript",
        "application/json",
        "application/ld+json",
        "text/plain",
        "text/csv",
        "text/vtt",
        "image/svg+xml",
        "application/xml",
        "text/xml",
    ]
    COMPRESS_BR_LEVEL = 5
    #: Outgoing mail (password reset links, registration notices), by SMTP. Mail is on when
    #: MAIL_HOST and MAIL_FROM are both set (LMS_MAIL_HOST, LMS_MAIL_FROM, ...); without it, people
    #: who forget a password ask an admin for a reset link.
    MAIL_HOST = None
    #: 587 is SMTP submission with STARTTLS; 465 is SMTP over TLS (set MAIL_SSL); 25 plain relay.
    MAIL_PORT = 587
    #: The From address, e.g. "Sala <no-reply@sala.example.org>".
    MAIL_FROM = None
    #: Sign in to the SMTP server with these when MAIL_USER is set.
    MAIL_USER = None
    MAIL_PASSWORD = None
    #: Upgrade the connection with STARTTLS (RFC 3207) before sending (port 587).
    MAIL_STARTTLS = True
    #: Connect over TLS from the start (port 465, RFC 8314); MAIL_STARTTLS is then not used.
    MAIL_SSL = False
    #: Seconds to wait for the SMTP server before giving up on a message.
    MAIL_TIMEOUT = 15
    #: Reset e-mails asked for one address, and asked from one client address.
    RESET_MAIL_ACCOUNT_LIMIT = "5 per hour"
    RESET_MAIL_ADDRESS_LIMIT = "30 per hour"
    #: Flask-Caching: pages built only from public content, kept for visitors (lms.visitor_pages),
    #: keyed by the publication version so a change shows at once. Each worker keeps its own
    #: (a visitor's catalog is about 33 KB, a course page 15 KB; THRESHOLD bounds the entries);
    #: "RedisCache" with CACHE_REDIS_URL shares one between app servers.
    CACHE_TYPE = "SimpleCache"
    CACHE_THRESHOLD = 300
    CACHE_DEFAULT_TIMEOUT = 24 * 3600
    #: Seconds a worker may reuse the publication version it read (lms.services.publication.recent):
    #: how long a change may take to show on cached visitor pages; 0 reads it on every request.
    PUBLICATION_CHECK_SECONDS = 1.0
    #: Bytes of signed-in learners' pages each worker keeps (lms.personal_pages), least recently
    #: used first out: 4 MiB is about 150 unit pages. 0 keeps none.
    PERSONAL_PAGE_CACHE_BYTES = 4 * 1024 * 1024
    #: People whose live sign-ins each worker keeps (lms.sign_in_cache on PostgreSQL,
    #: lms.sign_in_cache_sqlite on a SQLite file: triggers tell every worker what changed), least
    #: recently seen first out; a kept sign-in spares a signed-in request its query. About 1 KB
    #: each. 0 reads every sign-in from the database.
    SIGN_IN_CACHE_PEOPLE = 2000
    #: Werkzeug's generate_password_hash method ("scrypt" = scrypt:32768:8:1).
    PASSWORD_HASH_METHOD = "scrypt"  # noqa: S105  # a method name, not a password

    # --- Several app servers behind nginx (docs/deploy.md, deploy/) ---------------------------
    #: An internal nginx location (e.g. "/protected-media/") that serves MEDIA_DIR. When set, the
    #: media route checks the learner's access as always, then answers with an empty body and an
    #: `X-Accel-Redirect: <location><file name>` header: nginx sends the bytes (Range requests,
    #: sendfile) and no app worker is held for the length of a video. None = the app sends the file.
    MEDIA_ACCEL_REDIRECT = None


def _coerce(value: str):
    lowered = value.lower()
    if lowered in {"true", "yes", "on"}:
        return True
    if lowered in {"false", "no", "off"}:
        return False
    if value.isascii() and value.isdigit():  # "²".isdigit() is True, and int("²") fails
        return int(value)
    return value


def load(app, overrides: dict | None = None) -> None:
    """Fill app.config from the three layers, then from test overrides."""
    app.config.from_object(Defaults)
    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    app.config.from_pyfile("settings.py", silent=True)
    for key, value in os.environ.items():
        if key.startswith("LMS_"):
            app.config[key[4:]] = _coerce(value)
    if overrides:
        app.config.update(overrides)
    if isinstance(app.config.get("TRUSTED_HOSTS"), str):
        app.config["TRUSTED_HOSTS"] = [h.strip() for h in app.config["TRUSTED_HOSTS"].split(",") if h.strip()]
    if app.config.get("BASE_URL"):
        app.config["BASE_URL"] = str(app.config["BASE_URL"]).rstrip("/")

    if not app.config.get("DATABASE_URL"):
        app.config["DATABASE_URL"] = f"sqlite:///{instance / 'lms.db'}"
    app.config.setdefault("MEDIA_DIR", None)
    if not app.config["MEDIA_DIR"]:
        app.config["MEDIA_DIR"] = str(instance / "media")
    if not app.config["CACHE_DIR"]:
        app.config["CACHE_DIR"] = str(instance / "cache")
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(instance)


def _instance_secret(instance: Path) -> str:
    """A key generated once and kept in instance/, so sessions survive restarts."""
    path = instance / "secret_key"
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_hex(32)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    os.replace(tmp, path)
    return key


#: The address public links name when nothing else is configured: the embedded server's default
#: (`lms serve` on 127.0.0.1:5000), the development server, the CLI and the tests.
LOCAL_BASE_URL = "http://127.0.0.1:5000"


def public_base_url(app: Flask | None = None) -> str:
    """The site's public address, without a trailing slash, from configuration only.

    In order: BASE_URL; else, behind a trusted proxy (TRUSTED_PROXIES and TRUSTED_HOSTS both set),
    the forwarded scheme and host of this request, which ProxyFix applied and Flask checked against
    TRUSTED_HOSTS (refusing any other with 400), or outside a request https:// and the first host
    named there; else SERVER_NAME; else LOCAL_BASE_URL. The request's own Host header is never
    used otherwise.
    """
    app = app or current_app
    config = app.config
    if config.get("BASE_URL"):
        return str(config["BASE_URL"]).rstrip("/")
    if config.get("TRUSTED_PROXIES") and config.get("TRUSTED_HOSTS"):
        if has_request_context():
            return request.host_url.rstrip("/")
        # Outside a request (the CLI printing a reset link): the first named host, over HTTPS.
        named = [h for h in config["TRUSTED_HOSTS"] if not h.startswith(".")]
        if named:
            return f"https://{named[0]}"
    if config.get("SERVER_NAME"):
        return f"{config.get('PREFERRED_URL_SCHEME') or 'http'}://{config['SERVER_NAME']}"
    return LOCAL_BASE_URL


def public_url_problem(config) -> str | None:
    """Why this configuration cannot serve the public (None when it can): public links need
    LMS_BASE_URL, or LMS_TRUSTED_PROXIES with LMS_TRUSTED_HOSTS; a BASE_URL must be http(s)://host."""
    base = config.get("BASE_URL")
    if base:
        parts = urlsplit(str(base))
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
            return f"LMS_BASE_URL must be the site's address, like https://sala.example.org (it is {base!r})."
        return None
    if config.get("TRUSTED_PROXIES") and config.get("TRUSTED_HOSTS"):
        return None
    return (
        "Sala will not start: certificate links, QR codes and signed credentials need the site's public "
        "address, and it must not come from visitors' requests. Set LMS_BASE_URL "
        "(e.g. LMS_BASE_URL=https://sala.example.org), or, behind a reverse proxy, LMS_TRUSTED_PROXIES "
        "(how many proxies to trust, e.g. 1) together with LMS_TRUSTED_HOSTS (the host names it forwards, "
        "comma-separated)."
    )


def mail_configured(config) -> bool:
    """True when outgoing mail is set up (MAIL_HOST and MAIL_FROM)."""
    return bool(config.get("MAIL_HOST") and config.get("MAIL_FROM"))


def is_loopback(host: str) -> bool:
    """True for 127.0.0.1, ::1 and localhost: an address only this machine can reach."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
