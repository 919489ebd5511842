"""The line stream: a document flattened into lines (a table row, or a paragraph) in reading order.

Every reader of a table works on these lines. A cell keeps the text as printed (``raw``) beside the text
labels are matched on (``text``: traditional characters folded to simplified), its provenance (page, box,
grid position) and whether it starts in this row or is merged down from above.
"""
from __future__ import annotations

import bisect
import re
import unicodedata
from dataclasses import dataclass

from ..assemble import table_to_grid
from ..cells import protect_footnotes, restore_footnotes
from ..normalize import fold_traditional, looks_traditional, normalize_label
from ..sources.document import BBox, Document, Paragraph
from ..templates import ocr_confusions


@dataclass(frozen=True)
class LCell:
    text: str  # for matching (folded to simplified characters when the report is traditional)
    ref: str  # provenance: "t3:r5c2" (table 3, grid row 5, col 2) or "p12" (paragraph 12)
    page: int | None = None
    bbox: BBox | None = None
    starts_here: bool = True  # False for a cell merged down from an earlier row
    col: int | None = None  # first grid column it covers (None: a paragraph, or a text table's field)
    span: int = 1  # grid columns it covers
    raw: str | None = None  # the text as printed, when it differs from ``text``

    @property
    def printed(self) -> str:
        return self.text if self.raw is None else self.raw


@dataclass(frozen=True)
class Line:
    cells: tuple[LCell, ...]
    is_text: bool  # a paragraph piece (cells may be run together) rather than a table row
    inferred: bool = False  # from a table inferred by text alignment
    index: int = 0  # position in the document's line stream

    @property
    def joined(self) -> str:
        return "".join(c.text for c in self.cells)


def text_line(text: str, ref: str = "p0", page: int | None = None, index: int = 0) -> Line:
    """A paragraph line (used by tests and by readers that cut paragraphs)."""
    return Line((LCell(text, ref, page),), True, index=index)


def row_line(texts: list[str], ref: str = "t1", index: int = 0, positional: bool = False) -> Line:
    """A table row of plain cells (``positional``: the cells are grid columns 0, 1, …)."""
    return Line(tuple(LCell(t, f"{ref}:r1c{i + 1}", col=i if positional else None) for i, t in enumerate(texts)),
                False, index=index)


# A report table has a few hundred cells (the largest in the corpus: 260, a whole report: 455), and reading
# a cell costs ~0.2 ms, so a page of huge tables (site chrome, or an attack) would take minutes. Larger
# tables are not report tables, and the cell budget of one document bounds the time of the recognition.
MAX_TABLE_CELLS = 5_000
MAX_DOCUMENT_TABLE_CELLS = 60_000


def document_to_lines(doc: Document) -> tuple[list[Line], list[str]]:
    """The document's lines and the warnings of the flattening (tables skipped as too large)."""
    fold = looks_traditional(doc.text[:40_000])
    warnings: list[str] = []
    lines: list[Line] = []
    t_no = 0
    budget = MAX_DOCUMENT_TABLE_CELLS

    confusions = ocr_confusions()

    def cell(text: str, ocr: bool = False, **kw) -> LCell:
        folded = fold_traditional(text) if fold else text
        if ocr:
            folded = folded.translate(confusions)
        return LCell(folded, raw=text if folded != text else None, **kw)

    for b_no, block in enumerate(doc.blocks):
        if isinstance(block, Paragraph):
            lines.append(Line((cell(block.text, ref=f"p{b_no}", page=block.page),), True, index=len(lines)))
            continue
        t_no += 1
        n_cells = sum(len(row) for row in block.rows)
        if n_cells > MAX_TABLE_CELLS or n_cells > budget:
            # said, not silent: if a report table were ever among these, the issues show why it is missing
            warnings.append(f"table {t_no} ({n_cells} cells) skipped: larger than a report table "
                            f"or past the document's cell budget ({MAX_DOCUMENT_TABLE_CELLS})")
            continue
        budget -= n_cells
        try:
            grid = table_to_grid(block)
        except ValueError:
            continue  # a hostile grid; its text is not a report table
        positional = block.positional
        for r, row in enumerate(grid):
            cells: list[LCell] = []
            prev = None
            for slot in row:
                if slot is None or slot is prev:
                    prev = slot
                    continue
                prev = slot
                c = slot.cell
                cells.append(cell(c.text, ocr=c.confidence is not None,
                                  ref=f"t{t_no}:r{slot.origin_row + 1}c{slot.origin_col + 1}",
                                  page=c.page if c.page is not None else block.page, bbox=c.bbox,
                                  starts_here=slot.origin_row == r,
                                  col=slot.origin_col if positional else None,
                                  span=c.colspan if positional else 1))
            if cells:
                lines.append(Line(tuple(cells), False, inferred=block.inferred, index=len(lines)))
    if fold:
        warnings.append("traditional characters: labels were folded to simplified before matching "
                        "(raw keeps the printed text)")
    return lines, warnings


# --------------------------------------------------------------------------------------------------
# normalised text with a map back to the original


_DROP = re.compile(r"[\s\"“”‘’'「」]+")


class IndexMap:
    """Maps positions in normalised text back to the original text, stored as runs (memory stays
    small for megabyte-long paragraphs)."""

    def __init__(self, runs: list[tuple[int, int]] | None, fallback: list[int] | None = None):
        self._starts = [r[0] for r in runs] if runs is not None else None
        self._runs = runs
        self._fallback = fallback

    def __getitem__(self, i: int) -> int:
        if self._fallback is not None:
            return self._fallback[i]
        k = bisect.bisect_right(self._starts, i) - 1
        norm_start, orig_start = self._runs[k]
        return orig_start + (i - norm_start)


# circled numbers are rewritten as "3." by normalize_label, so their text takes the character-wise path
_CIRCLED = re.compile("[\u2460-\u2487\u2776-\u277f]")


def norm_map(text: str) -> tuple[str, IndexMap]:
    """Normalised text (as :func:`normalize_label`) and a map from its positions to ``text``'s.

    >>> n, idx = norm_map("（一） 予以公开")
    >>> n, idx[3]
    ('(一)予以公开', 4)
    """
    n = unicodedata.normalize("NFKC", text)
    if len(n) == len(text) and not _CIRCLED.search(text):
        # NFKC kept one character per character (the usual case): drop whitespace and quotes by runs
        parts: list[str] = []
        runs: list[tuple[int, int]] = []
        pos = 0
        length = 0
        for m in _DROP.finditer(n):
            if m.start() > pos:
                runs.append((length, pos))
                parts.append(n[pos:m.start()])
                length += m.start() - pos
            pos = m.end()
        if pos < len(n):
            runs.append((length, pos))
            parts.append(n[pos:])
        return "".join(parts), IndexMap(runs)
    out: list[str] = []
    idx: list[int] = []
    for i, ch in enumerate(text):
        for c in normalize_label(ch):
            out.append(c)
            idx.append(i)
    return "".join(out), IndexMap(None, idx)


def cut_text(text: str, pattern: re.Pattern) -> list[tuple[str, bool]]:
    """Cut ``text`` at matches of ``pattern`` (searched in normalised text): [(piece, is_match)].

    >>> cut_text("前言 第二十条第（一）项 信息内容", re.compile(r"第二十条第\\(一\\)项"))
    [('前言 ', False), ('第二十条第（一）项', True), (' 信息内容', False)]
    """
    norm, idx = norm_map(text)
    out: list[tuple[str, bool]] = []
    pos = 0
    for m in pattern.finditer(norm):
        s0, e0 = idx[m.start()], idx[m.end() - 1] + 1
        if s0 > pos:
            out.append((text[pos:s0], False))
        out.append((text[s0:e0], True))
        pos = e0
    if pos < len(text):
        out.append((text[pos:], False))
    return out


_TOKEN = re.compile(r"[+\-−]?[\d.,]+(?:万元|亿元|元|个|件|项|条)?[\ue000-\ue03f]*|[^\d\s]+")


def tokens(text: str) -> list[str]:
    """Whitespace tokens, further cut after a unit or a footnote mark ('1个246900元' → '1个', '246900元'),
    with footnote marks kept as printed.

    >>> tokens("1个246900元 524① 3")
    ['1个', '246900元', '524①', '3']
    """
    t = clean_token_text(protect_footnotes(text))
    return [restore_footnotes(m.group(0)) for piece in t.split() for m in _TOKEN.finditer(piece)]


def clean_token_text(t: str) -> str:
    return unicodedata.normalize("NFKC", t).replace("\u00a0", " ").replace("\u3000", " ")


PAGE_NUMBER = re.compile(r"^\s*(?:[-—–－]+\s*\d{1,4}\s*[-—–－]+|第\s*\d{1,4}\s*页(?:\s*[,，/共]\s*共?\s*\d+\s*页)?"
                         r"|\d{1,4}\s*/\s*\d{1,4})\s*$")


def is_page_number(line: Line) -> bool:
    """A page footer ("— 5 —", "- 3 -", "第3页") is never a table value."""
    return line.is_text and bool(PAGE_NUMBER.match(line.cells[0].text))


def has_digits(text: str) -> bool:
    return bool(re.search(r"\d", unicodedata.normalize("NFKC", text)))
