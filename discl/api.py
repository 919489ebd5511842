"""The public facade: :func:`read_report` for one file, :func:`load` for many.

Both return objects holding the three tables of the project's vocabulary (``reports``, ``values``,
``issues``; see the README). DataFrames handed out are copies: changing them never changes the object.
"""
from __future__ import annotations

import difflib
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pandas as pd

from .checks import run_checks
from .pipeline import FileResult, file_to_result, frames
from .schema import FLAGS
from .settings import DEFAULT_SETTINGS, ReadSettings
from .sources import iter_files
from .templates import legacy, table as table_def, zh_label


@dataclass(frozen=True)
class _Tables:
    reports: pd.DataFrame
    values: pd.DataFrame
    issues: pd.DataFrame


def wide_table(values: pd.DataFrame, table: str, *, labels: str = "id", template: str | None = None,
               by: str | Sequence[str] | None = None) -> pd.DataFrame:
    """One table of one report as a wide DataFrame: rows and columns in the template's printed order
    (``discl.templates.table(table).rows()``), not alphabetical.

    ``values`` must hold one report: cells of several reports would otherwise be merged into one
    grid, so a ``ValueError`` says how many there are and how to select one. ``by`` (columns of
    ``values``, e.g. ``"report_id"``, or ``"year"`` after merging the reports' metadata) gives one
    block of rows per value of ``by`` instead: the index is ``(*by, row)``.

    ``labels='zh'`` gives the Chinese row and column labels instead of ids (``template`` picks its wording).

    >>> v = pd.DataFrame({"report_id": ["a"] * 2, "table": ["requests"] * 2,
    ...                   "row": ["total_processed", "granted"], "col": ["total"] * 2, "value": [4.0, 3.0]})
    >>> wide_table(v, "requests")["total"].to_dict()
    {'granted': 3.0, 'total_processed': 4.0}
    >>> wide_table(v, "requests", labels="zh").index.tolist()
    ['（一）予以公开', '（七）总计']
    >>> two = pd.concat([v, v.assign(report_id="b", value=[5.0, 1.0])])
    >>> wide_table(two, "requests")
    Traceback (most recent call last):
    ...
    ValueError: values holds 2 reports for table 'requests' (a, b): wide_table shows one; select it (values[values["report_id"] == "a"]) or pass by="report_id" for one block of rows per report
    >>> wide_table(two, "requests", by="report_id")["total"].to_dict()
    {('a', 'granted'): 3.0, ('a', 'total_processed'): 4.0, ('b', 'granted'): 1.0, ('b', 'total_processed'): 5.0}

    The pre-2019 table ``legacy`` too:

    >>> old = pd.DataFrame({"report_id": ["c"] * 2, "table": ["legacy"] * 2, "row": ["granted"] * 2,
    ...                     "col": ["cumulative", "this_year"], "value": [20.0, 17.0]})
    >>> wide_table(old, "legacy", labels="zh").to_dict("index")
    {'同意公开答复数': {'本年度': 17.0, '历年累计': 20.0}}
    """
    L = legacy()
    if table == L.table:
        rows, cols = [r.id for r in L.rows], [c for c, _ in L.columns]
        legacy_zh = {"row": {r.id: r.zh for r in L.rows}, "col": dict(L.columns)}

        def label(axis: str, id_: str, _template: str | None = None) -> str:
            return legacy_zh[axis].get(id_, id_)
    else:
        t = table_def(table)
        rows, cols = [r.id for r in t.rows()], [c.id for c in t.columns()]

        def label(axis: str, id_: str, template_: str | None = None) -> str:
            return zh_label(table, axis, id_, template_)
    by = [by] if isinstance(by, str) else list(by or [])
    missing = [c for c in by if c not in values.columns]
    if missing:
        raise ValueError(f"by={missing} names no column of values (columns: {', '.join(map(str, values.columns))})")
    v = values[values["table"] == table]
    if not by and "report_id" in v.columns:
        ids = v["report_id"].dropna().unique()
        if len(ids) > 1:
            shown = ", ".join(map(str, ids[:5])) + (", …" if len(ids) > 5 else "")
            raise ValueError(f"values holds {len(ids)} reports for table {table!r} ({shown}): wide_table shows one; "
                             f'select it (values[values["report_id"] == "{ids[0]}"]) or pass by="report_id" '
                             "for one block of rows per report")
    keys = [*by, "row"]
    cells = v.drop_duplicates([*keys, "col"])  # the first when a cell repeats
    wide = cells.set_index([*keys, "col"])["value"].unstack("col")
    # ids the template does not know (none in discl's own output) are kept, after the template's
    extra_cols = sorted(set(wide.columns) - set(cols))
    wide = wide.reindex(columns=[c for c in cols if c in set(wide.columns)] + extra_cols)
    position = {r: i for i, r in enumerate(rows)}
    index = wide.index.to_frame(index=False)
    index["_position"] = index["row"].map(position).fillna(len(rows))
    wide = wide.iloc[index.sort_values([*by, "_position", "row"], kind="stable").index]
    wide.columns.name = "col"
    if labels == "zh":
        def zh_row(r):
            return label("row", r, template)
        wide = wide.rename(index=zh_row, level="row" if by else None)
        wide.columns = [label("col", c, template) for c in wide.columns]
    if not by:
        wide.index.name = "row"
    return wide


def flagged(values: pd.DataFrame, flag: str) -> pd.Series:
    """A boolean mask of the ``values`` rows carrying ``flag`` (one of :data:`discl.schema.FLAGS`).

    ``flags`` is a comma-separated list (``"blank,header_assumed"``), so a cell is flagged when
    ``flag`` is one of its items, not a substring (``split`` does not match ``split_by_columns``).
    Read the column as ``values["flags"]``: ``values.flags`` is pandas' own ``DataFrame.flags``.

    >>> v = pd.DataFrame({"value": [1.0, None, 2.0], "flags": ["split_by_columns", "blank", "split,footnote"]})
    >>> v[flagged(v, "split")]["value"].tolist()
    [2.0]
    >>> flagged(v, "splits")
    Traceback (most recent call last):
    ...
    ValueError: unknown flag 'splits'; did you mean split? (every flag: discl.schema.FLAGS)
    """
    if flag not in FLAGS:
        close = difflib.get_close_matches(flag, list(FLAGS), n=3, cutoff=0.6)
        hint = f"; did you mean {' or '.join(close)}?" if close else ""
        raise ValueError(f"unknown flag {flag!r}{hint} (every flag: discl.schema.FLAGS)")
    pattern = rf"(?:^|,){re.escape(flag)}(?:,|$)"
    return values["flags"].astype("string").str.contains(pattern, regex=True).fillna(False).astype(bool)


class Report:
    """One report read from one file.

    >>> import discl, tempfile, os
    >>> import random
    >>> from discl.render import random_spec, render_text
    >>> path = os.path.join(tempfile.mkdtemp(), "r.txt")
    >>> _ = open(path, "w", encoding="utf-8").write(render_text(random_spec(random.Random(1))))
    >>> r = discl.read_report(path)
    >>> r.meta["status"]
    'ok'
    >>> bool(r.table("requests").loc["new_received", "total"] >= 0)
    True
    """

    def __init__(self, result: FileResult, tables: _Tables):
        self._result = result
        self._t = tables

    @property
    def meta(self) -> dict:
        """The report's row of the ``reports`` table as a dict."""
        return {k: (None if pd.isna(v) else v) for k, v in self._t.reports.iloc[0].to_dict().items()}

    @property
    def values(self) -> pd.DataFrame:
        """One row per table cell (a copy). Read the flags as ``values["flags"]``: ``values.flags`` is
        pandas' ``DataFrame.flags``; :func:`flagged` gives the mask of one flag."""
        return self._t.values.copy()

    @property
    def issues(self) -> pd.DataFrame:
        return self._t.issues.copy()

    @property
    def text(self) -> str:
        return self._result.text

    def table(self, name: str, labels: str = "id") -> pd.DataFrame:
        """``proactive``, ``requests`` or ``review_litigation`` as a wide table (``labels='zh'`` for Chinese)."""
        return wide_table(self._t.values, name, labels=labels, template=self.meta.get("template"))

    def __repr__(self) -> str:
        m = self.meta
        return (f"<Report {m.get('agency') or '?'} {m.get('year') or '?'} {m.get('template') or '?'} "
                f"status={m.get('status')} values={len(self._t.values)} issues={len(self._t.issues)}>")

    def _repr_html_(self) -> str:
        m = self.meta
        head = (f"<p><b>{m.get('agency') or '?'}</b> {m.get('year') or ''} · {m.get('template') or ''} · "
                f"status <b>{m.get('status')}</b>{(' — ' + str(m.get('error'))) if m.get('error') else ''}</p>")
        parts = [head]
        for t in ("requests", "review_litigation", "proactive"):
            if (self._t.values["table"] == t).any():
                parts.append(f"<h4>{t}</h4>" + self.table(t, labels="zh").to_html(na_rep="·"))
        errs = self._t.issues[self._t.issues["severity"].isin(["error", "warning"])]
        if len(errs):
            parts.append("<h4>issues</h4>" + errs[["rule", "severity", "table", "row", "col", "message"]]
                         .to_html(index=False))
        return "\n".join(parts)


class Corpus:
    """Many reports: the three tables joined on ``report_id``."""

    def __init__(self, tables: _Tables, texts: dict[str, str] | None = None):
        self._t = tables
        self._texts = texts or {}

    reports = property(lambda self: self._t.reports.copy(), doc="one row per input file")
    values = property(lambda self: self._t.values.copy(),
                      doc='one row per table cell; its flags are values["flags"] (values.flags is pandas\' '
                          "DataFrame.flags), discl.flagged(values, flag) the mask of one flag")
    issues = property(lambda self: self._t.issues.copy(), doc="one row per finding")

    def __len__(self) -> int:
        return len(self._t.reports)

    def __repr__(self) -> str:
        st = self._t.reports["status"].value_counts().to_dict()
        return f"<Corpus {len(self)} reports {st} values={len(self._t.values)} issues={len(self._t.issues)}>"

    def _repr_html_(self) -> str:
        cols = ["agency", "region", "year", "template", "status", "error"]
        return f"<p>{self!r}</p>" + self._t.reports[cols].to_html(index=False, na_rep="")

    def to_parquet(self, out_dir: str) -> list[str]:
        """Write ``reports.parquet``, ``values.parquet`` and ``issues.parquet`` atomically."""
        os.makedirs(out_dir, exist_ok=True)
        paths = []
        for name in ("reports", "values", "issues"):
            path = os.path.join(out_dir, f"{name}.parquet")
            tmp = path + ".tmp"
            getattr(self._t, name).to_parquet(tmp, index=False)
            os.replace(tmp, path)
            paths.append(path)
        return paths

    def to_excel(self, path: str | os.PathLike) -> str:
        """The comparison workbook (overview, one wide sheet per table, shares, procurement, issues,
        the long values), failing cells highlighted; document text can never become a formula."""
        from .export import corpus_to_excel

        return corpus_to_excel(self._t.reports, self._t.values, self._t.issues, path)

    @classmethod
    def from_parquet(cls, out_dir: str) -> "Corpus":
        """Load a folder written by ``discl ingest`` / :meth:`to_parquet`."""
        t = {n: pd.read_parquet(os.path.join(out_dir, f"{n}.parquet")) for n in ("reports", "values", "issues")}
        return cls(_Tables(**t))


def read_report(path: str | os.PathLike, settings: ReadSettings = DEFAULT_SETTINGS, *,
                checks: bool = True) -> Report:
    """Read one report file (PDF, DOCX/DOC, web page, text or Markdown).

    A file that cannot be read still gives a Report whose ``meta['status']`` is ``'failed'`` and whose
    ``meta['error']`` says what is wrong; no exception is raised for bad input.
    """
    res = file_to_result(os.fspath(path), settings)
    reports, values, issues = frames([res])
    if checks and res.report["status"] != "failed":
        issues = run_checks(reports, values, issues, {res.report["report_id"]: res.text})
    return Report(res, _Tables(reports, values, issues))


def results_to_corpus(results: list[FileResult], checks: bool = True) -> Corpus:
    reports, values, issues = frames(results)
    texts = {r.report["report_id"]: r.text for r in results if r.report["status"] != "failed"}
    if checks and len(values):
        issues = run_checks(reports, values, issues, texts)
    return Corpus(_Tables(reports, values, issues), texts)


def load(paths: str | os.PathLike | Iterable[str | os.PathLike], settings: ReadSettings = DEFAULT_SETTINGS,
         *, checks: bool = True) -> Corpus:
    """Read every report in the given files/folders into one :class:`Corpus`.

    >>> import discl, tempfile
    >>> from discl.render import write_samples
    >>> d = tempfile.mkdtemp(); _ = write_samples(d)
    >>> c = discl.load(d)
    >>> len(c) > 0 and set(c.values["table"]) >= {"requests"}
    True
    """
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    results = [file_to_result(f, settings) for f in iter_files(paths)]
    return results_to_corpus(results, checks=checks)
