"""Certificate PDF: PDF/UA structure, Khmer text round trip, layout limits, cache."""

from __future__ import annotations

import datetime as dt
import logging
import shutil
import subprocess
import sys
from io import BytesIO
from pathlib import Path

import pikepdf
import pytest
import segno

ROOT = Path(__file__).resolve().parents[3]
if str(ROOT) not in sys.path:  # when pytest is not run with the project on sys.path
    sys.path.insert(0, str(ROOT))

from lms.credentials import pdf as certpdf  # noqa: E402
from lms.credentials.pdf import (  # noqa: E402
    QR_ALT,
    CertificateRenderError,
    certificate_pdf_path,
    get_certificate_pdf,
    render_certificate_html,
    render_certificate_pdf,
    template_version,
)
from lms.credentials.pdf_actualtext import ActualTextError, add_actual_text  # noqa: E402
from lms.credentials.pdf_scripts import runs_in_html, script_runs  # noqa: E402

BASE_URL = "https://sala.example.org/"
VERIFY_URL = "https://sala.example.org/certificates/verify/K7Q4-M2XR-9PLD"

# Hard Khmer words: coeng subscripts, pre-base vowels, split vowels, and names.
HARD_KHMER_WORDS = [
    "ស្រី",
    "ក្រុម",
    "ព្រះ",
    "ស្ត្រី",  # subscript consonants
    "កែ",
    "កើត",
    "ខ្មែរ",  # pre-base vowels
    "កោះ",
    "ពៅ",
    "សៀវភៅ",  # split vowels
    "ការអភិវឌ្ឍ",
    "ព្រឹត្តិការណ៍",
    "សមិទ្ធផល",
    "ចំណេះដឹង",
    "សុខា",
    "ចាន់ធី",
    "ស្រីពៅ",
    "កញ្ញា",  # names
]

needs_poppler = pytest.mark.skipif(
    not (shutil.which("pdftotext") and shutil.which("pdftoppm") and shutil.which("pdffonts")),
    reason="poppler-utils (pdftotext, pdftoppm, pdffonts) is not installed; the Makefile installs it",
)


def make_context(**overrides):
    context = {
        "learner_name": "Sokha Chan",
        "course_title": "Safeguarding in community programmes",
        "course_language": "en",
        "issued_on": dt.date(2026, 11, 25),
        "issuer_name": "Sala — Linking and Learning Cambodia",
        "code": "K7Q4-M2XR-9PLD",
        "verify_url": VERIFY_URL,
        "qr_svg": segno.make(VERIFY_URL, error="m").svg_inline(scale=4),
        "trainer": "Dara Keo",
    }
    context.update(overrides)
    return context


def pdftotext(pdf: bytes) -> str:
    result = subprocess.run(
        ["pdftotext", "-raw", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True, check=True
    )
    return result.stdout.decode("utf-8")


def pdffonts(path: Path) -> str:
    return subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout


def walk_structure(pdf: pikepdf.Pdf):
    """Yield every structure element, depth first."""
    stack = [pdf.Root.StructTreeRoot]
    while stack:
        node = stack.pop()
        kids = node.get("/K")
        if kids is None:
            continue
        kids = list(kids) if isinstance(kids, pikepdf.Array) else [kids]
        for kid in kids:
            if isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") not in ("/MCR", "/OBJR"):
                yield kid
                stack.append(kid)


def glyph_codes(pdf: pikepdf.Pdf):
    """Yield the 2-byte glyph codes drawn on every page."""
    for page in pdf.pages:
        for instruction in pikepdf.parse_content_stream(page, "Tj TJ"):
            for operand in instruction.operands:
                items = operand if isinstance(operand, pikepdf.Array) else [operand]
                for item in items:
                    if isinstance(item, pikepdf.String):
                        raw = bytes(item)
                        yield from (int.from_bytes(raw[i : i + 2], "big") for i in range(0, len(raw) - 1, 2))


@pytest.fixture(scope="module")
def english_pdf() -> bytes:
    return render_certificate_pdf(make_context(), BASE_URL)


@pytest.fixture(scope="module")
def khmer_pdf() -> bytes:
    return render_certificate_pdf(
        make_context(
            learner_name="កញ្ញា ស្រីពៅ សុខា",
            course_title=" ".join(HARD_KHMER_WORDS),
            course_language="km",
            trainer="ចាន់ធី",
        ),
        BASE_URL,
    )


def test_pdf_declares_pdf_ua_structure(english_pdf):
    """The PDF is tagged: StructTreeRoot, MarkInfo Marked, Lang, Title, DisplayDocTitle, pdfuaid 1."""
    with pikepdf.open(BytesIO(english_pdf)) as pdf:
        assert "/StructTreeRoot" in pdf.Root
        assert bool(pdf.Root.MarkInfo.Marked) is True
        assert str(pdf.Root.Lang) == "en"
        assert str(pdf.docinfo.Title).startswith("Certificate of completion — Sokha Chan")
        assert bool(pdf.Root.ViewerPreferences.DisplayDocTitle) is True
        meta = pdf.open_metadata()
        assert meta.get("pdfuaid:part") == "1"
        assert str(meta.get("dc:title")).startswith("Certificate of completion")
        tags = {str(element.S) for element in walk_structure(pdf)}
        assert {"/Document", "/H1", "/P", "/Figure", "/Link"} <= tags


def test_pdf_is_one_a4_landscape_page(english_pdf):
    """The certificate is exactly one A4 landscape page."""
    with pikepdf.open(BytesIO(english_pdf)) as pdf:
        assert len(pdf.pages) == 1
        x0, y0, x1, y1 = (float(v) for v in pdf.pages[0].MediaBox)
        assert round(x1 - x0) == 842 and round(y1 - y0) == 595


def test_every_figure_has_alt_text(english_pdf):
    """Every /Figure (the QR code) carries /Alt text."""
    with pikepdf.open(BytesIO(english_pdf)) as pdf:
        figures = [e for e in walk_structure(pdf) if e.S == "/Figure"]
        assert len(figures) == 1
        assert all(str(figure.get("/Alt", "")) for figure in figures)
        assert str(figures[0].Alt) == QR_ALT


def test_link_annotation_is_tagged_with_contents(english_pdf):
    """The verification link annotation has /Contents and a structure parent."""
    with pikepdf.open(BytesIO(english_pdf)) as pdf:
        links = [a for a in pdf.pages[0].get("/Annots", []) if a.Subtype == "/Link"]
        assert links
        for link in links:
            assert str(link.Contents) == VERIFY_URL
            assert "/StructParent" in link


def test_all_fonts_are_embedded(khmer_pdf):
    """Every font used has an embedded font file, a Khmer one among them."""
    with pikepdf.open(BytesIO(khmer_pdf)) as pdf:
        names = []
        for font in pdf.pages[0].Resources.Font.values():
            descendant = font.DescendantFonts[0] if "/DescendantFonts" in font else font
            descriptor = descendant.FontDescriptor
            assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
            names.append(str(font.BaseFont))
    assert any("Khmer" in name for name in names), names


def test_khmer_runs_carry_actual_text_and_lang(khmer_pdf):
    """Each Khmer run's structure element and marked content have /ActualText and /Lang km."""
    with pikepdf.open(BytesIO(khmer_pdf)) as pdf:
        tagged = {str(e.ActualText): str(e.get("/Lang")) for e in walk_structure(pdf) if "/ActualText" in e}
        marked = [
            i.operands[1]
            for i in pikepdf.parse_content_stream(pdf.pages[0], "BDC")
            if isinstance(i.operands[1], pikepdf.Dictionary) and "/ActualText" in i.operands[1]
        ]
    for word in HARD_KHMER_WORDS:
        assert tagged.get(word) == "km", word
    assert {str(m.ActualText) for m in marked} >= set(HARD_KHMER_WORDS)
    assert all(str(m.Lang) == "km" for m in marked)


@needs_poppler
def test_pdftotext_reads_back_english_strings(english_pdf):
    """pdftotext -raw returns the certificate's English strings."""
    text = pdftotext(english_pdf)
    flat = " ".join(text.split())  # a long line may wrap in the layout; the reading order must not
    for expected in (
        "Certificate of completion",
        "This certifies that",
        "Sokha Chan",
        "has successfully completed the course",
        "Safeguarding in community programmes",
        "Issued on: 25 November 2026",
        "Drawn from the training given by: Dara Keo",
        "Sala — Linking and Learning",
        "Verification code: K7Q4-M2XR-9PLD",
    ):
        assert expected in flat, expected
    assert VERIFY_URL in text.replace("\n", "")


@needs_poppler
def test_pdftotext_reads_back_every_hard_khmer_word(khmer_pdf):
    """pdftotext -raw reads back all of the hard Khmer words and names exactly."""
    tokens = pdftotext(khmer_pdf).split()
    found = [word for word in HARD_KHMER_WORDS if word in tokens]
    assert len(HARD_KHMER_WORDS) >= 12
    assert found == HARD_KHMER_WORDS, (
        f"{len(found)} of {len(HARD_KHMER_WORDS)} read back; missing {[w for w in HARD_KHMER_WORDS if w not in tokens]}"
    )
    assert "កញ្ញា ស្រីពៅ សុខា" in pdftotext(khmer_pdf)


@needs_poppler
def test_khmer_labels_and_language_read_back():
    """A certificate with Khmer labels and lang km reads back its Khmer heading."""
    heading = "វិញ្ញាបនបត្របញ្ចប់វគ្គសិក្សា"
    labels = {"Certificate of completion": heading, "This certifies that": "សូមបញ្ជាក់ថា"}
    pdf = render_certificate_pdf(
        make_context(lang="km", learner_name="ស្រីពៅ", _=lambda s, **kw: labels.get(s, s)), BASE_URL
    )
    with pikepdf.open(BytesIO(pdf)) as doc:
        assert str(doc.Root.Lang) == "km"
    text = pdftotext(pdf)
    assert heading in text and "សូមបញ្ជាក់ថា" in text and "ស្រីពៅ" in text.split()


@needs_poppler
def test_khmer_page_renders_with_glyphs_not_boxes(khmer_pdf, tmp_path):
    """The Khmer page embeds a Khmer font, draws no .notdef box, and its PNG has ink."""
    from PIL import Image

    path = tmp_path / "khmer.pdf"
    path.write_bytes(khmer_pdf)
    assert "Khmer" in pdffonts(path)
    with pikepdf.open(BytesIO(khmer_pdf)) as pdf:
        assert 0 not in set(glyph_codes(pdf)), "a .notdef glyph (empty box) is drawn"
    subprocess.run(["pdftoppm", "-r", "50", "-png", "-singlefile", str(path), str(tmp_path / "page")], check=True)
    image = Image.open(tmp_path / "page.png").convert("L")
    width, height = image.size
    assert (width, height) == (585, 414)
    # The learner's name sits in the middle band, a third of the way down.
    band = image.crop((width // 5, int(height * 0.28), width * 4 // 5, int(height * 0.42)))
    dark = sum(band.histogram()[:128])
    assert dark > 300


BAD_NAMES = {
    "long": ("Nguyễn Thị Minh Khai " * 12)[:200],
    "long_khmer_word": ("ព្រឹត្តិការណ៍សមិទ្ធផលចំណេះដឹង" * 8)[:200],
    "html": "<script>alert(1)</script>",
    "arabic": "محمد عبد الله",
    "vietnamese": "Nguyễn Thị Minh Khai",
    "emoji": "Sokha 🎓🌏😀 Chan",
    "mixed": "Dara ដារា <b>&amp;</b> 🎓 محمد",
}


@pytest.mark.parametrize("name", list(BAD_NAMES.values()), ids=list(BAD_NAMES))
def test_awkward_names_fit_on_one_page(name):
    """Long, HTML, Arabic, Vietnamese, emoji and Khmer names lay out on one page, no boxes."""
    pdf = render_certificate_pdf(make_context(learner_name=name, course_title=name), BASE_URL)
    with pikepdf.open(BytesIO(pdf)) as doc:
        assert len(doc.pages) == 1
        assert 0 not in set(glyph_codes(doc)), "a .notdef glyph (empty box) is drawn"


@needs_poppler
def test_html_in_names_is_shown_as_text():
    """A name holding HTML is escaped in the document and printed literally in the PDF."""
    context = make_context(learner_name="<script>alert(1)</script>", trainer="<b>Bold</b>")
    document = render_certificate_html(context)
    assert "<script>alert" not in document and "&lt;script&gt;alert(1)&lt;/script&gt;" in document
    assert "<b>Bold</b>" not in document
    text = pdftotext(render_certificate_pdf(context, BASE_URL))
    assert "<script>alert(1)</script>" in text and "<b>Bold</b>" in text


@needs_poppler
def test_vietnamese_and_emoji_names_read_back():
    """Vietnamese diacritics and emoji read back from the PDF as written."""
    name = "Nguyễn Thị Minh Khai 🎓"
    assert name in pdftotext(render_certificate_pdf(make_context(learner_name=name), BASE_URL))


def test_trainer_is_optional():
    """Without a trainer the certificate renders and has no trainer line."""
    document = render_certificate_html(make_context(trainer=None))
    assert "Trainer" not in document
    assert render_certificate_pdf(make_context(trainer=None), BASE_URL).startswith(b"%PDF-1.7")


def test_qr_svg_may_be_bytes():
    """A QR code given as SVG bytes (as segno writes to a file) is embedded too."""
    buffer = BytesIO()
    segno.make(VERIFY_URL, error="m").save(buffer, kind="svg")
    pdf = render_certificate_pdf(make_context(qr_svg=buffer.getvalue()), BASE_URL)
    with pikepdf.open(BytesIO(pdf)) as doc:
        assert any(e.S == "/Figure" for e in walk_structure(doc))


def test_missing_alt_text_is_an_error():
    """WeasyPrint's log message about an image without alt text becomes an exception."""
    from weasyprint import HTML

    with pytest.raises(CertificateRenderError, match="alt"), certpdf._weasyprint_errors():
        HTML(
            string='<html lang="en"><title>t</title><img src="data:image/svg+xml,'
            "%3Csvg xmlns=%22http://www.w3.org/2000/svg%22 width=%221%22 "
            'height=%221%22/%3E">'
        ).write_pdf(pdf_variant="pdf/ua-1")


def test_missing_document_language_is_an_error():
    """WeasyPrint's log message about a missing lang attribute becomes an exception."""
    from weasyprint import HTML

    with pytest.raises(CertificateRenderError, match="lang"), certpdf._weasyprint_errors():
        HTML(string="<html><title>t</title><p>x</p>").write_pdf(pdf_variant="pdf/ua-1")


def test_other_threads_log_messages_are_not_collected():
    """A complaint logged by another thread does not fail this render."""
    import threading

    with certpdf._weasyprint_errors():
        thread = threading.Thread(target=lambda: logging.getLogger("weasyprint").error("Missing lang elsewhere"))
        thread.start()
        thread.join()


def test_unmarked_khmer_text_is_refused(khmer_pdf):
    """If the PDF's Khmer text does not match the marked runs, no ActualText is guessed."""
    with pytest.raises(ActualTextError):
        add_actual_text(khmer_pdf, [])


def test_script_runs_escapes_and_wraps_khmer():
    """script_runs escapes HTML and wraps each Khmer word in a lang=km span."""
    markup = str(script_runs("<i>Sok</i> ស្រី ពៅ"))
    assert markup.startswith("&lt;i&gt;Sok&lt;/i&gt; ")
    assert markup.count('lang="km"') == 2
    assert [run.text for run in runs_in_html("<body>" + markup)] == ["ស្រី", "ពៅ"]


def test_external_resources_are_not_fetched():
    """The renderer refuses URLs other than data: and the app's own /static/ files."""
    fetcher = certpdf._url_fetcher(BASE_URL)
    with pytest.raises(ValueError):
        fetcher.fetch("https://tracker.example.com/pixel.png")
    with pytest.raises(ValueError):
        fetcher.fetch(BASE_URL + "static/../../etc/passwd")
    assert fetcher.fetch(BASE_URL + "static/css/certificate.css").read().startswith(b"/*")


def test_cache_returns_same_bytes_without_rendering(tmp_path, monkeypatch):
    """A second request for the same code returns the cached bytes without rendering."""
    calls = []
    real = certpdf.render_certificate_pdf

    def counting(context, base_url):
        calls.append(context["code"])
        return real(context, base_url)

    monkeypatch.setattr(certpdf, "render_certificate_pdf", counting)
    first = get_certificate_pdf(tmp_path, make_context(), BASE_URL)
    second = get_certificate_pdf(tmp_path, make_context(), BASE_URL)
    assert first == second and len(calls) == 1
    path = certificate_pdf_path(tmp_path, "K7Q4-M2XR-9PLD", template_version())
    assert path.read_bytes() == first
    assert not list(tmp_path.glob("*.tmp"))


def test_cache_rerenders_when_template_changes(tmp_path, monkeypatch):
    """A new template version renders again and drops the old version's file."""
    calls = []
    monkeypatch.setattr(
        certpdf, "render_certificate_pdf", lambda context, base_url: calls.append(1) or b"%PDF-" + bytes(len(calls))
    )
    monkeypatch.setattr(certpdf, "template_version", lambda: "a" * 64)
    get_certificate_pdf(tmp_path, make_context(), BASE_URL)
    get_certificate_pdf(tmp_path, make_context(), BASE_URL)
    monkeypatch.setattr(certpdf, "template_version", lambda: "b" * 64)
    get_certificate_pdf(tmp_path, make_context(), BASE_URL)
    assert len(calls) == 2
    assert [p.name.split(".")[1][:1] for p in tmp_path.glob("*.pdf")] == ["b"]


def test_template_version_hashes_template_css_and_renderer_version(monkeypatch):
    """The template version changes with RENDERER_VERSION and is a sha256 hex digest."""
    before = template_version()
    assert len(before) == 64 and before == template_version()
    monkeypatch.setattr(certpdf, "RENDERER_VERSION", "certificate-pdf/test")
    assert template_version() != before


def test_cache_path_refuses_unsafe_codes(tmp_path):
    """Codes that could escape the cache folder are refused."""
    for code in ("../x", "a/b", "", ".hidden", "a b"):
        with pytest.raises(ValueError):
            certificate_pdf_path(tmp_path, code, "a" * 64)


@needs_poppler
def test_revoked_certificate_is_marked_and_stays_on_one_page():
    """A revoked certificate prints "REVOKED on <date>: <reason>", and still fits one page
    with the longest reason the form allows."""
    import datetime as dt

    reason = "Issued by mistake: the learner did not finish the course. " * 8
    pdf = render_certificate_pdf(make_context(revoked_on=dt.date(2026, 11, 30), revoked_reason=reason[:500]), BASE_URL)
    flat = " ".join(pdftotext(pdf).split())
    assert "REVOKED on 30 November 2026: Issued by mistake" in flat, flat[:200]
    with pikepdf.open(BytesIO(pdf)) as doc:
        assert len(doc.pages) == 1
    plain = " ".join(pdftotext(render_certificate_pdf(make_context(), BASE_URL)).split())
    assert "REVOKED" not in plain


def test_dates_are_written_in_the_certificate_language():
    """The issue date uses CLDR's month names for the certificate's lang (Babel): English and Khmer."""
    from lms.credentials.pdf import build_template_context

    assert build_template_context(make_context())["issued_on_text"] == "25 November 2026"
    assert build_template_context(make_context(lang="km"))["issued_on_text"] == "25 វិច្ឆិកា 2026"
    assert build_template_context(make_context(lang="zz-unknown"))["issued_on_text"] == "25 November 2026"
