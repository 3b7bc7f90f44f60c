"""Author Markdown and HTML come out safe."""
from lms.content.sanitize import images_without_alt, render_markdown


def test_scripts_handlers_iframes_and_javascript_links_are_removed():
    """Script, iframe, on* attributes and javascript: URLs never survive."""
    html = render_markdown(
        "Hi <script>alert(1)</script> <iframe src=x></iframe> <a href=\"javascript:alert(1)\" onclick=\"x()\">l</a>"
        " [m](javascript:alert(2)) <img src=x onerror=alert(3) alt=\"a\">")
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
