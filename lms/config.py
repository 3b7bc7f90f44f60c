"""Configuration: defaults, then instance/settings.py, then LMS_* environment variables."""
from __future__ import annotations

import os
import secrets
from pathlib import Path

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
    WTF_CSRF_TIME_LIMIT = None  # a learner may take an hour over a quiz on a slow phone
    BABEL_DEFAULT_LOCALE = "en"
    BABEL_TRANSLATION_DIRECTORIES = str(PROJECT_ROOT / "translations")
    ISSUER_NAME = "Sala — Linking and Learning Cambodia"
    #: Verification look-ups allowed per client; stops anyone walking the code space.
    VERIFY_RATE_LIMIT = "30 per minute; 300 per hour"
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    SEND_FILE_MAX_AGE_DEFAULT = 3600
    #: Flask-Compress: brotli, else gzip, when the client asks (Accept-Encoding). Text types only:
    #: video, audio and images are compressed already, and range (206) responses are never touched.
    COMPRESS_ALGORITHM = ["br", "gzip"]
    COMPRESS_ALGORITHM_STREAMING = ["br", "gzip"]
    COMPRESS_MIMETYPES = ["text/html", "text/css", "text/javascript", "application/javascript", "application/json",
                          "application/ld+json", "text/plain", "text/csv", "text/vtt", "image/svg+xml",
                          "application/xml", "text/xml"]
    COMPRESS_BR_LEVEL = 5
    #: Werkzeug's generate_password_hash method ("scrypt" = scrypt:32768:8:1).
    PASSWORD_HASH_METHOD = "scrypt"


def _coerce(value: str):
    lowered = value.lower()
    if lowered in {"true", "yes", "on"}:
        return True
    if lowered in {"false", "no", "off"}:
        return False
    if value.isdigit():
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
