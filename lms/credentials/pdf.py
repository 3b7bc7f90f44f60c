"""Certificate PDF: an A4 landscape, tagged PDF/UA-1 document made with WeasyPrint.

Public API:

* :func:`render_certificate_pdf` (context, base_url) -> PDF bytes;
* :func:`get_certificate_pdf` - the same through an on-disk cache keyed by the
  verification code and :func:`template_version`;
* :func:`build_template_context` and :func:`configure_jinja` - so that the Flask
  app renders ``templates/certificates/document.html`` as the web page with the
  same variables and filters.

Why WeasyPrint plus a pikepdf pass: WeasyPrint writes the PDF/UA-1 structure
(StructTreeRoot, MarkInfo, Lang, Title, XMP pdfuaid, alt text on figures) but
maps each glyph to one string, so Khmer reads back garbled. Chromium's tagged
PDF reads back right but claims no PDF/UA and needs a browser on the server.
So we keep WeasyPrint and add ``/ActualText`` (the exact source string) and
``/Lang`` to each complex-script run afterwards (:mod:`.pdf_actualtext`).
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import hashlib
import logging
import mimetypes
import os
import re
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import jinja2
from babel import UnknownLocaleError
from babel.dates import format_date

from .pdf_actualtext import ActualTextError, add_actual_text
from .pdf_scripts import runs_in_html, script_runs

__all__ = [
    "RENDERER_VERSION",
    "CertificateRenderError",
    "build_template_context",
    "certificate_pdf_path",
    "configure_jinja",
    "get_certificate_pdf",
    "render_certificate_html",
    "render_certificate_pdf",
    "template_version",
]

# Bump when this module or its pdf_* helpers change the PDF they produce.
RENDERER_VERSION = "certificate-pdf/2"

PROJECT_ROOT = Path(__file__).resolve().parents[2]
TEMPLATES_DIR = PROJECT_ROOT / "templates"
STATIC_DIR = PROJECT_ROOT / "static"
TEMPLATE_NAME = "certificates/document.html"
STYLESHEET = "css/certificate.css"

QR_ALT = "QR code linking to the verification page for this certificate"


# Learner names and course titles get a size class by length so that a long
# one still fits on the one page (see static/css/certificate.css).
_NAME_SIZES = ((28, "size-xl"), (45, "size-l"), (80, "size-m"), (130, "size-s"))
_TITLE_SIZES = ((50, "size-xl"), (90, "size-l"), (140, "size-m"), (200, "size-s"))

_CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$")


class CertificateRenderError(RuntimeError):
    """The certificate could not be rendered as an accessible PDF."""


def _identity_gettext(message: str, **variables: Any) -> str:
    return message % variables if variables else message


def _size_class(text: str, sizes: tuple[tuple[int, str], ...]) -> str:
    length = len(text)
    for limit, name in sizes:
        if length <= limit:
            return name
    return "size-xs"


def qr_data_uri(qr_svg: str | bytes) -> str:
    """A ``data:image/svg+xml;base64,...`` URI of a QR code SVG (str or UTF-8 bytes), adding the
    ``xmlns`` and ``viewBox`` an ``<img>`` needs to scale it.

    :raises CertificateRenderError: ``qr_svg`` has no ``<svg>`` tag.
    """
    svg = qr_svg.decode("utf-8") if isinstance(qr_svg, bytes) else str(qr_svg)
    svg = svg.strip()
    match = re.search(r"<svg\b[^>]*>", svg)
    if not match:
        raise CertificateRenderError("qr_svg is not an SVG document")
    tag = match.group(0)
    new_tag = tag
    if "xmlns=" not in tag:
        new_tag = new_tag.replace("<svg", '<svg xmlns="http://www.w3.org/2000/svg"', 1)
    if "viewBox" not in tag:
        width = re.search(r'\swidth="([\d.]+)', tag)
        height = re.search(r'\sheight="([\d.]+)', tag)
        if width and height:
            new_tag = new_tag.replace("<svg", f'<svg viewBox="0 0 {width.group(1)} {height.group(1)}"', 1)
    svg = svg.replace(tag, new_tag, 1)
    encoded = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    return f"data:image/svg+xml;base64,{encoded}"


def build_template_context(context: dict[str, Any], gettext: Callable[..., str] | None = None) -> dict[str, Any]:
    """Variables for templates/certificates/document.html from a certificate context.

    ``context`` keys: learner_name, course_title, course_language (BCP 47),
    issued_on (date or datetime), issuer_name, code, verify_url, qr_svg (str or bytes),
    optional trainer, optional lang (the language of the labels and the date; default "en"), optional
    ``_`` (a gettext, used when ``gettext`` is not given; default: no translation), optional
    revoked_on (date or datetime: the certificate was revoked then, and the document is marked
    "REVOKED on <date>: <revoked_reason>") and revoked_reason.

    :returns: the template's variables, among them ``qr_src`` (see :func:`qr_data_uri`) and the
        size classes that keep a long name or title on the one page.
    :raises CertificateRenderError: a required key is missing or empty, or qr_svg is not SVG.
    """
    _ = gettext or context.get("_") or _identity_gettext
    missing = [
        key
        for key in ("learner_name", "course_title", "issued_on", "issuer_name", "code", "verify_url", "qr_svg")
        if not context.get(key)
    ]
    if missing:
        raise CertificateRenderError(f"certificate context lacks {', '.join(missing)}")
    issued_on = context["issued_on"]
    if isinstance(issued_on, dt.datetime):
        issued_on = issued_on.date()
    learner_name = str(context["learner_name"]).strip()
    course_title = str(context["course_title"]).strip()
    lang = context.get("lang") or "en"
    issued_on_text = _date_text(issued_on, lang)
    revoked_text = ""
    revoked_on = context.get("revoked_on")
    if revoked_on:
        if isinstance(revoked_on, dt.datetime):
            revoked_on = revoked_on.date()
        reason = " ".join(str(context.get("revoked_reason") or "").split())
        revoked_text = (
            _("REVOKED on %(date)s: %(reason)s", date=_date_text(revoked_on, lang), reason=reason)
            if reason
            else _("REVOKED on %(date)s", date=_date_text(revoked_on, lang))
        )
    return {
        "_": _,
        "lang": lang,
        "title": _("Certificate of completion") + f" — {learner_name} — {course_title}",
        "learner_name": learner_name,
        "course_title": course_title,
        "course_language": context.get("course_language") or "",
        "issuer_name": context["issuer_name"],
        "trainer": context.get("trainer") or "",
        "code": context["code"],
        "verify_url": context["verify_url"],
        "issued_on": issued_on,
        "issued_on_iso": issued_on.isoformat(),
        "issued_on_text": issued_on_text,
        "qr_src": qr_data_uri(context["qr_svg"]),
        "qr_alt": _(QR_ALT),
        "name_size": _size_class(learner_name, _NAME_SIZES),
        "course_size": _size_class(course_title, _TITLE_SIZES),
        "revoked_text": revoked_text,
    }


def _date_text(day: dt.date, lang: str) -> str:
    """The day as the certificate prints it: day, month name, year in CLDR's words for `lang`
    (Babel's format_date, pattern "d MMMM y"): "25 November 2026", "25 វិច្ឆិកា 2026"."""
    try:
        return format_date(day, "d MMMM y", locale=lang.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return format_date(day, "d MMMM y", locale="en")


def configure_jinja(env: jinja2.Environment) -> jinja2.Environment:
    """Register what document.html needs on ``env`` and return it: the ``script_runs`` filter
    and fallback ``_`` and ``url_for`` globals; names already there are kept."""
    env.filters.setdefault("script_runs", script_runs)
    env.globals.setdefault("_", _identity_gettext)
    env.globals.setdefault("url_for", lambda endpoint, filename="": f"/static/{filename}")
    return env


def _jinja_env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)), autoescape=True, undefined=jinja2.StrictUndefined
    )
    return configure_jinja(env)


def render_certificate_html(context: dict[str, Any]) -> str:
    """Render document.html with plain Jinja (what the PDF is made from): an HTML ``str``.

    :raises CertificateRenderError: see :func:`build_template_context`.
    """
    variables = build_template_context(context)
    env = _jinja_env()
    env.globals["_"] = variables["_"]
    return env.get_template(TEMPLATE_NAME).render(**variables)


def _url_fetcher(base_url: str):
    """Serve data: URIs and this app's /static/ files; refuse everything else."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    static_prefix = urljoin(base_url, "/static/")

    class LocalFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            if url.startswith("data:"):
                return super().fetch(url, headers)
            if url.startswith(static_prefix):
                relative = urlsplit(url).path[len(urlsplit(static_prefix).path) :]
                path = (STATIC_DIR / relative).resolve()
                if STATIC_DIR.resolve() in path.parents and path.is_file():
                    content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                    return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": content_type})
            raise ValueError(f"certificate renderer does not fetch {url}")

    return LocalFetcher()


class _Collector(logging.Handler):
    """Collect WeasyPrint's complaints raised in this thread during a render."""

    # Messages that mean the PDF would not be accessible or complete.
    FATAL = re.compile(r"\balt\b|\blang\b|failed to load|fetch", re.I)

    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.thread = threading.get_ident()
        self.problems: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread != self.thread:
            return
        message = record.getMessage()
        if record.levelno >= logging.ERROR or self.FATAL.search(message):
            self.problems.append(message)


@contextmanager
def _weasyprint_errors() -> Iterator[None]:
    logger = logging.getLogger("weasyprint")
    collector = _Collector()
    logger.addHandler(collector)
    try:
        yield
    finally:
        logger.removeHandler(collector)
    if collector.problems:
        raise CertificateRenderError("WeasyPrint reported problems: " + "; ".join(collector.problems))


def render_certificate_pdf(context: dict[str, Any], base_url: str) -> bytes:
    """Render the certificate as a one-page A4 landscape PDF/UA-1 (ISO 14289-1) document: bytes.

    WeasyPrint writes the tagged PDF; :func:`.pdf_actualtext.add_actual_text` then gives each
    complex-script run its ``/ActualText``. Only ``data:`` URIs and this app's ``/static/`` files
    under ``base_url`` are fetched.

    :raises CertificateRenderError: the context is incomplete, WeasyPrint logged a problem that
        would make the PDF inaccessible or incomplete (missing alt text or language, a resource
        it could not load), or the runs could not be matched in the PDF.
    """
    from weasyprint import HTML

    document = render_certificate_html(context)
    runs = runs_in_html(document)
    with _weasyprint_errors():
        pdf = HTML(string=document, base_url=base_url, url_fetcher=_url_fetcher(base_url)).write_pdf(
            pdf_variant="pdf/ua-1", uncompressed_pdf=False
        )
    try:
        return add_actual_text(pdf, runs)
    except ActualTextError as error:
        raise CertificateRenderError(str(error)) from error


# --- cache -------------------------------------------------------------------


def template_version() -> str:
    """Hex SHA-256 (64 characters) of document.html, certificate.css and RENDERER_VERSION: a
    cached PDF is good while this stays the same."""
    digest = hashlib.sha256()
    for path in (TEMPLATES_DIR / TEMPLATE_NAME, STATIC_DIR / STYLESHEET):
        digest.update(path.read_bytes())
        digest.update(b"\0")
    digest.update(RENDERER_VERSION.encode())
    return digest.hexdigest()


def certificate_pdf_path(cache_dir: str | os.PathLike, code: str, template_version: str) -> Path:
    """Where the PDF for (code, template version) is cached: ``<cache_dir>/<code>.<32 hex>.pdf``.

    :raises ValueError: ``code`` is not safe in a file name, or ``template_version`` is not a hex
        digest of 16 to 64 characters.
    """
    if not _CODE_RE.match(code):
        raise ValueError(f"unsafe certificate code for a file name: {code!r}")
    if not re.fullmatch(r"[0-9a-f]{16,64}", template_version):
        raise ValueError("template_version must be a hex digest")
    return Path(cache_dir) / f"{code}.{template_version[:32]}.pdf"


def get_certificate_pdf(cache_dir: str | os.PathLike, context: dict[str, Any], base_url: str) -> bytes:
    """Return the cached PDF (bytes) for context["code"], rendering and caching it if needed.

    The cache is keyed by the code and the template version only: an issued
    certificate's data never changes (it is a snapshot taken at issue time).
    The file is written atomically (temporary file, fsync, rename) and older
    template versions of the same code are removed.

    :raises CertificateRenderError: see :func:`render_certificate_pdf`.
    :raises ValueError: see :func:`certificate_pdf_path`.
    :raises OSError: the cache folder cannot be written.
    """
    code = str(context["code"])
    path = certificate_pdf_path(cache_dir, code, template_version())
    try:
        return path.read_bytes()
    except FileNotFoundError:
        pass
    data = render_certificate_pdf(context, base_url)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{code}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with _suppress_oserror():
            os.unlink(tmp)
        raise
    # Drop the PDFs of older template versions for this code.
    for old in path.parent.glob(f"{code}.*.pdf"):
        if old != path:
            with _suppress_oserror():
                old.unlink()
    return data


@contextmanager
def _suppress_oserror() -> Iterator[None]:
    with contextlib.suppress(OSError):
        yield
