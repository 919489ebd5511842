"""Cutting run-together digits: only readings the arithmetic admits, never a guess."""
from __future__ import annotations

from hypothesis import given, settings, strategies as st

from discl.recognize.lines import text_line
from discl.recognize.requests import lines_to_requests
from discl.recognize.resolve import resolve_by_columns
from discl.split import readings, review_totals_ok, row_total_ok, split_run


def test_unique_row_reading():
    assert split_run(["640020470"], 7, row_total_ok) == (["64", "0", "0", "2", "0", "4", "70"], 1)


def test_space_is_a_cell_boundary():
    assert split_run(["500000", "5"], 7, row_total_ok)[0] == ["5", "0", "0", "0", "0", "0", "5"]


def test_review_row_17_digits_for_15_cells():
    cells, n = split_run(["10203120001200000"], 15, review_totals_ok)
    assert n == 1 and cells == ["1", "0", "2", "0", "3", "12", "0", "0", "0", "12", "0", "0", "0", "0", "0"]


def test_no_arithmetic_no_split():
    cells, n = split_run(["693665"], 3)
    assert cells == [None, None, None] and n > 1


def test_inconsistent_row_gives_nothing():
    cells, n = split_run(["1234"], 7, row_total_ok)
    assert n == 0 and cells == [None] * 7


@settings(max_examples=80, deadline=None)
@given(st.lists(st.integers(0, 120), min_size=6, max_size=6))
def test_true_reading_is_always_among_the_readings(apps):
    row = apps + [sum(apps)]
    digits = "".join(map(str, row))
    found = readings([digits], 7, row_total_ok, cap=10_000)
    assert found is None or row in found
    cells, n = split_run([digits], 7, row_total_ok, cap=10_000)
    # every cell the splitter keeps is the true one
    for c, true in zip(cells, row):
        assert c is None or int(c) == true


def test_columns_choose_between_row_readings():
    # "（一）予以公开" admits 27/0/0/2/0/1/30 and 2/7/0/0/2/0... only one fits the columns
    text = ("一、本年新收政府信息公开申请数量640020470二、上年结转政府信息公开申请数量0000000"
            "三、本年度办理结果（一）予以公开270020130（二）部分公开500000 5（三）不予公开1.属于国家秘密0000000"
            "2.其他法律行政法规禁止公开00000003.危及“三安全一稳定”00000004.保护第三方合法权益0000000"
            "5.属于三类内部事务信息10000016.属于四类过程性信息00000007.属于行政执法案卷6000006"
            "8.属于行政查询事项1000001（四）无法提供1.本机关不掌握相关政府信息220000325"
            "2.没有现成信息需要另行制作00000003.补正后申请内容仍不明确0000000（五）不予处理1.信访举报投诉类申请0000000"
            "2.重复申请00000003.要求提供公开出版物00000004.无正当理由大量反复申请0000000"
            "5.要求行政机关确认或重新出具已获取信息0000000（六）其他处理"
            "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请0000000"
            "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请00000003.其他1000001"
            "（七）总计630020469四、结转下年度继续办理1000001")
    read = resolve_by_columns(lines_to_requests([text_line(text)]))
    got = {(v.row, v.col): v.value for v in read.values}
    assert [got[("granted", c)] for c in ("natural_person", "social_org", "other_org", "total")] == [27, 2, 1, 30]
    assert got[("unable.not_held", "natural_person")] == 22
    assert got[("other_handling.other", "total")] == 1
    assert len(read.values) == 25 * 7


def test_columns_do_not_decide_when_the_report_is_inconsistent():
    # same table, but (七)总计 printed wrong: no combination fits, the ambiguous cells stay missing
    text = ("一、本年新收政府信息公开申请数量220000325（一）予以公开0000000（七）总计220000325"
            "四、结转下年度继续办理0000000")
    read = resolve_by_columns(lines_to_requests([text_line(text)]))
    nat = [v for v in read.values if v.row == "new_received" and v.col == "natural_person"][0]
    assert nat.value != nat.value and "ambiguous" in nat.flags
