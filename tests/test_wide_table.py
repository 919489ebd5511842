"""discl.wide_table on the values of many reports, and discl.flagged (the `flags` column's helper)."""
from __future__ import annotations

import random

import pandas as pd
import pytest

import discl
from discl import templates
from discl.render import random_spec, render_text


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    d = tmp_path_factory.mktemp("in")
    for seed, (year, template) in enumerate(((2020, "gb2019"), (2021, "gb2021"), (2022, "gb2021"))):
        spec = random_spec(random.Random(seed), year=year, template=template, agency="平潭综合实验区")
        (d / f"{year}.txt").write_text(render_text(spec), encoding="utf-8")
    c = discl.load(d)
    assert (c.reports["status"] == "ok").all()
    return c


def test_values_of_many_reports_are_refused_with_how_to_select_one(corpus):
    with pytest.raises(ValueError, match=r"values holds 3 reports .*by=\"report_id\""):
        discl.wide_table(corpus.values, "requests")


def test_by_report_gives_each_report_its_own_block(corpus):
    v = corpus.values
    wide = discl.wide_table(v, "requests", by="report_id")
    assert wide.index.names == ["report_id", "row"]
    for rid in corpus.reports["report_id"]:
        alone = discl.wide_table(v[v["report_id"] == rid], "requests")
        block = wide.loc[rid].dropna(axis=1, how="all")
        pd.testing.assert_frame_equal(block, alone.dropna(axis=1, how="all"), check_names=False)
    # by a column of the reports' metadata, merged in
    by_year = discl.wide_table(v.merge(corpus.reports[["report_id", "year"]], on="report_id"), "requests", by="year")
    assert sorted(set(by_year.index.get_level_values("year"))) == [2020, 2021, 2022]
    with pytest.raises(ValueError, match="names no column"):
        discl.wide_table(v, "requests", by="agency")


def test_rows_and_columns_in_template_order_whatever_the_order_of_the_values(corpus):
    rid = corpus.reports.loc[corpus.reports["template"] == "gb2021", "report_id"].iloc[0]
    v = corpus.values
    one = v[v["report_id"] == rid].sample(frac=1, random_state=1)  # shuffled
    for table in ("proactive", "requests", "review_litigation"):
        wide = discl.wide_table(one, table)
        present = set(one.loc[one["table"] == table, "row"])
        expected = [r.id for r in templates.table(table).rows() if r.id in present]
        assert list(wide.index) == expected
        assert list(wide.index) != sorted(wide.index), "alphabetical order would pass too"
        cols = set(one.loc[one["table"] == table, "col"])
        assert list(wide.columns) == [c.id for c in templates.table(table).columns() if c.id in cols]
    zh = discl.wide_table(one, "requests", labels="zh", template="gb2021")
    ids = discl.wide_table(one, "requests")
    assert list(zh.index) == [templates.zh_label("requests", "row", r, "gb2021") for r in ids.index]


def test_flagged_masks_the_cells_carrying_a_flag(corpus):
    v = corpus.values
    v.loc[v.index[:3], "flags"] = ["blank,header_assumed", "split_by_columns", "split"]
    with pytest.raises(AttributeError):
        v.flags.value_counts()  # the trap: DataFrame.flags is pandas' own attribute
    for flag in ("blank", "split", "header_assumed"):
        expected = [flag in (f.split(",") if isinstance(f, str) else []) for f in v["flags"]]
        assert discl.flagged(v, flag).tolist() == expected
    assert discl.flagged(v, "split").sum() == 1, "split_by_columns is another flag"
    assert len(v[discl.flagged(v, "blank")]) >= 1
    with pytest.raises(ValueError, match="unknown flag"):
        discl.flagged(v, "blnk")
