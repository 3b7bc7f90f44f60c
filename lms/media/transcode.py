"""Smaller versions of a video for learners who pay per megabyte: audio only, and 240p.

Both run ffmpeg with ``-progress pipe:1`` and report the share done (0.0-1.0) through a callback,
so the trainer's page can show how far the job has got.

* audio only: Opus in WebM, mono, about 32 kbit/s (speech stays clear well below that; Opus is
  what WebRTC uses for voice, RFC 6716). A source whose audio is already Opus at no more than
  :data:`COPY_MAX_BPS` is copied as it is, never re-encoded to a worse copy of the same size.
* 240p: VP9 (constant quality, ``-crf`` 40) and Opus 24 kbit/s in WebM, same frame rate.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path

from lms.media.probe import MediaInfo, ffmpeg_exe

#: Target bit rate of the audio-only file, bits per second.
AUDIO_BPS = 32_000
#: An Opus source at or under this (bits per second) is copied rather than re-encoded.
COPY_MAX_BPS = 40_000
#: Height of the small video, pixels; sources this small or smaller get no small version.
SMALL_HEIGHT = 240

Progress = Callable[[float], None]


class TranscodeFailed(RuntimeError):
    """ffmpeg exited with an error; ``reason`` is its last line (for logs, not for learners)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _run(args: list[str], duration: float | None, progress: Progress | None, timeout: float) -> None:
    cmd = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-y", "-v", "error", "-progress", "pipe:1", "-nostats", *args]
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as proc:
        assert proc.stdout is not None
        try:
            for line in proc.stdout:
                key, _, value = line.strip().partition("=")
                if key == "out_time_us" and duration and progress and value.isascii() and value.isdigit():
                    progress(min(0.99, int(value) / 1e6 / duration))
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise TranscodeFailed("ffmpeg took too long") from None
        err = proc.stderr.read() if proc.stderr else ""
    if proc.returncode != 0:
        lines = [line for line in err.strip().splitlines() if line.strip()]
        raise TranscodeFailed(lines[-1] if lines else f"ffmpeg exited with {proc.returncode}")
    if progress:
        progress(1.0)


def audio_only(
    src: str | os.PathLike[str],
    dest: str | os.PathLike[str],
    info: MediaInfo,
    *,
    progress: Progress | None = None,
    timeout: float = 3600,
) -> Path:
    """Write the audio of ``src`` to ``dest`` as Opus in WebM. Returns ``dest``.

    Raises ValueError when the source has no audio, TranscodeFailed when ffmpeg fails.
    """
    if not info.has_audio:
        raise ValueError("no audio stream")
    dest = Path(dest)
    if info.audio_codec == "opus":
        _run(
            ["-i", os.fspath(src), "-vn", "-map", "0:a:0", "-c:a", "copy", "-f", "webm", os.fspath(dest)],
            info.duration,
            progress,
            timeout,
        )
        if info.duration and dest.stat().st_size * 8 / info.duration <= COPY_MAX_BPS:
            return dest
    _run(
        [
            "-i",
            os.fspath(src),
            "-vn",
            "-map",
            "0:a:0",
            "-ac",
            "1",
            "-c:a",
            "libopus",
            "-b:a",
            str(AUDIO_BPS),
            "-application",
            "voip",
            "-f",
            "webm",
            os.fspath(dest),
        ],
        info.duration,
        progress,
        timeout,
    )
    return dest


def wants_small_video(info: MediaInfo) -> bool:
    """True when a 240p version would be smaller than the source: it has video taller than 240 px."""
    return info.has_video and (info.height or 0) > SMALL_HEIGHT


def small_video(
    src: str | os.PathLike[str],
    dest: str | os.PathLike[str],
    info: MediaInfo,
    *,
    progress: Progress | None = None,
    timeout: float = 3600,
) -> Path:
    """Write a 240p VP9 + Opus WebM version of ``src`` to ``dest``. Returns ``dest``.

    Raises ValueError when the source has no video taller than 240 px, TranscodeFailed when ffmpeg fails.
    """
    if not wants_small_video(info):
        raise ValueError("no video taller than 240 px")
    audio = ["-c:a", "libopus", "-b:a", "24000", "-ac", "1"] if info.has_audio else ["-an"]
    _run(
        [
            "-i",
            os.fspath(src),
            "-map",
            "0:v:0",
            *(["-map", "0:a:0"] if info.has_audio else []),
            "-vf",
            f"scale=-2:{SMALL_HEIGHT}",
            "-c:v",
            "libvpx-vp9",
            "-crf",
            "40",
            "-b:v",
            "0",
            "-deadline",
            "good",
            "-cpu-used",
            "5",
            "-row-mt",
            "1",
            *audio,
            "-f",
            "webm",
            os.fspath(dest),
        ],
        info.duration,
        progress,
        timeout,
    )
    return Path(dest)
