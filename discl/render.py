"""Render discl's own sample reports in the official 政府信息公开工作年度报告 layout.

A :class:`ReportSpec` holds the figures of one report as the exact text printed in each table cell; the
``render_*`` functions lay the three tables out as the official templates do (国办公开办函〔2019〕60号 =
``gb2019``, 〔2021〕30号 = ``gb2021``; see ``shared/spec/format.md`` §2–§5) and write them as HTML, tab-separated
text, Markdown, DOCX or PDF. These files are discl's bundled samples (``make demo``) and the inputs of the
round-trip tests (render → read → same values).

Every table is first built as one format-neutral :class:`Grid` of anchored cells with row/column spans, so the
formats cannot disagree about the layout. All labels come from ``data/templates.yaml``; the only words typed
here are the section headings and the few header cells the YAML does not carry (:data:`SECTION_TITLES`,
:data:`ITEM_HEADER`, :data:`APPLICANT_HEADER`).
"""
from __future__ import annotations

import csv
import functools
import html
import importlib.resources
import io
import math
import random
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Mapping, Sequence, overload

import yaml

Key = tuple[str, str, str]
"""A value cell: (table id, row id, column id), e.g. ``("requests", "granted", "natural_person")``."""

Template = Literal["gb2019", "gb2021"]
TEMPLATES: tuple[Template, ...] = ("gb2019", "gb2021")

#: Headings of the sections without a table (the YAML only names the three table sections).
SECTION_TITLES: dict[str, str] = {
    "一": "总体情况",
    "五": "存在的主要问题及改进情况",
    "六": "其他需要报告的事项",
}
#: First header cell of every block of table 二 (not a data label, so not in the YAML).
ITEM_HEADER = "信息内容"
#: Header spanning the seven value columns of table 三.
APPLICANT_HEADER = "申请人情况"
#: Table 三 row after which :func:`render_pdf` breaks the page. It sits inside the （三）不予公开 group on
#: purpose: the group label stays on the first page, which is the hard case for a reader.
PDF_BREAK_AFTER = "withheld.third_party_rights"

SECTION_ORDER = ("一", "二", "三", "四", "五", "六")


@functools.cache
def templates() -> dict[str, Any]:
    """The parsed ``discl/data/templates.yaml`` (cached; treat as read-only)."""
    text = importlib.resources.files("discl").joinpath("data/templates.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def default_template(year: int) -> Template:
    """The template a report of ``year`` uses when nothing else is known (format.md §1)."""
    return "gb2019" if year <= 2020 else "gb2021"


# --------------------------------------------------------------------------------------------------------------
# Which cells a template has
# --------------------------------------------------------------------------------------------------------------

def proactive_blocks(template: str) -> list[dict[str, Any]]:
    """The blocks of table 二 for ``template`` (caption, item ids, measure ids)."""
    return templates()["proactive"]["blocks"][template]


def request_rows(template: str) -> list[dict[str, Any]]:
    """The data rows of table 三 for ``template``, in printed order (23 for gb2019, 25 for gb2021)."""
    return [r for r in templates()["requests"]["rows"] if template in r["in"]]


def request_columns() -> list[dict[str, Any]]:
    """The seven value columns of table 三 (six applicant kinds, then 总计)."""
    return templates()["requests"]["columns"]


def cell_keys(template: str) -> list[Key]:
    """Every value cell of ``template`` in reading order: table 二, then 三, then 四.

    Handy for hypothesis: ``st.fixed_dictionaries({k: st.integers(0, 999) for k in cell_keys("gb2021")})``.
    """
    keys: list[Key] = []
    for block in proactive_blocks(template):
        keys += [("proactive", item, m) for item in block["items"] for m in block["measures"]]
    keys += [("requests", r["id"], c["id"]) for r in request_rows(template) for c in request_columns()]
    rl = templates()["review_litigation"]
    keys += [("review_litigation", p["id"], o["id"]) for p in rl["proceedings"] for o in rl["outcomes"]]
    return keys


def _by_id(entries: Sequence[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {e["id"]: e for e in entries}


def _label(entry: dict[str, Any], template: str) -> str:
    """An entry's printed label; gb2019 prints a few labels differently (``zh_by``)."""
    return entry.get("zh_by", {}).get(template, entry["zh"])


# --------------------------------------------------------------------------------------------------------------
# The report
# --------------------------------------------------------------------------------------------------------------

def format_value(value: object) -> str:
    """Cell text for a python value: ``None`` → blank, ``12`` → ``'12'``, ``350.40`` → ``'350.4'``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        raise TypeError("a cell value cannot be a bool")
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return f"{value:.6f}".rstrip("0").rstrip(".")
    return str(value)


@dataclass
class ReportSpec:
    """One report to render.

    ``cells`` maps (table, row, col) ids (as in ``templates.yaml``) to the exact printed cell text, e.g. ``'12'``,
    ``'0'``, ``''`` (blank), ``'—'``, ``'/'``, ``'251000元'``, ``'+19'``, ``'350.4'``. A cell the template has
    but ``cells`` lacks is printed blank. ``narrative`` maps a section numeral (``'一'``…``'六'``) to its
    paragraphs; sections left out get a short default text built from the figures.
    """

    agency: str
    year: int
    template: Template
    cells: dict[Key, str]
    narrative: dict[str, list[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.template not in TEMPLATES:
            raise ValueError(f"template must be one of {TEMPLATES}, got {self.template!r}")
        known = set(cell_keys(self.template))
        unknown = [k for k in self.cells if k not in known]
        if unknown:
            raise ValueError(f"cells not in template {self.template}: {unknown[:5]}")

    @property
    def title(self) -> str:
        """The report title as printed: ``<agency><year>年政府信息公开工作年度报告``."""
        return f"{self.agency}{self.year}年政府信息公开工作年度报告"

    def text(self, key: Key) -> str:
        """The printed text of one value cell (blank if not given)."""
        return self.cells.get(key, "")

    @classmethod
    def from_values(
        cls,
        values: Mapping[Key, object],
        *,
        agency: str = "示例区人民政府",
        year: int = 2022,
        template: Template | None = None,
        narrative: Mapping[str, list[str]] | None = None,
    ) -> "ReportSpec":
        """Build a spec from python values (ints, floats, ``None`` for blank, or already-printed strings)."""
        return cls(
            agency=agency,
            year=year,
            template=template or default_template(year),
            cells={k: format_value(v) for k, v in values.items()},
            narrative=dict(narrative or {}),
        )


# --------------------------------------------------------------------------------------------------------------
# Consistent random figures (for hypothesis and for making samples)
# --------------------------------------------------------------------------------------------------------------

def fill_matrix(row_totals: Sequence[int], col_totals: Sequence[int]) -> list[list[int]]:
    """A non-negative integer matrix with the given row and column sums (which must have equal totals).

    Each row is spread over the columns in proportion to the capacity the columns still have (largest
    remainder rounding), so the result looks like real data rather than a staircase.
    """
    if sum(row_totals) != sum(col_totals):
        raise ValueError(f"row totals {sum(row_totals)} != column totals {sum(col_totals)}")
    remaining = list(col_totals)
    matrix: list[list[int]] = []
    for r in row_totals:
        cap = sum(remaining)
        if cap == 0:
            matrix.append([0] * len(remaining))
            continue
        exact = [r * rem / cap for rem in remaining]
        alloc = [math.floor(x) for x in exact]
        # hand out the rounding leftovers to the largest remainders that still have room
        order = sorted(range(len(exact)), key=lambda j: exact[j] - alloc[j], reverse=True)
        left = r - sum(alloc)
        for j in order:
            if left == 0:
                break
            if alloc[j] < remaining[j]:
                alloc[j] += 1
                left -= 1
        remaining = [rem - a for rem, a in zip(remaining, alloc)]
        matrix.append(alloc)
    return matrix


def split_total(rng: random.Random, total: int, weights: Sequence[float]) -> list[int]:
    """Split ``total`` into ``len(weights)`` non-negative integers, roughly in proportion to ``weights``."""
    if total == 0:
        return [0] * len(weights)
    return _round_to([w * rng.uniform(0.3, 1.7) for w in weights], total)


def _round_to(weights: Sequence[float], total: int) -> list[int]:
    """Integers in proportion to ``weights`` that add up to ``total`` (largest remainder)."""
    s = sum(weights) or 1.0
    exact = [w * total / s for w in weights]
    out = [math.floor(x) for x in exact]
    for j in sorted(range(len(exact)), key=lambda j: exact[j] - out[j], reverse=True)[: total - sum(out)]:
        out[j] += 1
    return out


#: Rough share of each outcome among handled requests (real reports: most are granted or 不掌握).
_OUTCOME_WEIGHT = {"granted": 8, "partially_granted": 2, "unable.not_held": 6, "unable.unclear": 1,
                   "not_processed.repeated": 1, "not_processed.complaint": 1, "other_handling.other": 0.5}
_APPLICANT_WEIGHT = {"natural_person": 30, "commercial": 2, "research": 0.1, "social_org": 0.3,
                     "legal_service": 0.5, "other_org": 0.5}


def requests_values(
    template: str,
    new_received: Sequence[int],
    carried_over: Sequence[int],
    carried_forward: Sequence[int],
    outcomes: Mapping[str, int],
) -> dict[Key, int]:
    """Table 三 values that satisfy T3-R1/R2/R3 exactly.

    ``new_received``/``carried_over``/``carried_forward`` give the six applicant columns; ``outcomes`` gives the
    总计 of each outcome row (missing rows are 0) and must add up to the handled total.
    """
    apps = [c["id"] for c in request_columns() if c["id"] != "total"]
    processed = [n + o - f for n, o, f in zip(new_received, carried_over, carried_forward)]
    if min(processed) < 0:
        raise ValueError("carried_forward exceeds what was available in some column")
    structural = {"new_received", "carried_over", "total_processed", "carried_forward"}
    outcome_ids = [r["id"] for r in request_rows(template) if r["id"] not in structural]
    unknown = set(outcomes) - set(outcome_ids)
    if unknown:
        raise ValueError(f"outcome rows not in {template}: {sorted(unknown)}")
    row_totals = [outcomes.get(o, 0) for o in outcome_ids]
    matrix = fill_matrix(row_totals, processed)
    rows = {"new_received": list(new_received), "carried_over": list(carried_over),
            "total_processed": processed, "carried_forward": list(carried_forward)}
    rows.update(zip(outcome_ids, matrix))
    out: dict[Key, int] = {}
    for row_id, vals in rows.items():
        for col, v in zip(apps, vals):
            out[("requests", row_id, col)] = v
        out[("requests", row_id, "total")] = sum(vals)
    return out


def review_values(rows: Mapping[str, Sequence[int]]) -> dict[Key, int]:
    """Table 四 values from the four outcome counts of each proceeding; 总计 is their sum (T4-R1..R3)."""
    rl = templates()["review_litigation"]
    outcomes = [o["id"] for o in rl["outcomes"]]
    out: dict[Key, int] = {}
    for p in rl["proceedings"]:
        parts = list(rows.get(p["id"], [0, 0, 0, 0]))
        if len(parts) == 5:  # given with its total: check rather than trust it
            if sum(parts[:4]) != parts[4]:
                raise ValueError(f"{p['id']}: total {parts[4]} != sum {sum(parts[:4])}")
            parts = parts[:4]
        for o, v in zip(outcomes, parts + [sum(parts)]):
            out[("review_litigation", p["id"], o)] = v
    return out


def random_values(rng: random.Random, template: Template, scale: int = 200) -> dict[Key, object]:
    """A full, arithmetically consistent set of figures for one report (all tables)."""
    apps = [c["id"] for c in request_columns() if c["id"] != "total"]
    weights = [_APPLICANT_WEIGHT[a] for a in apps]
    n_new = rng.randint(0, scale)
    new = split_total(rng, n_new, weights)
    co = split_total(rng, rng.randint(0, max(1, scale // 10)), weights)
    cf = [rng.randint(0, n + o) // 3 for n, o in zip(new, co)]
    handled = sum(new) + sum(co) - sum(cf)
    outcome_ids = [r["id"] for r in request_rows(template)
                   if r["id"] not in {"new_received", "carried_over", "total_processed", "carried_forward"}]
    out_w = [_OUTCOME_WEIGHT.get(o, 0.2) for o in outcome_ids]
    outcomes = dict(zip(outcome_ids, split_total(rng, handled, out_w)))
    values: dict[Key, object] = dict(requests_values(template, new, co, cf, outcomes))
    rl = templates()["review_litigation"]["proceedings"]
    values.update(review_values({p["id"]: [rng.randint(0, 5) for _ in range(4)] for p in rl}))
    for block in proactive_blocks(template):
        for item in block["items"]:
            for m in block["measures"]:
                values[("proactive", item, m)] = _random_measure(rng, m)
    return values


def _random_measure(rng: random.Random, measure: str) -> object:
    """One plausible table-二 cell, typed by the measure kind in templates.yaml."""
    kind = _by_id(templates()["proactive"]["measures"])[measure]["type"]
    if kind == "signed":
        v = rng.randint(-20, 20)
        return f"{v:+d}" if v else "0"
    if kind == "money":
        return round(rng.uniform(0, 5000), rng.choice([0, 1, 2]))
    return rng.randint(0, 3000)


def random_spec(rng: random.Random, template: Template | None = None, year: int | None = None,
                agency: str = "示例区人民政府") -> ReportSpec:
    """A random, consistent :class:`ReportSpec`; pass ``random.Random(seed)`` or hypothesis' ``st.randoms()``."""
    if year is None:
        year = rng.randint(2019, 2024) if template is None else (2020 if template == "gb2019" else 2023)
    template = template or default_template(year)
    return ReportSpec.from_values(random_values(rng, template), agency=agency, year=year, template=template)


# --------------------------------------------------------------------------------------------------------------
# Layout: one grid per table, shared by every format
# --------------------------------------------------------------------------------------------------------------

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
    """A table as anchored cells on an ``n_rows`` × ``n_cols`` grid; ``header_rows`` leading rows are header."""

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


class _GridBuilder:
    """Places cells row by row at the next free column, the way HTML rowspan/colspan placement works."""

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
    """
    blocks = proactive_blocks(spec.template)
    counts = [len(b["measures"]) for b in blocks]
    width = max(counts) if compact else math.lcm(*counts)
    items, measures = _by_id(templates()["proactive"]["items"]), _by_id(templates()["proactive"]["measures"])
    g = _GridBuilder("proactive", 1 + width)

    def spans(n: int) -> list[int]:
        return [1] * (n - 1) + [width - n + 1] if compact else [width // n] * n

    for block in blocks:
        g.new_row()
        g.add(block["caption"], colspan=1 + width, header=True)
        g.new_row()
        g.add(ITEM_HEADER, header=True)
        for m, span in zip(block["measures"], spans(len(block["measures"]))):
            g.add(_label(measures[m], spec.template), colspan=span, header=True)
        for item in block["items"]:
            g.new_row()
            g.add(_label(items[item], spec.template), header=True)
            for m, span in zip(block["measures"], spans(len(block["measures"]))):
                key = ("proactive", item, m)
                g.add(spec.text(key), colspan=span, key=key)
    return g.build()


def requests_grid(spec: ReportSpec) -> Grid:
    """Table 三: the 3-row header and the data rows with merged label columns (3 label + 7 value columns).

    Nesting comes from templates.yaml: rows numbered "一、" etc. span all three label columns; the other rows
    sit under "三、本年度办理结果"; rows with a ``group`` sit under that group's label. In gb2019 （六）其他处理 has
    no group, so the group label itself is the data row.
    """
    req = templates()["requests"]
    cols = req["columns"]
    groups = _by_id(req["groups"])
    rows = request_rows(spec.template)
    top = [r for r in rows if r["number"].endswith("、")]
    results = [r for r in rows if r not in top]
    first, last = rows.index(results[0]), rows.index(results[-1])
    if rows[first:last + 1] != results:
        raise AssertionError("result rows are not contiguous in templates.yaml")
    n_org = sum(1 for c in cols if c.get("group"))
    g = _GridBuilder("requests", 3 + len(cols))
    g.new_row()
    g.add(req["corner_note"], rowspan=3, colspan=3, header=True)
    g.add(APPLICANT_HEADER, colspan=len(cols), header=True)
    g.new_row()
    org_done = False
    for c in cols:
        if c.get("group"):
            if not org_done:
                g.add({x["id"]: x["zh"] for x in req["column_groups"]}[c["group"]], colspan=n_org, header=True)
                org_done = True
        else:
            g.add(c["zh"], rowspan=2, header=True)
    g.new_row()
    for c in cols:
        if c.get("group"):
            g.add(c["zh"], header=True)
    seen_groups: set[str] = set()
    for r in rows:
        g.new_row()
        if r in top:
            g.add(r["zh"], colspan=3, header=True)
        else:
            if r is results[0]:
                g.add(groups["results"]["zh"], rowspan=len(results), header=True)
            gid = r.get("group")
            if gid is None:
                g.add(r["zh"], colspan=2, header=True)
            else:
                if gid not in seen_groups:
                    seen_groups.add(gid)
                    g.add(groups[gid]["zh"], rowspan=sum(1 for x in results if x.get("group") == gid),
                          header=True)
                g.add(r["zh"], header=True)
        for c in cols:
            key = ("requests", r["id"], c["id"])
            g.add(spec.text(key), key=key)
    return g.build(header_rows=3)


def review_grid(spec: ReportSpec) -> Grid:
    """Table 四: three header rows (行政复议 | 行政诉讼 › 未经复议直接起诉 / 复议后起诉 › outcomes) and one
    unlabelled data row of 15 cells."""
    rl = templates()["review_litigation"]
    outcomes = rl["outcomes"]
    parents = {g["id"]: g["zh"] for g in rl["proceeding_groups"]}
    procs = [{**p, "parent": parents.get(p.get("group"))} for p in rl["proceedings"]]
    n = len(outcomes)
    g = _GridBuilder("review_litigation", n * len(procs))
    g.new_row()
    done_parents: set[str] = set()
    for p in procs:
        parent = p.get("parent")
        if parent is None:
            g.add(p["zh"], colspan=n, header=True)
        elif parent not in done_parents:
            done_parents.add(parent)
            g.add(parent, colspan=n * sum(1 for q in procs if q.get("parent") == parent), header=True)
    g.new_row()
    for p in procs:
        if p.get("parent") is None:
            for o in outcomes:
                g.add(o["zh"], rowspan=2, header=True)
        else:
            g.add(p["zh"], colspan=n, header=True)
    g.new_row()
    for p in procs:
        if p.get("parent") is not None:
            for o in outcomes:
                g.add(o["zh"], header=True)
    g.new_row()
    for p in procs:
        for o in outcomes:
            key = ("review_litigation", p["id"], o["id"])
            g.add(spec.text(key), key=key)
    return g.build(header_rows=3)


def _section_titles(spec: ReportSpec) -> dict[str, str]:
    titles = dict(SECTION_TITLES)
    for t in templates()["tables"].values():
        titles[t["section"]] = t["zh"]
    return {s: f"{s}、{titles[s]}" for s in SECTION_ORDER}


def _section_tables(spec: ReportSpec, compact: bool) -> dict[str, Grid]:
    sections = {t["section"]: tid for tid, t in templates()["tables"].items()}
    builders = {"proactive": lambda: proactive_grid(spec, compact), "requests": lambda: requests_grid(spec),
                "review_litigation": lambda: review_grid(spec)}
    return {s: builders[tid]() for s, tid in sections.items()}


def period_sentence(year: int) -> str:
    """The statistics-period sentence of the opening paragraph."""
    return f"本报告中所列数据的统计期限自{year}年1月1日起至{year}年12月31日止。"


def default_narrative(spec: ReportSpec) -> dict[str, list[str]]:
    """Short section texts. Section 一 quotes the table-三 totals when they are printed as plain numbers, so
    a narrative-vs-table check (N-1) has something to compare."""
    def num(row: str, table: str = "requests", col: str = "total") -> str | None:
        t = spec.text((table, row, col))
        return t if t.isdigit() else None

    intro = [f"本报告根据《中华人民共和国政府信息公开条例》（以下简称《条例》）要求，由{spec.agency}编制。"
             f"{period_sentence(spec.year)}"]
    figures = [num(r) for r in ("new_received", "carried_over", "total_processed", "carried_forward")]
    if all(figures):
        intro.append(f"{spec.year}年，共收到政府信息公开申请{figures[0]}件，上年结转{figures[1]}件，"
                     f"办结{figures[2]}件，结转下年度继续办理{figures[3]}件。")
    review = num("admin_review", "review_litigation")
    if review:
        intro.append(f"全年因政府信息公开被申请行政复议{review}件。")
    return {
        "一": intro,
        "二": ["主动公开政府信息情况如下表。"],
        "三": ["收到和处理政府信息公开申请情况如下表。"],
        "四": ["政府信息公开行政复议、行政诉讼情况如下表。"],
        "五": ["政府信息公开工作仍存在公开内容不够全面、解读形式较为单一等问题。下一步将加强业务培训，"
               "提升公开质量。"],
        "六": ["本年度未收取政府信息公开信息处理费。"],
    }


def _narrative(spec: ReportSpec) -> dict[str, list[str]]:
    text = default_narrative(spec)
    text.update(spec.narrative)
    return text


# --------------------------------------------------------------------------------------------------------------
# HTML
# --------------------------------------------------------------------------------------------------------------

def _html_table(grid: Grid) -> str:
    out = [f'<table class="xxgk-{grid.table}" border="1" cellspacing="0" cellpadding="2" '
           'style="border-collapse:collapse">']
    for row in grid.row_anchors():
        out.append("<tr>")
        for c in row:
            attrs = (f' rowspan="{c.rowspan}"' if c.rowspan > 1 else "") + \
                    (f' colspan="{c.colspan}"' if c.colspan > 1 else "")
            # Word-exported pages write blank cells as &nbsp;; the reader has to treat it as blank
            body = html.escape(c.text) if c.text else "&nbsp;"
            out.append(f"<td{attrs}>{body}</td>")
        out.append("</tr>")
    out.append("</table>")
    return "\n".join(out)


def _chrome_news_table(year: int) -> str:
    """A site's news list: a ``<table>`` with dates and numbers that is not part of the report."""
    items = ["关于开展安全生产大检查的通知", "2季度重点工作推进情况通报", "第3批惠企政策申报指南",
             "关于公布12345热线办理情况的公告"]
    rows = "\n".join(f"<tr><td><a href=\"/news/{year + 1}{i:04d}.html\">{html.escape(t)}</a></td>"
                     f"<td>{year + 1}-0{i + 1}-1{i}</td><td>{137 * (i + 2)}</td></tr>"
                     for i, t in enumerate(items))
    return (f'<table class="news-list"><tr><td>标题</td><td>发布日期</td><td>浏览次数</td></tr>\n'
            f"{rows}\n</table>")


@overload
def render_html(spec: ReportSpec, encoding: None = None, chrome: bool = False) -> str: ...
@overload
def render_html(spec: ReportSpec, encoding: str, chrome: bool = False) -> bytes: ...


def render_html(spec: ReportSpec, encoding: str | None = None, chrome: bool = False) -> str | bytes:
    """The report as a full web page (UTF-8 text), or as bytes in ``encoding``.

    With an encoding the page declares ``<meta charset="gb2312">`` whatever the actual encoding is, as many
    government sites do (GB18030 bytes under a GB2312 label). ``chrome=True`` wraps the article in site
    navigation and a news-list table the reader must skip.
    """
    charset = "utf-8" if encoding is None else "gb2312"
    narrative = _narrative(spec)
    tables = _section_tables(spec, compact=False)
    titles = _section_titles(spec)
    body = [f"<h1>{html.escape(spec.title)}</h1>"]
    for s in SECTION_ORDER:
        body.append(f"<h2>{html.escape(titles[s])}</h2>")
        body += [f"<p>{html.escape(p)}</p>" for p in narrative.get(s, [])]
        if s in tables:
            body.append(_html_table(tables[s]))
    article = '<div class="article">\n' + "\n".join(body) + "\n</div>"
    if chrome:
        article = (
            '<div class="nav"><a href="/">首页</a> &gt; <a href="/zwgk/">政务公开</a> &gt; '
            '<a href="/zwgk/nb/">政府信息公开年报</a></div>\n'
            f'<div class="sidebar"><h3>最新动态</h3>\n{_chrome_news_table(spec.year)}\n</div>\n'
            f"{article}\n"
            '<div class="footer">主办单位：' + html.escape(spec.agency) + " 网站标识码：3700000001 "
            "ICP备案号：鲁ICP备05001234号</div>"
        )
    page = (f'<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n<meta charset="{charset}">\n'
            f"<title>{html.escape(spec.title)}</title>\n</head>\n<body>\n{article}\n</body>\n</html>\n")
    return page if encoding is None else page.encode(encoding)


# --------------------------------------------------------------------------------------------------------------
# Text and Markdown
# --------------------------------------------------------------------------------------------------------------

def render_text(spec: ReportSpec, cell_per_line: bool = False) -> str:
    """Plain text like a copy of the web page: table rows one per line, cells separated by tabs.

    A column span is one field; a label column merged from a row above is an empty field, so every data
    row of table 三 ends with its 7 values. ``cell_per_line`` writes every cell on its own line, a
    blank cell as a no-break space and an empty line after each row, as a word processor saves a table
    as text (or a PDF viewer copies one).
    """
    narrative = _narrative(spec)
    tables = _section_tables(spec, compact=True)
    titles = _section_titles(spec)
    lines = [spec.title, ""]
    for s in SECTION_ORDER:
        lines.append(titles[s])
        lines += narrative.get(s, [])
        if s in tables:
            for fields in tables[s].line_fields():
                if cell_per_line:
                    lines += [f or "\u00a0" for f in fields] + [""]
                else:
                    lines.append("\t".join(fields))
        lines.append("")
    return "\n".join(lines)


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|")


def _md_table(grid: Grid) -> str:
    rows = grid.expanded()
    out = ["| " + " | ".join(_md_cell(t) for t in rows[0]) + " |",
           "|" + "---|" * grid.n_cols]
    out += ["| " + " | ".join(_md_cell(t) for t in r) + " |" for r in rows[1:]]
    return "\n".join(out)


def render_markdown(spec: ReportSpec) -> str:
    """Markdown with ``|`` tables; merged cells print their text once, at their top-left position."""
    narrative = _narrative(spec)
    tables = _section_tables(spec, compact=True)
    titles = _section_titles(spec)
    parts = [f"# {spec.title}"]
    for s in SECTION_ORDER:
        parts.append(f"## {titles[s]}")
        parts += narrative.get(s, [])
        if s in tables:
            parts.append(_md_table(tables[s]))
    return "\n\n".join(parts) + "\n"


# --------------------------------------------------------------------------------------------------------------
# DOCX
# --------------------------------------------------------------------------------------------------------------

def render_docx(spec: ReportSpec, path: str | Path) -> Path:
    """Write a Word document whose tables use real merged cells (``gridSpan``/``vMerge`` via ``cell.merge``)."""
    import docx
    from docx.oxml.ns import qn

    document = docx.Document()
    normal = document.styles["Normal"]
    normal.font.name = "SimSun"
    # Word picks the CJK font from eastAsia; without it Chinese falls back to whatever the viewer has
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "宋体")
    narrative = _narrative(spec)
    tables = _section_tables(spec, compact=False)
    titles = _section_titles(spec)
    document.add_heading(spec.title, level=1)
    for s in SECTION_ORDER:
        document.add_heading(titles[s], level=2)
        for p in narrative.get(s, []):
            document.add_paragraph(p)
        if s in tables:
            grid = tables[s]
            table = document.add_table(rows=grid.n_rows, cols=grid.n_cols)
            table.style = "Table Grid"
            for c in grid.cells:
                cell = table.cell(c.row, c.col)
                if c.rowspan > 1 or c.colspan > 1:
                    cell = cell.merge(table.cell(c.row + c.rowspan - 1, c.col + c.colspan - 1))
                cell.text = c.text
    path = Path(path)
    document.save(str(path))
    return path


# --------------------------------------------------------------------------------------------------------------
# PDF
# --------------------------------------------------------------------------------------------------------------

CJK_FONT = "STSong-Light"


@functools.cache
def _register_cjk_font() -> str:
    """Register reportlab's built-in Adobe CID font: no font file needed, and pdfplumber maps it back to
    Unicode (checked by the tests), so the text layer reads as Chinese rather than (cid:NN)."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))
    return CJK_FONT


def _pdf_table(grid: Grid, rows: Sequence[int], col_widths: Sequence[float], label_style: Any) -> Any:
    """A reportlab Table for the given grid rows; spans crossing the cut are clipped to it and a cell whose
    anchor lies above the cut continues as an empty cell, as Word does when a merged cell breaks."""
    from reportlab.lib import colors
    from reportlab.platypus import Paragraph, Table, TableStyle

    index = {r: i for i, r in enumerate(rows)}
    data: list[list[Any]] = [["" for _ in range(grid.n_cols)] for _ in rows]
    style: list[tuple[Any, ...]] = [
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("FONT", (0, 0), (-1, -1), CJK_FONT, 8),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("ALIGN", (0, 0), (-1, -1), "CENTER"),
    ]
    for c in grid.cells:
        covered = [r for r in range(c.row, c.row + c.rowspan) if r in index]
        if not covered:
            continue
        top, bottom = index[covered[0]], index[covered[-1]]
        if c.row in index and c.text:
            data[top][c.col] = Paragraph(html.escape(c.text), label_style) if c.header else c.text
        if bottom > top or c.colspan > 1:
            style.append(("SPAN", (c.col, top), (c.col + c.colspan - 1, bottom)))
    return Table(data, colWidths=list(col_widths), style=TableStyle(style))


def render_pdf(spec: ReportSpec, path: str | Path, break_inside_t3: bool = True,
               repeat_header: bool = False) -> Path:
    """Write a text-layer PDF with ruled tables (reportlab, font STSong-Light).

    With ``break_inside_t3`` table 三 is cut after :data:`PDF_BREAK_AFTER` and continues on the next page,
    with its three header rows repeated if ``repeat_header``; a real PDF reader meets both.
    """
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import KeepTogether, PageBreak, Paragraph, SimpleDocTemplate, Spacer

    font = _register_cjk_font()
    body = ParagraphStyle("body", fontName=font, fontSize=10.5, leading=16, firstLineIndent=21,
                          wordWrap="CJK")
    h1 = ParagraphStyle("h1", fontName=font, fontSize=16, leading=24, alignment=1, spaceAfter=10)
    h2 = ParagraphStyle("h2", fontName=font, fontSize=12, leading=18, spaceBefore=6, spaceAfter=4)
    label = ParagraphStyle("label", fontName=font, fontSize=8, leading=10, alignment=1, wordWrap="CJK")
    path = Path(path)
    doc = SimpleDocTemplate(str(path), pagesize=A4, leftMargin=50, rightMargin=50, topMargin=50,
                            bottomMargin=50, title=spec.title, author=spec.agency)
    width = doc.width
    narrative = _narrative(spec)
    tables = _section_tables(spec, compact=False)
    titles = _section_titles(spec)
    story: list[Any] = [Paragraph(html.escape(spec.title), h1)]
    for s in SECTION_ORDER:
        head = [Paragraph(html.escape(titles[s]), h2)]
        head += [Paragraph(html.escape(p), body) for p in narrative.get(s, [])]
        grid = tables.get(s)
        if grid is None:
            story += head
            continue
        if grid.table == "requests":
            widths = [28, 60, 140] + [(width - 228) / 7] * 7
        elif grid.table == "proactive":
            widths = [130] + [(width - 130) / (grid.n_cols - 1)] * (grid.n_cols - 1)
        else:
            widths = [width / grid.n_cols] * grid.n_cols
        all_rows = list(range(grid.n_rows))
        if grid.table == "requests" and break_inside_t3:
            ids = [r["id"] for r in request_rows(spec.template)]
            cut = grid.header_rows + ids.index(PDF_BREAK_AFTER) + 1
            second = (all_rows[:grid.header_rows] if repeat_header else []) + all_rows[cut:]
            # heading and first part move to a fresh page together if they do not fit, so the break we
            # place is the only one inside the table
            story.append(KeepTogether(head + [_pdf_table(grid, all_rows[:cut], widths, label)]))
            story += [PageBreak(), _pdf_table(grid, second, widths, label)]
        elif grid.table == "proactive":
            # table 二 has no vertical merges, so reportlab may split it across pages freely
            story += head + [_pdf_table(grid, all_rows, widths, label)]
        else:
            story.append(KeepTogether(head + [_pdf_table(grid, all_rows, widths, label)]))
        story.append(Spacer(1, 6))
    doc.build(story)
    return path


# --------------------------------------------------------------------------------------------------------------
# Bundled samples
# --------------------------------------------------------------------------------------------------------------

SAMPLES_CSV = "data/samples.csv"
SAMPLE_COLUMNS = ("agency", "year", "template", "table", "row", "col", "value", "note")


def read_samples_csv(path: str | Path | None = None) -> list[dict[str, str]]:
    """The rows of ``samples.csv`` (the packaged one unless ``path`` is given), as dicts of strings."""
    if path is None:
        text = importlib.resources.files("discl").joinpath(SAMPLES_CSV).read_text(encoding="utf-8")
    else:
        text = Path(path).read_text(encoding="utf-8")
    # keep_default_na-style surprises are why this is csv, not pandas: '' must stay '' and '—' stay '—'
    return list(csv.DictReader(io.StringIO(text)))


def load_samples(path: str | Path | None = None) -> list[ReportSpec]:
    """One :class:`ReportSpec` per (agency, year) in ``samples.csv``, in file order."""
    groups: dict[tuple[str, int, str], dict[Key, str]] = defaultdict(dict)
    for row in read_samples_csv(path):
        groups[(row["agency"], int(row["year"]), row["template"])][(row["table"], row["row"], row["col"])] = \
            row["value"]
    return [ReportSpec(agency=a, year=y, template=t, cells=cells)  # type: ignore[arg-type]
            for (a, y, t), cells in groups.items()]


#: Formats the samples cycle through; "html-gb18030" is the GB18030 page with site chrome.
SAMPLE_FORMATS = ("html", "pdf", "docx", "txt", "md", "html-gb18030")


def write_samples(out_dir: str | Path) -> list[str]:
    """Render every sample of ``samples.csv`` into ``out_dir`` in a mix of formats; returns the paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths: list[str] = []
    for i, spec in enumerate(load_samples()):
        fmt = SAMPLE_FORMATS[i % len(SAMPLE_FORMATS)]
        stem = out / spec.title
        if fmt == "html":
            p = stem.with_suffix(".html")
            p.write_text(render_html(spec), encoding="utf-8")
        elif fmt == "html-gb18030":
            p = stem.with_suffix(".htm")
            p.write_bytes(render_html(spec, encoding="gb18030", chrome=True))
        elif fmt == "txt":
            p = stem.with_suffix(".txt")
            p.write_text(render_text(spec), encoding="utf-8")
        elif fmt == "md":
            p = stem.with_suffix(".md")
            p.write_text(render_markdown(spec), encoding="utf-8")
        elif fmt == "docx":
            p = render_docx(spec, stem.with_suffix(".docx"))
        else:
            # alternate the repeated header between rounds of the cycle so both PDF shapes are among the samples
            p = render_pdf(spec, stem.with_suffix(".pdf"), repeat_header=bool((i // len(SAMPLE_FORMATS)) % 2))
        paths.append(str(p))
    return paths
