"""The official templates as typed objects: the only reader of ``data/templates.yaml``.

Everything discl knows about the report layouts — tables, rows and columns with their labels and roles,
the blocks of table 二, the sections of a report, table markers, the arithmetic identities, units, cell
tokens, the year → template rule — comes from here, so a new label variant or template is a data change.

>>> from discl import templates as T
>>> T.template_for_year(2020), T.template_for_year(2023)
('gb2019', 'gb2021')
>>> [r.id for r in T.table("requests").rows_with_role("inflow")]
['new_received', 'carried_over']
>>> T.identity("T3-R1").instances("gb2021")[0].parts
(('new_received', 'natural_person'), ('carried_over', 'natural_person'))
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

import yaml

from .normalize import NUM_PREFIX, NUM_SUFFIX, NUMBERING, normalize_label, same_number, strip_numbering

__all__ = [
    "NUMBERING", "NUM_PREFIX", "NUM_SUFFIX", "TABLE_IDS", "TEMPLATE_IDS", "Block", "Column", "Group",
    "Identity", "Instance", "Row", "Section", "TableDef", "Template", "detect_template", "identities",
    "identity", "normalize_label", "null_tokens", "provinces", "same_number", "section", "sections",
    "table", "template", "template_for_year", "template_of_keys", "units", "zh_label",
    "LegacyDef", "LegacyGroup", "LegacyRow", "NarrativePattern", "legacy",
]

Key = tuple[str, str]  # (row id, col id) inside one table


@lru_cache(maxsize=1)
def _data() -> dict:
    text = resources.files("discl").joinpath("data/templates.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


TEMPLATE_IDS: tuple[str, ...] = tuple(_data()["templates"])
TABLE_IDS: tuple[str, ...] = tuple(_data()["tables"])

# --------------------------------------------------------------------------------------------------
# rows, columns, groups


@dataclass(frozen=True)
class Row:
    """A data row (table 三), item (table 二) or proceeding (table 四)."""

    table: str
    id: str
    zh: str
    cores: tuple[str, ...]  # normalised match strings, longest first
    number: str  # normalised numbering prefix ('1.', '(一)', '一、'), '' if none
    group: str | None
    exact: bool  # match only when the label (minus numbering) is exactly a core
    templates: tuple[str, ...]
    role: str | None = None  # table 三: 'inflow' / 'outflow' / 'outcome'
    labels: Mapping[str, str] = field(default_factory=dict)  # template → label printed differently
    full: tuple[str, ...] = ()  # the printed labels, normalised, numbering removed

    def label(self, template: str | None = None) -> str:
        """The printed label (``template`` picks a variant, e.g. gb2019's 规范性文件)."""
        return self.labels.get(template or "", self.zh)


@dataclass(frozen=True)
class Column:
    """A value column: an applicant kind (三), a measure (二) or an outcome (四)."""

    table: str
    id: str
    zh: str
    cores: tuple[str, ...]
    group: str | None
    exact: bool
    templates: tuple[str, ...]
    role: str | None = None  # 'applicant' / 'total' (三), 'part' / 'total' (四)
    unit: str | None = None
    kind: str = "count"  # 'count', 'signed' (本年增/减) or 'money'
    labels: Mapping[str, str] = field(default_factory=dict)
    number: str = ""  # columns carry no numbering; here so that rows and columns match alike

    def label(self, template: str | None = None) -> str:
        return self.labels.get(template or "", self.zh)


@dataclass(frozen=True)
class Group:
    """A merged label over rows (（三）不予公开) or columns (法人或其他组织, 行政诉讼)."""

    table: str
    id: str
    zh: str
    cores: tuple[str, ...]
    number: str = ""
    exact: bool = False
    group: str | None = None
    templates: tuple[str, ...] = ()


@dataclass(frozen=True)
class Block:
    """One block of table 二: its caption, items and measures."""

    caption: str
    items: tuple[str, ...]
    measures: tuple[str, ...]


def _cores(entry: dict, with_labels: bool = True) -> tuple[str, ...]:
    labels = {entry["zh"], *entry.get("zh_by", {}).values()} if with_labels and not entry.get("exact") else set()
    full = {strip_numbering(normalize_label(z)) for z in labels}
    return tuple(sorted({normalize_label(m) for m in entry.get("match", [])} | full, key=len, reverse=True))


def _row(table: str, e: dict, default_role: str | None = None) -> Row:
    full = tuple(strip_numbering(normalize_label(z)) for z in {e["zh"], *e.get("zh_by", {}).values()})
    return Row(table, e["id"], e["zh"], _cores(e), normalize_label(e.get("number", "")), e.get("group"),
               bool(e.get("exact", False)), tuple(e.get("in", TEMPLATE_IDS)), e.get("role", default_role),
               dict(e.get("zh_by", {})), full)


def _column(table: str, e: dict) -> Column:
    return Column(table, e["id"], e["zh"], _cores(e), e.get("group"), bool(e.get("exact", False)),
                  tuple(e.get("in", TEMPLATE_IDS)), e.get("role"), e.get("unit"), e.get("type", "count"),
                  dict(e.get("zh_by", {})))


def _group(table: str, e: dict) -> Group:
    return Group(table, e["id"], e["zh"], _cores(e), normalize_label(e.get("number", "")), False, e.get("group"),
                 tuple(TEMPLATE_IDS))


# --------------------------------------------------------------------------------------------------
# tables


@dataclass(frozen=True)
class TableDef:
    """One of the three report tables, with every row and column any template has."""

    id: str
    zh: str
    section: str  # the section numeral ('二')
    all_rows: tuple[Row, ...]
    all_columns: tuple[Column, ...]
    row_groups: tuple[Group, ...] = ()
    column_groups: tuple[Group, ...] = ()
    starts: tuple[re.Pattern, ...] = ()  # patterns (normalised text) that open the table
    pdf_words: tuple[str, ...] = ()
    pdf_strong: tuple[str, ...] = ()
    header: str = ""  # the header spanning the value columns (三: 申请人情况)
    corner_note: str = ""
    unit: str | None = None  # the unit of every cell (三, 四: 件); table 二's units are per measure

    def rows(self, template: str | None = None) -> tuple[Row, ...]:
        """Rows in printed order; with ``template`` only those it prints."""
        return self.all_rows if template is None else tuple(r for r in self.all_rows if template in r.templates)

    def columns(self, template: str | None = None) -> tuple[Column, ...]:
        return self.all_columns if template is None else tuple(
            c for c in self.all_columns if template in c.templates)

    def row(self, id_: str) -> Row:
        for r in self.all_rows:
            if r.id == id_:
                return r
        raise KeyError(f"table {self.id} has no row {id_!r}")

    def column(self, id_: str) -> Column:
        for c in self.all_columns:
            if c.id == id_:
                return c
        raise KeyError(f"table {self.id} has no column {id_!r}")

    def rows_with_role(self, role: str, template: str | None = None) -> tuple[Row, ...]:
        return tuple(r for r in self.rows(template) if r.role == role)

    def columns_with_role(self, role: str) -> tuple[Column, ...]:
        return tuple(c for c in self.all_columns if c.role == role)

    def row_group(self, id_: str) -> Group:
        return next(g for g in self.row_groups if g.id == id_)

    def outcome_rows(self, template: str | None, present: Iterable[str] = ()) -> tuple[str, ...]:
        """Table 三 rows that sum to （七）总计 (T3-R2), each group in the form ``present`` shows.

        A group printed as one row (gb2019 （六）其他处理) or as sub-rows (gb2021 other_handling.*) is
        taken in whichever form the report prints (real reports mix them); the template decides only when
        neither form is present.

        >>> table("requests").outcome_rows("gb2021", {"other_handling"})[-1]
        'other_handling'
        """
        present = set(present)
        outcomes = [r.id for r in self.all_rows if r.role == "outcome"]
        base = [r.id for r in self.rows(template or TEMPLATE_IDS[-1]) if r.role == "outcome"]
        rows = list(base)
        for grp in [r for r in outcomes if any(s.startswith(r + ".") for s in outcomes)]:
            subs = [s for s in outcomes if s.startswith(grp + ".")]
            form = subs if present & set(subs) else [grp] if grp in present else None
            if form is None:
                continue
            rows = [r for r in rows if r != grp and not r.startswith(grp + ".")] + form
        order = {r: i for i, r in enumerate(outcomes)}
        return tuple(sorted(rows, key=order.__getitem__))


@lru_cache(maxsize=1)
def _tables() -> dict[str, TableDef]:
    d = _data()
    out: dict[str, TableDef] = {}
    for tid, t in d["tables"].items():
        kw = dict(id=tid, zh=t["zh"], section=t["section"],
                  starts=tuple(re.compile(p) for p in t.get("starts", [])),
                  pdf_words=tuple(t.get("pdf_words", [])), pdf_strong=tuple(t.get("pdf_strong", [])),
                  unit=t.get("unit"))
        if tid == "proactive":
            p = d["proactive"]
            out[tid] = TableDef(all_rows=tuple(_row(tid, e) for e in p["items"]),
                                all_columns=tuple(_column(tid, e) for e in p["measures"]), **kw)
        elif tid == "requests":
            r = d["requests"]
            out[tid] = TableDef(all_rows=tuple(_row(tid, e, "outcome") for e in r["rows"]),
                                all_columns=tuple(_column(tid, e) for e in r["columns"]),
                                row_groups=tuple(_group(tid, e) for e in r["groups"]),
                                column_groups=tuple(_group(tid, e) for e in r["column_groups"]),
                                header=r["header"], corner_note=r["corner_note"], **kw)
        else:
            r = d["review_litigation"]
            out[tid] = TableDef(all_rows=tuple(_row(tid, e) for e in r["proceedings"]),
                                all_columns=tuple(_column(tid, e) for e in r["outcomes"]),
                                column_groups=(), row_groups=tuple(_group(tid, e) for e in r["proceeding_groups"]),
                                **kw)
    return out


def table(id_: str) -> TableDef:
    """``'proactive'`` (二), ``'requests'`` (三) or ``'review_litigation'`` (四)."""
    try:
        return _tables()[id_]
    except KeyError:
        raise ValueError(f"unknown table {id_!r}; use one of {', '.join(TABLE_IDS)}") from None


# --------------------------------------------------------------------------------------------------
# templates


@dataclass(frozen=True)
class Template:
    id: str
    notice: str
    years: tuple[int | None, int | None]
    markers: tuple[str, ...]
    blocks: tuple[Block, ...]

    def measures_of(self, item: str) -> tuple[str, ...]:
        """The measures this template prints for a table-二 item (its block's columns)."""
        for b in self.blocks:
            if item in b.items:
                return b.measures
        return ()

    def cells(self) -> list[tuple[str, str, str]]:
        """Every value cell (table, row, col) in reading order: 二, then 三, then 四."""
        keys = [("proactive", i, m) for b in self.blocks for i in b.items for m in b.measures]
        keys += [("requests", r.id, c.id) for r in table("requests").rows(self.id)
                 for c in table("requests").columns()]
        keys += [("review_litigation", p.id, o.id) for p in table("review_litigation").rows()
                 for o in table("review_litigation").columns()]
        return keys


@lru_cache(maxsize=1)
def _templates() -> dict[str, Template]:
    d = _data()
    out = {}
    for tid, t in d["templates"].items():
        blocks = tuple(Block(b["caption"], tuple(b["items"]), tuple(b["measures"]))
                       for b in d["proactive"]["blocks"][tid])
        out[tid] = Template(tid, t["notice"], tuple(t["years"]), tuple(t["markers"]), blocks)
    return out


def template(id_: str) -> Template:
    try:
        return _templates()[id_]
    except KeyError:
        raise ValueError(f"unknown template {id_!r}; use one of {', '.join(TEMPLATE_IDS)}") from None


def template_for_year(year: int | None) -> str | None:
    """The template a report of ``year`` uses when its tables carry no marker (format.md §1).

    Years before the first template are given the first (until pre-2019 reports have their own).

    >>> template_for_year(2019), template_for_year(2025), template_for_year(None)
    ('gb2019', 'gb2021', None)
    """
    if year is None:
        return None
    for t in _templates().values():
        lo, hi = t.years
        if (lo is None or year >= lo) and (hi is None or year <= hi):
            return t.id
    first = min(_templates().values(), key=lambda t: t.years[0] or 0)
    return first.id if year < (first.years[0] or 0) else None


def detect_template(text: str) -> tuple[str | None, dict[str, int]]:
    """Count each template's markers in ``text``; return the winner (None if no marker) and the counts.

    >>> detect_template("本年制发件数 现行有效件数")[0]
    'gb2021'
    """
    norm = normalize_label(text)
    counts = {t.id: sum(1 for m in t.markers if normalize_label(m) in norm) for t in _templates().values()}
    best = max(counts.values(), default=0)
    winners = [t for t, n in counts.items() if n == best]
    if best == 0:
        return None, counts
    if len(winners) > 1:
        return TEMPLATE_IDS[0], counts  # a tie: the older layout (its markers are the rarer ones)
    return winners[0], counts


def template_of_keys(keys: Iterable[tuple[str, str, str]]) -> str | None:
    """The template whose own rows and columns the read cells (table, row, col) use most; None on a tie.

    >>> template_of_keys([("proactive", "rules", "issued"), ("requests", "other_handling.other", "total")])
    'gb2021'
    >>> template_of_keys([("proactive", "rules", "issued"), ("requests", "other_handling", "total")]) is None
    True
    """
    own: dict[str, set[tuple[str, str]]] = {t: set() for t in TEMPLATE_IDS}
    for t in (table("proactive"), table("requests")):
        for entry in (*t.all_rows, *t.all_columns):
            if len(entry.templates) == 1:
                own[entry.templates[0]].add((t.id, entry.id))
    seen: set[tuple[str, str]] = set()
    for t, r, c in keys:
        seen.add((t, r))
        seen.add((t, c))
    hits = {k: len(v & seen) for k, v in own.items()}
    best = max(hits.values())
    winners = [k for k, n in hits.items() if n == best]
    return winners[0] if best and len(winners) == 1 else None


def zh_label(table_id: str, axis: str, id_: str, template_id: str | None = None) -> str:
    """Chinese label of a row or column id (``axis`` is 'row' or 'col'); the id itself if unknown.

    >>> zh_label("requests", "row", "granted"), zh_label("requests", "col", "natural_person")
    ('（一）予以公开', '自然人')
    >>> zh_label("proactive", "row", "normative_docs", "gb2019")
    '规范性文件'
    """
    t = table(table_id)
    for e in (t.all_rows if axis == "row" else t.all_columns):
        if e.id == id_:
            return e.label(template_id)
    for g in (t.row_groups if axis == "row" else t.column_groups):
        if g.id == id_:
            return g.zh
    return id_


# --------------------------------------------------------------------------------------------------
# sections


@dataclass(frozen=True)
class Section:
    id: str
    numeral: str
    zh: str
    table: str | None
    pattern: re.Pattern  # the heading, numeral included, on normalised text

    @property
    def title(self) -> str:
        return f"{self.numeral}、{self.zh}"


_NUMERAL = "[一二三四五六七八九]、"


@lru_cache(maxsize=1)
def sections() -> tuple[Section, ...]:
    """The numbered sections in template order (一 … 六)."""
    return tuple(Section(s["id"], s["numeral"], s["zh"], s.get("table"), re.compile(_NUMERAL + s["heading"]))
                 for s in _data()["sections"])


def section(id_: str) -> Section:
    return next(s for s in sections() if s.id == id_)


# --------------------------------------------------------------------------------------------------
# identities


@dataclass(frozen=True)
class Instance:
    """One equation of an identity: ``sum(parts) == sum(totals)``, cells as (row, col)."""

    rule: str
    row: str | None  # the row it is reported on (per-row rules)
    col: str | None  # the column (per-column rules)
    parts: tuple[Key, ...]
    totals: tuple[Key, ...]


@dataclass(frozen=True)
class Identity:
    id: str
    table: str
    per: str | None  # 'col', 'row' or None (one row: ``row``)
    row: str | None
    parts: Mapping
    totals: Mapping

    def _ids(self, spec: Mapping, axis: str, template: str | None, present: Iterable[str]) -> list[str]:
        t = table(self.table)
        if "role" in spec:
            if axis == "rows":
                if spec["role"] == "outcome":
                    return list(t.outcome_rows(template, present))
                return [r.id for r in t.rows_with_role(spec["role"], template)]
            return [c.id for c in t.columns_with_role(spec["role"])]
        return list(spec[axis])

    def instances(self, template: str | None = None, rows: Iterable[str] = ()) -> list[Instance]:
        """The equations for a report of ``template`` whose table holds ``rows`` (for per-row rules and
        the form of grouped outcome rows)."""
        t = table(self.table)
        rows = list(rows)
        if self.per == "col":
            parts = self._ids(self.parts, "rows", template, rows)
            totals = self._ids(self.totals, "rows", template, rows)
            return [Instance(self.id, None, c.id, tuple((r, c.id) for r in parts), tuple((r, c.id) for r in totals))
                    for c in t.all_columns]
        parts = self._ids(self.parts, "cols", template, rows)
        totals = self._ids(self.totals, "cols", template, rows)
        targets = [self.row] if self.row else (rows or [r.id for r in t.rows(template)])
        return [Instance(self.id, r, None, tuple((r, c) for c in parts), tuple((r, c) for c in totals))
                for r in targets]


@lru_cache(maxsize=1)
def identities() -> tuple[Identity, ...]:
    """Every identity of the templates (T3-R1, T3-R2, T3-R3, T4-R1..R3)."""
    return tuple(Identity(e["id"], e["table"], e.get("per"), e.get("row"), e["parts"], e["totals"])
                 for e in _data()["identities"])


def identity(id_: str) -> Identity:
    return next(i for i in identities() if i.id == id_)


# --------------------------------------------------------------------------------------------------
# cell tokens, units, places


@lru_cache(maxsize=1)
def units() -> dict[str, float]:
    """Money unit → factor to 万元."""
    return dict(_data()["units"])


@lru_cache(maxsize=1)
def ocr_confusions() -> dict[int, str]:
    """``str.translate`` table folding characters OCR confuses with a table label's (子 → 予).

    >>> "（三）不子公开".translate(ocr_confusions())
    '（三）不予公开'
    """
    return str.maketrans(dict(_data().get("ocr_confusions") or {}))


@lru_cache(maxsize=1)
def null_tokens() -> dict[str, str]:
    """Normalised cell text that means "no number here" → its flag (blank, dash, slash)."""
    out: dict[str, str] = {}
    for flag, toks in _data()["null_tokens"].items():
        for t in toks:
            out[normalize_label(t)] = flag
    return out


@lru_cache(maxsize=1)
def provinces() -> tuple[str, ...]:
    return tuple(_data()["provinces"])


def pdf_markers() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Words of the report tables for PDF page triage: (any of them, the strong ones)."""
    ts = _tables().values()
    return (tuple(w for t in ts for w in t.pdf_words), tuple(w for t in ts for w in t.pdf_strong))


def pdf_report_markers() -> tuple[str, ...]:
    """Words that make a PDF table one of the report tables (were the tables read, or only scanned?).

    >>> "勾稽" in pdf_report_markers()
    True
    """
    return _pdf_words("pdf_report")


def pdf_start_markers() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """What opens a report table in a PDF, so that it never continues the table on the page before:
    (words in its first row, text a header cell begins with).

    >>> pdf_start_markers()
    (('勾稽', '申请人情况', '行政复议'), ('信息内容',))
    """
    return _pdf_words("pdf_start"), _pdf_words("pdf_head")


def _pdf_words(key: str) -> tuple[str, ...]:
    return tuple(w for t in _data()["tables"].values() for w in t.get(key, []))


# --------------------------------------------------------------------------------------------------
# pre-2019 reports (template pre2019, table legacy)


@dataclass(frozen=True)
class LegacyRow:
    """A row of the ``legacy`` table (``part``: a printed sub-row or total that is not in the long table)."""

    id: str
    zh: str
    cores: tuple[str, ...]  # match strings (whitespace removed, NFKC), longest first
    unit: str | None
    part: bool = False
    comparable: tuple[tuple[str, tuple[str, ...], str], ...] = ()  # (table, rows, col) of the 2019+ cells


@dataclass(frozen=True)
class LegacyGroup:
    """Per column, ``parts`` sum to ``total`` (rule ``sum``) or each is at most it (``at_most``)."""

    total: str
    parts: tuple[str, ...]
    rule: str


@dataclass(frozen=True)
class NarrativePattern:
    """A sentence of the narrative giving a row's this-year figure (group ``n``) or a fixed ``value``."""

    row: str
    pattern: re.Pattern
    value: float | None = None
    unit: str | None = None


@dataclass(frozen=True)
class LegacyDef:
    """Everything discl knows of pre-2019 reports: the ``legacy`` table, its 统计表 labels, arithmetic and
    the narrative's sentences (``data/templates.yaml``, key ``legacy``).

    >>> L = legacy()
    >>> L.template, L.table, [c for c, _ in L.columns]
    ('pre2019', 'legacy', ['this_year', 'cumulative'])
    >>> [r.id for r in L.rows][:3]
    ['proactive_published', 'requests_received', 'granted']
    """

    template: str
    table: str
    years: tuple[int, int]
    title: re.Pattern
    not_report: tuple[str, ...]
    table_start: str
    table_units: tuple[str, ...]
    columns: tuple[tuple[str, str], ...]  # (id, zh)
    rows: tuple[LegacyRow, ...]
    parts: tuple[LegacyRow, ...]
    groups: tuple[LegacyGroup, ...]
    narrative: tuple[NarrativePattern, ...]

    def row(self, id_: str) -> LegacyRow:
        for r in self.rows + self.parts:
            if r.id == id_:
                return r
        raise KeyError(f"the legacy table has no row {id_!r}")

    def label(self, axis: str, id_: str) -> str:
        """Chinese label of a row or column (``axis`` 'row' or 'col') of the table; the id itself if unknown.

        >>> legacy().label("row", "granted"), legacy().label("col", "this_year"), legacy().label("col", "x")
        ('同意公开答复数', '本年度', 'x')
        """
        if axis == "col":
            return dict(self.columns).get(id_, id_)
        return next((r.zh for r in self.rows + self.parts if r.id == id_), id_)

    def governs(self, year: int | None) -> bool:
        """True for a report year the template governs (2008–2018)."""
        return year is not None and self.years[0] <= year <= self.years[1]


def _core(s: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", s))


@lru_cache(maxsize=1)
def legacy() -> LegacyDef:
    """The pre-2019 template and its ``legacy`` table (see :class:`LegacyDef`)."""
    d = _data()["legacy"]

    def row(e: dict, part: bool) -> LegacyRow:
        comp = e.get("comparable")
        comparable = ()
        if comp:
            rows = comp["row"] if isinstance(comp["row"], list) else [comp["row"]]
            comparable = ((comp["table"], tuple(rows), comp["col"]),)
        cores = tuple(sorted({_core(m) for m in e["match"]}, key=len, reverse=True))
        return LegacyRow(e["id"], e.get("zh", e["match"][0]), cores, e.get("unit"), part, comparable)

    narrative = []
    for rid, pats in d["narrative"].items():
        for p in pats:
            p = p if isinstance(p, dict) else {"pattern": p}
            narrative.append(NarrativePattern(rid, re.compile(p["pattern"]), p.get("value"), p.get("unit")))
    return LegacyDef(
        template=d["template"], table=d["table"], years=tuple(d["years"]), title=re.compile(d["title"]),
        not_report=tuple(d["not_report"]), table_start=d["table_start"], table_units=tuple(d["table_units"]),
        columns=tuple((c["id"], c["zh"]) for c in d["columns"]),
        rows=tuple(row(e, False) for e in d["rows"]), parts=tuple(row(e, True) for e in d["parts"]),
        groups=tuple(LegacyGroup(g["total"], tuple(g["parts"]), g["rule"]) for g in d["groups"]),
        narrative=tuple(narrative))
