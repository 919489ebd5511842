"""Robustness on real reports: corpus files edited in memory the way other agencies' reports differ, read
back with every expect.json figure unchanged."""
from __future__ import annotations

import re

import opencc
import pytest
from lxml import html as lhtml

import discl
from conftest import CORPUS, corpus_report, load_expect
from test_corpus import assert_figures

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason=f"real-report corpus not found at {CORPUS}")


def _corpus(name: str):
    d = CORPUS / name
    if not d.is_dir():
        pytest.skip(f"{name} not in the corpus")
    return d


def _read_text(text: str, suffix: str, tmp_path) -> discl.Report:
    p = tmp_path / f"edited{suffix}"
    p.write_text(text, encoding="utf-8")
    return discl.read_report(p)


def _check(rep: discl.Report, d) -> None:
    meta = load_expect(d)["meta"]
    assert (rep.meta["year"], rep.meta["template"]) == (meta["year"], meta["template"])
    assert_figures(rep, d)


def test_sidebar_of_earlier_reports_above_the_title(tmp_path):
    d = _corpus("sh-municipal-office-2019")
    page = corpus_report(d).read_text(encoding="utf-8")
    links = "".join(f"<p>上海市人民政府办公厅{y}年政府信息公开工作年度报告</p>" for y in (2018, 2017))
    page = page.replace("<body>", "<body>" + links, 1)
    assert links in page
    _check(_read_text(page, ".html", tmp_path), d)


def test_table3_columns_swapped_with_their_headers(tmp_path):
    d = _corpus("sh-municipal-office-2019")
    root = lhtml.fromstring(corpus_report(d).read_bytes())
    t3 = next(t for t in root.iter("table") if "申请人情况" in t.text_content())
    for i, tr in enumerate(t3.iter("tr")):
        tds = list(tr)
        if i == 0 or i == 1:
            continue
        a, b = (tds[2], tds[3]) if i == 2 else (tds[-4], tds[-3])  # 社会公益组织 ↔ 法律服务机构
        a.addprevious(b)  # b moves before a
    row3 = [td.text_content() for td in list(t3.iter("tr"))[2]]
    assert row3.index("法律服务机构") < row3.index("社会公益组织")
    _check(_read_text(lhtml.tostring(root, encoding="unicode"), ".html", tmp_path), d)


def test_table4_blocks_reversed_with_their_headers(tmp_path):
    d = _corpus("sh-municipal-office-2019")
    root = lhtml.fromstring(corpus_report(d).read_bytes())
    t4 = next(t for t in root.iter("table") if "复议后起诉" in t.text_content())
    r1, r2, r3, data = list(t4.iter("tr"))
    # 行政诉讼 first: top row swapped, the review's five rowspan outcome cells after the two sub-blocks,
    # the data row's first five cells (review) last
    r1.append(list(r1)[0])
    for td in list(r2)[:5]:
        r2.append(td)
    for td in list(data)[:5]:
        data.append(td)
    assert [td.text_content() for td in r1] == ["行政诉讼", "行政复议"]
    _check(_read_text(lhtml.tostring(root, encoding="unicode"), ".html", tmp_path), d)


@pytest.mark.parametrize("name", ["sh-municipal-office-2019", "fj-pingtan-2021", "fj-pingtan-2019-html"])
def test_report_in_traditional_characters(name, tmp_path):
    d = _corpus(name)
    path = corpus_report(d)
    text = opencc.OpenCC("s2t").convert(path.read_text(encoding="utf-8"))
    assert text != path.read_text(encoding="utf-8")
    _check(_read_text(text, path.suffix, tmp_path), d)


def test_narrative_sentence_naming_table2_rows_before_the_table(tmp_path):
    d = _corpus("fj-pingtan-2021")
    text = corpus_report(d).read_text(encoding="utf-8")
    heading = re.search(r"二、主动公开政府信息情况", text)
    assert heading
    sentence = "本年度主动公开行政规范性文件类 6条、重大建设项目信息类 24条、行政许可 15件。"
    text = text[: heading.end()] + sentence + text[heading.end():]
    _check(_read_text(text, ".txt", tmp_path), d)


def test_last_years_table2_quoted_in_the_overview(tmp_path):
    d = _corpus("fj-pingtan-2019-html")
    page = corpus_report(d).read_text(encoding="utf-8")
    root = lhtml.fromstring(page.encode("utf-8"))
    t2 = next(t for t in root.iter("table") if "第二十条" in t.text_content())
    quoted = re.sub(r">(\d+)<", lambda m: f">{int(m.group(1)) + 3}<", lhtml.tostring(t2, encoding="unicode"))
    at = page.find("一、总体情况")
    assert at > 0
    end = page.find("</p>", at) + 4
    page = page[:end] + "<p>2018年度主动公开情况统计如下：</p>" + quoted + page[end:]
    _check(_read_text(page, ".html", tmp_path), d)
