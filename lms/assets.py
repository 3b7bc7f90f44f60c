"""Static files under content-hashed names, and the stylesheet every page carries inline.

Hashed names: `url_for("static", filename="js/enhance.js")` gives `/static/js/enhance.<hash>.js`,
where <hash> is the first 12 hex digits of the SHA-256 of the file's bytes, read once at start-up.
Such a URL names one content for ever, so it is served with `Cache-Control: public,
max-age=31536000, immutable` (RFC 8246): a returning visitor never asks for it again, and a new
release changes the name. The plain URL `/static/js/enhance.js` keeps working with the default
max-age (SEND_FILE_MAX_AGE_DEFAULT), for bookmarks, old pages in a cache and the PDF renderer.
Files added or changed while the server runs are served under their plain name until a restart.

Inline stylesheet: static/css/sala.css is small (about 3 KB compressed) and needed for the first
paint of every page, so base.html puts it in a <style> element instead of a render-blocking
<link>: on a 3G line that saves a round trip (about half a second) before anything shows. The
Content-Security-Policy allows exactly that text by its SHA-256 (CSP Level 3, "hash-source"),
never 'unsafe-inline'. A ``url(/static/<name>)`` in it (the Khmer font) is rewritten to the
file's hashed URL before the hash is taken, so the font is cached as immutable too.
"""

from __future__ import annotations

import base64
import hashlib
import mimetypes
import re
from pathlib import Path

from flask import Flask, Response, request

from lms.content import sanitize

#: One year, the longest max-age caches honour; RFC 8246 `immutable` stops revalidation on reload.
IMMUTABLE_MAX_AGE = 365 * 24 * 3600
INLINE_STYLESHEET = "css/sala.css"
#: Files up to this size are kept in memory and sent as bytes, which Flask-Compress compresses
#: whole (a streamed file would be compressed chunk by chunk and its file closed only by the GC).
IN_MEMORY_LIMIT = 512 * 1024


class Assets:
    """Hashed names of the files under one static folder, computed once."""

    def __init__(self, folder: Path, url_path: str = "/static"):
        self.folder = folder
        self.hashed: dict[str, str] = {}  # "js/enhance.js" → "js/enhance.0123456789ab.js"
        self.plain: dict[str, str] = {}  # the reverse
        self.content: dict[str, tuple[bytes, str]] = {}  # plain name → (bytes, SHA-256 hex)
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            name = path.relative_to(folder).as_posix()
            data = path.read_bytes()
            sha = hashlib.sha256(data).hexdigest()
            stem, dot, ext = name.rpartition(".")
            hashed = f"{stem}.{sha[:12]}.{ext}" if dot and "/" not in ext else f"{name}.{sha[:12]}"
            self.hashed[name], self.plain[hashed] = hashed, name
            if len(data) <= IN_MEMORY_LIMIT:
                self.content[name] = (data, sha)
        inline = folder / INLINE_STYLESHEET
        css = _without_comments(inline.read_text(encoding="utf-8")) if inline.exists() else ""
        css = self._hashed_urls(css, url_path.rstrip("/"))
        #: The inline stylesheet's text, exactly as base.html prints it (through the sanitizer, the
        #: one source of trusted markup), and its CSP hash-source.
        self.inline_css = sanitize.stylesheet(css)
        digest = base64.b64encode(hashlib.sha256(css.encode("utf-8")).digest()).decode()
        self.inline_css_hash = f"'sha256-{digest}'"

    def _hashed_urls(self, css: str, prefix: str) -> str:
        """``url(/static/fonts/x.woff2)`` → ``url(/static/fonts/x.<hash>.woff2)``.

        :raises ValueError: the stylesheet names a static file that does not exist (a typo would
            otherwise show as a silent 404 on Khmer pages only).
        """

        def hashed(match: re.Match) -> str:
            name = match.group(2)
            if name not in self.hashed:
                raise ValueError(f"{INLINE_STYLESHEET} refers to {prefix}/{name}, which is not in {self.folder}")
            return f"url({match.group(1)}{prefix}/{self.hashed[name]}{match.group(1)})"

        return re.sub(rf"""url\((["']?){re.escape(prefix)}/([^"')]+)\1\)""", hashed, css)


def _without_comments(css: str) -> str:
    """The stylesheet without its /* comments */ and blank lines: bytes no browser needs, and prose
    that would otherwise be part of every page's text. (A comment-like run inside a string would
    be cut too; sala.css has none, and test_bytes checks the page still carries its rules.)"""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    return "\n".join(line.rstrip() for line in css.splitlines() if line.strip()) + "\n"


def init_app(app: Flask) -> Assets:
    """Hash the static folder, make url_for("static") give hashed names, and serve both kinds."""
    assert app.static_folder is not None
    assets = Assets(Path(app.static_folder), app.static_url_path or "/static")
    app.extensions["lms.assets"] = assets

    @app.url_defaults
    def _hashed_static(endpoint, values):
        if endpoint == "static" and "filename" in values:
            values["filename"] = assets.hashed.get(values["filename"], values["filename"])

    plain_max_age = app.config["SEND_FILE_MAX_AGE_DEFAULT"]

    def static(filename: str):
        plain = assets.plain.get(filename)
        name = plain or filename
        if name not in assets.content:
            return app.send_static_file(filename)  # added since start-up, or large: Flask's own way
        data, sha = assets.content[name]
        response = Response(data, mimetype=mimetypes.guess_type(name)[0] or "application/octet-stream")
        response.set_etag(sha[:32])
        response.cache_control.public = True
        response.cache_control.max_age = IMMUTABLE_MAX_AGE if plain else plain_max_age
        if plain:
            response.cache_control.immutable = True
        return response.make_conditional(request)

    app.view_functions["static"] = static
    app.jinja_env.globals["inline_css"] = assets.inline_css
    return assets
