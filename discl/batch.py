"""Batch ingestion: every core (or a Dask cluster), incremental by content hash, resumable after a crash.

Each file's result is checkpointed as soon as it is read (``OUT/.discl-cache/``, keyed by the file's
SHA-256, discl's parser version and the read settings), so

* a re-run on an unchanged folder reads no document (hashing is all it does),
* a run killed half way (``kill -9``, Ctrl-C, power loss) resumes where it stopped,
* changed files are read again and files that disappeared drop out of the outputs.

Outputs are written atomically (temporary file + rename): the three single Parquet files and a dataset
partitioned by year (``OUT/dataset/{reports,values,issues}/year=YYYY/``) that pandas, DuckDB and Dask
read directly.
"""
from __future__ import annotations

import gzip
import hashlib
import json
import math
import os
import resource
import shutil
import signal
import time
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, field

import pandas as pd

from .api import Corpus, iter_files
from .errors import DocumentError
from .pipeline import FileResult, _failed, file_to_result, sha256_file
from .settings import DEFAULT_SETTINGS, ReadSettings

#: bump when a change to reading alters results: cached results of older versions are not reused
PARSER_VERSION = "2"
CACHE_DIR = ".discl-cache"


@dataclass(frozen=True)
class BatchSettings:
    """How a batch runs.

    >>> BatchSettings(workers=0)
    Traceback (most recent call last):
    ...
    ValueError: BatchSettings.workers must be at least 1, got 0
    """

    workers: int = field(default_factory=lambda: os.cpu_count() or 1)
    engine: str = "local"  # "local" (process pool) or "dask"
    scheduler: str | None = None  # dask scheduler address, e.g. tcp://10.0.0.5:8786
    memory_mb: int = 4096  # per-worker address-space limit (local engine); a file above it fails
    checks: bool = True
    use_cache: bool = True

    def __post_init__(self) -> None:
        if self.workers < 1:
            raise ValueError(f"BatchSettings.workers must be at least 1, got {self.workers}")
        if self.engine not in ("local", "dask"):
            raise ValueError(f"BatchSettings.engine must be 'local' or 'dask', got {self.engine!r}")
        if self.engine == "dask" and not self.scheduler:
            raise ValueError("BatchSettings.engine='dask' needs a scheduler address (--scheduler)")
        if self.memory_mb < 256:
            raise ValueError(f"BatchSettings.memory_mb must be at least 256, got {self.memory_mb}")


@dataclass
class BatchSummary:
    files: int
    read: int  # documents actually parsed in this run
    reused: int  # results taken from the cache (unchanged files, or done before a crash)
    reports: pd.DataFrame
    n_values: int
    n_errors: int
    out_dir: str
    seconds: float

    @property
    def corpus(self) -> Corpus:
        """The written outputs, loaded (for large batches prefer the Parquet dataset)."""
        return Corpus.from_parquet(self.out_dir)


# --------------------------------------------------------------------------------------------------
# the per-file work (runs in worker processes)


class _Timeout(Exception):
    pass


def _on_alarm(signum, frame):  # noqa: ARG001 - signal handler signature
    raise _Timeout()


def _init_worker(memory_mb: int) -> None:
    # a pathological file must fail on its own, not take the machine: cap this worker's address space
    limit = memory_mb * 1024 * 1024
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard == resource.RLIM_INFINITY or hard > limit:
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle


def read_one(path: str, settings: ReadSettings, use_alarm: bool = True, checks: bool = True) -> dict:
    """Read one file into a JSON-able dict; never raises (time and memory limits become errors)."""
    t0 = time.perf_counter()
    if use_alarm:
        signal.signal(signal.SIGALRM, _on_alarm)
        signal.setitimer(signal.ITIMER_REAL, settings.timeout_s)
    try:
        res = file_to_result(path, settings)
    except _Timeout:
        res = _failed(path, _safe_sha(path), DocumentError(
            "timeout", f"reading took longer than {settings.timeout_s:g} s (ReadSettings.timeout_s)", path), t0)
    except MemoryError:
        res = _failed(path, _safe_sha(path), DocumentError(
            "too_large", "reading needed more memory than the per-worker limit (--memory-mb)", path), t0)
    except RecursionError:
        res = _failed(path, _safe_sha(path), DocumentError(
            "corrupt", "the document's structure is nested too deeply to read", path), t0)
    except Exception as e:  # a bug in discl on this file: recorded with its type, the batch goes on
        res = _failed(path, _safe_sha(path), DocumentError(
            "internal_error", f"discl failed on this file ({type(e).__name__}: {e}); please report it", path), t0)
    finally:
        if use_alarm:
            signal.setitimer(signal.ITIMER_REAL, 0)
    if checks and res.report["status"] != "failed":
        res.issues = _report_checks(res)
    return _result_to_dict(res)


def _report_checks(res: FileResult) -> list[dict]:
    """Per-report rules run in the worker, so the parent never holds a whole corpus of cells."""
    from .api import _run_checks
    from .pipeline import frames

    reports, values, issues = frames([res])
    issues = _run_checks(reports, values, issues, {res.report["report_id"]: res.text}, cross=False)
    return [{k: (None if isinstance(v, float) and math.isnan(v) and k not in ("expected", "actual") else v)
             for k, v in row.items()} for row in issues.to_dict("records")]


def _ytext(text: str) -> str:
    """Sections 一 and 五 only (with their headings): what the cross-report text rule compares."""
    from .checks import narrative_sections

    sec = narrative_sections(text or "")
    return "".join(f"{h}{sec[k]}" for k, h in (("overview", "一、总体情况"), ("problems", "五、存在的主要问题及改进情况"))
                   if k in sec)


def _safe_sha(path: str) -> str:
    try:
        return sha256_file(path)
    except OSError:
        return ""


def _result_to_dict(res: FileResult) -> dict:
    return {"report": res.report, "values": res.values, "issues": res.issues, "text": _ytext(res.text)}


def _dict_to_result(d: dict) -> FileResult:
    return FileResult(d["report"], d["values"], d["issues"], d.get("text", ""))


# --------------------------------------------------------------------------------------------------
# cache


def _settings_key(settings: ReadSettings) -> str:
    raw = json.dumps(asdict(settings), sort_keys=True) + PARSER_VERSION
    return hashlib.sha256(raw.encode()).hexdigest()[:12]


class _Cache:
    def __init__(self, out_dir: str, settings: ReadSettings):
        self.dir = os.path.join(out_dir, CACHE_DIR, _settings_key(settings))
        os.makedirs(self.dir, exist_ok=True)

    def _path(self, sha: str) -> str:
        return os.path.join(self.dir, f"{sha}.json.gz")

    def get(self, sha: str) -> dict | None:
        p = self._path(sha)
        if not os.path.exists(p):
            return None
        try:
            with gzip.open(p, "rt", encoding="utf-8") as f:
                return json.load(f)
        except (OSError, EOFError, json.JSONDecodeError):
            os.remove(p)  # a checkpoint cut by a crash: read the file again
            return None

    def put(self, sha: str, d: dict) -> None:
        p = self._path(sha)
        tmp = f"{p}.{os.getpid()}.tmp"
        with gzip.open(tmp, "wt", encoding="utf-8", compresslevel=3) as f:
            # ASCII escapes keep file names that are not UTF-8 (surrogate escapes) intact through JSON
            json.dump(d, f, ensure_ascii=True, default=_json_default)
        os.replace(tmp, p)

    def prune(self, keep: set[str]) -> None:
        for name in os.listdir(self.dir):
            sha = name.split(".")[0]
            if sha not in keep or name.endswith(".tmp"):
                os.remove(os.path.join(self.dir, name))
        # caches of other settings or parser versions are obsolete
        root = os.path.dirname(self.dir)
        for name in os.listdir(root):
            if os.path.join(root, name) != self.dir:
                shutil.rmtree(os.path.join(root, name), ignore_errors=True)


def _json_default(o):
    if isinstance(o, float) and math.isnan(o):
        return None
    if hasattr(o, "item"):
        return o.item()
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


# --------------------------------------------------------------------------------------------------
# the batch


def ingest(paths: Iterable[str | os.PathLike], out_dir: str | os.PathLike,
           settings: ReadSettings = DEFAULT_SETTINGS, batch: BatchSettings | None = None,
           on_result: Callable[[FileResult, bool], None] | None = None) -> BatchSummary:
    """Read every report under ``paths`` and write the outputs to ``out_dir``.

    ``on_result(result, reused)`` is called once per file as results arrive (progress display).
    """
    t0 = time.perf_counter()
    batch = batch or BatchSettings()
    out_dir = os.fspath(out_dir)
    files = list(dict.fromkeys(iter_files(paths)))
    cache = _Cache(out_dir, settings)
    shas: dict[str, str] = {}
    # the parent keeps one small summary per file; cells stay in the checkpoints until assembly
    kept: dict[str, dict] = {}
    todo: list[str] = []
    reused = 0
    for f in files:
        try:
            sha = sha256_file(f)
        except OSError as e:
            d = _result_to_dict(_failed(f, "", DocumentError(
                "not_found", f"cannot open the file ({e.strerror})", f), time.perf_counter()))
            kept[f] = d
            _notify(on_result, _dict_to_result(d), False)
            continue
        shas[f] = sha
        cached = cache.get(sha) if batch.use_cache else None
        if cached is not None and cached.get("checks") == batch.checks:
            reused += 1
            kept[f] = _summary(cached)
            _notify(on_result, _dict_to_result(_for_path(cached, f)), True)
        else:
            todo.append(f)

    def done(f: str, d: dict) -> None:
        d["checks"] = batch.checks
        if f in shas:
            cache.put(shas[f], d)
            kept[f] = _summary(d)
        else:
            kept[f] = d
        _notify(on_result, _dict_to_result(d), False)

    if batch.engine == "dask":
        _run_dask(todo, settings, batch, done)
    elif batch.workers == 1 or len(todo) <= 1:
        for f in todo:
            done(f, read_one(f, settings, checks=batch.checks))
    else:
        _run_pool(todo, settings, batch, done)

    summaries = [(f, kept[f]) for f in files if f in kept]
    reports = _assemble(summaries, shas, cache, out_dir, batch.checks)
    if batch.use_cache:
        cache.prune(set(shas.values()))
    n_values = int(reports["n_values"].fillna(0).sum())
    issues_sev = pd.read_parquet(os.path.join(out_dir, "issues.parquet"), columns=["severity"])["severity"]
    return BatchSummary(len(files), len(todo), reused, reports, n_values, int((issues_sev == "error").sum()),
                        out_dir, time.perf_counter() - t0)


def _summary(d: dict) -> dict:
    """What the parent keeps of a file's result: its report row and the cells the corpus checks read."""
    from .checks import CROSS_YEAR_ROWS, CROSS_YEAR_TABLES

    cross = [v for v in d["values"] if v["table"] in CROSS_YEAR_TABLES or (v["table"], v["row"]) in CROSS_YEAR_ROWS]
    return {"report": dict(d["report"]), "cross_values": cross, "text": d.get("text", "")}


def _for_path(d: dict, path: str) -> dict:
    """A cached result of the same content, reported under this file's path."""
    d = dict(d)
    rep = dict(d["report"])
    rep["path"] = path
    if rep.get("error"):
        rep["error"] = _repath(rep["error"], path)
    d["report"] = rep
    return d


def _assemble(summaries: list[tuple[str, dict]], shas: dict[str, str], cache: "_Cache", out_dir: str,
              checks: bool) -> pd.DataFrame:
    """Stream every file's cells from its checkpoint into the Parquet outputs, one file at a time."""
    from .checks import corpus_issues
    from .pipeline import frames

    for f, s in summaries:
        s["report"]["path"] = f
        if s["report"].get("error"):
            s["report"]["error"] = _repath(s["report"]["error"], f)
    results = [FileResult(s["report"], s.get("cross_values", []), [], s.get("text", "")) for _, s in summaries]
    _mark_duplicates(results)
    reports, cross_values, _ = frames(results)
    dup = set(reports.loc[reports["error_code"] == "duplicate", "report_id"])
    corpus_extra = pd.DataFrame()
    if checks and len(cross_values):
        texts = {r.report["report_id"]: r.text for r in results if r.text}
        corpus_extra = corpus_issues(cross_values, reports, texts)
    writer = _StreamWriter(out_dir, reports)
    for (f, s), r in zip(summaries, results):
        rid = r.report["report_id"]
        if rid in dup or r.report["status"] == "failed" or f not in shas:
            continue
        d = cache.get(shas[f])
        if d is None:  # the checkpoint vanished under us: the file is reported without cells
            continue
        _, v, i = frames([FileResult(r.report, d["values"], d["issues"])])
        v["report_id"] = rid
        writer.add(v, i)
    if len(corpus_extra):
        writer.add_issues(corpus_extra)
    writer.close()
    return reports


def _notify(cb, res: FileResult, reused: bool) -> None:
    if cb is not None:
        cb(res, reused)


def _repath(error: str, path: str) -> str:
    head, sep, tail = error.partition(": ")
    return f"{path}: {tail}" if sep else error


def _run_pool(todo: list[str], settings: ReadSettings, batch: BatchSettings, done: Callable) -> None:
    """Process pool; a worker that dies (segfault, OOM kill) costs only the file it was reading."""
    pending = list(reversed(todo))
    while pending:
        with ProcessPoolExecutor(max_workers=min(batch.workers, len(pending)), initializer=_init_worker,
                                 initargs=(batch.memory_mb,)) as pool:
            running: dict[Future, str] = {}
            broken = False
            while (pending or running) and not broken:
                while pending and len(running) < batch.workers * 2:
                    f = pending.pop()
                    running[pool.submit(read_one, f, settings, True, batch.checks)] = f
                finished, _ = wait(running, return_when=FIRST_COMPLETED)
                for fut in finished:
                    f = running.pop(fut)
                    try:
                        done(f, fut.result())
                    except BrokenProcessPool:
                        broken = True
                        done(f, _result_to_dict(_failed(f, _safe_sha(f), DocumentError(
                            "internal_error", "the worker reading this file died (crash or out of memory)", f),
                            time.perf_counter())))
            if broken:
                # the files that were in flight with the dead worker are read again in a new pool
                pending.extend(running.values())


def _run_dask(todo: list[str], settings: ReadSettings, batch: BatchSettings, done: Callable) -> None:
    try:
        from distributed import Client, as_completed
    except ImportError as e:
        raise RuntimeError("the dask engine needs the 'dask' extra: pip install 'discl[dask]'") from e
    with Client(batch.scheduler) as client:
        futures = client.map(read_one, todo, settings=settings, use_alarm=False, checks=batch.checks, pure=False)
        index = {fut.key: f for fut, f in zip(futures, todo)}
        for fut in as_completed(futures):
            done(index[fut.key], fut.result())


def _mark_duplicates(results: list[FileResult]) -> None:
    """Two files with identical content would share a report_id: keep the first, record the others."""
    seen: dict[str, str] = {}
    for r in results:
        rid = r.report["report_id"]
        if r.report["status"] == "failed" and not r.report.get("sha256"):
            continue
        if rid in seen:
            r.report.update({"status": "failed", "error_code": "duplicate",
                             "error": f"{r.report['path']}: same content as {seen[rid]}", "n_values": 0})
            r.report["report_id"] = hashlib.sha256(r.report["path"].encode()).hexdigest()[:16]
            r.values, r.issues = [], []
        else:
            seen[rid] = r.report["path"]


class _StreamWriter:
    """Parquet writers for the three single files and the year-partitioned dataset; files appear
    under their final names only when complete (temporary names + rename)."""

    def __init__(self, out_dir: str, reports: pd.DataFrame):
        import pyarrow as pa

        from .pipeline import frames

        self.pa = pa
        self.out_dir = out_dir
        os.makedirs(out_dir, exist_ok=True)
        self.tag = f".tmp-{os.getpid()}"
        _, v0, i0 = frames([])
        self.schemas = {"values": pa.Schema.from_pandas(v0, preserve_index=False),
                        "issues": pa.Schema.from_pandas(i0, preserve_index=False)}
        self.year = dict(zip(reports["report_id"], reports["year"].fillna(0).astype("int64")))
        self.writers: dict[tuple[str, int | None], object] = {}
        self.ds_tmp = os.path.join(out_dir, "dataset" + self.tag)
        shutil.rmtree(self.ds_tmp, ignore_errors=True)
        self._write_frame("reports", reports)

    def _writer(self, name: str, year: int | None):
        import pyarrow.parquet as pq

        key = (name, year)
        if key not in self.writers:
            if year is None:
                path = os.path.join(self.out_dir, f"{name}.parquet{self.tag}")
            else:
                d = os.path.join(self.ds_tmp, name, f"year={year}")
                os.makedirs(d, exist_ok=True)
                path = os.path.join(d, "part-0.parquet")
            self.writers[key] = pq.ParquetWriter(path, self.schemas[name])
        return self.writers[key]

    def _write_frame(self, name: str, df: pd.DataFrame) -> None:
        """A table small enough to write at once (reports: one row per file)."""
        df.to_parquet(os.path.join(self.out_dir, f"{name}.parquet{self.tag}"), index=False)
        years = df["year"].fillna(0).astype("int64")
        for y, part in df.groupby(years, sort=True):
            d = os.path.join(self.ds_tmp, name, f"year={int(y)}")
            os.makedirs(d, exist_ok=True)
            part.to_parquet(os.path.join(d, "part-0.parquet"), index=False)

    def _add(self, name: str, df: pd.DataFrame) -> None:
        if df.empty:
            return
        df = df.reindex(columns=self.schemas[name].names)
        table = self.pa.Table.from_pandas(df, schema=self.schemas[name], preserve_index=False)
        self._writer(name, None).write_table(table)
        years = df["report_id"].map(self.year).fillna(0).astype("int64")
        for y, part in df.groupby(years, sort=True):
            t = self.pa.Table.from_pandas(part, schema=self.schemas[name], preserve_index=False)
            self._writer(name, int(y)).write_table(t)

    def add(self, values: pd.DataFrame, issues: pd.DataFrame) -> None:
        self._add("values", values)
        self._add("issues", issues)

    def add_issues(self, issues: pd.DataFrame) -> None:
        from .pipeline import ISSUE_COLUMNS

        self._add("issues", issues.reindex(columns=ISSUE_COLUMNS))

    def close(self) -> None:
        for w in self.writers.values():
            w.close()
        for name in ("values", "issues"):
            if (name, None) not in self.writers:  # no rows: still an empty file with the schema
                self._writer(name, None).close()
        for name in ("reports", "values", "issues"):
            os.replace(os.path.join(self.out_dir, f"{name}.parquet{self.tag}"),
                       os.path.join(self.out_dir, f"{name}.parquet"))
        for name in ("values", "issues"):
            os.makedirs(os.path.join(self.ds_tmp, name), exist_ok=True)
        ds_root = os.path.join(self.out_dir, "dataset")
        old = ds_root + ".old" + self.tag
        if os.path.exists(ds_root):
            os.replace(ds_root, old)
        os.replace(self.ds_tmp, ds_root)
        shutil.rmtree(old, ignore_errors=True)
