"""Storing media files: sniffed by content, decoded by ffmpeg, named by hash, written atomically.

A video or audio file is kept only when its first bytes say what it is AND ffmpeg decodes it end to
end (lms.media.check_decodes): a media signature followed by an HTML page, or a cut-off upload, is
refused like any other file that is not media.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from lms.media import MediaUnreadable, check_decodes

log = logging.getLogger(__name__)


#: (mime type, extension) by what the file starts with, never by its name.
def sniff_media(head: bytes) -> tuple[str, str] | None:
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return ("video/webm", "webm")  # Matroska/WebM EBML header
    if len(head) >= 12 and head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in (b"M4A ", b"M4B "):
            return ("audio/mp4", "m4a")
        return ("video/mp4", "mp4")
    if head.startswith(b"ID3") or (len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return ("audio/mpeg", "mp3")
    return None


def sniff_image(head: bytes) -> tuple[str, str] | None:
    """PNG, JPEG or WebP, by signature: the image types every browser shows as a video poster."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return ("image/png", "png")
    if head.startswith(b"\xff\xd8\xff"):
        return ("image/jpeg", "jpg")
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return ("image/webp", "webp")
    return None


@dataclass(frozen=True)
class Stored:
    filename: str
    mime: str
    size: int
    #: False when a file with the same content was there already (it may belong to another unit).
    created: bool


def store(
    stream: BinaryIO,
    media_dir: Path,
    sniff: Callable[[bytes], tuple[str, str] | None] = sniff_media,
    *,
    max_bytes: int | None = None,
    check: Callable[[Path], None] | None = None,
) -> Stored:
    """Copy a stream into media_dir as <sha256>.<ext>, the type decided by `sniff` on the first bytes.

    Written to a temporary file first and renamed into place, so an interrupted or rejected
    upload leaves nothing behind. ``check`` (given the temporary file) may raise ValueError to
    refuse it. Raises ValueError("not-media"), ValueError("too-large") or what ``check`` raises.
    """
    media_dir = Path(media_dir)
    media_dir.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    head = b""
    fd, tmp_name = tempfile.mkstemp(dir=media_dir, prefix=".upload-", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out:
            while chunk := stream.read(1024 * 1024):
                if len(head) < 64:
                    head += chunk[: 64 - len(head)]
                size += len(chunk)
                if max_bytes is not None and size > max_bytes:
                    raise ValueError("too-large")
                digest.update(chunk)
                out.write(chunk)
        kind = sniff(head)
        if kind is None:
            raise ValueError("not-media")
        mime, ext = kind
        filename = f"{digest.hexdigest()}.{ext}"
        created = not (media_dir / filename).exists()
        if check is not None and created:  # the same bytes, stored before, passed already
            check(Path(tmp_name))
        os.replace(tmp_name, media_dir / filename)
        return Stored(filename, mime, size, created)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


def decodes(path: Path) -> None:
    """Raise ValueError("not-decodable") unless ffmpeg decodes the file end to end."""
    try:
        check_decodes(path)
    except MediaUnreadable as err:
        log.info("refused %s: %s", path.name, err.reason)
        raise ValueError("not-decodable") from None


def store_stream(stream: BinaryIO, media_dir: Path, *, max_bytes: int | None = None) -> tuple[str, str, int]:
    """A video or audio stream into media_dir (see store), checked by :func:`decodes`; returns
    (filename, mime, size). Raises ValueError("not-media"), ValueError("not-decodable") or
    ValueError("too-large")."""
    stored = store(stream, media_dir, sniff_media, max_bytes=max_bytes, check=decodes)
    return stored.filename, stored.mime, stored.size


def store_image(stream: BinaryIO, media_dir: Path, *, max_bytes: int | None = None) -> Stored:
    """A PNG, JPEG or WebP image into media_dir (see store)."""
    return store(stream, media_dir, sniff_image, max_bytes=max_bytes)


def store_file(path: Path, media_dir: Path) -> tuple[str, str, int]:
    with open(path, "rb") as fh:
        return store_stream(fh, media_dir)


def store_image_file(path: Path, media_dir: Path) -> Stored:
    with open(path, "rb") as fh:
        return store_image(fh, media_dir)
