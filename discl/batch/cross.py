"""The cross-report pass: X-1..X-3 (across years) and Y-TEXT compare reports of the same agency.

Only agencies with several reports are read back, a chunk of whole agencies at a time (an agency with
too many report pairs for one chunk goes a window of two years at a time), from the few cells and the
text each checkpoint summary carries: the pass reads no fragment and its memory is one chunk's.
"""
from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor

import pandas as pd

from ..checks import corpus_issues
from ..schema import VALUE_COLUMNS
from .cache import read_checkpoint
from .index import Index
from .settings import BatchSettings
from .worker import init_worker
from .writer import StreamWriter

#: reports per chunk of the cross-report pass (whole agencies are kept together when they fit)
CROSS_CHUNK = 500
#: report pairs per chunk: many reports of one agency in one year multiply the pairs compared
CROSS_PAIRS = 250


def cross_chunks(index: Index) -> Iterator[list[tuple]]:
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
        units = year_windows(group)
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


def year_windows(group: list[tuple]) -> list[tuple[list[tuple], int]]:
    """One agency's reports (sorted by year) as windows ``(year-1 and year, pairs)`` for each year that
    has a previous year: the cross-year rules compare exactly those pairs.

    >>> rows = [("a", "s1", "k", 2019), ("b", "s2", "k", 2020), ("c", "s3", "k", 2020), ("d", "s4", "k", 2022)]
    >>> [([r[0] for r in w], pairs) for w, pairs in year_windows(rows)]
    [(['a', 'b', 'c'], 2)]
    """
    by_year: dict[int, list[tuple]] = {}
    for r in group:
        by_year.setdefault(int(r[3]), []).append(r)
    return [(by_year[y - 1] + by_year[y], len(by_year[y - 1]) * len(by_year[y]))
            for y in sorted(by_year) if y - 1 in by_year]


def cross_issues(rows: list[tuple], cache_dir: str) -> tuple[pd.DataFrame, dict[str, int]]:
    """The cross-report findings among ``rows`` (from their checkpoints), and each report's year."""
    rep = pd.DataFrame(rows, columns=["report_id", "sha", "agency_key", "year"])
    cells: list[dict] = []
    texts: dict[str, str] = {}
    for rid, sha in zip(rep["report_id"], rep["sha"]):
        d = read_checkpoint(cache_dir, sha) or {}
        cells.extend(dict(v, report_id=rid) for v in d.get("cross", []))
        if d.get("ytext"):
            texts[rid] = d["ytext"]
    values = pd.DataFrame(cells, columns=VALUE_COLUMNS)
    values["value"] = values["value"].astype("float64")
    return corpus_issues(values, rep, texts), dict(zip(rep["report_id"], rep["year"]))


def cross_to_writer(index: Index, cache_dir: str, batch: BatchSettings, writer: StreamWriter) -> None:
    """Run the cross-report rules over the batch, chunk by chunk, and write their findings: on a
    process pool when the local engine has several workers, else in this process."""
    chunks = cross_chunks(index)
    if batch.engine == "local" and batch.workers > 1:
        cross_in_pool(chunks, cache_dir, batch, writer)
    else:
        for rows in chunks:
            writer.add_issues(*cross_issues(rows, cache_dir))


def cross_in_pool(chunks: Iterator[list[tuple]], cache_dir: str, batch: BatchSettings,
                  writer: StreamWriter) -> None:
    """The cross-report chunks on the workers; findings are written in chunk order (the same output
    as a serial run), with a few chunks in flight per worker."""
    with ProcessPoolExecutor(max_workers=batch.workers, initializer=init_worker,
                             initargs=(batch.memory_mb,)) as pool:
        running: deque[Future] = deque()
        for rows in chunks:
            running.append(pool.submit(cross_issues, rows, cache_dir))
            if len(running) >= 2 * batch.workers:
                writer.add_issues(*running.popleft().result())
        while running:
            writer.add_issues(*running.popleft().result())
