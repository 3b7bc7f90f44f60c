"""Conformance: read_captions agrees with what browsers (WPT) and the subtitle libraries' own
test suites expect for every file of the shared corpus."""

from __future__ import annotations

import codecs
import json
import re
from pathlib import Path

from lms.captions import read_captions

DATA = Path(__file__).resolve().parents[2] / "data" / "captions"

_ASSERT = re.compile(
    r"assert_equals\(cues\[(\d+)\]\.(text|id|startTime|endTime),\s*"
    r"('(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|-?[\d.]+)\)"
)


def _js_value(literal: str):
    if literal[0] in "'\"":
        return codecs.decode(literal[1:-1], "unicode_escape")
    return float(literal)


def _report_figure(capsys, folder: str, agreed: int, total: int, disagreements: list[str]) -> None:
    with capsys.disabled():
        print(f"\n[caption conformance] {folder}: {agreed}/{total} files agree ({100 * agreed / total:.1f}%)")
    assert not disagreements, "\n".join(disagreements)


def test_wpt_files_parse_like_a_browser(corpus, capsys):
    """Every WPT WebVTT file is accepted or rejected, with the cue count, texts and times, as the manifest says."""
    manifest = json.loads((corpus / "webvtt" / "wpt" / "manifest.json").read_text())
    disagreements = []
    for entry in manifest["files"]:
        report = read_captions((corpus / "webvtt" / "wpt" / entry["file"]).read_bytes(), entry["file"])
        why = []
        if report.accepted != entry["accepted"]:
            why.append(f"accepted={report.accepted}, expected {entry['accepted']}")
        elif report.accepted and len(report.cues) != entry["expected_cues"]:
            why.append(f"{len(report.cues)} cues, expected {entry['expected_cues']}")
        elif not report.accepted and not report.errors[0].message:
            why.append("rejected without a reason")
        else:
            for index, prop, literal in _ASSERT.findall(entry.get("upstream_assertions", "")):
                cue = report.cues[int(index)]
                got = {"text": cue.text, "id": cue.identifier, "startTime": cue.start, "endTime": cue.end}[prop]
                if got != _js_value(literal):
                    why.append(f"cues[{index}].{prop} = {got!r}, expected {_js_value(literal)!r}")
        if why:
            disagreements.append(f"{entry['file']}: {'; '.join(why)}")
    total = len(manifest["files"])
    _report_figure(capsys, "webvtt/wpt", total - len(disagreements), total, disagreements)


def test_srt_corpus_matches_manifest(corpus, capsys):
    """Every SRT fixture (BOMs, UTF-16/32, Windows-1252, GB2312, invalid files) is read as the manifest says."""
    manifest = json.loads((corpus / "srt" / "manifest.json").read_text())
    departures = json.loads((DATA / "departures.json").read_text())["srt"]
    disagreements = []
    for entry in manifest["files"]:
        if entry["file"] in departures:
            # Sala's deliberate answer replaces upstream's, and must hold just the same.
            entry = {**entry, **departures[entry["file"]]}
        report = read_captions((corpus / "srt" / entry["file"]).read_bytes(), entry["file"])
        why = []
        if report.accepted != entry["valid"]:
            why.append(f"accepted={report.accepted}, expected {entry['valid']}")
        elif report.accepted and entry["expected_cues"] is not None and len(report.cues) != entry["expected_cues"]:
            why.append(f"{len(report.cues)} cues, expected {entry['expected_cues']}")
        elif not report.accepted and not report.errors:
            why.append("rejected without a reason")
        if report.accepted and codecs.lookup(report.encoding).name != codecs.lookup(entry["encoding"]).name:
            why.append(f"encoding {report.encoding}, expected {entry['encoding']}")
        if why:
            disagreements.append(f"{entry['file']}: {'; '.join(why)}")
    total = len(manifest["files"])
    with capsys.disabled():
        print(
            f"\n[caption conformance] srt: {len(departures)} of {total} by a deliberate departure "
            f"from upstream (tests/data/captions/departures.json)",
            end="",
        )
    _report_figure(capsys, "srt", total - len(disagreements), total, disagreements)


def test_webvtt_py_fixtures_match_manifest(corpus, capsys):
    """webvtt-py's own fixtures: invalid ones are rejected with a reason, valid ones give the expected cues.

    Where the manifest carries a spec oracle (VTT files) it wins over webvtt-py's own test: for
    non_padded_timestamps.vtt (Teams' 0:0:0.0) webvtt-py keeps 3 cues but browsers show none.
    """
    manifest = json.loads((corpus / "webvtt" / "webvtt-py" / "manifest.json").read_text())
    disagreements = []
    for entry in manifest["files"]:
        name = entry["file"].rsplit("/", 1)[-1]
        report = read_captions((corpus / "webvtt" / "webvtt-py" / entry["file"]).read_bytes(), name)
        oracle = entry.get("spec_oracle")
        accepted = oracle["accepted"] if oracle else entry["valid_by_own_tests"]
        cues = oracle["cues"] if oracle else entry["expected_captions"]
        why = []
        if report.accepted != accepted:
            why.append(f"accepted={report.accepted}, expected {accepted}")
        elif report.accepted and cues is not None and len(report.cues) != cues:
            why.append(f"{len(report.cues)} cues, expected {cues}")
        elif not report.accepted and not report.errors:
            why.append("rejected without a reason")
        if report.source_format != entry["format"]:
            why.append(f"read as {report.source_format}, expected {entry['format']}")
        if why:
            disagreements.append(f"{entry['file']}: {'; '.join(why)}")
    total = len(manifest["files"])
    _report_figure(capsys, "webvtt/webvtt-py", total - len(disagreements), total, disagreements)


def test_wpt_file_with_nul_in_signature_is_rejected():
    """signature-null.vtt (not collected into the corpus, a NUL right after WEBVTT) is rejected."""
    report = read_captions(b"WEBVTT\x00\n", "signature-null.vtt")
    assert not report.accepted
    assert report.errors[0].code in ("bad-header", "binary")
