"""Table grids: pdfplumber's cell boxes placed on the grid of distinct edges, and characters put into cells.

Each cell is placed on the grid of the table's distinct x/y edges, which yields rowspan/colspan directly and
keeps values in their columns even where a line is missing (holes become empty cells). Characters go to the
cell holding their centre.
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Iterable

from ..document import BBox, Cell, Table
from .lines import chars_to_lines

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
        rows = [[Cell(c.text, rowspan=c.r1 - c.r0, colspan=c.c1 - c.c0, page=c.page, bbox=c.bbox)
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
            cell.text = "\n".join(ln.text for ln in chars_to_lines(per_cell.get(id(cell), [])))
    return leftover
