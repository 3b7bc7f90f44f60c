"""Backups: one archive of the database, the media folder and the instance folder's keys, and
bringing it back on another machine.

The archive is a zip file (Zip64, so media of any size fits):

    manifest.json            format, Sala version, Alembic revision, created time (UTC), database
                             kind, and every other member with its size and SHA-256
    database/lms.sqlite3     SQLite: a copy made with SQLite's online backup API
    database/lms.pgdump      PostgreSQL: `pg_dump --format=custom`
    media/...                the media folder (videos, captions, posters)
    instance/...             the instance folder (secret key, issuer signing key, settings.py), without
                             the database, media and cache that may live inside it

Consistency while the site serves: the database is copied first, as one snapshot (SQLite's backup
API copies every page in a single step, under one read transaction, which WAL lets run beside
writers; pg_dump reads in one repeatable-read transaction). Media are copied after it, so every file
the snapshot names is there (media files are written to a temporary name and renamed into place, so a
copy never catches half a file). Already-compressed media are stored, text is deflated.

Restore refuses a target that holds data unless forced, checks every member's SHA-256 (and the zip
CRC) before anything is replaced, keeps what it replaces beside it ("<name>.before-restore-<time>"),
and leaves the schema at the archive's Alembic revision: `lms db upgrade` then brings it to this
version of Sala. Restoring is in lms/services/restore.py.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from sqlalchemy.engine import make_url

from lms.errors import LmsError

FORMAT, FORMAT_VERSION = "sala-backup", 1
MANIFEST = "manifest.json"
SQLITE_MEMBER, PG_MEMBER = "database/lms.sqlite3", "database/lms.pgdump"
#: Never worth deflating: already compressed.
_STORED = {
    ".webm",
    ".mp4",
    ".m4v",
    ".mkv",
    ".ogg",
    ".ogv",
    ".opus",
    ".mp3",
    ".m4a",
    ".aac",
    ".jpg",
    ".jpeg",
    ".png",
    ".webp",
    ".avif",
    ".gif",
    ".zip",
    ".gz",
    ".pdf",
    ".woff2",
}
CHUNK = 1024 * 1024


class BackupError(LmsError):
    """A backup or restore that cannot go on; the message says why and what to do."""


@dataclass(frozen=True)
class Places:
    """Where a site keeps its data: the database URL and the two folders."""

    database_url: str
    media_dir: Path
    instance_dir: Path
    #: Left out of backups (regenerated on demand): rendered PDFs and the like.
    cache_dir: Path | None = None


def database_kind(url: str) -> str:
    """ "sqlite" or "postgresql"; BackupError for any other database."""
    backend = make_url(url).get_backend_name()
    if backend in ("sqlite", "postgresql"):
        return backend
    raise BackupError(f"Backups support SQLite and PostgreSQL databases, not {backend}.")


def sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("An in-memory SQLite database cannot be backed up or restored.")
    return Path(database)


def pg_env(url: str) -> tuple[str, dict[str, str]]:
    """A libpq connection URL for pg_dump/pg_restore (the password goes in PGPASSWORD, not argv)."""
    parsed = make_url(url)
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    libpq = parsed.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    return libpq, env


def pg_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"{name} is not installed, and PostgreSQL databases are backed up and restored with it. "
            f"Install the PostgreSQL client tools (Debian: apt-get install postgresql-client)."
        )
    return path


def run_tool(args: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)  # noqa: S603 - fixed tool
    if done.returncode != 0:
        raise BackupError(f"{Path(args[0]).name} failed: {done.stderr.strip() or done.returncode}")


def is_inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return True


#: The embedded job queue's SQLite file (lms/jobs.py) and its -wal/-shm: queued work, not data.
#: Renditions still "queued" in the restored database are picked up by the worker's sweep.
JOB_QUEUE_FILE = "jobs.db"


def _is_temporary(path: Path) -> bool:
    """A file still being written: Sala writes to a temporary .part/.tmp name, or in a hidden
    ".rendition-*" folder while ffmpeg makes a smaller version, and renames it into place."""
    return path.suffix in (".part", ".tmp") or any(part.startswith(".rendition-") for part in path.parts)


def instance_files(places: Places) -> list[Path]:
    """The instance folder's own files: not the database, media, cache, or a restore's leftovers."""
    skip: list[Path] = [places.media_dir] + ([places.cache_dir] if places.cache_dir else [])
    db_file = sqlite_path(places.database_url) if database_kind(places.database_url) == "sqlite" else None
    found = []
    for path in sorted(places.instance_dir.rglob("*")):
        if not path.is_file() or path.is_symlink() or _is_temporary(path) or any(is_inside(path, s) for s in skip):
            continue
        if (
            db_file is not None
            and path.resolve().parent == db_file.resolve().parent
            and (path.name.startswith(db_file.name))
        ):
            continue  # the database itself, its -wal, -shm and -journal files
        if path.relative_to(places.instance_dir).as_posix().startswith(JOB_QUEUE_FILE):
            continue  # the job queue (lms/jobs.py): work in flight, re-planned from the database
        if (
            ".before-restore-" in path.name
            or path.name.startswith(".restore-")
            or any(part.startswith(".restore-") for part in path.relative_to(places.instance_dir).parts)
        ):
            continue
        found.append(path)
    return found


def _revision_of_sqlite(path: Path) -> str | None:
    with sqlite3.connect(path) as conn:
        try:
            row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        except sqlite3.OperationalError:
            return None
    return row[0] if row else None


def _snapshot_sqlite(source: Path, target: Path) -> str | None:
    """Copy a live SQLite database with the online backup API; returns its Alembic revision."""
    if not source.exists():
        raise BackupError(f"There is no database at {source}.")
    # Read-only: a backup must never create or change the database it reads.
    src = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)  # pages=-1: every page in one step, one consistent snapshot
    finally:
        src.close()
        dst.close()
    check_sqlite(target)
    return _revision_of_sqlite(target)


def check_sqlite(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        result = conn.execute("PRAGMA integrity_check").fetchall()
    conn.close()
    if result != [("ok",)]:
        raise BackupError(f"The database copy fails SQLite's integrity check: {result[:3]}")


def _revision_of_pg(url: str) -> str | None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            if not conn.execute(text("SELECT to_regclass('public.alembic_version')")).scalar():
                return None
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    finally:
        engine.dispose()


def _add(zf: zipfile.ZipFile, source: Path, name: str) -> dict:
    """Stream a file into the archive, hashing what is written; its manifest entry."""
    method = zipfile.ZIP_STORED if source.suffix.lower() in _STORED else zipfile.ZIP_DEFLATED
    info = zipfile.ZipInfo.from_file(source, name)
    info.compress_type = method
    digest, size = hashlib.sha256(), 0
    with open(source, "rb") as fh, zf.open(info, "w", force_zip64=True) as out:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
            out.write(chunk)
            size += len(chunk)
    return {"path": name, "size": size, "sha256": digest.hexdigest(), "mode": source.stat().st_mode & 0o777}


def backup(places: Places, out: Path, *, now: datetime | None = None) -> dict:
    """Write a backup archive of a site to `out` (replaced atomically); returns its manifest.

    Raises BackupError when the database cannot be read or copied, or pg_dump is missing or fails.
    """
    kind = database_kind(places.database_url)
    for folder in (places.instance_dir, places.media_dir):
        if is_inside(out, folder):
            raise BackupError(
                f"Write the backup outside {folder}: inside it, each backup would hold the ones before it. "
                f"Keep backups on another disk or machine."
            )
    out.parent.mkdir(parents=True, exist_ok=True)
    files: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="sala-backup-", dir=out.parent) as work:
        part = Path(work) / "archive.zip"
        with zipfile.ZipFile(part, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as zf:
            snapshot = Path(work) / "db"
            if kind == "sqlite":
                revision = _snapshot_sqlite(sqlite_path(places.database_url), snapshot)
                files.append(_add(zf, snapshot, SQLITE_MEMBER))
            else:
                libpq, env = pg_env(places.database_url)
                run_tool(
                    [
                        pg_tool("pg_dump"),
                        "--format=custom",
                        "--no-owner",
                        "--no-privileges",
                        f"--file={snapshot}",
                        f"--dbname={libpq}",
                    ],
                    env,
                )
                revision = _revision_of_pg(places.database_url)
                files.append(_add(zf, snapshot, PG_MEMBER))
            snapshot.unlink()
            # After the database: every media file its snapshot names already exists.
            if places.media_dir.is_dir():
                for path in sorted(places.media_dir.rglob("*")):
                    if path.is_file() and not path.is_symlink() and not _is_temporary(path):
                        try:
                            files.append(_add(zf, path, "media/" + path.relative_to(places.media_dir).as_posix()))
                        except FileNotFoundError:
                            continue  # deleted while we copied: the snapshot no longer names it
            for path in instance_files(places):
                files.append(_add(zf, path, "instance/" + path.relative_to(places.instance_dir).as_posix()))
            manifest = {
                "format": FORMAT,
                "format_version": FORMAT_VERSION,
                "sala_version": metadata.version("lms"),
                "alembic_revision": revision,
                "created": (now or datetime.now(UTC)).isoformat(timespec="seconds"),
                "database": kind,
                "files": files,
            }
            zf.writestr(MANIFEST, json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
        os.replace(part, out)
    return manifest
