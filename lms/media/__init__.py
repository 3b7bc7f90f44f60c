"""Media files themselves: what ffmpeg says a file holds, whether it decodes, and smaller versions.

* :mod:`lms.media.probe` - :func:`probe` (streams, size, duration) and :func:`check_decodes`;
* :mod:`lms.media.transcode` - :func:`audio_only` (Opus) and :func:`small_video` (240p VP9 + Opus),
  reporting progress as they go.

ffmpeg comes from imageio-ffmpeg (BSD-2-Clause), which ships a static binary, so this works on a
bare server with no Debian ffmpeg.
"""

from lms.media.probe import MediaInfo, MediaUnreadable, check_decodes, probe
from lms.media.transcode import TranscodeFailed, audio_only, small_video, wants_small_video

__all__ = [
    "MediaInfo",
    "MediaUnreadable",
    "TranscodeFailed",
    "audio_only",
    "check_decodes",
    "probe",
    "small_video",
    "wants_small_video",
]
