"""The batch's state on disk: every file, its content hash and its report row, in a scratch SQLite
file beside the checkpoints (deleted at the end of the run)."""
from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from collections.abc import Iterable, Iterator

import pandas as pd
import pyarrow.parquet as pq

from .cache import json_default
from .inputs import path_key


class Index:
    """Every file of the batch, its content hash and its report row, in a scratch SQLite file.

    The parent keeps nothing per file in memory: a run over a million reports needs the memory of a
    run over ten. The file lives beside the checkpoints and is deleted at the end of the run (one
    left by a killed run is removed by the next).

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     ix = Index(d)
    ...     ix.add_paths(["b.txt", "a.txt", "b.txt"])
    ...     n, first = ix.count(), next(ix.pages("1", "idx, path"))
    ...     ix.close()
    >>> n, first
    (2, [(1, 'b.txt'), (2, 'a.txt')])
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
            CREATE TABLE files(idx INTEGER PRIMARY KEY, path BLOB UNIQUE, abs BLOB UNIQUE, key TEXT, sha TEXT,
                               todo INTEGER DEFAULT 0, reused INTEGER DEFAULT 0, report TEXT, report_id TEXT,
                               status TEXT, agency_key TEXT, year INTEGER, n_values INTEGER);
            CREATE INDEX files_key ON files(key);
            CREATE TABLE previous(key TEXT PRIMARY KEY, path TEXT, sha TEXT);
        """)

    def close(self) -> None:
        self.db.close()
        os.remove(self.path)

    def add_paths(self, paths: Iterable[str]) -> None:
        """Record the files in the order found; a file named twice (even by two names) counts once."""
        it = iter(paths)
        while True:
            # paths go in as bytes: names that are not UTF-8 (surrogate escapes) survive the round trip
            # abs: one file named twice by two names counts once; key: as the outputs print it (names
            # that are not UTF-8 escaped), to compare with the outputs of an earlier run
            page = [(os.fsencode(p), os.fsencode(os.path.abspath(p)), path_key(p)) for _, p in zip(range(self.PAGE), it)]
            if not page:
                break
            self.db.executemany("INSERT OR IGNORE INTO files(path, abs, key) VALUES (?, ?, ?)", page)
        self.db.commit()

    def add_previous(self, reports_parquet: str, cwd: str | None) -> None:
        """The files of the outputs being replaced (``path`` and ``sha256`` of their reports table, paths
        named from ``cwd``), to tell what this run adds, updates and removes (:meth:`changes`)."""
        if not os.path.exists(reports_parquet):
            return
        pf = pq.ParquetFile(reports_parquet)
        for batch in pf.iter_batches(batch_size=self.PAGE, columns=["path", "sha256"]):
            d = batch.to_pydict()
            self.db.executemany("INSERT OR IGNORE INTO previous(key, path, sha) VALUES (?, ?, ?)",
                                [(path_key(p, cwd), p, s or "") for p, s in zip(d["path"], d["sha256"]) if p])
        self.db.commit()

    def changes(self, examples: int = 10) -> tuple[int, int, int, list[str]]:
        """``(added, updated, removed, some removed paths)`` against :meth:`add_previous`'s files: a file
        not there before is added, one whose content (hash) differs is updated, one no longer found is
        removed. Call after the files are hashed."""
        added = self.db.execute(
            "SELECT COUNT(*) FROM files f WHERE NOT EXISTS (SELECT 1 FROM previous p WHERE p.key = f.key)").fetchone()[0]
        updated = self.db.execute(
            "SELECT COUNT(*) FROM files f JOIN previous p ON p.key = f.key WHERE COALESCE(f.sha, '') != p.sha"
        ).fetchone()[0]
        gone = "FROM previous p WHERE NOT EXISTS (SELECT 1 FROM files f WHERE f.key = p.key)"
        removed = self.db.execute(f"SELECT COUNT(*) {gone}").fetchone()[0]
        some = [r[0] for r in self.db.execute(f"SELECT p.path {gone} ORDER BY p.path LIMIT ?", (examples,))]
        return added, updated, removed, some

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
            (json.dumps(report, ensure_ascii=True, default=json_default), report["report_id"], report["status"],
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
