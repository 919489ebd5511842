"""PDF tables whose header row and first data row have no rule between them (issue 13).

The PDFs are drawn here with reportlab, rule by rule, so a test can leave out exactly the line it needs to.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

import discl
from discl.sources.document import Table
from discl.sources.pdf import pdf_to_document

FONT, SIZE, LEADING = "STSong-Light", 9, 11
WIDTHS = [130, 125, 120, 100]  # label column and three value columns of table 二

Row = tuple[float, list[tuple[list[str], int]]]  # height, cells as (text lines, colspan)

CAPTION_1: Row = (18, [(["第二十条第（一）项"], 4)])
HEADER_1: Row = (26, [(["信息内容"], 1), (["本年新", "制作数量"], 1), (["本年新", "公开数量"], 1),
                      (["对外公开", "总数量"], 1)])
RULES: Row = (18, [(["规章"], 1), (["3"], 1), (["2"], 1), (["40"], 1)])
NORMATIVE: Row = (18, [(["规范性文件"], 1), (["5"], 1), (["4"], 1), (["61"], 1)])
CAPTION_8: Row = (18, [(["第二十条第（八）项"], 4)])
HEADER_8: Row = (18, [(["信息内容"], 1), (["上一年项目数量"], 2), (["本年增/减"], 1)])
FEES: Row = (18, [(["行政事业性收费"], 1), (["7"], 2), (["-2"], 1)])

FIGURES = {("rules", "new_made"): 3, ("rules", "new_published"): 2, ("rules", "total_published"): 40,
           ("normative_docs", "new_made"): 5, ("normative_docs", "new_published"): 4,
           ("normative_docs", "total_published"): 61,
           ("admin_fees", "prev_year_items"): 7, ("admin_fees", "items_change"): -2}


def draw_report(path: Path, rows: list[Row], no_rule_below: frozenset[int] = frozenset(),
                valign: str = "middle") -> Path:
    """A one-page gb2019 report whose table 二 is ``rows``, ruled except below the rows in ``no_rule_below``;
    cell text is centred, vertically in the middle of the cell or at its bottom (``valign``)."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    c = canvas.Canvas(str(path), pagesize=(595, 842))
    c.setFont(FONT, 14)
    c.drawCentredString(297, 800, "示例市人民政府2019年政府信息公开工作年度报告")
    c.setFont(FONT, 10.5)
    c.drawString(60, 770, "一、总体情况")
    c.drawString(60, 752, "本报告由示例市人民政府办公室编制，数据统计期限为2019年1月1日至12月31日。")
    c.drawString(60, 730, "二、主动公开政府信息情况")
    c.setFont(FONT, SIZE)
    xs = [60.0]
    for w in WIDTHS:
        xs.append(xs[-1] + w)
    y = 715.0
    c.line(xs[0], y, xs[-1], y)
    for i, (height, cells) in enumerate(rows):
        c.line(xs[0], y, xs[0], y - height)
        col = 0
        for lines, span in cells:
            x0, x1 = xs[col], xs[col + span]
            c.line(x1, y, x1, y - height)
            if valign == "middle":
                baseline = y - height / 2 + len(lines) * LEADING / 2 - SIZE
            else:
                baseline = y - height + 3 + (len(lines) - 1) * LEADING
            for k, text in enumerate(lines):
                c.drawCentredString((x0 + x1) / 2, baseline - k * LEADING, text)
            col += span
        y -= height
        if i not in no_rule_below:
            c.line(xs[0], y, xs[-1], y)
    c.save()
    return path


def proactive_values(path: Path) -> dict[tuple[str, str], float]:
    v = discl.read_report(str(path)).values
    v = v[v["table"] == "proactive"]
    return {(r, c): val for r, c, val in zip(v["row"], v["col"], v["value"])}


def table_rows(path: Path) -> list[list[str]]:
    """Text of table 二's rows, whitespace (line breaks) removed."""
    (table,) = [b for b in pdf_to_document(str(path)).blocks if isinstance(b, Table)]
    return [[re.sub(r"\s+", "", c.text) for c in row] for row in table.rows]


@pytest.mark.parametrize("engine", ["pdfium", "pdfplumber"])
def test_header_and_data_row_without_a_rule_between_are_split(tmp_path, engine):
    # the header of block （一） wraps in its value cells, block （八） has a label spanning two columns; in
    # both the rule under the header row is missing, so each header and its first data row share cells
    rows = [CAPTION_1, HEADER_1, RULES, NORMATIVE, CAPTION_8, HEADER_8, FEES]
    path = draw_report(tmp_path / "no-rule.pdf", rows, no_rule_below={1, 5})
    (table,) = [b for b in pdf_to_document(str(path), engine=engine).blocks if isinstance(b, Table)]
    texts = [[re.sub(r"\s+", "", c.text) for c in row] for row in table.rows]
    assert texts[1:3] == [["信息内容", "本年新制作数量", "本年新公开数量", "对外公开总数量"], ["规章", "3", "2", "40"]]
    assert texts[-2:] == [["信息内容", "上一年项目数量", "本年增/减"], ["行政事业性收费", "7", "-2"]]
    head, fees = table.rows[-2], table.rows[-1]
    assert [c.colspan for c in fees] == [1, 2, 1]
    # each part keeps its own provenance: the same page, and the two halves of the drawn cell
    for upper, lower in zip(head, fees):
        assert upper.page == lower.page == 1
        assert upper.bbox[0] == lower.bbox[0] and upper.bbox[2] == lower.bbox[2]
        assert upper.bbox[1] < upper.bbox[3] == lower.bbox[1] < lower.bbox[3]
    assert proactive_values(path) == FIGURES


def test_header_row_whose_cells_wrap_stays_one_row(tmp_path):
    # every header cell holds two lines, the first too, but none ends in a value: it is one row
    header = (26, [(["信息", "内容"], 1)] + HEADER_1[1][1:])
    path = draw_report(tmp_path / "wrapped-header.pdf", [CAPTION_1, header, RULES, NORMATIVE, CAPTION_8,
                                                        HEADER_8, FEES])
    assert table_rows(path)[1] == ["信息内容", "本年新制作数量", "本年新公开数量", "对外公开总数量"]
    assert proactive_values(path) == FIGURES


def test_data_row_whose_label_wraps_stays_one_row(tmp_path):
    # the labels wrap onto a second line that sits on the numbers' baseline (text at the cell bottom),
    # but the numbers have no header line above them: each row is one data row
    normative = (26, [(["规范性", "文件"], 1)] + NORMATIVE[1][1:])
    fees = (26, [(["行政事业", "性收费"], 1)] + FEES[1][1:])
    path = draw_report(tmp_path / "wrapped-label.pdf", [CAPTION_1, HEADER_1, RULES, normative, CAPTION_8,
                                                       HEADER_8, fees], valign="bottom")
    rows = table_rows(path)
    assert rows[3] == ["规范性文件", "5", "4", "61"] and rows[-1] == ["行政事业性收费", "7", "-2"]
    assert len(rows) == 7
    assert proactive_values(path) == FIGURES
