"""Results files kept on disk: a course's learners CSV is written once for what it is drawn from
and served as a file until that changes.

Writing the file for a course of 10,000 learners reads every one of them (2-3 s); serving a kept
one costs what a static file costs. The file is named by a digest of its `stamp` (the caller's
description of what the file is drawn from: the publication version, the results fingerprint of
lms.services.analytics, the language of its header), so a changed stamp names a new file; it is
written beside its final name and renamed into place (POSIX rename is atomic), so a reader never
sees half a file, and the files of older stamps are removed once the new one is in place and
they have not been written or found for SENDING_SECONDS (another worker may be sending one).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import time
from collections.abc import Callable, Hashable, Iterable
from pathlib import Path

#: Hex digits of the stamp's SHA-256 in a kept file's name.
_DIGEST = 24
#: Seconds an older file is left after it was last written or found, once a newer one is written:
#: a worker that found it may be about to open it for sending.
SENDING_SECONDS = 60


def kept_file(folder: Path, name: str, stamp: Hashable, lines: Callable[[], Iterable[str]]) -> Path:
    """The path of the kept file `<name>-<digest of stamp>.csv` in `folder`, made first from
    `lines()` (text, written as UTF-8) when there is none.

    :param name: the file's name without its digest; files of the same name and another digest,
        last written or found more than SENDING_SECONDS ago, are removed once this one is written.
    :raises OSError: the folder cannot be made or written.
    """
    digest = hashlib.sha256(repr(stamp).encode("utf-8")).hexdigest()[:_DIGEST]
    path = folder / f"{name}-{digest}.csv"
    try:
        os.utime(path)  # in use: another worker writing a newer stamp leaves it for SENDING_SECONDS
        return path
    except FileNotFoundError:
        pass
    folder.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{name}-", suffix=".part")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            for text in lines():
                out.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    # Exactly the digest's length, so "learners-1" never matches a file of "learners-12".
    for older in folder.glob(f"{name}-{'?' * _DIGEST}.csv"):
        try:
            if older != path and time.time() - older.stat().st_mtime > SENDING_SECONDS:
                older.unlink()
        except FileNotFoundError:
            pass  # another worker removed it first
    return path
