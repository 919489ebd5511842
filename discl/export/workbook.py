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
from openpyxl.styles import Alignment, Font, NamedStyle, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from .notes import MARK_ORDER, CellNotes, Mark
from .records import Key, is_missing, text_of
from .safe import atomic_write, clean_text, is_formula_like
from .sheets import INT_FORMAT, Column, SheetData, build_sheets

__all__ = ["BODY_STYLE", "COMMENT_AUTHOR", "FILLS", "FONT_NAME", "HEADER_ROWS", "HEADER_STYLE", "ID_STYLE",
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
    wrap = Alignment(wrap_text=True, vertical="top")
    for j, col in enumerate(sheet.columns, start=1):
        _put(ws.cell(row=1, column=j), col.zh, HEADER_STYLE)
        _put(ws.cell(row=2, column=j), col.id, ID_STYLE)
        if sheet.wrap_header:
            ws.cell(row=1, column=j).alignment = wrap
    if sheet.wrap_header:
        ws.row_dimensions[1].height = _header_height(sheet)


def _header_height(sheet: SheetData) -> float:
    """Points for header row 1 when labels wrap: enough lines for the longest label at its column width."""
    def lines(col: Column) -> int:
        w = max(1.0, (col.width or 10) - 1)
        return sum(max(1, math.ceil(_display_width(part) / w)) for part in col.zh.split("\n"))
    return min(160.0, 15.0 * max((lines(c) for c in sheet.columns), default=1))


def _column_width(col: Column, data: list[Any]) -> float:
    """The column's own width, else the widest of its id header and a sample of values, 6–50 units."""
    if col.width:
        return col.width
    sample = [_display_width(text_of(x)) for x in data[:200]]
    return float(min(50, max(6, _display_width(col.id) + 2, *(s + 2 for s in sample))))


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
    last_col = get_column_letter(max(1, len(sheet.columns)))
    # freeze both header rows and the identifying columns; the filter sits on the id row
    ws.freeze_panes = f"{get_column_letter(sheet.freeze_cols + 1)}{HEADER_ROWS + 1}"
    ws.auto_filter.ref = f"A{HEADER_ROWS}:{last_col}{HEADER_ROWS + max(1, len(sheet.rows))}"
    for j, col in enumerate(sheet.columns):
        ws.column_dimensions[get_column_letter(j + 1)].width = _column_width(col, [r[j] for r in sheet.rows])
    _page_setup(ws, sheet)


def _page_setup(ws: Worksheet, sheet: SheetData) -> None:
    """Printing (and PDF export): landscape, both header rows and the report columns on every page."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.print_title_rows = f"1:{HEADER_ROWS}"
    if sheet.freeze_cols:
        ws.print_title_cols = f"A:{get_column_letter(sheet.freeze_cols)}"


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
