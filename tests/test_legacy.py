"""Pre-2019 reports (template pre2019, table legacy): the 统计表 (grid, spaced text, run-together text),
the narrative, the cutting of run-together digits, what is not a report, and round trips of reports
rendered by discl.render.legacy. The gb2019/gb2021 reading must not change."""
from __future__ import annotations

import math
import random

import pandas as pd
import pytest

import discl
from discl.analysis import COMPARABLE_NOTE, comparable_measures, legacy_mapping
from discl.recognize.legacy import is_legacy_title, lines_to_legacy, pair_readings
from discl.recognize.lines import row_line, text_line
from discl.render import random_spec, render_text
from discl.render.legacy import LegacySpec, random_legacy_spec, render_legacy_html, render_legacy_text
from discl.schema import FLAGS
from discl.templates import legacy

HEAD = "指标名称计量单位2012年度历年累计"


def _cells(read) -> dict:
    return {(v.row, v.col): v for v in read.values}


def _write(tmp_path, name: str, text: str) -> str:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return str(p)


def _legacy_values(rep) -> dict:
    v = rep.values
    return {(r, c): (val, fl, raw) for t, r, c, val, fl, raw in
            zip(v["table"], v["row"], v["col"], v["value"], v["flags"], v["raw"]) if t == "legacy"}


# ---------------------------------------------------------------------------------------- vocabulary

def test_ids_of_the_legacy_table():
    L = legacy()
    assert [r.id for r in L.rows] == ["proactive_published", "requests_received", "granted", "partially_granted",
                                      "refused", "other_answers", "admin_review", "litigation", "complaints",
                                      "fee_amount"]
    assert [c for c, _ in L.columns] == ["this_year", "cumulative"]
    assert "from_text" in FLAGS


def test_titles_of_a_report_and_of_a_letter():
    assert is_legacy_title("平潭综合实验区地方税务局2013年信息公开年度报告", 2013)
    assert not is_legacy_title("关于2014年政府信息公开工作要点落实情况的函", 2014)
    assert not is_legacy_title("某县2015年政府信息公开工作总结", 2015)
    assert not is_legacy_title("某县2007年政府信息公开工作年度报告", 2007)
    assert not is_legacy_title(None, 2012)


# ---------------------------------------------------------------------------------------- cutting digits

def test_pair_readings_reject_leading_zeros_and_a_smaller_cumulative():
    assert pair_readings("0100") == [(0.0, 100.0)]  # 01/00 and 010/0 have leading zeros
    assert pair_readings("10") == []  # 1/0: cumulative below this year
    assert pair_readings("077") == [(0.0, 77.0)]  # 07/7: a leading zero
    assert pair_readings("7") == []  # one digit: no two cells


def test_run_together_digits_are_cut_by_the_channels_sum():
    # 受理 '2121' could be 2/121 or 21/21; the channels 18/18 and 3/3 sum only to 21/21
    body = HEAD + "受理依申请公开信息总数条2121其中：1.当面申请数条18182.电子邮件申请数条33行政复议数条00"
    r = _cells(lines_to_legacy([text_line(body)]))
    assert (r["requests_received", "this_year"].value, r["requests_received", "cumulative"].value) == (21, 21)
    assert "split" in r["requests_received", "this_year"].flags


def test_next_rows_numbering_is_not_taken_as_a_digit():
    # '条41815092.政府公报公开' : 4181509 then the numbering 2. of the next row
    body = HEAD + "主动公开信息数条4251516其中：1.网站公开条41815092.政府公报公开条77受理依申请公开信息总数条00"
    r = _cells(lines_to_legacy([text_line(body)]))
    assert (r["proactive_published", "this_year"].value, r["proactive_published", "cumulative"].value) == (425, 1516)


def test_two_readings_without_arithmetic_or_narrative_are_ambiguous():
    body = HEAD + "行政复议数条1111行政诉讼数条00"
    read = lines_to_legacy([text_line(body)])
    r = _cells(read)
    for col in ("this_year", "cumulative"):
        assert math.isnan(r["admin_review", col].value) and "ambiguous" in r["admin_review", col].flags
    assert r["litigation", "this_year"].value == 0
    assert any(n.rule == "read.ambiguous" and n.row == "admin_review" for n in read.notes)


def test_the_narrative_chooses_among_the_cuts_the_table_admits():
    lines = [text_line("2012年全区主动公开政府信息2026条。"),
             text_line(HEAD + "主动公开信息数条20263542行政复议数条00", "p1")]
    read = lines_to_legacy(lines)
    r = _cells(read)
    assert (r["proactive_published", "this_year"].value, r["proactive_published", "cumulative"].value) == (2026, 3542)
    assert any(n.rule == "legacy.split_by_text" for n in read.notes)
    # a narrative figure no cut gives: still ambiguous
    lines[0] = text_line("2012年全区主动公开政府信息9999条。")
    r = _cells(lines_to_legacy(lines))
    assert "ambiguous" in r["proactive_published", "this_year"].flags


# ---------------------------------------------------------------------------------------- table and narrative

def test_table_wins_over_the_narrative_and_the_disagreement_is_noted():
    lines = [text_line("2013年全区主动公开政府信息4970条。收到1份有关政府信息公开行政复议申请已及时处理。"),
             row_line(["主动公开信息数", "条", "72804", "76424"]), row_line(["行政复议数", "件", "0", "0"])]
    read = lines_to_legacy(lines)
    r = _cells(read)
    assert r["proactive_published", "this_year"].value == 72804 and r["admin_review", "this_year"].value == 0
    rows = {n.row for n in read.notes if n.rule == "legacy.text_disagrees"}
    assert rows == {"proactive_published", "admin_review"}


def test_a_row_the_table_lacks_comes_from_the_narrative_with_its_sentence():
    lines = [text_line("四、收费情况 2014年我区各级工作部门依申请提供政府信息暂不收费。"),
             row_line(["主动公开文件数", "条", "2543", "78967"])]
    r = _cells(lines_to_legacy(lines))
    fee = r["fee_amount", "this_year"]
    assert fee.value == 0 and "from_text" in fee.flags and "暂不收费" in fee.raw
    assert ("fee_amount", "cumulative") not in r
    assert "from_text" not in r["proactive_published", "this_year"].flags


def test_numbers_about_other_things_are_not_taken():
    # the 行政服务中心 受理申请 count, the parts of the proactive total, a 不予公开 catalogue count
    text = ("目前，区县已入驻审批服务部门和单位13个，共受理申请121510件。各乡镇主动公开政府信息122条，"
            "作为依申请公开信息数46条，不予公开信息数1402。")
    r = _cells(lines_to_legacy([text_line(text)]))
    assert r == {}


def test_fee_in_yuan_is_converted():
    r = _cells(lines_to_legacy([row_line(["政府信息公开收费减免金额", "元", "500", "1500"])]))
    assert r["fee_amount", "this_year"].value == pytest.approx(0.05)
    assert r["fee_amount", "this_year"].unit == "万元" and "unit_converted" in r["fee_amount", "this_year"].flags


# ---------------------------------------------------------------------------------------- the pipeline

def test_a_letter_is_not_a_report(tmp_path):
    text = ("关于2014年政府信息公开工作要点落实情况的函\n省政府办公厅：\n"
            "2014年共主动公开政府信息5300余条，区行政服务中心共受理申请121510件。\n")
    rep = discl.read_report(_write(tmp_path, "letter.txt", text))
    assert (rep.meta["status"], rep.meta["error_code"]) == ("failed", "not_a_report")


def test_a_2019_title_with_narrative_only_stays_not_a_report(tmp_path):
    spec = random_legacy_spec(random.Random(1), year=2019 - 1, with_table=False)
    spec.year = 2019  # the figures of a pre-2019 report under a 2019 title: no gb table, not pre-2019
    rep = discl.read_report(_write(tmp_path, "r.txt", render_legacy_text(spec)))
    assert rep.meta["status"] == "failed" and rep.meta["template"] != "pre2019"


@pytest.mark.parametrize("template", ["gb2019", "gb2021"])
def test_gb_reports_are_not_read_as_pre2019(template, tmp_path):
    spec = random_spec(random.Random(5), template=template)
    rep = discl.read_report(_write(tmp_path, "r.txt", render_text(spec)), checks=False)
    assert rep.meta["template"] == template
    assert "legacy" not in set(rep.values["table"])


def test_checks_run_on_a_pre2019_report(tmp_path):
    spec = random_legacy_spec(random.Random(2), year=2012)
    rep = discl.read_report(_write(tmp_path, "r.html", render_legacy_html(spec)))
    assert rep.meta["status"] == "ok" and rep.meta["template"] == "pre2019"
    assert not (rep.issues["severity"] == "error").any()


# ---------------------------------------------------------------------------------------- round trips

SEEDS = range(12)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("fmt", ["html", "spaced.txt"])
def test_roundtrip_exact(seed, fmt, tmp_path):
    spec = random_legacy_spec(random.Random(seed), year=2009 + seed % 10)
    text = render_legacy_html(spec) if fmt == "html" else render_legacy_text(spec)
    rep = discl.read_report(_write(tmp_path, f"r.{fmt}", text))
    assert rep.meta["template"] == "pre2019" and rep.meta["year"] == spec.year
    got = _legacy_values(rep)
    want = spec.expected()
    assert {k: got[k][0] for k in want} == pytest.approx(want)
    assert set(got) == set(want)
    assert not {n for n in rep.issues["rule"] if n.startswith("legacy.text") or n == "read.ambiguous"}


@pytest.mark.parametrize("seed", SEEDS)
def test_roundtrip_run_together_never_wrong(seed, tmp_path):
    spec = random_legacy_spec(random.Random(seed), year=2009 + seed % 10)
    rep = discl.read_report(_write(tmp_path, "r.txt", render_legacy_text(spec, run_together=True)))
    got = _legacy_values(rep)
    want = spec.expected()
    assert set(got) == set(want)
    for k, w in want.items():
        val, flags, raw = got[k]
        if math.isnan(val):
            assert "ambiguous" in flags, (k, raw)
        else:
            assert val == pytest.approx(w), (k, raw, flags)
    # the narrative states every this-year figure, so those are all read
    assert all(not math.isnan(got[(r, "this_year")][0]) for r, c in want if c == "this_year")


def test_roundtrip_run_together_reads_most_cells(tmp_path):
    n_read = n_all = 0
    for seed in SEEDS:
        spec = random_legacy_spec(random.Random(seed), year=2012)
        got = _legacy_values(discl.read_report(_write(tmp_path, f"r{seed}.txt",
                                                      render_legacy_text(spec, run_together=True)), checks=False))
        n_all += len(got)
        n_read += sum(1 for v in got.values() if not math.isnan(v[0]))
    assert n_read / n_all > 0.9


def test_roundtrip_narrative_only(tmp_path):
    spec = random_legacy_spec(random.Random(4), year=2010, with_table=False)
    rep = discl.read_report(_write(tmp_path, "r.txt", render_legacy_text(spec)))
    got = _legacy_values(rep)
    want = spec.expected()
    assert {k: got[k][0] for k in want} == pytest.approx(want)
    assert all(k[1] == "this_year" and "from_text" in got[k][1] for k in got)


# ---------------------------------------------------------------------------------------- analysis

def test_comparable_measures_sets_pre2019_beside_2019(tmp_path):
    old = LegacySpec("某县人民政府", 2012, {"requests_received": (21, 30), "granted": (17, 20),
                                          "partially_granted": (2, 2), "admin_review": (1, 1), "litigation": (0, 0),
                                          "proactive_published": (100, 300)})
    new = random_spec(random.Random(5), template="gb2021")
    new.agency, new.year = "某县人民政府", 2021
    _write(tmp_path, "old.html", render_legacy_html(old))
    _write(tmp_path, "new.txt", render_text(new))
    c = discl.load(tmp_path)
    m = comparable_measures(c.values, c.reports)
    by = {(y, i): (v, comp, note) for y, i, v, comp, note in
          zip(m["year"], m["indicator"], m["value"], m["comparable"], m["note"])}
    assert by[(2012, "new_received")] == (21.0, False, COMPARABLE_NOTE)
    assert by[(2012, "granted")][0] == 17 and by[(2012, "litigation")][0] == 0
    want_2021 = float(new.text(("requests", "new_received", "total")))
    assert by[(2021, "new_received")][:2] == (want_2021, True) and by[(2021, "new_received")][2] == ""
    assert set(legacy_mapping()["indicator"]) == {"new_received", "granted", "partially_granted", "admin_review",
                                                  "litigation"}
    assert "proactive_published" not in set(legacy_mapping()["legacy_row"])
    # 行政诉讼 of a 2019+ report: both lines of table 四 summed
    t4 = [float(new.text(("review_litigation", r, "total")) or "nan")
          for r in ("litigation_direct", "litigation_after_review")]
    assert by[(2021, "litigation")][0] == pytest.approx(sum(t4), nan_ok=True)
