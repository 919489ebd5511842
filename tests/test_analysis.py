"""Analyst workflow: comparison helpers, charts with Chinese labels, notebooks, the research report.

Expected numbers are computed here by hand from the figures discl's samples are rendered from
(``discl/data/samples.csv``) and from the real reports' ``expect.json``, never with the helpers.
"""
from __future__ import annotations

import copy
import csv
import math
import os
import re
import warnings
from importlib import resources
from pathlib import Path

import matplotlib
import pandas as pd
import pytest

import discl
from conftest import CORPUS, REPO, corpus_dirs, load_expect
from discl import analysis as A
from discl import plots as P

NOTEBOOKS = REPO / "notebooks"
NOTEBOOK_NAMES = ["quickstart", "compare", "research_report"]


# --------------------------------------------------------------------------- fixtures & hand figures

@pytest.fixture(scope="session")
def sample_raw(tmp_path_factory) -> Path:
    from discl.render import write_samples

    d = tmp_path_factory.mktemp("samples")
    write_samples(d)
    return d


@pytest.fixture(scope="session")
def sample_ingest(sample_raw, tmp_path_factory) -> Path:
    """What `discl ingest samples --out DIR` writes."""
    out = tmp_path_factory.mktemp("ingest")
    discl.load(str(sample_raw)).to_parquet(str(out))
    return out


@pytest.fixture(scope="session")
def samples(sample_ingest) -> discl.Corpus:
    return discl.Corpus.from_parquet(str(sample_ingest))


@pytest.fixture(scope="session")
def real() -> discl.Corpus:
    if not CORPUS.is_dir():
        pytest.skip(f"the real-report corpus is not available at {CORPUS} (set DISCL_CORPUS)")
    return discl.load(str(CORPUS))


def _csv_value(text: str) -> float | None:
    """A samples.csv figure in 件 / 万元; None for a blank, dash or slash cell."""
    text = text.strip()
    if text in ("", "—", "/"):
        return None
    m = re.fullmatch(r"([+-]?[\d.]+)(元|万元)?", text)
    assert m, text
    value = float(m.group(1))
    return value / 10000 if m.group(2) == "元" else value


def _sample_figures() -> dict[tuple, float | None]:
    """(agency, year, table, row, col) → figure as printed in the sample reports."""
    text = resources.files("discl").joinpath("data/samples.csv").read_text(encoding="utf-8")
    return {(r["agency"], int(r["year"]), r["table"], r["row"], r["col"]): _csv_value(r["value"])
            for r in csv.DictReader(text.splitlines())}


FIG = _sample_figures()
SAMPLE_REPORTS = sorted({(a, y) for a, y, *_ in FIG})
TEMPLATE = {(a, y): ("gb2019" if y <= 2020 else "gb2021") for a, y in SAMPLE_REPORTS}


def _one(frame: pd.DataFrame, **where) -> pd.Series:
    sel = frame
    for k, v in where.items():
        sel = sel[sel[k] == v]
    assert len(sel) == 1, (where, len(sel))
    return sel.iloc[0]


def _same(actual: float, expected: float | None) -> bool:
    if expected is None or (isinstance(expected, float) and math.isnan(expected)):
        return pd.isna(actual)
    return not pd.isna(actual) and math.isclose(float(actual), expected, rel_tol=1e-9, abs_tol=1e-9)


def _hand_sum(agency: str, year: int, rows: list[str]) -> float | None:
    parts = [FIG.get((agency, year, "requests", r, "total")) for r in rows]
    return None if any(p is None for p in parts) else sum(parts)


# --------------------------------------------------------------------------- samples

def test_samples_cover_both_templates(samples):
    assert {t for t in samples.reports["template"]} == {"gb2019", "gb2021"}
    assert len(A.select_reports(samples.reports)) == len(SAMPLE_REPORTS)


def test_applications_received_samples(samples):
    got = A.applications_received(samples.values, samples.reports)
    assert len(got) == len(SAMPLE_REPORTS)
    for agency, year in SAMPLE_REPORTS:
        row = _one(got, agency=agency, year=year)
        assert _same(row["received"], FIG[(agency, year, "requests", "new_received", "total")]), (agency, year)
    assert _one(got, agency="平潭综合实验区", year=2019)["received"] == 23


def test_applications_by_applicant_blank_rule(samples):
    got = A.applications_received(samples.values, samples.reports, by_applicant=True)
    for agency, year in SAMPLE_REPORTS:
        for col in [*A.APPLICANTS, "total"]:
            printed = FIG[(agency, year, "requests", "new_received", col)]
            row = _one(got, agency=agency, year=year, applicant=col)
            # the documented exception: a blank applicant cell is 0; a blank total stays missing
            expected = 0.0 if printed is None and col != "total" else printed
            assert _same(row["received"], expected), (agency, year, col)
            assert bool(row["imputed_zero"]) == (printed is None and col != "total")
    # 上海 2019 prints blanks for 科研机构 and 社会公益组织
    assert _one(got, agency="上海市人民政府办公厅", year=2019, applicant="research")["imputed_zero"]


def test_outcome_shares_samples(samples):
    got = A.outcome_shares(samples.values, samples.reports)
    rows = {r.id: {"in": r.templates} for r in discl.templates.table("requests").rows()}
    for agency, year in SAMPLE_REPORTS:
        tmpl = TEMPLATE[(agency, year)]
        denom = FIG[(agency, year, "requests", "total_processed", "total")]
        for group in A.OUTCOME_GROUPS:
            members = [r for r in rows if r.startswith(group + ".") and tmpl in rows[r]["in"]]
            printed_row = group in rows and tmpl in rows[group]["in"]
            expected = (FIG[(agency, year, "requests", group, "total")] if printed_row
                        else _hand_sum(agency, year, members))
            row = _one(got, agency=agency, year=year, outcome=group)
            assert _same(row["count"], expected), (agency, year, group)
            assert bool(row["derived"]) == (not printed_row), (agency, year, group)
            share = None if expected is None or not denom else expected / denom
            assert _same(row["share"], share), (agency, year, group)
    # gb2019 prints （六）其他处理; gb2021 only its three parts, so there it is derived
    assert not _one(got, agency="平潭综合实验区", year=2019, outcome="other_handling")["derived"]
    assert _one(got, agency="平潭综合实验区", year=2021, outcome="other_handling")["derived"]
    # 威海 2020 prints （七）总计 0: a share of nothing is undefined, not 0 and not inf
    assert got[(got["agency"] == "威海临港区党政办公室") & (got["year"] == 2020)]["share"].isna().all()


def test_outcome_detail_by_reason(samples):
    got = A.outcome_shares(samples.values, samples.reports, detail=True)
    withheld = got[got["group"] == "withheld"]
    assert set(withheld["outcome"]) == {r for r in A._category_order("outcome") if r.startswith("withheld.")}
    for agency, year in SAMPLE_REPORTS:
        for r in withheld["outcome"].unique():
            row = _one(got, agency=agency, year=year, outcome=r)
            assert _same(row["count"], FIG[(agency, year, "requests", r, "total")])
            assert not row["derived"]


def test_backlog_samples(samples):
    got = A.backlog(samples.values, samples.reports)
    for agency, year in SAMPLE_REPORTS:
        row = _one(got, agency=agency, year=year)
        co = FIG[(agency, year, "requests", "carried_over", "total")]
        cf = FIG[(agency, year, "requests", "carried_forward", "total")]
        assert _same(row["carried_over"], co) and _same(row["carried_forward"], cf)
        assert _same(row["backlog_change"], None if co is None or cf is None else cf - co)


def test_procurement_samples(samples):
    got = A.procurement(samples.values, samples.reports)
    gb2019 = [k for k in SAMPLE_REPORTS if TEMPLATE[k] == "gb2019"]
    assert sorted(zip(got["agency"], got["year"])) == sorted(gb2019)
    for agency, year in gb2019:
        row = _one(got, agency=agency, year=year)
        key = (agency, year, "proactive", "central_procurement")
        assert _same(row["projects"], FIG[(*key, "procurement_projects")])
        assert _same(row["amount"], FIG[(*key, "procurement_amount")])
    row = _one(got, agency="平潭综合实验区", year=2019)
    assert (row["projects"], round(row["amount"], 6)) == (135, 7539.443252)  # 75394432.52元 in 万元


def test_review_litigation_samples(samples):
    got = A.review_litigation(samples.values, samples.reports)
    for agency, year in SAMPLE_REPORTS:
        f = {(p, o): FIG[(agency, year, "review_litigation", p, o)]
             for p in ("admin_review", "litigation_direct", "litigation_after_review")
             for o in ("upheld", "corrected", "other", "pending", "total")}
        for p in ("admin_review", "litigation_direct", "litigation_after_review", "litigation"):
            if p == "litigation":
                parts = [(f[("litigation_direct", o)], f[("litigation_after_review", o)]) for o in
                         ("corrected", "pending", "total")]
                corrected, pending, total = (None if None in pr else sum(pr) for pr in parts)
            else:
                corrected, pending, total = f[(p, "corrected")], f[(p, "pending")], f[(p, "total")]
            concluded = None if total is None or pending is None else total - pending
            rate = None if corrected is None or not concluded else corrected / concluded
            row = _one(got, agency=agency, year=year, proceeding=p)
            assert _same(row["correction_rate"], rate), (agency, year, p)
            assert bool(row["derived"]) == (p == "litigation")


def test_proactive_samples(samples):
    got = A.proactive(samples.values, samples.reports, measures=["decisions"])
    for (agency, year, table, row, col), printed in FIG.items():
        if table == "proactive" and col == "decisions":
            assert _same(_one(got, agency=agency, year=year, item=row)["value"], printed)
    gb2021 = A.proactive(samples.values, samples.reports)
    assert "procurement_amount" not in set(gb2021[gb2021["template"] == "gb2021"]["measure"])


def test_year_on_year_and_rank_samples(samples):
    received = A.applications_received(samples.values, samples.reports)
    pt = A.year_on_year(received, "received")
    pt = pt[pt["agency"] == "平潭综合实验区"].set_index("year")
    r = {y: FIG[("平潭综合实验区", y, "requests", "new_received", "total")] for y in (2019, 2020, 2021, 2022)}
    assert pd.isna(pt.loc[2019, "change"])
    assert pt.loc[2020, "change"] == r[2020] - r[2019]
    assert math.isclose(pt.loc[2022, "pct_change"], (r[2022] - r[2021]) / r[2021])
    ranked = A.rank(received, "received")
    top2020 = ranked[(ranked["year"] == 2020) & (ranked["rank"] == 1)]["agency"].tolist()
    best = max((FIG[(a, 2020, "requests", "new_received", "total")], a) for a, y in SAMPLE_REPORTS if y == 2020)
    assert top2020 == [best[1]]
    with pytest.raises(ValueError, match="more than one row"):
        A.year_on_year(pd.concat([received, received]), "received")


def test_group_totals_and_levels(samples):
    received = A.applications_received(samples.values, samples.reports)
    by_level = A.group_totals(received, "received", by="level")
    # the sample agencies by hand: 洪泽区 a county, 平潭 a zone, the two 办公室/办公厅 departments
    level = {"淮安市洪泽区人民政府": "county", "平潭综合实验区": "zone", "威海临港区党政办公室": "department",
             "上海市人民政府办公厅": "department"}
    assert {a for a, _ in SAMPLE_REPORTS} == set(level)
    cells = {(level[a], y) for a, y in SAMPLE_REPORTS}
    assert len(cells) == len(by_level) and {lv for lv, _ in cells} == {"county", "zone", "department"}
    for lv, year in cells:
        hand = sum(FIG[(a, y, "requests", "new_received", "total")] for a, y in SAMPLE_REPORTS
                   if y == year and level[a] == lv)
        assert _one(by_level, level=lv, year=year)["received"] == hand
    # strict by default: one unknown member makes the total unknown
    f = received.assign(received=received["received"].where(received["agency"] != "威海临港区党政办公室"))
    g = _one(A.group_totals(f, "received", by="level"), level="department", year=2020)
    assert pd.isna(g["received"]) and g["n_missing"] == 1
    assert not pd.isna(_one(A.group_totals(f, "received", by="level", skipna=True), level="department",
                            year=2020)["received"])
    # by province: 江苏 is 洪泽区 alone
    by_prov = A.group_totals(received, "received", by="province")
    assert _one(by_prov, province="江苏省", year=2024)["received"] == FIG[("淮安市洪泽区人民政府", 2024, "requests",
                                                                          "new_received", "total")]


def test_level_of_frames_without_the_level_column(samples):
    # a reports table written before the place columns existed still gets a level from its region
    old = samples.reports.drop(columns=["level", "province", "city", "county", "region_code", "parent_code"])
    meta = A.report_meta(old)
    got = dict(zip(meta["agency"], meta["level"]))
    assert got["淮安市洪泽区人民政府"] == "county" and got["上海市人民政府办公厅"] == "province"


def test_agencies_listing_flags_spellings_of_one_key(samples):
    reports = samples.reports
    twin = reports[reports["agency"] == "平潭综合实验区"].head(1).assign(report_id="twin", agency="平潭综合实验区管委会")
    listed = A.agencies(pd.concat([reports, twin], ignore_index=True))
    pt = _one(listed, agency_key="350128:政府")
    assert pt["names"] == "平潭综合实验区 | 平潭综合实验区管委会" and pt["likely_duplicate"]
    assert pt["region_code"] == "350128" and pt["level"] == "zone"
    hz = _one(listed, agency_key="320813:政府")
    assert not hz["likely_duplicate"] and hz["years"] == _years_of(reports, "淮安市洪泽区人民政府")
    assert listed["region_code"].tolist() == sorted(listed["region_code"].tolist())


def _years_of(reports, agency):
    ys = sorted(int(y) for y in reports.loc[reports["agency"] == agency, "year"].unique())
    assert ys == list(range(ys[0], ys[-1] + 1))
    return f"{ys[0]}–{ys[-1]}"


def _rep(rid, agency, year):
    from discl.regions import place
    p = place(agency)
    return {"report_id": rid, "agency": agency, "year": year, "template": "gb2021", "status": "ok", "path": rid,
            "region": None, **p.columns()}


def _cell(rid, value):
    return {"report_id": rid, "table": "requests", "row": "new_received", "col": "total", "value": value,
            "flags": "" if value is not None else "blank"}


def test_peer_groups_districts_of_one_city():
    reports = pd.DataFrame([_rep("hz", "淮安市洪泽区人民政府", 2024), _rep("qjp", "淮安市清江浦区人民政府", 2024),
                            _rep("ha", "淮安市淮安区人民政府", 2024), _rep("city", "淮安市人民政府", 2024),
                            _rep("gl", "南京市鼓楼区人民政府", 2024), _rep("hz23", "淮安市洪泽区人民政府", 2023)])
    values = pd.DataFrame([_cell("hz", 95.0), _cell("qjp", 300.0), _cell("ha", 120.0), _cell("city", 3119.0),
                           _cell("gl", 50.0), _cell("hz23", 80.0)])
    got = A.peer_groups(A.applications_received(values, reports), "received")
    huaian = got[(got["parent_code"] == "320800") & (got["year"] == 2024)]
    assert huaian["agency"].tolist() == ["淮安市淮安区人民政府", "淮安市清江浦区人民政府", "淮安市洪泽区人民政府"]  # by code
    assert set(huaian["n_peers"]) == {3} and set(huaian["peer_median"]) == {120.0}
    assert dict(zip(huaian["agency"], huaian["peer_rank"])) == {"淮安市清江浦区人民政府": 1, "淮安市淮安区人民政府": 2,
                                                               "淮安市洪泽区人民政府": 3}
    assert "淮安市人民政府" not in set(got["agency"])  # a city is no peer of its districts
    assert _one(got, agency="南京市鼓楼区人民政府")["n_peers"] == 1
    assert _one(got, agency="淮安市洪泽区人民政府", year=2023)["n_peers"] == 1


def test_peer_groups_same_department_across_counties():
    reports = pd.DataFrame([_rep("a", "淮安市洪泽区财政局", 2024), _rep("b", "淮安市清江浦区财政局", 2024),
                            _rep("c", "淮安市洪泽区教育局", 2024)])
    values = pd.DataFrame([_cell("a", 2.0), _cell("b", 6.0), _cell("c", 9.0)])
    got = A.peer_groups(A.applications_received(values, reports), "received", level="department",
                        within=("body", "year"))
    fin = got[got["body"] == "财政局"]
    assert len(fin) == 2 and set(fin["peer_median"]) == {4.0}
    assert _one(got, body="教育局")["n_peers"] == 1


#: hand-placed agencies of two cities, listed out of order (codes from the 行政区划代码 list, typed here)
_PLACED = [("淮安市洪泽区人民政府", "320813", "county"), ("福州市鼓楼区人民政府", "350102", "county"),
           ("淮安市人民政府", "320800", "city"), ("淮安市清江浦区人民政府", "320812", "county"),
           ("某局", None, None), ("淮安市财政局", "320800", "department"), ("淮安市淮阴区人民政府", "320804", "county")]
#: the same, by code within city: the city's government, its department, its districts 04 < 12 < 13
_PLACED_ORDER = ["淮安市人民政府", "淮安市财政局", "淮安市淮阴区人民政府", "淮安市清江浦区人民政府", "淮安市洪泽区人民政府",
                 "福州市鼓楼区人民政府", "某局"]


def _placed_frame(years=(2023, 2024)) -> pd.DataFrame:
    return pd.DataFrame([{"agency": a, "region_code": code, "level": level, "agency_key": f"{code}:{a}",
                          "year": y, "received": float(10 * i + y - 2020)}
                         for i, (a, code, level) in enumerate(_PLACED) for y in years])


def test_charts_order_agencies_by_code_within_city():
    frame = _placed_frame()
    assert [t.get_text() for t in P.trend(frame, "received").axes[0].get_legend().get_texts()] == _PLACED_ORDER
    assert [ax.get_title() for ax in P.small_multiples(frame, "received").axes if ax.get_visible()] == _PLACED_ORDER
    comp = frame.rename(columns={"received": "value"}).assign(indicator="granted", comparable=True)
    legend = P.comparable_trend(comp, "granted").axes[0].get_legend().get_texts()
    assert [t.get_text() for t in legend] == _PLACED_ORDER
    shares = frame.assign(outcome="granted", share=0.5, total_processed=4.0)
    ax = P.outcome_shares_bar(shares).axes[0]
    top_down = [t.get_text() for t in ax.get_yticklabels()][::-1]
    assert top_down == [f"{a} {y}" for a in _PLACED_ORDER for y in (2023, 2024)]
    proc = frame.assign(amount=1.0, projects=1)
    labels = [t.get_text() for t in P.procurement_bars(proc).axes[0].get_xticklabels()]
    assert labels == [f"{a}\n{y}" for a in _PLACED_ORDER for y in (2023, 2024)]
    # a frame without region codes keeps the order by name
    names = [t.get_text() for t in P.trend(frame.drop(columns="region_code"), "received").axes[0]
             .get_legend().get_texts()]
    assert names == sorted(_PLACED_ORDER)


def test_rollup_government_against_its_departments():
    reports = pd.DataFrame([_rep("g", "淮安市洪泽区人民政府", 2024), _rep("d1", "淮安市洪泽区财政局", 2024),
                            _rep("d2", "淮安市洪泽区高良涧镇人民政府", 2024), _rep("other", "淮安市财政局", 2024),
                            _rep("g23", "淮安市洪泽区人民政府", 2023), _rep("d23", "淮安市洪泽区财政局", 2023),
                            _rep("d23b", "淮安市洪泽区教育局", 2023)])
    values = pd.DataFrame([_cell("g", 95.0), _cell("d1", 10.0), _cell("d2", 5.0), _cell("other", 40.0),
                           _cell("g23", 80.0), _cell("d23", 3.0), _cell("d23b", None)])
    got = A.rollup(values, reports).set_index("year")
    assert got.loc[2024, "departments"] == 15.0 and got.loc[2024, "n_departments"] == 2
    assert got.loc[2024, "difference"] == 80.0
    # a department whose cell is missing makes the sum unknown, never 0
    assert pd.isna(got.loc[2023, "departments"]) and got.loc[2023, "n_departments"] == 2
    assert set(got["agency"]) == {"淮安市洪泽区人民政府"}  # 淮安市 has a department but no government report


def test_rates_with_a_user_denominator():
    f = pd.DataFrame({"region_code": ["320813", "320812"], "year": [2024, 2024], "received": [95.0, 300.0]})
    d = pd.DataFrame({"region_code": ["320813", "320812"], "population": [0, 600_000]})
    got = A.rates(f, "received", d, per=10_000).set_index("region_code")
    assert pd.isna(got.loc["320813", "rate"]) and got.loc["320812", "rate"] == 5.0


def test_labels_zh(samples):
    zh = A.outcome_shares(samples.values, samples.reports, labels="zh")
    assert {"机关", "年度", "办理结果", "占比", "推算"} <= set(zh.columns)
    assert "（三）不予公开" in set(zh["办理结果"])
    short = A.applications_received(samples.values, samples.reports, by_applicant=True, labels="zh_short")
    assert {"自然人", "总计"} <= set(short["申请人"])
    wide = A.pivot(A.outcome_shares(samples.values, samples.reports), "share", columns="outcome",
                   labels="zh_short")
    assert list(wide.columns) == ["予以公开", "部分公开", "不予公开", "无法提供", "不予处理", "其他处理"]
    with pytest.raises(ValueError):
        A.backlog(samples.values, samples.reports, labels="fr")


# --------------------------------------------------------------------------- real corpus

def _expected_new_received(name: str) -> float:
    figs = load_expect(CORPUS / name)["figures"]
    return next(v for t, r, c, v in figs if (t, r, c) == ("requests", "new_received", "total"))


def test_pingtan_series_real(real):
    got = A.applications_received(real.values, real.reports)
    series = got[got["agency_key"] == "350128:政府"].set_index("year")["received"]
    expected = {2019: _expected_new_received("fj-pingtan-2019-html"),
                2021: _expected_new_received("fj-pingtan-2021-html"),
                2022: _expected_new_received("fj-pingtan-2022")}
    assert expected == {2019: 23, 2021: 70, 2022: 74}
    assert series.to_dict() == expected
    # 2021 is there twice (text and HTML): one kept by default, both without dedupe
    assert (A.applications_received(real.values, real.reports, dedupe=False)
            .query("agency_key == '350128:政府' and year == 2021").shape[0]) == 2
    yoy = A.year_on_year(got, "received").set_index(["agency_key", "year"])
    assert pd.isna(yoy.loc[("350128:政府", 2021), "change"])  # 2019 → 2021 is not year-on-year
    assert yoy.loc[("350128:政府", 2022), "change"] == 4


def test_review_and_backlog_real(real):
    rl = A.review_litigation(real.values, real.reports, dedupe=False)
    bl = A.backlog(real.values, real.reports, dedupe=False)
    paths = real.reports.set_index("report_id")["path"]
    checked = 0
    for d in corpus_dirs():
        figs = {(t, r, c): v for t, r, c, v in load_expect(d)["figures"]}
        rid = next(i for i, p in paths.items() if Path(p).parent == d)
        need = [("review_litigation", "admin_review", o) for o in ("corrected", "pending", "total")]
        if all(k in figs for k in need):
            c, p, t = (figs[k] for k in need)
            rate = c / (t - p) if t - p else None
            assert _same(_one(rl, report_id=rid, proceeding="admin_review")["correction_rate"], rate), d.name
            checked += 1
        for row in ("carried_over", "carried_forward"):
            if ("requests", row, "total") in figs:
                assert _same(_one(bl, report_id=rid)[row], figs[("requests", row, "total")]), (d.name, row)
    assert checked >= 3


def test_missing_stays_missing_real(real):
    """上海 2019 prints blank 总计 cells in 办理结果: counts and shares stay NaN, never 0."""
    got = A.outcome_shares(real.values, real.reports)
    sh = got[(got["agency_key"] == "310000:政府办公厅") & (got["year"] == 2019)]
    assert len(sh) == 6 and sh["count"].isna().all() and sh["share"].isna().all()
    assert (sh["total_processed"] == 805).all()


# --------------------------------------------------------------------------- purity

def test_helpers_do_not_mutate_inputs(samples):
    values, reports = samples.values, samples.reports
    v0, r0 = copy.deepcopy(values), copy.deepcopy(reports)
    calls = [
        lambda: A.select_reports(reports, values),
        lambda: A.applications_received(values, reports, by_applicant=True, labels="zh"),
        lambda: A.outcome_shares(values, reports),
        lambda: A.outcome_shares(values, reports, detail=True, applicant="natural_person"),
        lambda: A.backlog(values, reports),
        lambda: A.procurement(values, reports),
        lambda: A.proactive(values, reports),
        lambda: A.review_litigation(values, reports, labels="zh_short"),
    ]
    results = [c() for c in calls]
    pd.testing.assert_frame_equal(values, v0)
    pd.testing.assert_frame_equal(reports, r0)
    received = results[1].rename(columns={"本年新收申请": "received"})
    frame = A.applications_received(values, reports)
    f0 = frame.copy(deep=True)
    A.year_on_year(frame, "received"), A.rank(frame, "received"), A.group_totals(frame, "received")
    A.to_zh(frame), A.pivot(frame, "received", columns="template")
    pd.testing.assert_frame_equal(frame, f0)
    shares = A.outcome_shares(values, reports)
    s0 = shares.copy(deep=True)
    rc0 = dict(matplotlib.rcParams)
    P.outcome_shares_bar(shares), P.trend(frame, "received"), P.small_multiples(frame, "received")
    P.procurement_bars(A.procurement(values, reports))
    pd.testing.assert_frame_equal(shares, s0)
    assert dict(matplotlib.rcParams) == rc0, "a plot function changed the global rcParams"
    assert len(received)


# --------------------------------------------------------------------------- Chinese in charts

def _all_labels(samples) -> list[str]:
    T = discl.templates
    req, pro, rl = T.table("requests"), T.table("proactive"), T.table("review_litigation")
    labels = [e.zh for e in (*req.all_rows, *req.all_columns, *req.row_groups, *req.column_groups)]
    labels += [e.label(t) for e in (*pro.all_rows, *pro.all_columns) for t in T.TEMPLATE_IDS]
    labels += [e.zh for e in (*rl.all_rows, *rl.all_columns, *rl.row_groups)]
    labels += list(A.COLUMN_ZH.values()) + ["行政诉讼", "无数据", "缺失", "金额缺失", "项目数缺失", "个项目",
                                             "办理结果构成", "政府集中采购", "（按机关）", "占比（占办理总计）"]
    labels += [A.short_label(x) for x in labels]
    labels += list(samples.reports["agency"].dropna()) + list(samples.reports["region"].dropna())
    return [x for x in labels if x]


def test_font_is_bundled_not_system():
    path = P.cjk_font_path()
    assert "mplfonts" in path.parts and path.is_file()


def test_font_cmap_covers_all_labels(samples):
    from fontTools.ttLib import TTFont

    cmap = TTFont(str(P.cjk_font_path()), lazy=True).getBestCmap()
    missing = sorted({ch for label in _all_labels(samples) for ch in label
                      if not ch.isspace() and ord(ch) not in cmap})
    assert not missing, f"characters missing from {P.cjk_font_path().name}: {''.join(missing)}"


def _glyph_warnings(fig) -> list[str]:
    import io

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig.savefig(io.BytesIO(), format="png")
    return [str(w.message) for w in caught if "missing from font" in str(w.message) or "Glyph" in str(w.message)]


def test_charts_render_all_labels_without_missing_glyphs(samples):
    from matplotlib.figure import Figure

    labels = _all_labels(samples)
    fig = Figure(figsize=(8, 0.2 * len(labels)))
    ax = fig.add_subplot()
    for i, label in enumerate(labels):
        ax.text(0, i, label)
    ax.set_ylim(0, len(labels))
    assert _glyph_warnings(P.apply_cjk_font(fig)) == []
    v, r = samples.values, samples.reports
    figs = [P.trend(A.applications_received(v, r), "received"),
            P.outcome_shares_bar(A.outcome_shares(v, r)),
            P.small_multiples(A.applications_received(v, r), "received"),
            P.procurement_bars(A.procurement(v, r))]
    for f in figs:
        assert _glyph_warnings(f) == []
    # the check can fail: DejaVu Sans alone has no CJK glyphs
    bare = Figure()
    bare.text(0.5, 0.5, "予以公开", fontfamily="DejaVu Sans")
    assert _glyph_warnings(bare)


def test_plots_accept_an_axes(samples):
    from matplotlib.figure import Figure

    fig = Figure()
    ax = fig.add_subplot()
    out = P.trend(A.applications_received(samples.values, samples.reports), "received", ax=ax)
    assert out is fig and ax.get_title()


# --------------------------------------------------------------------------- notebooks & report

@pytest.mark.parametrize("name", NOTEBOOK_NAMES)
def test_notebook_pairs_in_sync(name):
    import jupytext
    import nbformat

    py = jupytext.read(NOTEBOOKS / f"{name}.py")
    nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    assert [c.source for c in py.cells] == [c.source for c in nb.cells], \
        f"run `make notebooks` to regenerate notebooks/{name}.ipynb from its .py"


@pytest.mark.parametrize("name", NOTEBOOK_NAMES)
def test_committed_notebooks_are_executed(name):
    """A reader browsing the repository sees the results: every code cell ran, in order, without error,
    and the notebooks that draw charts carry them (``make notebooks``)."""
    import nbformat

    nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    counts = [c.get("execution_count") for c in code]
    assert None not in counts and counts == sorted(counts), f"run `make notebooks` ({name}: {counts})"
    outputs = [o for c in code for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    assert not [o for o in outputs if o.get("name") == "stderr"], "a warning was committed in the outputs"
    if name in ("compare", "research_report"):
        assert any("image/png" in o.get("data", {}) for o in outputs), f"{name} shows no chart"


@pytest.mark.parametrize("name,data", [("quickstart", None), ("compare", "raw"), ("research_report", "ingest")])
def test_notebooks_execute(name, data, sample_raw, sample_ingest, monkeypatch):
    import nbformat
    from nbclient import NotebookClient

    # the kernel inherits the environment: DISCL_DATA picks the input; unset, the samples are used
    if data is None:
        monkeypatch.delenv("DISCL_DATA", raising=False)
    else:
        monkeypatch.setenv("DISCL_DATA", str(sample_raw if data == "raw" else sample_ingest))
    nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    NotebookClient(nb, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors
    if data is None:  # the samples the kernel wrote to a temporary folder went with the kernel
        import tempfile

        assert not list(Path(tempfile.gettempdir()).glob("discl-samples-*"))


def test_compare_notebook_compares_the_districts_of_one_city(tmp_path, monkeypatch):
    """The ``compare`` notebook's last section, on a corpus of three 淮安 districts (the 洪泽区 sample
    re-titled) and one 福州 zone: the 淮安 group, its members in code order 淮阴区 320804 < 清江浦区 320812
    < 洪泽区 320813, and a chart."""
    import dataclasses

    import nbformat
    from nbclient import NotebookClient

    from discl.render import load_samples, render_text

    hz = next(s for s in load_samples() if s.agency == "淮安市洪泽区人民政府" and s.year == 2024)
    pt = next(s for s in load_samples() if s.agency == "平潭综合实验区" and s.year == 2022)
    for spec in (hz, pt, dataclasses.replace(hz, agency="淮安市清江浦区人民政府"),
                 dataclasses.replace(hz, agency="淮安市淮阴区人民政府")):
        (tmp_path / f"{spec.agency}{spec.year}.txt").write_text(render_text(spec), encoding="utf-8")
    monkeypatch.setenv("DISCL_DATA", str(tmp_path))
    nb = nbformat.read(NOTEBOOKS / "compare.ipynb", as_version=4)
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
    last = nb.cells[-1]
    assert "peer_groups" in last.source
    table = next(o for o in last.outputs if "text/html" in o.get("data", {}))["data"]["text/html"]
    order = [table.index(name) for name in ("淮安市淮阴区人民政府", "淮安市清江浦区人民政府", "淮安市洪泽区人民政府")]
    assert order == sorted(order) and "平潭" not in table
    assert any("image/png" in o.get("data", {}) for o in last.outputs)


def test_resolve_data_reuses_one_samples_folder_and_leaves_no_temporary_ones(tmp_path, monkeypatch):
    import subprocess
    import sys

    monkeypatch.delenv("DISCL_DATA", raising=False)
    code = "from discl.report import resolve_data; import os; a = resolve_data(); assert os.listdir(a); print(a)"
    env = {**os.environ, "TMPDIR": str(tmp_path / "tmp"), "XDG_CACHE_HOME": str(tmp_path / "cache"),
           "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    (tmp_path / "tmp").mkdir()
    runs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300)
            for _ in range(2)]
    assert all(r.returncode == 0 for r in runs), [r.stderr for r in runs]
    folders = {Path(r.stdout.strip()) for r in runs}
    assert len(folders) == 1 and next(iter(folders)).parent == tmp_path / "cache" / "discl"
    assert [p.name for p in (tmp_path / "cache" / "discl").iterdir()] == [next(iter(folders)).name]
    assert not list((tmp_path / "tmp").iterdir())  # nothing left in the temporary folder


def test_render_research_report(sample_ingest, tmp_path, capfd):
    from discl.report import render_research_report

    out = render_research_report(str(sample_ingest), str(tmp_path / "sub" / "report.html"))
    # the kernel inherits this process's stderr: nothing of its own log reaches the user (regression:
    # "[IPKernelApp] WARNING | Kernel is running over TCP without encryption" on every discl report)
    assert "WARNING" not in capfd.readouterr().err
    assert out == str(tmp_path / "sub" / "report.html")
    html = Path(out).read_text(encoding="utf-8")
    assert '<img src="data:image/png;base64' in html
    assert 'src="http' not in html and "<script src=" not in html
    assert "import pandas" not in html  # no code cells
    assert "政府集中采购" in html and "平潭综合实验区" in html
    assert [p.name for p in (tmp_path / "sub").iterdir()] == ["report.html"]  # no temporary file left


def test_render_research_report_errors(tmp_path, monkeypatch, sample_ingest):
    from discl import report

    with pytest.raises(FileNotFoundError, match="does not exist"):
        report.render_research_report(str(tmp_path / "nope"), str(tmp_path / "r.html"))
    monkeypatch.setattr(report, "NOTEBOOK_DIR", tmp_path / "no-notebooks")
    with pytest.raises(FileNotFoundError, match="repository checkout"):
        report.render_research_report(str(sample_ingest), str(tmp_path / "r.html"))
    assert not (tmp_path / "r.html").exists()
    with pytest.raises(ValueError, match="network"):
        report.assert_self_contained('<link href="https://cdn.example/x.css">')


# --------------------------------------------------------------------------- issue 16: charts read right

def _texts(fig) -> list[str]:
    return [t.get_text() for ax in fig.axes for t in ax.texts]


def test_all_zero_chart_has_a_sensible_axis_and_a_note():
    frame = pd.DataFrame({"agency": ["甲区"] * 3, "year": [2021, 2022, 2023], "received": [0.0, 0.0, 0.0]})
    for fig in (P.trend(frame, "received"), P.small_multiples(frame, "received")):
        ax = fig.axes[0]
        lo, hi = ax.get_ylim()
        assert lo == 0 and hi >= 1, (lo, hi)  # not matplotlib's ±0.05 around a flat 0 line
        ticks = [t for t in ax.get_yticks() if lo <= t <= hi]
        assert all(float(t).is_integer() for t in ticks), ticks  # counts: no 0.02 ticks
        assert P.ALL_ZERO_NOTE in _texts(fig)
    busy = P.trend(frame.assign(received=[0.0, 3.0, 5.0]), "received")
    assert P.ALL_ZERO_NOTE not in _texts(busy)


def _shares(rows: dict[str, tuple[float, float]]) -> pd.DataFrame:
    """outcome_shares-like frame for one report: group → (count, total_processed)."""
    recs = [{"agency": "甲区", "year": 2022, "outcome": g, "count": c, "total_processed": t,
             "share": (c / t) if t and pd.notna(c) else float("nan")} for g, (c, t) in rows.items()]
    return pd.DataFrame(recs)


def test_outcome_bar_short_of_100_percent_names_the_missing_groups():
    nan = float("nan")
    fig = P.outcome_shares_bar(_shares({"granted": (6, 10), "partially_granted": (2, 10), "withheld": (nan, 10),
                                        "unable": (2, 10), "not_processed": (nan, 10), "other_handling": (0, 10)}))
    notes = [t for t in _texts(fig) if t.startswith("缺")]
    assert len(notes) == 1 and "不予公开" in notes[0] and "不予处理" in notes[0], notes
    assert "予以公开" not in notes[0] and "无法提供" not in notes[0]


def test_outcome_bar_of_a_year_with_no_cases_says_0_not_no_data():
    nan = float("nan")
    zero = _shares({g: (0.0, 0.0) for g in A.OUTCOME_GROUPS})
    texts = _texts(P.outcome_shares_bar(zero))
    assert any(t.startswith("0 件") for t in texts) and "无数据" not in texts, texts
    unread = _shares({g: (nan, nan) for g in A.OUTCOME_GROUPS})
    assert "无数据" in _texts(P.outcome_shares_bar(unread))


def test_booleans_read_yes_no_in_chinese_tables(samples):
    rl = A.review_litigation(samples.values, samples.reports)
    zh = A.to_zh(rl)
    assert set(zh["推算"].dropna()) <= {"是", "否"} and len(zh["推算"].dropna())
    assert rl["derived"].dtype == bool  # the helper's own result is unchanged


def test_report_keeps_warnings_out_of_the_html(sample_ingest, tmp_path, monkeypatch):
    """A cell that warns: the warning reaches whoever runs the report, not the HTML."""
    import nbformat

    from discl import report

    nb = nbformat.read(report.notebook_path(), as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(
        "import warnings\nwarnings.warn('a leaked warning xyz', FutureWarning)\nprint('visible output')"))
    folder = tmp_path / "nb"
    folder.mkdir()
    nbformat.write(nb, folder / "research_report.ipynb")
    monkeypatch.setattr(report, "NOTEBOOK_DIR", folder)
    with pytest.warns(report.ReportWarning, match="a leaked warning xyz"):
        out = report.render_research_report(str(sample_ingest), str(tmp_path / "r.html"))
    html = Path(out).read_text(encoding="utf-8")
    assert "visible output" in html
    assert "a leaked warning xyz" not in html and "FutureWarning" not in html
    assert "jp-OutputArea-output\" data-mime-type=\"application/vnd.jupyter.stderr" not in html
