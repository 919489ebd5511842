"""Robustness: layouts reports print besides the template's, each cell right or missing-and-flagged.

Every test builds a report variant (tests/variants.py, an independent writer) in HTML, tab-separated text
and Markdown, reads it with discl, and checks each cell against what is printed: the value when the cell
holds a number, missing with the right flag when it does not. A wrong number without a flag fails.
"""
from __future__ import annotations

import math
import random
from dataclasses import replace

import pytest

import discl
from discl.normalize import fold_traditional
from discl.render import random_spec

import variants as V

FORMATS = ["html", "txt", "md"]
TEMPLATES = ["gb2019", "gb2021"]
ATTENTION = {"ambiguous", "unreadable", "header_assumed", "position_inferred", "blank", "dash", "slash"}


def base(seed: int, template: str) -> V.Variant:
    s = random_spec(random.Random(seed), template=template)
    return V.Variant(agency=s.agency, year=s.year, template=s.template, cells=dict(s.cells))


def read(v: V.Variant, fmt: str, tmp_path, text: str | None = None) -> discl.Report:
    p = tmp_path / f"r.{fmt}"
    p.write_text(text if text is not None else V.render(v, fmt), encoding="utf-8")
    return discl.read_report(p, checks=False)


def cells_of(rep: discl.Report) -> dict:
    v = rep.values
    return {(t, r, c): (val, set(f.split(",")) - {""}) for t, r, c, val, f in
            zip(v["table"], v["row"], v["col"], v["value"], v["flags"])}


def assert_right(rep: discl.Report, v: V.Variant, *, flagged_ok: set[tuple] = frozenset()) -> None:
    """Every printed cell is read as printed; cells in ``flagged_ok`` may instead be missing and flagged
    ambiguous. No cell is read that the report does not print."""
    got = cells_of(rep)
    wrong = []
    for key, text in v.cells.items():
        exp, flag = V.expected(text)
        g = got.get(key)
        if g is None:
            wrong.append((key, text, "not read"))
            continue
        val, flags = g
        if key in flagged_ok and math.isnan(val) and "ambiguous" in flags:
            continue
        if math.isnan(exp):
            if not (math.isnan(val) and flag in flags):
                wrong.append((key, text, g))
        elif not (abs(val - exp) < 1e-9 and (flag is None or flag in flags)):
            wrong.append((key, text, g))
    assert not wrong, f"{len(wrong)} cells wrong: {wrong[:6]}"
    assert set(got) <= set(v.cells), f"cells read that are not printed: {sorted(set(got) - set(v.cells))[:5]}"
    assert rep.meta["year"] == v.year and rep.meta["template"] == v.template, rep.meta


def assert_never_silently_wrong(rep: discl.Report, v: V.Variant) -> None:
    """Each printed cell is right, or missing and flagged (never another number without a flag)."""
    for key, (val, flags) in cells_of(rep).items():
        if key not in v.cells:
            assert math.isnan(val) and flags & ATTENTION, (key, val, flags)
            continue
        exp, _ = V.expected(v.cells[key])
        if math.isnan(exp) or abs(val - exp) > 1e-9:
            assert math.isnan(val) and flags & ATTENTION, (key, v.cells[key], val, flags)


def rules(rep: discl.Report, severity: str | None = None) -> set[str]:
    i = rep.issues
    return set(i["rule"] if severity is None else i.loc[i["severity"] == severity, "rule"])


# ------------------------------------------------------------------------------------------------
# 1. columns by header, not by position

T3_ORDERS = {
    "social_before_legal": ["natural_person", "commercial", "research", "legal_service", "social_org", "other_org",
                            "total"],
    "natural_person_last": ["commercial", "research", "social_org", "legal_service", "other_org", "natural_person",
                            "total"],
    "total_first": ["total", "natural_person", "other_org", "legal_service", "social_org", "research", "commercial"],
}


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("order", sorted(T3_ORDERS))
def test_table3_columns_in_another_order(fmt, order, tmp_path):
    v = replace(base(3, "gb2021"), t3_cols=T3_ORDERS[order])
    rep = read(v, fmt, tmp_path)
    assert_right(rep, v)
    assert not any("header_assumed" in f for f in rep.values["flags"])


T4_LAYOUTS = {
    "litigation_first": dict(t4_procs=["litigation_direct", "litigation_after_review", "admin_review"]),
    "after_review_first": dict(t4_procs=["admin_review", "litigation_after_review", "litigation_direct"]),
    "outcomes_reordered": dict(t4_outcomes=["total", "pending", "upheld", "corrected", "other"]),
    "subtables": dict(t4_shape="subtables"),
    "subtables_reordered": dict(t4_shape="subtables", t4_procs=["litigation_after_review", "admin_review",
                                                                 "litigation_direct"]),
    "transposed": dict(t4_shape="transposed", t4_outcomes=["upheld", "other", "corrected", "pending", "total"]),
    "vertical_headers": dict(vertical_headers=True, t4_procs=["litigation_direct", "litigation_after_review",
                                                              "admin_review"]),
}


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("layout", sorted(T4_LAYOUTS))
def test_table4_in_other_shapes(fmt, layout, tmp_path):
    v = replace(base(4, "gb2019"), **T4_LAYOUTS[layout])
    assert_right(read(v, fmt, tmp_path), v)


@pytest.mark.parametrize("fmt", FORMATS)
def test_table2_measures_in_another_order(fmt, tmp_path):
    v = replace(base(5, "gb2021"), t2_measures={0: ["in_force", "issued", "repealed"]})
    assert_right(read(v, fmt, tmp_path), v)


@pytest.mark.parametrize("fmt", ["txt", "md"])
def test_no_table3_header_is_placed_by_the_template_and_flagged(fmt, tmp_path):
    v = base(6, "gb2021")
    text = "\n".join(ln for ln in V.render(v, fmt).split("\n")
                     if not any(w in ln for w in ("自然人", "商业企业", "申请人情况")))
    rep = read(v, fmt, tmp_path, text)
    assert_right(rep, v)
    t3 = rep.values[rep.values["table"] == "requests"]
    assert t3["flags"].str.contains("header_assumed").all()
    assert "read.header_assumed" in rules(rep, "warning")


# ------------------------------------------------------------------------------------------------
# 2. quoted or duplicated tables


def _last_year(cells: dict) -> dict:
    return {k: (str(int(t) + 7) if t.isdigit() else t) for k, t in cells.items()}


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("where", ["overview", "before", "appendix"])
def test_quoted_last_year_tables_are_not_read_as_this_years(fmt, where, tmp_path):
    v = base(7, "gb2021")
    v = replace(v, quote=where, quoted_cells=_last_year(v.cells))
    rep = read(v, fmt, tmp_path)
    assert_right(rep, v)
    assert "read.other_copy" in rules(rep)


@pytest.mark.parametrize("fmt", FORMATS)
def test_two_uncaptioned_copies_that_disagree_are_left_missing(fmt, tmp_path):
    v = base(8, "gb2021")
    v = replace(v, quote="before_uncaptioned", quoted_cells=_last_year(v.cells))
    rep = read(v, fmt, tmp_path)
    assert_never_silently_wrong(rep, v)
    t2 = rep.values[rep.values["table"] == "proactive"]
    assert t2["value"].isna().any() and "read.conflicting_copies" in rules(rep, "warning")


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_sentence_naming_rows_never_displaces_the_table_row(fmt, tmp_path):
    v = V.with_cells(base(9, "gb2021"), **{"proactive/normative_docs/issued": "6",
                                           "proactive/normative_docs/repealed": "0",
                                           "proactive/normative_docs/in_force": "6"})
    v = replace(v, narrative=["全年制发行政规范性文件类 9条、重大建设项目信息类 24条，行政许可 15件。"])
    assert_right(read(v, fmt, tmp_path), v)


# ------------------------------------------------------------------------------------------------
# 3./4. cells that are not clean numbers, footnote marks


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("text", ["−8", "—8", "减少8", "持平", "不适用", "524①", "524¹", "524*", "524注"])
def test_a_cell_that_is_not_a_clean_number_keeps_its_neighbours(fmt, text, tmp_path):
    v = V.with_cells(base(10, "gb2019"), **{"proactive/admin_license/items_change": text,
                                            "requests/granted/research": text if "524" in text else "0"})
    assert_right(read(v, fmt, tmp_path), v)


# ------------------------------------------------------------------------------------------------
# 5. rows lost before: label variants, split labels, a header merged with its data row


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("total", ["（七）总计：", "（七）总计（件）", "总计"])
@pytest.mark.parametrize("other", ["③其他", "（3）其他"])
def test_label_variants_of_totals_and_numbered_rows(fmt, total, other, tmp_path):
    v = replace(base(11, "gb2021"), labels={"total_processed": total, "other_handling.other": other})
    assert_right(read(v, fmt, tmp_path), v)


@pytest.mark.parametrize("fmt", ["txt", "md"])
@pytest.mark.parametrize("template,item", [("gb2019", "central_procurement"), ("gb2021", "admin_fees")])
def test_a_label_split_over_two_lines(fmt, template, item, tmp_path):
    v = replace(base(12, template), split_label=item)
    assert_right(read(v, fmt, tmp_path), v)


def test_a_header_row_merged_with_its_first_data_row(tmp_path):
    # no rule between the header and the data row: one row whose cells hold both, line above line
    v = base(13, "gb2021")
    fee = v.cells[("proactive", "admin_fees", "fee_amount")]
    apart = ('<tr><td>信息内容</td><td colspan="3">本年收费金额（单位：万元）</td></tr>'
             f'<tr><td>行政事业性收费</td><td colspan="3">{fee}</td></tr>')
    merged = f'<tr><td>信息内容<br>行政事业性收费</td><td colspan="3">本年收费金额（单位：万元）<br>{fee}</td></tr>'
    page = V.render(v, "html")
    assert apart in page
    assert_right(read(v, "html", tmp_path, page.replace(apart, merged)), v)


def test_a_missing_row_is_a_warning(tmp_path):
    v = base(14, "gb2021")
    text = "\n".join(ln for ln in V.render(v, "txt").split("\n") if "重复申请" not in ln)
    cells = {k: t for k, t in v.cells.items() if k[1] != "not_processed.repeated"}
    rep = read(replace(v, cells=cells), "txt", tmp_path, text)
    i = rep.issues
    assert ((i["rule"] == "read.row_missing") & (i["row"] == "not_processed.repeated") & (i["severity"] == "warning")).any()


# ------------------------------------------------------------------------------------------------
# 7. year and template from the report itself


@pytest.mark.parametrize("fmt", FORMATS)
def test_year_from_the_reports_own_title_not_a_sidebar(fmt, tmp_path):
    v = base(15, "gb2019")
    v = replace(v, sidebar=[f"{v.agency}{v.year - 1}年政府信息公开工作年度报告",
                            f"{v.agency}{v.year - 2}年政府信息公开工作年度报告"])
    rep = read(v, fmt, tmp_path)
    assert_right(rep, v)
    assert "meta.other_titles" in rules(rep)


def test_html_h1_title_wins_over_a_link_list(tmp_path):
    v = base(16, "gb2021")
    page = V.render(v, "html").replace(
        f"<p>{v.agency}{v.year}年政府信息公开工作年度报告</p>",
        f"<ul><li>{v.agency}{v.year - 1}年政府信息公开工作年度报告</li></ul>"
        f"<h1>{v.agency}{v.year}年政府信息公开工作年度报告</h1>")
    page = page.replace(f"统计期限自{v.year}年1月1日起至{v.year}年12月31日止", "统计期限为全年")
    assert_right(read(v, "html", tmp_path, page), v)


@pytest.mark.parametrize("fmt", FORMATS)
def test_template_from_the_tables_not_from_words_elsewhere(fmt, tmp_path):
    v = base(17, "gb2021")
    older = base(17, "gb2019")
    v = replace(v, narrative=["（上年表格列为本年新制作数量、本年新公开数量、对外公开总数量、上一年项目数量、本年增/减。）"],
                quote="appendix", quoted_cells=older.cells)
    rep = read(v, fmt, tmp_path)
    assert rep.meta["template"] == "gb2021"
    assert_right(rep, v)


def test_title_and_period_disagreeing_is_a_warning(tmp_path):
    v = base(18, "gb2021")
    text = V.render(v, "txt").replace(f"统计期限自{v.year}年", f"统计期限自{v.year - 1}年")
    rep = read(v, "txt", tmp_path, text)
    assert rep.meta["year"] == v.year and "meta.year_conflict" in rules(rep, "warning")


# ------------------------------------------------------------------------------------------------
# 8. traditional characters


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_report_in_traditional_characters(fmt, tmp_path):
    import opencc

    v = base(19, "gb2019")
    text = opencc.OpenCC("s2t").convert(V.render(v, fmt))
    assert text != V.render(v, fmt)
    rep = read(v, fmt, tmp_path, text)
    assert_right(rep, v)
    assert fold_traditional(rep.meta["agency"]) == v.agency


# ------------------------------------------------------------------------------------------------
# several variations at once, over random figures


@pytest.mark.parametrize("seed", range(6))
def test_combined_variations(seed, tmp_path):
    rng = random.Random(seed)
    v = base(100 + seed, rng.choice(TEMPLATES))
    cols = [c for c in v.t3_cols if c not in ("natural_person", "total")]
    rng.shuffle(cols)
    v = replace(v, t3_cols=rng.choice([["natural_person", *cols, "total"], [*cols, "natural_person", "total"]]),
                t4_procs=rng.sample(v.t4_procs, 3) if rng.random() < 0.5 else v.t4_procs,
                t4_shape=rng.choice(["row", "subtables", "transposed"]),
                quote=rng.choice([None, "overview", "appendix"]), quoted_cells=_last_year(v.cells),
                sidebar=[f"{v.agency}{v.year - 1}年政府信息公开工作年度报告"] if rng.random() < 0.5 else [])
    for fmt in FORMATS:
        assert_right(read(v, fmt, tmp_path), v)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("text", ["/", "—", ""])
def test_table4_row_starting_with_a_null_cell(fmt, text, tmp_path):
    # regression: a leading '/' was taken for the data row's label cell, and the row lost a cell
    v = V.with_cells(base(21, "gb2021"), **{"review_litigation/admin_review/upheld": text})
    assert_right(read(v, fmt, tmp_path), v)


def test_layout_text_header_with_names_on_different_lines(tmp_path):
    # pdftotext -layout of a PDF table 三: 法人或其他组织 printed a line above 自然人/总计 and the
    # sub-column names wrapped ("商业企" / "业"); lines say nothing about left and right, so the
    # template's order is taken and flagged, never an order read from the lines
    v = base(22, "gb2021")
    t3 = V.table_rows_as_layout(v)
    rep = read(v, "txt", tmp_path, t3)
    got = cells_of(rep)
    for (t, r, c), text in v.cells.items():
        if t != "requests":
            continue
        exp, _ = V.expected(text)
        val, flags = got[(t, r, c)]
        assert (math.isnan(exp) and math.isnan(val)) or val == exp, ((r, c), text, val)
        assert "header_assumed" in flags


def test_a_row_only_an_uncaptioned_copy_has_is_not_taken(tmp_path):
    # this year's table lost its 行政许可 row; the quoted copy before it has one: neither copy says which
    # year it is, so that row is no more certain than a differing cell
    v = base(23, "gb2021")
    v = replace(v, quote="before_uncaptioned", quoted_cells=_last_year(v.cells))
    lines = V.render(v, "txt").split("\n")
    rows = [i for i, ln in enumerate(lines) if ln.startswith("行政许可\t")]
    assert len(rows) == 2
    del lines[rows[1]]
    rep = read(v, "txt", tmp_path, "\n".join(lines))
    got = cells_of(rep).get(("proactive", "admin_license", "decisions"))
    assert got is None or (math.isnan(got[0]) and "ambiguous" in got[1]), got
    assert_never_silently_wrong(rep, v)
