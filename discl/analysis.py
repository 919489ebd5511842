"""Comparison helpers for analysts: pure functions on the long ``values`` table and the ``reports`` table.

Every helper takes any ``values`` frame and any ``reports`` frame (from :func:`discl.load`,
:meth:`discl.Corpus.from_parquet` or your own filtering), never modifies them, and returns a new tidy
DataFrame with one row per report (× category) keyed by ``report_id``, ``agency``, ``agency_key``,
``region``, ``level``, ``year`` and ``template``. Column names and category values are the ids of
the template data (:mod:`discl.templates`); ``labels="zh"`` gives the template's Chinese labels (``"zh_short"``:
without the numbering and the explanatory brackets, for charts), or call :func:`to_zh` later.

Missing-value rule
------------------
A cell that holds no number (blank, dash, slash, unreadable, absent) stays missing (NaN) and anything
computed from it is missing too — never 0 — with one exception taken from the checks' blank policy
(:mod:`discl.checks`): a **blank** cell in one of the six applicant columns of table 三 (自然人 …
其他) counts as 0, because templates print blanks for zero there; such rows say ``imputed_zero=True``.
A blank 总计 cell, a dash or a slash is never imputed, and table 四 has no exception.

Derived rows
------------
Group sums the template does not print (不予公开 = Σ withheld.*, 无法提供, 不予处理, gb2021's 其他处理
= Σ other_handling.*, 行政诉讼 = 未经复议直接起诉 + 复议后起诉) are marked ``derived=True``. A printed
value is never overwritten: when a report prints the row, the printed number is used (``derived=False``).

One report per agency and year
------------------------------
A corpus may hold the same report twice (an HTML page and its DOCX). With ``dedupe=True`` (default)
each helper keeps one report per ``agency_key`` × ``year`` (:func:`select_reports`): ``ok`` before
``partial``, then the one with most numbers read, then the smallest ``path``; failed reports are
dropped.

>>> import discl, tempfile
>>> from discl.render import write_samples
>>> d = tempfile.mkdtemp(); _ = write_samples(d)
>>> c = discl.load(d)
>>> a = applications_received(c.values, c.reports)
>>> int(a.query("agency == '平潭综合实验区' and year == 2019")["received"].iloc[0])
23
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from .labels import BOOL_ZH, COLUMN_ZH, short_label, value_zh
from .schema import DTYPES
from .templates import TEMPLATE_IDS, legacy, provinces, table, template

_REQUESTS, _PROACTIVE, _REVIEW = table("requests"), table("proactive"), table("review_litigation")

__all__ = [
    "APPLICANTS", "OUTCOME_GROUPS", "KEYS",
    "select_reports", "level_of", "report_meta", "agencies", "peer_groups", "rollup", "rates",
    "LEVEL_RANK", "place_order", "agency_order",
    "applications_received", "outcome_shares", "backlog", "procurement", "review_litigation",
    "proactive", "year_on_year", "rank", "group_totals", "pivot", "to_zh", "short_label",
    "COMPARABLE_NOTE", "comparable_measures", "legacy_mapping",
]

#: identifying columns every helper returns, in this order
KEYS = ["report_id", "agency", "agency_key", "region", "province", "city", "county", "region_code", "level",
        "parent_code", "year", "template"]
#: the place columns of ``reports`` (:mod:`discl.regions`); frames written before them get them empty
PLACE_KEYS = ["province", "city", "county", "region_code", "level", "parent_code"]
#: levels of a government's own report (the others are its departments, townships)
GOVERNMENT_LEVELS = ("province", "city", "county", "zone")
_OLD_LEVELS = {"省级": "province", "市级": "city", "县级": "county"}
#: the six applicant columns of table 三 (the blank-means-0 exception applies to these only)
APPLICANTS = [c.id for c in _REQUESTS.columns_with_role("applicant")]
#: the column of table 三 the applicant columns sum to (总计)
TOTAL = _REQUESTS.columns_with_role("total")[0].id
#: the six outcome groups of table 三, 三、本年度办理结果: an outcome row, or the group of its reason rows
OUTCOME_GROUPS = list(dict.fromkeys(r.group or r.id for r in _REQUESTS.rows_with_role("outcome")))
#: the derived proceeding of table 四 (行政诉讼), the sum of the proceedings printed under it
LITIGATION = next(p.group for p in _REVIEW.rows() if p.group)
_STATUS_ORDER = {"ok": 0, "partial": 1}
_MUNICIPALITIES = ("北京市", "天津市", "上海市", "重庆市")


# --------------------------------------------------------------------------- report selection & meta

def level_of(region: str | None) -> str | None:
    """Administrative level (省级 / 市级 / 县级) from a ``reports.region`` value such as ``'淮安市/洪泽区'``.

    A heuristic on the place names: the last part decides; a municipality or province alone is 省级.

    >>> [level_of(r) for r in ("上海市", "淮安市", "淮安市/洪泽区", "平潭综合实验区", None)]
    ['省级', '市级', '县级', '县级', None]
    """
    if region is None or (isinstance(region, float) and np.isnan(region)) or region is pd.NA or not region:
        return None
    parts = str(region).split("/")
    last = parts[-1]
    if len(parts) == 1 and (last in provinces() or last in _MUNICIPALITIES):
        return "省级"
    if last.endswith(("区", "县", "旗")):
        return "县级"
    if last.endswith(("市", "州", "盟", "地区")):
        return "市级"
    return None


def select_reports(reports: pd.DataFrame, values: pd.DataFrame | None = None, *,
                   dedupe: bool = True) -> pd.DataFrame:
    """The reports the helpers use: not failed, and (``dedupe``) one per ``agency_key`` × ``year``.

    The kept report is the best read one: ``ok`` before ``partial``, then most numbers read (when
    ``values`` is given), then the smallest ``path`` so that the choice is reproducible.

    >>> r = pd.DataFrame({"report_id": ["a", "b", "c"], "agency_key": ["X", "X", "X"], "year": [2021] * 3,
    ...                   "status": ["partial", "ok", "failed"], "path": ["1.txt", "2.html", "3.pdf"]})
    >>> select_reports(r)["report_id"].tolist()
    ['b']
    """
    r = reports[reports["status"].astype("string") != "failed"].copy()
    if not dedupe or r.empty:
        return r.reset_index(drop=True)
    r["_status"] = r["status"].map(_STATUS_ORDER).fillna(9)
    if values is not None:
        counts = values.groupby("report_id")["value"].count()
        r["_numbers"] = -r["report_id"].map(counts).fillna(0)
    else:
        r["_numbers"] = 0
    path = r["path"] if "path" in r else r["report_id"]
    r["_path"] = path.astype("string").fillna("")
    # reports without agency or year cannot be matched across files: keep them all
    keyed = r["agency_key"].notna() & r["year"].notna()
    best = (r[keyed].sort_values(["_status", "_numbers", "_path"], kind="stable")
            .drop_duplicates(["agency_key", "year"], keep="first"))
    out = pd.concat([best, r[~keyed]]).drop(columns=["_status", "_numbers", "_path"])
    return out.sort_values(["agency_key", "year"], kind="stable").reset_index(drop=True)


def report_meta(reports: pd.DataFrame, values: pd.DataFrame | None = None, *, dedupe: bool = True
                ) -> pd.DataFrame:
    """The :data:`KEYS` columns of the selected reports.

    ``level`` is ``reports.level`` (:mod:`discl.regions`); a frame written before that column existed
    gets it from the place names in ``region`` (:func:`level_of`: province / city / county only).
    """
    r = select_reports(reports, values, dedupe=dedupe)
    meta = pd.DataFrame({k: r[k] for k in KEYS if k in r})
    for k in KEYS:
        if k not in meta:
            meta[k] = pd.NA
    if "level" not in r:
        meta["level"] = [_OLD_LEVELS.get(level_of(x)) for x in meta["region"]]
    for k in PLACE_KEYS:
        meta[k] = meta[k].astype("string")
    meta["year"] = meta["year"].astype(DTYPES["reports"]["year"])
    return meta[KEYS].reset_index(drop=True)


# --------------------------------------------------------------------------- cell access

def _grid(values: pd.DataFrame, meta: pd.DataFrame, table: str, rows: Sequence[str],
          cols: Sequence[str]) -> pd.DataFrame:
    """Every (report, row, col) asked for, with value and flags; a cell the report lacks is NaN."""
    v = values[(values["table"] == table) & values["row"].isin(list(rows)) & values["col"].isin(list(cols))
               & values["report_id"].isin(meta["report_id"])]
    v = v[["report_id", "row", "col", "value", "flags"]].drop_duplicates(["report_id", "row", "col"])
    full = pd.MultiIndex.from_product([meta["report_id"], list(rows), list(cols)],
                                      names=["report_id", "row", "col"]).to_frame(index=False)
    out = full.merge(v, on=["report_id", "row", "col"], how="left")
    out["value"] = out["value"].astype(DTYPES["values"]["value"])
    out["flags"] = out["flags"].astype(DTYPES["values"]["flags"]).fillna("")
    return out


def _impute_blank_applicants(cells: pd.DataFrame) -> pd.DataFrame:
    """Apply the one exception of the missing-value rule: blank applicant cells of table 三 count as 0."""
    out = cells.copy()
    blank = out["flags"].str.split(",").apply(lambda f: "blank" in f)
    imputed = out["value"].isna() & out["col"].isin(APPLICANTS) & blank
    out["value"] = out["value"].mask(imputed, 0.0)
    out["imputed_zero"] = imputed.astype(bool)
    return out


def _strict_sum(frame: pd.DataFrame, by: list[str], col: str) -> pd.Series:
    """Sum that is NaN when any part is NaN: a total of partly unknown numbers is unknown."""
    return frame.groupby(by, sort=False)[col].sum(min_count=1).where(
        ~frame[col].isna().groupby([frame[b] for b in by], sort=False).any())


def _safe_ratio(num: pd.Series, den: pd.Series) -> pd.Series:
    """num / den, NaN when den is missing or 0 (a share of nothing is undefined, not 0)."""
    den = den.where(den > 0)
    return num / den


def _with_meta(frame: pd.DataFrame, meta: pd.DataFrame) -> pd.DataFrame:
    return meta.merge(frame, on="report_id", how="inner")


# --------------------------------------------------------------------------- table 三

def applications_received(values: pd.DataFrame, reports: pd.DataFrame, *, by_applicant: bool = False,
                          labels: str = "id", dedupe: bool = True) -> pd.DataFrame:
    """New applications received (一、本年新收政府信息公开申请数量) per report, i.e. per agency × year.

    ``by_applicant=True`` gives one row per applicant type (the six columns and ``total``) in column
    ``applicant``; a blank applicant cell counts as 0 there (``imputed_zero``), a blank total does not.

    >>> v = pd.DataFrame({"report_id": ["r"] * 2, "table": ["requests"] * 2, "row": ["new_received"] * 2,
    ...                   "col": ["natural_person", "total"], "value": [None, 5.0], "flags": ["blank", ""]})
    >>> from discl.templates import template_for_year
    >>> rep = pd.DataFrame({"report_id": ["r"], "agency": ["A"], "agency_key": ["A"], "region": ["上海市"],
    ...                     "year": [2021], "template": [template_for_year(2021)], "status": ["ok"], "path": ["a"]})
    >>> applications_received(v, rep, by_applicant=True)[["applicant", "received", "imputed_zero"]].head(2)
            applicant  received  imputed_zero
    0  natural_person       0.0          True
    1      commercial       NaN         False
    """
    meta = report_meta(reports, values, dedupe=dedupe)
    cols = [*APPLICANTS, TOTAL] if by_applicant else [TOTAL]
    cells = _impute_blank_applicants(_grid(values, meta, "requests", ["new_received"], cols))
    cells = cells.rename(columns={"col": "applicant", "value": "received"})
    keep = ["report_id", "applicant", "received", "imputed_zero"] if by_applicant else \
        ["report_id", "received"]
    out = _with_meta(cells[keep], meta)
    return _finish(out, labels)


def _outcome_rows(template: str | None) -> list[str]:
    """The outcome rows of table 三 that ``template`` prints (all of them for None), both forms of a group."""
    return [r.id for r in _REQUESTS.rows_with_role("outcome", template)]


def _group_of(row_id: str) -> str:
    return _REQUESTS.row(row_id).group or row_id


def outcome_shares(values: pd.DataFrame, reports: pd.DataFrame, *, detail: bool = False,
                   applicant: str = TOTAL, labels: str = "id", dedupe: bool = True) -> pd.DataFrame:
    """Outcomes (三、本年度办理结果) as counts and shares of （七）总计 per report.

    ``detail=False``: the six groups of :data:`OUTCOME_GROUPS` (不予公开, 无法提供, 不予处理 and gb2021's
    其他处理 are sums of their printed reason rows, ``derived=True``). ``detail=True``: the printed rows
    (不予公开 by reason: ``withheld.*`` …), column ``group`` naming the group. ``share`` = count /
    total_processed of the same column (NaN when that total is missing or 0). ``applicant`` picks the
    column (default 总计); for an applicant column blank cells count as 0.

    >>> v = pd.DataFrame({"report_id": ["r"] * 3, "table": ["requests"] * 3,
    ...                   "row": ["granted", "partially_granted", "total_processed"],
    ...                   "col": ["total"] * 3, "value": [3.0, 1.0, 4.0], "flags": [""] * 3})
    >>> from discl.templates import template_for_year
    >>> rep = pd.DataFrame({"report_id": ["r"], "agency": ["A"], "agency_key": ["A"], "region": ["上海市"],
    ...                     "year": [2021], "template": [template_for_year(2021)], "status": ["ok"], "path": ["a"]})
    >>> outcome_shares(v, rep)[["outcome", "count", "share", "derived"]].head(3)
                 outcome  count  share  derived
    0            granted    3.0   0.75    False
    1  partially_granted    1.0   0.25    False
    2           withheld    NaN    NaN     True
    """
    meta = report_meta(reports, values, dedupe=dedupe)
    all_rows = _outcome_rows(None) + ["total_processed"]
    cells = _impute_blank_applicants(_grid(values, meta, "requests", all_rows, [applicant]))
    printed = set(zip(values.loc[(values["table"] == "requests") & (values["col"] == applicant), "report_id"],
                      values.loc[(values["table"] == "requests") & (values["col"] == applicant), "row"]))
    cells = cells.merge(meta[["report_id", "template"]], on="report_id")
    denom = cells[cells["row"] == "total_processed"].set_index("report_id")["value"]

    parts = []
    for rid, tmpl in zip(meta["report_id"], meta["template"]):
        tmpl = None if pd.isna(tmpl) else tmpl
        own = cells[(cells["report_id"] == rid)].set_index("row")
        leaves = _outcome_rows(tmpl)
        if detail:
            for row in leaves:
                parts.append((rid, row, _group_of(row), own.at[row, "value"], False,
                              bool(own.at[row, "imputed_zero"])))
            continue
        for group in OUTCOME_GROUPS:
            if group in ("granted", "partially_granted") or (rid, group) in printed:
                # printed row (gb2019 prints （六）其他处理 itself): used as printed, never re-derived
                parts.append((rid, group, group, own.at[group, "value"], False,
                              bool(own.at[group, "imputed_zero"])))
                continue
            members = [r for r in leaves if r.startswith(group + ".")]
            if not members:
                parts.append((rid, group, group, np.nan, False, False))
                continue
            vals = own.loc[members, "value"]
            total = float(vals.sum()) if vals.notna().all() else np.nan
            parts.append((rid, group, group, total, True, bool(own.loc[members, "imputed_zero"].any())))
    out = pd.DataFrame(parts, columns=["report_id", "outcome", "group", "count", "derived", "imputed_zero"])
    out["count"] = out["count"].astype("float64")
    out["total_processed"] = out["report_id"].map(denom).astype("float64")
    out["share"] = _safe_ratio(out["count"], out["total_processed"])
    out.insert(1, "applicant", applicant)
    out = _with_meta(out, meta)
    return _finish(out, labels)


def backlog(values: pd.DataFrame, reports: pd.DataFrame, *, labels: str = "id", dedupe: bool = True
            ) -> pd.DataFrame:
    """Carried-over backlog per report: 上年结转 (``carried_over``), 本年新收, （七）总计, 结转下年度
    (``carried_forward``), and ``backlog_change`` = carried_forward − carried_over (总计 column).

    >>> v = pd.DataFrame({"report_id": ["r"] * 2, "table": ["requests"] * 2,
    ...                   "row": ["carried_over", "carried_forward"], "col": ["total"] * 2,
    ...                   "value": [2.0, 5.0], "flags": [""] * 2})
    >>> from discl.templates import template_for_year
    >>> rep = pd.DataFrame({"report_id": ["r"], "agency": ["A"], "agency_key": ["A"], "region": ["上海市"],
    ...                     "year": [2021], "template": [template_for_year(2021)], "status": ["ok"], "path": ["a"]})
    >>> backlog(v, rep)[["carried_over", "carried_forward", "backlog_change"]]
       carried_over  carried_forward  backlog_change
    0           2.0              5.0             3.0
    """
    meta = report_meta(reports, values, dedupe=dedupe)
    rows = ["carried_over", "new_received", "total_processed", "carried_forward"]
    cells = _grid(values, meta, "requests", rows, [TOTAL])
    wide = cells.pivot(index="report_id", columns="row", values="value").reindex(columns=rows)
    wide.columns.name = None
    wide = wide.reset_index()
    wide["backlog_change"] = wide["carried_forward"] - wide["carried_over"]
    return _finish(_with_meta(wide, meta), labels)


# --------------------------------------------------------------------------- table 二

def procurement(values: pd.DataFrame, reports: pd.DataFrame, *, labels: str = "id", dedupe: bool = True
                ) -> pd.DataFrame:
    """政府集中采购 per gb2019 report: ``projects`` (采购项目数量) and ``amount`` (采购总金额, 万元).

    Only gb2019 reports (2019–2020) print it; gb2021 reports are left out rather than shown as missing.
    """
    meta = report_meta(reports, values, dedupe=dedupe)
    meta = meta[meta["template"].isin(_templates_printing("central_procurement"))]
    cells = _grid(values, meta, "proactive", ["central_procurement"],
                  ["procurement_projects", "procurement_amount"])
    wide = cells.pivot(index="report_id", columns="col", values="value").reindex(
        columns=["procurement_projects", "procurement_amount"])
    wide = wide.rename(columns={"procurement_projects": "projects", "procurement_amount": "amount"})
    wide.columns.name = None
    return _finish(_with_meta(wide.reset_index(), meta), labels)


def _templates_printing(item: str) -> list[str]:
    """The templates whose table 二 has ``item`` (政府集中采购: gb2019 only)."""
    return [t for t in TEMPLATE_IDS if template(t).measures_of(item)]


def proactive(values: pd.DataFrame, reports: pd.DataFrame, *, items: Sequence[str] | None = None,
              measures: Sequence[str] | None = None, labels: str = "id", dedupe: bool = True
              ) -> pd.DataFrame:
    """Proactive-disclosure counts (table 二) in long form: ``item``, ``measure``, ``value``, ``unit``.

    Only the cells the report's template has (gb2019 and gb2021 measure different things); pick with
    ``items`` / ``measures`` (ids, e.g. ``measures=["decisions"]`` for 处理决定数量 in both templates).
    """
    meta = report_meta(reports, values, dedupe=dedupe)
    parts = []
    for tmpl in meta["template"].dropna().unique():
        blocks = template(tmpl).blocks if tmpl in TEMPLATE_IDS else ()
        pairs = [(i, m) for b in blocks for i in b.items for m in b.measures]
        pairs = [(i, m) for i, m in pairs if (items is None or i in items) and (measures is None or m in measures)]
        if not pairs:
            continue
        m_t = meta[meta["template"] == tmpl]
        rows = sorted({i for i, _ in pairs})
        cols = sorted({m for _, m in pairs})
        cells = _grid(values, m_t, "proactive", rows, cols)
        cells = cells[[(r, c) in set(pairs) for r, c in zip(cells["row"], cells["col"])]]
        parts.append(cells)
    if not parts:
        out = pd.DataFrame(columns=["report_id", "item", "measure", "value", "unit"])
    else:
        out = pd.concat(parts, ignore_index=True).rename(columns={"row": "item", "col": "measure"})
        unit = {m.id: m.unit for m in _PROACTIVE.columns()}
        out["unit"] = out["measure"].map(unit)
        order = {m.id: k for k, m in enumerate(_PROACTIVE.columns())}
        iorder = {i.id: k for k, i in enumerate(_PROACTIVE.rows())}
        out = out.assign(_i=out["item"].map(iorder), _m=out["measure"].map(order))
        out = out.sort_values(["report_id", "_i", "_m"], kind="stable").drop(columns=["_i", "_m", "flags"])
    out["value"] = out["value"].astype(DTYPES["values"]["value"])
    return _finish(_with_meta(out[["report_id", "item", "measure", "value", "unit"]], meta), labels)


# --------------------------------------------------------------------------- table 四

def review_litigation(values: pd.DataFrame, reports: pd.DataFrame, *, labels: str = "id",
                      dedupe: bool = True) -> pd.DataFrame:
    """行政复议 / 行政诉讼 per report and proceeding with ``correction_rate`` = corrected / (total − pending).

    Proceedings: the three printed ones plus ``litigation`` (行政诉讼 = 未经复议直接起诉 + 复议后起诉,
    ``derived=True``). The rate is NaN when no case was concluded (total − pending = 0) or a needed cell
    is missing; table 四 has no blank-means-0 exception.

    >>> v = pd.DataFrame({"report_id": ["r"] * 3, "table": ["review_litigation"] * 3,
    ...                   "row": ["admin_review"] * 3, "col": ["corrected", "pending", "total"],
    ...                   "value": [1.0, 1.0, 5.0], "flags": [""] * 3})
    >>> from discl.templates import template_for_year
    >>> rep = pd.DataFrame({"report_id": ["r"], "agency": ["A"], "agency_key": ["A"], "region": ["上海市"],
    ...                     "year": [2021], "template": [template_for_year(2021)], "status": ["ok"], "path": ["a"]})
    >>> float(review_litigation(v, rep)["correction_rate"].iloc[0])
    0.25
    """
    meta = report_meta(reports, values, dedupe=dedupe)
    procs = [p.id for p in _REVIEW.rows()]
    outs = [o.id for o in _REVIEW.columns()]
    cells = _grid(values, meta, "review_litigation", procs, outs)
    wide = cells.pivot_table(index=["report_id", "row"], columns="col", values="value", aggfunc="first",
                             dropna=False).reindex(columns=outs)
    wide.columns.name = None
    wide = wide.reset_index().rename(columns={"row": "proceeding"})
    wide["derived"] = False
    lit = wide[wide["proceeding"].isin([p.id for p in _REVIEW.rows() if p.group == LITIGATION])]
    # strict sums: 行政诉讼 is unknown when either of its two lines is
    lit_sum = pd.DataFrame({o: _strict_sum(lit, ["report_id"], o) for o in outs}).reset_index()
    lit_sum["proceeding"], lit_sum["derived"] = LITIGATION, True
    wide = pd.concat([wide, lit_sum[wide.columns]], ignore_index=True)
    wide["concluded"] = wide["total"] - wide["pending"]
    wide["correction_rate"] = _safe_ratio(wide["corrected"], wide["concluded"])
    order = {p: k for k, p in enumerate([*procs, LITIGATION])}
    wide = wide.assign(_o=wide["proceeding"].map(order)).sort_values(["report_id", "_o"], kind="stable")
    wide = wide.drop(columns="_o")
    return _finish(_with_meta(wide, meta), labels)


# --------------------------------------------------------------------------- pre-2019 beside 2019+

#: the note on a pre-2019 figure set beside a 2019+ one
COMPARABLE_NOTE = "2019年前（旧条例、旧统计口径）：与2019年起的数字不严格可比"


def legacy_mapping() -> pd.DataFrame:
    """The pre-2019 ``legacy`` rows that have a nearly matching 2019+ cell (``comparable:`` in
    ``data/templates.yaml``): one row per (legacy row, 2019+ table, row, col); ``indicator`` is the 2019+
    row id (litigation: both 行政诉讼 lines, summed).

    >>> legacy_mapping()[["legacy_row", "indicator"]].drop_duplicates().values.tolist()[:2]
    [['requests_received', 'new_received'], ['granted', 'granted']]
    """
    rows = []
    for r in legacy().rows:
        for t, targets, col in r.comparable:
            measure = LITIGATION if len(targets) > 1 else targets[0]
            for target in targets:
                rows.append({"legacy_row": r.id, "indicator": measure, "table": t, "row": target, "col": col})
    return pd.DataFrame(rows, columns=["legacy_row", "indicator", "table", "row", "col"])


def comparable_measures(values: pd.DataFrame, reports: pd.DataFrame, *, labels: str = "id",
                        dedupe: bool = True) -> pd.DataFrame:
    """The few measures pre-2019 reports share with 2019+ ones, per report: applications received
    (``new_received``), disclosed in full (``granted``) and in part (``partially_granted``), 行政复议
    (``admin_review``) and 行政诉讼 (``litigation``), so that trends can start before 2019.

    A 2019+ report gives its table 三/四 总计 cells (行政诉讼 = 未经复议直接起诉 + 复议后起诉, a strict sum);
    a pre-2019 report (template ``pre2019``) its ``legacy`` this-year figures. ``comparable`` is False and
    ``note`` says so for the latter: the categories changed with the 2019 template (e.g. 不同意公开 then
    included 信息不存在), so the numbers are *not strictly comparable*. ``flags`` keeps the cell's flags
    (``from_text``: read from the narrative).

    >>> v = pd.DataFrame({"report_id": ["a", "b"], "table": ["legacy", "requests"],
    ...                   "row": ["requests_received", "new_received"], "col": ["this_year", "total"],
    ...                   "value": [21.0, 30.0], "flags": ["split", ""]})
    >>> rep = pd.DataFrame({"report_id": ["a", "b"], "agency": ["A", "A"], "agency_key": ["A", "A"],
    ...                     "region": [None, None], "year": [2012, 2021], "template": ["pre2019", "gb2021"],
    ...                     "status": ["ok", "ok"], "path": ["a", "b"]})
    >>> m = comparable_measures(v, rep).query("indicator == 'new_received'")
    >>> m[["year", "value", "comparable"]].values.tolist()
    [[2012, 21.0, False], [2021, 30.0, True]]
    """
    meta = report_meta(reports, values, dedupe=dedupe)
    mapping = legacy_mapping()
    measures = list(dict.fromkeys(mapping["indicator"]))
    L = legacy()
    is_old = meta["template"].astype("string").eq(L.template).fillna(False).to_numpy(dtype=bool)
    old, new = meta[is_old], meta[~is_old]
    lrows = list(dict.fromkeys(mapping["legacy_row"]))
    first_col = L.columns[0][0]
    a = _grid(values, old, L.table, lrows, [first_col]).merge(
        mapping[["legacy_row", "indicator"]].drop_duplicates(), left_on="row", right_on="legacy_row")
    a = a.assign(comparable=False, note=COMPARABLE_NOTE)[["report_id", "indicator", "value", "flags",
                                                          "comparable", "note"]]
    parts = []
    for (t, col), m in mapping.groupby(["table", "col"], sort=False):
        cells = _grid(values, new, t, list(dict.fromkeys(m["row"])), [col]).merge(
            m[["row", "indicator"]], on="row")
        value = _strict_sum(cells, ["report_id", "indicator"], "value")
        flags = cells.groupby(["report_id", "indicator"], sort=False)["flags"].agg(
            lambda f: ",".join(dict.fromkeys(x for s in f for x in s.split(",") if x)))
        parts.append(pd.DataFrame({"value": value, "flags": flags}).reset_index())
    b = (pd.concat(parts, ignore_index=True) if parts
         else pd.DataFrame(columns=["report_id", "indicator", "value", "flags"]))
    b = b.assign(comparable=True, note="")
    out = pd.concat([a, b], ignore_index=True)
    out["indicator"] = pd.Categorical(out["indicator"], categories=measures)
    out = _with_meta(out, meta).sort_values(["agency_key", "year", "indicator"], kind="stable")
    out["indicator"] = out["indicator"].astype(str)
    out["value"] = out["value"].astype(DTYPES["values"]["value"])
    out["comparable"] = out["comparable"].astype(bool)
    return _finish(out, labels)


# --------------------------------------------------------------------------- comparisons

#: category columns a helper may return; they are part of the series key in comparisons
CATEGORY_COLUMNS = ["applicant", "outcome", "group", "proceeding", "item", "measure", "indicator"]


def _series_keys(frame: pd.DataFrame, by: Sequence[str] | None) -> list[str]:
    if by is not None:
        return list(by)
    return ["agency_key"] + [c for c in CATEGORY_COLUMNS if c in frame]


def year_on_year(frame: pd.DataFrame, value: str, *, by: Sequence[str] | None = None,
                 year: str = "year") -> pd.DataFrame:
    """Add ``prev_value``, ``change`` and ``pct_change`` against the same series one year earlier.

    A series is ``agency_key`` plus the category columns present (``by`` overrides). Only the
    immediately preceding year counts: with reports for 2019 and 2021, 2021 has no previous value
    (NaN), because a two-year change is not a year-on-year change. ``pct_change`` is NaN when the
    previous value is 0 or missing.

    >>> f = pd.DataFrame({"agency_key": ["A"] * 3, "year": [2019, 2020, 2022], "received": [10.0, 15.0, 7.0]})
    >>> year_on_year(f, "received")[["year", "prev_value", "change", "pct_change"]]
       year  prev_value  change  pct_change
    0  2019         NaN     NaN         NaN
    1  2020        10.0     5.0         0.5
    2  2022         NaN     NaN         NaN
    """
    keys = _series_keys(frame, by)
    if frame.duplicated([*keys, year]).any():
        raise ValueError(f"more than one row per {keys + [year]}; select one report per agency and year "
                         "(dedupe=True) or pass `by` with the distinguishing columns")
    prev = frame[[*keys, year, value]].copy()
    prev[year] = prev[year] + 1
    prev = prev.rename(columns={value: "prev_value"})
    out = frame.merge(prev, on=[*keys, year], how="left")
    out["change"] = out[value] - out["prev_value"]
    out["pct_change"] = _safe_ratio(out["change"], out["prev_value"].abs())
    return out


def rank(frame: pd.DataFrame, value: str, *, within: Sequence[str] = ("year",), ascending: bool = False
         ) -> pd.DataFrame:
    """Add ``rank`` (1 = largest unless ``ascending``) of ``value`` within each ``within`` group.

    Ties share the best rank; a missing value gets no rank (<NA>) instead of being ranked as 0.

    >>> f = pd.DataFrame({"year": [2021] * 3, "agency": ["A", "B", "C"], "received": [5.0, None, 9.0]})
    >>> rank(f, "received")["rank"].tolist()
    [2, <NA>, 1]
    """
    out = frame.copy()
    grouped = out.groupby(list(within), dropna=False)[value] if within else out[value]
    out["rank"] = grouped.rank(method="min", ascending=ascending).astype("Int64")
    return out


def group_totals(frame: pd.DataFrame, value: str, *, by: str | Sequence[str] = "region",
                 year: str | None = "year", skipna: bool = False) -> pd.DataFrame:
    """Sum ``value`` by region or level (``by="level"``) and year, with ``n_reports`` and ``n_missing``.

    Sum counts, not shares: recompute a share from summed counts. With ``skipna=False`` (default) a
    group with any missing member sums to NaN — a total of partly unknown numbers is unknown;
    ``skipna=True`` sums what is known (``n_missing`` says how much is not).

    >>> f = pd.DataFrame({"region": ["X", "X", "Y"], "year": [2021] * 3, "received": [1.0, None, 4.0]})
    >>> group_totals(f, "received")[["region", "received", "n_reports", "n_missing"]]
      region  received  n_reports  n_missing
    0      X       NaN          2          1
    1      Y       4.0          1          0
    """
    keys = [by] if isinstance(by, str) else list(by)
    keys += [year] if year else []
    keys += [c for c in CATEGORY_COLUMNS if c in frame and c not in keys]
    g = frame.groupby(keys, dropna=False, sort=True)
    out = g[value].sum(min_count=1).to_frame(value)
    out["n_reports"] = g.size()
    out["n_missing"] = g[value].apply(lambda s: int(s.isna().sum()))
    if not skipna:
        out[value] = out[value].where(out["n_missing"] == 0)
    return out.reset_index()


# --------------------------------------------------------------------------- agencies and regions

def _years(years: pd.Series) -> str:
    """2019, 2021, 2022, 2023 → '2019, 2021–2023'."""
    ys = sorted({int(y) for y in years.dropna()})
    runs: list[list[int]] = []
    for y in ys:
        if runs and y == runs[-1][-1] + 1:
            runs[-1].append(y)
        else:
            runs.append([y])
    return ", ".join(str(r[0]) if len(r) == 1 else f"{r[0]}–{r[-1]}" for r in runs)


def agencies(reports: pd.DataFrame) -> pd.DataFrame:
    """The publishers found: one row per ``agency_key`` with its codes, level, the years covered and
    every spelling of its name; ``likely_duplicate`` when one key was printed in more than one way (for
    the analyst to confirm: a wrong merge is fixed in ``agencies.csv``), ``unresolved`` when no region
    code was found (an ambiguous or unknown name). Sorted by region code.

    >>> r = pd.DataFrame({"report_id": ["a", "b", "c"], "agency": ["淮安市人民政府", "淮安市政府", "某局"],
    ...                   "agency_key": ["320800:政府", "320800:政府", "某局"], "year": [2021, 2022, 2021],
    ...                   "region_code": ["320800", "320800", None], "level": ["city", "city", None],
    ...                   "status": ["ok", "ok", "ok"]})
    >>> agencies(r)[["agency_key", "names", "years", "likely_duplicate", "unresolved"]].values.tolist()
    [['320800:政府', '淮安市人民政府 | 淮安市政府', '2021–2022', True, False], ['某局', '某局', '2021', False, True]]
    """
    r = reports[reports["status"].astype("string") != "failed"] if "status" in reports else reports
    r = r[r["agency_key"].notna()]
    cols = ["agency_key", "names", "n_names", "region_code", "province", "city", "county", "level",
            "parent_code", "years", "n_reports", "likely_duplicate", "unresolved"]
    rows = []
    for key, g in r.groupby("agency_key", sort=False):
        names = list(dict.fromkeys(g["agency"].dropna().astype(str)))

        def first(col: str):
            vals = g[col].dropna().unique() if col in g else []
            return " | ".join(map(str, vals)) if len(vals) else None
        rows.append({"agency_key": key, "names": " | ".join(names), "n_names": len(names),
                     "region_code": first("region_code"), "province": first("province"), "city": first("city"),
                     "county": first("county"), "level": first("level"), "parent_code": first("parent_code"),
                     "years": _years(g["year"]) if "year" in g else "", "n_reports": len(g),
                     "likely_duplicate": len(names) > 1, "unresolved": first("region_code") is None})
    out = pd.DataFrame(rows, columns=cols)
    out = out.sort_values(["region_code", "agency_key"], na_position="last", kind="stable")
    return out.reset_index(drop=True)


#: within one 行政区划代码: the government's own report first, then its departments and townships
LEVEL_RANK = {"province": 0, "city": 0, "county": 0, "zone": 1, "department": 2, "township": 3}


def _text(x: object) -> str:
    return "" if x is None or (not isinstance(x, str) and bool(pd.isna(x))) else str(x)


def place_order(rec: Mapping[str, object]) -> tuple:
    """Sort key of a report (a mapping with ``region_code``, ``level``, ``agency_key``, ``agency``,
    ``year``): by 行政区划代码, so that a city's districts follow the city, each in code order; a
    government before its departments; then the publisher (``agency_key``) and the year. Reports
    without a code come last, by agency name. The workbook and the charts order agencies with it.

    >>> rows = [{"region_code": "320813", "level": "county", "agency": "洪泽区", "year": 2024},
    ...         {"region_code": "320800", "level": "department", "agency": "淮安市财政局", "year": 2024},
    ...         {"region_code": None, "agency": "某局", "year": 2024},
    ...         {"region_code": "320800", "level": "city", "agency": "淮安市人民政府", "year": 2024}]
    >>> [r["agency"] for r in sorted(rows, key=place_order)]
    ['淮安市人民政府', '淮安市财政局', '洪泽区', '某局']
    """
    code, agency = _text(rec.get("region_code")), _text(rec.get("agency"))
    key = _text(rec.get("agency_key")) if code else ""
    year = rec.get("year")
    year_key = -1 if year is None or bool(pd.isna(year)) else int(year)  # type: ignore[arg-type]
    return (0 if code else 1, code, LEVEL_RANK.get(_text(rec.get("level")), 9) if code else 0,
            key or agency, year_key, agency, _text(rec.get("report_id")))


def agency_order(frame: pd.DataFrame, by: str = "agency") -> list:
    """The distinct values of ``frame[by]`` (agencies, as a chart's series) in :func:`place_order`: by
    region code, so each city's districts come together in code order. Without a ``region_code``
    column, by name.

    >>> f = pd.DataFrame({"agency": ["淮安市洪泽区人民政府", "淮安市清江浦区人民政府", "淮安市人民政府"],
    ...                   "region_code": ["320813", "320812", "320800"], "level": ["county", "county", "city"]})
    >>> agency_order(f)
    ['淮安市人民政府', '淮安市清江浦区人民政府', '淮安市洪泽区人民政府']
    """
    data = frame[frame[by].notna()]
    if "region_code" not in data:
        return sorted(data[by].unique(), key=str)
    best: dict[object, tuple] = {}
    for rec in data.to_dict("records"):
        k = place_order({**rec, "agency": _text(rec[by]), "year": None, "report_id": None})
        if rec[by] not in best or k < best[rec[by]]:
            best[rec[by]] = k
    return sorted(best, key=lambda v: best[v])


def _body(key: object) -> object:
    """The publisher part of an agency key (``320813:财政局`` → ``财政局``)."""
    return key.split(":", 1)[1] if isinstance(key, str) and ":" in key else pd.NA


def peer_groups(frame: pd.DataFrame, value: str, *, level: str | Sequence[str] = "county",
                within: str | Sequence[str] = ("parent_code", "year")) -> pd.DataFrame:
    """Compare each report with its peers: the reports of ``level`` in the same ``within`` group.

    Default: all counties/districts of one city in one year (``parent_code`` = the city's code). The
    same department across the counties of a city: ``level="department"``, ``within=("body", "year")``
    (``body``: the publisher part of the agency key, added here). Adds ``peer_group``, ``n_peers``,
    ``peer_median``, ``vs_median`` (value / median, NaN when the median is 0 or missing) and
    ``peer_rank`` (1 = largest), sorted by group and region code. Missing values stay missing and are
    not ranked.

    >>> f = pd.DataFrame({"region_code": ["320813", "320812", "320803"], "parent_code": ["320800"] * 3,
    ...                   "level": ["county"] * 3, "year": [2024] * 3, "agency_key": ["a", "b", "c"],
    ...                   "received": [95.0, 300.0, None]})
    >>> peer_groups(f, "received")[["region_code", "n_peers", "peer_median", "peer_rank"]].values.tolist()
    [['320803', 3, 197.5, <NA>], ['320812', 3, 197.5, 1], ['320813', 3, 197.5, 2]]
    """
    levels = [level] if isinstance(level, str) else list(level)
    keys = [within] if isinstance(within, str) else list(within)
    out = frame[frame["level"].isin(levels)].copy()
    if "body" in keys and "body" not in out:
        out["body"] = out["agency_key"].map(_body).astype("string")
    out["peer_group"] = out[keys].astype("string").fillna("?").agg("/".join, axis=1)
    g = out.groupby(keys, dropna=False)[value]
    out["n_peers"] = g.transform("size").astype("Int64")
    out["peer_median"] = g.transform("median")
    out["vs_median"] = _safe_ratio(out[value], out["peer_median"])
    out["peer_rank"] = g.rank(method="min", ascending=False).astype("Int64")
    sort = [c for c in ("peer_group", "region_code", "agency_key") if c in out]
    return out.sort_values(sort, kind="stable").reset_index(drop=True)


def rollup(values: pd.DataFrame, reports: pd.DataFrame, *, row: str = "new_received", col: str = TOTAL,
           table_id: str = "requests", dedupe: bool = True) -> pd.DataFrame:
    """A government's own figure next to the sum of its departments' (default: 本年新收 总计).

    For every government report (level province/city/county/zone) and year that has at least one
    department or township report with ``parent_code`` = the government's ``region_code`` (and the same
    zone part of the key): ``government``, ``departments`` (strict sum: missing when any department's
    cell is), ``n_departments``, ``difference`` = government − departments and ``ratio``. A comparison,
    not a check: a government's report may or may not include its departments' requests.

    >>> v = pd.DataFrame({"report_id": ["g", "d1", "d2"], "table": ["requests"] * 3,
    ...                   "row": ["new_received"] * 3, "col": ["total"] * 3, "value": [10.0, 3.0, 4.0],
    ...                   "flags": [""] * 3})
    >>> rep = pd.DataFrame({"report_id": ["g", "d1", "d2"], "agency": ["某县人民政府", "某县财政局", "某县教育局"],
    ...                     "agency_key": ["1:政府", "1:财政局", "1:教育局"], "region_code": ["1"] * 3,
    ...                     "parent_code": ["0", "1", "1"], "level": ["county", "department", "department"],
    ...                     "year": [2021] * 3, "template": ["gb2021"] * 3, "status": ["ok"] * 3, "path": list("abc")})
    >>> rollup(v, rep)[["agency", "government", "departments", "n_departments", "difference"]].values.tolist()
    [['某县人民政府', 10.0, 7.0, 2, 3.0]]
    """
    meta = report_meta(reports, values, dedupe=dedupe)
    cells = _grid(values, meta, table_id, [row], [col]).set_index("report_id")["value"]
    meta = meta.assign(_v=meta["report_id"].map(cells),
                       _zone=meta["agency_key"].astype("string").str.extract(r"^[^:/]*(/[^:]*)?:", expand=False)
                       .fillna(""))
    gov = meta[meta["level"].isin(GOVERNMENT_LEVELS)]
    deps = meta[meta["level"].isin(["department", "township"])]
    agg = deps.groupby(["parent_code", "_zone", "year"], dropna=True)
    parts = pd.DataFrame({"departments": agg["_v"].sum(min_count=1).where(~agg["_v"].apply(lambda s: s.isna().any())),
                          "n_departments": agg.size()}).reset_index()
    out = gov.merge(parts, left_on=["region_code", "_zone", "year"], right_on=["parent_code", "_zone", "year"],
                    how="inner", suffixes=("", "_dep")).drop(columns=["parent_code_dep"])
    out = out.rename(columns={"_v": "government"}).drop(columns=["_zone"])
    out["n_departments"] = out["n_departments"].astype("Int64")
    out["difference"] = out["government"] - out["departments"]
    out["ratio"] = _safe_ratio(out["government"], out["departments"])
    out.insert(len(KEYS), "row", row)
    out.insert(len(KEYS) + 1, "col", col)
    return out.sort_values(["region_code", "year"], kind="stable").reset_index(drop=True)


def rates(frame: pd.DataFrame, value: str, denominators: pd.DataFrame, *, on: str = "region_code",
          denominator: str = "population", per: float = 10_000.0) -> pd.DataFrame:
    """``value`` per ``per`` units of a denominator the user gives (population, staff, agencies …).

    ``denominators`` has ``on`` (default ``region_code``), ``denominator`` and optionally ``year``
    (then matched by year too). Adds ``denominator`` and ``rate`` = value / denominator × per (NaN
    where the denominator is missing or 0).

    >>> f = pd.DataFrame({"region_code": ["320813"], "year": [2024], "received": [95.0]})
    >>> d = pd.DataFrame({"region_code": ["320813"], "population": [500_000]})
    >>> round(float(rates(f, "received", d)["rate"].iloc[0]), 6)
    1.9
    """
    keys = [on, "year"] if "year" in denominators and "year" in frame else [on]
    den = denominators[[*keys, denominator]].copy()
    den[on] = den[on].astype("string")
    out = frame.copy()
    out["_on"] = out[on].astype("string")
    out = out.merge(den.rename(columns={on: "_on"}), on=["_on", *keys[1:]], how="left").drop(columns="_on")
    out["rate"] = _safe_ratio(out[value], out[denominator].astype("float64")) * per
    return out


def _category_order(column: str) -> list[str]:
    if column == "applicant":
        return [c.id for c in _REQUESTS.columns()]
    if column in ("outcome", "group"):
        # each group followed by its reasons: 不予公开, 1.属于国家秘密, …
        return [x for g in OUTCOME_GROUPS for x in [g, *[r.id for r in _REQUESTS.rows() if r.group == g]]]
    if column == "proceeding":
        return [p.id for p in _REVIEW.rows()] + [LITIGATION]
    if column == "item":
        return [i.id for i in _PROACTIVE.rows()]
    if column == "measure":
        return [m.id for m in _PROACTIVE.columns()]
    return []


def pivot(frame: pd.DataFrame, value: str, *, columns: str, index: Sequence[str] = ("agency", "year"),
          labels: str = "id") -> pd.DataFrame:
    """A helper's long result as a wide table: one row per ``index``, one column per category.

    Categories keep the template order; a report whose values are all missing keeps its row (NaN).
    ``labels="zh"`` / ``"zh_short"`` translate the headings.

    >>> f = pd.DataFrame({"agency": ["A", "A"], "year": [2021, 2021], "outcome": ["withheld", "granted"],
    ...                   "share": [0.25, 0.75]})
    >>> pivot(f, "share", columns="outcome").columns.tolist()
    ['granted', 'withheld']
    """
    idx = list(index)
    if frame.duplicated([*idx, columns]).any():
        raise ValueError(f"more than one {value!r} per {idx + [columns]}; add a column to `index`")
    wide = frame.pivot(index=idx, columns=columns, values=value)
    order = [c for c in _category_order(columns) if c in wide.columns]
    wide = wide.reindex(columns=order + [c for c in wide.columns if c not in order])
    wide.columns.name = None
    if labels == "id":
        return wide
    short = labels == "zh_short"
    if labels not in ("zh", "zh_short"):
        raise ValueError(f"labels must be 'id', 'zh' or 'zh_short', not {labels!r}")
    wide.columns = [short_label(value_zh(columns, c)) if short else value_zh(columns, c) for c in wide.columns]
    wide.index = wide.index.set_names([COLUMN_ZH.get(n, n) for n in wide.index.names])
    return wide


# --------------------------------------------------------------------------- labels

def to_zh(frame: pd.DataFrame, *, short: bool = False) -> pd.DataFrame:
    """A copy of a helper's result with Chinese category values and column headings.

    >>> from discl.templates import template_for_year
    >>> f = pd.DataFrame({"outcome": ["partially_granted"], "share": [0.5], "template": [template_for_year(2021)]})
    >>> to_zh(f, short=True).columns.tolist(), to_zh(f, short=True).iloc[0, 0]
    (['办理结果', '占比', '模板'], '部分公开')
    >>> to_zh(pd.DataFrame({"derived": [True, False]}))["推算"].tolist()
    ['是', '否']
    """
    out = frame.copy()
    tmpl = out["template"] if "template" in out else pd.Series([None] * len(out), index=out.index)
    for col in CATEGORY_COLUMNS:
        if col in out:
            labels = [value_zh(col, x, None if pd.isna(t) else t) if isinstance(x, str) else x
                      for x, t in zip(out[col], tmpl)]
            out[col] = [short_label(x) if short and isinstance(x, str) else x for x in labels]
    for col in out.columns:
        if pd.api.types.is_bool_dtype(out[col]):  # True/False read as 是/否 (missing stays missing)
            out[col] = out[col].map(BOOL_ZH)
    return out.rename(columns=COLUMN_ZH)


def _finish(frame: pd.DataFrame, labels: str) -> pd.DataFrame:
    frame = frame.reset_index(drop=True)
    if labels == "id":
        return frame
    if labels == "zh":
        return to_zh(frame)
    if labels == "zh_short":
        return to_zh(frame, short=True)
    raise ValueError(f"labels must be 'id', 'zh' or 'zh_short', not {labels!r}")
