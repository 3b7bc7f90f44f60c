"""QR codes for verify links: accessible, scalable SVG that decodes back to the URL."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET

import pytest
import segno
from PIL import Image

from lms.credentials import qr

URL = "https://sala.example.org/verify/K3M9Q-ZB7XD-4RT0C-N8WPA"
SVG_NS = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def matrix_from_svg(svg: str) -> list[list[bool]]:
    """Rebuild the module grid from the SVG's viewBox and path rectangles."""
    root = parse(svg)
    _, _, w, h = (int(v) for v in root.get("viewBox").split())
    grid = [[False] * w for _ in range(h)]
    d = root.find(f"{SVG_NS}path").get("d")
    for x, y, run, back in re.findall(r"M(\d+) (\d+)h(\d+)v1h-(\d+)z", d):
        assert run == back
        for i in range(int(run)):
            grid[int(y)][int(x) + i] = True
    # Every path command was one of ours: nothing else hides in the data.
    assert re.fullmatch(r"(M\d+ \d+h\d+v1h-\d+z)+", d)
    return grid


def raster(grid: list[list[bool]], scale: int = 6) -> Image.Image:
    img = Image.new("L", (len(grid[0]) * scale, len(grid) * scale), 255)
    for y, row in enumerate(grid):
        for x, dark in enumerate(row):
            if dark:
                img.paste(0, (x * scale, y * scale, (x + 1) * scale, (y + 1) * scale))
    return img


def test_svg_is_accessible_image():
    """The SVG has role=img and a <title> it is labelled by, so screen readers announce it."""
    root = parse(qr.qr_svg(URL, "QR code: verify this certificate"))
    assert root.tag == f"{SVG_NS}svg"
    assert root.get("role") == "img"
    title = root.find(f"{SVG_NS}title")
    assert title is not None and title.text == "QR code: verify this certificate"
    assert root.get("aria-labelledby") == title.get("id")
    assert list(root)[0] is title  # title first, as SVG accessibility expects


def test_svg_scales_with_viewbox_only():
    """No fixed width or height: only a square viewBox, so CSS or print decides the size."""
    root = parse(qr.qr_svg(URL, "QR"))
    assert root.get("width") is None and root.get("height") is None
    x, y, w, h = (int(v) for v in root.get("viewBox").split())
    assert (x, y) == (0, 0) and w == h > 21


def test_svg_is_black_on_white_with_quiet_zone():
    """A white background covers the whole code, modules are black, and 4 blank modules ring it."""
    svg = qr.qr_svg(URL, "QR")
    root = parse(svg)
    rect = root.find(f"{SVG_NS}rect")
    size = root.get("viewBox").split()[2]
    assert (rect.get("width"), rect.get("height"), rect.get("fill")) == (size, size, "#fff")
    assert root.find(f"{SVG_NS}path").get("fill") == "#000"
    grid = matrix_from_svg(svg)
    n = len(grid)
    border = [grid[y][x] for y in range(n) for x in range(n) if min(x, y, n - 1 - x, n - 1 - y) < 4]
    assert not any(border)
    assert grid[4][4]  # the finder pattern starts right inside the quiet zone


def test_svg_matrix_matches_segno():
    """The drawn modules are exactly segno's matrix for the URL (with the 4-module border)."""
    expected = [
        [bool(m) for m in row]
        for row in segno.make(URL, error="m", micro=False, boost_error=False).matrix_iter(border=4)
    ]
    assert matrix_from_svg(qr.qr_svg(URL, "QR")) == expected


def test_svg_decodes_back_to_url():
    """A QR reader (zxing-cpp) decodes the SVG's modules back to the exact URL."""
    zxingcpp = pytest.importorskip("zxingcpp")
    results = zxingcpp.read_barcodes(raster(matrix_from_svg(qr.qr_svg(URL, "QR"))))
    assert [r.text for r in results] == [URL]


def test_png_decodes_back_to_url():
    """The PNG variant decodes to the URL too."""
    zxingcpp = pytest.importorskip("zxingcpp")
    png = qr.qr_png_bytes(URL)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    results = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert [r.text for r in results] == [URL]


def test_title_is_escaped():
    """Markup in the title is escaped, never injected into the page."""
    svg = qr.qr_svg(URL, 'Scan <script>alert(1)</script> & "verify"')
    assert "<script>" not in svg
    assert parse(svg).find(f"{SVG_NS}title").text == 'Scan <script>alert(1)</script> & "verify"'


def test_khmer_title_survives():
    """A Khmer title is kept as text."""
    title = "កូដ QR សម្រាប់ផ្ទៀងផ្ទាត់វិញ្ញាបនបត្រ"
    assert parse(qr.qr_svg(URL, title)).find(f"{SVG_NS}title").text == title


def test_same_input_gives_same_svg():
    """Output is deterministic (cache-friendly), and different URLs give different codes and ids."""
    assert qr.qr_svg(URL, "QR") == qr.qr_svg(URL, "QR")
    other = qr.qr_svg(URL.replace("N8WPA", "N8WPB"), "QR")
    assert other != qr.qr_svg(URL, "QR")
    assert parse(other).get("aria-labelledby") != parse(qr.qr_svg(URL, "QR")).get("aria-labelledby")


@pytest.mark.parametrize("bad", ["", None])
def test_empty_url_is_refused(bad):
    """An empty URL is a programming error, not a blank QR code."""
    with pytest.raises(ValueError):
        qr.qr_svg(bad, "QR")
