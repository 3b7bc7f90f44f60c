"""Text read from other tools' question files, as Sala stores it: plain text.

Question prompts, choices and feedback are plain text in Sala (the learner's page escapes them).
Moodle XML marks each text with its format; HTML (Moodle's ``html`` and ``moodle_auto_format``)
is turned into the words a reader sees with the standard library's ``html.parser``: tags
dropped, entities resolved, paragraphs and line breaks kept as new lines, scripts and styles
dropped with their content, an image replaced by its alternative text in brackets. Nothing in
the result is markup, so nothing needs sanitizing.
"""

from __future__ import annotations

from html.parser import HTMLParser

#: Elements that start a new line of text.
_BLOCKS = frozenset(
    {
        "p",
        "div",
        "br",
        "li",
        "tr",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "blockquote",
        "pre",
        "ul",
        "ol",
        "table",
        "dl",
        "dt",
        "dd",
        "hr",
        "section",
        "article",
        "figure",
        "figcaption",
    }
)
#: Elements whose content is not text a reader sees.
_HIDDEN = frozenset({"script", "style", "head", "title", "template", "noscript"})


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN:
            self.hidden += 1
        elif tag in _BLOCKS:
            self.parts.append("\n")
        elif tag == "img" and not self.hidden:
            alt = " ".join((dict(attrs).get("alt") or "").split())
            if alt:
                self.parts.append(f" [{alt}] ")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _HIDDEN:
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag in _BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def html_to_text(html: str, keep_newlines: bool = False) -> str:
    """The words of an HTML fragment as plain text: one line per paragraph or line break,
    spaces collapsed, no blank lines. ``keep_newlines`` also keeps the source's own new lines
    (Moodle's ``moodle_auto_format``, where a new line is a line break)."""
    if keep_newlines:
        html = html.replace("\r\n", "\n").replace("\n", "<br>")
    parser = _Text()
    parser.feed(html)
    parser.close()
    lines = (" ".join(line.split()) for line in "".join(parser.parts).split("\n"))
    return "\n".join(line for line in lines if line)


def moodle_text(text: str, fmt: str | None) -> str:
    """A Moodle text in format ``fmt`` (html, moodle_auto_format, plain_text, markdown) as plain
    text: HTML formats through :func:`html_to_text`, the others trimmed as written."""
    fmt = (fmt or "html").strip().lower()
    if fmt == "html":
        return html_to_text(text)
    if fmt == "moodle_auto_format":
        return html_to_text(text, keep_newlines=True)
    return text.replace("\r\n", "\n").strip()
