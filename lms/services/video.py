"""A unit's video (or audio) and its poster, uploaded on the Teach video page.

Files are stored by lms.services.media under their content hash, typed by their first bytes;
the client's file name is never used. A unit's video row keeps the file name, type, size,
duration (seconds, measured by ffmpeg; None when it cannot tell), a description of what it shows, and an
optional poster image with its alt text.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import BinaryIO

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from lms.captions import media_duration
from lms.errors import FieldErrors, NotFound
from lms.models import Unit, Video
from lms.services import renditions
from lms.services.media import Stored, store_image, store_stream

log = logging.getLogger(__name__)

#: Posters larger than this (bytes) are refused unless the site sets POSTER_MAX_BYTES.
POSTER_MAX_BYTES = 5 * 1024 * 1024
#: Longest poster alt text, in characters.
POSTER_ALT_MAX = 1000


class MediaRejected(FieldErrors):
    """The video or audio file was refused (empty, too large, not a media file): {"video": message}."""

    def __init__(self, message: str):
        super().__init__({"video": message})


def _safe_duration(path: Path) -> float | None:
    try:
        return media_duration(path)
    except Exception:  # ffmpeg missing or confused: the length is shown when known, that is all
        log.warning("could not measure %s", path, exc_info=True)
        return None


def _store_media(stream: BinaryIO, media_dir: Path, max_bytes: int | None, field: str) -> tuple[str, str, int]:
    """A video or audio upload stored by its content hash: (filename, mime, size). Raises FieldErrors
    on `field` for a file too large, empty, or not WebM/MP4/MP3/M4A."""
    try:
        filename, mime, size = store_stream(stream, Path(media_dir), max_bytes=max_bytes)
    except ValueError as err:
        if str(err) == "too-large":
            raise FieldErrors({field: _("The file is larger than this site accepts.")}) from None
        if str(err) == "not-decodable":
            raise FieldErrors(
                {
                    field: _(
                        "This file starts like a video or audio file, but it cannot be played to the end: it may be cut off or damaged. Export or download it again, then upload the new file."
                    )
                }
            ) from None
        raise FieldErrors(
            {
                field: _(
                    "This file is not a WebM, MP4, MP3 or M4A file. Check you chose the video itself, not a link or a project file."
                )
            }
        ) from None
    if size == 0:
        raise FieldErrors({field: _("The file is empty.")})
    return filename, mime, size


def attach_video(
    session: Session,
    unit: Unit,
    stream: BinaryIO,
    media_dir: Path,
    *,
    description: str = "",
    max_bytes: int | None = None,
) -> Video:
    """Store an upload under its content hash and make it the unit's video. The type comes from
    the file's first bytes (WebM, MP4, MP3, M4A). Raises MediaRejected."""
    try:
        filename, mime, size = _store_media(stream, media_dir, max_bytes, "video")
    except FieldErrors as err:
        raise MediaRejected(err.errors["video"]) from None
    if unit.video is None:
        unit.video = Video(filename=filename, mime_type=mime, size_bytes=size)
    unit.video.filename, unit.video.mime_type, unit.video.size_bytes = filename, mime, size
    unit.video.duration = _safe_duration(Path(media_dir) / filename)
    unit.video.description = (description or "").strip()
    session.flush()
    renditions.plan(session, unit.video, Path(media_dir))
    return unit.video


def size_text(n: int) -> str:
    """A size limit in bytes as people read it: "5 MB", "1.5 MB", "64 KB"."""
    if n >= 1024 * 1024:
        return _("%(n)s MB", n=f"{n / (1024 * 1024):g}")
    return _("%(n)d KB", n=n // 1024)


def check_poster_alt(unit: Unit, alt: str, *, new_poster: bool) -> str:
    """The poster's alt text, cleaned, if it may be saved with the poster the video will have.
    A poster always needs alt text; alt text with no poster is a forgotten file. Raises
    FieldErrors ("poster_alt" or "poster")."""
    alt = (alt or "").strip()
    has_poster = new_poster or (unit.video is not None and unit.video.poster_filename is not None)
    if len(alt) > POSTER_ALT_MAX:
        raise FieldErrors(
            {"poster_alt": _("Keep the poster description to %(n)d characters or fewer.", n=POSTER_ALT_MAX)}
        )
    if has_poster and not alt:
        raise FieldErrors({"poster_alt": _("Describe the poster image for people who cannot see it.")})
    if alt and not has_poster:
        raise FieldErrors(
            {"poster": _("Choose the poster image this description is for, or leave the description empty.")}
        )
    return alt


def store_poster(stream: BinaryIO, media_dir: Path, *, max_bytes: int | None = POSTER_MAX_BYTES) -> Stored:
    """Store a poster image (PNG, JPEG or WebP) by its content hash. Raises FieldErrors ("poster")."""
    try:
        return store_image(stream, Path(media_dir), max_bytes=max_bytes)
    except ValueError as err:
        if str(err) == "too-large":
            raise FieldErrors(
                {
                    "poster": _(
                        "The poster image is larger than the limit of %(limit)s, so nothing was "
                        "saved. Make it smaller, for example 1280 by 720 pixels.",
                        limit=size_text(max_bytes or 0),
                    )
                }
            ) from None
        raise FieldErrors(
            {"poster": _("This file is not a PNG, JPEG or WebP image. Choose a still picture for the poster.")}
        ) from None


def _forget(media_dir: Path, stored: Stored | None) -> None:
    """Delete a file this request added, when what it was for was refused."""
    if stored is not None and stored.created:
        (Path(media_dir) / stored.filename).unlink(missing_ok=True)


def save_video(
    session: Session,
    unit: Unit,
    media_dir: Path,
    *,
    video: BinaryIO | None = None,
    description: str = "",
    poster: BinaryIO | None = None,
    poster_alt: str = "",
    max_bytes: int | None = None,
    poster_max_bytes: int | None = POSTER_MAX_BYTES,
) -> Video:
    """The Teach video page in one step: an optional new video file, an optional new poster, and
    their texts. Without a new video file the unit must have one already (its file is kept).

    Every check runs before anything is kept: the poster is stored first and deleted again if the
    video is refused, so a rejected form leaves no new file behind. Raises MediaRejected (the video
    file) or FieldErrors ("poster", "poster_alt")."""
    if video is None and unit.video is None:
        raise MediaRejected(_("Choose a video or audio file to upload."))
    alt = check_poster_alt(unit, poster_alt, new_poster=poster is not None)
    stored = store_poster(poster, media_dir, max_bytes=poster_max_bytes) if poster is not None else None
    try:
        if video is not None:
            attach_video(session, unit, video, media_dir, description=description, max_bytes=max_bytes)
        elif unit.video is not None:
            unit.video.description = (description or "").strip()
    except BaseException:
        _forget(media_dir, stored)
        raise
    assert unit.video is not None  # attached above, or checked at the start
    if stored is not None:
        unit.video.poster_filename, unit.video.poster_mime = stored.filename, stored.mime
    unit.video.poster_alt = alt
    session.flush()
    return unit.video


def remove_poster(session: Session, unit: Unit) -> None:
    """Take the poster off the unit's video; the file stays, as another video may share it."""
    if unit.video is None or unit.video.poster_filename is None:
        raise NotFound()
    unit.video.poster_filename = unit.video.poster_mime = None
    unit.video.poster_alt = ""
    session.flush()


def attach_described(
    session: Session, unit: Unit, stream: BinaryIO, media_dir: Path, *, max_bytes: int | None = None
) -> Video:
    """Store the version of the unit's video with audio description spoken in it; learners who
    turn descriptions on are given it instead of the plain one. The same checks as the main video
    (type by its first bytes, size, not empty). Raises FieldErrors ("described"); NotFound when the
    unit has no video yet."""
    if unit.video is None:
        raise NotFound()
    filename, mime, size = _store_media(stream, media_dir, max_bytes, "described")
    unit.video.described_filename, unit.video.described_mime, unit.video.described_size_bytes = filename, mime, size
    session.flush()
    return unit.video


def remove_described(session: Session, unit: Unit) -> None:
    """Take the described version off the unit's video; the file stays, as another video may share it."""
    if unit.video is None or unit.video.described_filename is None:
        raise NotFound()
    unit.video.described_filename = unit.video.described_mime = None
    unit.video.described_size_bytes = None
    session.flush()


def remove_video(session: Session, unit: Unit) -> None:
    """Unlink the video from the unit; the file stays, as another unit may share it."""
    if unit.video is None:
        raise NotFound()
    unit.video = None
    session.flush()
