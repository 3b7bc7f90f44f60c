"""Checks on the course content files in content/courses/ (see docs/content-format.md).

Uses only PyYAML, the standard library and imageio_ffmpeg (to read video durations).
"""

from __future__ import annotations

import functools
import re
import subprocess
from pathlib import Path

import imageio_ffmpeg
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COURSES_DIR = ROOT / "content" / "courses"

COURSES = sorted(p for p in COURSES_DIR.glob("*") if (p / "course.yaml").is_file())
UNITS = sorted(u for c in COURSES for u in (c / "units").glob("*.md"))
QUIZZES = sorted(c / "quiz.yaml" for c in COURSES if (c / "quiz.yaml").is_file())

WEBM_MAGIC = bytes.fromhex("1A45DFA3")
MAX_VIDEO_BYTES = 1_000_000
TIMESTAMP = r"(\d{2}):(\d{2}):(\d{2})\.(\d{3})"
CUE_TIMING = re.compile(rf"^{TIMESTAMP} --> {TIMESTAMP}(?: .*)?$")


def _course_id(path: Path) -> str:
    return path.name


def _unit_id(path: Path) -> str:
    return f"{path.parent.parent.name}/{path.stem}"


def _quiz_id(path: Path) -> str:
    return path.parent.name


def front_matter(unit: Path) -> dict:
    text = unit.read_text(encoding="utf-8")
    assert text.startswith("---\n"), f"{unit} does not start with front matter"
    end = text.index("\n---\n", 4)
    data = yaml.safe_load(text[4:end])
    assert isinstance(data, dict), f"{unit} front matter is not a mapping"
    return data


def unit_body(unit: Path) -> str:
    text = unit.read_text(encoding="utf-8")
    return text[text.index("\n---\n", 4) + 5 :]


def source_course(course: Path) -> Path:
    """The course whose narration and videos `course` uses: itself, or the one it translates."""
    data = yaml.safe_load((course / "course.yaml").read_text(encoding="utf-8"))
    return course.parent / data["translation_of"] if data.get("translation_of") else course


def narration_lines(unit: Path) -> list[str]:
    narration = source_course(unit.parent.parent) / "narration" / f"{unit.stem}.yaml"
    data = yaml.safe_load(narration.read_text(encoding="utf-8"))
    return [" ".join(str(line).split()) for slide in data["slides"] for line in slide["lines"]]


def caption_path(unit: Path) -> Path:
    return unit.parent.parent / "captions" / f"{unit.stem}.en.vtt"


def to_seconds(h: str, m: str, s: str, ms: str) -> float:
    return int(h) * 3600 + int(m) * 60 + int(s) + int(ms) / 1000


def parse_vtt(path: Path) -> list[dict]:
    """Return the cues of a WebVTT file as dicts with start, end, lines and text."""
    blocks = path.read_text(encoding="utf-8").replace("\r\n", "\n").split("\n\n")
    cues = []
    for block in blocks[1:]:
        lines = [line for line in block.split("\n") if line.strip()]
        timing = [i for i, line in enumerate(lines) if "-->" in line]
        if not timing:
            continue
        match = CUE_TIMING.match(lines[timing[0]])
        assert match, f"{path}: bad cue timing line {lines[timing[0]]!r}"
        text_lines = lines[timing[0] + 1 :]
        cues.append(
            {
                "start": to_seconds(*match.groups()[:4]),
                "end": to_seconds(*match.groups()[4:]),
                "lines": text_lines,
                "text": " ".join(" ".join(text_lines).split()),
            }
        )
    return cues


@functools.cache
def video_duration(path: Path) -> float:
    """Duration in seconds, parsed from the 'Duration:' line of `ffmpeg -i` (no ffprobe)."""
    proc = subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-i", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    match = re.search(r"Duration: (\d+):(\d+):(\d+)\.(\d+)", proc.stderr)
    assert match, f"ffmpeg could not read a duration from {path}"
    h, m, s, frac = match.groups()
    return int(h) * 3600 + int(m) * 60 + int(s) + int(frac) / 10 ** len(frac)


def unit_video(unit: Path) -> Path:
    return unit.parent.parent / front_matter(unit)["video"]


# ---------------------------------------------------------------------------------------------
# Courses


def test_content_folder_has_courses():
    """The content folder holds at least one course with units and a quiz."""
    assert COURSES, f"no course folders found in {COURSES_DIR}"
    assert UNITS and QUIZZES


@pytest.mark.parametrize("course", COURSES, ids=_course_id)
def test_course_yaml_has_required_fields(course):
    """course.yaml has a title, summary, language, trainer, minutes and 4-6 outcomes."""
    data = yaml.safe_load((course / "course.yaml").read_text(encoding="utf-8"))
    for key in ("title", "summary", "language", "trainer"):
        assert isinstance(data.get(key), str) and data[key].strip(), f"{course.name}: {key}"
    assert re.fullmatch(r"[a-z]{2,3}(-[A-Za-z0-9]+)*", data["language"])
    assert isinstance(data.get("estimated_minutes"), int) and data["estimated_minutes"] > 0
    outcomes = data.get("outcomes")
    assert isinstance(outcomes, list) and 4 <= len(outcomes) <= 6
    assert all(isinstance(o, str) and o.strip() for o in outcomes)


@pytest.mark.parametrize("course", COURSES, ids=_course_id)
def test_course_has_three_to_five_units_with_narration(course):
    """Each course has 3-5 numbered units, each with a narration file (a translation's in its source)."""
    units = sorted((course / "units").glob("*.md"))
    assert 3 <= len(units) <= 5
    for unit in units:
        assert re.fullmatch(r"\d{2}-[a-z0-9-]+", unit.stem), unit.name
        assert (source_course(course) / "narration" / f"{unit.stem}.yaml").is_file(), unit.stem


# ---------------------------------------------------------------------------------------------
# Units and their media


@pytest.mark.parametrize("unit", UNITS, ids=_unit_id)
def test_unit_front_matter_has_title_and_video(unit):
    """A unit's front matter has a title, summary, minutes, a video path (a translation's is its
    source's video) and a video_alt."""
    data = front_matter(unit)
    assert isinstance(data.get("title"), str) and data["title"].strip()
    assert isinstance(data.get("summary"), str) and data["summary"].strip()
    assert isinstance(data.get("estimated_minutes"), int) and data["estimated_minutes"] > 0
    course = unit.parent.parent
    folder = "" if source_course(course) == course else f"../{source_course(course).name}/"
    assert data.get("video") == f"{folder}media/{unit.stem}.webm"
    assert isinstance(data.get("video_alt"), str) and data["video_alt"].strip()


@pytest.mark.parametrize("unit", UNITS, ids=_unit_id)
def test_unit_body_uses_h2_headings(unit):
    """A unit's Markdown body has text and its headings start at level 2, never h1."""
    body = unit_body(unit)
    assert len(body.split()) >= 150
    assert re.search(r"^## ", body, re.M)
    assert not re.search(r"^# ", body, re.M)


@pytest.mark.parametrize("unit", UNITS, ids=_unit_id)
def test_unit_video_is_small_webm(unit):
    """A unit's video exists, is at most 1 MB and starts with the WebM/EBML magic bytes."""
    video = unit_video(unit)
    assert video.is_file(), f"missing {video}"
    assert video.stat().st_size <= MAX_VIDEO_BYTES
    with video.open("rb") as fh:
        assert fh.read(4) == WEBM_MAGIC


@pytest.mark.parametrize("unit", UNITS, ids=_unit_id)
def test_unit_captions_start_with_webvtt(unit):
    """A unit has an .en.vtt caption file whose first line is exactly WEBVTT."""
    path = caption_path(unit)
    assert path.is_file(), f"missing {path}"
    lines = path.read_text(encoding="utf-8").split("\n")
    assert lines[0] == "WEBVTT"
    assert lines[1] == ""


@pytest.mark.parametrize("unit", UNITS, ids=_unit_id)
def test_caption_cues_match_narration_lines(unit):
    """There is one cue per narration line, with the same text (ignoring line wrapping)."""
    cues = parse_vtt(caption_path(unit))
    assert [c["text"] for c in cues] == narration_lines(unit)


@pytest.mark.parametrize("unit", UNITS, ids=_unit_id)
def test_caption_cues_are_readable(unit):
    """Cues have at most 2 lines of 42 characters, last 1-7 s and read at most 20 chars/s."""
    for cue in parse_vtt(caption_path(unit)):
        assert 1 <= len(cue["lines"]) <= 2, cue
        assert all(len(line) <= 42 for line in cue["lines"]), cue
        duration = cue["end"] - cue["start"]
        assert 1.0 <= duration <= 7.0, cue
        assert len(cue["text"]) / duration <= 20.0, cue


@pytest.mark.parametrize("unit", UNITS, ids=_unit_id)
def test_caption_cues_do_not_overlap(unit):
    """Cues are in time order, each ends after it starts and before the next one starts."""
    cues = parse_vtt(caption_path(unit))
    assert cues
    assert cues[0]["start"] >= 0
    for cue in cues:
        assert cue["end"] > cue["start"], cue
    for earlier, later in zip(cues, cues[1:], strict=False):
        assert earlier["end"] <= later["start"], (earlier, later)


@pytest.mark.parametrize("unit", UNITS, ids=_unit_id)
def test_last_cue_ends_near_video_end(unit):
    """The last cue ends within 0.5 s of the end of the video."""
    cues = parse_vtt(caption_path(unit))
    duration = video_duration(unit_video(unit))
    assert abs(duration - cues[-1]["end"]) <= 0.5, (duration, cues[-1]["end"])


@pytest.mark.parametrize("unit", UNITS, ids=_unit_id)
def test_video_lasts_40_to_90_seconds(unit):
    """Each unit video lasts between 40 and 90 seconds."""
    assert 40 <= video_duration(unit_video(unit)) <= 90


# ---------------------------------------------------------------------------------------------
# Quizzes


def quiz(path: Path) -> dict:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def questions_of(path: Path, qtype: str) -> list[dict]:
    return [q for q in quiz(path)["questions"] if q.get("type") == qtype]


@pytest.mark.parametrize("course", COURSES, ids=_course_id)
def test_course_has_quiz(course):
    """Each course folder has a quiz.yaml."""
    assert (course / "quiz.yaml").is_file()


@pytest.mark.parametrize("path", QUIZZES, ids=_quiz_id)
def test_quiz_has_three_to_six_questions(path):
    """quiz.yaml has a title, pass_mark, max_attempts and 3-6 questions of known types."""
    data = quiz(path)
    assert isinstance(data.get("title"), str) and data["title"].strip()
    assert isinstance(data.get("pass_mark"), int) and 0 < data["pass_mark"] <= 100
    assert isinstance(data.get("max_attempts"), int) and data["max_attempts"] >= 0
    questions = data.get("questions")
    assert isinstance(questions, list) and 3 <= len(questions) <= 6
    for q in questions:
        assert q.get("type") in ("single", "multiple", "true_false", "short_text"), q
        assert isinstance(q.get("prompt"), str) and q["prompt"].strip(), q


@pytest.mark.parametrize("path", QUIZZES, ids=_quiz_id)
def test_choice_questions_have_a_correct_choice(path):
    """Every single/multiple question has at least two choices and at least one correct."""
    for q in questions_of(path, "single") + questions_of(path, "multiple"):
        choices = q.get("choices") or []
        assert len(choices) >= 2, q["prompt"]
        assert all(isinstance(c.get("text"), str) and c["text"].strip() for c in choices)
        assert any(c.get("correct") is True for c in choices), q["prompt"]


@pytest.mark.parametrize("path", QUIZZES, ids=_quiz_id)
def test_single_questions_have_exactly_one_correct_choice(path):
    """Every single-answer question has exactly one correct choice."""
    for q in questions_of(path, "single"):
        assert sum(c.get("correct") is True for c in q["choices"]) == 1, q["prompt"]


@pytest.mark.parametrize("path", QUIZZES, ids=_quiz_id)
def test_multiple_questions_have_two_correct_choices(path):
    """Every multiple-answer question has at least two correct choices."""
    for q in questions_of(path, "multiple"):
        assert sum(c.get("correct") is True for c in q["choices"]) >= 2, q["prompt"]


@pytest.mark.parametrize("path", QUIZZES, ids=_quiz_id)
def test_true_false_questions_have_an_answer(path):
    """Every true/false question has a boolean answer."""
    for q in questions_of(path, "true_false"):
        assert isinstance(q.get("answer"), bool), q["prompt"]


@pytest.mark.parametrize("path", QUIZZES, ids=_quiz_id)
def test_short_text_questions_have_answers(path):
    """Every short-text question has at least one non-empty accepted answer."""
    for q in questions_of(path, "short_text"):
        answers = q.get("answers")
        assert isinstance(answers, list) and answers, q["prompt"]
        assert all(isinstance(a, str) and a.strip() for a in answers), q["prompt"]
