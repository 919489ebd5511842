"""The command line as a new user meets it: adding folders to an output, Ctrl-C, `check`'s listing, help."""
from __future__ import annotations

import json
import os
import re
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from discl import batch as B
from discl.cli import app
from discl.render import random_spec, render_text
from discl.sources import READABLE_EXTENSIONS

runner = CliRunner()


def _report(path: Path, seed: int, year: int, agency: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_text(random_spec(random.Random(seed), year=year, template="gb2021", agency=agency)),
                    encoding="utf-8")
    return path


def _ingest(*args: str):
    res = runner.invoke(app, ["ingest", *args, "--workers", "1"])
    assert "Traceback" not in res.output
    return res


def _paths(out: Path) -> set[str]:
    return {os.path.basename(p) for p in pd.read_parquet(out / "reports.parquet")["path"]}


def test_a_second_folder_is_added_and_a_root_given_again_is_updated(tmp_path):
    real, real2, out = tmp_path / "real", tmp_path / "real2", tmp_path / "out"
    _report(real / "a2021.txt", 1, 2021, "甲区人民政府")
    _report(real / "a2022.txt", 2, 2022, "甲区人民政府")
    _report(real2 / "b2022.txt", 3, 2022, "乙区人民政府")
    res = _ingest(str(real), "--out", str(out))
    assert res.exit_code == 0, res.output
    assert "2 added, 0 updated, 0 removed" in res.output
    (out / "report.html").write_text("<html>made from real/ alone</html>", encoding="utf-8")
    (out / "comparison.xlsx").write_bytes(b"")
    time.sleep(0.05)

    res = _ingest(str(real2), "--out", str(out))
    assert res.exit_code == 0, res.output
    assert _paths(out) == {"a2021.txt", "a2022.txt", "b2022.txt"}, "real/'s reports were dropped"
    assert "1 added, 0 updated, 0 removed" in res.output
    assert f"{out} also holds, from earlier runs: {real}" in res.output
    # the derived files beside the tables were made from real/ alone: said so, with the commands
    assert "out of date" in res.output and str(out / "report.html") in res.output
    assert f"discl export {out} --xlsx {out / 'comparison.xlsx'}" in res.output
    roots = [r["abs"] for r in json.loads((out / "inputs.json").read_text(encoding="utf-8"))["roots"]]
    assert roots == [str(real), str(real2)]
    # the dataset is written again with the tables, never left behind
    assert sum(len(pd.read_parquet(f)) for f in (out / "dataset" / "reports").rglob("*.parquet")) == 3
    assert len(pd.read_parquet(out / "dataset" / "values")) == len(pd.read_parquet(out / "values.parquet"))

    # a report of real/ changed, one of real2/ deleted: ingesting real/ again updates both roots
    _report(real / "a2022.txt", 9, 2022, "甲区人民政府")
    (real2 / "b2022.txt").unlink()
    _report(real2 / "b2023.txt", 4, 2023, "乙区人民政府")
    res = _ingest(str(real), "--out", str(out))
    assert "1 added, 1 updated, 1 removed" in res.output, res.output
    assert "removed: " in res.output and "b2022.txt" in res.output
    assert _paths(out) == {"a2021.txt", "a2022.txt", "b2023.txt"}

    # the derived files rewritten after the tables: no warning any more
    for name in ("report.html", "comparison.xlsx"):
        os.utime(out / name)
    res = _ingest(str(real), "--out", str(out))
    assert "0 added, 0 updated, 0 removed" in res.output and "out of date" not in res.output

    # --replace starts over
    res = _ingest(str(real2), "--out", str(out), "--replace")
    assert res.exit_code == 0, res.output
    assert _paths(out) == {"b2023.txt"}
    assert "0 added, 0 updated, 2 removed" in res.output
    assert [r["abs"] for r in json.loads((out / "inputs.json").read_text(encoding="utf-8"))["roots"]] == [str(real2)]


def test_a_recorded_folder_that_is_gone_is_said(tmp_path):
    a, b, out = tmp_path / "a", tmp_path / "b", tmp_path / "out"
    _report(a / "x.txt", 1, 2021, "甲区人民政府")
    _report(b / "y.txt", 2, 2021, "乙区人民政府")
    _ingest(str(a), "--out", str(out))
    _ingest(str(b), "--out", str(out))
    (b / "y.txt").unlink()
    b.rmdir()
    res = _ingest(str(a), "--out", str(out))
    assert f"{b} (ingested into {out} before) no longer exists" in res.output
    assert _paths(out) == {"x.txt"} and "1 removed" in res.output


def test_outputs_of_an_older_discl_lose_nothing(tmp_path):
    """An output folder written before roots were recorded: its files are kept as roots."""
    a, b, out = tmp_path / "a", tmp_path / "b", tmp_path / "out"
    _report(a / "x.txt", 1, 2021, "甲区人民政府")
    _report(b / "y.txt", 2, 2021, "乙区人民政府")
    _ingest(str(a), "--out", str(out))
    (out / "inputs.json").unlink()
    res = _ingest(str(b), "--out", str(out))
    assert _paths(out) == {"x.txt", "y.txt"}
    assert "1 added, 0 updated, 0 removed" in res.output


def test_ctrl_c_exits_130_with_one_line_and_the_run_resumes(tmp_path):
    src, out = tmp_path / "in", tmp_path / "out"
    for i in range(60):
        _report(src / f"r{i:02d}.txt", i, 2019 + i % 6, f"示例{i % 5}区人民政府")
    exe = os.path.join(os.path.dirname(sys.executable), "discl")
    proc = subprocess.Popen([exe, "ingest", str(src), "--out", str(out), "--workers", "2"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    cache = out / B.CACHE_DIR
    deadline = time.time() + 120
    while time.time() < deadline and len(list(cache.rglob("*.json")) if cache.exists() else []) < 5:
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGINT)  # as a terminal does: the whole process group
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130, (stdout, stderr)
    assert "Traceback" not in stderr and "Traceback" not in stdout
    lines = [ln for ln in stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, stderr
    assert lines[0].startswith("interrupted:") and "again to resume" in lines[0] and ".discl-cache" in lines[0]
    assert not (out / "reports.parquet").exists(), "nothing is written before the run completes"
    assert not [p for p in out.iterdir() if ".tmp" in p.name], "no temporary file is left behind"
    done = len(list(cache.rglob("*.json")))
    assert 5 <= done < 60, "the run was not interrupted half way"
    s = B.ingest([src], out, batch=B.BatchSettings(workers=1))
    assert s.reused >= done - 2 and s.read + s.reused == 60 and s.added == 60


def _two_years_with_a_bad_file(tmp_path: Path) -> Path:
    d, out = tmp_path / "in", tmp_path / "out"
    _report(d / "2021.txt", 1, 2021, "平潭综合实验区")
    (d / "2022.txt").write_text((d / "2021.txt").read_text(encoding="utf-8").replace("2021", "2022"),
                                encoding="utf-8")
    (d / "empty.txt").write_bytes(b"")
    _ingest(str(d), "--out", str(out))
    return out


def test_check_lists_every_finding_and_the_failed_files_and_counts_what_it_lists(tmp_path):
    out = _two_years_with_a_bad_file(tmp_path)
    issues = pd.read_parquet(out / "issues.parquet")
    ytext = issues[issues["rule"] == "Y-TEXT"]
    assert len(ytext) == 2 and set(ytext["severity"]) == {"warning"}  # sections 一 and 五, copied word for word
    assert all("文字重复率100%" in m for m in ytext["message"]), ytext["message"].tolist()
    res = runner.invoke(app, ["check", str(out)])
    assert res.exit_code == 0, res.output
    assert "section overview repeats 100%" in res.output and "section problems repeats 100%" in res.output
    assert "repeats 1 of" not in res.output
    # the file that could not be read is named with its error code
    assert "empty_file" in res.output and "empty.txt" in res.output
    n_warn = int((issues["severity"] == "warning").sum())
    # the total counts the reports it lists (a title line each), out of the reports read
    titles = [ln for ln in res.output.splitlines()
              if ln and not ln.startswith((" ", "total:", "not read"))]
    assert f"in {len(titles)} of 2 reports read" in res.output and "1 file not read" in res.output
    assert f"{n_warn} warnings" in res.output


def test_check_shows_a_repeated_message_once_with_its_count(tmp_path):
    out = _two_years_with_a_bad_file(tmp_path)
    issues = pd.read_parquet(out / "issues.parquet")
    row = issues[(issues["rule"] == "Y-TEXT") & (issues["row"] == "overview")]
    pd.concat([issues, row], ignore_index=True).to_parquet(out / "issues.parquet", index=False)
    res = runner.invoke(app, ["check", str(out)])
    message = row["message_en"].iloc[0]
    assert f"Y-TEXT ×2: {message}" in res.output
    assert res.output.count(message) == 1


def test_check_writes_the_dataset_issues_with_issues_parquet(tmp_path):
    out = _two_years_with_a_bad_file(tmp_path)
    values = pd.read_parquet(out / "values.parquet")
    before = pd.read_parquet(out / "issues.parquet")
    # a figure edited by hand: check finds new errors and must write them to both places
    cell = values.index[(values["table"] == "review_litigation") & values["value"].notna()][0]
    values.loc[cell, "value"] += 7
    values.to_parquet(out / "values.parquet", index=False)
    res = runner.invoke(app, ["check", str(out)])
    assert res.exit_code == 0, res.output
    single = pd.read_parquet(out / "issues.parquet")
    assert (single["severity"] == "error").sum() > (before["severity"] == "error").sum()
    ds = pd.read_parquet(out / "dataset" / "issues")
    key = ["report_id", "rule", "table", "row", "col", "message"]
    pd.testing.assert_frame_equal(ds.drop(columns="year").sort_values(key).reset_index(drop=True),
                                  single.sort_values(key).reset_index(drop=True))
    year_of = pd.read_parquet(out / "reports.parquet").set_index("report_id")["year"]
    assert (ds["year"] == ds["report_id"].map(year_of)).all()


@pytest.mark.parametrize("command", ["", "ingest", "check", "show", "export", "report", "samples"])
def test_help_has_no_type_noise(command):
    res = runner.invoke(app, [*command.split(), "--help"], terminal_width=120)
    assert res.exit_code == 0
    for noise in ("<bool>", "{", "list[", "<path>"):
        assert noise not in res.output, (noise, res.output)
    if command == "ingest":
        assert "ingest [OPTIONS] PATHS..." in res.output and "--replace" in res.output


def test_no_readable_file_lists_the_extensions_actually_read(tmp_path, monkeypatch):
    (tmp_path / "data.xlsx").write_bytes(b"PK")
    # a reader added later (images, say) shows in the message without touching it
    monkeypatch.setattr("discl.sources.READABLE_EXTENSIONS", {*READABLE_EXTENSIONS, ".tiff"})
    res = runner.invoke(app, ["ingest", str(tmp_path), "--out", str(tmp_path / "out")])
    assert res.exit_code == 2
    for ext in (".wps", ".xhtml", ".shtml", ".markdown", ".tiff"):
        assert ext in res.output
    assert "skipped 1 file discl does not read (1 .xlsx)" in res.output


def test_unreadable_files_in_a_folder_are_counted_as_skipped(tmp_path):
    d = tmp_path / "in"
    _report(d / "a.txt", 1, 2021, "甲区人民政府")
    (d / "sub").mkdir()
    for name in ("sheet.xlsx", "sub/other.xlsx", "scan.zip", ".DS_Store"):
        (d / name).write_bytes(b"x")
    res = _ingest(str(d), "--out", str(tmp_path / "out"))
    assert res.exit_code == 0, res.output
    assert "skipped 3 files discl does not read (2 .xlsx, 1 .zip)" in res.output
    assert "total: 1 file —" in res.output and "1 files" not in res.output


def _readme() -> str:
    return (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("command", ["show", "samples"])
def test_readme_use_shows_every_option_of_show_and_samples(command):
    import typer.main

    use = _readme().split("## Use", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    lines = [ln for ln in use.splitlines() if f"discl {command} " in ln]
    cmd = typer.main.get_command(app).commands[command]
    options = [o for p in cmd.params if p.param_type_name == "option" for o in p.opts if o.startswith("--")]
    assert options
    for opt in options:
        assert any(opt in ln for ln in lines), f"README's Use has no `discl {command} ... {opt}` line"


def test_readme_python_example_runs_on_what_make_demo_writes(tmp_path, monkeypatch):
    """The README's Python block, run where `make demo` would have run (samples, then ingest)."""
    from discl.render import write_samples

    readme = _readme()
    block = readme.split("### Python\n\n```python\n", 1)[1].split("```", 1)[0]
    monkeypatch.chdir(tmp_path)
    written = {os.path.basename(p) for p in write_samples("data/raw")}
    for name in re.findall(r'"data/raw/([^"]+)"', readme):
        assert name in written, f"README names data/raw/{name}, which `make demo` does not write"
    B.ingest(["data/raw"], "data/processed", batch=B.BatchSettings(workers=1))
    scope: dict = {}
    exec(compile(block, "README.md", "exec"), scope)
    received = scope["received"]
    assert received["prev_value"].notna().any(), "consecutive sample years: year-on-year has values"


def test_readme_says_which_demo_errors_are_deliberate():
    """The demo's check errors are the sample cells noted as printed errors in samples.csv."""
    from discl.render.samples import read_samples_csv

    noted = [r for r in read_samples_csv() if r["note"]]
    readme = _readme()
    for r in noted:
        assert f"{r['agency']} {r['year']}" in readme
        for rule in ("T3-R1", "T3-R3", "T4-R1"):
            if rule in r["note"]:
                assert rule in readme
    assert "libreoffice-calc-nogui" in readme and "discl export" in readme and "comparison.xlsx" in readme


def test_an_output_inside_the_input_folder_is_not_read_as_input(tmp_path):
    d = tmp_path / "in"
    _report(d / "a.txt", 1, 2021, "甲区人民政府")
    out = d / "out"
    _ingest(str(d), "--out", str(out))
    (out / "report.html").write_text("<html><body>made by discl report</body></html>", encoding="utf-8")
    res = _ingest(str(d), "--out", str(out))
    assert res.exit_code == 0, res.output
    assert _paths(out) == {"a.txt"} and "skipped" not in res.output
