"""`discl ingest` on a batch mixing good reports with bad input: every file gets a record, none stops it."""
from __future__ import annotations

import os
import random
import subprocess
import sys

import pandas as pd
import pytest
from typer.testing import CliRunner

import discl
from discl.cli import app
from discl.render import random_spec, render_html, render_text

runner = CliRunner()


@pytest.fixture
def batch(tmp_path):
    d = tmp_path / "in"
    d.mkdir()
    good = random_spec(random.Random(3), template="gb2021", agency="淮安市洪泽区人民政府")
    (d / "good.txt").write_text(render_text(good), encoding="utf-8")
    (d / "good.html").write_text(render_html(good), encoding="utf-8")
    # a GBK page that declares no charset: sniffed and read
    gbk = random_spec(random.Random(4), template="gb2019", agency="威海临港区党政办公室")
    (d / "gbk.html").write_bytes(render_html(gbk).replace('<meta charset="utf-8">', "").encode("gb18030"))
    (d / "empty.txt").write_bytes(b"")
    rng = random.Random(5)
    (d / "binary.html").write_bytes(bytes(rng.randrange(256) for _ in range(5000)))
    (d / "no_tables.html").write_text("<html><body><p>网站首页</p><table><tr><td>新闻</td><td>2020-12-13</td>"
                                      "<td>292</td></tr></table></body></html>", encoding="utf-8")
    # a 50 MB page: the report buried in 50 MB of site chrome
    chrome = "<div class='nav'>" + ("<a href='#'>首页 政务公开 政府信息公开 123</a>" * 1000) + "</div>\n"
    big = render_html(good).replace("<body>", "<body>" + chrome * (50 * 1024 * 1024 // len(chrome.encode())))
    (d / "big.html").write_text(big, encoding="utf-8")
    return d


def test_batch_goes_on_and_each_bad_file_has_a_specific_error(batch, tmp_path):
    out = tmp_path / "out"
    res = runner.invoke(app, ["ingest", str(batch), "--out", str(out)])
    assert res.exit_code == 1, res.output  # some files failed
    assert "Traceback" not in res.output
    reports = pd.read_parquet(out / "reports.parquet").set_index("path")
    by_name = {os.path.basename(p): r for p, r in reports.iterrows()}
    assert by_name["good.txt"]["status"] == "ok"
    assert by_name["good.html"]["status"] == "ok"
    assert by_name["gbk.html"]["status"] == "ok" and by_name["gbk.html"]["agency"] == "威海临港区党政办公室"
    assert by_name["big.html"]["status"] == "ok"
    assert (by_name["empty.txt"]["status"], by_name["empty.txt"]["error_code"]) == ("failed", "empty_file")
    assert by_name["binary.html"]["status"] == "failed"
    assert by_name["binary.html"]["error_code"] in ("corrupt", "unsupported_format")
    assert (by_name["no_tables.html"]["status"], by_name["no_tables.html"]["error_code"]) == ("failed", "not_a_report")
    for name in ("empty.txt", "binary.html", "no_tables.html"):
        assert name in by_name[name]["error"], "the error names the file"
    values = pd.read_parquet(out / "values.parquet")
    ok_ids = set(reports[reports["status"] == "ok"]["report_id"])
    assert set(values["report_id"]) == ok_ids
    issues = pd.read_parquet(out / "issues.parquet")
    assert list(issues.columns)[:3] == ["report_id", "rule", "severity"]
    # one line per file and a total
    assert res.output.count("\n[") + res.output.startswith("[") >= 7
    assert "total: 7 files" in res.output


def test_usage_errors_exit_2(tmp_path):
    res = runner.invoke(app, ["ingest", str(tmp_path / "nope"), "--out", str(tmp_path / "o")])
    assert res.exit_code == 2
    res = runner.invoke(app, ["ingest", str(tmp_path)])  # --out missing
    assert res.exit_code == 2


def test_all_good_exits_0_and_check_command(tmp_path):
    d = tmp_path / "in"
    d.mkdir()
    for seed, year in ((1, 2021), (2, 2022)):
        spec = random_spec(random.Random(seed), year=year, template="gb2021", agency="平潭综合实验区")
        (d / f"{year}.txt").write_text(render_text(spec), encoding="utf-8")
    out = tmp_path / "out"
    res = runner.invoke(app, ["ingest", str(d), "--out", str(out)])
    assert res.exit_code == 0, res.output
    before = pd.read_parquet(out / "issues.parquet")
    res = runner.invoke(app, ["check", str(out)])
    assert res.exit_code == 0, res.output
    assert "total:" in res.output
    # regression: re-checking without the documents dropped the text-based findings (Y-TEXT, N-1)
    after = pd.read_parquet(out / "issues.parquet")
    for rule in ("Y-TEXT", "N-1"):
        assert (after["rule"] == rule).sum() == (before["rule"] == rule).sum()
    assert (before["rule"] == "Y-TEXT").any(), "two years of one agency: the repetition rule ran"


def test_check_strict_fails_on_a_printed_error(tmp_path):
    spec = random_spec(random.Random(9), template="gb2019", agency="威海临港区党政办公室")
    cells = dict(spec.cells)
    key = ("requests", "total_processed", "total")
    cells[key] = str(int(cells[key]) + 1)  # 总计 no longer the sum of its row or its column
    bad = type(spec)(agency=spec.agency, year=spec.year, template=spec.template, cells=cells)
    (tmp_path / "bad.txt").write_text(render_text(bad), encoding="utf-8")
    out = tmp_path / "out"
    runner.invoke(app, ["ingest", str(tmp_path / "bad.txt"), "--out", str(out)])
    res = runner.invoke(app, ["check", str(out), "--strict"])
    assert res.exit_code == 1
    assert "T3-R3" in res.output


def test_console_script_runs(tmp_path):
    """The installed entry point works (no traceback, exit 2 for usage)."""
    exe = os.path.join(os.path.dirname(sys.executable), "discl")
    r = subprocess.run([exe, "ingest", str(tmp_path / "missing"), "--out", str(tmp_path)],
                       capture_output=True, text=True)
    assert r.returncode == 2 and "Traceback" not in r.stderr


def test_load_api_matches_cli(batch, tmp_path):
    c = discl.load(batch)
    assert len(c) == 7
    assert (c.reports["status"] == "failed").sum() == 3
    before = c.values
    before.loc[:, "value"] = -1  # handed-out frames are copies
    assert (c.values["value"] != -1).any()


def test_non_utf8_file_name_does_not_break_the_outputs(tmp_path):
    """Regression: a name with bytes that are not UTF-8 reached Parquet as surrogate escapes."""
    d = tmp_path / "in"
    d.mkdir()
    good = random_spec(random.Random(3), template="gb2021", agency="淮安市洪泽区人民政府")
    name = os.fsdecode(b"\xff\xfe-report.txt")
    try:
        (d / name).write_text(render_text(good), encoding="utf-8")
    except (OSError, UnicodeEncodeError):
        pytest.skip("this file system refuses non-UTF-8 names")
    (d / "empty.txt").write_bytes(b"")
    out = tmp_path / "out"
    res = runner.invoke(app, ["ingest", str(d), "--out", str(out)])
    assert res.exit_code == 1, res.output
    reports = pd.read_parquet(out / "reports.parquet")
    assert any("\\xff\\xfe-report.txt" in p for p in reports["path"])
    assert (reports["status"] == "ok").sum() == 1
