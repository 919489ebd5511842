"""Batch ingestion: parallel = serial = Dask, incremental by content hash, resumable after kill -9."""
from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

import discl
from discl import batch as B
from discl.batch import cross, engines, worker, writer
from discl.render import random_spec, render_html, render_markdown, render_text
from discl.settings import ReadSettings


def _write_reports(d: Path, n: int, seed: int = 0) -> list[Path]:
    d.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    out = []
    renderers = [("txt", render_text), ("html", render_html), ("md", render_markdown)]
    for i in range(n):
        spec = random_spec(rng, year=2019 + i % 6, agency=f"示例{i % 5}区人民政府")
        ext, fn = renderers[i % 3]
        p = d / f"r{i:03d}.{ext}"
        p.write_text(fn(spec), encoding="utf-8")
        out.append(p)
    (d / "broken.txt").write_bytes(b"")
    return out


def _frames(out: Path):
    v = pd.read_parquet(out / "values.parquet").sort_values(["report_id", "table", "row", "col"]).reset_index(drop=True)
    i = pd.read_parquet(out / "issues.parquet").sort_values(["report_id", "rule", "table", "row", "col", "message"]).reset_index(drop=True)
    r = pd.read_parquet(out / "reports.parquet").sort_values("path").reset_index(drop=True)
    return r, v, i


def test_parallel_equals_serial_and_reuses_unchanged_files(tmp_path):
    src = tmp_path / "in"
    files = _write_reports(src, 12)
    s1 = B.ingest([src], tmp_path / "serial", batch=B.BatchSettings(workers=1))
    s2 = B.ingest([src], tmp_path / "par", batch=B.BatchSettings(workers=2))
    assert s1.read == s2.read == 13
    r1, v1, i1 = _frames(tmp_path / "serial")
    r2, v2, i2 = _frames(tmp_path / "par")
    pd.testing.assert_frame_equal(v1, v2)
    pd.testing.assert_frame_equal(i1, i2)
    # unchanged folder: no document is read, outputs identical
    s3 = B.ingest([src], tmp_path / "par", batch=B.BatchSettings(workers=2))
    assert (s3.read, s3.reused) == (0, 13)
    r3, v3, i3 = _frames(tmp_path / "par")
    pd.testing.assert_frame_equal(v2, v3)
    pd.testing.assert_frame_equal(i2, i3)
    # one file changed, one removed, one added
    files[0].write_text(render_text(random_spec(random.Random(99), year=2020, agency="示例0区人民政府")), encoding="utf-8")
    gone_id = r3.set_index("path").loc[str(files[1]), "report_id"]
    files[1].unlink()
    (src / "new.txt").write_text(render_text(random_spec(random.Random(98), year=2021, agency="新区人民政府")),
                                 encoding="utf-8")
    s4 = B.ingest([src], tmp_path / "par", batch=B.BatchSettings(workers=2))
    assert s4.read == 2 and s4.reused == 11
    r4, v4, _ = _frames(tmp_path / "par")
    assert gone_id not in set(v4["report_id"]) and gone_id not in set(r4["report_id"])
    assert str(src / "new.txt") in set(r4["path"])
    assert r4["report_id"].is_unique


def test_dataset_partitioned_by_year_reads_back(tmp_path):
    """Every table of dataset/ reads with plain pd.read_parquet and pyarrow.dataset as its single file
    (values and issues with the report's year added): no clash between a year=YYYY folder and the
    reports' own year column, no categorical year, an unread year null rather than 0."""
    import pyarrow.dataset as pads

    src = tmp_path / "in"
    _write_reports(src, 6)  # 2019 … 2024, and broken.txt: failed, no year
    out = tmp_path / "out"
    B.ingest([src], out, batch=B.BatchSettings(workers=1))
    single = {name: pd.read_parquet(out / f"{name}.parquet") for name in ("reports", "values", "issues")}
    year_of = single["reports"].set_index("report_id")["year"]
    keys = {"reports": ["path"], "values": ["report_id", "table", "row", "col"],
            "issues": ["report_id", "rule", "table", "row", "col", "message"]}
    for name, one in single.items():
        folder = out / "dataset" / name
        ds = pd.read_parquet(folder)
        via_arrow = pads.dataset(folder).to_table().to_pandas()
        pd.testing.assert_frame_equal(ds, via_arrow)
        assert str(ds["year"].dtype) == "Int64"
        expected = one if name == "reports" else one.assign(year=one["report_id"].map(year_of).astype("Int64"))
        assert list(ds.columns) == list(expected.columns)
        pd.testing.assert_frame_equal(ds.sort_values(keys[name]).reset_index(drop=True),
                                      expected.sort_values(keys[name]).reset_index(drop=True))
    reports = pd.read_parquet(out / "dataset" / "reports")
    assert reports.loc[reports["path"].str.endswith("broken.txt"), "year"].isna().all()
    folders = sorted(p.name for p in (out / "dataset" / "reports").iterdir())
    assert folders == ["2019", "2020", "2021", "2022", "2023", "2024", "unknown"]
    # a filter on the year reads that year only
    v2021 = pd.read_parquet(out / "dataset" / "values", filters=[("year", "==", 2021)])
    assert len(v2021) and set(v2021["year"]) == {2021}


def test_duplicate_content_is_recorded_once(tmp_path):
    src = tmp_path / "in"
    files = _write_reports(src, 2)
    (src / "zz_copy.txt").write_bytes(files[0].read_bytes())
    s = B.ingest([src], tmp_path / "out", batch=B.BatchSettings(workers=1))
    reps = discl.Corpus.from_parquet(s.out_dir).reports.set_index("path")
    assert reps.loc[str(src / "zz_copy.txt"), "error_code"] == "duplicate"
    assert reps["report_id"].is_unique


def _slow(path, settings):
    time.sleep(5)


def _hog(path, settings):
    blocks = []
    while True:
        blocks.append(bytearray(64 * 1024 * 1024))


def test_timeout_and_memory_guard_fail_one_file(tmp_path, monkeypatch):
    p = tmp_path / "a.txt"
    p.write_text("x", encoding="utf-8")
    monkeypatch.setattr(worker, "file_to_result", _slow)
    d = B.read_one(str(p), ReadSettings(timeout_s=0.3))
    assert (d["report"]["status"], d["report"]["error_code"]) == ("failed", "timeout")
    # the memory cap applies in a worker process (forked, so it sees the patched reader)
    monkeypatch.setattr(worker, "file_to_result", _hog)
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(1, mp_context=mp.get_context("fork"), initializer=worker.init_worker,
                             initargs=(512,)) as pool:
        d = pool.submit(B.read_one, str(p), ReadSettings(timeout_s=30)).result()
    assert (d["report"]["status"], d["report"]["error_code"]) == ("failed", "too_large")


def test_kill_9_and_resume(tmp_path):
    src = tmp_path / "in"
    _write_reports(src, 60)
    out = tmp_path / "out"
    exe = os.path.join(os.path.dirname(sys.executable), "discl")
    proc = subprocess.Popen([exe, "ingest", str(src), "--out", str(out), "--workers", "1"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    cache = out / B.CACHE_DIR
    deadline = time.time() + 120
    while time.time() < deadline:
        parts = list(cache.rglob("*.json")) if cache.exists() else []
        if len(parts) >= 10:
            break
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    done_before = len(list(cache.rglob("*.json")))
    assert 10 <= done_before < 61, "the run was not interrupted half way"
    s = B.ingest([src], out, batch=B.BatchSettings(workers=2))
    assert s.reused >= done_before - 1 and s.read + s.reused == 61
    r, v, _ = _frames(out)
    assert len(r) == 61 and r["report_id"].is_unique
    assert not list((out / B.CACHE_DIR).glob("index.*")), "the killed run's scratch index was not removed"
    fresh = B.ingest([src], tmp_path / "fresh", batch=B.BatchSettings(workers=1, use_cache=False))
    rf, vf, _ = _frames(tmp_path / "fresh")
    pd.testing.assert_frame_equal(v, vf)
    assert not v.duplicated(["report_id", "table", "row", "col"]).any()


def test_dask_engine_matches_local(tmp_path, monkeypatch):
    distributed = pytest.importorskip("distributed")
    src = tmp_path / "in"
    _write_reports(src, 8)
    B.ingest([src], tmp_path / "local", batch=B.BatchSettings(workers=2))
    monkeypatch.setattr(engines, "DASK_TASKS_PER_THREAD", 1)  # 9 files through a window of 2 tasks
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        B.ingest([src], tmp_path / "dask", batch=B.BatchSettings(engine="dask", scheduler=cluster.scheduler_address))
    _, v1, i1 = _frames(tmp_path / "local")
    _, v2, i2 = _frames(tmp_path / "dask")
    pd.testing.assert_frame_equal(v1, v2)
    pd.testing.assert_frame_equal(i1, i2)


def test_batch_outputs_equal_the_in_memory_api(tmp_path):
    """The streamed batch (fragments, chunked cross-report checks) gives the tables discl.load gives."""
    src = tmp_path / "in"
    _write_reports(src, 9)
    B.ingest([src], tmp_path / "out", batch=B.BatchSettings(workers=2))
    _, v, i = _frames(tmp_path / "out")
    c = discl.load(src)
    v2 = c.values.sort_values(["report_id", "table", "row", "col"]).reset_index(drop=True)
    i2 = c.issues.sort_values(["report_id", "rule", "table", "row", "col", "message"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(v, v2, check_dtype=False)
    pd.testing.assert_frame_equal(i, i2, check_dtype=False)
    assert (i["rule"] == "X-1").any(), "agencies recur across years here: the cross-year pass ran"


def test_crowded_agencies_and_tiny_buffers_give_the_in_memory_result(tmp_path, monkeypatch):
    """The cross-year pass in year windows (an agency with several reports a year), chunks of a few
    agencies, and the writer's compaction and flushes give exactly the tables discl.load gives."""
    src = tmp_path / "in"
    src.mkdir()
    rng = random.Random(5)
    agencies = ["拥挤区人民政府"] * 12 + ["乙区人民政府"] * 4 + ["丙区人民政府"] * 2
    for i, agency in enumerate(agencies):
        spec = random_spec(rng, year=2019 + i % 4, agency=agency)
        (src / f"r{i:02d}.txt").write_text(render_text(spec), encoding="utf-8")
    monkeypatch.setattr(cross, "CROSS_PAIRS", 5)  # 拥挤区: 3 reports a year, 27 pairs -> year windows
    monkeypatch.setattr(cross, "CROSS_CHUNK", 3)  # 乙区 and 丙区 go in separate chunks
    monkeypatch.setattr(writer.StreamWriter, "ROW_GROUP", 50)
    monkeypatch.setattr(writer.StreamWriter, "COMPACT", 2)
    out = tmp_path / "out"
    B.ingest([src], out, batch=B.BatchSettings(workers=2))  # the cross-report chunks run on the pool
    _, v, i = _frames(out)
    c = discl.load(src)
    v2 = c.values.sort_values(["report_id", "table", "row", "col"]).reset_index(drop=True)
    i2 = c.issues.sort_values(["report_id", "rule", "table", "row", "col", "message"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(v, v2, check_dtype=False)
    pd.testing.assert_frame_equal(i, i2, check_dtype=False)
    x1 = i[i["rule"] == "X-1"]
    assert x1["report_id"].nunique() >= 9, "every 拥挤区 report after 2019 is compared with each of the year before"
    ds = pd.read_parquet(out / "dataset" / "issues")
    assert len(ds) == len(i)
    assert not list((out / B.CACHE_DIR).glob("index.*"))
