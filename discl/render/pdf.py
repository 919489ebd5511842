"""PDF: the report as a text-layer PDF with ruled tables, drawn with reportlab.

reportlab is only needed to make discl's own samples, so it is the optional extra ``samples``
(``pip install 'discl[samples]'``) and is imported here only, when a PDF is written.
"""
from __future__ import annotations

import functools
import html
import importlib
from pathlib import Path
from typing import Any, Sequence

from .. import templates as T
from .grids import Grid, section_tables
from .narrative import SECTION_ORDER, report_narrative, section_titles
from .spec import ReportSpec

#: Table 三 row after which :func:`render_pdf` breaks the page. It sits inside the （三）不予公开 group on
#: purpose: the group label stays on the first page, which is the hard case for a reader.
PDF_BREAK_AFTER = "withheld.third_party_rights"

INSTALL_HINT = "pip install 'discl[samples]'"


def require_reportlab() -> None:
    """Raise a clear ImportError when reportlab (the ``samples`` extra) is not installed.

    >>> require_reportlab()  # installed with discl[dev]
    """
    try:
        importlib.import_module("reportlab")
    except ImportError as e:
        raise ImportError(f"writing PDF samples needs reportlab, which is not installed: {INSTALL_HINT}") from e


CJK_FONT = "STSong-Light"


EMBEDDED_FONT = "SimHei"


@functools.cache
def _register_cjk_font(embed: bool = False) -> str:
    """Register reportlab's built-in Adobe CID font: no font file needed, and pdfplumber maps it back to
    Unicode (checked by the tests), so the text layer reads as Chinese rather than (cid:NN).

    With ``embed``, a TrueType font (SimHei, shipped by the ``mplfonts`` dependency) is embedded
    instead: the glyphs are then in the file, so a rasteriser without Chinese system fonts (PDFium on a
    bare server) draws them — what scanned copies of the samples need.
    """
    from reportlab.pdfbase import pdfmetrics

    if embed:
        import mplfonts
        from reportlab.pdfbase.ttfonts import TTFont

        path = Path(mplfonts.__file__).parent / "fonts" / "SimHei.ttf"
        pdfmetrics.registerFont(TTFont(EMBEDDED_FONT, str(path)))
        return EMBEDDED_FONT
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))
    return CJK_FONT


def _pdf_table(grid: Grid, rows: Sequence[int], col_widths: Sequence[float], label_style: Any,
               font: str = CJK_FONT) -> Any:
    """A reportlab Table for the given grid rows; spans crossing the cut are clipped to it and a cell whose
    anchor lies above the cut continues as an empty cell, as Word does when a merged cell breaks."""
    from reportlab.lib import colors
    from reportlab.platypus import Paragraph, Table, TableStyle

    index = {r: i for i, r in enumerate(rows)}
    data: list[list[Any]] = [["" for _ in range(grid.n_cols)] for _ in rows]
    style: list[tuple[Any, ...]] = [
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("FONT", (0, 0), (-1, -1), font, 8),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("ALIGN", (0, 0), (-1, -1), "CENTER"),
    ]
    for c in grid.cells:
        covered = [r for r in range(c.row, c.row + c.rowspan) if r in index]
        if not covered:
            continue
        top, bottom = index[covered[0]], index[covered[-1]]
        if c.row in index and c.text:
            data[top][c.col] = Paragraph(html.escape(c.text), label_style) if c.header else c.text
        if bottom > top or c.colspan > 1:
            style.append(("SPAN", (c.col, top), (c.col + c.colspan - 1, bottom)))
    return Table(data, colWidths=list(col_widths), style=TableStyle(style))


def render_pdf(spec: ReportSpec, path: str | Path, break_inside_t3: bool = True,
               repeat_header: bool = False, embed_font: bool = False) -> Path:
    """Write a text-layer PDF with ruled tables (reportlab, font STSong-Light, or SimHei embedded with
    ``embed_font``: see :func:`_register_cjk_font`).

    With ``break_inside_t3`` table 三 is cut after :data:`PDF_BREAK_AFTER` and continues on the next page,
    with its three header rows repeated if ``repeat_header``; a real PDF reader meets both. Needs the
    ``samples`` extra (:func:`require_reportlab`).

    >>> import random, tempfile, os, pdfplumber
    >>> from discl.render.spec import random_spec
    >>> path = render_pdf(random_spec(random.Random(1)), os.path.join(tempfile.mkdtemp(), "r.pdf"))
    >>> with pdfplumber.open(path) as pdf:
    ...     len(pdf.pages) >= 2, "（七）总计" in pdf.pages[-1].extract_text()
    (True, True)
    """
    require_reportlab()
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import KeepTogether, PageBreak, Paragraph, SimpleDocTemplate, Spacer

    font = _register_cjk_font(embed_font)
    body = ParagraphStyle("body", fontName=font, fontSize=10.5, leading=16, firstLineIndent=21,
                          wordWrap="CJK")
    h1 = ParagraphStyle("h1", fontName=font, fontSize=16, leading=24, alignment=1, spaceAfter=10)
    h2 = ParagraphStyle("h2", fontName=font, fontSize=12, leading=18, spaceBefore=6, spaceAfter=4)
    label = ParagraphStyle("label", fontName=font, fontSize=8, leading=10, alignment=1, wordWrap="CJK")
    path = Path(path)
    doc = SimpleDocTemplate(str(path), pagesize=A4, leftMargin=50, rightMargin=50, topMargin=50,
                            bottomMargin=50, title=spec.title, author=spec.agency)
    width = doc.width
    narrative = report_narrative(spec)
    tables = section_tables(spec, compact=False)
    titles = section_titles()
    story: list[Any] = [Paragraph(html.escape(spec.title), h1)]
    for s in SECTION_ORDER:
        head = [Paragraph(html.escape(titles[s]), h2)]
        head += [Paragraph(html.escape(p), body) for p in narrative.get(s, [])]
        grid = tables.get(s)
        if grid is None:
            story += head
            continue
        if grid.table == "requests":
            widths = [28, 60, 140] + [(width - 228) / (grid.n_cols - 3)] * (grid.n_cols - 3)
        elif grid.table == "proactive":
            widths = [130] + [(width - 130) / (grid.n_cols - 1)] * (grid.n_cols - 1)
        else:
            widths = [width / grid.n_cols] * grid.n_cols
        all_rows = list(range(grid.n_rows))
        if grid.table == "requests" and break_inside_t3:
            ids = [r.id for r in T.table("requests").rows(spec.template)]
            cut = grid.header_rows + ids.index(PDF_BREAK_AFTER) + 1
            second = (all_rows[:grid.header_rows] if repeat_header else []) + all_rows[cut:]
            # heading and first part move to a fresh page together if they do not fit, so the break we
            # place is the only one inside the table
            story.append(KeepTogether(head + [_pdf_table(grid, all_rows[:cut], widths, label, font)]))
            story += [PageBreak(), _pdf_table(grid, second, widths, label, font)]
        elif grid.table == "proactive":
            # table 二 has no vertical merges, so reportlab may split it across pages freely
            story += head + [_pdf_table(grid, all_rows, widths, label, font)]
        else:
            story.append(KeepTogether(head + [_pdf_table(grid, all_rows, widths, label, font)]))
        story.append(Spacer(1, 6))
    doc.build(story)
    return path
