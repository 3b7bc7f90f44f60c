"""Author Markdown and HTML come out safe, and the sanitizer is the only source of safe markup."""

import ast
import re
from pathlib import Path

import pytest

from lms.content.sanitize import images_without_alt, render_markdown


def test_scripts_handlers_iframes_and_javascript_links_are_removed():
    """Script, iframe, on* attributes and javascript: URLs never survive."""
    html = render_markdown(
        'Hi <script>alert(1)</script> <iframe src=x></iframe> <a href="javascript:alert(1)" onclick="x()">l</a>'
        ' [m](javascript:alert(2)) <img src=x onerror=alert(3) alt="a">'
    )
    lowered = html.lower()
    for bad in ("<script", "<iframe", "onclick", "onerror", "javascript:"):
        assert bad not in lowered


def test_markdown_structure_is_kept():
    """Headings, lists, emphasis and links stay."""
    html = render_markdown("## Title\n\n- one\n- **two**\n\n[link](https://example.org)")
    assert "<h2>Title</h2>" in html and "<li><strong>two</strong></li>" in html
    assert '<a href="https://example.org">link</a>' in html


def test_images_without_alt_are_counted():
    """The publishing gate counts images that lack alt text."""
    assert images_without_alt(render_markdown('![](a.png) ![A chart](b.png) <img src="c.png">')) == 2


def test_reading_html_shifts_headings_and_marks_safe():
    """Stored unit HTML comes back with h2..h5 one level down, as Markup, otherwise unchanged."""
    from markupsafe import Markup

    from lms.content.sanitize import reading_html

    stored = render_markdown("## Why\n\nText.\n\n### How\n\n###### Small")
    shown = reading_html(stored)
    assert isinstance(shown, Markup)
    assert str(shown) == stored.replace("h3>", "h4>").replace("h2>", "h3>")
    assert "<h3>Why</h3>" in shown and "<h4>How</h4>" in shown and "<h6>Small</h6>" in shown
    assert str(reading_html(stored, heading_offset=0)) == stored


def test_reading_html_cleans_whatever_it_is_given():
    """The filter trusts nothing: a raw string with a script, handler or frame comes out clean."""
    from lms.content.sanitize import reading_html

    shown = str(
        reading_html(
            '<h2 onclick="x()">T</h2><script>alert(1)</script><iframe src="x"></iframe>'
            '<a href="javascript:alert(2)">l</a><H2>Upper</H2>'
        )
    )
    lowered = shown.lower()
    for bad in ("<script", "<iframe", "onclick", "javascript:"):
        assert bad not in lowered
    assert shown.startswith("<h3>T</h3>") and "<h3>Upper</h3>" in shown
    assert str(reading_html(None)) == ""


def test_reading_html_is_served_from_its_cache():
    """A second call with the same HTML does not clean again (the unit page is a hot path)."""
    from lms.content import sanitize

    html = render_markdown("## Cached\n\nOnce " + "x" * 40)
    sanitize._reading.cache_clear()
    sanitize.reading_html(html)
    sanitize.reading_html("".join(html))  # an equal string, as a new database read gives
    info = sanitize._reading.cache_info()
    assert (info.misses, info.hits) == (1, 1)


def test_clean_svg_keeps_the_qr_code_and_drops_anything_active():
    """The QR SVG survives byte for byte in meaning (viewBox included); scripts, handlers, links,
    foreignObject and use are removed."""
    from markupsafe import Markup

    from lms.content.sanitize import clean_svg
    from lms.credentials.qr import qr_svg

    svg = qr_svg("https://example.org/verify/ABC", "QR code <for> “ABC” & more")
    cleaned = clean_svg(svg)
    assert isinstance(cleaned, Markup)
    assert str(cleaned) == svg.replace('"/>', '"></rect>', 1).replace('"/>', '"></path>', 1)
    assert 'viewBox="0 0 ' in cleaned and 'role="img"' in cleaned and "aria-labelledby=" in cleaned
    hostile = clean_svg(
        '<svg viewBox="0 0 1 1" onload="x()"><script>alert(1)</script>'
        '<foreignObject><img src="x" onerror="y()"></foreignObject><use href="#a"/>'
        '<a href="javascript:z()"><rect width="1" height="1" style="fill:red"/></a></svg>'
    )
    lowered = str(hostile).lower()
    for bad in ("onload", "<script", "foreignobject", "<img", "onerror", "<use", "href", "javascript:", "style="):
        assert bad not in lowered
    assert '<svg viewBox="0 0 1 1">' in hostile and '<rect width="1" height="1"></rect>' in hostile


LMS = Path(__file__).resolve().parents[3] / "lms"
TEMPLATES = LMS.parent / "templates"
#: The modules that may mark a string as safe HTML: the sanitizer, and the PDF script wrapper, which
#: escapes its input first and then wraps runs of Khmer or Latin text in spans (see its docstring).
MARKUP_MAKERS = {"lms/content/sanitize.py", "lms/credentials/pdf_scripts.py"}


def _markup_calls(path: Path) -> list[int]:
    """Lines where a module calls Markup(...) (by any name it imported it as) or markupsafe.Markup(...)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    names = {"Markup"}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module in ("markupsafe", "jinja2", "flask", "jinja2.utils"):
            names |= {alias.asname or alias.name for alias in node.names if alias.name == "Markup"}
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            if (isinstance(func, ast.Name) and func.id in names) or (
                isinstance(func, ast.Attribute) and func.attr == "Markup"
            ):
                lines.append(node.lineno)
    return lines


def test_only_the_sanitizer_marks_strings_safe():
    """No module under lms/ but the sanitizer (and the documented PDF script wrapper) constructs Markup,
    and no template uses |safe or turns autoescaping off."""
    offenders = []
    for path in sorted(LMS.rglob("*.py")):
        relative = path.relative_to(LMS.parent).as_posix()
        if relative not in MARKUP_MAKERS:
            offenders += [f"{relative}:{line}" for line in _markup_calls(path)]
    assert offenders == []
    assert _markup_calls(LMS / "content" / "sanitize.py"), "the check no longer finds the sanitizer's own Markup calls"
    for path in sorted(TEMPLATES.rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"\|\s*safe\b", text), path
        assert not re.search(r"autoescape\s+false", text, re.IGNORECASE), path


def test_stylesheet_cannot_leave_its_style_element():
    """The site's inline stylesheet is kept raw (a > b stays a child selector) but a </style end tag is refused."""
    from lms.content.sanitize import stylesheet

    assert str(stylesheet("a > b { color: #000 }")) == "a > b { color: #000 }"
    with pytest.raises(ValueError):
        stylesheet("a{}</STYLE><script>alert(1)</script>")
