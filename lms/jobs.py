"""The background job queue: huey (MIT), on SQLite by default or Redis when configured.

Video renditions (lms.services.renditions) take seconds to minutes of ffmpeg, so they never run in
a web worker: a service names the job (``lms.extensions.jobs``), this module sends it to huey once
the request commits, and ``lms worker`` (started beside gunicorn by ``lms serve``) carries it out.
A minute-by-minute sweep picks up rows whose job was lost (a queue emptied, a worker killed).

Settings: ``JOBS_QUEUE`` = "sqlite" (``instance/jobs.db``), a ``redis://`` URL, "immediate" (run
in the caller, for tests and one-off scripts) or "off".
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import update

from lms.media import MediaUnreadable, TranscodeFailed
from lms.models import Rendition
from lms.services import renditions

log = logging.getLogger(__name__)

#: Progress is written to the database at most this often, in percentage points.
PROGRESS_STEP = 5


def make_rendition(app: Flask, rendition_id: int) -> None:
    """Carry out one rendition job in three short transactions: start, progress, finish."""
    maker = app.extensions["lms.sessionmaker"]
    media = Path(app.config["MEDIA_DIR"])
    with maker() as session, session.begin():
        job = renditions.start(session, rendition_id, media)
    if job is None:
        return
    last = [0]

    def report(share: float) -> None:
        percent = int(share * 100)
        if percent - last[0] >= PROGRESS_STEP:
            last[0] = percent
            with maker() as s, s.begin():
                s.execute(update(Rendition).where(Rendition.id == rendition_id).values(progress=percent))

    try:
        made, error = renditions.transcode(job, media, report), ""
    except (TranscodeFailed, MediaUnreadable, OSError, ValueError) as err:
        log.warning("rendition %s failed: %s", rendition_id, err)
        made, error = None, str(err)
    with maker() as session, session.begin():
        renditions.finish(session, rendition_id, made, error)


def sweep(app: Flask) -> list[int]:
    """Run every rendition left queued or stalled; returns their ids."""
    with app.extensions["lms.sessionmaker"]() as session:
        ids = renditions.stalled(session)
    for rendition_id in ids:
        make_rendition(app, rendition_id)
    return ids


def _make_huey(app: Flask, setting: str):  # -> huey.Huey
    from huey import MemoryHuey, RedisHuey, SqliteHuey

    if setting == "immediate":
        return MemoryHuey("sala", immediate=True)
    if setting.startswith(_REDIS):
        return RedisHuey("sala", url=setting)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    return SqliteHuey("sala", filename=str(Path(app.instance_path) / "jobs.db"))


_REDIS = ("redis://", "rediss://", "unix://")


def _bind(app: Flask, setting: str):  # -> huey.Huey
    """The queue with Sala's jobs registered on it (app.extensions["lms.huey"])."""
    from huey import crontab

    huey = _make_huey(app, setting)

    @huey.task(name=renditions.JOB, retries=1, retry_delay=30)
    def rendition_task(rendition_id: int) -> None:
        make_rendition(app, rendition_id)

    @huey.periodic_task(crontab(minute="*"), name="renditions.sweep")
    def sweep_task() -> None:
        sweep(app)

    app.extensions["lms.job_tasks"] = {renditions.JOB: rendition_task}
    return huey


def queue(app: Flask):  # -> huey.Huey | None
    """The app's queue, bound on first use, or None when ``JOBS_QUEUE`` is "off".

    Bound lazily because huey imports its storage back ends' drivers (redis, and psycopg 3 where
    installed: ~15 MiB resident), and most web workers never send a job: only an upload or an
    import does."""
    setting = str(app.config.get("JOBS_QUEUE") or "off")
    if setting == "off":
        return None
    with _binding:
        if "lms.huey" not in app.extensions:
            app.extensions["lms.huey"] = _bind(app, setting)
    return app.extensions["lms.huey"]


_binding = threading.Lock()


def init_app(app: Flask) -> None:
    """Check ``JOBS_QUEUE`` and let services send Sala's jobs to it (bound on first use: :func:`queue`).

    :raises ValueError: ``JOBS_QUEUE`` is not sqlite, a redis:// URL, immediate or off."""
    setting = str(app.config.get("JOBS_QUEUE") or "off")
    if setting not in ("off", "immediate", "sqlite") and not setting.startswith(_REDIS):
        raise ValueError(f"JOBS_QUEUE must be sqlite, a redis:// URL, immediate or off, not {setting!r}")
    app.cli.add_command(jobs_group)
    app.cli.add_command(worker)
    if setting == "off":
        return

    def send(name: str, args: tuple) -> None:
        queue(app)
        app.extensions["lms.job_tasks"][name](*args)

    app.extensions["lms.jobs"] = send


@click.command("worker", help="Run background jobs (video renditions) from the queue until stopped.")
@click.option("--workers", default=1, show_default=True, help="Jobs at a time (each runs one ffmpeg).")
@with_appcontext
def worker(workers: int) -> None:
    huey = queue(current_app._get_current_object())  # type: ignore[attr-defined]
    if huey is None or huey.immediate:
        click.echo("JOBS_QUEUE is off or immediate: there is no queue to work from; the worker stops.")
        return
    click.echo(f"Sala's job worker: {type(huey).__name__}, {workers} at a time")
    huey.create_consumer(workers=workers, periodic=True, check_worker_health=True).run()


@click.group("jobs", help="Background jobs.")
def jobs_group() -> None:
    pass


@jobs_group.command("sweep", help="Run every queued or stalled rendition now, in this process.")
@with_appcontext
def jobs_sweep() -> None:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    ids = sweep(app)
    click.echo(f"{len(ids)} rendition job(s) run.")
