"""Pre-2019 reports (../shared/corpus-pre2019): every figure each meta.json states is read, and the
2014 letter is not a report. The expectations are hand-written in tests/data/pre2019_expect/ from the
meta.json notes and the report text (the shared folder is read-only reference)."""
from __future__ import annotations

import json
import math
import os
from pathlib import Path

import pytest

import discl

REPO = Path(__file__).resolve().parents[1]
CORPUS = Path(os.environ.get("DISCL_CORPUS_PRE2019", REPO.parent / "shared" / "corpus-pre2019"))
EXPECT = REPO / "tests" / "data" / "pre2019_expect"
SLUGS = sorted(p.stem for p in EXPECT.glob("*.json"))

if not CORPUS.is_dir():
    pytestmark = pytest.mark.skip(reason=f"the pre-2019 corpus is not available at {CORPUS} "
                                         "(set DISCL_CORPUS_PRE2019)")

_cache: dict[str, discl.Report] = {}


def _read(slug: str) -> discl.Report:
    if slug not in _cache:
        _cache[slug] = discl.read_report(CORPUS / slug / "report.txt")
    return _cache[slug]


def _expect(slug: str) -> dict:
    return json.loads((EXPECT / f"{slug}.json").read_text(encoding="utf-8"))


def test_every_corpus_folder_has_an_expectation():
    assert sorted(d.name for d in CORPUS.iterdir() if (d / "meta.json").exists()) == SLUGS


@pytest.mark.parametrize("slug", SLUGS)
def test_status_template_year(slug):
    exp, rep = _expect(slug), _read(slug)
    assert rep.meta["status"] == exp["status"], rep.meta["error"]
    assert rep.meta["error_code"] == exp["error_code"]
    if exp["status"] != "failed":
        assert rep.meta["template"] == exp["template"]
        assert rep.meta["year"] == exp["year"]
    if "title" in exp:
        assert rep.meta["title"] == exp["title"]


@pytest.mark.parametrize("slug", SLUGS)
def test_figures_stated(slug):
    exp, rep = _expect(slug), _read(slug)
    v = rep.values
    got = {(r, c): (val, fl, raw) for t, r, c, val, fl, raw in
           zip(v["table"], v["row"], v["col"], v["value"], v["flags"], v["raw"]) if t == "legacy"}
    for row, cols in exp["figures"].items():
        for col, want in cols.items():
            assert (row, col) in got, f"{row}/{col} not read"
            val, flags, raw = got[(row, col)]
            assert not math.isnan(val) and val == want, f"{row}/{col}: {val} ({flags}, {raw!r}) != {want}"
            flags = str(flags or "").split(",")
            assert ("from_text" in flags) == (row in exp["from_text"]), (row, col, flags)
            if row in exp["from_text"]:
                assert str(want) in raw.replace(" ", "") or want == 0, raw  # the sentence is kept
    for row in exp["absent"]:
        assert not [k for k in got if k[0] == row and not math.isnan(got[k][0])], f"{row} should not be read"
    if exp["status"] == "failed":
        assert not len(v)


@pytest.mark.parametrize("slug", [s for s in SLUGS if _expect(s)["issues"]])
def test_table_and_narrative_disagree(slug):
    exp, rep = _expect(slug), _read(slug)
    found = set(zip(rep.issues["rule"], rep.issues["row"]))
    for i in exp["issues"]:
        assert (i["rule"], i["row"]) in found


@pytest.mark.parametrize("slug", [s for s in SLUGS if not _expect(s)["issues"] and _expect(s)["status"] == "ok"])
def test_no_disagreement_where_the_report_agrees(slug):
    rep = _read(slug)
    assert "legacy.text_disagrees" not in set(rep.issues["rule"])
