"""Markdown from PDF-to-Markdown tools: `|` tables (often split into several), headings, page footers."""
from __future__ import annotations

import re

from ..settings import DEFAULT_SETTINGS, ReadSettings
from ._decode import bytes_to_text
from .document import Cell, Document, Paragraph, Table

# Possessive quantifiers: each piece matches a character class disjoint from the next one's, so they do not
# change what matches, but they stop the backtracking that made a line like "|-----…:     …x" quadratic.
_SEP = re.compile(r"^\s*+\|?\s*+:?-{2,}+:?\s*+(?:\|\s*+:?-{2,}+:?\s*+)*+\|?\s*+$")


def markdown_to_document(path: str, settings: ReadSettings = DEFAULT_SETTINGS) -> Document:
    with open(path, "rb") as f:
        data = f.read()
    text, _enc = bytes_to_text(data, path, html=False)
    return markdown_string_to_document(text, path)


def markdown_string_to_document(text: str, path: str = "<string>") -> Document:
    """
    >>> d = markdown_string_to_document("# 报告\\n| 规章 | 1 | 2 |\\n|---|---|---|\\n| 行政许可 | 3 |\\n")
    >>> [c.text for c in d.blocks[1].rows[1]]
    ['行政许可', '3']
    """
    blocks: list[Paragraph | Table] = []
    rows: list[list[Cell]] = []
    for line in text.replace("\r\n", "\n").split("\n"):
        s = line.strip()
        if s.startswith("|"):
            if _SEP.match(s):
                continue
            inner = s[1:-1] if s.endswith("|") and len(s) > 1 else s[1:]
            rows.append([Cell(c.strip()) for c in inner.split("|")])
            continue
        if rows:
            blocks.append(Table(rows=rows, positional=False))
            rows = []
        s = re.sub(r"^#{1,6}\s*", "", s)
        if s:
            blocks.append(Paragraph(s))
    if rows:
        blocks.append(Table(rows=rows, positional=False))
    return Document(path=path, format="md", blocks=blocks)
