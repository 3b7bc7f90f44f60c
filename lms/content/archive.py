"""Import a course from a zip, safely and all at once.

A course archive is one folder named after the course's slug, in the content/courses format
(docs/content-format.md), as lms.content.exporter writes it::

    public-speaking/course.yaml
    public-speaking/units/01-why-we-speak.md
    public-speaking/media/01-why-we-speak.webm
    public-speaking/captions/01-why-we-speak.en.vtt
    public-speaking/quiz.yaml

Zips come from people, so nothing in one is trusted: names that climb out of the folder (``../``),
absolute names, drive letters and backslashes, symbolic links, encrypted entries, duplicate names,
too many entries and zip bombs are refused before anything is written outside a fresh temporary
folder. Sizes in the zip's headers can lie, so every entry is read through a running byte count
that stops at the limits whatever the headers say. `read_course_archive` then loads the whole
course (every file parsed) and hands it over while the temporary folder still exists; messages
name files as they are in the zip, never the temporary folder.

This module only reads the format. Who may import, the database and the media folder are
lms.services.course_archive.
"""

from __future__ import annotations

import os
import re
import stat
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from flask_babel import gettext as _

from lms.content.loader import CourseData, load_course
from lms.errors import ContentError, LmsError
from lms.text import SLUG_RE, slugify

_DRIVE_RE = re.compile(r"^[A-Za-z]:")
_CHUNK = 64 * 1024
#: Files that macOS and Windows add to zips made in their file managers; skipped, not refused.
#: Folders and files operating systems add to a zip on their own: macOS's resource forks
#: (__MACOSX/ and AppleDouble "._name" files beside each file), Finder's .DS_Store, Windows
#: Explorer's Thumbs.db and desktop.ini. Skipped wherever they are, never imported.
_JUNK_FOLDERS = {"__MACOSX", ".Spotlight-V100", ".Trashes", ".fseventsd"}
_JUNK_NAMES = {".ds_store", "thumbs.db", "ehthumbs.db", "desktop.ini"}


@dataclass(frozen=True)
class Limits:
    #: Entries (files and folders) an archive may hold.
    max_files: int = 2000
    #: Total bytes once uncompressed, counted while reading.
    max_bytes: int = 500 * 1024 * 1024
    #: Largest uncompressed/compressed ratio for one entry; text compresses about 3 to 10 times.
    max_ratio: int = 100
    #: Entries smaller than this once uncompressed are not ratio-checked (tiny files compress well).
    ratio_floor: int = 1024 * 1024

    @classmethod
    def from_config(cls, config) -> Limits:
        default = cls()
        return cls(
            max_files=int(config.get("ARCHIVE_MAX_FILES", default.max_files)),
            max_bytes=int(config.get("ARCHIVE_MAX_BYTES", default.max_bytes)),
            max_ratio=int(config.get("ARCHIVE_MAX_RATIO", default.max_ratio)),
            ratio_floor=int(config.get("ARCHIVE_RATIO_FLOOR", default.ratio_floor)),
        )


class ArchiveError(LmsError):
    """The zip cannot be imported; the message names the file (and line) to fix."""

    status = 422

    def __init__(self, message: str, name: str = "", line: int = 0):
        super().__init__(message)
        self.name, self.line = name, line


class ArchiveTooLarge(ArchiveError):
    status = 413


def _is_junk(name: str) -> bool:
    """True for OS litter (see _JUNK_FOLDERS and _JUNK_NAMES) at any depth of the zip."""
    parts = [p for p in name.split("/") if p]
    if not parts:
        return False
    base = parts[-1]
    return (
        any(p in _JUNK_FOLDERS for p in parts)
        or base.lower() in _JUNK_NAMES
        or (base.startswith("._") and not name.endswith("/"))
    )


def _check_name(info: zipfile.ZipInfo) -> None:
    name = info.filename
    problem = None
    if "\x00" in name or any(ord(ch) < 32 for ch in name):
        name = name.encode("unicode_escape").decode()
        problem = _("the file name contains control characters.")
    elif "\\" in name:
        problem = _("file names in the zip must use / between folders, not \\.")
    elif name.startswith("/"):
        problem = _("the zip holds an absolute path. Zip the course folder itself.")
    elif _DRIVE_RE.match(name):
        problem = _("the zip holds a path with a drive letter. Zip the course folder itself.")
    elif ".." in name.split("/"):
        problem = _("the path leads outside the course folder (..), so the zip was refused.")
    elif stat.S_ISLNK(info.external_attr >> 16):
        problem = _("the zip holds a symbolic link. Put the file itself in the zip.")
    elif info.flag_bits & 0x1:
        problem = _("the file is encrypted. Zip the course without a password.")
    if problem:
        raise ArchiveError(_("“%(name)s”: %(problem)s", name=name, problem=problem), name)


def _entry_count(source: BinaryIO) -> int | None:
    """The entry count from the end-of-central-directory record, read before zipfile parses the
    whole directory (which would build one object per entry, however many there are)."""
    source.seek(0, os.SEEK_END)
    size = source.tell()
    tail_size = min(size, 65536 + 22)
    source.seek(size - tail_size)
    tail = source.read(tail_size)
    source.seek(0)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or at + 22 > len(tail):
        return None
    return int.from_bytes(tail[at + 10 : at + 12], "little")


def _course_root(names: list[str]) -> str:
    """The one top-level folder holding course.yaml; refuses any other layout."""
    tops = {n.split("/", 1)[0] for n in names}
    if "course.yaml" in names:
        raise ArchiveError(
            _(
                "course.yaml is at the top of the zip. Zip the course folder itself, so the zip "
                "holds one folder named after the course, e.g. public-speaking/course.yaml."
            ),
            "course.yaml",
        )
    if len(tops) != 1:
        raise ArchiveError(
            _(
                "The zip must hold exactly one course folder, e.g. public-speaking/course.yaml; it holds %(names)s.",
                names=", ".join(sorted(tops)[:5]),
            )
        )
    root = tops.pop()
    if f"{root}/course.yaml" not in names:
        raise ArchiveError(
            _("%(root)s/course.yaml is missing: every course needs a course.yaml.", root=root), f"{root}/course.yaml"
        )
    if not slugify(root):
        raise ArchiveError(
            _(
                "“%(root)s”: the course folder's name becomes the course's web address, so it needs "
                "some Latin letters or digits, e.g. public-speaking.",
                root=root,
            ),
            root,
        )
    return root


#: Compression methods Python's zipfile reads; anything else is refused before reading.
_READABLE = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}


def _check_readable(info: zipfile.ZipInfo) -> None:
    """Encrypted entries were already refused by _check_name."""
    if info.compress_type not in _READABLE:
        raise ArchiveError(
            _(
                "“%(name)s” uses a compression method Sala cannot read. Export the course again as a standard zip.",
                name=info.filename,
            ),
            info.filename,
        )


def extract(source: BinaryIO, dest: Path, limits: Limits = Limits()) -> Path:
    """Check and extract a course zip into dest; returns the course folder inside dest."""
    dest = Path(dest).resolve()
    try:
        count = _entry_count(source)
        if count is not None and (count == 0xFFFF or count > limits.max_files):
            raise ArchiveError(_("The zip holds too many files (the limit is %(n)d).", n=limits.max_files))
        archive = zipfile.ZipFile(source)
    except zipfile.BadZipFile:
        raise ArchiveError(_("This file is not a zip archive, or it is damaged. Export the course again.")) from None
    with archive:
        infos = archive.infolist()
        if len(infos) > limits.max_files:
            raise ArchiveError(_("The zip holds too many files (the limit is %(n)d).", n=limits.max_files))
        seen: set[str] = set()
        members = []
        for info in infos:
            _check_name(info)
            if _is_junk(info.filename):
                continue
            key = info.filename.rstrip("/")
            if key in seen:
                raise ArchiveError(_("“%(name)s” is in the zip twice.", name=key), key)
            seen.add(key)
            if not info.is_dir():
                members.append(info)
        if not members:
            raise ArchiveError(_("The zip is empty: it holds no course.yaml."))
        root = _course_root([m.filename for m in members])
        # A folder named "Public Speaking (2)" by a file manager is read as public-speaking-2.
        slug = root if SLUG_RE.match(root) else slugify(root)
        total = 0
        for info in members:
            _check_readable(info)
            target = (dest / slug / info.filename[len(root) + 1 :]).resolve()
            if dest not in target.parents:
                raise ArchiveError(
                    _(
                        "“%(name)s”: the path leads outside the course folder, so the zip was refused.",
                        name=info.filename,
                    ),
                    info.filename,
                )
            target.parent.mkdir(parents=True, exist_ok=True)
            cap = max(limits.ratio_floor, info.compress_size * limits.max_ratio)
            written = 0
            try:
                with archive.open(info) as src, open(target, "xb") as out:
                    while chunk := src.read(_CHUNK):
                        written += len(chunk)
                        total += len(chunk)
                        if total > limits.max_bytes:
                            raise ArchiveTooLarge(
                                _(
                                    "The zip unpacks to more than %(mb)d MB, the limit for a course. Stopped at “%(name)s”.",
                                    mb=limits.max_bytes // (1024 * 1024),
                                    name=info.filename,
                                ),
                                info.filename,
                            )
                        if written > cap:
                            raise ArchiveTooLarge(
                                _(
                                    "“%(name)s” unpacks to far more than its compressed size (more than %(ratio)d times), "
                                    "as zip bombs do, so the zip was refused.",
                                    name=info.filename,
                                    ratio=limits.max_ratio,
                                ),
                                info.filename,
                            )
                        out.write(chunk)
            except (zipfile.BadZipFile, zlib.error, EOFError):
                raise ArchiveError(
                    _(
                        "“%(name)s” could not be read from the zip: it is damaged or uses an unsupported compression.",
                        name=info.filename,
                    ),
                    info.filename,
                ) from None
            except FileExistsError:
                raise ArchiveError(_("“%(name)s” is in the zip twice.", name=info.filename), info.filename) from None
    return dest / slug


def _relative(err: ContentError, root: Path) -> ArchiveError:
    """The loader's message with the temporary folder taken out, so it names the file in the zip."""
    message = err.message.replace(str(root) + os.sep, "")
    return ArchiveError(message, str(err.path).replace(str(root) + os.sep, ""), err.line)


@contextmanager
def read_course_archive(source: BinaryIO, limits: Limits = Limits()) -> Iterator[CourseData]:
    """Check, extract and load a course zip; yields its CourseData while the files it names
    (videos, posters, caption files) exist in a temporary folder, removed when the block ends.

    Raises ArchiveError (or ArchiveTooLarge) naming the file in the zip, and line when known. A
    ContentError raised inside the block (e.g. a caption file read while importing) comes out as
    an ArchiveError naming the file in the zip too.
    """
    with tempfile.TemporaryDirectory(prefix="lms-import-") as tmp:
        root = Path(tmp).resolve()
        folder = extract(source, root, limits)
        try:
            data = load_course(folder)
        except ContentError as err:
            raise _relative(err, root) from None
        except (OSError, UnicodeDecodeError, ValueError) as err:
            problem = str(err).replace(str(root) + os.sep, "")
            raise ArchiveError(_("The course could not be read: %(problem)s", problem=problem)) from None
        try:
            yield data
        except ContentError as err:
            raise _relative(err, root) from None
