"""Plain text extractions: tab-separated table rows, paragraphs, page breaks, crawler headers."""
from __future__ import annotations

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
            blocks.append(Table(rows=rows))
            rows = []

    for line in text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n").split("\n"):
        if "\t" in line and line.strip():
            rows.append([Cell(c.strip()) for c in line.split("\t")])
            continue
        close_table()
        if line.strip():
            blocks.append(Paragraph(line.strip()))
    close_table()
    return Document(path=path, format=fmt, blocks=blocks)
