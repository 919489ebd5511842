"""Agencies and regions: names → division codes, levels and stable keys (discl.regions), on invented
names and on the real corpus."""
from __future__ import annotations

import csv

import pandas as pd
import pytest

import discl
from conftest import corpus_dirs, corpus_report
from discl import regions as R
from discl.schema import REPORT_COLUMNS


# --------------------------------------------------------------------------- the division data

def test_division_data_is_consistent():
    divs = R.divisions()
    assert len(divs) > 3000
    for d in divs.values():
        assert len(d.code) == 6 and d.code.isdigit()
        assert d.level in ("province", "city", "county")
        if d.level != "province":
            assert d.parent in divs and divs[d.parent].level in ("province", "city")
    # the municipalities' placeholder rows are not divisions of their own
    assert "110100" not in divs and divs["110105"].parent == "110000"
    # a county the province administers directly sits under the province
    assert divs["429004"].name == "仙桃市" and divs["429004"].parent == "420000"


def test_zones_sit_in_known_divisions():
    for z in R.zones().values():
        assert z.code in R.divisions()
    assert R.zones()["平潭综合实验区"].code == "350128" and R.zones()["平潭综合实验区"].same_as


# --------------------------------------------------------------------------- levels and codes

@pytest.mark.parametrize("name, code, level, parent", [
    ("淮安市人民政府", "320800", "city", "320000"),
    ("江苏省淮安市洪泽区人民政府", "320813", "county", "320800"),
    ("洪泽区政府", "320813", "county", "320800"),
    ("上海市浦东新区人民政府", "310115", "county", "310000"),
    ("江苏省人民政府", "320000", "province", None),
    ("上海市人民政府办公厅", "310000", "department", "310000"),
    ("淮安市洪泽区财政局", "320813", "department", "320813"),
    ("淮安市清江浦区清河街道办事处", "320812", "township", "320812"),
    ("淮安市洪泽区高良涧镇人民政府", "320813", "township", "320813"),
    ("平潭综合实验区管理委员会", "350128", "zone", "350100"),
    ("威海临港经济技术开发区管委会", "371000", "zone", "371000"),
    ("威海市临港区管委会", "371000", "zone", "371000"),
    ("淮安经济技术开发区管委会", "320800", "zone", "320800"),
    ("国家税务总局江苏省税务局", "320000", "department", "320000"),
])
def test_place(name, code, level, parent):
    p = R.place(name)
    assert (p.region_code, p.level, p.parent_code) == (code, level, parent)
    assert not p.candidates


def test_names_of_the_hierarchy():
    p = R.place("平潭综合实验区旅游与文化体育局")
    assert (p.province, p.city, p.county, p.level, p.parent_code) == ("福建省", "福州市", "平潭县", "department",
                                                                     "350128")


def test_a_short_name_inside_a_street_name_is_no_region():
    # 北京街道 is a street somewhere, not Beijing
    p = R.place("北京街道办事处")
    assert p.region_code is None


# --------------------------------------------------------------------------- ambiguous names

def test_ambiguous_county_left_with_candidates_and_a_warning():
    p = R.place("鼓楼区人民政府", "2021年政府信息公开工作年度报告 本报告由区政府办公室编制")
    assert p.region_code is None and p.province is None
    assert len(p.candidates) >= 2 and {"320106", "350102"} <= set(p.candidates)  # 南京, 福州 …
    assert p.level == "county"
    (note,) = p.notes
    assert note.rule == "meta.region_ambiguous" and note.severity == "warning"
    assert "320106" in note.message and "350102" in note.message


def test_ambiguous_county_decided_by_the_city_in_the_context():
    p = R.place("鼓楼区人民政府", "福州市鼓楼区人民政府2021年政府信息公开工作年度报告")
    assert (p.region_code, p.city, p.parent_code) == ("350102", "福州市", "350100")
    assert not p.notes


def test_context_naming_two_candidates_decides_nothing():
    p = R.place("鼓楼区人民政府", "南京市与福州市的鼓楼区")
    assert p.region_code is None and len(p.candidates) >= 2


def test_ambiguous_inside_a_province_decided_by_the_province():
    # 江苏 has two 鼓楼区 (南京, 徐州): the province alone does not decide, the city does
    assert R.place("江苏省鼓楼区人民政府").region_code is None
    assert R.place("江苏省鼓楼区人民政府", "徐州市鼓楼区").region_code == "320302"


def test_ambiguous_name_in_a_report(tmp_path):
    f = tmp_path / "r.txt"
    f.write_text("朝阳区人民政府2021年政府信息公开工作年度报告\n一、总体情况\n长春市朝阳区人民政府……\n",
                 encoding="utf-8")
    r = discl.read_report(f)
    assert r.meta["region_code"] == "220104" and r.meta["city"] == "长春市"
    f.write_text("朝阳区人民政府2021年政府信息公开工作年度报告\n一、总体情况\n本区……\n", encoding="utf-8")
    r = discl.read_report(f)
    assert pd.isna(r.meta["region_code"])
    assert "meta.region_ambiguous" in set(r.issues["rule"])


# --------------------------------------------------------------------------- one key per publisher

@pytest.mark.parametrize("a, b", [
    ("淮安市人民政府", "淮安市政府"),
    ("上海市人民政府办公厅", "上海市政府办公室"),
    ("平潭综合实验区管委会（平潭县）", "平潭综合实验区管委会(平潭县)"),
    ("平潭综合实验区", "平潭综合实验区管委会"),
    ("平潭综合实验区管理委员会", "平潭县人民政府"),          # the 2019 and the 2024 name of one government
    ("淮安市住房和城乡建设局", "淮安市住房城乡建设局"),
    ("淮安市发展和改革委员会", "淮安市发展改革委"),
    ("淮安市 洪泽区 人民政府", "淮安市洪泽区人民政府"),
])
def test_variants_share_a_key(a, b):
    assert R.place(a).agency_key == R.place(b).agency_key


@pytest.mark.parametrize("a, b", [
    ("淮安市人民政府", "淮安市人民政府办公室"),                # a government and its office
    ("威海市人民政府办公室", "威海临港区党政办公室"),          # a city's office and a zone's in it
    ("北京市朝阳区人民政府", "长春市朝阳区人民政府"),
    ("淮安市财政局", "淮安市洪泽区财政局"),
])
def test_different_publishers_keep_different_keys(a, b):
    assert R.place(a).agency_key != R.place(b).agency_key


# --------------------------------------------------------------------------- the user's mapping

def _write_map(path, rows):
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["name", "key", "code", "level"])
        w.writerows(rows)
    return path


def test_override_file_decides_an_ambiguous_name_and_a_rename(tmp_path):
    m = R.read_agency_map(_write_map(tmp_path / "agencies.csv", [
        ("鼓楼区人民政府", "", "350102", ""),
        ("平潭综合实验区旅游与文化体育局", "pingtan-culture", "", ""),
        ("平潭综合实验区文化旅游和体育局", "pingtan-culture", "", ""),   # its later name
        ("威海临港区党政办公室", "", "", "zone"),
    ]))
    p = R.place_with_map("鼓楼区人民政府", "", m)
    assert (p.region_code, p.city, p.level, p.parent_code, p.notes) == ("350102", "福州市", "county", "350100", ())
    assert (R.place_with_map("平潭综合实验区旅游与文化体育局", "", m).agency_key
            == R.place_with_map("平潭综合实验区文化旅游和体育局", "", m).agency_key == "pingtan-culture")
    assert R.place_with_map("威海临港区党政办公室", "", m).level == "zone"
    # names the file does not list are read as usual
    assert R.place_with_map("淮安市人民政府", "", m) == R.place("淮安市人民政府")


def test_override_file_errors_name_the_line(tmp_path):
    with pytest.raises(ValueError, match=r"agencies.csv:2: code '999999'"):
        R.read_agency_map(_write_map(tmp_path / "agencies.csv", [("某局", "", "999999", "")]))
    with pytest.raises(ValueError, match=r"level 'bureau'"):
        R.read_agency_map(_write_map(tmp_path / "agencies.csv", [("某局", "", "", "bureau")]))
    (tmp_path / "bad.csv").write_text("agency,key\n某局,x\n", encoding="utf-8")
    with pytest.raises(ValueError, match="'name' column"):
        R.read_agency_map(tmp_path / "bad.csv")


def test_apply_agency_map_returns_a_new_frame(tmp_path):
    m = R.read_agency_map(_write_map(tmp_path / "agencies.csv", [("鼓楼区人民政府", "gulou-fz", "350102", "")]))
    reports = pd.DataFrame({"report_id": ["a", "b"], "agency": ["鼓楼区人民政府", "淮安市人民政府"],
                            "agency_key": ["鼓楼区政府", "320800:政府"], "region_code": [None, "320800"],
                            "title": ["", ""]})
    before = reports.copy()
    out = R.apply_agency_map(reports, m)
    pd.testing.assert_frame_equal(reports, before)
    assert out.loc[0, "agency_key"] == "gulou-fz" and out.loc[0, "region_code"] == "350102"
    assert out.loc[1, "agency_key"] == "320800:政府"


# --------------------------------------------------------------------------- the real corpus

DIRS = {d.name: d for d in corpus_dirs()}


def _meta(name: str) -> dict:
    if name not in DIRS:
        pytest.skip(f"corpus report {name} not available")
    return discl.read_report(corpus_report(DIRS[name])).meta


def test_columns_are_in_the_schema():
    assert {"province", "city", "county", "region_code", "level", "parent_code"} <= set(REPORT_COLUMNS)


@pytest.mark.parametrize("name, code, level, parent", [
    ("js-huaian-city-2024", "320800", "city", "320000"),
    ("js-huaian-hongze-district-2024", "320813", "county", "320800"),
    ("sh-municipal-office-2019", "310000", "department", "310000"),
    ("sh-municipal-office-2025", "310000", "department", "310000"),
    ("fj-pingtan-2019-html", "350128", "zone", "350100"),
    ("fj-pingtan-2022", "350128", "zone", "350100"),
    ("fj-pingtan-tourism-culture-sports-2019", "350128", "department", "350128"),
    ("seed-weihai-lingang-2020", "371000", "department", "371000"),
])
def test_corpus_places(name, code, level, parent):
    m = _meta(name)
    assert (m["region_code"], m["level"], m["parent_code"]) == (code, level, parent)


def test_corpus_pingtan_zone_reports_share_one_key():
    names = [n for n in DIRS if n.startswith("fj-pingtan-") and "tourism" not in n]
    if not names:
        pytest.skip("no Pingtan reports in the corpus")
    metas = [_meta(n) for n in names]
    assert {m["year"] for m in metas} >= {2019, 2021, 2022}
    assert {m["agency_key"] for m in metas} == {"350128:政府"}
    assert {m["level"] for m in metas} == {"zone"}


# --------------------------------------------------------------------------- discl agencies

def _ingest_output(folder, rows):
    from discl.schema import typed
    recs = []
    for i, (agency, year) in enumerate(rows):
        recs.append({"report_id": f"r{i}", "path": f"{i}.txt", "agency": agency, "year": year, "status": "ok",
                     "title": f"{agency}{year}年政府信息公开工作年度报告", **R.place(agency).columns()})
    folder.mkdir()
    typed("reports", pd.DataFrame(recs)).to_parquet(folder / "reports.parquet", index=False)
    return folder


def test_cli_agencies_lists_codes_years_and_duplicates(tmp_path):
    from typer.testing import CliRunner
    from discl.cli import app
    out = _ingest_output(tmp_path / "out", [("平潭综合实验区管委会", 2019), ("平潭县人民政府", 2024),
                                            ("淮安市洪泽区人民政府", 2023), ("淮安市洪泽区人民政府", 2024),
                                            ("鼓楼区人民政府", 2021)])
    res = CliRunner().invoke(app, ["agencies", str(out), "--csv", str(tmp_path / "a.csv")])
    assert res.exit_code == 0, res.output
    assert "3 agencies; 1 with several spellings to confirm, 1 without a region" in res.output
    listed = pd.read_csv(tmp_path / "a.csv", dtype=str)
    pt = listed[listed["agency_key"] == "350128:政府"].iloc[0]
    assert pt["names"] == "平潭综合实验区管委会 | 平潭县人民政府" and pt["years"] == "2019, 2024"
    assert pt["likely_duplicate"] == "True"
    assert listed[listed["agency_key"] == "320813:政府"].iloc[0]["years"] == "2023–2024"

    # the analyst's mapping decides the ambiguous one; --apply writes it back
    _write_map(out / "agencies.csv", [("鼓楼区人民政府", "", "350102", "")])
    (out / "dataset" / "reports" / "2021").mkdir(parents=True)  # as ingest leaves it; stale after --apply
    res = CliRunner().invoke(app, ["agencies", str(out), "--apply"])
    assert res.exit_code == 0, res.output
    assert "0 without a region" in res.output
    rep = pd.read_parquet(out / "reports.parquet")
    assert rep.loc[rep["agency"] == "鼓楼区人民政府", "region_code"].tolist() == ["350102"]
    # the dataset's reports say the same as reports.parquet
    ds = pd.read_parquet(out / "dataset" / "reports")
    assert ds.loc[ds["agency"] == "鼓楼区人民政府", "region_code"].tolist() == ["350102"]
    assert len(ds) == len(rep) and sorted(ds["year"]) == sorted(rep["year"])


def test_cli_agencies_bad_mapping_is_a_usage_error(tmp_path):
    from typer.testing import CliRunner
    from discl.cli import app
    out = _ingest_output(tmp_path / "out", [("淮安市人民政府", 2024)])
    _write_map(tmp_path / "m.csv", [("淮安市人民政府", "", "123", "")])
    res = CliRunner().invoke(app, ["agencies", str(out), "--map", str(tmp_path / "m.csv")])
    assert res.exit_code == 2 and "code '123'" in res.output
    res = CliRunner().invoke(app, ["agencies", str(tmp_path / "nowhere")])
    assert res.exit_code == 2


def test_readme_mapping_example_reads(tmp_path):
    from conftest import REPO
    text = (REPO / "README.md").read_text(encoding="utf-8")
    block = text.split("```csv\nname,key,code,level\n", 1)[1].split("```", 1)[0]
    path = tmp_path / "agencies.csv"
    path.write_text("name,key,code,level\n" + block, encoding="utf-8")
    m = R.read_agency_map(path)
    assert R.place_with_map("鼓楼区人民政府", "", m).city == "福州市"
    assert R.place_with_map("威海临港区党政办公室", "", m).level == "zone"
