#!/usr/bin/env python
"""Build each unit's narrated slide video and English captions from its narration file.

Usage:
    .venv/bin/python scripts/build_media.py                          # every course
    .venv/bin/python scripts/build_media.py content/courses/<slug>   # one or more courses
    .venv/bin/python scripts/build_media.py --force ...               # rebuild even if unchanged

For every ``narration/NN-<slug>.yaml`` in a course this script:

1. speaks each line with espeak-ng (``-v <voice> -s 155``) to a WAV file, trims the silence
   espeak leaves before and after the speech, and measures the result exactly (sample count);
2. joins the lines with a short pause, so the caption cue of a line spans exactly its audio;
3. draws one 640x360 slide per narration slide with Pillow (dark text on a light background),
   shown from the start of the slide's first line until the next slide begins;
4. encodes ``media/NN-<slug>.webm`` (VP9 still frames at a low frame rate + Opus mono) and
   writes ``captions/NN-<slug>.en.vtt``;
5. copies the Opus sound alone into ``media/NN-<slug>.audio.webm`` (no re-encoding), the unit's
   ``audio_only`` version for learners who leave the picture out.

Caption rules are checked before anything is encoded: every cue is at most two lines of at most
42 characters, lasts 1 to 7 seconds and reads at most 20 characters per second. A line that
breaks a rule stops the build with a message saying which line to split or merge.

The output is deterministic (bit-exact muxing, single-threaded encoding), so rebuilding unchanged
narration gives identical files. A stamp in ``media-cache/`` (git-ignored) skips units whose
narration, course title and this script have not changed.
"""

from __future__ import annotations

import argparse
import array
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import wave
from dataclasses import dataclass
from pathlib import Path

import imageio_ffmpeg
import yaml
from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parent.parent
COURSES = ROOT / "content" / "courses"
CACHE = ROOT / "media-cache"

SPEED_WPM = 155
LEAD_IN = 0.40  # seconds of silence before the first line
GAP = 0.35  # seconds of silence between lines
TAIL = 0.40  # seconds of silence after the last line
KEEP_EDGE = 0.04  # seconds of the trimmed silence kept at each end of a spoken line
SILENCE_LEVEL = 250  # |sample| at or below this counts as silence when trimming
MAX_LINE_CHARS = 42
MAX_CUE_LINES = 2
MIN_CUE_SECONDS = 1.0
MAX_CUE_SECONDS = 7.0
MAX_CPS = 20.0
MAX_VIDEO_BYTES = 1_000_000
FPS = 4

WIDTH, HEIGHT = 640, 360
BACKGROUND = (250, 248, 242)  # warm off-white
TEXT = (20, 20, 20)  # near-black: contrast ratio about 17:1 on the background
ACCENT = (11, 85, 99)  # dark teal bar, contrast about 8:1
MUTED = (55, 55, 55)  # footer text, contrast about 11:1
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONT_BOLD = FONT_DIR / "DejaVuSans-Bold.ttf"
FONT_REGULAR = FONT_DIR / "DejaVuSans.ttf"

SCRIPT_VERSION = "1"


class NarrationError(Exception):
    """The narration file breaks a caption rule or is malformed."""


@dataclass
class Cue:
    start: float
    end: float
    text: str


# --------------------------------------------------------------------------------------------
# Text helpers


def wrap_cue(text: str, width: int = MAX_LINE_CHARS) -> list[str]:
    """Return the cue text as one line, or two lines broken at the most balanced word boundary."""
    text = " ".join(text.split())
    if len(text) <= width:
        return [text]
    words = text.split(" ")
    best: list[str] | None = None
    for i in range(1, len(words)):
        first, second = " ".join(words[:i]), " ".join(words[i:])
        fits = len(first) <= width and len(second) <= width
        if fits and (best is None or max(map(len, (first, second))) < max(map(len, best))):
            best = [first, second]
    if best is None:
        raise NarrationError(f"line is too long for two caption lines of {width} characters: {text!r}")
    return best


def spoken_form(text: str, pronounce: dict[str, str]) -> str:
    """Apply the narration's ``pronounce`` map (whole words only) to the text given to espeak.

    The captions always show the written text; only the audio uses the spoken form, e.g.
    ``ILO: I. L. O.`` so that espeak spells the letters instead of reading a word.
    """
    for written, said in sorted(pronounce.items(), key=lambda kv: -len(kv[0])):
        pattern = r"(?<!\w)" + re.escape(str(written)) + r"(?!\w)"
        text = re.sub(pattern, lambda _m, s=str(said): s, text)
    return text


def vtt_time(seconds: float) -> str:
    ms = int(round(seconds * 1000))
    h, ms = divmod(ms, 3_600_000)
    m, ms = divmod(ms, 60_000)
    s, ms = divmod(ms, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}.{ms:03d}"


def write_vtt(path: Path, cues: list[Cue]) -> None:
    out = ["WEBVTT", ""]
    for n, cue in enumerate(cues, 1):
        out.append(str(n))
        out.append(f"{vtt_time(cue.start)} --> {vtt_time(cue.end)}")
        out.extend(wrap_cue(cue.text))
        out.append("")
    path.write_text("\n".join(out), encoding="utf-8")


# --------------------------------------------------------------------------------------------
# Audio


def speak(text: str, voice: str, wav_path: Path) -> None:
    espeak = shutil.which("espeak-ng")
    if not espeak:
        sys.exit("espeak-ng is not installed (apt-get install -y espeak-ng)")
    subprocess.run(
        [espeak, "-v", voice, "-s", str(SPEED_WPM), "-w", str(wav_path), "--", text],
        check=True,
    )


def read_trimmed(wav_path: Path) -> tuple[array.array, int]:
    """Read a mono 16-bit WAV and trim the silence around the speech (keeping KEEP_EDGE)."""
    with wave.open(str(wav_path)) as w:
        if w.getnchannels() != 1 or w.getsampwidth() != 2:
            raise NarrationError(f"unexpected WAV format from espeak-ng: {w.getparams()}")
        rate = w.getframerate()
        samples = array.array("h", w.readframes(w.getnframes()))
    if sys.byteorder == "big":
        samples.byteswap()
    loud = [i for i, v in enumerate(samples) if abs(v) > SILENCE_LEVEL]
    if not loud:
        raise NarrationError(f"espeak-ng produced silence for {wav_path.name}")
    keep = int(KEEP_EDGE * rate)
    start = max(0, loud[0] - keep)
    end = min(len(samples), loud[-1] + 1 + keep)
    return samples[start:end], rate


# --------------------------------------------------------------------------------------------
# Slides


def _wrap_pixels(draw: ImageDraw.ImageDraw, text: str, font, max_width: int) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in text.split():
        trial = f"{current} {word}".strip()
        if draw.textlength(trial, font=font) <= max_width or not current:
            current = trial
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    return lines


def draw_slide(path: Path, title: str, points: list[str], footer: str) -> None:
    img = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
    draw = ImageDraw.Draw(img)
    margin = 36
    draw.rectangle([0, 0, 12, HEIGHT], fill=ACCENT)
    max_w = WIDTH - 2 * margin - 8

    title_size = 38 if not points else 34
    while True:
        title_font = ImageFont.truetype(str(FONT_BOLD), title_size)
        title_lines = _wrap_pixels(draw, title, title_font, max_w)
        if len(title_lines) <= (3 if not points else 2) or title_size <= 24:
            break
        title_size -= 2
    point_font = ImageFont.truetype(str(FONT_REGULAR), 24)
    point_lines = [_wrap_pixels(draw, p, point_font, max_w - 30) for p in points]

    title_h = len(title_lines) * int(title_size * 1.25)
    points_h = sum(len(pl) * 31 + 10 for pl in point_lines)
    gap = 22 if points else 0
    top = max(margin, (HEIGHT - 40 - title_h - gap - points_h) // 2)
    y = top
    for line in title_lines:
        draw.text((margin + 8, y), line, font=title_font, fill=TEXT)
        y += int(title_size * 1.25)
    y += gap
    for pl in point_lines:
        draw.ellipse([margin + 12, y + 11, margin + 22, y + 21], fill=ACCENT)
        for line in pl:
            draw.text((margin + 38, y), line, font=point_font, fill=TEXT)
            y += 31
        y += 10
    if y > HEIGHT - 40:
        raise NarrationError(f"slide {title!r} has too much text to fit; shorten its points")

    footer_font = ImageFont.truetype(str(FONT_REGULAR), 16)
    draw.line([margin + 8, HEIGHT - 38, WIDTH - margin, HEIGHT - 38], fill=ACCENT, width=2)
    draw.text((margin + 8, HEIGHT - 30), footer, font=footer_font, fill=MUTED)
    img.save(path, format="PNG", optimize=False)


# --------------------------------------------------------------------------------------------
# Build one unit


def ffmpeg_exe() -> str:
    return imageio_ffmpeg.get_ffmpeg_exe()


def media_duration(path: Path) -> float:
    """Duration of a media file in seconds, parsed from ``ffmpeg -i`` (no ffprobe needed)."""
    proc = subprocess.run([ffmpeg_exe(), "-hide_banner", "-i", str(path)], capture_output=True, text=True)
    for line in proc.stderr.splitlines():
        line = line.strip()
        if line.startswith("Duration:"):
            stamp = line.split(",")[0].split("Duration:")[1].strip()
            h, m, s = stamp.split(":")
            return int(h) * 3600 + int(m) * 60 + float(s)
    raise RuntimeError(f"no duration found for {path}")


def load_narration(path: Path) -> dict:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not data.get("slides"):
        raise NarrationError(f"{path}: needs a 'slides' list")
    for i, slide in enumerate(data["slides"], 1):
        if not slide.get("title") or not slide.get("lines"):
            raise NarrationError(f"{path}: slide {i} needs a title and at least one line")
        for line in slide["lines"]:
            if not isinstance(line, str) or not line.strip():
                raise NarrationError(f"{path}: slide {i} has an empty or non-text line")
    return data


def check_cue(cue: Cue, where: str) -> list[str]:
    problems = []
    dur = cue.end - cue.start
    text = " ".join(cue.text.split())
    try:
        wrap_cue(text)
    except NarrationError as exc:
        problems.append(f"{where}: {exc}")
    if dur < MIN_CUE_SECONDS:
        problems.append(f"{where}: cue lasts {dur:.2f}s (< {MIN_CUE_SECONDS}s); make it longer")
    if dur > MAX_CUE_SECONDS:
        problems.append(f"{where}: cue lasts {dur:.2f}s (> {MAX_CUE_SECONDS}s); split it")
    cps = len(text) / dur if dur else 999
    if cps > MAX_CPS:
        problems.append(f"{where}: {cps:.1f} characters per second (> {MAX_CPS})")
    return problems


def build_unit(course_dir: Path, narration_path: Path, course_title: str, unit_no: int, force: bool = False) -> dict:
    stem = narration_path.stem
    media_path = course_dir / "media" / f"{stem}.webm"
    vtt_path = course_dir / "captions" / f"{stem}.en.vtt"
    source = narration_path.read_bytes()
    stamp_key = hashlib.sha256(
        source + course_title.encode() + Path(__file__).read_bytes() + SCRIPT_VERSION.encode()
    ).hexdigest()
    stamp_path = CACHE / course_dir.name / f"{stem}.sha256"
    if (
        not force
        and media_path.exists()
        and vtt_path.exists()
        and stamp_path.exists()
        and stamp_path.read_text().strip() == stamp_key
    ):
        return {
            "stem": stem,
            "skipped": True,
            "bytes": media_path.stat().st_size,
            "duration": media_duration(media_path),
        }

    data = load_narration(narration_path)
    voice = data.get("voice", "en-us")
    pronounce = data.get("pronounce") or {}
    footer = f"Sala  \u00b7  {course_title}  \u00b7  Unit {unit_no}"

    with tempfile.TemporaryDirectory(prefix="sala-media-") as tmp_name:
        tmp = Path(tmp_name)
        rate = None
        pcm = array.array("h")
        cues: list[Cue] = []
        slide_starts: list[float] = []
        problems: list[str] = []

        def add_silence(seconds: float) -> None:
            pcm.extend(array.array("h", bytes(2 * int(round(seconds * rate)))))

        n = 0
        for s_index, slide in enumerate(data["slides"]):
            for l_index, line in enumerate(slide["lines"]):
                n += 1
                text = " ".join(line.split())
                wav = tmp / f"line{n:03d}.wav"
                speak(spoken_form(text, pronounce), voice, wav)
                samples, this_rate = read_trimmed(wav)
                if rate is None:
                    rate = this_rate
                    add_silence(LEAD_IN)
                elif this_rate != rate:
                    raise NarrationError("espeak-ng changed sample rate between lines")
                else:
                    add_silence(GAP)
                start = len(pcm) / rate
                if l_index == 0:
                    slide_starts.append(0.0 if s_index == 0 else start)
                pcm.extend(samples)
                end = len(pcm) / rate
                cue = Cue(start, end, text)
                problems += check_cue(
                    cue, f"{narration_path}: slide {s_index + 1}, line {l_index + 1} ({text[:40]}...)"
                )
                cues.append(cue)
        add_silence(TAIL)
        total = len(pcm) / rate
        if problems:
            raise NarrationError("\n".join(problems))

        audio_path = tmp / "narration.wav"
        if sys.byteorder == "big":
            pcm.byteswap()
        with wave.open(str(audio_path), "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(rate)
            w.writeframes(pcm.tobytes())

        # Slides and the concat list that shows each for its span of the narration.
        concat = ["ffconcat version 1.0"]
        ends = slide_starts[1:] + [total]
        for i, slide in enumerate(data["slides"]):
            png = tmp / f"slide{i + 1:02d}.png"
            draw_slide(png, str(slide["title"]), [str(p) for p in slide.get("points") or []], footer)
            concat.append(f"file '{png.name}'")
            concat.append(f"duration {ends[i] - slide_starts[i]:.3f}")
        concat.append(f"file 'slide{len(data['slides']):02d}.png'")  # the demuxer needs it
        concat_path = tmp / "slides.ffconcat"
        concat_path.write_text("\n".join(concat) + "\n")

        media_path.parent.mkdir(parents=True, exist_ok=True)
        vtt_path.parent.mkdir(parents=True, exist_ok=True)
        out_tmp = tmp / "out.webm"
        cmd = [
            ffmpeg_exe(),
            "-hide_banner",
            "-loglevel",
            "error",
            "-y",
            "-f",
            "concat",
            "-safe",
            "0",
            "-i",
            str(concat_path),
            "-i",
            str(audio_path),
            "-map",
            "0:v:0",
            "-map",
            "1:a:0",
            "-t",
            f"{total:.3f}",
            "-vf",
            f"fps={FPS},format=yuv420p",
            "-c:v",
            "libvpx-vp9",
            "-b:v",
            "0",
            "-crf",
            "42",
            "-deadline",
            "good",
            "-cpu-used",
            "4",
            "-row-mt",
            "0",
            "-threads",
            "1",
            "-g",
            str(FPS * 10),
            "-c:a",
            "libopus",
            "-b:a",
            "28k",
            "-ac",
            "1",
            "-ar",
            "48000",
            "-map_metadata",
            "-1",
            "-map_chapters",
            "-1",
            "-max_interleave_delta",
            "0",
            "-fflags",
            "+bitexact",
            "-flags:v",
            "+bitexact",
            "-flags:a",
            "+bitexact",
            "-metadata",
            f"title={data['slides'][0]['title']}",
            "-metadata",
            "language=eng",
            str(out_tmp),
        ]
        subprocess.run(cmd, check=True, cwd=tmp)
        size = out_tmp.stat().st_size
        if size > MAX_VIDEO_BYTES:
            raise NarrationError(f"{media_path} would be {size} bytes (> {MAX_VIDEO_BYTES})")
        shutil.move(str(out_tmp), media_path)
        write_vtt(vtt_path, cues)
        write_audio_only(media_path)

    duration = media_duration(media_path)
    if abs(duration - total) > 0.3:
        print(f"warning: {media_path.name} lasts {duration:.2f}s but narration {total:.2f}s", file=sys.stderr)
    stamp_path.parent.mkdir(parents=True, exist_ok=True)
    stamp_path.write_text(stamp_key + "\n")
    return {"stem": stem, "skipped": False, "bytes": size, "duration": duration, "cues": len(cues)}


def write_audio_only(media_path: Path) -> Path:
    """The video's Opus track alone, copied bit for bit into ``<stem>.audio.webm``."""
    out = media_path.with_name(media_path.stem + ".audio.webm")
    cmd = [
        ffmpeg_exe(),
        "-hide_banner",
        "-nostdin",
        "-v",
        "error",
        "-y",
        "-i",
        str(media_path),
        "-vn",
        "-map",
        "0:a:0",
        "-c:a",
        "copy",
        "-map_metadata",
        "-1",
        "-fflags",
        "+bitexact",
        "-f",
        "webm",
        str(out),
    ]
    subprocess.run(cmd, check=True)
    return out


def build_course(course_dir: Path, force: bool = False) -> list[dict]:
    course_dir = course_dir.resolve()
    meta = yaml.safe_load((course_dir / "course.yaml").read_text(encoding="utf-8"))
    title = str(meta.get("title", course_dir.name))
    results = []
    for narration in sorted((course_dir / "narration").glob("*.yaml")):
        unit_no = int(narration.stem.split("-", 1)[0])
        results.append(build_unit(course_dir, narration, title, unit_no, force=force))
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "courses", nargs="*", type=Path, help="course folders (default: every folder in content/courses)"
    )
    parser.add_argument("--force", action="store_true", help="rebuild even if unchanged")
    args = parser.parse_args(argv)
    courses = args.courses or sorted(p for p in COURSES.iterdir() if (p / "narration").is_dir())
    failed = False
    for course in courses:
        try:
            for r in build_course(course, force=args.force):
                state = "unchanged" if r["skipped"] else "built"
                print(f"{course.name}/{r['stem']}: {state}, {r['duration']:.2f}s, {r['bytes'] / 1024:.0f} KiB")
        except NarrationError as exc:
            failed = True
            print(f"error in {course}:\n{exc}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    os.environ.setdefault("LC_ALL", "C.UTF-8")
    sys.exit(main())
