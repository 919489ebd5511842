"""The checks on real reports: printed inconsistencies found, consistent reports clean, X-1 across years."""
from __future__ import annotations

import json

import pandas as pd
import pytest

import discl
from discl.checks import corpus_issues
from conftest import CORPUS, corpus_dirs, corpus_report

DIRS = corpus_dirs()
if not DIRS:
    pytestmark = pytest.mark.skip(reason=f"real-report corpus not found at {CORPUS}")


def _errors(rep: discl.Report) -> pd.DataFrame:
    i = rep.issues
    return i[(i["severity"] == "error")]


def test_seed_total_column_errors():
    rep = discl.read_report(corpus_report(CORPUS / "seed-weihai-lingang-2020"))
    e = _errors(rep)
    pairs = {(r, row, col) for r, row, col in zip(e["rule"], e["row"].fillna(""), e["col"].fillna(""))}
    assert ("T3-R1", "", "total") in pairs or any(r == "T3-R1" and c == "total" for r, _, c in pairs)
    assert ("T3-R3", "total_processed", "total") in pairs


@pytest.mark.parametrize("d", DIRS, ids=[d.name for d in DIRS])
def test_errors_only_where_the_report_contradicts_itself(d):
    """Tables named in expect_errors_in have check errors; the others have none."""
    expect = json.loads((d / "expect.json").read_text(encoding="utf-8"))
    rep = discl.read_report(corpus_report(d))
    tables = set(_errors(rep)["table"].dropna())
    assert tables == set(expect["expect_errors_in"]), _errors(rep)[["rule", "table", "row", "col", "message_en"]]


def _pingtan(year: int) -> discl.Report:
    return discl.read_report(corpus_report(CORPUS / f"fj-pingtan-{year}"))


def test_x1_pingtan_2021_to_2022():
    if not (CORPUS / "fj-pingtan-2022").is_dir():
        pytest.skip("Pingtan 2021/2022 not in the corpus")
    c = discl.load([corpus_report(CORPUS / "fj-pingtan-2021"), corpus_report(CORPUS / "fj-pingtan-2022")])
    reps, vals = c.reports, c.values
    assert reps["agency_key"].nunique() == 1
    x1 = corpus_issues(vals, reps)
    assert not ((x1["rule"] == "X-1") & (x1["severity"] != "info")).any(), x1
    # 2021 prints 结转下年度 1 and 2022 prints 上年结转 1: alter one, and X-1 fires
    rid22 = reps.loc[reps["year"] == 2022, "report_id"].iloc[0]
    altered = vals.copy()
    m = (altered["report_id"] == rid22) & (altered["row"] == "carried_over") & (altered["col"] == "total")
    assert altered.loc[m, "value"].tolist() == [1.0]
    altered.loc[m, "value"] = 2.0
    x1 = corpus_issues(altered, reps)
    hit = x1[(x1["rule"] == "X-1") & (x1["severity"] == "warning")]
    assert list(zip(hit["row"], hit["col"])) == [("carried_over", "total")]
