"""Table assembly: expand merged cells into a rectangular grid.

``Table.rows`` lists only the cells that start in each row (the HTML model). The grid repeats a
merged cell's object in every position it covers, so a row can be read left to right while knowing
which positions are the same physical cell (``is``) and in which row a cell starts.
"""
from __future__ import annotations

from dataclasses import dataclass

from .sources.document import Cell, Table

MAX_GRID_CELLS = 200_000  # hostile spans cannot make the grid explode


@dataclass
class Slot:
    cell: Cell
    origin_row: int  # grid row where the cell starts
    origin_col: int


def table_to_grid(table: Table) -> list[list[Slot | None]]:
    """Expand spans (HTML algorithm). Positions no cell covers are None.

    >>> t = Table(rows=[[Cell("a", rowspan=2), Cell("b", colspan=2)], [Cell("c"), Cell("d")]])
    >>> [[s.cell.text if s else None for s in r] for r in table_to_grid(t)]
    [['a', 'b', 'b'], ['a', 'c', 'd']]
    """
    grid: list[list[Slot | None]] = []
    total = 0
    for r, row in enumerate(table.rows):
        while len(grid) <= r:
            grid.append([])
        c = 0
        for cell in row:
            while c < len(grid[r]) and grid[r][c] is not None:
                c += 1
            slot = Slot(cell, r, c)
            for dr in range(cell.rowspan):
                # a rowspan reaching past the last row is clipped, as browsers do
                if r + dr >= len(table.rows):
                    break
                while len(grid) <= r + dr:
                    grid.append([])
                line = grid[r + dr]
                for dc in range(cell.colspan):
                    while len(line) <= c + dc:
                        line.append(None)
                    line[c + dc] = slot
                    total += 1
                    if total > MAX_GRID_CELLS:
                        raise ValueError("table grid too large")
            c += cell.colspan
    width = max((len(r) for r in grid), default=0)
    for line in grid:
        line.extend([None] * (width - len(line)))
    return grid
