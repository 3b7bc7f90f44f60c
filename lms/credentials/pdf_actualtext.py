"""Add /ActualText and /Lang to WeasyPrint's tagged PDF for complex-script runs.

How WeasyPrint (70) tags text, which this module relies on and checks:

* every text box is drawn inside ``/Span <</MCID n>> BDC ... EMC`` in the page's
  content stream, and gets its own leaf structure element (``/S /Span``,
  ``/K [n]``) whose parent is the element of the HTML box holding the text;
* structure elements come in document (DOM) order under ``/Document``;
* the glyphs of a text box decode (through the font's ``/ToUnicode``) to a
  garbled version of the text: right script, wrong order, missing pieces.

The template wraps each complex-script run in its own ``<span>`` (see
:mod:`lms.credentials.pdf_scripts`), so each run becomes one structure element
whose leaves are the run's text boxes (one, or more when the run wraps across
lines). We walk the structure tree in order, pick the leaves whose glyphs decode
to a marked script, group them by parent element, and pair the groups with the
runs found in the HTML, in order. The counts and scripts must match, else we
raise: a wrong /ActualText would be worse than none.

Then: the run's element gets ``/ActualText`` (the exact source string) and
``/Lang``; the marked content of its first text box gets the same entries (what
``pdftotext`` and most extractors honour); any further boxes of the same run get
an empty ``/ActualText`` so the text is not read twice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from io import BytesIO
from typing import Any

import pikepdf

from .pdf_scripts import Run, script_of


class ActualTextError(RuntimeError):
    """The PDF's tagged text could not be matched to the document's runs."""


_HEX = re.compile(rb"<([0-9A-Fa-f]*)>")


def _utf16(hexstr: bytes) -> str:
    return bytes.fromhex(hexstr.decode()).decode("utf-16-be", errors="replace")


def _parse_tounicode(data: bytes) -> dict[int, str]:
    """Parse the bfchar and bfrange sections of a ToUnicode CMap."""
    mapping: dict[int, str] = {}
    for section in re.findall(rb"beginbfchar(.*?)endbfchar", data, re.S):
        codes = _HEX.findall(section)
        for src, dst in zip(codes[0::2], codes[1::2], strict=False):  # a stray last code has no pair
            mapping[int(src, 16)] = _utf16(dst)
    for section in re.findall(rb"beginbfrange(.*?)endbfrange", data, re.S):
        for line in re.finditer(
            rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*(<[0-9A-Fa-f]*>|\[[^\]]*\])",
            section,
        ):
            low, high = int(line[1], 16), int(line[2], 16)
            target = line[3]
            if target.startswith(b"["):
                for offset, dst in enumerate(_HEX.findall(target)):
                    mapping[low + offset] = _utf16(dst)
            else:
                start = bytes.fromhex(target[1:-1].decode())
                for offset in range(high - low + 1):
                    value = int.from_bytes(start, "big") + offset
                    mapping[low + offset] = value.to_bytes(len(start), "big").decode("utf-16-be", errors="replace")
    return mapping


@dataclass
class _Font:
    two_byte: bool
    to_unicode: dict[int, str]

    def decode(self, raw: bytes) -> tuple[str, int]:
        """Return (decoded text, number of glyphs)."""
        if self.two_byte:
            codes = [int.from_bytes(raw[i : i + 2], "big") for i in range(0, len(raw) - 1, 2)]
        else:
            codes = list(raw)
        return "".join(self.to_unicode.get(c, "") for c in codes), len(codes)


def _fonts(page: pikepdf.Page) -> dict[str, _Font]:
    fonts: dict[str, _Font] = {}
    resources: Any = page.obj.get("/Resources") or {}
    for name, font in (resources.get("/Font") or {}).items():
        to_unicode = font.get("/ToUnicode")
        fonts[str(name)] = _Font(
            two_byte=font.get("/Subtype") == "/Type0",
            to_unicode=_parse_tounicode(to_unicode.read_bytes()) if to_unicode else {},
        )
    return fonts


@dataclass
class _Content:
    text: str = ""
    glyphs: int = 0


def _marked_contents(page: pikepdf.Page) -> dict[int, _Content]:
    """Decode the text drawn inside each MCID of a page's content stream."""
    fonts = _fonts(page)
    result: dict[int, _Content] = {}
    stack: list[int | None] = []
    font: _Font | None = None
    saved: list[_Font | None] = []
    for instruction in pikepdf.parse_content_stream(page):
        if isinstance(instruction, pikepdf.ContentStreamInlineImage):
            continue
        op = str(instruction.operator)
        operands = instruction.operands
        if op in ("BDC", "BMC"):
            mcid = None
            if op == "BDC" and isinstance(operands[1], pikepdf.Dictionary):
                value = operands[1].get("/MCID")
                mcid = int(value) if value is not None else None
            if mcid is None and stack:
                mcid = stack[-1]
            stack.append(mcid)
            if mcid is not None:
                result.setdefault(mcid, _Content())
        elif op == "EMC":
            if stack:
                stack.pop()
        elif op == "q":
            saved.append(font)
        elif op == "Q":
            font = saved.pop() if saved else font
        elif op == "Tf":
            font = fonts.get(str(operands[0]))
        elif op in ("Tj", "TJ", "'", '"') and stack and stack[-1] is not None:
            strings = []
            for operand in operands:
                if isinstance(operand, pikepdf.String):
                    strings.append(bytes(operand))
                elif isinstance(operand, pikepdf.Array):
                    strings.extend(bytes(x) for x in operand if isinstance(x, pikepdf.String))
            content = result[stack[-1]]
            for raw in strings:
                text, glyphs = font.decode(raw) if font else ("", len(raw))
                content.text += text
                content.glyphs += glyphs
    return result


@dataclass
class _Leaf:
    element: pikepdf.Dictionary
    parent: pikepdf.Dictionary
    page_index: int
    mcids: list[int] = field(default_factory=list)


def _objgen(obj: pikepdf.Object) -> tuple[int, int]:
    return obj.objgen


def _leaves(root: pikepdf.Object, page_indexes: dict[tuple[int, int], int]):
    """Yield leaf structure elements (holding MCIDs) in document order."""

    def walk(element, parent, page_index):
        if "/Pg" in element:
            page_index = page_indexes.get(_objgen(element.Pg), page_index)
        kids = element.get("/K")
        if kids is None:
            return
        if not isinstance(kids, pikepdf.Array):
            kids = [kids]
        mcids = []
        for kid in kids:
            if isinstance(kid, int):
                mcids.append(int(kid))
            elif isinstance(kid, pikepdf.Dictionary):
                if kid.get("/Type") == "/MCR":
                    mcids.append(int(kid.MCID))
                elif kid.get("/Type") == "/OBJR":
                    continue
                else:
                    yield from walk(kid, element, page_index)
        if mcids:
            yield _Leaf(element, parent, page_index, mcids)

    for kid in root.get("/K", []) if isinstance(root.get("/K"), pikepdf.Array) else [root.K]:
        yield from walk(kid, root, 0)


def _piece_script(content: _Content) -> str | None:
    """The marked script a piece of content is in, or None for other text."""
    scripts = {script_of(c) for c in content.text} - {None}
    if len(scripts) == 1:
        return scripts.pop()
    if len(scripts) > 1:
        return "mixed"
    if content.glyphs and not content.text:
        # Glyphs that all map to nothing only come from complex shaping.
        return "unknown"
    return None


def add_actual_text(pdf_bytes: bytes, runs: list[Run]) -> bytes:
    """Return ``pdf_bytes`` with /ActualText and /Lang set for each of ``runs``.

    :param pdf_bytes: a tagged PDF as WeasyPrint 70 writes it with ``pdf_variant="pdf/ua-1"``.
    :param runs: the marked runs of the HTML it was made from, in document order
        (:func:`lms.credentials.pdf_scripts.runs_in_html`).
    :returns: the PDF again (pikepdf, streams compressed), where each run's structure element
        and the marked content of its first text box carry ``/ActualText`` (ISO 32000-1 §14.9.4,
        what PDF/UA-1 §7.2 expects when the glyphs do not map to the text) and ``/Lang``.
    :raises ActualTextError: the PDF has no structure tree, or its complex-script elements do
        not pair one to one, in order and script, with ``runs``; a wrong /ActualText would be
        worse than none.
    """
    with pikepdf.open(BytesIO(pdf_bytes)) as pdf:
        page_indexes = {_objgen(page.obj): i for i, page in enumerate(pdf.pages)}
        contents = {i: _marked_contents(page) for i, page in enumerate(pdf.pages)}
        tree = pdf.Root.get("/StructTreeRoot")
        if tree is None:
            raise ActualTextError("the PDF has no structure tree")

        # Group leaves in a marked script by their parent element (the run's span).
        groups: list[tuple[str, pikepdf.Dictionary, list[_Leaf]]] = []
        for leaf in _leaves(tree, page_indexes):
            piece = _Content()
            for mcid in leaf.mcids:
                content = contents[leaf.page_index].get(mcid, _Content())
                piece.text += content.text
                piece.glyphs += content.glyphs
            script = _piece_script(piece)
            if script is None:
                continue
            if groups and _objgen(groups[-1][1]) == _objgen(leaf.parent):
                groups[-1][2].append(leaf)
                if groups[-1][0] == "unknown":
                    groups[-1] = (script, groups[-1][1], groups[-1][2])
            else:
                groups.append((script, leaf.parent, [leaf]))

        if len(groups) != len(runs):
            raise ActualTextError(
                f"found {len(groups)} complex-script text elements in the PDF but "
                f"{len(runs)} marked runs in the HTML: pass every string through "
                "the script_runs filter and do not hide runs"
            )
        for (script, _parent, _), run in zip(groups, runs, strict=True):
            if script not in (run.script, "unknown"):
                raise ActualTextError(f"PDF text in script {script} paired with run {run.text!r} ({run.script})")

        # What to write in each marked content: page index -> mcid -> (text, lang).
        edits: dict[int, dict[int, tuple[str, str | None]]] = {}
        for (_script, parent, leaves), run in zip(groups, runs, strict=True):
            parent.ActualText = pikepdf.String(run.text)
            if run.lang:
                parent.Lang = pikepdf.String(run.lang)
            first = True
            for leaf in leaves:
                for mcid in leaf.mcids:
                    edits.setdefault(leaf.page_index, {})[mcid] = (run.text if first else "", run.lang)
                    first = False

        for page_index, page_edits in edits.items():
            _edit_page(pdf, pdf.pages[page_index], page_edits)

        out = BytesIO()
        pdf.save(out, compress_streams=True, object_stream_mode=pikepdf.ObjectStreamMode.preserve)
        return out.getvalue()


def _edit_page(pdf: pikepdf.Pdf, page: pikepdf.Page, edits: dict[int, tuple[str, str | None]]) -> None:
    instructions = []
    done = set()
    for instruction in pikepdf.parse_content_stream(page):
        if (
            not isinstance(instruction, pikepdf.ContentStreamInlineImage)
            and str(instruction.operator) == "BDC"
            and isinstance(instruction.operands[1], pikepdf.Dictionary)
            and "/MCID" in instruction.operands[1]
            and int(instruction.operands[1].MCID) in edits
        ):
            tag, properties = instruction.operands
            mcid = int(properties.MCID)
            text, lang = edits[mcid]
            new = pikepdf.Dictionary(dict(properties.items()))
            new.ActualText = pikepdf.String(text)
            if lang:
                new.Lang = pikepdf.String(lang)
            instruction = pikepdf.ContentStreamInstruction([tag, new], pikepdf.Operator("BDC"))
            done.add(mcid)
        instructions.append(instruction)
    missing = set(edits) - done
    if missing:
        raise ActualTextError(f"marked content {sorted(missing)} not found in the page")
    page.obj.Contents = pdf.make_stream(pikepdf.unparse_content_stream(instructions))
