"""PDF reader: cell grids of the real corpus reports, page stitching, and every refusal path."""
from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from conftest import CORPUS, load_expect
from discl.errors import DocumentError
from discl.settings import ReadSettings
from discl.sources.document import Cell, Document, Table
from discl.sources.pdf import pdf_to_document

REPORTS = ["js-huaian-city-2024", "js-huaian-hongze-district-2024"]

# expect.json row/column ids -> how a reader of the cell grid finds them (label substring, value index)
T3_ROWS = {"new_received": "本年新收", "carried_over": "上年结转", "granted": "予以公开",
           "partially_granted": "部分公开", "total_processed": "（七）总计", "carried_forward": "结转下年度"}
T3_COLS = ["natural_person", "commercial", "research", "social_org", "legal_service", "other_org", "total"]
T4_BLOCKS = {"admin_review": 0, "litigation_direct": 5, "litigation_after_review": 10}
T4_COLS = ["upheld", "corrected", "other", "pending", "total"]
T2_ROWS = {"rules": "规章", "normative_docs": "行政规范性文件", "admin_license": "行政许可",
           "admin_penalty": "行政处罚", "admin_coercion": "行政强制", "admin_fees": "行政事业性收费"}
T2_COLS = {"issued": 0, "repealed": 1, "in_force": 2, "decisions": 0, "fee_amount": 0}


def flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def tables(doc: Document) -> list[Table]:
    return [b for b in doc.blocks if isinstance(b, Table)]


def find_row(doc: Document, label: str, exact: bool = False) -> list[Cell]:
    """The first table row with a cell whose whitespace-free text contains (or equals) ``label``."""
    for t in tables(doc):
        for row in t.rows:
            if any((flat(c.text) == label) if exact else (label in flat(c.text)) for c in row):
                return row
    raise AssertionError(f"no table row labelled {label!r}")


def t4_data_row(doc: Document) -> list[Cell]:
    for t in tables(doc):
        for row in t.rows:
            if len(row) == 15 and all(re.fullmatch(r"\d+", flat(c.text)) for c in row):
                return row
    raise AssertionError("no Table-4 data row with 15 numeric cells")


def number(cell: Cell) -> float:
    return float(flat(cell.text))


@pytest.fixture(scope="module", params=REPORTS)
def report(request) -> tuple[Document, dict]:
    d = CORPUS / request.param
    if not (d / "report.pdf").exists():
        pytest.skip(f"corpus report {d}/report.pdf not available (set DISCL_CORPUS)")
    return pdf_to_document(str(d / "report.pdf")), load_expect(d)


def test_document_shape(report):
    doc, _ = report
    assert doc.format == "pdf" and doc.n_pages in (5, 6)
    assert len(tables(doc)) == 3  # tables 二, 三, 四 (each stitched across its page break)
    assert any(not isinstance(b, Table) and "总体情况" in b.text for b in doc.blocks)


def test_table3_rows_have_seven_values_in_order(report):
    doc, expect = report
    for fig_table, row_id, col_id, value in expect["figures"]:
        if fig_table != "requests":
            continue
        row = find_row(doc, T3_ROWS[row_id])
        values = row[-7:]
        assert all(re.fullmatch(r"\d+", flat(c.text)) for c in values), [c.text for c in row]
        assert number(values[T3_COLS.index(col_id)]) == value, (row_id, col_id, [c.text for c in row])


def test_table3_totals_row_by_row(report):
    """Every data row of table 三: natural person + 5 organisations = total (catches shifted columns)."""
    doc, _ = report
    t3 = next(t for t in tables(doc) if "勾稽" in flat(t.rows[0][0].text))
    data = [row[-7:] for row in t3.rows if all(re.fullmatch(r"\d+", flat(c.text)) for c in row[-7:])]
    assert len(data) >= 23  # 23 data rows when （六） has no sub-rows (洪泽), 25 otherwise
    for values in data:
        nums = [number(c) for c in values]
        assert sum(nums[:6]) == nums[6], [c.text for c in values]


def test_table4_data_row(report):
    doc, expect = report
    row = t4_data_row(doc)
    for fig_table, block, col_id, value in expect["figures"]:
        if fig_table == "review_litigation":
            assert number(row[T4_BLOCKS[block] + T4_COLS.index(col_id)]) == value, (block, col_id)


def test_table2_values(report):
    doc, expect = report
    for fig_table, row_id, col_id, value in expect["figures"]:
        if fig_table != "proactive":
            continue
        row = find_row(doc, T2_ROWS[row_id], exact=True)
        label_at = next(i for i, c in enumerate(row) if flat(c.text) == T2_ROWS[row_id])
        assert number(row[label_at + 1 + T2_COLS[col_id]]) == value, (row_id, col_id)


def test_cells_have_pages_and_bboxes(report):
    doc, _ = report
    for t in tables(doc):
        assert t.page is not None
        for row in t.rows:
            for c in row:
                assert c.page is not None and c.bbox is not None
                x0, top, x1, bottom = c.bbox
                assert 0 <= x0 < x1 <= 600 and 0 <= top < bottom <= 850


def test_merged_header_spans(report):
    doc, _ = report
    t3 = next(t for t in tables(doc) if "勾稽" in flat(t.rows[0][0].text))
    corner, applicants = t3.rows[0][0], t3.rows[0][1]
    assert (corner.rowspan, corner.colspan) == (3, 3)
    assert flat(applicants.text) == "申请人情况" and applicants.colspan == 7
    vertical = find_row(doc, "三、本年度办理结果")[0]
    assert flat(vertical.text) == "三、本年度办理结果" and vertical.rowspan >= 20


def test_table3_stitched_across_pages(report):
    doc, _ = report
    t3 = next(t for t in tables(doc) if "勾稽" in flat(t.rows[0][0].text))
    pages = {c.page for row in t3.rows for c in row}
    assert len(pages) == 2, "table 三 should hold the rows of both pages"
    texts = [flat(c.text) for row in t3.rows for c in row]
    assert sum("勾稽" in t for t in texts) == 1 and texts.count("申请人情况") == 1  # no repeated header
    assert "（四）无法提供" in texts  # the group label cut by the page break is one cell again
    group = next(c for row in t3.rows for c in row if flat(c.text) == "（四）无法提供")
    assert group.rowspan == 3
    labels = [flat(row[-8].text) for row in t3.rows if len(row) >= 8]
    assert labels.index("1.本机关不掌握相关政府信息") + 1 == labels.index("2.没有现成信息需要另行制作")
    assert len(t3.rows) == 28 or len(t3.rows) == 26  # 25 (gb2021) or 23 data rows + 3 header rows


def test_engines_agree():
    """The fast PDFium path and the pdfminer reference path give the same tables."""
    path = CORPUS / REPORTS[0] / "report.pdf"
    if not path.exists():
        pytest.skip(f"corpus report {path} not available")
    grid = [[[(flat(c.text), c.rowspan, c.colspan) for c in row] for row in t.rows]
            for t in tables(pdf_to_document(str(path)))]
    ref = [[[(flat(c.text), c.rowspan, c.colspan) for c in row] for row in t.rows]
           for t in tables(pdf_to_document(str(path), engine="pdfplumber"))]
    assert grid == ref


# ---------------------------------------------------------------------------------------------------
# Generated inputs: text-aligned tables and refusals
# ---------------------------------------------------------------------------------------------------

def _cjk_canvas(path: Path, pagesize=(595, 842)):
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    c = canvas.Canvas(str(path), pagesize=pagesize)
    c.setFont("STSong-Light", 10)
    return c


def test_table_without_ruling_lines_is_inferred(tmp_path):
    path = tmp_path / "unruled.pdf"
    c = _cjk_canvas(path)
    c.drawString(60, 800, "三、收到和处理政府信息公开申请情况")
    rows = [("一、本年新收政府信息公开申请数量", ["3001", "53", "0", "0", "61", "4", "3119"]),
            ("二、上年结转政府信息公开申请数量", ["34", "0", "0", "0", "0", "0", "34"]),
            ("（一）予以公开", ["1288", "21", "", "0", "50", "3", "1362"]),  # one blank cell
            ("四、结转下年度继续办理", ["103", "0", "0", "0", "0", "0", "103"])]
    y = 770
    for label, values in rows:
        c.drawString(60, y, label)
        for k, v in enumerate(values):
            if v:
                c.drawRightString(300 + 40 * k, y, v)  # right-aligned numbers, as in Word tables
        y -= 20
    c.save()
    doc = pdf_to_document(str(path))
    t = tables(doc)
    assert len(t) == 1 and t[0].inferred
    row = find_row(doc, "本年新收")
    assert [flat(x.text) for x in row[-7:]] == ["3001", "53", "0", "0", "61", "4", "3119"]
    granted = find_row(doc, "予以公开")
    assert [flat(x.text) for x in granted[-7:]] == ["1288", "21", "", "0", "50", "3", "1362"]


def _assert_error(path: Path, code: str, **settings) -> DocumentError:
    with pytest.raises(DocumentError) as info:
        pdf_to_document(str(path), ReadSettings(**settings) if settings else ReadSettings())
    assert info.value.code == code, str(info.value)
    assert info.value.path == str(path) and info.value.message
    return info.value


def test_encrypted(tmp_path):
    path = tmp_path / "locked.pdf"
    from reportlab.pdfgen import canvas
    c = canvas.Canvas(str(path), encrypt="secret")
    c.drawString(100, 700, "confidential")
    c.save()
    err = _assert_error(path, "encrypted")
    assert "password" in err.message


def test_truncated(tmp_path):
    src = CORPUS / REPORTS[0] / "report.pdf"
    if not src.exists():
        pytest.skip(f"corpus report {src} not available")
    data = src.read_bytes()
    path = tmp_path / "truncated.pdf"
    path.write_bytes(data[: int(len(data) * 0.3)])
    _assert_error(path, "corrupt")


def test_zero_bytes(tmp_path):
    path = tmp_path / "empty.pdf"
    path.write_bytes(b"")
    _assert_error(path, "empty_file")


def test_garbage_after_header(tmp_path):
    path = tmp_path / "garbage.pdf"
    path.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 40)
    _assert_error(path, "corrupt")


def test_zero_pages(tmp_path):
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [] /Count 0 >>"]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (i, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for off in offsets:
        out.write(b"%010d 00000 n \n" % off)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    path = tmp_path / "nopages.pdf"
    path.write_bytes(out.getvalue())
    err = _assert_error(path, "corrupt")  # PDFium refuses an empty page tree at load time
    assert "no pages" in err.message


def test_scanned_pages_need_ocr(tmp_path):
    from PIL import Image
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas
    image = Image.new("RGB", (400, 300), "white")
    for x in range(50, 350):
        image.putpixel((x, 150), (0, 0, 0))
    path = tmp_path / "scan.pdf"
    c = canvas.Canvas(str(path))
    for _ in range(2):
        c.drawImage(ImageReader(image), 50, 300, width=400, height=300)
        c.showPage()
    c.save()
    # without OCR the file is a scan that needs it; with OCR, the scan holds no report table
    err = _assert_error(path, "needs_ocr", ocr=False)
    assert "pages 1, 2" in err.message and "ReadSettings.ocr" in err.message
    err = _assert_error(path, "not_a_report")
    assert "pages 1, 2 are images only" in err.message and "OCR read page 1" in err.message


def test_too_many_pages(tmp_path):
    from reportlab.pdfgen import canvas
    path = tmp_path / "long.pdf"
    c = canvas.Canvas(str(path), pagesize=(72, 72))
    for i in range(500):
        c.drawString(10, 30, str(i))
        c.showPage()
    c.save()
    err = _assert_error(path, "too_many_pages")
    assert "500" in err.message and "200" in err.message
    _assert_error(path, "too_many_pages", max_pages=499)


def test_html_saved_as_pdf(tmp_path):
    path = tmp_path / "report.pdf"
    path.write_text("<!DOCTYPE html><html><body><h1>404 Not Found</h1></body></html>", encoding="utf-8")
    err = _assert_error(path, "corrupt")
    assert "HTML" in err.message


def test_missing_file(tmp_path):
    _assert_error(tmp_path / "nope.pdf", "not_found")


# ---------------------------------------------------------------------------------------------------
# Stitching rules on hand-made grids (the corpus has no row cut through its labels)
# ---------------------------------------------------------------------------------------------------

def _grid(rows: list[list[str]], page: int, top: float = 80.0):
    """A ruled grid with a label column and value columns, one cell per slot."""
    from discl.sources.pdf.grid import Grid, GridCell
    xs = [70.0, 250.0, 300.0, 350.0]
    cells = [GridCell(r, c, r + 1, c + 1, text, page, (xs[c], top + 20 * r, xs[c + 1], top + 20 * r + 20))
             for r, row in enumerate(rows) for c, text in enumerate(row)]
    return Grid(xs=xs, nrows=len(rows), cells=cells, page=page, last_page=page, top=top,
                 bottom=top + 20 * len(rows))


def _stitched(a, b) -> Table:
    from discl.sources.document import Paragraph
    from discl.sources.pdf.stitch import stitch_grids
    blocks = stitch_grids([a, Paragraph("- 4 -", page=a.page), b])
    grids = [x for x in blocks if not isinstance(x, Paragraph)]
    assert len(grids) == 1, "the two parts should be one table"
    return grids[0].to_table()


def test_stitch_joins_a_row_cut_through_its_label():
    head = ["项目", "自然人", "总计"]
    a = _grid([head, ["4.无正当理由大量反复申请", "0", "0"], ["5.要求行政机关确认或重新出", "1", "1"]], 4)
    b = _grid([head, ["具已获取信息", "", ""], ["（六）其他处理", "2", "2"]], 5)
    t = _stitched(a, b)
    texts = [[flat(c.text) for c in row] for row in t.rows]
    assert texts == [head, ["4.无正当理由大量反复申请", "0", "0"],
                     ["5.要求行政机关确认或重新出具已获取信息", "1", "1"], ["（六）其他处理", "2", "2"]]
    assert t.rows[2][1].page == 4  # the values keep their own page


def test_stitch_keeps_a_new_table_apart():
    a = _grid([["项目", "自然人", "总计"], ["四、结转下年度继续办理", "0", "0"]], 4)
    b = _grid([["行政复议", "", ""], ["1", "0", "1"]], 5)
    from discl.sources.pdf.stitch import stitch_grids
    assert len(stitch_grids([a, b])) == 2
