"""How question files' bytes become text: UTF-8 first, then Windows-1252 with a warning.

Windows Notepad's "ANSI" is Windows-1252 on Western European Windows; trainers' GIFT and Aiken
files saved there hold “smart quotes” and é as single bytes that are not UTF-8. Such a file is
read as Windows-1252 and the trainer is told to check the accented letters and quotes, rather
than refused (Moodle would refuse it with "not UTF-8"). A file that is neither (bytes
Windows-1252 leaves undefined) is left to the format's reader to refuse.
"""

from __future__ import annotations

from flask_babel import gettext as _


def decode_file(raw: bytes) -> tuple[str | None, list[str]]:
    """The text of a file (byte-order mark dropped, line ends as "\\n") and the warnings to show,
    or (None, []) when it is neither UTF-8 nor Windows-1252."""
    try:
        text = raw.decode("utf-8-sig")
        warnings: list[str] = []
    except UnicodeDecodeError:
        try:
            text = raw.decode("cp1252")
        except UnicodeDecodeError:
            return None, []
        warnings = [
            _(
                "The file is not UTF-8, so it was read as Windows-1252 (what Windows Notepad calls "
                "“ANSI”). Check that accented letters and quotation marks look right; next time, "
                "save the file as UTF-8."
            )
        ]
    return text.replace("\r\n", "\n").replace("\r", "\n"), warnings
