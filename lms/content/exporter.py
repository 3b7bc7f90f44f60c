"""Write a course from the database back to the content/courses format (docs/content-format.md).

The output is what lms.content.loader.load_course reads: course.yaml, units/NN-slug.md with front
matter, media/ (each unit's video and poster image, byte for byte), captions/<stem>.<lang>.vtt and quiz.yaml.
``export_course_zip`` writes the folder, reads it back with the loader, and only then zips it, so
an export that could not be imported again is refused with the loader's own message.

Two things the format adds for a faithful round trip: ``status: draft`` in the front matter of a
unit (and in course.yaml) that learners cannot see yet. The loader reads the key but only the archive
importer (lms.services.course_archive) applies it, so a draft stays a draft.
"""

from __future__ import annotations

import functools
import shutil
import tempfile
import zipfile
from pathlib import Path
from typing import IO, BinaryIO

from flask_babel import gettext as _

from lms.content.loader import default_kind, load_course
from lms.errors import ContentError, LmsError
from lms.models import Course, Question, Unit
from lms.questions import spec_of, type_of

#: A fixed timestamp in every zip entry, so the same course always gives the same archive.
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


class ExportError(LmsError):
    """The course cannot be written in a form the loader reads back."""

    status = 422


@functools.cache
def _dumper() -> type:
    """Readable YAML: multi-line text as literal blocks, keys in the order written. Made on the first
    export, so serving workers never load PyYAML (1 MiB each)."""
    import yaml

    def literal_blocks(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
        style = "|" if "\n" in value.strip("\n") else None
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)

    class ReadableDumper(yaml.SafeDumper):
        pass

    ReadableDumper.add_representer(str, literal_blocks)
    return ReadableDumper


def _yaml(data) -> str:
    import yaml

    return yaml.dump(data, Dumper=_dumper(), allow_unicode=True, sort_keys=False, width=100)


def unit_stem(unit: Unit, number: int, width: int = 2) -> str:
    return f"{number:0{width}d}-{unit.slug}"


def course_yaml(course: Course) -> str:
    data = {
        "title": course.title,
        "summary": course.summary,
        "language": course.language,
        "trainer": course.trainer_name,
        "estimated_minutes": course.estimated_minutes,
        "outcomes": list(course.outcomes or []),
        "credits": course.credits,
    }
    if course.status == "draft":
        data["status"] = "draft"
    return _yaml({k: v for k, v in data.items() if v not in ("", None) or k == "title"})


def unit_markdown(
    unit: Unit, video_name: str | None, poster_name: str | None = None, audio_name: str | None = None
) -> str:
    meta: dict[str, str | int] = {"title": unit.title}
    if unit.summary:
        meta["summary"] = unit.summary
    meta["estimated_minutes"] = unit.estimated_minutes or 0
    if video_name:
        meta["video"] = f"media/{video_name}"
        if unit.video is not None and unit.video.description:
            meta["video_alt"] = unit.video.description
        if poster_name and unit.video is not None:
            meta["poster"] = f"media/{poster_name}"
            meta["poster_alt"] = unit.video.poster_alt
        if audio_name:
            meta["audio_only"] = f"media/{audio_name}"
    if unit.status == "draft":
        meta["status"] = "draft"
    return "---\n" + _yaml(meta) + "---\n" + (unit.body_md or "")


def _question(question: Question) -> dict:
    """A quiz.yaml question: the keys every question has, then its type's own (QuestionType.write_yaml)."""
    spec = spec_of(question)
    item: dict = {"type": spec.type}
    if spec.title:
        item["title"] = spec.title
    item["prompt"] = spec.prompt
    if spec.feedback:
        item["feedback"] = spec.feedback
    item.update(type_of(question).write_yaml(spec))
    return item


def quiz_yaml(course: Course) -> str:
    """The course's quiz.yaml; the course must have a quiz."""
    quiz = course.quiz
    assert quiz is not None
    return _yaml(
        {
            "title": quiz.title,
            "pass_mark": quiz.pass_mark,
            "max_attempts": quiz.max_attempts,
            "questions": [_question(q) for q in quiz.questions],
        }
    )


def write_course_folder(course: Course, media_dir: Path, dest: Path) -> Path:
    """Write the course into dest/<slug>/ and return that folder."""
    if not course.units:
        raise ExportError(
            _("“%(title)s” has no units: a course needs at least one to be exported.", title=course.title)
        )
    folder = Path(dest) / course.slug
    (folder / "units").mkdir(parents=True)
    units = sorted(course.units, key=lambda u: u.position)
    width = 2 if len(units) < 100 else 3
    for number, unit in enumerate(units, start=1):
        stem = unit_stem(unit, number, width)
        video_name = poster_name = audio_name = None
        if unit.video is not None:
            source = Path(media_dir) / unit.video.filename
            if not source.is_file():
                raise ExportError(
                    _(
                        "The video of unit “%(title)s” (%(file)s) is missing from the media folder.",
                        title=unit.title,
                        file=unit.video.filename,
                    )
                )
            video_name = stem + Path(unit.video.filename).suffix
            (folder / "media").mkdir(exist_ok=True)
            shutil.copyfile(source, folder / "media" / video_name)
            if unit.video.poster_filename:
                poster_source = Path(media_dir) / unit.video.poster_filename
                if not poster_source.is_file():
                    raise ExportError(
                        _(
                            "The poster of unit “%(title)s” (%(file)s) is missing from the media folder.",
                            title=unit.title,
                            file=unit.video.poster_filename,
                        )
                    )
                # "<stem>.poster.png": never the same name as the video, whatever their types.
                poster_name = f"{stem}.poster{Path(unit.video.poster_filename).suffix}"
                shutil.copyfile(poster_source, folder / "media" / poster_name)
            audio = next(
                (r for r in unit.video.renditions if r.kind == "audio" and r.status == "ready" and r.filename), None
            )
            if audio is not None and audio.filename and (Path(media_dir) / audio.filename).is_file():
                audio_name = f"{stem}.audio{Path(audio.filename).suffix}"
                shutil.copyfile(Path(media_dir) / audio.filename, folder / "media" / audio_name)
        (folder / "units" / f"{stem}.md").write_text(
            unit_markdown(unit, video_name, poster_name, audio_name), encoding="utf-8"
        )
        for track in unit.caption_tracks:
            (folder / "captions").mkdir(exist_ok=True)
            # The name leaves the kind out only where the loader would infer the same kind.
            kind = "" if track.kind == default_kind(track.language, course.language) else f".{track.kind}"
            (folder / "captions" / f"{stem}.{track.language}{kind}.vtt").write_text(track.vtt, encoding="utf-8")
    (folder / "course.yaml").write_text(course_yaml(course), encoding="utf-8")
    if course.quiz is not None and course.quiz.questions:
        (folder / "quiz.yaml").write_text(quiz_yaml(course), encoding="utf-8")
    return folder


def zip_folder(folder: Path, out: BinaryIO | IO[bytes]) -> None:
    """Zip folder as <folder name>/..., in name order; media stored as is (it is compressed already)."""
    with zipfile.ZipFile(out, "w") as archive:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            name = f"{folder.name}/{path.relative_to(folder).as_posix()}"
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_STORED if path.parent.name == "media" else zipfile.ZIP_DEFLATED
            with open(path, "rb") as src, archive.open(info, "w") as dst:
                shutil.copyfileobj(src, dst, 1024 * 1024)


def export_course_zip(course: Course, media_dir: Path, out: BinaryIO | IO[bytes]) -> None:
    """Write the course as a zip of <slug>/..., checked by reading it back with the loader."""
    with tempfile.TemporaryDirectory(prefix="lms-export-") as tmp:
        folder = write_course_folder(course, media_dir, Path(tmp))
        try:
            load_course(folder)
        except ContentError as err:
            raise ExportError(
                _("This course cannot be exported as it is: %(problem)s", problem=err.message.replace(tmp + "/", ""))
            ) from None
        zip_folder(folder, out)
