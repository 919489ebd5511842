"""The format-neutral layout of the three tables: one :class:`Grid` of anchored cells with spans per table.

Every output format draws from the same grids, so the formats cannot disagree about the layout. Labels,
captions, groups and the corner note come from :mod:`discl.templates`; the only word typed here is
:data:`ITEM_HEADER`, a header cell the template data does not carry.

>>> import random
>>> from discl.render.spec import random_spec
>>> g = requests_grid(random_spec(random.Random(1), template="gb2021"))
>>> g.n_rows, g.n_cols, g.header_rows
(28, 10, 3)
>>> g.expanded()[1][:5]
['', '', '', '自然人', '法人或其他组织']
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from .. import templates as T
from .spec import Key, ReportSpec

#: First header cell of every block of table 二 (not a data label, so not in the template data).
ITEM_HEADER = "信息内容"


@dataclass(frozen=True)
class GridCell:
    """An anchored cell: its top-left position and spans. ``key`` is set on value cells."""

    text: str
    row: int
    col: int
    rowspan: int = 1
    colspan: int = 1
    header: bool = False
    key: Key | None = None


@dataclass
class Grid:
    """A table as anchored cells on an ``n_rows`` × ``n_cols`` grid; ``header_rows`` leading rows are header.

    >>> b = GridBuilder("t", 2)
    >>> b.new_row(); b.add("a", colspan=2); b.new_row(); b.add("b"); b.add("c")
    >>> g = b.build()
    >>> g.line_fields(), g.expanded()
    ([['a'], ['b', 'c']], [['a', ''], ['b', 'c']])
    """

    table: str
    n_rows: int
    n_cols: int
    cells: list[GridCell]
    header_rows: int = 0

    def row_anchors(self) -> list[list[GridCell]]:
        """The cells anchored in each row, left to right (what an HTML ``<tr>`` holds)."""
        rows: list[list[GridCell]] = [[] for _ in range(self.n_rows)]
        for c in self.cells:
            rows[c.row].append(c)
        return [sorted(r, key=lambda c: c.col) for r in rows]

    def owner(self) -> dict[tuple[int, int], GridCell]:
        """Each grid position mapped to the cell covering it."""
        owned: dict[tuple[int, int], GridCell] = {}
        for c in self.cells:
            for r in range(c.row, c.row + c.rowspan):
                for k in range(c.col, c.col + c.colspan):
                    if (r, k) in owned:
                        raise AssertionError(f"{self.table}: cells overlap at {(r, k)}")
                    owned[(r, k)] = c
        return owned

    def line_fields(self) -> list[list[str]]:
        """Per row, one field per distinct covering cell: its text where it starts, ``''`` below that.

        This is how a copy of a web page looks: a column span is one cell, and a label column merged from
        above leaves an empty cell.
        """
        owned = self.owner()
        lines = []
        for r in range(self.n_rows):
            fields: list[str] = []
            last: GridCell | None = None
            for k in range(self.n_cols):
                c = owned[(r, k)]
                if c is last:
                    continue
                last = c
                fields.append(c.text if c.row == r else "")
            lines.append(fields)
        return lines

    def expanded(self) -> list[list[str]]:
        """The full rectangle: a cell's text at its anchor, ``''`` on every other position it covers."""
        owned = self.owner()
        return [[owned[(r, k)].text if (owned[(r, k)].row, owned[(r, k)].col) == (r, k) else ""
                 for k in range(self.n_cols)] for r in range(self.n_rows)]


class GridBuilder:
    """Places cells row by row at the next free column, the way HTML rowspan/colspan placement works.

    >>> b = GridBuilder("t", 3)
    >>> b.new_row(); b.add("a", rowspan=2); b.add("b", colspan=2); b.new_row(); b.add("c"); b.add("d")
    >>> [(c.text, c.row, c.col) for c in b.build().cells]
    [('a', 0, 0), ('b', 0, 1), ('c', 1, 1), ('d', 1, 2)]
    """

    def __init__(self, table: str, n_cols: int):
        self.table, self.n_cols = table, n_cols
        self.cells: list[GridCell] = []
        self.taken: set[tuple[int, int]] = set()
        self.row = -1
        self.col = 0

    def new_row(self) -> None:
        self.row += 1
        self.col = 0

    def add(self, text: str, rowspan: int = 1, colspan: int = 1, header: bool = False,
            key: Key | None = None) -> None:
        while (self.row, self.col) in self.taken:
            self.col += 1
        if self.col + colspan > self.n_cols:
            raise AssertionError(f"{self.table}: row {self.row} overflows {self.n_cols} columns")
        self.cells.append(GridCell(text, self.row, self.col, rowspan, colspan, header, key))
        for r in range(self.row, self.row + rowspan):
            for k in range(self.col, self.col + colspan):
                self.taken.add((r, k))
        self.col += colspan

    def build(self, header_rows: int = 0) -> Grid:
        grid = Grid(self.table, self.row + 1, self.n_cols, self.cells, header_rows)
        if len(grid.owner()) != grid.n_rows * grid.n_cols:
            raise AssertionError(f"{self.table}: grid is not rectangular")
        return grid


def proactive_grid(spec: ReportSpec, compact: bool = False) -> Grid:
    """Table 二: per block a caption row over the full width, a header row, and the item rows.

    Blocks have 1–3 measures. With ``compact=False`` (HTML, DOCX, PDF) the value area is as wide as the least
    common multiple of the block widths and every measure spans an equal share, as in the template where a
    single measure spans columns 2–4. With ``compact=True`` (text, Markdown) each measure is one column and a
    short block's last cell spans the rest.

    >>> import random
    >>> from discl.render.spec import random_spec
    >>> s = random_spec(random.Random(1), template="gb2019")
    >>> proactive_grid(s).n_cols, proactive_grid(s, compact=True).n_cols
    (7, 4)
    """
    table = T.table("proactive")
    blocks = T.template(spec.template).blocks
    counts = [len(b.measures) for b in blocks]
    width = max(counts) if compact else math.lcm(*counts)
    g = GridBuilder(table.id, 1 + width)

    def spans(n: int) -> list[int]:
        return [1] * (n - 1) + [width - n + 1] if compact else [width // n] * n

    for block in blocks:
        g.new_row()
        g.add(block.caption, colspan=1 + width, header=True)
        g.new_row()
        g.add(ITEM_HEADER, header=True)
        for m, span in zip(block.measures, spans(len(block.measures))):
            g.add(table.column(m).label(spec.template), colspan=span, header=True)
        for item in block.items:
            g.new_row()
            g.add(table.row(item).label(spec.template), header=True)
            for m, span in zip(block.measures, spans(len(block.measures))):
                key = (table.id, item, m)
                g.add(spec.text(key), colspan=span, key=key)
    return g.build()


def requests_grid(spec: ReportSpec) -> Grid:
    """Table 三: the 3-row header and the data rows with merged label columns (3 label + 7 value columns).

    Rows numbered "一、" etc. span all three label columns; the other rows sit under "三、本年度办理结果";
    rows with a group sit under that group's label. In gb2019 （六）其他处理 has no sub-rows, so the group
    label itself is the data row.

    >>> import random
    >>> from discl.render.spec import random_spec
    >>> g = requests_grid(random_spec(random.Random(1), template="gb2019"))
    >>> [c.text for c in g.cells if c.col == 0 and c.rowspan > 1][1]
    '三、本年度办理结果'
    """
    table = T.table("requests")
    cols = table.columns()
    rows = table.rows(spec.template)
    top = [r for r in rows if r.number.endswith("、")]
    results = [r for r in rows if r not in top]
    first, last = rows.index(results[0]), rows.index(results[-1])
    if list(rows[first:last + 1]) != results:
        raise AssertionError("result rows are not contiguous in the template")
    column_groups = {grp.id: grp for grp in table.column_groups}
    n_grouped = {gid: sum(1 for c in cols if c.group == gid) for gid in column_groups}
    g = GridBuilder(table.id, 3 + len(cols))
    g.new_row()
    g.add(table.corner_note, rowspan=3, colspan=3, header=True)
    g.add(table.header, colspan=len(cols), header=True)
    g.new_row()
    groups_done: set[str] = set()
    for c in cols:
        if c.group:
            if c.group not in groups_done:
                g.add(column_groups[c.group].zh, colspan=n_grouped[c.group], header=True)
                groups_done.add(c.group)
        else:
            g.add(c.label(spec.template), rowspan=2, header=True)
    g.new_row()
    for c in cols:
        if c.group:
            g.add(c.label(spec.template), header=True)
    seen_groups: set[str] = set()
    for r in rows:
        g.new_row()
        if r in top:
            g.add(r.label(spec.template), colspan=3, header=True)
        else:
            if r is results[0]:
                g.add(table.row_group("results").zh, rowspan=len(results), header=True)
            if r.group is None:
                g.add(r.label(spec.template), colspan=2, header=True)
            else:
                if r.group not in seen_groups:
                    seen_groups.add(r.group)
                    g.add(table.row_group(r.group).zh, rowspan=sum(1 for x in results if x.group == r.group),
                          header=True)
                g.add(r.label(spec.template), header=True)
        for c in cols:
            key = (table.id, r.id, c.id)
            g.add(spec.text(key), key=key)
    return g.build(header_rows=3)


def review_grid(spec: ReportSpec) -> Grid:
    """Table 四: three header rows (行政复议 | 行政诉讼 › 未经复议直接起诉 / 复议后起诉 › outcomes) and one
    unlabelled data row of 15 cells.

    >>> import random
    >>> from discl.render.spec import random_spec
    >>> g = review_grid(random_spec(random.Random(1)))
    >>> g.expanded()[0][:6]
    ['行政复议', '', '', '', '', '行政诉讼']
    """
    table = T.table("review_litigation")
    outcomes = table.columns()
    procs = table.rows()
    n = len(outcomes)
    g = GridBuilder(table.id, n * len(procs))
    g.new_row()
    done_parents: set[str] = set()
    for p in procs:
        if p.group is None:
            g.add(p.label(spec.template), colspan=n, header=True)
        elif p.group not in done_parents:
            done_parents.add(p.group)
            g.add(table.row_group(p.group).zh, colspan=n * sum(1 for q in procs if q.group == p.group),
                  header=True)
    g.new_row()
    for p in procs:
        if p.group is None:
            for o in outcomes:
                g.add(o.label(spec.template), rowspan=2, header=True)
        else:
            g.add(p.label(spec.template), colspan=n, header=True)
    g.new_row()
    for p in procs:
        if p.group is not None:
            for o in outcomes:
                g.add(o.label(spec.template), header=True)
    g.new_row()
    for p in procs:
        for o in outcomes:
            key = (table.id, p.id, o.id)
            g.add(spec.text(key), key=key)
    return g.build(header_rows=3)


def section_tables(spec: ReportSpec, compact: bool) -> dict[str, Grid]:
    """The grid of each section that holds a table, keyed by section numeral (``compact`` as in
    :func:`proactive_grid`).

    >>> import random
    >>> from discl.render.spec import random_spec
    >>> {s: g.table for s, g in section_tables(random_spec(random.Random(1)), compact=True).items()}
    {'二': 'proactive', '三': 'requests', '四': 'review_litigation'}
    """
    builders = {"proactive": lambda: proactive_grid(spec, compact), "requests": lambda: requests_grid(spec),
                "review_litigation": lambda: review_grid(spec)}
    return {s.numeral: builders[s.table]() for s in T.sections() if s.table}
