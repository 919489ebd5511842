"""Batch ingestion: every core (or a Dask cluster), incremental by content hash, resumable after a crash.

Each file's result is checkpointed by the worker that read it (``OUT/.discl-cache/``: its cells and
findings as Parquet fragments, then a small JSON summary; keyed by the file's SHA-256, discl's parser
version and the read settings), so

* a re-run on an unchanged folder reads no document (hashing is all it does),
* a run killed half way (``kill -9``, Ctrl-C, power loss) resumes where it stopped,
* changed files are read again and files that disappeared drop out of the outputs.

The parent holds one report row per file; it streams the fragments into the outputs and runs the
cross-report checks agency group by agency group, so its memory does not depend on the cells of the
batch. Outputs are written atomically (temporary file + rename): the three single Parquet files and a
dataset partitioned by year (``OUT/dataset/{reports,values,issues}/year=YYYY/``) that pandas, DuckDB and
Dask read directly.
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
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from .api import Corpus, iter_files
from .errors import DocumentError
from .pipeline import FileResult, failed_result, file_to_result, sha256_file
from .sources import check_file
from .settings import DEFAULT_SETTINGS, ReadSettings

#: bump when a change to reading alters results: cached results of older versions are not reused
PARSER_VERSION = "4"
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


def read_one(path: str, settings: ReadSettings, cache_dir: str | None = None, sha: str | None = None,
             use_alarm: bool = True, checks: bool = True) -> dict:
    """Read one file; never raises (time and memory limits become errors).

    Returns the file's summary ``{"report": {...}, "checks": bool}``. With ``cache_dir`` and ``sha``,
    the cells and findings are written there as a checkpoint (see :class:`_Cache`) instead of being
    sent back: the parent never holds them.
    """
    t0 = time.perf_counter()
    if use_alarm:
        signal.signal(signal.SIGALRM, _on_alarm)
        signal.setitimer(signal.ITIMER_REAL, settings.timeout_s)
    try:
        res = file_to_result(path, settings)
        if checks and res.report["status"] != "failed":
            res.issues = _report_checks(res)
    except _Timeout:
        res = failed_result(path, sha or "", DocumentError(
            "timeout", f"reading took longer than {settings.timeout_s:g} s (ReadSettings.timeout_s)", path), t0)
    except MemoryError:
        res = failed_result(path, sha or "", DocumentError(
            "too_large", "reading needed more memory than the per-worker limit (--memory-mb)", path), t0)
    except RecursionError:
        res = failed_result(path, sha or "", DocumentError(
            "corrupt", "the document's structure is nested too deeply to read", path), t0)
    except Exception as e:  # a bug in discl on this file: recorded with its type, the batch goes on
        res = failed_result(path, sha or "", DocumentError(
            "internal_error", f"discl failed on this file ({type(e).__name__}: {e}); please report it", path), t0)
    finally:
        if use_alarm:
            signal.setitimer(signal.ITIMER_REAL, 0)
    summary = {"report": res.report, "checks": checks}
    if cache_dir is not None and sha:
        _Cache.write(cache_dir, sha, res, summary, _ytext(res.text))
    return summary


def _report_checks(res: FileResult) -> list[dict]:
    """Per-report rules run in the worker, next to the cells they read."""
    from .api import _run_checks
    from .pipeline import frames

    reports, values, issues = frames([res])
    issues = _run_checks(reports, values, issues, {res.report["report_id"]: res.text}, cross=False)
    return issues.to_dict("records")


def _ytext(text: str) -> str:
    """Sections 一 and 五 only (with their headings): what the cross-report text rule compares."""
    from .checks import narrative_sections

    sec = narrative_sections(text or "")
    return "".join(f"{h}{sec[k]}" for k, h in (("overview", "一、总体情况"), ("problems", "五、存在的主要问题及改进情况"))
                   if k in sec)


def _failed_summary(path: str, code: str, message: str) -> dict:
    return {"report": failed_result(path, "", DocumentError(code, message, path), time.perf_counter()).report,
            "checks": False}


# --------------------------------------------------------------------------------------------------
# checkpoints


def _settings_key(settings: ReadSettings) -> str:
    raw = json.dumps(asdict(settings), sort_keys=True) + PARSER_VERSION
    return hashlib.sha256(raw.encode()).hexdigest()[:12]


class _Cache:
    """One checkpoint per file content: ``<sha>.values.parquet``, ``<sha>.issues.parquet`` and, written
    last so that its presence means the checkpoint is whole, ``<sha>.json.gz`` (report row and the
    narrative sections the cross-report text rule needs)."""

    def __init__(self, out_dir: str, settings: ReadSettings):
        self.dir = os.path.join(out_dir, CACHE_DIR, _settings_key(settings))
        os.makedirs(self.dir, exist_ok=True)

    def path(self, sha: str, part: str) -> str:
        return os.path.join(self.dir, f"{sha}.{part}")

    @staticmethod
    def write(cache_dir: str, sha: str, res: FileResult, summary: dict, ytext: str) -> None:
        from .pipeline import frames

        if res.report["status"] != "failed":
            _, values, issues = frames([res])
            for name, df in (("values", values), ("issues", issues)):
                final = os.path.join(cache_dir, f"{sha}.{name}.parquet")
                tmp = f"{final}.{os.getpid()}.tmp"
                df.to_parquet(tmp, index=False)
                os.replace(tmp, final)
        from .checks import CROSS_YEAR_ROWS, CROSS_YEAR_TABLES

        # the few cells the cross-report rules read travel in the summary, so that pass reads no fragment
        cross = [v for v in res.values if v["table"] in CROSS_YEAR_TABLES or (v["table"], v["row"]) in CROSS_YEAR_ROWS]
        final = os.path.join(cache_dir, f"{sha}.json.gz")
        tmp = f"{final}.{os.getpid()}.tmp"
        with gzip.open(tmp, "wt", encoding="utf-8", compresslevel=3) as f:
            # ASCII escapes keep file names that are not UTF-8 (surrogate escapes) intact through JSON
            json.dump({**summary, "ytext": ytext, "cross": cross}, f, ensure_ascii=True, default=_json_default)
        os.replace(tmp, final)

    def get(self, sha: str, with_text: bool = False) -> dict | None:
        p = self.path(sha, "json.gz")
        if not os.path.exists(p):
            return None
        try:
            with gzip.open(p, "rt", encoding="utf-8") as f:
                d = json.load(f)
        except (OSError, EOFError, json.JSONDecodeError):
            os.remove(p)  # a checkpoint cut by a crash: read the file again
            return None
        if d["report"]["status"] != "failed" and not all(
                os.path.exists(self.path(sha, f"{n}.parquet")) for n in ("values", "issues")):
            return None
        if not with_text:
            d.pop("ytext", None)
            d.pop("cross", None)
        return d

    def prune(self, keep: set[str]) -> None:
        for name in os.listdir(self.dir):
            if name.split(".")[0] not in keep or name.endswith(".tmp"):
                os.remove(os.path.join(self.dir, name))
        # caches of other settings or parser versions are obsolete
        root = os.path.dirname(self.dir)
        for name in os.listdir(root):
            if os.path.join(root, name) != self.dir:
                shutil.rmtree(os.path.join(root, name), ignore_errors=True)


def _json_default(o):
    if hasattr(o, "item"):
        return o.item()
    if o is pd.NA:
        return None
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


# --------------------------------------------------------------------------------------------------
# the batch


def ingest(paths: Iterable[str | os.PathLike], out_dir: str | os.PathLike,
           settings: ReadSettings = DEFAULT_SETTINGS, batch: BatchSettings | None = None,
           on_result: Callable[[FileResult, bool], None] | None = None) -> BatchSummary:
    """Read every report under ``paths`` and write the outputs to ``out_dir``.

    ``on_result(result, reused)`` is called once per file as results arrive (progress display); the
    result carries the report row only.
    """
    t0 = time.perf_counter()
    batch = batch or BatchSettings()
    out_dir = os.fspath(out_dir)
    files = list(dict.fromkeys(iter_files(paths)))
    cache = _Cache(out_dir, settings)
    shas: dict[str, str] = {}
    reports: dict[str, dict] = {}  # path -> report row: all the parent keeps per file
    todo: list[str] = []
    reused = 0
    for f in files:
        try:
            check_file(f, settings)
            sha = sha256_file(f)
        except DocumentError as e:
            reports[f] = _failed_summary(f, e.code, e.message)["report"]
            _notify(on_result, reports[f], False)
            continue
        except OSError as e:
            reports[f] = _failed_summary(f, "not_found", f"cannot open the file ({e.strerror})")["report"]
            _notify(on_result, reports[f], False)
            continue
        shas[f] = sha
        cached = cache.get(sha) if batch.use_cache else None
        if cached is not None and cached.get("checks") == batch.checks:
            reused += 1
            reports[f] = _for_path(cached["report"], f)
            _notify(on_result, reports[f], True)
        else:
            todo.append(f)

    def done(f: str, summary: dict) -> None:
        reports[f] = _for_path(summary["report"], f)
        _notify(on_result, reports[f], False)

    if batch.engine == "dask":
        _run_dask(todo, settings, batch, cache.dir, shas, done)
    elif batch.workers == 1 or len(todo) <= 1:
        for f in todo:
            done(f, read_one(f, settings, cache.dir, shas[f], checks=batch.checks))
    else:
        _run_pool(todo, settings, batch, cache.dir, shas, done)

    rows = [reports[f] for f in files if f in reports]
    table = _assemble(rows, shas, cache, out_dir, batch.checks)
    if batch.use_cache:
        cache.prune(set(shas.values()))
    ok = table["status"] != "failed"
    n_values = int(table.loc[ok, "n_values"].fillna(0).sum())
    severity = pq.read_table(os.path.join(out_dir, "issues.parquet"), columns=["severity"]).column(0)
    n_errors = int(pc.sum(pc.equal(severity, "error")).as_py() or 0)
    return BatchSummary(len(files), len(todo), reused, table, n_values, n_errors, out_dir,
                        time.perf_counter() - t0)


def _notify(cb, report: dict, reused: bool) -> None:
    if cb is not None:
        cb(FileResult(report), reused)


def _for_path(report: dict, path: str) -> dict:
    """A result of this content (perhaps read under another name), reported under this file's path."""
    rep = dict(report)
    rep["path"] = path
    if rep.get("error"):
        head, sep, tail = rep["error"].partition(": ")
        rep["error"] = f"{path}: {tail}" if sep else rep["error"]
    return rep


def _run_pool(todo: list[str], settings: ReadSettings, batch: BatchSettings, cache_dir: str,
              shas: dict[str, str], done: Callable) -> None:
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
                    running[pool.submit(read_one, f, settings, cache_dir, shas[f], True, batch.checks)] = f
                finished, _ = wait(running, return_when=FIRST_COMPLETED)
                for fut in finished:
                    f = running.pop(fut)
                    try:
                        done(f, fut.result())
                    except BrokenProcessPool:
                        broken = True
                        done(f, _failed_summary(f, "internal_error",
                                                "the worker reading this file died (crash or out of memory)"))
            if broken:
                # the files that were in flight with the dead worker are read again in a new pool
                pending.extend(running.values())


def _run_dask(todo: list[str], settings: ReadSettings, batch: BatchSettings, cache_dir: str,
              shas: dict[str, str], done: Callable) -> None:
    """The per-file work on a dask.distributed cluster; inputs and OUT must be on a shared file system."""
    try:
        from distributed import Client, as_completed
    except ImportError as e:
        raise RuntimeError("the dask engine needs the 'dask' extra: pip install 'discl[dask]'") from e
    with Client(batch.scheduler) as client:
        futures = [client.submit(read_one, f, settings, cache_dir, shas[f], False, batch.checks, pure=False)
                   for f in todo]
        index = {fut.key: f for fut, f in zip(futures, todo)}
        for fut in as_completed(futures):
            done(index[fut.key], fut.result())


def _mark_duplicates(rows: list[dict]) -> None:
    """Two files with identical content would share a report_id: keep the first, record the others."""
    seen: dict[str, str] = {}
    for rep in rows:
        rid = rep["report_id"]
        if rep["status"] == "failed" and not rep.get("sha256"):
            continue
        if rid in seen:
            rep.update({"status": "failed", "error_code": "duplicate",
                        "error": f"{rep['path']}: same content as {seen[rid]}", "n_values": 0,
                        "report_id": hashlib.sha256(os.fsencode(rep["path"])).hexdigest()[:16]})
        else:
            seen[rid] = rep["path"]


# --------------------------------------------------------------------------------------------------
# assembly

#: reports per chunk of the cross-report pass (whole agencies are kept together)
CROSS_CHUNK = 500


def _assemble(rows: list[dict], shas: dict[str, str], cache: _Cache, out_dir: str, checks: bool) -> pd.DataFrame:
    """Stream every file's fragments into the outputs, then run the cross-report rules by agency."""
    from .pipeline import frames

    _mark_duplicates(rows)
    reports, _, _ = frames([FileResult(r) for r in rows])
    readable = [(r["report_id"], shas[r["path"]]) for r in rows
                if r["status"] != "failed" and r["path"] in shas]
    writer = _StreamWriter(out_dir, reports)
    for rid, sha in readable:
        writer.add_fragment("values", cache.path(sha, "values.parquet"), rid)
        writer.add_fragment("issues", cache.path(sha, "issues.parquet"), rid)
    if checks:
        _cross_checks(reports, dict(readable), cache, writer)
    writer.close()
    return reports


def _cross_checks(reports: pd.DataFrame, sha_of: dict[str, str], cache: _Cache, writer: "_StreamWriter") -> None:
    """X-1..X-3 and Y-TEXT compare reports of the same agency: only agencies with several reports are
    read back (their checkpoint summaries carry the few cells and the text these rules use), a chunk
    of whole agencies at a time."""
    rep = reports[reports["report_id"].isin(sha_of) & reports["agency_key"].notna() & reports["year"].notna()]
    sizes = rep.groupby("agency_key")["report_id"].transform("size")
    rep = rep[sizes >= 2].sort_values(["agency_key", "year"])
    chunk: list[pd.DataFrame] = []
    n = 0
    for _, group in rep.groupby("agency_key", sort=False):
        chunk.append(group)
        n += len(group)
        if n >= CROSS_CHUNK:
            _cross_chunk(pd.concat(chunk), sha_of, cache, writer)
            chunk, n = [], 0
    if chunk:
        _cross_chunk(pd.concat(chunk), sha_of, cache, writer)


def _cross_chunk(rep: pd.DataFrame, sha_of: dict[str, str], cache: _Cache, writer: "_StreamWriter") -> None:
    from .checks import corpus_issues
    from .pipeline import VALUE_COLUMNS

    cells: list[dict] = []
    texts: dict[str, str] = {}
    for rid in rep["report_id"]:
        d = cache.get(sha_of[rid], with_text=True) or {}
        cells.extend(dict(v, report_id=rid) for v in d.get("cross", []))
        if d.get("ytext"):
            texts[rid] = d["ytext"]
    values = pd.DataFrame(cells, columns=VALUE_COLUMNS)
    values["value"] = values["value"].astype("float64")
    found = corpus_issues(values, rep, texts)
    if len(found):
        writer.add_issues(found)


class _StreamWriter:
    """Parquet writers for the three single files and the year-partitioned dataset; files appear
    under their final names only when complete (temporary names + rename)."""

    ROW_GROUP = 10_000  # rows buffered per (table, year) before a write: bounded memory, few row groups

    def __init__(self, out_dir: str, reports: pd.DataFrame):
        from .pipeline import frames

        self.out_dir = out_dir
        os.makedirs(out_dir, exist_ok=True)
        self.tag = f".tmp-{os.getpid()}"
        _, v0, i0 = frames([])
        self.schemas = {"values": pa.Schema.from_pandas(v0, preserve_index=False),
                        "issues": pa.Schema.from_pandas(i0, preserve_index=False)}
        self.year = dict(zip(reports["report_id"], reports["year"].fillna(0).astype("int64")))
        self.writers: dict[tuple[str, int | None], pq.ParquetWriter] = {}
        self.buffers: dict[tuple[str, int], list[pa.Table]] = {}
        self.buffered: dict[tuple[str, int], int] = {}
        self.ds_tmp = os.path.join(out_dir, "dataset" + self.tag)
        shutil.rmtree(self.ds_tmp, ignore_errors=True)
        self._write_reports(reports)

    def _writer(self, name: str, year: int | None) -> pq.ParquetWriter:
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

    def _write_reports(self, df: pd.DataFrame) -> None:
        """One row per file: small enough to write at once."""
        df.to_parquet(os.path.join(self.out_dir, f"reports.parquet{self.tag}"), index=False)
        years = df["year"].fillna(0).astype("int64")
        for y, part in df.groupby(years, sort=True):
            d = os.path.join(self.ds_tmp, "reports", f"year={int(y)}")
            os.makedirs(d, exist_ok=True)
            part.to_parquet(os.path.join(d, "part-0.parquet"), index=False)

    def _write(self, name: str, table: pa.Table, year: int) -> None:
        """Buffer small tables (one report's cells) and write them as large row groups."""
        table = table.select(self.schemas[name].names).cast(self.schemas[name])
        buf = self.buffers.setdefault((name, year), [])
        buf.append(table)
        self.buffered[(name, year)] = self.buffered.get((name, year), 0) + table.num_rows
        if self.buffered[(name, year)] >= self.ROW_GROUP:
            self._flush(name, year)

    def _flush(self, name: str, year: int) -> None:
        tables = self.buffers.pop((name, year), [])
        self.buffered.pop((name, year), None)
        if tables:
            table = pa.concat_tables(tables)
            self._writer(name, None).write_table(table)
            self._writer(name, year).write_table(table)

    def add_fragment(self, name: str, path: str, report_id: str) -> None:
        table = pq.read_table(path)
        if table.num_rows:
            self._write(name, table, int(self.year.get(report_id, 0)))

    def add_issues(self, issues: pd.DataFrame) -> None:
        from .pipeline import ISSUE_COLUMNS

        df = issues.reindex(columns=ISSUE_COLUMNS)
        years = df["report_id"].map(self.year).fillna(0).astype("int64")
        for y, part in df.groupby(years, sort=False):
            table = pa.Table.from_pandas(part, schema=self.schemas["issues"], preserve_index=False)
            self._write("issues", table, int(y))

    def close(self) -> None:
        for name, year in list(self.buffers):
            self._flush(name, year)
        for name in ("values", "issues"):
            self._writer(name, None)  # no rows at all: still a file with the schema
        for w in self.writers.values():
            w.close()
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
