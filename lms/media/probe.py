"""What a media file holds, read by ffmpeg itself rather than from its first bytes.

A file can start with a WebM or MP4 signature and still be something else (an HTML page after a
copied header): only decoding tells. :func:`check_decodes` asks ffmpeg to open the file and decode
its first seconds; :func:`probe` reads the stream lines ffmpeg prints for ``-i``.
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass

#: ffmpeg prints "Duration: 00:01:14.75" and one "Stream #0:n: Video|Audio: ..." line per stream.
_DURATION = re.compile(r"Duration: (\d+):(\d+):(\d+(?:\.\d+)?)")
_VIDEO = re.compile(r"Stream #\d+:\d+[^:]*: Video: (\w+)[^\n]*?, (\d{2,5})x(\d{2,5})")
_AUDIO = re.compile(r"Stream #\d+:\d+[^:]*: Audio: (\w+)[^\n]*?(?:, (\d+) kb/s)?$", re.MULTILINE)


_OUT_TIME = re.compile(r"^out_time_us=(\d+)$", re.MULTILINE)
#: A file must decode to at least this share of the duration its header states.
SHORTEST_SHARE = 0.9


class MediaUnreadable(ValueError):
    """ffmpeg could not open or decode the file. ``reason`` is ffmpeg's last line, for logs only."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class MediaInfo:
    """What ffmpeg read from a file's header: seconds, and the first video and audio stream."""

    duration: float | None
    video_codec: str | None
    width: int | None
    height: int | None
    audio_codec: str | None
    #: The audio stream's bit rate in kbit/s when the container states it (WebM often does not).
    audio_kbps: int | None

    @property
    def has_video(self) -> bool:
        return self.video_codec is not None

    @property
    def has_audio(self) -> bool:
        return self.audio_codec is not None


def ffmpeg_exe() -> str:
    """Path of imageio-ffmpeg's static ffmpeg binary."""
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


def _run(args: list[str], timeout: float) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-nostdin", *args], capture_output=True, timeout=timeout, check=False
    )


def probe(path: str | os.PathLike[str], *, timeout: float = 60) -> MediaInfo:
    """Streams and duration of a media file, from ffmpeg's ``-i`` report.

    Raises FileNotFoundError when there is no such file and MediaUnreadable when ffmpeg finds no
    audio or video stream in it.
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(path)
    log = _run(["-i", path], timeout).stderr.decode("utf-8", errors="replace")
    video = _VIDEO.search(log)
    audio = _AUDIO.search(log)
    if not video and not audio:
        raise MediaUnreadable(_last_line(log))
    duration = None
    if m := _DURATION.search(log):
        h, mi, s = m.groups()
        duration = int(h) * 3600 + int(mi) * 60 + float(s)
    return MediaInfo(
        duration=duration,
        video_codec=video.group(1) if video else None,
        width=int(video.group(2)) if video else None,
        height=int(video.group(3)) if video else None,
        audio_codec=audio.group(1) if audio else None,
        audio_kbps=int(audio.group(2)) if audio and audio.group(2) else None,
    )


def check_decodes(path: str | os.PathLike[str], *, timeout: float = 300) -> MediaInfo:
    """Open the file with ffmpeg and decode it to nothing, end to end.

    Every audio packet and every video key frame is decoded (``-skip_frame nokey`` keeps a long
    video to seconds of work), so a file that is media only at its start is caught wherever its
    body stops being media. Returns what :func:`probe` reads. Raises MediaUnreadable when ffmpeg
    cannot open the file, finds no audio or video in it, or meets an error while decoding
    (``-xerror``): a truncated file, a file whose signature is media but whose body is not.
    """
    info = probe(path, timeout=timeout)
    result = _run(
        [
            "-v",
            "error",
            "-xerror",
            "-progress",
            "pipe:1",
            "-nostats",
            # ffmpeg refuses a decoder option no stream of the file uses
            *(["-skip_frame:v", "nokey"] if info.has_video else []),
            "-i",
            os.fspath(path),
            "-f",
            "null",
            "-",
        ],
        timeout,
    )
    if result.returncode != 0:
        raise MediaUnreadable(_last_line(result.stderr.decode("utf-8", errors="replace")))
    decoded = [int(v) for v in _OUT_TIME.findall(result.stdout.decode("ascii", errors="replace"))]
    # A cut-off or partly overwritten file often decodes "cleanly" up to where the media stops:
    # what was decoded must reach (nearly) the length the file's own header states.
    if info.duration and info.duration > 1 and (max(decoded, default=0) / 1e6) < info.duration * SHORTEST_SHARE:
        raise MediaUnreadable(f"decoded {max(decoded, default=0) / 1e6:.1f} s of {info.duration:.1f} s")
    return info


def _last_line(log: str) -> str:
    lines = [line for line in log.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "no audio or video stream"
