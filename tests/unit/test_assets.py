"""The inline stylesheet's static URLs are rewritten to hashed names, and a wrong one stops start-up."""

from __future__ import annotations

import pytest

from lms.assets import Assets


def _folder(tmp_path, css: str):
    (tmp_path / "css").mkdir()
    (tmp_path / "fonts").mkdir()
    (tmp_path / "fonts" / "face.woff2").write_bytes(b"wOF2 not really a font")
    (tmp_path / "css" / "sala.css").write_text(css, encoding="utf-8")
    return tmp_path


def test_static_urls_in_the_inline_stylesheet_become_hashed_urls(tmp_path):
    """url(/static/fonts/face.woff2), quoted or not, becomes the file's hashed URL; other URLs stay."""
    css = '@font-face { src: url(/static/fonts/face.woff2), url("/static/fonts/face.woff2"), url(/elsewhere.woff2); }\n'
    assets = Assets(_folder(tmp_path, css))
    hashed = assets.hashed["fonts/face.woff2"]
    assert str(assets.inline_css) == (
        f'@font-face {{ src: url(/static/{hashed}), url("/static/{hashed}"), url(/elsewhere.woff2); }}\n'
    )


def test_inline_stylesheet_naming_a_missing_static_file_is_refused(tmp_path):
    """A typo in a static URL fails at start-up rather than as a 404 on Khmer pages only."""
    with pytest.raises(ValueError, match="fonts/missing.woff2"):
        Assets(_folder(tmp_path, "@font-face { src: url(/static/fonts/missing.woff2); }\n"))
