"""The public facade: :func:`read_report` for one file, :func:`load` for many.

Both return objects holding the three tables of the project's vocabulary (``reports``, ``values``,
``issues``; see the README). DataFrames handed out are copies: changing them never changes the object.
"""
from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from .checks import run_checks
from .pipeline import FileResult, file_to_result, frames
from .settings import DEFAULT_SETTINGS, ReadSettings
from .sources import iter_files
from .templates import table as table_def, zh_label


@dataclass(frozen=True)
class _Tables:
    reports: pd.DataFrame
    values: pd.DataFrame
    issues: pd.DataFrame


def wide_table(values: pd.DataFrame, table: str, *, labels: str = "id", template: str | None = None
               ) -> pd.DataFrame:
    """One table of one report as a wide DataFrame in template order.

    ``labels='zh'`` gives the Chinese row and column labels instead of ids (``template`` picks its wording).

    >>> v = pd.DataFrame({"table": ["requests"] * 2, "row": ["total_processed", "granted"],
    ...                   "col": ["total"] * 2, "value": [4.0, 3.0]})
    >>> wide_table(v, "requests")["total"].to_dict()
    {'granted': 3.0, 'total_processed': 4.0}
    >>> wide_table(v, "requests", labels="zh").index.tolist()
    ['（一）予以公开', '（七）总计']
    """
    t = table_def(table)
    v = values[values["table"] == table]
    rows = [r.id for r in t.rows()]
    cols = [c.id for c in t.columns()]
    wide = v.pivot_table(index="row", columns="col", values="value", aggfunc="first", dropna=False)
    present_rows = [r for r in rows if r in set(v["row"])]
    present_cols = [c for c in cols if c in set(v["col"])]
    wide = wide.reindex(index=present_rows, columns=present_cols)
    wide.index.name, wide.columns.name = "row", "col"
    if labels == "zh":
        wide.index = [zh_label(table, "row", r, template) for r in wide.index]
        wide.columns = [zh_label(table, "col", c, template) for c in wide.columns]
    return wide


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
    values = property(lambda self: self._t.values.copy(), doc="one row per table cell")
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
