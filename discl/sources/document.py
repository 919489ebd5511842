"""What every reader produces: a document as an ordered list of paragraphs and tables.

Readers (one module per format in ``discl.sources``) turn a file into a :class:`Document`. Later stages
(table assembly, recognition, normalisation) never look at the file again, so everything they need —
text, cell grids, spans, pages and boxes for provenance — is here.

Tables follow the HTML model: ``Table.rows`` lists, for each source row, the cells that *start* in that
row, left to right, each with its ``rowspan``/``colspan``. :func:`discl.assemble.table_to_grid` expands
them into a rectangular grid.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Union

BBox = tuple[float, float, float, float]  # (x0, top, x1, bottom) in PDF points, origin top-left


@dataclass
class Cell:
    text: str
    rowspan: int = 1
    colspan: int = 1
    page: int | None = None  # 1-based page number (PDF); None for formats without pages
    bbox: BBox | None = None
    # the OCR engine's score (0–1) for the least certain text line in the cell; None when the text
    # came from a text layer or markup
    confidence: float | None = None


@dataclass
class Table:
    rows: list[list[Cell]]
    page: int | None = None  # page where the table starts
    # True when the cells were inferred from text alignment rather than ruling lines / markup:
    # values read from it are flagged ``low_confidence``.
    inferred: bool = False
    # False when the cells are fields of a text line (tab-separated text, Markdown): a merged header cell is
    # then one field, so grid positions do not line header cells up with value cells; only the order of
    # the fields is meaningful.
    positional: bool = True


@dataclass
class Paragraph:
    text: str
    page: int | None = None
    # 1 for the document's title level (an <h1>, a Word "Title"/"Heading 1" paragraph), 2, 3 … for lower
    # headings; None for body text or when the format does not say. Tells a report's own title from a
    # sidebar or a link to last year's report.
    level: int | None = None
    confidence: float | None = None  # the OCR score of the line; None when not OCR'd


Block = Union[Paragraph, Table]


@dataclass
class Document:
    path: str
    format: str  # "html", "txt", "md", "pdf", "docx", "doc"
    blocks: list[Block] = field(default_factory=list)
    n_pages: int | None = None
    # Problems that did not stop reading (e.g. a page skipped): become ``info`` rows in ``issues``.
    warnings: list[str] = field(default_factory=list)
    # the title the file declares about itself (an HTML <title>, a Word document's core title)
    title: str | None = None
    # pages whose text was read by OCR (image-only pages of a PDF, or the pages of an image file)
    ocr_pages: list[int] = field(default_factory=list)

    @property
    def text(self) -> str:
        """All text in reading order, tables row by row (cells joined by tabs)."""
        out: list[str] = []
        for b in self.blocks:
            if isinstance(b, Paragraph):
                out.append(b.text)
            else:
                for row in b.rows:
                    out.append("\t".join(c.text for c in row))
        return "\n".join(out)
