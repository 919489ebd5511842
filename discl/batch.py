"""Batch ingestion: every core (or a Dask cluster), incremental by content hash, resumable after a crash.

Each file's result is checkpointed by the worker that read it (``OUT/.discl-cache/``: its cells and
findings as Parquet fragments, then a small JSON summary; keyed by the file's SHA-256, discl's parser
version and the read settings), so

* a re-run on an unchanged folder reads no document (hashing is all it does),
* a run killed half way (``kill -9``, Ctrl-C, power loss) resumes where it stopped,
* changed files are read again and files that disappeared drop out of the outputs.

The parent keeps the list of files, their hashes and report rows in a scratch SQLite file, streams
the fragments into the outputs and runs the cross-report checks agency group by agency group, so its
memory depends neither on the number of files nor on their cells. Outputs are written atomically (temporary file + rename): the three single Parquet files and a
dataset partitioned by year (``OUT/dataset/{reports,values,issues}/year=YYYY/``) that pandas, DuckDB and
Dask read directly.
"""
from __future__ import annotations

import functools
import hashlib
import itertools
import json
import os
import resource
import shutil
import signal
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, field

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from .api import Corpus
from .errors import DocumentError
from .pipeline import FileResult, failed_result, file_to_result, sha256_file
from .sources import check_file, iter_files
from .settings import DEFAULT_SETTINGS, ReadSettings

#: bump when a change to reading alters results: cached results of older versions are not reused
PARSER_VERSION = "5"  # 5: checkpoints as Arrow IPC + plain JSON
CACHE_DIR = ".discl-cache"
_IPC_OPTIONS = pa.ipc.IpcWriteOptions(compression="lz4")


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
    counts: dict[str, int]  # files per status: ok, partial, failed
    n_values: int
    n_errors: int
    out_dir: str
    seconds: float

    @property
    def reports(self) -> pd.DataFrame:
        """The written reports table (one row per file), read from ``reports.parquet``."""
        return pd.read_parquet(os.path.join(self.out_dir, "reports.parquet"))

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
    from .checks import run_checks
    from .pipeline import frames

    reports, values, issues = frames([res])
    issues = run_checks(reports, values, issues, {res.report["report_id"]: res.text}, cross=False)
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


@functools.cache
def _schemas() -> dict[str, pa.Schema]:
    """The Arrow schemas of the three tables (from the typed empty frames)."""
    from .pipeline import frames

    return {name: pa.Schema.from_pandas(df, preserve_index=False)
            for name, df in zip(("reports", "values", "issues"), frames([]))}


class _Cache:
    """One checkpoint per file content: ``<sha>.values.arrow``, ``<sha>.issues.arrow`` and, written
    last so that its presence means the checkpoint is whole, ``<sha>.json`` (report row, and the cells
    and narrative sections the cross-report rules need).

    Fragments are Arrow IPC files in the final schema: the parent reads thousands of them, and an IPC
    file reads in a tenth of the time of a Parquet file (no decoding, no cast).
    """

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
                final = os.path.join(cache_dir, f"{sha}.{name}.arrow")
                tmp = f"{final}.{os.getpid()}.tmp"
                table = pa.Table.from_pandas(df, schema=_schemas()[name], preserve_index=False)
                with pa.ipc.new_file(tmp, table.schema, options=_IPC_OPTIONS) as w:
                    w.write_table(table)
                os.replace(tmp, final)
        from .checks import CROSS_YEAR_ROWS, CROSS_YEAR_TABLES

        # the few cells the cross-report rules read travel in the summary, so that pass reads no fragment
        cross = [v for v in res.values if v["table"] in CROSS_YEAR_TABLES or (v["table"], v["row"]) in CROSS_YEAR_ROWS]
        final = os.path.join(cache_dir, f"{sha}.json")
        tmp = f"{final}.{os.getpid()}.tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            # ASCII escapes keep file names that are not UTF-8 (surrogate escapes) intact through JSON
            json.dump({**summary, "ytext": ytext, "cross": cross}, f, ensure_ascii=True, default=_json_default)
        os.replace(tmp, final)

    def get(self, sha: str) -> dict | None:
        """The checkpoint's summary (without the cross-report cells and text), or None if there is no
        whole checkpoint for this content."""
        d = _read_checkpoint(self.dir, sha)
        if d is None:
            return None
        if d["report"]["status"] != "failed" and not all(
                os.path.exists(self.path(sha, f"{n}.arrow")) for n in ("values", "issues")):
            return None
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


def _read_checkpoint(cache_dir: str, sha: str) -> dict | None:
    p = os.path.join(cache_dir, f"{sha}.json")
    try:
        with open(p, encoding="utf-8") as f:
            return json.load(f)
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        os.remove(p)  # a checkpoint cut by a crash: the file is read again
        return None


def _json_default(o):
    if hasattr(o, "item"):
        return o.item()
    if o is pd.NA:
        return None
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


# --------------------------------------------------------------------------------------------------
# the batch's state on disk


class _Index:
    """Every file of the batch, its content hash and its report row, in a scratch SQLite file.

    The parent keeps nothing per file in memory: a run over a million reports needs the memory of a
    run over ten. The file lives beside the checkpoints and is deleted at the end of the run (one
    left by a killed run is removed by the next).
    """

    PAGE = 1000  # rows fetched at a time

    def __init__(self, cache_root: str):
        os.makedirs(cache_root, exist_ok=True)
        for name in os.listdir(cache_root):
            if name.startswith("index.") and name.endswith(".sqlite"):
                os.remove(os.path.join(cache_root, name))  # from a run that was killed
        self.path = os.path.join(cache_root, f"index.{os.getpid()}.sqlite")
        self.db = sqlite3.connect(self.path)
        # a scratch file rebuilt by every run and used by this process alone: no journal, no fsync, one
        # lock for the whole run (fewer lock calls on a network file system), a small page cache
        self.db.executescript("""
            PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-4000;
            PRAGMA locking_mode=EXCLUSIVE;
            CREATE TABLE files(idx INTEGER PRIMARY KEY, path BLOB UNIQUE, sha TEXT, todo INTEGER DEFAULT 0,
                               reused INTEGER DEFAULT 0, report TEXT, report_id TEXT, status TEXT,
                               agency_key TEXT, year INTEGER, n_values INTEGER);
        """)

    def close(self) -> None:
        self.db.close()
        os.remove(self.path)

    def add_paths(self, paths: Iterable[str]) -> None:
        """Record the files in the order found; a file named twice counts once."""
        it = iter(paths)
        while True:
            # paths go in as bytes: names that are not UTF-8 (surrogate escapes) survive the round trip
            page = [(os.fsencode(p),) for _, p in zip(range(self.PAGE), it)]
            if not page:
                break
            self.db.executemany("INSERT OR IGNORE INTO files(path) VALUES (?)", page)
        self.db.commit()

    def pages(self, where: str, columns: str = "idx, path, sha") -> Iterator[list[tuple]]:
        """The rows matching ``where`` in file order, a page at a time (safe to update between pages)."""
        last = 0
        while True:
            rows = self.db.execute(f"SELECT {columns} FROM files WHERE idx > ? AND ({where}) ORDER BY idx LIMIT ?",
                                   (last, self.PAGE)).fetchall()
            if not rows:
                return
            last = rows[-1][0]
            yield [(r[0], os.fsdecode(r[1]), *r[2:]) if isinstance(r[1], bytes) else r for r in rows]

    def set_sha(self, idx: int, sha: str, todo: bool) -> None:
        self.db.execute("UPDATE files SET sha = ?, todo = ? WHERE idx = ?", (sha, int(todo), idx))

    def set_report(self, idx: int, report: dict, reused: bool = False) -> None:
        self.db.execute(
            "UPDATE files SET report = ?, report_id = ?, status = ?, agency_key = ?, year = ?, n_values = ?, "
            "todo = 0, reused = ? WHERE idx = ?",
            (json.dumps(report, ensure_ascii=True, default=_json_default), report["report_id"], report["status"],
             report.get("agency_key") or None, _int_or_none(report.get("year")),
             _int_or_none(report.get("n_values")), int(reused), idx))

    def count(self, where: str = "1") -> int:
        return self.db.execute(f"SELECT COUNT(*) FROM files WHERE {where}").fetchone()[0]

    def mark_duplicates(self) -> None:
        """Two files with identical content would share a report_id: keep the first, record the others."""
        dup = self.db.execute("""
            SELECT f.idx, f.report, g.path FROM files f
            JOIN (SELECT report_id, MIN(idx) AS first FROM files WHERE sha IS NOT NULL AND report IS NOT NULL
                  GROUP BY report_id HAVING COUNT(*) > 1) d ON f.report_id = d.report_id
            JOIN files g ON g.idx = d.first
            WHERE f.idx > d.first AND f.sha IS NOT NULL""").fetchall()
        for idx, report, first in dup:
            rep = json.loads(report)
            rep.update({"status": "failed", "error_code": "duplicate",
                        "error": f"{rep['path']}: same content as {os.fsdecode(first)}", "n_values": 0,
                        "report_id": hashlib.sha256(os.fsencode(rep["path"])).hexdigest()[:16]})
            self.set_report(idx, rep)
            self.db.execute("UPDATE files SET sha = NULL WHERE idx = ?", (idx,))  # nothing of it is streamed
        self.db.commit()


def _int_or_none(v) -> int | None:
    try:
        return None if v is None or pd.isna(v) else int(v)
    except (TypeError, ValueError):
        return None


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
    cache = _Cache(out_dir, settings)
    index = _Index(os.path.dirname(cache.dir))
    try:
        index.add_paths(iter_files(paths))
        n_files = index.count()
        for page in index.pages("1", "idx, path"):
            for idx, f in page:
                try:
                    check_file(f, settings)
                    sha = sha256_file(f)
                except DocumentError as e:
                    _record(index, idx, _failed_summary(f, e.code, e.message)["report"], False, on_result)
                    continue
                except OSError as e:
                    _record(index, idx, _failed_summary(f, "not_found", f"cannot open the file ({e.strerror})")["report"],
                            False, on_result)
                    continue
                cached = cache.get(sha) if batch.use_cache else None
                reuse = cached is not None and cached.get("checks") == batch.checks
                index.set_sha(idx, sha, todo=not reuse)
                if reuse:
                    _record(index, idx, _for_path(cached["report"], f), True, on_result)
            index.db.commit()
        n_read = index.count("todo = 1")

        def done(idx: int, f: str, summary: dict) -> None:
            _record(index, idx, _for_path(summary["report"], f), False, on_result)

        todo = (row for page in index.pages("todo = 1") for row in page)
        if batch.engine == "dask":
            _run_dask(todo, settings, batch, cache.dir, done)
        elif batch.workers == 1 or n_read <= 1:
            for idx, f, sha in todo:
                done(idx, f, read_one(f, settings, cache.dir, sha, checks=batch.checks))
        else:
            _run_pool(todo, settings, batch, cache.dir, done)
        index.db.commit()

        index.mark_duplicates()
        _assemble(index, cache, out_dir, batch)
        if batch.use_cache:
            cache.prune({sha for page in index.pages("sha IS NOT NULL", "idx, sha") for _, sha in page})
        counts = dict(index.db.execute("SELECT status, COUNT(*) FROM files GROUP BY status").fetchall())
        n_values = index.db.execute("SELECT COALESCE(SUM(n_values), 0) FROM files WHERE status != 'failed'").fetchone()[0]
        reused = index.count("reused = 1")
    finally:
        index.close()
    severity = pq.read_table(os.path.join(out_dir, "issues.parquet"), columns=["severity"]).column(0)
    n_errors = int(pc.sum(pc.equal(severity, "error")).as_py() or 0)
    return BatchSummary(n_files, n_read, reused, counts, int(n_values), n_errors, out_dir,
                        time.perf_counter() - t0)


def _record(index: _Index, idx: int, report: dict, reused: bool, cb) -> None:
    index.set_report(idx, report, reused)
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


def _run_pool(todo: Iterator[tuple[int, str, str]], settings: ReadSettings, batch: BatchSettings, cache_dir: str,
              done: Callable) -> None:
    """Process pool fed from an iterator (a few files in flight per worker, never the whole list); a
    worker that dies (segfault, OOM kill) costs only the file it was reading."""
    retry: list[tuple[int, str, str]] = []
    todo = iter(todo)

    def take():
        return retry.pop() if retry else next(todo, None)

    item = take()
    while item is not None:
        with ProcessPoolExecutor(max_workers=batch.workers, initializer=_init_worker,
                                 initargs=(batch.memory_mb,)) as pool:
            running: dict[Future, tuple[int, str, str]] = {}
            broken = False
            while (item is not None or running) and not broken:
                while item is not None and len(running) < batch.workers * 2:
                    idx, f, sha = item
                    running[pool.submit(read_one, f, settings, cache_dir, sha, True, batch.checks)] = item
                    item = take()
                finished, _ = wait(running, return_when=FIRST_COMPLETED)
                for fut in finished:
                    idx, f, sha = running.pop(fut)
                    try:
                        done(idx, f, fut.result())
                    except BrokenProcessPool:
                        broken = True
                        done(idx, f, _failed_summary(f, "internal_error",
                                                     "the worker reading this file died (crash or out of memory)"))
            if broken:
                # the files that were in flight with the dead worker are read again in a new pool
                if item is not None:
                    retry.append(item)
                retry.extend(running.values())
                item = take()


#: tasks in flight per worker thread of the cluster (enough to keep them busy, never the whole batch)
DASK_TASKS_PER_THREAD = 4


def _run_dask(todo: Iterator[tuple[int, str, str]], settings: ReadSettings, batch: BatchSettings, cache_dir: str,
              done: Callable) -> None:
    """The per-file work on a dask.distributed cluster; inputs and OUT must be on a shared file system.
    A window of tasks per worker thread is in flight, so the scheduler never holds the whole batch."""
    try:
        from distributed import Client, as_completed
    except ImportError as e:
        raise RuntimeError("the dask engine needs the 'dask' extra: pip install 'discl[dask]'") from e
    with Client(batch.scheduler) as client:
        window = max(2, DASK_TASKS_PER_THREAD * sum(client.nthreads().values()))
        todo = iter(todo)
        items: dict[str, tuple[int, str, str]] = {}

        def submit(item):
            fut = client.submit(read_one, item[1], settings, cache_dir, item[2], False, batch.checks, pure=False)
            items[fut.key] = item
            return fut

        first = [submit(item) for _, item in zip(range(window), todo)]
        queue = as_completed(first)
        for fut in queue:
            idx, f, _sha = items.pop(fut.key)
            done(idx, f, fut.result())
            nxt = next(todo, None)
            if nxt is not None:
                queue.add(submit(nxt))


# --------------------------------------------------------------------------------------------------
# assembly

#: reports per chunk of the cross-report pass (whole agencies are kept together when they fit)
CROSS_CHUNK = 500
#: report pairs per chunk: many reports of one agency in one year multiply the pairs compared
CROSS_PAIRS = 250


def _assemble(index: _Index, cache: _Cache, out_dir: str, batch: BatchSettings) -> None:
    """Stream the report rows and every file's fragments into the outputs, then run the cross-report
    rules by agency."""
    writer = _StreamWriter(out_dir)
    for page in index.pages("1", "idx, report"):
        writer.add_reports([json.loads(r) for _, r in page])
    for page in index.pages("sha IS NOT NULL AND status != 'failed'", "idx, sha, report_id, year"):
        for _, sha, rid, year in page:
            writer.add_fragment("values", cache.path(sha, "values.arrow"), year or 0)
            writer.add_fragment("issues", cache.path(sha, "issues.arrow"), year or 0)
    if batch.checks:
        chunks = _cross_chunks(index)
        if batch.engine == "local" and batch.workers > 1:
            _cross_in_pool(chunks, cache.dir, batch, writer)
        else:
            for rows in chunks:
                writer.add_issues(*_cross_issues(rows, cache.dir))
    writer.close()


def _cross_in_pool(chunks: Iterator[list[tuple]], cache_dir: str, batch: BatchSettings,
                   writer: "_StreamWriter") -> None:
    """The cross-report chunks on the workers; findings are written in chunk order (the same output
    as a serial run), with a few chunks in flight per worker."""
    from collections import deque

    with ProcessPoolExecutor(max_workers=batch.workers, initializer=_init_worker,
                             initargs=(batch.memory_mb,)) as pool:
        running: deque[Future] = deque()
        for rows in chunks:
            running.append(pool.submit(_cross_issues, rows, cache_dir))
            if len(running) >= 2 * batch.workers:
                writer.add_issues(*running.popleft().result())
        while running:
            writer.add_issues(*running.popleft().result())


def _cross_chunks(index: _Index) -> Iterator[list[tuple]]:
    """X-1..X-3 and Y-TEXT compare reports of the same agency: only agencies with several reports are
    read back (their checkpoint summaries carry the few cells and the text these rules use), a chunk
    of whole agencies at a time; an agency with too many pairs for one chunk goes a year at a time.
    Rows are ``(report_id, sha, agency_key, year)``."""
    rows = index.db.execute("""
        SELECT report_id, sha, agency_key, year FROM files
        WHERE status != 'failed' AND sha IS NOT NULL AND year IS NOT NULL AND TRIM(COALESCE(agency_key, '')) != ''
          AND agency_key IN (SELECT agency_key FROM files WHERE status != 'failed' AND sha IS NOT NULL
                             AND year IS NOT NULL GROUP BY agency_key HAVING COUNT(*) >= 2)
        ORDER BY agency_key, year, idx""")
    chunk: list[tuple] = []
    pairs = 0
    for _key, group in itertools.groupby(rows, key=lambda r: r[2]):
        group = list(group)
        units = _year_windows(group)
        n_pairs = sum(p for _, p in units)
        if n_pairs > CROSS_PAIRS:
            # one crowded agency: a window of two consecutive years at a time gives each pair once
            yield from (unit for unit, _ in units)
            continue
        if chunk and (len(chunk) + len(group) > CROSS_CHUNK or pairs + n_pairs > CROSS_PAIRS):
            yield chunk
            chunk, pairs = [], 0
        chunk.extend(group)
        pairs += n_pairs
    if chunk:
        yield chunk


def _year_windows(group: list[tuple]) -> list[tuple[list[tuple], int]]:
    """One agency's reports (sorted by year) as windows ``(year-1 and year, pairs)`` for each year that
    has a previous year: the cross-year rules compare exactly those pairs."""
    by_year: dict[int, list[tuple]] = {}
    for r in group:
        by_year.setdefault(int(r[3]), []).append(r)
    return [(by_year[y - 1] + by_year[y], len(by_year[y - 1]) * len(by_year[y]))
            for y in sorted(by_year) if y - 1 in by_year]


def _cross_issues(rows: list[tuple], cache_dir: str) -> tuple[pd.DataFrame, dict[str, int]]:
    """The cross-report findings among ``rows`` (from their checkpoints), and each report's year."""
    from .checks import corpus_issues
    from .pipeline import VALUE_COLUMNS

    rep = pd.DataFrame(rows, columns=["report_id", "sha", "agency_key", "year"])
    cells: list[dict] = []
    texts: dict[str, str] = {}
    for rid, sha in zip(rep["report_id"], rep["sha"]):
        d = _read_checkpoint(cache_dir, sha) or {}
        cells.extend(dict(v, report_id=rid) for v in d.get("cross", []))
        if d.get("ytext"):
            texts[rid] = d["ytext"]
    values = pd.DataFrame(cells, columns=VALUE_COLUMNS)
    values["value"] = values["value"].astype("float64")
    return corpus_issues(values, rep, texts), dict(zip(rep["report_id"], rep["year"]))


class _StreamWriter:
    """Parquet writers for the three single files and the year-partitioned dataset; files appear
    under their final names only when complete (temporary names + rename)."""

    ROW_GROUP = 10_000  # rows buffered per (table, year) before a write: few, large row groups
    BUFFER_BYTES = 8 * 2**20  # all buffers together: above it the largest is written out
    COMPACT = 64  # small tables buffered per (table, year) before they are merged into one

    def __init__(self, out_dir: str):
        self.out_dir = out_dir
        os.makedirs(out_dir, exist_ok=True)
        self.tag = f".tmp-{os.getpid()}"
        self.schemas = _schemas()
        self.writers: dict[tuple[str, int | None], pq.ParquetWriter] = {}
        self.buffers: dict[tuple[str, int, bool], list[pa.Table]] = {}
        self.buffered: dict[tuple[str, int, bool], int] = {}
        self.key_bytes: dict[tuple[str, int, bool], int] = {}
        self.nbytes = 0  # bytes in all buffers
        self.ds_tmp = os.path.join(out_dir, "dataset" + self.tag)
        shutil.rmtree(self.ds_tmp, ignore_errors=True)

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

    def add_reports(self, rows: list[dict]) -> None:
        """Report rows, in file order (a page at a time)."""
        from .pipeline import frames

        df, _, _ = frames([FileResult(r) for r in rows])
        years = df["year"].fillna(0).astype("int64")
        # the single file keeps the file order; the dataset splits it by year
        self._writer("reports", None).write_table(
            pa.Table.from_pandas(df, schema=self.schemas["reports"], preserve_index=False))
        for y, part in df.groupby(years, sort=True):
            table = pa.Table.from_pandas(part, schema=self.schemas["reports"], preserve_index=False)
            self._write("reports", table, int(y), single=False)

    def _write(self, name: str, table: pa.Table, year: int, single: bool = True) -> None:
        """Buffer small tables (one report's cells) and write them as large row groups (to the single
        file too unless ``single`` is false)."""
        if table.schema != self.schemas[name]:
            table = table.select(self.schemas[name].names).cast(self.schemas[name])
        key = (name, year, single)
        buf = self.buffers.setdefault(key, [])
        buf.append(table)
        self.buffered[key] = self.buffered.get(key, 0) + table.num_rows
        self.key_bytes[key] = self.key_bytes.get(key, 0) + table.nbytes
        self.nbytes += table.nbytes
        if self.buffered[key] >= self.ROW_GROUP:
            self._flush(key)
        elif self.nbytes > self.BUFFER_BYTES:
            # a memory budget for the buffers whatever the number of years and tables
            self._flush(max(self.key_bytes, key=self.key_bytes.__getitem__))
        elif len(buf) >= self.COMPACT:
            # every small table costs a few KB of native structure (schema, fields, chunk lists) whatever
            # its rows: a file's findings are a handful of rows, so thousands of them would sit in a
            # buffer before it reaches ROW_GROUP rows. Merging them into one table bounds that.
            merged = pa.concat_tables(buf).combine_chunks()
            self.buffers[key] = [merged]
            self.nbytes += merged.nbytes - self.key_bytes[key]
            self.key_bytes[key] = merged.nbytes

    def _flush(self, key: tuple[str, int, bool]) -> None:
        name, year, single = key
        tables = self.buffers.pop(key, [])
        self.buffered.pop(key, None)
        self.nbytes -= self.key_bytes.pop(key, 0)
        if tables:
            table = pa.concat_tables(tables)
            if single:
                self._writer(name, None).write_table(table)
            self._writer(name, year).write_table(table)

    def add_fragment(self, name: str, path: str, year: int) -> None:
        with pa.OSFile(path) as f:
            table = pa.ipc.open_file(f).read_all()
        if table.num_rows:
            self._write(name, table, int(year))

    def add_issues(self, issues: pd.DataFrame, year_of: dict[str, int]) -> None:
        from .pipeline import ISSUE_COLUMNS

        if not len(issues):
            return
        df = issues.reindex(columns=ISSUE_COLUMNS)
        years = df["report_id"].map(year_of).fillna(0).astype("int64")
        for y, part in df.groupby(years, sort=False):
            table = pa.Table.from_pandas(part, schema=self.schemas["issues"], preserve_index=False)
            self._write("issues", table, int(y))

    def close(self) -> None:
        for key in list(self.buffers):
            self._flush(key)
        for name in ("reports", "values", "issues"):
            self._writer(name, None)  # no rows at all: still a file with the schema
        for w in self.writers.values():
            w.close()
        for name in ("reports", "values", "issues"):
            os.replace(os.path.join(self.out_dir, f"{name}.parquet{self.tag}"),
                       os.path.join(self.out_dir, f"{name}.parquet"))
        for name in ("reports", "values", "issues"):
            os.makedirs(os.path.join(self.ds_tmp, name), exist_ok=True)
        ds_root = os.path.join(self.out_dir, "dataset")
        old = ds_root + ".old" + self.tag
        if os.path.exists(ds_root):
            os.replace(ds_root, old)
        os.replace(self.ds_tmp, ds_root)
        shutil.rmtree(old, ignore_errors=True)
