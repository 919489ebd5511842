"""The batch from end to end: list and hash the files, reuse the checkpoints of unchanged contents,
read the rest on the engine chosen, then stream everything into the outputs."""
from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import pandas as pd
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ..errors import DocumentError
from ..pipeline import FileResult, sha256_file
from ..settings import DEFAULT_SETTINGS, ReadSettings
from ..sources import check_file, iter_files
from .cache import Cache
from .cross import cross_to_writer
from .engines import run_dask, run_pool
from .index import Index
from .provenance import Provenance
from .inputs import Manifest, Plan, now, outside, plan_roots, stale_outputs
from .settings import BatchSettings
from .worker import failed_summary, read_one
from .writer import StreamWriter


@dataclass
class BatchSummary:
    """What :func:`ingest` did; the outputs themselves are in ``out_dir`` (load them with
    ``discl.Corpus.from_parquet(out_dir)``, or read the Parquet dataset for large batches)."""

    files: int
    read: int  # documents actually parsed in this run
    reused: int  # results taken from the cache (unchanged files, or done before a crash)
    counts: dict[str, int]  # files per status: ok, partial, failed
    n_values: int
    n_errors: int
    out_dir: str
    seconds: float
    added: int = 0  # files not in the outputs before
    updated: int = 0  # files whose content changed since the outputs were written
    removed: int = 0  # files of the outputs before that are no longer found (or were replaced)
    removed_examples: list[str] = field(default_factory=list)  # the first few of them
    roots: list[str] = field(default_factory=list)  # every input root of the outputs (OUT/inputs.json)
    gone_roots: list[str] = field(default_factory=list)  # recorded roots that no longer exist (dropped)
    stale: list[str] = field(default_factory=list)  # derived files in OUT made from older tables
    fetch_pages: int = 0  # files discl fetch recorded as index pages or attachment wrappers: not read

    @property
    def reports(self) -> pd.DataFrame:
        """The written reports table (one row per file), read from ``reports.parquet``."""
        return pd.read_parquet(os.path.join(self.out_dir, "reports.parquet"))


def ingest(paths: Iterable[str | os.PathLike], out_dir: str | os.PathLike,
           settings: ReadSettings = DEFAULT_SETTINGS, batch: BatchSettings | None = None,
           on_result: Callable[[FileResult, bool], None] | None = None, replace: bool = False) -> BatchSummary:
    """Read every report under ``paths`` and write the outputs to ``out_dir``.

    The outputs hold every input root ever given for ``out_dir`` (recorded in ``OUT/inputs.json``):
    ``paths`` are added to them, a root given again is updated, and every root is walked again, so
    files that changed are read again and files that disappeared drop out. ``replace=True`` starts
    over with ``paths`` alone. The summary says what was added, updated and removed.

    ``on_result(result, reused)`` is called once per file as results arrive (progress display); the
    result carries the report row only.

    >>> import os, random, tempfile
    >>> from discl.render import random_spec, render_text
    >>> with tempfile.TemporaryDirectory() as d:
    ...     src = os.path.join(d, "in")
    ...     os.mkdir(src)
    ...     for y in (2021, 2022):
    ...         _ = open(os.path.join(src, f"{y}.txt"), "w", encoding="utf-8").write(
    ...             render_text(random_spec(random.Random(y), year=y, agency="示例区人民政府")))
    ...     s = ingest([src], os.path.join(d, "out"), batch=BatchSettings(workers=1))
    ...     again = ingest([src], os.path.join(d, "out"), batch=BatchSettings(workers=1))
    >>> s.files, s.read, s.counts["ok"], (again.read, again.reused)
    (2, 2, 2, (0, 2))
    """
    t0 = time.perf_counter()
    batch = batch or BatchSettings()
    out_dir = os.fspath(out_dir)
    previous, plan = plan_for(paths, out_dir, replace)
    reports_file = os.path.join(out_dir, "reports.parquet")
    manifest = Manifest(roots=plan.record, cwd=os.getcwd(), changed_at=previous.changed_at if previous else 0.0)
    cache = Cache(out_dir, settings)
    # files `discl fetch` downloaded: their rows gain the URL and time they were retrieved
    prov = Provenance.for_roots(plan.walk)

    def record(idx: int, report: dict, reused: bool, f: str) -> None:
        _record(index, idx, prov.annotate(report, f), reused, on_result)

    index = Index(os.path.dirname(cache.dir))
    try:
        # recorded before any file is read: a run killed half way resumes with the same roots
        index.add_previous(reports_file, previous.cwd if previous and previous.cwd else None)
        Manifest(roots=plan.record, cwd=previous.cwd if previous else os.getcwd(),
                 changed_at=manifest.changed_at).save(out_dir)
        not_reports: list[tuple[str, str]] = []
        index.add_paths(prov.reports_only(outside(iter_files(plan.walk), out_dir), plan.walk, not_reports))
        n_files = index.count()
        for page in index.pages("1", "idx, path"):
            for idx, f in page:
                try:
                    check_file(f, settings)
                    sha = sha256_file(f)
                except DocumentError as e:
                    record(idx, failed_summary(f, e.code, e.message)["report"], False, f)
                    continue
                except OSError as e:
                    record(idx, failed_summary(f, "not_found", f"cannot open the file ({e.strerror})")["report"],
                           False, f)
                    continue
                cached = cache.get(sha) if batch.use_cache else None
                reuse = cached is not None and cached.get("checks") == batch.checks
                index.set_sha(idx, sha, todo=not reuse)
                if reuse:
                    record(idx, _for_path(cached["report"], f), True, f)
            index.db.commit()
        n_read = index.count("todo = 1")
        added, updated, removed, removed_examples = index.changes()

        def done(idx: int, f: str, summary: dict) -> None:
            record(idx, _for_path(summary["report"], f), False, f)

        todo = (row for page in index.pages("todo = 1") for row in page)
        if batch.engine == "dask":
            run_dask(todo, settings, batch, cache.dir, done)
        elif batch.workers == 1 or n_read <= 1:
            for idx, f, sha in todo:
                done(idx, f, read_one(f, settings, cache.dir, sha, checks=batch.checks))
        else:
            run_pool(todo, settings, batch, cache.dir, done)
        index.db.commit()

        index.mark_duplicates()
        assemble(index, cache, out_dir, batch)
        if added or updated or removed or not manifest.changed_at:
            manifest.changed_at = now()
        manifest.save(out_dir)
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
                        time.perf_counter() - t0, added, updated, removed, removed_examples, plan.walk, plan.gone,
                        stale_outputs(out_dir, manifest.changed_at), len(not_reports))


def plan_for(paths: Iterable[str | os.PathLike], out_dir: str | os.PathLike, replace: bool = False
             ) -> tuple[Manifest | None, Plan]:
    """The recorded state of ``out_dir`` and the roots a run with ``paths`` walks (see :func:`ingest`).

    Outputs written by a discl that recorded no roots have their files (those that still exist) taken
    as roots, so that none of their reports is lost.
    """
    out_dir = os.fspath(out_dir)
    previous = Manifest.load(out_dir)
    reports_file = os.path.join(out_dir, "reports.parquet")
    if previous is None and os.path.exists(reports_file) and not replace:
        previous = Manifest(roots=[{"path": p, "abs": os.path.abspath(p)}
                                   for p in _paths_of(reports_file) if os.path.isfile(p)], cwd=os.getcwd(),
                            changed_at=os.path.getmtime(reports_file))
    return previous, plan_roots(paths, previous, replace)


def _paths_of(reports_parquet: str) -> list[str]:
    """The ``path`` column of a reports table."""
    return [p for p in pq.read_table(reports_parquet, columns=["path"]).column(0).to_pylist() if p]


def _record(index: Index, idx: int, report: dict, reused: bool, cb) -> None:
    index.set_report(idx, report, reused)
    if cb is not None:
        cb(FileResult(report), reused)


def _for_path(report: dict, path: str) -> dict:
    """A result of this content (perhaps read under another name), reported under this file's path.

    >>> _for_path({"path": "a.txt", "error": "a.txt: empty file"}, "b.txt")
    {'path': 'b.txt', 'error': 'b.txt: empty file'}
    """
    rep = dict(report)
    rep["path"] = path
    if rep.get("error"):
        head, sep, tail = rep["error"].partition(": ")
        rep["error"] = f"{path}: {tail}" if sep else rep["error"]
    return rep


def assemble(index: Index, cache: Cache, out_dir: str, batch: BatchSettings) -> None:
    """Stream the report rows and every file's fragments into the outputs, then run the cross-report
    rules by agency."""
    writer = StreamWriter(out_dir)
    try:
        for page in index.pages("1", "idx, report"):
            writer.add_reports([json.loads(r) for _, r in page])
        for page in index.pages("sha IS NOT NULL AND status != 'failed'", "idx, sha, report_id, year"):
            for _, sha, rid, year in page:
                writer.add_fragment("values", cache.path(sha, "values.arrow"), year or 0)
                writer.add_fragment("issues", cache.path(sha, "issues.arrow"), year or 0)
        if batch.checks:
            cross_to_writer(index, cache.dir, batch, writer)
    except BaseException:  # Ctrl-C or a failure: no half-written file is left beside the outputs
        writer.abort()
        raise
    writer.close()
