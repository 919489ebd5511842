"""One page image to the PDF reader's blocks: ruling lines → cells, ink in each cell → text lines → OCR.

Table cells are not left to the text detector: it misses lone small glyphs (a ``0`` in a wide cell), and
the figures in those cells are what the product is for. Inside each cell found from the ruling lines,
the ink (rules removed, specks dropped) is cut into text lines by its row profile, and each line is
recognised on its own, so a cell's text never mixes with its neighbour's. Text outside the tables
(title, headings, prose) is cut into lines the same way (report pages are one column of levelled
lines), which is both faster and steadier than a text detector on these pages.

The result is characters with positions in PDF points and an OCR score (``conf``), and ruling-line
edges: exactly what the text-layer reader produces, so the same code builds the tables
(:func:`discl.sources.pdf.pages.page_blocks`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import cv2
import numpy as np

from ...normalize import NUM_PREFIX, normalize_label
from .engine import Engine
from .raster import PageImage, binarize
from .rules import ink_to_rules, rules_to_edges

# Ink components smaller than this (in square points) are specks of a scan or JPEG noise, not print: the
# dot of a full stop at 10.5 pt is about 1.5 pt².
SPECK_PT2 = 0.8
# A text line is at least this tall (points); thinner ink bands are leftovers of a rule.
MIN_LINE_PT = 3.0
# Lines of a page without tables that are read: the title and the opening paragraph.
TOP_LINES = 10
# The widest piece of a line recognised at once, in line heights (≈ 10 characters).
CHUNK_HEIGHTS = 10
# The first piece of a prose line on a table page, read to tell a heading (三、…, （二）…) from prose.
PROBE_HEIGHTS = 4


@dataclass
class TextLine:
    box: tuple[int, int, int, int]  # x0, y0, x1, y1 in pixels
    text: str = ""
    score: float = 0.0
    piece: bool = False  # a piece of a longer line: its neighbours left and right are characters


def page_to_chars_edges(page: PageImage, eng: Engine, first_page: bool = False) -> tuple[list[dict], list[dict]]:
    """Characters (with ``conf``) and ruling-line edges of a page image, in points.

    Every cell of a ruled table is read. Of the text outside the tables, a page with tables gets its
    headings read in full (short lines, and lines whose first characters are a section number such as
    三、 or （二）) and only the first characters of its prose; a page without tables only its first
    lines (the title and the opening paragraph). Recognition time grows faster than a line's width,
    and the prose's numbers never reach a table, so this keeps a page to seconds.
    """
    from ..pdf.pages import find_cell_boxes  # the PDF reader's lattice step, shared

    scale = page.scale
    ink = binarize(page.grey)
    horiz, vert = ink_to_rules(ink, scale)
    edges = rules_to_edges(horiz, vert, scale)
    rules = cv2.dilate(cv2.bitwise_or(horiz, vert), np.ones((3, 3), np.uint8))
    marks = cv2.bitwise_and(ink, cv2.bitwise_not(rules))
    text_ink = _drop_specks(marks, scale)
    # the recogniser sees the page without the specks (a speck beside a 0 reads as '0.'); a decimal point
    # is several times larger than the largest speck dropped
    page = PageImage(np.where((marks > 0) & (text_ink == 0), 255, page.grey).astype(np.uint8),
                     page.width_pt, page.height_pt, page.angle)
    cells: list[TextLine] = []
    covered = np.zeros(ink.shape, bool)
    for table in find_cell_boxes(edges):
        for box in table:
            x0, y0, x1, y1 = (int(round(v / scale)) for v in box)
            covered[y0:y1, x0:x1] = True
            cells.extend(_cell_lines(text_ink, (x0, y0, x1, y1), scale))
    outside = _outside_lines(text_ink, covered, scale)
    if not cells:
        outside = outside[:TOP_LINES]
    cells = [c for ln in cells for c in _chunks(ln, text_ink)]
    # on a table page the prose is probed by its first few characters (a section number or not)
    probe = PROBE_HEIGHTS if cells else CHUNK_HEIGHTS
    pieces = [_chunks(ln, text_ink, first=probe) for ln in outside]
    first = [p[0] for p in pieces]
    _recognize(page, eng, cells + first)
    text_width = max((ln.box[2] for ln in outside), default=0) - min((ln.box[0] for ln in outside), default=0)
    rest = [c for i, (ln, p) in enumerate(zip(outside, pieces)) if len(p) > 1 and
            (not cells or (first_page and i < TOP_LINES) or ln.box[2] - ln.box[0] < 0.5 * text_width
             or _is_heading(p[0].text))
            for c in p[1:]]
    _recognize(page, eng, rest)
    done = cells + [c for p in pieces for c in p if c.text]
    chars = [ch for ln in done if ln.text for ch in _line_chars(ln, scale)]
    return chars, edges


def _recognize(page: PageImage, eng: Engine, lines: list[TextLine]) -> None:
    todo = [ln for ln in lines if not ln.text]
    for ln, (text, score) in zip(todo, eng.recognize([_crop(page.grey, ln) for ln in todo])):
        ln.text, ln.score = _tidy(text), score


def _tidy(text: str) -> str:
    """The recogniser's text without the stray stop it reads from a speck after a figure.

    ``12.`` and ``12`` are the same number, so this drops no information; ``12.5`` is left alone.

    >>> _tidy(" 0. "), _tidy("12.5"), _tidy("（一）")
    ('0', '12.5', '（一）')
    """
    text = text.strip()
    return re.sub(r"^(\d+)[.。·,，]$", r"\1", text)


def _glyph_gaps(ink_runs: list[tuple[int, int]], h: int) -> list[tuple[int, int]]:
    """The gaps between characters of a line, from its runs of inked columns (line height ``h``).

    A Chinese character is about as wide as the line is high, and many are made of parts with blank
    columns between them (川, 开 in a bold face, 收): runs are joined into one character while it is
    narrower than the line is high and the gap is narrow. Cutting a line only at these gaps keeps every
    character whole.

    >>> _glyph_gaps([(0, 10), (13, 30), (40, 70), (74, 100)], 30)  # 0–30 one glyph, 40–70, 74–100 two
    [(30, 40), (70, 74)]
    """
    glyphs: list[list[int]] = []
    for a, b in ink_runs:
        if glyphs and a - glyphs[-1][1] < 0.25 * h and glyphs[-1][1] - glyphs[-1][0] < 0.7 * h \
                and b - glyphs[-1][0] <= 1.15 * h:
            glyphs[-1][1] = b
        else:
            glyphs.append([a, b])
    return [(g[1], n[0]) for g, n in zip(glyphs, glyphs[1:])]


def _is_heading(text: str) -> bool:
    """``三、收到和…`` or ``（二）…``: the start of a numbered heading.

    >>> _is_heading("三、收到和处理"), _is_heading("（二）政府"), _is_heading("本报告由")
    (True, True, False)
    """
    return bool(NUM_PREFIX.match(normalize_label(text)))


def _chunks(line: TextLine, text_ink: np.ndarray, first: float = CHUNK_HEIGHTS) -> list[TextLine]:
    """A line cut at gaps between characters into pieces at most :data:`CHUNK_HEIGHTS` line heights
    wide (the recogniser's cost grows faster than the width), the first at most ``first``."""
    x0, y0, x1, y1 = line.box
    h = max(1, y1 - y0)
    limit = first * h
    if x1 - x0 <= limit:
        return [line]
    cols = text_ink[y0:y1, x0:x1].any(axis=0)
    cuts = [(a + b) // 2 for a, b in _glyph_gaps(_runs(cols), h)]
    out, start = [], 0
    while (x1 - x0) - start > limit:
        cands = [g for g in cuts if start + h <= g <= start + limit]
        end = max(cands) if cands else start + limit
        out.append(TextLine((x0 + start, y0, x0 + end, y1), piece=True))
        start, limit = end, CHUNK_HEIGHTS * h
    out.append(TextLine((x0 + start, y0, x1, y1), piece=True))
    return out


def _drop_specks(ink: np.ndarray, scale: float) -> np.ndarray:
    min_area = max(2, int(SPECK_PT2 / (scale * scale)))
    n, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    keep = np.zeros(n, np.uint8)
    keep[1:] = (stats[1:, cv2.CC_STAT_AREA] >= min_area).astype(np.uint8) * 255
    return keep[labels]


def _cell_lines(text_ink: np.ndarray, box: tuple[int, int, int, int], scale: float) -> list[TextLine]:
    """The text lines inside one cell, from the row profile of its ink.

    A band of ink thinner than a text line is either a dash (wide: read as ``—`` without OCR, the
    recogniser takes a lone bar for 一) or a piece of a glyph whose strokes leave gaps (三, 二), which
    joins the nearest band.
    """
    x0, y0, x1, y1 = box
    pad = max(1, int(1.0 / scale))
    x0, y0, x1, y1 = x0 + pad, y0 + pad, x1 - pad, y1 - pad
    if x1 <= x0 or y1 <= y0:
        return []
    cell = text_ink[y0:y1, x0:x1]
    rows = cell.any(axis=1)
    if not rows.any():
        return []
    min_h = MIN_LINE_PT / scale
    bands = [list(b) for b in _runs(rows)]
    tall = [b for b in bands if b[1] - b[0] >= min_h]
    out: list[TextLine] = []
    for a, b in bands:
        if b - a >= min_h:
            continue
        cols = np.flatnonzero(cell[a:b].any(axis=0))
        if not tall:
            if cols[-1] - cols[0] + 1 >= 3 * (b - a) and cols[-1] - cols[0] + 1 >= 2 / scale:
                out.append(TextLine((x0 + int(cols[0]), y0 + a, x0 + int(cols[-1]) + 1, y0 + b), "—", 1.0))
            continue
        near = min(tall, key=lambda t: min(abs(t[0] - b), abs(a - t[1])))
        if min(abs(near[0] - b), abs(a - near[1])) <= min_h:
            near[0], near[1] = min(near[0], a), max(near[1], b)
    for a, b in tall:
        cols = np.flatnonzero(cell[a:b].any(axis=0))
        out.append(TextLine((x0 + int(cols[0]), y0 + a, x0 + int(cols[-1]) + 1, y0 + b)))
    return out


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """[start, end) of each run of True.

    >>> _runs(np.array([0, 1, 1, 0, 1], bool))
    [(1, 3), (4, 5)]
    """
    padded = np.concatenate(([False], mask, [False]))
    d = np.flatnonzero(padded[1:] != padded[:-1])
    return [(int(a), int(b)) for a, b in zip(d[::2], d[1::2])]


def _outside_lines(text_ink: np.ndarray, covered: np.ndarray, scale: float) -> list[TextLine]:
    """Text lines outside the tables (title, headings, prose), from the row profile of their ink.

    Report pages are one column of horizontal lines, levelled before this, so the rows with ink are the
    lines; a band as tall as two lines (tight spacing) is cut at its thinnest row, and a line is cut
    where its ink leaves a gap wider than three characters (a page number beside a footer, a date
    pushed right).
    """
    ink = np.where(covered, 0, text_ink).astype(np.uint8)
    profile = (ink > 0).sum(axis=1)
    bands = [[a, b] for a, b in _runs(profile > 0) if b - a >= MIN_LINE_PT / scale]
    if not bands:
        return []
    typical = float(np.median([b - a for a, b in bands]))
    cut: list[tuple[int, int]] = []
    for a, b in bands:
        n = int(round((b - a) / typical)) if typical else 1
        if n >= 2 and (b - a) > 1.6 * typical:
            bounds = [a]
            for k in range(1, n):
                centre = a + k * (b - a) // n
                lo, hi = max(a + 1, centre - int(typical / 3)), min(b - 1, centre + int(typical / 3))
                bounds.append(lo + int(np.argmin(profile[lo:hi])) if hi > lo else centre)
            bounds.append(b)
            cut.extend(zip(bounds, bounds[1:]))
        else:
            cut.append((a, b))
    out = []
    for a, b in cut:
        cols = ink[a:b].any(axis=0)
        gap = max(3, int(3 * (b - a)))
        pieces: list[list[int]] = []
        for x0, x1 in _runs(cols):
            if pieces and x0 - pieces[-1][1] < gap:
                pieces[-1][1] = x1
            else:
                pieces.append([x0, x1])
        for x0, x1 in pieces:
            if x1 - x0 >= 2:
                out.append(TextLine((x0, a, x1, b)))
    return out


def _crop(grey: np.ndarray, line: TextLine) -> np.ndarray:
    """The line's image with a margin of paper, as the 3-channel image the recogniser takes.

    The margin is tight (with more paper a lone 0 reads as the letter o); a piece of a longer line gets
    blank margins left and right instead, since a sliver of the neighbouring character would be read as
    one more character.
    """
    x0, y0, x1, y1 = line.box
    m = max(1, round(0.1 * (y1 - y0)))
    h, w = grey.shape
    if line.piece:
        crop = grey[max(0, y0 - m):min(h, y1 + m), x0:x1]
        crop = cv2.copyMakeBorder(crop, 0, 0, m, m, cv2.BORDER_CONSTANT, value=255)
    else:
        crop = grey[max(0, y0 - m):min(h, y1 + m), max(0, x0 - m):min(w, x1 + m)]
    return cv2.cvtColor(crop, cv2.COLOR_GRAY2BGR)


def _line_chars(ln: TextLine, scale: float) -> list[dict]:
    """The recognised text as characters spread evenly over the line's box (in points)."""
    x0, y0, x1, y1 = (v * scale for v in ln.box)
    glyphs = [c for c in ln.text if not c.isspace()]
    if not glyphs:
        return []
    step = (x1 - x0) / len(glyphs)
    size = y1 - y0
    return [{"text": c, "x0": x0 + i * step, "x1": x0 + (i + 1) * step, "top": y0, "bottom": y1,
             "size": size, "conf": ln.score} for i, c in enumerate(glyphs)]
