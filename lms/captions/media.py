"""What the video itself says about the captions: how long it is and when someone speaks.

ffmpeg comes from imageio-ffmpeg, which ships a static binary, so this works on a bare server.
Speech is approximated as "not silence" (ffmpeg's silencedetect): music counts as speech, which
errs toward asking for captions rather than missing them.
"""

from __future__ import annotations

import os
import re
import subprocess

#: Quieter than this counts as silence; -30 dB sits under normal speech in a classroom recording.
SILENCE_DB = -30
#: Pauses shorter than this are breaths between words, not gaps in the speech.
MIN_SILENCE = 0.5

_DURATION = re.compile(r"Duration: (\d+):(\d+):(\d+(?:\.\d+)?)")
_SILENCE_START = re.compile(r"silence_start: (-?\d+(?:\.\d+)?)")
_SILENCE_END = re.compile(r"silence_end: (-?\d+(?:\.\d+)?)")


def _ffmpeg(args: list[str], timeout: float) -> str:
    import imageio_ffmpeg

    exe = imageio_ffmpeg.get_ffmpeg_exe()
    result = subprocess.run([exe, "-hide_banner", "-nostdin", *args], capture_output=True, timeout=timeout, check=False)
    return result.stderr.decode("utf-8", errors="replace")


def _check(media_path: str | os.PathLike[str]) -> str:
    path = os.fspath(media_path)
    if not os.path.isfile(path):
        raise FileNotFoundError(path)
    return path


def _duration_in(log: str) -> float | None:
    m = _DURATION.search(log)
    if not m:
        return None
    h, mi, s = m.groups()
    return int(h) * 3600 + int(mi) * 60 + float(s)


def media_duration(media_path: str | os.PathLike[str]) -> float | None:
    """Length of the media in seconds, or None when ffmpeg cannot tell."""
    path = _check(media_path)
    return _duration_in(_ffmpeg(["-i", path], timeout=60))


def detect_speech(media_path: str | os.PathLike[str], timeout: float = 600) -> list[tuple[float, float]]:
    """Intervals (start, end) in seconds where the audio is not silent; [] when there is no audio."""
    path = _check(media_path)
    log = _ffmpeg(
        ["-i", path, "-vn", "-af", f"silencedetect=noise={SILENCE_DB}dB:d={MIN_SILENCE}", "-f", "null", "-"],
        timeout=timeout,
    )
    if "Audio:" not in log:
        return []
    duration = _duration_in(log)
    silences: list[tuple[float, float | None]] = []
    for line in log.splitlines():
        if s := _SILENCE_START.search(line):
            silences.append((max(0.0, float(s.group(1))), None))
        if (e := _SILENCE_END.search(line)) and silences and silences[-1][1] is None:
            silences[-1] = (silences[-1][0], float(e.group(1)))
    speech: list[tuple[float, float]] = []
    cursor = 0.0
    for start, end in silences:
        if start > cursor:
            speech.append((cursor, start))
        cursor = end if end is not None else float("inf")
    if duration is not None and cursor < duration:
        speech.append((cursor, duration))
    return [(round(a, 3), round(b, 3)) for a, b in speech if b - a > 0.05]
