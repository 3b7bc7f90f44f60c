"""media_duration and detect_speech, on short audio generated with the bundled ffmpeg."""

from __future__ import annotations

import subprocess

import imageio_ffmpeg
import pytest

from lms.captions import Cue, detect_speech, media_duration, quality_check


@pytest.fixture(scope="module")
def tone_gap_tone(tmp_path_factory):
    """6 seconds: tone 0-2 s, silence 2-4 s, tone 4-6 s."""
    path = tmp_path_factory.mktemp("media") / "speech.wav"
    subprocess.run(
        [
            imageio_ffmpeg.get_ffmpeg_exe(),
            "-hide_banner",
            "-loglevel",
            "error",
            "-f",
            "lavfi",
            "-i",
            "aevalsrc='if(between(t,2,4),0,0.5*sin(440*2*PI*t))':d=6:s=16000",
            str(path),
        ],
        check=True,
        capture_output=True,
    )
    return path


@pytest.fixture(scope="module")
def silent_video(tmp_path_factory):
    path = tmp_path_factory.mktemp("media") / "video.webm"
    subprocess.run(
        [
            imageio_ffmpeg.get_ffmpeg_exe(),
            "-hide_banner",
            "-loglevel",
            "error",
            "-f",
            "lavfi",
            "-i",
            "color=c=black:s=64x64:d=2",
            "-c:v",
            "libvpx-vp9",
            str(path),
        ],
        check=True,
        capture_output=True,
    )
    return path


def test_media_duration_reads_length(tone_gap_tone):
    """The generated 6-second file is 6 seconds long."""
    assert media_duration(tone_gap_tone) == pytest.approx(6.0, abs=0.05)


def test_detect_speech_finds_the_sound_around_the_silence(tone_gap_tone):
    """Sound at 0-2 s and 4-6 s is found as two intervals."""
    speech = detect_speech(tone_gap_tone)
    assert len(speech) == 2
    (a, b), (c, d) = speech
    assert a == pytest.approx(0, abs=0.1) and b == pytest.approx(2, abs=0.1)
    assert c == pytest.approx(4, abs=0.1) and d == pytest.approx(6, abs=0.1)


def test_speech_feeds_the_coverage_figure(tone_gap_tone):
    """Captioning only the first burst of sound covers half the speech."""
    report = quality_check([Cue(0.0, 2.0, "Hello")], speech=detect_speech(tone_gap_tone))
    assert report.share_of_speech_captioned == pytest.approx(0.5, abs=0.05)


def test_video_without_audio_has_no_speech(silent_video):
    """A video with no audio track gives no speech intervals, and its duration is still read."""
    assert detect_speech(silent_video) == []
    assert media_duration(silent_video) == pytest.approx(2.0, abs=0.1)


def test_missing_media_raises_file_not_found(tmp_path):
    """A path that does not exist is a programming error, reported as FileNotFoundError."""
    with pytest.raises(FileNotFoundError):
        media_duration(tmp_path / "nope.webm")
