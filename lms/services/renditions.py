"""Smaller versions of unit videos for learners who pay per megabyte: audio only and 240p.

A video upload or import *plans* its renditions (:func:`plan`): a row per kind, "queued", and a
job sent to the background queue once the request commits (``lms.extensions.jobs``; the worker is
``lms worker``, see ``lms/jobs.py``). The worker :func:`start`\\ s a job, runs :func:`transcode`
(ffmpeg through lms.media, reporting progress) and :func:`finish`\\ es it; the trainer's video page
shows each row's status and progress, and the learner's unit page offers the ready ones
(:func:`versions`), each with its size, before anything downloads.

Seed courses ship their audio-only files: :func:`attach_ready` stores one as a ready rendition.
"""

from __future__ import annotations

import datetime as dt
import logging
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from lms.extensions import jobs
from lms.media import MediaInfo, MediaUnreadable, TranscodeFailed, audio_only, probe, small_video, wants_small_video
from lms.models import Rendition, Video
from lms.models._types import utcnow
from lms.services.media import store_file

log = logging.getLogger(__name__)

#: The job name the queue runs for one rendition id.
JOB = "renditions.make"
#: A "running" row not updated for this long belongs to a worker that died: it is queued again.
STALLED_AFTER = dt.timedelta(minutes=30)


def wanted_kinds(info: MediaInfo) -> list[str]:
    """Which renditions make sense: audio only when there is a picture to leave out, 240p when
    the picture is taller than 240 px."""
    kinds = []
    if info.has_video and info.has_audio:
        kinds.append("audio")
    if wants_small_video(info):
        kinds.append("small")
    return kinds


def plan(session: Session, video: Video, media_dir: Path) -> list[Rendition]:
    """Bring the video's renditions in line with its current file: drop those made from an
    older file or no longer wanted, queue the missing ones (their jobs are sent after commit).
    Returns the newly queued rows. A file ffmpeg cannot read gets no renditions."""
    try:
        info = probe(Path(media_dir) / video.filename)
    except (OSError, MediaUnreadable):
        log.warning("no renditions for %s: ffmpeg cannot read it", video.filename)
        wanted = []
    else:
        wanted = wanted_kinds(info)
    for old in list(video.renditions):
        if old.source_filename != video.filename or old.kind not in wanted:
            video.renditions.remove(old)
    session.flush()  # the unit of work inserts before it deletes: clear the old (video, kind) first
    have = {r.kind for r in video.renditions}
    new = [Rendition(kind=k, source_filename=video.filename, status="queued") for k in wanted if k not in have]
    video.renditions.extend(new)
    session.flush()
    for rendition in new:
        jobs.enqueue_after_commit(session, JOB, rendition.id)
    return new


def attach_ready(session: Session, video: Video, kind: str, path: Path, media_dir: Path) -> Rendition:
    """Store a rendition made elsewhere (a seed course's audio file) as ready. Raises ValueError
    ("not-media") when ffmpeg cannot decode it."""
    filename, mime, size = store_file(path, Path(media_dir))
    rendition = next((r for r in video.renditions if r.kind == kind), None)
    if rendition is None:
        rendition = Rendition(kind=kind)
        video.renditions.append(rendition)
    rendition.source_filename = video.filename
    rendition.status, rendition.progress, rendition.error = "ready", 100, ""
    rendition.filename, rendition.mime_type, rendition.size_bytes = filename, mime, size
    session.flush()
    return rendition


@dataclass(frozen=True)
class Job:
    """What a worker needs to make one rendition, read in one short transaction."""

    rendition_id: int
    kind: str
    source: Path


def start(session: Session, rendition_id: int, media_dir: Path) -> Job | None:
    """Mark a queued rendition as running and return its job; None when there is nothing to do
    (gone, already made, or made from a file the video no longer has)."""
    rendition = session.get(Rendition, rendition_id)
    if rendition is None or rendition.status == "ready":
        return None
    if rendition.source_filename != rendition.video.filename:
        session.delete(rendition)
        session.flush()
        return None
    rendition.status, rendition.progress, rendition.error = "running", 0, ""
    session.flush()
    return Job(rendition.id, rendition.kind, Path(media_dir) / rendition.source_filename)


def transcode(job: Job, media_dir: Path, report: Callable[[float], None] | None = None) -> tuple[str, str, int]:
    """Make the file (no database work, so it can run outside any transaction) and store it under
    its content hash. Returns (filename, mime, size). Raises TranscodeFailed or MediaUnreadable."""
    info = probe(job.source)
    make = audio_only if job.kind == "audio" else small_video
    with tempfile.TemporaryDirectory(dir=media_dir, prefix=".rendition-") as tmp:
        out = make(job.source, Path(tmp) / "out.webm", info, progress=report)
        try:
            return store_file(out, Path(media_dir))
        except ValueError:
            raise MediaUnreadable("the made file does not decode") from None


def finish(session: Session, rendition_id: int, made: tuple[str, str, int] | None, error: str = "") -> None:
    """Record a job's result: the stored file, or the reason it failed."""
    rendition = session.get(Rendition, rendition_id)
    if rendition is None:
        return
    if made is None:
        rendition.status, rendition.error = "failed", error[:1000]
    else:
        rendition.status, rendition.progress, rendition.error = "ready", 100, ""
        rendition.filename, rendition.mime_type, rendition.size_bytes = made
    session.flush()


def stalled(session: Session) -> list[int]:
    """Ids of renditions a worker should pick up: queued ones, and running ones whose worker
    stopped reporting (see :data:`STALLED_AFTER`)."""
    cutoff = utcnow() - STALLED_AFTER
    return list(
        session.scalars(
            select(Rendition.id)
            .where(or_(Rendition.status == "queued", (Rendition.status == "running") & (Rendition.updated_at < cutoff)))
            .order_by(Rendition.id)
        )
    )


def retry(session: Session, video: Video) -> list[Rendition]:
    """Queue the video's failed renditions again (the trainer's "Try again")."""
    again = [r for r in video.renditions if r.status == "failed"]
    for rendition in again:
        rendition.status, rendition.progress, rendition.error = "queued", 0, ""
    session.flush()
    for rendition in again:
        jobs.enqueue_after_commit(session, JOB, rendition.id)
    return again


#: The versions a learner can choose, lightest last; "transcript" downloads no media at all.
VERSIONS = ("video", "small", "audio", "transcript")


@dataclass(frozen=True)
class Version:
    """One way to take a unit's video: its kind (see :data:`VERSIONS`), file and size in bytes."""

    kind: str
    filename: str | None
    mime_type: str | None
    size_bytes: int


def versions(video: Video) -> list[Version]:
    """The versions of this video a learner can choose now: the full video, the ready
    renditions, and the transcript alone, in the order of :data:`VERSIONS`."""
    found = {"video": Version("video", video.filename, video.mime_type, video.size_bytes)}
    for r in video.renditions:
        if r.status == "ready" and r.filename and r.source_filename == video.filename:
            found[r.kind] = Version(r.kind, r.filename, r.mime_type, r.size_bytes or 0)
    found["transcript"] = Version("transcript", None, None, 0)
    return [found[k] for k in VERSIONS if k in found]


__all__ = [
    "JOB",
    "TranscodeFailed",
    "Version",
    "attach_ready",
    "finish",
    "plan",
    "retry",
    "stalled",
    "start",
    "transcode",
    "versions",
    "wanted_kinds",
]
