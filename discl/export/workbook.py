"""Writing the comparison workbook: openpyxl styles, safe cell values, highlights, comments, page setup.

:func:`corpus_to_excel` builds the sheets (:mod:`discl.export.sheets`) and writes them; every string
goes in as a string cell, never a formula, and formula-like text also gets Excel's *quotePrefix* style.
Cells behind which a finding or an extraction flag sits (:class:`~discl.export.notes.CellNotes`) are
filled and commented.

>>> FILLS["error"].fgColor.rgb[-6:], FONT_NAME
('FFC7CE', 'SimSun')
"""
from __future__ import annotations

import math
import numbers
import os
import re
import unicodedata
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from .notes import MARK_ORDER, CellNotes, Mark
from .records import Key, is_missing, text_of
from .safe import atomic_write, clean_text, is_formula_like
from .sheets import INT_FORMAT, Column, SheetData, build_sheets

__all__ = ["BODY_STYLE", "CITY_BORDER", "COMMENT_AUTHOR", "FILLS", "FONT_NAME", "HEADER_ROWS", "HEADER_STYLE", "ID_STYLE",
           "corpus_to_excel", "write_sheet"]

#: SimSun (宋体) ships with every Windows since 2000 (also non-Chinese locales with East Asian support) and with
#: Office for Mac, and fontconfig's standard aliases map it to an installed CJK serif on Linux, so LibreOffice
#: substitutes sensibly. 等线 (DengXian) looks more modern but exists only from Windows 10 / Office 2016 on.
FONT_NAME = "SimSun"

#: Fills (ARGB-less hex): Excel's own "Bad" / "Neutral" tones, a lighter blue for extraction flags.
FILLS = {
    "error": PatternFill("solid", fgColor="FFC7CE"),
    "warning": PatternFill("solid", fgColor="FFEB9C"),
    "flag": PatternFill("solid", fgColor="DDEBF7"),
    "header": PatternFill("solid", fgColor="F2F2F2"),
}

HEADER_ROWS = 2  # Chinese labels, then ids
#: the rule drawn above the first report of another city (sheets sorted by 行政区划代码)
CITY_BORDER = Border(top=Side(style="medium", color="595959"))
BODY_STYLE, HEADER_STYLE, ID_STYLE = "discl body", "discl header", "discl id"
COMMENT_AUTHOR = "discl"


def _display_width(text: str) -> int:
    """Width in Excel column units: CJK (wide) characters count two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _named_styles() -> list[NamedStyle]:
    """Body, header and id-header styles, all in :data:`FONT_NAME`.

    Named styles rather than a Font per cell: openpyxl hashes a style object on every assignment, which made
    a 500-report workbook several times slower; assigning a registered style by name only copies its indices.
    """
    return [NamedStyle(BODY_STYLE, font=Font(name=FONT_NAME)),
            NamedStyle(HEADER_STYLE, font=Font(name=FONT_NAME, bold=True), fill=FILLS["header"],
                       alignment=Alignment(vertical="top")),
            NamedStyle(ID_STYLE, font=Font(name=FONT_NAME, size=9, color="595959"), fill=FILLS["header"],
                       alignment=Alignment(vertical="top"))]


def _put(cell: Cell, value: Any, style: str = BODY_STYLE) -> None:
    """Write one value safely: numbers as numbers, everything else as a string cell, never a formula."""
    if is_missing(value):
        return  # missing stays an empty cell, never 0
    cell.style = style
    if isinstance(value, bool):
        cell.value = value
    elif isinstance(value, numbers.Real):
        if math.isfinite(float(value)):
            cell.value = value
    else:
        text = clean_text(str(value))
        cell.value = text
        # openpyxl turns text starting with '=' into a formula and '#N/A' into an error: force a string
        cell.data_type = "s"
        if is_formula_like(text):
            cell.quotePrefix = True  # Excel keeps it text even when the user edits the cell


def _number_format(value: Any, fmt: str | None) -> str | None:
    """The format to use: an integer format would hide the decimals of a non-integral count, so not then."""
    if fmt == INT_FORMAT and isinstance(value, float) and math.isfinite(value) and not value.is_integer():
        return "General"
    return fmt


def _comment(marks: list[Mark], keys: tuple[Key, ...], many: bool) -> Comment:
    lines = [m.text for m in marks]
    text = clean_text("\n".join(lines))
    if many:  # a computed cell: say which source cells the notes come from
        text = clean_text("来源：" + "，".join(f"{k[2]}/{k[3]}" for k in keys) + "\n" + text)
    width = min(480, max(220, 7 * max(_display_width(line) for line in text.splitlines())))
    height = min(400, 20 + 18 * sum(1 + _display_width(line) * 7 // width for line in text.splitlines()))
    return Comment(text, COMMENT_AUTHOR, height=height, width=width)


def _decorate(cell: Cell, keys: tuple[Key, ...], notes: CellNotes) -> None:
    """Fill and comment a data cell from the findings and flags of the value cells behind it."""
    marks: list[Mark] = []
    for key in keys:
        marks += [m for m in notes.marks(key) if m not in marks]
    if not marks:
        return
    strongest = min(marks, key=lambda m: MARK_ORDER.index(m.kind)).kind
    if strongest in FILLS:
        cell.fill = FILLS[strongest]
    cell.comment = _comment(marks, keys, len(keys) > 1)


def _write_header(ws: Worksheet, sheet: SheetData) -> None:
    """Both header rows; on sheets with wrapping headers both rows wrap and get the height they need."""
    wrap = Alignment(wrap_text=True, vertical="top")
    for j, col in enumerate(sheet.columns, start=1):
        _put(ws.cell(row=1, column=j), col.zh, HEADER_STYLE)
        _put(ws.cell(row=2, column=j), col.id, ID_STYLE)
        if sheet.wrap_header:
            ws.cell(row=1, column=j).alignment = wrap
            ws.cell(row=2, column=j).alignment = wrap
    if sheet.wrap_header:
        ws.row_dimensions[1].height = _header_height(sheet, "zh")
        ws.row_dimensions[2].height = _header_height(sheet, "id")


#: points per wrapped line of a header row (11 pt bold labels; 9 pt ids)
_LINE_POINTS = {"zh": 15.0, "id": 12.0}
_MAX_ROW_POINTS = 409.0  # Excel's largest row height


def _wrapped_lines(text: str, width: float) -> int:
    """Lines ``text`` takes in a wrapping cell ``width`` units wide (an explicit newline starts a line)."""
    room = max(1.0, width - 1)
    return sum(max(1, math.ceil(_display_width(part) / room)) for part in text.split("\n"))


def _header_height(sheet: SheetData, row: str) -> float:
    """Points for header row ``row`` ("zh" labels or "id"s) when it wraps: room for its longest text."""
    lines = max((_wrapped_lines(getattr(c, row), c.width or 10) for c in sheet.columns), default=1)
    return min(_MAX_ROW_POINTS, _LINE_POINTS[row] * lines)


def _column_width(col: Column, data: list[Any], wrap_header: bool = False) -> float:
    """The column's own width, else the widest of its id header and a sample of values, 6–50 units.

    Where the headers do not wrap, the column is at least as wide as both header texts (never cut off).
    """
    header = 0 if wrap_header else max(_display_width(col.zh) + 3, _display_width(col.id) + 2)  # bold: +1
    if col.width:
        return float(max(col.width, header))
    sample = [_display_width(text_of(x)) for x in data[:200]]
    return float(min(50, max(6, header, _display_width(col.id) + 2, *(s + 2 for s in sample))))


def write_sheet(ws: Worksheet, sheet: SheetData, notes: CellNotes) -> None:
    """Headers, values, formats, highlights, frozen panes, autofilter and widths of one sheet.

    The workbook must hold the styles of :func:`_named_styles`.
    """
    _write_header(ws, sheet)
    for i, row in enumerate(sheet.rows):
        for j, (value, col) in enumerate(zip(row, sheet.columns)):
            cell = ws.cell(row=HEADER_ROWS + 1 + i, column=j + 1)
            _put(cell, value)
            fmt = _number_format(value, sheet.formats.get((i, j), col.fmt))
            if fmt and not is_missing(value):
                cell.number_format = fmt
            if (i, j) in sheet.fills:
                cell.fill = FILLS[sheet.fills[(i, j)]]
            if (i, j) in sheet.sources:
                _decorate(cell, sheet.sources[(i, j)], notes)
    for i in sheet.group_starts:  # each city's reports as a block, also on paper
        for j in range(len(sheet.columns)):
            ws.cell(row=HEADER_ROWS + 1 + i, column=j + 1).border = CITY_BORDER
    last_col = get_column_letter(max(1, len(sheet.columns)))
    # freeze both header rows and the identifying columns; the filter sits on the id row
    ws.freeze_panes = f"{get_column_letter(sheet.freeze_cols + 1)}{HEADER_ROWS + 1}"
    ws.auto_filter.ref = f"A{HEADER_ROWS}:{last_col}{HEADER_ROWS + max(1, len(sheet.rows))}"
    for j, col in enumerate(sheet.columns):
        ws.column_dimensions[get_column_letter(j + 1)].width = _column_width(col, [r[j] for r in sheet.rows],
                                                                             sheet.wrap_header)
    _page_setup(ws, sheet)


#: A4 landscape with 1 cm side margins: printable width in points at 100 %
_PRINT_WIDTH_POINTS = (297 - 20) / 25.4 * 72
_MARGIN_INCHES = 0.4
#: the smallest scale a sheet is shrunk to when fitted to the page width; wider sheets span more pages
MIN_PRINT_SCALE = 0.5


def _column_points(width: float) -> float:
    """Printed width of a column ``width`` Excel units wide (7 px per unit plus 5 px padding, 96 dpi)."""
    return (width * 7 + 5) * 0.75


def pages_wide(widths: list[float], title_cols: int) -> int:
    """Pages across that a sheet with columns ``widths`` needs at :data:`MIN_PRINT_SCALE` or more.

    The first ``title_cols`` columns repeat on every page.

    >>> pages_wide([24, 7] + [9] * 10, 2), pages_wide([24, 7] + [9] * 180, 2)
    (1, 7)
    """
    pts = [_column_points(w) for w in widths]
    title, body = sum(pts[:title_cols]), sum(pts[title_cols:])
    room = _PRINT_WIDTH_POINTS / MIN_PRINT_SCALE - title
    return max(1, math.ceil(body / room)) if room > 0 else 1


def _page_setup(ws: Worksheet, sheet: SheetData) -> None:
    """Printing (and PDF export): A4 landscape fitted to the page width (more pages across only for
    very wide sheets), both header rows and the report columns on every page, numbered pages.

    A sheet not meant for paper (``printed=False``: the long values table) prints its header rows only,
    with a page header saying so.
    """
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    for side in ("left", "right"):
        setattr(ws.page_margins, side, _MARGIN_INCHES)
    ws.print_title_rows = f"1:{HEADER_ROWS}"
    if sheet.freeze_cols:
        ws.print_title_cols = f"A:{get_column_letter(sheet.freeze_cols)}"
    widths = [ws.column_dimensions[get_column_letter(j + 1)].width for j in range(len(sheet.columns))]
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = pages_wide(widths, sheet.freeze_cols)
    ws.page_setup.fitToHeight = 0  # as many pages down as the rows need
    ws.oddFooter.center.text = f"{sheet.name} 第 &P 页，共 &N 页"
    if not sheet.printed:
        ws.print_area = f"A1:{get_column_letter(max(1, len(sheet.columns)))}{HEADER_ROWS}"
        ws.oddHeader.center.text = "本表为长表，供筛选核对，打印时只印表头（见「说明」）"


_SAFE_SHEET = re.compile(r"[\[\]:*?/\\]")


def corpus_to_excel(reports: pd.DataFrame, values: pd.DataFrame, issues: pd.DataFrame,
                    path: str | os.PathLike) -> str:
    """Write the comparison workbook for a corpus to ``path`` (atomically) and return the path.

    The frames are only read, never changed. :mod:`discl.export` lists the sheets.

    >>> import discl, tempfile, os, random
    >>> from discl.render import random_spec, render_text
    >>> d = tempfile.mkdtemp()
    >>> _ = open(os.path.join(d, "r.txt"), "w", encoding="utf-8").write(render_text(random_spec(random.Random(3))))
    >>> c = discl.load(d)
    >>> os.path.basename(corpus_to_excel(c.reports, c.values, c.issues, os.path.join(d, "c.xlsx")))
    'c.xlsx'
    """
    wb = Workbook()
    wb.remove(wb.active)
    for style in _named_styles():
        wb.add_named_style(style)
    notes = CellNotes(values, issues)
    for sheet in build_sheets(reports, values, issues):
        ws = wb.create_sheet(_SAFE_SHEET.sub("_", sheet.name)[:31])
        write_sheet(ws, sheet, notes)
    return atomic_write(path, wb.save)
