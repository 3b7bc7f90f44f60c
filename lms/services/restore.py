"""Restoring a backup made by lms.services.backups (its docstring describes the archive): checked
whole before anything is replaced, and what it replaces is kept beside it."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import zipfile
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy.engine import make_url

from lms import migrate
from lms.services.backups import (
    CHUNK,
    FORMAT,
    FORMAT_VERSION,
    MANIFEST,
    PG_MEMBER,
    SQLITE_MEMBER,
    BackupError,
    Places,
    check_sqlite,
    database_kind,
    instance_files,
    pg_env,
    pg_tool,
    run_tool,
    sqlite_path,
)


def read_manifest(zf: zipfile.ZipFile) -> dict:
    """The archive's manifest, checked for shape; BackupError when it is not a Sala backup."""
    try:
        manifest = json.loads(zf.read(MANIFEST))
    except (KeyError, ValueError) as err:
        raise BackupError(f"This is not a Sala backup (no readable {MANIFEST}).") from err
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError("This is not a Sala backup (its manifest names another format).")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(f"This backup is format {manifest.get('format_version')}; this Sala reads {FORMAT_VERSION}.")
    names = {info.filename for info in zf.infolist()} - {MANIFEST}
    listed = manifest.get("files")
    if not isinstance(listed, list) or not all(isinstance(f, dict) and isinstance(f.get("path"), str) for f in listed):
        raise BackupError("The backup's manifest has no valid file list.")
    for entry in listed:
        _safe_member(entry["path"])
    if extra := names - {f["path"] for f in listed}:
        raise BackupError(f"The archive holds files its manifest does not list: {sorted(extra)[:3]}")
    return manifest


def _safe_member(name: str) -> PurePosixPath:
    path = PurePosixPath(name)
    if (
        path.is_absolute()
        or ".." in path.parts
        or "\\" in name
        or path.parts[0] not in ("database", "media", "instance")
    ):
        raise BackupError(f"The backup holds an unsafe file name: {name!r}")
    return path


def _check_revision(manifest: dict) -> None:
    revision = manifest.get("alembic_revision")
    if revision is None:
        return
    try:
        found = ScriptDirectory.from_config(migrate.alembic_config("sqlite://")).get_revision(revision)
    except CommandError:
        found = None
    if found is None:
        raise BackupError(
            f"This backup's database schema ({revision}, Sala {manifest.get('sala_version')}) is newer than this "
            f"Sala knows. Install that version of Sala or a later one, then restore."
        )


def _database_has_tables(places: Places, kind: str) -> bool:
    from sqlalchemy import create_engine, inspect

    if kind == "sqlite" and not sqlite_path(places.database_url).exists():
        return False
    engine = create_engine(places.database_url)
    try:
        return bool(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def target_problems(places: Places) -> list[str]:
    """What a restore would overwrite at this site: empty for a fresh one. The generated secret key
    and an operator's settings.py do not count (a fresh install has both)."""
    problems = []
    kind = database_kind(places.database_url)
    if _database_has_tables(places, kind):
        problems.append(f"the database ({make_url(places.database_url).render_as_string()}) has tables")
    if places.media_dir.is_dir() and any(p.is_file() for p in places.media_dir.rglob("*")):
        problems.append(f"the media folder {places.media_dir} has files")
    others = [
        p
        for p in instance_files(places)
        if p.relative_to(places.instance_dir).as_posix() not in ("secret_key", "settings.py")
    ]
    if others:
        problems.append(f"the instance folder {places.instance_dir} has files ({others[0].name}…)")
    return problems


def _extract(zf: zipfile.ZipFile, manifest: dict, staging: Path) -> None:
    """Write every member under staging, checking size and SHA-256 against the manifest."""
    for entry in manifest["files"]:
        target = staging / _safe_member(entry["path"])
        target.parent.mkdir(parents=True, exist_ok=True)
        digest, size = hashlib.sha256(), 0
        try:
            with zf.open(entry["path"]) as src, open(target, "wb") as out:
                while chunk := src.read(CHUNK):
                    digest.update(chunk)
                    out.write(chunk)
                    size += len(chunk)
        except KeyError as err:
            raise BackupError(f"The backup lacks {entry['path']}, which its manifest lists.") from err
        except zipfile.BadZipFile as err:
            raise BackupError(f"{entry['path']} is damaged in the archive: {err}") from err
        if size != entry.get("size") or digest.hexdigest() != entry.get("sha256"):
            raise BackupError(f"{entry['path']} does not match its checksum: the backup is damaged.")
        os.chmod(target, int(entry.get("mode") or 0o600) & 0o777)


def restore(places: Places, archive: Path, *, force: bool = False, now: datetime | None = None) -> dict:
    """Bring a backup back into this site's database and folders; returns the manifest, with the
    paths set aside listed under "set_aside".

    Raises BackupError when the archive is not a backup, is damaged (a checksum or CRC fails), comes
    from a newer schema, or the target holds data and `force` is not set; nothing is changed then.
    """
    kind = database_kind(places.database_url)
    try:
        zf = zipfile.ZipFile(archive)
    except (OSError, zipfile.BadZipFile) as err:
        raise BackupError(f"{archive} is not a readable backup archive: {err}") from err
    with zf:
        manifest = read_manifest(zf)
        if manifest.get("database") != kind:
            raise BackupError(
                f"This backup holds a {manifest.get('database')} database; this site uses {kind}. Restore it into "
                f"a site configured with the same kind of database."
            )
        _check_revision(manifest)
        if not force and (problems := target_problems(places)):
            raise BackupError(
                "Restore would overwrite data: " + "; ".join(problems) + ". Restore into a fresh site, or "
                "add --force to replace it (what is replaced is kept beside it, named *.before-restore-*)."
            )
        places.instance_dir.mkdir(parents=True, exist_ok=True)
        stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
        with tempfile.TemporaryDirectory(prefix=".restore-", dir=places.instance_dir) as work:
            staging = Path(work)
            _extract(zf, manifest, staging)
            set_aside = _put_in_place(places, kind, staging, stamp)
    return {**manifest, "set_aside": [str(p) for p in set_aside]}


def _put_in_place(places: Places, kind: str, staging: Path, stamp: str) -> list[Path]:
    set_aside: list[Path] = []
    if kind == "sqlite":
        staged = staging / SQLITE_MEMBER
        check_sqlite(staged)
        db_file = sqlite_path(places.database_url)
        db_file.parent.mkdir(parents=True, exist_ok=True)
        if db_file.exists():
            set_aside.append(db_file.rename(db_file.with_name(f"{db_file.name}.before-restore-{stamp}")))
        for suffix in ("-wal", "-shm", "-journal"):
            # A write-ahead log left from the old database would be replayed into the new one.
            Path(f"{db_file}{suffix}").unlink(missing_ok=True)
        shutil.move(staged, db_file)
    else:
        libpq, env = pg_env(places.database_url)
        run_tool(
            [
                pg_tool("pg_restore"),
                "--clean",
                "--if-exists",
                "--no-owner",
                "--no-privileges",
                "--single-transaction",
                "--exit-on-error",
                f"--dbname={libpq}",
                str(staging / PG_MEMBER),
            ],
            env,
        )
    media = staging / "media"
    if places.media_dir.is_dir() and any(places.media_dir.iterdir()):
        set_aside.append(
            places.media_dir.rename(places.media_dir.with_name(f"{places.media_dir.name}.before-restore-{stamp}"))
        )
    places.media_dir.mkdir(parents=True, exist_ok=True)
    if media.is_dir():
        for item in media.iterdir():
            shutil.move(item, places.media_dir / item.name)
    instance = staging / "instance"
    if instance.is_dir():
        for path in sorted(p for p in instance.rglob("*") if p.is_file()):
            relative = path.relative_to(instance)
            target = places.instance_dir / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            if relative.as_posix() == "settings.py" and target.exists():
                # This machine's own settings (database URL, addresses) win; the old ones are kept to read.
                target = target.with_name("settings.py.restored")
            elif relative.as_posix() != "secret_key" and target.exists() and target.read_bytes() != path.read_bytes():
                set_aside.append(target.rename(target.with_name(f"{target.name}.before-restore-{stamp}")))
            os.replace(path, target)
    return set_aside
