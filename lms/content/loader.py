"""Read content/courses/<slug>/ folders into plain data, naming file, line and field on errors."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from lms.errors import ContentError, FieldErrors
from lms.questions import QuestionSpec, find, names
from lms.text import SLUG_RE, normalize_language, same_language

UNIT_FILE_RE = re.compile(r"^(\d{2,3})-([a-z0-9]+(?:-[a-z0-9]+)*)\.md$")
CAPTION_FILE_RE = re.compile(
    r"^(?P<stem>.+?)\.(?P<lang>[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*)(?:\.(?P<kind>captions|subtitles|descriptions|chapters))?\.vtt$"
)


@dataclass
class CaptionFile:
    language: str
    kind: str
    path: Path


@dataclass
class UnitData:
    position: int
    slug: str
    title: str
    summary: str
    estimated_minutes: int
    body_md: str
    path: Path
    video_path: Path | None = None
    video_description: str = ""
    #: The still image shown before the video plays, and what it shows (required with a poster).
    poster_path: Path | None = None
    poster_alt: str = ""
    #: ``audio_only``: the video's sound alone (Opus), shipped so learners can take the unit
    #: without the picture; otherwise the background queue makes one after import.
    audio_only_path: Path | None = None
    captions: list[CaptionFile] = field(default_factory=list)
    #: ``status: draft`` in the front matter; only the archive importer applies it.
    draft: bool = False


@dataclass
class QuizData:
    title: str
    pass_mark: int
    max_attempts: int
    questions: list[QuestionSpec]


@dataclass
class CourseData:
    slug: str
    title: str
    summary: str
    language: str
    trainer: str
    estimated_minutes: int
    outcomes: list[str]
    credits: str
    units: list[UnitData]
    quiz: QuizData | None
    path: Path
    #: ``status: draft`` in course.yaml; only the archive importer applies it.
    draft: bool = False
    #: ``translation_of``: the slug of the course this one translates (its videos may be shared).
    translation_of: str = ""


def _load_yaml(path: Path, text: str | None = None, line_offset: int = 0):
    import yaml  # on first use: only imports read YAML, so serving workers never load it (1 MiB)

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8") if text is None else text)
    except UnicodeDecodeError:
        raise ContentError(path, "the file is not UTF-8 text") from None
    except yaml.MarkedYAMLError as err:
        line = (err.problem_mark.line + 1 + line_offset) if err.problem_mark else 0
        raise ContentError(path, f"YAML syntax error: {err.problem}", line=line) from None
    return data


def _require(data: dict, key: str, path: Path, kind=str):
    value = data.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ContentError(path, "this field is required", field=key)
    if not isinstance(value, kind):
        raise ContentError(path, f"expected {kind.__name__}, got {type(value).__name__}", field=key)
    return value.strip() if isinstance(value, str) else value


def _int(data: dict, key: str, path: Path, default: int, lo: int = 0, hi: int = 100000) -> int:
    value = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise ContentError(path, f"expected a whole number from {lo} to {hi}", field=key)
    return value


def split_front_matter(path: Path) -> tuple[dict, str]:
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        raise ContentError(path, "a unit starts with front matter between two '---' lines", line=1)
    for i in range(1, len(lines)):
        if lines[i].strip() == "---":
            meta = _load_yaml(path, "".join(lines[1:i]), line_offset=1) or {}
            if not isinstance(meta, dict):
                raise ContentError(path, "front matter must be a mapping of fields", line=2)
            return meta, "".join(lines[i + 1 :]).lstrip("\n")
    raise ContentError(path, "the front matter has no closing '---' line", line=1)


def load_unit(course_dir: Path, path: Path, language: str = "en", shared_media: Path | None = None) -> UnitData:
    """One unit file. `language` is the course's (it decides a caption file's default kind);
    `shared_media`, when given, is another course's ``media`` folder whose videos this unit may name
    as ``../<course>/media/<file>`` (a translated course sharing its source's videos)."""
    match = UNIT_FILE_RE.match(path.name)
    if not match:
        raise ContentError(path, "unit files are named NN-slug.md, e.g. 01-why-we-speak.md")
    meta, body = split_front_matter(path)
    unit = UnitData(
        position=int(match.group(1)),
        slug=match.group(2),
        title=_require(meta, "title", path),
        summary=str(meta.get("summary") or "").strip(),
        estimated_minutes=_int(meta, "estimated_minutes", path, 0, 0, 600),
        body_md=body,
        path=path,
        video_description=str(meta.get("video_alt") or "").strip(),
        draft=meta.get("status") == "draft",
    )
    allowed = [course_dir.resolve()] + ([shared_media.resolve()] if shared_media is not None else [])
    if meta.get("video"):
        video = (course_dir / str(meta["video"])).resolve()
        if not any(root in video.parents for root in allowed) or not video.is_file():
            raise ContentError(path, f"video file not found: {meta['video']}", field="video")
        unit.video_path = video
    if meta.get("audio_only"):
        if unit.video_path is None:
            raise ContentError(path, "audio_only needs a video: it is that video's sound alone", field="audio_only")
        audio = (course_dir / str(meta["audio_only"])).resolve()
        if not any(root in audio.parents for root in allowed) or not audio.is_file():
            raise ContentError(path, f"audio file not found: {meta['audio_only']}", field="audio_only")
        unit.audio_only_path = audio
    if meta.get("poster"):
        unit.poster_path, unit.poster_alt = _poster(course_dir, path, meta, has_video=unit.video_path is not None)
    stem = path.stem
    captions_dir = course_dir / "captions"
    if captions_dir.is_dir():
        for cap in sorted(captions_dir.glob(f"{stem}.*.vtt")):
            m = CAPTION_FILE_RE.match(cap.name)
            if m and m.group("stem") == stem:
                unit.captions.append(
                    CaptionFile(m.group("lang"), m.group("kind") or default_kind(m["lang"], language), cap)
                )
    return unit


def default_kind(track_language: str, course_language: str) -> str:
    """A track without a kind in its name is `captions` in the course's own language and
    `subtitles` in any other: a translation for people who do not understand the spoken language
    (HTML Standard, the track element's kind attribute)."""
    return "captions" if same_language(track_language, course_language) else "subtitles"


def _poster(course_dir: Path, path: Path, meta: dict, *, has_video: bool) -> tuple[Path, str]:
    """The poster file (inside the course folder) and its required alt text."""
    name = str(meta["poster"])
    if not has_video:
        raise ContentError(
            path, f"a poster is shown before a video plays; this unit has no video: {name}", field="poster"
        )
    poster = (course_dir / name).resolve()
    if course_dir.resolve() not in poster.parents:
        raise ContentError(
            path, f"the poster must be a file inside the course folder, like media/01-intro.png: {name}", field="poster"
        )
    if not poster.is_file():
        raise ContentError(path, f"poster file not found: {name}", field="poster")
    alt = meta.get("poster_alt")
    if not isinstance(alt, str) or not alt.strip():
        raise ContentError(
            path,
            f"the poster {name} needs poster_alt: a short description of what it shows, for people who cannot see it",
            field="poster_alt",
        )
    return poster, alt.strip()


def _question(item, path: Path, index: int) -> QuestionSpec:
    """One question of quiz.yaml: the keys every question has here, its type's own keys read by
    the type (QuestionType.read_yaml), then checked by the type's rules."""
    where = f"questions[{index}]"
    if not isinstance(item, dict):
        raise ContentError(path, "each question is a mapping", field=where)
    qtype = find(item.get("type"))
    if qtype is None:
        raise ContentError(path, f"type must be one of {', '.join(names())}", field=f"{where}.type")
    prompt = _require(item, "prompt", path)
    spec = QuestionSpec(
        type=qtype.name,
        prompt=prompt,
        title=str(item.get("title") or ""),
        feedback=str(item.get("feedback") or "").strip(),
    )
    try:
        spec.choices = qtype.read_yaml(item, where)
    except FieldErrors as err:
        key, message = next(iter(err.errors.items()))
        raise ContentError(path, message, field=key) from None
    problem = qtype.check(spec.choices)
    if problem:
        raise ContentError(path, problem, field=where)
    return spec


def load_quiz(path: Path) -> QuizData:
    data = _load_yaml(path)
    if not isinstance(data, dict):
        raise ContentError(path, "the quiz file must be a mapping with title, pass_mark and questions")
    questions = data.get("questions")
    if not isinstance(questions, list) or not questions:
        raise ContentError(path, "a quiz needs a list of questions", field="questions")
    return QuizData(
        title=str(data.get("title") or "Quiz").strip(),
        pass_mark=_int(data, "pass_mark", path, 70, 0, 100),
        max_attempts=_int(data, "max_attempts", path, 3, 0, 100),
        questions=[_question(q, path, i) for i, q in enumerate(questions)],
    )


def load_course(folder: Path, *, siblings: bool = False) -> CourseData:
    """Read one course folder. With `siblings` (a folder of courses, never an uploaded zip), a
    course whose course.yaml names ``translation_of: <slug>`` may use the videos of the course
    folder `<slug>` next to it, so a translation does not copy them. Raises ContentError."""
    folder = Path(folder)
    meta_path = folder / "course.yaml"
    if not meta_path.is_file():
        raise ContentError(meta_path, "every course folder needs a course.yaml")
    if not SLUG_RE.match(folder.name):
        raise ContentError(folder, "course folder names are lower-case words joined by hyphens")
    meta = _load_yaml(meta_path)
    if not isinstance(meta, dict):
        raise ContentError(meta_path, "course.yaml must be a mapping of fields")
    outcomes = meta.get("outcomes") or []
    if not isinstance(outcomes, list) or not all(isinstance(o, str) for o in outcomes):
        raise ContentError(meta_path, "outcomes is a list of sentences", field="outcomes")
    units_dir = folder / "units"
    unit_files = sorted(units_dir.glob("*.md")) if units_dir.is_dir() else []
    if not unit_files:
        raise ContentError(units_dir, "a course needs at least one unit file")
    try:
        # The tag is written into pages, tracks and certificate PDFs: it must be a real BCP 47 tag.
        language = normalize_language(str(meta.get("language") or "en"))
    except ValueError as err:
        raise ContentError(meta_path, str(err), field="language") from None
    translation_of = str(meta.get("translation_of") or "").strip()
    shared_media = None
    if translation_of:
        if not SLUG_RE.match(translation_of) or translation_of == folder.name:
            raise ContentError(
                meta_path, "translation_of names another course folder, like public-speaking", field="translation_of"
            )
        if siblings:
            source = folder.parent / translation_of
            if not (source / "course.yaml").is_file():
                raise ContentError(
                    meta_path, f"no course folder {translation_of} next to this one", field="translation_of"
                )
            shared_media = source / "media"
    units = [load_unit(folder, p, language, shared_media) for p in unit_files]
    seen: dict[str, Path] = {}
    for unit in units:
        if unit.slug in seen:
            raise ContentError(unit.path, f"the unit slug '{unit.slug}' is also used by {seen[unit.slug].name}")
        seen[unit.slug] = unit.path
    quiz_path = folder / "quiz.yaml"
    return CourseData(
        slug=folder.name,
        title=_require(meta, "title", meta_path),
        summary=str(meta.get("summary") or "").strip(),
        language=language,
        trainer=str(meta.get("trainer") or "").strip(),
        estimated_minutes=_int(meta, "estimated_minutes", meta_path, 0, 0, 100000),
        outcomes=[o.strip() for o in outcomes],
        credits=str(meta.get("credits") or "").strip(),
        units=units,
        quiz=load_quiz(quiz_path) if quiz_path.is_file() else None,
        path=folder,
        draft=meta.get("status") == "draft",
        translation_of=translation_of,
    )


def course_folders(content_dir: Path) -> list[Path]:
    return sorted(p for p in Path(content_dir).iterdir() if p.is_dir() and (p / "course.yaml").exists())
