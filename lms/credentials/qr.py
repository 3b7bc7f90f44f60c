"""QR codes for certificate verify links, as accessible inline SVG.

The SVG is drawn from segno's module matrix as one ``<path>``: black modules
on a white background with the standard 4-module quiet zone, sized only by its
``viewBox`` (no width/height), so it scales to whatever box CSS or a PDF gives
it and stays crisp when printed.  It carries ``role="img"`` and a ``<title>``
joined by ``aria-labelledby``, so a screen reader announces what it is instead
of skipping it or reading out path data.
"""

from __future__ import annotations

import hashlib
import io
from html import escape

import segno

#: Error correction 'M' (15 %) survives a folded or smudged printout while
#: keeping a verify URL in a small, easily scanned symbol.
ERROR = "m"
QUIET_ZONE = 4


def _matrix(url: str) -> list[list[bool]]:
    qr = segno.make(url, error=ERROR, micro=False, boost_error=False)
    return [[bool(m) for m in row] for row in qr.matrix_iter(scale=1, border=QUIET_ZONE)]


def _path(matrix: list[list[bool]]) -> str:
    """Path data: one 'M x y h w v 1 h -w z' rectangle per horizontal run of dark modules."""
    parts = []
    for y, row in enumerate(matrix):
        x = 0
        width = len(row)
        while x < width:
            if row[x]:
                start = x
                while x < width and row[x]:
                    x += 1
                run = x - start
                parts.append(f"M{start} {y}h{run}v1h-{run}z")
            else:
                x += 1
    return "".join(parts)


def qr_svg(url: str, title: str) -> str:
    """Inline ``<svg>`` QR code (ISO/IEC 18004, error correction M) of ``url``, labelled by
    ``title`` for assistive tech.

    Returns a plain ``str``, not Markup: ``title`` is escaped here, and whoever puts the SVG in a
    page decides to trust it. The picture is ``size`` x ``size`` modules in its ``viewBox``
    (the symbol plus a 4-module quiet zone), with no width or height.

    :raises ValueError: ``url`` is empty or not a string.
    """
    if not isinstance(url, str) or not url:
        raise ValueError("url must be a non-empty string")
    matrix = _matrix(url)
    size = len(matrix)
    # Deterministic id, unique enough per page (two codes for one URL and title are the same picture).
    title_id = "qr-" + hashlib.sha256(f"{url}\0{title}".encode()).hexdigest()[:12]
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" '
        f'role="img" aria-labelledby="{title_id}" shape-rendering="crispEdges" class="qr-code">'
        f'<title id="{title_id}">{escape(title)}</title>'
        f'<rect width="{size}" height="{size}" fill="#fff"/>'
        f'<path fill="#000" d="{_path(matrix)}"/>'
        "</svg>"
    )


def qr_png_bytes(url: str, scale: int = 8) -> bytes:
    """The same code as PNG bytes (black on white, 4-module quiet zone), ``scale`` pixels per
    module (segno)."""
    qr = segno.make(url, error=ERROR, micro=False, boost_error=False)
    out = io.BytesIO()
    qr.save(out, kind="png", scale=scale, border=QUIET_ZONE, dark="#000", light="#fff")
    return out.getvalue()
