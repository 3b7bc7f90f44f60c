"""The Khmer Public Speaking course, the Khmer subtitles and the description tracks in content/courses.

A translated course (course.yaml `translation_of`) shares its source's videos and narration, so
its units, timings and quiz must stay in step with the source; its text must really be in its
language; every seed video has one description cue per slide. See docs/content-format.md.
"""

from __future__ import annotations

import functools
import re
import subprocess
from pathlib import Path

import imageio_ffmpeg
import pytest
import yaml

from lms.captions import read_captions
from lms.captions.quality import visible_length

ROOT = Path(__file__).resolve().parents[2]
COURSES_DIR = ROOT / "content" / "courses"
COURSES = sorted(p for p in COURSES_DIR.glob("*") if (p / "course.yaml").is_file())
UNITS = sorted(u for c in COURSES for u in (c / "units").glob("*.md"))
KHMER = COURSES_DIR / "public-speaking-km"
SOURCE = COURSES_DIR / "public-speaking"
#: The Public Speaking units in both languages: each has English captions and Khmer subtitles.
PUBLIC_SPEAKING_UNITS = sorted(u for c in (SOURCE, KHMER) for u in (c / "units").glob("*.md"))
TRACKS = sorted(COURSES_DIR.glob("*/captions/*.vtt"))


def _unit_id(path: Path) -> str:
    return f"{path.parent.parent.name}/{path.stem}"


def meta(course: Path) -> dict:
    return yaml.safe_load((course / "course.yaml").read_text(encoding="utf-8"))


def source_of(course: Path) -> Path:
    return course.parent / meta(course)["translation_of"] if meta(course).get("translation_of") else course


def front_matter_and_body(unit: Path) -> tuple[dict, str]:
    text = unit.read_text(encoding="utf-8")
    end = text.index("\n---\n", 4)
    return yaml.safe_load(text[4:end]), text[end + 5 :]


def cues(path: Path):
    """The cues of a track as the importer reads them (lms.captions), failing on any error."""
    report = read_captions(path.read_bytes(), path.name)
    assert not report.errors, [e.message for e in report.errors]
    return report.cues


def caption_lines(text: str) -> list[str]:
    return [line for line in text.split("\n") if line.strip()]


def khmer_share(text: str) -> float:
    """The share of letters (Unicode L*) that are Khmer: consonants and independent vowels."""
    letters = [c for c in text if c.isalpha()]
    return sum("\u1780" <= c <= "\u17ff" for c in letters) / len(letters) if letters else 0.0


@functools.cache
def video_seconds(path: Path) -> float:
    proc = subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-i", str(path)], capture_output=True, text=True, check=False
    )
    h, m, s = re.search(r"Duration: (\d+):(\d+):([\d.]+)", proc.stderr).groups()
    return int(h) * 3600 + int(m) * 60 + float(s)


def slide_starts(unit: Path) -> list[float]:
    """When each slide appears in the video: 0 for the first, then the start of its first spoken
    line's caption cue (scripts/build_media.py shows a slide from its first line on)."""
    source = source_of(unit.parent.parent)
    narration = yaml.safe_load((source / "narration" / f"{unit.stem}.yaml").read_text(encoding="utf-8"))
    english = cues(source / "captions" / f"{unit.stem}.en.vtt")
    starts, index = [], 0
    for number, slide in enumerate(narration["slides"]):
        starts.append(0.0 if number == 0 else english[index].start)
        index += len(slide["lines"])
    return starts


# ---------------------------------------------------------------------------------------------
# Every track file


@pytest.mark.parametrize("path", TRACKS, ids=lambda p: f"{p.parent.parent.name}/{p.name}")
def test_track_passes_the_caption_checks_without_warnings(path):
    """Each shipped track imports with no error and no quality warning (lines, rate, duration)."""
    unit = path.parent.parent / "units" / f"{path.name.split('.')[0]}.md"
    video = unit.parent.parent / front_matter_and_body(unit)[0]["video"]
    report = read_captions(path.read_bytes(), path.name, video_duration=video_seconds(video.resolve()))
    assert not report.errors and not report.warnings, [p.message for p in report.errors + report.warnings]


# ---------------------------------------------------------------------------------------------
# Khmer subtitles


@pytest.mark.parametrize("unit", PUBLIC_SPEAKING_UNITS, ids=_unit_id)
def test_khmer_subtitles_keep_the_english_timings(unit):
    """The .km.vtt track has one cue per English cue, with exactly the same start and end."""
    folder = unit.parent.parent / "captions"
    english, khmer = cues(folder / f"{unit.stem}.en.vtt"), cues(folder / f"{unit.stem}.km.vtt")
    assert [(c.start, c.end) for c in khmer] == [(c.start, c.end) for c in english]


@pytest.mark.parametrize("unit", PUBLIC_SPEAKING_UNITS, ids=_unit_id)
def test_khmer_cues_are_khmer_on_two_short_lines(unit):
    """Each Khmer cue is Khmer text on at most 2 lines of at most 42 visible characters."""
    for cue in cues(unit.parent.parent / "captions" / f"{unit.stem}.km.vtt"):
        lines = caption_lines(cue.text)
        assert 1 <= len(lines) <= 2, cue
        assert all(visible_length(line) <= 42 for line in lines), cue
        assert khmer_share(cue.text) >= 0.8, cue


def test_both_courses_ship_the_same_tracks():
    """The Khmer course's English and Khmer tracks are the Public Speaking course's own, byte for byte."""
    for path in sorted((KHMER / "captions").glob("*.vtt")):
        if path.name.endswith(".descriptions.vtt"):
            continue
        assert path.read_bytes() == (SOURCE / "captions" / path.name).read_bytes(), path.name
    assert sorted(p.name for p in (SOURCE / "captions").glob("*.km.vtt")) == sorted(
        p.name for p in (KHMER / "captions").glob("*.km.vtt")
    )


# ---------------------------------------------------------------------------------------------
# Description tracks


@pytest.mark.parametrize("unit", UNITS, ids=_unit_id)
def test_every_video_has_one_description_per_slide(unit):
    """Each video has a description track in its course's language: one cue per slide, starting
    when the slide appears and ending before the next one."""
    course = unit.parent.parent
    path = course / "captions" / f"{unit.stem}.{meta(course)['language']}.descriptions.vtt"
    assert path.is_file(), f"missing {path.relative_to(ROOT)}"
    described = cues(path)
    starts = slide_starts(unit)
    assert len(described) == len(starts)
    ends = starts[1:] + [video_seconds((course / front_matter_and_body(unit)[0]["video"]).resolve())]
    for cue, start, end in zip(described, starts, ends, strict=True):
        assert cue.start == pytest.approx(start, abs=0.001), cue
        assert cue.end <= end, cue
        assert cue.text.strip(), cue


# ---------------------------------------------------------------------------------------------
# The Khmer course


def test_khmer_course_translates_public_speaking():
    """The Khmer course is language km, names its source, and has the same units and minutes."""
    data = meta(KHMER)
    assert data["language"] == "km" and source_of(KHMER) == SOURCE
    assert data["estimated_minutes"] == meta(SOURCE)["estimated_minutes"]
    assert len(data["outcomes"]) == len(meta(SOURCE)["outcomes"])
    ours = sorted((KHMER / "units").glob("*.md"))
    theirs = sorted((SOURCE / "units").glob("*.md"))
    assert [u.name for u in ours] == [u.name for u in theirs]
    for mine, source in zip(ours, theirs, strict=True):
        km, en = front_matter_and_body(mine)[0], front_matter_and_body(source)[0]
        assert km["estimated_minutes"] == en["estimated_minutes"], mine.name
        assert km["video"] == f"../{SOURCE.name}/{en['video']}", mine.name


def _quiz_shape(course: Path) -> dict:
    quiz = yaml.safe_load((course / "quiz.yaml").read_text(encoding="utf-8"))
    return {
        "pass_mark": quiz["pass_mark"],
        "max_attempts": quiz["max_attempts"],
        "questions": [
            (
                q["type"],
                [bool(c.get("correct")) for c in q.get("choices") or []],
                q.get("answer"),
                [bool(c.get("feedback")) for c in q.get("choices") or []],
                bool(q.get("feedback")),
            )
            for q in quiz["questions"]
        ],
    }


def test_khmer_quiz_has_the_english_quiz_structure():
    """Same questions in the same order: types, choice count, correct choices, true/false
    answers, pass mark and attempts, and feedback wherever the English quiz has it."""
    assert _quiz_shape(KHMER) == _quiz_shape(SOURCE)


def _khmer_texts() -> list[tuple[str, str]]:
    data = meta(KHMER)
    texts = [("course.yaml " + key, data[key]) for key in ("title", "summary", "trainer", "credits")]
    texts += [(f"course.yaml outcomes[{i}]", o) for i, o in enumerate(data["outcomes"])]
    for unit in sorted((KHMER / "units").glob("*.md")):
        fm, body = front_matter_and_body(unit)
        texts += [(f"{unit.name} {key}", fm[key]) for key in ("title", "summary", "video_alt")]
        texts += [(f"{unit.name} body", body)]
    quiz = yaml.safe_load((KHMER / "quiz.yaml").read_text(encoding="utf-8"))
    texts.append(("quiz title", quiz["title"]))
    for i, q in enumerate(quiz["questions"]):
        for key in ("prompt", "feedback", "feedback_true", "feedback_false"):
            if q.get(key):
                texts.append((f"quiz questions[{i}].{key}", q[key]))
        for j, choice in enumerate(q.get("choices") or []):
            texts += [(f"quiz questions[{i}].choices[{j}].{k}", choice[k]) for k in ("text", "feedback") if k in choice]
        answers = [a for a in q.get("answers") or [] if isinstance(a, str)]
        if answers:
            texts.append((f"quiz questions[{i}].answers[0]", answers[0]))
    return texts


@pytest.mark.parametrize(("where", "text"), _khmer_texts(), ids=[w for w, _ in _khmer_texts()])
def test_khmer_course_text_is_khmer(where, text):
    """Every text a learner reads in the Khmer course is written in Khmer script (names such as
    IDEA or Voice may stay in Latin letters)."""
    assert khmer_share(text) >= 0.8, f"{where}: {text[:80]!r}"
