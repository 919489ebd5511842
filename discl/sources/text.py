"""Plain text extractions: tab-separated table rows, one-cell-per-line tables, paragraphs, page breaks."""
from __future__ import annotations

import re
import unicodedata

from ..settings import DEFAULT_SETTINGS, ReadSettings
from ._decode import bytes_to_text
from .document import Cell, Document, Paragraph, Table


def text_to_document(path: str, settings: ReadSettings = DEFAULT_SETTINGS) -> Document:
    """Read a text file: lines with tabs become table rows, other lines paragraphs."""
    with open(path, "rb") as f:
        data = f.read()
    text, _enc = bytes_to_text(data, path, html=False)
    return text_string_to_document(text, path)


def text_string_to_document(text: str, path: str = "<string>", fmt: str = "txt") -> Document:
    """
    >>> d = text_string_to_document("标题\\n规章\\t0\\t1\\n规范性文件\\t2\\t3\\n结语")
    >>> [type(b).__name__ for b in d.blocks], len(d.blocks[1].rows)
    (['Paragraph', 'Table', 'Paragraph'], 2)
    """
    blocks: list[Paragraph | Table] = []
    rows: list[list[Cell]] = []

    def close_table() -> None:
        nonlocal rows
        if rows:
            blocks.append(Table(rows=rows, positional=False))
            rows = []

    for line in _join_cell_lines(text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n").split("\n")):
        if isinstance(line, list):
            rows.append([Cell(c) for c in line])
            continue
        if "\t" in line and line.strip():
            rows.append([Cell(c.strip()) for c in line.split("\t")])
            continue
        close_table()
        if line.strip():
            blocks.append(Paragraph(line.strip()))
    close_table()
    return Document(path=path, format=fmt, blocks=blocks)


# A table copied from a PDF viewer, or saved as text by a word processor, puts every cell on its own
# line (often with empty lines between them); a blank cell is then a line holding only a no-break or
# ideographic space (the &nbsp; of the source), which is kept as an empty cell.
_CELL_VALUE = re.compile(r"[+\-]?\d[\d,.]*(?:万元|亿元|元|件|个|项|条|次)?|[—–\-―/]+")
_BLANK_CELL = re.compile(r"[ \t]*[\u00a0\u3000][\s\u00a0\u3000]*")


def _cell_kind(line: str) -> str:
    if _BLANK_CELL.fullmatch(line):
        return "blank"
    s = line.strip()
    if not s:
        return "gap"
    return "value" if _CELL_VALUE.fullmatch(unicodedata.normalize("NFKC", s)) else "text"


def _join_cell_lines(lines: list[str]) -> list[str | list[str]]:
    """Runs of one-cell lines (at least two cells, one of them a value) become table rows (lists of
    cells); so does a lone cell right after a line of text (a one-column row: a number, a dash, or a
    blank cell).

    Empty lines either separate every cell (a PDF viewer's copy: the run is one row) or end a row (a
    word processor's export: the blank label cells of the next row must not join this one).

    >>> _join_cell_lines(["（一）予以公开", "258", "12", "\\u00a0", "1", "", "结语"])
    ['（一）予以公开', ['258', '12', '', '1'], '结语']
    >>> _join_cell_lines(["（二）部分公开", "3", "\\u00a0", "1", "", "\\u00a0", "（三）不予公开"])
    ['（二）部分公开', ['3', '', '1'], '\\xa0', '（三）不予公开']
    >>> _join_cell_lines(["表三", "3", "", "0", "", "5", "下一行"])  # empty lines between all cells
    ['表三', ['3', '0', '5'], '下一行']
    >>> _join_cell_lines(["行政强制", "\\u00a0", "", "行政事业性收费"])
    ['行政强制', [''], '行政事业性收费']
    >>> _join_cell_lines(["行政强制", "—", "行政事业性收费"])
    ['行政强制', ['—'], '行政事业性收费']
    """
    out: list[str | list[str]] = []
    i, n = 0, len(lines)
    while i < n:
        if _cell_kind(lines[i]) not in ("value", "blank"):
            out.append(lines[i])
            i += 1
            continue
        # the run: cell lines and empty lines up to the next text line, cut into segments at empty lines
        segments: list[list[tuple[int, str]]] = [[]]
        j = i
        while j < n and (kind := _cell_kind(lines[j])) != "text":
            if kind == "gap":
                if segments[-1]:
                    segments.append([])
            else:
                segments[-1].append((j, lines[j].strip() if kind == "value" else ""))
            j += 1
        segments = [seg for seg in segments if seg]
        if all(len(seg) == 1 for seg in segments):
            segments = [[c for seg in segments for c in seg]]
        for k, seg in enumerate(segments):
            cells = [c for _, c in seg]
            if (len(cells) >= 2 and any(cells)) or (k == 0 and i > 0 and len(cells) == 1):
                out.append(cells)
            else:
                out.extend(lines[k] for k, _ in seg)
        i = j
    return out
