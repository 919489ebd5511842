"""Tests of the comparison workbook and the spreadsheet-safe CSV (discl.export)."""
from __future__ import annotations

import csv
import math
import random
import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
from openpyxl.styles import Side
from openpyxl.utils.cell import range_boundaries
import pandas as pd
import pytest

import discl
from discl.export import (FILLS, FONT_NAME, SHEETS, corpus_to_excel, is_formula_like, safe_csv,
                          values_to_csv)
from discl.render import random_spec, render_text, write_samples

HOSTILE_AGENCY = '=HYPERLINK("http://example.invalid","x")'
HOSTILE_RAW = "@SUM(1,1)"
DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
TABLE_SHEETS = ("proactive", "requests", "review_litigation")
ERROR_FILL, WARNING_FILL, FLAG_FILL = (FILLS[k].fgColor.rgb[-6:] for k in ("error", "warning", "flag"))


# ------------------------------------------------------------------------------------------------
# Fixtures and helpers
# ------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> discl.Corpus:
    """discl's own ten sample reports (both templates, procurement, money in 元 and 万元)."""
    d = tmp_path_factory.mktemp("samples")
    write_samples(d)
    return discl.load(d)


@pytest.fixture(scope="module")
def workbook_path(corpus: discl.Corpus, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("xlsx") / "comparison.xlsx"
    corpus_to_excel(corpus.reports, corpus.values, corpus.issues, out)
    return out


@pytest.fixture(scope="module")
def wb(workbook_path: Path) -> openpyxl.Workbook:
    return openpyxl.load_workbook(workbook_path)


def header_index(ws) -> dict[str, int]:
    """Id header (row 2) → column number."""
    return {c.value: c.column for c in ws[2] if c.value is not None}


def row_index(ws) -> dict[str, int]:
    """report_id → row number of a per-report sheet."""
    col = header_index(ws)["report_id"]
    return {ws.cell(r, col).value: r for r in range(3, ws.max_row + 1)}


def all_cells(wb: openpyxl.Workbook):
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            yield from row


def fill_of(cell) -> str | None:
    """The solid fill colour of a cell as RRGGBB, None when unfilled."""
    if cell.fill is None or cell.fill.fill_type != "solid":
        return None
    return cell.fill.fgColor.rgb[-6:]


def write_report(folder: Path, name: str, text: str) -> Path:
    p = folder / name
    p.write_text(text, encoding="utf-8")
    return p


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def hostile_frames(corpus: discl.Corpus) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The sample corpus with document text that a spreadsheet would evaluate."""
    reports, values, issues = corpus.reports, corpus.values, corpus.issues
    reports.loc[0, "agency"] = HOSTILE_AGENCY
    reports.loc[1, "title"] = "+1+1"
    reports.loc[2, "error"] = "-2+3"
    reports.loc[3, "region"] = "\t=1"
    first = values.index[values["value"].notna()][0]
    values.loc[first, "raw"] = HOSTILE_RAW
    values.loc[values.index[1], "flags"] = "\r=cmd"
    values.loc[values.index[2], "raw"] = "12\r=cmd|' /C calc'!A0"  # a lone CR must not start a CSV row
    issues.loc[issues.index[0], "message"] = "=1+1"
    issues.loc[issues.index[1], "message_en"] = "#N/A"
    return reports, values, issues


# ------------------------------------------------------------------------------------------------
# The numbers
# ------------------------------------------------------------------------------------------------
def test_sheets_in_order(wb: openpyxl.Workbook) -> None:
    assert wb.sheetnames == [SHEETS[k] for k in ("overview", "proactive", "requests", "review_litigation",
                                                 "shares", "procurement", "issues", "values", "legend")]


def test_wide_sheets_hold_every_value_at_its_place(corpus: discl.Corpus, wb: openpyxl.Workbook) -> None:
    values = corpus.values.drop_duplicates(["report_id", "table", "row", "col"])
    checked = 0
    for table in TABLE_SHEETS:
        ws = wb[SHEETS[table]]
        cols, rows = header_index(ws), row_index(ws)
        for rec in values[values["table"] == table].itertuples():
            cell = ws.cell(rows[rec.report_id], cols[f"{rec.row}/{rec.col}"])
            if math.isnan(rec.value):
                assert cell.value is None, (table, rec.row, rec.col)  # missing stays empty, never 0
            else:
                assert cell.value == pytest.approx(rec.value), (table, rec.row, rec.col)
                checked += 1
    assert checked == int(values["value"].notna().sum())


def test_wide_sheet_headers_are_chinese_then_ids(wb: openpyxl.Workbook) -> None:
    ws = wb[SHEETS["requests"]]
    col = header_index(ws)["granted/natural_person"]
    assert ws.cell(1, col).value == "（一）予以公开\n自然人"
    assert ws.cell(2, col).value == "granted/natural_person"
    assert ws.cell(1, header_index(ws)["agency"]).value == "机构"


def test_long_sheet_is_the_values_table(corpus: discl.Corpus, wb: openpyxl.Workbook) -> None:
    ws = wb[SHEETS["values"]]
    cols = header_index(ws)
    values = corpus.values
    assert ws.max_row - 2 == len(values)
    for i, rec in enumerate(values.itertuples(), start=3):
        got = {k: ws.cell(i, cols[k]).value for k in ("report_id", "table", "row", "col", "value")}
        assert (got["report_id"], got["table"], got["row"], got["col"]) == (rec.report_id, rec.table, rec.row,
                                                                             rec.col)
        if math.isnan(rec.value):
            assert got["value"] is None
        else:
            assert got["value"] == pytest.approx(rec.value)


def test_long_sheet_labels_pre2019_rows_in_chinese(tmp_path: Path) -> None:
    """A pre-2019 report's ``legacy`` cells carry the 统计表's Chinese labels (templates.yaml, legacy:)."""
    reports = pd.DataFrame({"report_id": ["old"], "agency": ["平潭综合实验区"], "year": [2015],
                            "template": ["pre2019"], "status": ["ok"]})
    cells = [("requests_received", "this_year", 23.0), ("requests_received", "cumulative", 151.0),
             ("proactive_published", "this_year", 425.0), ("fee_amount", "cumulative", 0.0)]
    values = pd.DataFrame({"report_id": "old", "table": "legacy", "row": [r for r, _, _ in cells],
                           "col": [c for _, c, _ in cells], "value": [v for _, _, v in cells], "unit": "件",
                           "raw": "", "flags": ""})
    wb = openpyxl.load_workbook(corpus_to_excel(reports, values, pd.DataFrame(), tmp_path / "c.xlsx"))
    ws = wb[SHEETS["values"]]
    cols = header_index(ws)
    got = [(ws.cell(r, cols["row_zh"]).value, ws.cell(r, cols["col_zh"]).value) for r in range(3, ws.max_row + 1)]
    assert got == [("受理依申请公开信息总数", "本年度"), ("受理依申请公开信息总数", "历年累计"), ("主动公开信息数", "本年度"),
                   ("政府信息公开收费减免金额", "历年累计")]


def test_overview_one_row_per_report_with_counts(corpus: discl.Corpus, wb: openpyxl.Workbook) -> None:
    ws = wb[SHEETS["overview"]]
    cols, rows = header_index(ws), row_index(ws)
    assert len(rows) == len(corpus)
    issues = corpus.issues
    for rid, r in rows.items():
        mine = issues[issues["report_id"] == rid]
        assert ws.cell(r, cols["n_errors"]).value == int((mine["severity"] == "error").sum())
        assert ws.cell(r, cols["n_warnings"]).value == int((mine["severity"] == "warning").sum())
        meta = corpus.reports.set_index("report_id").loc[rid]
        assert ws.cell(r, cols["agency"]).value == meta["agency"]
        assert ws.cell(r, cols["year"]).value == meta["year"]
        assert ws.cell(r, cols["status"]).value == meta["status"]


def test_outcome_shares(corpus: discl.Corpus, wb: openpyxl.Workbook) -> None:
    ws = wb[SHEETS["shares"]]
    cols, rows = header_index(ws), row_index(ws)
    v = corpus.values
    total = v[(v["table"] == "requests") & (v["col"] == "total")].set_index(["report_id", "row"])["value"]
    checked = 0
    for rid, r in rows.items():
        den = total.get((rid, "total_processed"))
        for key, c in cols.items():
            if "/" not in key or key == "total_processed/total":
                continue
            num = total.get((rid, key.split("/")[0]))
            cell = ws.cell(r, c)
            if den is None or num is None or pd.isna(den) or pd.isna(num) or den == 0:
                assert cell.value is None
            else:
                assert cell.value == pytest.approx(num / den)
                assert cell.number_format == "0.0%"
                checked += 1
    assert checked > 0


def test_procurement_in_wan_yuan(corpus: discl.Corpus, wb: openpyxl.Workbook) -> None:
    ws = wb[SHEETS["procurement"]]
    cols, rows = header_index(ws), row_index(ws)
    v = corpus.values
    proc = v[v["row"] == "central_procurement"]
    assert len(proc) and set(rows) == set(proc["report_id"]) | set(
        corpus.reports.loc[corpus.reports["template"] == "gb2019", "report_id"])
    for rec in proc.itertuples():
        cell = ws.cell(rows[rec.report_id], cols[rec.col])
        assert cell.value == pytest.approx(rec.value)
        assert cell.number_format == ("0.00" if rec.col == "procurement_amount" else "0")


# ------------------------------------------------------------------------------------------------
# Layout
# ------------------------------------------------------------------------------------------------
def test_frozen_headers_filters_formats_font(wb: openpyxl.Workbook) -> None:
    for ws in wb.worksheets:
        assert ws.freeze_panes is not None and ws.freeze_panes.endswith("3"), ws.title
        assert ws.auto_filter.ref and ws.auto_filter.ref.startswith("A2:"), ws.title
    ws = wb[SHEETS["proactive"]]
    cols = header_index(ws)
    assert ws.freeze_panes == "C3"
    money = [c for k, c in cols.items() if k.endswith("/procurement_amount") or k.endswith("/fee_amount")]
    counts = [c for k, c in cols.items() if k.endswith("/decisions")]
    for r in range(3, ws.max_row + 1):
        for c in money:
            if ws.cell(r, c).value is not None:
                assert ws.cell(r, c).number_format == "0.00"
        for c in counts:
            if ws.cell(r, c).value is not None:
                assert ws.cell(r, c).number_format == "0"
    assert all(c.font.name == FONT_NAME for c in all_cells(wb) if c.value is not None)
    assert ws.column_dimensions["A"].width >= 10


#: hand-placed reports of two cities and a municipality, out of order: (agency, province, city, county, code, level)
_PLACED = [("淮安市洪泽区人民政府", "江苏省", "淮安市", "洪泽区", "320813", "county"),
           ("福州市鼓楼区人民政府", "福建省", "福州市", "鼓楼区", "350102", "county"),
           ("淮安市人民政府", "江苏省", "淮安市", None, "320800", "city"),
           ("上海市浦东新区人民政府", "上海市", None, "浦东新区", "310115", "county"),
           ("淮安市清江浦区人民政府", "江苏省", "淮安市", "清江浦区", "320812", "county"),
           ("某局", None, None, None, None, None),
           ("淮安市财政局", "江苏省", "淮安市", None, "320800", "department"),
           ("淮安市淮阴区人民政府", "江苏省", "淮安市", "淮阴区", "320804", "county")]
#: by code, a city's government and departments before its districts; a municipality's district under it
_PLACED_ORDER = [("上海市浦东新区人民政府", "上海市"), ("淮安市人民政府", "淮安市"), ("淮安市财政局", "淮安市"),
                 ("淮安市淮阴区人民政府", "淮安市"), ("淮安市清江浦区人民政府", "淮安市"), ("淮安市洪泽区人民政府", "淮安市"),
                 ("福州市鼓楼区人民政府", "福州市"), ("某局", None)]


def test_sheets_group_reports_by_city_in_code_order(tmp_path: Path) -> None:
    reports = pd.DataFrame([{"report_id": f"r{i}-{y}", "agency": a, "year": y, "province": prov, "city": city,
                             "county": county, "region_code": code, "level": level,
                             "agency_key": f"{code}:{a}" if code else a, "template": "gb2021", "status": "ok"}
                            for i, (a, prov, city, county, code, level) in enumerate(_PLACED) for y in (2024, 2023)])
    values = pd.DataFrame({"report_id": reports["report_id"], "table": "requests", "row": "new_received",
                           "col": "total", "value": 1.0, "unit": "件", "raw": "1", "flags": ""})
    issues = pd.DataFrame(columns=["report_id", "rule", "severity"])
    wb = openpyxl.load_workbook(corpus_to_excel(reports, values, issues, tmp_path / "c.xlsx"))
    expected = [(a, y, city) for a, city in _PLACED_ORDER for y in (2023, 2024)]
    for name in (SHEETS["overview"], SHEETS["requests"], SHEETS["shares"]):
        ws = wb[name]
        cols = header_index(ws)
        got = [(ws.cell(r, cols["agency"]).value, ws.cell(r, cols["year"]).value, ws.cell(r, cols["city"]).value)
               for r in range(3, ws.max_row + 1)]
        assert got == expected, name
        # a rule above the first row of each other city: 淮安市 (row 5), 福州市 (15), none (17)
        ruled = [r for r in range(3, ws.max_row + 1) if (ws.cell(r, 1).border.top or Side()).style]
        assert ruled == [5, 15, 17], name
        min_col, _, max_col, _ = range_boundaries(ws.auto_filter.ref)
        assert min_col <= cols["city"] <= max_col  # the city column can be filtered
    ws = wb[SHEETS["overview"]]
    cols = header_index(ws)
    levels = [ws.cell(r, cols["level"]).value for r in range(3, ws.max_row + 1)]
    assert levels[:6] == ["县级", "县级", "市级", "市级", "部门", "部门"] and levels[-1] is None


def test_samples_workbook_keeps_each_city_together(wb: openpyxl.Workbook) -> None:
    ws = wb[SHEETS["requests"]]
    cols = header_index(ws)
    codes = [ws.cell(r, cols["region_code"]).value for r in range(3, ws.max_row + 1)]
    cities = [ws.cell(r, cols["city"]).value for r in range(3, ws.max_row + 1)]
    assert codes == sorted(codes) and None not in codes
    blocks = [c for i, c in enumerate(cities) if i == 0 or c != cities[i - 1]]
    assert len(blocks) == len(set(blocks)) and {"淮安市", "福州市", "威海市"} <= set(blocks)


# ------------------------------------------------------------------------------------------------
# Highlights
# ------------------------------------------------------------------------------------------------
def test_printed_error_is_filled_and_commented(tmp_path: Path) -> None:
    spec = random_spec(random.Random(7), template="gb2021")
    key = ("requests", "total_processed", "total")
    spec.cells[key] = str(int(spec.cells[key]) + 3)  # the printed 总计 no longer adds up
    write_report(tmp_path, "r.txt", render_text(spec))
    c = discl.load(tmp_path)
    errors = c.issues[(c.issues["severity"] == "error") & (c.issues["row"] == "total_processed")
                      & (c.issues["col"] == "total")]
    assert len(errors), "the altered 总计 must fail a check"
    out = corpus_to_excel(c.reports, c.values, c.issues, tmp_path / "c.xlsx")
    wb = openpyxl.load_workbook(out)
    ws = wb[SHEETS["requests"]]
    cols, rows = header_index(ws), row_index(ws)
    rid = c.reports["report_id"].iloc[0]
    cell = ws.cell(rows[rid], cols["total_processed/total"])
    assert fill_of(cell) == ERROR_FILL
    assert cell.comment is not None
    for rec in errors.itertuples():
        assert rec.rule in cell.comment.text and rec.message in cell.comment.text
    # T3-R1 names the 总计 column: its flow rows are marked, an outcome row it does not compare is not
    assert "T3-R1" in ws.cell(rows[rid], cols["new_received/total"]).comment.text
    clean = ws.cell(rows[rid], cols["granted/natural_person"])
    assert fill_of(clean) is None and clean.comment is None
    # the share computed from the bad total is marked too
    ws = wb[SHEETS["shares"]]
    share = ws.cell(row_index(ws)[rid], header_index(ws)["granted/total"])
    assert fill_of(share) == ERROR_FILL and "T3-R2" in share.comment.text


def test_flags_and_row_scope_findings(corpus: discl.Corpus, tmp_path: Path) -> None:
    reports, values, issues = corpus.reports, corpus.values, corpus.issues
    rid = reports["report_id"].iloc[0]
    mine = (values["report_id"] == rid) & (values["table"] == "requests")
    target = values.index[mine & (values["row"] == "granted") & (values["col"] == "natural_person")][0]
    values.loc[target, ["value", "raw", "flags"]] = [math.nan, "270020130", "ambiguous"]
    extra = pd.DataFrame([{"report_id": rid, "rule": "read.ambiguous", "severity": "warning",
                           "table": "requests", "row": "unable.not_held", "col": "", "message": "整行无法唯一拆分",
                           "message_en": "row unreadable"}]).reindex(columns=issues.columns)
    extra = extra.astype(issues.dtypes.to_dict())
    issues = pd.concat([issues, extra], ignore_index=True)
    wb = openpyxl.load_workbook(corpus_to_excel(reports, values, issues, tmp_path / "f.xlsx"))
    ws = wb[SHEETS["requests"]]
    cols, r = header_index(ws), row_index(ws)[rid]
    flagged = ws.cell(r, cols["granted/natural_person"])
    assert flagged.value is None  # an unreadable cell stays empty
    assert fill_of(flagged) == FLAG_FILL and "270020130" in flagged.comment.text
    for col in ("natural_person", "total"):  # an empty col names the whole row
        cell = ws.cell(r, cols[f"unable.not_held/{col}"])
        assert fill_of(cell) == WARNING_FILL and "read.ambiguous" in cell.comment.text
    long = wb[SHEETS["values"]]
    assert fill_of(long.cell(3 + values.index.get_loc(target), header_index(long)["value"])) == FLAG_FILL


# ------------------------------------------------------------------------------------------------
# Untrusted text
# ------------------------------------------------------------------------------------------------
def test_no_formula_cells(corpus: discl.Corpus, tmp_path: Path) -> None:
    out = corpus_to_excel(*hostile_frames(corpus), tmp_path / "hostile.xlsx")
    with zipfile.ZipFile(out) as z:  # the file itself: no <f> element in any sheet
        for name in z.namelist():
            if name.startswith("xl/worksheets/sheet"):
                assert b"<f>" not in z.read(name) and b"<f " not in z.read(name), name
    wb = openpyxl.load_workbook(out)
    seen: set[str] = set()
    for cell in all_cells(wb):
        assert cell.data_type != "f", (cell.parent.title, cell.coordinate, cell.value)
        if isinstance(cell.value, str):
            assert cell.data_type == "s"
            if is_formula_like(cell.value):
                assert cell.quotePrefix, (cell.parent.title, cell.coordinate)
            seen.add(cell.value)
    # written unchanged (no visible prefix), but as text
    assert {HOSTILE_AGENCY, HOSTILE_RAW, "+1+1", "-2+3", "\t=1", "=1+1", "#N/A"} <= seen
    ws = wb[SHEETS["requests"]]
    assert HOSTILE_AGENCY in {c.value for c in ws["A"]}


def test_csv_neutralises_formula_text(corpus: discl.Corpus, tmp_path: Path) -> None:
    reports, values, _ = hostile_frames(corpus)
    paths = [values_to_csv(values, tmp_path / "values.csv"), safe_csv(reports, tmp_path / "reports.csv")]
    fields: list[str] = []
    for p in paths:
        assert Path(p).read_bytes().startswith(b"\xef\xbb\xbf")  # BOM: Excel reads UTF-8 Chinese
        with open(p, encoding="utf-8-sig", newline="") as f:
            fields += [x for row in csv.reader(f) for x in row]
    assert "'" + HOSTILE_AGENCY in fields and "'" + HOSTILE_RAW in fields and "'\t=1" in fields
    assert "'\r=cmd" in fields and "12\r=cmd|' /C calc'!A0" in fields  # CR kept inside one quoted field
    # numbers such as -2.0 are data; every text field that could start a formula carries the quote
    assert not [x for x in fields if x.startswith(DANGEROUS) and not _is_number(x)]
    with open(paths[0], encoding="utf-8-sig", newline="") as f:
        assert sum(1 for _ in csv.reader(f)) == len(values) + 1
    back = pd.read_csv(paths[0], encoding="utf-8-sig")
    assert back["value"].isna().sum() == values["value"].isna().sum()  # missing stays empty, not 0
    assert (back["value"].dropna().to_numpy() == values["value"].dropna().to_numpy()).all()


def test_inputs_not_mutated(corpus: discl.Corpus, tmp_path: Path) -> None:
    frames = hostile_frames(corpus)
    before = [f.copy(deep=True) for f in frames]
    corpus_to_excel(*frames, tmp_path / "x.xlsx")
    values_to_csv(frames[1], tmp_path / "v.csv")
    safe_csv(frames[0], tmp_path / "r.csv")
    for a, b in zip(frames, before):
        pd.testing.assert_frame_equal(a, b)


# ------------------------------------------------------------------------------------------------
# Files
# ------------------------------------------------------------------------------------------------
def test_atomic_write_keeps_old_file_on_failure(corpus: discl.Corpus, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "c.xlsx"
    corpus_to_excel(corpus.reports, corpus.values, corpus.issues, out)
    old = out.read_bytes()

    def broken_save(self, filename: str) -> None:
        Path(filename).write_bytes(b"half")
        raise OSError("disk full")

    monkeypatch.setattr(openpyxl.Workbook, "save", broken_save)
    with pytest.raises(OSError, match="disk full"):
        corpus_to_excel(corpus.reports, corpus.values, corpus.issues, out)
    assert out.read_bytes() == old
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.xlsx"]  # no temporary file left


def test_empty_corpus(tmp_path: Path) -> None:
    from discl.pipeline import frames

    out = corpus_to_excel(*frames([]), tmp_path / "empty.xlsx")
    wb = openpyxl.load_workbook(out)
    assert wb[SHEETS["requests"]].max_row == 2


def test_libreoffice_converts_to_pdf(workbook_path: Path, tmp_path: Path) -> None:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    probe = tmp_path / "probe.xlsx"
    wb = openpyxl.Workbook()
    wb.active["A1"] = 1
    wb.save(probe)
    if to_pdf(soffice, probe, tmp_path).returncode != 0 or not (tmp_path / "probe.pdf").exists():
        # soffice without Calc (e.g. only libreoffice-writer-nogui) cannot load any workbook
        pytest.skip("LibreOffice Calc is not installed (apt-get install libreoffice-calc-nogui)")
    proc = to_pdf(soffice, workbook_path, tmp_path)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert "error" not in out.lower(), out
    pdf = tmp_path / (workbook_path.stem + ".pdf")
    assert pdf.exists() and pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 1000


def to_pdf(soffice: str, xlsx: Path, out_dir: Path) -> subprocess.CompletedProcess:
    """Headless conversion with a throw-away profile (no clash with a running LibreOffice)."""
    profile = (out_dir / "profile").as_uri()
    return subprocess.run([soffice, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf",
                           "--outdir", str(out_dir), str(xlsx)], capture_output=True, text=True, timeout=300)


def test_cli_export_writes_workbook_and_csv(tmp_path):
    """`discl export` on an ingest output: the workbook's long sheet has as many rows as values.parquet."""
    import openpyxl
    from typer.testing import CliRunner

    from discl.cli import app
    from discl.render import write_samples

    write_samples(tmp_path / "raw")
    runner = CliRunner()
    assert runner.invoke(app, ["ingest", str(tmp_path / "raw"), "--out", str(tmp_path / "p")]).exit_code == 0
    res = runner.invoke(app, ["export", str(tmp_path / "p"), "--xlsx", str(tmp_path / "c.xlsx"),
                              "--csv", str(tmp_path / "v.csv")])
    assert res.exit_code == 0, res.output
    n_values = len(pd.read_parquet(tmp_path / "p" / "values.parquet"))
    wb = openpyxl.load_workbook(tmp_path / "c.xlsx", read_only=True)
    assert wb["数据明细"].max_row - 1 >= n_values
    assert runner.invoke(app, ["export", str(tmp_path / "p")]).exit_code == 2


# ------------------------------------------------------------------------------------------------
# Printing and headers (issue 16)
# ------------------------------------------------------------------------------------------------
def _cjk_width(text: str) -> int:
    import unicodedata
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def test_every_sheet_is_set_up_for_printing(wb: openpyxl.Workbook) -> None:
    for ws in wb:
        assert ws.page_setup.orientation == "landscape", ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        assert ws.page_setup.fitToHeight == 0 and ws.page_setup.fitToWidth >= 1, ws.title
        assert ws.print_title_rows.replace("$", "") == "1:2", ws.title
        assert ws.freeze_panes is not None and ws.freeze_panes.endswith("3"), ws.title
    assert wb[SHEETS["requests"]].print_title_cols.replace("$", "") == "A:B"
    # the long values table prints its header only; the comparison sheets print whole
    assert wb[SHEETS["values"]].print_area is not None and wb[SHEETS["values"]].print_area.endswith("$2")
    assert not wb[SHEETS["requests"]].print_area


def test_no_header_is_cut_off(wb: openpyxl.Workbook) -> None:
    """A header that does not wrap fits its column; one that wraps has a row tall enough for its lines."""
    for ws in wb:
        for row, line_pt in ((1, 14.0), (2, 11.0)):
            for cell in ws[row]:
                if cell.value is None:
                    continue
                width = ws.column_dimensions[cell.column_letter].width
                text = str(cell.value)
                if cell.alignment.wrap_text:
                    lines = sum(max(1, math.ceil(_cjk_width(p) / (width - 1))) for p in text.split("\n"))
                    height = ws.row_dimensions[row].height
                    assert height and height >= lines * line_pt, (ws.title, cell.coordinate, text, height)
                else:
                    assert "\n" not in text and _cjk_width(text) + 1 <= width, (ws.title, cell.coordinate, text)


def test_csv_carries_agency_and_year(corpus: discl.Corpus, tmp_path: Path) -> None:
    path = values_to_csv(corpus.values, tmp_path / "v.csv", corpus.reports)
    back = pd.read_csv(path, encoding="utf-8-sig", dtype={"report_id": str})
    assert list(back.columns[:3]) == ["report_id", "agency", "year"]
    assert len(back) == len(corpus.values)
    truth = corpus.reports.set_index("report_id")
    for rid, agency, year in zip(back["report_id"], back["agency"], back["year"]):
        assert (agency, int(year)) == (truth.loc[rid, "agency"], int(truth.loc[rid, "year"]))


def test_cli_export_csv_has_agency_and_year(corpus: discl.Corpus, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from discl.cli import app

    for name, frame in (("reports", corpus.reports), ("values", corpus.values), ("issues", corpus.issues)):
        frame.to_parquet(tmp_path / f"{name}.parquet", index=False)
    res = CliRunner().invoke(app, ["export", str(tmp_path), "--csv", str(tmp_path / "v.csv")])
    assert res.exit_code == 0, res.output
    with open(tmp_path / "v.csv", encoding="utf-8-sig", newline="") as f:
        assert next(csv.reader(f))[:3] == ["report_id", "agency", "year"]


def test_demo_workbook_prints_in_at_most_20_pages(workbook_path: Path, tmp_path: Path) -> None:
    """LibreOffice's PDF export of the samples' workbook: the pages a printout would have (was 284)."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed: cannot count the printed pages of the workbook")
    import pypdfium2

    profile = tmp_path / "lo-profile"  # a profile of its own: no clash with another running soffice
    subprocess.run([soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), str(workbook_path)], check=True, capture_output=True, timeout=300)
    pdf = pypdfium2.PdfDocument(tmp_path / "comparison.pdf")
    try:
        n, size = len(pdf), pdf[0].get_size()
    finally:
        pdf.close()
    assert 9 <= n <= 20, n  # at least one page per sheet
    assert size[0] > size[1]  # landscape
