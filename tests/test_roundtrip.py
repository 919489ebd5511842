"""Property: any figures rendered by discl in the official layout are read back unchanged.

Rendering and reading are independent code paths (the renderer builds layout grids from the template
data; the reader finds tables by labels), so agreement over random figures, blanks, dashes, slashes
and money in 元 is a real test of the reader, in every format.
"""
from __future__ import annotations

import math
import random

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import discl
from discl.render import ReportSpec, random_spec, render_docx, render_html, render_markdown, render_pdf, render_text

NULL_TOKENS = {"": "blank", "—": "dash", "-": "dash", "/": "slash"}


def _expected(key, text: str) -> tuple[float, str | None]:
    """The value and flag the printed text must give (money in 元 → 万元)."""
    if text in NULL_TOKENS:
        return math.nan, NULL_TOKENS[text]
    if text.endswith("万元"):
        return float(text[:-2]), None
    if text.endswith("元"):
        return float(text[:-1]) / 10000, None
    return float(text), None


@st.composite
def specs(draw) -> ReportSpec:
    rng = draw(st.randoms(use_true_random=False))
    template = draw(st.sampled_from(["gb2019", "gb2021"]))
    spec = random_spec(rng, template=template, agency=draw(st.sampled_from(
        ["平潭综合实验区", "威海临港区党政办公室", "淮安市洪泽区人民政府", "上海市人民政府办公厅"])))
    cells = dict(spec.cells)
    keys = sorted(cells)
    # blank out, dash or slash a few cells anywhere, as real reports do
    for key in draw(st.lists(st.sampled_from(keys), max_size=6, unique=True)):
        cells[key] = draw(st.sampled_from(list(NULL_TOKENS)))
    money = ("proactive", "central_procurement", "procurement_amount")
    if money in cells and cells[money] not in NULL_TOKENS:
        yuan = draw(st.integers(0, 9_000_000))
        cells[money] = draw(st.sampled_from([f"{yuan}元", f"{yuan / 10000:g}万元"]))
    return ReportSpec(agency=spec.agency, year=spec.year, template=spec.template, cells=cells)


def _write(spec: ReportSpec, fmt: str, d) -> str:
    p = d / f"r.{fmt}"
    if fmt == "txt":
        p.write_text(render_text(spec), encoding="utf-8")
    elif fmt == "cells.txt":
        p.write_text(render_text(spec, cell_per_line=True), encoding="utf-8")
    elif fmt == "html":
        p.write_text(render_html(spec, chrome=True), encoding="utf-8")
    elif fmt == "htm":
        p.write_bytes(render_html(spec, encoding="gb18030", chrome=True))
    elif fmt == "md":
        p.write_text(render_markdown(spec), encoding="utf-8")
    elif fmt == "docx":
        render_docx(spec, p)
    elif fmt == "pdf":
        render_pdf(spec, p)
    return str(p)


def _check(spec: ReportSpec, path: str) -> None:
    rep = discl.read_report(path, checks=False)
    assert rep.meta["status"] == "ok", rep.meta["error"]
    assert rep.meta["year"] == spec.year and rep.meta["agency"] == spec.agency
    assert rep.meta["template"] == spec.template
    v = rep.values
    got = {(t, r, c): (val, f) for t, r, c, val, f in zip(v["table"], v["row"], v["col"], v["value"], v["flags"])}
    assert set(got) == set(spec.cells), "cells read that were not printed, or printed cells not read"
    for key, text in spec.cells.items():
        exp, flag = _expected(key, text)
        val, flags = got[key]
        if flag:
            assert math.isnan(val) and flag in flags, (key, text, val, flags)
        else:
            assert val == pytest.approx(exp, abs=1e-9), (key, text, val)


FAST = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.mark.parametrize("fmt", ["txt", "cells.txt", "html", "htm", "md"])
@FAST
@given(spec=specs())
def test_roundtrip(fmt, spec, tmp_path_factory):
    _check(spec, _write(spec, fmt, tmp_path_factory.mktemp(fmt)))


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(spec=specs())
def test_roundtrip_docx(spec, tmp_path_factory):
    _check(spec, _write(spec, "docx", tmp_path_factory.mktemp("docx")))


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(spec=specs())
def test_roundtrip_pdf_with_page_break_inside_table3(spec, tmp_path_factory):
    _check(spec, _write(spec, "pdf", tmp_path_factory.mktemp("pdf")))


def test_samples_roundtrip(tmp_path):
    """The bundled samples read back with the figures of samples.csv."""
    from discl.render import load_samples, write_samples

    paths = write_samples(tmp_path)
    for spec, path in zip(load_samples(), paths):
        _check(spec, path)


def test_seeded_example_is_stable(tmp_path):
    spec = random_spec(random.Random(7), template="gb2021")
    _check(spec, _write(spec, "txt", tmp_path))


@pytest.mark.parametrize("fmt", ["md", "txt"])
def test_blank_total_is_not_shifted_into_the_row(fmt, tmp_path):
    """Regression: a blank 总计 at the end of a Markdown row was dropped as padding, shifting every
    value one column right (found by the property test)."""
    spec = random_spec(random.Random(1), template="gb2019")
    cells = dict(spec.cells)
    cells[("requests", "new_received", "total")] = ""
    cells[("requests", "carried_over", "natural_person")] = ""
    spec = ReportSpec(agency=spec.agency, year=spec.year, template=spec.template, cells=cells)
    _check(spec, _write(spec, fmt, tmp_path))


@pytest.mark.parametrize("lone", ["", "—"])
def test_lone_blank_cell_one_cell_per_line(lone, tmp_path):
    """Regression (found by the property test): in one-cell-per-line text, a one-column 主动公开 row
    left blank or dashed (行政强制, a lone no-break-space or '—' line) was read as a row without
    cells, flagged ambiguous, instead of a blank or dash cell."""
    spec = random_spec(random.Random(3), template="gb2021")
    cells = dict(spec.cells)
    cells[("proactive", "admin_coercion", "decisions")] = lone
    spec = ReportSpec(agency=spec.agency, year=spec.year, template=spec.template, cells=cells)
    _check(spec, _write(spec, "cells.txt", tmp_path))


def test_proactive_values_on_the_line_after_the_label_are_flagged(tmp_path):
    """A 主动公开 label whose numbers come on the next line(s) is paired by position (a page number in
    between would pair wrongly): those values carry position_inferred."""
    spec = random_spec(random.Random(3), template="gb2021")
    cells = dict(spec.cells)
    cells[("proactive", "admin_coercion", "decisions")] = "5"
    spec = ReportSpec(agency=spec.agency, year=spec.year, template=spec.template, cells=cells)
    v = discl.read_report(_write(spec, "cells.txt", tmp_path), checks=False).values
    row = v[(v["table"] == "proactive") & (v["row"] == "admin_coercion")]
    assert row["value"].tolist() == [5.0] and "position_inferred" in row["flags"].iloc[0]
    tab = discl.read_report(_write(spec, "txt", tmp_path), checks=False).values
    assert "position_inferred" not in tab[(tab["table"] == "proactive") & (tab["row"] == "admin_coercion")]["flags"].iloc[0]


def test_markdown_row_padded_like_its_header(tmp_path):
    """Regression (found by the property test in CI): '| 行政事业性收费 |  | 0 |  |' under the header
    '| 信息内容 | 上一年项目数量 | 本年增/减 |  |' was ambiguous (which empty cell is padding?); a row as
    wide as its header now takes its cells by the header's positions."""
    spec = random_spec(random.Random(1), template="gb2019")
    cells = dict(spec.cells)
    cells[("proactive", "admin_fees", "prev_year_items")] = ""
    cells[("proactive", "admin_fees", "items_change")] = "0"
    spec = ReportSpec(agency=spec.agency, year=spec.year, template=spec.template, cells=cells)
    _check(spec, _write(spec, "md", tmp_path))


def test_number_under_no_header_is_not_placed(tmp_path):
    """A number in the header's empty column makes the row ambiguous: before, the empty first cell
    was dropped as padding and 0/7 were read as the two measures, without a flag."""
    spec = random_spec(random.Random(1), template="gb2019")
    cells = dict(spec.cells)
    cells[("proactive", "admin_fees", "prev_year_items")] = ""
    cells[("proactive", "admin_fees", "items_change")] = "0"
    spec = ReportSpec(agency=spec.agency, year=spec.year, template=spec.template, cells=cells)
    p = tmp_path / "r.md"
    text = render_markdown(spec)
    assert "| 行政事业性收费 |  | 0 |  |" in text
    p.write_text(text.replace("| 行政事业性收费 |  | 0 |  |", "| 行政事业性收费 |  | 0 | 7 |"), encoding="utf-8")
    v = discl.read_report(str(p), checks=False).values
    fees = v[v["row"] == "admin_fees"]
    assert len(fees) == 2 and fees["value"].isna().all() and fees["flags"].str.contains("ambiguous").all()


def test_xhtml_with_an_xml_declaration(tmp_path):
    """Regression: an XHTML page opening with <?xml ... encoding="UTF-8"?> (LibreOffice's export, some
    CMSs) failed as 'corrupt': lxml refuses a decoded string that declares an encoding."""
    spec = random_spec(random.Random(11), template="gb2021")
    page = render_html(spec, chrome=True)
    p = tmp_path / "r.html"
    p.write_text('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.1//EN" '
                 '"http://www.w3.org/TR/xhtml11/DTD/xhtml11.dtd">\n'
                 + page.replace("<html>", '<html xmlns="http://www.w3.org/1999/xhtml">', 1), encoding="utf-8")
    _check(spec, str(p))
