"""The streaming Parquet writer: the three single files (``OUT/{reports,values,issues}.parquet``)
and the dataset split by the report's year (``OUT/dataset/{reports,values,issues}/YYYY/``, ``unknown/``
for reports whose year was not read), written from many small tables with bounded memory and renamed
into place only when complete.

Every file of the dataset carries the year as a column (``reports.year``; ``values`` and ``issues``
gain the report's ``year``, nullable ``Int64``) and the folders are plain years, not ``year=YYYY``: a
Hive-style folder name would make readers add a second ``year`` column from the path, which clashes
with the file's own (``pd.read_parquet`` fails) or arrives as a categorical. So
``pd.read_parquet("OUT/dataset/values")`` is ``values.parquet`` plus ``year``, and a filter on
``year`` skips the other years' files by their statistics.
"""
from __future__ import annotations

import os
import shutil

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ..pipeline import FileResult, frames
from ..schema import ISSUE_COLUMNS, empty_frames
from .cache import arrow_schemas

#: the dataset's folder, beside the single files
DATASET_DIR = "dataset"
#: the folder of the rows of reports whose year was not read (``year`` is null there)
UNKNOWN_YEAR = "unknown"


def year_folder(year: int | None) -> str:
    """The dataset folder of a year (0 or None: not read).

    >>> year_folder(2021), year_folder(0), year_folder(None)
    ('2021', 'unknown', 'unknown')
    """
    return str(int(year)) if year else UNKNOWN_YEAR


def dataset_schemas() -> dict[str, pa.Schema]:
    """The Arrow schemas of the dataset's files: the tables' own, ``values`` and ``issues`` with the
    report's ``year`` (``Int64``) last.

    >>> [s.names[-1] for s in dataset_schemas().values()]
    ['retrieved_at', 'year', 'year']
    """
    out = {}
    for name, df in zip(("reports", "values", "issues"), empty_frames()):
        if name != "reports":
            df = df.assign(year=pd.array([], dtype="Int64"))
        out[name] = pa.Schema.from_pandas(df, preserve_index=False)
    return out


def _with_year(name: str, table: pa.Table, year: int | None, schema: pa.Schema) -> pa.Table:
    """``table`` as the dataset's file holds it: ``values``/``issues`` with the report's year."""
    if name != "reports":
        table = table.append_column("year", pa.array([year or None] * table.num_rows, pa.int64()))
    return pa.Table.from_arrays(table.columns, schema=schema)


class StreamWriter:
    """Parquet writers for the three single files and the year-partitioned dataset; files appear
    under their final names only when complete (temporary names + rename).

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     w = StreamWriter(d)
    ...     w.close()  # no rows at all: still every file, with its schema
    ...     sorted(os.listdir(d)), sorted(os.listdir(os.path.join(d, "dataset")))
    (['dataset', 'issues.parquet', 'reports.parquet', 'values.parquet'], ['issues', 'reports', 'values'])
    """

    ROW_GROUP = 10_000  # rows buffered per (table, year) before a write: few, large row groups
    BUFFER_BYTES = 8 * 2**20  # all buffers together: above it the largest is written out
    COMPACT = 64  # small tables buffered per (table, year) before they are merged into one

    def __init__(self, out_dir: str):
        self.out_dir = out_dir
        os.makedirs(out_dir, exist_ok=True)
        self.tag = f".tmp-{os.getpid()}"
        self.schemas = arrow_schemas()
        self.ds_schemas = dataset_schemas()
        self.writers: dict[tuple[str, int | None], pq.ParquetWriter] = {}
        self.buffers: dict[tuple[str, int, bool], list[pa.Table]] = {}
        self.buffered: dict[tuple[str, int, bool], int] = {}
        self.key_bytes: dict[tuple[str, int, bool], int] = {}
        self.nbytes = 0  # bytes in all buffers
        self.ds_tmp = os.path.join(out_dir, DATASET_DIR + self.tag)
        shutil.rmtree(self.ds_tmp, ignore_errors=True)

    def _writer(self, name: str, year: int | None) -> pq.ParquetWriter:
        key = (name, year)
        if key not in self.writers:
            if year is None:
                path = os.path.join(self.out_dir, f"{name}.parquet{self.tag}")
            else:
                d = os.path.join(self.ds_tmp, name, year_folder(year))
                os.makedirs(d, exist_ok=True)
                path = os.path.join(d, "part-0.parquet")
            self.writers[key] = pq.ParquetWriter(path, self.schemas[name] if year is None else self.ds_schemas[name])
        return self.writers[key]

    def add_reports(self, rows: list[dict]) -> None:
        """Report rows, in file order (a page at a time)."""
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
            self._writer(name, year).write_table(_with_year(name, table, year, self.ds_schemas[name]))

    def add_fragment(self, name: str, path: str, year: int) -> None:
        """One checkpoint fragment (an Arrow IPC file of table ``name``) of a report of ``year``."""
        with pa.OSFile(path) as f:
            table = pa.ipc.open_file(f).read_all()
        if table.num_rows:
            self._write(name, table, int(year))

    def add_issues(self, issues: pd.DataFrame, year_of: dict[str, int]) -> None:
        """Findings of the cross-report pass; ``year_of`` gives each report's year (its partition)."""
        if not len(issues):
            return
        df = issues.reindex(columns=ISSUE_COLUMNS)
        years = df["report_id"].map(year_of).fillna(0).astype("int64")
        for y, part in df.groupby(years, sort=False):
            table = pa.Table.from_pandas(part, schema=self.schemas["issues"], preserve_index=False)
            self._write("issues", table, int(y))

    def abort(self) -> None:
        """Close and remove the temporary files (an interrupted run): the outputs stay as they were."""
        for w in self.writers.values():
            try:
                w.close()
            except OSError:
                pass  # the file is removed next anyway
        for name in ("reports", "values", "issues"):
            tmp = os.path.join(self.out_dir, f"{name}.parquet{self.tag}")
            if os.path.exists(tmp):
                os.remove(tmp)
        shutil.rmtree(self.ds_tmp, ignore_errors=True)

    def close(self) -> None:
        """Write out every buffer, close the files and rename them (and the dataset) into place."""
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
        _swap(self.ds_tmp, os.path.join(self.out_dir, DATASET_DIR), self.tag)


def _swap(new: str, final: str, tag: str) -> None:
    """Put the folder ``new`` in place of ``final`` (the old one moved away first, then removed)."""
    old = final + ".old" + tag
    if os.path.exists(final):
        os.replace(final, old)
    os.replace(new, final)
    shutil.rmtree(old, ignore_errors=True)


def write_dataset_table(out_dir: str | os.PathLike, name: str, frame: pd.DataFrame,
                        reports: pd.DataFrame) -> str:
    """Write ``OUT/dataset/<name>/`` again from ``frame`` (a whole table; ``reports`` gives each
    report's year), replacing what was there: what a command that rewrites ``OUT/<name>.parquet``
    (``discl check``, ``discl agencies --apply``) calls, so that the two never disagree. Returns the
    folder written.

    >>> import tempfile
    >>> from discl.schema import typed
    >>> reps = typed("reports", pd.DataFrame({"report_id": ["a", "b"], "year": [2021, None]}))
    >>> iss = typed("issues", pd.DataFrame({"report_id": ["a", "b", "a"], "rule": ["T3-R1", "read.x", "T4-R1"]}))
    >>> with tempfile.TemporaryDirectory() as d:
    ...     _ = write_dataset_table(d, "issues", iss, reps)
    ...     back = pd.read_parquet(os.path.join(d, "dataset", "issues"))
    ...     sorted(os.listdir(os.path.join(d, "dataset", "issues")))
    ['2021', 'unknown']
    >>> back = back.sort_values("rule")
    >>> list(back["rule"]), [None if pd.isna(y) else int(y) for y in back["year"]], str(back["year"].dtype)
    (['T3-R1', 'T4-R1', 'read.x'], [2021, 2021, None], 'Int64')
    """
    out_dir = os.fspath(out_dir)
    schema = arrow_schemas()[name]
    ds_schema = dataset_schemas()[name]
    if name == "reports":
        years = frame["year"]
    else:
        year_of = reports.drop_duplicates("report_id").set_index("report_id")["year"]
        years = frame["report_id"].map(year_of)
    years = pd.to_numeric(years, errors="coerce").fillna(0).astype("int64")
    tag = f".tmp-{os.getpid()}"
    final = os.path.join(out_dir, DATASET_DIR, name)
    tmp = final + tag
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    try:
        for y, part in frame.groupby(years, sort=True):
            table = pa.Table.from_pandas(part[schema.names], schema=schema, preserve_index=False)
            d = os.path.join(tmp, year_folder(int(y)))
            os.makedirs(d)
            pq.write_table(_with_year(name, table, int(y), ds_schema), os.path.join(d, "part-0.parquet"))
        _swap(tmp, final, tag)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return final
