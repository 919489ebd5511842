"""Table grids: pdfplumber's cell boxes placed on the grid of distinct edges, and characters put into cells.

Each cell is placed on the grid of the table's distinct x/y edges, which yields rowspan/colspan directly and
keeps values in their columns even where a line is missing (holes become empty cells). Characters go to the
cell holding their centre. A row that holds a header and a data row because the rule between them is
missing is split in two (:func:`split_header_rows`).
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Iterable

from ..document import BBox, Cell, Table
from .lines import Line, chars_to_lines, is_value

EDGE_TOL = 2.0  # points: two cell edges closer than this are the same grid line (within one table)


@dataclass
class GridCell:
    """A cell on a table grid: rows r0..r1-1 and columns c0..c1-1 (boundary indices)."""
    r0: int
    c0: int
    r1: int
    c1: int
    text: str
    page: int
    bbox: BBox
    # the text lines (with their characters) read into the cell on its page, for splitting its row;
    # stitching joins texts only, so after it they may cover part of the text
    lines: list[Line] = field(default_factory=list, repr=False, compare=False)
    confidence: float | None = None  # lowest OCR score of its characters (None: a text layer)


@dataclass
class Grid:
    """A table before conversion to :class:`Table`; ``xs`` are the column boundary x-positions."""
    xs: list[float]
    nrows: int
    cells: list[GridCell]
    page: int          # first page
    last_page: int
    top: float         # top on the first page
    bottom: float      # bottom on the last page
    inferred: bool = False
    # row edges and the cell owning each grid slot, on the first page; only for assigning characters
    ys: list[float] = field(default_factory=list)
    owner: list[list[GridCell]] = field(default_factory=list)

    def row_cells(self, r: int) -> list[GridCell]:
        """Cells that start in row ``r``, left to right."""
        return sorted((c for c in self.cells if c.r0 == r), key=lambda c: c.c0)

    def covering(self, r: int) -> list[GridCell]:
        """Cells that cover row ``r`` (start in it or span over it), left to right."""
        return sorted((c for c in self.cells if c.r0 <= r < c.r1), key=lambda c: c.c0)

    def to_table(self) -> Table:
        rows = [[Cell(c.text, rowspan=c.r1 - c.r0, colspan=c.c1 - c.c0, page=c.page, bbox=c.bbox,
                      confidence=c.confidence)
                 for c in self.row_cells(r)] for r in range(self.nrows)]
        return Table(rows=rows, page=self.page, inferred=self.inferred)


def cluster(values: Iterable[float], tol: float) -> list[float]:
    """Sorted representatives of groups of values lying within ``tol`` of each other.

    >>> cluster([10, 1.5, 1], 2)
    [1.25, 10.0]
    """
    groups: list[list[float]] = []
    for v in sorted(values):
        if groups and v - groups[-1][0] <= tol:
            groups[-1].append(v)
        else:
            groups.append([v])
    return [sum(g) / len(g) for g in groups]


def nearest(bounds: list[float], v: float) -> int:
    """Index of the value in sorted ``bounds`` closest to ``v``.

    >>> nearest([0, 10, 20], 14), nearest([0, 10, 20], -5)
    (1, 0)
    """
    i = bisect.bisect_left(bounds, v)
    if i == 0:
        return 0
    if i == len(bounds):
        return len(bounds) - 1
    return i if bounds[i] - v < v - bounds[i - 1] else i - 1


def grid_from_boxes(boxes: list[tuple[float, float, float, float]], page: int) -> Grid | None:
    """Place pdfplumber's cell boxes on the grid of distinct edges; fill holes with empty cells.

    >>> g = grid_from_boxes([(0, 0, 50, 20), (50, 0, 100, 20), (0, 20, 100, 40)], page=1)
    >>> g.xs, [(c.r0, c.c0, c.r1, c.c1) for c in g.cells]
    ([0.0, 50.0, 100.0], [(0, 0, 1, 1), (0, 1, 1, 2), (1, 0, 2, 2)])
    """
    if not boxes:
        return None
    xs = cluster((x for b in boxes for x in (b[0], b[2])), EDGE_TOL)
    ys = cluster((y for b in boxes for y in (b[1], b[3])), EDGE_TOL)
    if len(xs) < 2 or len(ys) < 2:
        return None
    nrows, ncols = len(ys) - 1, len(xs) - 1
    owner: list[list[GridCell | None]] = [[None] * ncols for _ in range(nrows)]
    cells: list[GridCell] = []
    for b in sorted(boxes, key=lambda b: (b[1], b[0])):
        c0, c1 = nearest(xs, b[0]), nearest(xs, b[2])
        r0, r1 = nearest(ys, b[1]), nearest(ys, b[3])
        if c1 <= c0 or r1 <= r0:
            continue  # a sliver thinner than the tolerance
        if any(owner[r][c] for r in range(r0, r1) for c in range(c0, c1)):
            continue  # overlapping boxes: keep the first
        cell = GridCell(r0, c0, r1, c1, "", page, (b[0], b[1], b[2], b[3]))
        cells.append(cell)
        for r in range(r0, r1):
            for c in range(c0, c1):
                owner[r][c] = cell
    for r in range(nrows):
        for c in range(ncols):
            if owner[r][c] is None:
                # pdfplumber found no cell here (a missing line): an empty cell keeps later values
                # in their own columns
                cell = GridCell(r, c, r + 1, c + 1, "", page, (xs[c], ys[r], xs[c + 1], ys[r + 1]))
                cells.append(cell)
                owner[r][c] = cell
    return Grid(xs=xs, nrows=nrows, cells=cells, page=page, last_page=page, top=ys[0], bottom=ys[-1],
                ys=ys, owner=owner)  # type: ignore[arg-type]  # no None left in owner


def assign_chars(grids: list[Grid], chars: list[dict]) -> list[dict]:
    """Put each character into the cell containing its centre; return characters outside all tables.

    >>> g = grid_from_boxes([(0, 0, 50, 20), (50, 0, 100, 20)], page=1)
    >>> ch = lambda t, x, top: {"text": t, "x0": x, "x1": x + 8, "top": top, "bottom": top + 8, "size": 8}
    >>> [c["text"] for c in assign_chars([g], [ch("规", 5, 5), ch("章", 13, 5), ch("7", 70, 5), ch("注", 5, 30)])]
    ['注']
    >>> [c.text for c in g.cells]
    ['规章', '7']
    """
    per_cell: dict[int, list[dict]] = {}
    leftover: list[dict] = []
    for ch in chars:
        cx, cy = (ch["x0"] + ch["x1"]) / 2, (ch["top"] + ch["bottom"]) / 2
        for g in grids:
            ys, owner = g.ys, g.owner
            if g.xs[0] <= cx <= g.xs[-1] and ys[0] <= cy <= ys[-1]:
                c = min(max(bisect.bisect_right(g.xs, cx) - 1, 0), len(g.xs) - 2)
                r = min(max(bisect.bisect_right(ys, cy) - 1, 0), len(ys) - 2)
                per_cell.setdefault(id(owner[r][c]), []).append(ch)
                break
        else:
            leftover.append(ch)
    for g in grids:
        for cell in g.cells:
            mine = per_cell.get(id(cell), [])
            cell.lines = chars_to_lines(mine)
            cell.text = "\n".join(ln.text for ln in cell.lines)
            cell.confidence = min_confidence(mine)
    return leftover


def min_confidence(chars: list[dict]) -> float | None:
    """The lowest OCR score among characters (``conf``); None when none was OCR'd.

    >>> min_confidence([{"conf": 0.9}, {"conf": 0.7}]), min_confidence([{"text": "5"}])
    (0.7, None)
    """
    scores = [ch["conf"] for ch in chars if ch.get("conf") is not None]
    return min(scores) if scores else None


def split_header_rows(grid: Grid) -> None:
    """Split (in place) each row that is a header row and a data row with no rule between them.

    Such a row has cells of two text lines or more:
    ``信息内容⏎行政事业性收费 | 上一年项目数量⏎7 | 本年增/减⏎-2``.
    It is split when the first cell holds label lines above and below the cut, every other non-empty cell
    ends in one value line below the cut with only non-value (header) lines above it, and the values sit
    on one baseline level with the first cell's data lines. A header row whose cells merely wrap
    (``本年新⏎制作数量``) has no values; a data row whose label wraps has no header lines above its
    numbers: neither is split. Each part keeps its page and the bbox of its side of the cut.

    >>> def text(s, x, top):
    ...     return [{"text": c, "x0": x + 8 * i, "x1": x + 8 * i + 8, "top": top, "bottom": top + 8,
    ...              "size": 8} for i, c in enumerate(s)]
    >>> g = grid_from_boxes([(0, 0, 80, 30), (80, 0, 160, 30)], page=1)
    >>> chars = text("信息内容", 2, 4) + text("规章", 2, 18) + text("本年新增", 82, 4) + text("3", 82, 18)
    >>> _ = assign_chars([g], chars)
    >>> split_header_rows(g)
    >>> for r in range(g.nrows):
    ...     print([(c.text, c.bbox) for c in g.row_cells(r)])
    [('信息内容', (0, 0, 80, 15.0)), ('本年新增', (80, 0, 160, 15.0))]
    [('规章', (0, 15.0, 80, 30)), ('3', (80, 15.0, 160, 30))]
    """
    by_row: dict[int, list[GridCell]] = {}
    for c in grid.cells:
        by_row.setdefault(c.r0, []).append(c)
    # bottom up: a split renumbers only the rows below it, which are done
    for r in reversed(range(grid.nrows)):
        row = sorted(by_row.get(r, []), key=lambda c: c.c0)
        cut = _header_data_cut(row, r)
        if cut is not None:
            _split_row(grid, row, r, cut)


def _header_data_cut(row: list[GridCell], r: int) -> float | None:
    """The y between the header lines and the data line of grid row ``r`` (its cells ``row``), or None if
    it is one row."""
    if len(row) < 2 or any(c.r1 != r + 1 for c in row):
        return None  # a cell spanning further rows belongs to more than this row
    first, others = row[0], [c for c in row[1:] if c.lines]
    if len(first.lines) < 2 or not others:
        return None
    for c in others:
        if len(c.lines) < 2 or not is_value(c.lines[-1].text) \
                or any(is_value(ln.text) for ln in c.lines[:-1]):
            return None
    values = [c.lines[-1] for c in others]
    tol = 0.5 * min(ln.bottom - ln.top for ln in values)
    if max(ln.bottom for ln in values) - min(ln.bottom for ln in values) > tol:
        return None  # the values are not one printed line
    head_bottom = max(ln.bottom for c in others for ln in c.lines[:-1])
    value_top = min(ln.top for ln in values)
    if head_bottom > value_top + tol:
        return None
    # the first cut at or below the other cells' header lines that no line of the first cell straddles:
    # a first-cell header that wraps further than the others still stays above it
    candidates = {head_bottom} | {ln.bottom for ln in first.lines if head_bottom < ln.bottom <= value_top}
    for y in sorted(candidates):
        head = [ln for ln in first.lines if ln.bottom <= y + tol]
        data = [ln for ln in first.lines if ln.bottom > y + tol]
        if all(ln.top >= y - tol for ln in data):
            break
    else:
        return None
    if not head or not data or any(is_value(ln.text) for ln in head + data):
        return None
    centre = sum(ln.top + ln.bottom for ln in values) / (2 * len(values))
    if not data[0].top - tol <= centre <= data[-1].bottom + tol:
        return None  # the first cell's lower lines are not on the values' row
    return (max(y, head[-1].bottom) + min(data[0].top, value_top)) / 2


def _split_row(grid: Grid, row: list[GridCell], r: int, cut: float) -> None:
    """Make row ``r`` two rows at ``cut``: its cells' lines above stay, those below form row ``r + 1``."""
    for c in grid.cells:
        if c.r0 > r:
            c.r0, c.r1 = c.r0 + 1, c.r1 + 1
        elif c.r0 < r < c.r1:
            c.r1 += 1  # a cell spanning down over the row spans both parts
    below: dict[int, GridCell] = {}
    for c in row:
        x0, top, x1, bottom = c.bbox
        upper = [ln for ln in c.lines if (ln.top + ln.bottom) / 2 < cut]
        lower = [ln for ln in c.lines if (ln.top + ln.bottom) / 2 >= cut]
        below[id(c)] = GridCell(r + 1, c.c0, r + 2, c.c1, "\n".join(ln.text for ln in lower), c.page,
                                (x0, cut, x1, bottom), lower,
                                min_confidence([ch for ln in lower for ch in ln.chars]))
        c.lines, c.text, c.bbox = upper, "\n".join(ln.text for ln in upper), (x0, top, x1, cut)
        c.confidence = min_confidence([ch for ln in upper for ch in ln.chars])
    grid.cells.extend(below.values())
    grid.nrows += 1
    if grid.owner:  # keep the slot map in step with the rows
        grid.owner.insert(r + 1, [below.get(id(c), c) for c in grid.owner[r]])
        grid.ys.insert(r + 1, cut)
