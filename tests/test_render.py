"""Structural tests of discl.render: the layouts, each output format, and the bundled samples.

These tests do not use discl's reader; they check the rendered files with lxml, python-docx and
pdfplumber directly, so a reader bug cannot hide a renderer bug (and vice versa).
"""
from __future__ import annotations

import ast
import os
import random
import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import docx
import lxml.html
import pdfplumber
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from discl import render as R
from discl import templates as T

APPS = [c.id for c in R.request_columns() if c.id != "total"]
COLS = APPS + ["total"]
STRUCTURAL = {"new_received", "carried_over", "total_processed", "carried_forward"}
#: table 三 is 3 label columns + 7 value columns (format.md §4.1: the corner cell spans 3 columns)
T3_WIDTH = 10


@pytest.fixture(scope="module", params=R.TEMPLATES)
def spec(request: pytest.FixtureRequest) -> R.ReportSpec:
    """A random consistent report per template, with one blank and one dash cell."""
    s = R.random_spec(random.Random(7), template=request.param, agency="测试区人民政府")
    s.cells[("requests", "granted", "research")] = ""
    s.cells[("proactive", "admin_coercion", "decisions")] = "—"
    return s


# ---------------------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------------------

def html_grid(table: lxml.html.HtmlElement) -> tuple[list[list[str | None]], int]:
    """Place the <td>s of an HTML table on a grid by their spans; returns (grid of anchor texts, width)."""
    taken: dict[tuple[int, int], str | None] = {}
    rows = table.findall(".//tr")
    for i, tr in enumerate(rows):
        j = 0
        for td in tr.findall("td"):
            while (i, j) in taken:
                j += 1
            rs, cs = int(td.get("rowspan", 1)), int(td.get("colspan", 1))
            for a in range(rs):
                for b in range(cs):
                    assert (i + a, j + b) not in taken, "overlapping spans"
                    taken[(i + a, j + b)] = td.text_content().replace("\xa0", "") if (a, b) == (0, 0) else None
            j += cs
    width = max(k for _, k in taken) + 1
    assert len(taken) == len(rows) * width, "spans do not tile a rectangle"
    return [[taken[(i, k)] for k in range(width)] for i in range(len(rows))], width


def tables_by_class(page: str) -> dict[str, lxml.html.HtmlElement]:
    doc = lxml.html.fromstring(page)
    return {t.get("class"): t for t in doc.iter("table")}


def parse_int(text: str) -> int | None:
    return int(text) if re.fullmatch(r"[+-]?\d+", text) else None


def violations(cells: dict[tuple[str, str, str], str], template: str) -> list[tuple[str, set]]:
    """Broken rule instances of one report (format.md §7), each with the cells it involves.

    Blank applicant cells count as 0; a rule instance needing a blank 总计 or a non-number is skipped.
    """
    out: list[tuple[str, set]] = []

    def val(key: tuple[str, str, str], impute: bool) -> int | None:
        text = cells.get(key, "")
        if text == "" and impute:
            return 0
        return parse_int(text)

    rows = [r.id for r in R.request_rows(template)]
    outcomes = [r for r in rows if r not in STRUCTURAL]
    for col in COLS:
        impute = col != "total"
        k = {r: ("requests", r, col) for r in rows}
        v = {r: val(k[r], impute) for r in rows}
        if None not in (v["new_received"], v["carried_over"], v["total_processed"], v["carried_forward"]):
            if v["new_received"] + v["carried_over"] != v["total_processed"] + v["carried_forward"]:
                out.append(("T3-R1", {k[r] for r in STRUCTURAL}))
        parts = [v[r] for r in outcomes]
        if None not in parts and v["total_processed"] is not None and sum(parts) != v["total_processed"]:
            out.append(("T3-R2", {k[r] for r in outcomes + ["total_processed"]}))
    for r in rows:
        keys = [("requests", r, c) for c in COLS]
        total = val(keys[-1], impute=False)
        parts = [val(kk, impute=True) for kk in keys[:-1]]
        if total is not None and None not in parts and sum(parts) != total:
            out.append(("T3-R3", set(keys)))
    rl = T.table("review_litigation")
    for p in rl.rows():
        keys = [("review_litigation", p.id, o.id) for o in rl.columns()]
        total = val(keys[-1], impute=False)
        parts = [val(kk, impute=True) for kk in keys[:-1]]
        if total is not None and None not in parts and sum(parts) != total:
            out.append(("T4", set(keys)))
    return out


def cross_year_violations(reports: dict[int, R.ReportSpec]) -> list[tuple[str, set]]:
    """X-1 (上年结转 = last year's 结转下年度), X-2 (现行有效 chain, gb2021), X-3 (项目数量 chain, gb2019)."""
    out: list[tuple[str, set]] = []
    for y, cur in reports.items():
        prev = reports.get(y - 1)
        if prev is None:
            continue
        for col in COLS:
            a, b = ("requests", "carried_over", col), ("requests", "carried_forward", col)
            impute = col != "total"
            x = 0 if impute and cur.text(a) == "" else parse_int(cur.text(a))
            z = 0 if impute and prev.text(b) == "" else parse_int(prev.text(b))
            if x is not None and z is not None and x != z:
                out.append(("X-1", {a}))
        if cur.template == prev.template == "gb2021":
            for item in ("rules", "normative_docs"):
                f = [parse_int(cur.text(("proactive", item, m))) for m in ("in_force", "issued", "repealed")]
                last = parse_int(prev.text(("proactive", item, "in_force")))
                if None not in f and last is not None and f[0] != last + f[1] - f[2]:
                    out.append(("X-2", {("proactive", item, "in_force")}))
        if cur.template == prev.template == "gb2019":
            for item in ("admin_license", "other_admin_services", "admin_penalty", "admin_coercion", "admin_fees"):
                now = parse_int(cur.text(("proactive", item, "prev_year_items")))
                before = parse_int(prev.text(("proactive", item, "prev_year_items")))
                change = parse_int(prev.text(("proactive", item, "items_change")))
                if None not in (now, before, change) and now != before + change:
                    out.append(("X-3", {("proactive", item, "prev_year_items")}))
    return out


# ---------------------------------------------------------------------------------------------------------
# layout data
# ---------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("template, n", [("gb2019", 23), ("gb2021", 25)])
def test_request_row_counts(template: str, n: int) -> None:
    assert len(R.request_rows(template)) == n


def test_labels_come_from_templates_yaml(spec: R.ReportSpec) -> None:
    yaml_rows = {r.label(spec.template) for r in R.request_rows(spec.template)}
    grid = R.requests_grid(spec)
    labels = {c.text for c in grid.cells if c.header}
    assert yaml_rows <= labels
    assert T.table("requests").corner_note in labels
    assert {"申请人情况", "法人或其他组织"} <= labels


def test_gb2019_other_handling_is_the_data_row() -> None:
    s = R.random_spec(random.Random(1), template="gb2019")
    grid = R.requests_grid(s)
    label = next(c for c in grid.cells if c.text == "（六）其他处理")
    assert (label.rowspan, label.colspan) == (1, 2)
    s21 = R.random_spec(random.Random(1), template="gb2021")
    label21 = next(c for c in R.requests_grid(s21).cells if c.text == "（六）其他处理")
    assert (label21.rowspan, label21.colspan) == (3, 1)


def test_unknown_cell_is_refused() -> None:
    with pytest.raises(ValueError):
        R.ReportSpec("某局", 2021, "gb2021", {("proactive", "central_procurement", "procurement_amount"): "1"})


def test_unknown_template_is_refused_by_name() -> None:
    for make in (lambda: R.ReportSpec("某局", 2021, "gb2030", {}),
                 lambda: R.random_spec(random.Random(1), template="gb2030"),
                 lambda: R.cell_keys("gb2030")):
        with pytest.raises(ValueError, match=r"template must be one of \('gb2019', 'gb2021'\), got 'gb2030'"):
            make()


def test_default_template_follows_the_year_rule() -> None:
    assert R.TEMPLATES == T.TEMPLATE_IDS
    for year in range(2015, 2031):
        assert R.default_template(year) == ("gb2019" if year <= 2020 else "gb2021") == T.template_for_year(year)
    assert [R.random_spec(random.Random(1), template=t).year for t in R.TEMPLATES] == [2020, 2023]


def test_flow_rows_come_from_roles() -> None:
    assert R.flow_rows() == ("new_received", "carried_over", "total_processed", "carried_forward")
    for t in R.TEMPLATES:
        assert set(R.outcome_rows(t)) == {r.id for r in R.request_rows(t)} - STRUCTURAL


def test_render_package_reads_templates_only_through_the_typed_api() -> None:
    """No YAML loading and no template id literal in the renderer's code (docstring examples aside)."""
    package = Path(R.__file__).parent
    for path in sorted(package.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {id(n.body[0].value) for n in ast.walk(tree)
                      if isinstance(n, (ast.Module, ast.FunctionDef, ast.ClassDef)) and n.body
                      and isinstance(n.body[0], ast.Expr) and isinstance(n.body[0].value, ast.Constant)}
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names = [a.name for a in node.names] + [getattr(node, "module", None) or ""]
                assert not any(n.split(".")[0] == "yaml" for n in names), f"{path.name} imports yaml"
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
                assert not any(t in node.value for t in T.TEMPLATE_IDS), f"{path.name}: {node.value!r}"
                assert "templates.yaml" not in node.value, f"{path.name} names templates.yaml"


def test_pdf_without_reportlab_names_the_extra(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setitem(sys.modules, "reportlab", None)  # what an install without discl[samples] sees
    spec = R.random_spec(random.Random(1))
    with pytest.raises(ImportError, match=re.escape("pip install 'discl[samples]'")):
        R.render_pdf(spec, tmp_path / "r.pdf")
    with pytest.raises(ImportError, match=re.escape("pip install 'discl[samples]'")):
        R.write_samples(tmp_path / "samples")
    assert not (tmp_path / "r.pdf").exists() and not (tmp_path / "samples").exists()
    R.render_docx(spec, tmp_path / "r.docx")  # the other formats do not need it
    assert R.render_text(spec).startswith(spec.title)


def test_samples_command_without_reportlab(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from discl.cli import app

    monkeypatch.setitem(sys.modules, "reportlab", None)
    result = CliRunner().invoke(app, ["samples", str(tmp_path / "raw")])
    assert result.exit_code == 1
    assert "pip install 'discl[samples]'" in result.output
    assert not (tmp_path / "raw").exists()


def test_reportlab_is_imported_only_to_write_a_pdf() -> None:
    code = ("import random, sys, discl, discl.cli, discl.render as R; "
            "s = R.random_spec(random.Random(1)); R.render_html(s); R.render_text(s); R.render_markdown(s); "
            "print('reportlab' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONPATH": str(Path(R.__file__).parents[2])})
    assert out.stdout.strip() == "False"


def test_fill_matrix_margins() -> None:
    m = R.fill_matrix([5, 0, 7, 3], [10, 1, 0, 4])
    assert [sum(r) for r in m] == [5, 0, 7, 3]
    assert [sum(c) for c in zip(*m)] == [10, 1, 0, 4]
    assert min(min(r) for r in m) >= 0


# ---------------------------------------------------------------------------------------------------------
# HTML
# ---------------------------------------------------------------------------------------------------------

def test_html_page(spec: R.ReportSpec) -> None:
    page = R.render_html(spec)
    doc = lxml.html.fromstring(page)
    assert doc.findtext(".//title") == f"测试区人民政府{spec.year}年政府信息公开工作年度报告"
    assert R.period_sentence(spec.year) in doc.text_content()
    assert '<meta charset="utf-8">' in page
    for s in R.SECTION_ORDER:
        assert any(h.text_content().startswith(f"{s}、") for h in doc.iter("h2"))


def test_html_requests_table(spec: R.ReportSpec) -> None:
    t3 = tables_by_class(R.render_html(spec))["xxgk-requests"]
    grid, width = html_grid(t3)
    rows = R.request_rows(spec.template)
    assert width == T3_WIDTH
    assert len(grid) == 3 + len(rows)
    assert grid[0][0] == T.table("requests").corner_note
    assert grid[0][3] == "申请人情况" and grid[1][4] == "法人或其他组织" and grid[2][4] == "商业企业"
    for line, row in zip(grid[3:], rows):
        assert line[-7:] == [spec.text(("requests", row.id, c)) for c in COLS]
        assert row.label(spec.template) in line[:3]


def test_html_proactive_and_review_tables(spec: R.ReportSpec) -> None:
    tables = tables_by_class(R.render_html(spec))
    t2, width2 = html_grid(tables["xxgk-proactive"])
    captions = [b.caption for b in R.proactive_blocks(spec.template)]
    assert [r[0] for r in t2 if r[0] in captions] == captions
    if spec.template == "gb2021":
        assert width2 == 4  # the template's grid: 信息内容 + 3, single measures span columns 2-4 (S2)
        single = tables["xxgk-proactive"].xpath(".//td[text()='本年处理决定数量']")[0]
        assert single.get("colspan") == "3"
    t4, width4 = html_grid(tables["xxgk-review_litigation"])
    assert (len(t4), width4) == (4, 15)
    assert len(tables["xxgk-review_litigation"].findall(".//tr")[-1].findall("td")) == 15


def test_html_chrome_and_gb18030(spec: R.ReportSpec) -> None:
    raw = R.render_html(spec, encoding="gb18030", chrome=True)
    assert isinstance(raw, bytes)
    assert b'<meta charset="gb2312">' in raw
    page = raw.decode("gb18030")
    assert page == R.render_html(spec, chrome=True).replace('charset="utf-8"', 'charset="gb2312"')
    tables = list(lxml.html.fromstring(page).iter("table"))
    assert tables[0].get("class") == "news-list"  # the distractor comes before the report's tables
    assert re.search(r"\d{4}-\d{2}-\d{2}", tables[0].text_content())
    assert len(tables) == 4


# ---------------------------------------------------------------------------------------------------------
# text and Markdown
# ---------------------------------------------------------------------------------------------------------

def test_text_rows_are_tab_separated(spec: R.ReportSpec) -> None:
    lines = R.render_text(spec).splitlines()
    assert lines[0] == spec.title
    for row in R.request_rows(spec.template):
        line = next(ln for ln in lines if row.label(spec.template) in ln.split("\t"))
        fields = line.split("\t")
        assert fields[-7:] == [spec.text(("requests", row.id, c)) for c in COLS]
    # a merged label column leaves an empty field: sub-rows after the first start with two empty fields
    second = R.request_rows(spec.template)[5]
    assert next(ln for ln in lines if second.label(spec.template) in ln).startswith("\t\t")
    t4 = [ln for ln in lines if ln.count("\t") == 14]
    assert t4 and t4[-1].split("\t") == [spec.text(k) for k in R.cell_keys(spec.template)
                                         if k[0] == "review_litigation"]


def test_markdown_tables_are_rectangular(spec: R.ReportSpec) -> None:
    md = R.render_markdown(spec)
    assert md.startswith(f"# {spec.title}")
    blocks = [b for b in md.split("\n\n") if b.startswith("|")]
    assert len(blocks) == 3
    for block in blocks:
        widths = {len(re.split(r"(?<!\\)\|", ln)) for ln in block.splitlines()}
        assert len(widths) == 1
    assert f"| {R.request_rows(spec.template)[0].label(spec.template)} |" in md


# ---------------------------------------------------------------------------------------------------------
# DOCX
# ---------------------------------------------------------------------------------------------------------

def test_docx_has_merged_cells(spec: R.ReportSpec, tmp_path: Path) -> None:
    path = R.render_docx(spec, tmp_path / "r.docx")
    d = docx.Document(str(path))
    assert d.paragraphs[0].text == spec.title
    assert len(d.tables) == 3
    t3 = d.tables[1]
    assert len(t3.rows) == 3 + len(R.request_rows(spec.template))
    xml = t3._tbl.xml
    assert "w:gridSpan" in xml and "w:vMerge" in xml
    # "三、本年度办理结果" is one cell over all result rows: python-docx returns the same <w:tc> for each
    assert t3.cell(5, 0)._tc is t3.cell(6, 0)._tc
    assert t3.cell(5, 0).text == T.table("requests").row_group("results").zh
    assert t3.cell(3, 0).text == R.request_rows(spec.template)[0].label(spec.template)
    assert [c.text for c in t3.rows[3].cells[-7:]] == [spec.text(("requests", "new_received", c)) for c in COLS]


# ---------------------------------------------------------------------------------------------------------
# PDF
# ---------------------------------------------------------------------------------------------------------

def page_texts(path: Path) -> list[str]:
    with pdfplumber.open(str(path)) as pdf:
        return [p.extract_text() or "" for p in pdf.pages]


def test_pdf_breaks_inside_table_3(spec: R.ReportSpec, tmp_path: Path) -> None:
    texts = page_texts(R.render_pdf(spec, tmp_path / "r.pdf"))
    assert len(texts) >= 2
    assert not any("(cid:" in t for t in texts)
    assert spec.title in texts[0]
    first = next(i for i, t in enumerate(texts) if "本年新收" in t)
    last = next(i for i, t in enumerate(texts) if "（七）总计" in t)
    assert last > first
    assert "申请人情况" not in texts[last]  # no repeated header by default
    with pdfplumber.open(str(tmp_path / "r.pdf")) as pdf:
        assert pdf.pages[first].find_tables() and pdf.pages[last].find_tables()


def test_pdf_repeated_header_and_no_break(spec: R.ReportSpec, tmp_path: Path) -> None:
    texts = page_texts(R.render_pdf(spec, tmp_path / "h.pdf", repeat_header=True))
    last = next(i for i, t in enumerate(texts) if "（七）总计" in t)
    assert "申请人情况" in texts[last]
    texts = page_texts(R.render_pdf(spec, tmp_path / "n.pdf", break_inside_t3=False))
    assert any("本年新收" in t and "（七）总计" in t for t in texts)


# ---------------------------------------------------------------------------------------------------------
# samples
# ---------------------------------------------------------------------------------------------------------

def test_samples_csv_is_consistent_except_noted_cells() -> None:
    rows = R.read_samples_csv()
    assert tuple(rows[0]) == R.SAMPLE_COLUMNS
    noted = {(r["agency"], int(r["year"]), r["table"], r["row"], r["col"]) for r in rows if r["note"]}
    assert noted, "samples need at least one deliberate error"
    specs = R.load_samples()
    found: set = set()
    by_agency: dict[str, dict[int, R.ReportSpec]] = defaultdict(dict)
    for s in specs:
        assert s.template == R.default_template(s.year)
        assert set(s.cells) == set(R.cell_keys(s.template)), f"{s.title}: incomplete"
        by_agency[s.agency][s.year] = s
        for rule, keys in violations(s.cells, s.template):
            hit = {(s.agency, s.year, *k) for k in keys} & noted
            assert hit, f"{s.title}: {rule} fails on {sorted(keys)[:3]} but no cell there has a note"
            found |= hit
    for reports in by_agency.values():
        for rule, keys in cross_year_violations(reports):
            pytest.fail(f"{rule} fails on {keys}")
    assert found == noted, f"notes on cells that break no rule: {noted - found}"


def test_samples_have_blanks_dashes_and_money() -> None:
    values = [r["value"] for r in R.read_samples_csv()]
    assert "" in values and "—" in values and "/" in values
    assert "251000元" in values
    assert any(re.fullmatch(r"\+\d+", v) for v in values)
    assert len({(r["agency"]) for r in R.read_samples_csv()}) >= 3


def test_write_samples(tmp_path: Path) -> None:
    paths = R.write_samples(str(tmp_path))
    assert len(paths) == len(R.load_samples())
    assert {Path(p).suffix for p in paths} >= {".html", ".htm", ".txt", ".md", ".docx", ".pdf"}
    for p in paths:
        assert Path(p).stat().st_size > 1000


# ---------------------------------------------------------------------------------------------------------
# hypothesis: the generators and from_values
# ---------------------------------------------------------------------------------------------------------

@settings(max_examples=25, deadline=None)
@given(rng=st.randoms(use_true_random=False), template=st.sampled_from(R.TEMPLATES))
def test_random_values_are_consistent(rng: random.Random, template: R.Template) -> None:
    spec = R.random_spec(rng, template=template)
    assert violations(spec.cells, template) == []
    assert set(spec.cells) == set(R.cell_keys(template))


@settings(max_examples=15, deadline=None)
@given(data=st.data(), template=st.sampled_from(R.TEMPLATES))
def test_from_values_html_roundtrip(data: st.DataObject, template: R.Template) -> None:
    keys = R.cell_keys(template)
    values = data.draw(st.fixed_dictionaries({k: st.integers(0, 10**6) for k in keys}))
    spec = R.ReportSpec.from_values(values, template=template, year=2020 if template == "gb2019" else 2022)
    tables = tables_by_class(R.render_html(spec))
    got = []
    for name in ("xxgk-proactive", "xxgk-requests", "xxgk-review_litigation"):
        t = tables[name]
        got += [td.text_content() for td in t.iter("td") if td.text_content().isdigit()]
    # the rendered page shows exactly the drawn numbers, in cell_keys order
    assert got == [str(values[k]) for k in keys]
