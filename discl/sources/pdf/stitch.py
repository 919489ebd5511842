"""Tables that run over a page break, stitched into one grid."""
from __future__ import annotations

import bisect
import re

from ... import templates
from ..document import Paragraph
from .grid import Grid, GridCell, nearest
from .lines import is_value

# First-row text that starts a new report table: such a table never continues the one above it. A cell
# beginning with a header word (信息内容) is a table's header, never the rest of a label cut by the break.
TABLE_START_MARKERS, TABLE_HEAD_MARKERS = templates.pdf_start_markers()

# Enumerators that begin a new label ("一、", "（三）", "2.", "1、", "第二十条"): a cell that starts with one
# is never the continuation of a label cut by a page break.
_ENUMERATOR = re.compile(
    r"^(第[一二三四五六七八九十]+|[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十\d]+[）)]|\d+\s*[.、．])")
# Page furniture between the two halves of a split table: page numbers like "- 4 -" or "第4页 共6页".
_FURNITURE = re.compile(r"^[\s\-—–－_·•.第页共/\d]{1,20}$")
STITCH_TOL = 4.0  # points: column edges of two halves of a split table may differ by a few points


def stitch_grids(blocks: list[Paragraph | Grid]) -> list[Paragraph | Grid]:
    """Join a table ending one page with a compatible table starting the next page.

    Only page furniture (page numbers) may lie between the two parts. The furniture stays in the
    block list, after the joined table.

    >>> from discl.sources.pdf.grid import grid_from_boxes
    >>> a = grid_from_boxes([(0, 700, 50, 720), (50, 700, 90, 720)], page=4)
    >>> b = grid_from_boxes([(0, 50, 50, 70), (50, 50, 90, 70)], page=5)
    >>> a.cells[0].text, a.cells[1].text = "（一）予以公开", "5"
    >>> b.cells[0].text, b.cells[1].text = "（二）部分公开", "1"
    >>> [[c.text for c in row] for row in stitch_grids([a, Paragraph("- 5 -", page=5), b])[0].to_table().rows]
    [['（一）予以公开', '5'], ['（二）部分公开', '1']]
    """
    out: list[Paragraph | Grid] = []
    for b in blocks:
        if isinstance(b, Grid):
            prev = _previous_grid(out)
            if prev is not None and prev.last_page + 1 == b.page and _continues(prev, b):
                _append_grid(prev, b)
                continue
        out.append(b)
    return out


def _previous_grid(out: list[Paragraph | Grid]) -> Grid | None:
    for b in reversed(out):
        if isinstance(b, Grid):
            return b
        if not _FURNITURE.match(b.text):
            return None
    return None


def _continues(a: Grid, b: Grid) -> bool:
    """Same outer edges, one set of column edges contained in the other, and ``b`` not a new table."""
    if a.inferred != b.inferred:
        return False
    if abs(a.xs[0] - b.xs[0]) > STITCH_TOL or abs(a.xs[-1] - b.xs[-1]) > STITCH_TOL:
        return False
    a_in_b = all(_close(x, b.xs) for x in a.xs)
    b_in_a = all(_close(x, a.xs) for x in b.xs)
    if not (a_in_b or b_in_a):
        return False
    first_b = _row_key(b, 0)
    if any(m in first_b for m in TABLE_START_MARKERS) and first_b != _row_key(a, 0):
        return False
    return True


def _close(x: float, xs: list[float]) -> bool:
    return abs(xs[nearest(xs, x)] - x) <= STITCH_TOL


def _row_key(g: Grid, r: int) -> str:
    return "|".join(re.sub(r"\s+", "", c.text) for c in g.row_cells(r))


def _append_grid(a: Grid, b: Grid) -> None:
    """Append ``b``'s rows to ``a`` (in place): unify columns, drop a repeated header, join cut rows."""
    xs, map_a, map_b = _merge_columns(a.xs, b.xs)
    for c in a.cells:
        c.c0, c.c1 = map_a[c.c0], map_a[c.c1]
    for c in b.cells:
        c.c0, c.c1 = map_b[c.c0], map_b[c.c1]
    a.xs = xs
    _drop_repeated_header(a, b)
    if b.nrows == 0:
        return
    row_cut = _row_is_cut(a, b)
    offset = a.nrows - 1 if row_cut else a.nrows
    bottom_of_a = {(c.c0, c.c1): c for c in a.covering(a.nrows - 1)}
    for c in b.cells:
        above = bottom_of_a.get((c.c0, c.c1)) if c.r0 == 0 else None
        if above is not None and (row_cut or _cell_continues(above, c)):
            _join_cells(above, c, offset)
        else:
            c.r0 += offset
            c.r1 += offset
            a.cells.append(c)
    a.nrows = offset + b.nrows
    a.last_page, a.bottom = b.last_page, b.bottom


def _merge_columns(xa: list[float], xb: list[float]) -> tuple[list[float], list[int], list[int]]:
    """Union of two column-edge lists (edges within STITCH_TOL are one) and index maps into it."""
    merged = list(xa)
    for x in xb:
        if not _close(x, merged):
            bisect.insort(merged, x)
    map_a = [nearest(merged, x) for x in xa]
    map_b = [nearest(merged, x) for x in xb]
    return merged, map_a, map_b


def _drop_repeated_header(a: Grid, b: Grid) -> None:
    """Remove leading rows of ``b`` that repeat leading rows of ``a`` (a reprinted table header)."""
    head = [_row_key(a, r) for r in range(min(a.nrows, 6))]
    drop = 0
    while drop < b.nrows and drop < len(head) and _row_key(b, drop) == head[drop] \
            and any(head[drop].split("|")):
        drop += 1
    # a header cell spanning into the kept rows would be cut; only drop whole header blocks
    if drop and any(c.r0 < drop < c.r1 for c in b.cells):
        drop = 0
    if not drop:
        return
    b.cells = [c for c in b.cells if c.r0 >= drop]
    for c in b.cells:
        c.r0 -= drop
        c.r1 -= drop
    b.nrows -= drop


def _row_is_cut(a: Grid, b: Grid) -> bool:
    """True if ``b``'s first row is the rest of ``a``'s last row (the page break cut through it).

    Both rows must have the same cells; ``b``'s first row must hold label text that does not start a
    new label, and at most one of the two parts may hold the numbers.
    """
    last, first = a.covering(a.nrows - 1), b.row_cells(0)
    if [(c.c0, c.c1) for c in last] != [(c.c0, c.c1) for c in first]:
        return False
    texts = [re.sub(r"\s+", "", c.text) for c in first]
    labels = [t for t in texts if t and not is_value(t)]
    if not labels or any(_ENUMERATOR.match(t) or _starts_table(t) for t in labels):
        return False
    a_has_values = any(is_value(c.text) for c in last if c.r1 == a.nrows)
    b_has_values = any(is_value(t) for t in texts)
    return not (a_has_values and b_has_values)


def _starts_table(text: str) -> bool:
    return any(m in text for m in TABLE_START_MARKERS) or text.startswith(TABLE_HEAD_MARKERS)


def _cell_continues(above: GridCell, below: GridCell) -> bool:
    """A merged label cell cut by the page break: ``below`` carries on ``above``.

    ``below`` is empty (the rest of a vertical label) or is label text that starts no new item and
    spans several rows (a group label such as "（四）无" / "法提供").
    """
    top_text = re.sub(r"\s+", "", above.text)
    text = re.sub(r"\s+", "", below.text)
    if not top_text or is_value(top_text):
        return False
    if not text:
        return True
    if is_value(text) or _ENUMERATOR.match(text):
        return False
    return below.r1 - below.r0 > 1 or above.r1 - above.r0 > 1


def _join_cells(above: GridCell, below: GridCell, offset: int) -> None:
    """Extend ``above`` over ``below``; keep the provenance of the part that holds the text."""
    if below.text and not above.text:
        above.page, above.bbox = below.page, below.bbox
    if below.text:
        above.text = f"{above.text}\n{below.text}" if above.text else below.text
    scores = [c for c in (above.confidence, below.confidence) if c is not None]
    above.confidence = min(scores) if scores else None
    above.r1 = max(above.r1, below.r1 + offset)
