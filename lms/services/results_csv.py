"""The results CSV files (lms.dashboard): learners and quiz questions of a course report
(lms.services.analytics), written a line at a time, with cells a spreadsheet will not run.

RFC 4180 line ends; a byte order mark so spreadsheets read Khmer names as UTF-8; OWASP's CSV
injection advice (a quote before a cell that starts like a formula).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

from lms.services.analytics import CourseReport, LearnerRow

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value) -> str:
    """A cell that a spreadsheet will not run as a formula (OWASP: prefix a quote)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _csv(header: list[str], rows: Iterable[list]) -> Iterator[str]:
    """The CSV file, a line at a time (RFC 4180 line ends), for a streamed response."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    # A byte order mark, so spreadsheet programs read Khmer and other non-Latin names as UTF-8.
    out.write("\ufeff")
    writer.writerow([csv_cell(h) for h in header])
    for row in rows:
        writer.writerow([csv_cell(v) for v in row])
        if out.tell() > 16384:
            yield out.getvalue()
            out.seek(0)
            out.truncate()
    yield out.getvalue()


def learners_csv(learners: Iterable[LearnerRow], header: list[str]) -> Iterator[str]:
    """Name, email, units done, units total, best score, attempts, passed, completed on (ISO date),
    a line per learner of ``learners`` (a report's page, or :func:`learner_rows` streamed)."""
    rows = (
        [
            r.name,
            r.email,
            r.units_done,
            r.units_total,
            r.best_score,
            r.attempts,
            r.passed,
            r.completed_at.date().isoformat() if r.completed_at else None,
        ]
        for r in learners
    )
    return _csv(header, rows)


def items_csv(report: CourseReport, header: list[str]) -> Iterator[str]:
    """Number, question, answered, correct, percent correct, most chosen wrong answer, its count."""
    rows = [
        [i.number, i.title or i.prompt, i.answered, i.correct, i.percent_correct, i.top_wrong, i.top_wrong_count]
        for i in report.items
    ]
    return _csv(header, rows)
