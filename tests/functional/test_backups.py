"""`lms backup` and `lms restore`: a backup taken while learners write is one consistent moment,
and restoring it elsewhere gives back every row and file (issue 10, item 9)."""

from __future__ import annotations

import sqlite3
import threading
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select

from lms import create_app, migrate
from lms.db import get_session
from lms.models import Course, Enrollment, User
from lms.services import backups, restore
from tests.factories import PASSWORD, make_course, make_user
from tests.helpers import folder_digest, postgres_database, table_rows

#: Left out of the instance comparison: the database itself, and the media folder compared apart.
_NOT_INSTANCE = ("lms.db", "media/", "cache/")


def make_site(folder: Path, database_url: str | None = None, *, migrated: bool = True):
    """An app on its own instance folder (SQLite inside it unless a URL is given)."""
    url = database_url or f"sqlite:///{folder / 'instance' / 'lms.db'}"
    (folder / "instance").mkdir(parents=True, exist_ok=True)
    if migrated:
        migrate.upgrade(url)
    return create_app(
        {"INSTANCE_PATH": str(folder / "instance"), "DATABASE_URL": url, "TESTING": True, "SERVER_NAME": "localhost"}
    )


def places(app) -> backups.Places:
    return backups.Places(
        database_url=app.config["DATABASE_URL"],
        media_dir=Path(app.config["MEDIA_DIR"]),
        instance_dir=Path(app.instance_path),
        cache_dir=Path(app.config["CACHE_DIR"]),
    )


def fill(app) -> None:
    """Accounts, a course with a quiz, media files (one in a sub-folder), the issuer's signing key."""
    from lms.credentials import keys

    owner = make_user(app, email="trainer@example.org", role="trainer")
    make_course(app, owner, quiz=True)
    make_user(app)
    media = Path(app.config["MEDIA_DIR"])
    (media / "posters").mkdir(parents=True, exist_ok=True)
    (media / "clip.webm").write_bytes(b"\x1a\x45\xdf\xa3" + bytes(range(256)) * 400)
    (media / "posters" / "clip.jpg").write_bytes(b"\xff\xd8\xff" + b"poster" * 100)
    (media / "talk.vtt").write_text("WEBVTT\n\n00:00.000 --> 00:01.000\nសួស្តី\n", encoding="utf-8")
    keys.load_or_create_issuer_key(app.instance_path)


def counts(url: str) -> dict[str, int]:
    return {name: len(rows) for name, rows in table_rows(url).items()}


class Learners(threading.Thread):
    """Keeps signing up learners who enrol, finish the unit and open a quiz attempt: one transaction
    each, through the services, until stopped."""

    def __init__(self, app):
        super().__init__(daemon=True)
        self.app, self.stop, self.done, self.error = app, threading.Event(), 0, None

    def run(self):
        from lms.services import accounts, enrollment, progress, quizzes

        try:
            with self.app.app_context():
                session = get_session()
                course = session.scalars(select(Course).where(Course.slug == "first-aid")).one()
                while not self.stop.is_set():
                    n = self.done
                    user = accounts.register(session, name=f"Learner {n}", email=f"l{n}@example.org", password=PASSWORD)
                    enrollment.enroll(session, user, course)
                    progress.mark_done(session, user, course.units[0])
                    quizzes.open_attempt(session, user, course.quiz)
                    session.commit()
                    self.done += 1
        except Exception as err:  # noqa: BLE001 - reported by the test
            self.error = err


def test_backup_taken_under_load_is_one_consistent_moment(tmp_path):
    """While learners write, the backup holds whole transactions only, between the counts before and after."""
    source = make_site(tmp_path / "source")
    fill(source)
    url = source.config["DATABASE_URL"]
    writer = Learners(source)
    writer.start()
    try:
        while writer.done < 20 and writer.error is None:
            threading.Event().wait(0.01)
        # Until some learner's transaction provably landed while the backup ran (a fast backup on an
        # idle machine can fall between two of them).
        for _attempt in range(20):
            before = counts(url)
            manifest = backups.backup(places(source), tmp_path / "backup.zip")
            after = counts(url)
            if after["users"] > before["users"] or writer.error is not None:
                break
    finally:
        writer.stop.set()
        writer.join(timeout=30)
    assert writer.error is None, writer.error
    target = make_site(tmp_path / "target", migrated=False)
    restore.restore(places(target), tmp_path / "backup.zip")
    restored_db = Path(target.instance_path) / "lms.db"
    with sqlite3.connect(restored_db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    conn.close()
    restored = counts(target.config["DATABASE_URL"])
    for table, n in restored.items():
        assert before[table] <= n <= after[table], f"{table}: {before[table]} <= {n} <= {after[table]}"
    assert after["users"] > before["users"], "the learners kept writing during the backup"
    # Each learner's transaction is there whole or not at all.
    assert restored["users"] - 2 == restored["enrollments"] == restored["unit_progress"] == restored["attempts"]
    assert manifest["alembic_revision"] and manifest["database"] == "sqlite"


def test_restored_site_has_every_row_and_file(tmp_path):
    """Restoring into a fresh site gives the same rows in every table, media and instance files (keys
    included), and `lms db upgrade` then works."""
    source = make_site(tmp_path / "source")
    fill(source)
    out = tmp_path / "site.zip"
    result = source.test_cli_runner().invoke(args=["backup", str(out)])
    assert result.exit_code == 0, result.output
    target = make_site(tmp_path / "target", migrated=False)
    result = target.test_cli_runner().invoke(args=["restore", str(out)])
    assert result.exit_code == 0, result.output
    assert "lms db upgrade" in result.output
    assert table_rows(target.config["DATABASE_URL"]) == table_rows(source.config["DATABASE_URL"])
    assert folder_digest(Path(target.config["MEDIA_DIR"])) == folder_digest(Path(source.config["MEDIA_DIR"]))
    assert len(folder_digest(Path(target.config["MEDIA_DIR"]))) == 3
    instance = folder_digest(Path(target.instance_path), _NOT_INSTANCE)
    assert instance == folder_digest(Path(source.instance_path), _NOT_INSTANCE)
    assert {"secret_key", "issuer_ed25519.pem"} <= set(instance)
    assert (Path(target.instance_path) / "issuer_ed25519.pem").stat().st_mode & 0o077 == 0
    result = target.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    with target.app_context():
        assert get_session().scalars(select(User.email).order_by(User.email)).all() == [
            "learner@example.org",
            "trainer@example.org",
        ]
    target.extensions["lms.engine"].dispose()


def test_restore_refuses_a_site_with_data_unless_forced(tmp_path):
    """Restore will not overwrite a site that holds data; with --force it does, keeping what it replaced."""
    source = make_site(tmp_path / "source")
    fill(source)
    out = tmp_path / "site.zip"
    backups.backup(places(source), out)
    target = make_site(tmp_path / "target")
    make_user(target, email="someone.else@example.org")
    result = target.test_cli_runner().invoke(args=["restore", str(out)])
    assert result.exit_code == 1 and "Restore would overwrite data: the database" in result.output
    assert "--force" in result.output
    assert [
        u for (u,) in sqlite3.connect(Path(target.instance_path) / "lms.db").execute("SELECT email FROM users")
    ] == ["someone.else@example.org"]
    result = target.test_cli_runner().invoke(args=["restore", "--force", str(out)])
    assert result.exit_code == 0, result.output
    assert table_rows(target.config["DATABASE_URL"]) == table_rows(source.config["DATABASE_URL"])
    kept = list(Path(target.instance_path).glob("lms.db.before-restore-*"))
    assert len(kept) == 1 and "Kept what it replaced" in result.output
    with sqlite3.connect(kept[0]) as conn:
        assert conn.execute("SELECT email FROM users").fetchall() == [("someone.else@example.org",)]
    conn.close()


def test_damaged_backup_is_refused_and_changes_nothing(tmp_path):
    """A member whose bytes no longer match its checksum stops the restore before anything is replaced."""
    source = make_site(tmp_path / "source")
    fill(source)
    good, bad = tmp_path / "good.zip", tmp_path / "bad.zip"
    backups.backup(places(source), good)
    with zipfile.ZipFile(good) as zin, zipfile.ZipFile(bad, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "media/talk.vtt":
                data = data.replace("សួស្តី".encode(), b"hello!")
            zout.writestr(info, data)
    target = make_site(tmp_path / "target", migrated=False)
    with pytest.raises(backups.BackupError, match="media/talk.vtt does not match its checksum"):
        restore.restore(places(target), bad)
    assert not (Path(target.instance_path) / "lms.db").exists()
    assert not Path(target.config["MEDIA_DIR"]).exists() or not any(Path(target.config["MEDIA_DIR"]).iterdir())
    with pytest.raises(backups.BackupError, match="not a Sala backup"):
        restore.restore(places(target), _zip_with(tmp_path / "other.zip", {"hello.txt": b"hi"}))


def _zip_with(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def test_archive_with_an_unsafe_name_is_refused(tmp_path):
    """A manifest naming a path outside the site's folders is refused before extraction."""
    import json

    manifest = {
        "format": "sala-backup",
        "format_version": 1,
        "database": "sqlite",
        "alembic_revision": None,
        "files": [{"path": "media/../../escape.txt", "size": 2, "sha256": "0" * 64}],
    }
    archive = _zip_with(
        tmp_path / "evil.zip", {"manifest.json": json.dumps(manifest).encode(), "media/../../escape.txt": b"hi"}
    )
    target = make_site(tmp_path / "target", migrated=False)
    with pytest.raises(backups.BackupError, match="unsafe file name"):
        restore.restore(places(target), archive)
    assert not (tmp_path / "escape.txt").exists()


def test_postgresql_backup_restores_every_row(tmp_path):
    """On PostgreSQL, pg_dump's archive restores with pg_restore into a fresh database, row for row."""
    import shutil

    if not (shutil.which("pg_dump") and shutil.which("pg_restore")):
        pytest.skip("pg_dump and pg_restore are not installed (Debian: postgresql-client)")
    with postgres_database() as first, postgres_database() as second:
        source = make_site(tmp_path / "source", first)
        fill(source)
        with source.app_context():
            from lms.services import enrollment

            session = get_session()
            user = session.scalars(select(User).where(User.email == "learner@example.org")).one()
            enrollment.enroll(session, user, session.scalars(select(Course)).one())
            session.commit()
        out = tmp_path / "pg.zip"
        manifest = backups.backup(places(source), out)
        assert manifest["database"] == "postgresql" and manifest["files"][0]["path"] == "database/lms.pgdump"
        target = make_site(tmp_path / "target", second, migrated=False)
        restore.restore(places(target), out)
        migrate.upgrade(second)
        assert table_rows(second) == table_rows(first)
        assert len(table_rows(second)["enrollments"]) == 1
        assert folder_digest(Path(target.config["MEDIA_DIR"])) == folder_digest(Path(source.config["MEDIA_DIR"]))
        for app in (source, target):
            app.extensions["lms.engine"].dispose()
        assert Enrollment.__tablename__ == "enrollments"


def test_backup_inside_the_instance_folder_is_refused(tmp_path):
    """A backup written into the instance folder would hold every earlier one: refused with the reason."""
    source = make_site(tmp_path / "source")
    result = source.test_cli_runner().invoke(args=["backup", str(Path(source.instance_path) / "b.zip")])
    assert result.exit_code == 1 and "Write the backup outside" in result.output
    assert not (Path(source.instance_path) / "b.zip").exists()
