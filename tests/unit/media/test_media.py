"""lms.media: what ffmpeg reads from a file, whether it decodes, and the smaller versions."""

from __future__ import annotations

import pytest

from lms.media import MediaUnreadable, audio_only, check_decodes, probe, small_video, wants_small_video
from lms.media.transcode import AUDIO_BPS, COPY_MAX_BPS
from tests.factories import media_sample
from tests.helpers import WEBM


@pytest.fixture(scope="module")
def samples(tmp_path_factory):
    return tmp_path_factory.mktemp("samples")


def test_probe_reads_streams_and_duration_of_a_seed_video():
    """The seed video is 640x360 VP9 with Opus, 74.75 s long."""
    info = probe(WEBM)
    assert (info.video_codec, info.width, info.height, info.audio_codec) == ("vp9", 640, 360, "opus")
    assert info.duration == pytest.approx(74.75, abs=0.05)


def test_probe_of_an_audio_file_has_no_video(samples):
    """An MP3 has audio and no picture, so it wants no 240p version."""
    info = probe(media_sample(samples, "mp3"))
    assert info.has_audio and not info.has_video and not wants_small_video(info)


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(lambda data: data[: len(data) // 2], id="cut-in-half"),
        pytest.param(lambda data: data[: len(data) // 2] + b"<html></html>" * 5000, id="half-then-html"),
        pytest.param(lambda data: data[:4096] + b"<script>alert(1)</script>" * 4000, id="header-then-script"),
        pytest.param(lambda data: b"\x1a\x45\xdf\xa3" + b"\x00" * 4000, id="signature-only"),
    ],
)
def test_check_decodes_refuses_files_that_are_media_only_at_the_start(tmp_path, body):
    """A damaged or disguised file is refused wherever its media stops."""
    bad = tmp_path / "bad.webm"
    bad.write_bytes(body(WEBM.read_bytes()))
    with pytest.raises(MediaUnreadable):
        check_decodes(bad)


@pytest.mark.parametrize("kind", ["mp3", "m4a", "mp4", "webm"])
def test_check_decodes_accepts_every_accepted_type(samples, kind):
    """Real files of each type the upload form names decode end to end."""
    assert check_decodes(media_sample(samples, kind)).has_audio


def test_audio_only_copies_a_lean_opus_track_bit_for_bit(tmp_path):
    """The seed video's ~30 kbit/s Opus is copied, not re-encoded, and reports progress to 1.0."""
    seen: list[float] = []
    out = audio_only(WEBM, tmp_path / "a.webm", probe(WEBM), progress=seen.append)
    info = probe(out)
    assert not info.has_video and info.audio_codec == "opus"
    assert out.stat().st_size * 8 / info.duration <= COPY_MAX_BPS
    assert seen[-1] == 1.0


def test_audio_only_re_encodes_a_rich_track_to_about_32_kbit(samples, tmp_path):
    """A 48 kbit/s source comes out near 32 kbit/s Opus mono."""
    src = media_sample(samples, "webm")
    out = audio_only(src, tmp_path / "a.webm", probe(src))
    info = probe(out)
    bps = out.stat().st_size * 8 / info.duration
    assert info.audio_codec == "opus" and not info.has_video
    assert bps < AUDIO_BPS * 1.5


def test_small_video_is_240_pixels_high_and_reports_progress(samples, tmp_path):
    """The 240p version keeps the aspect ratio and both streams; progress rises to 1.0."""
    src = media_sample(samples, "webm")
    seen: list[float] = []
    info = probe(small_video(src, tmp_path / "s.webm", probe(src), progress=seen.append))
    assert (info.width, info.height, info.video_codec, info.audio_codec) == (426, 240, "vp9", "opus")
    assert seen == sorted(seen) and seen[-1] == 1.0


def test_small_video_refuses_what_is_small_already(samples, tmp_path):
    """An audio file has no picture to shrink."""
    src = media_sample(samples, "mp3")
    with pytest.raises(ValueError):
        small_video(src, tmp_path / "s.webm", probe(src))
