"""The figures of one report to render (:class:`ReportSpec`) and consistent random figures for it.

Which cells a report has comes from :mod:`discl.templates`; the generators here only decide the numbers,
and they satisfy the template's arithmetic (T3-R1..R3, T4-R1..R3) exactly, so a rendered report that reads
back with an issue points at the reader.

>>> import random
>>> s = random_spec(random.Random(7), template="gb2021")
>>> s.title
'示例区人民政府2023年政府信息公开工作年度报告'
>>> len(s.cells) == len(cell_keys("gb2021"))
True
"""
from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from typing import Mapping, Sequence

from .. import templates as T
from ..templates import Block, Column, Row

Key = tuple[str, str, str]
"""A value cell: (table id, row id, column id), e.g. ``("requests", "granted", "natural_person")``."""

Template = str
"""A template id, one of :data:`TEMPLATES` (checked at runtime)."""
TEMPLATES: tuple[str, ...] = T.TEMPLATE_IDS

#: Report years :func:`random_spec` draws from when neither template nor year is given.
RANDOM_YEARS = (min(t.years[0] for t in map(T.template, T.TEMPLATE_IDS) if t.years[0] is not None), 2024)


def check_template(template: str) -> str:
    """``template`` if it is a known template id, else a ValueError naming the valid ones.

    >>> check_template("gb2021")
    'gb2021'
    >>> check_template("gb2030")
    Traceback (most recent call last):
    ...
    ValueError: template must be one of ('gb2019', 'gb2021'), got 'gb2030'
    """
    if template not in TEMPLATES:
        raise ValueError(f"template must be one of {TEMPLATES}, got {template!r}")
    return template


def default_template(year: int) -> Template:
    """The template a report of ``year`` uses when nothing else is known (:func:`templates.template_for_year`).

    >>> default_template(2020), default_template(2021)
    ('gb2019', 'gb2021')
    """
    template = T.template_for_year(year)
    if template is None:
        raise ValueError(f"no template governs reports of {year}")
    return template


def typical_year(template: str) -> int:
    """A report year of ``template``: the last year it governs, or two years into the open-ended one.

    >>> typical_year("gb2019"), typical_year("gb2021")
    (2020, 2023)
    """
    first, last = T.template(check_template(template)).years
    if last is not None:
        return last
    if first is None:
        raise ValueError(f"template {template} has no years")
    return first + 2


# --------------------------------------------------------------------------------------------------------------
# Which cells a template has
# --------------------------------------------------------------------------------------------------------------

def proactive_blocks(template: str) -> tuple[Block, ...]:
    """The blocks of table 二 for ``template`` (caption, item ids, measure ids).

    >>> [b.measures for b in proactive_blocks("gb2021")][1:]
    [('decisions',), ('decisions',), ('fee_amount',)]
    """
    return T.template(check_template(template)).blocks


def request_rows(template: str) -> tuple[Row, ...]:
    """The data rows of table 三 for ``template``, in printed order (23 for gb2019, 25 for gb2021).

    >>> [r.id for r in request_rows("gb2019")][-3:]
    ['other_handling', 'total_processed', 'carried_forward']
    """
    return T.table("requests").rows(check_template(template))


def request_columns() -> tuple[Column, ...]:
    """The seven value columns of table 三 (six applicant kinds, then 总计).

    >>> [c.id for c in request_columns()][-2:]
    ['other_org', 'total']
    """
    return T.table("requests").columns()


def cell_keys(template: str) -> list[Key]:
    """Every value cell of ``template`` in reading order: table 二, then 三, then 四.

    Handy for hypothesis: ``st.fixed_dictionaries({k: st.integers(0, 999) for k in cell_keys("gb2021")})``.

    >>> keys = cell_keys("gb2021")
    >>> keys[0], keys[-1], len(keys)
    (('proactive', 'rules', 'issued'), ('review_litigation', 'litigation_after_review', 'total'), 200)
    """
    return T.template(check_template(template)).cells()


def flow_rows() -> tuple[str, str, str, str]:
    """Table 三's four flow rows from their roles: the two inflows (新收, 上年结转), then the two outflows
    (总计 handled, 结转下年度), in the order T3-R1 writes them.

    >>> flow_rows()
    ('new_received', 'carried_over', 'total_processed', 'carried_forward')
    """
    t = T.table("requests")
    (new, over), (handled, forward) = t.rows_with_role("inflow"), t.rows_with_role("outflow")
    return new.id, over.id, handled.id, forward.id


def outcome_rows(template: str) -> list[str]:
    """Table 三's outcome rows of ``template`` (those summing to （七）总计), in printed order.

    >>> outcome_rows("gb2019")[-1], outcome_rows("gb2021")[-1]
    ('other_handling', 'other_handling.other')
    """
    return [r.id for r in T.table("requests").rows_with_role("outcome", check_template(template))]


def applicant_columns() -> list[str]:
    """Table 三's six applicant columns (they sum to 总计).

    >>> applicant_columns()[:2]
    ['natural_person', 'commercial']
    """
    return [c.id for c in T.table("requests").columns_with_role("applicant")]


# --------------------------------------------------------------------------------------------------------------
# The report
# --------------------------------------------------------------------------------------------------------------

def format_value(value: object) -> str:
    """Cell text for a python value: ``None`` → blank, ``12`` → ``'12'``, ``350.40`` → ``'350.4'``.

    >>> format_value(None), format_value(12), format_value(350.40), format_value(3.0), format_value("—")
    ('', '12', '350.4', '3', '—')
    """
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

    ``cells`` maps (table, row, col) ids (as in :mod:`discl.templates`) to the exact printed cell text, e.g.
    ``'12'``, ``'0'``, ``''`` (blank), ``'—'``, ``'/'``, ``'251000元'``, ``'+19'``, ``'350.4'``. A cell the
    template has but ``cells`` lacks is printed blank. ``narrative`` maps a section numeral (``'一'``…``'六'``)
    to its paragraphs; sections left out get a short default text built from the figures.

    >>> s = ReportSpec("某局", 2022, "gb2021", {("requests", "granted", "total"): "3"})
    >>> s.title, s.text(("requests", "granted", "total")), s.text(("requests", "granted", "research"))
    ('某局2022年政府信息公开工作年度报告', '3', '')
    """

    agency: str
    year: int
    template: Template
    cells: dict[Key, str]
    narrative: dict[str, list[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        check_template(self.template)
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
        """Build a spec from python values (ints, floats, ``None`` for blank, or already-printed strings).

        >>> s = ReportSpec.from_values({("proactive", "admin_fees", "fee_amount"): 12.50}, year=2021)
        >>> s.template, s.cells
        ('gb2021', {('proactive', 'admin_fees', 'fee_amount'): '12.5'})
        """
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

    >>> fill_matrix([5, 3], [4, 4])
    [[3, 2], [1, 2]]
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
    """Split ``total`` into ``len(weights)`` non-negative integers, roughly in proportion to ``weights``.

    >>> sum(split_total(random.Random(0), 100, [3, 1, 1]))
    100
    """
    if total == 0:
        return [0] * len(weights)
    return round_to([w * rng.uniform(0.3, 1.7) for w in weights], total)


def round_to(weights: Sequence[float], total: int) -> list[int]:
    """Integers in proportion to ``weights`` that add up to ``total`` (largest remainder).

    >>> round_to([1, 1, 1], 10)
    [4, 3, 3]
    """
    s = sum(weights) or 1.0
    exact = [w * total / s for w in weights]
    out = [math.floor(x) for x in exact]
    for j in sorted(range(len(exact)), key=lambda j: exact[j] - out[j], reverse=True)[: total - sum(out)]:
        out[j] += 1
    return out


#: Rough share of each outcome among handled requests (real reports: most are granted or 不掌握).
OUTCOME_WEIGHT = {"granted": 8, "partially_granted": 2, "unable.not_held": 6, "unable.unclear": 1,
                  "not_processed.repeated": 1, "not_processed.complaint": 1, "other_handling.other": 0.5}
#: Rough share of each applicant kind (real reports: nearly all requests come from natural persons).
APPLICANT_WEIGHT = {"natural_person": 30, "commercial": 2, "research": 0.1, "social_org": 0.3,
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

    >>> v = requests_values("gb2021", [5, 1, 0, 0, 0, 0], [1, 0, 0, 0, 0, 0], [2, 0, 0, 0, 0, 0], {"granted": 5})
    >>> v[("requests", "total_processed", "total")], v[("requests", "granted", "natural_person")]
    (5, 4)
    """
    apps = applicant_columns()
    new_id, over_id, processed_id, forward_id = flow_rows()
    processed = [n + o - f for n, o, f in zip(new_received, carried_over, carried_forward)]
    if min(processed) < 0:
        raise ValueError("carried_forward exceeds what was available in some column")
    outcome_ids = outcome_rows(template)
    unknown = set(outcomes) - set(outcome_ids)
    if unknown:
        raise ValueError(f"outcome rows not in {template}: {sorted(unknown)}")
    row_totals = [outcomes.get(o, 0) for o in outcome_ids]
    matrix = fill_matrix(row_totals, processed)
    rows = {new_id: list(new_received), over_id: list(carried_over),
            processed_id: processed, forward_id: list(carried_forward)}
    rows.update(zip(outcome_ids, matrix))
    total_col = T.table("requests").columns_with_role("total")[0].id
    out: dict[Key, int] = {}
    for row_id, vals in rows.items():
        for col, v in zip(apps, vals):
            out[("requests", row_id, col)] = v
        out[("requests", row_id, total_col)] = sum(vals)
    return out


def review_values(rows: Mapping[str, Sequence[int]]) -> dict[Key, int]:
    """Table 四 values from the four outcome counts of each proceeding; 总计 is their sum (T4-R1..R3).

    A proceeding may be given with its total as a fifth number, which is checked rather than trusted.

    >>> v = review_values({"admin_review": [1, 2, 0, 1]})
    >>> v[("review_litigation", "admin_review", "total")], v[("review_litigation", "litigation_direct", "total")]
    (4, 0)
    """
    t = T.table("review_litigation")
    n_parts = len(t.columns_with_role("part"))
    outcomes = [o.id for o in t.columns()]
    out: dict[Key, int] = {}
    for p in t.rows():
        parts = list(rows.get(p.id, [0] * n_parts))
        if len(parts) == n_parts + 1:  # given with its total: check rather than trust it
            if sum(parts[:n_parts]) != parts[n_parts]:
                raise ValueError(f"{p.id}: total {parts[n_parts]} != sum {sum(parts[:n_parts])}")
            parts = parts[:n_parts]
        for o, v in zip(outcomes, parts + [sum(parts)]):
            out[("review_litigation", p.id, o)] = v
    return out


def random_values(rng: random.Random, template: Template, scale: int = 200) -> dict[Key, object]:
    """A full, arithmetically consistent set of figures for one report (all tables).

    >>> v = random_values(random.Random(1), "gb2019")
    >>> sorted(v) == sorted(cell_keys("gb2019"))
    True
    """
    weights = [APPLICANT_WEIGHT[a] for a in applicant_columns()]
    n_new = rng.randint(0, scale)
    new = split_total(rng, n_new, weights)
    co = split_total(rng, rng.randint(0, max(1, scale // 10)), weights)
    cf = [rng.randint(0, n + o) // 3 for n, o in zip(new, co)]
    handled = sum(new) + sum(co) - sum(cf)
    outcome_ids = outcome_rows(template)
    out_w = [OUTCOME_WEIGHT.get(o, 0.2) for o in outcome_ids]
    outcomes = dict(zip(outcome_ids, split_total(rng, handled, out_w)))
    values: dict[Key, object] = dict(requests_values(template, new, co, cf, outcomes))
    n_parts = len(T.table("review_litigation").columns_with_role("part"))
    values.update(review_values({p.id: [rng.randint(0, 5) for _ in range(n_parts)]
                                 for p in T.table("review_litigation").rows()}))
    for block in proactive_blocks(template):
        for item in block.items:
            for m in block.measures:
                values[("proactive", item, m)] = random_measure(rng, m)
    return values


def random_measure(rng: random.Random, measure: str) -> object:
    """One plausible table-二 cell, typed by the measure's kind (count, signed 本年增/减, money).

    >>> random_measure(random.Random(0), "items_change")
    '+4'
    """
    kind = T.table("proactive").column(measure).kind
    if kind == "signed":
        v = rng.randint(-20, 20)
        return f"{v:+d}" if v else "0"
    if kind == "money":
        return round(rng.uniform(0, 5000), rng.choice([0, 1, 2]))
    return rng.randint(0, 3000)


def random_spec(rng: random.Random, template: Template | None = None, year: int | None = None,
                agency: str = "示例区人民政府") -> ReportSpec:
    """A random, consistent :class:`ReportSpec`; pass ``random.Random(seed)`` or hypothesis' ``st.randoms()``.

    Without a template the year (drawn from :data:`RANDOM_YEARS` if not given) decides it.

    >>> s = random_spec(random.Random(3), year=2019)
    >>> s.template, s.year
    ('gb2019', 2019)
    """
    if template is not None:
        check_template(template)
    if year is None:
        year = rng.randint(*RANDOM_YEARS) if template is None else typical_year(template)
    template = template or default_template(year)
    return ReportSpec.from_values(random_values(rng, template), agency=agency, year=year, template=template)
